"""The composition root of the desk: the one place where the pieces are made and connected.

``run_desk(args)`` (called by ``cli.py`` when no sub-command is given) resolves the library's
folders, opens the GUI thread's read-only view of the database and the desk's writer, builds the
panels and the main window and shows it at once. Only then, off the GUI thread, does it start
what is slow: the built-in emulator when no provider is configured (``builtin_emulator``), and
the job engine (whose import pulls in the ``openai`` SDK). When those are up, a PollWorker on its
own QThread drives the engine and the desk's one seam to it (``EngineLink``) is connected; Submit
is enabled when the worker reports ``ready`` (engine built, provider clients warm). Everything is
passed through constructors; nothing is global. The desk's long-lived objects are frozen out of
the garbage collector's full passes (``gc.freeze``) once built, because a full pass over them
stops every thread, the GUI's included.

Threads and the library: the GUI thread owns the windows and a ``query_only`` ``LibraryView``;
it never writes. What a person changes at the desk (verdicts, notes, templates, settings) goes as
frozen commands to the desk's writer thread (``DeskWriter``, one connection), renders are written
by the engine on the poll thread (its own connection), and an import writes its clips from a pool
thread. None of them is the GUI thread, so the GUI never waits on the write lock. A short-lived
Python thread starts the emulator and warms the engine's imports; the emulator serves from its
own thread.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication

from sora_studio.builtin_emulator import RunningEmulator, start_builtin_emulator
from sora_studio.core.catalog import Catalog
from sora_studio.paths import AppPaths, resolve_paths
from sora_studio.services.desk_writes import SaveSettings
from sora_studio.services.imports import sweep_import_staging
from sora_studio.services.library_tasks import LibraryTasks
from sora_studio.services.library_view import LibraryView
from sora_studio.services.moderation import ProviderModerator
from sora_studio.services.provider_settings import (
    EMULATOR_PROFILE,
    ProfileBook,
    ProviderProfile,
    default_profile_name,
    profile_named,
)
from sora_studio.services.setting_keys import library_root, theme_mode
from sora_studio.ui.assets.assets_dock import attach_assets
from sora_studio.ui.dialogs.operation_flow import OperationFlow
from sora_studio.ui.interpreter_tuning import freeze_startup_objects, prefer_gui_thread
from sora_studio.ui.layout_state import LayoutState
from sora_studio.ui.main_window import MainWindow
from sora_studio.ui.prompt_panel import BuilderEnvironment, PromptPanel
from sora_studio.ui.queue.model import THUMBNAIL_BUDGET_BYTES, QueueModel
from sora_studio.ui.queue.teammates_section import attach_teammates
from sora_studio.ui.queue_panel import QueuePanel
from sora_studio.ui.theme import ThemeController
from sora_studio.ui.thumbnail_cache import ThumbnailCache
from sora_studio.ui.workers.brief_store import WrittenBriefStore
from sora_studio.ui.workers.desk_writer import DeskWriter
from sora_studio.ui.workers.engine_link import EngineLink
from sora_studio.ui.workers.library_actions import LibraryActions
from sora_studio.ui.workers.team_link import TeamLink

if TYPE_CHECKING:
    from sora_studio.emulator.faults import EmulatorSettings
    from sora_studio.services.engine import JobEngine
    from sora_studio.ui.review.review_panel import ReviewPanel
    from sora_studio.ui.workers.poll_worker import PollWorker

log = logging.getLogger(__name__)

DESKTOP_FILE_NAME = "app.sorastudio.SoraStudio"  # resources/app.sorastudio.SoraStudio.desktop
# The packaging smoke test sets this to "1": the desk quits (exit 0) once its window is shown.
EXIT_AFTER_SHOWN_ENV = "SORA_STUDIO_EXIT_AFTER_SHOWN"

QUEUE_ROWS_LOADED = 2000  # the most recent jobs shown at start; older ones live in the grid
SHUTDOWN_WAIT_MS = 10_000
NO_GUI_THREAD_POOL_ENV = "QT_NO_GUI_THREADPOOL"  # see build_desk
SIGNAL_POLL_MS = 250
STARTING = "The render engine is still starting; try again in a moment."


@dataclass
class DeskOptions:
    """Knobs for tests and benchmarks; the defaults are what a person running the desk gets."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    emulator_settings: EmulatorSettings | None = None  # e.g. min_job_seconds
    poll_interval_s: float | None = None  # the engine's base poll interval (None: its default)
    start_engine: bool = True
    # Run the built-in emulator in a child process instead of in this one. Its renders then
    # never compete with the GUI thread for Python's GIL (see bench_gui_stall.py).
    emulator_process: bool = False
    # Profile fields patched by profile name (e.g. a benchmark's concurrency limit).
    provider_overrides: dict[str, dict[str, object]] = field(default_factory=dict)
    remember_layout: bool = True


