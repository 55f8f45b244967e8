"""The team media share: finished media copied there atomically, resolved on every desk's own
mount, and a plain message where the share is not reachable."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from sora_studio.core.models import Asset, AssetVariant, JobStatus
from sora_studio.services.team_media import NOT_REACHABLE, media_state, share_media
from sora_studio.services.team_sync import connect_library, exchange
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal
from tests.job_factory import add_job
from tests.team.team_helpers import copy_of, exchange_all, server_text

Library = Callable[[str], Repository]


def _finished(repo: Repository, folder: Path, data: bytes) -> int:
    job = add_job(repo, status=JobStatus.READY, remote_id=f"video_{len(data)}")
    video = folder / f"{job.id}" / "video.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    repo.upsert_asset(Asset(job.id, AssetVariant.VIDEO, str(video), len(data), digest, True))
    return job.id


def test_finished_media_goes_to_the_share_and_resolves_on_each_desks_mount(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    share = tmp_path / "share"  # the same share, mounted at two places on two desks
    share.mkdir()
    mount_bo = tmp_path / "bo-mount"
    mount_bo.symlink_to(share)
    ana, bo = library("ana"), library("bo")
    job_id = _finished(ana, tmp_path / "ana-media", b"\x00mp4 bytes" * 100)
    connect_library(ana, team_url, "ana", media_root=str(share))
    connect_library(bo, team_url, "bo", media_root=str(mount_bo))
    clip_id = TeamLocal(ana.db).known_clip_id(job_id)
    on_share = share / str(clip_id) / "video.mp4"
    assert on_share.read_bytes() == b"\x00mp4 bytes" * 100
    assert not [p for p in on_share.parent.iterdir() if p.name.startswith(".")]  # no temp left
    body = server_text(
        team_url,
        "SELECT body::text FROM sora_team.events WHERE kind = 'clip' ORDER BY seq DESC LIMIT 1",
    )
    assert f'"path": "{clip_id}/video.mp4"' in body  # share-relative, not ana's own path
    exchange_all(ana, bo)
    on_bo = copy_of(ana.require_job(job_id), ana, bo)
    assert on_bo is not None
    assert bo.assets_for(on_bo)[AssetVariant.VIDEO].path == str(
        mount_bo / str(clip_id) / "video.mp4"
    )
    state = media_state(bo, on_bo)
    assert state.available and state.path is not None and state.path.read_bytes()
    assert share_media(ana) == 0  # already there: nothing copied twice


def test_without_the_share_the_clip_still_arrives_and_says_where_its_media_is(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    ana, cy = library("ana"), library("cy")
    job_id = _finished(ana, tmp_path / "ana-media", b"frames" * 50)
    connect_library(ana, team_url, "ana", media_root=str(share))
    connect_library(cy, team_url, "cy", media_root=str(tmp_path / "not-mounted"))
    on_cy = copy_of(ana.require_job(job_id), ana, cy)
    assert on_cy is not None and cy.require_job(on_cy).status is JobStatus.READY
    state = media_state(cy, on_cy)
    assert (state.available, state.message) == (False, NOT_REACHABLE)
    # A desk with no share set at all: the same plain message, no error.
    dee = library("dee")
    connect_library(dee, team_url, "dee")
    on_dee = copy_of(ana.require_job(job_id), ana, dee)
    assert on_dee is not None
    assert media_state(dee, on_dee).message == NOT_REACHABLE


def test_an_unmounted_share_is_skipped_then_filled_when_it_is_back(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    share = tmp_path / "share"
    ana = library("ana")
    job_id = _finished(ana, tmp_path / "ana-media", b"later" * 10)
    connect_library(ana, team_url, "ana", media_root=str(share))  # not mounted yet
    assert not share.exists()
    share.mkdir()
    exchange(ana)
    clip_id = TeamLocal(ana.db).known_clip_id(job_id)
    assert (share / str(clip_id) / "video.mp4").is_file()
    assert os.stat(share / str(clip_id) / "video.mp4").st_size == 50
