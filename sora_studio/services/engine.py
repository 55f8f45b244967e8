"""The render job engine: turns orders into paid renders and verified files, and never loses one.

Thread model: a :class:`JobEngine` lives on ONE thread (the poll worker's QThread in the desk, the
main thread in the CLI) and is the only writer of the library database. Every public method is
called on that thread. Downloads run on a thread pool that writes files only and hands results
back through a queue that :meth:`JobEngine.poll_once` drains and commits
(:mod:`sora_studio.services.downloads`). The GUI reads through its own read-only repository.

``poll_once`` is one bounded step, never a loop: apply finished downloads, send queued jobs (up
to each provider's concurrency limit), confirm sends that failed ambiguously, poll the providers
that are due (one list call per page for two or more jobs), track batches, start downloads,
warn about expiring assets. It returns when to call it next.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sora_studio.api.errors import classify_video_failure
from sora_studio.api.remote import PollHints, RemoteVideo
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.fingerprint import request_fingerprint
from sora_studio.core.lifecycle import (
    PollPolicy,
    StallDetector,
    can_transition,
    status_from_remote,
)
from sora_studio.core.models import (
    Asset,
    Character,
    CharacterRef,
    ErrorClass,
    ImageInfo,
    Job,
    JobStatus,
    LineageKind,
    Operation,
    RenderRequest,
    ValidationProblem,
)
from sora_studio.core.policy import precheck
from sora_studio.core.validation import validate_request
from sora_studio.media.probe import probe_image, verify_image, verify_video
from sora_studio.services import library
from sora_studio.services.batch import BatchService, BatchStep
from sora_studio.services.characters import upload_character
from sora_studio.services.downloads import DownloadManager, DownloadTask
from sora_studio.services.orders import (
    DownloadResult,
    JobUpdate,
    PollReport,
    Preflight,
    ReconcileReport,
    RenderOrder,
)
from sora_studio.services.poller import poll_jobs
from sora_studio.services.providers import ProviderRegistry
from sora_studio.services.reconcile import UNCONFIRMED_MESSAGE, find_unconfirmed
from sora_studio.services.spend import (
    actual_cost,
    billable_seconds,
    budget_left_after,
    check_budget,
    order_estimate,
)
from sora_studio.services.submitter import Submitter, build_request
from sora_studio.storage.repository import Repository

log = logging.getLogger(__name__)

PAUSED_SETTING = "queue_paused"
PRO_MODEL = "sora-2-pro"
ACTIVE_REMOTE = (JobStatus.QUEUED, JobStatus.IN_PROGRESS)
MAX_SUBMITS_PER_TICK = 8
# A "submitting" row younger than this may belong to another engine mid-call (the CLI next to
# the desk); start-up reconciliation leaves it alone until then. Longer than a create timeout.
SUBMIT_GRACE_S = 30.0
MAX_CONFIRM_ATTEMPTS = 3
CONFIRM_DELAY_S = 1.0
DOWNLOAD_RETRY_S = (15.0, 60.0, 300.0)
MAX_DOWNLOAD_ROUNDS = 4
IDLE_DELAY_S = 1.0
BUSY_DELAY_S = 0.25  # downloads or sends pending: come back soon to commit their results
EVENT_DELETE_PENDING = "remote_delete_pending"
EVENT_DELETED = "remote_deleted"


def _default_verify_video(path: Path, width: int, height: int, seconds: float) -> None:
    verify_video(path, width=width, height=height, duration_s=seconds)


def _default_verify_image(path: Path) -> None:
    verify_image(path)


class JobEngine:
    """Submit, poll, download, reconcile. Qt-free; one thread; the only database writer."""

    def __init__(
        self,
        repo: Repository,
        registry: ProviderRegistry,
        library_root: Path,
        *,
        clock: Callable[[], float] = time.time,
        policy: PollPolicy | None = None,
        download_workers: int = 3,
        stall_threshold_s: float = 600.0,
        expiry_warning_s: float = 3600.0,
        max_submits_per_tick: int = MAX_SUBMITS_PER_TICK,
        submit_grace_s: float = SUBMIT_GRACE_S,
        verify_video_file: Callable[[Path, int, int, float], None] = _default_verify_video,
        verify_image_file: Callable[[Path], None] = _default_verify_image,
    ) -> None:
        self._repo = repo
        self._registry = registry
        self._root = library_root
        self._clock = clock
        self._policy = policy or PollPolicy()
        self._stall_threshold_s = stall_threshold_s
        self._expiry_warning_s = expiry_warning_s
        self._max_submits = max(1, max_submits_per_tick)
        self._submit_grace_s = submit_grace_s
        self._downloads = DownloadManager(
            library_root,
            verify_video=verify_video_file,
            verify_image=verify_image_file,
            max_workers=download_workers,
        )
        self._submitter = Submitter(repo, registry.submit_client, clock=clock)
        self._batches = BatchService(
            repo,
            registry.batch_client,
            self._request_for,
            clock=clock,
        )
        self._listeners: list[Callable[[JobUpdate], None]] = []
        self._paused = bool(repo.get_setting(PAUSED_SETTING, False))
        self._reconciled = False
        self._next_poll_at: dict[str, float] = {}
        self._not_before: dict[str, float] = {}  # provider asked us to wait (429)
        self._next_batch_poll_at = 0.0
        # Sends that may or may not have reached the provider: job id -> (attempts, next check,
        # left by a crash). A crashed one not found is failed for an explicit retry; one that
        # failed in this process is resent (up to MAX_CONFIRM_ATTEMPTS sends in all).
        self._unconfirmed: dict[int, tuple[int, float, bool]] = {}
        self._send_attempts: dict[int, int] = {}
        self._download_due: dict[int, float] = {}
        self._download_rounds: dict[int, int] = {}
        self._stalls: dict[int, StallDetector] = {}
        self._stall_reported: set[int] = set()
        self._expiry_warned: set[int] = set()
        self._pending_delete: set[int] = set()
        self._connection: tuple[bool, str] = (True, "")
        self._shut_down = False
        # Collected during one public call, returned in its report.
        self._updated: dict[int, Job] = {}
        self._stalled_now: list[tuple[int, str]] = []

    # -- listeners ---------------------------------------------------------------------------

    def add_listener(self, callback: Callable[[JobUpdate], None]) -> None:
        """``callback`` is called on the engine's thread for every job change."""
        self._listeners.append(callback)

    def _emit(self, job: Job, reason: str) -> Job:
        self._updated[job.id] = job
        for callback in list(self._listeners):
            try:
                callback(JobUpdate(job=job, reason=reason))
            except Exception:  # a broken listener must not stop the engine
                log.exception("job listener failed")
        return job

    def _set(self, job: Job, reason: str, **changes: Any) -> Job:
        """Update a job (checking the lifecycle) and tell listeners."""
        target = changes.get("status")
        if target is not None and not can_transition(job.status, JobStatus(target)):
            log.warning("ignored %s -> %s for job %s", job.status, target, job.id)
            changes.pop("status")
        return self._emit(self._repo.update_job(job.id, **changes), reason)

    @property
    def repository(self) -> Repository:
        return self._repo

    @property
    def registry(self) -> ProviderRegistry:
        return self._registry

    @property
    def connection(self) -> tuple[bool, str]:
        """(reachable, message) as of the last provider call."""
        return self._connection

    # -- preflight and submit ----------------------------------------------------------------

    def _source_job(self, order_or_job: RenderOrder | Job) -> Job | None:
        parent_id = order_or_job.parent_id
        if isinstance(order_or_job, Job) and order_or_job.source_remote_id:
            return self._repo.find_job_by_remote_id(order_or_job.source_remote_id)
        return self._repo.get_job(parent_id) if parent_id is not None else None

    def _extension_count(self, job: Job | None) -> int:
        count = 0
        while job is not None and job.operation is Operation.EXTEND:
            count += 1
            job = self._source_job(job)
        return count

    def _order_request(self, order: RenderOrder) -> tuple[RenderRequest, Job | None, list[str]]:
        """The request an order makes, its source job, and local problems (missing files)."""
        extra: list[str] = []
        source = None
        source_remote = None
        if order.operation is not Operation.CREATE:
            source = self._repo.get_job(order.parent_id) if order.parent_id is not None else None
            source_remote = source.remote_id if source else None
        reference = None
        if order.reference_path:
            try:
                info = probe_image(order.reference_path)
                reference = replace(info, path=str(order.reference_path))
            except UserError as exc:
                extra.append(str(exc))
                reference = ImageInfo(format="", width=0, height=0, path=order.reference_path)
        names = {c.remote_id: c.name for c in self._repo.list_characters(order.provider)}
        characters = tuple(
            CharacterRef(remote_id=cid, name=names.get(cid, cid)) for cid in order.character_ids
        )
        request = RenderRequest(
            prompt=order.prompt,
            model=order.model,
            size=order.size,
            seconds=order.seconds,
            operation=order.operation,
            source_remote_id=source_remote,
            reference=reference,
            characters=characters,
            batch=order.batch,
        )
        return request, source, extra

    def preflight(self, order: RenderOrder) -> Preflight:
        """Validation, policy flags, cost and budget for ``order``; no network, no writes."""
        request, source, extra = self._order_request(order)
        profile = self._registry.profile(order.provider)
        catalog = profile.catalog()
        problems = list(
            validate_request(
                request,
                catalog,
                long_durations=profile.long_durations_enabled,
                source_seconds=source.seconds if source else None,
                source_extension_count=self._extension_count(source),
            )
        )
        problems += [ValidationProblem("reference", message) for message in extra]
        if order.variants < 1:
            problems.append(ValidationProblem("variants", "Ask for at least one variant."))
        if order.batch and order.operation is not Operation.CREATE:
            problems.append(
                ValidationProblem(
                    "batch", f"Batch only creates new videos; send the {order.operation} alone."
                )
            )
        # Seconds billed: an extension's order carries the new segment only.
        variants = max(order.variants, 1)
        per_variant = order_estimate(
            catalog, model=order.model, size=order.size, seconds=order.seconds, batch=order.batch
        )
        batch_total = order_estimate(
            catalog,
            model=order.model,
            size=order.size,
            seconds=order.seconds,
            batch=True,
            variants=variants,
        )
        total = per_variant * variants
        cap, left = budget_left_after(self._repo, total)
        return Preflight(
            problems=tuple(problems),
            policy_flags=precheck(order.prompt),
            estimate_cents=total,
            batch_estimate_cents=batch_total,
            per_variant_cents=per_variant,
            budget_cap_cents=cap,
            budget_left_after_cents=left,
        )

    def submit(self, order: RenderOrder) -> list[Job]:
        """Commit one ``queued_local`` job per variant (nothing is sent here).

        Raises ``UserError`` naming every problem, or ``BudgetExceeded`` with the numbers.
        """
        check = self.preflight(order)
        if check.problems:
            raise UserError(
                "Cannot render this yet: "
                + " ".join(f"{p.field}: {p.message}" for p in check.problems)
            )
        if check.policy_flags:
            raise UserError(
                "The provider would likely refuse this prompt: "
                + " ".join(f"“{f.phrase}”: {f.message}" for f in check.policy_flags)
            )
        check_budget(self._repo, check.estimate_cents)
        request, source, _ = self._order_request(order)
        reference_sha = (
            library.sha256_of(Path(order.reference_path)) if order.reference_path else None
        )
        seconds = order.seconds
        if order.operation is Operation.EXTEND and source is not None:
            seconds = source.seconds + order.seconds  # the job stores the stitched total
        jobs: list[Job] = []
        with self._repo.db.atomic():
            for index in range(order.variants):
                fingerprint = request_fingerprint(
                    request,
                    provider=order.provider,
                    reference_sha256=reference_sha,
                    nonce=f"variant-{index}" if index else "",
                )
                jobs.append(
                    self._repo.create_job(
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
                    )
                )
        for job in jobs:
            self._repo.log_event("job_queued", {"estimate_cents": str(job.estimate_cents)}, job.id)
            self._emit(job, "queued")
        return jobs

    def _request_for(self, job: Job) -> RenderRequest:
        names = {c.remote_id: c.name for c in self._repo.list_characters(job.provider)}
        return build_request(job, parent=self._source_job(job), characters=names)

    # -- queue control -----------------------------------------------------------------------

    @property
    def is_paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Stop sending queued jobs (running renders are still polled and downloaded)."""
        self._paused = True
        self._repo.set_setting(PAUSED_SETTING, True)

    def resume(self) -> None:
        self._paused = False
        self._repo.set_setting(PAUSED_SETTING, False)

    def reorder(self, job_id: int, position: int) -> None:
        """Move a locally queued job to ``position`` (0 = next to send)."""
        queued = self._repo.jobs_in_status(JobStatus.QUEUED_LOCAL, JobStatus.RATE_LIMITED)
        job = next((j for j in queued if j.id == job_id), None)
        if job is None:
            raise UserError(f"job {job_id} is not waiting in the local queue, so it cannot move")
        order = [j for j in queued if j.id != job_id]
        order.insert(max(0, min(position, len(order))), job)
        slots = sorted(j.queue_position for j in queued)
        with self._repo.db.atomic():
            for slot, item in zip(slots, order, strict=True):
                if item.queue_position != slot:
                    self._emit(self._repo.update_job(item.id, queue_position=slot), "reordered")

    def cancel(self, job_id: int) -> Job:
        """Drop a local job; stop tracking a remote one and delete it remotely when it ends."""
        job = self._repo.require_job(job_id)
        if job.status in (JobStatus.DRAFT, JobStatus.QUEUED_LOCAL, JobStatus.RATE_LIMITED):
            return self._set(
                job,
                "cancelled",
                status=JobStatus.CANCELLED,
                error_message="Cancelled before it was sent; nothing was charged.",
            )
        if job.status in ACTIVE_REMOTE:
            self._pending_delete.add(job.id)
            self._repo.log_event(EVENT_DELETE_PENDING, {"remote_id": job.remote_id}, job.id)
            return self._set(
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

    def retry(self, job_id: int) -> Job:
        """Download again when only the download failed; otherwise queue a new render."""
        job = self._repo.require_job(job_id)
        if job.status is JobStatus.DOWNLOADING:
            self._download_due[job.id] = 0.0
            self._download_rounds.pop(job.id, None)
            return self._set(job, "download retried", error_class=None, error_message=None)
        if job.status is JobStatus.RATE_LIMITED:
            self._not_before.pop(job.provider, None)
            return self._set(job, "retried", status=JobStatus.QUEUED_LOCAL)
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
        source = self._source_job(job) if job.operation is not Operation.CREATE else None
        seconds = job.seconds
        if job.operation is Operation.EXTEND and source is not None:
            seconds = job.seconds - source.seconds
        order = RenderOrder(
            prompt=job.prompt,
            model=job.model,
            size=job.size,
            seconds=seconds,
            provider=job.provider,
            brief=job.brief,
            batch=job.use_batch,
            reference_path=job.reference_path,
            character_ids=job.character_ids,
            operation=job.operation,
            parent_id=source.id if source is not None else job.id,
            lineage_kind=kind,
        )
        order = replace(order, **changes)
        created = self.submit(order)
        if order.parent_id != job.id:
            # Keep lineage pointing at the job the person acted on; the source stays on record.
            created = [self._repo.update_job(j.id, parent_id=job.id) for j in created]
        return created

    def delete(self, job_id: int, *, remote: bool) -> None:
        """Remove a job's files and mark it deleted; with ``remote`` also the provider's copy."""
        job = self._repo.require_job(job_id)
        if job.status is JobStatus.SUBMITTING:
            raise UserError(f"job {job_id} is being sent right now; delete it in a few seconds")
        # The provider's copy first: if it refuses, nothing local has changed yet.
        if remote and job.remote_id:
            if job.status in ACTIVE_REMOTE or (
                job.status is JobStatus.CANCELLED and job.id in self._pending_delete
            ):
                self._pending_delete.add(job.id)
                self._repo.log_event(EVENT_DELETE_PENDING, {"remote_id": job.remote_id}, job.id)
            else:
                self._delete_remote(job)
        library.remove_job_files(self._root, job)
        for variant in list(self._repo.assets_for(job.id)):
            self._repo.delete_asset(job.id, variant)
        self._set(job, "deleted", status=JobStatus.DELETED)

    def _delete_remote(self, job: Job) -> bool:
        assert job.remote_id is not None
        try:
            self._registry.client(job.provider).delete(job.remote_id)
        except ProviderError as exc:
            if exc.error_class not in (ErrorClass.NOT_FOUND, ErrorClass.EXPIRED):
                raise UserError(
                    f"the provider did not delete its copy of job {job.id}: {exc.message}"
                ) from exc
        self._pending_delete.discard(job.id)
        self._repo.log_event(EVENT_DELETED, {"remote_id": job.remote_id}, job.id)
        return True

    # -- derived renders ---------------------------------------------------------------------

    def _finished_source(self, job_id: int, what: str) -> Job:
        job = self._repo.require_job(job_id)
        if job.status is not JobStatus.READY or not job.remote_id:
            raise UserError(
                f"job {job_id} is {job.status.value}; a {what} needs a finished, downloaded video"
            )
        return job

    def remix(self, job_id: int, prompt: str) -> Job:
        src = self._finished_source(job_id, "remix")
        return self._child(src, Operation.REMIX, LineageKind.REMIX, prompt, src.seconds)

    def edit(self, job_id: int, prompt: str) -> Job:
        src = self._finished_source(job_id, "edit")
        return self._child(src, Operation.EDIT, LineageKind.EDIT, prompt, src.seconds)

    def extend(self, job_id: int, prompt: str, seconds: int) -> Job:
        """Add a ``seconds`` segment; the new job's length is the stitched total."""
        src = self._finished_source(job_id, "extension")
        return self._child(src, Operation.EXTEND, LineageKind.EXTENSION, prompt, seconds)

    def _child(
        self, src: Job, operation: Operation, kind: LineageKind, prompt: str, seconds: int
    ) -> Job:
        order = RenderOrder(
            prompt=prompt,
            model=src.model,
            size=src.size,
            seconds=seconds,
            provider=src.provider,
            brief=src.brief,
            operation=operation,
            parent_id=src.id,
            lineage_kind=kind,
        )
        return self.submit(order)[0]

    def promote(self, job_id: int, size: str) -> Job:
        """The same recipe on ``sora-2-pro`` at ``size`` (see :meth:`promotion_quote` first)."""
        job = self._repo.require_job(job_id)
        if job.operation is not Operation.CREATE:
            raise UserError(
                f"job {job_id} is a {job.operation.value}; promote the original clip instead"
            )
        return self._derive(job, LineageKind.PROMOTION, model=PRO_MODEL, size=size, batch=False)[0]

    def upload_character(self, provider: str, name: str, path: Path) -> Character:
        """Check a 2-4 s clip locally, upload it as a reusable character, and record it."""
        return upload_character(
            self._repo, self._registry, provider=provider, name=name, path=Path(path)
        )

    def promotion_quote(self, job_id: int, size: str) -> tuple[Decimal, Decimal]:
        """(what the job cost or will cost, what the pro render would cost), in cents."""
        job = self._repo.require_job(job_id)
        catalog = self._registry.catalog(job.provider)
        current = job.cost_cents if job.cost_cents is not None else job.estimate_cents
        pro = order_estimate(catalog, model=PRO_MODEL, size=size, seconds=job.seconds, batch=False)
        return current, pro

    def regenerate(self, job_id: int) -> Job:
        """Another take of the same recipe."""
        return self._derive(self._repo.require_job(job_id), LineageKind.REGENERATE)[0]

    # -- the poll step -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _collecting(self) -> Iterator[None]:
        self._updated = {}
        self._stalled_now = []
        yield

    def poll_once(self) -> PollReport:
        """One bounded step of work; see the module docstring."""
        with self._collecting():
            requests = 0
            if not self._reconciled:
                requests += self._reconcile().requests_made
            now = self._clock()
            self._apply_download_results(now)
            if not self._paused:
                requests += self._dispatch(now)
            requests += self._confirm_unconfirmed(now)
            requests += self._poll_due(now)
            requests += self._poll_batches(now)
            self._start_due_downloads(now)
            self._check_expiry(now)
            return PollReport(
                updated=tuple(self._updated.values()),
                next_delay_s=self._next_delay(self._clock()),
                requests_made=requests,
                connection_ok=self._connection[0],
                connection_message=self._connection[1],
                stalled=tuple(self._stalled_now),
            )

    def _note_connection(self, error: ProviderError | None) -> None:
        if error is None:
            self._connection = (True, "")
        elif error.error_class in (ErrorClass.TRANSIENT, ErrorClass.AUTH):
            self._connection = (False, error.message)

    # submission ----------------------------------------------------------------------------

    def _dispatch(self, now: float) -> int:
        requests = 0
        waiting = self._repo.jobs_in_status(JobStatus.QUEUED_LOCAL, JobStatus.RATE_LIMITED)
        batch_jobs = [
            j
            for j in waiting
            if j.use_batch
            and j.status is JobStatus.QUEUED_LOCAL
            and self._not_before.get(j.provider, 0.0) <= now
        ]
        if batch_jobs:
            step = self._batches.dispatch(batch_jobs)
            requests += self._apply_batch_step(step)
            if step.error is not None:
                wait = step.error.retry_after_s or self._policy.max_interval_s
                for provider in {j.provider for j in batch_jobs}:
                    self._not_before[provider] = now + wait
        sent = 0
        busy = self._active_counts()
        for job in (j for j in waiting if not j.use_batch):
            if sent >= self._max_submits:
                break
            if self._not_before.get(job.provider, 0.0) > now:
                continue
            try:
                limit = self._registry.concurrency(job.provider)
            except UserError as exc:
                self._set(
                    job,
                    "failed",
                    status=JobStatus.FAILED,
                    error_class=ErrorClass.INVALID_REQUEST,
                    error_message=str(exc),
                )
                continue
            if busy.get(job.provider, 0) >= limit:
                continue
            outcome = self._submitter.send(job)
            if outcome is None:
                continue  # another engine on this library took it
            requests += 1
            sent += 1
            self._emit(outcome.job, "submitted" if outcome.job.remote_id else "send failed")
            if outcome.job.remote_id:
                busy[job.provider] = busy.get(job.provider, 0) + 1
                self._next_poll_at.setdefault(job.provider, now)
                self._note_connection(None)
                if outcome.hints is not None:
                    self._apply_ratelimit_hints(job.provider, outcome.hints, now)
            if outcome.unconfirmed:
                busy[job.provider] = busy.get(job.provider, 0) + 1
                attempts = self._send_attempts.get(job.id, 0) + 1
                self._send_attempts[job.id] = attempts
                self._unconfirmed[job.id] = (attempts, now + CONFIRM_DELAY_S, False)
                self._note_connection(
                    ProviderError(ErrorClass.TRANSIENT, outcome.job.error_message or "")
                )
            if outcome.rate_limited_for_s is not None:
                self._not_before[job.provider] = now + outcome.rate_limited_for_s
        return requests

    def _active_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for job in self._repo.jobs_in_status(JobStatus.SUBMITTING, *ACTIVE_REMOTE):
            if job.batch_id is None:
                counts[job.provider] = counts.get(job.provider, 0) + 1
        return counts

    def _apply_ratelimit_hints(self, provider: str, hints: PollHints, now: float) -> None:
        if hints.ratelimit_remaining is not None and hints.ratelimit_remaining <= 0:
            wait = hints.ratelimit_reset_s if hints.ratelimit_reset_s is not None else 1.0
            self._not_before[provider] = max(self._not_before.get(provider, 0.0), now + wait)

    def _confirm_unconfirmed(self, now: float) -> int:
        """Look for sends that failed ambiguously; resend only those the provider lacks."""
        due = [jid for jid, (_, at, _) in self._unconfirmed.items() if at <= now]
        if not due:
            return 0
        jobs = [j for j in (self._repo.get_job(jid) for jid in due) if j is not None]
        jobs = [j for j in jobs if j.status is JobStatus.SUBMITTING and not j.remote_id]
        for jid in due:
            if jid not in {j.id for j in jobs}:
                self._unconfirmed.pop(jid, None)
        requests = 0
        for provider in sorted({j.provider for j in jobs}):
            group = [j for j in jobs if j.provider == provider]
            try:
                client = self._registry.client(provider)
            except ProviderError as exc:
                self._note_connection(exc)
                for job in group:
                    attempts, _, crashed = self._unconfirmed[job.id]
                    self._unconfirmed[job.id] = (
                        attempts,
                        now + self._policy.max_interval_s,
                        crashed,
                    )
                continue
            result = find_unconfirmed(
                client,
                group,
                taken=lambda rid: self._repo.find_job_by_remote_id(rid) is not None,
                canonical=self._canonical(provider),
            )
            requests += result.requests
            self._note_connection(result.error)
            if result.error is not None:
                for job in group:
                    attempts, _, crashed = self._unconfirmed[job.id]
                    self._unconfirmed[job.id] = (attempts, now + 5.0 * max(attempts, 1), crashed)
                continue
            for job_id, video in result.found.items():
                self._unconfirmed.pop(job_id, None)
                self._attach_found(self._repo.require_job(job_id), video, now)
            for job_id in result.not_found:
                attempts, _, crashed = self._unconfirmed.pop(job_id)
                job = self._repo.require_job(job_id)
                if crashed:
                    self._fail_unconfirmed(job)
                elif attempts >= MAX_CONFIRM_ATTEMPTS:
                    self._set(
                        job,
                        "failed",
                        status=JobStatus.FAILED,
                        error_class=ErrorClass.TRANSIENT,
                        error_message=(
                            f"The provider could not be reached after {attempts} tries "
                            f"({job.error_message or 'no answer'}); nothing was charged. Retry "
                            "it when the provider is back."
                        ),
                    )
                else:
                    self._set(job, "requeued", status=JobStatus.QUEUED_LOCAL)
        return requests

    def _fail_unconfirmed(self, job: Job) -> None:
        self._set(
            job,
            "unconfirmed",
            status=JobStatus.FAILED,
            error_class=ErrorClass.SUBMIT_UNCONFIRMED,
            error_message=UNCONFIRMED_MESSAGE,
        )

    def _canonical(self, provider: str) -> Callable[[str], str]:
        catalog = self._registry.catalog(provider)
        return lambda model: catalog.canonical_model(model) or model

    def _attach_found(self, job: Job, video: RemoteVideo, now: float) -> None:
        job = self._repo.attach_remote_id(job.id, video.id)
        self._repo.log_event("submit_reconciled", {"remote_id": video.id}, job.id)
        if video.is_finished:
            self._apply_remote(job, video, now)
        else:
            self._set(
                job,
                "found on the provider",
                status=JobStatus.IN_PROGRESS if video.status == "in_progress" else JobStatus.QUEUED,
                progress=video.progress,
                error_class=None,
                error_message=None,
                last_progress_at=now,
            )
            self._next_poll_at.setdefault(job.provider, now)

    # polling -------------------------------------------------------------------------------

    def _poll_due(self, now: float) -> int:
        active = [j for j in self._repo.jobs_in_status(*ACTIVE_REMOTE) if j.remote_id]
        watched = [
            j
            for j in self._repo.jobs_in_status(JobStatus.CANCELLED)
            if j.id in self._pending_delete and j.remote_id
        ]
        requests = 0
        for provider in sorted({j.provider for j in active + watched}):
            if (
                max(self._next_poll_at.get(provider, now), self._not_before.get(provider, 0.0))
                > now
            ):
                continue
            group = [j for j in active if j.provider == provider]
            doomed = [j for j in watched if j.provider == provider]
            try:
                client = self._registry.client(provider)
            except ProviderError as exc:
                self._note_connection(exc)
                self._next_poll_at[provider] = now + self._policy.max_interval_s
                continue
            outcome = poll_jobs(client, group + doomed)
            requests += outcome.requests
            self._note_connection(outcome.error)
            by_remote = {j.remote_id: j for j in group}
            for remote_id, video in outcome.videos.items():
                if remote_id in by_remote:
                    self._apply_remote(by_remote[remote_id], video, now)
            for job in doomed:
                seen = outcome.videos.get(job.remote_id or "")
                if (seen is not None and seen.is_finished) or job.remote_id in outcome.missing:
                    with contextlib.suppress(UserError):
                        self._delete_remote(job)
            for remote_id in outcome.missing:
                if remote_id in by_remote:
                    self._set(
                        by_remote[remote_id],
                        "lost",
                        status=JobStatus.FAILED,
                        error_class=ErrorClass.NOT_FOUND,
                        error_message=(
                            "The provider no longer knows this job (it may have been deleted "
                            "elsewhere). Retry it to render it again."
                        ),
                    )
            self._schedule_poll(provider, group, outcome.hints, outcome.error, now)
        return requests

    def _schedule_poll(
        self,
        provider: str,
        jobs: list[Job],
        hints: PollHints | None,
        error: ProviderError | None,
        now: float,
    ) -> None:
        youngest = max((j.submitted_at or j.created_at for j in jobs), default=now)
        retry_after = error.retry_after_s if error is not None else None
        if error is not None and retry_after is None:
            retry_after = self._policy.base_interval_s * 2
        own = self._policy.next_delay_s(
            elapsed_s=now - youngest,
            retry_after_s=retry_after,
            ratelimit_remaining=hints.ratelimit_remaining if hints else None,
            ratelimit_reset_s=hints.ratelimit_reset_s if hints else None,
        )
        # openai-poll-after-ms is honoured as a floor: never sooner than the server asks, and
        # with many jobs in one list call there is no reason to ask more often than our base.
        hinted = self._policy.next_delay_s(
            elapsed_s=now - youngest,
            server_hint_ms=hints.poll_after_ms if hints else None,
            retry_after_s=retry_after,
        )
        self._next_poll_at[provider] = now + max(own, hinted)
        if error is not None and error.error_class is ErrorClass.RATE_LIMITED:
            self._not_before[provider] = now + (retry_after or 0.0)

    def _apply_remote(self, job: Job, video: RemoteVideo, now: float) -> None:
        try:
            target = status_from_remote(video.status, video.error_code)
        except ValueError as exc:
            log.warning("job %s: %s", job.id, exc)
            return
        if target in ACTIVE_REMOTE:
            self._observe_progress(job, video, target, now)
        elif target is JobStatus.DOWNLOADING:
            self._completed(job, video, now)
        elif target in (JobStatus.FAILED, JobStatus.BLOCKED):
            error_class, message = classify_video_failure(video.error_code, video.error_message)
            if target is JobStatus.BLOCKED:
                error_class = ErrorClass.POLICY_BLOCKED
            self._set(
                job,
                "blocked" if target is JobStatus.BLOCKED else "failed",
                status=target,
                error_class=error_class,
                error_message=message[:1].upper() + message[1:] + ".",
                completed_at=float(video.completed_at) if video.completed_at else now,
            )
            self._forget(job.id)
        else:
            self._set(job, target.value, status=target)
            self._forget(job.id)

    def _observe_progress(
        self, job: Job, video: RemoteVideo, target: JobStatus, now: float
    ) -> None:
        detector = self._stalls.setdefault(
            job.id,
            StallDetector(
                threshold_s=self._stall_threshold_s,
                near_done_threshold_s=min(self._stall_threshold_s, 300.0),
            ),
        )
        detector.observe(video.progress, now)
        changes: dict[str, Any] = {}
        if target is not job.status:
            changes["status"] = target
        if video.progress != job.progress:
            changes["progress"] = video.progress
            changes["last_progress_at"] = now
        if detector.is_stalled(now):
            if job.id not in self._stall_reported:
                self._stall_reported.add(job.id)
                minutes = detector.stalled_for_s(now) / 60
                message = (
                    f"No progress for {minutes:.0f} min at {video.progress} %: the provider may be "
                    "stuck. Keep waiting, or cancel and retry it."
                )
                self._stalled_now.append((job.id, message))
                self._repo.log_event("stalled", {"progress": video.progress}, job.id)
                changes.update(error_class=ErrorClass.STALLED, error_message=message)
        elif job.id in self._stall_reported:
            self._stall_reported.discard(job.id)
            changes.update(error_class=None, error_message=None)
        if changes:
            self._set(job, "progress", **changes)

    def _completed(self, job: Job, video: RemoteVideo, now: float) -> None:
        source = self._source_job(job)
        total = video.seconds or job.seconds
        billed = billable_seconds(job.operation, total, source.seconds if source else None)
        cost = actual_cost(self._registry.catalog(job.provider), job, billed)
        job = self._set(
            job,
            "rendered",
            status=JobStatus.DOWNLOADING,
            progress=100,
            seconds=total,
            cost_cents=cost,
            error_class=None,
            error_message=None,
            completed_at=float(video.completed_at) if video.completed_at else now,
            expires_at=float(video.expires_at) if video.expires_at else None,
        )
        self._stalls.pop(job.id, None)
        self._download_due[job.id] = now
        self._start_download(job)

    def _forget(self, job_id: int) -> None:
        self._stalls.pop(job_id, None)
        self._stall_reported.discard(job_id)

    def _poll_batches(self, now: float) -> int:
        if now < self._next_batch_poll_at:
            return 0
        step = self._batches.poll()
        self._next_batch_poll_at = now + (
            self._policy.base_interval_s if step.requests else IDLE_DELAY_S
        )
        return self._apply_batch_step(step)

    def _apply_batch_step(self, step: BatchStep) -> int:
        for job in step.updated:
            self._emit(job, "batch")
        for job, video in step.videos:
            self._attach_found(job, video, self._clock())
        if step.requests:
            self._note_connection(step.error)
        return step.requests

    # downloads -----------------------------------------------------------------------------

    def _start_download(self, job: Job) -> None:
        if job.id in self._downloads.active_job_ids() or not job.remote_id:
            return
        try:
            client = self._registry.client(job.provider)
        except ProviderError as exc:
            self._note_connection(exc)
            return
        parent = self._repo.get_job(job.parent_id) if job.parent_id is not None else None
        task = DownloadTask(
            job=job,
            remote_id=job.remote_id,
            recipe=library.recipe_for(job, (), parent=parent),
            video_seconds=float(job.seconds),
            client=client,
        )
        if self._downloads.start(task):
            self._download_due.pop(job.id, None)

    def _start_due_downloads(self, now: float) -> None:
        active = self._downloads.active_job_ids()
        for job in self._repo.jobs_in_status(JobStatus.DOWNLOADING):
            if job.id in active:
                continue
            if self._download_due.setdefault(job.id, now) <= now and not self._expired(job, now):
                self._start_download(job)

    def _apply_download_results(self, now: float) -> None:
        for result in self._downloads.drain():
            job = self._repo.get_job(result.job_id)
            if job is None or job.status is not JobStatus.DOWNLOADING:
                continue  # deleted or changed meanwhile; its files are removed with it
            if result.ok:
                self._download_succeeded(job, result)
            elif result.error_class is ErrorClass.EXPIRED:
                self._set(
                    job,
                    "expired",
                    status=JobStatus.EXPIRED,
                    error_class=ErrorClass.EXPIRED,
                    error_message=result.error_message,
                )
            else:
                self._download_failed(job, result, now)

    def _download_succeeded(self, job: Job, result: DownloadResult) -> None:
        with self._repo.db.atomic():
            for item in result.files:
                self._repo.upsert_asset(
                    Asset(
                        job_id=job.id,
                        variant=item.variant,
                        path=item.path,
                        bytes=item.bytes,
                        sha256=item.sha256,
                        verified=True,
                    )
                )
            job = self._repo.update_job(
                job.id, status=JobStatus.READY, error_class=None, error_message=None
            )
        self._download_rounds.pop(job.id, None)
        self._download_due.pop(job.id, None)
        self._repo.log_event("downloaded", {"recipe": result.recipe_path}, job.id)
        self._emit(job, "ready")

    def _download_failed(self, job: Job, result: DownloadResult, now: float) -> None:
        rounds = self._download_rounds.get(job.id, 0) + 1
        self._download_rounds[job.id] = rounds
        if rounds >= MAX_DOWNLOAD_ROUNDS or result.error_class is ErrorClass.INTERNAL:
            self._set(
                job,
                "download failed",
                status=JobStatus.FAILED,
                error_class=ErrorClass.DOWNLOAD_FAILED,
                error_message=result.error_message,
            )
            return
        wait = DOWNLOAD_RETRY_S[min(rounds - 1, len(DOWNLOAD_RETRY_S) - 1)]
        self._download_due[job.id] = now + wait
        self._set(
            job,
            "download failed",
            error_class=ErrorClass.DOWNLOAD_FAILED,
            error_message=f"{result.error_message} Trying again in {wait:.0f} s.",
        )

    def _expired(self, job: Job, now: float) -> bool:
        if job.expires_at is None or now < job.expires_at:
            return False
        self._set(
            job,
            "expired",
            status=JobStatus.EXPIRED,
            error_class=ErrorClass.EXPIRED,
            error_message=(
                "The provider's copy expired before it could be downloaded; nothing more can be "
                "fetched. Render it again."
            ),
        )
        return True

    def _check_expiry(self, now: float) -> None:
        for job in self._repo.jobs_in_status(JobStatus.DOWNLOADING):
            if job.expires_at is None or job.id in self._expiry_warned:
                continue
            left = job.expires_at - now
            if 0 < left <= self._expiry_warning_s:
                self._expiry_warned.add(job.id)
                self._repo.log_event("expiry_warning", {"seconds_left": round(left)}, job.id)
                self._emit(
                    job,
                    f"its files expire on the provider in {left / 60:.0f} min; "
                    "download before then",
                )

    def _next_delay(self, now: float) -> float:
        candidates = [IDLE_DELAY_S]
        if self._downloads.active_job_ids():
            candidates.append(BUSY_DELAY_S)
        candidates += [at - now for at in self._next_poll_at.values()]
        candidates += [at - now for _, at, _ in self._unconfirmed.values()]
        candidates += [at - now for at in self._download_due.values()]
        if not self._paused and self._repo.count_jobs(JobStatus.QUEUED_LOCAL):
            candidates.append(BUSY_DELAY_S)
        return min(max(min(candidates), self._policy.min_interval_s), self._policy.max_interval_s)

    # -- reconcile and shutdown --------------------------------------------------------------

    def reconcile(self) -> ReconcileReport:
        """Resolve what an earlier process left unfinished (also run by the first poll)."""
        with self._collecting():
            return self._reconcile()

    def _reconcile(self) -> ReconcileReport:
        self._reconciled = True
        now = self._clock()
        removed = library.sweep_partials(self._root)
        for event in self._repo.events(kind=EVENT_DELETE_PENDING):
            if event.job_id is not None:
                self._pending_delete.add(event.job_id)
        for event in self._repo.events(kind=EVENT_DELETED):
            if event.job_id is not None:
                self._pending_delete.discard(event.job_id)
        submitting = self._repo.jobs_in_status(JobStatus.SUBMITTING)
        attached: list[int] = []
        unconfirmed: list[int] = []
        requests = 0
        for job in submitting:
            if job.remote_id:  # crashed between the two commits after create returned
                self._set(job, "reconciled", status=JobStatus.QUEUED)
                self._next_poll_at.setdefault(job.provider, now)
                attached.append(job.id)
        batch_jobs = [j for j in submitting if not j.remote_id and j.batch_id is not None]
        for job in self._batches.reconcile(batch_jobs):
            unconfirmed.append(job.id)
            self._emit(job, "unconfirmed")
        plain = []
        for job in submitting:
            if job.remote_id or job.batch_id is not None:
                continue
            if now - job.updated_at < self._submit_grace_s:
                # Maybe another engine on this library is sending it right now: look later.
                self._unconfirmed[job.id] = (0, job.updated_at + self._submit_grace_s, True)
            else:
                plain.append(job)
        for provider in sorted({j.provider for j in plain}):
            group = [j for j in plain if j.provider == provider]
            try:
                client = self._registry.client(provider)
            except ProviderError as exc:
                self._note_connection(exc)
                for job in group:
                    self._unconfirmed[job.id] = (0, now + 5.0, True)
                continue
            result = find_unconfirmed(
                client,
                group,
                taken=lambda rid: self._repo.find_job_by_remote_id(rid) is not None,
                canonical=self._canonical(provider),
            )
            requests += result.requests
            self._note_connection(result.error)
            if result.error is not None:
                # Decide nothing while the provider is unreachable; look again shortly.
                for job in group:
                    self._unconfirmed[job.id] = (0, now + 5.0, True)
                continue
            for job_id, video in result.found.items():
                self._attach_found(self._repo.require_job(job_id), video, now)
                attached.append(job_id)
            for job_id in result.not_found:
                self._fail_unconfirmed(self._repo.require_job(job_id))
                unconfirmed.append(job_id)
        downloading = self._repo.jobs_in_status(JobStatus.DOWNLOADING)
        for job in downloading:
            self._download_due[job.id] = now
        report = ReconcileReport(
            attached=tuple(attached),
            unconfirmed=tuple(unconfirmed),
            requeued_downloads=tuple(j.id for j in downloading),
            partial_files_removed=removed,
            requests_made=requests,
        )
        if attached or unconfirmed or downloading or removed:
            self._repo.log_event(
                "reconciled",
                {
                    "attached": list(attached),
                    "unconfirmed": list(unconfirmed),
                    "downloads": [j.id for j in downloading],
                    "partial_files_removed": removed,
                },
            )
        return report

    def wait_for_downloads(self, timeout_s: float) -> bool:
        """Block until running downloads finish (for the CLI's ``--wait``); True when idle."""
        return self._downloads.wait_idle(timeout_s)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop downloads (they resume next start) and close the provider clients."""
        if self._shut_down:
            return
        self._shut_down = True
        self._downloads.shutdown(timeout_s)
        self._registry.close()
