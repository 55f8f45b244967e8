"""The job state machine, the mapping from provider statuses, and the pure polling policies.

Everything here is a decision, not an action: the engine asks which transition is legal, how long
to wait before the next poll, and whether a job has stalled, then does the I/O itself. Keeping the
rules pure lets them be tested exhaustively and shared by the desk, the CLI and the emulator.

Lifecycle (DESIGN.md §3)::

    draft -> queued_local -> submitting -> queued -> in_progress -> downloading -> ready

with side exits ``failed``, ``blocked``, ``rate_limited``, ``cancelled``, ``expired`` and
``deleted``. A status may always be "entered" again from itself (a poll that changes only the
progress), and every status can be deleted; ``deleted`` is the end of everything.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sora_studio.core.models import JobStatus

S = JobStatus

ALLOWED_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    S.DRAFT: frozenset({S.QUEUED_LOCAL, S.SUBMITTING, S.CANCELLED, S.DELETED}),
    S.QUEUED_LOCAL: frozenset(
        # FAILED/BLOCKED: refused locally at submit time (validation, budget, policy).
        {S.SUBMITTING, S.RATE_LIMITED, S.FAILED, S.BLOCKED, S.CANCELLED, S.DELETED}
    ),
    S.SUBMITTING: frozenset(
        {
            S.QUEUED,
            S.IN_PROGRESS,  # the provider started it before we heard back
            S.DOWNLOADING,  # reconciled after a crash: it already finished remotely
            S.QUEUED_LOCAL,  # a transient error before the provider accepted it: try again
            S.RATE_LIMITED,
            S.FAILED,
            S.BLOCKED,
            S.CANCELLED,
            S.DELETED,
        }
    ),
    S.RATE_LIMITED: frozenset({S.SUBMITTING, S.QUEUED_LOCAL, S.FAILED, S.CANCELLED, S.DELETED}),
    S.QUEUED: frozenset(
        {S.IN_PROGRESS, S.DOWNLOADING, S.FAILED, S.BLOCKED, S.CANCELLED, S.EXPIRED, S.DELETED}
    ),
    S.IN_PROGRESS: frozenset(
        {
            S.DOWNLOADING,
            S.FAILED,
            S.BLOCKED,
            S.CANCELLED,
            S.EXPIRED,
            S.DELETED,
        }
    ),
    S.DOWNLOADING: frozenset({S.READY, S.FAILED, S.EXPIRED, S.DELETED}),
    S.READY: frozenset({S.DELETED}),
    # A render whose download gave up may be downloaded again (the provider still has it).
    S.FAILED: frozenset({S.DOWNLOADING, S.DELETED}),
    S.BLOCKED: frozenset({S.DELETED}),
    S.CANCELLED: frozenset({S.DELETED}),
    S.EXPIRED: frozenset({S.DELETED}),
    S.DELETED: frozenset(),
}

#: Failure codes that mean the provider's content policy refused the job ("not allowed", not
#: "try again later"). ``moderation_blocked`` is what the image APIs and the emulator use.
POLICY_ERROR_CODES = frozenset(
    {
        "moderation_blocked",
        "content_policy_violation",
        "content_policy",
        "policy_violation",
        "content_filter",
        "safety_violation",
        "safety_system",
        "blocked",
    }
)


class InvalidTransition(ValueError):
    """A job was asked to move between two statuses the lifecycle does not connect."""

    def __init__(self, current: JobStatus, target: JobStatus) -> None:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS.get(current, ())))
        super().__init__(
            f"a job cannot go from {current.value} to {target.value} "
            f"(from {current.value} it may go to: {allowed or 'nothing'})"
        )
        self.current = current
        self.target = target


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    """True when ``current -> target`` is legal (staying put is always legal)."""
    return current == target or target in ALLOWED_TRANSITIONS.get(current, frozenset())


def ensure_transition(current: JobStatus, target: JobStatus) -> None:
    """Raise :class:`InvalidTransition`, naming both statuses, unless the move is legal."""
    if not can_transition(current, target):
        raise InvalidTransition(current, target)


# Status words real servers use besides the official four (real-servers.md rule 4).
_QUEUED_WORDS = frozenset({"queued", "pending", "submitted", "waiting", "created"})
_RUNNING_WORDS = frozenset({"in_progress", "processing", "running", "generating", "started"})
_COMPLETED_WORDS = frozenset({"completed", "succeeded", "success", "done", "finished"})
_FAILED_WORDS = frozenset({"failed", "error", "errored"})


def status_from_remote(remote_status: str, error_code: str | None) -> JobStatus:
    """Our status for a provider's ``Video.status`` (and ``error.code`` when it failed).

    ``completed`` maps to ``downloading``: the job is not ready until its assets are on disk.
    ``deleted`` maps to ``deleted`` (the provider dropped it; the tracker says what that means
    for a job not yet downloaded). Any other word means the job is still running: servers
    invent their own statuses, and treating an unknown one as final would strand the job.
    """
    status = (remote_status or "").strip().lower()
    if status in _QUEUED_WORDS:
        return JobStatus.QUEUED
    if status in _COMPLETED_WORDS:
        return JobStatus.DOWNLOADING
    if status in _FAILED_WORDS:
        code = (error_code or "").strip().lower()
        return JobStatus.BLOCKED if code in POLICY_ERROR_CODES else JobStatus.FAILED
    if status in ("cancelled", "canceled"):
        return JobStatus.CANCELLED
    if status == "expired":
        return JobStatus.EXPIRED
    if status == "deleted":
        return JobStatus.DELETED
    return JobStatus.IN_PROGRESS


def is_known_remote_status(remote_status: str) -> bool:
    """True for a status word :func:`status_from_remote` recognises (others count as running)."""
    status = (remote_status or "").strip().lower()
    return status in (
        _QUEUED_WORDS
        | _RUNNING_WORDS
        | _COMPLETED_WORDS
        | _FAILED_WORDS
        | {"cancelled", "canceled", "expired", "deleted"}
    )


@dataclass(frozen=True, slots=True)
class JobPacing:
    """When to ask about one job again, for servers polled job by job (no list call).

    Each poll costs one request per job, so the aim is to ask rarely yet notice the end soon.
    The first poll comes early (a share of the expected render time) to learn how fast the job
    moves. After that the next poll is timed for the estimated finish: from the rate between the
    last two progress readings, else the progress so far (linear), else the expected render
    time for servers that report none (0 then 100). Only a measured rate is trusted all the
    way; a guess (a queue before the render starts, a busy GPU, a catalog figure for someone
    else's hardware) waits no longer than ``patience_share`` of the time the job has already
    run, so a job found late is found late by a bounded share of its own length.
    Past its estimate a job is asked every ``near_interval_s``, growing with the lateness, up
    to ``max_interval_s``. Pure: the caller measures time.
    """

    first_poll_share: float = 0.2
    first_poll_min_s: float = 1.0
    first_poll_max_s: float = 8.0
    near_interval_s: float = 3.0
    patience_share: float = 0.75
    lateness_share: float = 0.33
    max_interval_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.first_poll_min_s <= self.first_poll_max_s <= self.max_interval_s:
            raise ValueError("need 0 < first_poll_min_s <= first_poll_max_s <= max_interval_s")
        if not 0 < self.near_interval_s <= self.max_interval_s:
            raise ValueError("need 0 < near_interval_s <= max_interval_s")
        if not self.patience_share > 0:
            raise ValueError("patience_share must be positive")

    @classmethod
    def within(cls, policy: PollPolicy) -> JobPacing:
        """Pacing no slower than ``policy`` allows (tests and benchmarks poll faster)."""
        default = cls()
        near = min(default.near_interval_s, policy.base_interval_s)
        first_min = min(default.first_poll_min_s, policy.base_interval_s)
        return cls(
            first_poll_min_s=first_min,
            first_poll_max_s=max(first_min, min(default.first_poll_max_s, policy.max_interval_s)),
            near_interval_s=near,
            max_interval_s=policy.max_interval_s,
        )

    def remaining_s(
        self,
        *,
        elapsed_s: float,
        expected_s: float,
        progress: int,
        previous: tuple[float, int] | None = None,
    ) -> float:
        """Seconds the render likely still needs (negative: it is late)."""
        return self._estimate(elapsed_s, expected_s, progress, previous)[0]

    @staticmethod
    def _estimate(
        elapsed_s: float, expected_s: float, progress: int, previous: tuple[float, int] | None
    ) -> tuple[float, bool]:
        """(seconds still needed, whether two progress readings measured the pace)."""
        if previous is not None and 0 < progress < 100:
            earlier_s, earlier_progress = previous
            # From a 0 reading the start of the work is unknown: not a measured pace.
            if progress > earlier_progress > 0 and elapsed_s > earlier_s:
                rate = (progress - earlier_progress) / (elapsed_s - earlier_s)
                return (100 - progress) / rate, True
        if 0 < progress < 100 and elapsed_s > 0:
            return elapsed_s * 100.0 / progress - elapsed_s, False
        return max(expected_s, 0.0) - elapsed_s, False

    def next_delay_s(
        self,
        *,
        elapsed_s: float,
        expected_s: float,
        progress: int | None,
        server_hint_ms: int | None = None,
        previous: tuple[float, int] | None = None,
    ) -> float:
        """Seconds until the next poll. ``progress`` None: not polled since it was created.

        ``previous`` is the reading before this one: (elapsed seconds then, progress then).
        """
        elapsed = 0.0 if math.isnan(elapsed_s) else max(elapsed_s, 0.0)
        expected = expected_s if math.isfinite(expected_s) and expected_s > 0 else 60.0
        if progress is None:
            delay = min(
                max(expected * self.first_poll_share, self.first_poll_min_s),
                self.first_poll_max_s,
            )
        else:
            remaining, measured = self._estimate(elapsed, expected, progress, previous)
            if remaining > self.near_interval_s:
                # A pace measured between two readings is trusted; a guess is not trusted
                # further than a share of the time the job has already run.
                patience = max(self.near_interval_s, elapsed * self.patience_share)
                delay = remaining if measured else min(remaining, patience)
            else:
                late = max(-remaining, 0.0)
                delay = max(self.near_interval_s, late * self.lateness_share)
        delay = min(delay, self.max_interval_s)
        if server_hint_ms is not None and server_hint_ms > 0:
            # The server's hint is a floor: never sooner than it asks.
            delay = max(delay, min(server_hint_ms / 1000.0, self.max_interval_s))
        return delay


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How long to wait before polling a job again. Pure: the caller measures time.

    In order of precedence: a ``retry-after`` from the provider is obeyed (up to
    ``max_retry_after_s``); otherwise the server's ``openai-poll-after-ms`` hint is used; otherwise
    ``base_interval_s``, growing by ``backoff_factor`` every ``backoff_step_s`` once a render has
    run longer than ``long_render_after_s``. Finally, when the rate-limit headers say few requests
    remain, the wait is stretched so the rest last until the window resets.
    """

    base_interval_s: float = 2.0
    max_interval_s: float = 30.0
    min_interval_s: float = 0.05
    long_render_after_s: float = 60.0
    backoff_factor: float = 1.5
    backoff_step_s: float = 60.0
    low_remaining: int = 3
    max_retry_after_s: float = 300.0

    def __post_init__(self) -> None:
        if not 0 < self.min_interval_s <= self.base_interval_s <= self.max_interval_s:
            raise ValueError("need 0 < min_interval_s <= base_interval_s <= max_interval_s")
        if self.backoff_factor < 1 or self.backoff_step_s <= 0 or self.long_render_after_s < 0:
            raise ValueError("backoff_factor must be >= 1 and backoff_step_s > 0")
        if self.max_retry_after_s < self.max_interval_s:
            raise ValueError("max_retry_after_s must be at least max_interval_s")

    def _clamp(self, delay: float, upper: float) -> float:
        if math.isnan(delay):
            return self.base_interval_s
        return min(max(delay, self.min_interval_s), upper)

    def next_delay_s(
        self,
        *,
        elapsed_s: float,
        server_hint_ms: int | None = None,
        retry_after_s: float | None = None,
        ratelimit_remaining: int | None = None,
        ratelimit_reset_s: float | None = None,
    ) -> float:
        """Seconds to wait before the next poll of a job that has run ``elapsed_s`` so far."""
        if retry_after_s is not None and retry_after_s >= 0:
            return self._clamp(retry_after_s, self.max_retry_after_s)
        if server_hint_ms is not None and server_hint_ms > 0:
            delay = self._clamp(server_hint_ms / 1000, self.max_interval_s)
        else:
            elapsed = 0.0 if math.isnan(elapsed_s) else elapsed_s
            over = max(0.0, elapsed - self.long_render_after_s)
            steps = min(over / self.backoff_step_s, 64.0)  # 1.5**64 is already far past the cap
            delay = self._clamp(
                self.base_interval_s * self.backoff_factor**steps, self.max_interval_s
            )
        if ratelimit_remaining is not None and ratelimit_remaining <= self.low_remaining:
            reset = ratelimit_reset_s if ratelimit_reset_s is not None else self.max_interval_s
            if not reset >= 0:  # negative or NaN: the header was nonsense, assume the worst
                reset = self.max_interval_s
            # Spread the requests left over the time until the window resets.
            spread = reset / (max(ratelimit_remaining, 0) + 1)
            delay = max(delay, self._clamp(spread, self.max_retry_after_s))
        return delay


def is_stalled(
    progress_history: Sequence[tuple[float, int]], now: float, threshold_s: float = 600.0
) -> bool:
    """True when the progress has not changed for ``threshold_s`` seconds.

    ``progress_history`` holds ``(time, percent)`` observations in time order; an empty history
    is never stalled. A job stuck at 99 % looks exactly like this.
    """
    return stalled_for_s(progress_history, now) >= threshold_s


def stalled_for_s(progress_history: Sequence[tuple[float, int]], now: float) -> float:
    """Seconds since the progress last changed (0 for an empty history)."""
    if not progress_history:
        return 0.0
    latest = progress_history[-1][1]
    since = progress_history[-1][0]
    for when, percent in reversed(progress_history):
        if percent != latest:
            break
        since = when
    return max(0.0, now - since)


@dataclass(slots=True)
class StallDetector:
    """Watches one job's progress and says when it has stopped moving.

    Near the end (``near_done_percent`` and above) the threshold is shorter, because a job stuck
    at 99 % is a known failure mode and waiting the full threshold there only wastes the user's
    time. Lives wherever the poller lives; not thread-safe.
    """

    threshold_s: float = 600.0
    near_done_threshold_s: float = 300.0
    near_done_percent: int = 99
    _progress: int | None = None
    _since: float = 0.0

    def observe(self, progress: int, now: float) -> None:
        """Record one poll's progress at time ``now``."""
        if progress != self._progress:
            self._progress = progress
            self._since = now

    def stalled_for_s(self, now: float) -> float:
        return 0.0 if self._progress is None else max(0.0, now - self._since)

    def is_stalled(self, now: float) -> bool:
        if self._progress is None:
            return False
        limit = (
            self.near_done_threshold_s
            if self._progress >= self.near_done_percent
            else self.threshold_s
        )
        return self.stalled_for_s(now) >= limit
