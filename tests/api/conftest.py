"""Fixtures for the provider adapter: a tiny real loopback HTTP server that answers canned
responses (for transport-level behaviour the emulator does not produce on purpose), and an
in-memory keyring backend so key storage is tested without touching the OS key store.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sora_studio.api.provider import ProviderProfile
from sora_studio.api.videos import VideosClient
from sora_studio.core.models import RenderRequest

# Offered to the tests in this folder: a key store that lives in memory.
from tests.memory_keyring import memory_keyring as memory_keyring


@dataclass
class Canned:
    """One canned answer: ``body`` is JSON unless bytes; ``cut_at`` closes the socket early."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    cut_at: int | None = None  # send only this many body bytes, then close


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


def client_for(server: Any, preset: str = "generic", **profile_args: Any) -> VideosClient:
    """A client for a keyless gateway named "test" at ``server`` (canned or an emulator), 3 s
    timeout; ``profile_args`` are further ``ProviderProfile`` fields."""
    profile = ProviderProfile(
        "test", "gateway", server.base_url, "none", timeout_s=3.0, preset=preset, **profile_args
    )
    return VideosClient(profile)


def render_request(**changes: Any) -> RenderRequest:
    """A request for "a red kite" (sora-2, 1280x720, 8 s), with ``changes``."""
    fields: dict[str, Any] = {
        "prompt": "a red kite",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": 8,
    }
    fields.update(changes)
    return RenderRequest(**fields)


def dynamo_answer(**result: Any) -> dict[str, Any]:
    """A finished NVIDIA Dynamo video object whose one result is ``result`` (a url or b64_json)."""
    return {
        "id": "video-8c2f",
        "object": "video",
        "model": "wan-2.1-t2v-1.3b",
        "status": "completed",
        "progress": 100,
        "created": 1700000300,
        "data": [result],
        "error": None,
        "inference_time_s": 41.5,
    }


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up on purpose (cancelled or cut downloads) are not test failures.
        return


class CannedServer:
    """Answers requests from a queue of ``Canned`` (the last one repeats) and records them."""

    def __init__(self) -> None:
        self.answers: list[Canned] = []
        self.seen: list[Seen] = []
        self.route: Callable[[Seen], Canned | None] | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = Seen(self.command, self.path, headers, body)
                server.seen.append(seen)
                answer = server.route(seen) if server.route else None
                if answer is None:
                    answer = server.answers.pop(0) if len(server.answers) > 1 else server.answers[0]
                payload = (
                    answer.body
                    if isinstance(answer.body, bytes)
                    else json.dumps(answer.body).encode()
                )
                self.send_response(answer.status)
                content_type = (
                    "application/octet-stream"
                    if isinstance(answer.body, bytes)
                    else "application/json"
                )
                # A canned answer may name its own type (an HTML page, video/mp4).
                if not any(name.lower() == "content-type" for name in answer.headers):
                    self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if answer.cut_at is not None:
                    self.wfile.write(payload[: answer.cut_at])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="canned-http"
        )
        self._thread.start()

    def queue(
        self,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
        cut_at: int | None = None,
    ) -> None:
        """Add one canned answer (answers are used in order; the last one repeats)."""
        self.answers.append(Canned(status, body, dict(headers or {}), cut_at))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def canned() -> Iterator[CannedServer]:
    server = CannedServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fail_keyring() -> Iterator[None]:
    """The backend the test suite runs with: every operation raises NoKeyringError."""
    import keyring.backends.fail

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)
