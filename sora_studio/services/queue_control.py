"""Queue control: pause and resume sending, reorder the local queue, cancel and delete jobs.

The official API has no cancel: a cancelled render that was already sent is remembered
(``remote_delete_pending`` event) and its provider copy deleted as soon as it ends, by the remote
tracker calling :meth:`QueueControl.delete_remote`. Servers differ (their capabilities say how):
vLLM-Omni's delete also stops a running render, so it is called at once; LiteLLM and Dynamo
cannot delete at all, so only the local side changes and the person is told the provider keeps
its copy until it expires.
"""

from __future__ import annotations

from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import ErrorClass, Job, JobStatus
from sora_studio.services import library
from sora_studio.services.engine_core import (
    ACTIVE_REMOTE,
    EVENT_DELETE_PENDING,
    EVENT_DELETED,
    EngineCore,
)
from sora_studio.services.setting_keys import PAUSED_SETTING

# ProviderError.code of a delete the provider does not offer (LiteLLM answers 405).
UNSUPPORTED = "unsupported"
KEPT_REMOTE_NOTE = (
    "Deleted here. This provider does not delete videos, so its copy stays there until it expires."
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
            return self._cancel_remote(job)
        if job.status is JobStatus.SUBMITTING:
            raise UserError(
                f"job {job_id} is being sent right now; cancel it again in a few seconds"
            )
        raise UserError(
            f"job {job_id} is {job.status.value}; only queued or rendering jobs can be cancelled"
            + (" (delete it instead)" if job.status is not JobStatus.DELETED else "")
        )

    def _cancel_remote(self, job: Job) -> Job:
        core = self._core
        caps = core.capabilities(job.provider)
        if not job.remote_id:
            # A blocking create call (synchronous server) still open: it cannot be recalled.
            message = (
                "Cancelled. The provider is rendering it and cannot be stopped from here; "
                "what it sends back is discarded."
            )
        elif caps.delete and caps.delete_cancels:
            cancelled = self._try_delete_remote(job)
            message = (
                "Cancelled on the provider; nothing more is rendered."
                if cancelled
                else "Cancelled. The provider did not stop it; its copy is deleted when it ends."
            )
            if not cancelled:
                self._delete_when_done(job)
        elif caps.delete:
            self._delete_when_done(job)
            message = (
                "Cancelled. The provider has no cancel, so it may finish and charge this "
                "render; its copy is deleted as soon as it ends."
            )
        else:
            message = (
                "Cancelled. This provider can neither cancel nor delete, so it may finish and "
                "charge this render; its copy stays there until it expires."
            )
        return core.set(job, "cancelled", status=JobStatus.CANCELLED, error_message=message)

    def _delete_when_done(self, job: Job) -> None:
        self._core.pending_delete.add(job.id)
        self._core.repo.log_event(EVENT_DELETE_PENDING, {"remote_id": job.remote_id}, job.id)

    def _try_delete_remote(self, job: Job) -> bool:
        try:
            return self.delete_remote(job)
        except UserError:
            return False

    def delete(self, job_id: int, *, remote: bool) -> str:
        """Remove a job's files and mark it deleted; with ``remote`` also the provider's copy.

        Returns a note for the person when the provider's copy stays (it cannot delete), else "".
        """
        core = self._core
        job = core.repo.require_job(job_id)
        if job.status is JobStatus.SUBMITTING:
            raise UserError(f"job {job_id} is being sent right now; delete it in a few seconds")
        note = ""
        # The provider's copy first: if it refuses, nothing local has changed yet.
        if remote and job.remote_id:
            if not core.capabilities(job.provider).delete:
                note = KEPT_REMOTE_NOTE
            elif job.status in ACTIVE_REMOTE or (
                job.status is JobStatus.CANCELLED and job.id in core.pending_delete
            ):
                self._delete_when_done(job)
            elif not self.delete_remote(job):
                note = KEPT_REMOTE_NOTE
        library.remove_job_files(core.root, job)
        for variant in list(core.repo.assets_for(job.id)):
            core.repo.delete_asset(job.id, variant)
        core.set(job, "deleted", status=JobStatus.DELETED)
        return note

    def delete_remote(self, job: Job) -> bool:
        """Delete the provider's copy (gone already counts as done); UserError if refused.

        False when the provider does not delete at all (405): nothing to do but let it expire.
        """
        assert job.remote_id is not None
        core = self._core
        try:
            core.registry.client(job.provider).delete(job.remote_id)
        except ProviderError as exc:
            if exc.code == UNSUPPORTED:
                core.pending_delete.discard(job.id)
                core.repo.log_event(
                    EVENT_DELETED, {"remote_id": job.remote_id, "kept": "unsupported"}, job.id
                )
                return False
            if exc.error_class not in (ErrorClass.NOT_FOUND, ErrorClass.EXPIRED):
                raise UserError(
                    f"the provider did not delete its copy of job {job.id}: {exc.message}"
                ) from exc
        core.pending_delete.discard(job.id)
        core.repo.log_event(EVENT_DELETED, {"remote_id": job.remote_id}, job.id)
        return True
