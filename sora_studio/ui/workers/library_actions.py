"""The File menu's library work: importing MP4s and the exports, run off the GUI thread.

Lives on the GUI thread; the work itself runs as :class:`~.library_worker.LibraryTask` on this
object's own QThreadPool (never the poll thread, so a large import never delays status polling),
each task with its own connection (``services.library_tasks``): an import writes its clips
there, never on the GUI thread. Progress goes to the status bar; the outcome comes back
as a clear message: what was imported, which files were duplicates (naming the clip they
duplicate) or failed and why; where an export wrote its files, with an "Open folder" button.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from sora_studio.services.imports import VIDEO_SUFFIXES, ImportReport
from sora_studio.services.library_tasks import ExportOutcome, LibraryTasks
from sora_studio.ui.status_bar import StudioStatusBar
from sora_studio.ui.workers.library_worker import LibraryTask, Progress, TaskSignals

SHUTDOWN_WAIT_MS = 10_000
LISTED_PROBLEMS = 8  # a message lists this many files by name, then counts the rest
VIDEO_FILTER = "Videos (" + " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES)) + ")"


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
        "edl",
        "EDL markers…",
        "Approved clips end to end with notes as locators (CMX3600)",
        "approved.edl",
        "EDL (*.edl)",
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


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def _choose_import_files(parent: QWidget) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(
        parent, "Import videos as clips to review", str(Path.home()), VIDEO_FILTER
    )
    return list(files)


def _choose_export_target(parent: QWidget, kind: ExportKind) -> str:
    if kind.to_folder:
        return str(QFileDialog.getExistingDirectory(parent, kind.label.rstrip("…"))) or ""
    path, _ = QFileDialog.getSaveFileName(
        parent, kind.label.rstrip("…"), str(Path.home() / kind.default_name), kind.file_filter
    )
    return str(path or "")


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


@dataclass(frozen=True, slots=True)
class _Running:
    task: LibraryTask  # held so Python keeps it (and its signals object) alive until it reports
    on_progress: Callable[[int, int, str], None] | None
    on_done: Callable[[Any], None]


class LibraryActions(QObject):
    """Import and export for the desk (GUI thread; the work on this object's pool)."""

    clips_imported = Signal(list)  # ids of the new clips
    import_finished = Signal(object)  # ImportReport
    export_finished = Signal(object)  # ExportOutcome
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
    ) -> None:
        super().__init__(parent_widget)
        self._factory = open_tasks
        self.library_root = Path(library_root)
        self._status = status
        self._parent = parent_widget
        self._choose_import_files = choose_import_files
        self._choose_export_target = choose_export_target
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._tasks: dict[TaskSignals, _Running] = {}
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

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
        cancel = self._cancel

        def work(tasks: LibraryTasks, progress: Progress) -> ImportReport:
            return tasks.import_clips(
                root, paths, on_progress=progress, should_cancel=cancel.is_set
            )

        self._status.show_progress(f"Importing {len(paths)} item(s)…", 0, 0)
        task = self._start(work, self._on_import_progress, self._on_imported)
        return task is not None

    def _on_import_progress(self, done: int, total: int, path: str) -> None:
        self._status.show_progress(
            f"Importing {done + 1} of {total}: {Path(path).name}", done, total
        )

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

    # --- export ---------------------------------------------------------------------------

    def ask_export(self, key: str) -> bool:
        """Export > …: choose where, then write it in the background."""
        kind = EXPORTS_BY_KEY[key]
        target = self._choose_export_target(self._parent, kind)
        return self.export_to(key, target) if target else False

    def export_to(self, key: str, target: str | Path) -> bool:
        kind = EXPORTS_BY_KEY[key]
        path = Path(target).expanduser()

        def work(tasks: LibraryTasks, _progress: Progress) -> ExportOutcome:
            return tasks.export(key, path)

        self._status.show_progress(f"Exporting {kind.label.rstrip('…').lower()}…", 0, 0)
        return self._start(work, None, self._on_exported) is not None

    def _on_exported(self, outcome: ExportOutcome) -> None:
        self._status.show_result(outcome.summary, outcome.folder)
        self.export_finished.emit(outcome)

    # --- tasks ----------------------------------------------------------------------------

    def _start(
        self,
        work: Callable[[LibraryTasks, Progress], object],
        on_progress: Callable[[int, int, str], None] | None,
        on_done: Callable[[Any], None],
    ) -> LibraryTask | None:
        if self._cancel.is_set():
            return None
        task = LibraryTask(self._factory, work)
        task.setAutoDelete(False)  # kept in self._tasks until it reports, then dropped
        signals = task.signals
        # Bound methods of this QObject: Qt drops the connections if this object goes first.
        if on_progress is not None:
            signals.progress.connect(self._on_progress)
        signals.finished.connect(self._on_finished)
        signals.failed.connect(self._on_failed)
        was_busy = self.busy
        self._tasks[signals] = _Running(task, on_progress, on_done)
        if not was_busy:
            self.busy_changed.emit(True)
        self.pool.start(task)
        return task

    def _take(self) -> _Running | None:
        """The running task whose signals object sent the current signal, now forgotten."""
        sender = self.sender()
        running = self._tasks.pop(sender, None) if isinstance(sender, TaskSignals) else None
        if running is not None and not self._tasks:
            self.busy_changed.emit(False)
        return running

    def _on_progress(self, done: int, total: int, what: str) -> None:
        sender = self.sender()
        running = self._tasks.get(sender) if isinstance(sender, TaskSignals) else None
        if running is not None and running.on_progress is not None:
            running.on_progress(done, total, what)

    def _on_finished(self, result: object) -> None:
        running = self._take()
        if running is not None:
            running.on_done(result)

    def _on_failed(self, message: str) -> None:
        self._take()
        self._status.clear_progress()
        self._status.showMessage(message, 15_000)
        QMessageBox.warning(self._parent, "Library", message)
        self.task_failed.emit(message)

    def shutdown(self) -> bool:
        """Stop starting work, let an import stop after its current file, and wait."""
        self._cancel.set()
        done = bool(self.pool.waitForDone(SHUTDOWN_WAIT_MS))
        self._tasks.clear()
        return done
