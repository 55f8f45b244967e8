"""Tags put on clips by hand (``clip_tags``, migration 4): add, remove, read.

A clip's ``#words`` in its prompt are tags too (the desk reads those from the prompt); these
are the ones a reviewer adds or takes off afterwards, and they travel to a team library.
"""

from __future__ import annotations

from collections.abc import Collection

from sora_studio.storage.repo_base import RepoBase


class TagsRepo(RepoBase):
    """Clip tags (one connection, its thread's, like every repository part)."""

    def add_tag(self, job_id: int, tag: str, at: float | None = None) -> bool:
        """Put ``tag`` on the clip; False when it already had it."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO clip_tags (job_id, tag, created_at) VALUES (?, ?, ?)",
            [job_id, tag, self._now() if at is None else at],
        )
        return cursor.rowcount > 0

    def remove_tag(self, job_id: int, tag: str) -> bool:
        """Take ``tag`` off the clip; False when it did not have it."""
        cursor = self.db.execute(
            "DELETE FROM clip_tags WHERE job_id = ? AND tag = ?", [job_id, tag]
        )
        return cursor.rowcount > 0

    def tags_for(self, job_id: int) -> list[str]:
        """The clip's tags, in the order they were put on."""
        rows = self._all(
            "SELECT tag FROM clip_tags WHERE job_id = ? ORDER BY created_at, tag", [job_id]
        )
        return [str(r["tag"]) for r in rows]

    def tag_added_at(self, job_id: int, tag: str) -> float | None:
        """When ``tag`` was put on the clip, or None when it is not on it."""
        row = self._one(
            "SELECT created_at FROM clip_tags WHERE job_id = ? AND tag = ?", [job_id, tag]
        )
        return None if row is None else float(row["created_at"])

    def tag_rows(self) -> list[tuple[int, str, float]]:
        """Every tag on every clip as (job id, tag, when put on), oldest first."""
        rows = self._all("SELECT job_id, tag, created_at FROM clip_tags ORDER BY created_at, tag")
        return [(int(r["job_id"]), str(r["tag"]), float(r["created_at"])) for r in rows]

    def tags_in_use(self) -> list[str]:
        """Every tag on at least one clip, alphabetically (what the desk's tag filter offers)."""
        rows = self._all("SELECT DISTINCT tag FROM clip_tags ORDER BY tag")
        return [str(r["tag"]) for r in rows]

    def tags_by_job(self, job_ids: Collection[int] | None = None) -> dict[int, list[str]]:
        """Tags by clip (only clips that have any); ``job_ids`` None reads them all."""
        sql = "SELECT job_id, tag FROM clip_tags"
        params: list[int] = []
        if job_ids is not None:
            params = sorted({int(i) for i in job_ids})
            if not params:
                return {}
            sql += f" WHERE job_id IN ({', '.join('?' * len(params))})"
        by_job: dict[int, list[str]] = {}
        for row in self._all(sql + " ORDER BY created_at, tag", params):
            by_job.setdefault(int(row["job_id"]), []).append(str(row["tag"]))
        return by_job
