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
from enum import IntEnum
from typing import Any, TypeAlias

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from sora_studio.core.models import ErrorClass, Job, JobStatus
from sora_studio.core.pricing import format_cents
from sora_studio.ui.queue.thumbnails import ThumbnailCache
from sora_studio.ui.theme import palette_is_dark, problem_color, warning_text_color

ModelIndex: TypeAlias = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    PREVIEW = 0
    PROMPT = 1
    MODEL = 2
    SIZE = 3
    SECONDS = 4
    STATUS = 5
    ELAPSED = 6
    EXPECTED = 7
    ESTIMATE = 8
    COST = 9
    ERROR = 10


HEADERS = {
    Column.PREVIEW: "",
    Column.PROMPT: "Prompt",
    Column.MODEL: "Model",
    Column.SIZE: "Size",
    Column.SECONDS: "Sec",
    Column.STATUS: "Status",
    Column.ELAPSED: "Elapsed",
    Column.EXPECTED: "Expected",
    Column.ESTIMATE: "Estimate",
    Column.COST: "Cost",
    Column.ERROR: "Problem",
}

JOB_ROLE = Qt.ItemDataRole.UserRole + 1  # the cached Job
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 2
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 3  # 0-100
STATUS_ROLE = Qt.ItemDataRole.UserRole + 4  # JobStatus value (str)
SORT_ROLE = Qt.ItemDataRole.UserRole + 5  # tuple ordering rows in the proxy

STATUS_LABELS = {
    JobStatus.DRAFT: "Draft",
    JobStatus.QUEUED_LOCAL: "Waiting",
    JobStatus.SUBMITTING: "Submitting",
    JobStatus.QUEUED: "Queued",
    JobStatus.IN_PROGRESS: "Rendering",
    JobStatus.DOWNLOADING: "Downloading",
    JobStatus.READY: "Ready",
    JobStatus.FAILED: "Failed",
    JobStatus.BLOCKED: "Blocked by policy",
    JobStatus.RATE_LIMITED: "Rate limited",
    JobStatus.CANCELLED: "Cancelled",
    JobStatus.EXPIRED: "Expired",
    JobStatus.DELETED: "Deleted",
}

ERROR_LABELS = {
    ErrorClass.POLICY_BLOCKED: "Policy",
    ErrorClass.RATE_LIMITED: "Rate limit",
    ErrorClass.TRANSIENT: "Network",
    ErrorClass.AUTH: "Auth",
    ErrorClass.MODEL_UNAVAILABLE: "Model unavailable",
    ErrorClass.INVALID_REQUEST: "Invalid request",
    ErrorClass.NOT_FOUND: "Not found",
    ErrorClass.EXPIRED: "Expired",
    ErrorClass.DOWNLOAD_FAILED: "Download",
    ErrorClass.SUBMIT_UNCONFIRMED: "Unconfirmed",
    ErrorClass.LOST: "Lost by provider",
    ErrorClass.STALLED: "Stalled",
    ErrorClass.BUDGET_EXCEEDED: "Budget",
    ErrorClass.INTERNAL: "Internal",
}

RUNNING = frozenset(
    {
        JobStatus.SUBMITTING,
        JobStatus.QUEUED,
        JobStatus.IN_PROGRESS,
        JobStatus.DOWNLOADING,
        JobStatus.RATE_LIMITED,
    }
)
WAITING = frozenset({JobStatus.QUEUED_LOCAL, JobStatus.DRAFT})

# Seconds of wall time per second of video when nothing has finished yet to learn from.
_DEFAULT_RENDER_FACTOR = {"sora-2": 6.0, "sora-2-pro": 12.0}
PROMPT_ELIDE_CHARS = 90


def format_duration(seconds: float) -> str:
    """``75`` -> ``"1:15"``; hours when needed."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def elapsed_seconds(job: Job, now: float) -> float | None:
    """Wall time from submission (or creation) to completion (or now); None while waiting."""
    if job.status in WAITING:
        return None
    start = job.submitted_at or job.created_at
    if not start:
        return None
    end = job.completed_at if job.status.is_terminal and job.completed_at else now
    return max(0.0, end - start)


def status_text(job: Job) -> str:
    """The status cell's label: ``Rendering 40%`` while a percentage means something."""
    label = STATUS_LABELS.get(job.status, job.status.value)
    if job.status in (JobStatus.IN_PROGRESS, JobStatus.DOWNLOADING):
        return f"{label} {job.progress}%"
    return label


