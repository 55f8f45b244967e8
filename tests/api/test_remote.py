"""Converters from provider JSON and response headers to the domain dataclasses."""

from __future__ import annotations

import httpx2
import pytest

from sora_studio.api.remote import (
    RemoteModel,
    batch_from_mapping,
    character_from_mapping,
    hints_from_headers,
    looks_like_video_model,
    models_from_payload,
    parse_duration_s,
    parse_retry_after_s,
    video_from_mapping,
)
from tests.api.conftest import dynamo_answer


def test_video_from_mapping_reads_every_field() -> None:
    video = video_from_mapping(
        {
            "id": "video_abc",
            "object": "video",
            "model": "sora-2-pro",
            "status": "failed",
            "progress": 40,
            "created_at": 1700000000,
            "completed_at": 1700000100,
            "expires_at": None,
            "prompt": "a kite",
            "size": "1920x1080",
            "seconds": "16",
            "remixed_from_video_id": "video_src",
            "error": {"code": "moderation_blocked", "message": "no"},
            "quality": "standard",
        }
    )
    assert video.seconds == 16
    assert video.size == "1920x1080"
    assert video.error_code == "moderation_blocked"
    assert video.error_message == "no"
    assert video.remixed_from_video_id == "video_src"
    assert video.completed_at == 1700000100
    assert video.expires_at is None
    assert video.is_finished


def test_video_from_mapping_tolerates_missing_optional_fields() -> None:
    video = video_from_mapping(
        {"id": "video_1", "status": "queued", "progress": 0, "created_at": 5, "model": "sora-2"}
    )
    assert video.prompt is None
    assert video.error_code is None
    assert video.seconds == 0
    assert not video.is_finished


def test_character_and_batch_from_mapping() -> None:
    char = character_from_mapping({"id": "char_1", "name": "Kiwi", "created_at": 9})
    assert (char.id, char.name, char.created_at) == ("char_1", "Kiwi", 9)
    batch = batch_from_mapping(
        {
            "id": "batch_1",
            "status": "failed",
            "input_file_id": "file-in",
            "output_file_id": None,
            "error_file_id": "file-err",
            "created_at": 3,
            "request_counts": {"total": 4, "completed": 1, "failed": 3},
            "errors": {"data": [{"line": 2, "code": "invalid", "message": "bad model"}]},
            "metadata": {"project": "p1"},
        }
    )
    assert batch.total == 4 and batch.failed == 3 and batch.completed == 1
    assert batch.errors == ("line 2: bad model",)
    assert batch.metadata == {"project": "p1"}
    assert batch.is_finished


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("12ms", 0.012), ("6s", 6.0), ("1m30s", 90.0), ("2", 2.0), ("1h", 3600.0), ("soon", None)],
)
def test_parse_duration(text: str, seconds: float | None) -> None:
    result = parse_duration_s(text)
    if seconds is None:
        assert result is None
    else:
        assert result == pytest.approx(seconds)


