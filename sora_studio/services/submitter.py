"""Sending one queued job to its provider, crash-safely.

Order of writes (DESIGN.md §3 rule 1): the job row with its fingerprint is already committed (as
``queued_local``) when the engine calls :meth:`Submitter.send`. It is moved to ``submitting`` and
committed, *then* the create call goes out, and the remote id is committed the moment the call
returns. A crash between the two leaves a ``submitting`` row without a remote id, which start-up
reconciliation resolves by listing the provider's videos (:mod:`sora_studio.services.reconcile`).

Create calls go through a client with the SDK's own retries switched off: the SDK sends no
idempotency key, so its automatic retry of a timed-out POST could start a second paid render.
Instead an ambiguous failure (timeout, broken connection, 5xx) leaves the job ``submitting`` and
the engine confirms it by listing, exactly as after a crash, before sending it again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sora_studio.api.remote import PollHints, RemoteVideo
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import ErrorClass, Job, JobStatus, RenderRequest
from sora_studio.services.render_requests import stored_request
from sora_studio.storage.repository import Repository

DEFAULT_RATE_LIMIT_WAIT_S = 10.0
CONNECT_RETRY_S = 10.0
# ProviderError.code of a call that never reached the server (connection refused, no route):
# nothing can have been created, so the job may be sent again without a second render.
NOT_SENT = "connect_failed"
CLAIMABLE = frozenset({JobStatus.QUEUED_LOCAL, JobStatus.RATE_LIMITED})


class CreateClient(Protocol):
    base_url: str | None

    def create(
        self, request: RenderRequest, *, reference_path: Path | None = None
    ) -> tuple[RemoteVideo, PollHints]: ...


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What happened to one job: its new row, the server's hints, and whether to slow down."""

    job: Job
    hints: PollHints | None = None
    rate_limited_for_s: float | None = None  # the provider asked us to wait this long
    unconfirmed: bool = False  # the call may or may not have reached the provider


def status_for_remote(video: RemoteVideo) -> JobStatus:
    """Local status for a provider status seen right after create (never finished there)."""
    return JobStatus.IN_PROGRESS if video.status == "in_progress" else JobStatus.QUEUED


class Submitter:
    """Moves one job from the local queue to the provider (engine thread only)."""

    def __init__(
        self,
        store: Repository,
        client_for: Callable[[str], CreateClient],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._client_for = client_for
        self._clock = clock

    def claim(self, job: Job) -> Job | None:
        """Move ``job`` to ``submitting`` unless another engine on this library already did.

        Read and write share one transaction: if another process changed the row in between,
        SQLite refuses our write (WAL snapshot) and the job is left to that process.
        """
        try:
            with self._store.db.atomic():
                current = self._store.get_job(job.id)
                if current is None or current.status not in CLAIMABLE:
                    return None
                return self._store.update_job(
                    job.id, status=JobStatus.SUBMITTING, error_class=None, error_message=None
                )
        except sqlite3.OperationalError:
            return None

    def request_for(self, job: Job) -> RenderRequest:
        """The wire request a claimed job sends."""
        return stored_request(self._store, job)

    def client_for(self, provider: str) -> CreateClient:
        return self._client_for(provider)

    def send(self, job: Job) -> SubmitOutcome | None:
        """Claim the job, call the provider, commit the remote id (or the error).

        None when the job was no longer waiting (another engine on the same library took it).
        """
        claimed = self.claim(job)
        if claimed is None:
            return None
        job = claimed
        request = self.request_for(job)
        try:
            client = self._client_for(job.provider)
            video, hints = client.create(request)
        except ProviderError as exc:
            return self.record_failure(job, exc)
        return self.record_created(job, video, hints, base_url=client.base_url)

    def record_created(
        self, job: Job, video: RemoteVideo, hints: PollHints | None, *, base_url: str | None
    ) -> SubmitOutcome:
        """Commit the provider's id at once (with the address it belongs to)."""
        job = self._store.attach_remote_id(job.id, video.id)
        now = self._clock()
        changes: dict[str, object] = {"base_url": base_url}
        if not video.is_finished:
            changes.update(status=status_for_remote(video), progress=video.progress)
            changes["last_progress_at"] = now
        job = self._store.update_job(job.id, **changes)
        return SubmitOutcome(job=job, hints=hints)

    def record_failure(self, job: Job, exc: ProviderError) -> SubmitOutcome:
        """Commit what a failed create means: wait, confirm, or a final refusal."""
        return self._failed(job, exc)

    def _failed(self, job: Job, exc: ProviderError) -> SubmitOutcome:
        if exc.error_class is ErrorClass.RATE_LIMITED:
            wait = exc.retry_after_s if exc.retry_after_s is not None else DEFAULT_RATE_LIMIT_WAIT_S
            job = self._store.update_job(
                job.id,
                status=JobStatus.RATE_LIMITED,
                error_class=ErrorClass.RATE_LIMITED,
                error_message=(
                    f"The provider is busy (rate limited); sending again in about {wait:.0f} s. "
                    "Nothing was charged."
                ),
            )
            return SubmitOutcome(job=job, rate_limited_for_s=wait)
        if exc.error_class is ErrorClass.TRANSIENT and exc.code == NOT_SENT:
            job = self._store.update_job(
                job.id,
                status=JobStatus.QUEUED_LOCAL,
                error_class=ErrorClass.TRANSIENT,
                error_message=(
                    f"Could not reach the provider ({exc.message}); nothing was sent or charged. "
                    "It is sent as soon as the provider answers."
                ),
            )
            return SubmitOutcome(job=job, rate_limited_for_s=CONNECT_RETRY_S)
        if exc.error_class is ErrorClass.TRANSIENT:
            # The provider may have accepted it before the failure: confirm by listing first.
            job = self._store.update_job(
                job.id,
                error_class=ErrorClass.TRANSIENT,
                error_message=f"Checking whether the provider received this job: {exc.message}",
            )
            return SubmitOutcome(job=job, unconfirmed=True, rate_limited_for_s=exc.retry_after_s)
        status = (
            JobStatus.BLOCKED if exc.error_class is ErrorClass.POLICY_BLOCKED else JobStatus.FAILED
        )
        job = self._store.update_job(
            job.id, status=status, error_class=exc.error_class, error_message=exc.message
        )
        return SubmitOutcome(job=job)
