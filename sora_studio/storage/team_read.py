"""Reads of the team library's local half for the desk: every clip's team verdicts at once, and
which clips changed since a mark (what a teammate's events touched, so the grid reloads them).

Reads only: the desk's GUI thread uses it through a ``query_only`` connection
(:class:`sora_studio.services.team_view.TeamView`). Like every repository part, an instance
belongs to the thread that opened its connection.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sora_studio.core.team_events import VerdictGiven
from sora_studio.storage.repo_base import RepoBase


@dataclass(frozen=True, slots=True)
class ChangeMark:
    """How far the library had got: the newest review and note rows, the newest job update."""

    review_id: int = 0
    note_id: int = 0
    job_updated_at: float = 0.0


class TeamRead(RepoBase):
    """Team verdicts by clip and change marks (reads only)."""

    def team_verdicts(
        self, job_ids: Collection[int] | None = None
    ) -> dict[int, list[VerdictGiven]]:
        """Team verdict events by local job id (only clips that have any), for the fold.

        ``job_ids`` None reads the whole library in one query.
        """
        sql = (
            "SELECT r.job_id, r.reviewer, r.reason, r.created_at, t.event_id, t.status, t.lead,"
            " c.clip_id FROM reviews r JOIN team_verdicts t ON t.review_id = r.id"
            " LEFT JOIN team_clips c ON c.job_id = r.job_id"
        )
        params: list[int] = []
        if job_ids is not None:
            ids = sorted({int(i) for i in job_ids})
            if not ids:
                return {}
            sql += f" WHERE r.job_id IN ({', '.join('?' * len(ids))})"
            params = ids
        by_job: dict[int, list[VerdictGiven]] = {}
        for row in self._all(sql, params):
            by_job.setdefault(int(row["job_id"]), []).append(
                VerdictGiven(
                    clip_id=str(row["clip_id"] or ""),
                    status=str(row["status"]),
                    event_id=str(row["event_id"]),
                    author=str(row["reviewer"]),
                    at=float(row["created_at"]),
                    lead=bool(row["lead"]),
                    reason=str(row["reason"] or ""),
                )
            )
        return by_job

    def change_mark(self) -> ChangeMark:
        """Where the library stands now (see :meth:`jobs_changed_since`)."""
        row = self._one(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM reviews) AS r,"
            " (SELECT COALESCE(MAX(id), 0) FROM notes) AS n,"
            " (SELECT COALESCE(MAX(updated_at), 0) FROM jobs) AS j"
        )
        if row is None:  # pragma: no cover - an aggregate always returns a row
            return ChangeMark()
        return ChangeMark(int(row["r"]), int(row["n"]), float(row["j"]))

    def jobs_changed_since(self, mark: ChangeMark) -> tuple[list[int], ChangeMark]:
        """Jobs with a verdict, a note or an update after ``mark``, and the new mark."""
        new_mark = self.change_mark()
        rows = self._all(
            "SELECT job_id AS id FROM reviews WHERE id > ?"
            " UNION SELECT job_id FROM notes WHERE id > ?"
            " UNION SELECT id FROM jobs WHERE updated_at > ?",
            [mark.review_id, mark.note_id, mark.job_updated_at],
        )
        return sorted(int(r["id"]) for r in rows), new_mark
