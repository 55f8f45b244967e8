"""Small thumbnails for the queue, decoded off the GUI thread and kept in an LRU of pixmaps.

``pixmap_for(job)`` answers at once: the cached pixmap, or None while a ``QRunnable`` on the
cache's own ``QThreadPool`` decodes the file into a ``QImage`` (allowed off the GUI thread). The
result comes back through a queued signal; only then, on the GUI thread, is the ``QPixmap`` made
and ``loaded(job_id)`` emitted so the model repaints one cell. Results from before ``clear()`` are
dropped by generation token.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from sora_studio.core.models import AssetVariant, Job
from sora_studio.services.library import asset_path

THUMB_SIZE = QSize(64, 36)
CACHE_ENTRIES = 256


class _Relay(QObject):
    """Carries a decoded image from a pool thread back to the GUI thread."""

    decoded = Signal(int, int, QImage)  # generation, job id, image (null on failure)


class _DecodeTask(QRunnable):
    def __init__(self, relay: _Relay, generation: int, job_id: int, path: Path, size: QSize):
        super().__init__()
        self._relay = relay
        self._generation = generation
        self._job_id = job_id
        self._path = path
        self._size = size

    def run(self) -> None:
        reader = QImageReader(str(self._path))
        reader.setAutoTransform(True)
        original = reader.size()
        if original.isValid():
            reader.setScaledSize(original.scaled(self._size, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        self._relay.decoded.emit(self._generation, self._job_id, image)


class ThumbnailCache(QObject):
    """Thumbnails of ready jobs, by job id. Lives on the GUI thread."""

    loaded = Signal(int)  # job id whose pixmap is now available

    def __init__(
        self, library_root: Path, *, size: QSize = THUMB_SIZE, parent: QObject | None = None
    ):
        super().__init__(parent)
        self._root = Path(library_root)
        self._size = size
        self._pixmaps: OrderedDict[int, QPixmap] = OrderedDict()
        self._pending: set[int] = set()
        self._failed: set[int] = set()
        self._generation = 0
        self._requests = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._relay = _Relay(self)
        self._relay.decoded.connect(self._on_decoded)

    def path_for(self, job: Job) -> Path:
        return asset_path(self._root, job, AssetVariant.THUMBNAIL)

    def pixmap_for(self, job: Job) -> QPixmap | None:
        cached = self._pixmaps.get(job.id)
        if cached is not None:
            self._pixmaps.move_to_end(job.id)
            return cached
        if job.id not in self._pending and job.id not in self._failed:
            self._pending.add(job.id)
            task = _DecodeTask(
                self._relay, self._generation, job.id, self.path_for(job), self._size
            )
            # Most recent request first: the rows just scrolled into view matter most.
            self._requests += 1
            self.pool.start(task, priority=self._requests)
        return None

    def _on_decoded(self, generation: int, job_id: int, image: QImage) -> None:
        if generation != self._generation:
            return
        self._pending.discard(job_id)
        if image.isNull():
            self._failed.add(job_id)
            return
        self._pixmaps[job_id] = QPixmap.fromImage(image)
        while len(self._pixmaps) > CACHE_ENTRIES:
            self._pixmaps.popitem(last=False)
        self.loaded.emit(job_id)

    def forget(self, job_id: int) -> None:
        """Drop one job's thumbnail (after a retry or delete) so it is read again."""
        self._pixmaps.pop(job_id, None)
        self._failed.discard(job_id)

    def clear(self) -> None:
        self._generation += 1
        self._pixmaps.clear()
        self._pending.clear()
        self._failed.clear()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Wait for decodes in flight; call before the application quits."""
        self.pool.clear()
        return bool(self.pool.waitForDone(timeout_ms))
