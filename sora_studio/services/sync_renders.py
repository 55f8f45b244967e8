"""Create calls to servers that answer only when the video is done (NVIDIA Dynamo).

Such a server holds the ``POST /videos`` open for the whole render, minutes on a large model, so
the call cannot run on the engine's thread (it would stop every poll and download meanwhile).
Each one runs on its own daemon thread, which touches no database: it makes the call and puts a
frozen :class:`SyncResult` on a queue that the engine drains and commits on its own thread.

Daemon threads rather than a pool: a pool joins its threads when the process exits, and a
render in flight would hold the exit for as long as the server takes. A render cut off by an
exit is lost (these servers keep no jobs to look up); start-up reconciliation says so.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass

from sora_studio.api.remote import PollHints, RemoteVideo
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass, Job, JobStatus, RenderRequest
from sora_studio.services.engine_core import EngineCore
from sora_studio.services.job_results import drain_results
from sora_studio.services.remote_tracking import RemoteTracker
from sora_studio.services.submitter import NOT_SENT, CreateClient, Submitter

log = logging.getLogger(__name__)

# Logged when a blocking create call starts, naming the process that holds it.
EVENT_SYNC_STARTED = "sync_started"


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one blocking create call returned: the finished video, or why there is none."""

    job_id: int
    video: RemoteVideo | None = None
    hints: PollHints | None = None
    error: ProviderError | None = None
    base_url: str | None = None


class SyncRenders:
    """Blocking create calls in flight. ``start``/``drain``/``running`` on the engine's thread."""

    def __init__(self) -> None:
        self._results: queue.Queue[SyncResult] = queue.Queue()
        self._running: dict[int, threading.Thread] = {}

    def start(self, job_id: int, client: CreateClient, request: RenderRequest) -> None:
        thread = threading.Thread(
            target=self._run,
            args=(job_id, client, request),
            name=f"sync-render-{job_id}",
            daemon=True,
        )
        self._running[job_id] = thread
        thread.start()

    def running(self) -> frozenset[int]:
        """Jobs whose create call is in flight or whose result waits to be drained."""
        return frozenset(self._running)

    def drain(self) -> list[SyncResult]:
        return drain_results(self._results, self._running)

    def _run(self, job_id: int, client: CreateClient, request: RenderRequest) -> None:
        try:
            video, hints = client.create(request)
            result = SyncResult(job_id, video=video, hints=hints, base_url=client.base_url)
        except ProviderError as exc:
            result = SyncResult(job_id, error=exc)
        except Exception as exc:  # never let the thread die silently: the job would hang
            log.exception("the create call of job %s failed unexpectedly", job_id)
            result = SyncResult(
                job_id,
                error=ProviderError(ErrorClass.INTERNAL, f"the render call failed: {exc!r}"),
            )
        self._results.put(result)


class SyncDispatch:
    """The engine's side of synchronous servers: start a job's call, commit what it returns."""

    def __init__(self, core: EngineCore, submitter: Submitter, tracker: RemoteTracker) -> None:
        self._core = core
        self._submitter = submitter
        self._tracker = tracker
        self._calls = SyncRenders()

    def start(self, job: Job, now: float) -> bool:
        """Hand a job to a server that answers when the video is done; True when it went."""
        core = self._core
        claimed = self._submitter.claim(job)
        if claimed is None:
            return False
        try:
            client = self._submitter.client_for(job.provider)
            request = self._submitter.request_for(claimed)
        except ProviderError as exc:
            core.emit(self._submitter.record_failure(claimed, exc).job, "send failed")
            return False
        # In progress from now on: the server renders while the call is open. No remote id
        # exists until it answers; start-up reconciliation knows such a job was cut off.
        job = core.set(
            claimed, "rendering", status=JobStatus.IN_PROGRESS, progress=0, submitted_at=now
        )
        core.repo.log_event(EVENT_SYNC_STARTED, {"pid": os.getpid()}, job.id)
        self._calls.start(job.id, client, request)
        return True

    def apply_results(self, now: float) -> None:
        """Commit what blocking create calls returned (engine thread)."""
        core = self._core
        for result in self._calls.drain():
            job = core.repo.get_job(result.job_id)
            if job is None:
                continue
            if job.status is not JobStatus.IN_PROGRESS or job.remote_id:
                # Cancelled or deleted while it rendered: what came back is not wanted.
                core.repo.log_event("sync_result_dropped", {"status": job.status.value}, job.id)
                continue
            if result.error is not None:
                self._sync_failed(job, result.error, now)
                continue
            assert result.video is not None
            core.note_connection(None)
            outcome = self._submitter.record_created(
                job, result.video, result.hints, base_url=result.base_url
            )
            if result.video.is_finished:
                self._tracker.apply_remote(outcome.job, result.video, now)
            else:
                # A server that turned out to answer at once after all: follow it by id.
                core.emit(outcome.job, "submitted")
                core.next_poll_at.setdefault(job.provider, now)

    def _sync_failed(self, job: Job, error: ProviderError, now: float) -> None:
        core = self._core
        core.note_connection(error)
        error_class = error.error_class
        if error.code == NOT_SENT or error_class is ErrorClass.RATE_LIMITED:
            message = (
                f"The provider did not start this render ({error.message}); nothing was "
                "rendered or charged. Retry it when the provider is up."
            )
        elif error_class is ErrorClass.TRANSIENT:
            message = (
                f"The render call ended without a result ({error.message}). This server keeps "
                "no jobs to look up afterwards, so its video cannot be fetched; re-render it."
            )
            error_class = ErrorClass.LOST
        else:
            message = error.message
        core.set(
            job,
            "failed",
            status=(
                JobStatus.BLOCKED if error_class is ErrorClass.POLICY_BLOCKED else JobStatus.FAILED
            ),
            error_class=error_class,
            error_message=message,
            completed_at=now,
        )

    def busy(self) -> bool:
        """Blocking create calls are in flight (their results want committing)."""
        return bool(self._calls.running())
