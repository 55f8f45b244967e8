"""Previews for the Assets grid: what each file is and its thumbnail, and clips' scrub sheets.

:class:`AssetPreviews` is a QObject on the GUI thread. The file work (decoding a picture or a
clip's frame, writing the small preview into the disk cache under the library's
``.asset-previews`` folder, or finding it there) is done in helper processes
(:class:`~sora_studio.services.preview_workers.PreviewWorkers`, so it never holds this
process's GIL), asked for and waited on through a
:class:`~sora_studio.ui.background_op.BackgroundOps` with ``lifo=True``: the cells the person
scrolled to last are served first, and a scroll drops what was asked for and not started
(:meth:`AssetPreviews.drop_waiting`). Spritesheets for hover scrubbing are made on demand, one at
a time, through a second one (each decodes a whole clip). Results arrive on the GUI thread as
frozen :class:`~sora_studio.services.asset_folders.PreviewFacts` and are kept by file (path,
mtime, size): a file that changes is a new entry. The pictures themselves go through the desk's
:class:`~sora_studio.ui.thumbnail_cache.ThumbnailCache`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from sora_studio.services.asset_folders import FolderFile, PreviewFacts
from sora_studio.services.preview_workers import PreviewWorkers
from sora_studio.ui.background_op import BackgroundOps, describe_error

_FileKey = tuple[str, int, int]  # path, mtime_ns, bytes
PREVIEW_THREADS = 2  # each waits on a helper process (PreviewWorkers), holding no GIL


def file_key(file: FolderFile) -> _FileKey:
    return (file.path, file.mtime_ns, file.bytes)


class AssetPreviews(QObject):
    """Asks for previews and sheets off the GUI thread and remembers the answers (GUI thread).

    ``facts_ready(path)`` and ``sheet_ready(path)`` say a file's preview or sheet arrived (or
    failed: the facts then carry the error, the sheet is ``""``).
    """

    facts_ready = Signal(str)
    sheet_ready = Signal(str)

    def __init__(
        self,
        cache_dir: Path,
        parent: QObject | None = None,
        *,
        workers: PreviewWorkers | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache_dir = Path(cache_dir)
        self.workers = workers or PreviewWorkers()
        self._facts: dict[_FileKey, PreviewFacts] = {}
        self._sheets: dict[_FileKey, str] = {}
        self._pending: set[_FileKey] = set()
        self._sheet_pending: set[_FileKey] = set()
        self._ops = BackgroundOps(self, max_threads=PREVIEW_THREADS, lifo=True)
        self._sheet_ops = BackgroundOps(self, max_threads=1, lifo=True)

    def facts(self, file: FolderFile) -> PreviewFacts | None:
        """What ``file`` is and its preview, or None after asking for it."""
        key = file_key(file)
        found = self._facts.get(key)
        if found is not None:
            return found
        if key in self._pending or self._ops.closed:
            return None
        self._pending.add(key)
        cache_dir, workers = self.cache_dir, self.workers
        self._ops.submit(
            lambda _context: workers.preview(file, cache_dir),
            partial(self._on_facts, key),
            on_error=partial(self._on_facts_failed, key),
            key=key,
        )
        return None

    def known(self, file: FolderFile) -> PreviewFacts | None:
        """The facts of ``file`` if they arrived (never asks)."""
        return self._facts.get(file_key(file))

    def sheet(self, file: FolderFile) -> str | None:
        """The scrub sheet of clip ``file`` (``""``: it cannot be made), or None after asking."""
        key = file_key(file)
        found = self._sheets.get(key)
        if found is not None or key in self._sheet_pending or self._sheet_ops.closed:
            return found
        self._sheet_pending.add(key)
        cache_dir, workers = self.cache_dir, self.workers
        self._sheet_ops.submit(
            lambda _context: workers.sheet(file, cache_dir),
            partial(self._on_sheet, key),
            on_error=partial(self._on_sheet_failed, key),
            key=key,
        )
        return None

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def ready_count(self) -> int:
        return len(self._facts)

    def drop_waiting(self) -> None:
        """The grid scrolled: previews asked for and not started are dropped (the tiles now on
        screen ask again as they paint, and go first), so the queue never holds more than a
        screenful or two, however far the person flings."""
        self._ops.cancel_all()
        self._pending.clear()

    def drop_queued(self) -> None:
        """Another folder is on show: what was asked for the last one is no longer wanted."""
        self._ops.cancel_all()
        self._sheet_ops.cancel_all()
        self._pending.clear()
        self._sheet_pending.clear()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel queued work and wait for running work; final."""
        self._pending.clear()
        self._sheet_pending.clear()
        self.workers.close()  # queued work is cancelled; the waits above it end at once
        idle = self._ops.shutdown(timeout_ms)
        return self._sheet_ops.shutdown(timeout_ms) and idle

    # -- results (GUI thread) ------------------------------------------------------------------

    def _on_facts(self, key: _FileKey, facts: PreviewFacts) -> None:
        self._pending.discard(key)
        self._facts[key] = facts
        self.facts_ready.emit(key[0])

    def _on_facts_failed(self, key: _FileKey, error: BaseException) -> None:
        self._on_facts(key, PreviewFacts(None, error=describe_error(error)))

    def _on_sheet(self, key: _FileKey, path: str) -> None:
        self._sheet_pending.discard(key)
        self._sheets[key] = path
        self.sheet_ready.emit(key[0])

    def _on_sheet_failed(self, key: _FileKey, _error: BaseException) -> None:
        self._on_sheet(key, "")
