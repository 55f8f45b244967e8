"""Guards the PySide6 version cap in pyproject.toml.

PySide6 6.12.0 on CPython 3.11 dropped one reference to None on every Qt call returning void, so a
desk that scrubs and repaints for a few minutes aborted with "none_dealloc". This fails loudly if a
PySide6 with that bug is installed again.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def test_void_qt_calls_keep_none_alive(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()
    assert sys.getrefcount(None) >= before - 50
