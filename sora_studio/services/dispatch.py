"""Sending queued jobs: Batch groups, single sends within each provider's concurrency limit, and
confirming sends that failed ambiguously before sending anything twice.

A send whose answer never arrived may or may not have created a render. It is looked for on the
provider (by fingerprint, :func:`reconcile.find_unconfirmed`) and only resent when absent, up to
``MAX_CONFIRM_ATTEMPTS`` sends; one left by a crashed process is failed for an explicit retry.
"""

from __future__ import annotations

from sora_studio.api.remote import PollHints
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import ErrorClass, Job, JobStatus
from sora_studio.services.batch import BatchService
from sora_studio.services.engine_core import ACTIVE_REMOTE, EngineCore
from sora_studio.services.reconcile import (
    UNCERTAIN_MESSAGE,
    UNCONFIRMED_MESSAGE,
    UNLISTABLE_MESSAGE,
    find_unconfirmed,
)
from sora_studio.services.remote_tracking import RemoteTracker
from sora_studio.services.submitter import Submitter
from sora_studio.services.sync_renders import SyncDispatch

MAX_CONFIRM_ATTEMPTS = 3
# Asking an unreachable provider whether a send arrived: this many times, waits doubling.
MAX_CONFIRM_CHECKS = 8
CONFIRM_DELAY_S = 1.0


