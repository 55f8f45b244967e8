"""Importing MP4s: probe, hash, duplicates, copy or link, local thumbnail and 25-frame sheet."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from sora_studio.core.models import AssetVariant, JobStatus, LineageKind
from sora_studio.core.spritesheet import layout_for_video
from sora_studio.services import imports, library
from sora_studio.storage.db import open_db
from sora_studio.storage.repository import Repository
from tests.media_factory import ClipMaker


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repository]:
    repository = Repository(open_db(tmp_path / "studio.sqlite3"))
    yield repository
    repository.close()


@pytest.fixture
def clips(tmp_path: Path, make_clip: ClipMaker) -> dict[str, Path]:
    src = tmp_path / "incoming"
    src.mkdir()
    return {
        "a": make_clip(src / "a.mp4", level=10),
        "b": make_clip(src / "b.mp4", level=120, width=180, height=320),
    }


def test_import_copies_the_clip_and_makes_media_locally(
    repo: Repository, tmp_path: Path, clips: dict[str, Path]
) -> None:
    root = tmp_path / "library"
    report = imports.import_clips(repo, root, [clips["a"]])
    assert report.ok and not report.duplicates
    (clip,) = report.imported
    job = repo.require_job(clip.job_id)
    assert job.status is JobStatus.READY
    assert job.lineage_kind is LineageKind.IMPORT
    assert job.provider == "import"
    assert job.cost_cents == Decimal(0) and job.estimate_cents == Decimal(0)
    assert (job.size, job.seconds) == ("320x180", 2)

    folder = library.job_folder(root, job)
    assets = repo.assets_for(job.id)
    assert set(assets) == set(AssetVariant)
    video = assets[AssetVariant.VIDEO]
    assert Path(video.path) == folder / "video.mp4"
    assert video.sha256 == sha256(clips["a"]) == sha256(Path(video.path)) == clip.sha256
    for asset in assets.values():
        assert Path(asset.path).parent == folder
        assert asset.bytes == Path(asset.path).stat().st_size
        assert asset.sha256 == sha256(Path(asset.path))

    with Image.open(assets[AssetVariant.THUMBNAIL].path) as thumb:
        assert thumb.format == "WEBP" and thumb.size == (320, 180)
    layout = layout_for_video(320, 180)
    assert layout.frame_count >= 25
    with Image.open(assets[AssetVariant.SPRITESHEET].path) as sheet:
        assert sheet.format == "JPEG" and sheet.size == layout.sheet_size

    recipe = json.loads((folder / "recipe.json").read_text())
    assert recipe["job_id"] == job.id and recipe["lineage"]["kind"] == "import"
    assert recipe["files"]["video"]["sha256"] == clip.sha256
    assert recipe["import"] == {"source": str(clips["a"].resolve()), "copied": True}
    assert not list(root.glob(f"{imports.STAGING_PREFIX}*"))
    assert repo.events(job_id=job.id, kind="import")


def test_link_mode_references_the_file_where_it_lies(
    repo: Repository, tmp_path: Path, clips: dict[str, Path]
) -> None:
    report = imports.import_clips(repo, tmp_path / "library", [clips["b"]], copy=False)
    (clip,) = report.imported
    assert not clip.copied
    video = repo.assets_for(clip.job_id)[AssetVariant.VIDEO]
    assert video.path == str(clips["b"].resolve())
    folder = library.job_folder(tmp_path / "library", repo.require_job(clip.job_id))
    assert sorted(p.name for p in folder.iterdir()) == [
        "recipe.json",
        "spritesheet.jpg",
        "thumbnail.webp",
    ]
    assert repo.require_job(clip.job_id).size == "180x320"


def test_duplicates_are_skipped_with_a_message(
    repo: Repository, tmp_path: Path, clips: dict[str, Path]
) -> None:
    root = tmp_path / "library"
    first = imports.import_clips(repo, root, [clips["a"]]).imported[0]
    copy = tmp_path / "renamed-copy.mp4"
    copy.write_bytes(clips["a"].read_bytes())
    report = imports.import_clips(repo, root, [copy, clips["b"], clips["b"]])
    assert [c.source for c in report.imported] == [str(clips["b"])]
    assert [d.duplicate_of for d in report.duplicates] == [first.job_id, report.imported[0].job_id]
    assert f"already in the library as clip {first.job_id}" in report.duplicates[0].message
    assert report.ok
    assert repo.count_jobs() == 2


def test_bad_files_fail_one_by_one_and_leave_nothing_behind(
    repo: Repository, tmp_path: Path, clips: dict[str, Path]
) -> None:
    root = tmp_path / "library"
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n")
    image = tmp_path / "still.png"
    Image.new("RGB", (64, 36), "red").save(image)
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(clips["a"].read_bytes()[:2000])
    missing = tmp_path / "nowhere.mp4"
    report = imports.import_clips(repo, root, [text, image, truncated, missing, clips["a"]])
    assert len(report.imported) == 1 and not report.ok
    messages = {Path(f.source).name: f.message for f in report.failures}
    assert set(messages) == {"notes.mp4", "still.png", "cut.mp4", "nowhere.mp4"}
    assert "not a video file" in messages["notes.mp4"]
    assert "not a video file" in messages["still.png"]
    assert "no such file" in messages["nowhere.mp4"]
    assert repo.count_jobs() == 1
    folders = [p for p in root.rglob("*") if p.is_dir() and p.parent != root]
    assert len(folders) == 1  # only the good clip's job folder
    assert not list(root.glob(f"{imports.STAGING_PREFIX}*"))


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_reported(
    repo: Repository, tmp_path: Path, make_clip: ClipMaker
) -> None:
    locked = make_clip(tmp_path / "locked.mp4", level=50)
    locked.chmod(0)
    try:
        report = imports.import_clips(repo, tmp_path / "library", [locked])
    finally:
        locked.chmod(0o644)
    assert "cannot be read" in report.failures[0].message


def test_a_failure_after_the_row_is_written_rolls_everything_back(
    repo: Repository, tmp_path: Path, clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "library"

    def broken_recipe(folder: Path, recipe: dict[str, object]) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(imports.library, "write_recipe", broken_recipe)
    report = imports.import_clips(repo, root, [clips["a"]])
    assert not report.imported
    assert "No space left on device" in report.failures[0].message
    assert repo.count_jobs() == 0
    assert repo.find_asset_by_sha256(sha256(clips["a"])) is None
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_folders_are_searched_for_videos(
    repo: Repository, tmp_path: Path, clips: dict[str, Path]
) -> None:
    (clips["a"].parent / "readme.txt").write_text("not imported")
    seen: list[tuple[int, int]] = []
    report = imports.import_clips(
        repo,
        tmp_path / "library",
        [clips["a"].parent],
        on_progress=lambda done, total, path: seen.append((done, total)),
    )
    assert sorted(Path(c.source).name for c in report.imported) == ["a.mp4", "b.mp4"]
    assert seen == [(0, 2), (1, 2)]


def test_cancel_stops_before_the_next_file(
    repo: Repository, tmp_path: Path, clips: dict[str, Path]
) -> None:
    report = imports.import_clips(
        repo, tmp_path / "library", [clips["a"], clips["b"]], should_cancel=lambda: True
    )
    assert report.imported == () and report.failures == ()
    assert repo.count_jobs() == 0


def test_sweep_removes_staging_left_by_a_killed_import(tmp_path: Path) -> None:
    root = tmp_path / "library"
    (root / f"{imports.STAGING_PREFIX}dead" / "video.mp4").parent.mkdir(parents=True)
    (root / f"{imports.STAGING_PREFIX}dead" / "video.mp4").write_bytes(b"x")
    (root / "2026-01-01").mkdir()
    assert imports.sweep_import_staging(root) == 1
    assert [p.name for p in root.iterdir()] == ["2026-01-01"]


def test_an_existing_job_folder_is_never_overwritten_or_removed(
    repo: Repository, tmp_path: Path, clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "library"
    squatter = root / "occupied"
    squatter.mkdir(parents=True)
    (squatter / "keep.txt").write_text("someone else's")
    monkeypatch.setattr(imports.library, "job_folder", lambda library_root, job: squatter)
    report = imports.import_clips(repo, root, [clips["a"]])
    assert "already exists" in report.failures[0].message
    assert (squatter / "keep.txt").read_text() == "someone else's"
    assert repo.count_jobs() == 0
    assert not list(root.glob(f"{imports.STAGING_PREFIX}*"))
