"""Queue control: pause and resume sending, reorder the local queue, cancel and delete jobs.

The provider has no cancel: a cancelled render that was already sent is remembered
(``remote_delete_pending`` event) and its provider copy deleted as soon as it ends, by the remote
tracker calling :meth:`QueueControl.delete_remote`.
"""

from __future__ import annotations

from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import ErrorClass, Job, JobStatus
from sora_studio.services import library
from sora_studio.services.engine_core import (
    ACTIVE_REMOTE,
    EVENT_DELETE_PENDING,
    EVENT_DELETED,
    PAUSED_SETTING,
    EngineCore,
)


class QueueControl:
    """Pause/resume, reorder, cancel, delete."""

    def __init__(self, core: EngineCore) -> None:
        self._core = core

    @property
    def is_paused(self) -> bool:
        return self._core.paused

    def pause(self) -> None:
        """Stop sending queued jobs (running renders are still polled and downloaded)."""
        self._core.paused = True
        self._core.repo.set_setting(PAUSED_SETTING, True)

    def resume(self) -> None:
        self._core.paused = False
        self._core.repo.set_setting(PAUSED_SETTING, False)

    def reorder(self, job_id: int, position: int) -> None:
        """Move a locally queued job to ``position`` (0 = next to send)."""
        repo = self._core.repo
        queued = repo.jobs_in_status(JobStatus.QUEUED_LOCAL, JobStatus.RATE_LIMITED)
        job = next((j for j in queued if j.id == job_id), None)
        if job is None:
            raise UserError(f"job {job_id} is not waiting in the local queue, so it cannot move")
        order = [j for j in queued if j.id != job_id]
        order.insert(max(0, min(position, len(order))), job)
        slots = sorted(j.queue_position for j in queued)
        with repo.db.atomic():
            for slot, item in zip(slots, order, strict=True):
                if item.queue_position != slot:
                    self._core.emit(repo.update_job(item.id, queue_position=slot), "reordered")

    def cancel(self, job_id: int) -> Job:
        """Drop a local job; stop tracking a remote one and delete it remotely when it ends."""
        core = self._core
        job = core.repo.require_job(job_id)
        if job.status in (JobStatus.DRAFT, JobStatus.QUEUED_LOCAL, JobStatus.RATE_LIMITED):
            return core.set(
                job,
                "cancelled",
                status=JobStatus.CANCELLED,
                error_message="Cancelled before it was sent; nothing was charged.",
            )
        if job.status in ACTIVE_REMOTE:
            core.pending_delete.add(job.id)
            core.repo.log_event(EVENT_DELETE_PENDING, {"remote_id": job.remote_id}, job.id)
            return core.set(
                job,
                "cancelled",
                status=JobStatus.CANCELLED,
                error_message=(
                    "Cancelled. The provider has no cancel, so it may finish and charge this "
                    "render; its copy is deleted as soon as it ends."
                ),
            )
        if job.status is JobStatus.SUBMITTING:
            raise UserError(
                f"job {job_id} is being sent right now; cancel it again in a few seconds"
            )
        raise UserError(
            f"job {job_id} is {job.status.value}; only queued or rendering jobs can be cancelled"
            + (" (delete it instead)" if job.status is not JobStatus.DELETED else "")
        )

    def delete(self, job_id: int, *, remote: bool) -> None:
        """Remove a job's files and mark it deleted; with ``remote`` also the provider's copy."""
        core = self._core
        job = core.repo.require_job(job_id)
        if job.status is JobStatus.SUBMITTING:
            raise UserError(f"job {job_id} is being sent right now; delete it in a few seconds")
        # The provider's copy first: if it refuses, nothing local has changed yet.
        if remote and job.remote_id:
            if job.status in ACTIVE_REMOTE or (
                job.status is JobStatus.CANCELLED and job.id in core.pending_delete
            ):
                core.pending_delete.add(job.id)
                core.repo.log_event(EVENT_DELETE_PENDING, {"remote_id": job.remote_id}, job.id)
            else:
                self.delete_remote(job)
        library.remove_job_files(core.root, job)
        for variant in list(core.repo.assets_for(job.id)):
            core.repo.delete_asset(job.id, variant)
        core.set(job, "deleted", status=JobStatus.DELETED)

    def delete_remote(self, job: Job) -> bool:
        """Delete the provider's copy (gone already counts as done); UserError if refused."""
        assert job.remote_id is not None
        core = self._core
        try:
            core.registry.client(job.provider).delete(job.remote_id)
        except ProviderError as exc:
            if exc.error_class not in (ErrorClass.NOT_FOUND, ErrorClass.EXPIRED):
                raise UserError(
                    f"the provider did not delete its copy of job {job.id}: {exc.message}"
                ) from exc
        core.pending_delete.discard(job.id)
        core.repo.log_event(EVENT_DELETED, {"remote_id": job.remote_id}, job.id)
        return True
