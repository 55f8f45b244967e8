"""Files on disk: where a job's media lives and how it gets there without ever being half-written.

Layout: ``<library>/<YYYY-MM-DD>/<job id>/`` holding ``video.mp4``, ``thumbnail.webp``,
``spritesheet.jpg`` and ``recipe.json``. The date is the local date the job was created.

Every file arrives the same way: bytes go to a hidden temp file *in the same folder*
(``.<name>.<random>.part``, so the final rename never crosses a file system), the temp file is
fsynced, verified by the caller's check, hashed, renamed over the final name with ``os.replace``
(atomic on POSIX and Windows), and the folder is fsynced so the rename itself survives a power cut.
A crash at any moment leaves either the old state or the complete new file, plus at worst a
``.part`` file that :func:`sweep_partials` removes at the next start.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sora_studio.core.models import AssetVariant, Job

PART_SUFFIX = ".part"
RECIPE_NAME = "recipe.json"

_HASH_CHUNK = 1024 * 1024


def job_folder(library_root: Path, job: Job) -> Path:
    """``<library>/<local date of creation>/<job id>/`` (not created here)."""
    created = job.created_at or time.time()
    day = time.strftime("%Y-%m-%d", time.localtime(created))
    return library_root / day / str(job.id)


def asset_path(library_root: Path, job: Job, variant: AssetVariant) -> Path:
    """Where ``variant`` of ``job`` lives once downloaded."""
    return job_folder(library_root, job) / f"{variant.value}{variant.file_extension}"


def temp_path_for(dest: Path) -> Path:
    """A fresh hidden temp name beside ``dest``; :func:`sweep_partials` knows the pattern."""
    return dest.parent / f".{dest.name}.{secrets.token_hex(6)}{PART_SUFFIX}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_file(path: Path) -> None:
    """Flush a file's bytes to the disk (the data must be durable before the rename)."""
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries so a rename in it survives a crash. No-op where unsupported."""
    if os.name == "nt":  # Windows cannot open a folder for fsync; NTFS journals renames.
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_file(temp: Path, dest: Path, verify: Callable[[Path], None] | None = None) -> str:
    """fsync ``temp``, run ``verify`` on it, hash it, move it to ``dest`` atomically.

    Returns the sha256. ``verify`` raises to refuse the file; the temp file is then deleted and
    ``dest`` is left as it was. Any other failure also removes the temp file.
    """
    try:
        fsync_file(temp)
        if verify is not None:
            verify(temp)
        digest = sha256_of(temp)
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(dest.parent)
    return digest


def write_bytes_atomic(dest: Path, data: bytes) -> str:
    """Write ``data`` to ``dest`` through a temp file and an atomic rename; returns the sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(dest)
    with temp.open("wb") as handle:
        handle.write(data)
    return commit_file(temp, dest)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    return value


def recipe_for(
    job: Job, files: Iterable[tuple[AssetVariant, str, str]], *, parent: Job | None = None
) -> dict[str, Any]:
    """The ``recipe.json`` content: enough to understand and re-make the clip without the app.

    ``files`` holds ``(variant, file name, sha256)`` triples.
    """
    brief = dataclasses.asdict(job.brief)
    recipe: dict[str, Any] = _jsonable(
        {
            "schema": 1,
            "job_id": job.id,
            "remote_id": job.remote_id,
            "provider": job.provider,
            "prompt": job.prompt,
            "brief": {k: v for k, v in brief.items() if v},
            "model": job.model,
            "size": job.size,
            "seconds": job.seconds,
            "operation": job.operation,
            "batch": job.use_batch,
            "reference_path": job.reference_path,
            "character_ids": list(job.character_ids),
            "lineage": {
                "kind": job.lineage_kind,
                "parent_id": job.parent_id,
                "parent_remote_id": parent.remote_id if parent else job.source_remote_id,
            },
            "cost_cents": job.cost_cents if job.cost_cents is not None else job.estimate_cents,
            "estimate_cents": job.estimate_cents,
            "created_at": job.created_at,
            "completed_at": job.completed_at,
            "fingerprint": job.fingerprint,
            "files": {variant: {"name": name, "sha256": digest} for variant, name, digest in files},
        }
    )
    return recipe


def write_recipe(folder: Path, recipe: dict[str, Any]) -> Path:
    """Write ``recipe.json`` into ``folder`` atomically; returns its path."""
    dest = folder / RECIPE_NAME
    write_bytes_atomic(dest, (json.dumps(recipe, indent=2, sort_keys=True) + "\n").encode())
    return dest


def sweep_partials(library_root: Path) -> int:
    """Delete temp files a killed process left behind; returns how many went."""
    if not library_root.exists():
        return 0
    removed = 0
    for path in library_root.rglob(f".*{PART_SUFFIX}"):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def remove_job_files(library_root: Path, job: Job) -> bool:
    """Delete a job's folder and everything in it; True if something was removed."""
    folder = job_folder(library_root, job)
    if not folder.exists():
        return False
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    folder.rmdir()
    return True
