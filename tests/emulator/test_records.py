"""The typed records read the JSON older emulators wrote, and write JSON they can still read."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sora_studio.emulator.records import (
    BatchLine,
    BatchRecord,
    CharacterRecord,
    FileRecord,
    VideoRecord,
)
from sora_studio.emulator.state import EmulatorState

# Objects exactly as the dict-based emulator saved them: public keys plus ``_`` keys.
LEGACY_VIDEO: dict[str, Any] = {
    "id": "video_1",
    "object": "video",
    "model": "sora-2",
    "status": "completed",
    "progress": 100,
    "created_at": 1_700_000_000,
    "completed_at": 1_700_000_030,
    "expires_at": 1_700_003_600,
    "prompt": "the camera pulls back",
    "size": "1280x720",
    "seconds": "8",
    "quality": "standard",
    "remixed_from_video_id": None,
    "error": None,
    "_mode": "extend",
    "_render_seconds": 4,
    "_reference": None,
    "_characters": ["char_a"],
    "_source_video": "/data/media/video_0/video.mp4",
    "_source_id": "video_0",
    "_extension_count": 1,
    "_batch_id": None,
    "_duration_s": 8.0,
    "_finished": 1_700_000_030.25,
    "_seq": 7,
}
LEGACY_COMPAT_VIDEO: dict[str, Any] = LEGACY_VIDEO | {
    "id": "video_gen_2",
    "_mode": "create",
    "_compat": "sglang",
    "_echo": {"size": "832x480", "seconds": "4", "outputs": 1, "extras": {}},
    "_submitted": 1_700_000_001.5,
    "_deleted": True,
    "_seq": 8,
}
LEGACY_CHARACTER: dict[str, Any] = {
    "id": "char_a",
    "name": "Kite",
    "created_at": 1_700_000_000,
    "_clip": "/data/media/char_a/clip.mp4",
    "_seq": 3,
}
LEGACY_FILE: dict[str, Any] = {
    "id": "file-1",
    "object": "file",
    "bytes": 3,
    "created_at": 1_700_000_000,
    "filename": "in.jsonl",
    "purpose": "batch",
    "status": "processed",
    "status_details": None,
    "expires_at": None,
    "_path": "/data/media/file-1/content",
    "_seq": 4,
}
LEGACY_BATCH: dict[str, Any] = {
    "id": "batch_1",
    "object": "batch",
    "endpoint": "/v1/videos",
    "errors": None,
    "input_file_id": "file-1",
    "completion_window": "24h",
    "status": "in_progress",
    "output_file_id": None,
    "error_file_id": None,
    "created_at": 1_700_000_000,
    "in_progress_at": 1_700_000_001,
    "expires_at": 1_700_086_400,
    "finalizing_at": None,
    "completed_at": None,
    "failed_at": None,
    "expired_at": None,
    "cancelling_at": None,
    "cancelled_at": None,
    "request_counts": {"total": 2, "completed": 0, "failed": 1},
    "metadata": {"shot": "12"},
    "model": "sora-2",
    "_requests": [["a", "video_1", None], ["b", None, {"status_code": 400, "body": {}}]],
    "_bodies": [{"prompt": "one"}, {"prompt": ""}],
    "_created": True,
    "_seq": 5,
}
LEGACY = {
    "videos": [LEGACY_VIDEO, LEGACY_COMPAT_VIDEO],
    "characters": [LEGACY_CHARACTER],
    "files": [LEGACY_FILE],
    "batches": [LEGACY_BATCH],
}


def legacy_public(obj: dict[str, Any]) -> dict[str, Any]:
    """What the dict-based emulator answered for ``obj``: its keys without a ``_``."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


@pytest.fixture
def legacy_folder(tmp_path: Path) -> Path:
    for kind, objects in LEGACY.items():
        folder = tmp_path / kind
        folder.mkdir()
        for obj in objects:
            (folder / f"{obj['id']}.json").write_text(json.dumps(obj), "utf-8")
    return tmp_path


