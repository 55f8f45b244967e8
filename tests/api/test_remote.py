"""Converters from provider JSON and response headers to the domain dataclasses."""

from __future__ import annotations

import httpx2
import pytest

from sora_studio.api.remote import (
    batch_from_mapping,
    character_from_mapping,
    hints_from_headers,
    parse_duration_s,
    parse_retry_after_s,
    video_from_mapping,
)


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
