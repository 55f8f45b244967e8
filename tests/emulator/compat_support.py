"""Helpers shared by the ``test_compat_*`` files: start an emulator in a compatibility mode and
wait on its jobs through plain HTTP (the modes are other servers, not the official contract)."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.server import EmulatorServer
from sora_studio.media.probe import VideoInfo, verify_video


def start(data_dir: Path, mode: str, port: int = 0, **settings: Any) -> EmulatorServer:
    """A running emulator imitating ``mode``: fast polls, renders on threads, seeded faults."""
    values: dict[str, Any] = {"poll_after_ms": 20, "seed": 7, "render_in_processes": False}
    values.update(settings)
    server = EmulatorServer(data_dir, EmulatorSettings(**values), port=port, compat=mode)
    server.start()
    return server


def http(server: EmulatorServer, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=60)


def poll(
    fetch: Callable[[], dict[str, Any]],
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 30.0,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Call ``fetch`` until ``done`` says so; returns the last answer and every one seen."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        answer = fetch()
        seen.append(answer)
        if done(answer):
            return answer, seen
        assert time.monotonic() < deadline, f"still waiting after {timeout} s: {answer}"
        time.sleep(0.05)


def decodes(data: bytes, path: Path, width: int, height: int, seconds: float) -> VideoInfo:
    """Write ``data`` to ``path`` and check it is a real MP4 of that size and length."""
    path.write_bytes(data)
    return verify_video(path, width=width, height=height, duration_s=seconds)


def png_data_url(width: int = 64, height: int = 36) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