class Dispatcher:
    """Sends the local queue and settles unconfirmed sends."""

    def __init__(
        self,
        core: EngineCore,
        submitter: Submitter,
        batches: BatchService,
        tracker: RemoteTracker,
        *,
        max_submits_per_tick: int,
    ) -> None:
        self._core = core
        self._submitter = submitter
        self._batches = batches
        self._tracker = tracker
        self._max_submits = max(1, max_submits_per_tick)
        self._send_attempts: dict[int, int] = {}
        self._checks: dict[int, int] = {}  # failed attempts to ask about an unconfirmed send
        self.sync = SyncDispatch(core, submitter, tracker)

    def dispatch(self, now: float) -> int:
        core = self._core
        requests = 0
        waiting = core.repo.jobs_in_status(JobStatus.QUEUED_LOCAL, JobStatus.RATE_LIMITED)
        batch_jobs = [
            j
            for j in waiting
            if j.use_batch
            and j.status is JobStatus.QUEUED_LOCAL
            and core.not_before.get(j.provider, 0.0) <= now
        ]
        if batch_jobs:
            step = self._batches.dispatch(batch_jobs)
            requests += self._tracker.apply_batch_step(step)
            if step.error is not None:
                wait = step.error.retry_after_s or core.policy.max_interval_s
                for provider in {j.provider for j in batch_jobs}:
                    core.not_before[provider] = now + wait
        sent = 0
        busy = self._active_counts()
        for job in (j for j in waiting if not j.use_batch):
            if sent >= self._max_submits:
                break
            if core.not_before.get(job.provider, 0.0) > now:
                continue
            try:
                limit = core.registry.concurrency(job.provider)
            except UserError as exc:
                core.set(
                    job,
                    "failed",
                    status=JobStatus.FAILED,
                    error_class=ErrorClass.INVALID_REQUEST,
                    error_message=str(exc),
                )
                continue
            if busy.get(job.provider, 0) >= limit:
                continue
            if core.capabilities(job.provider).synchronous:
                if self.sync.start(job, now):
                    sent += 1
                    requests += 1
                    busy[job.provider] = busy.get(job.provider, 0) + 1
                continue
            outcome = self._submitter.send(job)
            if outcome is None:
                continue  # another engine on this library took it
            requests += 1
            sent += 1
            core.emit(outcome.job, "submitted" if outcome.job.remote_id else "send failed")
            if outcome.job.remote_id:
                busy[job.provider] = busy.get(job.provider, 0) + 1
                core.next_poll_at.setdefault(job.provider, now)
                core.note_connection(None)
                if outcome.hints is not None:
                    self._apply_ratelimit_hints(job.provider, outcome.hints, now)
            if outcome.unconfirmed:
                busy[job.provider] = busy.get(job.provider, 0) + 1
                attempts = self._send_attempts.get(job.id, 0) + 1
                self._send_attempts[job.id] = attempts
                core.unconfirmed[job.id] = (attempts, now + CONFIRM_DELAY_S, False)
                core.note_connection(
                    ProviderError(ErrorClass.TRANSIENT, outcome.job.error_message or "")
                )
            if outcome.rate_limited_for_s is not None:
                core.not_before[job.provider] = now + outcome.rate_limited_for_s
        return requests

    def _active_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for job in self._core.repo.jobs_in_status(JobStatus.SUBMITTING, *ACTIVE_REMOTE):
            if job.batch_id is None:
                counts[job.provider] = counts.get(job.provider, 0) + 1
        return counts

    def _apply_ratelimit_hints(self, provider: str, hints: PollHints, now: float) -> None:
        if hints.ratelimit_remaining is not None and hints.ratelimit_remaining <= 0:
            wait = hints.ratelimit_reset_s if hints.ratelimit_reset_s is not None else 1.0
            not_before = self._core.not_before
            not_before[provider] = max(not_before.get(provider, 0.0), now + wait)

    def confirm_unconfirmed(self, now: float) -> int:
        """Look for sends that failed ambiguously; resend only those the provider lacks.

        A provider that cannot list cannot be asked, so such a send is failed for an explicit
        retry at once (never resent by itself); one that cannot be reached is asked again with
        a growing wait, ``MAX_CONFIRM_CHECKS`` times at most.
        """
        core = self._core
        due = [jid for jid, (_, at, _) in core.unconfirmed.items() if at <= now]
        if not due:
            return 0
        jobs = [j for j in (core.repo.get_job(jid) for jid in due) if j is not None]
        jobs = [j for j in jobs if j.status is JobStatus.SUBMITTING and not j.remote_id]
        for jid in due:
            if jid not in {j.id for j in jobs}:
                core.unconfirmed.pop(jid, None)
                self._checks.pop(jid, None)
        requests = 0
        for provider in sorted({j.provider for j in jobs}):
            group = [j for j in jobs if j.provider == provider]
            if core.polls_by_id(provider):
                for job in group:
                    core.unconfirmed.pop(job.id, None)
                    self.fail_unconfirmed(job, listable=False)
                continue
            try:
                client = core.registry.client(provider)
            except ProviderError as exc:
                core.note_connection(exc)
                self._check_later(group, now, exc)
                continue
            result = find_unconfirmed(
                client,
                group,
                taken=lambda rid: core.repo.find_job_by_remote_id(rid) is not None,
                canonical=core.canonical(provider),
                certain_without_prompt=not core.capabilities(provider).prompt_echoed,
            )
            requests += result.requests
            if result.list_refused:
                core.list_refused.add(provider)
                for job in group:
                    core.unconfirmed.pop(job.id, None)
                    self.fail_unconfirmed(job, listable=False)
                continue
            core.note_connection(result.error)
            if result.error is not None:
                self._check_later(group, now, result.error)
                continue
            for job_id, video in result.found.items():
                core.unconfirmed.pop(job_id, None)
                self._checks.pop(job_id, None)
                self._tracker.attach_found(core.repo.require_job(job_id), video, now)
            for job_id in result.not_found:
                attempts, _, crashed = core.unconfirmed.pop(job_id)
                self._checks.pop(job_id, None)
                job = core.repo.require_job(job_id)
                if crashed or job_id in result.uncertain:
                    self.fail_unconfirmed(job, uncertain=job_id in result.uncertain)
                elif attempts >= MAX_CONFIRM_ATTEMPTS:
                    core.set(
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
                    core.set(job, "requeued", status=JobStatus.QUEUED_LOCAL)
        return requests

    def _check_later(self, group: list[Job], now: float, error: ProviderError) -> None:
        """The provider could not be asked: ask again later, a bounded number of times."""
        core = self._core
        for job in group:
            checks = self._checks.get(job.id, 0) + 1
            self._checks[job.id] = checks
            attempts, _, crashed = core.unconfirmed[job.id]
            if checks >= MAX_CONFIRM_CHECKS:
                core.unconfirmed.pop(job.id, None)
                self._checks.pop(job.id, None)
                self.fail_unconfirmed(job, unreachable=error.message)
                continue
            wait = min(CONFIRM_DELAY_S * 5 * 2 ** (checks - 1), core.policy.max_retry_after_s)
            core.unconfirmed[job.id] = (attempts, now + wait, crashed)

    def fail_unconfirmed(
        self,
        job: Job,
        *,
        listable: bool = True,
        uncertain: bool = False,
        unreachable: str | None = None,
    ) -> None:
        """Fail a send that cannot be confirmed, for an explicit retry (never resent)."""
        if not listable:
            message = UNLISTABLE_MESSAGE
        elif uncertain:
            message = UNCERTAIN_MESSAGE
        elif unreachable is not None:
            message = (
                f"Sora Studio could not ask the provider whether it received this job "
                f"({unreachable}). If it did, it may still render and charge for it. Retry it "
                "to send it again."
            )
        else:
            message = UNCONFIRMED_MESSAGE
        self._core.set(
            job,
            "unconfirmed",
            status=JobStatus.FAILED,
            error_class=ErrorClass.SUBMIT_UNCONFIRMED,
            error_message=message,
        )
