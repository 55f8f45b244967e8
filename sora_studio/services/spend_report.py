"""The spend report: the storage layer's spend summary as text for people or a dict for JSON.

Total, per day, per model, money spent on rejected takes, and cost per approved second. Which jobs
count is settled in one place, :mod:`sora_studio.storage.repo_spend`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from sora_studio.core.pricing import format_cents
from sora_studio.services import library
from sora_studio.services.export_common import ExportReport, out_file
from sora_studio.storage.repository import Repository, SpendSummary


@dataclass(frozen=True, slots=True)
class SpendReport:
    """The library's spend, ready to print (:meth:`to_text`) or serialise (:meth:`to_dict`)."""

    summary: SpendSummary

    @property
    def cost_per_approved_second_cents(self) -> Decimal | None:
        return self.summary.cost_per_approved_second_cents

    def to_dict(self) -> dict[str, Any]:
        s = self.summary
        per_second = s.cost_per_approved_second_cents
        return {
            "total_cents": str(s.total_cents),
            "spent_jobs": s.spent_jobs,
            "by_model": {k: str(v) for k, v in s.by_model.items()},
            "by_day": {k: str(v) for k, v in s.by_day.items()},
            "rejected_jobs": s.rejected_jobs,
            "rejected_cents": str(s.rejected_cents),
            "approved_jobs": s.approved_jobs,
            "approved_seconds": s.approved_seconds,
            "approved_cents": str(s.approved_cents),
            "cost_per_approved_second_cents": (
                str(per_second.quantize(Decimal("0.0001"))) if per_second is not None else None
            ),
            "in_flight_jobs": s.in_flight_jobs,
            "in_flight_estimate_cents": str(s.in_flight_estimate_cents),
            "blocked_jobs": s.blocked_jobs,
            "blocked_estimate_cents": str(s.blocked_estimate_cents),
            "failed_jobs": s.failed_jobs,
            "failed_estimate_cents": str(s.failed_estimate_cents),
        }

    def to_text(self) -> str:
        s = self.summary
        per_second = s.cost_per_approved_second_cents
        rows = [
            f"Total spent:              {format_cents(s.total_cents)} on {s.spent_jobs} renders",
            f"Spent on rejected takes:  {format_cents(s.rejected_cents)} "
            f"({s.rejected_jobs} rejected)",
            f"Approved:                 {s.approved_jobs} clips, {s.approved_seconds} s, "
            f"{format_cents(s.approved_cents)}",
            "Cost per approved second: "
            + (
                format_cents(per_second.quantize(Decimal("0.01")))
                if per_second is not None
                else "n/a (nothing approved yet)"
            ),
            f"In flight:                {s.in_flight_jobs} renders, "
            f"{format_cents(s.in_flight_estimate_cents)} estimated",
            f"Not charged:              {s.blocked_jobs} blocked, {s.failed_jobs} failed",
            "By model:",
            *(f"  {model:<22}  {format_cents(c)}" for model, c in s.by_model.items()),
            "By day:",
            *(f"  {day:<22}  {format_cents(c)}" for day, c in s.by_day.items()),
        ]
        return "\n".join(rows) + "\n"


def spend_report(
    repo: Repository, *, provider: str | None = None, tz: tzinfo | None = None
) -> SpendReport:
    """Total, per model, per day, money spent on rejected takes, and cost per approved second."""
    return SpendReport(repo.spend_summary(provider=provider, tz=tz))


def export_spend_report(
    repo: Repository, out_path: str | Path, *, tz: tzinfo | None = None
) -> ExportReport:
    """Write :func:`spend_report` as text to ``out_path`` (atomically, like every export)."""
    dest = out_file(out_path)
    text = spend_report(repo, tz=tz).to_text()
    library.write_bytes_atomic(dest, (text.rstrip("\n") + "\n").encode("utf-8"))
    return ExportReport("spend", str(dest), (), (str(dest),), (), 1)
