"""Reading a large library's jobs off the GUI thread, after the first screenful is shown.

:class:`JobLoader` is a QObject on the GUI thread. ``start()`` runs one read in its private
``QThreadPool``: the worker opens its *own* ``LibraryView`` through the factory (sqlite
connections belong to the thread that opened them), reads every job, closes it, and hands the
frozen ``Job`` values back through a queued signal. Each load carries a token; a result for a
load that ``start()`` or ``cancel()`` has since replaced is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from sora_studio.core.errors import UserError
from sora_studio.services.library_view import LibraryView


class _Relay(QObject):
    finished = Signal(int, object, str)  # token, list[Job] (or None), error message


class _Load(QRunnable):
    def __init__(
        self,
        factory: Callable[[], LibraryView],
        skip_ids: frozenset[int],
        token: int,
        relay: _Relay,
    ) -> None:
        super().__init__()
        self._factory = factory
        self._skip = skip_ids
        self._token = token
        self._relay = relay

    def run(self) -> None:
        try:
            view = self._factory()
            try:
                jobs = view.jobs_except(self._skip)
            finally:
                view.close()
        except (UserError, OSError) as exc:
            self._relay.finished.emit(self._token, None, str(exc))
            return
        except Exception as exc:  # a worker must report, never die silently
            self._relay.finished.emit(self._token, None, f"{type(exc).__name__}: {exc}")
            return
        self._relay.finished.emit(self._token, jobs, "")


class JobLoader(QObject):
    """Reads all jobs in the background; ``loaded(jobs)`` / ``failed(text)`` on the GUI thread."""

    loaded = Signal(list)
    failed = Signal(str)

    def __init__(self, factory: Callable[[], LibraryView], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._token = 0
        self._running = False
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @property
    def is_loading(self) -> bool:
        return self._running

    def start(self, skip_ids: frozenset[int] = frozenset()) -> int:
        """Read every job except ``skip_ids`` (already shown); replaces any load in progress."""
        self._token += 1
        self._running = True
        self._pool.start(_Load(self._factory, skip_ids, self._token, self._relay))
        return self._token

    def cancel(self) -> None:
        self._token += 1
        self._running = False

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self.cancel()
        return bool(self._pool.waitForDone(timeout_ms))

    @Slot(int, object, str)
    def _on_finished(self, token: int, jobs: object, error: str) -> None:
        if token != self._token:
            return
        self._running = False
        if jobs is None:
            self.failed.emit(error or "the library could not be read")
            return
        assert isinstance(jobs, list)
        self.loaded.emit(jobs)
