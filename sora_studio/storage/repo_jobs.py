"""Jobs and their assets: the rows the engine writes and the grid reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import fields
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from sora_studio.core.errors import UserError
from sora_studio.core.models import (
    Asset,
    AssetVariant,
    Brief,
    Job,
    JobStatus,
    LineageKind,
    Operation,
    ReviewStatus,
)
from sora_studio.storage.repo_base import RepoBase
from sora_studio.storage.rows import asset_from_row, job_from_row, job_value_to_db

# Fields update_job may change. ``id`` never changes; ``review_status`` is written only by
# add_review so it always agrees with the review log; ``created_at`` is history.
UPDATABLE_JOB_FIELDS = frozenset(
    f.name for f in fields(Job) if f.name not in ("id", "review_status", "created_at")
) | {"last_progress_at"}


class JobFilters(TypedDict, total=False):
    """Which jobs a listing wants, and in what order (a key from :data:`JOB_ORDERS`)."""

    statuses: Iterable[JobStatus | str] | None
    provider: str | None
    review_statuses: Iterable[ReviewStatus | str] | None
    limit: int | None
    order: str


# ORDER BY clauses callers may ask for; anything else is refused rather than pasted into SQL.
JOB_ORDERS = {
    "created_at DESC": "created_at DESC, id DESC",
    "created_at ASC": "created_at ASC, id ASC",
    "id DESC": "id DESC",
    "id ASC": "id ASC",
    "updated_at DESC": "updated_at DESC, id DESC",
    "queue_position ASC": "queue_position ASC, id ASC",
}


def _statuses(values: Iterable[JobStatus | str] | None) -> list[str] | None:
    return None if values is None else [JobStatus(v).value for v in values]


def _in_clause(column: str, values: list[str]) -> str:
    """``column IN (?, ...)``; an empty list matches nothing (``IN ()`` is not valid SQL)."""
    if not values:
        return "0"
    return f"{column} IN ({', '.join('?' for _ in values)})"


class JobsRepo(RepoBase):
    """Job rows. Every write commits immediately (the crash-safe submit relies on it)."""

    # --- jobs -------------------------------------------------------------------------------

    def create_job(
        self,
        *,
        provider: str,
        fingerprint: str,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        status: JobStatus,
        operation: Operation = Operation.CREATE,
        brief: Brief | None = None,
        estimate_cents: Decimal,
        parent_id: int | None = None,
        lineage_kind: LineageKind = LineageKind.ORIGINAL,
        use_batch: bool = False,
        reference_path: str | None = None,
        character_ids: Sequence[str] = (),
        source_remote_id: str | None = None,
        queue_position: int | None = None,
        batch_id: int | None = None,
        extras: Sequence[tuple[str, str | int | float]] = (),
        base_url: str | None = None,
    ) -> Job:
        """Insert and commit a job row; returns it as stored (with its new id)."""
        if parent_id is not None and self.get_job(parent_id) is None:
            raise UserError(f"no job with id {parent_id} to use as the parent")
        now = self._now()
        values: dict[str, Any] = {
            "provider": provider,
            "fingerprint": fingerprint,
            "prompt": prompt,
            "model": model,
            "size": size,
            "seconds": int(seconds),
            "status": status,
            "operation": operation,
            "brief": brief if brief is not None else Brief(),
            "estimate_cents": estimate_cents,
            "parent_id": parent_id,
            "lineage_kind": lineage_kind,
            "use_batch": use_batch,
            "reference_path": reference_path,
            "character_ids": tuple(character_ids),
            "source_remote_id": source_remote_id,
            "queue_position": (
                self.next_queue_position() if queue_position is None else queue_position
            ),
            "batch_id": batch_id,
            "extras": tuple(extras),
            "base_url": base_url,
            "created_at": now,
            "updated_at": now,
        }
        columns = list(values)
        sql = f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        job_id = self._insert(sql, [job_value_to_db(c, values[c]) for c in columns])
        return self.require_job(job_id)

    def get_job(self, job_id: int) -> Job | None:
        row = self._one("SELECT * FROM jobs WHERE id = ?", [job_id])
        return None if row is None else job_from_row(row)

    def require_job(self, job_id: int) -> Job:
        job = self.get_job(job_id)
        if job is None:
            raise UserError(f"no job with id {job_id}")
        return job

    def update_job(self, job_id: int, **changes: Any) -> Job:
        """Change the named fields (enums, Decimal, Brief converted); ``updated_at`` is set."""
        unknown = sorted(set(changes) - UPDATABLE_JOB_FIELDS)
        if unknown:
            raise ValueError(
                f"update_job cannot change {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(UPDATABLE_JOB_FIELDS))}"
            )
        changes.setdefault("updated_at", self._now())
        columns = list(changes)
        params = [job_value_to_db(c, changes[c]) for c in columns]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        try:
            cursor = self.db.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ?", [*params, job_id]
            )
        except sqlite3.IntegrityError as exc:
            raise UserError(f"cannot update job {job_id}: {exc}") from exc
        if cursor.rowcount == 0:
            raise UserError(f"no job with id {job_id}")
        return self.require_job(job_id)

    def attach_remote_id(self, job_id: int, remote_id: str) -> Job:
        """Record the provider's id right after the create call returns (committed at once)."""
        other = self.find_job_by_remote_id(remote_id)
        if other is not None and other.id != job_id:
            raise UserError(f"remote video {remote_id} already belongs to job {other.id}")
        return self.update_job(job_id, remote_id=remote_id, submitted_at=self._now())

    def recent_render_rates(self, provider: str, model: str, limit: int) -> list[float]:
        """Render seconds per clip second of the latest rendered jobs of ``provider``/``model``.

        From submission (our clock) to completion (the provider's); implausible values, which
        come from clocks that disagree, are left out.
        """
        rows = self._all(
            """
            SELECT (completed_at - submitted_at) * 1.0 / MAX(seconds, 1) AS rate FROM jobs
            WHERE provider = ? AND model = ? AND operation = 'create'
              AND status IN ('ready', 'downloading', 'expired')
              AND completed_at IS NOT NULL AND submitted_at IS NOT NULL
              AND completed_at > submitted_at AND completed_at - submitted_at < 86400
            ORDER BY completed_at DESC LIMIT ?
            """,
            [provider, model, limit],
        )
        return [float(r["rate"]) for r in rows]

    def find_job_by_remote_id(self, remote_id: str) -> Job | None:
        row = self._one("SELECT * FROM jobs WHERE remote_id = ?", [remote_id])
        return None if row is None else job_from_row(row)

    def find_jobs_by_fingerprint(
        self, fingerprint: str, *, statuses: Iterable[JobStatus | str] | None = None
    ) -> list[Job]:
        """Jobs sharing a request fingerprint, oldest first (start-up reconciliation uses it)."""
        where, params = self._where(statuses=statuses, provider=None)
        where.insert(0, "fingerprint = ?")
        params.insert(0, fingerprint)
        rows = self._all(
            f"SELECT * FROM jobs WHERE {' AND '.join(where)} ORDER BY created_at, id", params
        )
        return [job_from_row(r) for r in rows]

    def _where(
        self,
        *,
        statuses: Iterable[JobStatus | str] | None,
        provider: str | None,
        review_statuses: Iterable[ReviewStatus | str] | None = None,
    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        wanted = _statuses(statuses)
        if wanted is not None:
            where.append(_in_clause("status", wanted))
            params.extend(wanted)
        if review_statuses is not None:
            reviews = [ReviewStatus(v).value for v in review_statuses]
            where.append(_in_clause("review_status", reviews))
            params.extend(reviews)
        if provider is not None:
            where.append("provider = ?")
            params.append(provider)
        return where, params

    def _select_jobs(self, what: str, filters: JobFilters) -> list[dict[str, Any]]:
        order = filters.get("order", "created_at DESC")
        if order not in JOB_ORDERS:
            raise ValueError(f"order must be one of {', '.join(JOB_ORDERS)}; got {order!r}")
        where, params = self._where(
            statuses=filters.get("statuses"),
            provider=filters.get("provider"),
            review_statuses=filters.get("review_statuses"),
        )
        sql = f"SELECT {what} FROM jobs"
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        sql += f" ORDER BY {JOB_ORDERS[order]}"
        limit = filters.get("limit")
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return self._all(sql, params)

    def list_jobs(self, **filters: Unpack[JobFilters]) -> list[Job]:
        """Jobs matching ``filters`` (every job by default), newest first unless ordered."""
        return [job_from_row(r) for r in self._select_jobs("*", filters)]

    def job_ids(self, **filters: Unpack[JobFilters]) -> list[int]:
        """Just the ids, for a grid model that fetches rows lazily."""
        return [int(r["id"]) for r in self._select_jobs("id", filters)]

    def jobs_in_status(self, *statuses: JobStatus | str) -> list[Job]:
        """Jobs in any of ``statuses``, in submission order (queue position, then id)."""
        return self.list_jobs(statuses=statuses, order="queue_position ASC")

    def count_jobs(self, *statuses: JobStatus | str) -> int:
        where, params = self._where(statuses=statuses or None, provider=None)
        sql = "SELECT COUNT(*) AS n FROM jobs" + (f" WHERE {' AND '.join(where)}" if where else "")
        row = self._one(sql, params)
        return 0 if row is None else int(row["n"])

    def next_queue_position(self) -> int:
        row = self._one("SELECT COALESCE(MAX(queue_position), 0) + 1 AS n FROM jobs")
        return 1 if row is None else int(row["n"])

    def children(self, job_id: int) -> list[Job]:
        rows = self._all("SELECT * FROM jobs WHERE parent_id = ? ORDER BY created_at, id", [job_id])
        return [job_from_row(r) for r in rows]

    def lineage_root(self, job_id: int) -> Job:
        """The original job at the top of ``job_id``'s parent chain (itself if it has none)."""
        row = self._one(
            """
            WITH RECURSIVE up(id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM jobs WHERE id = ?
                UNION ALL
                SELECT jobs.id, jobs.parent_id, up.depth + 1
                FROM jobs JOIN up ON jobs.id = up.parent_id
                WHERE up.depth < 10000
            )
            SELECT id FROM up ORDER BY depth DESC LIMIT 1
            """,
            [job_id],
        )
        if row is None:
            raise UserError(f"no job with id {job_id}")
        return self.require_job(int(row["id"]))

    def lineage(self, job_id: int) -> list[Job]:
        """The whole family of ``job_id``: its root and every descendant, oldest first."""
        root = self.lineage_root(job_id)
        rows = self._all(
            """
            WITH RECURSIVE down(id, depth) AS (
                SELECT ?, 0
                UNION ALL
                SELECT jobs.id, down.depth + 1
                FROM jobs JOIN down ON jobs.parent_id = down.id
                WHERE down.depth < 10000
            )
            SELECT jobs.* FROM jobs JOIN down ON jobs.id = down.id
            ORDER BY jobs.created_at, jobs.id
            """,
            [root.id],
        )
        return [job_from_row(r) for r in rows]

    def delete_job(self, job_id: int) -> None:
        """Remove the row with its assets, reviews and notes; children keep living, parentless.

        Files on disk are the library service's business; delete them first.
        """
        cursor = self.db.execute("DELETE FROM jobs WHERE id = ?", [job_id])
        if cursor.rowcount == 0:
            raise UserError(f"no job with id {job_id}")

    # --- assets -----------------------------------------------------------------------------

    def upsert_asset(self, asset: Asset) -> Asset:
        """Insert or replace the ``(job, variant)`` asset; ``created_at`` 0 means now."""
        created = asset.created_at or self._now()
        try:
            self.db.execute(
                """
                INSERT INTO assets (job_id, variant, path, bytes, sha256, verified, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (job_id, variant) DO UPDATE SET
                    path = excluded.path, bytes = excluded.bytes, sha256 = excluded.sha256,
                    verified = excluded.verified, created_at = excluded.created_at
                """,
                [
                    asset.job_id,
                    AssetVariant(asset.variant).value,
                    asset.path,
                    asset.bytes,
                    asset.sha256.lower(),
                    int(asset.verified),
                    created,
                ],
            )
        except sqlite3.IntegrityError as exc:
            raise UserError(f"cannot store the asset for job {asset.job_id}: {exc}") from exc
        row = self._one(
            "SELECT * FROM assets WHERE job_id = ? AND variant = ?",
            [asset.job_id, AssetVariant(asset.variant).value],
        )
        assert row is not None
        return asset_from_row(row)

    def assets_for(self, job_id: int) -> dict[AssetVariant, Asset]:
        rows = self._all("SELECT * FROM assets WHERE job_id = ? ORDER BY variant", [job_id])
        return {a.variant: a for a in map(asset_from_row, rows)}

    def find_asset_by_sha256(self, sha256: str) -> Asset | None:
        """An existing asset with this content hash, so an import can spot a duplicate."""
        row = self._one(
            "SELECT * FROM assets WHERE sha256 = ? ORDER BY created_at, job_id LIMIT 1",
            [sha256.lower()],
        )
        return None if row is None else asset_from_row(row)

    def asset_sizes(self) -> set[int]:
        """The byte sizes of every recorded file: a file of another size cannot be a copy."""
        return {int(row["bytes"]) for row in self._all("SELECT DISTINCT bytes FROM assets", [])}

    def known_sha256(self, digests: Iterable[str]) -> set[str]:
        """Which of ``digests`` (lower-case hex) the library already holds a file of."""
        wanted = sorted({d.lower() for d in digests})
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # below SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._all(f"SELECT DISTINCT sha256 FROM assets WHERE sha256 IN ({marks})", chunk)
            found.update(str(row["sha256"]) for row in rows)
        return found

    def delete_asset(self, job_id: int, variant: AssetVariant) -> None:
        self.db.execute(
            "DELETE FROM assets WHERE job_id = ? AND variant = ?",
            [job_id, AssetVariant(variant).value],
        )
