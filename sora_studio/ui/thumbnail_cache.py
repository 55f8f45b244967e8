"""The desk's one image cache (review grid, render queue): QPixmap LRU on the GUI thread, QImage
decoding off it.

Thread model (DESIGN.md §2, calibre's thumbnail renderer): :class:`ThumbnailCache` is a QObject
living on the GUI thread. Files are decoded to ``QImage`` through a
:class:`~sora_studio.ui.background_op.BackgroundOps` of its own, most recent request first
(``lifo=True``), so the cells the user scrolled to last are decoded first and a fast fling
through the grid does not leave the visible cells waiting behind hundreds that already scrolled
away. The image comes back to the GUI thread and only there becomes a ``QPixmap``.
:meth:`ThumbnailCache.clear` makes every request in flight stale (its result is dropped, not
stored) and :meth:`ThumbnailCache.shutdown` also waits for the decoder threads.

An image is asked for at a size: ``max_side`` (its long side at most that, the grid) or ``fit``
(inside a box, the queue's 64×36 cells); each size is its own entry. Spritesheet frames are drawn
many times a second while the cursor scrubs, so a scaled crop of each (sheet, frame, size) is
cached too: a repaint is then one ``drawPixmap`` of a ready pixmap.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import partial

from PySide6.QtCore import QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from sora_studio.ui.background_op import BackgroundOps

DEFAULT_PIXMAP_BUDGET_BYTES = 160 * 1024 * 1024
DEFAULT_FRAME_BUDGET_BYTES = 48 * 1024 * 1024
DEFAULT_THREADS = 2

_Key = tuple[str, int, int]  # path, largest width, largest height (0, 0: full size)


def _pixmap_bytes(pixmap: QPixmap) -> int:
    return max(1, pixmap.width() * pixmap.height() * 4)


class PixmapLru:
    """A byte-bounded least-recently-used map of pixmaps (GUI thread only)."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError(f"the cache budget must be positive, got {max_bytes} bytes")
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Hashable, QPixmap] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable) -> QPixmap | None:
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, key: Hashable, pixmap: QPixmap) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= _pixmap_bytes(old)
        self._items[key] = pixmap
        self.bytes += _pixmap_bytes(pixmap)
        # Keep at least the newest entry even when it alone is over budget: it is on screen.
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, evicted = self._items.popitem(last=False)
            self.bytes -= _pixmap_bytes(evicted)

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> None:
        """Drop every entry whose key satisfies ``predicate``."""
        for key in [k for k in self._items if predicate(k)]:
            self.bytes -= _pixmap_bytes(self._items.pop(key))

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


def decode_image(path: str, max_side: int = 0, *, box: tuple[int, int] | None = None) -> QImage:
    """Decode ``path`` to a QImage (any thread), scaled down to fit ``box`` (width, height) or a
    ``max_side`` square; 0 / None: full size.

    Returns a null image when the file is missing or unreadable, which the views show as
    "missing media" rather than raising in a worker thread where nobody would see it.
    """
    width, height = box if box is not None else (max_side, max_side)
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    if width > 0 and height > 0:
        size = reader.size()
        if size.isValid() and (size.width() > width or size.height() > height):
            reader.setScaledSize(size.scaled(width, height, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return QImage()
    # A format QPainter draws without a conversion on every paint.
    return image.convertToFormat(QImage.Format.Format_RGB32)


def _key(path: str, max_side: int, fit: QSize | None) -> _Key:
    if fit is not None:
        return (path, fit.width(), fit.height())
    return (path, max_side, max_side)


class ThumbnailCache(QObject):
    """Asynchronous, LRU-bounded image cache shared by a view's cells (GUI thread).

    ``pixmap()`` and ``frame()`` answer from memory at once or return ``None`` after queueing a
    decode; ``loaded(path)`` fires when the decode lands so the view repaints the cells using it,
    ``failed_to_load(path)`` when the file cannot be read. Failed paths are remembered until
    :meth:`forget` or :meth:`clear`.
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
        self._decoder = BackgroundOps(self, max_threads=threads, lifo=True)
        self._pending: set[_Key] = set()
        self._failed: set[_Key] = set()

    # -- queries ---------------------------------------------------------------------------

    def pixmap(self, path: str, max_side: int = 0, *, fit: QSize | None = None) -> QPixmap | None:
        """The cached image of ``path`` (long side <= ``max_side``, or inside ``fit``), or None
        after a request."""
        key = _key(path, max_side, fit)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            return pixmap
        if key not in self._failed:
            self._request(key)
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
        sheet = self._pixmaps.get(_key(path, 0, None))
        return None if sheet is None else sheet.size()

    def is_failed(self, path: str, max_side: int = 0, *, fit: QSize | None = None) -> bool:
        return _key(path, max_side, fit) in self._failed

    def is_pending(self, path: str, max_side: int = 0, *, fit: QSize | None = None) -> bool:
        return _key(path, max_side, fit) in self._pending

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def memory_bytes(self) -> int:
        return self._pixmaps.bytes + self._frames.bytes

    # -- invalidation ------------------------------------------------------------------------

    def forget(self, path: str) -> None:
        """Drop everything cached for ``path`` (its file changed or was just downloaded)."""

        def of_path(key: Hashable) -> bool:
            return isinstance(key, tuple) and key[0] == path

        self._pixmaps.discard_where(of_path)
        self._frames.discard_where(of_path)
        self._failed = {k for k in self._failed if k[0] != path}
        # A decode on its way may have read the old file: drop it; the next paint asks again.
        for key in [k for k in self._pending if k[0] == path]:
            self._decoder.cancel(key)
            self._pending.discard(key)

    def clear(self) -> None:
        """Forget everything; decodes already running finish but their results are dropped."""
        self._decoder.cancel_all()
        self._pending.clear()
        self._failed.clear()
        self._pixmaps.clear()
        self._frames.clear()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel pending decodes and wait for running ones; True if the decoders went idle in
        time. Final: later requests are not decoded."""
        self._pending.clear()
        return self._decoder.shutdown(timeout_ms)

    # -- internals ---------------------------------------------------------------------------

    def _request(self, key: _Key) -> None:
        if key in self._pending:
            # Already queued: move it to the front so the newest interest is served first.
            self._decoder.promote(key)
            return
        if self._decoder.closed:
            return
        self._pending.add(key)
        path, width, height = key
        self._decoder.submit(
            lambda _context: decode_image(path, box=(width, height)),
            partial(self._on_decoded, key),
            on_error=partial(self._on_failed, key),
            key=key,
        )

    def _on_decoded(self, key: _Key, image: QImage) -> None:
        if image.isNull():
            self._on_failed(key)
            return
        self._pending.discard(key)
        self._pixmaps.put(key, QPixmap.fromImage(image))
        self.loaded.emit(key[0])

    def _on_failed(self, key: _Key, _error: BaseException | None = None) -> None:
        self._pending.discard(key)
        self._failed.add(key)
        self.failed_to_load.emit(key[0])
