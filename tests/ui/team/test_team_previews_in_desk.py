"""A teammate's clip on a desk without the media share: the grid shows its cached thumbnail
(not a "missing media" card) and the player says the media is on the team share (issue 13)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from pytestqt.qtbot import QtBot

from sora_studio.core.models import Asset, AssetVariant, JobStatus
from sora_studio.services.team_media import NOT_REACHABLE
from sora_studio.services.team_sync import connect_library
from sora_studio.storage.repository import Repository
from sora_studio.ui.review.clip_delegate import THUMBNAIL_MAX_SIDE
from sora_studio.ui.review.review_panel import ReviewPanel
from tests.job_factory import add_job
from tests.team.team_helpers import copy_of


def _asset(repo: Repository, job_id: int, variant: AssetVariant, path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    repo.upsert_asset(Asset(job_id, variant, str(path), len(data), sha, True))


def test_the_grid_shows_a_teammates_cached_thumbnail_without_the_share(
    qtbot: QtBot, tmp_path: Path, team_url: str, library: Callable[[str], Repository]
) -> None:
    alice, bob = library("alice"), library("bob")
    job = add_job(alice, status=JobStatus.READY, remote_id="video_t", prompt="a quiet harbour")
    picture = io.BytesIO()
    Image.new("RGB", (160, 90), (30, 160, 90)).save(picture, format="WEBP")
    media = tmp_path / "alice-media"
    _asset(alice, job.id, AssetVariant.VIDEO, media / "video.mp4", b"\x00mp4" * 100)
    _asset(alice, job.id, AssetVariant.THUMBNAIL, media / "thumbnail.webp", picture.getvalue())
    share = tmp_path / "share"
    share.mkdir()
    connect_library(alice, team_url, "Alice", media_root=str(share))
    connect_library(bob, team_url, "Bob")  # no share on this desk
    remote = copy_of(job, alice, bob)
    assert remote is not None
    panel = ReviewPanel(tmp_path / "bob" / "library.db", tmp_path / "bob", with_audio=False)
    qtbot.addWidget(panel)
    try:
        qtbot.waitUntil(lambda: panel.model.job(remote) is not None, timeout=5_000)
        row = panel.model.clip_row(remote)
        assert row.media_missing and row.thumbnail_path is not None
        assert Path(row.thumbnail_path).is_file()  # cached here, from the team database
        thumb = row.thumbnail_path
        qtbot.waitUntil(
            lambda: panel.cache.pixmap(thumb, THUMBNAIL_MAX_SIDE) is not None, timeout=5_000
        )
        panel.show()
        panel.grid.viewport().repaint()
        image = panel.grid.viewport().grab().toImage()
        green = sum(  # the thumbnail's colour is painted, not the hatched "missing media" card
            1
            for x in range(0, image.width(), 4)
            for y in range(0, image.height(), 4)
            if _near(image.pixelColor(x, y).getRgb()[:3], (30, 160, 90))
        )
        assert green > 50
        assert panel.select_clip(remote)
        qtbot.waitUntil(lambda: panel.current_job_id == remote, timeout=5_000)
        assert panel.player.video.placeholder == NOT_REACHABLE
    finally:
        panel.shutdown()


def _near(rgb: tuple[int, int, int], target: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(rgb, target, strict=True))
