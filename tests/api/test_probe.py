""" "Test connection" through the real SDK: against the built-in emulator, a LiteLLM-like proxy that
cannot list videos, a server that refuses the key and a host where nothing listens. The probe only
ever sends GETs."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_studio.api.probe import probe_provider
from sora_studio.api.provider import ProviderProfile, builtin_profiles
from sora_studio.api.videos import VideosClient
from sora_studio.core.capabilities import ErrorShape
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from tests.api.conftest import Canned, Seen

LITELLM_HEADERS = {"x-litellm-version": "1.108.7", "x-litellm-call-id": "abc"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with EmulatorServer(
        tmp_path_factory.mktemp("probe-emulator"), settings=EmulatorSettings(poll_after_ms=20)
    ) as server:
        yield server


def litellm_like(seen: Seen) -> Canned:
    """LiteLLM 1.108 in front of a /v1/videos server: no list, models with modes in /model/info."""
    path = seen.path.split("?", 1)[0]
    if path == "/v1/models":
        models = [
            {"id": "veo-3.1", "object": "model", "created": 1, "owned_by": "openai"},
            {"id": "sora-2", "object": "model", "created": 1, "owned_by": "openai"},
            {"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "openai"},
        ]
        return Canned(200, {"data": models, "object": "list"}, LITELLM_HEADERS)
    if path == "/v1/model/info":
        info = [
            {"model_name": "veo-3.1", "model_info": {"mode": "video_generation"}},
            {"model_name": "sora-2", "model_info": {"mode": "video_generation"}},
            {"model_name": "gpt-4o-mini", "model_info": {"mode": "chat"}},
        ]
        return Canned(200, {"data": info}, LITELLM_HEADERS)
    if path == "/v1/videos":
        error = {
            "message": "litellm.BadRequestError: LLM Provider NOT provided.",
            "type": "invalid_request_error",
            "param": None,
            "code": "400",
        }
        return Canned(400, {"error": error}, LITELLM_HEADERS)
    error = {"message": "video not found", "type": "not_found", "param": None, "code": "404"}
    return Canned(404, {"error": error}, LITELLM_HEADERS)


def gateway(server: Any, preset: str = "generic") -> ProviderProfile:
    return ProviderProfile("proxy", "gateway", server.base_url, "none", preset=preset)


def test_probe_against_the_emulator(emulator: EmulatorServer) -> None:
    profile = builtin_profiles({})[0].with_base_url(emulator.base_url)
    report = probe_provider(profile)
    assert report.reachable and report.auth_accepted
    assert report.list_supported is True
    assert report.error_shape is ErrorShape.OPENAI
    assert report.server == "uvicorn"
    assert [s.name for s in report.steps] == ["models", "list", "missing video"]
    assert report.steps[1].request == "GET /v1/videos?limit=1" and report.steps[1].ok
    assert report.steps[2].status == 404
    assert "list_videos" not in report.suggested_overrides
    assert "can list videos" in report.summary
    # Nothing was created: the emulator still has no videos.
    with VideosClient(profile) as client:
        assert client.list_page(limit=10).videos == ()


def test_probe_against_a_litellm_like_proxy_without_list(canned: Any) -> None:
    canned.route = litellm_like
    report = probe_provider(gateway(canned))
    assert report.reachable and report.auth_accepted is True
    assert [m.id for m in report.models] == ["veo-3.1", "sora-2", "gpt-4o-mini"]
    assert report.video_models == ("veo-3.1", "sora-2")
    assert report.models[0].mode == "video_generation"
    assert report.list_supported is False
    assert report.server == "LiteLLM 1.108.7"
    assert report.suggested_overrides == {"list_videos": False}
    assert report.suggested_preset == "litellm"
    assert "cannot list videos" in report.summary and "HTTP 400" in report.summary
    assert "LLM Provider NOT provided" in report.steps[1].outcome
    assert {seen.method for seen in canned.seen} == {"GET"}
    # With the LiteLLM preset there is nothing left to suggest.
    report = probe_provider(gateway(canned, "litellm"))
    assert report.suggested_overrides == {} and report.suggested_preset is None


def test_list_models_reads_litellm_modes(canned: Any) -> None:
    canned.route = litellm_like
    with VideosClient(gateway(canned)) as client:
        models = client.list_models()
    assert [(m.id, m.is_video) for m in models] == [
        ("veo-3.1", True),
        ("sora-2", True),
        ("gpt-4o-mini", False),
    ]


def test_probe_reports_a_refused_key_and_a_detail_shape(canned: Any) -> None:
    canned.queue(401, {"detail": "Invalid API key"})
    report = probe_provider(gateway(canned), api_key="sk-wrong-000000")
    assert report.reachable and report.auth_accepted is False
    assert report.list_supported is None
    assert "refused the API key" in report.summary and "Settings > Providers" in report.summary
    assert canned.seen[0].headers["authorization"] == "Bearer sk-wrong-000000"


def test_probe_suggests_what_it_saw_on_a_fastapi_server(canned: Any) -> None:
    def route(seen: Seen) -> Canned:
        if seen.path.startswith("/v1/models"):
            return Canned(200, {"object": "list", "data": [{"id": "Wan-AI/Wan2.2-TI2V-5B"}]})
        if seen.path.startswith("/v1/videos?"):
            return Canned(200, {"object": "list", "data": []})
        return Canned(404, {"detail": "Video not found"})

    canned.route = route
    overrides = {"error_shapes": ["openai"]}
    profile = ProviderProfile(
        "sg", "gateway", canned.base_url, "none", preset="generic", capability_overrides=overrides
    )
    report = probe_provider(profile)
    assert report.error_shape is ErrorShape.DETAIL
    assert report.video_models == ("Wan-AI/Wan2.2-TI2V-5B",)
    assert report.suggested_overrides == {"error_shapes": ["openai", "detail"]}
    assert "FastAPI" in report.summary


def test_probe_of_a_host_where_nothing_listens(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    profile = ProviderProfile("gone", "gateway", f"http://127.0.0.1:{port}/v1", "none")
    report = probe_provider(profile)
    assert not report.reachable and report.auth_accepted is None
    assert len(report.steps) == 1 and report.steps[0].status is None
    assert report.summary.startswith(f"Could not reach http://127.0.0.1:{port}/v1")
    assert "base URL" in report.summary


def test_probe_of_a_web_page_suggests_nothing_but_warns(canned: Any) -> None:
    page = b"<!doctype html><html><head><title>Open WebUI</title></head></html>"
    canned.queue(200, page, {"content-type": "text/html"})
    report = probe_provider(gateway(canned))
    assert report.reachable and report.list_supported is None and report.models_listed is None
    assert report.suggested_overrides == {}
    assert "HTML pages" in report.summary and "/v1" in report.summary
    assert "Open WebUI" in report.steps[0].outcome
