"""The structured brief: one labelled field per ``core.brief.BRIEF_FIELDS`` entry.

GUI thread only. ``changed`` fires on every edit; ``brief()`` reads the fields back as a frozen
:class:`~sora_studio.core.models.Brief`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from sora_studio.core.brief import BRIEF_FIELDS
from sora_studio.core.models import Brief

PLACEHOLDERS = {
    "subject": "Who or what the shot is about",
    "setting": "Where and when",
    "camera": "Shot size, lens, movement",
    "lighting": "Light quality and direction",
    "motion": "What moves, and how",
    "style": "Look and mood",
    "audio": "Dialogue, sound effects, music",
    "constraints": "What must not appear",
    "free_text": "Anything else, in your own words",
}


# Fields that get a whole row; the short ones sit two to a row so the builder stays compact.
_FULL_WIDTH = frozenset({"subject", "constraints", "free_text"})


class BriefForm(QWidget):
    """Line edits for the short fields, two to a row; a small text box for the free text."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(4)
        self.fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        row, column = 0, 0
        for name, label in BRIEF_FIELDS:
            editor: QLineEdit | QPlainTextEdit
            if name == "free_text":
                editor = QPlainTextEdit()
                editor.setFixedHeight(48)
                editor.setPlaceholderText(PLACEHOLDERS.get(name, ""))
                editor.textChanged.connect(self.changed)
            else:
                editor = QLineEdit()
                editor.setPlaceholderText(PLACEHOLDERS.get(name, ""))
                editor.textChanged.connect(lambda _t: self.changed.emit())
            editor.setObjectName(f"brief_{name}")
            editor.setToolTip(PLACEHOLDERS.get(name, ""))
            caption = QLabel(label)
            caption.setBuddy(editor)
            self.fields[name] = editor
            if name in _FULL_WIDTH:
                if column:
                    row, column = row + 1, 0
                layout.addWidget(caption, row, 0)
                layout.addWidget(editor, row, 1, 1, 3)
                row += 1
            else:
                layout.addWidget(caption, row, column * 2)
                layout.addWidget(editor, row, column * 2 + 1)
                column = (column + 1) % 2
                row += 1 if column == 0 else 0
        layout.setColumnStretch(1, 1)
        layout.setColumnStretch(3, 1)

    def brief(self) -> Brief:
        values = {
            name: (editor.toPlainText() if isinstance(editor, QPlainTextEdit) else editor.text())
            for name, editor in self.fields.items()
        }
        return Brief(**values)

    def set_brief(self, brief: Brief) -> None:
        """Fill every field (one ``changed`` at the end, not one per field)."""
        blocked = self.blockSignals(True)
        try:
            for name, editor in self.fields.items():
                value = getattr(brief, name)
                if isinstance(editor, QPlainTextEdit):
                    if editor.toPlainText() != value:
                        editor.setPlainText(value)
                elif editor.text() != value:
                    editor.setText(value)
                    editor.setCursorPosition(0)  # a loaded brief reads from its start
        finally:
            self.blockSignals(blocked)
        self.changed.emit()

    def set_field(self, name: str, value: str) -> None:
        editor = self.fields[name]
        if isinstance(editor, QPlainTextEdit):
            editor.setPlainText(value)
        else:
            editor.setText(value)
            editor.setCursorPosition(0)  # show the start of a long value, not its end
