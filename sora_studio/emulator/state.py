"""The emulator's persisted state: videos, characters, files and batches as JSON, one file each.

Each object is a dict whose public keys are exactly what the API returns and whose private keys
start with ``_`` (lineage, asset paths, ordering). Every change is written atomically (temp file,
fsync, rename), so a crash or a kill never leaves a half-written object, and a restart finds every
object again. Media lives beside the JSON under ``data_dir/media/<id>/``.
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
from typing import Any

KINDS = ("videos", "characters", "files", "batches")


def new_id(prefix: str, hex_chars: int) -> str:
    """An ID like the real service's: ``video_`` + 48 hex, ``char_``, ``file-``, ``batch_``."""
    return prefix + secrets.token_hex(hex_chars // 2)


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it: private ``_`` keys dropped."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class EmulatorState:
    """In-memory objects backed by JSON files; every method is thread-safe."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._lock = threading.RLock()
        self._objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self._seq = 0
        for kind in KINDS:
            (self.data_dir / kind).mkdir(parents=True, exist_ok=True)
        self.media_root.mkdir(parents=True, exist_ok=True)
        self._load()

    @property
    def media_root(self) -> Path:
        return self.data_dir / "media"

    def media_dir(self, object_id: str) -> Path:
        return self.media_root / object_id

    def _load(self) -> None:
        for kind in KINDS:
            for path in sorted((self.data_dir / kind).glob("*.json")):
                try:
                    obj = json.loads(path.read_text("utf-8"))
                except (OSError, ValueError):
                    continue  # an unreadable file is skipped rather than stopping the emulator
                self._objects[kind][obj["id"]] = obj
                self._seq = max(self._seq, int(obj.get("_seq", 0)))
        for path in (self.data_dir).glob("*/.*.tmp"):
            with contextlib.suppress(OSError):
                path.unlink()

    def _save(self, kind: str, obj: dict[str, Any]) -> None:
        data = json.dumps(obj, sort_keys=True, indent=1).encode("utf-8")
        write_atomic(self.data_dir / kind / f"{obj['id']}.json", data)

    def next_seq(self) -> int:
        """A strictly increasing number that orders objects created in the same second."""
        with self._lock:
            self._seq += 1
            return self._seq

    def put(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            obj.setdefault("_seq", self.next_seq())
            self._objects[kind][obj["id"]] = obj
            self._save(kind, obj)
            return dict(obj)

    def get(self, kind: str, object_id: str) -> dict[str, Any] | None:
        with self._lock:
            obj = self._objects[kind].get(object_id)
            return dict(obj) if obj is not None else None

    def update(
        self,
        kind: str,
        object_id: str,
        change: Callable[[dict[str, Any]], None],
        *,
        save: bool = True,
    ) -> dict[str, Any] | None:
        """Apply ``change`` to the stored object under the lock; returns a copy of the result.

        ``save=False`` keeps the change in memory only (fine-grained progress ticks).
        """
        with self._lock:
            obj = self._objects[kind].get(object_id)
            if obj is None:
                return None
            change(obj)
            if save:
                self._save(kind, obj)
            return dict(obj)

    def delete(self, kind: str, object_id: str) -> bool:
        with self._lock:
            if self._objects[kind].pop(object_id, None) is None:
                return False
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / kind / f"{object_id}.json").unlink()
            return True

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every object of ``kind``, oldest first."""
        with self._lock:
            items = [dict(o) for o in self._objects[kind].values()]
        return sorted(items, key=lambda o: (o.get("created_at", 0), o.get("_seq", 0)))

    def count_by(self, kind: str, key: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._lock:
            for obj in self._objects[kind].values():
                value = str(obj.get(key))
                counts[value] = counts.get(value, 0) + 1
        return counts


def paginate(
    items: Iterable[dict[str, Any]], *, after: str | None, limit: int, order: str
) -> dict[str, Any]:
    """A cursor list page: ``data``, ``first_id``, ``last_id`` and an honest ``has_more``."""
    ordered = list(items)
    if order == "desc":
        ordered.reverse()
    if after:
        ids = [o["id"] for o in ordered]
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    page = ordered[:limit]
    return {
        "object": "list",
        "data": [public(o) for o in page],
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(ordered) > len(page),
    }


def now_s() -> int:
    return int(time.time())
