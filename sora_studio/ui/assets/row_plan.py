"""Which files the Assets grid shows, in what order, and the row changes that get it there.

Pure Python, no Qt, so it runs on a pool thread: for a folder of 20,000 files, filtering,
sorting and working out which rows to remove and insert take tens of milliseconds of Python,
which on the GUI thread would be a visible stall every time a file lands in a watched folder or
a letter is typed in the name filter. :func:`plan_rows` turns a :class:`RowSnapshot` of what the
model shows into a :class:`RowPlan`; the model applies a plan only if nothing changed since the
snapshot (its ``generation``), so a late plan is never applied over a newer state.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sora_studio.services.asset_folders import AssetKind, FolderFile, name_order

DAY_S = 86_400
MAX_RUNS = 32  # more separate runs of rows changed than this, and the model resets instead

Runs = tuple[tuple[int, int], ...]  # (first, last) rows of each run


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


@dataclass(frozen=True, slots=True)
class RowSnapshot:
    """What the model shows at one moment (taken on the GUI thread, read on a pool thread)."""

    generation: int
    folder: str
    sort: AssetSort
    shown: tuple[FolderFile, ...]


@dataclass(frozen=True, slots=True)
class RowPlan:
    """A folder's files under a filter and sort, and how the rows of ``generation`` become them:
    remove ``removals`` bottom up, then insert ``insertions`` top down, or reset when ``reset``."""

    generation: int
    folder: str
    files: tuple[FolderFile, ...]
    flt: AssetFilter
    sort: AssetSort
    shown: tuple[FolderFile, ...]
    removals: Runs = ()
    insertions: Runs = ()
    reset: bool = False


def arrange(
    files: Sequence[FolderFile],
    flt: AssetFilter,
    sort: AssetSort,
    *,
    name_sorted: bool = False,
    now: float | None = None,
) -> tuple[FolderFile, ...]:
    """The files ``flt`` lets through, in ``sort`` order. ``name_sorted``: ``files`` are already
    in name order (a scan's listing), so the name sort is skipped."""
    when = time.time() if now is None else now
    shown = list(files) if flt == AssetFilter() else [f for f in files if flt.matches(f, when)]
    if sort is AssetSort.NAME:
        if not name_sorted:
            shown.sort(key=name_order)
    elif sort is AssetSort.DATE:
        shown.sort(key=lambda f: (-f.mtime_ns, f.name.casefold()))
    else:
        shown.sort(key=lambda f: (-f.bytes, f.name.casefold()))
    return tuple(shown)


def plan_rows(
    snapshot: RowSnapshot,
    folder: str,
    files: Sequence[FolderFile],
    flt: AssetFilter,
    sort: AssetSort,
    *,
    name_sorted: bool = False,
) -> RowPlan:
    """The plan that turns ``snapshot``'s rows into ``files`` of ``folder`` under ``flt`` and
    ``sort``. Rows kept keep their order only under the same sort, so another sort resets, as do
    another folder, an empty grid before or after, and changes scattered over more than
    :data:`MAX_RUNS` runs (a filter hiding every other file): each run of rows makes the view lay
    out again, so a reset is cheaper than many runs."""
    new = arrange(files, flt, sort, name_sorted=name_sorted)
    plan = RowPlan(snapshot.generation, folder, tuple(files), flt, sort, new, reset=True)
    old = snapshot.shown
    if folder != snapshot.folder or sort is not snapshot.sort or not old or not new:
        return plan
    keep = set(new)
    removals = _runs([file not in keep for file in old])
    present = {file for file in old if file in keep}
    insertions = _runs([file not in present for file in new])
    if len(removals) + len(insertions) > MAX_RUNS:
        return plan
    return RowPlan(snapshot.generation, folder, plan.files, flt, sort, new, removals, insertions)


def _runs(flags: list[bool]) -> Runs:
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
    return tuple(runs)