class _Starter(QObject):
    """Hands the background start-up's outcome to the GUI thread (queued signals)."""

    ready = Signal(str)  # emulator base URL ("" when a remote provider is used)
    failed = Signal(str)


class Desk(QObject):
    """Everything the desk is made of. Built on the GUI thread by :func:`build_desk`."""

    engine_attached = Signal(object)  # the PollWorker, once the engine runs

    def __init__(self, app: QApplication, paths: AppPaths, options: DeskOptions) -> None:
        super().__init__()
        self.app = app
        self.paths = paths.ensure()
        self.options = options
        # Opened first: it brings the schema up to date, then refuses every write.
        self.reader = LibraryView.open(paths.database)
        # Started last in this constructor: a failed build never leaves its thread running.
        self.writer = DeskWriter.for_database(paths.database, parent=self, start=False)
        self.engine = EngineLink(self)
        self.theme = ThemeController(app, theme_mode(self.reader))
        self.library_root = library_root(self.reader, paths.library)
        # Before any import can start: a staging folder now can only be a killed import's.
        # (The engine sweeps its own ``.part`` files when it starts.)
        removed = sweep_import_staging(self.library_root)
        if removed:
            log.info("removed %d unfinished import folder(s)", removed)
        self.provider_name = default_profile_name(self.reader, options.env)
        profile = profile_named(self.reader, options.env, self.provider_name)
        # Parented to the desk so Qt, not Python's garbage collector (which may run on any
        # thread), decides when they die: see shutdown().
        self.thumbnails = ThumbnailCache(self, pixmap_budget_bytes=THUMBNAIL_BUDGET_BYTES)
        self.queue_model = QueueModel(self.thumbnails, library_root=self.library_root, parent=self)
        self.queue_model.set_jobs(
            self.reader.list_jobs(limit=QUEUE_ROWS_LOADED, order="created_at DESC")
        )
        self.prompt_panel = PromptPanel(
            self._environment(profile), WrittenBriefStore(self.reader, self.writer)
        )
        self.queue_panel = QueuePanel(self.queue_model, self.library_root)
        self.queue_panel.set_paused(self.reader.queue_paused())
        self.window = MainWindow(
            self.prompt_panel,
            self.queue_panel,
            self.engine,
            layout_state=LayoutState(paths.data) if options.remember_layout else None,
            spend_source=self.reader.spend,
        )
        self.window.settings_requested.connect(self.open_settings)
        self.writer.refused.connect(lambda why: self.window.status.showMessage(why, 10000))
        self.team = TeamLink(paths.database, self)  # the team library's sync (issue 13)
        self.team.state_changed.connect(lambda s: self.window.status.set_team(*s.shown))
        self.writer.settled.connect(self.team.push_soon)  # a verdict or note goes out at once
        self.teammates = attach_teammates(self.queue_panel, self.team, self.window.status)
        self.teammates.adopted.connect(lambda job_id: self._on_clips_imported([job_id]))
        # Each clip's provider profile, read on the GUI thread without the SDK: what the clip
        # actions and the operation flow refuse (a provider without remix, a model without...).
        self.profiles = ProfileBook(self.reader, options.env, lambda: self.emulator_url or None)
        self.operations = OperationFlow(
            self.engine,
            self.reader,
            self._catalog_for,
            self.window,
            profile_for=self.profiles.profile,
        )
        self.operations.message.connect(lambda text: self.window.status.showMessage(text, 6000))
        self.library = LibraryActions(
            self.open_library_tasks, self.library_root, self.window.status, self.window
        )
        self.window.import_requested.connect(self.library.ask_import)
        self.window.files_dropped.connect(self.library.import_paths)
        self.window.export_requested.connect(self.library.ask_export)
        self.window.markers_import_requested.connect(self.library.ask_import_markers)
        self.window.markers_dropped.connect(self.library.import_marker_files)
        self.library.markers_imported.connect(
            lambda report: self._on_clips_imported(sorted({n.job_id for n in report.added}))
        )
        self.library.clips_imported.connect(self._on_clips_imported)
        self.assets = attach_assets(
            self.window,
            self.reader,
            self.writer,
            self.library,
            self.thumbnails,
            library_root=self.library_root,
            database=paths.database,
        )
        self.emulator: RunningEmulator | None = None
        self.emulator_url = ""
        self.moderator: ProviderModerator | None = None
        self.poll_thread: QThread | None = None
        self.worker: PollWorker | None = None
        self._starter = _Starter()
        self._starter.ready.connect(self._start_engine)
        self._starter.failed.connect(self._start_failed)
        self._start_thread: threading.Thread | None = None
        self.prompt_panel.set_engine_ready(False, "Starting the render engine…")
        self.window.status.set_provider(self.provider_name, None, "starting")
        self.writer.start()

    # --- reading for the GUI ---------------------------------------------------------------

    def _environment(self, profile: ProviderProfile) -> BuilderEnvironment:
        return BuilderEnvironment(
            provider=profile.name,
            catalog=profile.catalog(),
            long_durations=profile.long_durations_enabled,
            references_dir=self.paths.data / "references",
            characters=tuple(self.reader.list_characters(profile.name)),
            retired=profile.retired,
            capabilities=profile.capabilities,
        )

    def open_library_tasks(self) -> LibraryTasks:
        """A new connection for one import or export (called on the pool thread that runs it)."""
        return LibraryTasks.open(self.paths.database)

    def _catalog_for(self, provider: str) -> Catalog:
        """The catalog a clip's provider sells from (the shipped one for imported clips)."""
        return self.profiles.catalog(provider)

    def _on_clips_imported(self, job_ids: list[int]) -> None:
        jobs = [job for job in map(self.reader.get_job, job_ids) if job is not None]
        if jobs:
            self.window.review_widget.on_jobs_updated(jobs)

    def spend(self) -> tuple[Decimal | None, Decimal]:
        """Budget cap and committed spend, from the GUI's read-only view."""
        return self.reader.spend()

    def reload_settings(self) -> None:
        """Apply changed settings: theme, provider choices, budget."""
        self.theme.set_mode(theme_mode(self.reader))
        self.profiles.clear()
        self.window.review_widget.refresh_actions()
        self.provider_name = default_profile_name(self.reader, self.options.env)
        profile = profile_named(
            self.reader, self.options.env, self.provider_name, self.emulator_url or None
        )
        self.prompt_panel.set_environment(self._environment(profile))
        if self.worker is not None:
            self._install_moderator()
        self.window.refresh_spend()

    def open_settings(self) -> None:
        from sora_studio.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.reader,
            env=self.options.env,
            library_default=self.paths.library,
            save=self.save_settings,
            emulator_base_url=self.emulator_url or None,
            team=self.team,
            parent=self.window,
        )
        dialog.exec()

    def save_settings(self, changes: SaveSettings) -> None:
        """Settings' Save: stored by the writer; once stored, the desk and the engine re-read."""
        self.writer.send(changes, on_done=lambda _none: self._settings_saved())

    def _settings_saved(self) -> None:
        self.reload_settings()
        self.engine.providers_changed()  # the engine drops its clients and re-reads profiles

    # --- start-up off the GUI thread -------------------------------------------------------

    def start(self) -> None:
        """Start the emulator (if it is the provider) and warm the engine, off the GUI thread."""
        self.team.start()  # a library connected to a team library syncs from now on
        if not self.options.start_engine or self._start_thread is not None:
            return
        # The window is built: its objects live as long as the desk (see _engine_ready).
        gc.freeze()
        use_emulator = self.provider_name == EMULATOR_PROFILE
        self._start_thread = threading.Thread(
            target=self._background_start, args=(use_emulator,), name="desk-start", daemon=True
        )
        self._start_thread.start()

    def _background_start(self, use_emulator: bool) -> None:
        try:
            # Imported here so the openai SDK and the media stack load off the GUI thread.
            import sora_studio.ui.workers.poll_worker  # noqa: F401

            url = ""
            if use_emulator:
                self.emulator, url = start_builtin_emulator(
                    self.paths.emulator_data,
                    self.options.emulator_settings,
                    child_process=self.options.emulator_process,
                )
        except Exception as exc:  # reported in the window; the desk stays usable for review
            log.exception("start-up failed")
            self._starter.failed.emit(f"The render engine could not start: {exc}")
            return
        self._starter.ready.emit(url)

    def _engine_factory(self) -> JobEngine:
        """Builds the engine on the poll thread (its connection must belong to that thread)."""
        from sora_studio.core.lifecycle import PollPolicy
        from sora_studio.services.engine import JobEngine
        from sora_studio.services.providers import ProviderRegistry
        from sora_studio.storage.db import open_db
        from sora_studio.storage.repository import Repository

        repo = Repository(open_db(self.paths.database))
        registry = ProviderRegistry(
            repo,
            env=self.options.env,
            emulator_base_url=self.emulator_url or None,
            overrides=self.options.provider_overrides or None,
        )
        policy = None
        if self.options.poll_interval_s is not None:
            interval = self.options.poll_interval_s
            policy = PollPolicy(base_interval_s=interval, min_interval_s=min(0.05, interval))
        return JobEngine(repo, registry, self.library_root, policy=policy)

    def _start_engine(self, emulator_url: str) -> None:
        from sora_studio.ui.workers.poll_worker import start_poll_thread

        self.emulator_url = emulator_url
        self.poll_thread, self.worker = start_poll_thread(
            self._engine_factory, before_start=self._wire_worker
        )

    def _wire_worker(self, worker: PollWorker) -> None:
        """Connect the window to the worker before its thread starts (so no signal is missed)."""
        self.worker = worker
        self.engine.connect_worker(worker)
        self.window.attach_worker(worker)
        worker.action_failed.connect(lambda message: self.window.status.showMessage(message, 10000))
        worker.ready.connect(self._engine_ready)
        worker.start_failed.connect(self._start_failed)

    def _engine_ready(self) -> None:
        """The engine runs and its provider's clients are built: let people submit."""
        # Everything loaded so far (widgets, the SDK, the media stack) lives as long as the
        # desk: keep it out of the collector's full passes, which otherwise walk it all and
        # pause every thread (a 50-100 ms stutter) every few seconds of a busy queue.
        gc.freeze()
        self._install_moderator()
        self.prompt_panel.set_engine_ready(True)
        self.window.status.set_provider(self.provider_name, True, self.emulator_url or "configured")
        self.engine_attached.emit(self.worker)

    def on_review_action(self, kind: str, job_id: int) -> None:
        """A clip action from the review grid: its dialog, then the engine (when it runs)."""
        if not self.engine.connected:
            self.window.status.showMessage(STARTING, 6000)
            return
        self.operations.on_action(kind, job_id)

    def on_note_action(self, kind: str, job_id: int, text: str, note_id: int) -> None:
        """A note turned into an edit, extension or remix (its dialog pre-filled with the note)."""
        if not self.engine.connected:
            self.window.status.showMessage(STARTING, 6000)
            return
        self.operations.on_note_action(kind, job_id, text, note_id)

    def _install_moderator(self) -> None:
        """Check prompts with the active provider's moderation endpoint (off the GUI thread)."""
        if self.moderator is not None:
            self.moderator.close()
        profile = profile_named(
            self.reader, self.options.env, self.provider_name, self.emulator_url or None
        )
        self.moderator = ProviderModerator(profile, self.options.env)
        self.prompt_panel.moderator = self.moderator

    def _start_failed(self, message: str) -> None:
        self.window.status.set_provider(self.provider_name, False, message)
        self.window.status.showMessage(message)
        self.prompt_panel.set_engine_ready(False, message)

    # --- shutdown --------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the poll thread, the emulator and background work, store what a person did,
        then close the view."""
        self.window.detach()
        self.library.shutdown()
        self.teammates.shutdown()
        self.team.shutdown()
        if self._start_thread is not None:
            self._start_thread.join(15)
            self._start_thread = None
        if self.poll_thread is not None and self.worker is not None:
            from sora_studio.ui.workers.poll_worker import stop_poll_thread

            if not stop_poll_thread(self.poll_thread, self.worker, SHUTDOWN_WAIT_MS):
                log.warning("the poll thread did not stop within %s ms", SHUTDOWN_WAIT_MS)
            self.poll_thread = None
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        self.window.review_widget.shutdown()
        self.assets.shutdown()
        self.prompt_panel.shutdown()
        if self.moderator is not None:
            self.moderator.close()
            self.moderator = None
        self.thumbnails.shutdown()
        # Last of the writers: verdicts, notes or a template sent a moment ago are stored now.
        if not self.writer.shutdown(SHUTDOWN_WAIT_MS):
            log.warning("the desk's writer did not stop within %s ms", SHUTDOWN_WAIT_MS)
        self.reader.close()
        # What start() froze may go now (a test process builds many desks).
        gc.unfreeze()
        # Destroy the widgets and timers on the GUI thread now. Left to Python's cyclic garbage
        # collector they could be destroyed on a worker thread, which Qt does not survive.
        self.window.close()
        self.window.deleteLater()
        self.deleteLater()


def build_desk(app: QApplication, paths: AppPaths, options: DeskOptions | None = None) -> Desk:
    """Make every piece of the desk (nothing started yet; call ``start()`` after showing)."""
    prefer_gui_thread()  # see ui/interpreter_tuning.py
    # Qt's raster engine hands large fills and scaled pictures to a pool of threads and blocks
    # the GUI thread until all are drawn; with renders and downloads busy, those threads wait for
    # a core and the GUI thread for them (~100 ms in bench_gui_stall). Drawn on the GUI thread
    # alone, a full repaint of the review area also takes half as long. Read at the first paint.
    os.environ.setdefault(NO_GUI_THREAD_POOL_ENV, "1")
    return Desk(app, paths, options or DeskOptions())


def attach_review(desk: Desk) -> ReviewPanel | None:
    """Put the review grid in the centre (writing through the desk's writer); None, with the
    empty state kept, if it cannot be built."""
    try:
        from sora_studio.ui.review.review_panel import ReviewPanel
        from sora_studio.ui.review.team_review import TeamReview
    except ImportError:
        log.exception("the review grid is unavailable; keeping the empty centre")
        return None
    panel = ReviewPanel(desk.paths.database, desk.library_root, desk.window, writer=desk.writer)
    desk.window.set_review_widget(panel)
    panel.status_message.connect(lambda text: desk.window.status.showMessage(text, 8000))
    panel.action_requested.connect(desk.on_review_action)
    panel.set_profiles(desk.profiles)
    panel.actions_bar.refused.connect(panel.status_message)
    panel.note_action_requested.connect(desk.on_note_action)
    TeamReview(panel, desk.team)  # reviewers' names, disputes, teammates' changes (parented)
    # Culling (issue 16): the auto-advance toggle in the View menu, the session in the status bar.
    desk.window.view_menu.addAction(panel.culling.auto_advance_action)
    panel.culling.summary_changed.connect(desk.window.status.set_session)
    return panel


def run_desk(args: argparse.Namespace) -> int:
    """Open the desk; returns the exit status when the window closes."""
    instance = QApplication.instance()
    app = instance if isinstance(instance, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Sora Studio")
    app.setOrganizationName("sora-studio")
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    data_dir: Path | None = vars(args).get("data_dir")
    desk = build_desk(app, resolve_paths(data_dir))
    attach_review(desk)
    freeze_startup_objects()  # no 50 ms full collections over what lives as long as the desk
    desk.window.show()
    if os.environ.get(EXIT_AFTER_SHOWN_ENV) == "1":
        # One turn of the event loop paints the window (and loads the media backend), then
        # quit; the engine is not started, so nothing is left to wind down.
        QTimer.singleShot(0, app.quit)
    else:
        desk.start()
    _quit_on_signals(app)
    try:
        return int(app.exec())
    finally:
        desk.shutdown()


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C or SIGTERM closes the desk cleanly (engine stopped, files never half-written).

    Python runs signal handlers only between bytecodes, and the Qt event loop is C++; a small
    idle timer hands control back to Python often enough for the handler to run promptly.
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: app.quit())
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(SIGNAL_POLL_MS)
