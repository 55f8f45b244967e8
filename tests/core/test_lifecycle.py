"""The job state machine, remote status mapping, poll backoff and stall detection."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sora_studio.core.lifecycle import (
    ALLOWED_TRANSITIONS,
    InvalidTransition,
    JobPacing,
    PollPolicy,
    StallDetector,
    can_transition,
    ensure_transition,
    is_known_remote_status,
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
    # One exception: a render whose download gave up is fetched again, not paid for again.
    for status in TERMINAL_STATUSES:
        allowed = {S.DELETED, S.DOWNLOADING} if status is S.FAILED else {S.DELETED}
        assert ALLOWED_TRANSITIONS[status] <= allowed


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


@pytest.mark.parametrize("word", ["paused", "warming_up", "", "SCHEDULED"])
def test_unknown_remote_status_counts_as_running(word: str) -> None:
    # A server's own status word must never strand a job as if it had ended.
    assert status_from_remote(word, None) is S.IN_PROGRESS
    assert not is_known_remote_status(word)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("pending", S.QUEUED),
        ("processing", S.IN_PROGRESS),
        ("succeeded", S.DOWNLOADING),
        ("error", S.FAILED),
        ("canceled", S.CANCELLED),
        ("deleted", S.DELETED),
        ("expired", S.EXPIRED),
    ],
)
def test_other_servers_status_words(word: str, expected: JobStatus) -> None:
    assert status_from_remote(word, None) is expected
    assert is_known_remote_status(word)


PACING = JobPacing()


def test_first_poll_comes_early_to_learn_the_pace() -> None:
    assert PACING.next_delay_s(elapsed_s=0, expected_s=20, progress=None) == 4.0
    assert PACING.next_delay_s(elapsed_s=0, expected_s=2, progress=None) == 1.0
    assert PACING.next_delay_s(elapsed_s=0, expected_s=600, progress=None) == 8.0


def test_next_poll_aims_at_the_finish_the_progress_predicts() -> None:
    # 25 % after 8 s: about 32 s in all, 24 s to go, but a guess is trusted no further than
    # three quarters of the time so far.
    assert PACING.next_delay_s(elapsed_s=8, expected_s=60, progress=25) == pytest.approx(6.0)
    assert PACING.next_delay_s(elapsed_s=20, expected_s=60, progress=80) == pytest.approx(5.0)
    # No progress reported (0 then 100 servers): the expected time decides, patiently.
    assert PACING.next_delay_s(elapsed_s=20, expected_s=30, progress=0) == pytest.approx(10.0)
    assert PACING.next_delay_s(elapsed_s=5, expected_s=30, progress=0) == pytest.approx(3.75)
    # A pace measured between two readings is trusted all the way (up to the cap).
    measured = PACING.next_delay_s(elapsed_s=20, expected_s=60, progress=40, previous=(10, 20))
    assert measured == pytest.approx(30.0)


def test_the_rate_between_two_readings_beats_the_average_since_submission() -> None:
    # Queued for 10 s, then 10 % -> 50 % in 4 s: 5 s to go, though the average says 14.
    reading = PACING.remaining_s(elapsed_s=14, expected_s=60, progress=50, previous=(10, 10))
    assert reading == pytest.approx(5.0)
    assert PACING.remaining_s(elapsed_s=14, expected_s=60, progress=50) == pytest.approx(14.0)
    # From a 0 reading the work may have started at any moment since: no measured pace.
    unsure = PACING.remaining_s(elapsed_s=14, expected_s=60, progress=50, previous=(10, 0))
    assert unsure == pytest.approx(14.0)


def test_a_long_render_is_asked_about_a_bounded_number_of_times() -> None:
    # A 300 s render with steady progress: the polls grow geometrically, then meet the end.
    elapsed, polls, previous = 0.0, 0, None
    elapsed += PACING.next_delay_s(elapsed_s=0, expected_s=300, progress=None)
    while elapsed < 300:
        progress = int(elapsed / 3)
        delay = PACING.next_delay_s(
            elapsed_s=elapsed, expected_s=300, progress=progress, previous=previous
        )
        previous = (elapsed, progress)
        elapsed += delay
        polls += 1
    # Doubling-ish at first, then one every max_interval_s (30 s) until the end.
    assert polls <= 13
    assert elapsed - 300 < 30


def test_late_jobs_are_polled_often_then_less_often() -> None:
    assert PACING.next_delay_s(elapsed_s=31, expected_s=30, progress=0) == 3.0
    assert PACING.next_delay_s(elapsed_s=60, expected_s=30, progress=0) == pytest.approx(9.9)
    assert PACING.next_delay_s(elapsed_s=900, expected_s=30, progress=0) == 30.0


def test_server_hint_is_a_floor_and_long_waits_are_capped() -> None:
    assert PACING.next_delay_s(elapsed_s=31, expected_s=30, progress=0, server_hint_ms=5000) == 5
    assert PACING.next_delay_s(elapsed_s=100, expected_s=3600, progress=0) == 30.0
    assert PACING.next_delay_s(elapsed_s=float("nan"), expected_s=float("inf"), progress=None) > 0


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
