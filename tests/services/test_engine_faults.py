"""Provider trouble against the emulator: 429 storms, 5xx, cut downloads, expiry, blocks, stalls,
and the budget cap. Each ends in the right state with a message that says what to do."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.lifecycle import PollPolicy
from sora_studio.core.models import ErrorClass, Job, JobStatus
from sora_studio.services.engine import JobEngine
from sora_studio.services.orders import JobUpdate
from sora_studio.services.setting_keys import BUDGET_SETTING
from sora_studio.services.spend import BudgetExceeded
from tests.services.conftest import PROMPT, Studio, order


def _statuses(studio: Studio) -> list[JobUpdate]:
    seen: list[JobUpdate] = []
    studio.engine.add_listener(seen.append)
    return seen


def _partial_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.part")] if root.exists() else []


def _render_one(studio: Studio, **faults: object) -> Job:
    """One order sent with the emulator's ``faults`` set, once it has settled."""
    studio.faults(**faults)
    [job] = studio.engine.submit(order())
    [done] = studio.settle(job.id)
    return done


def test_429_storm_waits_and_sends_once(studio: Studio) -> None:
    seen = _statuses(studio)
    done = _render_one(studio, rate_limit_burst=3, rate_limit_retry_after_ms=200)
    assert done.status is JobStatus.READY and done.error_class is None
    limited = [u for u in seen if u.job.status is JobStatus.RATE_LIMITED]
    assert limited and "rate limited" in (limited[0].job.error_message or "")
    assert "Nothing was charged" in (limited[0].job.error_message or "")
    assert len(studio.remote_videos()) == 1


def test_5xx_on_create_is_confirmed_by_listing_then_resent_once(studio: Studio) -> None:
    studio.faults(error_rate=1.0)
    [job] = studio.engine.submit(order())
    report = studio.step()
    assert studio.job(job.id).status is JobStatus.SUBMITTING  # unknown: maybe created
    assert not report.connection_ok and report.connection_message
    studio.faults(error_rate=0.0)
    [done] = studio.settle(job.id)
    assert done.status is JobStatus.READY
    assert len(studio.remote_videos()) == 1
    assert studio.reports[-1].connection_ok


def test_cut_downloads_are_retried_and_never_leave_partial_files(studio: Studio) -> None:
    studio.faults(cut_download_rate=1.0)
    [job] = studio.engine.submit(order())
    studio.run_until(lambda: studio.job(job.id).error_class is ErrorClass.DOWNLOAD_FAILED)
    stuck = studio.job(job.id)
    assert stuck.status is JobStatus.DOWNLOADING
    assert "Trying again" in (stuck.error_message or "")
    assert _partial_files(studio.library) == []
    assert studio.repo.assets_for(job.id) == {}
    studio.faults(cut_download_rate=0.0)
    studio.engine.retry(job.id)  # "download now" instead of waiting for the next round
    [done] = studio.settle(job.id)
    assert done.status is JobStatus.READY
    assert _partial_files(studio.library) == []


def test_some_cut_downloads_still_end_ready(studio: Studio) -> None:
    studio.faults(cut_download_rate=0.3, seed=11)
    jobs = studio.engine.submit(order(variants=2))
    done = studio.settle(*(j.id for j in jobs))
    assert [j.status for j in done] == [JobStatus.READY, JobStatus.READY]


def test_expired_assets_end_expired_with_a_message(studio: Studio) -> None:
    done = _render_one(studio, expiry_seconds=0)
    assert done.status is JobStatus.EXPIRED
    assert done.error_class is ErrorClass.EXPIRED
    assert "Render it again" in (done.error_message or "")
    assert done.cost_cents == Decimal("40")  # rendered, so charged, even though lost


def test_expiry_warning_before_the_files_go(studio: Studio) -> None:
    seen = _statuses(studio)
    studio.faults(cut_download_rate=1.0, expiry_seconds=600)
    [job] = studio.engine.submit(order())
    studio.run_until(lambda: any("expire" in u.reason for u in seen))
    warning = next(u for u in seen if "expire" in u.reason)
    assert warning.job.id == job.id and "download before then" in warning.reason
    assert studio.repo.events(job_id=job.id, kind="expiry_warning")


def test_policy_block_is_kept_apart_from_failures(studio: Studio) -> None:
    done = _render_one(studio, block_rate=1.0)
    assert done.status is JobStatus.BLOCKED
    assert done.error_class is ErrorClass.POLICY_BLOCKED
    assert "rephrase" in (done.error_message or "")
    summary = studio.repo.spend_summary()
    assert summary.blocked_jobs == 1 and summary.total_cents == 0


def test_budget_cap_refuses_before_any_call(studio: Studio) -> None:
    studio.repo.set_setting(BUDGET_SETTING, "50")
    [first] = studio.engine.submit(order())
    check = studio.engine.preflight(order())
    assert check.budget_cap_cents == 50 and check.budget_left_after_cents == -30
    assert not check.ok
    before = studio.emulator.stats()["total"]
    with pytest.raises(BudgetExceeded) as caught:
        studio.engine.submit(order(prompt=PROMPT + " again"))
    message = str(caught.value)
    assert "$0.40" in message and "$0.10" in message and "$0.50" in message
    assert studio.emulator.stats()["total"] == before
    assert [j.id for j in studio.repo.list_jobs()] == [first.id]


def test_stalled_job_is_reported(studio: Studio, tmp_path: Path) -> None:
    # Two render workers in the emulator: a third job waits at 0 % and looks stuck.
    engine = JobEngine(
        studio.repo,
        studio.registry,
        studio.library,
        policy=PollPolicy(base_interval_s=0.1, min_interval_s=0.02, max_interval_s=2.0),
        stall_threshold_s=0.3,
    )
    try:
        studio.faults(min_job_seconds=3.0)
        jobs = engine.submit(order(variants=3))
        stalled: list[tuple[int, str]] = []
        import time

        deadline = time.monotonic() + 10
        while not stalled and time.monotonic() < deadline:
            stalled += engine.poll_once().stalled
            time.sleep(0.05)
        assert stalled, "no stall reported"
        job_id, message = stalled[0]
        assert job_id in {j.id for j in jobs} and "No progress" in message
        assert studio.job(job_id).error_class is ErrorClass.STALLED
    finally:
        engine.shutdown(5.0)
