"""The builder's templates and recent briefs: read from the GUI's view, written by the writer.

GUI thread. :class:`WrittenBriefStore` is what the prompt builder gets as its ``BriefStore``:
``list_templates`` and ``recent_briefs`` read the GUI thread's ``LibraryView``; ``save_template``
and ``add_recent_brief`` go to the desk's writer thread and return at once. Until the writer
has applied one, it is kept here and shown on top of what the library says, so a template saved
a moment ago is already in the menu.
"""

from __future__ import annotations

from sora_studio.core.models import Brief
from sora_studio.services.desk_writes import AddRecentBrief, SaveTemplate
from sora_studio.services.library_view import LibraryView
from sora_studio.ui.workers.desk_writer import DeskWriter


class WrittenBriefStore:
    """Templates and recent briefs over a view (reads) and the desk's writer (writes)."""

    def __init__(self, view: LibraryView, writer: DeskWriter) -> None:
        self._view = view
        self._writer = writer
        self._templates: dict[str, tuple[int, Brief]] = {}  # name -> (ticket, brief) in flight
        self._recent: dict[int, Brief] = {}  # ticket -> brief in flight, oldest first

    def list_templates(self) -> dict[str, Brief]:
        templates = self._view.list_templates()
        templates.update({name: brief for name, (_, brief) in self._templates.items()})
        return dict(sorted(templates.items()))

    def save_template(self, name: str, brief: Brief) -> None:
        ticket = self._writer.send(
            SaveTemplate(name, brief),
            on_done=lambda _none: self._template_saved(name, ticket),
            on_refused=lambda _why: self._template_saved(name, ticket),
        )
        self._templates[name] = (ticket, brief)

    def _template_saved(self, name: str, ticket: int) -> None:
        # Only the latest save of a name is shown from here; an earlier one is already stale.
        if self._templates.get(name, (None,))[0] == ticket:
            del self._templates[name]

    def recent_briefs(self, limit: int = 10) -> list[Brief]:
        newest = list(reversed(self._recent.values()))
        stored = [b for b in self._view.recent_briefs(limit) if b not in newest]
        return (newest + stored)[:limit]

    def add_recent_brief(self, brief: Brief) -> None:
        ticket = self._writer.send(
            AddRecentBrief(brief),
            on_done=lambda _none: self._recent_saved(ticket),
            on_refused=lambda _why: self._recent_saved(ticket),
        )
        self._recent[ticket] = brief

    def _recent_saved(self, ticket: int) -> None:
        self._recent.pop(ticket, None)
