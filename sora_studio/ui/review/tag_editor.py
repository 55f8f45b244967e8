"""The small dialog that puts tags on the selected clips or takes them off (``T`` in review).

GUI thread. It lists the tags the clips have: checked when every selected clip has it,
half-checked when only some do. Unchecking a tag takes it off them all, checking it puts it on
them all, and a half-checked one left as it is changes nothing. A new tag is typed (the tags in
use are offered as it is typed) and added with Enter or "Add"; Enter on an empty line is OK.
The dialog only says what to change (:meth:`TagEditor.changes`); the caller writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.team_events import normal_tag

_TAG = Qt.ItemDataRole.UserRole + 1


class TagEditor(QDialog):
    """Edit the tags of ``current`` (job id -> its tags); ``choices`` are the tags in use."""

    def __init__(
        self,
        current: Mapping[int, Sequence[str]],
        choices: Iterable[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tags")
        self._current = {job_id: tuple(tags) for job_id, tags in current.items()}
        ids = sorted(self._current)
        heading = f"Tags on clip #{ids[0]}" if len(ids) == 1 else f"Tags on {len(ids)} clips"
        self.heading = QLabel(heading, self)
        self.heading.setStyleSheet("font-weight: 600;")
        self.tag_list = QListWidget(self)
        self.tag_list.setMinimumHeight(140)
        self.empty = QLabel("No tags yet: type one below.", self)
        self.empty.setProperty("role", "hint")
        self.entry = QLineEdit(self)
        self.entry.setPlaceholderText("Add a tag, like hero or night")
        completer = QCompleter(sorted(set(choices)), self.entry)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.entry.setCompleter(completer)
        self.add_button = QPushButton("Add", self)
        self.problem = QLabel("", self)
        self.problem.setProperty("role", "problem")  # red, in the theme's style sheet
        self.problem.hide()
        hint = QLabel("Uncheck a tag to take it off; check it to put it on every clip.", self)
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.add_button.setAutoDefault(False)
        self._entry_took_enter = False
        adder = QHBoxLayout()
        adder.addWidget(self.entry, 1)
        adder.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tag_list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(adder)
        layout.addWidget(self.problem)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        for tag in dict.fromkeys(t for tags in self._current.values() for t in tags):
            self._add_item(tag, self._state_of(tag))
        self._update_empty()
        self.entry.returnPressed.connect(self._on_return)
        self.add_button.clicked.connect(lambda: self.add_tag(self.entry.text()))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.resize(340, 320)

    # -- what to change ------------------------------------------------------------------------

    def add_tag(self, text: str) -> bool:
        """Put ``text`` in the list, checked; False (and a line saying why) when it is no tag."""
        tag = normal_tag(text)
        if not tag:
            self._say("A tag needs a word, like 'hero' or '#night'.")
            return False
        self._say("")
        item = self._item(tag)
        if item is None:
            self._add_item(tag, Qt.CheckState.Checked)
        else:
            item.setCheckState(Qt.CheckState.Checked)
        self.entry.clear()
        self._update_empty()
        return True

    def set_tag_on(self, tag: str, on: bool) -> None:
        """Check (put on every clip) or uncheck (take off) a listed tag."""
        item = self._item(normal_tag(tag))
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def tags(self) -> list[str]:
        """The listed tags, in their order."""
        return [str(self.tag_list.item(i).data(_TAG)) for i in range(self.tag_list.count())]

    def changes(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(tags to put on, tags to take off) every clip, as the list now says."""
        add: list[str] = []
        remove: list[str] = []
        for i in range(self.tag_list.count()):
            item = self.tag_list.item(i)
            tag = str(item.data(_TAG))
            had = self._state_of(tag)
            state = item.checkState()
            if state == Qt.CheckState.Checked and had != Qt.CheckState.Checked:
                add.append(tag)
            elif state == Qt.CheckState.Unchecked and had != Qt.CheckState.Unchecked:
                remove.append(tag)
        return tuple(add), tuple(remove)

    # -- internals -----------------------------------------------------------------------------

    def _state_of(self, tag: str) -> Qt.CheckState:
        """Whether every clip had ``tag`` when the dialog opened (some: partly; none: not)."""
        having = sum(tag in tags for tags in self._current.values())
        if having == 0:
            return Qt.CheckState.Unchecked
        if having == len(self._current):
            return Qt.CheckState.Checked
        return Qt.CheckState.PartiallyChecked

    def _add_item(self, tag: str, state: Qt.CheckState) -> None:
        item = QListWidgetItem(f"#{tag}")
        item.setData(_TAG, tag)
        flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
        if state == Qt.CheckState.PartiallyChecked:
            flags |= Qt.ItemFlag.ItemIsUserTristate  # "leave as it is" stays a choice
        item.setFlags(flags)
        item.setCheckState(state)
        self.tag_list.addItem(item)

    def _item(self, tag: str) -> QListWidgetItem | None:
        for i in range(self.tag_list.count()):
            item = self.tag_list.item(i)
            if item.data(_TAG) == tag:
                return item
        return None

    def _update_empty(self) -> None:
        self.empty.setVisible(self.tag_list.count() == 0)

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the entry is handled there (adds a tag, or OK when it is empty); the dialog's
        # default button must not take it too.
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self._entry_took_enter:
            self._entry_took_enter = False
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_return(self) -> None:
        self._entry_took_enter = True  # the same key press reaches the dialog next
        if self.entry.text().strip():
            self.add_tag(self.entry.text())
        else:
            self.accept()
