"""Culling at speed, the pure part: where a verdict moves on to, and the session's summary.

No Qt here. The review panel hands in the grid's order as job ids and a predicate saying which
clips still need a verdict; :func:`next_needing_verdict` answers which one comes next.
:class:`CullingSession` keeps the running summary shown in the status bar: how many clips were
decided in this session, how long each took on average (from the clip being shown to its
verdict) and the share approved. An undone verdict leaves the summary again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from sora_studio.core.models import ReviewStatus


def next_needing_verdict(
    order: Sequence[int],
    needs_verdict: Callable[[int], bool],
    after: int,
    skip: Collection[int] = (),
) -> int | None:
    """The first job id after position ``after`` of ``order`` that needs a verdict, wrapping
    round to the top; ids in ``skip`` (the clips just judged) never count. None: every clip
    has one. ``after`` -1 starts at the top."""
    count = len(order)
    start = after + 1
    for step in range(count):
        job_id = order[(start + step) % count]
        if job_id not in skip and needs_verdict(job_id):
            return job_id
    return None


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """What the status bar says about the reviewing done since the desk opened."""

    decided: int
    average_s: float
    approved_share: float  # 0..1

    def text(self) -> str:
        """``"Session: 12 decided · 4.2 s per clip · 58% approved"`` ("" before any verdict)."""
        if not self.decided:
            return ""
        return (
            f"Session: {self.decided} decided · {self.average_s:.1f} s per clip · "
            f"{round(self.approved_share * 100)}% approved"
        )


class CullingSession:
    """Verdicts given in this session: each clip's latest, and the seconds it took to decide."""

    def __init__(self) -> None:
        self._decisions: dict[int, tuple[ReviewStatus, float]] = {}

    def decided(self, job_ids: Sequence[int], status: ReviewStatus, seconds: float) -> None:
        """``job_ids`` were given ``status`` after ``seconds`` on screen (shared between them)."""
        if not job_ids:
            return
        each = max(0.0, seconds) / len(job_ids)
        for job_id in job_ids:
            self._decisions[job_id] = (ReviewStatus(status), each)

    def undone(self, restored: Mapping[int, ReviewStatus]) -> None:
        """An undo put these clips back to these verdicts (unreviewed: not decided any more)."""
        for job_id, status in restored.items():
            entry = self._decisions.get(job_id)
            if entry is None:
                continue
            if status is ReviewStatus.UNREVIEWED:
                del self._decisions[job_id]
            else:
                self._decisions[job_id] = (status, entry[1])

    def summary(self) -> SessionSummary:
        decided = len(self._decisions)
        if not decided:
            return SessionSummary(0, 0.0, 0.0)
        seconds = sum(entry[1] for entry in self._decisions.values())
        approved = sum(
            1 for status, _ in self._decisions.values() if status is ReviewStatus.APPROVED
        )
        return SessionSummary(decided, seconds / decided, approved / decided)
