"""One-key verdicts and their undo, for the review panel (GUI thread, no widgets).

Verdicts go through ``services.review`` (the same code the CLI uses): each one is an append-only
review record with reviewer and time, and undo appends a record that takes it back. A verdict on
a multi-selection is one step on the undo stack, so ``Ctrl+Z`` takes back the whole batch.
Clips that are not finished (rendering, failed) cannot be judged; they are left out of a batch
and counted, rather than making the whole batch fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sora_studio.core.models import Job, ReviewStatus
from sora_studio.services.review import REVIEWABLE_STATUSES, record_verdict, undo_last_verdict
from sora_studio.storage.repository import Repository


@dataclass(frozen=True, slots=True)
class VerdictResult:
    jobs: tuple[Job, ...]  # the judged jobs as now stored
    skipped: tuple[int, ...]  # ids left out because they are not finished clips


class VerdictRecorder:
    """Records verdicts through ``services.review`` and remembers batches for undo."""

    def __init__(self, repo_provider: Callable[[], Repository], reviewer: str) -> None:
        if not reviewer.strip():
            raise ValueError("a reviewer name is needed to record verdicts")
        self._repo = repo_provider
        self.reviewer = reviewer
        self._undo: list[tuple[int, ...]] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def record(
        self, job_ids: Sequence[int], status: ReviewStatus, reason: str = ""
    ) -> VerdictResult:
        """Append ``status`` for every finished clip in ``job_ids`` (all in one transaction)."""
        repo = self._repo()
        ids = list(dict.fromkeys(int(i) for i in job_ids))
        jobs = {job_id: repo.get_job(job_id) for job_id in ids}
        judged = tuple(
            job_id
            for job_id, job in jobs.items()
            if job is not None and job.status in REVIEWABLE_STATUSES
        )
        skipped = tuple(job_id for job_id in ids if job_id not in judged)
        if not judged:
            return VerdictResult((), skipped)
        record_verdict(repo, judged, ReviewStatus(status), self.reviewer, reason)
        self._undo.append(judged)
        return VerdictResult(tuple(repo.require_job(job_id) for job_id in judged), skipped)

    def undo(self) -> list[Job]:
        """Take back the last batch of verdicts; returns the jobs as now stored ([] if none)."""
        if not self._undo:
            return []
        ids = self._undo.pop()
        repo = self._repo()
        with repo.db.atomic():
            for job_id in ids:
                undo_last_verdict(repo, job_id, self.reviewer)
        return [repo.require_job(job_id) for job_id in ids]
