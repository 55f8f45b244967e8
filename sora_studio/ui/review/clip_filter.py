"""Filtering (and the sort entry point) between the clip model and the grid view.

:class:`ClipFilter` is a frozen description of what to show, with a pure ``matches(job)``;
:class:`ClipFilterProxy` is the ``QSortFilterProxyModel`` that applies it (GUI thread). Because
``dynamicSortFilter`` stays on, a job whose status changes is re-filtered by itself when the
model emits ``dataChanged`` for its row. Sorting is forwarded to :class:`ClipModel`, which sorts
in one Python call (see that module for why).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from sora_studio.core.models import Job, ReviewStatus
from sora_studio.core.team_events import VerdictState, normal_tag
from sora_studio.ui.review.clip_model import ClipModel, SortKey
from sora_studio.ui.review.clip_row import FAILED_STATUSES, job_tags


@dataclass(frozen=True, slots=True)
class ClipFilter:
    """What the grid shows. Empty sets and blank strings mean "any"."""

    review_statuses: frozenset[ReviewStatus] = field(default_factory=frozenset)
    models: frozenset[str] = field(default_factory=frozenset)
    sizes: frozenset[str] = field(default_factory=frozenset)
    providers: frozenset[str] = field(default_factory=frozenset)
    created_from: float | None = None  # Unix seconds, inclusive
    created_to: float | None = None  # Unix seconds, exclusive
    tag: str = ""
    character: str = ""
    text: str = ""  # words that must all appear in the prompt, any case
    hide_failed: bool = False
    disputed: bool = False  # only a team library's clips whose reviewers disagree

    @property
    def is_empty(self) -> bool:
        return self == ClipFilter()

    def with_changes(self, **changes: Any) -> ClipFilter:
        return replace(self, **changes)

    def matches(
        self, job: Job, team: VerdictState | None = None, tags: tuple[str, ...] = ()
    ) -> bool:
        """True when ``job`` (with its team verdicts, in a team library, and the ``tags`` put
        on it by hand) is to be shown."""
        if self.disputed and (team is None or not team.disputed):
            return False
        if self.hide_failed and job.status in FAILED_STATUSES:
            return False
        if self.review_statuses and job.review_status not in self.review_statuses:
            return False
        if self.models and job.model not in self.models:
            return False
        if self.sizes and job.size not in self.sizes:
            return False
        if self.providers and job.provider not in self.providers:
            return False
        if self.created_from is not None and job.created_at < self.created_from:
            return False
        if self.created_to is not None and job.created_at >= self.created_to:
            return False
        if self.tag:
            wanted = normal_tag(self.tag)
            if wanted not in tags and wanted not in job_tags(job):
                return False
        if self.character:
            wanted = self.character.lower()
            if not any(wanted in c.lower() for c in job.character_ids):
                return False
        if self.text:
            prompt = job.prompt.lower()
            if not all(word in prompt for word in self.text.lower().split()):
                return False
        return True


class ClipFilterProxy(QSortFilterProxyModel):
    """Applies a :class:`ClipFilter` to a :class:`ClipModel` (GUI thread)."""

    def __init__(self, source: ClipModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._filter = ClipFilter()
        self._accept_all = True  # cached: comparing dataclasses per row costs at 10,000 rows
        self._clips = source
        self.setSourceModel(source)
        self.setDynamicSortFilter(True)

    @property
    def clip_model(self) -> ClipModel:
        return self._clips

    @property
    def clip_filter(self) -> ClipFilter:
        return self._filter

    def set_filter(self, clip_filter: ClipFilter) -> None:
        if clip_filter == self._filter:
            return
        self.beginFilterChange()
        self._filter = clip_filter
        self._accept_all = clip_filter.is_empty
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_sort(self, key: SortKey, *, descending: bool = True) -> None:
        """Sort by date, cost, duration or status (done by the source model, see module doc)."""
        self._clips.sort_by(key, descending=descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._clips.sort(column, order)

    def filterAcceptsRow(
        self,
        source_row: int,
        source_parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if self._accept_all:
            return True
        job = self._clips.job_at(source_row)
        clips = self._clips
        return self._filter.matches(job, clips.team_state(job.id), clips.manual_tags(job.id))

    def job_id_at(self, row: int) -> int:
        return self._clips.job_at(self.mapToSource(self.index(row, 0)).row()).id

    def proxy_index_of(self, job_id: int) -> QModelIndex:
        return self.mapFromSource(self._clips.index_of(job_id))
