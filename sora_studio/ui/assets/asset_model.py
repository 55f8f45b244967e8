"""The Assets grid's one item model: a folder's pictures and clips, filtered and sorted.

GUI thread only. :class:`AssetModel` is a flat ``QAbstractListModel`` over the frozen
:class:`~sora_studio.services.asset_folders.FolderFile` values a scan returns. It filters
(:class:`AssetFilter`: kind, name, date) and sorts (name, date, size) itself, in one Python pass
over plain tuples, rather than through a ``QSortFilterProxyModel`` whose per-row Python callbacks
would cost a folder of 20,000 files a visible stall. A rescan of the same folder is applied as
row removals and insertions, so the selection and scroll position survive a file appearing.
What a file looks like (its preview, pixel size) is not here: the delegate asks
:class:`~sora_studio.ui.assets.asset_previews.AssetPreviews`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
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

from sora_studio.services.asset_folders import AssetKind, FolderFile

_Index = QModelIndex | QPersistentModelIndex
URI_LIST = "text/uri-list"
DAY_S = 86_400
MAX_RUNS = 32  # more separate runs of rows changed than this, and the model resets instead


class AssetRoles(IntEnum):
    File = Qt.ItemDataRole.UserRole + 1  # the FolderFile
    Path = Qt.ItemDataRole.UserRole + 2
    Kind = Qt.ItemDataRole.UserRole + 3  # "image" / "video"
    Bytes = Qt.ItemDataRole.UserRole + 4
    Modified = Qt.ItemDataRole.UserRole + 5  # Unix seconds
    InLibrary = Qt.ItemDataRole.UserRole + 6  # bool


class AssetSort(StrEnum):
    NAME = "name"  # A to Z
    DATE = "date"  # newest first
    SIZE = "size"  # largest first


@dataclass(frozen=True, slots=True)
class AssetFilter:
    """What the grid shows: a kind (None: both), words in the name, modified within N days."""

    kind: AssetKind | None = None
    text: str = ""
    within_days: int | None = None

    def matches(self, file: FolderFile, now: float) -> bool:
        if self.kind is not None and file.kind is not self.kind:
            return False
        if self.text and not all(w in file.name.casefold() for w in self.text.casefold().split()):
            return False
        return self.within_days is None or file.mtime >= now - self.within_days * DAY_S


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

    def set_files(self, folder: str, files: Sequence[FolderFile]) -> None:
        """Show ``files`` of ``folder``: a new folder resets; the same folder is merged."""
        if folder != self.folder:
            self.beginResetModel()
            self.folder = folder
            self._all = tuple(files)
            self._in_library = frozenset()
            self._shown = self._visible()
            self.endResetModel()
            return
        self._all = tuple(files)
        self._merge(self._visible())

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
            self._filter = flt
            self._merge(self._visible())

    def set_sort(self, key: AssetSort) -> None:
        if key is not self._sort:
            self._sort = key
            self.beginResetModel()
            self._shown = self._visible()
            self.endResetModel()

    @property
    def filter(self) -> AssetFilter:
        return self._filter

    @property
    def sort_key(self) -> AssetSort:
        return self._sort

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

    # -- internals ---------------------------------------------------------------------------

    def _visible(self) -> list[FolderFile]:
        now = time.time()
        flt = self._filter
        shown = (
            list(self._all)
            if flt == AssetFilter()
            else [f for f in self._all if flt.matches(f, now)]
        )
        if self._sort is AssetSort.NAME:
            shown.sort(key=lambda f: (f.name.casefold(), f.path))
        elif self._sort is AssetSort.DATE:
            shown.sort(key=lambda f: (-f.mtime_ns, f.name.casefold()))
        else:
            shown.sort(key=lambda f: (-f.bytes, f.name.casefold()))
        return shown

    def _merge(self, new: list[FolderFile]) -> None:
        """Turn the rows into ``new`` with a few runs of removals then insertions (both lists
        share the sort, so the files kept are in the same order in each); scattered changes
        (a filter that hides every other file) reset instead: each run makes the view lay out
        all its rows again."""
        keep = set(new)
        removals = _runs([file not in keep for file in self._shown])
        present = {file for file in self._shown if file in keep}
        insertions = _runs([file not in present for file in new])
        if len(removals) + len(insertions) > MAX_RUNS:
            self.beginResetModel()
            self._shown = new
            self.endResetModel()
            return
        for start, end in reversed(removals):  # from the bottom up: earlier rows keep their place
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._shown[start : end + 1]
            self.endRemoveRows()
        for start, end in insertions:  # top down: each run lands at its final row
            self.beginInsertRows(QModelIndex(), start, end)
            self._shown[start:start] = new[start : end + 1]
            self.endInsertRows()


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """(first, last) indexes of each run of True in ``flags``."""
    runs: list[tuple[int, int]] = []
    start = -1
    for index, flag in enumerate(flags):
        if flag and start < 0:
            start = index
        elif not flag and start >= 0:
            runs.append((start, index - 1))
            start = -1
    if start >= 0:
        runs.append((start, len(flags) - 1))
    return runs
