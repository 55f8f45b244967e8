"""The Assets dock: bookmarked folders above, the chosen folder's pictures and clips below.

GUI thread widget. Reading a folder, filtering and sorting it (a
:class:`~sora_studio.ui.assets.row_plan.RowPlan`), making previews and hashing files for the "in
library" mark all run through :class:`~sora_studio.ui.background_op.BackgroundOps` (newest
request wins); the GUI thread only applies frozen results. A ``QFileSystemWatcher`` on the
folder on show triggers a debounced rescan, so files added, renamed or deleted under the desk
show up by themselves; a folder that disappears says so. What the panel asks of the rest of the
desk goes out as signals: ``reference_requested`` (a picture for the builder),
``import_requested`` (clips to import), ``bookmarks_changed`` (to save).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sora_studio.services.asset_folders import (
    AssetKind,
    FolderFile,
    FolderListing,
    find_library_copies,
    scan_folder,
)
from sora_studio.ui.assets.asset_grid import AssetGridView
from sora_studio.ui.assets.asset_model import AssetModel
from sora_studio.ui.assets.asset_previews import AssetPreviews
from sora_studio.ui.assets.filter_row import AssetFilterRow, tool_button
from sora_studio.ui.assets.folder_tree import Bookmark, FolderTree
from sora_studio.ui.assets.row_plan import RowPlan, plan_rows
from sora_studio.ui.background_op import BackgroundOps, OpContext, describe_error
from sora_studio.ui.thumbnail_cache import ThumbnailCache

RESCAN_MS = 250  # a burst of file changes (a copy of 500 files) becomes one rescan
BUSY_NOTE_MS = 400  # "Reading…" only for a folder that takes a moment
PANEL_WIDTH = 560
FOLDERS_MAX_WIDTH = 260  # px of the folder list beside the tiles in a wide, short dock


class AssetsPanel(QWidget):
    """Folder tree, filters and the asset grid (GUI thread)."""

    reference_requested = Signal(str)  # a picture's path, for the builder's reference
    import_requested = Signal(list)  # clip paths to import into the library
    bookmarks_changed = Signal(list)  # list[tuple[str, str]]
    folder_shown = Signal(str)  # a scan of this folder was applied (tests, benchmarks)

    def __init__(
        self,
        bookmarks: list[Bookmark],
        cache: ThumbnailCache,
        preview_dir: Path,
        database: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self._deferred = ""  # a folder to read once the panel is shown
        self._signature = 0  # of the listing on show
        self.folder = ""
        self._listing: FolderListing | None = None  # read, and not yet shown in the grid
        self._files: tuple[FolderFile, ...] = ()  # the folder's files as last read
        self._subfolders = 0  # folders inside the one on show, as last read
        self._digests: dict[tuple[str, int, int], str] = {}
        self._ops = BackgroundOps(self, max_threads=2)
        self.model = AssetModel(self)
        self.previews = AssetPreviews(preview_dir, self)
        self.grid = AssetGridView(self.model, self.previews, cache)
        self.grid.activated_file.connect(self.use_file)
        self.grid.import_wanted.connect(self.import_requested)

        self.tree = FolderTree(bookmarks)
        self.tree.folder_chosen.connect(self.show_folder)
        self.tree.bookmarks_changed.connect(self._on_bookmarks_changed)
        self.add_button = tool_button("Add…", "add", "Bookmark a folder of pictures and clips")
        self.add_button.clicked.connect(lambda: self.tree.add_bookmark())
        self.rename_button = tool_button("Rename…", "rename", "Rename the selected bookmark")
        self.rename_button.clicked.connect(lambda: self.tree.rename_current())
        self.remove_button = tool_button(
            "Remove", "delete", "Forget the selected bookmark (the folder itself stays)"
        )
        self.remove_button.clicked.connect(self.tree.remove_current)

        self.filters = AssetFilterRow()
        self.filters.filter_changed.connect(lambda _flt: self._arrange())
        self.filters.sort_changed.connect(lambda _sort: self._arrange())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "hint")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setContentsMargins(8, 12, 8, 12)
        self.footer = QLabel()
        self.footer.setProperty("role", "hint")

        self._layout()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._schedule_rescan)
        self._rescan = QTimer(self)
        self._rescan.setSingleShot(True)
        self._rescan.setInterval(RESCAN_MS)
        self._rescan.timeout.connect(self.rescan)
        self._busy_note = QTimer(self)
        self._busy_note.setSingleShot(True)
        self._busy_note.setInterval(BUSY_NOTE_MS)
        self._busy_note.timeout.connect(lambda: self._say(f"Reading {self.folder}…"))
        # Counted once per turn of the event loop, however many row signals a rescan sends.
        self._footer_due = QTimer(self)
        self._footer_due.setSingleShot(True)
        self._footer_due.setInterval(0)
        self._footer_due.timeout.connect(self._update_footer)
        for changed in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            changed.connect(lambda *_: self._footer_due.start())
        self._update_footer()
        if not bookmarks:
            self._say("Bookmark a folder of pictures and clips with Add to browse it here.")
        else:
            first = self.tree.topLevelItem(0)
            if first is not None:
                self.tree.setCurrentItem(first)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Folders")
        heading.setProperty("role", "heading")
        buttons.addWidget(heading)
        buttons.addStretch(1)
        for button in (self.add_button, self.rename_button, self.remove_button):
            buttons.addWidget(button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.tree)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.filters)
        bottom_layout.addWidget(self.message)
        bottom_layout.addWidget(self.grid, 1)
        bottom_layout.addWidget(self.footer)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([150, 600])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    # -- showing a folder --------------------------------------------------------------------

    def show_folder(self, folder: str) -> None:
        """Read ``folder`` off the GUI thread and show its pictures and clips.

        While the panel is hidden (its dock closed) nothing is read: the folder is remembered
        and read when the panel is first shown, so a closed dock costs the desk nothing.
        """
        if not self.isVisible():
            self._deferred = folder
            return
        self._deferred = ""
        if folder != self.folder:
            self.previews.drop_queued()
            self._ops.cancel("library")
            watched = self._watcher.directories()
            if watched:
                self._watcher.removePaths(watched)
            self.folder = folder
            self._signature = 0
            self._files, self._listing, self._subfolders = (), None, 0
            self._ops.cancel("arrange")
            self.model.set_files(folder, [])
        if Path(folder).is_dir():  # a cheap stat; the listing itself runs off the thread
            self._watcher.addPath(folder)
        self._busy_note.start()
        self.rescan()

    def rescan(self) -> None:
        """Read the folder on show again (the watcher calls this after a change)."""
        if not self.folder:
            return
        folder = self.folder
        self._ops.submit(
            lambda context: scan_folder(folder, context.cancelled),
            self._on_scanned,
            on_error=self._on_scan_failed,
            key="scan",
        )

    def refresh_library_marks(self) -> None:
        """Check again which files the library holds (after an import)."""
        database = self.database
        if database is None or not self.model.total_count:
            return
        files, digests = self.model.all_files(), self._digests

        def work(context: OpContext) -> frozenset[str]:
            return find_library_copies(database, files, digests, context.cancelled)

        self._ops.submit(work, self.model.set_in_library, key="library")

    def _on_scanned(self, listing: FolderListing) -> None:
        if listing.folder != self.folder:
            return
        self._busy_note.stop()
        if listing.error is not None:
            self._signature = 0
            self._files, self._listing = (), None
            self._ops.cancel("arrange")
            self.model.set_files(listing.folder, [])
            self._say(listing.error)
            self.folder_shown.emit(listing.folder)
            return
        if listing.folder not in self._watcher.directories():
            self._watcher.addPath(listing.folder)  # it came back
        if self.model.folder == listing.folder and listing.signature == self._signature:
            return  # nothing changed (a rescan after the cache wrote beside the files)
        self._signature = listing.signature
        self._files, self._listing = listing.files, listing
        self._subfolders = listing.subfolders
        self._arrange()

    def _arrange(self) -> None:
        """Work out, off the GUI thread, the rows for the files last read under the filter and
        sort chosen now; :meth:`_on_arranged` applies them."""
        snapshot, folder, files = self.model.snapshot(), self.folder, self._files
        flt, sort = self.filters.current(), self.filters.sort()
        self._ops.submit(  # the files are a scan's listing: in name order already
            lambda _context: plan_rows(snapshot, folder, files, flt, sort, name_sorted=True),
            self._on_arranged,
            key="arrange",
        )

    def _on_arranged(self, plan: RowPlan) -> None:
        if plan.folder != self.folder:
            return  # another folder was chosen meanwhile
        if not self.model.apply(plan):
            self._arrange()  # the rows changed meanwhile: work it out again from them
            return
        listing, self._listing = self._listing, None
        self._update_message(listing)
        if listing is not None:
            self.refresh_library_marks()
            self.folder_shown.emit(listing.folder)

    def _on_scan_failed(self, error: BaseException) -> None:
        self._busy_note.stop()
        self._say(f"Cannot read this folder: {describe_error(error)}")

    def _schedule_rescan(self, _path: str) -> None:
        self._rescan.start()

    # -- filters, messages ---------------------------------------------------------------------

    def _update_message(self, listing: FolderListing | None) -> None:
        if self.model.total_count == 0 and self._subfolders:
            self._say(
                "No pictures or clips directly in this folder. Expand it in the folder list "
                f"(▸) to look through its {self._subfolders:,} "
                f"subfolder{'s' if self._subfolders != 1 else ''}."
            )
        elif self.model.total_count == 0:
            self._say("No pictures or clips in this folder yet. New files show up by themselves.")
        elif self.model.rowCount() == 0:
            self._say("Nothing here matches the filter.")
        elif listing is not None and listing.truncated:
            self._say(f"Showing the first {self.model.total_count:,} files of this folder.")
        elif listing is not None or self.message.text() == "Nothing here matches the filter.":
            self._say("")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _update_footer(self, *_args: object) -> None:
        files = self.model.all_files()
        clips = sum(1 for f in files if f.kind is AssetKind.VIDEO)
        shown = self.model.rowCount()
        text = f"{len(files) - clips:,} pictures · {clips:,} clips"
        if shown != len(files):
            text += f" · {shown:,} shown"
        self.footer.setText(text if files else "")

    def set_frame_size(self, size: tuple[int, int] | None) -> None:
        """The chosen model's frame: pictures of exactly this size get a "Fits" mark."""
        if size != self.grid.asset_delegate.frame_size:
            self.grid.asset_delegate.frame_size = size
            self.grid.viewport().update()

    # -- using files -----------------------------------------------------------------------------

    def use_file(self, file: FolderFile) -> None:
        """A picture becomes the builder's reference; a clip is imported."""
        if file.kind is AssetKind.IMAGE:
            self.reference_requested.emit(file.path)
        else:
            self.import_requested.emit([file.path])

    def _on_bookmarks_changed(self, bookmarks: list[Bookmark]) -> None:
        if not bookmarks:
            self.folder = ""
            self._files, self._listing = (), None
            self.model.set_files("", [])
            self._say("Bookmark a folder of pictures and clips with Add to browse it here.")
        self.bookmarks_changed.emit(bookmarks)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Folders above the tiles in a tall dock, beside them in a wide, short one (the
        bottom row, under the grid), so the tiles always get the most room."""
        super().resizeEvent(event)
        wide = event.size().width() > 1.3 * event.size().height()
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            # Beside the tiles the folder list is narrow: its buttons show their icons only
            # (their tooltips say what they do), so they do not hold it wide.
            style = (
                Qt.ToolButtonStyle.ToolButtonIconOnly
                if wide
                else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            )
            for button in (self.add_button, self.rename_button, self.remove_button):
                button.setToolButtonStyle(style)
            # After the layout has given the splitter its new size: folders a third at most.
            QTimer.singleShot(0, self, self._share_splitter)
        elif wide:  # a narrower dock takes from the folders first, down to a third of it
            QTimer.singleShot(0, self, lambda: self._share_splitter(only_if_wider=True))

    def _share_splitter(self, only_if_wider: bool = False) -> None:
        sizes = self.splitter.sizes()
        across = sum(sizes)
        first = min(FOLDERS_MAX_WIDTH, across // 3)
        if not only_if_wider or sizes[0] > first:
            self.splitter.setSizes([first, max(1, across - first)])

    def sizeHint(self) -> QSize:
        return QSize(PANEL_WIDTH, 720)  # three tiles across when the dock first opens

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._deferred:
            QTimer.singleShot(0, self, lambda: self.show_folder(self._deferred or self.folder))

    def shutdown(self) -> None:
        """Stop reading, hashing and making previews (the desk is closing)."""
        self._rescan.stop()
        self._ops.shutdown(3000)
        self.previews.shutdown(3000)
        self.tree.shutdown()
