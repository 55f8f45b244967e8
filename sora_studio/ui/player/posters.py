"""Posters: each clip's first frame, decoded before it is needed (GUI thread, decodes off it).

While one clip plays, the review panel asks for the posters of the clips it may show next (the
next one that needs a verdict, the neighbours in the grid). Each is decoded by PyAV on a pool
thread of this cache's :class:`~sora_studio.ui.background_op.BackgroundOps` (through the
``services.posters`` facade) and turned into a ``QImage`` there; the GUI thread only keeps the
image. When the panel switches clips, the player shows the poster in the same event-loop turn
(``PlayerPanel.load(..., poster=...)``), so the picture is there at once and QtMultimedia's own
first frame, which takes tens of milliseconds more, replaces it without a flash of black.

Requests are made per *slot* ("next", "previous", ...): a newer request for a slot makes the
older one stale, so holding an arrow key never piles up decodes of clips already passed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from sora_studio.services.posters import first_frame
from sora_studio.ui.background_op import BackgroundOps

POSTER_MAX_SIDE = 1280
POSTERS_KEPT = 12


def decode_poster(path: str, max_side: int = POSTER_MAX_SIDE) -> QImage:
    """The first frame of ``path`` as a QImage ready to paint (any thread; raises
    ``UserError`` when the video cannot be decoded)."""
    pixels = first_frame(path, max_side)
    image = QImage(
        pixels.rgb, pixels.width, pixels.height, pixels.width * 3, QImage.Format.Format_RGB888
    )
    # A deep copy in the format QPainter draws without converting: the bytes die with ``pixels``.
    return image.convertToFormat(QImage.Format.Format_RGB32)


class PosterCache(QObject):
    """First frames of the clips the desk may show next: an LRU of QImages (GUI thread)."""

    ready = Signal(str)  # a video path whose poster is now cached

    def __init__(self, parent: QObject | None = None, *, kept: int = POSTERS_KEPT) -> None:
        super().__init__(parent)
        self._kept = kept
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._failed: set[str] = set()
        self._wanted: dict[Hashable, str] = {}  # slot -> path being decoded for it
        self._ops = BackgroundOps(self, max_threads=1, lifo=True)

    def get(self, path: str | None) -> QImage | None:
        """The poster of ``path`` if it is decoded (and now the most recently used)."""
        if not path:
            return None
        image = self._images.get(path)
        if image is not None:
            self._images.move_to_end(path)
        return image

    def request(self, path: str | None, slot: Hashable = "next") -> None:
        """Decode the poster of ``path`` unless cached; supersedes the slot's last request."""
        if not path or path in self._images or path in self._failed:
            return
        if self._wanted.get(slot) == path and self._ops.busy(("poster", slot)):
            return
        self._wanted[slot] = path
        self._ops.submit(
            lambda ctx: None if ctx.cancelled() else decode_poster(path),
            lambda image: self._store(path, image),
            on_error=lambda _error: self._failed.add(path),
            key=("poster", slot),
        )

    def forget(self, path: str) -> None:
        """Drop what is known of ``path`` (its file was replaced)."""
        self._images.pop(path, None)
        self._failed.discard(path)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self._images.clear()
        return self._ops.shutdown(timeout_ms)

    def _store(self, path: str, image: QImage | None) -> None:
        if image is None or image.isNull():
            return
        self._images[path] = image
        self._images.move_to_end(path)
        while len(self._images) > self._kept:
            self._images.popitem(last=False)
        self.ready.emit(path)
