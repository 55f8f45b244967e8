"""This desk's renders in flight told to the team live, rate-limited: every status change, a
progress step of 10 points or 2 seconds, a keep-alive; teammates keep only the newest snapshot."""

from __future__ import annotations

from collections.abc import Callable

from sora_studio.core.models import JobStatus
from sora_studio.services.team_desk_jobs import TeammateJobs, desk_name
from sora_studio.services.team_progress import ProgressPublisher
from sora_studio.services.team_sync import connect_library, exchange
from sora_studio.storage.repository import Repository
from tests.job_factory import add_job
from tests.team.team_helpers import server_count

Library = Callable[[str], Repository]


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_told_on_each_status_change_and_at_most_every_two_seconds_or_ten_points() -> (
    None
):
    clock = _Clock()
    told = ProgressPublisher(clock=clock)
    assert told.due({1: ("queued", 0)}) == ([1], [], False)  # first seen: told
    assert told.due({1: ("queued", 0)}) == ([], [], False)  # nothing new
    assert told.due({1: ("in_progress", 1)}) == ([1], [], False)  # a status change: at once
    assert told.due({1: ("in_progress", 5)}) == ([], [], False)  # 4 points, 0 s: held back
    clock.now += 1.0
    assert told.due({1: ("in_progress", 11)}) == ([1], [], False)  # 10 points: told
    clock.now += 1.0
    assert told.due({1: ("in_progress", 12)}) == ([], [], False)
    clock.now += 1.5
    assert told.due({1: ("in_progress", 13)}) == ([1], [], False)  # 2 s since the last
    clock.now += 61
    assert told.due({1: ("in_progress", 13)}) == ([], [1], False)  # unchanged: a keep-alive
    assert told.due({}) == ([], [], True)  # it left flight: the caller runs a full exchange
    assert told.due({}) == ([], [], False)


def test_a_render_in_flight_reaches_teammates_rate_limited_and_parked_once(
    team_url: str, library: Library
) -> None:
    alice, bob = library("alice"), library("bob")
    connect_library(alice, team_url, "Alice")
    connect_library(bob, team_url, "Bob")
    clock = _Clock()
    told = ProgressPublisher(clock=clock)
    job = add_job(alice, status=JobStatus.IN_PROGRESS, remote_id="video_1", progress=0)
    before = server_count(team_url)
    sent = 0
    for step in range(1, 51):  # 50 progress updates of 2 points, 0.1 s apart
        alice.update_job(job.id, progress=2 * step)
        clock.now += 0.1
        sent += told.publish(alice).recorded
        exchange(alice, scan_clips=False)
    assert 10 <= sent <= 11  # one per 10 points (plus the first look), not one per update
    clock.now += 2.0  # the last step (92 -> 100) goes once 2 s have passed
    assert told.publish(alice).recorded == 1
    exchange(alice, scan_clips=False)
    assert server_count(team_url) - before == sent + 1
    exchange(bob)
    rows = bob.db.execute("SELECT count(*) FROM team_parked").fetchone()
    assert rows[0] == 1  # only the newest snapshot is kept
    view = TeammateJobs(bob)
    (row,) = view.in_flight()
    assert (row.owner_name, row.progress, row.status) == ("Alice's desk", 100, "in_progress")
    assert desk_name("Agnes") == "Agnes' desk" and desk_name("") == "another desk"
