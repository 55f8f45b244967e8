"""The File menu's library work (import, exports) for a background thread: part of the facade.

:class:`LibraryTasks` is one task's own connection to the library, opened, used and closed on
the pool thread that runs the task (sqlite connections belong to the thread that opened them).
An import writes its clips (or an editor's markers, as notes) there, never from the GUI thread;
an export only reads. Results are frozen values the desk shows as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sora_studio.services.exports import EXPORT_KINDS, run_export
from sora_studio.services.imports import ImportReport, import_clips
from sora_studio.services.timeline_import import MarkerImportReport, import_markers
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository

# The exports the desk offers, by the key its menu and ``sora-studio export`` use.
EXPORT_KEYS = tuple(EXPORT_KINDS)
# What the status bar says once an export is written ({n}: the report's count of its unit).
_SUMMARIES = {
    "clips": "Exported {n} approved {clips} to {target}",
    "notes-csv": "Exported {n} notes to {name}",
    "report-pdf": "Review report: {n} pages in {name}",
    "timeline": "Timeline: {n} {clips} in {name}",
    "spend": "Spend report written to {name}",
}

# done, total, the file being worked on now
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    """What an export wrote, for the status bar."""

    kind: str
    folder: Path
    summary: str


class LibraryTasks:
    """A background task's connection to the library (one pool thread; see the docstring)."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    @classmethod
    def open(cls, database: Path) -> LibraryTasks:
        return cls(Repository(open_db(Path(database))))

    def close(self) -> None:
        self._repo.close()

    def import_clips(
        self,
        library_root: Path,
        paths: Sequence[str],
        *,
        on_progress: Progress | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Import video files (or the videos in folders) as clips; see ``services.imports``."""
        return import_clips(
            self._repo, library_root, paths, on_progress=on_progress, should_cancel=should_cancel
        )

    def import_markers(self, path: Path) -> MarkerImportReport:
        """An editor's markers (``.otio``, ``.xml``, ``.edl``) as notes; see
        ``services.timeline_import``."""
        return import_markers(self._repo, path)

    def export(self, kind: str, target: Path) -> ExportOutcome:
        """Write one export (``EXPORT_KEYS``) to ``target`` (a folder for ``clips``), through
        the one dispatch the CLI uses too (``services.exports.run_export``); each kind chooses
        its own clips, as the CLI does without options."""
        report = run_export(self._repo, kind, target)
        summary = _SUMMARIES[kind].format(
            n=report.items,
            clips="clip" if report.items == 1 else "clips",
            target=target,
            name=target.name,
        )
        if report.skipped:
            summary += f" ({len(report.skipped)} clip(s) left out: {report.skipped[0].message})"
        folder = target if EXPORT_KINDS[kind].to_folder else target.parent
        return ExportOutcome(kind, folder, summary)
