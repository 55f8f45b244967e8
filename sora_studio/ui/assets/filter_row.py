"""The Assets grid's filters: words in the name, kind (pictures, clips), date, and the sort
(and the dock's small flat tool buttons).

GUI thread widget. Whatever the person changes comes out as one frozen
:class:`~sora_studio.ui.assets.asset_model.AssetFilter` (``filter_changed``) or one
:class:`~sora_studio.ui.assets.asset_model.AssetSort` (``sort_changed``); the model applies them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.services.asset_folders import AssetKind
from sora_studio.ui.assets.row_plan import AssetFilter, AssetSort
from sora_studio.ui.icons import make_icon

KINDS = (("Pictures and clips", None), ("Pictures", AssetKind.IMAGE), ("Clips", AssetKind.VIDEO))
DATES = (("Any date", None), ("Today", 1), ("Past 7 days", 7), ("Past 30 days", 30))
SORTS = (("Name", AssetSort.NAME), ("Newest", AssetSort.DATE), ("Largest", AssetSort.SIZE))


def _combo(items: tuple[tuple[str, object], ...], tip: str) -> QComboBox:
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    combo.setToolTip(tip)
    return combo


def tool_button(text: str, icon: str, tip: str) -> QToolButton:
    """A flat tool button with text (and an icon when one is named)."""
    button = QToolButton()
    button.setText(text)
    if icon:
        button.setIcon(make_icon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


class AssetFilterRow(QWidget):
    """Name, kind, date and sort pickers on two rows (narrow docks)."""

    filter_changed = Signal(object)  # AssetFilter
    sort_changed = Signal(object)  # AssetSort

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText("Filter by name")
        self.name_filter.setClearButtonEnabled(True)
        self.kind_combo = _combo(KINDS, "Which kind of file to show")
        self.date_combo = _combo(DATES, "Show files modified within")
        self.sort_combo = _combo(SORTS, "Sort by name, date or size")
        self.name_filter.textChanged.connect(self._emit_filter)
        self.kind_combo.currentIndexChanged.connect(self._emit_filter)
        self.date_combo.currentIndexChanged.connect(self._emit_filter)
        self.sort_combo.currentIndexChanged.connect(lambda: self.sort_changed.emit(self.sort()))
        first = QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        first.addWidget(self.name_filter, 2)
        first.addWidget(self.kind_combo, 1)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(self.date_combo, 1)
        sort_label = QLabel("Sort")
        sort_label.setProperty("role", "hint")
        second.addWidget(sort_label)
        second.addWidget(self.sort_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(first)
        layout.addLayout(second)

    def current(self) -> AssetFilter:
        kind = self.kind_combo.currentData()  # Qt hands enum data back as plain strings
        return AssetFilter(
            kind=AssetKind(kind) if kind else None,
            text=self.name_filter.text().strip(),
            within_days=self.date_combo.currentData(),
        )

    def sort(self) -> AssetSort:
        return AssetSort(self.sort_combo.currentData())

    def _emit_filter(self) -> None:
        self.filter_changed.emit(self.current())
