"""Coalesces job updates arriving on the GUI thread into batches applied every ~50 ms.

The poll worker emits one ``job_updated`` per change and one ``jobs_submitted`` per order; with
50 renders in flight that is hundreds of signals a second, and each one applied on its own costs
a model insert or ``dataChanged``, a proxy re-filter and re-sort and a repaint, all calls from
Qt's C++ into Python that wait for the GIL while renders and downloads hold it. Buffering them
(latest update of a job wins, first-arrival order kept for new jobs) and applying the batch from
one timer turns that into one insert and a few ``dataChanged`` runs per batch. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer

from sora_studio.core.models import Job

# Short enough that a progress change still looks live, long enough to batch a burst.
BATCH_MS = 50


class JobUpdateBuffer(QObject):
    """Buffers ``Job`` updates by id and hands them to ``apply`` at most every ``interval_ms``."""

    def __init__(
        self,
        apply: Callable[[list[Job]], None],
        *,
        interval_ms: int = BATCH_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._apply = apply
        self._pending: dict[int, Job] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)

    @property
    def pending(self) -> int:
        """How many jobs wait for the next batch."""
        return len(self._pending)

    def add(self, job: Job) -> None:
        """Queue one update; the timer is not restarted, so no update waits longer than one
        interval however steady the stream."""
        self._pending[job.id] = job
        if not self._timer.isActive():
            self._timer.start()

    def add_many(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self.add(job)

    def flush(self) -> None:
        """Apply everything buffered now (also what the timer calls)."""
        self._timer.stop()
        if not self._pending:
            return
        batch = list(self._pending.values())
        self._pending = {}
        self._apply(batch)
