"""SIGKILL a desk at random instants during sync, 50 times: afterwards the server's log and every
desk agree, with nothing lost and nothing twice."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from sora_studio.services.team_sync import clip_verdicts, connect_library, team_status
from sora_studio.storage.repository import Repository
from tests.team.team_helpers import copy_of, exchange_all, ready_clip

KILLS = 50
DESK = Path(__file__).with_name("killable_desk.py")


def _ids(repo: Repository, sql: str) -> set[str]:
    return {str(row[0]) for row in repo.db.execute(sql).fetchall()}


def _server_ids(url: str, kind: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT event_id::text FROM sora_team.events WHERE kind = %s", [kind]
        ).fetchall()
    return {str(r[0]) for r in rows}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_desks_killed_during_sync_agree_with_the_server_afterwards(
    team_url: str, library: Callable[[str], Repository], tmp_path: Path
) -> None:
    ana, bo = library("ana"), library("bo")
    clips = [ready_clip(ana) for _ in range(3)]
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    paths = {"ana": tmp_path / "ana" / "library.db", "bo": tmp_path / "bo" / "library.db"}
    rng = random.Random(13)
    for _ in range(KILLS):
        name = rng.choice(sorted(paths))
        child = subprocess.Popen(
            [sys.executable, str(DESK), str(paths[name])], stdout=subprocess.PIPE, text=True
        )
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.25))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
    exchange_all(ana, bo)
    for desk in (ana, bo):
        assert team_status(desk).outbox == 0
        # Every verdict and note a desk holds is a team event, and the server has exactly those.
        verdicts = _ids(desk, "SELECT event_id FROM team_verdicts")
        notes = _ids(desk, "SELECT team_note_id FROM team_notes")
        assert len(verdicts) == desk.db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        assert len(notes) == desk.db.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
        assert verdicts == _server_ids(team_url, "verdict")
        assert len(notes) == len(_server_ids(team_url, "note"))
    assert len(_server_ids(team_url, "verdict")) + len(_server_ids(team_url, "note")) > KILLS
    for clip in clips:
        on_bo = copy_of(clip, ana, bo)
        assert on_bo is not None
        assert clip_verdicts(ana, clip.id) == clip_verdicts(bo, on_bo)
        assert ana.require_job(clip.id).review_status == bo.require_job(on_bo).review_status
