"""The timeline export, read back with OpenTimelineIO: .otio, FCP 7 .xml and CMX 3600 .edl.

Every clip is checked at its own media's rate (24, 30 and 25 fps here), in the grid's order,
pointing at its media, with one marker per note at the note's frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from sora_studio.core.errors import UserError
from sora_studio.core.models import AssetVariant, ReviewStatus
from sora_studio.services import exports
from sora_studio.services.timeline_export import export_timeline
from tests.services.timeline_library import TimelineLibrary, build_library


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[TimelineLibrary]:
    library = build_library(tmp_path)
    yield library
    library.repo.close()


def read(path: Path, **options: Any) -> Any:
    return otio.adapters.read_from_file(str(path), **options)


def media_path(url: str) -> Path:
    return Path(otio.url_utils.filepath_from_url(url)) if "://" in url else Path(url)


def test_otio_carries_clips_rates_media_metadata_and_markers(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    out = tmp_path / "cut.otio"
    report = export_timeline(lib.repo, out)
    assert report.kind == "timeline" and report.items == 2 and not report.skipped
    assert report.job_ids == (lib.boat, lib.kite)  # approved, in the grid's order
    timeline = read(out)
    clips = list(timeline.find_clips())
    assert [c.name for c in clips] == [f"clip-{lib.boat:04d}.mp4", f"clip-{lib.kite:04d}.mp4"]
    for clip, job_id in zip(clips, (lib.boat, lib.kite), strict=True):
        rate, frames = lib.rate(job_id), lib.frames(job_id)
        assert clip.source_range.start_time == otio.opentime.RationalTime(0, rate)
        assert clip.source_range.duration == otio.opentime.RationalTime(frames, rate)
        video = lib.repo.assets_for(job_id)[AssetVariant.VIDEO].path
        assert media_path(clip.media_reference.target_url) == Path(video).resolve()
        assert clip.metadata["sora_studio"]["job_id"] == job_id
        assert clip.metadata["sora_studio"]["verdict"] == "Approved"
    boat, kite = (dict(c.metadata["sora_studio"]) for c in clips)
    assert (boat["prompt"], boat["model"], boat["cost_usd"]) == (
        "a paper boat at dawn",
        "sora-2",
        0.4,
    )
    assert (kite["prompt"], kite["model"], kite["cost_usd"]) == ("a red kite", "sora-2-pro", None)
    # 30 fps is the kite's own rate: 1.000 s is frame 30, not 24
    flare, cut = clips[0].markers
    (leaves,) = clips[1].markers
    assert flare.marked_range.start_time == otio.opentime.RationalTime(12, 24)
    assert flare.marked_range.duration == otio.opentime.RationalTime(18, 24)
    assert cut.marked_range.start_time == otio.opentime.RationalTime(36, 24)
    assert leaves.marked_range.start_time == otio.opentime.RationalTime(30, 30)
    assert (flare.name, flare.comment, flare.color) == ("lens flare — keep it", "ana", "RED")
    assert (cut.name, cut.comment, cut.color) == ("cut here", "ben", "GREEN")
    ids = [n.id for n in lib.notes[lib.boat]]
    assert [m.metadata["sora_studio"]["note_id"] for m in clips[0].markers] == ids
    assert timeline.tracks[0].duration() == otio.opentime.RationalTime(48 + 72, 24)
    assert not list(tmp_path.glob("*.part"))


def test_chosen_ids_keep_their_order_and_other_statuses(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    out = tmp_path / "chosen.otio"
    report = export_timeline(lib.repo, out, job_ids=[lib.fog, lib.boat])
    assert report.job_ids == (lib.fog, lib.boat)
    fog, boat = read(out).find_clips()
    assert fog.source_range.duration == otio.opentime.RationalTime(50, 25)
    assert boat.source_range.duration == otio.opentime.RationalTime(48, 24)
    every = exports.run_export(lib.repo, "timeline", tmp_path / "all.otio", status=None)
    assert every.job_ids == (lib.boat, lib.kite, lib.fog)
    rejected = export_timeline(lib.repo, tmp_path / "r.otio", status=ReviewStatus.REJECTED)
    assert rejected.job_ids == (lib.fog,)


def test_fcp_xml_keeps_clips_rates_media_and_markers(lib: TimelineLibrary, tmp_path: Path) -> None:
    out = tmp_path / "cut.xml"
    export_timeline(lib.repo, out, status=None)
    assert out.read_text().lstrip().startswith("<?xml")
    clips = list(read(out).find_clips())
    assert [c.name for c in clips] == [f"clip-{j:04d}.mp4" for j in (lib.boat, lib.kite, lib.fog)]
    for clip, job_id in zip(clips, (lib.boat, lib.kite, lib.fog), strict=True):
        rate = lib.rate(job_id)
        assert clip.source_range.duration == otio.opentime.RationalTime(lib.frames(job_id), rate)
        video = lib.repo.assets_for(job_id)[AssetVariant.VIDEO].path
        assert media_path(clip.media_reference.target_url) == Path(video).resolve()
    # FCP 7 XML keeps a marker's name and frames (the adapter drops colours and metadata)
    assert [(m.name, m.marked_range.start_time.value) for m in clips[0].markers] == [
        ("lens flare — keep it", 12),
        ("cut here", 36),
    ]
    assert clips[0].markers[0].marked_range.duration.value == 18
    assert [(m.name, m.marked_range.start_time) for m in clips[1].markers] == [
        ("kite leaves the frame", otio.opentime.RationalTime(30, 30))
    ]
    assert len(clips[2].markers) == 0


def test_edl_is_one_rate_with_notes_as_locators(lib: TimelineLibrary, tmp_path: Path) -> None:
    out = tmp_path / "cut.edl"
    report = export_timeline(lib.repo, out, job_ids=[lib.kite, lib.boat])
    text = out.read_text(encoding="ascii")  # plain ASCII: "—" folded
    assert text.startswith("TITLE: SORA STUDIO")
    assert f"* FROM CLIP NAME:  clip-{lib.kite:04d}.mp4" in text
    assert report.job_ids == (lib.kite, lib.boat)
    # An EDL has one rate: the first clip's (the kite's 30 fps); the boat's 2 s are 60 frames.
    kite, boat = read(out, rate=30).find_clips()
    assert kite.source_range.duration == otio.opentime.RationalTime(90, 30)
    assert boat.source_range.duration == otio.opentime.RationalTime(60, 30)
    assert (
        media_path(kite.media_reference.target_url)
        == Path(lib.repo.assets_for(lib.kite)[AssetVariant.VIDEO].path).resolve()
    )
    assert [(m.name, m.marked_range.start_time.value, m.color) for m in kite.markers] == [
        ("KITE LEAVES THE FRAME", 30, "RED")
    ]
    assert [(m.name, m.marked_range.start_time.value, m.color) for m in boat.markers] == [
        ("LENS FLARE - KEEP IT", 15, "RED"),
        ("CUT HERE", 45, "GREEN"),
    ]


def test_copy_media_points_at_copies_relative_to_the_timeline(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    out = tmp_path / "handoff" / "cut.otio"
    media = tmp_path / "handoff" / "media"
    report = exports.run_export(lib.repo, "timeline", out, copy_media=media)
    copies = sorted(p.name for p in media.iterdir())
    assert copies == [f"clip-{lib.boat:04d}.mp4", f"clip-{lib.kite:04d}.mp4"]
    assert set(report.files) == {str(out), *(str(media / name) for name in copies)}
    for clip in read(out).find_clips():
        url = clip.media_reference.target_url
        assert url == f"media/{clip.name}"
        copied = out.parent / url
        video = lib.repo.assets_for(clip.metadata["sora_studio"]["job_id"])[AssetVariant.VIDEO]
        assert copied.read_bytes() == Path(video.path).read_bytes()
    assert not list(media.glob("*.part"))


def test_clips_without_media_are_left_out_and_none_left_writes_nothing(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    Path(lib.repo.assets_for(lib.boat)[AssetVariant.VIDEO].path).unlink()
    out = tmp_path / "cut.otio"
    report = export_timeline(lib.repo, out)
    assert report.job_ids == (lib.kite,)
    assert [s.job_id for s in report.skipped] == [lib.boat]
    Path(lib.repo.assets_for(lib.kite)[AssetVariant.VIDEO].path).write_bytes(b"not a video")
    empty = tmp_path / "empty.otio"
    with pytest.raises(UserError, match="no clips with media"):
        export_timeline(lib.repo, empty, copy_media=tmp_path / "media")
    assert not empty.exists() and not (tmp_path / "media").exists()


@pytest.mark.parametrize("name", ["cut.mov", "cut.txt", "cut"])
def test_other_extensions_are_refused(lib: TimelineLibrary, tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError, match=r"\.otio, \.xml .* or \.edl"):
        export_timeline(lib.repo, tmp_path / name)
    assert not (tmp_path / name).exists()


def test_a_folder_as_target_and_no_approved_clips_are_refused(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match="is a folder"):
        export_timeline(lib.repo, tmp_path)
    out = tmp_path / "none.edl"
    with pytest.raises(UserError, match="no clips with media"):
        export_timeline(lib.repo, out, status=ReviewStatus.CHANGES)
    assert not out.exists()
