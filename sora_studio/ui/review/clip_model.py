"""The review grid's one item model: job ids in display order plus a lazily built row cache.

Lives on the GUI thread. ``set_jobs`` takes every job in one go (one query on the caller's side);
a :class:`~sora_studio.ui.review.clip_row.ClipRow` (paths, "missing media", version) is built
only when a row is first asked for, through the injected ``row_factory``, and kept until the job
changes. ``upsert_job`` applies one job update: ``dataChanged`` for that row only, or one
inserted row for a new clip. Insertions go through ``beginInsertRows`` so selections and the
current index, which the view keeps as persistent indexes, stay on the clips they were on: new
results never steal the selection.

Sorting is done here, on the Python side, in one ``sorted`` call, rather than by the proxy's
C++ comparison calling back into Python for every pair (which takes seconds at 10,000 clips).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
)

from sora_studio.core.models import Job, JobStatus, ReviewStatus
from sora_studio.core.pricing import format_cents
from sora_studio.core.team_events import VerdictState
from sora_studio.ui.review.clip_row import (
    ClipRow,
    job_cost_cents,
    job_tags,
    review_label,
    versions_by_id,
)
from sora_studio.ui.review.team_badges import team_tooltip
from sora_studio.ui.workers.library_actions import DESK_CLIP_MIME

RowFactory = Callable[[Job, int], ClipRow]
_Index = QModelIndex | QPersistentModelIndex


class ClipRoles:
    """Custom roles; each returns a plain Python value."""

    JobId = Qt.ItemDataRole.UserRole + 1
    Row = Qt.ItemDataRole.UserRole + 2  # the ClipRow
    Job = Qt.ItemDataRole.UserRole + 3
    Status = Qt.ItemDataRole.UserRole + 4  # JobStatus value (str)
    Review = Qt.ItemDataRole.UserRole + 5  # ReviewStatus value (str)
    Model = Qt.ItemDataRole.UserRole + 6
    Size = Qt.ItemDataRole.UserRole + 7
    Provider = Qt.ItemDataRole.UserRole + 8
    Created = Qt.ItemDataRole.UserRole + 9  # float seconds
    CostCents = Qt.ItemDataRole.UserRole + 10  # float (exact Decimal via Job role)
    Seconds = Qt.ItemDataRole.UserRole + 11
    Prompt = Qt.ItemDataRole.UserRole + 12
    Tags = Qt.ItemDataRole.UserRole + 13  # list[str]: the prompt's #words, then those put on
    Characters = Qt.ItemDataRole.UserRole + 14  # list[str]
    Team = Qt.ItemDataRole.UserRole + 15  # VerdictState of a team library's clip, else None
    ManualTags = Qt.ItemDataRole.UserRole + 16  # tuple[str, ...]: tags put on by hand


class SortKey(StrEnum):
    DATE = "date"
    COST = "cost"
    DURATION = "duration"
    STATUS = "status"


# Status sort: what needs a reviewer's eye first.
_REVIEW_ORDER = {
    ReviewStatus.UNREVIEWED: 0,
    ReviewStatus.CHANGES: 1,
    ReviewStatus.APPROVED: 2,
    ReviewStatus.REJECTED: 3,
}
_JOB_ORDER = {status: i for i, status in enumerate(JobStatus)}


def sort_value(job: Job, key: SortKey) -> tuple[Any, ...]:
    """The comparable value of ``job`` under ``key`` (ascending); id breaks ties stably."""
    if key is SortKey.DATE:
        return (job.created_at, job.id)
    if key is SortKey.COST:
        return (job_cost_cents(job), job.id)
    if key is SortKey.DURATION:
        return (job.seconds, job.id)
    return (_REVIEW_ORDER[job.review_status], _JOB_ORDER[job.status], job.id)


class ClipModel(QAbstractListModel):
    """One row per clip (GUI thread). ``DisplayRole`` is the prompt; the delegate uses roles."""

    def __init__(self, row_factory: RowFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._row_factory = row_factory
        self._ids: list[int] = []
        self._jobs: dict[int, Job] = {}
        self._positions: dict[int, int] = {}
        self._rows: dict[int, ClipRow] = {}
        self._versions: dict[int, int] = {}
        self._team: dict[int, VerdictState] = {}  # team verdicts by job id (team libraries)
        self._tags: dict[int, tuple[str, ...]] = {}  # tags put on by hand, by job id
        self._sort_key = SortKey.DATE
        self._descending = True

    # -- Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < len(self._ids):
            return None
        job = self._jobs[self._ids[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return job.prompt
        if role == Qt.ItemDataRole.ToolTipRole:
            cost = format_cents(job_cost_cents(job))
            review = review_label(job.review_status)
            tip = f"#{job.id} · {job.model} · {job.size} · {cost} · {review}\n{job.prompt}"
            team = self._team.get(job.id)
            return tip if team is None else f"{tip}\n{team_tooltip(team)}"
        if role == ClipRoles.JobId:
            return job.id
        if role == ClipRoles.Row:
            return self.clip_row(job.id)
        if role == ClipRoles.Job:
            return job
        if role == ClipRoles.Status:
            return job.status.value
        if role == ClipRoles.Review:
            return job.review_status.value
        if role == ClipRoles.Model:
            return job.model
        if role == ClipRoles.Size:
            return job.size
        if role == ClipRoles.Provider:
            return job.provider
        if role == ClipRoles.Created:
            return job.created_at
        if role == ClipRoles.CostCents:
            return float(job_cost_cents(job))
        if role == ClipRoles.Seconds:
            return job.seconds
        if role == ClipRoles.Prompt:
            return job.prompt
        if role == ClipRoles.Tags:
            return list(dict.fromkeys((*job_tags(job), *self._tags.get(job.id, ()))))
        if role == ClipRoles.ManualTags:
            return self._tags.get(job.id, ())
        if role == ClipRoles.Characters:
            return list(job.character_ids)
        if role == ClipRoles.Team:
            return self._team.get(job.id)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if 0 <= index.row() < len(self._ids):
            row = self.clip_row(self._ids[index.row()])
            if row.video_path and not row.media_missing:
                flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", DESK_CLIP_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The dragged clips' video files as file URLs (a file manager or an editor takes them),
        marked as the desk's own so dropping them back on the desk does not import them again."""
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid() and i.row() < len(self._ids)})
        clips = [self.clip_row(self._ids[r]) for r in rows]
        paths = [c.video_path for c in clips if c.video_path and not c.media_missing]
        mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
        mime.setData(DESK_CLIP_MIME, QByteArray(",".join(str(c.job_id) for c in clips).encode()))
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        for name, value in vars(ClipRoles).items():
            if not name.startswith("_"):
                names[int(value)] = QByteArray(name[0].lower().encode() + name[1:].encode())
        return names

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt's entry point: re-sort by the current key in ``order`` (column is always 0)."""
        self.sort_by(self._sort_key, descending=order == Qt.SortOrder.DescendingOrder)

    # -- bulk ------------------------------------------------------------------------------

    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """Replace every row (a full reset: the view forgets its selection)."""
        self.beginResetModel()
        self._jobs = {job.id: job for job in jobs if job.status is not JobStatus.DELETED}
        self._rows.clear()
        self._versions = versions_by_id(self._jobs)
        self._ids = self._sorted_ids(self._jobs.keys())
        self._reindex()
        self.endResetModel()

    def add_jobs(self, jobs: Iterable[Job]) -> int:
        """Add clips not in the model yet (a later page of a load); returns how many were new.

        Known ids are updated in place. When every new clip sorts after the last row (the usual
        case for a page read in display order) they go in with one ``beginInsertRows``.
        """
        fresh: list[Job] = []
        for job in jobs:
            if job.id in self._positions:
                self.upsert_job(job)
            elif job.status is not JobStatus.DELETED:
                fresh.append(job)
        if not fresh:
            return 0
        for job in fresh:
            self._jobs[job.id] = job
        self._versions = versions_by_id(self._jobs)
        ordered = self._sorted_ids(job.id for job in fresh)
        last = self._ids[-1] if self._ids else None
        if last is None or not self._sorts_before(self._jobs[ordered[0]], self._jobs[last]):
            start = len(self._ids)
            self.beginInsertRows(QModelIndex(), start, start + len(ordered) - 1)
            self._ids.extend(ordered)
            self._reindex(start=start)
            self.endInsertRows()
            return len(ordered)
        for job_id in ordered:  # interleaved with what is shown: insert one by one
            job = self._jobs.pop(job_id)
            self.upsert_job(job)
        return len(ordered)

    def sort_by(self, key: SortKey, *, descending: bool = True) -> None:
        """Re-order rows by ``key``; a layout change, so selections follow their clips."""
        key = SortKey(key)
        self._sort_key, self._descending = key, descending
        new_ids = self._sorted_ids(self._ids)
        if new_ids == self._ids:
            return
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_ids = [self._ids[i.row()] for i in old_persistent]
        self._ids = new_ids
        self._reindex()
        self.changePersistentIndexList(
            old_persistent, [self.index(self._positions[job_id], 0) for job_id in old_ids]
        )
        self.layoutChanged.emit()

    @property
    def sort_key(self) -> SortKey:
        return self._sort_key

    @property
    def descending(self) -> bool:
        return self._descending

    # -- single-row updates ----------------------------------------------------------------

    def upsert_job(self, job: Job) -> None:
        """Apply one job update: a changed row repaints alone; a new clip is inserted in order."""
        if job.status is JobStatus.DELETED:
            self.remove_job(job.id)
            return
        position = self._positions.get(job.id)
        if position is not None:
            parent_changed = self._jobs[job.id].parent_id != job.parent_id
            self._jobs[job.id] = job
            self._rows.pop(job.id, None)
            if parent_changed:
                self._versions = versions_by_id(self._jobs)
            index = self.index(position, 0)
            self.dataChanged.emit(index, index)
            return
        self._jobs[job.id] = job
        self._versions[job.id] = self._versions.get(job.parent_id or -1, 0) + 1
        position = self._insert_position(job)
        self.beginInsertRows(QModelIndex(), position, position)
        self._ids.insert(position, job.id)
        self._reindex(start=position)
        self.endInsertRows()

    def upsert_jobs(self, jobs: Iterable[Job]) -> None:
        """Apply a batch of job updates (the GUI's 50 ms batches).

        Known clips repaint one by one; new clips that all belong at the same place under the
        current sort (e.g. a burst of new renders at the top, newest first) go in with one
        ``beginInsertRows``, so the view lays out once rather than once per clip.
        """
        fresh: dict[int, Job] = {}
        for job in jobs:
            if job.id in self._positions or job.status is JobStatus.DELETED:
                fresh.pop(job.id, None)
                self.upsert_job(job)
            else:
                fresh[job.id] = job
        if len(fresh) < 2:
            for job in fresh.values():
                self.upsert_job(job)
            return
        ordered = sorted(
            fresh.values(), key=lambda j: sort_value(j, self._sort_key), reverse=self._descending
        )
        position = self._insert_position(ordered[0])
        if self._insert_position(ordered[-1]) != position:
            for job in ordered:  # interleaved with clips already shown: one by one
                self.upsert_job(job)
            return
        for job in sorted(ordered, key=lambda j: j.id):  # a parent before its children
            self._jobs[job.id] = job
            self._versions[job.id] = self._versions.get(job.parent_id or -1, 0) + 1
        self.beginInsertRows(QModelIndex(), position, position + len(ordered) - 1)
        self._ids[position:position] = [job.id for job in ordered]
        self._reindex(start=position)
        self.endInsertRows()

    def remove_job(self, job_id: int) -> None:
        position = self._positions.get(job_id)
        if position is None:
            return
        self.beginRemoveRows(QModelIndex(), position, position)
        del self._ids[position]
        del self._jobs[job_id]
        self._rows.pop(job_id, None)
        self._versions.pop(job_id, None)
        self._positions.pop(job_id)
        self._reindex(start=position)
        self.endRemoveRows()

    def refresh_row(self, job_id: int) -> None:
        """Forget the cached row (its files changed on disk) and repaint it."""
        position = self._positions.get(job_id)
        if position is None:
            return
        self._rows.pop(job_id, None)
        index = self.index(position, 0)
        self.dataChanged.emit(index, index)

    def team_state(self, job_id: int) -> VerdictState | None:
        """The clip's team verdicts (who said what, disputed), None outside a team library."""
        return self._team.get(job_id)

    def set_team_states(
        self, states: Mapping[int, VerdictState | None], *, replace_all: bool = False
    ) -> None:
        """Take clips' team verdicts (None: none); changed rows repaint and are re-filtered.

        ``replace_all``: ``states`` is the whole library's (clips left out have none).
        """
        old = self._team
        new = {} if replace_all else dict(old)
        for job_id, state in states.items():
            if state is None:
                new.pop(job_id, None)
            else:
                new[job_id] = state
        self._team = new
        self._repaint_changed(old, new)

    def manual_tags(self, job_id: int) -> tuple[str, ...]:
        """The tags put on the clip by hand (its prompt's ``#words`` are not among them)."""
        return self._tags.get(job_id, ())

    def set_manual_tags(
        self, tags: Mapping[int, Iterable[str]], *, replace_all: bool = False
    ) -> None:
        """Take clips' hand-put tags (empty: none); changed rows repaint and are re-filtered.

        ``replace_all``: ``tags`` is the whole library's (clips left out have none).
        """
        old = self._tags
        new = {} if replace_all else dict(old)
        for job_id, given in tags.items():
            words = tuple(given)
            if words:
                new[job_id] = words
            else:
                new.pop(job_id, None)
        self._tags = new
        self._repaint_changed(old, new)

    def _repaint_changed(self, old: Mapping[int, object], new: Mapping[int, object]) -> None:
        for job_id in set(old) | set(new):
            position = self._positions.get(job_id)
            if position is not None and old.get(job_id) != new.get(job_id):
                index = self.index(position, 0)
                self.dataChanged.emit(index, index)

    # -- lookups -------------------------------------------------------------------------------

    def row_of(self, job_id: int) -> int | None:
        return self._positions.get(job_id)

    def index_of(self, job_id: int) -> QModelIndex:
        position = self._positions.get(job_id)
        return QModelIndex() if position is None else self.index(position, 0)

    def job_at(self, row: int) -> Job:
        return self._jobs[self._ids[row]]

    def job(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        return [self._jobs[job_id] for job_id in self._ids]

    def job_ids(self) -> list[int]:
        return list(self._ids)

    def clip_row(self, job_id: int) -> ClipRow:
        """The display row for a clip, built on first use and cached until the job changes."""
        row = self._rows.get(job_id)
        if row is None:
            row = self._row_factory(self._jobs[job_id], self._versions.get(job_id, 1))
            self._rows[job_id] = row
        return row

    @property
    def cached_row_count(self) -> int:
        return len(self._rows)

    # -- internals -----------------------------------------------------------------------------

    def _sorted_ids(self, ids: Iterable[int]) -> list[int]:
        key = self._sort_key
        return sorted(
            ids, key=lambda job_id: sort_value(self._jobs[job_id], key), reverse=self._descending
        )

    def _sorts_before(self, a: Job, b: Job) -> bool:
        first, second = sort_value(a, self._sort_key), sort_value(b, self._sort_key)
        return first > second if self._descending else first < second

    def _insert_position(self, job: Job) -> int:
        """Binary search for where ``job`` belongs under the current sort."""
        value = sort_value(job, self._sort_key)
        lo, hi = 0, len(self._ids)
        while lo < hi:
            mid = (lo + hi) // 2
            other = sort_value(self._jobs[self._ids[mid]], self._sort_key)
            before = other > value if self._descending else other < value
            if before:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _reindex(self, start: int = 0) -> None:
        if start == 0:
            self._positions = {job_id: i for i, job_id in enumerate(self._ids)}
            return
        for i in range(start, len(self._ids)):
            self._positions[self._ids[i]] = i
