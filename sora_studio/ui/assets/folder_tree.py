"""The Assets dock's bookmarked folders as a tree: add, rename, remove; subfolders on demand.

GUI thread widget. Top-level items are the bookmarks (name and path); expanding one lists its
subfolders off the GUI thread (``services.asset_folders.list_subfolders``, which never follows a
link back into a folder above it), so a slow network share never freezes the desk. A folder that
cannot be read shows one greyed child saying why. ``bookmarks_changed`` carries the whole list
after an add, a rename or a removal, for the composition root to save.
"""

from __future__ import annotations

import os
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QTreeWidget, QTreeWidgetItem, QWidget

from sora_studio.services.asset_folders import list_subfolders
from sora_studio.ui.background_op import BackgroundOps
from sora_studio.ui.icons import make_icon

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
LOADED_ROLE = Qt.ItemDataRole.UserRole + 2  # "": not listed yet, "listing", "done"
Bookmark = tuple[str, str]  # (name, path)


class FolderTree(QTreeWidget):
    """Bookmarks and their subfolders (GUI thread)."""

    folder_chosen = Signal(str)  # a folder path
    bookmarks_changed = Signal(list)  # list[tuple[str, str]]

    def __init__(self, bookmarks: list[Bookmark], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setUniformRowHeights(True)
        self.setRootIsDecorated(True)
        self._ops = BackgroundOps(self, max_threads=1)
        for name, path in bookmarks:
            self._add_item(name, path)
        self.itemExpanded.connect(self._on_expanded)
        self.currentItemChanged.connect(self._on_current)

    # -- bookmarks -------------------------------------------------------------------------------

    def bookmarks(self) -> list[Bookmark]:
        return [
            (item.text(0), str(item.data(0, PATH_ROLE)))
            for item in (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
            if item is not None
        ]

    def add_bookmark(self, path: str = "", name: str = "") -> QTreeWidgetItem | None:
        """Bookmark ``path`` (asking for a folder when empty); selects it. None if cancelled."""
        if not path:
            path = QFileDialog.getExistingDirectory(self, "Bookmark a folder of pictures and clips")
            if not path:
                return None
        path = os.path.normpath(path)
        for i in range(self.topLevelItemCount()):
            existing = self.topLevelItem(i)
            if existing is not None and existing.data(0, PATH_ROLE) == path:
                self.setCurrentItem(existing)
                return existing
        item = self._add_item(name or os.path.basename(path) or path, path)
        self.setCurrentItem(item)
        self.bookmarks_changed.emit(self.bookmarks())
        return item

    def rename_current(self, name: str | None = None) -> bool:
        """Rename the selected bookmark (asking for a name when None); True if renamed."""
        item = self._current_bookmark()
        if item is None:
            return False
        if name is None:
            text, ok = QInputDialog.getText(self, "Rename bookmark", "Name:", text=item.text(0))
            if not ok:
                return False
            name = text
        name = name.strip()
        if not name or name == item.text(0):
            return False
        item.setText(0, name)
        self.bookmarks_changed.emit(self.bookmarks())
        return True

    def remove_current(self) -> bool:
        """Forget the selected bookmark (the folder itself is untouched); True if removed."""
        item = self._current_bookmark()
        if item is None:
            return False
        self.takeTopLevelItem(self.indexOfTopLevelItem(item))
        self.bookmarks_changed.emit(self.bookmarks())
        return True

    def current_path(self) -> str | None:
        item = self.currentItem()
        return None if item is None else item.data(0, PATH_ROLE)

    def shutdown(self) -> None:
        self._ops.shutdown(3000)

    # -- internals -------------------------------------------------------------------------------

    def _current_bookmark(self) -> QTreeWidgetItem | None:
        item = self.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        return item

    def _add_item(
        self, name: str, path: str, parent: QTreeWidgetItem | None = None
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem([name])
        item.setData(0, PATH_ROLE, path)
        item.setData(0, LOADED_ROLE, "")
        item.setIcon(0, make_icon("folder"))
        item.setToolTip(0, path)
        item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
        if parent is None:
            self.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item

    def _on_current(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None and current.data(0, PATH_ROLE):
            self.folder_chosen.emit(str(current.data(0, PATH_ROLE)))

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        if item.data(0, LOADED_ROLE):
            return
        item.setData(0, LOADED_ROLE, "listing")
        path = str(item.data(0, PATH_ROLE))
        self._ops.submit(
            lambda _context: list_subfolders(path),
            partial(self._on_listed, path),
            key=path,
        )

    def _find(self, path: str) -> QTreeWidgetItem | None:
        stack = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            if item.data(0, PATH_ROLE) == path and item.data(0, LOADED_ROLE) == "listing":
                return item
            stack.extend(item.child(i) for i in range(item.childCount()))
        return None

    def _on_listed(self, path: str, result: tuple[tuple[str, ...], str | None]) -> None:
        item = self._find(path)
        if item is None:
            return
        folders, error = result
        item.setData(0, LOADED_ROLE, "done")
        for folder in folders:
            self._add_item(os.path.basename(folder), folder, item)
        if error:
            note = QTreeWidgetItem([error])
            note.setFlags(Qt.ItemFlag.NoItemFlags)
            note.setToolTip(0, error)
            item.addChild(note)
        if item.childCount() == 0:
            item.setChildIndicatorPolicy(
                QTreeWidgetItem.ChildIndicatorPolicy.DontShowIndicatorWhenChildless
            )
