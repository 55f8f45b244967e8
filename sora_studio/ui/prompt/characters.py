"""Pick up to two saved characters for a render. GUI thread only.

A checkable list; checking a third unchecks nothing but is refused with a hint, because silently
dropping the user's earlier pick would surprise them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from sora_studio.core.models import Character
from sora_studio.core.validation import MAX_CHARACTERS


class CharacterPicker(QWidget):
    changed = Signal()
    picked = Signal(object)  # the Character just checked (to insert its name into the prompt)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setStyleSheet("QListWidget::item { padding: 3px 2px; }")
        self.list.itemChanged.connect(self._on_item_changed)
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self.hint)
        self._characters: dict[int, Character] = {}
        self.set_characters(())

    def set_characters(self, characters: Sequence[Character]) -> None:
        keep = {c.id for c in self.selected()}
        self.list.blockSignals(True)
        self.list.clear()
        self._characters = {c.id: c for c in characters}
        for character in characters:
            item = QListWidgetItem(character.name)
            item.setData(Qt.ItemDataRole.UserRole, character.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = character.id in keep
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            item.setToolTip(f"{character.name} ({character.remote_id})")
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setVisible(bool(characters))
        # As tall as its rows (up to four), so a short list does not waste the builder's height.
        rows = min(max(len(characters), 1), 4)
        self.list.setFixedHeight(rows * (self.list.fontMetrics().height() + 10) + 6)
        self.hint.setText(
            f"Pick up to {MAX_CHARACTERS}; their names are added to the prompt."
            if characters
            else "No characters yet. Upload a 2–4 s clip as a character to reuse a person or "
            "creature across renders."
        )
        self.changed.emit()

    def selected(self) -> list[Character]:
        chosen = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                character = self._characters.get(int(item.data(Qt.ItemDataRole.UserRole)))
                if character is not None:
                    chosen.append(character)
        return chosen

    def set_checked(self, character_id: int, checked: bool) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if int(item.data(Qt.ItemDataRole.UserRole)) == character_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        character = self._characters.get(int(item.data(Qt.ItemDataRole.UserRole)))
        if item.checkState() == Qt.CheckState.Checked:
            if len(self.selected()) > MAX_CHARACTERS:
                self.list.blockSignals(True)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.list.blockSignals(False)
                self.hint.setText(
                    f"A render can use at most {MAX_CHARACTERS} characters; uncheck one first."
                )
                return
            if character is not None:
                self.picked.emit(character)
        self.changed.emit()
