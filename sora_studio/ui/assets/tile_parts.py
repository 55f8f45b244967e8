"""Parts of an asset tile drawn by more than one path: badges ("pills") and the broken-file
picture. GUI thread only (they paint with a QPainter the delegate hands them)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter

from sora_studio.ui.review.clip_delegate import CARD_DARK, POSITION_BAR_HEIGHT

BROKEN_TEXT = QColor("#f0c36d")


@dataclass(frozen=True)
class TileFonts:
    """The tile's two fonts (small, and small bold for badges) and their metrics."""

    small: QFont
    bold: QFont
    metrics: QFontMetrics
    bold_metrics: QFontMetrics

    @classmethod
    def make(cls) -> TileFonts:
        small = QFont()
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.85))
        bold = QFont(small)
        bold.setBold(True)
        return cls(small, bold, QFontMetrics(small), QFontMetrics(bold))


def paint_broken(fonts: TileFonts, painter: QPainter, area: QRect, error: str) -> None:
    """The hatched picture of a file that cannot be read, with the first clause of why."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(CARD_DARK)
    painter.drawRect(area)
    painter.setBrush(QBrush(QColor("#4a4f57"), Qt.BrushStyle.BDiagPattern))
    painter.drawRect(area)
    painter.setPen(BROKEN_TEXT)
    painter.setFont(fonts.bold)
    painter.drawText(
        area.adjusted(6, 6, -6, -area.height() // 2), Qt.AlignmentFlag.AlignCenter, "Can't open"
    )
    painter.setFont(fonts.small)
    painter.setPen(QColor("#d8dbe0"))
    lower = area.adjusted(8, area.height() // 2 - 4, -8, -4)
    painter.drawText(
        lower,
        int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        | int(Qt.TextFlag.TextWordWrap),
        # The reason's first clause ("Permission denied", "Broken or unsupported file"):
        # the details name temporary paths and decoder internals; the tooltip has them.
        fonts.metrics.elidedText(
            error.split(":")[0], Qt.TextElideMode.ElideRight, lower.width() * 2
        ),
    )


def pill(
    fonts: TileFonts,
    painter: QPainter,
    text: str,
    color: QColor,
    area: QRect,
    right: bool,
    bottom: bool,
) -> None:
    """A rounded badge in a corner of ``area``."""
    width = fonts.bold_metrics.horizontalAdvance(text) + 10
    height = fonts.bold_metrics.height() + 2
    rect = QRect(0, 0, width, height)
    if right:
        rect.moveRight(area.right() - 4)
    else:
        rect.moveLeft(area.left() + 4)
    if bottom:
        rect.moveBottom(area.bottom() - 4 - POSITION_BAR_HEIGHT)
    else:
        rect.moveTop(area.top() + 4)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(rect), height / 2, height / 2)
    painter.setPen(QColor("#ffffff"))
    painter.setFont(fonts.bold)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
