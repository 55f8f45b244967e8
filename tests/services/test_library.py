"""Atomic files in the library: temp file, verify, hash, rename; partial files swept."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from sora_studio.core.models import AssetVariant, Brief, Job, LineageKind
from sora_studio.services import library
from tests.job_factory import make_job


def _job(**changes: object) -> Job:
    values: dict[str, object] = {
        "fingerprint": "abc",
        "prompt": "a paper boat on a pond",
        "brief": Brief(subject="a paper boat"),
        "created_at": 1_700_000_000.0,
    }
    return make_job(7, **{**values, **changes})


def test_job_folder_is_date_then_id(tmp_path: Path) -> None:
    folder = library.job_folder(tmp_path, _job())
    assert folder.parent.parent == tmp_path
    assert folder.name == "7"
    assert len(folder.parent.name) == 10 and folder.parent.name.count("-") == 2


def test_commit_file_verifies_hashes_and_renames(tmp_path: Path) -> None:
    dest = tmp_path / "video.mp4"
    temp = library.temp_path_for(dest)
    temp.write_bytes(b"hello")
    seen: list[Path] = []
    digest = library.commit_file(temp, dest, seen.append)
    assert digest == hashlib.sha256(b"hello").hexdigest()
    assert dest.read_bytes() == b"hello"
    assert seen == [temp]
    assert not temp.exists()


def test_refused_file_leaves_nothing_behind(tmp_path: Path) -> None:
    dest = tmp_path / "video.mp4"
    dest.write_bytes(b"old")
    temp = library.temp_path_for(dest)
    temp.write_bytes(b"truncated")

    def refuse(path: Path) -> None:
        raise ValueError("does not decode")

    with pytest.raises(ValueError):
        library.commit_file(temp, dest, refuse)
    assert dest.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [dest]


def test_sweep_partials_removes_only_temp_files(tmp_path: Path) -> None:
    folder = tmp_path / "2026-01-01" / "3"
    folder.mkdir(parents=True)
    keep = folder / "video.mp4"
    keep.write_bytes(b"x")
    library.temp_path_for(keep).write_bytes(b"partial")
    library.temp_path_for(folder / "thumbnail.webp").write_bytes(b"partial")
    assert library.sweep_partials(tmp_path) == 2
    assert [p.name for p in folder.iterdir()] == ["video.mp4"]


def test_recipe_records_brief_lineage_and_cost(tmp_path: Path) -> None:
    job = _job(
        parent_id=3,
        lineage_kind=LineageKind.REMIX,
        source_remote_id="video_1",
        cost_cents=Decimal("40"),
    )
    files = [(AssetVariant.VIDEO, "video.mp4", "ab" * 32)]
    path = library.write_recipe(tmp_path, library.recipe_for(job, files))
    data = json.loads(path.read_text())
    assert data["brief"] == {"subject": "a paper boat"}
    assert data["lineage"] == {"kind": "remix", "parent_id": 3, "parent_remote_id": "video_1"}
    assert data["cost_cents"] == "40"
    assert data["files"]["video"]["name"] == "video.mp4"
    assert (data["model"], data["size"], data["seconds"]) == ("sora-2", "1280x720", 4)


def test_remove_job_files(tmp_path: Path) -> None:
    job = _job()
    folder = library.job_folder(tmp_path, job)
    folder.mkdir(parents=True)
    (folder / "video.mp4").write_bytes(b"x")
    assert library.remove_job_files(tmp_path, job) is True
    assert not folder.exists()
    assert library.remove_job_files(tmp_path, job) is False