def test_retry_after_prefers_milliseconds_then_seconds_then_date() -> None:
    assert parse_retry_after_s({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after_s({"retry-after": "9"}) == 9.0
    date = "Wed, 25 Nov 2026 16:00:30 GMT"
    now = 1795622400.0  # 2026-11-25 16:00:00 UTC
    assert parse_retry_after_s({"retry-after": date}, now=now) == pytest.approx(30.0)
    assert parse_retry_after_s({}) is None
    assert parse_retry_after_s({"retry-after": "whenever"}) is None


def test_hints_from_real_headers_are_case_insensitive() -> None:
    headers = httpx2.Headers(
        {
            "OpenAI-Poll-After-Ms": "50",
            "X-RateLimit-Remaining-Requests": "7",
            "X-RateLimit-Limit-Requests": "10",
            "X-RateLimit-Reset-Requests": "6s",
            "X-Request-Id": "req_1",
        }
    )
    hints = hints_from_headers(headers)
    assert hints.poll_after_ms == 50
    assert hints.ratelimit_remaining == 7
    assert hints.ratelimit_limit == 10
    assert hints.ratelimit_reset_s == 6.0
    assert hints.request_id == "req_1"
    assert hints.retry_after_s is None


# -- every server's objects ---------------------------------------------------------------------


def test_dynamo_object_with_created_url_and_string_error() -> None:
    video = video_from_mapping(dynamo_answer(url="file:///srv/out/video-8c2f.mp4"))
    assert video.created_at == 1700000300
    assert video.result_url == "file:///srv/out/video-8c2f.mp4"
    assert video.inference_time_s == 41.5
    assert video.size == "" and video.prompt is None and video.seconds == 0
    failed = video_from_mapping({"id": "video-1", "status": "failed", "error": "CUDA OOM"})
    assert (failed.error_code, failed.error_message) == (None, "CUDA OOM")
    assert failed.is_finished


def test_result_handed_over_as_base64_or_top_level_url() -> None:
    b64 = video_from_mapping({"id": "v", "data": [{"b64_json": "AAAAGGZ0eXBtcDQy"}]})
    assert b64.result_url == "data:video/mp4;base64,AAAAGGZ0eXBtcDQy"
    assert b64.status == "completed"  # a result without a status means finished
    url = video_from_mapping({"id": "v", "status": "completed", "url": "https://s3/x.mp4"})
    assert url.result_url == "https://s3/x.mp4"
    assert video_from_mapping({"id": "v"}).status == "queued"


@pytest.mark.parametrize(
    ("fields", "seconds"),
    [
        ({"seconds": "8"}, 8),
        ({"seconds": 12}, 12),
        ({"seconds": "5.0"}, 5),
        ({"seconds": 4.6}, 5),
        ({"seconds": "4", "num_frames": 121, "fps": 24}, 5),  # frames win over the echo
        ({"seconds": "4", "duration_s": 5.04}, 5),
        ({"seconds": "soon"}, 0),
        ({"seconds": None, "video_params": {"num_frames": 81, "fps": 16}}, 5),
    ],
)
def test_seconds_from_any_server(fields: dict[str, object], seconds: int) -> None:
    assert video_from_mapping({"id": "v", **fields}).seconds == seconds


def test_unknown_status_is_not_finished_and_passes_through() -> None:
    for status, finished in [
        ("processing", False),
        ("pending", False),
        ("queued", False),
        ("in_progress", False),
        ("completed", True),
        ("failed", True),
        ("cancelled", True),
        ("deleted", True),
        ("expired", True),
    ]:
        video = video_from_mapping({"id": "v", "status": status})
        assert video.status == status
        assert video.is_finished is finished, status


def test_object_without_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no id"):
        video_from_mapping({"status": "queued"})


def test_models_from_every_shape() -> None:
    openai_shape = models_from_payload(
        {"object": "list", "data": [{"id": "veo-3.1", "owned_by": "google", "created": 3}]}
    )
    assert openai_shape == (RemoteModel("veo-3.1", "google", None, 3),)
    litellm = models_from_payload(
        {"data": [{"id": "veo-3.1", "mode": "video_generation"}, {"id": "gpt-4o", "mode": "chat"}]}
    )
    assert [(m.id, m.is_video) for m in litellm] == [("veo-3.1", True), ("gpt-4o", False)]
    sglang = models_from_payload({"model_path": "Wan-AI/Wan2.2-TI2V-5B", "task_type": "TI2V"})
    assert sglang == (RemoteModel("Wan-AI/Wan2.2-TI2V-5B", None, "TI2V", None),)
    assert sglang[0].is_video
    assert models_from_payload([{"id": "a"}, {"id": "a"}, "junk"]) == (RemoteModel("a"),)
    assert models_from_payload("nonsense") == ()
    assert looks_like_video_model("Lightricks/LTX-2") and not looks_like_video_model("llama-3")
