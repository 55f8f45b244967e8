"""The team media share: finished renders and imports copied there, and what a desk can reach.

A team library keeps media in files on a share (``team connect --media-root PATH``, or ``team
media-root PATH``: where the share is mounted on this desk). At each exchange,
:func:`share_media` copies each finished clip of this desk to ``<share>/<team clip id>/<file>``:
a temp file beside the destination, fsynced, its sha256 checked against the library's record,
then renamed into place, so a reader never meets half a file. Once a file is there, the clip's
events carry its share-relative path (:func:`relocator`); a desk applying a remote clip resolves
it under its own mount of the share. A share that is not mounted is skipped (copied later).

:func:`media_state` tells the desk what it can show for a clip: the files are here, or "media on
the team share, not reachable here" (the clip and its cached thumbnail still show), never an
error.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any

from sora_studio.core.team_events import MediaRef
from sora_studio.services import library
from sora_studio.services.setting_keys import TEAM_MEDIA_ROOT_SETTING
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import Relocate
from sora_studio.storage.team_share import LocalMedia, TeamShare

NOT_REACHABLE = "media on the team share, not reachable here"


@dataclass(frozen=True, slots=True)
class MediaState:
    """What a desk can show of a clip: its video here (``path``), or why not (``message``)."""

    available: bool
    path: Path | None = None
    message: str | None = None


def media_root(repo: Any) -> Path | None:
    """The team media share as mounted on this desk, or None when none is set."""
    value = repo.get_setting(TEAM_MEDIA_ROOT_SETTING)
    return Path(value).expanduser() if isinstance(value, str) and value.strip() else None


def share_path(clip_id: str, local_path: str) -> str:
    """Where a clip's file goes on the share, relative to its root: ``<clip id>/<file name>``."""
    return f"{clip_id}/{PurePath(local_path).name}"


def _on_share(root: Path, item: LocalMedia) -> bool:
    dest = root / share_path(item.clip_id, item.path)
    try:
        return dest.stat().st_size == item.bytes
    except OSError:
        return False


def _copy(root: Path, item: LocalMedia) -> None:
    dest = root / share_path(item.clip_id, item.path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = library.temp_path_for(dest)
    shutil.copyfile(item.path, temp)

    def same_bytes(path: Path) -> None:
        if library.sha256_of(path) != item.sha256:
            raise OSError(f"{item.path} changed while it was copied to the team share")

    library.commit_file(temp, dest, verify=same_bytes)


def share_media(repo: Repository) -> int:
    """Copy this desk's finished media not yet on the share; returns how many files were copied.

    Nothing happens without a share, or when it is not mounted (the next exchange tries again);
    a file missing here, or one that changed, is left for later.
    """
    root = media_root(repo)
    if root is None or not root.is_dir():
        return 0
    copied = 0
    with repo.db.atomic():  # clip ids made for clips not yet sent are kept
        items = TeamShare(repo.db).finished_local_media()
    for item in items:
        if _on_share(root, item) or not Path(item.path).is_file():
            continue
        try:
            _copy(root, item)
        except OSError:
            continue
        copied += 1
    return copied


def relocator(repo: Repository) -> Relocate | None:
    """Media paths as the team sees them: share-relative once the file is on the share."""
    root = media_root(repo)
    if root is None or not root.is_dir():
        return None

    def relocate(clip_id: str, ref: MediaRef) -> MediaRef:
        if PurePath(ref.path).is_absolute():
            dest = root / share_path(clip_id, ref.path)
            try:
                if dest.stat().st_size == ref.bytes:
                    return replace(ref, path=share_path(clip_id, ref.path))
            except OSError:
                pass
        return ref

    return relocate


def media_state(repo: Repository, job_id: int) -> MediaState:
    """Whether the clip's video can be opened here, or the message to show instead."""
    share = TeamShare(repo.db)
    video = share.media_paths(job_id).get("video")
    if video is not None:
        path = Path(video)
        if not path.is_absolute():  # on the share, and no mount of it was set when it came
            root = media_root(repo)
            path = root / video if root is not None else path
        if path.is_absolute() and path.is_file():
            return MediaState(True, path)
    if share.is_remote_clip(job_id):
        return MediaState(False, None, NOT_REACHABLE)
    return MediaState(False, None, "the clip's video is not in the library")


def share_character_clip(repo: Repository, provider: str, remote_id: str, path: Path) -> str | None:
    """Copy a character's source clip to the team share; its share-relative path, or None.

    None when no share is mounted here or the clip is missing (its path then goes as recorded
    here). The file lands under ``characters/<provider>-<provider's id>/``.
    """
    root = media_root(repo)
    if root is None or not root.is_dir() or not path.is_file():
        return None
    folder = "-".join(part.replace("/", "_") for part in (provider, remote_id))
    relative = f"characters/{folder}/{path.name}"
    dest = root / relative
    try:
        if dest.is_file() and dest.stat().st_size == path.stat().st_size:
            return relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        temp = library.temp_path_for(dest)
        shutil.copyfile(path, temp)
        library.commit_file(temp, dest)
    except OSError:
        return None
    return relative
