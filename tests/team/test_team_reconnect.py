"""Reconnecting: what was done while disconnected goes up once, and never to another server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sora_studio.services.review import add_note, resolve_note
from sora_studio.services.team_sync import (
    connect_library,
    disconnect_library,
    exchange,
    team_status,
)
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_pg import TeamError
from tests.team.pg_cluster import PgCluster
from tests.team.team_helpers import copy_of, exchange_all, ready_clip, server_count

Library = Callable[[str], Repository]


def test_a_note_resolved_while_disconnected_is_sent_on_reconnect(
    team_url: str, library: Library
) -> None:
    ana, bo = library("ana"), library("bo")
    job = ready_clip(ana)
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    note = add_note(ana, job.id, 500, "too dark")
    exchange_all(ana, bo)
    on_bo = copy_of(job, ana, bo)
    assert on_bo is not None and not bo.notes_for(on_bo)[0].resolved
    disconnect_library(ana)
    resolve_note(ana, note.id)
    assert team_status(ana).outbox == 1  # kept for the team, though disconnected
    connect_library(ana, team_url, "ana")
    exchange(bo)
    assert bo.notes_for(on_bo)[0].resolved
    resolutions = "SELECT count(*) FROM sora_team.events WHERE kind = 'note_resolved'"
    assert server_count(team_url, resolutions) == 1


def test_changes_waiting_for_one_server_never_go_to_another(
    team_url: str, pg_cluster: PgCluster, library: Library
) -> None:
    other_url = pg_cluster.new_database()
    ana = library("ana")
    job = ready_clip(ana)
    connect_library(ana, team_url, "ana")
    disconnect_library(ana)
    note = add_note(ana, job.id, 0, "sent to the first server")
    connect_library(ana, team_url, "ana")
    disconnect_library(ana)
    resolve_note(ana, note.id)  # waits in the outbox, for the first server
    with pytest.raises(TeamError, match="--discard-outbox") as caught:
        connect_library(ana, other_url, "ana")
    assert team_url in str(caught.value)
    schemas = "SELECT count(*) FROM pg_namespace WHERE nspname = 'sora_team'"
    assert server_count(other_url, schemas) == 0  # refused before touching the other server
    assert not team_status(ana).connected
    connect_library(ana, other_url, "ana", discard_outbox=True)
    resolutions = "SELECT count(*) FROM sora_team.events WHERE kind = 'note_resolved'"
    assert server_count(other_url, resolutions) == 0
    assert team_status(ana).outbox == 0
