"""The versions stack of a clip: a small lineage tree with cost, verdict and prompt change per edge.

GUI thread only. A lineage is small (a handful of remixes, edits, extensions and promotions of
one original), so a ``QTreeWidget`` fits; it is rebuilt whenever the clip or one of its versions
changes. Each child row shows how its prompt differs from its parent's (``+added −removed``), the
full coloured diff is in its tooltip.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from sora_studio.core.models import Job, ReviewStatus
from sora_studio.core.pricing import format_cents
from sora_studio.ui.compare.prompt_diff import diff_html, diff_summary, word_diff
from sora_studio.ui.review.clip_row import job_cost_cents, review_label

COLUMNS = ("Version", "Made by", "Cost", "Verdict", "Prompt change")
_VERDICT_COLORS = {
    ReviewStatus.APPROVED: QColor("#2e9e5b"),
    ReviewStatus.CHANGES: QColor("#d9912b"),
    ReviewStatus.REJECTED: QColor("#c9413b"),
}
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class LineageView(QWidget):
    """Tree of one lineage; ``clip_selected(job_id)`` when the user picks a version."""

    clip_selected = Signal(int)
    compare_requested = Signal(int, int)  # parent job id, child job id (double-click)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.itemClicked.connect(self._on_clicked)
        self.tree.itemDoubleClicked.connect(self._on_double_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self._items: dict[int, QTreeWidgetItem] = {}
        self._jobs: dict[int, Job] = {}

    def set_lineage(self, jobs: Iterable[Job], current_job_id: int | None = None) -> None:
        """Show the family ``jobs`` (any order); highlight ``current_job_id``."""
        self.tree.clear()
        self._items.clear()
        self._jobs = {job.id: job for job in jobs}
        ordered = sorted(self._jobs.values(), key=lambda j: (j.created_at, j.id))
        depth: dict[int, int] = {}
        for job in ordered:
            parent = self._jobs.get(job.parent_id) if job.parent_id is not None else None
            depth[job.id] = depth.get(parent.id, 0) + 1 if parent is not None else 1
            item = self._make_item(job, parent, depth[job.id])
            if parent is not None and parent.id in self._items:
                self._items[parent.id].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            self._items[job.id] = item
        self.tree.expandAll()
        if current_job_id is not None and current_job_id in self._items:
            current = self._items[current_job_id]
            self.tree.setCurrentItem(current)
            font = QFont(current.font(0))
            font.setBold(True)
            for column in range(len(COLUMNS)):
                current.setFont(column, font)

    def job_ids(self) -> list[int]:
        return list(self._items)

    def update_verdicts(self, jobs: Iterable[Job]) -> bool:
        """Show the verdicts of ``jobs`` already in the tree, in place; True if any was there.

        A verdict key repaints one cell of the tree instead of reading the lineage again.
        """
        touched = False
        for job in jobs:
            item = self._items.get(job.id)
            if item is None:
                continue
            self._jobs[job.id] = job
            self._paint_verdict(item, job)
            touched = True
        return touched

    def item_for(self, job_id: int) -> QTreeWidgetItem | None:
        return self._items.get(job_id)

    def _make_item(self, job: Job, parent: Job | None, depth: int) -> QTreeWidgetItem:
        if parent is None:
            change, tooltip = "original", job.prompt
        else:
            chunks = word_diff(parent.prompt, job.prompt)
            change = diff_summary(chunks, 60)
            tooltip = f"<p><b>#{parent.id} → #{job.id}</b></p><p>{diff_html(chunks)}</p>"
        cost = format_cents(job_cost_cents(job))
        if job.cost_cents is None:
            cost += " est."
        item = QTreeWidgetItem(
            [
                f"v{depth}  #{job.id}",
                job.lineage_kind.value,
                cost,
                review_label(job.review_status),
                change,
            ]
        )
        item.setData(0, JOB_ID_ROLE, job.id)
        item.setToolTip(4, tooltip)
        item.setToolTip(0, job.prompt)
        self._paint_verdict(item, job)
        return item

    def _paint_verdict(self, item: QTreeWidgetItem, job: Job) -> None:
        item.setText(3, review_label(job.review_status))
        color = _VERDICT_COLORS.get(job.review_status)
        if color is not None:
            item.setForeground(3, QBrush(color))
        else:  # back to the palette's text colour (an empty brush would paint nothing)
            item.setData(3, Qt.ItemDataRole.ForegroundRole, None)

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.clip_selected.emit(int(item.data(0, JOB_ID_ROLE)))

    def _on_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        job_id = int(item.data(0, JOB_ID_ROLE))
        parent = item.parent()
        if parent is not None:
            self.compare_requested.emit(int(parent.data(0, JOB_ID_ROLE)), job_id)
