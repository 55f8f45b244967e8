"""The reject reason, asked in place: a line under the grid instead of a modal dialog.

GUI thread. ``R`` (or ``3``) on the grid opens this bar with the focus in its text box; the
reviewer types the reason (or nothing) and presses ``Enter`` to reject, or ``Esc`` to change
their mind. Either way the focus goes back to the grid, so a keyboard-only session never leaves
it for long and no window comes up in front of the clip that is playing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget


class ReasonBar(QWidget):
    """ "Reject #12 because…" with a text box; hidden until :meth:`ask` (GUI thread)."""

    confirmed = Signal(list, str)  # job ids, reason ("" when none was typed)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reasonBar")
        self.label = QLabel("", self)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Reason (optional)")
        self.edit.setClearButtonEnabled(True)
        self.edit.installEventFilter(self)
        self.edit.returnPressed.connect(self.confirm)
        self.hint = QLabel("Enter rejects · Esc cancels", self)
        self.hint.setProperty("role", "hint")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.label)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.hint)
        self._job_ids: list[int] = []
        self.hide()

    @property
    def asking(self) -> bool:
        """True while a reject waits for its reason."""
        return bool(self._job_ids)

    @property
    def job_ids(self) -> list[int]:
        return list(self._job_ids)

    def ask(self, job_ids: list[int]) -> None:
        """Show the bar for ``job_ids`` with the focus in the text box."""
        self._job_ids = list(job_ids)
        what = f"#{job_ids[0]}" if len(job_ids) == 1 else f"{len(job_ids)} clips"
        self.label.setText(f"Reject {what} because:")
        self.edit.clear()
        self.show()
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def confirm(self) -> None:
        """``Enter``: reject with what was typed."""
        if not self._job_ids:
            return
        ids, reason = self._job_ids, self.edit.text().strip()
        self._close()
        self.confirmed.emit(ids, reason)

    def cancel(self) -> None:
        """``Esc``: no verdict."""
        if not self._job_ids:
            return
        self._close()
        self.cancelled.emit()

    def _close(self) -> None:
        self._job_ids = []
        self.edit.clear()
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.ShortcutOverride,
        ):
            key_event = event if isinstance(event, QKeyEvent) else None
            if key_event is not None and key_event.key() == Qt.Key.Key_Escape:
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()  # Esc is ours here, not a shortcut's
                    return False
                self.cancel()
                return True
        return super().eventFilter(watched, event)
