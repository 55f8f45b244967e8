"""Each fault setting produces its behaviour, through the SDK; plus the admin and stats routes."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import openai
import pytest

from sora_studio.emulator.faults import EmulatorSettings, FaultInjector, RateWindow
from sora_studio.emulator.server import EmulatorServer


def client_for(server: EmulatorServer, retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=retries, timeout=30)


def admin(server: EmulatorServer, path: str, body: dict[str, Any] | None = None) -> Any:
    root = server.base_url.removesuffix("/v1")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{root}/_emulator/{path}",
        data=data,
        headers={"content-type": "application/json"},
        method="POST" if data is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_429_burst_is_retried_by_the_sdk(emulator: EmulatorServer) -> None:
    admin(emulator, "reset-stats", {})
    admin(emulator, "settings", {"rate_limit_burst": 1, "rate_limit_retry_after_ms": 10})
    page = client_for(emulator, retries=2).videos.list()
    assert page.data == []
    stats = admin(emulator, "stats")
    assert stats["requests"]["GET /v1/videos"] == 2  # the 429, then the retry
    assert stats["responses"] == {"200": 1, "429": 1}


def test_429_every_nth_request_carries_retry_after(emulator: EmulatorServer) -> None:
    emulator.settings.rate_limit_every = 3
    emulator.settings.rate_limit_burst = 1
    emulator.settings.rate_limit_retry_after_ms = 1500
    client = client_for(emulator)
    with pytest.raises(openai.RateLimitError) as info:
        client.videos.list()
    assert info.value.response.headers["retry-after-ms"] == "1500"
    assert info.value.code == "rate_limit_exceeded"
    client.videos.list()
    client.videos.list()
    with pytest.raises(openai.RateLimitError):
        client.videos.list()


def test_rpm_limit_is_a_sliding_window(emulator: EmulatorServer) -> None:
    emulator.settings.rpm_limit = 3
    client = client_for(emulator)
    remaining = []
    for _ in range(3):
        raw = client.videos.with_raw_response.list()
        assert raw.headers["x-ratelimit-limit-requests"] == "3"
        remaining.append(raw.headers["x-ratelimit-remaining-requests"])
    assert remaining == ["2", "1", "0"]
    with pytest.raises(openai.RateLimitError) as info:
        client.videos.list()
    assert int(info.value.response.headers["retry-after-ms"]) > 50_000
    window = RateWindow()
    assert window.hit(1, now=0.0)[0] and not window.hit(1, now=59.0)[0]
    assert window.hit(1, now=60.5)[0]  # the first request left the window


def test_server_errors_and_latency(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    emulator.settings.error_rate = 1.0
    with pytest.raises(openai.InternalServerError):
        client.videos.list()
    emulator.settings.error_rate = 0.0
    emulator.settings.latency_ms = 300
    started = time.perf_counter()
    client.videos.list()
    assert time.perf_counter() - started >= 0.3


def test_failure_and_block_rates_fail_jobs(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    emulator.settings.failure_rate = 1.0
    failed = client.videos.create_and_poll(prompt="a calm lake")
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.code == "internal_error"
    emulator.settings.failure_rate = 0.0
    emulator.settings.block_rate = 1.0
    blocked = client.videos.create_and_poll(prompt="a calm lake")
    assert blocked.status == "failed" and blocked.error is not None
    assert blocked.error.code == "moderation_blocked"
    with pytest.raises(openai.BadRequestError):
        client.videos.download_content(blocked.id)
    assert client.videos.delete(blocked.id).deleted  # failed videos may be deleted


def test_policy_blocked_prompt_fails_with_moderation_blocked(emulator: EmulatorServer) -> None:
    from sora_studio.core.policy import is_blocked

    prompt = "Mickey Mouse dances with Taylor Swift"
    assert is_blocked(prompt)
    video = client_for(emulator).videos.create_and_poll(prompt=prompt)
    assert video.status == "failed" and video.error is not None
    assert video.error.code == "moderation_blocked"
    assert "Rewrite the prompt" in video.error.message


def test_policy_warnings_render_and_do_not_appear_in_a_refusal(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    warned = client.videos.create_and_poll(prompt="A detective at the murder scene, night rain")
    assert warned.status == "completed"  # "may be refused" is the desk's warning, not a block
    blocked = client.videos.create_and_poll(prompt="Batman at the murder scene, night rain")
    assert blocked.status == "failed" and blocked.error is not None
    assert "Batman" in blocked.error.message and "murder" not in blocked.error.message


def test_cut_and_slow_downloads(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    video = client.videos.create_and_poll(prompt="a calm lake", size="1280x720")
    assert video.status == "completed"
    full = client.videos.download_content(video.id, variant="thumbnail").content

    emulator.settings.cut_download_rate = 1.0
    with pytest.raises(openai.APIConnectionError):
        client.videos.download_content(video.id).content  # noqa: B018
    emulator.settings.cut_download_rate = 0.0

    kbps = max(8.0, len(full) * 8 / 1000 / 0.6)  # about 0.6 s for the thumbnail
    emulator.settings.slow_download_kbps = kbps
    started = time.perf_counter()
    slow = client.videos.download_content(video.id, variant="thumbnail").content
    elapsed = time.perf_counter() - started
    assert slow == full
    assert elapsed >= 0.45


def test_min_job_seconds_spreads_progress(emulator: EmulatorServer) -> None:
    emulator.settings.min_job_seconds = 1.5
    client = client_for(emulator)
    started = time.perf_counter()
    video = client.videos.create(prompt="a calm lake", size="720x1280")
    seen = set()
    while video.status in ("queued", "in_progress"):
        seen.add(video.progress)
        time.sleep(0.1)
        video = client.videos.retrieve(video.id)
    assert video.status == "completed" and video.progress == 100
    assert time.perf_counter() - started >= 1.5
    assert len({p for p in seen if 0 < p < 100}) >= 3  # progress really rose in steps


def test_settings_endpoint_validates(emulator: EmulatorServer) -> None:
    settings = admin(emulator, "settings")
    assert settings["expiry_seconds"] == 86400 and settings["seed"] == 1234
    updated = admin(emulator, "settings", {"latency_ms": 5, "failure_rate": 0.25})
    assert updated["latency_ms"] == 5 and emulator.settings.failure_rate == 0.25
    for bad in ({"failure_rate": 2}, {"nope": 1}, {"latency_ms": "slow"}):
        with pytest.raises(urllib.error.HTTPError) as info:
            admin(emulator, "settings", bad)
        assert info.value.code == 400
        assert json.loads(info.value.read())["error"]["message"]


def test_stats_keyed_by_route_template(emulator: EmulatorServer) -> None:
    admin(emulator, "reset-stats", {})
    client = client_for(emulator)
    for video_id in ("video_a", "video_b"):
        with pytest.raises(openai.NotFoundError):
            client.videos.retrieve(video_id)
    client.videos.list()
    stats = emulator.stats()
    assert stats["requests"] == {"GET /v1/videos/{video_id}": 2, "GET /v1/videos": 1}
    assert stats["total"] == 3
    assert admin(emulator, "reset-stats", {})["total"] == 0


def test_seeded_faults_repeat() -> None:
    def decisions(seed: int) -> list[bool]:
        faults = FaultInjector(EmulatorSettings(seed=seed, error_rate=0.5))
        return [faults.server_error() for _ in range(32)]

    assert decisions(7) == decisions(7)
    assert decisions(7) != decisions(8)
