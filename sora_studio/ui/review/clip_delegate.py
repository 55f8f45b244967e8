"""The grid's one painting delegate: a whole clip card drawn with QPainter, no widget per clip.

GUI thread only. A card shows the thumbnail, or while the cursor scrubs over it the spritesheet
frame under the cursor with a thin position bar; a status badge; the version badge (``v3 ·
extended``); the tags put on by hand (:mod:`.tag_chips`); duration; model, size and cost; the
prompt. Clips still rendering show their progress, failed ones their error, and ready clips whose
video file is gone a hatched "missing media" card. Images come from :class:`ThumbnailCache`; a cell
whose image is not decoded yet is painted as a plain placeholder and repainted when the cache
reports the file loaded.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from sora_studio.core.models import JobStatus, ReviewStatus
from sora_studio.core.pricing import format_cents
from sora_studio.core.spritesheet import SpritesheetLayout, infer_layout
from sora_studio.core.status_words import job_status_word, review_word
from sora_studio.core.team_events import VerdictState
from sora_studio.ui.review.clip_model import ClipRoles
from sora_studio.ui.review.clip_row import ClipRow, format_seconds
from sora_studio.ui.review.tag_chips import chip_text
from sora_studio.ui.review.team_badges import DISPUTED_WORD, team_badge
from sora_studio.ui.thumbnail_cache import ThumbnailCache

CELL_SIZE = QSize(236, 198)
PADDING = 6
IMAGE_ASPECT = 9 / 16
THUMBNAIL_MAX_SIDE = 320
POSITION_BAR_HEIGHT = 4

REVIEW_COLORS = {
    ReviewStatus.APPROVED: QColor("#2e9e5b"),
    ReviewStatus.CHANGES: QColor("#d9912b"),
    ReviewStatus.REJECTED: QColor("#c9413b"),
}
DISPUTED_COLOR = QColor("#8e5bd6")  # a team clip whose reviewers disagree
MISSING_COLOR = QColor(150, 105, 20, 230)  # a clip whose video cannot be reached here
TAG_COLOR = QColor(38, 92, 150, 225)  # the chip of tags put on by hand
ACCENT = QColor("#3d8bfd")
CARD_DARK = QColor("#1d1f23")
FAILED_TINT = QColor("#3a1f1f")
BADGE_TEXT = QColor("#ffffff")

PaintListener = Callable[[int, int], None]  # (job id, frame painted or -1)


def image_rect(cell: QRect) -> QRect:
    """The 16:9 picture area at the top of a cell (also the hover-scrub strip)."""
    width = cell.width() - 2 * PADDING
    return QRect(cell.left() + PADDING, cell.top() + PADDING, width, round(width * IMAGE_ASPECT))


class ClipDelegate(QStyledItemDelegate):
    """Paints clip cards; the view tells it which clip is hovered and at which frame."""

    sheet_unusable = Signal(int)  # job id of a ready clip whose spritesheet cannot be used

    def __init__(self, cache: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cache = cache
        self.hover_job_id: int | None = None
        self.hover_frame = 0
        self.paint_listener: PaintListener | None = None
        # The viewport area being repainted, set by the view for each paint event.
        self.dirty_rect: QRect | None = None
        self._layouts: dict[str, SpritesheetLayout | None] = {}
        self._reported: set[int] = set()
        self._small = QFont()
        self._small.setPointSizeF(max(6.5, self._small.pointSizeF() * 0.8))
        self._badge = QFont(self._small)
        self._badge.setBold(True)
        self._small_metrics = QFontMetrics(self._small)
        self._badge_metrics = QFontMetrics(self._badge)

    # -- geometry ----------------------------------------------------------------------------

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(CELL_SIZE)

    def layout_for(self, row: ClipRow) -> SpritesheetLayout | None:
        """The spritesheet grid of ``row`` once its sheet is decoded; None if unknown/unusable.

        A ready clip whose sheet is missing, unreadable or not a grid we recognise is reported
        once through ``sheet_unusable`` so a local sheet can be made from its MP4.
        """
        path = row.spritesheet_path
        if path and path in self._layouts:
            layout = self._layouts[path]
            if layout is None:
                self._report_unusable(row)
            return layout
        if not path or self.cache.is_failed(path):
            self._report_unusable(row)
            return None
        sheet = self.cache.sheet_size(path)
        size = row.video_size
        if sheet is None or size is None:
            self.cache.pixmap(path)  # start decoding so the next hover can scrub
            return None
        layout = infer_layout(sheet.width(), sheet.height(), size.width, size.height)
        self._layouts[path] = layout
        if layout is None:
            self._report_unusable(row)
        return layout

    def _report_unusable(self, row: ClipRow) -> None:
        playable = row.job.status is JobStatus.READY and not row.media_missing
        if playable and row.video_path and row.job_id not in self._reported:
            self._reported.add(row.job_id)
            self.sheet_unusable.emit(row.job_id)

    def forget(self, path: str) -> None:
        self._layouts.pop(path, None)

    # -- painting ----------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row: ClipRow | None = index.data(ClipRoles.Row)
        if row is None:
            return
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            cell = QRect(option.rect).adjusted(2, 2, -2, -2)
            picture = image_rect(cell)
            # A scrub repaints only the picture: the card and its text lie outside the dirty
            # rectangle, so drawing them would be clipped away anyway.
            picture_only = self.dirty_rect is not None and picture.contains(self.dirty_rect)
            if not picture_only:
                self._paint_card(painter, option, cell)
            frame = self._paint_picture(painter, row, picture)
            self._paint_badges(painter, row, picture, index.data(ClipRoles.Team))
            self._paint_tag_chip(painter, index.data(ClipRoles.ManualTags) or (), picture)
            if not picture_only:
                self._paint_text(painter, option, row, cell, picture)
        finally:
            painter.restore()
        if self.paint_listener is not None:
            self.paint_listener(row.job_id, frame)

    def _paint_card(self, painter: QPainter, option: QStyleOptionViewItem, cell: QRect) -> None:
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        background = palette.alternateBase().color() if hovered else palette.base().color()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(cell), 6, 6)
        if selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(ACCENT, 2.5))
            painter.drawRoundedRect(QRectF(cell).adjusted(1, 1, -1, -1), 6, 6)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(palette.mid().color(), 1))
            painter.drawRoundedRect(QRectF(cell).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

    def _paint_picture(self, painter: QPainter, row: ClipRow, area: QRect) -> int:
        """Draw the picture area; returns the spritesheet frame drawn, or -1 for none."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(CARD_DARK)
        painter.drawRect(area)
        if row.is_rendering:
            self._paint_rendering(painter, row, area)
            return -1
        if row.is_failed:
            self._paint_failed(painter, row, area)
            return -1
        # A clip whose video is out of reach (a teammate's, its share not mounted here; or one
        # moved away) still shows its cached thumbnail and scrubs its spritesheet, marked "video
        # not here"; only a clip without pictures too is hatched "missing media".
        if row.media_missing and not (
            row.thumbnail_path and self.cache.pixmap(row.thumbnail_path, THUMBNAIL_MAX_SIDE)
        ):
            self._paint_missing(painter, area)
            return -1
        frame = -1
        pixmap: QPixmap | None = None
        if self.hover_job_id == row.job_id:
            layout = self.layout_for(row)
            if layout is not None and row.spritesheet_path:
                frame = min(self.hover_frame, layout.frame_count - 1)
                x, y, w, h = layout.frame_rect(frame)
                pixmap = self.cache.frame(
                    row.spritesheet_path, QRect(x, y, w, h), area.size(), frame
                )
                if pixmap is None:
                    frame = -1
        if pixmap is None and row.thumbnail_path:
            pixmap = self.cache.pixmap(row.thumbnail_path, THUMBNAIL_MAX_SIDE)
        if pixmap is None:
            pixmap = self._middle_frame(row, area)
        if pixmap is not None:
            self._draw_fitted(painter, pixmap, area)
        elif self._thumbnail_failed(row):
            painter.setPen(QColor("#9aa0a6"))
            painter.setFont(self._small)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "No preview")
        if frame >= 0:
            layout = self.layout_for(row)
            assert layout is not None
            self._paint_position_bar(painter, area, frame, layout.frame_count)
        if row.media_missing:
            self._pill(painter, "video not here", MISSING_COLOR, area, Qt.AlignmentFlag.AlignCenter)
        return frame

    def _thumbnail_failed(self, row: ClipRow) -> bool:
        thumb_failed = not row.thumbnail_path or self.cache.is_failed(
            row.thumbnail_path, THUMBNAIL_MAX_SIDE
        )
        sheet_failed = not row.spritesheet_path or self.cache.is_failed(row.spritesheet_path)
        return thumb_failed and sheet_failed

    def _middle_frame(self, row: ClipRow, area: QRect) -> QPixmap | None:
        """A spritesheet frame stands in when the thumbnail is missing or not decoded yet."""
        if not row.spritesheet_path or not (
            row.thumbnail_path is None
            or self.cache.is_failed(row.thumbnail_path, THUMBNAIL_MAX_SIDE)
        ):
            return None
        layout = self.layout_for(row)
        if layout is None:
            return None
        middle = layout.frame_count // 2
        x, y, w, h = layout.frame_rect(middle)
        return self.cache.frame(row.spritesheet_path, QRect(x, y, w, h), area.size(), middle)

    @staticmethod
    def _draw_fitted(painter: QPainter, pixmap: QPixmap, area: QRect) -> None:
        size = pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(area.center())
        if target.size() == pixmap.size():
            painter.drawPixmap(target.topLeft(), pixmap)
        else:
            painter.drawPixmap(target, pixmap)

    def _paint_position_bar(self, painter: QPainter, area: QRect, frame: int, count: int) -> None:
        track = QRect(
            area.left(), area.bottom() - POSITION_BAR_HEIGHT + 1, area.width(), POSITION_BAR_HEIGHT
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRect(track)
        filled = QRect(track)
        filled.setWidth(max(2, round(track.width() * (frame + 1) / count)))
        painter.setBrush(ACCENT)
        painter.drawRect(filled)

    def _paint_rendering(self, painter: QPainter, row: ClipRow, area: QRect) -> None:
        job = row.job
        painter.setPen(QColor("#c8ccd2"))
        painter.setFont(self._badge)
        label = job_status_word(job.status, short=True)
        if job.status is JobStatus.IN_PROGRESS:
            label = f"Rendering {job.progress}%"
        text_area = QRect(area.left(), area.top(), area.width(), area.height() - 18)
        painter.drawText(text_area, Qt.AlignmentFlag.AlignCenter, label)
        bar = QRect(area.left() + 16, area.center().y() + 12, area.width() - 32, 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#3a3d43"))
        painter.drawRoundedRect(QRectF(bar), 3, 3)
        progress = (
            job.progress if job.status in (JobStatus.IN_PROGRESS, JobStatus.DOWNLOADING) else 0
        )
        if progress > 0:
            filled = QRectF(bar)
            filled.setWidth(bar.width() * min(100, progress) / 100)
            painter.setBrush(ACCENT)
            painter.drawRoundedRect(filled, 3, 3)

    def _paint_failed(self, painter: QPainter, row: ClipRow, area: QRect) -> None:
        job = row.job
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(FAILED_TINT)
        painter.drawRect(area)
        painter.setPen(QColor("#f1b0ac"))
        painter.setFont(self._badge)
        title = job_status_word(job.status, short=True)
        painter.drawText(
            area.adjusted(8, 8, -8, -area.height() // 2), Qt.AlignmentFlag.AlignCenter, title
        )
        message = job.error_message or (job.error_class.value if job.error_class else "")
        if message:
            painter.setFont(self._small)
            painter.setPen(QColor("#e6c9c7"))
            lower = area.adjusted(10, area.height() // 2 - 6, -10, -6)
            painter.drawText(
                lower,
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                | int(Qt.TextFlag.TextWordWrap),
                self._small_metrics.elidedText(
                    message, Qt.TextElideMode.ElideRight, lower.width() * 3
                ),
            )

    def _paint_missing(self, painter: QPainter, area: QRect) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor("#4a4f57"), Qt.BrushStyle.BDiagPattern))
        painter.drawRect(area)
        painter.setPen(QColor("#f0c36d"))
        painter.setFont(self._badge)
        painter.drawText(
            area.adjusted(0, -10, 0, -10), Qt.AlignmentFlag.AlignCenter, "Missing media"
        )
        painter.setFont(self._small)
        painter.setPen(QColor("#c8ccd2"))
        painter.drawText(
            area.adjusted(0, 12, 0, 12), Qt.AlignmentFlag.AlignCenter, "video file moved or deleted"
        )

    def _pill(
        self, painter: QPainter, text: str, color: QColor, anchor: QRect, where: Qt.AlignmentFlag
    ) -> None:
        width = self._badge_metrics.horizontalAdvance(text) + 10
        height = self._badge_metrics.height() + 2
        rect = QRect(0, 0, width, height)
        if where & Qt.AlignmentFlag.AlignRight:
            rect.moveRight(anchor.right() - 4)
        elif where & Qt.AlignmentFlag.AlignHCenter:
            rect.moveLeft(anchor.center().x() - width // 2)
        else:
            rect.moveLeft(anchor.left() + 4)
        if where & Qt.AlignmentFlag.AlignBottom:
            rect.moveBottom(anchor.bottom() - 4 - POSITION_BAR_HEIGHT)
        elif where & Qt.AlignmentFlag.AlignVCenter:
            rect.moveTop(anchor.center().y() - height // 2)
        else:
            rect.moveTop(anchor.top() + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(QRectF(rect), height / 2, height / 2)
        painter.setPen(BADGE_TEXT)
        painter.setFont(self._badge)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_badges(
        self, painter: QPainter, row: ClipRow, area: QRect, team: object = None
    ) -> None:
        job = row.job
        top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        words = team_badge(team, job.review_status) if isinstance(team, VerdictState) else None
        if job.status is JobStatus.READY and words is not None:
            color = DISPUTED_COLOR if words == DISPUTED_WORD else REVIEW_COLORS[job.review_status]
            self._pill(painter, words, color, area, top_left)
        elif job.status is JobStatus.READY and job.review_status in REVIEW_COLORS:
            status = job.review_status
            word = review_word(status, short=True)
            self._pill(painter, word, REVIEW_COLORS[status], area, top_left)
        elif job.status is not JobStatus.READY and not row.is_rendering:
            self._pill(
                painter,
                job_status_word(job.status, short=True),
                QColor("#8a3430"),
                area,
                top_left,
            )
        if row.version > 1 or row.version_label != "v1":
            self._pill(
                painter,
                row.version_label,
                QColor(60, 64, 72, 220),
                area,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
            )
        self._pill(
            painter,
            format_seconds(job.seconds),
            QColor(0, 0, 0, 170),
            area,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
        )

    def _paint_tag_chip(self, painter: QPainter, tags: tuple[str, ...], area: QRect) -> None:
        """The hand-put tags, bottom left of the picture, clear of the duration (bottom right)."""
        room = area.width() - self._badge_metrics.horizontalAdvance("00:00") - 38
        text = chip_text(tags, lambda t: self._badge_metrics.horizontalAdvance(t) + 10 <= room)
        if text:
            bottom_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
            self._pill(painter, text, TAG_COLOR, area, bottom_left)

    def _paint_text(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        row: ClipRow,
        cell: QRect,
        picture: QRect,
    ) -> None:
        job = row.job
        line_height = self._small_metrics.height()
        spacing = self._small_metrics.lineSpacing()
        top = picture.bottom() + 5
        first = QRect(picture.left(), top, picture.width(), line_height)
        # drawText clips to its rectangle: leave room for two full lines with descenders.
        second = QRect(picture.left(), top + line_height + 1, picture.width(), spacing * 2 + 2)
        painter.setFont(self._small)
        if job.status in (JobStatus.BLOCKED, JobStatus.FAILED, JobStatus.CANCELLED):
            cost = "not charged"
        else:
            amount = job.cost_cents if job.cost_cents is not None else job.estimate_cents
            cost = format_cents(amount) + ("" if job.cost_cents is not None else " est.")
        cost_width = self._small_metrics.horizontalAdvance(cost) + 4
        painter.setPen(option.palette.text().color())
        painter.drawText(
            first, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), cost
        )
        meta = f"#{job.id} · {job.model} · {job.size}"
        meta_rect = first.adjusted(0, 0, -cost_width, 0)
        painter.drawText(
            meta_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self._small_metrics.elidedText(meta, Qt.TextElideMode.ElideRight, meta_rect.width()),
        )
        painter.setPen(option.palette.placeholderText().color())
        prompt = " ".join(job.prompt.split())
        lines = self._two_lines(prompt, second.width())
        painter.drawText(second, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), lines)

    def _two_lines(self, text: str, width: int) -> str:
        """Up to two lines of ``text`` broken at words, the second elided."""
        metrics = self._small_metrics
        if metrics.horizontalAdvance(text) <= width:
            return text
        words = text.split(" ")
        first = ""
        for i, word in enumerate(words):
            candidate = f"{first} {word}".strip()
            if metrics.horizontalAdvance(candidate) > width:
                rest = " ".join(words[i:])
                return f"{first}\n{metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)}"
            first = candidate
        return first
