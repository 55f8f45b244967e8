"""Teammates' thumbnails and spritesheets travel through the team database and are cached on
every desk, so a desk without the media share still shows and scrubs each clip (issue 13)."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from PIL import Image

from sora_studio.core.models import Asset, AssetVariant, JobStatus
from sora_studio.services import team_previews
from sora_studio.services.team_media import NOT_REACHABLE, media_state
from sora_studio.services.team_sync import connect_library
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_pg import TeamServer
from sora_studio.storage.team_pg_schema import SCHEMA_STEPS, TEAM_SCHEMA_VERSION
from tests.job_factory import add_job
from tests.team.team_helpers import copy_of, exchange_all, server_count

Library = Callable[[str], Repository]


def _picture(fmt: str, size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def _store(repo: Repository, job_id: int, variant: AssetVariant, path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    repo.upsert_asset(Asset(job_id, variant, str(path), len(data), digest, True))


def _rendered(repo: Repository, folder: Path) -> int:
    """A finished clip with its video, thumbnail (WebP) and spritesheet (JPEG) on this desk."""
    job = add_job(repo, status=JobStatus.READY, remote_id="video_previews")
    here = folder / str(job.id)
    _store(repo, job.id, AssetVariant.VIDEO, here / "video.mp4", b"\x00mp4" * 300)
    thumb = _picture("WEBP", (160, 90), (200, 40, 40))
    _store(repo, job.id, AssetVariant.THUMBNAIL, here / "thumbnail.webp", thumb)
    sheet = _picture("JPEG", (800, 450), (20, 120, 200))
    _store(repo, job.id, AssetVariant.SPRITESHEET, here / "spritesheet.jpg", sheet)
    return job.id


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_a_desk_without_the_share_gets_the_clips_pictures_from_the_team_database(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    ana, bo = library("ana"), library("bo")
    job_id = _rendered(ana, tmp_path / "ana-media")
    connect_library(ana, team_url, "ana", media_root=str(share))
    connect_library(bo, team_url, "bo", media_root=str(tmp_path / "not-mounted"))
    exchange_all(ana, bo)
    assert server_count(team_url, "SELECT count(*) FROM sora_team.previews") == 2
    on_bo = copy_of(ana.require_job(job_id), ana, bo)
    assert on_bo is not None
    theirs, mine = ana.assets_for(job_id), bo.assets_for(on_bo)
    bo_root = tmp_path / "bo" / "library"  # the library folder beside bo's database
    for variant, fmt in ((AssetVariant.THUMBNAIL, "WEBP"), (AssetVariant.SPRITESHEET, "JPEG")):
        cached = mine[variant]
        assert Path(cached.path).is_file() and Path(cached.path).is_relative_to(bo_root)
        assert cached.verified
        assert _sha(cached.path) == _sha(theirs[variant].path) == theirs[variant].sha256
        with Image.open(cached.path) as image:
            assert image.format == fmt and image.size[0] > 0
    # The video stays on the share, which this desk cannot reach: a plain message, no error.
    assert not Path(mine[AssetVariant.VIDEO].path).is_file()
    state = media_state(bo, on_bo)
    assert (state.available, state.message) == (False, NOT_REACHABLE)
    # Another exchange (a re-sent clip event included) keeps the cached copies.
    ana.update_job(job_id, cost_cents=Decimal(41))
    exchange_all(ana, bo)
    assert bo.assets_for(on_bo)[AssetVariant.THUMBNAIL].path == mine[AssetVariant.THUMBNAIL].path


def test_a_desk_with_the_share_caches_the_pictures_from_it(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    ana, cy = library("ana"), library("cy")
    job_id = _rendered(ana, tmp_path / "ana-media")
    connect_library(ana, team_url, "ana", media_root=str(share))
    connect_library(cy, team_url, "cy", media_root=str(share))
    exchange_all(ana, cy)
    on_cy = copy_of(ana.require_job(job_id), ana, cy)
    assert on_cy is not None
    sheet = cy.assets_for(on_cy)[AssetVariant.SPRITESHEET]
    assert Path(sheet.path).is_relative_to(tmp_path / "cy" / "library")  # local, not the share
    assert _sha(sheet.path) == ana.assets_for(job_id)[AssetVariant.SPRITESHEET].sha256
    assert media_state(cy, on_cy).available  # the video opens from the share


def test_a_preview_over_the_size_limit_is_skipped_with_a_logged_reason(
    team_url: str,
    library: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ana, bo = library("ana"), library("bo")
    job_id = _rendered(ana, tmp_path / "ana-media")
    sheet_bytes = ana.assets_for(job_id)[AssetVariant.SPRITESHEET].bytes
    thumb_bytes = ana.assets_for(job_id)[AssetVariant.THUMBNAIL].bytes
    assert thumb_bytes < sheet_bytes
    monkeypatch.setattr(team_previews, "PREVIEW_MAX_BYTES", sheet_bytes - 1)
    with caplog.at_level(logging.WARNING, logger=team_previews.__name__):
        connect_library(ana, team_url, "ana")
        connect_library(bo, team_url, "bo")
        exchange_all(ana, bo)
    assert "over the team database's limit" in caplog.text and "spritesheet" in caplog.text
    on_bo = copy_of(ana.require_job(job_id), ana, bo)
    assert on_bo is not None
    mine = bo.assets_for(on_bo)
    assert Path(mine[AssetVariant.THUMBNAIL].path).is_file()  # the small one still came
    assert not mine[AssetVariant.SPRITESHEET].verified  # the large one did not; nothing broke
    assert server_count(team_url, "SELECT count(*) FROM sora_team.previews") == 1


def test_a_version_2_team_library_is_upgraded_to_keep_previews(team_url: str) -> None:
    with psycopg.connect(team_url) as conn:  # what a desk of the previous release made
        conn.execute("CREATE SCHEMA sora_team")
        conn.execute(
            "CREATE TABLE sora_team.schema_version (id int PRIMARY KEY CHECK (id = 1),"
            " version int NOT NULL)"
        )
        conn.execute("INSERT INTO sora_team.schema_version VALUES (1, 2)")
        for step in (1, 2):
            for statement in SCHEMA_STEPS[step]:
                conn.execute(statement)
    server = TeamServer.open(team_url)
    try:
        assert server.schema_version() == TEAM_SCHEMA_VERSION == 3
    finally:
        server.close()
    assert server_count(team_url, "SELECT count(*) FROM sora_team.previews") == 0
