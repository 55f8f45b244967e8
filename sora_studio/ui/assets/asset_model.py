"""The Assets grid's one item model: a folder's pictures and clips, filtered and sorted.

GUI thread only. :class:`AssetModel` is a flat ``QAbstractListModel`` over the frozen
:class:`~sora_studio.services.asset_folders.FolderFile` values a scan returns. It filters
(:class:`AssetFilter`: kind, name, date) and sorts (name, date, size) in plain Python over
tuples (:mod:`~sora_studio.ui.assets.row_plan`), rather than through a ``QSortFilterProxyModel``
whose per-row Python callbacks would cost a folder of 20,000 files a visible stall. The panel
works a change out on a pool thread and hands the model a :class:`RowPlan` (:meth:`apply`); the
synchronous setters do the same on the calling thread. A rescan of the same folder is applied as
row removals and insertions, so the selection and scroll position survive a file appearing.
What a file looks like (its preview, pixel size) is not here: the delegate asks
:class:`~sora_studio.ui.assets.asset_previews.AssetPreviews`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
)

from sora_studio.services.asset_folders import FolderFile
from sora_studio.ui.assets.row_plan import AssetFilter, AssetSort, RowPlan, RowSnapshot, plan_rows

__all__ = ["AssetFilter", "AssetModel", "AssetRoles", "AssetSort", "format_bytes"]

_Index = QModelIndex | QPersistentModelIndex
URI_LIST = "text/uri-list"


class AssetRoles(IntEnum):
    File = Qt.ItemDataRole.UserRole + 1  # the FolderFile
    Path = Qt.ItemDataRole.UserRole + 2
    Kind = Qt.ItemDataRole.UserRole + 3  # "image" / "video"
    Bytes = Qt.ItemDataRole.UserRole + 4
    Modified = Qt.ItemDataRole.UserRole + 5  # Unix seconds
    InLibrary = Qt.ItemDataRole.UserRole + 6  # bool


def format_bytes(size: int) -> str:
    """``2.1 MB``-style size for a tile."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


class AssetModel(QAbstractListModel):
    """A folder's files as rows (GUI thread). Row data is the frozen FolderFile."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = ""
        self._all: tuple[FolderFile, ...] = ()
        self._shown: list[FolderFile] = []
        self._in_library: frozenset[str] = frozenset()
        self._filter = AssetFilter()
        self._sort = AssetSort.NAME
        self._generation = 0

    # -- Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < len(self._shown):
            return None
        file = self._shown[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return file.name
        if role == Qt.ItemDataRole.ToolTipRole:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(file.mtime))
            extra = "\nAlready in the library" if file.path in self._in_library else ""
            problem = f"\n{file.error}" if file.error else ""
            return f"{file.path}\n{format_bytes(file.bytes)} · modified {when}{extra}{problem}"
        if role == AssetRoles.File:
            return file
        if role == AssetRoles.Path:
            return file.path
        if role == AssetRoles.Kind:
            return file.kind.value
        if role == AssetRoles.Bytes:
            return file.bytes
        if role == AssetRoles.Modified:
            return file.mtime
        if role == AssetRoles.InLibrary:
            return file.path in self._in_library
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        file = self._shown[index.row()] if 0 <= index.row() < len(self._shown) else None
        if file is not None and file.error is None:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags | Qt.ItemFlag.ItemNeverHasChildren

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        for role in AssetRoles:
            names[int(role)] = QByteArray(role.name[0].lower().encode() + role.name[1:].encode())
        return names

    def mimeTypes(self) -> list[str]:
        return [URI_LIST]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """File URLs of the dragged files: the builder takes a picture, the grid imports clips,
        and a file manager or editor takes either."""
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid() and i.row() < len(self._shown)})
        files = [self._shown[r] for r in rows if self._shown[r].error is None]
        mime.setUrls([QUrl.fromLocalFile(f.path) for f in files])
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    # -- contents ----------------------------------------------------------------------------

    def snapshot(self) -> RowSnapshot:
        """What the rows are now, for working a change out off the GUI thread."""
        return RowSnapshot(self._generation, self.folder, self._sort, tuple(self._shown))

    def apply(self, plan: RowPlan) -> bool:
        """Take a plan worked out from :meth:`snapshot`; False (nothing done) when the rows
        changed since, and the plan must be worked out again."""
        if plan.generation != self._generation:
            return False
        self._generation += 1
        self._all, self._filter, self._sort = plan.files, plan.flt, plan.sort
        if plan.folder != self.folder:
            self._in_library = frozenset()
        if plan.reset:
            self.beginResetModel()
            self.folder = plan.folder
            self._shown = list(plan.shown)
            self.endResetModel()
            return True
        for start, end in reversed(plan.removals):  # bottom up: earlier rows keep their place
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._shown[start : end + 1]
            self.endRemoveRows()
        for start, end in plan.insertions:  # top down: each run lands at its final row
            self.beginInsertRows(QModelIndex(), start, end)
            self._shown[start:start] = plan.shown[start : end + 1]
            self.endInsertRows()
        return True

    def set_files(self, folder: str, files: Sequence[FolderFile]) -> None:
        """Show ``files`` of ``folder`` now: a new folder resets; the same folder is merged."""
        self._replan(folder, files, self._filter, self._sort)

    def set_in_library(self, paths: frozenset[str]) -> None:
        """Mark the files whose content the library already holds."""
        changed = paths ^ self._in_library
        self._in_library = paths
        if not changed:
            return
        for row, file in enumerate(self._shown):
            if file.path in changed:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index, [int(AssetRoles.InLibrary)])

    def set_filter(self, flt: AssetFilter) -> None:
        if flt != self._filter:
            self._replan(self.folder, self._all, flt, self._sort)

    def set_sort(self, key: AssetSort) -> None:
        if key is not self._sort:
            self._replan(self.folder, self._all, self._filter, key)

    @property
    def total_count(self) -> int:
        """Files in the folder, shown or filtered out."""
        return len(self._all)

    def in_library(self, path: str) -> bool:
        return path in self._in_library

    def file_at(self, row: int) -> FolderFile:
        return self._shown[row]

    def files(self) -> list[FolderFile]:
        """The files shown, in display order."""
        return list(self._shown)

    def all_files(self) -> tuple[FolderFile, ...]:
        return self._all

    def row_of(self, path: str) -> int | None:
        for row, file in enumerate(self._shown):
            if file.path == path:
                return row
        return None

    def _replan(
        self,
        folder: str,
        files: Sequence[FolderFile],
        flt: AssetFilter,
        sort: AssetSort,
    ) -> None:
        plan = plan_rows(self.snapshot(), folder, files, flt, sort)
        self.apply(plan)
