"""Two and three desks on one real PostgreSQL team library: everything arrives everywhere.

Each test has its own database on the session's throwaway cluster (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sora_studio.core.models import AssetVariant, JobStatus, LineageKind, ReviewStatus
from sora_studio.services.review import (
    add_note,
    record_verdict,
    resolve_note,
    undo_last_verdict,
)
from sora_studio.services.team_sync import (
    clip_verdicts,
    connect_library,
    exchange,
    team_status,
)
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal
from sora_studio.storage.team_pg import TeamUnavailableError
from tests.team.pg_cluster import PgCluster
from tests.team.team_helpers import (
    copy_of,
    exchange_all,
    ready_clip,
    server_count,
    server_text,
)

Library = Callable[[str], Repository]


def test_clips_verdicts_and_notes_made_on_one_desk_arrive_on_the_other(
    team_url: str, library: Library
) -> None:
    ana, bo = library("ana"), library("bo")
    before = ready_clip(ana, prompt="made before connecting")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    on_bo = copy_of(before, ana, bo)
    assert on_bo is not None
    clip = bo.require_job(on_bo)
    assert (clip.prompt, clip.status, clip.cost_cents) == (
        "made before connecting",
        JobStatus.READY,
        before.cost_cents,
    )
    video = bo.assets_for(on_bo)[AssetVariant.VIDEO]
    assert video.path == f"/library/{before.id}/video.mp4" and not video.verified
    assert clip.remote_id is None  # this desk's engine never polls another desk's render

    child = ready_clip(ana, parent_id=before.id, lineage_kind=LineageKind.REMIX)
    exchange_all(ana, bo)
    child_on_bo = copy_of(child, ana, bo)
    assert child_on_bo is not None
    assert bo.require_job(child_on_bo).parent_id == on_bo
    assert bo.require_job(child_on_bo).lineage_kind is LineageKind.REMIX

    record_verdict(bo, [on_bo], ReviewStatus.APPROVED)
    note = add_note(bo, on_bo, 1500, "the boat tilts here", end_ms=2000)
    resolve_note(bo, note.id)
    exchange_all(bo, ana)
    assert [(r.reviewer, r.status) for r in ana.reviews_for(before.id)] == [
        ("bo", ReviewStatus.APPROVED)
    ]
    assert ana.require_job(before.id).review_status is ReviewStatus.APPROVED
    [arrived] = ana.notes_for(before.id)
    assert (arrived.author, arrived.text, arrived.start_ms, arrived.end_ms, arrived.resolved) == (
        "bo",
        "the boat tilts here",
        1500,
        2000,
        True,
    )
    # Nothing comes back twice, and nobody re-sends what they received.
    exchange_all(ana, bo)
    assert len(ana.reviews_for(before.id)) == 1 and len(bo.reviews_for(on_bo)) == 1
    assert len(ana.notes_for(before.id)) == 1 and len(bo.notes_for(on_bo)) == 1
    assert team_status(ana).outbox == team_status(bo).outbox == 0
    assert team_status(ana).members == ("bo",)


def test_a_clip_still_rendering_elsewhere_arrives_once_it_is_final(
    team_url: str, library: Library
) -> None:
    ana, bo = library("ana"), library("bo")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    rendering = ready_clip(ana, status=JobStatus.IN_PROGRESS)
    exchange_all(ana, bo)
    assert copy_of(rendering, ana, bo) is None  # parked: its owner's engine polls it
    ana.update_job(rendering.id, status=JobStatus.READY, progress=100)
    exchange_all(ana, bo)
    arrived = copy_of(rendering, ana, bo)
    assert arrived is not None and bo.require_job(arrived).status is JobStatus.READY


def test_disagreeing_verdicts_are_disputed_until_a_lead_decides(
    team_url: str, library: Library
) -> None:
    ana, bo, lee = library("ana"), library("bo"), library("lee")
    clip = ready_clip(ana)
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    connect_library(lee, team_url, "lee", lead=True)
    desks = (ana, bo, lee)
    ids = {desk: copy_of(clip, ana, desk) or clip.id for desk in desks}

    def states() -> set[tuple[bool, str]]:
        return {
            (clip_verdicts(d, ids[d]).disputed, d.require_job(ids[d]).review_status.value)
            for d in desks
        }

    record_verdict(ana, [ids[ana]], ReviewStatus.APPROVED)
    record_verdict(bo, [ids[bo]], ReviewStatus.REJECTED)
    exchange_all(*desks)
    assert {clip_verdicts(d, ids[d]).disputed for d in desks} == {True}
    assert clip_verdicts(lee, ids[lee]).by_reviewer == (("ana", "approved"), ("bo", "rejected"))
    view = "SELECT string_agg(author || '=' || status, ',' ORDER BY author)"
    view += " FROM sora_team.verdicts_current"
    assert server_text(team_url, view) == "ana=approved,bo=rejected"

    record_verdict(lee, [ids[lee]], ReviewStatus.CHANGES)
    exchange_all(*desks)
    assert states() == {(False, "changes")}  # settled, the same on every desk
    assert clip_verdicts(ana, ids[ana]).decided_by == "lee"

    record_verdict(bo, [ids[bo]], ReviewStatus.REJECTED)
    exchange_all(*desks)
    assert states() == {(True, "rejected")}  # disagreeing with the decision: disputed again

    undo_last_verdict(bo, ids[bo])  # bo withdraws: the lead's decision stands again
    exchange_all(*desks)
    assert states() == {(False, "changes")}


def test_a_desk_offline_keeps_recording_and_nothing_is_lost_or_duplicated(
    team_url: str, library: Library, pg_cluster: PgCluster
) -> None:
    ana, bo = library("ana"), library("bo")
    clip = ready_clip(ana)
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None
    pg_cluster.stop()
    try:
        record_verdict(ana, [clip.id], ReviewStatus.APPROVED)
        add_note(ana, clip.id, 100, "offline one")
        add_note(ana, clip.id, 200, "offline two")
        add_note(bo, on_bo, 300, "bo, offline too")
        with pytest.raises(TeamUnavailableError, match="changes wait in the outbox"):
            exchange(ana)
        assert team_status(ana).outbox == 3 and team_status(bo).outbox == 1
    finally:
        pg_cluster.start()
    exchange_all(ana, bo)
    for desk, job_id in ((ana, clip.id), (bo, on_bo)):
        assert sorted(n.text for n in desk.notes_for(job_id)) == [
            "bo, offline too",
            "offline one",
            "offline two",
        ]
        assert len(desk.reviews_for(job_id)) == 1
        assert team_status(desk).outbox == 0
    distinct = "SELECT count(DISTINCT event_id) FROM sora_team.events"
    assert server_count(team_url) == server_count(team_url, distinct)


def test_pushing_the_same_outbox_twice_after_a_crash_duplicates_nothing(
    team_url: str, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, bo = library("ana"), library("bo")
    clip = ready_clip(ana)
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    record_verdict(ana, [clip.id], ReviewStatus.REJECTED)
    events_before = server_count(team_url)

    def crash(self: TeamLocal, event_ids: list[str]) -> None:
        raise KeyboardInterrupt("killed between push and marking sent")

    with monkeypatch.context() as patch:
        patch.setattr(TeamLocal, "mark_sent", crash)
        with pytest.raises(KeyboardInterrupt):
            exchange(ana)
    assert team_status(ana).outbox == 1  # still waiting: the server's answer never came
    assert server_count(team_url) == events_before + 1
    report = exchange(ana)
    assert (report.pushed, report.sent) == (0, 1)
    assert server_count(team_url) == events_before + 1
    exchange(bo)
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None and len(bo.reviews_for(on_bo)) == 1


def test_a_library_not_connected_records_nothing_for_a_team(library: Library) -> None:
    solo = library("solo")
    clip = ready_clip(solo)
    record_verdict(solo, [clip.id], ReviewStatus.APPROVED)
    add_note(solo, clip.id, 0, "just me")
    status = team_status(solo)
    assert (status.connected, status.outbox, status.last_seq) == (False, 0, 0)
    assert solo.require_job(clip.id).review_status is ReviewStatus.APPROVED
