"""The notes of the clip on show: read from the GUI's view, written by the desk's writer thread.

GUI thread. :class:`ClipNotes` drives the :class:`~sora_studio.ui.notes.notes_panel.NotesPanel`
beside the player. A note filed with ``Return`` appears in the list and on the timeline at once,
as a provisional note (a negative id, its actions disabled), while an ``AddNote`` command goes
to the writer; the stored note replaces it when the writer answers, or it disappears with the
reason (a note past the clip's end, say) on ``refused``. Resolving works the same way. ``changed``
says the timeline's markers need repainting.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, QTimer, Signal

from sora_studio.core.models import Note
from sora_studio.services.desk_writes import AddNote, ResolveNote
from sora_studio.services.library_view import LibraryView
from sora_studio.ui.notes.notes_panel import NotesPanel
from sora_studio.ui.player.timeline import Marker
from sora_studio.ui.workers.desk_writer import DeskWriter


class ClipNotes(QObject):
    """Shows, adds and resolves the current clip's notes (GUI thread; see the docstring)."""

    changed = Signal()  # the notes on show changed: repaint the markers
    refused = Signal(str)  # why the library did not take a note

    def __init__(
        self,
        panel: NotesPanel,
        view: LibraryView,
        writer: DeskWriter,
        author: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel = panel
        self._view = view
        self._writer = writer
        self.author = author
        self._provisional = 0  # the last provisional id handed out (counting down from -1)
        # Notes filed but not selected yet: provisional id -> the id to select (its own, or
        # the stored note's when the writer answered first).
        self._to_select: dict[int, int] = {}

    @property
    def job_id(self) -> int | None:
        return self.panel.job_id

    def show(self, job_id: int | None) -> None:
        """Show the notes of ``job_id`` (None: no clip)."""
        self.panel.set_notes(job_id, self._view.notes_for(job_id) if job_id is not None else [])
        self.changed.emit()

    def reload(self) -> None:
        """Read the clip's notes again (a note was linked to a new version), keeping the one
        selected."""
        job_id = self.panel.job_id
        if job_id is None:
            return
        selected = self.panel.selected_note()
        for note in self._view.notes_for(job_id):
            self.panel.note_changed(note)
        if selected is not None:
            self.panel.select_note(selected.id)
        self.changed.emit()

    def markers(self) -> tuple[Marker, ...]:
        return tuple(
            Marker(n.start_ms, n.end_ms, n.resolved, n.id) for n in self.panel.model.notes()
        )

    def add(self, start_ms: int, end_ms: int | None, text: str) -> Note | None:
        """File a note on the clip on show: listed now, stored by the writer."""
        job_id = self.panel.job_id
        if job_id is None:
            return None
        self._provisional -= 1
        draft = Note(self._provisional, job_id, start_ms, text.strip(), self.author, end_ms)
        self.panel.note_changed(draft)
        # Selected once this key press is handled: selecting scrolls the list to the note,
        # which lays the whole list out (every row's text measured) - work for the repaint
        # that follows, not for the key press itself.
        self._to_select[draft.id] = draft.id
        QTimer.singleShot(0, self, lambda: self._select(draft.id))
        self.changed.emit()
        self._writer.send(
            AddNote(job_id, start_ms, text, self.author, end_ms),
            on_done=lambda note: self._stored(draft, note),
            on_refused=lambda why: self._dropped(draft, why),
        )
        return draft

    def resolve(self, note_id: int, resolved: bool) -> None:
        """Mark a note resolved (or open again): shown now, stored by the writer."""
        row = self.panel.model.row_of(note_id)
        if row is None or note_id < 0:
            return
        before = self.panel.model.note_at(row)
        self.panel.note_changed(dataclasses.replace(before, resolved=resolved))
        self.changed.emit()
        self._writer.send(
            ResolveNote(note_id, resolved),
            on_done=self._updated,
            on_refused=lambda why: self._restore(before, why),
        )

    # --- answers from the writer ----------------------------------------------------------

    def _select(self, draft_id: int) -> None:
        # The draft may have been stored (and replaced) meanwhile: select what stands for it.
        note_id = self._to_select.pop(draft_id, None)
        if note_id is not None:
            self.panel.select_note(note_id)

    def _stored(self, draft: Note, note: Note) -> None:
        selected = self.panel.selected_note()
        self.panel.model.remove_note(draft.id)
        self.panel.note_changed(note)  # only shown while its clip is
        if draft.id in self._to_select:
            self._to_select[draft.id] = note.id
        if selected is not None and selected.id == draft.id:
            self.panel.select_note(note.id)
        self.changed.emit()

    def _dropped(self, draft: Note, why: str) -> None:
        self._to_select.pop(draft.id, None)
        self.panel.model.remove_note(draft.id)
        self.changed.emit()
        self.refused.emit(why)

    def _updated(self, note: Note) -> None:
        self.panel.note_changed(note)
        self.changed.emit()

    def _restore(self, before: Note, why: str) -> None:
        self.panel.note_changed(before)
        self.changed.emit()
        self.refused.emit(why)
