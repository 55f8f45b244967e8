"""Characters, Batch API records and the audit log of events."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sora_studio.core.errors import UserError
from sora_studio.core.models import BatchRecord, Character, Event
from sora_studio.storage.repo_base import RepoBase
from sora_studio.storage.rows import batch_from_row, character_from_row, event_from_row

_BATCH_UPDATABLE = frozenset(
    {"status", "remote_id", "input_file_id", "output_file_id", "completed_at", "model"}
)


class LibraryRepo(RepoBase):
    """Characters, batches and events."""

    # --- characters -------------------------------------------------------------------------

    def add_character(
        self, *, provider: str, remote_id: str, name: str, source_path: str | None = None
    ) -> Character:
        try:
            character_id = self._insert(
                "INSERT INTO characters (provider, remote_id, name, source_path, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [provider, remote_id, name, source_path, self._now()],
            )
        except sqlite3.IntegrityError as exc:
            raise UserError(
                f"character {remote_id} is already saved for provider {provider}"
            ) from exc
        return self.require_character(character_id)

    def get_character(self, character_id: int) -> Character | None:
        row = self._one("SELECT * FROM characters WHERE id = ?", [character_id])
        return None if row is None else character_from_row(row)

    def require_character(self, character_id: int) -> Character:
        character = self.get_character(character_id)
        if character is None:
            raise UserError(f"no character with id {character_id}")
        return character

    def list_characters(self, provider: str | None = None) -> list[Character]:
        if provider is None:
            rows = self._all("SELECT * FROM characters ORDER BY name, id")
        else:
            rows = self._all(
                "SELECT * FROM characters WHERE provider = ? ORDER BY name, id", [provider]
            )
        return [character_from_row(r) for r in rows]

    def rename_character(self, character_id: int, name: str) -> Character:
        cursor = self.db.execute(
            "UPDATE characters SET name = ? WHERE id = ?", [name, character_id]
        )
        if cursor.rowcount == 0:
            raise UserError(f"no character with id {character_id}")
        return self.require_character(character_id)

    def delete_character(self, character_id: int) -> None:
        cursor = self.db.execute("DELETE FROM characters WHERE id = ?", [character_id])
        if cursor.rowcount == 0:
            raise UserError(f"no character with id {character_id}")

    # --- batches ----------------------------------------------------------------------------

    def create_batch(
        self,
        *,
        provider: str,
        model: str,
        status: str = "pending",
        remote_id: str | None = None,
        input_file_id: str | None = None,
    ) -> BatchRecord:
        batch_id = self._insert(
            "INSERT INTO batches (provider, model, status, remote_id, input_file_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [provider, model, status, remote_id, input_file_id, self._now()],
        )
        return self.require_batch(batch_id)

    def get_batch(self, batch_id: int) -> BatchRecord | None:
        row = self._one("SELECT * FROM batches WHERE id = ?", [batch_id])
        return None if row is None else batch_from_row(row)

    def require_batch(self, batch_id: int) -> BatchRecord:
        batch = self.get_batch(batch_id)
        if batch is None:
            raise UserError(f"no batch with id {batch_id}")
        return batch

    def update_batch(self, batch_id: int, **changes: Any) -> BatchRecord:
        unknown = sorted(set(changes) - _BATCH_UPDATABLE)
        if unknown:
            raise ValueError(
                f"update_batch cannot change {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(_BATCH_UPDATABLE))}"
            )
        if not changes:
            return self.require_batch(batch_id)
        columns = list(changes)
        cursor = self.db.execute(
            f"UPDATE batches SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
            [*(changes[c] for c in columns), batch_id],
        )
        if cursor.rowcount == 0:
            raise UserError(f"no batch with id {batch_id}")
        return self.require_batch(batch_id)

    def list_batches(
        self, *, statuses: tuple[str, ...] | None = None, provider: str | None = None
    ) -> list[BatchRecord]:
        where: list[str] = []
        params: list[Any] = []
        if statuses is not None:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})" if statuses else "0")
            params.extend(statuses)
        if provider is not None:
            where.append("provider = ?")
            params.append(provider)
        sql = "SELECT * FROM batches"
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        return [batch_from_row(r) for r in self._all(sql + " ORDER BY created_at, id", params)]

    # --- events -----------------------------------------------------------------------------

    def log_event(
        self, kind: str, detail: dict[str, Any] | None = None, job_id: int | None = None
    ) -> Event:
        """Append an audit-log entry; ``detail`` must be JSON-serialisable."""
        text = json.dumps(detail or {}, sort_keys=True, default=str)
        try:
            event_id = self._insert(
                "INSERT INTO events (job_id, kind, detail, created_at) VALUES (?, ?, ?, ?)",
                [job_id, kind, text, self._now()],
            )
        except sqlite3.IntegrityError as exc:
            raise UserError(f"no job with id {job_id} to log an event for") from exc
        row = self._one("SELECT * FROM events WHERE id = ?", [event_id])
        assert row is not None
        return event_from_row(row)

    def events(
        self, *, job_id: int | None = None, kind: str | None = None, limit: int | None = None
    ) -> list[Event]:
        """Events newest first, optionally for one job or of one kind."""
        where: list[str] = []
        params: list[Any] = []
        if job_id is not None:
            where.append("job_id = ?")
            params.append(job_id)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        sql = "SELECT * FROM events"
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [event_from_row(r) for r in self._all(sql, params)]
