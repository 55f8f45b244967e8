"""An editor's markers back in as notes: round trips through .otio, FCP 7 .xml and .edl.

The editor's side is played by OpenTimelineIO itself: the exported timeline is read, markers
are added the way an editing application adds them, and the file is written again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from sora_studio.core.errors import UserError
from sora_studio.services import review
from sora_studio.services.timeline_export import export_timeline
from sora_studio.services.timeline_import import import_markers
from tests.job_factory import add_job, add_video_asset
from tests.services.timeline_library import TimelineLibrary, build_library, write_ntsc_clip

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[TimelineLibrary]:
    library = build_library(tmp_path)
    yield library
    library.repo.close()


def marker(name: str, frame: int, rate: float, length: int = 0, **meta: Any) -> Any:
    made = otio.schema.Marker(
        name=name, marked_range=TR(RT(frame, rate), RT(length, rate)), color="BLUE"
    )
    for key, value in meta.items():
        made.metadata[key] = value
    return made


def note_rows(lib: TimelineLibrary, job_id: int) -> list[tuple[int, int | None, str, str]]:
    return [(n.start_ms, n.end_ms, n.text, n.author) for n in lib.repo.notes_for(job_id)]


def edited(path: Path, out: Path, add: Any, **options: Any) -> Path:
    timeline = otio.adapters.read_from_file(str(path), **options)
    add(timeline, list(timeline.find_clips()))
    otio.adapters.write_to_file(timeline, str(out), **options)
    return out


def test_otio_round_trip_adds_exactly_the_editors_markers_once(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.otio"
    export_timeline(lib.repo, cut)
    before = {j: note_rows(lib, j) for j in (lib.boat, lib.kite)}

    def add(timeline: Any, clips: list[Any]) -> None:
        timeline.metadata["Resolve_OTIO"] = {"editor": "Kim"}
        clips[0].markers.append(marker("hold two frames longer", 40, 24))
        clips[1].markers.append(marker("sky pops", 45, 30, 15, Resolve_OTIO={"author": "Lee"}))

    from_editor = edited(cut, tmp_path / "from-editor.otio", add)
    report = import_markers(lib.repo, from_editor)
    assert len(report.added) == 2 and report.already_there == 3
    assert not report.unknown and not report.refused
    assert note_rows(lib, lib.boat) == [
        *before[lib.boat],
        (1667, None, "hold two frames longer", "Kim"),
    ]
    # 45 frames at the kite's own 30 fps is 1.5 s (at an assumed 24 it would be 1.875 s)
    assert note_rows(lib, lib.kite) == [*before[lib.kite], (1500, 2000, "sky pops", "Lee")]
    again = import_markers(lib.repo, from_editor)
    assert again.added == () and again.already_there == 5
    assert "Added 0 notes" in again.headline and "skipped 5 already there" in again.headline


def test_fcp_xml_round_trip_by_clip_name(lib: TimelineLibrary, tmp_path: Path) -> None:
    cut = tmp_path / "cut.xml"
    export_timeline(lib.repo, cut, status=None)
    assert import_markers(lib.repo, cut).added == ()  # our own notes, found by text and frame

    def add(_timeline: Any, clips: list[Any]) -> None:
        clips[1].markers.append(marker("wind noise", 60, 30))
        clips[2].markers.append(marker("greyer still", 25, 25, 5))

    report = import_markers(lib.repo, edited(cut, tmp_path / "back.xml", add))
    assert [(n.job_id, n.start_ms, n.end_ms, n.text, n.author) for n in report.added] == [
        (lib.kite, 2000, None, "wind noise", "editor"),
        (lib.fog, 1000, 1200, "greyer still", "editor"),
    ]
    assert import_markers(lib.repo, tmp_path / "back.xml").added == ()


def test_edl_round_trip_reads_at_the_media_rate(lib: TimelineLibrary, tmp_path: Path) -> None:
    cut = tmp_path / "cut.edl"
    export_timeline(lib.repo, cut, job_ids=[lib.kite, lib.boat])
    assert import_markers(lib.repo, cut).added == ()  # upper-cased ASCII is still the same note

    def add(_timeline: Any, clips: list[Any]) -> None:
        clips[0].markers.append(marker("FIX THE TAIL", 75, 30))
        clips[1].markers.append(marker("BRIGHTER", 30, 30))

    report = import_markers(lib.repo, edited(cut, tmp_path / "back.edl", add, rate=30))
    # the EDL counts at the kite's 30 fps: frame 75 is 2.5 s; the boat's frame 30 is 1 s
    assert [(n.job_id, n.start_ms, n.text) for n in report.added] == [
        (lib.kite, 2500, "FIX THE TAIL"),
        (lib.boat, 1000, "BRIGHTER"),
    ]
    assert import_markers(lib.repo, tmp_path / "back.edl").added == ()


def test_markers_on_unknown_clips_are_listed_and_library_names_match(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    rate = 30
    timeline = otio.schema.Timeline(name="editor cut")
    track = otio.schema.Track(name="V1")
    timeline.tracks.append(track)
    for name, url in (
        ("A001_C002", "file:///Volumes/shoot/A001_C002.mov"),
        ("kite take", (lib.media / "kite-render.mp4").as_uri()),  # the library's own file
    ):
        span = TR(RT(0, rate), RT(60, rate))
        ref = otio.schema.ExternalReference(target_url=url, available_range=span)
        clip = otio.schema.Clip(name=name, media_reference=ref, source_range=span)
        clip.markers.append(marker(f"note on {name}", 15, rate))
        track.append(clip)
    track.markers.append(marker("over the kite", 75, rate))  # on the track, over clip two
    path = tmp_path / "editor.otio"
    otio.adapters.write_to_file(timeline, str(path))
    report = import_markers(lib.repo, path)
    assert [(n.job_id, n.start_ms, n.text) for n in report.added] == [
        (lib.kite, 500, "note on kite take"),
        (lib.kite, 500, "over the kite"),
    ]
    assert [(u.clip, u.text) for u in report.unknown] == [("A001_C002", "note on A001_C002")]
    assert "1 on clips the library does not know" in report.headline
    assert report.to_dict()["unknown"][0]["at"] == "00:00:00:15"


def test_a_marker_past_the_clip_end_is_refused_and_listed(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.otio"
    export_timeline(lib.repo, cut, job_ids=[lib.boat])

    def add(_timeline: Any, clips: list[Any]) -> None:
        clips[0].markers.append(marker("way past", 200, 24))
        clips[0].markers.append(marker("fine", 24, 24))

    report = import_markers(lib.repo, edited(cut, tmp_path / "b.otio", add))
    assert [n.text for n in report.added] == ["fine"]
    assert [(r.text, "beyond the clip's end" in r.reason) for r in report.refused] == [
        ("way past", True)
    ]


def _no_clips(path: Path) -> None:
    otio.adapters.write_to_file(otio.schema.Timeline(name="empty"), str(path))


@pytest.mark.parametrize(
    ("name", "write", "message"),
    [
        ("empty.otio", lambda p: p.write_bytes(b""), "is empty"),
        ("blank.xml", lambda p: p.write_text("  \n"), "is empty"),
        ("none.otio", _no_clips, "no clips"),
        ("picture.otio", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"), "not text"),
        ("notes.otio", lambda p: p.write_text("hello"), "could not be read as OpenTimelineIO"),
        ("clip.otio", lambda p: p.write_text('{"OTIO_SCHEMA": "Clip.1"}'), "holds no timeline"),
        ("random.xml", lambda p: p.write_text("<root><a>1</a></root>"), "Final Cut Pro XML"),
        (
            "bad.edl",
            lambda p: p.write_text(
                "TITLE: X\n\n001  AX V C 00:00:00:00 00:00:99:00 01:00:00:00 01:00:02:00\n"
            ),
            "could not be read as CMX 3600 EDL",
        ),
        ("cut.aaf", lambda p: p.write_text("x"), r"\.otio, \.xml"),
        ("missing.otio", lambda p: None, "does not exist"),
    ],
)
def test_bad_input_is_refused_and_adds_nothing(
    lib: TimelineLibrary, tmp_path: Path, name: str, write: Any, message: str
) -> None:
    path = tmp_path / name
    write(path)
    before = {j: note_rows(lib, j) for j in (lib.boat, lib.kite, lib.fog)}
    with pytest.raises(UserError, match=message):
        import_markers(lib.repo, path)
    assert {j: note_rows(lib, j) for j in before} == before


def test_edl_rate_given_and_implausible(lib: TimelineLibrary, tmp_path: Path) -> None:
    cut = tmp_path / "cut.edl"
    export_timeline(lib.repo, cut, job_ids=[lib.boat])
    cut.write_text(cut.read_text() + "* LOC: 00:00:01:00 BLUE    AT ONE SECOND\n")
    with pytest.raises(UserError, match="not plausible"):
        import_markers(lib.repo, cut, edl_rate=0)
    (note,) = import_markers(lib.repo, cut, edl_rate=24).added
    assert (note.job_id, note.start_ms, note.text) == (lib.boat, 1000, "AT ONE SECOND")


def test_ntsc_media_keeps_its_fractional_rate_out_and_back(
    lib: TimelineLibrary, tmp_path: Path
) -> None:
    ntsc = add_job(lib.repo, prompt="harbour at 29.97", seconds=3)
    add_video_asset(lib.repo, ntsc.id, write_ntsc_clip(lib.media / "harbour.mp4", 90))
    review.add_note(lib.repo, ntsc.id, 1001, "gull crosses", "ana")  # frame 30 at 29.97
    rate = 30000 / 1001
    cut = tmp_path / "ntsc.otio"
    export_timeline(lib.repo, cut, job_ids=[ntsc.id])
    (clip,) = otio.adapters.read_from_file(str(cut)).find_clips()
    assert clip.source_range.duration.rate == pytest.approx(rate, abs=1e-6)
    assert clip.source_range.duration.value == 90
    assert clip.markers[0].marked_range.start_time.value == 30
    # The EDL counts 29.97 as 30-frame non-drop timecode; frames come back at the media's rate.
    edl = tmp_path / "ntsc.edl"
    export_timeline(lib.repo, edl, job_ids=[ntsc.id])
    assert "00:00:00:00 00:00:03:00" in edl.read_text() and ";" not in edl.read_text()
    edl.write_text(edl.read_text() + "* LOC: 00:00:02:00 BLUE    SEAGULL AGAIN\n")
    report = import_markers(lib.repo, edl)
    assert report.already_there == 1  # our own "GULL CROSSES", same frame
    assert [(n.start_ms, n.text) for n in report.added] == [
        (round(60 / rate * 1000), "SEAGULL AGAIN")
    ]
