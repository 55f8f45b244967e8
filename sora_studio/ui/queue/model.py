"""The render queue's table model: job ids plus a row cache, one ``dataChanged`` per job update.

Lives on the GUI thread. Rows are appended in arrival order and never re-sorted here; the
filter proxy orders them (running first, then the local queue in its order, then finished jobs
newest first). ``upsert(job)`` applies one update: an unknown job adds a row, a known one
replaces its cached ``Job`` and emits one ``dataChanged`` spanning that row, a ``deleted`` job
removes its row. ``apply_batch(jobs)`` does the same for a coalesced batch (see
``updates.JobUpdateBuffer``): one insert for the new rows and one ``dataChanged`` per run of
changed rows. A one-second tick refreshes only the "elapsed" cells of running jobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from sora_studio.core.models import AssetVariant, Job, JobStatus
from sora_studio.services.library import asset_path
from sora_studio.ui.queue.cells import (
    HEADERS,
    NUMBER_COLUMNS,
    RUNNING,
    WAITING,
    Column,
    RenderTimes,
    cell_text,
    cell_tooltip,
    sort_key,
    status_text,
)
from sora_studio.ui.theme import palette_is_dark, problem_color, warning_text_color
from sora_studio.ui.thumbnail_cache import ThumbnailCache

# Re-exported: the window, the proxy, the delegate and tests know these names from here.
__all__ = [
    "JOB_ID_ROLE",
    "JOB_ROLE",
    "PROGRESS_ROLE",
    "RUNNING",
    "SORT_ROLE",
    "STATUS_ROLE",
    "WAITING",
    "Column",
    "QueueModel",
    "sort_key",
    "status_text",
]

ModelIndex: TypeAlias = QModelIndex | QPersistentModelIndex

JOB_ROLE = Qt.ItemDataRole.UserRole + 1  # the cached Job
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 2
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 3  # 0-100
STATUS_ROLE = Qt.ItemDataRole.UserRole + 4  # JobStatus value (str)
SORT_ROLE = Qt.ItemDataRole.UserRole + 5  # tuple ordering rows in the proxy
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
THUMB_SIZE = QSize(64, 36)  # the preview column's thumbnails fit this box
# The queue's own ThumbnailCache holds only these small thumbnails (about 9 KB each).
THUMBNAIL_BUDGET_BYTES = 4 * 1024 * 1024

# Every role a cell's look depends on; not SORT_ROLE (see ``apply_batch``). JOB_ROLE is in:
# the status delegate paints from the row's Job.
REPAINT_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.ForegroundRole,
    JOB_ROLE,
    PROGRESS_ROLE,
    STATUS_ROLE,
)


def _reorders_or_refilters(previous: Job, job: Job) -> bool:
    """Whether a change can move the row (sort key) or change which filters match it."""
    return (
        previous.status is not job.status
        or previous.remote_id != job.remote_id
        or previous.prompt != job.prompt
        or previous.model != job.model
        or previous.size != job.size
        or sort_key(previous) != sort_key(job)
    )


def _runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """``[5, 1, 2, 3, 7]`` -> ``[(1, 3), (5, 5), (7, 7)]``: sorted runs of adjacent rows."""
    ordered = sorted(set(rows))
    runs: list[tuple[int, int]] = []
    for row in ordered:
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class QueueModel(QAbstractTableModel):
    """Jobs for the queue view. GUI thread only."""

    job_status_changed = Signal(object, object)  # (Job, previous JobStatus or None)

    def __init__(
        self,
        thumbnails: ThumbnailCache | None = None,
        *,
        library_root: Path | None = None,
        clock: Callable[[], float] = time.time,
        tick_ms: int = 1000,
        parent: Any = None,
    ) -> None:
        """``thumbnails`` (with the ``library_root`` their files are under) fill the preview
        column of ready jobs."""
        super().__init__(parent)
        if thumbnails is not None and library_root is None:
            raise ValueError("thumbnails need the library folder their files are in")
        self._ids: list[int] = []
        self._rows: dict[int, int] = {}  # job id -> row
        self._jobs: dict[int, Job] = {}
        self._clock = clock
        self._thumbnails = thumbnails
        self._library_root = library_root
        # Each ready job's thumbnail file, and back: the cache reports a loaded path.
        self._thumbnail_paths: dict[int, str] = {}
        self._thumbnail_jobs: dict[str, int] = {}
        self._times = RenderTimes()
        if thumbnails is not None:
            thumbnails.loaded.connect(self._on_thumbnail)
        self._tick = QTimer(self)
        self._tick.setInterval(tick_ms)
        self._tick.timeout.connect(self._refresh_elapsed)
        if tick_ms > 0:
            self._tick.start()

    # --- loading and updates ---------------------------------------------------------------

    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """Replace every row (start-up load from the read-only repository)."""
        self.beginResetModel()
        self._ids = []
        self._rows = {}
        self._jobs = {}
        self._times.clear()
        for job in jobs:
            if job.status is JobStatus.DELETED or job.id in self._jobs:
                continue
            self._rows[job.id] = len(self._ids)
            self._ids.append(job.id)
            self._jobs[job.id] = job
            self._times.learn(job)
        self.endResetModel()

    def upsert(self, job: Job) -> None:
        """Slot for ``PollWorker.job_updated``: add, replace (one ``dataChanged``) or remove."""
        self.apply_batch([job])

    def apply_batch(self, jobs: Iterable[Job]) -> None:
        """Apply many updates at once (the latest per job wins).

        New jobs go in with one ``beginInsertRows`` (appended, so contiguous); changed rows get
        one ``dataChanged`` per run of adjacent rows, so no row is told twice and the filter
        proxy re-checks only rows that changed. Deleted jobs lose their rows.
        ``job_status_changed`` follows for each job whose status differs from before the batch.
        """
        latest: dict[int, Job] = {}
        for job in jobs:
            latest[job.id] = job
        changes: list[tuple[Job, JobStatus | None]] = []
        added: list[Job] = []
        changed_rows: list[int] = []  # order or filter may change: every role
        repainted_rows: list[int] = []  # only what is shown changes (progress, cost…)
        # Removals first: they shift the rows the changes below are recorded at.
        for job in latest.values():
            if job.status is JobStatus.DELETED:
                self.remove_job(job.id)
        for job in latest.values():
            if job.status is JobStatus.DELETED:
                continue
            previous = self._jobs.get(job.id)
            if previous is None:
                added.append(job)
            elif previous != job:
                self._jobs[job.id] = job
                if _reorders_or_refilters(previous, job):
                    changed_rows.append(self._rows[job.id])
                else:
                    repainted_rows.append(self._rows[job.id])
            else:
                continue
            self._times.learn(job)
            if previous is None or previous.status is not job.status:
                changes.append((job, previous.status if previous else None))
        if added:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            for job in added:
                self._rows[job.id] = len(self._ids)
                self._ids.append(job.id)
                self._jobs[job.id] = job
            self.endInsertRows()
        last_column = len(Column) - 1
        for start, end in _runs(changed_rows):
            self.dataChanged.emit(self.index(start, 0), self.index(end, last_column))
        # Leaving out the preview column (the proxy's sort column; its thumbnail only changes
        # with the status) keeps the filter proxy from re-sorting these rows: a re-sort costs
        # several ``lessThan`` calls into Python per row, each waiting for the GIL.
        for start, end in _runs(repainted_rows):
            self.dataChanged.emit(
                self.index(start, Column.PREVIEW + 1),
                self.index(end, last_column),
                list(REPAINT_ROLES),
            )
        for job, before in changes:
            self.job_status_changed.emit(job, before)

    def remove_job(self, job_id: int) -> None:
        row = self._rows.get(job_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._ids[row]
        del self._jobs[job_id]
        del self._rows[job_id]
        for later in self._ids[row:]:
            self._rows[later] -= 1
        self.endRemoveRows()

    # --- look-ups --------------------------------------------------------------------------

    def job(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def job_at(self, row: int) -> Job | None:
        if 0 <= row < len(self._ids):
            return self._jobs[self._ids[row]]
        return None

    def sort_key_at(self, row: int) -> tuple[int, float, int] | None:
        """The proxy's ordering key for ``row``, read without a round trip through ``data()``."""
        if 0 <= row < len(self._ids):
            return sort_key(self._jobs[self._ids[row]])
        return None

    def row_of(self, job_id: int) -> int | None:
        return self._rows.get(job_id)

    def jobs(self) -> list[Job]:
        return [self._jobs[i] for i in self._ids]

    def count_in(self, statuses: frozenset[JobStatus]) -> int:
        return sum(1 for job in self._jobs.values() if job.status in statuses)

    def expected_seconds(self, job: Job) -> float:
        """Expected render wall time: the mean of finished look-alikes, else a per-model guess."""
        return self._times.expected(job)

    # --- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole and section == Column.PREVIEW:
            return "Thumbnail (when ready)"
        return None

    # No ``flags()`` override: Qt's default (enabled and selectable) is what rows need, and an
    # override is one more call into Python, waiting for the GIL, for every cell painted.

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        """One call into Python per index, not Qt's default's two (``rowCount``, ``columnCount``).

        The filter proxy maps every painted cell through here, so this is a hot path.
        """
        if parent.isValid() or not (0 <= row < len(self._ids) and 0 <= column < len(Column)):
            return QModelIndex()
        return self.createIndex(row, column)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        job = self.job_at(index.row())
        if job is None or not 0 <= index.column() < len(Column):
            return None
        return self._value(job, Column(index.column()), role)

    def multiData(
        self, index: ModelIndex, roleDataSpan: QModelRoleDataSpan | QModelRoleData
    ) -> None:
        """Every role a view asks for in one call (Qt's delegates ask for about eight per cell).

        Each call from C++ into Python takes Python's GIL; while renders and downloads run on
        other threads, every such hand-over can wait up to the switch interval. One call per
        cell instead of one per role is what keeps the queue's repaints short then.
        """
        # Views always pass a span, which iterates over its roles (the stubs do not say so).
        items = cast("Iterable[QModelRoleData]", roleDataSpan)
        job = None
        if index.isValid() and not index.parent().isValid():
            job = self.job_at(index.row())
        if job is None or not 0 <= index.column() < len(Column):
            for item in items:
                item.clearData()
            return
        column = Column(index.column())
        for item in items:
            item.setData(self._value(job, column, item.role()))

    def _value(self, job: Job, column: Column, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(job, column, self._clock, self._times.expected)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(job, column)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.PREVIEW:
            if self._thumbnails is not None and job.status is JobStatus.READY:
                return self._thumbnails.pixmap(self._thumbnail_path(job), fit=THUMB_SIZE)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMBER_COLUMNS:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.ERROR and job.error_class:
            dark = palette_is_dark()  # text colours that read on the theme in use
            if job.status is JobStatus.RATE_LIMITED:
                return QColor(warning_text_color(dark))
            return QColor(problem_color(dark))
        if role == JOB_ROLE:
            return job
        if role == JOB_ID_ROLE:
            return job.id
        if role == PROGRESS_ROLE:
            return 100 if job.status is JobStatus.READY else job.progress
        if role == STATUS_ROLE:
            return job.status.value
        if role == SORT_ROLE:
            return sort_key(job)
        return None

    # --- thumbnails and ticking -------------------------------------------------------------

    def _thumbnail_path(self, job: Job) -> str:
        path = self._thumbnail_paths.get(job.id)
        if path is None:
            assert self._library_root is not None  # checked with the cache in __init__
            path = str(asset_path(self._library_root, job, AssetVariant.THUMBNAIL))
            self._thumbnail_paths[job.id] = path
            self._thumbnail_jobs[path] = job.id
        return path

    def _on_thumbnail(self, path: str) -> None:
        job_id = self._thumbnail_jobs.get(path)
        row = None if job_id is None else self._rows.get(job_id)
        if row is not None:
            index = self.index(row, Column.PREVIEW)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def _refresh_elapsed(self) -> None:
        """Repaint the "elapsed" cells of running jobs: one ``dataChanged`` per run of rows.

        Not one span from the first to the last running row: the filter proxy re-checks every
        row a change spans (a call into Python each), and finished rows lie in between.
        """
        rows = [self._rows[i] for i, job in self._jobs.items() if job.status in RUNNING]
        for start, end in _runs(rows):
            self.dataChanged.emit(
                self.index(start, Column.ELAPSED),
                self.index(end, Column.ELAPSED),
                [Qt.ItemDataRole.DisplayRole],
            )

    def spend_cents(self) -> Decimal:
        """What the loaded jobs cost or will cost (blocked/failed/cancelled/expired excluded)."""
        excluded = {JobStatus.BLOCKED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED}
        total = Decimal(0)
        for job in self._jobs.values():
            if job.status in excluded:
                continue
            total += job.cost_cents if job.cost_cents is not None else job.estimate_cents
        return total
