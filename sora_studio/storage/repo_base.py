"""What every part of the repository shares: the connection, the clock, and query helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlite_utils import Database

from sora_studio.storage.rows import Row


class RepoBase:
    """Holds the connection; like it, an instance belongs to the thread that opened it."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    def _now(self) -> float:
        return float(self._clock())

    def _rows(self, sql: str, params: Sequence[Any]) -> list[Row]:
        # db.execute, not db.query: query() wraps every SELECT in a savepoint, which costs a
        # round of journal work per read that a plain SELECT does not need.
        cursor = self.db.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._rows(sql, params)

    def _insert(self, sql: str, params: Sequence[Any]) -> int:
        """Run an INSERT (committed at once unless inside ``db.atomic()``); returns the rowid."""
        cursor = self.db.execute(sql, list(params))
        rowid = cursor.lastrowid
        if rowid is None:  # pragma: no cover - sqlite3 always sets it after an INSERT
            raise RuntimeError("INSERT did not report a row id")
        return int(rowid)
