"""Paints the queue's status cell as a progress bar with the status text on it.

A ``QStyledItemDelegate`` on the GUI thread; it reads the row's ``Job`` (``JOB_ROLE``) from the
model and draws with the current palette, so no widget is created per row.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sora_studio.core.models import Job, JobStatus
from sora_studio.ui.queue.cells import status_text
from sora_studio.ui.queue.model import JOB_ROLE
from sora_studio.ui.theme import ACCENT, ERROR, SUCCESS, WARNING

_BAR_COLORS = {
    JobStatus.READY: SUCCESS,
    JobStatus.FAILED: ERROR,
    JobStatus.BLOCKED: "#d9480f",
    JobStatus.RATE_LIMITED: WARNING,
    JobStatus.EXPIRED: "#868e96",
    JobStatus.CANCELLED: "#868e96",
    JobStatus.DOWNLOADING: "#3bc9db",
}


def bar_fraction(status: JobStatus, progress: int) -> float:
    """How much of the bar to fill: finished states fill it, waiting ones leave it empty."""
    if status in (JobStatus.READY, JobStatus.FAILED, JobStatus.BLOCKED):
        return 1.0
    if status in (JobStatus.QUEUED_LOCAL, JobStatus.DRAFT, JobStatus.CANCELLED, JobStatus.EXPIRED):
        return 0.0
    return max(0.0, min(1.0, progress / 100))


class StatusBarDelegate(QStyledItemDelegate):
    """Progress bar + status label in one cell.

    Each bar is drawn once into a pixmap kept by what it shows (status, progress, text, size,
    selection, palette), and a repaint draws that pixmap. Every QPainter call from Python hands
    Python's GIL back and forth; while renders and downloads run on other threads each hand-over
    can wait, so one call per cell keeps the queue's repaints short.
    """

    CACHE_LIMIT = 512

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bars: dict[tuple[object, ...], QPixmap] = {}

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        shown = self.bar_of(index)
        if shown is None:
            super().paint(painter, option, index)
            return
        status, progress, text = shown
        cell: QRect = option.rect
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        key = (
            status,
            progress,
            text,
            cell.width(),
            cell.height(),
            selected,
            ratio,
            palette.cacheKey(),
        )
        bar = self._bars.get(key)
        if bar is None:
            bar = self._draw_bar(status, progress, text, cell.size(), palette, selected, ratio)
            if len(self._bars) >= self.CACHE_LIMIT:
                self._bars.clear()
            self._bars[key] = bar
        painter.drawPixmap(cell.topLeft(), bar)

    def bar_of(
        self, index: QModelIndex | QPersistentModelIndex
    ) -> tuple[JobStatus, int, str] | None:
        """What the row's bar shows (status, progress, words); None: not a job's row."""
        job = index.data(JOB_ROLE)  # one call into the model, not one per value
        if not isinstance(job, Job):
            return None
        status = job.status
        return status, 100 if status is JobStatus.READY else job.progress, status_text(job)

    @staticmethod
    def _draw_bar(
        status: JobStatus,
        progress: int,
        text: str,
        size: QSize,
        palette: QPalette,
        selected: bool,
        ratio: float,
    ) -> QPixmap:
        bar = QPixmap(max(1, round(size.width() * ratio)), max(1, round(size.height() * ratio)))
        bar.setDevicePixelRatio(ratio)
        bar.fill(Qt.GlobalColor.transparent)
        whole = QRect(0, 0, size.width(), size.height())
        rect = whole.adjusted(4, 6, -4, -6)
        painter = QPainter(bar)
        try:
            if selected:
                painter.fillRect(whole, palette.color(QPalette.ColorRole.Highlight))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            track = palette.color(QPalette.ColorRole.AlternateBase)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(rect, 4, 4)
            fraction = bar_fraction(status, progress)
            if fraction > 0:
                fill = QColor(_BAR_COLORS.get(status, ACCENT))
                if status in (JobStatus.FAILED, JobStatus.BLOCKED, JobStatus.READY):
                    fill.setAlpha(110)
                filled = QRect(rect)
                filled.setWidth(max(6, int(rect.width() * fraction)))
                painter.setBrush(fill)
                painter.drawRoundedRect(filled, 4, 4)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(rect.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter, text)
        finally:
            painter.end()
        return bar

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 150), max(hint.height(), 28))
