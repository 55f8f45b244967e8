"""The desk's main window: builder (left dock), review area (centre), queue (bottom dock), status.

Lives on the GUI thread and talks to the engine only through the desk's one seam, an
:class:`~sora_studio.ui.workers.engine_link.EngineLink`: a render, cancel, retry, delete,
reorder or pause becomes one of its typed calls, which reach the PollWorker on its own thread as
queued calls. ``attach_worker`` listens to the worker: its ``job_updated`` and ``jobs_submitted``
are buffered (``JobUpdateBuffer``) and applied every ~50 ms as one batch to the queue model, the
review area and notifications, so a burst of updates costs the GUI thread one short pass instead
of hundreds. The review area is whatever :class:`ReviewWidget` the composition root puts in the
centre (an empty-state page until then). Panels and the seam arrive through the constructor; the
window makes none of its collaborators itself.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.models import Job, JobStatus
from sora_studio.services.orders import RenderOrder
from sora_studio.ui.icons import app_icon, make_icon
from sora_studio.ui.layout_state import LayoutState
from sora_studio.ui.notifications import Notifier
from sora_studio.ui.prompt_panel import PromptPanel
from sora_studio.ui.queue.model import RUNNING, WAITING
from sora_studio.ui.queue.updates import JobUpdateBuffer
from sora_studio.ui.queue_panel import QueuePanel
from sora_studio.ui.shortcuts_overlay import ShortcutsOverlay
from sora_studio.ui.status_bar import StudioStatusBar
from sora_studio.ui.workers.engine_link import EngineLink
from sora_studio.ui.workers.library_actions import (
    DESK_CLIP_MIME,
    EXPORT_KINDS,
    is_timeline_path,
    is_video_path,
)

if TYPE_CHECKING:
    from sora_studio.ui.workers.poll_worker import PollWorker

SPEND_REFRESH_MS = 1000
PROMPT_DOCK_WIDTH = 450
PROMPT_DOCK_MIN_WIDTH = 400
QUEUE_DOCK_HEIGHT = 280
# (cap, committed) in cents, read from the GUI thread's read-only view.
SpendSource = Callable[[], "tuple[Decimal | None, Decimal]"]


class ReviewWidget(Protocol):
    """What the window and the composition root ask of the review area in the centre."""

    def as_widget(self) -> QWidget:
        """The widget to put in the centre (the review area itself)."""
        ...

    def on_jobs_updated(self, jobs: list[Job]) -> None:
        """A batch of job changes: new clips, progress, finished renders."""
        ...

    def refresh_actions(self) -> None:
        """Settings changed the providers: re-check what each clip allows."""
        ...

    def shutdown(self) -> None:
        """The desk is closing: stop playback and background work (safe to call twice)."""
        ...


class EmptyReview(QWidget):
    """The centre of the desk until the review grid arrives: what to do first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("No clips yet — write a prompt on the left and press Render")
        title.setProperty("role", "empty-title")
        title.setWordWrap(True)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QLabel(
            "1. Describe the shot in the brief (subject, setting, camera…) or switch to Free "
            "text.\n"
            "2. Pick a model, size and length; the cost shows before you spend anything.\n"
            "3. Press Render (Ctrl+Enter). Progress appears in the queue below, and finished "
            "clips land here for review.\n\n"
            "Press ? for every keyboard shortcut."
        )
        body.setProperty("role", "empty-body")
        body.setWordWrap(True)
        body.setMaximumWidth(560)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addWidget(body, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

    # A ReviewWidget with nothing to review.

    def as_widget(self) -> QWidget:
        return self

    def on_jobs_updated(self, jobs: list[Job]) -> None:
        pass

    def refresh_actions(self) -> None:
        pass

    def shutdown(self) -> None:
        pass


class MainWindow(QMainWindow):
    """The one window of the desk."""

    # For the composition root.
    settings_requested = Signal()
    import_requested = Signal()  # File > Import MP4s…
    files_dropped = Signal(list)  # video files dropped on the window (list[str])
    markers_import_requested = Signal()  # File > Import editor's markers…
    markers_dropped = Signal(list)  # timelines (.otio/.xml/.edl) dropped on the window
    export_requested = Signal(str)  # an ExportKind key
    layout_reset = Signal()  # View > Reset layout put the builder and queue back
    closing = Signal()

    def __init__(
        self,
        prompt_panel: PromptPanel,
        queue_panel: QueuePanel,
        engine: EngineLink,
        *,
        layout_state: LayoutState | None = None,
        spend_source: SpendSource | None = None,
        notifier_factory: Callable[[QWidget], Notifier] = Notifier,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sora Studio")
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.prompt_panel = prompt_panel
        self.queue_panel = queue_panel
        self.engine = engine
        self.layout_state = layout_state
        self._spend_source = spend_source
        self._worker: PollWorker | None = None
        self.review_widget: ReviewWidget = EmptyReview()
        self.setCentralWidget(self.review_widget.as_widget())

        self.prompt_dock = QDockWidget("Prompt builder", self)
        self.prompt_dock.setObjectName("promptDock")
        self.prompt_dock.setWidget(prompt_panel)
        self.prompt_dock.setMinimumWidth(PROMPT_DOCK_MIN_WIDTH)
        # The builder runs the full height; the queue sits under the review area only.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.prompt_dock)
        self.queue_dock = QDockWidget("Render queue", self)
        self.queue_dock.setObjectName("queueDock")
        self.queue_dock.setWidget(queue_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.queue_dock)
        self.resizeDocks([self.prompt_dock], [PROMPT_DOCK_WIDTH], Qt.Orientation.Horizontal)
        self.resizeDocks([self.queue_dock], [QUEUE_DOCK_HEIGHT], Qt.Orientation.Vertical)

        self.status = StudioStatusBar(self)
        self.setStatusBar(self.status)
        self.overlay = ShortcutsOverlay(self)
        self.notifier = notifier_factory(self)

        self._spend_timer = QTimer(self)
        self._spend_timer.setSingleShot(True)
        self._spend_timer.setInterval(SPEND_REFRESH_MS)
        self._spend_timer.timeout.connect(self.refresh_spend)
        self._updates = JobUpdateBuffer(self._apply_job_updates, parent=self)

        self.actions_by_name: dict[str, QAction] = {}
        self._build_menus()
        self.setAcceptDrops(True)

        prompt_panel.render_requested.connect(self._on_render_requested)
        queue_panel.cancel_requested.connect(engine.cancel)
        queue_panel.retry_requested.connect(engine.retry)
        queue_panel.delete_requested.connect(
            lambda job_id, remote: engine.delete(job_id, remote=remote)
        )
        queue_panel.reorder_requested.connect(engine.reorder)
        queue_panel.pause_toggled.connect(self._on_pause_toggled)
        queue_panel.model.job_status_changed.connect(self._on_status_changed)
        queue_panel.model.rowsInserted.connect(self._update_in_flight)
        queue_panel.model.rowsRemoved.connect(self._update_in_flight)
        queue_panel.model.modelReset.connect(self._update_in_flight)

        if layout_state is None or not layout_state.restore(self):
            self.resize(1440, 900)
        self._update_in_flight()
        self.refresh_spend()

    # --- menus -----------------------------------------------------------------------------

    def _action(
        self,
        name: str,
        text: str,
        slot: Callable[..., Any],
        *,
        shortcut: str | None = None,
        icon: str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if icon:
            action.setIcon(make_icon(icon))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(
            self._action(
                "import",
                "Import MP4s…",
                self.import_requested.emit,
                shortcut="Ctrl+I",
                icon="folder",
                tip="Add videos from disk as clips to review (or drop them on the window)",
            )
        )
        export_menu = QMenu("Export", self)
        export_menu.setObjectName("exportMenu")
        for kind in EXPORT_KINDS:
            export_menu.addAction(
                self._action(
                    f"export_{kind.key}",
                    kind.label,
                    lambda _checked=False, key=kind.key: self.export_requested.emit(key),
                    tip=kind.tip,
                )
            )
        self.export_menu = export_menu
        file_menu.addMenu(export_menu)
        file_menu.addAction(
            self._action(
                "import_markers",
                "Import editor's markers…",
                self.markers_import_requested.emit,
                tip="Markers from an editor's timeline (.otio, .xml, .edl) as notes on the clips",
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action(
                "settings",
                "Settings…",
                self.settings_requested.emit,
                shortcut="Ctrl+,",
                icon="settings",
                tip="Providers, keys, budget, library folder and theme",
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("quit", "Quit", self.close, shortcut="Ctrl+Q", icon="quit")
        )

        render_menu = bar.addMenu("&Render")
        render_menu.addAction(self.prompt_panel.render_action)
        render_menu.addAction(
            self._action(
                "focus_prompt",
                "Focus prompt builder",
                self.focus_prompt,
                shortcut="Ctrl+L",
                tip="Jump to the brief's first field",
            )
        )
        render_menu.addSeparator()
        pause = self._action(
            "pause",
            "Pause queue",
            self.queue_panel.pause_button.toggle,
            shortcut="Ctrl+Shift+P",
            icon="pause",
            tip="Hold renders that have not been sent yet",
        )
        render_menu.addAction(pause)

        queue_menu = bar.addMenu("&Queue")
        for action in self.queue_panel.queue_actions.values():
            queue_menu.addAction(action)

        view_menu = bar.addMenu("&View")
        self.view_menu = view_menu  # the review area adds its own toggles (auto-advance)
        view_menu.addAction(self.prompt_dock.toggleViewAction())
        view_menu.addAction(self.queue_dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(
            self._action(
                "reset_layout", "Reset layout", self.reset_layout, tip="Put every panel back"
            )
        )

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(
            self._action(
                "shortcuts",
                "Keyboard shortcuts",
                self.overlay.toggle,
                shortcut="?",
                icon="keyboard",
                tip="Show every shortcut (?)",
            )
        )
        help_menu.addAction(
            self._action("about", "About Sora Studio", self.show_about, icon="help")
        )

    # --- worker wiring ---------------------------------------------------------------------

    def attach_worker(self, worker: PollWorker) -> None:
        """Listen to the PollWorker on its own thread (its signals arrive as queued calls).

        Calls to the worker go through the seam, which the composition root connects.
        """
        self._worker = worker
        worker.job_updated.connect(self.on_job_updated)
        worker.jobs_submitted.connect(self._on_jobs_submitted)
        worker.submit_failed.connect(self.on_submit_failed)
        worker.connection_changed.connect(self.on_connection_changed)
        worker.stall_detected.connect(self._on_stall)

    def set_review_widget(self, review: ReviewWidget) -> None:
        """Put ``review`` in the centre; it gets every batch of job updates from now on."""
        old = self.review_widget.as_widget()
        self.review_widget = review
        self.setCentralWidget(review.as_widget())
        old.deleteLater()

    # --- slots -----------------------------------------------------------------------------

    def on_job_updated(self, job: Job) -> None:
        """Slot for ``PollWorker.job_updated``: buffered, applied with the next batch."""
        self._updates.add(job)

    def flush_job_updates(self) -> None:
        """Apply buffered job updates now instead of at the next batch tick."""
        self._updates.flush()

    def _apply_job_updates(self, jobs: list[Job]) -> None:
        """One coalesced batch: the queue in one go, then the review area in one go."""
        self.queue_panel.model.apply_batch(jobs)
        self.review_widget.on_jobs_updated(jobs)
        self._update_in_flight()
        self._spend_timer.start()

    def on_submit_failed(self, message: str) -> None:
        self.status.showMessage(message, 15000)
        QMessageBox.warning(self, "Render not sent", message)

    def on_connection_changed(self, ok: bool, detail: str) -> None:
        provider = self.prompt_panel.environment.provider
        self.status.set_provider(provider, ok, detail)
        if not ok:
            # Renders still queue locally and go out when the provider is back.
            self.status.showMessage(f"{provider}: {detail}", 10000)

    def _on_jobs_submitted(self, jobs: list[Job]) -> None:
        # Into the same buffer as updates (derived renders show in the grid too): a burst of
        # orders becomes one insert, and a later update of the same job still wins.
        self._updates.add_many(jobs)
        if jobs:
            noun = "render" if len(jobs) == 1 else "renders"
            self.status.showMessage(f"Queued {len(jobs)} {noun}", 5000)

    def _on_stall(self, job_id: int, message: str) -> None:
        self.status.showMessage(f"Render #{job_id}: {message}", 15000)

    def _on_render_requested(self, order: RenderOrder) -> None:
        self.engine.submit(order)
        self.status.showMessage("Sending…", 3000)

    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self.engine.pause()
        else:
            self.engine.resume()
        action = self.actions_by_name["pause"]
        action.setText("Resume queue" if paused else "Pause queue")
        action.setIcon(make_icon("resume" if paused else "pause"))
        self.status.showMessage("Queue paused" if paused else "Queue resumed", 4000)

    def _on_status_changed(self, job: Job, previous: JobStatus | None) -> None:
        # The in-flight count is refreshed once per batch (``_apply_job_updates``), not here.
        self.notifier.job_changed(job, previous)

    def _update_in_flight(self, *_args: object) -> None:
        self.status.set_in_flight(self.queue_panel.model.count_in(RUNNING | WAITING))

    def refresh_spend(self) -> None:
        """Re-read cap and committed spend (a small indexed query on the read-only connection)."""
        if self._spend_source is None:
            return
        cap, committed = self._spend_source()
        self.status.set_spend(committed, cap)
        self.prompt_panel.set_budget(cap, committed)

    def detach(self) -> None:
        """Stop reading the database (the desk is shutting down; the reader is about to close)."""
        self._spend_timer.stop()
        self._spend_source = None

    def focus_prompt(self) -> None:
        self.prompt_dock.show()
        self.prompt_dock.raise_()
        first = self.prompt_panel.brief_form.fields["subject"]
        (first if first.isVisible() else self.prompt_panel.prompt_edit).setFocus()

    def reset_layout(self) -> None:
        for dock, area in (
            (self.prompt_dock, Qt.DockWidgetArea.LeftDockWidgetArea),
            (self.queue_dock, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock.setFloating(False)
            self.addDockWidget(area, dock)
            dock.show()
        self.resizeDocks([self.prompt_dock], [PROMPT_DOCK_WIDTH], Qt.Orientation.Horizontal)
        self.resizeDocks([self.queue_dock], [QUEUE_DOCK_HEIGHT], Qt.Orientation.Vertical)
        self.layout_reset.emit()  # docks added later (Assets) go back to their places too

    def show_about(self) -> None:
        from sora_studio import __version__

        QMessageBox.about(
            self,
            "About Sora Studio",
            f"<b>Sora Studio {__version__}</b><p>A review desk for AI-generated video on any "
            "/v1/videos-compatible provider. Note: OpenAI retired Sora 2 video generation on "
            "2026-09-24; use the built-in emulator or a compatible gateway.</p>",
        )

    # --- drag and drop of clips -------------------------------------------------------------

    @staticmethod
    def dropped_files(event: QDragEnterEvent | QDropEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls() or mime.hasFormat(DESK_CLIP_MIME):
            return []  # nothing to import, or a clip dragged out of the grid coming back
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]

    @classmethod
    def dropped_videos(cls, event: QDragEnterEvent | QDropEvent) -> list[str]:
        return [path for path in cls.dropped_files(event) if is_video_path(path)]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(is_video_path(p) or is_timeline_path(p) for p in self.dropped_files(event)):
            event.acceptProposedAction()
            self.status.showMessage("Drop to import videos as clips, or an editor's markers", 3000)
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        files = self.dropped_files(event)
        videos = [path for path in files if is_video_path(path)]
        timelines = [path for path in files if is_timeline_path(path)]
        if not videos and not timelines:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        if videos:
            self.files_dropped.emit(videos)
        if timelines:
            self.markers_dropped.emit(timelines)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.layout_state is not None:
            self.layout_state.save(self)
        self.closing.emit()
        super().closeEvent(event)
