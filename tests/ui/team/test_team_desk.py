"""The desk side of the team library (issue 13): status bar, Settings › Team, live verdicts.

Against a real throwaway PostgreSQL (tests/team's cluster): two libraries connected to one
server; a verdict given on one desk shows on the other's grid, with the reviewer's name, within
a second, through the sync thread and the link; disagreeing verdicts show "Disputed" and pass
the grid's Disputed filter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from sora_studio.core.models import ReviewStatus
from sora_studio.core.team_events import VerdictState
from sora_studio.services.team_sync import connect_library
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.ui.background_op import BackgroundOps
from sora_studio.ui.review.clip_filter import ClipFilter
from sora_studio.ui.review.clip_model import ClipRoles
from sora_studio.ui.review.filter_bar import DISPUTED
from sora_studio.ui.review.team_badges import team_badge, team_tooltip
from sora_studio.ui.settings.team_page import TeamPage
from sora_studio.ui.status_bar import StudioStatusBar
from sora_studio.ui.workers.team_link import CONNECTED, OFF, OFFLINE, TeamLink, TeamLinkState
from tests.team.team_helpers import copy_of, ready_clip
from tests.ui.team.team_desks import TeamDesk

URL = "postgresql://alice@studio-db:5432/sora"


def test_status_bar_shows_connected_offline_and_nothing(qtbot: QtBot) -> None:
    bar = StudioStatusBar()
    qtbot.addWidget(bar)
    connected = TeamLinkState(CONNECTED, url=URL, reviewer="Alice", last_seq=42)
    bar.set_team(connected.text, connected.tooltip)
    assert bar.team_label.text().endswith("Team: connected as Alice")
    assert not bar.team_label.isHidden()
    tip = bar.team_label.toolTip()
    assert URL in tip and "Last sequence seen: 42" in tip
    offline = TeamLinkState(
        OFFLINE, url=URL, reviewer="Alice", outbox=3, message="cannot reach the team library"
    )
    bar.set_team(offline.text, offline.tooltip)
    assert bar.team_label.text().endswith("Team: offline, 3 changes waiting")
    assert "cannot reach" in bar.team_label.toolTip()
    assert TeamLinkState(OFFLINE, outbox=1).text == "Team: offline, 1 change waiting"
    off = TeamLinkState(OFF)
    bar.set_team(off.text, off.tooltip)
    assert bar.team_label.isHidden()


def test_tooltip_never_shows_a_password() -> None:
    state = TeamLinkState(CONNECTED, url="postgresql://alice@db/sora", reviewer="Alice")
    assert ":" not in state.tooltip.split("postgresql://")[1].split("@")[0]


def test_badges_name_the_reviewer_and_say_disputed() -> None:
    one = VerdictState("approved", False, (("Alice", "approved"),))
    assert team_badge(one, ReviewStatus.APPROVED) == "Approved · Alice"
    two = VerdictState("approved", False, (("Alice", "approved"), ("Bob", "approved")))
    assert team_badge(two, ReviewStatus.APPROVED) == "Approved · Alice +1"
    split = VerdictState("rejected", True, (("Alice", "approved"), ("Bob", "rejected")))
    assert team_badge(split, ReviewStatus.REJECTED) == "Disputed"
    assert "Alice: Approved" in team_tooltip(split) and "Bob: Rejected" in team_tooltip(split)
    assert team_badge(None, ReviewStatus.APPROVED) is None


def _open(path: Path) -> Repository:
    return Repository(open_db(path))


def test_settings_team_page_connects_and_disconnects(
    qtbot: QtBot, tmp_path: Path, team_url: str
) -> None:
    database = tmp_path / "desk" / "library.db"
    database.parent.mkdir()
    _open(database).close()
    link = TeamLink(database)
    ops = BackgroundOps(max_threads=1)
    page = TeamPage(link, ops)
    qtbot.addWidget(page)
    try:
        assert "Not connected" in page.state_label.text()
        page.url_edit.setText(team_url)
        page.reviewer_edit.setText("Alice")
        page.lead_box.setChecked(True)
        share = tmp_path / "share"
        share.mkdir()
        page.media_edit.setText(str(share))
        page.connect_button.click()
        qtbot.waitUntil(lambda: link.state.state == CONNECTED, timeout=15_000)
        assert link.running
        assert link.state.reviewer == "Alice" and link.state.lead
        assert "Connected as Alice (lead)" in page.state_label.text()
        assert page.disconnect_button.isEnabled() and not page.connect_button.isEnabled()
        assert link.status().media_root == str(share) and page.media_edit.text() == str(share)
        page.disconnect_button.click()
        qtbot.waitUntil(lambda: not link.status().connected, timeout=15_000)
        qtbot.waitUntil(lambda: page.connect_button.isEnabled(), timeout=5_000)
        assert not link.running and link.state.state == OFF
        assert "Not connected" in page.state_label.text()
    finally:
        ops.shutdown(5000)
        link.shutdown()


def test_a_bad_address_is_refused_in_words(qtbot: QtBot, tmp_path: Path) -> None:
    database = tmp_path / "library.db"
    _open(database).close()
    link = TeamLink(database)
    ops = BackgroundOps(max_threads=1)
    page = TeamPage(link, ops)
    qtbot.addWidget(page)
    try:
        page.url_edit.setText("mysql://db/sora")
        page.connect_button.click()
        qtbot.waitUntil(lambda: not page.problem.isHidden(), timeout=10_000)
        assert "postgresql://" in page.problem.text()
        assert not link.running
    finally:
        ops.shutdown(5000)
        link.shutdown()


def _two_desks(
    tmp_path: Path, team_url: str, library: Callable[[str], Repository]
) -> tuple[Path, Path, int, int]:
    """Alice's and Bob's libraries on one team library, one clip (Alice's) on both."""
    alice, bob = library("alice"), library("bob")
    job = ready_clip(alice, prompt="a lighthouse in a storm #coast")
    connect_library(alice, team_url, "Alice")
    connect_library(bob, team_url, "Bob")
    bob_job = copy_of(job, alice, bob)
    assert bob_job is not None
    return tmp_path / "alice" / "library.db", tmp_path / "bob" / "library.db", job.id, bob_job


def test_a_verdict_on_one_desk_shows_on_the_other_within_a_second(
    qtbot: QtBot, tmp_path: Path, team_url: str, library: Callable[[str], Repository]
) -> None:
    db_a, db_b, job_a, job_b = _two_desks(tmp_path, team_url, library)
    desk_a = TeamDesk.open(db_a, tmp_path / "alice")
    desk_b = TeamDesk.open(db_b, tmp_path / "bob")
    try:
        for desk in (desk_a, desk_b):
            qtbot.waitUntil(lambda d=desk: d.link.state.state == CONNECTED, timeout=15_000)
        assert desk_a.status.team_label.text().endswith("Team: connected as Alice")
        started = time.monotonic()
        desk_a.panel.record_verdict([job_a], ReviewStatus.APPROVED)

        def arrived() -> bool:
            state = desk_b.panel.model.team_state(job_b)
            return state is not None and ("Alice", "approved") in state.by_reviewer

        qtbot.waitUntil(arrived, timeout=5_000)
        elapsed = time.monotonic() - started
        assert elapsed < 1.0, f"the verdict took {elapsed:.2f} s to show on the other desk"
        job = desk_b.panel.model.job(job_b)
        assert job is not None and job.review_status is ReviewStatus.APPROVED
        index = desk_b.panel.model.index_of(job_b)
        assert team_badge(index.data(ClipRoles.Team), job.review_status) == "Approved · Alice"

        # A note of Alice's shows in Bob's notes of the clip on show, with her name.
        assert desk_a.panel.select_clip(job_a) and desk_b.panel.select_clip(job_b)
        qtbot.waitUntil(lambda: desk_a.panel.notes.job_id == job_a, timeout=5_000)
        qtbot.waitUntil(lambda: desk_b.panel.notes.job_id == job_b, timeout=5_000)
        desk_a.panel.clip_notes.add(500, None, "lift the shadows")

        def note_arrived() -> bool:
            notes = desk_b.panel.notes.model.notes()
            return any(n.text == "lift the shadows" and n.author == "Alice" for n in notes)

        qtbot.waitUntil(note_arrived, timeout=5_000)

        # Bob disagrees: both grids mark the clip disputed, and the Disputed filter keeps it.
        desk_b.panel.record_verdict([job_b], ReviewStatus.REJECTED)

        def disputed_on_a() -> bool:
            state = desk_a.panel.model.team_state(job_a)
            return state is not None and state.disputed

        qtbot.waitUntil(disputed_on_a, timeout=5_000)

        def disputed_on_b() -> bool:
            state = desk_b.panel.model.team_state(job_b)
            return state is not None and state.disputed

        qtbot.waitUntil(disputed_on_b, timeout=5_000)
        for desk, job_id in ((desk_a, job_a), (desk_b, job_b)):
            model = desk.panel.model
            state = model.team_state(job_id)
            assert state is not None
            assert state.by_reviewer == (("Alice", "approved"), ("Bob", "rejected"))
            current = model.job(job_id)
            assert current is not None
            assert team_badge(state, current.review_status) == "Disputed"
            tooltip = model.data(model.index_of(job_id), 3)  # ToolTipRole
            assert "Alice: Approved" in tooltip and "Bob: Rejected" in tooltip
            desk.panel.filter_bar.review.setCurrentIndex(
                desk.panel.filter_bar.review.findData(DISPUTED)
            )
            assert desk.panel.proxy.clip_filter == ClipFilter(disputed=True)
            assert desk.panel.proxy.rowCount() == 1
            assert desk.panel.proxy.job_id_at(0) == job_id
        # A clip nobody disputes does not pass the Disputed filter.
        assert not ClipFilter(disputed=True).matches(current, None)
    finally:
        desk_a.close()
        desk_b.close()


def test_offline_desk_counts_the_changes_waiting(
    qtbot: QtBot, tmp_path: Path, library: Callable[[str], Repository]
) -> None:
    # A library connected to a server that is not there (a closed port): offline, and every
    # verdict given meanwhile waits in the outbox, counted in the status bar.
    repo = library("solo")
    job = ready_clip(repo)
    repo.set_setting("team_url", "postgresql://alice@127.0.0.1:9/sora")
    repo.set_setting("team_reviewer", "Alice")
    database = tmp_path / "solo" / "library.db"
    desk = TeamDesk.open(database, tmp_path / "solo")
    try:
        qtbot.waitUntil(lambda: desk.link.state.state == OFFLINE, timeout=15_000)
        desk.panel.record_verdict([job.id], ReviewStatus.APPROVED)
        qtbot.waitUntil(lambda: desk.link.state.outbox >= 1, timeout=5_000)
        text = desk.status.team_label.text()
        assert "Team: offline, " in text and "waiting" in text
        assert "cannot reach the team library" in desk.status.team_label.toolTip()
    finally:
        desk.close()
