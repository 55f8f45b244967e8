"""Item model of one clip's notes, in timeline order (GUI thread).

Rows are :class:`~sora_studio.core.models.Note` values; a changed note (resolved, linked to its
result) replaces its row with ``dataChanged`` for that row only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from sora_studio.core.models import Note
from sora_studio.core.timecode import format_timecode

_Index = QModelIndex | QPersistentModelIndex


def note_time_label(note: Note) -> str:
    start = format_timecode(note.start_ms)
    return start if note.end_ms is None else f"{start}–{format_timecode(note.end_ms)}"


class NoteRoles:
    Note = Qt.ItemDataRole.UserRole + 1
    NoteId = Qt.ItemDataRole.UserRole + 2
    StartMs = Qt.ItemDataRole.UserRole + 3
    Resolved = Qt.ItemDataRole.UserRole + 4


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ForegroundRole,
        NoteRoles.Note,
        NoteRoles.NoteId,
        NoteRoles.StartMs,
        NoteRoles.Resolved,
    }
)


class NotesModel(QAbstractListModel):
    """One row per note; ``DisplayRole`` is ``time  text — author``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notes: list[Note] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._notes)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Asked for every role of every row whenever the list lays out (a note added): roles it
        # has nothing for are answered first, before any other work.
        if role not in _ROLES or not index.isValid():
            return None
        row = index.row()
        if index.column() != 0 or not 0 <= row < len(self._notes):
            return None
        note = self._notes[row]
        if role == Qt.ItemDataRole.DisplayRole:
            linked = f"  → #{note.result_job_id}" if note.result_job_id is not None else ""
            return f"{note_time_label(note)}   {note.text} — {note.author}{linked}"
        if role == Qt.ItemDataRole.ToolTipRole:
            state = "resolved" if note.resolved else "open"
            return f"{note_time_label(note)} ({state}) by {note.author}\n{note.text}"
        if role == Qt.ItemDataRole.FontRole and note.resolved:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and note.resolved:
            return QColor("#8b949e")
        if role == NoteRoles.Note:
            return note
        if role == NoteRoles.NoteId:
            return note.id
        if role == NoteRoles.StartMs:
            return note.start_ms
        if role == NoteRoles.Resolved:
            return note.resolved
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def set_notes(self, notes: Iterable[Note]) -> None:
        self.beginResetModel()
        self._notes = sorted(notes, key=lambda n: (n.start_ms, n.id))
        self.endResetModel()

    def notes(self) -> list[Note]:
        return list(self._notes)

    def note_at(self, row: int) -> Note:
        return self._notes[row]

    def row_of(self, note_id: int) -> int | None:
        for row, note in enumerate(self._notes):
            if note.id == note_id:
                return row
        return None

    def add_note(self, note: Note) -> None:
        """Insert ``note`` at its place in time."""
        position = 0
        while position < len(self._notes) and (
            self._notes[position].start_ms,
            self._notes[position].id,
        ) <= (note.start_ms, note.id):
            position += 1
        self.beginInsertRows(QModelIndex(), position, position)
        self._notes.insert(position, note)
        self.endInsertRows()

    def replace_note(self, note: Note) -> None:
        row = self.row_of(note.id)
        if row is None:
            self.add_note(note)
            return
        self._notes[row] = note
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)

    def remove_note(self, note_id: int) -> None:
        row = self.row_of(note_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._notes[row]
        self.endRemoveRows()
