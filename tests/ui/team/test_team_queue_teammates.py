"""A teammate's render in flight shows live in this desk's render queue, read-only, with its
owner's name, and leaves the queue's teammates' rows when it finishes (issue 13: jobs have an
owner; the others see its progress live)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sora_studio.core.models import Asset, AssetVariant, JobStatus
from sora_studio.services.team_outbox import TEAM_ADOPT_AFTER_SETTING
from sora_studio.services.team_sync import connect_library
from sora_studio.services.team_worker import TeamSyncWorker
from sora_studio.storage.repository import Repository
from sora_studio.ui.queue.model import QueueModel
from sora_studio.ui.queue.teammates_section import TeammatesSection
from sora_studio.ui.queue_panel import QueuePanel
from sora_studio.ui.workers.team_link import TeamLink
from tests.job_factory import add_job
from tests.team.team_helpers import copy_of

Library = Callable[[str], Repository]


@pytest.fixture
def alices_desk(tmp_path: Path) -> Iterator[Callable[[], TeamSyncWorker]]:
    """``start()``: Alice's sync thread (what her desk runs), stopped after the test."""
    started: list[TeamSyncWorker] = []

    def start() -> TeamSyncWorker:
        worker = TeamSyncWorker(tmp_path / "alice" / "library.db", listen_timeout_s=0.1)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        assert worker.stop(10)


def _row_text(section: TeammatesSection) -> str:
    rows = section.model.rows()
    return rows[0].status_text if len(rows) == 1 else ""


def test_a_teammates_render_shows_live_in_the_queue_with_its_owner_and_actions_off(
    qtbot: QtBot,
    tmp_path: Path,
    team_url: str,
    library: Library,
    alices_desk: Callable[[], TeamSyncWorker],
) -> None:
    alice, bob = library("alice"), library("bob")
    connect_library(alice, team_url, "Alice")
    connect_library(bob, team_url, "Bob")
    link = TeamLink(tmp_path / "bob" / "library.db", listen_timeout_s=0.1)
    panel = QueuePanel(QueueModel(tick_ms=0), tmp_path / "bob" / "media")
    qtbot.addWidget(panel)
    section = TeammatesSection(link.database, refresh_ms=0)
    section.follow(link)
    panel.add_teammates(section)
    panel.show()
    try:
        assert link.start()
        alices_desk()
        job = add_job(alice, status=JobStatus.IN_PROGRESS, remote_id="video_live", progress=40)
        started = time.monotonic()
        qtbot.waitUntil(lambda: _row_text(section) == "Rendering 40%", timeout=5_000)
        assert time.monotonic() - started < 5
        assert section.isVisible()
        row = section.model.rows()[0]
        assert row.owner_name == "Alice's desk" and row.prompt == job.prompt
        section.select_row(0)
        assert not section.cancel_button.isEnabled() and not section.retry_button.isEnabled()
        assert "Alice's desk owns this render" in section.cancel_button.toolTip()
        assert not section.adopt_button.isEnabled()  # Alice was heard from just now
        tooltip = section.model.data(section.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
        assert "Rendering on Alice's desk" in tooltip

        alice.update_job(job.id, progress=75)  # live: the next step arrives by itself
        qtbot.waitUntil(lambda: _row_text(section) == "Rendering 75%", timeout=5_000)

        bob.set_setting(TEAM_ADOPT_AFTER_SETTING, 0)  # a silent owner may be taken over
        section.refresh()
        section.select_row(0)
        assert section.adopt_button.isEnabled()
        assert "silent" in section.adopt_button.toolTip()

        alice.upsert_asset(
            Asset(job.id, AssetVariant.VIDEO, "/alice/video.mp4", 10, "cd" * 32, True)
        )
        alice.update_job(job.id, status=JobStatus.READY, progress=100, completed_at=time.time())
        qtbot.waitUntil(lambda: not section.model.rows(), timeout=8_000)
        assert not section.isVisible()
        arrived = copy_of(alice.require_job(job.id), alice, bob)  # now a clip of Bob's grid
        assert arrived is not None and bob.require_job(arrived).status is JobStatus.READY
    finally:
        section.shutdown()
        link.shutdown()


def test_adopting_a_silent_teammates_render_makes_it_this_desks(
    qtbot: QtBot,
    tmp_path: Path,
    team_url: str,
    library: Library,
    alices_desk: Callable[[], TeamSyncWorker],
) -> None:
    alice, bob = library("alice"), library("bob")
    connect_library(alice, team_url, "Alice")
    connect_library(bob, team_url, "Bob")
    link = TeamLink(tmp_path / "bob" / "library.db", listen_timeout_s=0.1)
    section = TeammatesSection(link.database, refresh_ms=0)
    qtbot.addWidget(section)
    section.follow(link)
    messages: list[str] = []
    section.message.connect(messages.append)
    try:
        assert link.start()
        worker = alices_desk()
        job = add_job(alice, status=JobStatus.IN_PROGRESS, remote_id="video_gone", progress=30)
        qtbot.waitUntil(lambda: _row_text(section) == "Rendering 30%", timeout=5_000)
        assert section.model.rows()[0].prompt == job.prompt
        assert worker.stop(10)  # Alice's desk goes silent
        bob.set_setting(TEAM_ADOPT_AFTER_SETTING, 0)
        section.refresh()
        section.select_row(0)
        with qtbot.waitSignal(section.adopted, timeout=10_000) as adopted:
            assert section.adopt_selected()
        mine = bob.require_job(adopted.args[0])
        assert mine.remote_id == "video_gone" and mine.status is JobStatus.IN_PROGRESS
        assert messages[-1] == "Adopted the render: this desk polls and downloads it now"
        qtbot.waitUntil(lambda: not section.model.rows(), timeout=5_000)  # no longer a teammate's
    finally:
        section.shutdown()
        link.shutdown()
