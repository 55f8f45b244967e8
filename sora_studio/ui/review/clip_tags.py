"""Tags put on clips by hand, in the review panel: shown, filtered on, and edited (``T``).

GUI thread. :class:`ClipTags` keeps the grid model's hand-put tags current: every clip's are
read (one query, through the panel's ``LibraryView``) whenever the grid is filled, and those of
given clips when they change (:meth:`ClipTags.refresh`: the team's sync wrote a teammate's tags,
see :mod:`.team_review`). It offers the tags in use, with the prompts' ``#words``, to the filter
bar's tag picker, and shows the current clip's tags above its player (:class:`TagLine`).

``T`` (or the line's "Tags…" button) opens :class:`~.tag_editor.TagEditor` on the selected
clips; what it says to change goes to the desk's writer thread as one
:class:`~sora_studio.services.desk_writes.ChangeTags` (connected, it is recorded for the team
in the same transaction), and the tags as stored come back to the grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from sora_studio.services.desk_writes import ChangeTags, TagsChanged
from sora_studio.ui.review.clip_row import job_tags
from sora_studio.ui.review.tag_chips import NO_TAGS, details_text
from sora_studio.ui.review.tag_editor import TagEditor

if TYPE_CHECKING:
    from sora_studio.ui.review.review_panel import ReviewPanel


class TagLine(QWidget):
    """The current clip's tags, one line above its player, with the button that edits them."""

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(NO_TAGS, self)
        self.label.setProperty("role", "hint")
        self.label.setWordWrap(True)
        self.button = QPushButton("Tags… (T)", self)
        self.button.setToolTip("Put tags on the selected clips or take them off")
        self.button.clicked.connect(self.edit_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)

    def show_tags(self, tags: tuple[str, ...] | None) -> None:
        """The clip's tags; None: no clip selected."""
        self.label.setText(details_text(tags or ()))
        self.label.setProperty("role", "" if tags else "hint")
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)
        self.button.setEnabled(tags is not None)


class ClipTags(QObject):
    """Keeps a review panel's hand-put tags current, and edits them (see the module doc)."""

    def __init__(self, panel: ReviewPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.line = TagLine(panel)
        self.editor: TagEditor | None = None  # the open editor, if any (tests reach it here)
        self._prompt_tags: set[str] = set()
        panel.model.modelReset.connect(self.refresh_all)
        panel.loading_finished.connect(self.refresh_all)
        self._current: int | None = None  # the grid's current clip (told before the panel)
        panel.grid.current_clip_changed.connect(self._on_current_changed)
        self.line.edit_requested.connect(self.edit)

    # -- reading ---------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        """Read every clip's tags again (the grid was filled)."""
        panel = self.panel
        panel.model.set_manual_tags(panel.view.tags_by_job(), replace_all=True)
        self._prompt_tags = {tag for job in panel.model.jobs() for tag in job_tags(job)}
        self._offer_choices()
        self._show_current()

    def refresh(self, job_ids: Iterable[int]) -> None:
        """Read these clips' tags again (a teammate changed them)."""
        ids = sorted(set(job_ids))
        if not ids:
            return
        tags = self.panel.view.tags_by_job(ids)
        self.panel.model.set_manual_tags({job_id: tags.get(job_id, ()) for job_id in ids})
        for job in filter(None, map(self.panel.model.job, ids)):
            self._prompt_tags.update(job_tags(job))
        self._offer_choices()
        self._show_current()

    # -- editing ---------------------------------------------------------------------------------

    def edit(self) -> TagEditor | None:
        """Open the tag editor on the selected clips (the current one when none is)."""
        panel = self.panel
        ids = panel.grid.selected_job_ids()
        if not ids and self._current is not None:
            ids = [self._current]
        if not ids:
            panel.report("Select a clip to tag.")
            return None
        if self.editor is not None:
            self.editor.close()
        current = {job_id: panel.model.manual_tags(job_id) for job_id in ids}
        editor = TagEditor(current, self.panel.view.tags_in_use(), panel)
        editor.accepted.connect(lambda: self._store(tuple(ids), *editor.changes()))
        editor.finished.connect(lambda _code: self._forget(editor))
        self.editor = editor
        editor.open()
        return editor

    def _store(self, ids: tuple[int, ...], add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        if not add and not remove:
            return
        command = ChangeTags(ids, add, remove, self.panel.reviewer)
        self.panel.writer.send(command, self._on_stored, self.panel.report)

    def _on_stored(self, result: TagsChanged) -> None:
        self.panel.model.set_manual_tags(dict(result.tags))
        self._offer_choices()
        self._show_current()
        clips = f"#{result.tags[0][0]}" if len(result.tags) == 1 else f"{len(result.tags)} clips"
        self.panel.report(f"Tags changed on {clips}.")

    def _forget(self, editor: TagEditor) -> None:
        if self.editor is editor:
            self.editor = None
        editor.deleteLater()

    # -- showing ---------------------------------------------------------------------------------

    def _offer_choices(self) -> None:
        self.panel.filter_bar.set_tag_choices(
            self._prompt_tags | set(self.panel.view.tags_in_use())
        )

    def _on_current_changed(self, job_id: int) -> None:
        self._current = job_id if job_id >= 0 else None
        self._show_current()

    def _show_current(self) -> None:
        job_id = self._current
        self.line.show_tags(None if job_id is None else self.panel.model.manual_tags(job_id))
