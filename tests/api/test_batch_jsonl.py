"""Building batch input files and reading batch output files (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sora_studio.api.batch_client import build_batch_jsonl, parse_batch_output
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import CharacterRef, ImageInfo, Operation, RenderRequest


def req(model: str = "sora-2", **changes: object) -> RenderRequest:
    fields: dict[str, object] = {
        "prompt": "a kite",
        "model": model,
        "size": "1280x720",
        "seconds": 4,
    }
    fields.update(changes)
    return RenderRequest(**fields)  # type: ignore[arg-type]


def test_lines_are_json_video_creates(tmp_path: Path) -> None:
    ref = tmp_path / "r.jpg"
    ref.write_bytes(b"\xff\xd8\xff fake jpeg")
    data = build_batch_jsonl(
        [
            ("job-1", req()),
            ("job-2", req(seconds=8, characters=(CharacterRef("char_9", "Kiwi"),))),
            ("job-3", req(reference=ImageInfo("jpeg", 1280, 720, path=str(ref)))),
        ]
    )
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert [line["custom_id"] for line in lines] == ["job-1", "job-2", "job-3"]
    assert all(line["method"] == "POST" and line["url"] == "/v1/videos" for line in lines)
    assert lines[0]["body"] == {
        "prompt": "a kite",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": "4",
    }
    assert lines[1]["body"]["characters"] == [{"id": "char_9"}]
    assert lines[2]["body"]["input_reference"]["image_url"].startswith("data:image/jpeg;base64,")
    assert data.endswith(b"\n")


def test_one_model_per_file() -> None:
    with pytest.raises(UserError, match=r"one model only.*sora-2, sora-2-pro"):
        build_batch_jsonl([("a", req()), ("b", req("sora-2-pro"))])


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        ([], "at least one"),
        ([("a", req()), ("a", req())], "appears twice"),
        ([("", req())], "custom ID"),
        ([("a", req(operation=Operation.REMIX, source_remote_id="video_1"))], "only create"),
        ([("a", req(reference=ImageInfo("png", 1, 1, path="/no/such/file.png")))], "cannot read"),
    ],
)
def test_bad_batches_are_refused(items: list[tuple[str, RenderRequest]], fragment: str) -> None:
    with pytest.raises(UserError, match=fragment):
        build_batch_jsonl(items)


def test_parse_batch_output_reads_successes_and_errors() -> None:
    video = {
        "id": "video_1",
        "object": "video",
        "status": "queued",
        "progress": 0,
        "created_at": 1,
        "model": "sora-2",
        "size": "1280x720",
        "seconds": "4",
    }
    lines = [
        {
            "id": "batch_req_1",
            "custom_id": "job-1",
            "response": {"status_code": 200, "request_id": "r", "body": video},
            "error": None,
        },
        {
            "id": "batch_req_2",
            "custom_id": "job-2",
            "response": {
                "status_code": 400,
                "request_id": "r",
                "body": {"error": {"message": "bad size", "code": "invalid_value"}},
            },
            "error": None,
        },
        {
            "id": "batch_req_3",
            "custom_id": "job-3",
            "response": None,
            "error": {"code": "batch_expired", "message": "expired"},
        },
    ]
    data = ("\n".join(json.dumps(line) for line in lines) + "\n\n").encode()
    first, second, third = parse_batch_output(data)
    assert first.video is not None and first.video.id == "video_1" and first.status_code == 200
    assert (
        second.video is None
        and second.error_code == "invalid_value"
        and second.error_message == "bad size"
    )
    assert third.status_code is None and third.error_code == "batch_expired"


def test_parse_batch_output_names_a_bad_line() -> None:
    with pytest.raises(ProviderError, match="line 2"):
        parse_batch_output(b'{"custom_id": "a", "response": null}\nnot json\n')
