"""Filters and orders the queue: all, active, ready, failed, blocked by policy, plus text search.

"Failed" and "Blocked by policy" are separate filters so a policy refusal (never charged) is not
mixed with failures or with spend. Ordering comes from the model's ``SORT_ROLE`` (running jobs,
then the local queue in its order, then finished jobs newest first) and stays live as jobs change.
GUI thread only.

Every call from Qt's C++ into Python waits for the GIL, which the in-process emulator's renders
and the downloads hold most of the time, so the hot paths here stay in as few such calls as
possible: ``multiData`` goes straight to the source's ``multiData`` (Qt's proxies otherwise ask
the source once per role), and ``filterAcceptsRow``/``lessThan`` read the ``QueueModel``'s jobs
directly instead of through ``data()``. The filter role is ``JOB_ROLE``, so the one-second
"elapsed" repaints (``DisplayRole`` only) neither re-filter nor re-sort.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from sora_studio.core.models import Job, JobStatus
from sora_studio.ui.queue.cells import RUNNING, WAITING, Column
from sora_studio.ui.queue.model import JOB_ROLE, SORT_ROLE, QueueModel

# (key, label) in the order the filter menu shows them.
FILTERS: tuple[tuple[str, str], ...] = (
    ("all", "All renders"),
    ("active", "Active and waiting"),
    ("ready", "Ready"),
    ("failed", "Failed"),
    ("blocked", "Blocked by policy"),
    ("closed", "Cancelled and expired"),
)

_FILTER_STATUSES: dict[str, frozenset[JobStatus] | None] = {
    "all": None,
    "active": RUNNING | WAITING,
    "ready": frozenset({JobStatus.READY}),
    "failed": frozenset({JobStatus.FAILED}),
    "blocked": frozenset({JobStatus.BLOCKED}),
    "closed": frozenset({JobStatus.CANCELLED, JobStatus.EXPIRED}),
}


def job_matches(job: Job, filter_key: str, text: str) -> bool:
    statuses = _FILTER_STATUSES[filter_key]
    if statuses is not None and job.status not in statuses:
        return False
    if text:
        needle = text.casefold()
        haystack = f"{job.prompt} {job.model} {job.size} #{job.id} {job.remote_id or ''}"
        return needle in haystack.casefold()
    return True


class QueueFilterProxy(QSortFilterProxyModel):
    """Status filter + case-insensitive text search + live ordering."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._filter_key = "all"
        self._text = ""
        self._queue: QueueModel | None = None
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(JOB_ROLE)
        self.setDynamicSortFilter(True)
        # Sorted "by" the preview column: the model leaves it out of progress-only changes,
        # which therefore do not re-sort (see ``QueueModel.apply_batch``).
        self.sort(Column.PREVIEW, Qt.SortOrder.AscendingOrder)

    @property
    def filter_key(self) -> str:
        return self._filter_key

    def set_filter_key(self, key: str) -> None:
        if key not in _FILTER_STATUSES:
            raise ValueError(
                f"unknown queue filter {key!r}; use one of {', '.join(_FILTER_STATUSES)}"
            )
        if key != self._filter_key:
            self.beginFilterChange()
            self._filter_key = key
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_search_text(self, text: str) -> None:
        text = text.strip()
        if text != self._text:
            self.beginFilterChange()
            self._text = text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        self._queue = model if isinstance(model, QueueModel) else None
        super().setSourceModel(model)

    def multiData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        roleDataSpan: QModelRoleDataSpan | QModelRoleData,
    ) -> None:
        """All roles of a cell in one call to the source (one GIL hand-over, not one per role)."""
        if self._queue is None or not index.isValid():
            super().multiData(index, roleDataSpan)
            return
        self._queue.multiData(self.mapToSource(index), roleDataSpan)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if self._filter_key == "all" and not self._text:
            return True
        if self._queue is not None:
            job = self._queue.job_at(source_row)
        else:
            model = self.sourceModel()
            if model is None:
                return False
            job = model.index(source_row, 0, source_parent).data(JOB_ROLE)
        return isinstance(job, Job) and job_matches(job, self._filter_key, self._text)

    def lessThan(
        self,
        left: QModelIndex | QPersistentModelIndex,
        right: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if self._queue is not None:
            a = self._queue.sort_key_at(left.row())
            b = self._queue.sort_key_at(right.row())
        else:
            a = left.data(SORT_ROLE)
            b = right.data(SORT_ROLE)
        if a is None or b is None:
            return False
        return bool(a < b)