def test_an_old_data_folder_loads_as_typed_records(legacy_folder: Path) -> None:
    state = EmulatorState(legacy_folder)
    video = state.videos.get("video_1")
    assert video is not None and video.public() == legacy_public(LEGACY_VIDEO)
    how = (video.mode, video.render_seconds, video.characters, video.extension_count)
    assert how == ("extend", 4, ("char_a",), 1)
    lineage = (video.source_video, video.source_id, video.batch_id, video.reference)
    assert lineage == ("/data/media/video_0/video.mp4", "video_0", None, None)
    assert (video.duration_s, video.finished, video.seq) == (8.0, 1_700_000_030.25, 7)
    assert video.segment_seconds == 4
    compat = state.videos.get("video_gen_2")
    assert compat is not None and compat.compat == "sglang" and compat.deleted
    assert compat.echo["outputs"] == 1 and compat.inference_time_s() == 28.75
    character = state.characters.get("char_a")
    assert character == CharacterRecord(
        id="char_a", name="Kite", created_at=1_700_000_000, clip=LEGACY_CHARACTER["_clip"], seq=3
    )
    file = state.files.get("file-1")
    assert file is not None and file.path == LEGACY_FILE["_path"] and file.purpose == "batch"
    batch = state.batches.get("batch_1")
    assert batch is not None and batch.created and batch.model == "sora-2"
    assert batch.requests == (
        BatchLine("a", "video_1", None),
        BatchLine("b", None, {"status_code": 400, "body": {}}),
    )
    assert state.next_seq() == 9  # numbering goes on after the highest saved


@pytest.mark.parametrize("kind", list(LEGACY))
def test_the_api_shows_what_it_showed_and_disk_keeps_the_old_shape(
    legacy_folder: Path, kind: str
) -> None:
    state = EmulatorState(legacy_folder)
    table = getattr(state, kind)
    for obj in LEGACY[kind]:
        record = table.get(obj["id"])
        assert record.public() == legacy_public(obj)
        assert list(record.public()) == list(legacy_public(obj))  # the same key order too
        # An older emulator reads what this one writes: the keys it wrote, the same values, and
        # for keys only some of its objects carried (a compat mode's), empty values it read
        # with ``.get`` or never read at all for an object of the official contract.
        written = record.to_json()
        assert written.items() >= obj.items()
        assert all(written[k] in (None, False, {}) for k in set(written) - set(obj))


def test_changes_are_saved_in_the_old_shape(legacy_folder: Path) -> None:
    state = EmulatorState(legacy_folder)
    state.videos.update("video_1", lambda v: replace(v, characters=(), extension_count=2))
    saved = json.loads((legacy_folder / "videos" / "video_1.json").read_text("utf-8"))
    assert saved.items() >= (LEGACY_VIDEO | {"_characters": [], "_extension_count": 2}).items()
    assert EmulatorState(legacy_folder).videos.get("video_1") == state.videos.get("video_1")


def test_new_records_are_numbered_and_missing_private_keys_take_defaults(tmp_path: Path) -> None:
    state = EmulatorState(tmp_path)
    stored = state.files.put(
        FileRecord(id="file-2", bytes=1, filename="a", purpose="vision", path="/x")
    )
    assert stored.seq == 1
    minimal = {k: v for k, v in LEGACY_VIDEO.items() if not k.startswith("_")}
    record = VideoRecord.from_json(minimal)  # a folder from before a private key existed
    assert (record.mode, record.characters, record.echo, record.seq) == ("create", (), {}, 0)


def test_unreadable_objects_are_skipped(legacy_folder: Path) -> None:
    (legacy_folder / "videos" / "broken.json").write_text("{not json", "utf-8")
    (legacy_folder / "videos" / "no_id.json").write_text(json.dumps({"model": "x"}), "utf-8")
    (legacy_folder / "batches" / ".batch_1.json.abcd.tmp").write_text("half", "utf-8")
    state = EmulatorState(legacy_folder)
    assert [v.id for v in state.videos.all()] == ["video_1", "video_gen_2"]
    assert not list((legacy_folder / "batches").glob(".*.tmp"))
    assert isinstance(state.batches.get("batch_1"), BatchRecord)
