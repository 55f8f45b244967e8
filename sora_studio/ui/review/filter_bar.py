"""The row of filter and sort controls above the review grid (GUI thread).

It turns its widgets into a :class:`ClipFilter` and a sort choice and emits them; it knows
nothing about the model. ``set_choices`` fills the model/size/provider lists from what the
library holds. The "To review" button (``Shift+U`` on the review panel) shows only clips
without a verdict: it is the verdict picker set to "Unreviewed", and follows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.models import ReviewStatus
from sora_studio.ui.review.clip_filter import ClipFilter
from sora_studio.ui.review.clip_model import SortKey
from sora_studio.ui.review.clip_row import review_label

ANY = "Any"
DISPUTED = "disputed"  # the verdict picker's choice beyond the verdicts themselves
DAY_S = 86_400
DATE_RANGES: dict[str, Callable[[float], tuple[float | None, float | None]]] = {
    "Any time": lambda now: (None, None),
    "Today": lambda now: (_midnight(now), None),
    "Last 7 days": lambda now: (now - 7 * DAY_S, None),
    "Last 30 days": lambda now: (now - 30 * DAY_S, None),
    "Older than 30 days": lambda now: (None, now - 30 * DAY_S),
}
SORT_LABELS = {
    SortKey.DATE: "Date",
    SortKey.COST: "Cost",
    SortKey.DURATION: "Duration",
    SortKey.STATUS: "Status",
}
TEXT_DEBOUNCE_MS = 150


def _midnight(now: float) -> float:
    local = time.localtime(now)
    return time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))


class FilterBar(QWidget):
    """Search box, status/model/size/provider/date pickers, tag and character, hide failed, sort."""

    filter_changed = Signal(object)  # ClipFilter
    sort_changed = Signal(str, bool)  # SortKey value, descending

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search prompts (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(140)
        self.review = QComboBox(self)
        self.review.addItem("Any verdict", None)
        for status in ReviewStatus:
            self.review.addItem(review_label(status), status)
        self.review.addItem("Disputed", DISPUTED)  # a team library's reviewers disagree
        self.to_review = QToolButton(self)
        self.to_review.setText("To review")
        self.to_review.setCheckable(True)
        self.to_review.setToolTip("Show only clips without a verdict (Shift+U)")
        self.to_review.toggled.connect(self._on_to_review)
        self.model_box = self._combo("Any model")
        self.size_box = self._combo("Any size")
        self.provider_box = self._combo("Any provider")
        self.date_box = QComboBox(self)
        for label in DATE_RANGES:
            self.date_box.addItem(label)
        # Sized for "Any time", not "Older than 30 days" (the list still shows it in full), so
        # the tag and character boxes keep room for their hints in a 1440 px window.
        self.date_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.date_box.setMinimumContentsLength(7)
        # Typed, or picked from the tags in use (``set_tag_choices``); ``tag`` is its text.
        self.tag_box = QComboBox(self)
        self.tag_box.setEditable(True)
        self.tag_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.tag_box.setToolTip("Only clips with this tag (a #word of the prompt or one put on)")
        self.tag_box.setMaximumWidth(112)
        self.tag_box.setMinimumWidth(86)  # never squeezed to "#t…": the grid pane grows instead
        self.tag = QLineEdit(self.tag_box)
        self.tag_box.setLineEdit(self.tag)
        self.tag.setPlaceholderText("#tag")
        self.tag.setClearButtonEnabled(True)
        self.character = QLineEdit(self)
        self.character.setPlaceholderText("Character")
        self.character.setMaximumWidth(100)
        self.character.setMinimumWidth(88)
        self.hide_failed = QCheckBox("Hide failed", self)
        self.sort_box = QComboBox(self)
        for key, label in SORT_LABELS.items():
            self.sort_box.addItem(f"Sort: {label}", key)
        self.order_button = QToolButton(self)
        self.order_button.setCheckable(True)
        self.order_button.setChecked(True)
        self.order_button.setToolTip("Descending (newest, dearest, longest first) / ascending")
        self._update_order_text()
        self.count_label = QLabel("", self)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(TEXT_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_filter)
        first = QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        first.addWidget(self.search, 3)
        first.addWidget(self.to_review)
        first.addWidget(self.review)
        first.addWidget(self.model_box)
        first.addWidget(self.size_box)
        first.addWidget(self.provider_box)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(self.date_box)
        second.addWidget(self.tag_box)
        second.addWidget(self.character)
        second.addWidget(self.hide_failed)
        second.addStretch(1)
        second.addWidget(self.count_label)
        second.addWidget(self.sort_box)
        second.addWidget(self.order_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        layout.addLayout(first)
        layout.addLayout(second)
        for edit in (self.search, self.tag, self.character):
            edit.textChanged.connect(lambda _t: self._debounce.start())
        for box in (self.review, self.model_box, self.size_box, self.provider_box, self.date_box):
            box.currentIndexChanged.connect(self._emit_filter)
        self.hide_failed.toggled.connect(self._emit_filter)
        self.sort_box.currentIndexChanged.connect(self._emit_sort)
        self.order_button.toggled.connect(self._emit_sort)

    def _combo(self, any_label: str) -> QComboBox:
        box = QComboBox(self)
        box.addItem(any_label, None)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return box

    # -- state ---------------------------------------------------------------------------------

    def set_choices(
        self, models: Iterable[str], sizes: Iterable[str], providers: Iterable[str]
    ) -> None:
        """Offer what the library holds; keeps the current pick when it is still there."""
        for box, values in (
            (self.model_box, models),
            (self.size_box, sizes),
            (self.provider_box, providers),
        ):
            current = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for value in sorted(set(values)):
                box.addItem(value, value)
            index = box.findData(current) if current is not None else 0
            box.setCurrentIndex(max(0, index))
            box.blockSignals(False)

    def set_tag_choices(self, tags: Iterable[str]) -> None:
        """Offer the tags in use in the tag picker; what is typed there stays."""
        text = self.tag.text()
        self.tag_box.blockSignals(True)
        self.tag.blockSignals(True)
        self.tag_box.clear()
        for tag in sorted(set(tags)):
            self.tag_box.addItem(f"#{tag}", tag)
        self.tag_box.setCurrentIndex(-1)
        self.tag.setText(text)
        self.tag.blockSignals(False)
        self.tag_box.blockSignals(False)

    def tag_choices(self) -> list[str]:
        """The tags the picker offers."""
        return [str(self.tag_box.itemData(i)) for i in range(self.tag_box.count())]

    def set_counts(self, shown: int, total: int, *, loading: bool = False) -> None:
        noun = "clip" if total == 1 else "clips"
        text = f"{shown} of {total} {noun}" if shown != total else f"{total} {noun}"
        self.count_label.setText(f"{text}, loading more…" if loading else text)

    def current_filter(self) -> ClipFilter:
        date_from, date_to = DATE_RANGES[self.date_box.currentText()](self._clock())
        review = self.review.currentData()

        def picked(box: QComboBox) -> frozenset[str]:
            value = box.currentData()
            return frozenset() if value is None else frozenset({str(value)})

        return ClipFilter(
            review_statuses=(
                frozenset() if review in (None, DISPUTED) else frozenset({ReviewStatus(review)})
            ),
            disputed=review == DISPUTED,
            models=picked(self.model_box),
            sizes=picked(self.size_box),
            providers=picked(self.provider_box),
            created_from=date_from,
            created_to=date_to,
            tag=self.tag.text().strip(),
            character=self.character.text().strip(),
            text=self.search.text().strip(),
            hide_failed=self.hide_failed.isChecked(),
        )

    def current_sort(self) -> tuple[SortKey, bool]:
        return SortKey(self.sort_box.currentData()), self.order_button.isChecked()

    def toggle_to_review(self) -> None:
        """``Shift+U``: only clips without a verdict, or every verdict again."""
        self.to_review.toggle()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def flush(self) -> None:
        """Apply typed text now instead of after the debounce (tests, Return)."""
        self._debounce.stop()
        self._emit_filter()

    # -- internals -----------------------------------------------------------------------------

    def _emit_filter(self) -> None:
        unreviewed = self.review.currentData() == ReviewStatus.UNREVIEWED
        if self.to_review.isChecked() != unreviewed:
            self.to_review.blockSignals(True)
            self.to_review.setChecked(unreviewed)
            self.to_review.blockSignals(False)
        self.filter_changed.emit(self.current_filter())

    def _on_to_review(self, on: bool) -> None:
        wanted = ReviewStatus.UNREVIEWED if on else None
        self.review.setCurrentIndex(max(0, self.review.findData(wanted)))

    def _emit_sort(self) -> None:
        self._update_order_text()
        key, descending = self.current_sort()
        self.sort_changed.emit(key.value, descending)

    def _update_order_text(self) -> None:
        self.order_button.setText("↓" if self.order_button.isChecked() else "↑")
