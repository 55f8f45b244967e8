"""How the desk's tile grids are set up: the review grid and the Assets grid are the same kind
of view (icon mode, one fixed cell size, wrapping, hover, file URLs dragged out).

GUI thread. One function, so the two grids cannot drift apart in how they scroll, select and drag.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView


def set_up_tile_grid(view: QListView, cell: QSize) -> None:
    """Make ``view`` a wrapping grid of ``cell``-sized tiles (plus a 4 px gutter): uniform
    sizes (no per-row size hints, so 20,000 rows lay out at once), extended selection, pixel
    scrolling, hover tracking for scrubbing, and drag-out only (copy) for file URLs."""
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setMovement(QListView.Movement.Static)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setUniformItemSizes(True)
    view.setGridSize(QSize(cell.width() + 4, cell.height() + 4))
    view.setWrapping(True)
    view.setSpacing(0)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setDragEnabled(True)
    view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
    view.setDefaultDropAction(Qt.DropAction.CopyAction)
    view.setMouseTracking(True)
    view.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover, True)
