"""The player's timeline: playhead, in/out loop region and note markers, click or drag to seek.

GUI thread only. It draws what it is told (duration, position, loop, markers) and reports where
the user pointed through ``seek_requested``; it owns no player state itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

MARKER_COLOR = QColor("#f0b429")
RESOLVED_COLOR = QColor("#7b8794")
LOOP_COLOR = QColor(61, 139, 253, 70)
PLAYHEAD_COLOR = QColor("#ff5a5f")
TRACK_COLOR = QColor("#3a3d43")
PLAYED_COLOR = QColor("#5c8fd6")
_MARGIN = 8


@dataclass(frozen=True, slots=True)
class Marker:
    """A note on the timeline: a point (``end_ms`` None) or a range."""

    start_ms: int
    end_ms: int | None = None
    resolved: bool = False
    note_id: int = 0


class TimelineWidget(QWidget):
    """A thin scrub bar (GUI thread). ``seek_requested(ms)`` on click and drag."""

    seek_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration_ms = 0
        self.position_ms = 0
        self.loop: tuple[int, int] | None = None
        self.in_ms: int | None = None
        self.out_ms: int | None = None
        self.markers: tuple[Marker, ...] = ()
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click or drag to seek; markers are notes")

    def sizeHint(self) -> QSize:
        return QSize(400, 34)

    # -- state ---------------------------------------------------------------------------------

    def set_duration(self, ms: int) -> None:
        self.duration_ms = max(0, ms)
        self.update()

    def set_position(self, ms: int) -> None:
        if ms != self.position_ms:
            self.position_ms = ms
            self.update()

    def set_in_out(self, in_ms: int | None, out_ms: int | None) -> None:
        self.in_ms, self.out_ms = in_ms, out_ms
        self.update()

    def set_markers(self, markers: tuple[Marker, ...]) -> None:
        self.markers = tuple(markers)
        self.update()

    # -- geometry ------------------------------------------------------------------------------

    def track_rect(self) -> QRect:
        return QRect(_MARGIN, self.height() // 2 - 3, max(1, self.width() - 2 * _MARGIN), 6)

    def x_for(self, ms: int) -> float:
        track = self.track_rect()
        if self.duration_ms <= 0:
            return float(track.left())
        return track.left() + track.width() * min(max(ms, 0), self.duration_ms) / self.duration_ms

    def ms_at(self, x: float) -> int:
        track = self.track_rect()
        if self.duration_ms <= 0:
            return 0
        fraction = (x - track.left()) / track.width()
        return round(min(1.0, max(0.0, fraction)) * self.duration_ms)

    # -- events --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.duration_ms > 0:
            self.seek_requested.emit(self.ms_at(event.position().x()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self.duration_ms > 0:
            self.seek_requested.emit(self.ms_at(event.position().x()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        track = self.track_rect()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TRACK_COLOR)
        painter.drawRoundedRect(QRectF(track), 3, 3)
        if self.duration_ms > 0:
            played = QRectF(track)
            played.setRight(self.x_for(self.position_ms))
            painter.setBrush(PLAYED_COLOR)
            painter.drawRoundedRect(played, 3, 3)
        self._paint_loop(painter)
        self._paint_markers(painter, track)
        if self.duration_ms > 0:
            x = self.x_for(self.position_ms)
            painter.setPen(QPen(PLAYHEAD_COLOR, 2))
            painter.drawLine(QPointF(x, 2), QPointF(x, self.height() - 2))
        painter.end()

    def _paint_loop(self, painter: QPainter) -> None:
        if self.duration_ms <= 0 or (self.in_ms is None and self.out_ms is None):
            return
        start = self.in_ms if self.in_ms is not None else 0
        end = self.out_ms if self.out_ms is not None else self.duration_ms
        left, right = self.x_for(start), self.x_for(end)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(LOOP_COLOR)
        painter.drawRect(QRectF(left, 1, max(1.0, right - left), self.height() - 2))
        painter.setPen(QPen(QColor("#3d8bfd"), 2))
        if self.in_ms is not None:
            painter.drawLine(QPointF(left, 1), QPointF(left, self.height() - 1))
        if self.out_ms is not None:
            painter.drawLine(QPointF(right, 1), QPointF(right, self.height() - 1))

    def _paint_markers(self, painter: QPainter, track: QRect) -> None:
        if self.duration_ms <= 0:
            return
        for marker in self.markers:
            color = RESOLVED_COLOR if marker.resolved else MARKER_COLOR
            x = self.x_for(marker.start_ms)
            if marker.end_ms is not None and marker.end_ms > marker.start_ms:
                span = QRectF(x, track.top() - 5, self.x_for(marker.end_ms) - x, 3)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(color)
                painter.drawRect(span)
            # A small downward triangle above the track marks the note's start.
            top = track.top() - 11
            triangle = QPolygonF([QPointF(x - 5, top), QPointF(x + 5, top), QPointF(x, top + 7)])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPolygon(triangle)
