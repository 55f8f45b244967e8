"""The job state machine, remote status mapping, poll backoff and stall detection."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sora_studio.core.lifecycle import (
    ALLOWED_TRANSITIONS,
    InvalidTransition,
    PollPolicy,
    StallDetector,
    can_transition,
    ensure_transition,
    is_stalled,
    stalled_for_s,
    status_from_remote,
)
from sora_studio.core.models import TERMINAL_STATUSES, JobStatus

S = JobStatus
HAPPY_PATH = [
    S.DRAFT,
    S.QUEUED_LOCAL,
    S.SUBMITTING,
    S.QUEUED,
    S.IN_PROGRESS,
    S.DOWNLOADING,
    S.READY,
    S.DELETED,
]


def test_every_status_has_an_entry() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(JobStatus)


def test_happy_path() -> None:
    for current, target in itertools.pairwise(HAPPY_PATH):
        ensure_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SUBMITTING, S.RATE_LIMITED),
        (S.RATE_LIMITED, S.SUBMITTING),
        (S.IN_PROGRESS, S.BLOCKED),
        (S.IN_PROGRESS, S.FAILED),
        (S.QUEUED, S.CANCELLED),
        (S.DOWNLOADING, S.EXPIRED),
        (S.DOWNLOADING, S.FAILED),
        (S.SUBMITTING, S.DOWNLOADING),
        (S.FAILED, S.DELETED),
        (S.IN_PROGRESS, S.IN_PROGRESS),
    ],
)
def test_side_exits(current: JobStatus, target: JobStatus) -> None:
    assert can_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.READY, S.IN_PROGRESS),
        (S.DRAFT, S.READY),
        (S.QUEUED, S.READY),  # assets must be downloaded first
        (S.BLOCKED, S.QUEUED),
        (S.DELETED, S.DRAFT),
        (S.IN_PROGRESS, S.QUEUED_LOCAL),
    ],
)
def test_illegal_moves_raise_with_both_names(current: JobStatus, target: JobStatus) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as info:
        ensure_transition(current, target)
    assert current.value in str(info.value) and target.value in str(info.value)
    assert info.value.current is current and info.value.target is target


def test_terminal_statuses_only_lead_to_deleted() -> None:
    for status in TERMINAL_STATUSES:
        assert ALLOWED_TRANSITIONS[status] <= {S.DELETED}


def test_every_status_is_reachable_from_draft() -> None:
    seen, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for nxt in ALLOWED_TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(JobStatus)


@pytest.mark.parametrize(
    ("remote", "code", "expected"),
    [
        ("queued", None, S.QUEUED),
        ("in_progress", None, S.IN_PROGRESS),
        ("completed", None, S.DOWNLOADING),
        ("failed", "moderation_blocked", S.BLOCKED),
        ("failed", "Content_Policy_Violation", S.BLOCKED),
        ("failed", "internal_error", S.FAILED),
        ("failed", None, S.FAILED),
        (" Completed ", None, S.DOWNLOADING),
        ("cancelled", None, S.CANCELLED),
    ],
)
def test_status_from_remote(remote: str, code: str | None, expected: JobStatus) -> None:
    assert status_from_remote(remote, code) is expected


def test_unknown_remote_status() -> None:
    with pytest.raises(ValueError, match="queued, in_progress, completed or failed"):
        status_from_remote("paused", None)


POLICY = PollPolicy()


def test_base_interval_early_on() -> None:
    assert POLICY.next_delay_s(elapsed_s=0) == 2.0
    assert POLICY.next_delay_s(elapsed_s=59) == 2.0


def test_backs_off_for_long_renders_up_to_the_cap() -> None:
    assert POLICY.next_delay_s(elapsed_s=120) == pytest.approx(3.0)
    assert POLICY.next_delay_s(elapsed_s=180) == pytest.approx(4.5)
    assert POLICY.next_delay_s(elapsed_s=3600) == 30.0
    assert POLICY.next_delay_s(elapsed_s=float("inf")) == 30.0


def test_retry_after_comes_first() -> None:
    assert POLICY.next_delay_s(elapsed_s=0, retry_after_s=7, server_hint_ms=50) == 7
    assert POLICY.next_delay_s(elapsed_s=0, retry_after_s=90) == 90  # above the poll cap
    assert POLICY.next_delay_s(elapsed_s=0, retry_after_s=10_000) == 300
    assert POLICY.next_delay_s(elapsed_s=0, retry_after_s=0) == POLICY.min_interval_s


def test_server_hint_beats_backoff() -> None:
    assert POLICY.next_delay_s(elapsed_s=600, server_hint_ms=1500) == 1.5
    assert POLICY.next_delay_s(elapsed_s=0, server_hint_ms=50) == 0.05
    assert POLICY.next_delay_s(elapsed_s=0, server_hint_ms=120_000) == 30.0
    assert POLICY.next_delay_s(elapsed_s=0, server_hint_ms=0) == 2.0


def test_slows_down_when_few_requests_remain() -> None:
    plenty = POLICY.next_delay_s(elapsed_s=0, ratelimit_remaining=50, ratelimit_reset_s=20)
    assert plenty == 2.0
    low = POLICY.next_delay_s(elapsed_s=0, ratelimit_remaining=1, ratelimit_reset_s=20)
    assert low == 10.0
    none_left = POLICY.next_delay_s(elapsed_s=0, ratelimit_remaining=0, ratelimit_reset_s=20)
    assert none_left == 20.0
    unknown_reset = POLICY.next_delay_s(elapsed_s=0, ratelimit_remaining=0)
    assert unknown_reset == 30.0


def test_policy_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        PollPolicy(base_interval_s=60, max_interval_s=30)
    with pytest.raises(ValueError):
        PollPolicy(backoff_factor=0.5)


@given(
    elapsed_a=st.floats(0, 1e6),
    elapsed_b=st.floats(0, 1e6),
    hint=st.none() | st.integers(-10, 10**7),
    retry=st.none() | st.floats(-10, 1e6, allow_nan=False),
    remaining=st.none() | st.integers(-5, 1000),
    reset=st.none() | st.floats(allow_nan=True, allow_infinity=False),
)
def test_delay_is_bounded_and_monotonic_in_elapsed(
    elapsed_a: float,
    elapsed_b: float,
    hint: int | None,
    retry: float | None,
    remaining: int | None,
    reset: float | None,
) -> None:
    lo, hi = sorted((elapsed_a, elapsed_b))
    kwargs = {
        "server_hint_ms": hint,
        "retry_after_s": retry,
        "ratelimit_remaining": remaining,
        "ratelimit_reset_s": reset,
    }
    first = POLICY.next_delay_s(elapsed_s=lo, **kwargs)  # type: ignore[arg-type]
    later = POLICY.next_delay_s(elapsed_s=hi, **kwargs)  # type: ignore[arg-type]
    for delay in (first, later):
        assert POLICY.min_interval_s <= delay <= POLICY.max_retry_after_s
    assert first <= later


def test_is_stalled_on_unchanged_progress() -> None:
    history = [(0.0, 10), (60.0, 50), (120.0, 99), (400.0, 99), (700.0, 99)]
    assert stalled_for_s(history, 720.0) == 600.0
    assert is_stalled(history, 720.0, threshold_s=600)
    assert not is_stalled(history, 719.0, threshold_s=600)
    assert not is_stalled(history[:2], 100.0, threshold_s=60)
    assert not is_stalled([], 1e9)


def test_stall_detector_is_quicker_near_the_end() -> None:
    detector = StallDetector(threshold_s=600, near_done_threshold_s=300)
    assert not detector.is_stalled(1e9)  # nothing observed yet
    detector.observe(40, now=0)
    detector.observe(40, now=500)
    assert not detector.is_stalled(599)
    assert detector.is_stalled(600)
    detector.observe(99, now=600)
    detector.observe(99, now=800)
    assert detector.stalled_for_s(800) == 200
    assert not detector.is_stalled(899)
    assert detector.is_stalled(900)
    detector.observe(100, now=901)
    assert not detector.is_stalled(901)
