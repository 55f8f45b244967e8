"""Connecting to a team library: schema versions, the password, live pushes, and the CLI."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from sora_studio.cli import main
from sora_studio.core.models import ReviewStatus
from sora_studio.paths import resolve_paths
from sora_studio.services.review import record_verdict
from sora_studio.services.team_outbox import TEAM_URL_SETTING
from sora_studio.services.team_sync import (
    ExchangeReport,
    connect_library,
    exchange,
    secret_name,
    team_status,
)
from sora_studio.services.team_worker import TeamSyncWorker
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_pg import (
    TEAM_SCHEMA_VERSION,
    TeamError,
    TeamSchemaTooNewError,
    TeamServer,
    split_password,
)
from tests.memory_keyring import MemoryKeyring, memory_keyring  # noqa: F401 (fixture)
from tests.team.pg_cluster import PgCluster
from tests.team.team_helpers import copy_of, ready_clip, server_count

Library = Callable[[str], Repository]


def test_a_newer_team_schema_is_refused_and_left_alone(team_url: str, library: Library) -> None:
    connect_library(library("ana"), team_url, "ana")
    with psycopg.connect(team_url) as conn:
        conn.execute("UPDATE sora_team.schema_version SET version = %s", [TEAM_SCHEMA_VERSION + 1])
    bo = library("bo")
    with pytest.raises(TeamSchemaTooNewError, match="upgrade Sora Studio") as caught:
        connect_library(bo, team_url, "bo")
    assert "Nothing on the server was changed" in str(caught.value)
    assert not team_status(bo).connected
    assert server_count(team_url, "SELECT version FROM sora_team.schema_version") == (
        TEAM_SCHEMA_VERSION + 1
    )
    assert server_count(team_url, "SELECT count(*) FROM sora_team.members") == 1


def test_the_schema_is_created_once_with_its_version(team_url: str) -> None:
    first = TeamServer.open(team_url)
    try:
        assert first.schema_version() == TEAM_SCHEMA_VERSION
        assert first.ensure_schema() == TEAM_SCHEMA_VERSION  # again: nothing to do
    finally:
        first.close()


def test_the_password_goes_to_the_key_store_never_to_a_file(
    team_url: str,
    library: Library,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    ana = library("ana")
    with_password = team_url.replace("postgres@", "postgres:s3cret@")
    connect_library(ana, with_password, "ana")
    saved = ana.get_setting(TEAM_URL_SETTING)
    assert saved == team_url and "s3cret" not in json.dumps(ana.all_settings())
    assert memory_keyring.passwords[("sora-studio", secret_name(team_url))] == "s3cret"


def test_without_a_key_store_a_password_in_the_url_is_refused(library: Library) -> None:
    ana = library("ana")
    with pytest.raises(TeamError, match="PGPASSWORD"):
        connect_library(ana, "postgresql://ana:pw@127.0.0.1:1/sora", "ana")
    assert not team_status(ana).connected


def test_split_password_keeps_everything_but_the_password() -> None:
    assert split_password("postgresql://a:b@h:5433/db?sslmode=require") == (
        "postgresql://a@h:5433/db?sslmode=require",
        "b",
    )
    assert split_password("postgresql://a@h/db") == ("postgresql://a@h/db", None)
    with pytest.raises(TeamError, match="starts with postgresql://"):
        split_password("mysql://a@h/db")


def test_listen_notify_brings_a_teammates_verdict_within_a_second(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    ana, bo = library("ana"), library("bo")
    clip = ready_clip(ana)
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None
    arrived, ready = threading.Event(), threading.Event()
    errors: list[str] = []

    def seen(report: ExchangeReport) -> None:
        ready.set()
        if report.applied:
            arrived.set()

    # A long interval: only a notification can make the worker pull in time.
    worker = TeamSyncWorker(
        tmp_path / "bo" / "library.db", on_exchange=seen, on_error=errors.append, interval_s=60
    )
    worker.start()
    try:
        assert ready.wait(10), errors
        record_verdict(ana, [clip.id], ReviewStatus.APPROVED)
        started = time.monotonic()
        exchange(ana)
        assert arrived.wait(5), errors
        elapsed = time.monotonic() - started
    finally:
        assert worker.stop()
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    reader = Repository(open_db(tmp_path / "bo" / "library.db"))
    try:
        assert reader.require_job(on_bo).review_status is ReviewStatus.APPROVED
    finally:
        reader.close()


def test_the_sync_worker_reports_an_unreachable_server_and_stops_on_request(
    library: Library, tmp_path: Path
) -> None:
    ana = library("ana")
    ana.set_setting(TEAM_URL_SETTING, "postgresql://ana@127.0.0.1:1/sora")
    errors: list[str] = []
    failed = threading.Event()
    worker = TeamSyncWorker(
        tmp_path / "ana" / "library.db",
        on_error=lambda text: (errors.append(text), failed.set()),
        interval_s=30,
    )
    worker.start()
    try:
        assert failed.wait(10)
    finally:
        started = time.monotonic()
        assert worker.stop()
    assert time.monotonic() - started < 1.0
    assert "cannot reach the team library" in errors[0]


def _cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str]:
    code = main(["--data-dir", str(data), *args])
    return code, capsys.readouterr().out


def test_team_commands_connect_status_sync_and_disconnect(
    team_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "desk"
    code, out = _cli(capsys, data, "team", "connect", team_url, "--reviewer", "lee", "--lead")
    assert code == 0 and f"connected to {team_url} as lee (lead)" in out
    code, out = _cli(capsys, data, "team", "status", "--json")
    status = json.loads(out)
    assert isinstance(status.pop("desk_id"), str)
    assert status == {
        "connected": True,
        "url": team_url,
        "reviewer": "lee",
        "lead": True,
        "outbox": 0,
        "last_seq": 0,
        "members": [],
        "budget": {"cap": None, "held": "0", "charged": "0"},
        "media_root": None,
        "in_flight": [],
        "spend": {"total_cents": "0", "members": []},  # read from the server
    }
    code, out = _cli(capsys, data, "sync", "--json")
    assert code == 0 and json.loads(out)["team"]["reachable"] is True
    code, out = _cli(capsys, data, "team", "disconnect")
    assert code == 0 and "disconnected" in out
    code, out = _cli(capsys, data, "team", "status")
    assert "not connected to a team library" in out
    assert main(["--data-dir", str(data), "team", "disconnect"]) == 2


def test_sync_says_when_the_team_library_is_unreachable_and_keeps_the_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "desk"
    repo = Repository(open_db(resolve_paths(str(data)).ensure().database))
    try:
        repo.set_setting(TEAM_URL_SETTING, "postgresql://ana@127.0.0.1:1/sora")
        clip = ready_clip(repo)
        record_verdict(repo, [clip.id], ReviewStatus.APPROVED)
    finally:
        repo.close()
    code = main(["--data-dir", str(data), "sync", "--json"])
    captured = capsys.readouterr()
    team = json.loads(captured.out)["team"]
    assert code == 0 and team["reachable"] is False
    assert "cannot reach the team library" in captured.err
    code, out = _cli(capsys, data, "team", "status", "--json")
    assert json.loads(out)["outbox"] == 2  # the verdict, and the clip it is about


def test_the_sync_worker_sends_new_clips_and_catches_up_after_the_server_was_down(
    team_url: str, library: Library, tmp_path: Path, pg_cluster: PgCluster
) -> None:
    ana, bo = library("ana"), library("bo")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    errors: list[str] = []
    failed = threading.Event()
    sent = threading.Event()

    def reported(report: ExchangeReport) -> None:
        if report.sent:
            sent.set()

    worker = TeamSyncWorker(
        tmp_path / "ana" / "library.db",
        on_exchange=reported,
        on_error=lambda text: (errors.append(text), failed.set()),
        interval_s=0.5,
    )
    worker.start()
    try:
        clip = ready_clip(ana)  # nobody calls exchange: the worker's periodic one sends it
        assert sent.wait(10), errors
        pg_cluster.stop()
        try:
            assert failed.wait(10)
            record_verdict(ana, [clip.id], ReviewStatus.REJECTED)
            sent.clear()
        finally:
            pg_cluster.start()
        assert sent.wait(15), errors  # reconnected by itself, and the verdict went up
    finally:
        assert worker.stop()
    exchange(bo)
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None
    assert bo.require_job(on_bo).review_status is ReviewStatus.REJECTED
