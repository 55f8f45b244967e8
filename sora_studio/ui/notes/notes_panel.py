"""The notes list beside the player: add at the playhead, click to seek, resolve, turn into work.

GUI thread only. The panel never writes to the library itself: it emits requests
(``add_requested``, ``resolve_requested``, ``turn_into_requested``) and the review area records
them (``ui.review.clip_notes``) and hands the notes back through ``set_notes`` /
``note_changed``. That keeps it
testable without a database and keeps every write in one place.

``begin_note(start_ms, end_ms)`` is what ``N`` does: it pins the next note to the player's time
(or its in/out range) and puts the cursor in the text box; ``Return`` files it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.models import Note
from sora_studio.core.timecode import format_timecode
from sora_studio.ui.notes.notes_model import NoteRoles, NotesModel

TURN_INTO_KINDS = ("edit", "extend", "remix")
TURN_INTO_TIPS = {
    kind: f"Request a {kind} of this clip with the note's text as its prompt"
    for kind in TURN_INTO_KINDS
}


class NotesPanel(QWidget):
    """List of a clip's notes with an entry line and note actions (GUI thread)."""

    add_requested = Signal(int, int, str)  # start ms, end ms (-1: a point), text
    seek_requested = Signal(int)  # ms
    resolve_requested = Signal(int, bool)  # note id, resolved
    turn_into_requested = Signal(int, str, str)  # note id, "edit"|"extend"|"remix", text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = NotesModel(self)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setUniformItemSizes(False)
        self.view.setAlternatingRowColors(True)
        self.view.clicked.connect(self._on_clicked)
        self.view.activated.connect(self._on_clicked)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.pin_label = QLabel("", self)
        self.entry = QLineEdit(self)
        self.entry.setPlaceholderText("Press N to note the current frame, type, then Return")
        self.entry.returnPressed.connect(self.commit_note)
        self.empty_label = QLabel("No notes yet. Press N while watching to add one.", self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.resolve_button = QPushButton("Resolve", self)
        self.resolve_button.setToolTip("Mark the selected note as dealt with (or reopen it)")
        self.resolve_button.clicked.connect(self._toggle_resolved)
        self.turn_buttons: dict[str, QPushButton] = {}
        labels = {"edit": "→ Edit", "extend": "→ Extend", "remix": "→ Remix"}
        for kind in TURN_INTO_KINDS:
            button = QPushButton(labels[kind], self)
            button.setToolTip(TURN_INTO_TIPS[kind])
            button.clicked.connect(lambda _=False, k=kind: self.turn_selected_into(k))
            self.turn_buttons[kind] = button
        entry_row = QHBoxLayout()
        entry_row.addWidget(self.pin_label)
        entry_row.addWidget(self.entry, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.resolve_button)
        for button in self.turn_buttons.values():
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(entry_row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(actions)
        self._job_id: int | None = None
        self._pin: tuple[int, int | None] = (0, None)
        self._refusals: dict[str, str] = {}  # kind -> why the clip cannot take it now
        self.model.modelReset.connect(self._update_empty)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.rowsRemoved.connect(self._update_empty)
        self._set_pin(0, None)
        self._update_empty()
        self.setEnabled(False)

    # -- content -------------------------------------------------------------------------------

    @property
    def job_id(self) -> int | None:
        return self._job_id

    def set_notes(self, job_id: int | None, notes: Iterable[Note]) -> None:
        """Show ``notes`` of clip ``job_id`` (None: no clip, panel disabled)."""
        self._job_id = job_id
        self.model.set_notes(notes if job_id is not None else ())
        self.entry.clear()
        self._set_pin(0, None)
        self.setEnabled(job_id is not None)
        self._update_buttons()

    def set_turn_refusals(self, reasons: Mapping[str, str]) -> None:
        """Why the clip on show cannot take an edit, extension or remix now ("" or absent: it
        can), from the clip's actions: the note buttons say the same as the clip's buttons."""
        self._refusals = {kind: reasons.get(kind, "") for kind in TURN_INTO_KINDS}
        self._update_buttons()

    def note_changed(self, note: Note) -> None:
        """A note was added or changed (or is on its way into the library, with a negative id);
        show it if it belongs to this clip."""
        if note.job_id == self._job_id:
            self.model.replace_note(note)
            self._update_buttons()

    def selected_note(self) -> Note | None:
        index = self.view.currentIndex()
        return index.data(NoteRoles.Note) if index.isValid() else None

    def select_note(self, note_id: int) -> None:
        row = self.model.row_of(note_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, 0))

    # -- adding --------------------------------------------------------------------------------

    def begin_note(self, start_ms: int, end_ms: int | None = None) -> None:
        """Pin the next note to ``start_ms`` (or a range) and focus the text box (``N``)."""
        if self._job_id is None:
            return
        self._set_pin(start_ms, end_ms)
        self.entry.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.entry.selectAll()

    def commit_note(self) -> bool:
        text = self.entry.text().strip()
        if self._job_id is None or not text:
            return False
        start, end = self._pin
        self.add_requested.emit(start, -1 if end is None else end, text)
        self.entry.clear()
        return True

    def _set_pin(self, start_ms: int, end_ms: int | None) -> None:
        self._pin = (start_ms, end_ms)
        label = format_timecode(start_ms)
        if end_ms is not None:
            label += f"–{format_timecode(end_ms)}"
        self.pin_label.setText(f"@ {label}")

    @property
    def pin(self) -> tuple[int, int | None]:
        return self._pin

    # -- actions -------------------------------------------------------------------------------

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.seek_requested.emit(int(index.data(NoteRoles.StartMs)))
        self._update_buttons()

    def _toggle_resolved(self) -> None:
        note = self.selected_note()
        if note is not None:
            self.resolve_requested.emit(note.id, not note.resolved)

    def turn_selected_into(self, kind: str) -> bool:
        """Ask for an edit/extension/remix of the clip, pre-filled with the selected note."""
        if kind not in TURN_INTO_KINDS:
            raise ValueError(f"a note can become one of {', '.join(TURN_INTO_KINDS)}, not {kind!r}")
        note = self.selected_note()
        if note is None:
            return False
        self.turn_into_requested.emit(note.id, kind, note.text)
        return True

    def _update_buttons(self) -> None:
        note = self.selected_note()
        # A note with a negative id is on its way into the library: nothing to act on yet.
        stored = note is not None and note.id >= 0
        self.resolve_button.setEnabled(stored)
        self.resolve_button.setText("Reopen" if note is not None and note.resolved else "Resolve")
        open_note = stored and note is not None and note.result_job_id is None
        for kind, button in self.turn_buttons.items():
            why = self._refusals.get(kind, "")
            button.setEnabled(open_note and not why)
            button.setToolTip(why or TURN_INTO_TIPS[kind])

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_label.setVisible(empty)
        self.view.setVisible(not empty)
