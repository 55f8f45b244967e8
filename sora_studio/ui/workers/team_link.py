"""The desk's seam to the team library's sync thread: start it, relay what it reports, stop it.

:class:`TeamLink` is a QObject on the GUI thread. When the library is connected to a team
library it starts a :class:`~sora_studio.services.team_worker.TeamSyncWorker` (a plain Python
thread with its own connection: Qt-free, like the engine). The worker calls back on its own
thread; those callbacks only emit signals of a relay QObject that lives on the GUI thread, so
Qt delivers them there as queued calls. What the GUI hears is frozen: :class:`TeamLinkState`
on ``state_changed`` (connected, offline with N changes waiting, error; off when the library
is not connected) and the worker's :class:`~sora_studio.services.team_sync.ExchangeReport`
on ``remote_applied`` when a teammate's changes (or their clips' cached pictures) were written
here (the grid reloads them, see :mod:`sora_studio.ui.review.team_review`); ``teammates_changed``
when others' renders in flight moved (the render queue's teammates' rows read them again, see
:mod:`sora_studio.ui.queue.teammates`).

The link also owns the GUI thread's :class:`~sora_studio.services.team_view.TeamView` (local
reads: connection, outbox, each clip's verdicts). :meth:`TeamLink.push_soon` (connected to the
desk writer's ``settled``) asks the worker to push at once, so a verdict made here reaches the
other desks within a second. :meth:`TeamLink.shutdown` stops the thread with a timeout.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from sora_studio.services.team_sync import ExchangeReport, TeamStatus
from sora_studio.services.team_view import TeamView, is_unreachable
from sora_studio.services.team_worker import TeamSyncWorker

log = logging.getLogger(__name__)

OFF = "off"  # not connected to a team library: nothing shown
CONNECTING = "connecting"
CONNECTED = "connected"
OFFLINE = "offline"  # the server cannot be reached; changes wait in the outbox
ERROR = "error"  # the server answered but the sync cannot go on (e.g. a newer schema)
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class TeamLinkState:
    """What the desk shows about its team connection (frozen; crosses to the status bar)."""

    state: str
    url: str = ""
    reviewer: str = ""
    lead: bool = False
    outbox: int = 0
    last_seq: int = 0
    message: str = ""

    @property
    def text(self) -> str:
        """The status bar's words ("" when not connected)."""
        who = f"{self.reviewer} (lead)" if self.lead else self.reviewer
        waiting = f"{self.outbox} change{'' if self.outbox == 1 else 's'} waiting"
        if self.state == CONNECTED:
            return f"Team: connected as {who}"
        if self.state == CONNECTING:
            return f"Team: connecting as {who}…"
        if self.state == OFFLINE:
            return f"Team: offline, {waiting}" if self.outbox else "Team: offline"
        if self.state == ERROR:
            return f"Team: not syncing, {waiting}" if self.outbox else "Team: not syncing"
        return ""

    @property
    def shown(self) -> tuple[str, str, bool | None]:
        """What the status bar's ``set_team`` takes: text, tooltip, health."""
        return self.text, self.tooltip, self.healthy

    @property
    def healthy(self) -> bool | None:
        """True connected, False when the sync stopped on an error, None otherwise (amber)."""
        if self.state == CONNECTED:
            return True
        return False if self.state == ERROR else None

    @property
    def tooltip(self) -> str:
        """Server (never a password: the URL is kept without it), reviewer, cursor, outbox."""
        if self.state == OFF:
            return ""
        lines = [
            f"Team library: {self.url}",
            f"Reviewer: {self.reviewer}{' (lead)' if self.lead else ''}",
            f"Last sequence seen: {self.last_seq}",
            f"Changes waiting to be sent: {self.outbox}",
        ]
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)


class _Relay(QObject):
    """Lives on the GUI thread; the sync thread emits on it, so each delivery is queued."""

    exchanged = Signal(object)  # ExchangeReport
    failed = Signal(str, bool)  # message, the server is unreachable (not another problem)


