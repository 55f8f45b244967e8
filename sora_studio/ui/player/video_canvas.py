"""A plain QWidget that shows a QMediaPlayer's frames, painted with QPainter.

GUI thread only: the player's video renderer thread hands frames to ``sink``, and they reach
``_on_frame`` through a queued connection (``ui.player.media``), never on that thread.

``QVideoWidget`` draws through the platform's native/RHI path, which shows
nothing when the widget is grabbed (screenshots, tests) or when no GPU backend exists; painting
frames from a ``QVideoSink`` works everywhere, letterboxes correctly, and lets tests see the
frame that is on screen (``frames_shown``, ``current_image``).

A *poster* (the clip's first frame, decoded ahead by ``ui.player.posters``) can stand in until
the player's own first frame arrives: :meth:`VideoCanvas.show_poster`. ``paint_listener``, when
set (benchmarks, tests), is called after each paint that showed a picture, with
``(frames_shown, showing_poster)``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtMultimedia import QVideoFrame
from PySide6.QtWidgets import QSizePolicy, QWidget

from sora_studio.ui.player.media import connect_queued, make_video_sink


class VideoCanvas(QWidget):
    """Paints the latest video frame, scaled to fit with black bars (GUI thread)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sink = make_video_sink(self)
        connect_queued(self.sink.videoFrameChanged, self._on_frame)
        self._image = QImage()
        self.frames_shown = 0
        self.showing_poster = False
        self.paint_listener: Callable[[int, bool], None] | None = None
        # While a poster is on show, frames are taken only when this says the player is on the
        # new clip: a frame of the previous clip still queued must not replace the poster.
        self.accept_frames: Callable[[], bool] | None = None
        self.placeholder = "No clip selected"
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    @property
    def current_image(self) -> QImage:
        return self._image

    def clear(self, placeholder: str = "No clip selected") -> None:
        self._image = QImage()
        self.showing_poster = False
        self.placeholder = placeholder
        self.update()

    def show_poster(self, image: QImage) -> None:
        """Show ``image`` until the player's next frame replaces it."""
        if image.isNull():
            return
        self._image = image
        self.showing_poster = True
        self.update()

    def _on_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        if self.showing_poster and self.accept_frames is not None and not self.accept_frames():
            return
        image = frame.toImage()
        if image.isNull():
            return
        self._image = image
        self.showing_poster = False
        self.frames_shown += 1
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self._image.isNull():
            painter.setPen(QColor("#9aa0a6"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
        else:
            size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(self.rect().center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, self._image)
        painter.end()
        if self.paint_listener is not None and not self._image.isNull():
            self.paint_listener(self.frames_shown, self.showing_poster)
