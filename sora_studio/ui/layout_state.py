"""Remembered window layout: geometry, dock/toolbar state and splitter sizes across sessions.

Stored with ``QSettings`` in an INI file under the library's data folder (not the platform
registry), so each library and each test keeps its own layout. GUI thread only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

LAYOUT_FILE = "layout.ini"
# Bump when the docks change shape so an old saved state is not forced onto new widgets.
LAYOUT_VERSION = 1


class LayoutState:
    """Saves and restores one main window's layout in ``<data>/layout.ini``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LAYOUT_FILE
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def save(self, window: QMainWindow) -> None:
        self._settings.setValue("window/geometry", window.saveGeometry())
        self._settings.setValue("window/state", window.saveState(LAYOUT_VERSION))
        self._settings.sync()

    def restore(self, window: QMainWindow) -> bool:
        """Apply the saved layout; False (window untouched) when there is none yet."""
        geometry = self._settings.value("window/geometry")
        state = self._settings.value("window/state")
        if not isinstance(geometry, QByteArray) or geometry.isEmpty():
            return False
        window.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state, LAYOUT_VERSION)
        return True

    def value(self, key: str, default: str = "") -> str:
        """A small UI preference (e.g. the queue filter) kept beside the layout."""
        raw = self._settings.value(f"prefs/{key}", default)
        return str(raw) if raw is not None else default

    def set_value(self, key: str, value: str) -> None:
        self._settings.setValue(f"prefs/{key}", value)
