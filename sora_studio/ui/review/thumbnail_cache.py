"""Image cache for the review grid: QPixmap LRU on the GUI thread, QImage decoding off-thread.

Thread model (DESIGN.md §2): :class:`ThumbnailCache` is a QObject living on the GUI thread. Files
are decoded to ``QImage`` in a private ``QThreadPool``; the finished image travels back to the GUI
thread through a queued signal and only there becomes a ``QPixmap``. Pending requests sit on a
LIFO stack, so the clips the user scrolled to last are decoded first and a fast fling through the
grid does not leave the visible cells waiting behind hundreds of cells that already scrolled away.
Each request carries the cache's generation token; :meth:`ThumbnailCache.clear` bumps it, and a
result from an older generation is dropped instead of being stored.

Spritesheet frames are drawn many times a second while the cursor scrubs, so a scaled crop of
each (sheet, frame, size) is cached too: a repaint is then one ``drawPixmap`` of a ready pixmap.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRect, QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap

DEFAULT_PIXMAP_BUDGET_BYTES = 160 * 1024 * 1024
DEFAULT_FRAME_BUDGET_BYTES = 48 * 1024 * 1024
DEFAULT_THREADS = 2


def _pixmap_bytes(pixmap: QPixmap) -> int:
    return max(1, pixmap.width() * pixmap.height() * 4)


class PixmapLru:
    """A byte-bounded least-recently-used map of pixmaps (GUI thread only)."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError(f"the cache budget must be positive, got {max_bytes} bytes")
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[object, QPixmap] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: object) -> QPixmap | None:
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, key: object, pixmap: QPixmap) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= _pixmap_bytes(old)
        self._items[key] = pixmap
        self.bytes += _pixmap_bytes(pixmap)
        # Keep at least the newest entry even when it alone is over budget: it is on screen.
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, evicted = self._items.popitem(last=False)
            self.bytes -= _pixmap_bytes(evicted)

    def discard_where(self, predicate: object) -> None:
        """Drop every entry whose key satisfies ``predicate`` (a callable)."""
        assert callable(predicate)
        for key in [k for k in self._items if predicate(k)]:
            self.bytes -= _pixmap_bytes(self._items.pop(key))

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


@dataclass(frozen=True, slots=True)
class _Request:
    path: str
    max_side: int  # 0: decode at full size
    token: int


class _Relay(QObject):
    """Lives on the GUI thread; workers emit on it so delivery is a queued call (thread-safe)."""

    decoded = Signal(str, int, int, QImage)  # path, max_side, token, image (null on failure)


class _DecodeJob(QRunnable):
    """Pops the most recent pending request when a pool thread becomes free (LIFO)."""

    def __init__(self, cache: ThumbnailCache) -> None:
        super().__init__()
        self._stack = cache._stack
        self._lock = cache._lock
        self._relay = cache._relay

    def run(self) -> None:
        with self._lock:
            if not self._stack:
                return
            request = self._stack.pop()
        image = decode_image(request.path, request.max_side)
        self._relay.decoded.emit(request.path, request.max_side, request.token, image)


def decode_image(path: str, max_side: int = 0) -> QImage:
    """Decode ``path`` to a QImage (any thread); scaled so its long side is at most ``max_side``.

    Returns a null image when the file is missing or unreadable, which the grid shows as
    "missing media" rather than raising in a worker thread where nobody would see it.
    """
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    if max_side > 0:
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > max_side:
            scaled = size.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio)
            reader.setScaledSize(scaled)
    image = reader.read()
    if image.isNull():
        return QImage()
    # A format QPainter draws without a conversion on every paint.
    return image.convertToFormat(QImage.Format.Format_RGB32)


