"""A teammate's clip whose media is on a team share this desk cannot reach: the player says
"media on the team share, not reachable here" instead of failing (issue 13, Media)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from sora_studio.services.team_media import NOT_REACHABLE
from sora_studio.services.team_sync import connect_library
from sora_studio.storage.repository import Repository
from sora_studio.ui.review.review_panel import ReviewPanel
from tests.team.team_helpers import copy_of, ready_clip


def test_the_player_says_the_media_is_on_the_team_share_when_it_is_not_reachable(
    qtbot: QtBot, tmp_path: Path, team_url: str, library: Callable[[str], Repository]
) -> None:
    alice, bob = library("alice"), library("bob")
    job = ready_clip(alice, prompt="a harbour at dawn")  # its video is on Alice's desk only
    connect_library(alice, team_url, "Alice")
    connect_library(bob, team_url, "Bob")
    remote = copy_of(job, alice, bob)
    assert remote is not None
    own = ready_clip(bob, prompt="Bob's own clip, its file gone").id
    panel = ReviewPanel(tmp_path / "bob" / "library.db", tmp_path / "bob", with_audio=False)
    qtbot.addWidget(panel)
    try:
        qtbot.waitUntil(lambda: panel.model.job(remote) is not None, timeout=5_000)
        assert panel.select_clip(remote)
        qtbot.waitUntil(lambda: panel.current_job_id == remote, timeout=5_000)
        assert panel.player.video.placeholder == NOT_REACHABLE
        assert panel.player.source is None  # nothing was opened, nothing failed

        assert panel.select_clip(own)  # a clip of this desk keeps the player's own words
        qtbot.waitUntil(lambda: panel.current_job_id == own, timeout=5_000)
        assert panel.player.video.placeholder == "No playable video for this clip"
    finally:
        panel.shutdown()
