"""The desk's theme: both looks apply, and a checked box shows a tick, not only a filled square."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QCheckBox, QStyle, QStyleOptionButton
from pytestqt.qtbot import QtBot

from sora_studio.ui.theme import ThemeController, check_mark_file


def _white_pixels_in_indicator(box: QCheckBox) -> int:
    """White pixels inside the box itself (its border and the window around it left out)."""
    option = QStyleOptionButton()
    box.initStyleOption(option)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    inside = rect.adjusted(2, 2, -2, -2)
    image = box.grab().toImage()
    white = 0
    for x in range(inside.left(), inside.right() + 1):
        for y in range(inside.top(), inside.bottom() + 1):
            color = QColor(image.pixel(x, y))
            if color.red() > 230 and color.green() > 230 and color.blue() > 230:
                white += 1
    return white


@pytest.mark.parametrize("mode", ["dark", "light"])
def test_a_checked_box_shows_a_tick(qtbot: QtBot, mode: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    ThemeController(app, mode)
    try:
        box = QCheckBox("Offer 16 s and 20 s clips")
        qtbot.addWidget(box)
        box.show()
        box.setChecked(True)
        assert _white_pixels_in_indicator(box) > 4  # a white tick on the accent fill
    finally:
        app.setStyleSheet("")
        app.setPalette(app.style().standardPalette())


def test_the_tick_file_is_rewritten_when_it_is_gone() -> None:
    path = check_mark_file()
    path.unlink()
    again = check_mark_file()
    assert again == path and again.read_bytes().startswith(b"<svg")
