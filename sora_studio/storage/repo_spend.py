"""What the library has spent, and what it has committed to spend, in exact decimal cents.

This module is the one place that decides which jobs count as spent; the budget cap
(``services.spend``), the spend report (``services.spend_report``), the ``spend`` command and
the desk all read these figures.

A job counts as spent once the provider rendered it, because that is when it is charged:
``ready``, ``downloading``, ``expired`` (rendered and charged even though the download never
arrived), and ``deleted`` when it had been rendered (its actual cost was recorded, which happens
exactly when the provider reports it completed). Its actual cost counts, or its estimate where no
actual was recorded. Blocked and failed jobs are kept apart (counts and estimates) and never enter
the total; neither do cancelled ones. Imported clips (lineage ``import``) were never rendered by a
provider: they are left out of every figure here, including approved seconds, so they cannot
lower the cost per approved second.

Sums are done in Python over ``Decimal`` values (never SQL ``SUM``, which goes through floats).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from sora_studio.core.models import JobStatus, LineageKind, ReviewStatus
from sora_studio.storage.repo_base import RepoBase
from sora_studio.storage.rows import Row

RENDERED_STATUSES = frozenset({JobStatus.READY, JobStatus.DOWNLOADING, JobStatus.EXPIRED})
IN_FLIGHT_STATUSES = frozenset(
    {
        JobStatus.QUEUED_LOCAL,
        JobStatus.SUBMITTING,
        JobStatus.QUEUED,
        JobStatus.IN_PROGRESS,
        JobStatus.RATE_LIMITED,
    }
)

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class SpendSummary:
    """Spend figures for the status bar and the cost report. All money is cents."""

    total_cents: Decimal
    spent_jobs: int
    in_flight_jobs: int
    in_flight_estimate_cents: Decimal
    blocked_jobs: int
    blocked_estimate_cents: Decimal
    failed_jobs: int
    failed_estimate_cents: Decimal
    by_model: Mapping[str, Decimal]
    by_day: Mapping[str, Decimal]  # ISO date (YYYY-MM-DD) of completion -> cents
    rejected_jobs: int
    rejected_cents: Decimal
    approved_jobs: int
    approved_seconds: int
    approved_cents: Decimal

    @property
    def cost_per_approved_second_cents(self) -> Decimal | None:
        """Everything spent divided by the seconds that made it through review."""
        if self.approved_seconds == 0:
            return None
        return self.total_cents / self.approved_seconds


def _is_import(row: Row) -> bool:
    return bool(row["lineage_kind"] == LineageKind.IMPORT.value)


def _is_spent(row: Row) -> bool:
    """Rendered (and so charged) by a provider; see the module docstring."""
    if _is_import(row):
        return False
    status = JobStatus(row["status"])
    if status in RENDERED_STATUSES:
        return True
    # completed_at alone proves nothing: a failed or blocked render has one too.
    return status is JobStatus.DELETED and row["cost_cents"] is not None


def _spent_amount(row: Row) -> Decimal:
    cost = row["cost_cents"]
    return Decimal(cost) if cost is not None else Decimal(row["estimate_cents"])


class _Tally:
    """How many jobs fell in one bucket of the summary, and their cents added up."""

    __slots__ = ("cents", "jobs")

    def __init__(self) -> None:
        self.jobs = 0
        self.cents = _ZERO

    def add(self, cents: Decimal) -> None:
        self.jobs += 1
        self.cents += cents


class SpendRepo(RepoBase):
    """Spend summary and the budget cap's committed amount."""

    def _spend_rows(self, provider: str | None) -> list[Row]:
        sql = (
            "SELECT status, model, seconds, estimate_cents, cost_cents, review_status,"
            " lineage_kind, created_at, completed_at FROM jobs"
        )
        if provider is None:
            return self._all(sql)
        return self._all(sql + " WHERE provider = ?", [provider])

    def spend_summary(
        self, *, provider: str | None = None, tz: tzinfo | None = None
    ) -> SpendSummary:
        """Totals over every job (or one provider's); days are in ``tz`` (local time if None)."""
        spent, in_flight, blocked, failed, rejected, approved = (_Tally() for _ in range(6))
        approved_seconds = 0
        by_model: dict[str, Decimal] = {}
        by_day: dict[str, Decimal] = {}
        for row in self._spend_rows(provider):
            if _is_import(row):
                continue
            status = JobStatus(row["status"])
            estimate = Decimal(row["estimate_cents"])
            if status is JobStatus.BLOCKED:
                blocked.add(estimate)
            elif status is JobStatus.FAILED:
                failed.add(estimate)
            elif status in IN_FLIGHT_STATUSES:
                in_flight.add(estimate)
            if not _is_spent(row):
                continue
            amount = _spent_amount(row)
            spent.add(amount)
            by_model[row["model"]] = by_model.get(row["model"], _ZERO) + amount
            when = row["completed_at"] if row["completed_at"] is not None else row["created_at"]
            day = datetime.fromtimestamp(float(when), tz).date().isoformat()
            by_day[day] = by_day.get(day, _ZERO) + amount
            review = ReviewStatus(row["review_status"])
            if review is ReviewStatus.REJECTED:
                rejected.add(amount)
            elif review is ReviewStatus.APPROVED:
                approved.add(amount)
                approved_seconds += int(row["seconds"])
        return SpendSummary(
            total_cents=spent.cents,
            spent_jobs=spent.jobs,
            in_flight_jobs=in_flight.jobs,
            in_flight_estimate_cents=in_flight.cents,
            blocked_jobs=blocked.jobs,
            blocked_estimate_cents=blocked.cents,
            failed_jobs=failed.jobs,
            failed_estimate_cents=failed.cents,
            by_model=dict(sorted(by_model.items())),
            by_day=dict(sorted(by_day.items())),
            rejected_jobs=rejected.jobs,
            rejected_cents=rejected.cents,
            approved_jobs=approved.jobs,
            approved_seconds=approved_seconds,
            approved_cents=approved.cents,
        )

    def committed_cents(self, *, provider: str | None = None) -> Decimal:
        """Spent so far plus the estimates of jobs in flight: what a budget cap compares to."""
        committed = _ZERO
        for row in self._spend_rows(provider):
            if _is_spent(row):
                committed += _spent_amount(row)
            elif JobStatus(row["status"]) in IN_FLIGHT_STATUSES:
                committed += Decimal(row["estimate_cents"])
        return committed
