"""The desk's one writer: what a person changes at the desk is written here, off the GUI thread.

Verdicts and their undo, notes, templates, recent briefs and Settings leave the GUI thread as
frozen commands (:mod:`sora_studio.services.desk_writes`) and are applied, in the order sent, by
a :class:`_WriterWorker` living on its own QThread ("desk-writer") with its own connection. A
command's frozen result (or the reason it was refused) comes back through a queued signal and
:class:`DeskWriter` hands it to the callback given with the command, on the GUI thread.

Commands sent while the GUI thread handles one event (a key press) go to the writer together,
once that event is done: the writer thread's Python work then never competes for the GIL with
the key press that caused it, and a burst of keys wakes the writer once. So the
GUI thread never writes the library and never waits on its write lock: the engine's commits,
a checkpoint or a busy import delay the writer thread instead, and the widgets (which apply a
change at once and reconcile when the result arrives) never notice.

Threads: :class:`DeskWriter` lives on the GUI thread; the worker is built there, moved to the
writer thread, and opens its connection in ``start`` (on that thread). ``shutdown`` stops the
worker after every command already sent has been applied, then ends the thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from sora_studio.core.errors import UserError
from sora_studio.services.desk_writes import DeskWrites, WriteCommand

log = logging.getLogger(__name__)

R = TypeVar("R")

SHUTDOWN_WAIT_MS = 10_000


class _WriterWorker(QObject):
    """Applies commands on the writer thread (everything after ``moveToThread`` runs there)."""

    applied = Signal(int, object)  # ticket, the command's result
    refused = Signal(int, str)  # ticket, why (a sentence for the status bar)

    @Slot(list)
    def run_batch(self, batch: list[tuple[int, WriteCommand[Any]]]) -> None:
        """Apply each (ticket, command) in order; one answer per command."""
        for ticket, command in batch:
            self.run(ticket, command)

    def __init__(self, open_writes: Callable[[], DeskWrites]) -> None:
        super().__init__()
        self._open = open_writes
        self._writes: DeskWrites | None = None
        self._broken = ""

    @Slot()
    def start(self) -> None:
        try:
            self._writes = self._open()
        except (UserError, OSError) as exc:  # every command says so, rather than vanishing
            self._broken = f"The library cannot be written: {exc}"
            log.error("%s", self._broken)

    def run(self, ticket: int, command: WriteCommand[Any]) -> None:
        writes = self._writes
        if writes is None:
            self.refused.emit(ticket, self._broken or "The library is closed.")
            return
        try:
            result = command.apply(writes)
        except UserError as exc:
            self.refused.emit(ticket, str(exc))
            return
        except Exception as exc:  # a bug must reach the person, not kill the writer thread
            log.exception("could not apply %r", command)
            self.refused.emit(ticket, f"Could not save that: {exc}. The details are in the log.")
            return
        self.applied.emit(ticket, result)

    @Slot()
    def stop(self) -> None:
        if self._writes is not None:
            self._writes.close()
            self._writes = None


@dataclass(frozen=True, slots=True)
class _Waiting:
    on_done: Callable[[Any], None] | None
    on_refused: Callable[[str], None] | None


class DeskWriter(QObject):
    """Sends write commands to the writer thread and hands back their results (GUI thread)."""

    refused = Signal(str)  # a command without its own refusal handler was refused
    settled = Signal()  # every command sent so far has been applied (or refused)
    _send = Signal(list)  # [(ticket, command)]: queued to the worker's thread

    def __init__(
        self,
        open_writes: Callable[[], DeskWrites],
        parent: QObject | None = None,
        *,
        start: bool = True,
    ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("desk-writer")
        self._worker = _WriterWorker(open_writes)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.start)
        self._send.connect(self._worker.run_batch)
        self._worker.applied.connect(self._on_applied)
        self._worker.refused.connect(self._on_refused)
        self._waiting: dict[int, _Waiting] = {}
        self._outbox: list[tuple[int, WriteCommand[Any]]] = []
        # Fires when the event loop next turns, i.e. once the current event is handled.
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)
        self._ticket = 0
        self._closed = False
        if start:
            self.start()

    @classmethod
    def for_database(
        cls, database: Path, parent: QObject | None = None, *, start: bool = True
    ) -> DeskWriter:
        """A writer with its own connection to the library at ``database``."""
        path = Path(database)
        return cls(lambda: DeskWrites.open(path), parent, start=start)

    def start(self) -> None:
        """Start the writer thread. Commands sent before wait for it (owners that build more
        after the writer start it last, so a failed build never leaves the thread running)."""
        if not self._closed and not self._thread.isRunning():
            self._thread.start()

    @property
    def pending(self) -> int:
        """Commands sent whose result has not arrived yet."""
        return len(self._waiting)

    def send(
        self,
        command: WriteCommand[R],
        on_done: Callable[[R], None] | None = None,
        on_refused: Callable[[str], None] | None = None,
    ) -> int:
        """Queue ``command``; ``on_done(result)`` or ``on_refused(why)`` follow on this thread.

        Returns the command's ticket (increasing: a later ticket was sent later).
        """
        if self._closed:
            # Answered like any other refusal: later, on this thread, never inside send().
            refuse = on_refused or self.refused.emit
            QTimer.singleShot(0, self, lambda: refuse("The library is closed."))
            return -1
        self._ticket += 1
        self._waiting[self._ticket] = _Waiting(on_done, on_refused)
        self._outbox.append((self._ticket, command))
        if not self._flush_timer.isActive():
            self._flush_timer.start()
        return self._ticket

    def _flush(self) -> None:
        """Hand the commands sent since the last flush to the writer thread, in order."""
        if self._outbox:
            batch, self._outbox = self._outbox, []
            self._send.emit(batch)

    @Slot(int, object)
    def _on_applied(self, ticket: int, result: object) -> None:
        waiting = self._waiting.pop(ticket, None)
        try:
            if waiting is not None and waiting.on_done is not None:
                waiting.on_done(result)
        finally:  # a failing callback must not leave ``settled`` unsaid
            self._maybe_settled()

    @Slot(int, str)
    def _on_refused(self, ticket: int, why: str) -> None:
        waiting = self._waiting.pop(ticket, None)
        try:
            if waiting is not None and waiting.on_refused is not None:
                waiting.on_refused(why)
            else:
                self.refused.emit(why)
        finally:
            self._maybe_settled()

    def _maybe_settled(self) -> None:
        if not self._waiting:
            self.settled.emit()

    def shutdown(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Apply what was sent, close the connection and end the thread (safe to call twice).

        The stop is queued behind every command already sent, so nothing a person did is lost;
        results still on their way back are dropped (the widgets are going away).
        """
        if self._closed:
            return True
        self._closed = True
        self._flush_timer.stop()
        if not self._thread.isRunning():  # never started: nothing was written
            self._waiting.clear()
            self._outbox.clear()
            return True
        self._flush()
        QMetaObject.invokeMethod(self._worker, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        self._thread.quit()
        done = bool(self._thread.wait(timeout_ms))
        self._waiting.clear()
        return done
