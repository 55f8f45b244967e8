"""The review grid: a QListView in icon mode with hover scrubbing and one-key verdicts.

GUI thread only. Hover scrubbing maps the cursor's x across the hovered cell's picture to a
spritesheet frame with :func:`sora_studio.core.spritesheet.frame_index_at` and repaints that one
cell (``update(index)``; only its picture while the frame alone changes), never the whole
viewport. Keys: ``1``/``A`` approve, ``2``/``C`` needs
changes, ``3``/``R`` reject (the review panel asks for the optional reason in place, see
``reason_bar``), ``Ctrl+Z`` undo, ``Return`` open. The view only *asks* for verdicts through
signals; the review panel records them. ``repeating`` tells the panel that the current clip
moved under a held arrow key, so it can show a poster instead of opening each clip passed over.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QListView, QWidget

from sora_studio.core.models import ReviewStatus
from sora_studio.core.spritesheet import frame_index_at
from sora_studio.ui.review.clip_delegate import CELL_SIZE, ClipDelegate, image_rect
from sora_studio.ui.review.clip_filter import ClipFilterProxy
from sora_studio.ui.review.clip_model import ClipRoles
from sora_studio.ui.thumbnail_cache import ThumbnailCache
from sora_studio.ui.tile_grid import set_up_tile_grid

ReasonProvider = Callable[[QWidget, list[int]], str | None]

VERDICT_KEYS = {
    Qt.Key.Key_1: ReviewStatus.APPROVED,
    Qt.Key.Key_A: ReviewStatus.APPROVED,
    Qt.Key.Key_2: ReviewStatus.CHANGES,
    Qt.Key.Key_C: ReviewStatus.CHANGES,
    Qt.Key.Key_3: ReviewStatus.REJECTED,
    Qt.Key.Key_R: ReviewStatus.REJECTED,
}


class ClipGridView(QListView):
    """Icon-mode list of clip cards (GUI thread)."""

    verdict_requested = Signal(list, str, str)  # job ids, ReviewStatus value, reason
    reject_requested = Signal(list)  # job ids: ask for the reason (no ``reason_provider``)
    undo_requested = Signal()
    open_requested = Signal(int)  # job id (double-click or Return)
    current_clip_changed = Signal(int)  # job id, -1 for none
    scrubbed = Signal(int, int)  # job id, frame

    def __init__(
        self,
        proxy: ClipFilterProxy,
        cache: ThumbnailCache,
        parent: QWidget | None = None,
        *,
        reason_provider: ReasonProvider | None = None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.reason_provider = reason_provider
        self.clip_delegate = ClipDelegate(cache, self)
        self.setItemDelegate(self.clip_delegate)
        # Clips drag out as file URLs (a file manager, an editor); nothing drops in here: a
        # video dropped on the grid reaches the window, which imports it.
        set_up_tile_grid(self, CELL_SIZE)
        self.setModel(proxy)
        self._proxy = proxy
        self._hover_index = QModelIndex()
        self._hover_pos: QPoint | None = None
        self.repeating = False  # the last move came from a held (auto-repeating) key
        self.empty_text = ""  # said in the middle of the grid when the filter leaves no clip
        cache.loaded.connect(self._on_image_loaded)
        cache.failed_to_load.connect(self._on_image_loaded)
        self.doubleClicked.connect(self._open_index)
        self.selectionModel().currentChanged.connect(self._on_current_changed)

    # -- queries -------------------------------------------------------------------------------

    @property
    def proxy(self) -> ClipFilterProxy:
        return self._proxy

    def selected_job_ids(self) -> list[int]:
        """Selected clips in display order (the current clip if nothing is selected)."""
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return [int(self._proxy.index(r, 0).data(ClipRoles.JobId)) for r in rows]

    def current_job_id(self) -> int | None:
        index = self.currentIndex()
        return int(index.data(ClipRoles.JobId)) if index.isValid() else None

    def select_job(self, job_id: int) -> bool:
        index = self._proxy.proxy_index_of(job_id)
        if not index.isValid():
            return False
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index)
        return True

    # -- hover scrubbing -----------------------------------------------------------------------

    def scrub_to(self, pos: QPoint) -> tuple[int, int] | None:
        """Point the hover at viewport position ``pos``; returns (job id, frame) when scrubbing."""
        self._hover_pos = QPoint(pos)
        index = self.indexAt(pos)
        if not index.isValid():
            self._clear_hover()
            return None
        row = index.data(ClipRoles.Row)
        delegate = self.clip_delegate
        layout = delegate.layout_for(row) if row is not None else None
        if layout is None:
            self._set_hover(index, None, 0)
            return None
        picture = image_rect(self.visualRect(index).adjusted(2, 2, -2, -2))
        frame = frame_index_at(pos.x() - picture.left(), picture.width(), layout.frame_count)
        self._set_hover(index, row.job_id, frame)
        return row.job_id, frame

    def rescrub(self) -> tuple[int, int] | None:
        """Apply the last hover position again (its sheet just arrived or was replaced)."""
        if self._hover_pos is None or not self._hover_index.isValid():
            return None
        return self.scrub_to(self._hover_pos)

    def _set_hover(self, index: QModelIndex, job_id: int | None, frame: int) -> None:
        delegate = self.clip_delegate
        same_cell = self._hover_index.isValid() and self._hover_index == index
        if same_cell and delegate.hover_job_id == job_id and delegate.hover_frame == frame:
            return
        if not same_cell and self._hover_index.isValid():
            previous = self._hover_index
            delegate.hover_job_id = None
            self.update(previous)
        self._hover_index = QModelIndex(index)
        delegate.hover_job_id = job_id
        delegate.hover_frame = frame
        if same_cell and job_id is not None:
            # Only the frame changed: repaint this cell's picture, not its text and badges.
            self.viewport().update(image_rect(self.visualRect(index).adjusted(2, 2, -2, -2)))
        else:
            self.update(index)
        if job_id is not None:
            self.scrubbed.emit(job_id, frame)

    def _clear_hover(self) -> None:
        self._hover_pos = None
        if self._hover_index.isValid():
            previous = self._hover_index
            self._hover_index = QModelIndex()
            self.clip_delegate.hover_job_id = None
            self.update(previous)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.clip_delegate.dirty_rect = event.rect()
        try:
            super().paintEvent(event)
        finally:
            self.clip_delegate.dirty_rect = None
        if self.empty_text and self._proxy.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.viewport().rect().adjusted(24, 24, -24, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.empty_text,
            )
            painter.end()

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._focus_changed(super().focusInEvent, event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._focus_changed(super().focusOutEvent, event)

    def _focus_changed(self, handler: Callable[[QFocusEvent], None], event: QFocusEvent) -> None:
        """Qt repaints every visible cell when an item view gains or loses focus; the cards look
        the same either way, and that repaint (up to ~35 ms of painting under load) came with
        each N, Return and verdict of a reviewer. Only the current cell is repainted."""
        widgets = (self, self.viewport())
        quiet = all(widget.updatesEnabled() for widget in widgets)
        for widget in widgets if quiet else ():
            widget.setAttribute(Qt.WidgetAttribute.WA_UpdatesDisabled, True)
        try:
            handler(event)
        finally:
            for widget in widgets if quiet else ():
                widget.setAttribute(Qt.WidgetAttribute.WA_UpdatesDisabled, False)
        self.update(self.currentIndex())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.scrub_to(event.position().toPoint())
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._clear_hover()
        super().leaveEvent(event)

    # -- keys ----------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo_requested.emit()
            event.accept()
            return
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        status = VERDICT_KEYS.get(Qt.Key(event.key()))
        if status is not None and modifiers in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.ShiftModifier,
        ):
            self.request_verdict(status)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            job_id = self.current_job_id()
            if job_id is not None:
                self.open_requested.emit(job_id)
            event.accept()
            return
        self.repeating = event.isAutoRepeat()
        try:
            super().keyPressEvent(event)
        finally:
            self.repeating = False

    def request_verdict(self, status: ReviewStatus) -> bool:
        """Ask for ``status`` on the selected clips; a reject asks for its optional reason
        (``reason_provider`` when given, else ``reject_requested`` for the panel to ask)."""
        job_ids = self.selected_job_ids()
        if not job_ids:
            return False
        reason = ""
        if status is ReviewStatus.REJECTED:
            if self.reason_provider is None:
                self.reject_requested.emit(job_ids)
                return True
            answer = self.reason_provider(self, job_ids)
            if answer is None:
                return False
            reason = answer
        self.verdict_requested.emit(job_ids, status.value, reason)
        return True

    # -- slots ---------------------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(int(index.data(ClipRoles.JobId)))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_clip_changed.emit(
            int(current.data(ClipRoles.JobId)) if current.isValid() else -1
        )

    def _on_image_loaded(self, path: str) -> None:
        """Repaint only the visible cells showing ``path`` (cheap: a screenful of rows)."""
        delegate = self.clip_delegate
        delegate.forget(path)
        if self._hover_index.isValid():
            hovered = self._hover_index.data(ClipRoles.Row)
            if hovered is not None and hovered.spritesheet_path == path:
                self.rescrub()  # the cursor is already over this clip: start scrubbing now
        viewport = self.viewport().rect()
        start = self._first_visible_row()
        for row in range(start, self._proxy.rowCount()):
            index = self._proxy.index(row, 0)
            rect = self.visualRect(index)
            if rect.top() > viewport.bottom():
                break
            if not rect.intersects(viewport):
                continue
            clip = index.data(ClipRoles.Row)
            if clip is not None and path in (clip.thumbnail_path, clip.spritesheet_path):
                self.update(index)

    def _first_visible_row(self) -> int:
        """The first row at the top of the viewport (probing down one cell; 0 if none found)."""
        cell = self.gridSize()
        x = cell.width() // 2
        for y in range(1, cell.height() + 1, 8):
            index = self.indexAt(QPoint(x, y))
            if index.isValid():
                return index.row()
        return 0
