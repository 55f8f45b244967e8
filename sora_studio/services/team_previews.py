"""Teammates' thumbnails and spritesheets cached on this desk, even without the media share.

Videos live on the team media share only; their small pictures also travel through the team
database (:mod:`sora_studio.storage.team_previews`). At each full exchange
:func:`share_previews` stores this desk's finished clips' pictures there (before their clip
events go up, so a teammate pulling the clip finds them); a picture over
:data:`PREVIEW_MAX_BYTES` is skipped with a logged reason. After each pull :func:`cache_previews`
copies a bounded batch of teammates' pictures not cached yet into this library's folder (the
usual ``<library>/<date>/<job id>/`` layout), from the share when it is reachable, else from the
database, checks each against its sha256, and records it as the clip's asset, so the review grid
shows and scrubs it. Both run on the sync thread, never the GUI's.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path, PurePath

from sora_studio.core.models import AssetVariant
from sora_studio.services import library
from sora_studio.services.setting_keys import library_root
from sora_studio.services.team_media import media_root
from sora_studio.storage import team_previews as previews_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_pg import TeamServer
from sora_studio.storage.team_previews import (
    LocalPreview,
    PreviewBlob,
    PreviewKey,
    TeamPreviews,
)

log = logging.getLogger(__name__)

PREVIEW_MAX_BYTES = previews_db.PREVIEW_MAX_BYTES
UPLOAD_BATCH = 16  # pictures per transaction: a few MiB, never the whole library at once
CACHE_BATCH = 32  # pictures cached per exchange: the next pull never waits long behind them

# (server URL, clip, variant, sha256) known to be on the server, so each scan asks only about
# new pictures; and those refused for their size, so the reason is logged once, not each scan.
_on_server: set[tuple[str, PreviewKey]] = set()
_too_large: set[PreviewKey] = set()
# Teammates' pictures found nowhere yet (too large to share, or a desk that does not send them):
# asked about again after RETRY_MISSING_S, not at every exchange.
_missing_until: dict[tuple[Path | None, PreviewKey], float] = {}
RETRY_MISSING_S = 60.0


def preview_root(repo: Repository) -> Path:
    """This library's media folder: the ``library_folder`` setting, else ``<data>/library``."""
    database = TeamPreviews(repo.db).database_file()
    default = database.parent / "library" if database is not None else Path("library")
    return library_root(repo, default)


def share_previews(repo: Repository, server: TeamServer, url: str, author: str) -> int:
    """Store this desk's finished clips' pictures the server lacks; returns how many went up."""
    local = TeamPreviews(repo.db).local_previews()
    waiting = [p for p in local if (url, p.key) not in _on_server and p.key not in _too_large]
    if not waiting:
        return 0
    held = previews_db.stored_previews(server, sorted({p.key.clip_id for p in waiting}))
    _on_server.update((url, key) for key in held)
    blobs: list[PreviewBlob] = []
    sent = 0
    for preview in waiting:
        if preview.key in held:
            continue
        blob = _read_local(preview)
        if blob is None:
            continue
        blobs.append(blob)
        if len(blobs) >= UPLOAD_BATCH:
            sent += _store(server, blobs, url, author)
            blobs = []
    return sent + _store(server, blobs, url, author)


def _store(server: TeamServer, blobs: list[PreviewBlob], url: str, author: str) -> int:
    stored = previews_db.store_previews(server, blobs, author)
    _on_server.update((url, blob.key) for blob in blobs)
    return stored


def _read_local(preview: LocalPreview) -> PreviewBlob | None:
    """The picture's bytes when it is here, small enough, and the version recorded."""
    path = Path(preview.path)
    try:
        size = path.stat().st_size
        if size > PREVIEW_MAX_BYTES:
            _too_large.add(preview.key)
            log.warning(
                "the %s of clip %s is %d bytes, over the team database's limit of %d: it is "
                "not shared (teammates without the media share see the clip without it)",
                preview.key.variant,
                preview.key.clip_id,
                size,
                PREVIEW_MAX_BYTES,
            )
            return None
        data = path.read_bytes()
    except OSError:
        return None  # not here (yet): tried again at the next scan
    if _sha256(data) != preview.key.sha256:
        return None  # changed since it was recorded; the next recorded version goes
    return PreviewBlob(preview.key, data)


def cache_previews(repo: Repository, server: TeamServer, limit: int = CACHE_BATCH) -> int:
    """Cache up to ``limit`` teammates' pictures here; returns how many were cached.

    A picture neither on a reachable share nor in the database yet is tried again later.
    """
    local = TeamPreviews(repo.db)
    now = time.monotonic()
    here = local.database_file()  # one process may hold several libraries (tests, tools)
    waiting = [
        p for p in local.uncached_remote_previews() if _missing_until.get((here, p.key), 0.0) <= now
    ]
    if not waiting:
        return 0
    root = preview_root(repo)
    share = media_root(repo)
    got: dict[PreviewKey, bytes] = {}
    from_db: list[LocalPreview] = []
    for preview in waiting:
        if len(got) + len(from_db) >= limit:
            break
        data = _from_share(preview, share)
        if data is not None:
            got[preview.key] = data
        else:
            from_db.append(preview)
    for blob in previews_db.fetch_previews(server, [p.key for p in from_db]):
        got[blob.key] = blob.data
    for preview in from_db:
        if preview.key not in got:
            _missing_until[(here, preview.key)] = now + RETRY_MISSING_S
    cached: list[tuple[LocalPreview, str]] = []
    for preview in waiting:
        data = got.get(preview.key)
        if data is None:
            continue
        if _sha256(data) != preview.key.sha256:
            continue  # never recorded as this version: tried again later
        job = repo.get_job(preview.job_id)
        if job is None:
            continue
        dest = library.asset_path(root, job, AssetVariant(preview.key.variant))
        try:
            library.write_bytes_atomic(dest, data)
        except OSError as exc:
            log.warning("could not cache a teammate's %s at %s: %s", preview.key.variant, dest, exc)
            continue
        cached.append((preview, str(dest)))
    with repo.db.atomic():
        return sum(local.record_cached(preview, path) for preview, path in cached)


def _from_share(preview: LocalPreview, share: Path | None) -> bytes | None:
    """The picture's bytes from the media share, when it is reachable and holds this version."""
    path = Path(preview.path)
    if not path.is_absolute():
        if share is None:
            return None
        path = share / PurePath(preview.path)
    try:
        if path.stat().st_size != preview.bytes or preview.bytes > PREVIEW_MAX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if _sha256(data) == preview.key.sha256 else None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
