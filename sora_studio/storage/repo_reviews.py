"""Review decisions (an append-only log) and time-pinned notes.

The log is never rewritten: a trigger refuses UPDATE on ``reviews``. Undo appends a record that
names the decision it takes back (``undoes_id``) and carries the status that was in force before
it, so the history shows both the decision and its reversal, and undo can be repeated.
``jobs.review_status`` is a denormalised copy of the latest effective status, written in the same
transaction as the record, so the grid can filter on it without a join.
"""

from __future__ import annotations

import sqlite3

from sora_studio.core.errors import UserError
from sora_studio.core.models import Note, Review, ReviewStatus
from sora_studio.storage.repo_base import RepoBase
from sora_studio.storage.rows import Row, note_from_row, review_from_row


def _effective_stack(rows: list[Row]) -> list[Row]:
    """Decisions still in force, oldest first: each undo record pops the one it undid."""
    stack: list[Row] = []
    for row in rows:
        if row["undoes_id"] is None:
            stack.append(row)
        elif stack and stack[-1]["id"] == row["undoes_id"]:
            stack.pop()
    return stack


class ReviewsRepo(RepoBase):
    """Reviews and notes."""

    # --- reviews ----------------------------------------------------------------------------

    def _review_rows(self, job_id: int) -> list[Row]:
        return self._all("SELECT * FROM reviews WHERE job_id = ? ORDER BY id", [job_id])

    def _append_review(
        self,
        job_id: int,
        status: ReviewStatus,
        reviewer: str,
        reason: str,
        undoes_id: int | None,
    ) -> Review:
        now = self._now()
        try:
            with self.db.atomic():
                review_id = self._insert(
                    "INSERT INTO reviews (job_id, status, reviewer, reason, undoes_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [job_id, status.value, reviewer, reason, undoes_id, now],
                )
                self.db.execute(
                    "UPDATE jobs SET review_status = ?, updated_at = ? WHERE id = ?",
                    [status.value, now, job_id],
                )
        except sqlite3.IntegrityError as exc:
            raise UserError(f"no job with id {job_id} to review") from exc
        row = self._one("SELECT * FROM reviews WHERE id = ?", [review_id])
        assert row is not None
        return review_from_row(row)

    def add_review(
        self, job_id: int, status: ReviewStatus, reviewer: str, reason: str = ""
    ) -> Review:
        """Append a decision and make it the job's current review status."""
        return self._append_review(job_id, ReviewStatus(status), reviewer, reason, None)

    def reviews_for(self, job_id: int) -> list[Review]:
        """The full log for a job, oldest first, undo records included."""
        return [review_from_row(r) for r in self._review_rows(job_id)]

    def latest_review_status(self, job_id: int) -> ReviewStatus:
        stack = _effective_stack(self._review_rows(job_id))
        return ReviewStatus(stack[-1]["status"]) if stack else ReviewStatus.UNREVIEWED

    def undo_last_review(self, job_id: int, reviewer: str = "") -> Review | None:
        """Take back the latest decision still in force by appending a restoring record.

        Returns the new record, or None when there is nothing left to undo.
        """
        stack = _effective_stack(self._review_rows(job_id))
        if not stack:
            return None
        undone = stack.pop()
        restored = ReviewStatus(stack[-1]["status"]) if stack else ReviewStatus.UNREVIEWED
        return self._append_review(
            job_id,
            restored,
            reviewer or str(undone["reviewer"]),
            f"undo of review {undone['id']} ({undone['status']})",
            int(undone["id"]),
        )

    # --- notes ------------------------------------------------------------------------------

    def add_note(
        self,
        job_id: int,
        start_ms: int,
        text: str,
        author: str,
        end_ms: int | None = None,
    ) -> Note:
        """Pin a note to ``start_ms`` (or the range ``start_ms``..``end_ms``) of a job's video."""
        if not text.strip():
            raise UserError("a note needs some text")
        if start_ms < 0:
            raise UserError(f"a note cannot start before the video does (start_ms={start_ms})")
        if end_ms is not None and end_ms < start_ms:
            raise UserError(f"a note's end ({end_ms} ms) comes before its start ({start_ms} ms)")
        try:
            note_id = self._insert(
                "INSERT INTO notes (job_id, start_ms, end_ms, text, author, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [job_id, start_ms, end_ms, text, author, self._now()],
            )
        except sqlite3.IntegrityError as exc:
            raise UserError(f"no job with id {job_id} to add a note to") from exc
        return self.require_note(note_id)

    def get_note(self, note_id: int) -> Note | None:
        row = self._one("SELECT * FROM notes WHERE id = ?", [note_id])
        return None if row is None else note_from_row(row)

    def require_note(self, note_id: int) -> Note:
        note = self.get_note(note_id)
        if note is None:
            raise UserError(f"no note with id {note_id}")
        return note

    def notes_for(self, job_id: int) -> list[Note]:
        """A job's notes in timeline order."""
        rows = self._all("SELECT * FROM notes WHERE job_id = ? ORDER BY start_ms, id", [job_id])
        return [note_from_row(r) for r in rows]

    def resolve_note(self, note_id: int, resolved: bool = True) -> Note:
        cursor = self.db.execute(
            "UPDATE notes SET resolved = ? WHERE id = ?", [int(resolved), note_id]
        )
        if cursor.rowcount == 0:
            raise UserError(f"no note with id {note_id}")
        return self.require_note(note_id)

    def link_note_result(self, note_id: int, result_job_id: int) -> Note:
        """Record which edit/extension/remix job a note turned into."""
        try:
            cursor = self.db.execute(
                "UPDATE notes SET result_job_id = ? WHERE id = ?", [result_job_id, note_id]
            )
        except sqlite3.IntegrityError as exc:
            raise UserError(f"no job with id {result_job_id} to link note {note_id} to") from exc
        if cursor.rowcount == 0:
            raise UserError(f"no note with id {note_id}")
        return self.require_note(note_id)

    def delete_note(self, note_id: int) -> None:
        cursor = self.db.execute("DELETE FROM notes WHERE id = ?", [note_id])
        if cursor.rowcount == 0:
            raise UserError(f"no note with id {note_id}")
