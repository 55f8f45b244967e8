"""The emulator's persisted state: videos, characters, files and batches, one JSON file each.

Each kind is a ``Table`` of typed records (``emulator.records``). Every change is written
atomically (temp file, fsync, rename), so a crash or a kill never leaves a half-written object,
and a restart finds every object again. Media lives beside the JSON under
``data_dir/media/<id>/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

from sora_studio.emulator.records import (
    BatchRecord,
    CharacterRecord,
    FileRecord,
    Record,
    VideoRecord,
)

R = TypeVar("R", bound=Record)


def new_id(prefix: str, hex_chars: int) -> str:
    """An ID like the real service's: ``video_`` + 48 hex, ``char_``, ``file-``, ``batch_``."""
    return prefix + secrets.token_hex(hex_chars // 2)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Table(Generic[R]):
    """One kind of record, in memory and as ``<folder>/<id>.json``; every method is thread-safe.

    Records are immutable, so what a method returns can be kept and read without the lock.
    """

    def __init__(
        self, folder: Path, kind: type[R], lock: threading.RLock, next_seq: Callable[[], int]
    ) -> None:
        self.folder = folder
        self._kind = kind
        self._lock = lock
        self._next_seq = next_seq
        self._records: dict[str, R] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def load(self) -> int:
        """Read every saved record; returns the highest sequence number seen."""
        highest = 0
        for path in sorted(self.folder.glob("*.json")):
            try:
                record = self._kind.from_json(json.loads(path.read_text("utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # an unreadable file is skipped rather than stopping the emulator
            self._records[record.id] = record
            highest = max(highest, record.seq)
        for path in self.folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                path.unlink()
        return highest

    def _save(self, record: R) -> None:
        data = json.dumps(record.to_json(), sort_keys=True, indent=1).encode("utf-8")
        write_atomic(self.folder / f"{record.id}.json", data)

    def put(self, record: R) -> R:
        """Store a new record (numbered in arrival order) and return it as stored."""
        with self._lock:
            if not record.seq:
                record = record.with_seq(self._next_seq())
            self._records[record.id] = record
            self._save(record)
            return record

    def get(self, object_id: str) -> R | None:
        with self._lock:
            return self._records.get(object_id)

    def update(self, object_id: str, change: Callable[[R], R], *, save: bool = True) -> R | None:
        """Replace the record by ``change(record)`` under the lock; returns the new record.

        ``save=False`` keeps the change in memory only (fine-grained progress ticks).
        """
        with self._lock:
            record = self._records.get(object_id)
            if record is None:
                return None
            record = change(record)
            self._records[object_id] = record
            if save:
                self._save(record)
            return record

    def delete(self, object_id: str) -> bool:
        with self._lock:
            if self._records.pop(object_id, None) is None:
                return False
            with contextlib.suppress(FileNotFoundError):
                (self.folder / f"{object_id}.json").unlink()
            return True

    def all(self) -> list[R]:
        """Every record, oldest first."""
        with self._lock:
            records = list(self._records.values())
        return sorted(records, key=lambda r: (r.created_at, r.seq))

    def count_by(self, key: Callable[[R], str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._lock:
            for record in self._records.values():
                value = key(record)
                counts[value] = counts.get(value, 0) + 1
        return counts


class EmulatorState:
    """The four tables behind the API, loaded from ``data_dir`` and saved there."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._lock = threading.RLock()
        self._seq = 0
        self.videos = self._table("videos", VideoRecord)
        self.characters = self._table("characters", CharacterRecord)
        self.files = self._table("files", FileRecord)
        self.batches = self._table("batches", BatchRecord)
        self.media_root.mkdir(parents=True, exist_ok=True)
        for table in (self.videos, self.characters, self.files, self.batches):
            self._seq = max(self._seq, table.load())

    def _table(self, kind: str, record: type[R]) -> Table[R]:
        return Table(self.data_dir / kind, record, self._lock, self.next_seq)

    @property
    def media_root(self) -> Path:
        return self.data_dir / "media"

    def media_dir(self, object_id: str) -> Path:
        return self.media_root / object_id

    def next_seq(self) -> int:
        """A strictly increasing number that orders objects created in the same second."""
        with self._lock:
            self._seq += 1
            return self._seq


def paginate(
    items: Iterable[Record], *, after: str | None, limit: int, order: str
) -> dict[str, Any]:
    """A cursor list page: ``data``, ``first_id``, ``last_id`` and an honest ``has_more``."""
    ordered = list(items)
    if order == "desc":
        ordered.reverse()
    if after:
        ids = [o.id for o in ordered]
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    page = ordered[:limit]
    return {
        "object": "list",
        "data": [o.public() for o in page],
        "first_id": page[0].id if page else None,
        "last_id": page[-1].id if page else None,
        "has_more": len(ordered) > len(page),
    }


def now_s() -> int:
    return int(time.time())
