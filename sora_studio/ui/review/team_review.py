"""The review grid in a team library: reviewers' names, disputes, and teammates' changes live.

:class:`TeamReview` (GUI thread) joins a :class:`~sora_studio.ui.review.review_panel.ReviewPanel`
to the desk's :class:`~sora_studio.ui.workers.team_link.TeamLink`:

- every clip's team verdicts (who said what, disputed or not) are read through the link's
  ``TeamView`` in one query whenever the grid is (re)filled, and for the clips concerned when a
  verdict of this desk is stored, and handed to the grid's model (badges, tooltips, the
  "Disputed" filter);
- when the sync thread has written a teammate's changes here (``remote_applied``), the clips
  touched since the last look are read again and go to
  :meth:`~sora_studio.ui.review.review_panel.ReviewPanel.on_jobs_updated`, like the engine's
  updates, so a verdict given on another desk shows on this grid within a second; their tags
  and the notes of the clip on show are read again too;
- while the library is connected, the panel records verdicts and notes under the team reviewer's
  name (the one given when connecting), not the OS user's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from sora_studio.core.models import Job
from sora_studio.services.review import default_reviewer
from sora_studio.services.team_sync import ExchangeReport
from sora_studio.ui.workers.team_link import OFF, TeamLink, TeamLinkState

if TYPE_CHECKING:
    from sora_studio.ui.review.review_panel import ReviewPanel


class TeamReview(QObject):
    """Keeps a review panel's team verdicts current (GUI thread; see the module docstring)."""

    def __init__(self, panel: ReviewPanel, link: TeamLink, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else panel)
        self.panel = panel
        self.link = link
        self._mark = link.view.change_mark()
        panel.model.modelReset.connect(self.refresh_all)
        panel.loading_finished.connect(self.refresh_all)
        panel.verdicts.reconciled.connect(self._on_verdicts_stored)
        link.remote_applied.connect(self._on_remote_applied)
        link.state_changed.connect(self._on_state)
        self._own_name = panel.reviewer  # whose verdicts they are when not connected
        status = link.status()
        self._set_reviewer(status.reviewer if status.connected else None)
        self.refresh_all()

    def refresh_all(self) -> None:
        """Read every clip's team verdicts again (the grid was filled)."""
        if not self.link.closed:
            self.panel.model.set_team_states(self.link.view.verdicts(), replace_all=True)

    def refresh(self, job_ids: Iterable[int]) -> None:
        """Read these clips' team verdicts again."""
        ids = sorted(set(job_ids))
        if not ids or self.link.closed:
            return
        states = self.link.view.verdicts(ids)
        self.panel.model.set_team_states({job_id: states.get(job_id) for job_id in ids})

    def _on_verdicts_stored(self, jobs: list[Job]) -> None:
        self.refresh(job.id for job in jobs)

    def _on_remote_applied(self, _report: ExchangeReport) -> None:
        if self.link.closed:
            return
        ids, self._mark = self.link.view.changed_since(self._mark)
        self.refresh(ids)  # first: the rows repaint once, with who said what
        self.panel.tags.refresh(ids)  # a teammate's tags
        jobs = [job for job in map(self.panel.view.get_job, ids) if job is not None]
        if jobs:
            self.panel.on_jobs_updated(jobs)
        if self.panel.current_job_id is not None:
            self.panel.clip_notes.reload()  # a teammate's note, or one resolved

    def _on_state(self, state: TeamLinkState) -> None:
        self._set_reviewer(state.reviewer if state.state != OFF else None)

    def _set_reviewer(self, team_name: str | None) -> None:
        """Verdicts and notes go under the team reviewer's name while connected."""
        who = team_name or self._own_name or default_reviewer()
        self.panel.reviewer = who
        self.panel.verdicts.reviewer = who
        self.panel.clip_notes.author = who
