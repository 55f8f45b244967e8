"""Spend summary and committed amount: exact cents, blocked and failed kept apart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from decimal import Decimal

from sora_studio.core.models import Job, JobStatus, ReviewStatus
from sora_studio.storage.repository import Repository
from tests.job_factory import add_imported_clip

MakeJob = Callable[..., Job]

DAY1 = 1_767_268_800.0  # 2026-01-01 12:00 UTC
DAY2 = DAY1 + 86_400.0


def _ready(
    repo: Repository,
    make_job: MakeJob,
    *,
    estimate: str,
    cost: str | None,
    model: str = "sora-2",
    seconds: int = 4,
    completed_at: float = DAY1,
) -> Job:
    job = make_job(estimate_cents=Decimal(estimate), model=model, seconds=seconds)
    return repo.update_job(
        job.id,
        status=JobStatus.READY,
        cost_cents=None if cost is None else Decimal(cost),
        completed_at=completed_at,
    )


def test_empty_library_spends_nothing(repo: Repository) -> None:
    summary = repo.spend_summary(tz=UTC)
    assert summary.total_cents == 0 and summary.spent_jobs == 0
    assert summary.by_model == {} and summary.by_day == {}
    assert summary.cost_per_approved_second_cents is None
    assert repo.committed_cents() == 0


def test_spend_summary_numbers(repo: Repository, make_job: MakeJob) -> None:
    approved = _ready(repo, make_job, estimate="40", cost="40.1", seconds=4)
    estimated = _ready(repo, make_job, estimate="0.1", cost=None, seconds=8)
    pro = _ready(repo, make_job, estimate="120", cost="120", model="sora-2-pro", completed_at=DAY2)
    _ready(repo, make_job, estimate="0.1", cost="0.1", seconds=4)  # unreviewed
    repo.add_review(approved.id, ReviewStatus.APPROVED, "ana")
    repo.add_review(estimated.id, ReviewStatus.APPROVED, "ana")
    repo.add_review(pro.id, ReviewStatus.REJECTED, "ana")

    blocked = make_job(estimate_cents=Decimal("80"))
    repo.update_job(blocked.id, status=JobStatus.BLOCKED)
    failed = make_job(estimate_cents=Decimal("12.5"))
    repo.update_job(failed.id, status=JobStatus.FAILED)
    make_job(estimate_cents=Decimal("30"), status=JobStatus.IN_PROGRESS)
    make_job(estimate_cents=Decimal("20"), status=JobStatus.QUEUED_LOCAL)
    make_job(estimate_cents=Decimal("999"), status=JobStatus.DRAFT)
    make_job(estimate_cents=Decimal("7"), status=JobStatus.CANCELLED)
    gone = make_job(estimate_cents=Decimal("5"))
    repo.update_job(gone.id, status=JobStatus.DELETED, completed_at=DAY2, cost_cents=Decimal(5))

    s = repo.spend_summary(tz=UTC)
    # 40.1 + 0.1 (estimate, no actual) + 120 + 0.1 + 5 (rendered, then deleted)
    assert s.total_cents == Decimal("165.3")
    assert s.spent_jobs == 5
    assert (s.blocked_jobs, s.blocked_estimate_cents) == (1, Decimal("80"))
    assert (s.failed_jobs, s.failed_estimate_cents) == (1, Decimal("12.5"))
    assert (s.in_flight_jobs, s.in_flight_estimate_cents) == (2, Decimal("50"))
    assert s.by_model == {"sora-2": Decimal("45.3"), "sora-2-pro": Decimal("120")}
    assert s.by_day == {"2026-01-01": Decimal("40.3"), "2026-01-02": Decimal("125")}
    assert (s.rejected_jobs, s.rejected_cents) == (1, Decimal("120"))
    assert (s.approved_jobs, s.approved_seconds, s.approved_cents) == (2, 12, Decimal("40.2"))
    assert s.cost_per_approved_second_cents == Decimal("165.3") / 12

    assert repo.committed_cents() == Decimal("215.3")  # spent + in-flight estimates
    assert repo.spend_summary(provider="nobody").total_cents == 0


def test_undoing_a_rejection_moves_the_money_out_of_rejected(
    repo: Repository, make_job: MakeJob
) -> None:
    job = _ready(repo, make_job, estimate="40", cost="40")
    repo.add_review(job.id, ReviewStatus.REJECTED, "ana")
    assert repo.spend_summary().rejected_cents == Decimal("40")
    repo.undo_last_review(job.id)
    assert repo.spend_summary().rejected_cents == 0


def test_tenths_of_a_dollar_add_up_exactly(repo: Repository, make_job: MakeJob) -> None:
    for _ in range(3):
        _ready(repo, make_job, estimate="10", cost=str(Decimal("0.1") * 100))
    assert repo.spend_summary().total_cents == Decimal("30")
    for _ in range(3):
        _ready(repo, make_job, estimate="0.1", cost="0.1")
    assert repo.spend_summary().total_cents == Decimal("30.3")


def test_expired_renders_were_charged_and_count(repo: Repository, make_job: MakeJob) -> None:
    job = _ready(repo, make_job, estimate="40", cost="40", completed_at=DAY1)
    repo.update_job(job.id, status=JobStatus.EXPIRED)
    s = repo.spend_summary(tz=UTC)
    assert (s.total_cents, s.spent_jobs) == (Decimal("40"), 1)
    assert s.by_model == {"sora-2": Decimal("40")}
    assert s.by_day == {"2026-01-01": Decimal("40")}
    assert repo.committed_cents() == Decimal("40")


def test_deleted_jobs_count_only_when_they_had_rendered(
    repo: Repository, make_job: MakeJob
) -> None:
    rendered = _ready(repo, make_job, estimate="40", cost="40")
    repo.update_job(rendered.id, status=JobStatus.DELETED)
    # A failed render also gets a completion time, but it was never charged.
    failed = make_job(estimate_cents=Decimal("80"))
    repo.update_job(failed.id, status=JobStatus.FAILED, completed_at=DAY1)
    repo.update_job(failed.id, status=JobStatus.DELETED)
    s = repo.spend_summary(tz=UTC)
    assert (s.total_cents, s.spent_jobs) == (Decimal("40"), 1)
    assert repo.committed_cents() == Decimal("40")


def test_imported_clips_are_left_out_of_every_figure(repo: Repository, make_job: MakeJob) -> None:
    rendered = _ready(repo, make_job, estimate="40", cost="40", seconds=4)
    repo.add_review(rendered.id, ReviewStatus.APPROVED, "ana")
    for status in (ReviewStatus.APPROVED, ReviewStatus.REJECTED):
        clip = add_imported_clip(repo, completed_at=DAY2, fingerprint=f"import:{status}")
        repo.add_review(clip.id, status, "ana")
    s = repo.spend_summary(tz=UTC)
    assert (s.total_cents, s.spent_jobs) == (Decimal("40"), 1)
    assert s.by_model == {"sora-2": Decimal("40")}
    assert s.by_day == {"2026-01-01": Decimal("40")}
    assert (s.approved_jobs, s.approved_seconds, s.approved_cents) == (1, 4, Decimal("40"))
    assert (s.rejected_jobs, s.rejected_cents) == (0, Decimal(0))
    assert s.cost_per_approved_second_cents == Decimal(10)
    assert repo.committed_cents() == Decimal("40")
    assert repo.spend_summary(provider="import").spent_jobs == 0
