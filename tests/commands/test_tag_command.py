"""``sora-studio tag ID [add|remove TAG...]`` on a library that is not connected to a team:
tags go on and come off, each word made a tag, and nothing is queued for a team."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sora_studio.cli import main
from sora_studio.paths import resolve_paths
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from sora_studio.storage.team_local import TeamLocal
from tests.job_factory import add_job


def _run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), "tag", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_tags_go_on_come_off_and_are_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "desk"
    repo = Repository(open_db(resolve_paths(str(data)).ensure().database))
    try:
        job_id = add_job(repo).id
    finally:
        repo.close()
    code, out, _ = _run(capsys, data, str(job_id), "add", "#Hero Shot", "night")
    assert code == 0 and out.strip() == f"clip {job_id}: #hero-shot, #night"
    code, out, _ = _run(capsys, data, str(job_id), "remove", "hero-shot", "--json")
    assert code == 0 and json.loads(out) == {"job_id": job_id, "tags": ["night"]}
    code, out, _ = _run(capsys, data, str(job_id))
    assert code == 0 and out.strip() == f"clip {job_id}: #night"
    code, _, err = _run(capsys, data, str(job_id), "add")
    assert code == 2 and "say which tags to add" in err
    code, _, err = _run(capsys, data, "999", "add", "x")
    assert code == 2 and "999" in err
    repo = Repository(open_db(resolve_paths(str(data)).ensure().database))
    try:
        assert TeamLocal(repo.db).outbox_size() == 0  # not connected: nothing for a team
    finally:
        repo.close()
