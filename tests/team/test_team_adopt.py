"""Jobs have an owner: others follow its render live, and adopt it when the owner goes silent."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import psycopg
import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import JobStatus
from sora_studio.core.team_events import (
    ClipAdopted,
    ClipUpserted,
    event_from_dict,
    event_from_json,
    event_to_dict,
    event_to_json,
)
from sora_studio.services.team_jobs import adopt_job, in_flight_elsewhere
from sora_studio.services.team_outbox import TEAM_ADOPT_AFTER_SETTING, desk_id
from sora_studio.services.team_sync import connect_library, exchange, team_status
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal
from sora_studio.storage.team_pg_budget import AdoptRefused
from tests.job_factory import add_job
from tests.team.team_helpers import exchange_all, server_count

Library = Callable[[str], Repository]


def _silence(url: str, desk: str, minutes: int) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE sora_team.desks SET last_seen = now() - make_interval(mins => %s)"
            " WHERE desk_id = %s",
            [minutes, desk],
        )


def test_others_see_a_render_in_flight_and_adopt_it_once_its_owner_is_silent(
    team_url: str, library: Library
) -> None:
    ana, bo, cy = library("ana"), library("bo"), library("cy")
    for repo, name in ((ana, "ana"), (bo, "bo"), (cy, "cy")):
        connect_library(repo, team_url, name)
    job = add_job(ana, status=JobStatus.IN_PROGRESS, remote_id="video_abc", progress=40)
    exchange_all(ana, bo, cy)
    [seen] = in_flight_elsewhere(bo)
    clip_id = TeamLocal(ana.db).known_clip_id(job.id)
    assert (seen.clip_id, seen.owner, seen.reviewer) == (clip_id, desk_id(ana), "ana")
    assert (seen.status, seen.progress, seen.remote_id) == ("in_progress", 40, "video_abc")
    assert bo.list_jobs() == []  # never a job here: this desk's engine must not poll it
    [listed] = team_status(bo).in_flight
    assert listed["owner"] == desk_id(ana) and listed["progress"] == 40

    ana.update_job(job.id, progress=70)
    exchange_all(ana, bo)
    assert in_flight_elsewhere(bo)[0].progress == 70  # live progress

    with pytest.raises(AdoptRefused, match=r"heard from 0\.0 min ago") as caught:
        adopt_job(bo, clip_id[:8])
    assert "silent for 10 min" in str(caught.value)
    _silence(team_url, desk_id(ana), 11)
    adopted = adopt_job(bo, clip_id[:8])
    mine = bo.require_job(adopted)
    assert (mine.remote_id, mine.status, mine.provider) == (
        "video_abc",
        JobStatus.IN_PROGRESS,
        "emulator",
    )
    assert (
        server_count(team_url, "SELECT count(*) FROM sora_team.events WHERE kind = 'clip_adopted'")
        == 1
    )
    assert server_count(team_url, "SELECT count(*) FROM sora_team.owners") == 1

    # The others hear of it: cy sees bo's desk as the owner; ana hands its copy over.
    exchange_all(bo, cy, ana)
    [now] = in_flight_elsewhere(cy)
    assert (now.owner, now.reviewer) == (desk_id(bo), "bo")
    handed = ana.require_job(job.id)
    assert (handed.status, handed.remote_id) == (JobStatus.DRAFT, None)

    # bo's engine finishes it: everyone gets the finished clip, ana's copy included.
    bo.update_job(adopted, status=JobStatus.READY, progress=100, cost_cents=Decimal(40))
    exchange_all(bo, cy, ana)
    assert ana.require_job(job.id).status is JobStatus.READY
    assert in_flight_elsewhere(cy) == []
    assert [j.status for j in cy.list_jobs()] == [JobStatus.READY]


def test_adopting_needs_a_job_in_flight_and_waits_the_set_time(
    team_url: str, library: Library
) -> None:
    ana, bo = library("ana"), library("bo")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    with pytest.raises(UserError, match="no job of another desk in flight"):
        adopt_job(bo, "nothing")
    job = add_job(ana, status=JobStatus.QUEUED, remote_id="video_q")
    exchange(ana)
    bo.set_setting(TEAM_ADOPT_AFTER_SETTING, 60)
    clip_id = TeamLocal(ana.db).known_clip_id(job.id)
    assert clip_id is not None
    _silence(team_url, desk_id(ana), 2)
    adopted = adopt_job(bo, clip_id)
    assert bo.require_job(adopted).status is JobStatus.QUEUED


def test_ownership_travels_in_events_and_older_clip_events_still_read() -> None:
    adopted = ClipAdopted(clip_id="c1", owner="desk-b", previous_owner="desk-a", author="bo")
    assert event_from_json(event_to_json(adopted)) == adopted
    clip = ClipUpserted("c1", "emulator", "sora-2", "p", "1280x720", 4, "in_progress", owner="a")
    assert event_from_json(event_to_json(clip)).owner == "a"
    older = event_to_dict(clip)
    del older["owner"]  # written by the first slice, before clips named their owner
    assert event_from_dict(older).owner == ""
