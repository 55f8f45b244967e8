"""The Assets dock wired into the desk: called once by the composition root (``app.py``).

GUI thread. Builds the :class:`~sora_studio.ui.assets.assets_panel.AssetsPanel` from the saved
bookmarks (``services.setting_keys.asset_folders``; the library folder until any are saved),
docks it under the grid next to the builder, and connects what it asks for: a picture becomes
the builder's reference (its checks and "Fit to size" are the reference box's), clips go to
the desk's import, a changed bookmark list is saved through the desk's writer thread (never
written on the GUI thread), a finished import refreshes the "In library" marks, and the
builder's chosen size is the frame a picture must match for its "Fits" mark.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QWidget

from sora_studio.services.asset_folders import PREVIEW_FOLDER
from sora_studio.services.desk_writes import SaveSettings
from sora_studio.services.library_view import LibraryView
from sora_studio.services.setting_keys import ASSET_FOLDERS_SETTING, asset_folders
from sora_studio.ui.assets.assets_panel import AssetsPanel
from sora_studio.ui.main_window import MainWindow
from sora_studio.ui.thumbnail_cache import ThumbnailCache
from sora_studio.ui.workers.desk_writer import DeskWriter
from sora_studio.ui.workers.library_actions import LibraryActions

ASSETS_SHORTCUT = "Ctrl+Shift+A"
FIRST_HEIGHT = 400  # px, the bottom dock row's height the first time the dock opens
ASSETS_SHARE = 0.55  # of the bottom row's width, beside the render queue


def dock_by_builder(window: MainWindow, panel: QWidget) -> QDockWidget:
    """Dock ``panel`` as "Assets" under the grid, between the builder and the render queue,
    closed until View > Assets (Ctrl+Shift+A) unless the remembered layout had it open; its
    toggle goes in the View menu, and View > Reset layout puts it back in its place."""
    dock = QDockWidget("Assets", window)
    dock.setObjectName("assetsDock")  # the name the window layout is saved under
    dock.setWidget(panel)
    # Made after the window restored its layout: put it where it was saved, if it was.
    if not window.restoreDockWidget(dock):
        _place(window, dock)
        dock.hide()

        def first_shown(visible: bool) -> None:
            if visible:
                dock.visibilityChanged.disconnect(first_shown)
                _give_room(window, dock)

        dock.visibilityChanged.connect(first_shown)

    def reset() -> None:
        shown = dock.isVisible()
        _place(window, dock)
        dock.setVisible(shown)
        if shown:
            _give_room(window, dock)

    window.layout_reset.connect(reset)
    toggle = dock.toggleViewAction()
    toggle.setShortcut(QKeySequence(ASSETS_SHORTCUT))
    toggle.setStatusTip(f"Browse folders of pictures and clips ({ASSETS_SHORTCUT})")
    window.addAction(toggle)
    window.actions_by_name["assets"] = toggle
    actions = window.view_menu.actions()  # the docks' toggles first, then the rest
    queue = window.queue_dock.toggleViewAction()
    after = actions.index(queue) + 1 if queue in actions else len(actions)
    if after < len(actions):
        window.view_menu.insertAction(actions[after], toggle)
    else:
        window.view_menu.addAction(toggle)
    return dock


def _place(window: MainWindow, dock: QDockWidget) -> None:
    """Under the grid, left of the queue and next to the builder: pictures drag straight onto
    either, and the window never has to grow (beside the builder it asked for 315 px more than
    a 1440 px window has, and pushed the player off a 1600 px screen)."""
    dock.setFloating(False)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.splitDockWidget(dock, window.queue_dock, Qt.Orientation.Horizontal)


def _give_room(window: MainWindow, dock: QDockWidget) -> None:
    """Tall enough for the folders, the filters and two rows of tiles, and most of the row."""
    if dock.height() < FIRST_HEIGHT:
        window.resizeDocks([dock], [FIRST_HEIGHT], Qt.Orientation.Vertical)
    row = dock.width() + window.queue_dock.width()
    if window.queue_dock.isVisible() and dock.width() < row * ASSETS_SHARE:
        wide = int(row * ASSETS_SHARE)
        window.resizeDocks([dock, window.queue_dock], [wide, row - wide], Qt.Orientation.Horizontal)


def attach_assets(
    window: MainWindow,
    reader: LibraryView,
    writer: DeskWriter,
    library: LibraryActions,
    thumbnails: ThumbnailCache,
    *,
    library_root: Path,
    database: Path,
) -> AssetsPanel:
    """Make the Assets dock, put it in ``window`` and connect it; returns the panel."""
    assets = AssetsPanel(
        asset_folders(reader, library_root), thumbnails, library_root / PREVIEW_FOLDER, database
    )
    dock_by_builder(window, assets)
    builder = window.prompt_panel

    def use_reference(path: str) -> None:
        name = Path(path).name
        if builder.use_reference(path):
            window.prompt_dock.show()
            window.status.showMessage(f"Reference image: {name}", 5000)
        else:
            window.status.showMessage(
                f"The chosen model takes no reference image, so {name} was not used.", 8000
            )

    def save_bookmarks(bookmarks: list[tuple[str, str]]) -> None:
        value = [[name, path] for name, path in bookmarks]
        writer.send(SaveSettings(settings=((ASSET_FOLDERS_SETTING, value),)))

    assets.reference_requested.connect(use_reference)
    assets.import_requested.connect(library.import_paths)
    assets.bookmarks_changed.connect(save_bookmarks)
    library.clips_imported.connect(lambda _ids: assets.refresh_library_marks())
    builder.formats.changed.connect(lambda: assets.set_frame_size(builder.frame_size()))
    assets.set_frame_size(builder.frame_size())
    return assets
