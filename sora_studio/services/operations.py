"""Renders derived from a job: retry, regenerate, remix, edit, extend and promote.

Each becomes a new order through :class:`sora_studio.services.intake.Intake` (so it is validated,
priced and budget-checked like any other) and is recorded as a child of the job the person acted
on, with the lineage kind saying how it was made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.core.extras import chosen_extras
from sora_studio.core.models import ErrorClass, Job, JobStatus, LineageKind, Operation
from sora_studio.services.capability_checks import FEATURE_FOR_OPERATION, require
from sora_studio.services.download_results import DownloadFlow
from sora_studio.services.engine_core import EngineCore
from sora_studio.services.intake import Intake
from sora_studio.services.render_requests import order_from_job, order_on_source
from sora_studio.services.spend import order_estimate

PRO_MODEL = "sora-2-pro"  # what a Sora 2 clip is promoted to (the catalog says for others)


class Operations:
    """Lineage operations on existing jobs."""

    def __init__(self, core: EngineCore, intake: Intake, downloads: DownloadFlow) -> None:
        self._core = core
        self._intake = intake
        self._downloads = downloads

    def retry(self, job_id: int) -> Job:
        """Download again when only the download failed; otherwise queue a new render."""
        core = self._core
        job = core.repo.require_job(job_id)
        if job.status is JobStatus.DOWNLOADING or (
            job.status is JobStatus.FAILED
            and job.error_class is ErrorClass.DOWNLOAD_FAILED
            and job.remote_id
        ):
            # Only the download failed: fetch the render again rather than pay for a new one.
            self._downloads.retry_now(job.id)
            return core.set(
                job,
                "download retried",
                status=JobStatus.DOWNLOADING,
                error_class=None,
                error_message=None,
            )
        if job.status is JobStatus.RATE_LIMITED:
            core.not_before.pop(job.provider, None)
            return core.set(job, "retried", status=JobStatus.QUEUED_LOCAL)
        if job.status not in (
            JobStatus.FAILED,
            JobStatus.BLOCKED,
            JobStatus.EXPIRED,
            JobStatus.CANCELLED,
        ):
            raise UserError(
                f"job {job_id} is {job.status.value}; only failed, blocked, expired or "
                "cancelled jobs can be retried"
            )
        return self._derive(job, LineageKind.RETRY)[0]

    def _derive(self, job: Job, kind: LineageKind, **changes: Any) -> list[Job]:
        """A new order with ``job``'s recipe, recorded as its child of ``kind``."""
        source = self._core.source_job(job) if job.operation is not Operation.CREATE else None
        order = order_from_job(job, source, kind, **changes)
        created = self._intake.submit(order)
        if order.parent_id != job.id:
            # Keep lineage pointing at the job the person acted on; the source stays on record.
            created = [self._core.repo.update_job(j.id, parent_id=job.id) for j in created]
        return created

    def _finished_source(self, job_id: int, what: str) -> Job:
        job = self._core.repo.require_job(job_id)
        if job.status is not JobStatus.READY or not job.remote_id:
            raise UserError(
                f"job {job_id} is {job.status.value}; a {what} needs a finished, downloaded video"
            )
        return job

    # ``note_id``: the reviewer's note the request came from, linked to the new job by intake.

    def remix(self, job_id: int, prompt: str, *, note_id: int | None = None) -> Job:
        src = self._finished_source(job_id, "remix")
        return self._child(src, Operation.REMIX, LineageKind.REMIX, prompt, src.seconds, note_id)

    def edit(self, job_id: int, prompt: str, *, note_id: int | None = None) -> Job:
        src = self._finished_source(job_id, "edit")
        return self._child(src, Operation.EDIT, LineageKind.EDIT, prompt, src.seconds, note_id)

    def extend(self, job_id: int, prompt: str, seconds: int, *, note_id: int | None = None) -> Job:
        """Add a ``seconds`` segment; the new job's length is the stitched total."""
        src = self._finished_source(job_id, "extension")
        return self._child(src, Operation.EXTEND, LineageKind.EXTENSION, prompt, seconds, note_id)

    def _child(
        self,
        src: Job,
        operation: Operation,
        kind: LineageKind,
        prompt: str,
        seconds: int,
        note_id: int | None = None,
    ) -> Job:
        require(self._core.registry.profile(src.provider), FEATURE_FOR_OPERATION[operation])
        order = order_on_source(src, operation, kind, prompt, seconds, note_id=note_id)
        return self._intake.submit(order)[0]

    def promotion_model(self, job: Job) -> str:
        """The model ``job`` would be promoted to on its provider; ``UserError`` when none."""
        catalog = self._core.registry.catalog(job.provider)
        target = catalog.promotion_target(job.model)
        if target is None:
            spec = catalog.model(job.model)
            label = spec.label if spec is not None else job.model
            raise UserError(
                f"{label} has no better model to promote to on the provider {job.provider!r}; "
                "regenerate it, or render the prompt again with another model"
            )
        return target

    def promote(self, job_id: int, size: str) -> Job:
        """The same recipe on the model's better sibling (sora-2 -> sora-2-pro, Veo 3.1 Fast ->
        Veo 3.1) at ``size`` (see :meth:`promotion_quote` first)."""
        job = self._core.repo.require_job(job_id)
        if job.operation is not Operation.CREATE:
            raise UserError(
                f"job {job_id} is a {job.operation.value}; promote the original clip instead"
            )
        target = self.promotion_model(job)
        spec = self._core.registry.catalog(job.provider).model(target)
        extras = chosen_extras(job.extras, spec)  # what the sibling takes of the person's settings
        return self._derive(
            job, LineageKind.PROMOTION, model=target, size=size, batch=False, extras=extras
        )[0]

    def promotion_quote(self, job_id: int, size: str) -> tuple[Decimal, Decimal]:
        """(what the job cost or will cost, what the promoted render would cost), in cents."""
        job = self._core.repo.require_job(job_id)
        catalog = self._core.registry.catalog(job.provider)
        current = job.cost_cents if job.cost_cents is not None else job.estimate_cents
        target = self.promotion_model(job)
        pro = order_estimate(catalog, model=target, size=size, seconds=job.seconds, batch=False)
        return current, pro

    def regenerate(self, job_id: int) -> Job:
        """Another take of the same recipe."""
        return self._derive(self._core.repo.require_job(job_id), LineageKind.REGENERATE)[0]
