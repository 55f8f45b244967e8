"""The team spend cap on a real PostgreSQL team library: reserved at submit, settled at the end.

Submits go through the real engine's intake (no provider call happens at submit, so no emulator
is needed); the reservation is made on the server before any job row is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import JobStatus
from sora_studio.services.engine import JobEngine
from sora_studio.services.providers import ProviderRegistry
from sora_studio.services.team_jobs import set_team_budget
from sora_studio.services.team_outbox import TEAM_URL_SETTING
from sora_studio.services.team_sync import connect_library, exchange, team_status
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal
from sora_studio.storage.team_pg_budget import TeamBudgetExceeded
from tests.services.conftest import FAST_POLICY, order
from tests.team.team_helpers import server_count, server_text

Library = Callable[[str], Repository]
ESTIMATE = 40  # cents: 4 s of sora-2 at 1280x720 (the order's defaults)


def _engine(repo: Repository, root: Path) -> JobEngine:
    registry = ProviderRegistry(repo, env={}, emulator_base_url="http://127.0.0.1:9/v1")
    return JobEngine(repo, registry, root / "media", policy=FAST_POLICY)


def _sum(url: str, state: str | None = None) -> Decimal:
    where = f" WHERE state = '{state}'" if state else ""
    return Decimal(server_text(url, f"SELECT sum(cents)::text FROM sora_team.reservations{where}"))


def _reserved(url: str, state: str = "held") -> int:
    return server_count(url, f"SELECT count(*) FROM sora_team.reservations WHERE state = '{state}'")


def test_a_submit_reserves_its_estimate_and_the_end_of_the_job_settles_it(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    ana = library("ana")
    connect_library(ana, team_url, "ana")
    assert set_team_budget(ana, Decimal(500)).cap_cents == 500
    engine = _engine(ana, tmp_path)
    try:
        first, second = engine.submit(order(variants=2))
    finally:
        engine.shutdown(5.0)
    assert _reserved(team_url) == 2
    assert _sum(team_url) == 80
    # The reservation's id is the clip's team id: the clip event names it.
    clip_id = TeamLocal(ana.db).known_clip_id(first.id)
    assert server_count(
        team_url, f"SELECT count(*) FROM sora_team.reservations WHERE clip_id = '{clip_id}'"
    )
    ana.update_job(first.id, status=JobStatus.READY, cost_cents=Decimal(32))
    ana.update_job(second.id, status=JobStatus.FAILED)
    exchange(ana)
    assert (_reserved(team_url), _reserved(team_url, "charged")) == (0, 1)
    assert _reserved(team_url, "released") == 1
    assert _sum(team_url, "charged") == 32
    assert team_status(ana).budget == {"cap": "500", "held": "0", "charged": "32"}


def test_a_submit_past_the_team_cap_is_refused_before_any_row(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    ana, bo = library("ana"), library("bo")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    set_team_budget(ana, Decimal(100))
    engines = [_engine(ana, tmp_path / "a"), _engine(bo, tmp_path / "b")]
    try:
        engines[0].submit(order(variants=2))  # 80 of 100
        with pytest.raises(TeamBudgetExceeded, match=r"team's \$1.00 budget") as caught:
            engines[1].submit(order())
        assert "Nothing was sent" in str(caught.value)
    finally:
        for engine in engines:
            engine.shutdown(5.0)
    assert bo.list_jobs() == [] and _reserved(team_url) == 2


def test_two_desks_submitting_at_once_never_pass_the_team_cap(
    team_url: str, tmp_path: Path
) -> None:
    setup = Repository(open_db(tmp_path / "setup" / "library.db"))
    try:
        connect_library(setup, team_url, "lead")
        set_team_budget(setup, Decimal(ESTIMATE * 7))  # room for 7 of the 2 x 6 tries
    finally:
        setup.close()
    for name in ("ana", "bo"):  # connected first, so only the submits race
        repo = Repository(open_db(tmp_path / name / "library.db"))
        connect_library(repo, team_url, name)
        repo.close()
    barrier = threading.Barrier(2)
    accepted: dict[str, int] = {}
    refused: dict[str, int] = {}

    def desk(name: str) -> None:
        repo = Repository(open_db(tmp_path / name / "library.db"))
        engine = _engine(repo, tmp_path / name)
        accepted[name] = refused[name] = 0
        try:
            for _ in range(6):
                barrier.wait(10)
                try:
                    engine.submit(order())
                    accepted[name] += 1
                except TeamBudgetExceeded:
                    refused[name] += 1
        finally:
            engine.shutdown(5.0)
            repo.close()

    threads = [threading.Thread(target=desk, args=(name,)) for name in ("ana", "bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(accepted.values()) == 7 and sum(refused.values()) == 5
    assert _sum(team_url) == ESTIMATE * 7


def test_with_a_team_cap_and_no_connection_submits_are_refused_with_the_reason(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    ana = library("ana")
    connect_library(ana, team_url, "ana")
    engine = _engine(ana, tmp_path)
    try:
        ana.set_setting(TEAM_URL_SETTING, "postgresql://ana@127.0.0.1:1/sora")  # unreachable
        engine.submit(order())  # no team cap known: offline work goes on
        ana.set_setting(TEAM_URL_SETTING, team_url)
        set_team_budget(ana, Decimal(1000))
        ana.set_setting(TEAM_URL_SETTING, "postgresql://ana@127.0.0.1:1/sora")
        with pytest.raises(UserError, match="cannot be reached") as caught:
            engine.submit(order())
    finally:
        engine.shutdown(5.0)
    message = str(caught.value)
    assert "spend cap ($10.00)" in message and "Nothing was sent" in message
    assert "team disconnect" in message
    assert len(ana.list_jobs()) == 1
