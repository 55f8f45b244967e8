"""Where the desk keeps its data, cache and logs.

Defaults follow each platform's conventions (platformdirs). ``--data-dir`` or the environment
variable ``SORA_STUDIO_DATA_DIR`` moves everything under one folder, so tests and several libraries
can live side by side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "sora-studio"
DATA_DIR_ENV = "SORA_STUDIO_DATA_DIR"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The folders one library uses; ``ensure()`` creates them."""

    data: Path
    cache: Path
    logs: Path

    @property
    def database(self) -> Path:
        return self.data / "studio.sqlite3"

    @property
    def library(self) -> Path:
        """Downloaded and imported media, ``<library>/<date>/<job>/``."""
        return self.data / "library"

    @property
    def emulator_data(self) -> Path:
        """State of the built-in emulator when the desk runs it in-process."""
        return self.data / "emulator"

    @property
    def settings_file(self) -> Path:
        return self.data / "settings.json"

    def ensure(self) -> AppPaths:
        for folder in (self.data, self.cache, self.logs, self.library):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Paths from ``data_dir``, else ``$SORA_STUDIO_DATA_DIR``, else platform defaults."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return AppPaths(data=root, cache=root / "cache", logs=root / "logs")
    return AppPaths(
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )
