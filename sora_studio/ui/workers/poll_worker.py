"""The job engine's home in the desk: a QObject living on its own QThread, driven by a QTimer.

Thread: everything in :class:`PollWorker` after ``moveToThread`` runs on the poll thread. The
engine is *built* there too (``start`` calls the factory), so its database connection, the only
writer, belongs to that thread. The timer is created in ``start`` (a QTimer belongs to the thread
that makes it) and fires one bounded ``poll_once`` per tick; between ticks the thread's event
loop delivers queued slot calls (submit, cancel, stop...), so they are felt within about a second.
There is no sleeping loop anywhere. Before the first tick, ``start`` builds the default
provider's SDK clients and only then emits ``ready``: the desk enables Submit on ``ready``, so
the GIL-heavy first client build never competes with someone's work on the GUI thread.

Calling slots from the GUI thread: the desk goes through its one seam,
:class:`~sora_studio.ui.workers.engine_link.EngineLink`, whose signals are connected to these
slots (queued automatically across threads). Calling the Python method directly would run it on
the GUI thread, which the engine's database connection refuses.

Downloads run on the engine's own thread pool and never block a tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from sora_studio.core.errors import ProviderError, UserError
from sora_studio.services.engine import JobEngine
from sora_studio.services.orders import JobUpdate, RenderOrder

log = logging.getLogger(__name__)

MAX_TICK_MS = 1000  # even when nothing is due, wake up this often so queued calls stay quick
SHUTDOWN_TIMEOUT_S = 5.0


class PollWorker(QObject):
    """Runs a :class:`JobEngine` on the thread it is moved to (see module docstring)."""

    job_updated = Signal(object)  # Job
    jobs_submitted = Signal(list)  # list[Job]
    submit_failed = Signal(str)  # why an order was refused (validation, policy, budget)
    action_failed = Signal(str)  # why cancel/retry/delete/remix... was refused
    connection_changed = Signal(bool, str)  # reachable, message
    stall_detected = Signal(int, str)  # job id, message
    poll_report = Signal(object)  # PollReport, after every tick (for status bars and tests)
    providers_reloaded = Signal()
    ready = Signal()  # the engine is built and its provider's clients are warm: submit away
    start_failed = Signal(str)  # why the engine could not be built
    stopped = Signal()

    def __init__(self, engine_factory: Callable[[], JobEngine]) -> None:
        super().__init__()
        self._factory = engine_factory
        self._engine: JobEngine | None = None
        self._timer: QTimer | None = None
        self._connection: tuple[bool, str] = (True, "")

    @property
    def engine(self) -> JobEngine | None:
        """The engine (only to be used from the poll thread)."""
        return self._engine

    # -- lifecycle ---------------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        """Build the engine, warm its provider's clients, emit ``ready``, then tick at once."""
        if self._timer is not None:
            return
        try:
            self._engine = self._factory()
        except (UserError, ProviderError, OSError) as exc:
            message = f"The job engine could not start: {exc}"
            self.connection_changed.emit(False, message)
            self.start_failed.emit(message)
            return
        self._engine.add_listener(self._forward)
        self._warm(self._engine)
        self.ready.emit()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._timer.start(0)

    @staticmethod
    def _warm(engine: JobEngine) -> None:
        """Build the default provider's SDK clients before anyone can submit.

        The first client loads the SDK's HTTP stack and builds an SSL context, holding the
        GIL for tens of milliseconds; done here, before ``ready``, that pause never lands in
        the middle of someone's work on the GUI thread (bench_gui_stall.py).
        """
        try:
            engine.registry.warm()
        except Exception:  # warming is an optimisation; the first real call reports problems
            log.exception("could not prepare the provider's client in advance")

    @Slot()
    def stop(self) -> None:
        """Stop ticking, stop downloads (they resume next start) and release the engine."""
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None
        if self._engine is not None:
            self._engine.shutdown(SHUTDOWN_TIMEOUT_S)
            self._engine.repository.close()
            self._engine = None
        self.stopped.emit()

    def _forward(self, update: JobUpdate) -> None:
        self.job_updated.emit(update.job)

    def _schedule(self, delay_s: float) -> None:
        if self._timer is not None:
            self._timer.start(max(0, min(int(delay_s * 1000), MAX_TICK_MS)))

    @Slot()
    def _tick(self) -> None:
        engine = self._engine
        if engine is None:
            return
        try:
            report = engine.poll_once()
        except Exception as exc:  # keep polling; one bad tick must not kill the queue
            log.exception("poll step failed")
            self._set_connection(False, f"Polling failed: {exc}")
            self._schedule(MAX_TICK_MS / 1000)
            return
        self._set_connection(report.connection_ok, report.connection_message)
        for job_id, message in report.stalled:
            self.stall_detected.emit(job_id, message)
        self.poll_report.emit(report)
        self._schedule(report.next_delay_s)

    def _set_connection(self, ok: bool, message: str) -> None:
        if (ok, message) != self._connection:
            self._connection = (ok, message)
            self.connection_changed.emit(ok, message)

    # -- queued calls from the GUI thread ----------------------------------------------------

    def _run(self, action: Callable[[JobEngine], Any], failed: Any) -> Any:
        engine = self._engine
        if engine is None:
            failed.emit("The job engine is not running.")
            return None
        try:
            result = action(engine)
        except (UserError, ProviderError) as exc:
            failed.emit(str(exc))
            return None
        except Exception as exc:  # a bug must not take the poll thread down with it
            log.exception("engine action failed")
            failed.emit(f"Something went wrong: {exc}. The details are in the log.")
            return None
        self._schedule(0)  # act on it now rather than at the next tick
        return result

    @Slot(object)
    def submit(self, order: RenderOrder) -> None:
        jobs = self._run(lambda e: e.submit(order), self.submit_failed)
        if jobs is not None:
            self.jobs_submitted.emit(list(jobs))

    @Slot(int)
    def cancel(self, job_id: int) -> None:
        self._run(lambda e: e.cancel(job_id), self.action_failed)

    @Slot(int)
    def retry(self, job_id: int) -> None:
        job = self._run(lambda e: e.retry(job_id), self.action_failed)
        if job is not None and job.id != job_id:
            self.jobs_submitted.emit([job])

    @Slot(int, bool)
    def delete(self, job_id: int, remote: bool) -> None:
        self._run(lambda e: e.delete(job_id, remote=remote), self.action_failed)

    @Slot()
    def pause(self) -> None:
        self._run(lambda e: e.pause(), self.action_failed)

    @Slot()
    def resume(self) -> None:
        self._run(lambda e: e.resume(), self.action_failed)

    @Slot()
    def reload_providers(self) -> None:
        """Drop cached SDK clients so the next call uses the profiles as saved now.

        Called after Settings is accepted: a changed base URL, key, timeout or retirement takes
        effect from the next request without restarting the desk.
        """
        engine = self._engine
        if engine is None:
            return
        self._run(lambda e: e.registry.reload(), self.action_failed)
        self.providers_reloaded.emit()

    @Slot(int, int)
    def reorder(self, job_id: int, position: int) -> None:
        self._run(lambda e: e.reorder(job_id, position), self.action_failed)

    def _derived(self, action: Callable[[JobEngine], Any]) -> None:
        job = self._run(action, self.action_failed)
        if job is not None:
            self.jobs_submitted.emit([job])

    # A note id below 0 means the request did not come from a note (Qt signals carry no None).

    @Slot(int, str, int)
    def remix(self, job_id: int, prompt: str, note_id: int = -1) -> None:
        note = note_id if note_id >= 0 else None
        self._derived(lambda e: e.remix(job_id, prompt, note_id=note))

    @Slot(int, str, int)
    def edit(self, job_id: int, prompt: str, note_id: int = -1) -> None:
        note = note_id if note_id >= 0 else None
        self._derived(lambda e: e.edit(job_id, prompt, note_id=note))

    @Slot(int, str, int, int)
    def extend(self, job_id: int, prompt: str, seconds: int, note_id: int = -1) -> None:
        note = note_id if note_id >= 0 else None
        self._derived(lambda e: e.extend(job_id, prompt, seconds, note_id=note))

    @Slot(int, str)
    def promote(self, job_id: int, size: str) -> None:
        self._derived(lambda e: e.promote(job_id, size))

    @Slot(int)
    def regenerate(self, job_id: int) -> None:
        self._derived(lambda e: e.regenerate(job_id))


def start_poll_thread(
    engine_factory: Callable[[], JobEngine],
    before_start: Callable[[PollWorker], None] | None = None,
) -> tuple[QThread, PollWorker]:
    """A started QThread running a PollWorker; ``engine_factory`` is called on that thread.

    ``before_start(worker)`` runs on the caller's thread before the thread starts: connect to
    ``ready`` / ``start_failed`` there, or a fast start could emit them before anyone listens.
    """
    thread = QThread()
    thread.setObjectName("poll-worker")
    worker = PollWorker(engine_factory)
    worker.moveToThread(thread)
    thread.started.connect(worker.start)
    if before_start is not None:
        before_start(worker)
    thread.start()
    return thread, worker


def stop_poll_thread(thread: QThread, worker: PollWorker, timeout_ms: int = 10_000) -> bool:
    """Stop the worker on its own thread, then end the thread; True when it ended in time."""
    if thread.isRunning():
        QMetaObject.invokeMethod(worker, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        thread.quit()
        return bool(thread.wait(timeout_ms))
    worker.stop()
    return True