def sort_key(job: Job) -> tuple[int, float, int]:
    """Running jobs first (oldest first), then the local queue in order, then finished, newest
    first."""
    if job.status in RUNNING:
        return (0, job.submitted_at or job.created_at, job.id)
    if job.status in WAITING:
        return (1, float(job.queue_position), job.id)
    return (2, -(job.completed_at or job.updated_at or job.created_at), -job.id)


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
        clock: Callable[[], float] = time.time,
        tick_ms: int = 1000,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._ids: list[int] = []
        self._rows: dict[int, int] = {}  # job id -> row
        self._jobs: dict[int, Job] = {}
        self._clock = clock
        self._thumbnails = thumbnails
        self._durations: dict[tuple[str, str, int], tuple[float, int]] = {}
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
        self._durations = {}
        for job in jobs:
            if job.status is JobStatus.DELETED or job.id in self._jobs:
                continue
            self._rows[job.id] = len(self._ids)
            self._ids.append(job.id)
            self._jobs[job.id] = job
            self._learn_duration(job)
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
            self._learn_duration(job)
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
        learned = self._durations.get((job.model, job.size, job.seconds))
        if learned:
            total, count = learned
            return total / count
        factor = _DEFAULT_RENDER_FACTOR.get(job.model, 8.0)
        return max(20.0, job.seconds * factor)

    def _learn_duration(self, job: Job) -> None:
        if job.status is not JobStatus.READY or not job.completed_at or not job.submitted_at:
            return
        key = (job.model, job.size, job.seconds)
        total, count = self._durations.get(key, (0.0, 0))
        self._durations[key] = (total + max(0.0, job.completed_at - job.submitted_at), count + 1)

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

    def multiData(self, index: ModelIndex, roleDataSpan: QModelRoleDataSpan) -> None:
        """Every role a view asks for in one call (Qt's delegates ask for about eight per cell).

        Each call from C++ into Python takes Python's GIL; while renders and downloads run on
        other threads, every such hand-over can wait up to the switch interval. One call per
        cell instead of one per role is what keeps the queue's repaints short then.
        """
        job = None
        if index.isValid() and not index.parent().isValid():
            job = self.job_at(index.row())
        if job is None or not 0 <= index.column() < len(Column):
            for item in roleDataSpan:
                item.clearData()
            return
        column = Column(index.column())
        for item in roleDataSpan:
            item.setData(self._value(job, column, item.role()))

    def _value(self, job: Job, column: Column, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(job, column)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.PREVIEW:
            if self._thumbnails is not None and job.status is JobStatus.READY:
                return self._thumbnails.pixmap_for(job)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            Column.SECONDS,
            Column.ELAPSED,
            Column.EXPECTED,
            Column.ESTIMATE,
            Column.COST,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
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

    def _display(self, job: Job, column: Column) -> Any:
        if column == Column.PREVIEW:
            return None
        if column == Column.PROMPT:
            text = " ".join(job.prompt.split())
            if len(text) > PROMPT_ELIDE_CHARS:
                text = text[: PROMPT_ELIDE_CHARS - 1] + "…"
            return text
        if column == Column.MODEL:
            return job.model
        if column == Column.SIZE:
            return job.size
        if column == Column.SECONDS:
            return str(job.seconds)
        if column == Column.STATUS:
            return status_text(job)
        if column == Column.ELAPSED:
            elapsed = elapsed_seconds(job, self._clock())
            return "" if elapsed is None else format_duration(elapsed)
        if column == Column.EXPECTED:
            if job.status.is_terminal:
                return ""
            return "~" + format_duration(self.expected_seconds(job))
        if column == Column.ESTIMATE:
            return format_cents(job.estimate_cents) + (" B" if job.use_batch else "")
        if column == Column.COST:
            return self._cost_text(job)
        if column == Column.ERROR:
            if job.error_class is None:
                return ""
            label = ERROR_LABELS.get(job.error_class, job.error_class.value)
            return f"{label}: {job.error_message}" if job.error_message else label
        return None

    @staticmethod
    def _cost_text(job: Job) -> str:
        if job.status in (JobStatus.BLOCKED, JobStatus.FAILED, JobStatus.CANCELLED):
            return "not charged"
        if job.cost_cents is None:
            return ""
        return format_cents(job.cost_cents)

    def _tooltip(self, job: Job, column: Column) -> str | None:
        if column == Column.PROMPT:
            return job.prompt
        if column == Column.ERROR and job.error_message:
            return job.error_message
        if column == Column.STATUS:
            text = f"Job #{job.id} · {STATUS_LABELS.get(job.status, job.status.value)}"
            if job.remote_id:
                text += f"\nRemote id {job.remote_id}"
            if job.error_message:
                text += f"\n{job.error_message}"
            return text
        if column == Column.ESTIMATE:
            kind = "Batch price" if job.use_batch else "standard price"
            return f"Estimated at submit ({kind})"
        if column == Column.COST and job.status in (JobStatus.BLOCKED, JobStatus.FAILED):
            return "Blocked and failed renders are kept apart from spend."
        return None

    # --- thumbnails and ticking -------------------------------------------------------------

    def _on_thumbnail(self, job_id: int) -> None:
        row = self._rows.get(job_id)
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
