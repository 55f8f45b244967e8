"""The layer rules of DESIGN.md §1, checked on the real import graph.

import-linter's contracts in pyproject.toml cover static imports; these tests also catch imports
made at run time by importing each layer in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

QT_FREE_PACKAGES = [
    "sora_studio.core",
    "sora_studio.storage",
    "sora_studio.api",
    "sora_studio.media",
    "sora_studio.services",
    "sora_studio.emulator",
    "sora_studio.cli",
]


def _modules_loaded_by(import_statement: str) -> set[str]:
    code = f"import sys, pkgutil, importlib\n{import_statement}\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(result.stdout.split())


def _import_whole_package(package: str) -> str:
    return (
        f"pkg = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(getattr(pkg, '__path__', []), pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
    )


@pytest.mark.parametrize("package", QT_FREE_PACKAGES)
def test_engine_layers_never_load_qt(package: str) -> None:
    loaded = _modules_loaded_by(_import_whole_package(package))
    assert not any(name == "PySide6" or name.startswith("PySide6.") for name in loaded)


def test_core_loads_nothing_heavier_than_the_standard_library() -> None:
    loaded = _modules_loaded_by(_import_whole_package("sora_studio.core"))
    heavy = {"PySide6", "openai", "sqlite_utils", "av", "PIL", "httpx", "httpx2", "numpy"}
    assert not heavy & {name.split(".")[0] for name in loaded}


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
