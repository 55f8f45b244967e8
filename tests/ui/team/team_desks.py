"""A desk's review side on a team library, for tests and screenshots: panel, link, grid.

``TeamDesk.open(database, root)`` builds what the composition root builds for the team: a
:class:`ReviewPanel` over the library, a :class:`TeamLink` (sync thread) whose pushes follow the
panel's writer, a :class:`TeamReview`, and a status bar fed by the link. ``close()`` stops all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sora_studio.ui.review.review_panel import ReviewPanel
from sora_studio.ui.review.team_review import TeamReview
from sora_studio.ui.status_bar import StudioStatusBar
from sora_studio.ui.workers.team_link import TeamLink, TeamLinkState


@dataclass
class TeamDesk:
    panel: ReviewPanel
    link: TeamLink
    review: TeamReview
    status: StudioStatusBar

    @classmethod
    def open(cls, database: Path, root: Path, *, start: bool = True) -> TeamDesk:
        link = TeamLink(database)
        panel = ReviewPanel(database, root, with_audio=False)
        status = StudioStatusBar()

        def show(state: TeamLinkState) -> None:
            status.set_team(*state.shown)

        link.state_changed.connect(show)
        panel.writer.settled.connect(link.push_soon)
        review = TeamReview(panel, link)
        if start:
            link.start()
        return cls(panel, link, review, status)

    def close(self) -> None:
        self.link.shutdown()
        self.panel.shutdown()
        self.status.deleteLater()
        self.panel.deleteLater()
        self.link.deleteLater()
