"""The render queue's columns fitted to its width: in a narrow dock (beside the Assets dock, or
on a small screen) the least needed columns step aside instead of the table scrolling sideways.

GUI thread. :class:`ColumnFit` watches the table's viewport for resizes and hides columns in
:data:`DROP_ORDER` (the expected time first, the model last) until the rest fit with room for the
problem text, and shows them again as the table widens; when all of those are hidden and it is
still too narrow, the prompt column gives up width too. The prompt, status, cost and problem
columns always stay; what a hidden column said is in the prompt's tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView

from sora_studio.ui.queue.cells import Column

# Which columns give way first when the table is too narrow for all of them.
DROP_ORDER = (
    Column.EXPECTED,
    Column.ELAPSED,
    Column.SIZE,
    Column.SECONDS,
    Column.ESTIMATE,
    Column.MODEL,
)
PROBLEM_ROOM = 120  # px the problem text keeps before another column steps aside
PROMPT_MIN = 110  # px: narrower than that, the table scrolls sideways after all


class ColumnFit(QObject):
    """Hides and shows ``view``'s optional columns as its width changes."""

    def __init__(self, view: QTableView, widths: dict[Column, int]) -> None:
        super().__init__(view)
        self.view = view
        self.widths = dict(widths)
        self._narrowed = False  # the prompt column was narrowed here (not by the person)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit(self.view.viewport().width())
        return False

    def hidden_for(self, width: int) -> set[Column]:
        """The columns to hide at ``width`` px: as few as let the rest fit."""
        needed = sum(self.widths.values()) + PROBLEM_ROOM
        hidden: set[Column] = set()
        for column in DROP_ORDER:
            if needed <= width:
                break
            hidden.add(column)
            needed -= self.widths.get(column, 0)
        return hidden

    def prompt_width(self, width: int, hidden: set[Column]) -> int:
        """The prompt column's width at ``width`` px with ``hidden`` columns out of the way."""
        shown = sum(w for column, w in self.widths.items() if column not in hidden)
        over = shown + PROBLEM_ROOM - width
        prompt = self.widths[Column.PROMPT]
        return prompt if over <= 0 else max(PROMPT_MIN, prompt - over)

    def fit(self, width: int) -> None:
        hidden = self.hidden_for(width)
        for column in DROP_ORDER:
            if self.view.isColumnHidden(column) != (column in hidden):
                self.view.setColumnHidden(column, column in hidden)
        prompt = self.prompt_width(width, hidden)
        if prompt < self.widths[Column.PROMPT]:
            self._narrowed = True
            self.view.setColumnWidth(Column.PROMPT, prompt)
        elif self._narrowed:  # wide enough again; a width the person chose is left alone
            self._narrowed = False
            self.view.setColumnWidth(Column.PROMPT, prompt)
