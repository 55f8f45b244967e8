"""Turning an order into queued jobs: validation, policy, cost and budget, then one row per variant.

Nothing is sent here. :meth:`Intake.preflight` answers "can this be rendered, and for how much?"
without network or writes; :meth:`Intake.submit` commits ``queued_local`` jobs for the dispatcher
to send. Only blocking policy flags refuse an order; policy warnings let it through and are logged.
Each job row keeps the order's extra body fields (seed, steps, ...) together with the frame count
and fps its model implies, so a retry or a restart sends exactly what was checked and priced.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from sora_studio.core.errors import UserError
from sora_studio.core.fingerprint import request_fingerprint
from sora_studio.core.models import (
    CharacterRef,
    ImageInfo,
    Job,
    JobStatus,
    Operation,
    RenderRequest,
)
from sora_studio.media.probe import probe_image
from sora_studio.services import library
from sora_studio.services.capability_checks import order_problems
from sora_studio.services.engine_core import EngineCore
from sora_studio.services.orders import Preflight, RenderOrder
from sora_studio.services.preflight import compute_preflight
from sora_studio.services.render_requests import (
    character_names,
    request_from_order,
    stitched_seconds,
    stored_request,
)
from sora_studio.services.setting_keys import budget_cap
from sora_studio.services.spend import check_budget
from sora_studio.services.team_budget import reserve_team_budget

# The engine's logger: intake is one part of the job engine, and its log reads as one.
log = logging.getLogger("sora_studio.services.engine")


class Intake:
    """Preflight and submit orders; build the request a queued job sends."""

    def __init__(self, core: EngineCore) -> None:
        self._core = core

    def _extension_count(self, job: Job | None) -> int:
        count = 0
        while job is not None and job.operation is Operation.EXTEND:
            count += 1
            job = self._core.source_job(job)
        return count

    def _order_request(self, order: RenderOrder) -> tuple[RenderRequest, Job | None, list[str]]:
        """The request an order makes, its source job, and local problems (missing files)."""
        repo = self._core.repo
        extra: list[str] = []
        source = None
        source_remote = None
        if order.operation is not Operation.CREATE:
            source = repo.get_job(order.parent_id) if order.parent_id is not None else None
            source_remote = source.remote_id if source else None
        reference = None
        if order.reference_path:
            try:
                info = probe_image(order.reference_path)
                reference = replace(info, path=str(order.reference_path))
            except UserError as exc:
                extra.append(str(exc))
                reference = ImageInfo(format="", width=0, height=0, path=order.reference_path)
        names = character_names(repo, order.provider)
        characters = tuple(
            CharacterRef(remote_id=cid, name=names.get(cid, cid)) for cid in order.character_ids
        )
        request = request_from_order(
            order,
            self._core.registry.catalog(order.provider),
            source_remote_id=source_remote,
            reference=reference,
            characters=characters,
        )
        return request, source, extra

    def preflight(self, order: RenderOrder) -> Preflight:
        """Validation, policy flags, cost and budget for ``order``; no network, no writes."""
        return self._preflight(order, *self._order_request(order))

    def _preflight(
        self,
        order: RenderOrder,
        request: RenderRequest,
        source: Job | None,
        reference_problems: list[str],
    ) -> Preflight:
        profile = self._core.registry.profile(order.provider)
        repo = self._core.repo
        cap = budget_cap(repo)
        return compute_preflight(
            order,
            profile.catalog(),
            long_durations=profile.long_durations_enabled,
            reference=request.reference,
            reference_problems=reference_problems,
            characters=request.characters,
            source_remote_id=request.source_remote_id,
            source_seconds=source.seconds if source else None,
            source_extension_count=self._extension_count(source),
            budget_cap_cents=cap,
            committed_cents=repo.committed_cents() if cap is not None else Decimal(0),
            provider_retired=profile.retired,
            provider_problems=order_problems(
                profile,
                order.operation,
                reference=order.reference_path is not None,
                characters=bool(order.character_ids),
                batch=order.batch,
            ),
        )

    def submit(self, order: RenderOrder) -> list[Job]:
        """Commit one ``queued_local`` job per variant (nothing is sent here).

        Raises ``UserError`` naming every problem and every blocking policy flag, or
        ``BudgetExceeded`` with the numbers. Policy warnings do not stop the order: they are
        logged (phrases only) and recorded on each job's ``job_queued`` event.
        """
        repo = self._core.repo
        # Built once: the pre-flight and the job rows read the same probe of the reference.
        request, source, reference_problems = self._order_request(order)
        check = self._preflight(order, request, source, reference_problems)
        if check.problems:
            raise UserError(
                "Cannot render this yet: "
                + " ".join(f"{p.field}: {p.message}" for p in check.problems)
            )
        if check.blocking_flags:
            raise UserError(
                "The provider would refuse this prompt: "
                + " ".join(f"“{f.phrase}”: {f.message}" for f in check.blocking_flags)
            )
        check_budget(repo, check.estimate_cents)
        reference_sha = (
            library.sha256_of(Path(order.reference_path)) if order.reference_path else None
        )
        seconds = stitched_seconds(order, source)  # an extension's row keeps the total
        # Connected to a team library: the team's cap too, held on its server before any call.
        reserved = reserve_team_budget(repo, check.per_variant_cents, order.variants)
        jobs: list[Job] = []
        with reserved.released_on_error(), repo.db.atomic():
            for index in range(order.variants):
                fingerprint = request_fingerprint(
                    request,
                    provider=order.provider,
                    reference_sha256=reference_sha,
                    nonce=f"variant-{index}" if index else "",
                )
                jobs.append(
                    repo.create_job(
                        provider=order.provider,
                        fingerprint=fingerprint,
                        prompt=order.prompt,
                        model=order.model,
                        size=order.size,
                        seconds=seconds,
                        status=JobStatus.QUEUED_LOCAL,
                        operation=order.operation,
                        brief=order.brief,
                        estimate_cents=check.per_variant_cents,
                        parent_id=order.parent_id,
                        lineage_kind=order.lineage_kind,
                        use_batch=order.batch,
                        reference_path=order.reference_path,
                        character_ids=order.character_ids,
                        source_remote_id=request.source_remote_id,
                        extras=request.extras,
                    )
                )
                reserved.link(repo, jobs[-1].id, index)
            self._link_note(order, jobs[0])
        warned = [f.phrase for f in check.warnings]
        if warned:
            # Phrases only: the rest of the prompt is the person's work and stays out of logs.
            log.info(
                "queued job %s despite policy warnings (the provider may refuse): %s",
                ", ".join(str(job.id) for job in jobs),
                ", ".join(f"“{phrase}”" for phrase in warned),
            )
        for job in jobs:
            details: dict[str, object] = {"estimate_cents": str(job.estimate_cents)}
            if warned:
                details["policy_warnings"] = warned
            repo.log_event("job_queued", details, job.id)
            self._core.emit(job, "queued")
        return jobs

    def _link_note(self, order: RenderOrder, job: Job) -> None:
        """Record that the note the order came from turned into ``job`` (same transaction).

        A note deleted meanwhile (from the CLI) must not cost the person the render they paid
        for: the job is made, the link is skipped, and the log says so.
        """
        if order.note_id is None:
            return
        repo = self._core.repo
        if repo.get_note(order.note_id) is None:
            log.warning("note %s is gone; job %s is not linked to it", order.note_id, job.id)
            return
        repo.link_note_result(order.note_id, job.id)

    def request_for(self, job: Job) -> RenderRequest:
        """The request a queued job sends (its source's length, its characters' names)."""
        return stored_request(self._core.repo, job)
