"""The render queue panel: a filterable table of jobs with their actions.

GUI thread only. It never talks to the engine directly: actions become signals (``cancel_requested``
and friends) that the main window forwards to the PollWorker as queued calls. Open-folder and
copy-id are local and happen here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.core.models import Job, JobStatus
from sora_studio.services.library import job_folder
from sora_studio.ui.icons import make_icon
from sora_studio.ui.queue.actions import DeleteChoice, QueueAction, allowed_actions, ask_delete
from sora_studio.ui.queue.column_fit import ColumnFit
from sora_studio.ui.queue.delegate import StatusBarDelegate
from sora_studio.ui.queue.filter_proxy import FILTERS, QueueFilterProxy
from sora_studio.ui.queue.model import JOB_ROLE, THUMB_SIZE, Column, QueueModel

_ACTION_SPECS: tuple[tuple[QueueAction, str, str, str | None, str], ...] = (
    (QueueAction.CANCEL, "Cancel", "cancel", None, "Stop this render (waiting ones are dropped)"),
    (QueueAction.RETRY, "Retry", "retry", None, "Render the same request again as a new job"),
    (
        QueueAction.DELETE,
        "Delete…",
        "delete",
        "Delete",
        "Delete the files and the entry (asks first)",
    ),
    (QueueAction.OPEN_FOLDER, "Open folder", "folder", None, "Show the files in the file manager"),
    (QueueAction.COPY_ID, "Copy job id", "copy", "Ctrl+Shift+C", "Copy the provider's video id"),
    (QueueAction.MOVE_UP, "Move up", "up", "Alt+Up", "Send this waiting job sooner"),
    (QueueAction.MOVE_DOWN, "Move down", "down", "Alt+Down", "Send this waiting job later"),
)


ROW_HEIGHT = 42
COLUMN_WIDTHS = {
    Column.PREVIEW: 72,
    Column.PROMPT: 190,
    Column.MODEL: 82,
    Column.SIZE: 78,
    Column.SECONDS: 34,
    Column.STATUS: 132,
    Column.ELAPSED: 58,
    Column.EXPECTED: 64,
    Column.ESTIMATE: 70,
    Column.COST: 80,
}


class QueuePanel(QWidget):
    """Table of renders with filter, search, pause and per-job actions."""

    cancel_requested = Signal(int)
    retry_requested = Signal(int)
    delete_requested = Signal(int, bool)  # job id, also delete at the provider
    reorder_requested = Signal(int, int)  # job id, new index in the local queue (0 = next)
    pause_toggled = Signal(bool)  # True = paused
    job_activated = Signal(object)  # Job double-clicked

    def __init__(
        self,
        model: QueueModel,
        library_root: Path,
        parent: QWidget | None = None,
        *,
        confirm_delete: Callable[[QWidget | None, Job], DeleteChoice | None] = ask_delete,
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.library_root = Path(library_root)
        self.confirm_delete = confirm_delete
        self._open_url = open_url
        self.proxy = QueueFilterProxy(self)
        self.proxy.setSourceModel(model)

        self.filter_combo = QComboBox()
        for key, label in FILTERS:
            self.filter_combo.addItem(label, key)
        self.filter_combo.setToolTip("Show only some renders")
        self.filter_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts, ids…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_search_text)
        self.pause_button = QToolButton()
        self.pause_button.setCheckable(True)
        self.pause_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self._sync_pause_button(False)
        self.summary = QLabel()
        self.summary.setProperty("role", "hint")

        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 6, 0)
        top.addWidget(self.filter_combo)
        top.addWidget(self.search, 1)
        top.addWidget(self.summary)
        top.addWidget(self.pause_button)

        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.view.setIconSize(THUMB_SIZE)
        self.view.setItemDelegateForColumn(Column.STATUS, StatusBarDelegate(self.view))
        header = self.view.horizontalHeader()
        # The header reads its labels from a C++ model of its own instead of through the proxy
        # from ``QueueModel.headerData``: every header repaint asks each section for about six
        # roles, and each such call into Python waits for the GIL while renders run. The
        # columns are fixed, so nothing else about the header depends on the table's model.
        self.header_model = QStandardItemModel(0, len(Column), self)
        for column in Column:
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.headerData(column, Qt.Orientation.Horizontal, role)
                if value is not None:
                    self.header_model.setHeaderData(column, Qt.Orientation.Horizontal, value, role)
        header.setModel(self.header_model)
        header.setStretchLastSection(True)  # the problem text takes whatever width is left
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(30)
        header.setDefaultSectionSize(80)
        for column, width in COLUMN_WIDTHS.items():
            self.view.setColumnWidth(column, width)
        self.column_fit = ColumnFit(self.view, COLUMN_WIDTHS)  # narrow: fewer columns, no scroll
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_menu)
        self.view.doubleClicked.connect(self._on_double_clicked)

        self.empty = QLabel(
            "No renders yet.\nWrite a prompt in the builder and press Render; "
            "progress shows up here."
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setProperty("role", "hint")
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self.queue_actions: dict[QueueAction, QAction] = {}
        for key, text, icon, shortcut, tip in _ACTION_SPECS:
            action = QAction(make_icon(icon), text, self)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, k=key: self.trigger(k))
            self.view.addAction(action)
            self.queue_actions[key] = action

        selection = self.view.selectionModel()
        selection.selectionChanged.connect(self._update_actions)
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self._update_empty)
        self.model.dataChanged.connect(self._on_source_changed)
        # The summary counts statuses, so only status changes and added/removed rows touch it,
        # and a batch of them recomputes it once (a zero-time timer runs after the batch).
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(0)
        self._summary_timer.timeout.connect(self._update_summary)
        for changed in (
            self.model.job_status_changed,
            self.model.rowsRemoved,
            self.model.modelReset,
        ):
            changed.connect(self._schedule_summary)
        self._update_empty()
        self._update_actions()

    # --- state -----------------------------------------------------------------------------

    def selected_job(self) -> Job | None:
        indexes = self.view.selectionModel().selectedRows()
        if not indexes:
            return None
        job = indexes[0].data(JOB_ROLE)
        return job if isinstance(job, Job) else None

    def select_job(self, job_id: int) -> bool:
        row = self.model.row_of(job_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.view.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)
        return True

    def add_teammates(self, section: QWidget) -> None:
        """Show teammates' renders in flight (a team library's read-only rows) under the
        queue's own table, with a splitter between them so either can be given the room (see
        :mod:`sora_studio.ui.queue.teammates_section`)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        layout.removeWidget(self.stack)
        splitter.addWidget(self.stack)
        splitter.addWidget(section)
        splitter.setStretchFactor(0, 1)  # the queue's own rows take what the window gains
        splitter.setStretchFactor(1, 0)
        layout.addWidget(splitter, 1)

    def set_paused(self, paused: bool) -> None:
        """Reflect the engine's pause state without emitting ``pause_toggled``."""
        blocked = self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.blockSignals(blocked)
        self._sync_pause_button(paused)

    @property
    def paused(self) -> bool:
        return self.pause_button.isChecked()

    # --- actions ---------------------------------------------------------------------------

    def trigger(self, action: QueueAction, job: Job | None = None) -> bool:
        """Run ``action`` on ``job`` (default: the selected one); False when it does not apply."""
        job = job or self.selected_job()
        if job is None or action not in allowed_actions(job):
            return False
        if action is QueueAction.CANCEL:
            self.cancel_requested.emit(job.id)
        elif action is QueueAction.RETRY:
            self.retry_requested.emit(job.id)
        elif action is QueueAction.DELETE:
            choice = self.confirm_delete(self, job)
            if choice is None:
                return False
            self.delete_requested.emit(job.id, choice.remote)
        elif action is QueueAction.OPEN_FOLDER:
            folder = job_folder(self.library_root, job)
            return bool(self._open_url(QUrl.fromLocalFile(str(folder))))
        elif action is QueueAction.COPY_ID:
            QGuiApplication.clipboard().setText(job.remote_id or str(job.id))
        elif action in (QueueAction.MOVE_UP, QueueAction.MOVE_DOWN):
            return self._move(job, -1 if action is QueueAction.MOVE_UP else 1)
        return True

    def _move(self, job: Job, delta: int) -> bool:
        waiting = sorted(
            (j for j in self.model.jobs() if j.status is JobStatus.QUEUED_LOCAL),
            key=lambda j: (j.queue_position, j.id),
        )
        ids = [j.id for j in waiting]
        if job.id not in ids:
            return False
        target = ids.index(job.id) + delta
        if not 0 <= target < len(ids):
            return False
        self.reorder_requested.emit(job.id, target)
        return True

    def _show_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        self.view.selectRow(index.row())
        menu = self.build_menu()
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def build_menu(self) -> QMenu:
        """The context menu for the selected job (enabled items only make sense)."""
        menu = QMenu(self)
        for group in (
            (QueueAction.CANCEL, QueueAction.RETRY),
            (QueueAction.MOVE_UP, QueueAction.MOVE_DOWN),
            (QueueAction.OPEN_FOLDER, QueueAction.COPY_ID),
            (QueueAction.DELETE,),
        ):
            if not menu.isEmpty():
                menu.addSeparator()
            for key in group:
                menu.addAction(self.queue_actions[key])
        return menu

    def _on_double_clicked(self, index: QModelIndex) -> None:
        job = index.data(JOB_ROLE)
        if isinstance(job, Job):
            self.job_activated.emit(job)

    def _on_filter_changed(self, _index: int) -> None:
        self.proxy.set_filter_key(str(self.filter_combo.currentData()))
        self._update_empty()

    def _on_pause_toggled(self, paused: bool) -> None:
        self._sync_pause_button(paused)
        self.pause_toggled.emit(paused)

    def _sync_pause_button(self, paused: bool) -> None:
        self.pause_button.setText("Resume queue" if paused else "Pause queue")
        self.pause_button.setIcon(make_icon("resume" if paused else "pause"))
        self.pause_button.setToolTip(
            "Waiting renders are held; running ones continue. Click to send them again."
            if paused
            else "Hold renders that have not been sent yet (Ctrl+Shift+P)"
        )

    def _on_source_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, *_: object
    ) -> None:
        # Only the selected row decides which actions are enabled: skip the others' updates.
        selected = self.view.selectionModel().selectedRows()
        if selected:
            row = self.proxy.mapToSource(selected[0]).row()
            if top_left.row() <= row <= bottom_right.row():
                self._update_actions()

    def _update_actions(self, *_args: object) -> None:
        allowed = allowed_actions(self.selected_job())
        for key, action in self.queue_actions.items():
            action.setEnabled(key in allowed)

    def _schedule_summary(self, *_args: object) -> None:
        self._summary_timer.start()

    def _update_summary(self) -> None:
        jobs = self.model.jobs()
        running = sum(1 for j in jobs if not j.status.is_terminal)
        failed = sum(1 for j in jobs if j.status is JobStatus.FAILED)
        blocked = sum(1 for j in jobs if j.status is JobStatus.BLOCKED)
        parts = [f"{running} active"] if running else []
        if failed:
            parts.append(f"{failed} failed")
        if blocked:
            parts.append(f"{blocked} blocked")
        text = " · ".join(parts)
        if text != self.summary.text():
            self.summary.setText(text)

    def _update_empty(self, *_args: object) -> None:
        if self.model.rowCount() == 0:
            self.empty.setText(
                "No renders yet.\nWrite a prompt in the builder and press Render; "
                "progress shows up here."
            )
            self.stack.setCurrentWidget(self.empty)
        elif self.proxy.rowCount() == 0:
            self.empty.setText("No renders match this filter.")
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.view)
        self._schedule_summary()
