"""The ``?`` help overlay: every keyboard shortcut of the desk on one translucent sheet.

The key map is data (:data:`KEYMAP`) so the overlay, the menus' tooltips and the tests read the
same list. The overlay is a child widget covering its parent window; ``?`` or ``Esc`` or a click
closes it. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QHideEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

# (section, keys, what they do) — DESIGN.md §6's review map plus the desk's own commands.
KEYMAP: tuple[tuple[str, str, str], ...] = (
    ("Review", "← → ↑ ↓", "Move between clips"),
    ("Review", "1 / A", "Approve"),
    ("Review", "2 / C", "Needs changes"),
    ("Review", "3 / R", "Reject (type a reason, Enter; Esc cancels)"),
    ("Review", "Ctrl+Z", "Undo the last verdict (back to its clip)"),
    ("Review", "Shift+U", "Only clips without a verdict / all clips"),
    ("Review", "Space", "Play / pause"),
    ("Review", "J / K / L", "Shuttle back / stop / forward"),
    ("Review", ", / .", "Step one frame back / forward"),
    ("Review", "I / O", "Set loop in / out"),
    ("Review", "N", "Note at the current time"),
    ("Review", "E", "Edit"),
    ("Review", "X", "Extend"),
    ("Review", "M", "Remix"),
    ("Review", "P", "Promote to pro"),
    ("Review", "T", "Tags of the selected clips"),
    ("Review", "Ctrl+F", "Filter"),
    ("Desk", "Ctrl+Enter", "Render the current prompt"),
    ("Desk", "Ctrl+L", "Focus the prompt builder"),
    ("Desk", "Ctrl+Shift+A", "Show / hide the Assets browser"),
    ("Desk", "Ctrl+Shift+P", "Pause / resume the local queue"),
    ("Desk", "Ctrl+,", "Settings"),
    ("Desk", "?", "Show / hide this overlay"),
    ("Desk", "Ctrl+Q", "Quit"),
    ("Queue", "Delete", "Delete the selected job (asks first)"),
    ("Queue", "Ctrl+Shift+C", "Copy the selected job id"),
    ("Queue", "Alt+↑ / Alt+↓", "Move a waiting job up / down"),
)


class ShortcutsOverlay(QWidget):
    """A dimmed sheet over ``parent`` listing :data:`KEYMAP` in columns by section."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 40, 48, 40)
        title = QLabel("Keyboard shortcuts")
        title.setStyleSheet("color: white; font-size: 18pt; font-weight: 600;")
        outer.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(6)
        sections: dict[str, list[tuple[str, str]]] = {}
        for section, keys, what in KEYMAP:
            sections.setdefault(section, []).append((keys, what))
        for column, (section, rows) in enumerate(sections.items()):
            heading = QLabel(section)
            heading.setStyleSheet("color: #b9b9ff; font-weight: 600; font-size: 12pt;")
            grid.addWidget(heading, 0, column * 2, 1, 2)
            for row, (keys, what) in enumerate(rows, start=1):
                key_label = QLabel(keys)
                key_label.setStyleSheet(
                    "color: white; background: rgba(255,255,255,0.12); border-radius: 4px;"
                    "padding: 2px 6px; font-family: monospace;"
                )
                text = QLabel(what)
                text.setStyleSheet("color: #e8e8ea;")
                grid.addWidget(key_label, row, column * 2, Qt.AlignmentFlag.AlignRight)
                grid.addWidget(text, row, column * 2 + 1)
        outer.addStretch(1)
        outer.addLayout(grid)
        outer.addStretch(2)
        hint = QLabel("Press ? or Esc to close")
        hint.setStyleSheet("color: #a0a0a8;")
        outer.addWidget(hint, 0, Qt.AlignmentFlag.AlignHCenter)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.show_over_parent()

    def show_over_parent(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
            # Follow the window's size only while shown: a filter on the main window runs
            # Python for every event it gets (each queued job update too).
            parent.installEventFilter(self)
        self.raise_()
        self.show()
        self.setFocus()

    def hideEvent(self, event: QHideEvent) -> None:
        parent = self.parentWidget()
        if parent is not None:
            parent.removeEventFilter(self)
        super().hideEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize:
            self.setGeometry(parent.rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(10, 10, 14, 225))
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Question) or event.text() == "?":
            self.hide()
            event.accept()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
        event.accept()
