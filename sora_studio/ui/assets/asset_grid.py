"""The Assets grid: a QListView in icon mode over the asset model, with hover scrubbing on clips
and dragging files out (file URLs) onto the builder, the review grid or another application.

GUI thread only. Scrubbing maps the cursor's x across a clip's picture to a spritesheet frame
with :func:`sora_studio.core.spritesheet.frame_index_at` and repaints that one tile's picture.
Previews arriving in bursts (dozens a second while a folder streams in) are coalesced into one
viewport repaint per :data:`REPAINT_MS`, so the GUI thread paints a screenful at most that often.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QHelpEvent, QMouseEvent
from PySide6.QtWidgets import QListView, QMenu, QToolTip, QWidget

from sora_studio.core.spritesheet import frame_index_at
from sora_studio.services.asset_folders import AssetKind, FolderFile
from sora_studio.ui.assets.asset_delegate import TILE_SIZE, AssetDelegate, picture_rect, tile_rect
from sora_studio.ui.assets.asset_model import AssetModel, AssetRoles
from sora_studio.ui.assets.asset_previews import AssetPreviews
from sora_studio.ui.thumbnail_cache import ThumbnailCache
from sora_studio.ui.tile_grid import set_up_tile_grid

REPAINT_MS = 40


class AssetGridView(QListView):
    """Icon-mode grid of asset tiles (GUI thread). ``activated_file`` on double-click or Return."""

    activated_file = Signal(object)  # the FolderFile (also "Use as reference image")
    import_wanted = Signal(list)  # clip paths ("Import N clips" in the context menu)
    scrubbed = Signal(str, int)  # path, frame

    def __init__(
        self,
        model: AssetModel,
        previews: AssetPreviews,
        cache: ThumbnailCache,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.asset_model = model
        self.previews = previews
        self.asset_delegate = AssetDelegate(previews, cache, self)
        self.setItemDelegate(self.asset_delegate)
        set_up_tile_grid(self, TILE_SIZE)
        self.setLayoutMode(QListView.LayoutMode.Batched)  # 20,000 tiles laid out in steps
        self.setBatchSize(2000)
        self.setModel(model)
        self._hover_index = QModelIndex()
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(REPAINT_MS)
        self._repaint.timeout.connect(self.viewport().update)
        self._finish = QTimer(self)  # tiles a paint left for later are drawn in the next one
        self._finish.setSingleShot(True)
        self._finish.setInterval(0)
        self._finish.timeout.connect(self.viewport().update)
        previews.facts_ready.connect(self._schedule_repaint)
        self.verticalScrollBar().valueChanged.connect(lambda _value: previews.drop_waiting())
        previews.sheet_ready.connect(self._on_sheet_ready)
        cache.loaded.connect(self._schedule_repaint)
        cache.failed_to_load.connect(self._schedule_repaint)
        self.activated.connect(self._activate)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)

    # -- queries -------------------------------------------------------------------------------

    def selected_files(self) -> list[FolderFile]:
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        return [self.asset_model.file_at(r) for r in rows]

    def visible_rows(self) -> range:
        """Rows whose tiles are (at least partly) on screen; an empty range when none."""
        rect = self.viewport().rect()
        first = self.indexAt(QPoint(rect.left() + 4, rect.top() + 4))
        last = self.indexAt(QPoint(rect.right() - 4, rect.bottom() - 4))
        if not first.isValid():
            return range(0)
        end = last.row() if last.isValid() else self.asset_model.rowCount() - 1
        return range(first.row(), end + 1)

    # -- hover scrubbing -----------------------------------------------------------------------

    def scrub_to(self, pos: QPoint) -> tuple[str, int] | None:
        """Point the hover at viewport position ``pos``; (path, frame) while scrubbing a clip."""
        index = self.indexAt(pos)
        delegate = self.asset_delegate
        if not index.isValid():
            self._clear_hover()
            return None
        file: FolderFile = index.data(AssetRoles.File)
        count = delegate.frame_count(file)
        picture = picture_rect(tile_rect(self.visualRect(index)))
        if not count or file.error is not None or not picture.contains(pos):
            self._set_hover(index, None, 0)
            return None
        frame = frame_index_at(pos.x() - picture.left(), picture.width(), count)
        self._set_hover(index, file.path, frame)
        return file.path, frame

    def _set_hover(self, index: QModelIndex, path: str | None, frame: int) -> None:
        delegate = self.asset_delegate
        same = self._hover_index.isValid() and self._hover_index == index
        if same and delegate.hover_path == path and delegate.hover_frame == frame:
            return
        if not same and self._hover_index.isValid():
            delegate.hover_path = None
            self.update(self._hover_index)
        self._hover_index = QModelIndex(index)
        delegate.hover_path = path
        delegate.hover_frame = frame
        self.viewport().update(picture_rect(tile_rect(self.visualRect(index))))
        if path is not None:
            self.scrubbed.emit(path, frame)

    def _clear_hover(self) -> None:
        if self._hover_index.isValid():
            previous = self._hover_index
            self._hover_index = QModelIndex()
            self.asset_delegate.hover_path = None
            self.update(previous)

    def viewportEvent(self, event: QEvent) -> bool:
        """A paint within the delegate's render budget (the rest follows in the next paint);
        a tile's tooltip: the model's (path, size, date) plus what the preview found."""
        if event.type() == QEvent.Type.Paint:
            self.asset_delegate.begin_pass()
            handled = super().viewportEvent(event)
            if self.asset_delegate.deferred and not self._finish.isActive():
                self._finish.start()
            return handled
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.indexAt(event.pos())
            if index.isValid():
                text = str(index.data(Qt.ItemDataRole.ToolTipRole))
                facts = self.previews.known(index.data(AssetRoles.File))
                if facts is not None and facts.error:
                    text += f"\n{facts.error}"
                elif facts is not None and facts.width:
                    text += f"\n{facts.width}×{facts.height} px"
                QToolTip.showText(event.globalPos(), text, self.viewport())
                return True
        return super().viewportEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() == Qt.MouseButton.NoButton:
            self.scrub_to(event.position().toPoint())
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._clear_hover()
        super().leaveEvent(event)

    # -- slots ---------------------------------------------------------------------------------

    def _schedule_repaint(self, _path: str = "") -> None:
        if not self._repaint.isActive():
            self._repaint.start()

    def _on_sheet_ready(self, path: str) -> None:
        if self.asset_delegate.hover_path == path and self._hover_index.isValid():
            self.update(self._hover_index)
        self._schedule_repaint()

    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            file = index.data(AssetRoles.File)
            if file is not None and file.error is None:
                self.activated_file.emit(file)

    def _context_menu(self, pos: QPoint) -> None:
        files = [f for f in self.selected_files() if f.error is None]
        if not files:
            return
        menu = QMenu(self)
        pictures = [f for f in files if f.kind is AssetKind.IMAGE]
        clips = [f.path for f in files if f.kind is AssetKind.VIDEO]
        if len(pictures) == 1:
            picture = pictures[0]
            menu.addAction("Use as reference image", lambda: self.activated_file.emit(picture))
        if clips:
            noun = "clip" if len(clips) == 1 else "clips"
            menu.addAction(f"Import {len(clips)} {noun}", lambda: self.import_wanted.emit(clips))
        paths = "\n".join(f.path for f in files)
        menu.addAction("Copy path", lambda: QGuiApplication.clipboard().setText(paths))
        menu.popup(self.viewport().mapToGlobal(pos))
