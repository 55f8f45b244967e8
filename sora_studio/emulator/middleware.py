"""Observability and request-level faults for every HTTP request, as one ASGI middleware.

For ``/v1`` requests it checks the bearer key (401), applies the sliding-window RPM limit and the
configured 429 bursts and 5xx rate, adds latency, and stamps the usual OpenAI headers
(``x-request-id``, ``openai-processing-ms``, ``openai-version``, ``x-ratelimit-*``) on the response.
Requests are counted per route template and method (``GET /v1/videos/{video_id}``) for
``/_emulator/stats``.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sora_studio.emulator.errors import ApiError
from sora_studio.emulator.faults import FaultInjector

OPENAI_VERSION = "2020-10-01"


class RequestStats:
    """Request counts per route template and per response status; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.responses: Counter[str] = Counter()

    def record_request(self, key: str) -> None:
        with self._lock:
            self.requests[key] += 1

    def record_response(self, status: int) -> None:
        with self._lock:
            self.responses[str(status)] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(sorted(self.requests.items())),
                "total": sum(self.requests.values()),
                "responses": dict(sorted(self.responses.items())),
            }

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.responses.clear()


def _duration(seconds: float) -> str:
    """A reset time the way OpenAI writes it: ``12ms`` or ``6s``."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    return f"{math.ceil(seconds)}s"


def route_template(router: Router, scope: Scope) -> str:
    """The path pattern that serves ``scope`` (e.g. ``/v1/videos/{video_id}``), else the path."""
    fallback = str(scope["path"])
    for route in router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", fallback))
        if match is Match.PARTIAL and fallback == scope["path"]:
            fallback = str(getattr(route, "path", fallback))
    return fallback


class EmulatorMiddleware:
    """Pure ASGI middleware, so streamed downloads pass through untouched.

    A compatibility mode (``emulator.compat``) passes ``shape_error`` so injected 401/429/5xx
    answers come in its server's error shape, ``requires_key=False`` for servers that run
    without API keys, ``openai_headers=False`` for servers that send no ``openai-*`` headers, and
    ``inject_faults=False`` when it injects 429 bursts and 5xx itself (a proxy meets them
    upstream, where it retries).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        router: Router,
        faults: FaultInjector,
        stats: RequestStats,
        shape_error: Callable[[ApiError], Response] | None = None,
        requires_key: bool = True,
        openai_headers: bool = True,
        inject_faults: bool = True,
        api_prefixes: tuple[str, ...] = ("/v1",),
    ) -> None:
        self.app = app
        self.router = router
        self.faults = faults
        self.stats = stats
        self.shape_error = shape_error or ApiError.response
        self.requires_key = requires_key
        self.openai_headers = openai_headers
        self.inject_faults = inject_faults
        self.api_prefixes = api_prefixes  # the paths that need a key, count and get faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = str(scope["path"])
        is_api = any(path == p or path.startswith(p + "/") for p in self.api_prefixes)
        settings = self.faults.settings
        headers: list[tuple[bytes, bytes]] = []
        if self.openai_headers:
            headers += [
                (b"x-request-id", ("req_" + secrets.token_hex(16)).encode()),
                (b"openai-version", OPENAI_VERSION.encode()),
                (b"openai-organization", b"sora-studio-emulator"),
            ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                if not any(name == b"x-ratelimit-limit-requests" for name, _ in headers):
                    headers.extend(self._limit_headers())
                elapsed = round((time.perf_counter() - started) * 1000)
                timing = [(b"openai-processing-ms", str(elapsed).encode())]
                message["headers"] = [
                    *message.get("headers", []),
                    *headers,
                    *(timing if self.openai_headers else []),
                ]
                if is_api:
                    self.stats.record_response(int(message["status"]))
            await send(message)

        if not is_api:
            await self.app(scope, receive, send_with_headers)
            return

        self.stats.record_request(f"{scope['method']} {route_template(self.router, scope)}")
        refusal = self._refusal(scope, headers)
        if refusal is None and settings.latency_ms > 0:
            await asyncio.sleep(settings.latency_ms / 1000)
        if refusal is not None:
            await self.shape_error(refusal)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _limit_headers(self) -> list[tuple[bytes, bytes]]:
        """Rate-limit headers for responses that did not count against the window."""
        limit = max(1, int(self.faults.settings.rpm_limit))
        remaining, reset = self.faults.window.peek(limit)
        return _rate_headers(limit, remaining, reset)

    def _refusal(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> ApiError | None:
        """The auth, rate-limit or injected error for this request, if any."""
        settings = self.faults.settings
        auth = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        scheme, _, key = auth.partition(" ")
        if self.requires_key and (scheme.lower() != "bearer" or not key.strip()):
            return ApiError(
                401,
                "You didn't provide an API key. Send it in an Authorization header as "
                "'Bearer YOUR_KEY' (the emulator accepts any non-empty key).",
                param=None,
                code="missing_api_key" if not auth else "invalid_api_key",
            )
        limit = max(1, int(settings.rpm_limit))
        allowed, remaining, reset = self.faults.window.hit(limit)
        headers += _rate_headers(limit, remaining, reset)
        if not allowed:
            wait_ms = max(1, math.ceil(reset * 1000))
            return _rate_limited(
                f"Rate limit reached: {limit} requests per minute. Try again in {wait_ms} ms.",
                wait_ms,
            )
        if self.inject_faults:
            return injected_fault(self.faults)
        return None


def injected_fault(faults: FaultInjector) -> ApiError | None:
    """The 429 burst or 5xx ``faults`` decide on for this request, if any."""
    if faults.burst_429():
        wait_ms = int(faults.settings.rate_limit_retry_after_ms)
        return _rate_limited(
            f"Rate limit reached (the emulator's simulated 429 burst). Try again in {wait_ms} ms.",
            wait_ms,
        )
    if faults.server_error():
        return ApiError(
            500,
            "The server had an error while processing your request (the emulator's "
            "simulated error_rate). Retry the request.",
            type="server_error",
            code="internal_server_error",
        )
    return None


def _rate_headers(limit: int, remaining: int, reset: float) -> list[tuple[bytes, bytes]]:
    return [
        (b"x-ratelimit-limit-requests", str(limit).encode()),
        (b"x-ratelimit-remaining-requests", str(remaining).encode()),
        (b"x-ratelimit-reset-requests", _duration(reset).encode()),
    ]


def _rate_limited(message: str, wait_ms: int) -> ApiError:
    return ApiError(
        429,
        message,
        type="requests",
        code="rate_limit_exceeded",
        headers={"retry-after-ms": str(wait_ms), "retry-after": str(math.ceil(wait_ms / 1000))},
    )
