"""The desk as the screenshot scripts (``make_screenshots.py``, ``provider_screenshots.py``) run it:
built like the app builds it, at one window size, started, and closed again."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from sora_studio.app import Desk, DeskOptions, attach_review, build_desk
from sora_studio.paths import AppPaths

SIZE = (1440, 900)


def wait(app: QApplication, seconds: float, until: Callable[[], bool] | None = None) -> bool:
    """Run the event loop for ``seconds``, or until ``until()`` holds (then True)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if until is not None and until():
            return True
        time.sleep(0.02)
    return until is None


def open_desk(app: QApplication, paths: AppPaths, options: DeskOptions, attach_s: float) -> Desk:
    """The desk on ``paths``, shown at :data:`SIZE`, once its engine is attached (at most
    ``attach_s`` seconds)."""
    desk = build_desk(app, paths, options)
    attach_review(desk)
    desk.window.resize(*SIZE)
    desk.window.show()
    attached: list[object] = []
    desk.engine_attached.connect(attached.append)
    desk.start()
    wait(app, attach_s, lambda: bool(attached))
    return desk


def close_desk(desk: Desk) -> None:
    desk.window.close()
    desk.shutdown()
