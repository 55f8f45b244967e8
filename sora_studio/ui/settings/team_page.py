"""Settings › Team: connect the library to a team library on PostgreSQL, or leave it.

GUI thread. The page reads the connection from the desk's
:class:`~sora_studio.ui.workers.team_link.TeamLink` (local reads) and never talks to the server
itself: Connect and Disconnect run :func:`~sora_studio.services.team_view.connect_database` /
:func:`~sora_studio.services.team_view.disconnect_database` on a pool thread through the
dialog's :class:`~sora_studio.ui.background_op.BackgroundOps` (a busy bar after 600 ms, the
error in words when it fails), then restart the link's sync thread. They take effect at once,
not on Save. A password typed in the URL goes to the OS key store, never a file; the URL is
kept without it. The media folder is the team's media share as mounted on this desk (finished
renders and imports are copied there). Below, while connected, the team's members and its
spend cap (:mod:`.team_roster`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sora_studio.services.review import default_reviewer
from sora_studio.services.team_view import TeamStatus, connect_database, disconnect_database
from sora_studio.ui.background_op import BackgroundOps, OpContext, describe_error
from sora_studio.ui.settings.team_roster import TeamRosterBox
from sora_studio.ui.workers.team_link import TeamLink, TeamLinkState

_OP = "team-connection"
URL_HINT = "postgresql://USER@HOST:5432/DATABASE"


class TeamPage(QWidget):
    """Connect, disconnect and the connection's state (GUI thread; see the module docstring)."""

    def __init__(
        self, link: TeamLink, background: BackgroundOps, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.link = link
        self._ops = background
        self._pending = False  # a connect or disconnect is running
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText(URL_HINT)
        self.reviewer_edit = QLineEdit()
        self.reviewer_edit.setPlaceholderText(default_reviewer())
        self.lead_box = QCheckBox("Lead: my verdicts settle disputes")
        self.media_edit = QLineEdit()
        self.media_edit.setPlaceholderText("The team's media share as mounted here (optional)")
        self.media_button = QPushButton("Browse…")
        self.media_button.clicked.connect(self._browse_media)
        self.connect_button = QPushButton("Connect")
        self.connect_button.clicked.connect(self.connect_library)
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.clicked.connect(self.disconnect_library)
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.problem = QLabel()
        self.problem.setProperty("role", "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.roster = TeamRosterBox(link.database, background, self)
        hint = QLabel(
            "Reviewers on several machines share one library on PostgreSQL. This desk keeps "
            "working from its own copy, offline too; changes travel when the server is back. "
            "A password in the URL goes to the system's key store, never to a file (or set "
            "PGPASSWORD). Leave the name empty to use your login name."
        )
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.disconnect_button)
        buttons.addStretch(1)
        form = QFormLayout()
        form.addRow("Team library", self.url_edit)
        form.addRow("Your name", self.reviewer_edit)
        form.addRow("", self.lead_box)
        media_row = QHBoxLayout()
        media_row.addWidget(self.media_edit, 1)
        media_row.addWidget(self.media_button)
        form.addRow("Media folder", media_row)
        form.addRow("", buttons)
        form.addRow("Status", self.state_label)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.problem)
        layout.addWidget(self.roster, 1)
        link.state_changed.connect(self._show_state)
        self._fill(link.status())

    # --- actions ----------------------------------------------------------------------------

    def connect_library(self) -> None:
        """Connect with what the fields say (off the GUI thread), then start the sync."""
        url = self.url_edit.text().strip()
        if not url:
            self._fail(f"Type the team library's address, e.g. {URL_HINT}.")
            return
        database, reviewer, lead = self.link.database, self.reviewer_edit.text(), self.lead_box
        on_lead = lead.isChecked()
        folder = self.media_edit.text().strip() or None

        def work(_context: OpContext) -> TeamStatus:
            return connect_database(database, url, reviewer, on_lead, media_folder=folder)

        self._run(work, f"Connecting to {url.split('@')[-1]}…")

    def disconnect_library(self) -> None:
        """Leave the team library (the sync stops first); the library keeps what it holds."""
        self.link.stop()
        database = self.link.database

        def work(_context: OpContext) -> TeamStatus:
            return disconnect_database(database)

        self._run(work, "Disconnecting…")

    def _run(self, work: Callable[[OpContext], TeamStatus], text: str) -> None:
        self._pending = True
        self.problem.hide()
        self._set_busy(True, text)
        self._ops.submit(
            work,
            self._on_done,
            on_error=self._on_error,
            key=_OP,
            on_progress=lambda *_progress: self.busy.show(),
            progress_text=text,
        )

    def hideEvent(self, event: QHideEvent) -> None:
        """The dialog closed while connecting: its result was dropped, so the link looks at
        the library again (the connection may have been made)."""
        super().hideEvent(event)
        if self._pending:
            self._pending = False
            self.link.restart()

    def _on_done(self, status: TeamStatus) -> None:
        self._pending = False
        self._set_busy(False)
        self.link.restart()
        self._fill(status)

    def _on_error(self, error: BaseException) -> None:
        self._pending = False
        self._set_busy(False)
        self.link.restart()  # a failed connect leaves the library as it was
        self._fail(describe_error(error))
        self._fill(self.link.status())

    # --- showing ----------------------------------------------------------------------------

    def _browse_media(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Team media folder", self.media_edit.text())
        if chosen:
            self.media_edit.setText(chosen)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        for widget in (self.connect_button, self.disconnect_button, self.url_edit):
            widget.setEnabled(not busy)
        if busy:
            self.state_label.setText(text)
        else:
            self.busy.hide()

    def _fail(self, message: str) -> None:
        self.problem.setText(message[:1].upper() + message[1:])
        self.problem.show()

    def _fill(self, status: TeamStatus) -> None:
        connected = status.connected
        if connected:
            self.url_edit.setText(status.url or "")
            self.reviewer_edit.setText(status.reviewer or "")
            self.lead_box.setChecked(status.lead)
            self.media_edit.setText(status.media_root or "")
        editable = (self.url_edit, self.reviewer_edit, self.lead_box, self.media_edit)
        for widget in (*editable, self.media_button, self.connect_button):
            widget.setEnabled(not connected)
        self.disconnect_button.setEnabled(connected)
        self.roster.set_connected(connected)
        self._show_state(self.link.state if connected else None, status)

    def _show_state(self, state: TeamLinkState | None, status: TeamStatus | None = None) -> None:
        if state is not None and state.text:
            text = state.text.removeprefix("Team: ")
            self.state_label.setText(f"{text[:1].upper()}{text[1:]}.\n{state.tooltip}")
            return
        if status is not None and status.connected:
            self.state_label.setText(f"Connected to {status.url} as {status.reviewer}.")
            return
        waiting = status.outbox if status is not None else 0
        note = f" {waiting} change(s) wait to be sent when you connect again." if waiting else ""
        self.state_label.setText(f"Not connected: this library is yours alone.{note}")

    @property
    def database(self) -> Path:
        return self.link.database
