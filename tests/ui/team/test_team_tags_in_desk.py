"""Tags in a team library's desks: one put on with ``T`` on one desk shows on the other's
grid, its details and its tag picker after the sync thread pulls it; one taken off goes too.

Against a real throwaway PostgreSQL (tests/team's cluster), two libraries on one server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from sora_studio.services.team_sync import connect_library
from sora_studio.storage.repository import Repository
from sora_studio.ui.workers.team_link import CONNECTED
from tests.team.team_helpers import copy_of, ready_clip
from tests.ui.team.team_desks import TeamDesk


def test_a_tag_put_on_at_one_desk_shows_on_the_others_grid(
    qtbot: QtBot, tmp_path: Path, team_url: str, library: Callable[[str], Repository]
) -> None:
    alice, bob = library("alice"), library("bob")
    job = ready_clip(alice, prompt="a lighthouse in a storm #coast")
    connect_library(alice, team_url, "Alice")
    connect_library(bob, team_url, "Bob")
    job_b = copy_of(job, alice, bob)
    assert job_b is not None
    desk_a = TeamDesk.open(tmp_path / "alice" / "library.db", tmp_path / "alice")
    desk_b = TeamDesk.open(tmp_path / "bob" / "library.db", tmp_path / "bob")
    try:
        for desk in (desk_a, desk_b):
            qtbot.waitUntil(lambda d=desk: d.link.state.state == CONNECTED, timeout=15_000)
        assert desk_b.panel.select_clip(job_b)
        assert desk_a.panel.select_clip(job.id)
        editor = desk_a.panel.tags.edit()
        assert editor is not None
        editor.add_tag("keeper")
        editor.accept()
        qtbot.waitUntil(lambda: desk_b.panel.model.manual_tags(job_b) == ("keeper",), timeout=5_000)
        assert desk_b.panel.tags.line.label.text() == "Tags: #keeper"
        assert "keeper" in desk_b.panel.filter_bar.tag_choices()
        assert alice.tags_for(job.id) == ["keeper"]
        # Bob's picker filters on the teammate's tag.
        desk_b.panel.filter_bar.tag.setText("keeper")
        desk_b.panel.filter_bar.flush()
        assert desk_b.panel.proxy.rowCount() == 1

        # Bob takes it off: Alice's grid loses it.
        editor = desk_b.panel.tags.edit()
        assert editor is not None
        editor.set_tag_on("keeper", False)
        editor.accept()
        qtbot.waitUntil(lambda: desk_a.panel.model.manual_tags(job.id) == (), timeout=5_000)
        assert desk_a.panel.tags.line.label.text() == "No tags yet"
        assert bob.tags_for(job_b) == []
    finally:
        desk_a.close()
        desk_b.close()
