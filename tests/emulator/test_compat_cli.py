"""``--compat`` on the command line and as a setting: parsed, in ``--help``, fixed at start."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sora_studio.cli import main
from sora_studio.emulator.faults import EmulatorSettings
from tests.emulator.compat_support import http, start
from tests.emulator.process_support import emulator_process


def test_help_shows_compat(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["emulator", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "--compat {openai,litellm,sglang,vllm-omni,dynamo}" in text
    for flag in ("--served-model", "--media-url", "--file-ttl", "--cancel-delay"):
        assert flag in text


def test_unknown_mode_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["emulator", "--compat", "triton"])
    assert info.value.code == 2
    assert "invalid choice: 'triton'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="compat must be one of"):
        EmulatorSettings(compat="triton")


def test_python_dash_m_emulator_serves_the_mode(tmp_path: Path) -> None:
    served = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
    args = ("--compat", "sglang", "--served-model", served, "--data-dir", str(tmp_path / "emu"))
    with emulator_process("sora_studio.emulator", *args, "--render-threads") as (port, banner):
        assert f"http://127.0.0.1:{port}/v1" in banner and "imitating sglang" in banner, banner
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/v1/models", timeout=10) as answer:  # no key needed
            models = json.load(answer)
        assert models["data"][0]["id"] == served
        body = json.dumps({"prompt": "a windmill", "size": "320x180", "seconds": 1}).encode()
        create = urllib.request.Request(
            f"{base}/v1/videos", body, {"content-type": "application/json"}
        )
        with urllib.request.urlopen(create, timeout=10) as answer:
            video = json.load(answer)
        deadline = time.monotonic() + 60
        while video["status"] != "completed":
            assert time.monotonic() < deadline, video
            time.sleep(0.1)
            with urllib.request.urlopen(f"{base}/v1/videos/{video['id']}", timeout=10) as answer:
                video = json.load(answer)
        with urllib.request.urlopen(f"{base}/_emulator/stats", timeout=10) as answer:
            assert json.load(answer)["compat"]["mode"] == "sglang"


def test_mode_is_fixed_for_the_run(tmp_path: Path) -> None:
    server = start(tmp_path / "emu", "dynamo")
    try:
        admin = http(server)
        root = str(server.base_url).removesuffix("/v1")
        refused = admin.post(f"{root}/_emulator/settings", json={"compat": "sglang"})
        assert refused.status_code == 400  # admin routes keep the emulator's own error shape
        assert refused.json()["error"]["code"] == "invalid_setting"
        same = admin.post(f"{root}/_emulator/settings", json={"compat": "dynamo", "latency_ms": 1})
        assert same.status_code == 200 and same.json()["latency_ms"] == 1
        assert admin.get(f"{root}/_emulator/settings").json()["compat"] == "dynamo"
    finally:
        server.stop()


def test_default_stays_the_official_contract(tmp_path: Path) -> None:
    server = start(tmp_path / "emu", "openai")
    try:
        assert server.stats()["compat"] == {"mode": "openai"}
        request = urllib.request.Request(f"{server.base_url}/videos/video_missing")
        with pytest.raises(urllib.error.HTTPError) as info:  # the official key check and envelope
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 401
        assert json.loads(info.value.read())["error"]["code"] == "missing_api_key"
    finally:
        server.stop()
