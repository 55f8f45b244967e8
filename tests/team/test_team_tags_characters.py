"""Tags, characters and spend on a real PostgreSQL team library: what one desk does shows on
the others, a replay changes nothing, and ``team status`` sums the team's spend."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.cli import main
from sora_studio.core.models import JobStatus
from sora_studio.core.team_events import (
    CharacterSaved,
    EventFormatError,
    TagChanged,
    event_from_json,
    event_to_json,
)
from sora_studio.services.characters import delete_character, rename_character, save_character
from sora_studio.services.tags import add_tag, clip_tags, remove_tag
from sora_studio.services.team_spend import with_team_spend
from sora_studio.services.team_sync import connect_library, disconnect_library, team_status
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_apply import SKIPPED, TeamApply
from sora_studio.storage.team_local import TeamLocal
from tests.team.team_helpers import copy_of, exchange_all, ready_clip, server_count

Library = Callable[[str], Repository]


def test_a_tag_added_on_one_desk_shows_on_the_other_and_removed_likewise(
    team_url: str, library: Library
) -> None:
    ana, bo = library("ana"), library("bo")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    clip = ready_clip(ana, prompt="a lighthouse at dusk")
    assert add_tag(ana, clip.id, "#Hero shot")
    assert not add_tag(ana, clip.id, "hero-shot")  # already on: nothing recorded twice
    exchange_all(ana, bo)
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None
    assert clip_tags(bo, on_bo) == ["hero-shot"]

    add_tag(bo, on_bo, "night")
    remove_tag(bo, on_bo, "hero-shot")
    exchange_all(bo, ana)
    assert clip_tags(ana, clip.id) == ["night"]
    assert clip_tags(bo, on_bo) == ["night"]
    assert server_count(team_url, "SELECT count(*) FROM sora_team.events WHERE kind = 'tag'") == 3


def test_a_tag_event_applied_twice_is_applied_once(team_url: str, library: Library) -> None:
    ana, bo = library("ana"), library("bo")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    clip = ready_clip(ana)
    exchange_all(ana, bo)
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None
    clip_id = TeamLocal(ana.db).known_clip_id(clip.id)
    assert clip_id is not None
    added = TagChanged(clip_id=clip_id, tag="blue", author="ana")
    removed = TagChanged(clip_id=clip_id, tag="blue", added=False, author="ana")
    apply = TeamApply(bo.db)
    apply.apply(added)
    apply.apply(removed)
    assert apply.apply(added) == SKIPPED  # a replay of the older event takes nothing back
    assert clip_tags(bo, on_bo) == []


def test_a_tag_on_a_clip_still_to_come_waits_for_it(team_url: str, library: Library) -> None:
    ana, bo = library("ana"), library("bo")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    clip = ready_clip(ana)
    clip_id = TeamLocal(ana.db).clip_id_for(clip.id)
    apply = TeamApply(bo.db)
    tag = TagChanged(clip_id=clip_id, tag="later", author="ana")
    assert apply.apply(tag) == "parked"  # the clip has not come yet
    assert event_from_json(event_to_json(tag)) == tag
    bad = event_to_json(TagChanged(clip_id=clip_id, tag="x")).replace('"tag":"x"', '"tag":"Hero"')
    with pytest.raises(EventFormatError, match="is not a tag"):
        event_from_json(bad)
    exchange_all(ana, bo)
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None and clip_tags(bo, on_bo) == ["later"]


def test_a_character_arrives_is_renamed_and_deleted_everywhere(
    team_url: str, library: Library, tmp_path: Path
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    source = tmp_path / "pip.mp4"
    source.write_bytes(b"\x00character clip" * 50)
    ana, bo = library("ana"), library("bo")
    early = save_character(ana, provider="emulator", remote_id="char_early", name="Early")
    connect_library(ana, team_url, "ana", media_root=str(share))
    connect_library(bo, team_url, "bo", media_root=str(share))
    pip = save_character(ana, provider="emulator", remote_id="char_pip", name="Pip", path=source)
    exchange_all(ana, bo)
    arrived = {c.remote_id: c for c in bo.list_characters()}
    assert set(arrived) == {"char_early", "char_pip"}  # one saved before connecting too
    assert arrived["char_pip"].name == "Pip"
    assert arrived["char_early"].name == early.name
    shared = share / "characters" / "emulator-char_pip" / "pip.mp4"
    assert shared.read_bytes() == source.read_bytes()
    assert arrived["char_pip"].source_path == str(shared)

    rename_character(bo, arrived["char_pip"].id, "Pip the Second")
    exchange_all(bo, ana)
    assert ana.require_character(pip.id).name == "Pip the Second"

    delete_character(ana, pip.id)
    exchange_all(ana, bo)
    assert [c.remote_id for c in bo.list_characters()] == ["char_early"]
    assert [c.remote_id for c in ana.list_characters()] == ["char_early"]
    kinds = "SELECT count(*) FROM sora_team.events WHERE kind LIKE 'character%'"
    assert server_count(team_url, kinds) == 4  # early, pip, the rename, the deletion


def test_a_character_saved_on_both_desks_becomes_one(team_url: str, library: Library) -> None:
    ana, bo = library("ana"), library("bo")
    save_character(bo, provider="emulator", remote_id="char_same", name="Same")
    connect_library(ana, team_url, "ana")
    save_character(ana, provider="emulator", remote_id="char_same", name="Same")
    exchange_all(ana)
    connect_library(bo, team_url, "bo")
    exchange_all(ana, bo)
    assert [c.remote_id for c in bo.list_characters()] == ["char_same"]
    event = CharacterSaved(character_id="x", provider="p", remote_id="r", name="N")
    assert event_from_json(event_to_json(event)) == event


def test_team_status_shows_the_teams_spend_per_member_and_in_total(
    team_url: str, library: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ana, bo = library("ana"), library("bo")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    ready_clip(ana)  # 40 cents each (team_helpers.ready_clip)
    ready_clip(ana, status=JobStatus.EXPIRED)
    ready_clip(bo)
    ready_clip(bo, status=JobStatus.FAILED)  # failed renders are kept apart from spend
    exchange_all(ana, bo)
    spend = with_team_spend(bo, team_status(bo)).spend
    assert spend is not None
    assert Decimal(spend["total_cents"]) == 120
    assert [(m["member"], Decimal(m["cents"]), m["clips"]) for m in spend["members"]] == [
        ("ana", Decimal(80), 2),
        ("bo", Decimal(40), 1),
    ]

    data = tmp_path / "cli-desk"
    assert main(["--data-dir", str(data), "team", "connect", team_url, "--reviewer", "cy"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "team", "status"]) == 0
    out = capsys.readouterr().out
    assert "team spend: $1.20" in out and "  ana: $0.80 (2 clips)" in out
    assert main(["--data-dir", str(data), "team", "status", "--json"]) == 0
    assert Decimal(json.loads(capsys.readouterr().out)["spend"]["total_cents"]) == 120


def test_tags_put_on_before_connecting_go_up_once(team_url: str, library: Library) -> None:
    ana, bo = library("ana"), library("bo")
    clip = ready_clip(ana, prompt="a fox in the snow")
    add_tag(ana, clip.id, "hero")
    add_tag(ana, clip.id, "winter")
    connect_library(bo, team_url, "bo")
    connect_library(ana, team_url, "ana")
    exchange_all(ana, bo)
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None
    assert clip_tags(bo, on_bo) == ["hero", "winter"]
    tag_events = "SELECT count(*) FROM sora_team.events WHERE kind = 'tag'"
    assert server_count(team_url, tag_events) == 2

    # Connecting again, and syncing again, on both desks sends nothing twice: ana's tags are
    # known as sent there, and bo holds them as applied from the team.
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    exchange_all(ana, bo)
    assert server_count(team_url, tag_events) == 2
    assert TeamApply(ana.db).outbox_size() == TeamApply(bo.db).outbox_size() == 0

    # A tag put on while connected is one event too, however often the desks reconnect.
    add_tag(bo, on_bo, "keeper")
    connect_library(bo, team_url, "bo")
    connect_library(ana, team_url, "ana")
    exchange_all(ana, bo)
    assert clip_tags(ana, clip.id) == ["hero", "winter", "keeper"]
    assert server_count(team_url, tag_events) == 3


def test_a_tag_taken_off_while_disconnected_goes_up_on_reconnecting(
    team_url: str, library: Library
) -> None:
    ana, bo = library("ana"), library("bo")
    clip = ready_clip(ana)
    add_tag(ana, clip.id, "maybe")
    connect_library(ana, team_url, "ana")
    connect_library(bo, team_url, "bo")
    exchange_all(ana, bo)
    on_bo = copy_of(clip, ana, bo)
    assert on_bo is not None and clip_tags(bo, on_bo) == ["maybe"]
    disconnect_library(ana)
    remove_tag(ana, clip.id, "maybe")
    add_tag(ana, clip.id, "final")
    connect_library(ana, team_url, "ana")
    exchange_all(ana, bo)
    assert clip_tags(bo, on_bo) == ["final"]
    assert clip_tags(ana, clip.id) == ["final"]
    tag_events = "SELECT count(*) FROM sora_team.events WHERE kind = 'tag'"
    assert server_count(team_url, tag_events) == 3  # maybe on, maybe off, final on