class TeamLink(QObject):
    """Starts, relays and stops the team sync thread of one library (GUI thread)."""

    state_changed = Signal(object)  # TeamLinkState
    remote_applied = Signal(object)  # ExchangeReport with applied > 0 (or pictures cached)
    teammates_changed = Signal()  # others' renders in flight moved (the queue reads them)

    def __init__(
        self,
        database: Path,
        parent: QObject | None = None,
        *,
        interval_s: float = 10.0,
        listen_timeout_s: float = 0.2,
    ) -> None:
        super().__init__(parent)
        self.database = Path(database)
        self.view = TeamView.open(self.database)
        self._interval_s = interval_s
        self._listen_timeout_s = listen_timeout_s
        self._relay = _Relay(self)
        self._relay.exchanged.connect(self._on_exchanged)
        self._relay.failed.connect(self._on_failed)
        self._worker: TeamSyncWorker | None = None
        self._closed = False
        self.state = TeamLinkState(OFF)

    @property
    def running(self) -> bool:
        """True while a sync thread is started."""
        return self._worker is not None

    @property
    def closed(self) -> bool:
        return self._closed

    def status(self) -> TeamStatus:
        """The library's team state as stored here (local read)."""
        return self.view.status()

    def start(self) -> bool:
        """Start the sync thread if the library is connected; True when one runs."""
        if self._closed:
            return False
        if self._worker is not None:
            return True
        status = self.view.status()
        if not status.connected:
            self._set(self._from_status(OFF, status))
            return False
        relay = self._relay  # the worker's callbacks capture the relay only, never a widget

        def exchanged(report: ExchangeReport) -> None:
            with contextlib.suppress(RuntimeError):  # the desk is gone (a stop that timed out)
                relay.exchanged.emit(report)

        def failed(exc: BaseException) -> None:
            with contextlib.suppress(RuntimeError):
                relay.failed.emit(str(exc), is_unreachable(exc))

        self._worker = TeamSyncWorker(
            self.database,
            on_exchange=exchanged,
            on_failure=failed,
            interval_s=self._interval_s,
            listen_timeout_s=self._listen_timeout_s,
        )
        self._worker.start()
        self._set(self._from_status(CONNECTING, status))
        return True

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        """Stop the sync thread and wait; True when it has stopped (or none ran)."""
        worker, self._worker = self._worker, None
        if worker is None:
            return True
        stopped = worker.stop(timeout_s)
        if not stopped:
            log.warning("the team sync thread did not stop within %s s", timeout_s)
        return stopped

    def restart(self) -> bool:
        """The connection changed (Settings › Team): stop, then start as it now stands."""
        self.stop()
        return self.start()

    def push_soon(self) -> None:
        """Local changes were stored: push them now, and show the outbox as it stands."""
        if self._worker is not None:
            self._worker.push_soon()
        self.refresh()

    def refresh(self) -> None:
        """Read the outbox and cursor again, keeping the connection state as last reported."""
        if self._closed:
            return
        status = self.view.status()
        state = self.state.state if status.connected else OFF
        self._set(self._from_status(state, status, self.state.message))

    def shutdown(self, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        """The desk is closing: stop the thread (with a timeout) and close the view."""
        if self._closed:
            return True
        self._closed = True
        stopped = self.stop(timeout_s)
        self.view.close()
        return stopped

    # --- from the sync thread (queued) -----------------------------------------------------

    def _on_exchanged(self, report: ExchangeReport) -> None:
        if self._closed or self._worker is None:
            return  # a report from a thread already stopped
        self._set(self._from_status(CONNECTED, self.view.status()))
        if report.applied or report.previews:
            self.remote_applied.emit(report)
        if report.applied or report.parked:
            self.teammates_changed.emit()

    def _on_failed(self, message: str, unreachable: bool) -> None:
        if self._closed or self._worker is None:
            return
        state = OFFLINE if unreachable else ERROR
        self._set(self._from_status(state, self.view.status(), message))

    def _from_status(self, state: str, status: TeamStatus, message: str = "") -> TeamLinkState:
        return TeamLinkState(
            state=state if status.connected else OFF,
            url=status.url or "",
            reviewer=status.reviewer or "",
            lead=status.lead,
            outbox=status.outbox,
            last_seq=status.last_seq,
            message=message if state in (OFFLINE, ERROR) else "",
        )

    def _set(self, state: TeamLinkState) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
