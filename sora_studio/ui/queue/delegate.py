"""Paints the queue's status cell as a progress bar with the status text on it.

A ``QStyledItemDelegate`` on the GUI thread; it reads ``PROGRESS_ROLE`` and ``STATUS_ROLE`` from
the model and draws with the current palette, so no widget is created per row.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sora_studio.core.models import JobStatus
from sora_studio.ui.queue.model import PROGRESS_ROLE, STATUS_ROLE
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
    """Progress bar + status label in one cell."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        status_value = index.data(STATUS_ROLE)
        if status_value is None:
            super().paint(painter, option, index)
            return
        status = JobStatus(status_value)
        progress = int(index.data(PROGRESS_ROLE) or 0)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        palette = option.palette
        rect: QRect = option.rect.adjusted(4, 6, -4, -6)
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
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
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 150), max(hint.height(), 28))
