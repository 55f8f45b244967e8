"""How the review panel is laid out: the grid on the left, the clip on the right.

GUI thread. Left: filter bar, the grid (or the empty-library message), the reject reason line
(shown while a reject waits for its reason) and the message line. Right, in tabs: "Clip" (the
clip's action buttons and its tags above the player, with its notes and versions below in tabs of
their own) and "Compare". The two sides share a splitter; the panel gives the grid most of the
width the first time it is shown (``ReviewPanel.showEvent``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from sora_studio.ui.review.review_panel import ReviewPanel


def lay_out_review_panel(panel: ReviewPanel) -> None:
    """Place ``panel``'s parts; sets its ``detail_tabs``, ``right_tabs`` and ``splitter``."""
    left = QWidget(panel)
    left_layout = QVBoxLayout(left)
    left_layout.setContentsMargins(0, 0, 0, 0)
    left_layout.addWidget(panel.filter_bar)
    left_layout.addWidget(panel.grid, 1)
    left_layout.addWidget(panel.empty_label, 1)
    left_layout.addWidget(panel.reason_bar)
    left_layout.addWidget(panel.message)
    clip_page = QWidget(panel)
    clip_layout = QVBoxLayout(clip_page)
    clip_layout.setContentsMargins(0, 0, 0, 0)
    below = QTabWidget(clip_page)
    below.addTab(panel.notes, "Notes")
    below.addTab(panel.lineage, "Versions")
    panel.detail_tabs = below
    split = QSplitter(Qt.Orientation.Vertical, clip_page)
    split.addWidget(panel.player)
    split.addWidget(below)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 2)
    clip_layout.addWidget(panel.actions_bar)
    clip_layout.addWidget(panel.tags.line)
    clip_layout.addWidget(split, 1)
    panel.right_tabs = QTabWidget(panel)
    panel.right_tabs.addTab(clip_page, "Clip")
    panel.right_tabs.addTab(panel.compare, "Compare")
    splitter = QSplitter(Qt.Orientation.Horizontal, panel)
    splitter.addWidget(left)
    splitter.addWidget(panel.right_tabs)
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    panel.splitter = splitter
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)
