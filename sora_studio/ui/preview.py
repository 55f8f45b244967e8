"""Run one panel on its own, for people working on it (in the spirit of Orange's ``WidgetPreview``).

``run_preview(build, title=...)`` makes the QApplication and a throwaway folder (deleted on
exit), lets ``build`` fill that folder and make the panel on it, shows the panel in a
``PreviewWindow`` and runs until the window is closed. Every preview takes the same options:
``--screenshot PNG`` saves the window just after its first paint, ``--quit-after-paint``
closes it then (how the tests check that a preview opens, also under
``QT_QPA_PLATFORM=offscreen``), and ``--theme`` picks the desk's light or dark look.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from sora_studio.ui.theme import THEME_MODES, ThemeController

SETTLE_MS = 400


class PreviewWindow(QMainWindow):
    """A panel alone in a window, with a status line for what it asked its (absent) desk to do."""

    def __init__(self, panel: QWidget, shutdown: Callable[[], object] | None = None) -> None:
        super().__init__()
        self.panel = panel
        self._shutdown = shutdown
        self.setCentralWidget(panel)
        self.statusBar().showMessage("Preview: nothing here reaches a real library or provider.")

    def say(self, text: str) -> None:
        """Show ``text`` in the status line and print it, so a terminal keeps the history."""
        self.statusBar().showMessage(text)
        print(text, flush=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._shutdown is not None:
            self._shutdown()
            self._shutdown = None
        super().closeEvent(event)


class _AfterFirstPaint(QObject):
    """Once ``window`` has painted: save a screenshot and/or quit, as the options asked."""

    def __init__(self, window: QWidget, screenshot: Path | None, quit_after: bool) -> None:
        super().__init__(window)
        self._window = window
        self._screenshot = screenshot
        self._quit = quit_after
        self._done = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            # Not inside the paint event itself (grabbing there would paint recursively), and
            # a moment later, so what loads in the background (thumbnails) is in the picture.
            QTimer.singleShot(SETTLE_MS, self._finish)
        return False

    def _finish(self) -> None:
        if self._screenshot is not None:
            self._screenshot.parent.mkdir(parents=True, exist_ok=True)
            self._window.grab().save(str(self._screenshot))
            print(f"screenshot: {self._screenshot}", flush=True)
        if self._quit:
            self._window.close()


def run_preview(
    build: Callable[[Path], PreviewWindow],
    *,
    title: str,
    size: tuple[int, int],
    argv: Sequence[str] | None = None,
) -> int:
    """Build the preview on a throwaway folder, show it, and run until it is closed."""
    parser = argparse.ArgumentParser(description=f"{title}, on its own with sample data.")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="save it once painted")
    parser.add_argument(
        "--quit-after-paint", action="store_true", help="close it once painted (for tests)"
    )
    parser.add_argument("--theme", choices=THEME_MODES, default="system", help="as in the desk")
    args = parser.parse_args(argv)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    ThemeController(app, args.theme)  # the desk's look: its palette and style sheet
    with tempfile.TemporaryDirectory(prefix="sora-studio-preview-") as folder:
        window = build(Path(folder))
        window.setWindowTitle(f"{title} (preview)")
        window.resize(*size)
        _AfterFirstPaint(window, args.screenshot, args.quit_after_paint)
        window.show()
        code = app.exec()
        window.close()  # shuts the panel's background work down before the folder goes
        window.deleteLater()
    return int(code)
