"""The File menu's library work: importing MP4s and the exports, run off the GUI thread.

Lives on the GUI thread; the work itself runs through this object's own
:class:`~sora_studio.ui.background_op.BackgroundOps` (never the poll thread, so a large import
never delays status polling). Each task opens its own connection on its pool thread
(``services.library_tasks``: sqlite connections belong to the thread that opened them) and
closes it before it reports: an import writes its clips there, never on the GUI thread. Results
are frozen dataclasses; nothing Qt-visual is built off the GUI thread. Progress goes to the
status bar once a task has run ~600 ms; the outcome comes back as a clear message: what was
imported, which files were duplicates (naming the clip they duplicate) or failed and why; where
an export wrote its files, with an "Open folder" button.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from sora_studio.core.errors import UserError
from sora_studio.services.imports import VIDEO_SUFFIXES, ImportReport
from sora_studio.services.library_tasks import ExportOutcome, LibraryTasks
from sora_studio.services.timeline_import import MarkerImportReport
from sora_studio.ui.background_op import BackgroundOps, OpContext
from sora_studio.ui.status_bar import StudioStatusBar

log = logging.getLogger(__name__)

T = TypeVar("T")
SHUTDOWN_WAIT_MS = 10_000
LISTED_PROBLEMS = 8  # a message lists this many files by name, then counts the rest
VIDEO_FILTER = "Videos (" + " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES)) + ")"
TIMELINE_SUFFIXES = (".otio", ".xml", ".edl")  # services.timeline_common.ADAPTERS
TIMELINE_FILTER = (
    "Timelines (*.otio *.xml *.edl);;OpenTimelineIO (*.otio);;Final Cut Pro 7 XML (*.xml);;"
    "CMX 3600 EDL (*.edl)"
)


@dataclass(frozen=True, slots=True)
class ExportKind:
    """One entry of the Export submenu."""

    key: str
    label: str
    tip: str
    default_name: str  # "" for a folder export
    file_filter: str = ""

    @property
    def to_folder(self) -> bool:
        return not self.default_name


EXPORT_KINDS: tuple[ExportKind, ...] = (
    ExportKind(
        "clips",
        "Approved clips to a folder…",
        "Copy every approved clip with its recipe.json into a folder",
        "",
    ),
    ExportKind(
        "notes-csv", "Notes as CSV…", "Every note of every clip", "notes.csv", "CSV (*.csv)"
    ),
    ExportKind(
        "report-pdf",
        "Review report (PDF)…",
        "A page per clip: thumbnail, verdicts, notes with frames, cost",
        "review-report.pdf",
        "PDF (*.pdf)",
    ),
    ExportKind(
        "timeline",
        "Timeline for editing…",
        "Approved clips end to end with notes as markers, for Resolve, Premiere, Avid or Final "
        "Cut: OpenTimelineIO, FCP 7 XML or CMX 3600 EDL, by the extension",
        "approved.otio",
        TIMELINE_FILTER,
    ),
    ExportKind(
        "spend",
        "Spend report (text)…",
        "Total, per model, per day, rejected takes and cost per approved second",
        "spend-report.txt",
        "Text (*.txt)",
    ),
)
EXPORTS_BY_KEY = {kind.key: kind for kind in EXPORT_KINDS}
# Carried by a clip dragged out of the review grid, beside its file URL: dropped back on the
# desk it is not imported a second time.
DESK_CLIP_MIME = "application/x-sora-studio-clips"


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def is_timeline_path(path: str | Path) -> bool:
    """A file an editing application wrote, whose markers can come back as notes."""
    return Path(path).suffix.lower() in TIMELINE_SUFFIXES


def _choose_marker_file(parent: QWidget) -> str:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import editor's markers", str(Path.home()), TIMELINE_FILTER
    )
    return str(path or "")


def _choose_import_files(parent: QWidget) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(
        parent, "Import videos as clips to review", str(Path.home()), VIDEO_FILTER
    )
    return list(files)


def _choose_export_target(parent: QWidget, kind: ExportKind) -> str:
    if kind.to_folder:
        return str(QFileDialog.getExistingDirectory(parent, kind.label.rstrip("…"))) or ""
    path, chosen = QFileDialog.getSaveFileName(
        parent, kind.label.rstrip("…"), str(Path.home() / kind.default_name), kind.file_filter
    )
    path = str(path or "")
    if path and not Path(path).suffix and "(*." in chosen:  # the filter chosen names the kind
        path += chosen.split("(*", 1)[1].split()[0].rstrip(")")
    return path


def import_message(report: ImportReport) -> tuple[str, str]:
    """(headline, details) for an import: what came in, duplicates and failures by name."""
    count = len(report.imported)
    headline = f"Imported {count} clip{'s' if count != 1 else ''}"
    extra = []
    if report.duplicates:
        extra.append(f"{len(report.duplicates)} already in the library")
    if report.failures:
        extra.append(f"{len(report.failures)} could not be imported")
    if extra:
        headline += "; " + ", ".join(extra)
    lines: list[str] = []
    for title, problems in (
        ("Already in the library (skipped):", report.duplicates),
        ("Not imported:", report.failures),
    ):
        if not problems:
            continue
        lines.append(title)
        for problem in problems[:LISTED_PROBLEMS]:
            name = Path(problem.source).name
            if problem.duplicate_of is not None:
                lines.append(f"  • {name}: same file as clip #{problem.duplicate_of}")
            else:
                lines.append(f"  • {name}: {problem.message}")
        if len(problems) > LISTED_PROBLEMS:
            lines.append(f"  • …and {len(problems) - LISTED_PROBLEMS} more")
    if report.failures:
        lines.append(
            "\nOnly video files that decode can be imported (MP4, MOV, M4V, MKV, WebM, AVI). "
            "Check the files above play in a media player, then import them again."
        )
    return headline, "\n".join(lines)


def markers_message(report: MarkerImportReport) -> str:
    """The details of a marker import: the markers on unknown clips and those refused, by name."""
    lines: list[str] = []
    for title, strays in (
        ("On clips the library does not know (not imported):", report.unknown),
        ("Could not be added:", report.refused),
    ):
        if not strays:
            continue
        lines.append(title)
        for stray in strays[:LISTED_PROBLEMS]:
            where = stray.clip or "no clip"
            text = f" “{stray.text}”" if stray.text else ""
            reason = f" ({stray.reason})" if strays is report.refused else ""
            lines.append(f"  • {where} at {stray.at}:{text}{reason}")
        if len(strays) > LISTED_PROBLEMS:
            lines.append(f"  • …and {len(strays) - LISTED_PROBLEMS} more")
    if report.unknown:
        lines.append(
            "\nClips are recognised by the id a .otio export carries or by their file name "
            "(clip-0012.mp4); export the timeline from the desk to keep those."
        )
    return "\n".join(lines)


class LibraryUnavailable(Exception):
    """The library could not be opened for a background task."""


def run_with_tasks(open_tasks: Callable[[], LibraryTasks], work: Callable[[LibraryTasks], T]) -> T:
    """``work`` with a connection of its own, opened and closed here (on the pool thread)."""
    try:
        tasks = open_tasks()
    except Exception as exc:
        raise LibraryUnavailable(f"Could not open the library: {exc}") from exc
    try:
        return work(tasks)
    finally:
        tasks.close()


def failure_message(error: BaseException) -> str:
    """What went wrong in a library task and what to do, for the status bar and a warning."""
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, OSError):
        return (
            f"{error.strerror or error} ({error.filename or 'file'}). Check that the folder "
            "exists, is writable and has free space, then try again."
        )
    # A bug must not vanish silently: the traceback goes to the log.
    log.error("background library task failed", exc_info=error)
    if isinstance(error, LibraryUnavailable):
        return str(error)
    return f"Something went wrong: {error}. The details are in the log."


class LibraryActions(QObject):
    """Import and export for the desk (GUI thread; the work on this object's BackgroundOps)."""

    clips_imported = Signal(list)  # ids of the new clips
    import_finished = Signal(object)  # ImportReport
    export_finished = Signal(object)  # ExportOutcome
    markers_imported = Signal(object)  # MarkerImportReport
    task_failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(
        self,
        open_tasks: Callable[[], LibraryTasks],
        library_root: Path,
        status: StudioStatusBar,
        parent_widget: QWidget,
        *,
        choose_import_files: Callable[[QWidget], list[str]] = _choose_import_files,
        choose_export_target: Callable[[QWidget, ExportKind], str] = _choose_export_target,
        choose_marker_file: Callable[[QWidget], str] = _choose_marker_file,
    ) -> None:
        super().__init__(parent_widget)
        self._factory = open_tasks
        self.library_root = Path(library_root)
        self._status = status
        self._parent = parent_widget
        self._choose_import_files = choose_import_files
        self._choose_export_target = choose_export_target
        self._choose_marker_file = choose_marker_file
        self._ops = BackgroundOps(self, max_threads=2)

    @property
    def busy(self) -> bool:
        return self._ops.busy()

    # --- import ---------------------------------------------------------------------------

    def ask_import(self) -> bool:
        """File > Import MP4s…: choose files, then import them in the background."""
        files = self._choose_import_files(self._parent)
        return self.import_paths(files) if files else False

    def import_paths(self, paths: Sequence[str]) -> bool:
        """Import ``paths`` (files or folders) in the background; False if none were given."""
        paths = [str(p) for p in paths if str(p)]
        if not paths:
            return False
        root = self.library_root

        def work(tasks: LibraryTasks, context: OpContext) -> ImportReport:
            def progress(done: int, total: int, path: str) -> None:
                context.progress(done, total, f"Importing {done + 1} of {total}: {Path(path).name}")

            return tasks.import_clips(
                root, paths, on_progress=progress, should_cancel=context.cancelled
            )

        return self._start(work, self._on_imported, f"Importing {len(paths)} item(s)…")

    def _on_imported(self, report: ImportReport) -> None:
        headline, details = import_message(report)
        self._status.show_result(headline)
        if report.imported:
            self.clips_imported.emit([clip.job_id for clip in report.imported])
        if report.failures:
            QMessageBox.warning(self._parent, "Import", f"{headline}.\n\n{details}")
        elif report.duplicates:
            QMessageBox.information(self._parent, "Import", f"{headline}.\n\n{details}")
        self.import_finished.emit(report)

    # --- an editor's markers ---------------------------------------------------------------

    def ask_import_markers(self) -> bool:
        """File > Import editor's markers…: choose a timeline, then import it in the background."""
        path = self._choose_marker_file(self._parent)
        return self.import_markers(path) if path else False

    def import_markers(self, path: str | Path) -> bool:
        """Add the markers of the timeline ``path`` as notes, in the background."""
        source = Path(path).expanduser()

        def work(tasks: LibraryTasks, _context: OpContext) -> MarkerImportReport:
            return tasks.import_markers(source)

        return self._start(work, self._on_markers, f"Importing markers from {source.name}…")

    def import_marker_files(self, paths: Sequence[str]) -> bool:
        """Timelines dropped on the window: each file's markers, one import after another."""
        started = [self.import_markers(p) for p in paths if is_timeline_path(p)]
        return any(started)

    def _on_markers(self, report: MarkerImportReport) -> None:
        self._status.show_result(report.headline)
        details = markers_message(report)
        text = f"{report.headline}.\n\n{details}" if details else f"{report.headline}."
        if report.refused:
            QMessageBox.warning(self._parent, "Editor's markers", text)
        else:
            QMessageBox.information(self._parent, "Editor's markers", text)
        self.markers_imported.emit(report)

    # --- export ---------------------------------------------------------------------------

    def ask_export(self, key: str) -> bool:
        """Export > …: choose where, then write it in the background."""
        kind = EXPORTS_BY_KEY[key]
        target = self._choose_export_target(self._parent, kind)
        return self.export_to(key, target) if target else False

    def export_to(self, key: str, target: str | Path) -> bool:
        kind = EXPORTS_BY_KEY[key]
        path = Path(target).expanduser()

        def work(tasks: LibraryTasks, _context: OpContext) -> ExportOutcome:
            return tasks.export(key, path)

        return self._start(work, self._on_exported, f"Exporting {kind.label.rstrip('…').lower()}…")

    def _on_exported(self, outcome: ExportOutcome) -> None:
        self._status.show_result(outcome.summary, outcome.folder)
        self.export_finished.emit(outcome)

    # --- tasks ----------------------------------------------------------------------------

    def _start(
        self,
        work: Callable[[LibraryTasks, OpContext], T],
        on_done: Callable[[T], None],
        progress_text: str,
    ) -> bool:
        """Run ``work`` with its own connection off the GUI thread; False once shut down."""
        if self._ops.closed:
            return False
        open_tasks = self._factory  # the work captures the factory, never this QObject

        def run(context: OpContext) -> T:
            return run_with_tasks(open_tasks, lambda tasks: work(tasks, context))

        def done(result: T) -> None:
            on_done(result)
            self._settled()

        was_busy = self.busy
        self._ops.submit(
            run,
            done,
            on_error=self._on_failed,
            on_progress=self._show_progress,
            progress_text=progress_text,
            owner=self,
        )
        if not was_busy:
            self.busy_changed.emit(True)
        return True

    def _show_progress(self, done: int, total: int, text: str) -> None:
        self._status.show_progress(text, done, total)

    def _settled(self) -> None:
        if not self.busy:
            self.busy_changed.emit(False)

    def _on_failed(self, error: BaseException) -> None:
        message = failure_message(error)
        self._status.clear_progress()
        self._status.showMessage(message, 15_000)
        QMessageBox.warning(self._parent, "Library", message)
        self.task_failed.emit(message)
        self._settled()

    def shutdown(self) -> bool:
        """Start nothing new, let an import stop after its current file, and wait."""
        return self._ops.shutdown(SHUTDOWN_WAIT_MS)
