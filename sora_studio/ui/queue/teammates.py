"""Teammates' renders in flight, as read-only rows of the render queue: model and status bar.

On a team library the desk that submitted a job owns it (it polls and downloads it); the others
follow its progress live. :class:`TeammatesModel` holds the frozen
:class:`~sora_studio.services.team_desk_jobs.TeammateJob` rows the sync thread last pulled: whose
desk, prompt, model, status with progress, and how long its owner has been silent. Rows are
replaced as a whole on each refresh (a few rows: teammates' renders in flight) and a row
disappears when its render finishes (it becomes a clip of the grid). GUI thread only.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any, TypeAlias

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from sora_studio.core.models import JobStatus
from sora_studio.services.team_desk_jobs import TeammateJob
from sora_studio.ui.queue.delegate import StatusBarDelegate

ModelIndex: TypeAlias = QModelIndex | QPersistentModelIndex

TEAMMATE_ROLE = Qt.ItemDataRole.UserRole + 11  # the row's TeammateJob


class TeamColumn(IntEnum):
    OWNER = 0
    PROMPT = 1
    MODEL = 2
    STATUS = 3
    HEARD = 4


HEADERS = {
    TeamColumn.OWNER: "Owner",
    TeamColumn.PROMPT: "Prompt",
    TeamColumn.MODEL: "Model",
    TeamColumn.STATUS: "Status",
    TeamColumn.HEARD: "Last heard",
}


def duration_text(seconds: float) -> str:
    """``"40 s"``, ``"12 min"``, ``"3 h"``."""
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 90 * 60:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds // 3600)} h"


def silence_text(seconds: float) -> str:
    """``"just now"``, ``"40 s ago"``, ``"12 min ago"``, ``"3 h ago"``."""
    return "just now" if seconds < 5 else f"{duration_text(seconds)} ago"


def owner_tooltip(job: TeammateJob) -> str:
    """Why the row's actions are off (or that it may be adopted)."""
    lines = [
        f"Rendering on {job.owner_name}: it polls and downloads this render, so only it can "
        "cancel or retry it. It becomes a clip in the grid when it finishes."
    ]
    if job.adoptable:
        lines.append(
            f"{job.owner_name} has been silent for {duration_text(job.silent_s)}: "
            "you may adopt it with your own key for the same provider."
        )
    return "\n".join(lines)


class TeammatesModel(QAbstractTableModel):
    """Teammates' renders in flight (read-only). GUI thread only."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[TeammateJob] = []

    def set_rows(self, rows: Iterable[TeammateJob]) -> None:
        """Replace the rows: unchanged ones keep their place (one ``dataChanged`` for the rest),
        so a selection survives a refresh that only moved progress."""
        new = list(rows)
        if [r.clip_id for r in new] != [r.clip_id for r in self._rows]:
            self.beginResetModel()
            self._rows = new
            self.endResetModel()
            return
        if new != self._rows:
            self._rows = new
            last = self.index(len(new) - 1, len(TeamColumn) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def rows(self) -> list[TeammateJob]:
        return list(self._rows)

    def row_at(self, row: int) -> TeammateJob | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(TeamColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(TeamColumn)
        ):
            return HEADERS[TeamColumn(section)]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        job = self.row_at(index.row()) if index.isValid() else None
        if job is None:
            return None
        column = TeamColumn(index.column())
        if role == TEAMMATE_ROLE:
            return job
        if role == Qt.ItemDataRole.ToolTipRole:
            return job.prompt if column == TeamColumn.PROMPT else owner_tooltip(job)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == TeamColumn.OWNER:
            return job.owner_name
        if column == TeamColumn.PROMPT:
            return job.prompt
        if column == TeamColumn.MODEL:
            return job.model
        if column == TeamColumn.STATUS:
            return job.status_text
        return silence_text(job.silent_s)


class TeammateBarDelegate(StatusBarDelegate):
    """The queue's status bar, painted from a teammate's row (its status and progress)."""

    def bar_of(
        self, index: QModelIndex | QPersistentModelIndex
    ) -> tuple[JobStatus, int, str] | None:
        job = index.data(TEAMMATE_ROLE)
        if not isinstance(job, TeammateJob):
            return None
        try:
            status = JobStatus(job.status)
        except ValueError:  # a status a newer desk knows: still running, as far as we can tell
            status = JobStatus.IN_PROGRESS
        return status, job.progress, job.status_text
