"""Reading a large library's jobs off the GUI thread, after the first screenful is shown.

:class:`JobLoader` is a QObject on the GUI thread; its read runs through a
:class:`~sora_studio.ui.background_op.BackgroundOps` of its own (one thread). The work opens its
*own* ``LibraryView`` through the factory (sqlite connections belong to the thread that opened
them), reads every job, closes it, and hands the frozen ``Job`` values back. A load that
``start()`` or ``cancel()`` has since replaced is stale: its result is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from sora_studio.core.models import Job
from sora_studio.services.library_view import LibraryView
from sora_studio.ui.background_op import BackgroundOps, OpContext, OpHandle, describe_error

_LOAD = "rest-of-library"


class JobLoader(QObject):
    """Reads all jobs in the background; ``loaded(jobs)`` / ``failed(text)`` on the GUI thread."""

    loaded = Signal(list)
    failed = Signal(str)

    def __init__(self, factory: Callable[[], LibraryView], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._ops = BackgroundOps(self, max_threads=1)
        self._load: OpHandle | None = None

    @property
    def is_loading(self) -> bool:
        return self._load is not None

    def start(self, skip_ids: frozenset[int] = frozenset()) -> int:
        """Read every job except ``skip_ids`` (already shown); replaces any load in progress."""
        factory = self._factory

        def read(_context: OpContext) -> list[Job]:
            view = factory()
            try:
                return view.jobs_except(skip_ids)
            finally:
                view.close()

        self._load = self._ops.submit(read, self._on_loaded, on_error=self._on_failed, key=_LOAD)
        return self._load.token

    def cancel(self) -> None:
        self._ops.cancel(_LOAD)
        self._load = None

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self._load = None
        return self._ops.shutdown(timeout_ms)

    def _on_loaded(self, jobs: list[Job]) -> None:
        self._load = None
        self.loaded.emit(jobs)

    def _on_failed(self, error: BaseException) -> None:
        self._load = None
        self.failed.emit(describe_error(error) or "the library could not be read")
