"""Following renders on the provider: poll what is due, apply what it reports, track batches.

One list call per provider covers every running job there (:func:`poller.poll_jobs`); the next
poll is scheduled from the poll policy, the server's ``openai-poll-after-ms`` hint (a floor) and
any rate-limit wait. A job that completes gets its actual cost and goes to download; one that
stops making progress is reported as stalled once; a cancelled one is deleted on the provider as
soon as it ends.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sora_studio.api.errors import classify_video_failure
from sora_studio.api.remote import PollHints, RemoteVideo
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.lifecycle import StallDetector, status_from_remote
from sora_studio.core.models import ErrorClass, Job, JobStatus
from sora_studio.services.batch import BatchService, BatchStep
from sora_studio.services.download_results import DownloadFlow
from sora_studio.services.engine_core import ACTIVE_REMOTE, IDLE_DELAY_S, EngineCore
from sora_studio.services.poller import PollOutcome, StatusClient, poll_jobs, retrieve_jobs
from sora_studio.services.queue_control import QueueControl
from sora_studio.services.spend import actual_cost, billable_seconds

log = logging.getLogger("sora_studio.services.engine")

# Jobs asked about one by one in a single step, at most: the rest stay due for the next step,
# so one step never holds the engine's thread for long.
MAX_RETRIEVES_PER_TICK = 25
# A job that has run this share of a finished sibling's render time is asked about soon.
SIBLING_SHARE = 0.9


class RemoteTracker:
    """Polls providers and batches; applies remote state to jobs."""

    def __init__(
        self,
        core: EngineCore,
        downloads: DownloadFlow,
        batches: BatchService,
        queue: QueueControl,
        *,
        stall_threshold_s: float,
    ) -> None:
        self._core = core
        self._downloads = downloads
        self._batches = batches
        self._queue = queue
        self._stall_threshold_s = stall_threshold_s
        self._stalls: dict[int, StallDetector] = {}
        self._stall_reported: set[int] = set()
        self._next_batch_poll_at = 0.0

    # polling -------------------------------------------------------------------------------

    def poll_due(self, now: float) -> int:
        core = self._core
        active = [j for j in core.repo.jobs_in_status(*ACTIVE_REMOTE) if j.remote_id]
        watched = [
            j
            for j in core.repo.jobs_in_status(JobStatus.CANCELLED)
            if j.id in core.pending_delete and j.remote_id
        ]
        requests = 0
        for provider in sorted({j.provider for j in active + watched}):
            if max(core.next_poll_at.get(provider, now), core.not_before.get(provider, 0.0)) > now:
                continue
            group = [j for j in active if j.provider == provider]
            doomed = [j for j in watched if j.provider == provider]
            try:
                client = core.registry.client(provider)
            except ProviderError as exc:
                core.note_connection(exc)
                core.next_poll_at[provider] = now + core.policy.max_interval_s
                continue
            if core.polls_by_id(provider):
                requests += self._poll_by_id(provider, client, group, doomed, now)
                continue
            outcome = poll_jobs(client, group + doomed)
            requests += outcome.requests
            if outcome.list_refused:
                core.list_refused.add(provider)
                log.info("%s refused the list call; polling its jobs one by one", provider)
            core.note_connection(outcome.error)
            self._apply_outcome(group, doomed, outcome, now)
            self._schedule_poll(provider, group, outcome.hints, outcome.error, now)
        return requests

    def _poll_by_id(
        self,
        provider: str,
        client: StatusClient,
        group: list[Job],
        doomed: list[Job],
        now: float,
    ) -> int:
        """Ask about each due job of a provider that cannot list, then time each one's next ask.

        Each job waits for its own estimated finish (:class:`JobPacing`), so fifty jobs cost
        about as many requests as they need, not fifty every couple of seconds.
        """
        core = self._core
        tracked = group + doomed
        for job in tracked:
            if job.id not in core.job_poll_at:
                core.job_poll_at[job.id] = self._first_poll_at(job, now)
        due = sorted(
            (j for j in tracked if core.job_poll_at[j.id] <= now),
            key=lambda j: (core.job_poll_at[j.id], j.id),
        )[:MAX_RETRIEVES_PER_TICK]
        if not due:
            core.next_poll_at[provider] = min(core.job_poll_at[j.id] for j in tracked)
            return 0
        outcome = retrieve_jobs(client, due)
        core.note_connection(outcome.error)
        due_ids = {j.id for j in due}
        self._apply_outcome(
            [j for j in group if j.id in due_ids],
            [j for j in doomed if j.id in due_ids],
            outcome,
            now,
        )
        asked = set(outcome.videos) | set(outcome.missing)
        for job in due:
            video = outcome.videos.get(job.remote_id or "")
            if job.remote_id not in asked:
                continue  # not reached this time (an error stopped the round): still due
            if video is None or video.is_finished:
                self._forget_schedule(job.id)
                continue
            elapsed = now - (job.submitted_at or job.created_at)
            previous = core.seen_progress.get(job.id)
            core.seen_progress[job.id] = (elapsed, video.progress)
            hints = outcome.hints_by_id.get(job.remote_id or "")
            core.job_poll_at[job.id] = now + core.pacing.next_delay_s(
                elapsed_s=elapsed,
                expected_s=core.render_times.expected_s(job),
                progress=video.progress,
                server_hint_ms=hints.poll_after_ms if hints else None,
                previous=previous,
            )
        if outcome.error is not None:
            retry_after = outcome.error.retry_after_s
            wait = retry_after if retry_after is not None else core.policy.base_interval_s * 2
            core.next_poll_at[provider] = now + wait
            if outcome.error.error_class is ErrorClass.RATE_LIMITED:
                core.not_before[provider] = now + wait
        else:
            pending = [core.job_poll_at[j.id] for j in tracked if j.id in core.job_poll_at]
            core.next_poll_at[provider] = min(pending, default=now + IDLE_DELAY_S)
            self._respect_ratelimit(provider, outcome.hints, now)
        return outcome.requests

    def _first_poll_at(self, job: Job, now: float) -> float:
        """When to first ask about a job just sent (or found again after a restart)."""
        core = self._core
        sent_at = job.submitted_at or job.created_at or now
        if job.id in core.seen_progress:
            return now
        return sent_at + core.pacing.next_delay_s(
            elapsed_s=0.0, expected_s=core.render_times.expected_s(job), progress=None
        )

    def _respect_ratelimit(self, provider: str, hints: PollHints | None, now: float) -> None:
        """Few requests left in the window: spread the rest until it resets."""
        if hints is None or hints.ratelimit_remaining is None:
            return
        policy = self._core.policy
        if hints.ratelimit_remaining > policy.low_remaining:
            return
        wait = policy.next_delay_s(
            elapsed_s=0.0,
            ratelimit_remaining=hints.ratelimit_remaining,
            ratelimit_reset_s=hints.ratelimit_reset_s,
        )
        not_before = self._core.not_before
        not_before[provider] = max(not_before.get(provider, 0.0), now + wait)

    def _forget_schedule(self, job_id: int) -> None:
        self._core.job_poll_at.pop(job_id, None)
        self._core.seen_progress.pop(job_id, None)

    def _apply_outcome(
        self, group: list[Job], doomed: list[Job], outcome: PollOutcome, now: float
    ) -> None:
        """Apply one poll's findings: states, deletions of cancelled jobs, and lost jobs."""
        by_remote = {j.remote_id: j for j in group}
        for remote_id, video in outcome.videos.items():
            if remote_id in by_remote:
                self.apply_remote(by_remote[remote_id], video, now)
        for job in doomed:
            seen = outcome.videos.get(job.remote_id or "")
            if (seen is not None and seen.is_finished) or job.remote_id in outcome.missing:
                self._forget_schedule(job.id)
                with contextlib.suppress(UserError):
                    self._queue.delete_remote(job)
        for remote_id in outcome.missing:
            if remote_id in by_remote:
                self.mark_lost(by_remote[remote_id], now)

    def mark_lost(self, job: Job, now: float, *, deleted: bool = False) -> None:
        """The provider no longer knows a job it accepted: say so; never resend by itself."""
        caps = self._core.capabilities(job.provider)
        if deleted:
            why = "The provider deleted this job before it could be downloaded"
        elif not caps.keeps_jobs:
            why = (
                "The provider no longer knows this job: it keeps jobs only in memory, so a "
                "restart of the server lost it"
            )
        else:
            why = (
                "The provider no longer knows this job (it restarted, its copy expired, or it "
                "was deleted elsewhere)"
            )
        self._forget(job.id)
        self._forget_schedule(job.id)
        self._core.repo.log_event("lost_by_provider", {"remote_id": job.remote_id}, job.id)
        self._core.set(
            job,
            "lost by the provider",
            status=JobStatus.FAILED,
            error_class=ErrorClass.LOST,
            error_message=(
                f"{why}. Nothing more will arrive for it. Re-render it to try again "
                "(a new render, charged again)."
            ),
            completed_at=now,
        )

    def _schedule_poll(
        self,
        provider: str,
        jobs: list[Job],
        hints: PollHints | None,
        error: ProviderError | None,
        now: float,
    ) -> None:
        policy = self._core.policy
        youngest = max((j.submitted_at or j.created_at for j in jobs), default=now)
        retry_after = error.retry_after_s if error is not None else None
        if error is not None and retry_after is None:
            retry_after = policy.base_interval_s * 2
        own = policy.next_delay_s(
            elapsed_s=now - youngest,
            retry_after_s=retry_after,
            ratelimit_remaining=hints.ratelimit_remaining if hints else None,
            ratelimit_reset_s=hints.ratelimit_reset_s if hints else None,
        )
        # openai-poll-after-ms is honoured as a floor: never sooner than the server asks, and
        # with many jobs in one list call there is no reason to ask more often than our base.
        hinted = policy.next_delay_s(
            elapsed_s=now - youngest,
            server_hint_ms=hints.poll_after_ms if hints else None,
            retry_after_s=retry_after,
        )
        self._core.next_poll_at[provider] = now + max(own, hinted)
        if error is not None and error.error_class is ErrorClass.RATE_LIMITED:
            self._core.not_before[provider] = now + (retry_after or 0.0)

    def apply_remote(self, job: Job, video: RemoteVideo, now: float) -> None:
        """Move ``job`` to what the provider says about it."""
        try:
            target = status_from_remote(video.status, video.error_code)
        except ValueError as exc:
            log.warning("job %s: %s", job.id, exc)
            return
        if target in ACTIVE_REMOTE:
            self._observe_progress(job, video, target, now)
        elif target is JobStatus.DELETED:
            self.mark_lost(job, now, deleted=True)
        elif target is JobStatus.DOWNLOADING:
            self._completed(job, video, now)
        elif target in (JobStatus.FAILED, JobStatus.BLOCKED):
            error_class, message = classify_video_failure(video.error_code, video.error_message)
            if target is JobStatus.BLOCKED:
                error_class = ErrorClass.POLICY_BLOCKED
            self._core.set(
                job,
                "blocked" if target is JobStatus.BLOCKED else "failed",
                status=target,
                error_class=error_class,
                error_message=message[:1].upper() + message[1:] + ".",
                completed_at=float(video.completed_at) if video.completed_at else now,
            )
            self._forget(job.id)
        else:
            self._core.set(job, target.value, status=target)
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
                self._core.stalled_now.append((job.id, message))
                self._core.repo.log_event("stalled", {"progress": video.progress}, job.id)
                changes.update(error_class=ErrorClass.STALLED, error_message=message)
        elif job.id in self._stall_reported:
            self._stall_reported.discard(job.id)
            changes.update(error_class=None, error_message=None)
        if changes:
            self._core.set(job, "progress", **changes)

    def _completed(self, job: Job, video: RemoteVideo, now: float) -> None:
        core = self._core
        source = core.source_job(job)
        total = video.seconds or job.seconds
        billed = billable_seconds(job.operation, total, source.seconds if source else None)
        render_s = _render_seconds(job, video, now)
        if render_s is not None and job.operation.value == "create":
            core.render_times.observe(job, render_s)
        cost = actual_cost(
            core.registry.catalog(job.provider), job, billed, render_seconds=render_s
        )
        job = core.set(
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
            result_url=video.result_url,
        )
        self._stalls.pop(job.id, None)
        self._forget_schedule(job.id)
        self._downloads.due_now(job, now)
        if render_s is not None:
            self._nudge_siblings(job, render_s, now)

    def _nudge_siblings(self, done: Job, render_s: float, now: float) -> None:
        """Ask soon about jobs likely done by now: sent to the same provider and model about as
        long ago as ``done`` took to render. Takes and variants sent together finish together,
        so one finishing says more about the others than any estimate."""
        core = self._core
        if not core.polls_by_id(done.provider):
            return
        soon = now + core.pacing.near_interval_s / 2
        for job in core.repo.jobs_in_status(*ACTIVE_REMOTE):
            if job.provider != done.provider or job.model != done.model or job.id == done.id:
                continue
            due = core.job_poll_at.get(job.id)
            elapsed = now - (job.submitted_at or job.created_at)
            if due is not None and due > soon and elapsed >= SIBLING_SHARE * render_s:
                core.job_poll_at[job.id] = soon

    def _forget(self, job_id: int) -> None:
        self._forget_schedule(job_id)
        self._stalls.pop(job_id, None)
        self._stall_reported.discard(job_id)

    def attach_found(self, job: Job, video: RemoteVideo, now: float) -> None:
        """A send we were unsure of turned up on the provider: record it and follow it."""
        core = self._core
        job = core.repo.attach_remote_id(job.id, video.id)
        core.repo.log_event("submit_reconciled", {"remote_id": video.id}, job.id)
        if video.is_finished:
            self.apply_remote(job, video, now)
        else:
            core.set(
                job,
                "found on the provider",
                status=JobStatus.IN_PROGRESS if video.status == "in_progress" else JobStatus.QUEUED,
                progress=video.progress,
                error_class=None,
                error_message=None,
                last_progress_at=now,
            )
            core.next_poll_at.setdefault(job.provider, now)

    # batches -------------------------------------------------------------------------------

    def poll_batches(self, now: float) -> int:
        if now < self._next_batch_poll_at:
            return 0
        step = self._batches.poll()
        self._next_batch_poll_at = now + (
            self._core.policy.base_interval_s if step.requests else IDLE_DELAY_S
        )
        return self.apply_batch_step(step)

    def apply_batch_step(self, step: BatchStep) -> int:
        for job in step.updated:
            self._core.emit(job, "batch")
        for job, video in step.videos:
            self.attach_found(job, video, self._core.clock())
        if step.requests:
            self._core.note_connection(step.error)
        return step.requests


def _render_seconds(job: Job, video: RemoteVideo, now: float) -> float | None:
    """How long the provider took: its own clock when it gives both ends, else ours."""
    if video.inference_time_s:
        return video.inference_time_s
    if video.completed_at and video.created_at and video.completed_at >= video.created_at:
        return float(video.completed_at - video.created_at)
    started = job.submitted_at
    return now - started if started else None
