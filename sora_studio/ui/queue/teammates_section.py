"""The render queue's "Teammates' renders" section: other desks' renders in flight, read-only.

Shown under the queue's own table while the library is connected to a team library and a
teammate has a render in flight. Each row names its owner ("Ana's desk"), its status and
progress as last pulled, and when its owner was last heard from. Cancel and Retry are there but
off, their tooltip saying whose desk owns the render; Adopt is on only when the owner has been
silent for the library's ``team_adopt_after_s`` (the server checks again), and runs
:func:`~sora_studio.services.team_desk_jobs.adopt` on a pool thread.

Reads go through :class:`~sora_studio.services.team_desk_jobs.TeammateJobs` (its own read-only
connection, this thread's); the rows are read again when the sync thread reports that others'
renders moved (``TeamLink.teammates_changed``) and every few seconds (silences grow). GUI thread
only; :meth:`TeammatesSection.shutdown` closes the connection and waits for an adoption.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStatusBar,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.services.team_desk_jobs import TeammateJob, TeammateJobs, adopt
from sora_studio.ui.background_op import BackgroundOps, OpContext, describe_error
from sora_studio.ui.icons import make_icon
from sora_studio.ui.queue.teammates import (
    TeamColumn,
    TeammateBarDelegate,
    TeammatesModel,
    duration_text,
    silence_text,
)
from sora_studio.ui.queue_panel import QueuePanel
from sora_studio.ui.workers.team_link import TeamLink

REFRESH_MS = 5_000  # silences grow: "last heard" and Adopt follow without a teammate's event
_WIDTHS = {TeamColumn.OWNER: 110, TeamColumn.PROMPT: 220, TeamColumn.MODEL: 82}
_STATUS_WIDTH = 150
_OP = "adopt"


class TeammatesSection(QWidget):
    """Teammates' renders in flight, with Cancel/Retry off and Adopt when allowed."""

    message = Signal(str)  # what an adoption did, for the status bar
    adopted = Signal(int)  # the local job id of a render taken over

    def __init__(
        self,
        database: Path,
        parent: QWidget | None = None,
        *,
        jobs: TeammateJobs | None = None,
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self.database = Path(database)
        self.jobs = jobs if jobs is not None else TeammateJobs.open(self.database)
        self._closed = False
        self._ops = BackgroundOps(self, max_threads=1)
        self.model = TeammatesModel(self)
        self.title = QLabel()
        self.title.setProperty("role", "hint")
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(34)
        self.view.setItemDelegateForColumn(TeamColumn.STATUS, TeammateBarDelegate(self.view))
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in _WIDTHS.items():
            self.view.setColumnWidth(column, width)
        self.view.setColumnWidth(TeamColumn.STATUS, _STATUS_WIDTH)
        self.view.setMaximumHeight(136)  # header and three rows: the queue keeps its room

        self.cancel_button = self._button("Cancel", "cancel")
        self.retry_button = self._button("Retry", "retry")
        self.adopt_button = self._button("Adopt", "character")
        self.adopt_button.clicked.connect(self.adopt_selected)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        bar.addWidget(self.title, 1)
        for button in (self.cancel_button, self.retry_button, self.adopt_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view)

        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        self.model.dataChanged.connect(self._update_actions)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        if refresh_ms > 0:
            self._timer.start()
        self.refresh()

    @staticmethod
    def _button(text: str, icon: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setIcon(make_icon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setEnabled(False)
        return button

    def follow(self, link: TeamLink) -> None:
        """Read the rows again whenever the link reports teammates' renders moved."""
        link.teammates_changed.connect(self.refresh)
        link.state_changed.connect(lambda _state: self.refresh())

    # --- state -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read teammates' renders in flight again (local read)."""
        if self._closed:
            return
        rows = self.jobs.in_flight()
        self.model.set_rows(rows)
        count = len(rows)
        self.title.setText(f"Teammates' renders in flight: {count}")
        self.setVisible(count > 0)

    def selected(self) -> TeammateJob | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_row(self, row: int) -> None:
        self.view.selectRow(row)

    def _update_actions(self, *_args: object) -> None:
        job = self.selected()
        for button, verb in ((self.cancel_button, "cancel"), (self.retry_button, "retry")):
            button.setEnabled(False)  # never here: the owner's desk polls the render
            button.setToolTip(
                f"{job.owner_name} owns this render: only it can {verb} it"
                if job is not None
                else f"Select a teammate's render; only its owner's desk can {verb} it"
            )
        busy = self._ops.busy(_OP)
        self.adopt_button.setEnabled(job is not None and job.adoptable and not busy)
        if job is None:
            tip = "Take over a teammate's render whose desk has been silent"
        elif job.adoptable:
            tip = (
                f"{job.owner_name} has been silent for {duration_text(job.silent_s)}: take this "
                f"render over with your own key for {job.provider}"
            )
        else:
            tip = (
                f"{job.owner_name} owns this render and was last heard from "
                f"{silence_text(job.silent_s)}; it can be adopted once it falls silent"
            )
        self.adopt_button.setToolTip(tip)

    # --- adopting ---------------------------------------------------------------------------

    def adopt_selected(self) -> bool:
        """Adopt the selected render (pool thread); False when it may not be adopted now."""
        job = self.selected()
        if job is None or not job.adoptable or self._closed:
            return False
        database, clip_id = self.database, job.clip_id

        def work(_context: OpContext) -> int:
            return adopt(database, clip_id)

        self.adopt_button.setEnabled(False)
        self._ops.submit(work, self._on_adopted, on_error=self._on_adopt_failed, key=_OP)
        return True

    def _on_adopted(self, job_id: int) -> None:
        self.message.emit("Adopted the render: this desk polls and downloads it now")
        self.adopted.emit(job_id)
        self.refresh()

    def _on_adopt_failed(self, error: BaseException) -> None:
        self.message.emit(f"Could not adopt the render: {describe_error(error)}")
        self.refresh()

    def shutdown(self) -> None:
        """Stop the timer, wait for an adoption under way, close the read connection."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._ops.shutdown()
        self.jobs.close()


def attach_teammates(panel: QueuePanel, link: TeamLink, status: QStatusBar) -> TeammatesSection:
    """The desk's wiring: a section under ``panel``'s table following ``link``, its messages on
    ``status``. The caller calls :meth:`TeammatesSection.shutdown` before the link's."""
    section = TeammatesSection(link.database)
    section.follow(link)
    section.message.connect(lambda text: status.showMessage(text, 8000))
    panel.add_teammates(section)
    return section
