"""Batch mode: jobs marked Batch go to the provider as one JSONL batch per model, at Batch prices.

Write order, like a single submit: a local batch record is created and the jobs are moved to
``submitting`` with its id (one transaction) *before* the input file is uploaded; the file id and
the remote batch id are committed as soon as each call returns. The jobs stay ``submitting``
while the provider works through the batch. When the batch completes, its output file gives
each job's video (``custom_id`` is ``job-<id>``); the remote id is attached and the job joins the
ordinary lifecycle (polled if still running, downloaded when completed).

A crash before the remote batch id was recorded cannot be reconciled (the Batches API has no
search by our metadata in the client), so those jobs are failed with ``SUBMIT_UNCONFIRMED`` for an
explicit retry, never resent automatically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sora_studio.api.batch_client import build_batch_jsonl, parse_batch_output
from sora_studio.api.errors import classify_video_failure
from sora_studio.api.remote import RemoteBatch, RemoteVideo
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import BatchRecord, ErrorClass, Job, JobStatus, RenderRequest
from sora_studio.services.reconcile import UNCONFIRMED_MESSAGE
from sora_studio.storage.repository import Repository

LOCAL_PENDING = "pending"  # record made, nothing sent yet
UPLOADED = "uploaded"  # input file uploaded, batch not created yet
FINISHED = frozenset({"completed", "failed", "expired", "cancelled", "abandoned"})


def custom_id_for(job: Job) -> str:
    return f"job-{job.id}"


def job_id_from_custom_id(custom_id: str) -> int | None:
    prefix, _, number = custom_id.partition("-")
    return int(number) if prefix == "job" and number.isdigit() else None


class BatchApi(Protocol):
    def upload_batch_file(self, jsonl_bytes: bytes, *, filename: str = "batch.jsonl") -> str: ...

    def create_batch(
        self, file_id: str, *, metadata: dict[str, str] | None = None
    ) -> RemoteBatch: ...

    def retrieve_batch(self, batch_id: str) -> RemoteBatch: ...

    def download_file(self, file_id: str) -> bytes: ...


@dataclass(slots=True)
class BatchStep:
    """What a dispatch or poll did: changed jobs, videos to apply, and requests made."""

    updated: list[Job] = field(default_factory=list)
    videos: list[tuple[Job, RemoteVideo]] = field(default_factory=list)
    requests: int = 0
    error: ProviderError | None = None


class BatchService:
    """Sends and tracks batches (engine thread only)."""

    def __init__(
        self,
        store: Repository,
        client_for: Callable[[str], BatchApi],
        request_for: Callable[[Job], RenderRequest],
        *,
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._client_for = client_for
        self._request_for = request_for
        self._clock = clock

    def dispatch(self, jobs: Sequence[Job]) -> BatchStep:
        """Send queued Batch jobs: one batch per (provider, model)."""
        step = BatchStep()
        groups: dict[tuple[str, str], list[Job]] = defaultdict(list)
        for job in jobs:
            groups[(job.provider, job.model)].append(job)
        for (provider, model), members in groups.items():
            self._send_group(provider, model, members, step)
            if step.error is not None:
                break
        return step

    def _send_group(self, provider: str, model: str, jobs: list[Job], step: BatchStep) -> None:
        with self._store.db.atomic():
            record = self._store.create_batch(provider=provider, model=model, status=LOCAL_PENDING)
            jobs = [
                self._store.update_job(j.id, status=JobStatus.SUBMITTING, batch_id=record.id)
                for j in jobs
            ]
        step.updated.extend(jobs)
        try:
            data = build_batch_jsonl([(custom_id_for(j), self._request_for(j)) for j in jobs])
        except UserError as exc:
            self._fail_jobs(jobs, ErrorClass.INVALID_REQUEST, str(exc), step)
            self._store.update_batch(record.id, status="failed")
            return
        try:
            client = self._client_for(provider)
            file_id = client.upload_batch_file(
                data, filename=f"sora-studio-batch-{record.id}.jsonl"
            )
            step.requests += 1
            self._store.update_batch(record.id, input_file_id=file_id, status=UPLOADED)
            remote = client.create_batch(file_id, metadata={"sora_studio_batch": str(record.id)})
            step.requests += 1
        except ProviderError as exc:
            step.requests += 1
            step.error = exc
            if exc.error_class in (ErrorClass.RATE_LIMITED, ErrorClass.TRANSIENT):
                # Nothing was created that we know of: put the jobs back in the local queue.
                for job in jobs:
                    step.updated.append(
                        self._store.update_job(
                            job.id,
                            status=JobStatus.QUEUED_LOCAL,
                            batch_id=None,
                            error_class=exc.error_class,
                            error_message=f"Batch not sent yet: {exc.message}",
                        )
                    )
                self._store.update_batch(record.id, status="abandoned")
                return
            self._fail_jobs(jobs, exc.error_class, exc.message, step)
            self._store.update_batch(record.id, status="failed")
            return
        self._store.update_batch(record.id, remote_id=remote.id, status=remote.status)

    def poll(self) -> BatchStep:
        """Check every open batch; attach the videos of completed ones."""
        step = BatchStep()
        open_batches = [
            b for b in self._store.list_batches() if b.remote_id and b.status not in FINISHED
        ]
        for record in open_batches:
            assert record.remote_id is not None
            try:
                client = self._client_for(record.provider)
                remote = client.retrieve_batch(record.remote_id)
                step.requests += 1
            except ProviderError as exc:
                step.requests += 1
                step.error = exc
                return step
            if remote.status != record.status:
                self._store.update_batch(record.id, status=remote.status)
            if remote.is_finished:
                self._finish(record, remote, client, step)
                if step.error is not None:
                    return step
        return step

    def _finish(
        self, record: BatchRecord, remote: RemoteBatch, client: BatchApi, step: BatchStep
    ) -> None:
        results = []
        try:
            for file_id in (remote.output_file_id, remote.error_file_id):
                if file_id:
                    results.extend(parse_batch_output(client.download_file(file_id)))
                    step.requests += 1
        except ProviderError as exc:
            step.requests += 1
            step.error = exc
            return  # the batch stays open and is read again next time
        seen: set[int] = set()
        for result in results:
            job_id = job_id_from_custom_id(result.custom_id)
            job = self._store.get_job(job_id) if job_id is not None else None
            if job is None or job.batch_id != record.id or job.status is not JobStatus.SUBMITTING:
                continue
            seen.add(job.id)
            if result.video is not None:
                job = self._store.attach_remote_id(job.id, result.video.id)
                step.videos.append((job, result.video))
            else:
                error_class, message = classify_video_failure(
                    result.error_code, result.error_message
                )
                self._fail_jobs([job], error_class, message, step)
        leftovers = [
            j
            for j in self._store.list_jobs(statuses=[JobStatus.SUBMITTING])
            if j.batch_id == record.id and j.id not in seen
        ]
        why = "; ".join(remote.errors) or f"the batch ended as {remote.status}"
        self._fail_jobs(
            leftovers, ErrorClass.TRANSIENT, f"The provider's batch gave no result: {why}.", step
        )
        self._store.update_batch(record.id, status=remote.status, completed_at=self._clock())

    def reconcile(self, jobs: Sequence[Job]) -> list[Job]:
        """Start-up: Batch jobs whose batch never got a remote id cannot be confirmed."""
        unconfirmed = []
        for job in jobs:
            record = self._store.get_batch(job.batch_id) if job.batch_id is not None else None
            if record is None or not record.remote_id:
                unconfirmed.append(job)
                if record is not None and record.status not in FINISHED:
                    self._store.update_batch(record.id, status="abandoned")
        step = BatchStep()
        self._fail_jobs(unconfirmed, ErrorClass.SUBMIT_UNCONFIRMED, UNCONFIRMED_MESSAGE, step)
        return step.updated

    def _fail_jobs(
        self, jobs: Sequence[Job], error_class: ErrorClass, message: str, step: BatchStep
    ) -> None:
        for job in jobs:
            status = (
                JobStatus.BLOCKED if error_class is ErrorClass.POLICY_BLOCKED else JobStatus.FAILED
            )
            step.updated.append(
                self._store.update_job(
                    job.id, status=status, error_class=error_class, error_message=message
                )
            )
