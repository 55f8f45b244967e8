"""Sub-commands of ``sora-studio``: one module each, exposing ``register(subparsers)``.

Each module adds its parser with ``set_defaults(handler=run)``; ``run(args)`` returns the exit
status. Modules import their heavy dependencies inside ``run`` so ``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def command_modules() -> list[ModuleType]:
    """Every command module in this package, in name order."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return modules