class ThumbnailCache(QObject):
    """Asynchronous, LRU-bounded image cache shared by the grid's delegate (GUI thread).

    ``pixmap()`` and ``frame()`` answer from memory at once or return ``None`` after queueing a
    decode; ``loaded(path)`` fires when the decode lands so the view repaints the cells using it.
    Paths that failed to decode are remembered in ``failed`` until :meth:`forget` or
    :meth:`clear`.
    """

    loaded = Signal(str)
    failed_to_load = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        pixmap_budget_bytes: int = DEFAULT_PIXMAP_BUDGET_BYTES,
        frame_budget_bytes: int = DEFAULT_FRAME_BUDGET_BYTES,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        super().__init__(parent)
        self._pixmaps = PixmapLru(pixmap_budget_bytes)
        self._frames = PixmapLru(frame_budget_bytes)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, threads))
        self._stack: list[_Request] = []
        self._lock = threading.Lock()
        self._pending: set[tuple[str, int]] = set()
        self._failed: set[tuple[str, int]] = set()
        self._token = 0
        self._relay = _Relay(self)
        self._relay.decoded.connect(self._on_decoded, Qt.ConnectionType.QueuedConnection)

    # -- queries ---------------------------------------------------------------------------

    def pixmap(self, path: str, max_side: int = 0) -> QPixmap | None:
        """The cached image of ``path`` (long side <= ``max_side``), or None after a request."""
        key = (path, max_side)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            return pixmap
        if key not in self._failed:
            self._request(path, max_side)
        return None

    def frame(self, path: str, source: QRect, target: QSize, frame: int) -> QPixmap | None:
        """Tile ``source`` of spritesheet ``path`` scaled to fit ``target``; None while loading.

        ``frame`` only names the crop in the cache key (the rect says where it is).
        """
        key = (path, frame, target.width(), target.height())
        crop = self._frames.get(key)
        if crop is not None:
            return crop
        sheet = self.pixmap(path)
        if sheet is None:
            return None
        tile = sheet.copy(source)
        crop = tile.scaled(
            target,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self._frames.put(key, crop)
        return crop

    def sheet_size(self, path: str) -> QSize | None:
        """Pixel size of a loaded spritesheet (None until it is decoded)."""
        sheet = self._pixmaps.get((path, 0))
        return None if sheet is None else sheet.size()

    def is_failed(self, path: str, max_side: int = 0) -> bool:
        return (path, max_side) in self._failed

    def is_pending(self, path: str, max_side: int = 0) -> bool:
        return (path, max_side) in self._pending

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def memory_bytes(self) -> int:
        return self._pixmaps.bytes + self._frames.bytes

    # -- invalidation ------------------------------------------------------------------------

    def forget(self, path: str) -> None:
        """Drop everything cached for ``path`` (its file changed or was just downloaded)."""
        self._pixmaps.discard_where(lambda k: k[0] == path)
        self._frames.discard_where(lambda k: k[0] == path)
        self._failed = {k for k in self._failed if k[0] != path}

    def clear(self) -> None:
        """Forget everything; decodes already running finish but their results are dropped."""
        self._token += 1
        with self._lock:
            self._stack.clear()
        self._pending.clear()
        self._failed.clear()
        self._pixmaps.clear()
        self._frames.clear()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel pending decodes and wait for running ones; True if the pool went idle in time."""
        self._token += 1
        with self._lock:
            self._stack.clear()
        self._pending.clear()
        return bool(self._pool.waitForDone(timeout_ms))

    # -- internals ---------------------------------------------------------------------------

    def _request(self, path: str, max_side: int) -> None:
        key = (path, max_side)
        with self._lock:
            if key in self._pending:
                # Already queued: move it to the top so the newest interest is served first.
                for i in range(len(self._stack) - 1, -1, -1):
                    if (self._stack[i].path, self._stack[i].max_side) == key:
                        self._stack.append(self._stack.pop(i))
                        break
                return
            self._stack.append(_Request(path, max_side, self._token))
        self._pending.add(key)
        self._pool.start(_DecodeJob(self))

    @Slot(str, int, int, QImage)
    def _on_decoded(self, path: str, max_side: int, token: int, image: QImage) -> None:
        if token != self._token:
            return  # a result for a generation that clear() already threw away
        key = (path, max_side)
        self._pending.discard(key)
        if image.isNull():
            self._failed.add(key)
            self.failed_to_load.emit(path)
            return
        self._pixmaps.put(key, QPixmap.fromImage(image))
        self.loaded.emit(path)
