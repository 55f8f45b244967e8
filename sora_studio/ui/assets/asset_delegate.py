"""The Assets grid's one painting delegate: a tile per picture or clip, drawn with QPainter.

GUI thread only. A tile shows the file's preview (or, while the cursor scrubs over a clip, the
spritesheet frame under it with a thin position bar), its name, and a line of facts: a picture's
pixel size, a clip's length and size, the file's size. Pills mark a file already in the library
and a picture that fits the chosen model's frame exactly. A file that cannot be read is a hatched
"Can't open" tile with the reason. Previews are asked of
:class:`~sora_studio.ui.assets.asset_previews.AssetPreviews` and decoded by the desk's
:class:`~sora_studio.ui.thumbnail_cache.ThumbnailCache`; until they arrive a plain placeholder
is painted.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from sora_studio.core.spritesheet import frame_time_ms, layout_for_video
from sora_studio.services.asset_folders import AssetKind, FolderFile, PreviewFacts
from sora_studio.ui.assets.asset_model import AssetRoles, format_bytes
from sora_studio.ui.assets.asset_previews import AssetPreviews
from sora_studio.ui.assets.tile_parts import TileFonts, paint_broken, pill
from sora_studio.ui.review.clip_delegate import ACCENT, CARD_DARK, POSITION_BAR_HEIGHT
from sora_studio.ui.review.clip_row import format_seconds
from sora_studio.ui.thumbnail_cache import PixmapLru, ThumbnailCache

TILE_SIZE = QSize(176, 146)
PADDING = 5
PICTURE_ASPECT = 9 / 16
LIBRARY_COLOR = QColor("#6b5bd6")
FITS_COLOR = QColor("#2e9e5b")
TILE_BUDGET_BYTES = 32 * 1024 * 1024  # about 300 tiles: a few screenfuls
# Rendering a new tile costs about a millisecond of Python-driven QPainter calls; a fling shows a
# screenful of new ones at once. Past this much rendering in one paint, the rest of the screen
# gets a plain card and is rendered in the next paint (a frame later), so no paint runs long.
RENDER_BUDGET_S = 0.010


def picture_rect(cell: QRect) -> QRect:
    """The 16:9 picture area at the top of a tile (also the hover-scrub strip)."""
    width = cell.width() - 2 * PADDING
    return QRect(cell.left() + PADDING, cell.top() + PADDING, width, round(width * PICTURE_ASPECT))


def tile_rect(option_rect: QRect) -> QRect:
    return QRect(option_rect).adjusted(2, 2, -2, -2)


class AssetDelegate(QStyledItemDelegate):
    """Paints asset tiles; the view says which clip is hovered and at which frame."""

    def __init__(
        self, previews: AssetPreviews, cache: ThumbnailCache, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.previews = previews
        self.cache = cache
        self.frame_size: tuple[int, int] | None = None  # the chosen model's frame (w, h)
        self.hover_path: str | None = None
        self.hover_frame = 0
        self._tiles = PixmapLru(TILE_BUDGET_BYTES)  # rendered tiles, by everything they show
        self._pass_started = 0.0  # when the view's current paint began
        self.deferred = False  # a tile of the current paint was left for the next one
        self.fonts = TileFonts.make()
        self._small, self._metrics = self.fonts.small, self.fonts.metrics

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(TILE_SIZE)

    def fits_frame(self, facts: PreviewFacts | None) -> bool:
        """A picture exactly the chosen model's frame size (no "Fit to size" needed)."""
        return (
            facts is not None
            and facts.error is None
            and self.frame_size is not None
            and (facts.width, facts.height) == self.frame_size
        )

    def frame_count(self, file: FolderFile) -> int:
        """Frames in the clip's scrub sheet once its size is known (0 before)."""
        facts = self.previews.known(file)
        if file.kind is not AssetKind.VIDEO or facts is None or facts.width < 1:
            return 0
        return layout_for_video(facts.width, facts.height).frame_count

    # -- painting ----------------------------------------------------------------------------

    def begin_pass(self) -> None:
        """The view starts painting: the render budget starts again."""
        self._pass_started = time.perf_counter()
        self.deferred = False

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """One ``drawPixmap`` of the tile as last rendered (re-rendered only when what it shows
        changes, and only within the paint's :data:`RENDER_BUDGET_S`: past it, a plain card now
        and the tile in the next paint), then the scrub frame over its picture while the cursor
        is on a clip.

        Rendering once matters while previews stream in: every Qt call from Python gives up and
        retakes the GIL, which the preview threads hold in turns, so forty tiles drawn call by
        call at every repaint would keep the GUI thread waiting."""
        file: FolderFile | None = index.data(AssetRoles.File)
        if file is None:
            return
        facts = self.previews.facts(file)
        error = file.error or (facts.error if facts is not None else None)
        thumb = None
        if error is None and facts is not None and facts.thumbnail:
            thumb = self.cache.pixmap(facts.thumbnail)
        cell = tile_rect(option.rect)
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        in_library = bool(index.data(AssetRoles.InLibrary))
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        key = (
            *(file, facts, thumb is not None, selected, hovered, in_library),
            *(self.fits_frame(facts), cell.width(), cell.height(), ratio),
            option.palette.base().color().rgb(),  # the theme changed: render again
        )
        tile = self._tiles.get(key)
        if tile is None:
            if time.perf_counter() - self._pass_started > RENDER_BUDGET_S:
                self.deferred = True  # the view paints again at once; this tile then
                self._paint_card(painter, option, cell)
                return
            tile = self._render(option, cell.size(), ratio, file, facts, thumb, in_library)
            self._tiles.put(key, tile)
        painter.drawPixmap(cell.topLeft(), tile)
        if error is None and facts is not None and self.hover_path == file.path:
            self._paint_scrub(painter, file, facts, picture_rect(cell))

    def _render(
        self,
        option: QStyleOptionViewItem,
        size: QSize,
        ratio: float,
        file: FolderFile,
        facts: PreviewFacts | None,
        thumb: QPixmap | None,
        in_library: bool,
    ) -> QPixmap:
        tile = QPixmap(size * ratio)
        tile.setDevicePixelRatio(ratio)
        tile.fill(Qt.GlobalColor.transparent)
        cell = QRect(QPoint(0, 0), size)
        picture = picture_rect(cell)
        error = file.error or (facts.error if facts is not None else None)
        painter = QPainter(tile)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self._paint_card(painter, option, cell)
            if error:
                paint_broken(self.fonts, painter, picture, error)
            else:
                self._paint_picture(painter, thumb, picture)
                self._paint_pills(painter, file, facts, picture, in_library)
            self._paint_text(painter, option, file, facts, picture, error)
        finally:
            painter.end()
        return tile

    def _paint_card(self, painter: QPainter, option: QStyleOptionViewItem, cell: QRect) -> None:
        palette = option.palette
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.alternateBase().color() if hovered else palette.base().color())
        painter.drawRoundedRect(QRectF(cell), 6, 6)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(ACCENT, 2.5))
            painter.drawRoundedRect(QRectF(cell).adjusted(1, 1, -1, -1), 6, 6)
        else:
            painter.setPen(QPen(palette.mid().color(), 1))
            painter.drawRoundedRect(QRectF(cell).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

    def _paint_picture(self, painter: QPainter, thumb: QPixmap | None, area: QRect) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(CARD_DARK)
        painter.drawRect(area)
        if thumb is not None:
            self._draw_fitted(painter, thumb, area)

    @staticmethod
    def _draw_fitted(painter: QPainter, pixmap: QPixmap, area: QRect) -> None:
        size = pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(area.center())
        painter.drawPixmap(target, pixmap)

    def _paint_scrub(
        self, painter: QPainter, file: FolderFile, facts: PreviewFacts, area: QRect
    ) -> None:
        """The sheet frame under the cursor and a position bar, over the tile's picture."""
        count = self.frame_count(file)
        sheet = self.previews.sheet(file) if count else None
        if not sheet:
            return  # still being made (or cannot be): the still stays
        frame = min(self.hover_frame, count - 1)
        x, y, w, h = layout_for_video(facts.width, facts.height).frame_rect(frame)
        pixmap = self.cache.frame(sheet, QRect(x, y, w, h), area.size(), frame)
        if pixmap is None:
            return
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(CARD_DARK)
        painter.drawRect(area)
        self._draw_fitted(painter, pixmap, area)
        track = QRect(
            area.left(), area.bottom() - POSITION_BAR_HEIGHT + 1, area.width(), POSITION_BAR_HEIGHT
        )
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRect(track)
        track.setWidth(max(2, round(track.width() * (frame + 1) / count)))
        painter.setBrush(ACCENT)
        painter.drawRect(track)
        at_ms = frame_time_ms(frame, count, round(facts.duration_s * 1000))
        where = f"{at_ms / 1000:.1f} / {facts.duration_s:.1f} s"
        pill(self.fonts, painter, where, QColor(0, 0, 0, 170), area, right=True, bottom=True)
        painter.restore()

    def _paint_pills(
        self,
        painter: QPainter,
        file: FolderFile,
        facts: PreviewFacts | None,
        area: QRect,
        in_library: bool,
    ) -> None:
        if in_library:
            pill(self.fonts, painter, "In library", LIBRARY_COLOR, area, right=False, bottom=False)
        if file.kind is AssetKind.VIDEO:
            length = format_seconds(round(facts.duration_s)) if facts and facts.duration_s else "▶"
            pill(self.fonts, painter, length, QColor(0, 0, 0, 170), area, right=True, bottom=True)
        elif self.fits_frame(facts):
            pill(self.fonts, painter, "✓ Fits", FITS_COLOR, area, right=True, bottom=True)

    def _paint_text(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        file: FolderFile,
        facts: PreviewFacts | None,
        picture: QRect,
        error: str | None,
    ) -> None:
        height = self._metrics.height()
        name_rect = QRect(picture.left(), picture.bottom() + 5, picture.width(), height)
        info_rect = QRect(picture.left(), name_rect.bottom() + 2, picture.width(), height)
        painter.setFont(self._small)
        painter.setPen(option.palette.text().color())
        painter.drawText(
            name_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self._metrics.elidedText(file.name, Qt.TextElideMode.ElideMiddle, name_rect.width()),
        )
        parts: list[str] = []
        if error:
            parts.append("broken" if file.bytes else "unreadable")
        elif facts is not None and facts.width:
            parts.append(f"{facts.width}×{facts.height}")
        if file.bytes:
            parts.append(format_bytes(file.bytes))
        painter.setPen(option.palette.placeholderText().color())
        painter.drawText(
            info_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self._metrics.elidedText(
                " · ".join(parts), Qt.TextElideMode.ElideRight, info_rect.width()
            ),
        )
