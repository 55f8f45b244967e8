"""The desk's headless commands through a real LiteLLM proxy in front of the built-in emulator.

This is the set-up the README suggests to a new user, run the way they would run it: a provider
profile added with ``sora-studio providers add --preset litellm``, then ``render``, ``remix``,
``edit``, ``extend``, ``retry``, ``delete`` and, after a ``render`` killed with SIGKILL
mid-job, ``sync``. Every command is a real subprocess; every request crosses the real proxy.
Each Ready job must have a video that decodes, a real image thumbnail and a spritesheet in the
documented layout (the proxy answers both previews with the MP4, so the desk makes them).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from sora_studio.core.spritesheet import layout_for_video
from sora_studio.media.probe import probe_video, verify_video
from tests.providers.litellm_proxy import LiteLLMProxy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "a paper lantern drifting over a dark lake"
KEY_VARIABLE = "GATEWAY_KEY"


def _cli(data: Path, proxy: LiteLLMProxy, *argv: str, timeout: float = 180) -> Any:
    env = {**os.environ, KEY_VARIABLE: proxy.master_key}
    for leak in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(leak, None)
    return subprocess.run(
        [sys.executable, "-m", "sora_studio", *argv, "--data-dir", str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _ok(result: Any) -> list[dict[str, Any]]:
    """The jobs a command printed with --json (one object or a list), after a zero exit."""
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    out = result.stdout.strip()
    data = json.loads(out) if out.startswith(("{", "[")) else []
    return data if isinstance(data, list) else [data]


def _jobs(data: Path) -> dict[int, dict[str, Any]]:
    with sqlite3.connect(data / "studio.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY id")}


def _assets(data: Path, job_id: int) -> dict[str, str]:
    with sqlite3.connect(data / "studio.sqlite3") as db:
        rows = db.execute("SELECT variant, path FROM assets WHERE job_id = ?", [job_id])
        return {variant: path for variant, path in rows}


def _assert_ready_with_files(data: Path, job_id: int) -> None:
    job = _jobs(data)[job_id]
    assert job["status"] == "ready", (job["status"], job["error_class"], job["error_message"])
    assets = _assets(data, job_id)
    assert set(assets) == {"video", "thumbnail", "spritesheet"}
    width, height = (int(n) for n in job["size"].split("x"))
    verify_video(assets["video"], width=width, height=height, duration_s=job["seconds"])
    with Image.open(assets["thumbnail"]) as thumb:
        assert thumb.format == "WEBP"  # an image, not the MP4 the proxy answered
    info = probe_video(assets["video"])
    layout = layout_for_video(info.width, info.height)
    with Image.open(assets["spritesheet"]) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.size == layout.sheet_size


def _emulator_creates(proxy: LiteLLMProxy) -> int:
    stats = httpx.get(f"{proxy.emulator_root}/_emulator/stats", timeout=10).json()
    return int(stats["requests"].get("POST /v1/videos", 0))


@pytest.fixture
def library(tmp_path: Path, proxy: LiteLLMProxy) -> Path:
    """A fresh library whose default provider is the LiteLLM proxy, added as a user would."""
    data = tmp_path / "desk"
    _ok(
        _cli(
            data,
            proxy,
            "providers",
            "add",
            "gateway",
            "--preset",
            "litellm",
            "--base-url",
            proxy.base_url,
            "--key-env",
            KEY_VARIABLE,
            "--default",
        )
    )
    return data


def test_render_variants_and_every_routed_operation_end_ready(
    library: Path, proxy: LiteLLMProxy
) -> None:
    (first,) = _ok(_cli(library, proxy, "render", PROMPT, "--wait", "--json"))
    _assert_ready_with_files(library, first["job_id"])
    takes = _ok(_cli(library, proxy, "render", PROMPT, "--variants", "3", "--wait", "--json"))
    assert len(takes) == 3
    for job in takes:
        _assert_ready_with_files(library, job["job_id"])
    source = str(first["job_id"])
    remixed = _ok(_cli(library, proxy, "remix", source, "the lantern at dawn", "--wait", "--json"))
    edited = _ok(_cli(library, proxy, "edit", source, "make the lantern red", "--wait", "--json"))
    extended = _ok(
        _cli(
            library,
            proxy,
            "extend",
            source,
            "it drifts ashore",
            "--seconds",
            "4",
            "--wait",
            "--json",
        )
    )
    for (child,) in (remixed, edited, extended):
        _assert_ready_with_files(library, child["job_id"])
    jobs = _jobs(library)
    assert jobs[extended[0]["job_id"]]["seconds"] == jobs[first["job_id"]]["seconds"] + 4
    # Ids are the proxy's opaque ones, stored verbatim with the address they belong to.
    assert all(j["remote_id"].startswith("video_") for j in jobs.values())
    assert {j["base_url"] for j in jobs.values()} == {proxy.base_url}


def test_retry_after_a_failed_render_and_delete_without_remote_delete(
    library: Path, proxy: LiteLLMProxy
) -> None:
    proxy.faults(failure_rate=1.0)
    failed = _cli(library, proxy, "render", PROMPT, "--wait", "--json")
    assert failed.returncode == 1, failed.stderr
    job = json.loads(failed.stdout)
    job = job[0] if isinstance(job, list) else job
    assert job["status"] == "failed"
    proxy.faults(failure_rate=0.0)
    (child,) = _ok(_cli(library, proxy, "retry", str(job["job_id"]), "--wait", "--json"))
    _assert_ready_with_files(library, child["job_id"])
    deleted = _cli(library, proxy, "delete", str(child["job_id"]))
    assert deleted.returncode == 0, deleted.stderr
    assert "stays there until it expires" in deleted.stdout
    assert _jobs(library)[child["job_id"]]["status"] == "deleted"


def test_a_render_killed_mid_job_is_finished_by_sync_without_a_second_render(
    library: Path, proxy: LiteLLMProxy
) -> None:
    proxy.faults(min_job_seconds=6.0)
    before = _emulator_creates(proxy)
    env = {**os.environ, KEY_VARIABLE: proxy.master_key}
    render = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sora_studio",
            "render",
            PROMPT,
            "--variants",
            "3",
            "--wait",
            "--data-dir",
            str(library),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jobs = _jobs(library) if (library / "studio.sqlite3").exists() else {}
            if jobs and all(j["remote_id"] for j in jobs.values()):
                break
            assert render.poll() is None, render.communicate()
            time.sleep(0.1)
        else:
            raise AssertionError("the render command never sent its jobs")
    finally:
        render.send_signal(signal.SIGKILL)
        render.wait(timeout=30)
    sent = _emulator_creates(proxy) - before
    synced = _cli(library, proxy, "sync", "--timeout", "240", "--json")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    for job_id in _jobs(library):
        _assert_ready_with_files(library, job_id)
    assert _emulator_creates(proxy) - before == sent == 3  # nothing rendered twice
