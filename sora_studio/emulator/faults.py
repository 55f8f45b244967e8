"""Fault settings and their injection: latency, 429 bursts, 5xx, failed and blocked jobs, cut and
slow downloads, plus the sliding-window request-per-minute limit.

``EmulatorSettings`` is a plain mutable dataclass so the CLI, the admin endpoint
(``/_emulator/settings``) and tests can all change it while the server runs. ``FaultInjector``
makes every random decision from one seeded generator, so a test that sets ``seed`` sees the same
faults on every run.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class EmulatorSettings:
    """Everything about the emulator's behaviour that can be changed at runtime."""

    min_job_seconds: float = 0.0  # renders take at least this long; progress is spread over it
    latency_ms: int = 0  # added before every /v1 response
    failure_rate: float = 0.0  # share of jobs that fail with code "internal_error"
    block_rate: float = 0.0  # share of jobs refused with code "moderation_blocked"
    rate_limit_every: int = 0  # with a burst: every Nth request opens a burst of 429s
    rate_limit_burst: int = 0  # 429s per burst; alone, the next N requests get 429 once
    rate_limit_retry_after_ms: int = 200  # sent as retry-after-ms on injected 429s
    error_rate: float = 0.0  # share of /v1 requests answered with a 500
    cut_download_rate: float = 0.0  # share of content downloads cut off half-way
    slow_download_kbps: float = 0.0  # throttle content downloads to this many kilobits/s (0 = off)
    expiry_seconds: int = 86400  # assets expire this long after completion
    rpm_limit: int = 10000  # requests per minute, a real sliding window
    poll_after_ms: int = 250  # the openai-poll-after-ms header on retrieve
    concurrency: int = 2  # render workers (read at start)
    render_in_processes: bool = True  # render in worker processes, not threads (read at start)
    seed: int | None = None  # makes every random fault decision repeatable
    webhook_urls: list[str] = field(default_factory=list)
    webhook_secret: str | None = None  # "whsec_<base64>" signs deliveries (Standard Webhooks)
    # Compatibility modes (``emulator.compat``): which real server to imitate, read at start.
    compat: str = "openai"  # openai | litellm | sglang | vllm-omni | dynamo
    served_model: str | None = None  # the one model an SGLang/vLLM-Omni/Dynamo server loaded
    file_ttl_s: float = 0.0  # vllm-omni: the TTL sweeper deletes finished files (0 = off)
    cancel_delay_s: float = 0.0  # vllm-omni: how long cancelling a running job takes
    media_url: str = "file"  # dynamo: data[0].url as file:// (the media folder) or http (served)

    def __post_init__(self) -> None:
        # The mode picks the whole route table at start, so a bad name must fail here, not later.
        for key in ("compat", "media_url", "served_model"):
            _coerce(key, getattr(self, key), None, None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> list[str]:
        """Apply ``changes`` in place after checking every key and type; returns the keys changed.

        Raises ``ValueError`` naming the first bad key or value, and then changes nothing.
        """
        known = {f.name: f for f in fields(self)}
        checked: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}; known settings: {', '.join(known)}")
            checked[key] = _coerce(key, value, getattr(self, key), known[key].type)
        for key, value in checked.items():
            setattr(self, key, value)
        return list(checked)


COMPAT_MODES = ("openai", "litellm", "sglang", "vllm-omni", "dynamo")
MEDIA_URL_FORMS = ("file", "http")


def _coerce(key: str, value: Any, current: Any, declared: Any) -> Any:
    text = str(declared)
    if key == "compat":
        if value not in COMPAT_MODES:
            raise ValueError(f"compat must be one of {', '.join(COMPAT_MODES)}, got {value!r}")
        return value
    if key == "media_url":
        if value not in MEDIA_URL_FORMS:
            raise ValueError(f"media_url must be 'file' or 'http', got {value!r}")
        return value
    if key == "served_model":
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError("served_model must be a non-empty model name or null")
        return value
    if key == "webhook_urls":
        if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
            raise ValueError("webhook_urls must be a list of URL strings")
        return list(value)
    if key in ("webhook_secret", "seed"):
        if value is None:
            return None
        if key == "seed":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("seed must be an integer or null")
            return value
        if not isinstance(value, str) or not value.startswith("whsec_"):
            raise ValueError("webhook_secret must be a string starting with 'whsec_'")
        return value
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number, got {value!r}")
    if value < 0:
        raise ValueError(f"{key} must not be negative, got {value!r}")
    if key.endswith("_rate") and value > 1:
        raise ValueError(f"{key} is a probability between 0 and 1, got {value!r}")
    if isinstance(current, int) and "float" not in text:
        if value != int(value):
            raise ValueError(f"{key} must be a whole number, got {value!r}")
        return int(value)
    return float(value)


class RateWindow:
    """A sliding one-minute window of request times: a real requests-per-minute counter."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def peek(self, limit: int, now: float | None = None) -> tuple[int, float]:
        """(remaining, seconds to reset) without counting a request."""
        now = time.monotonic() if now is None else now
        with self._lock:
            live = [t for t in self._times if t > now - 60.0]
            reset = (live[0] + 60.0 - now) if live else 0.0
            return max(0, limit - len(live)), max(0.0, reset)

    def hit(self, limit: int, now: float | None = None) -> tuple[bool, int, float]:
        """Count a request if under ``limit``; returns (allowed, remaining, seconds to reset)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._times and self._times[0] <= now - 60.0:
                self._times.popleft()
            allowed = len(self._times) < limit
            if allowed:
                self._times.append(now)
            remaining = max(0, limit - len(self._times))
            reset = (self._times[0] + 60.0 - now) if self._times else 0.0
            return allowed, remaining, max(0.0, reset)


class FaultInjector:
    """Decides, request by request and job by job, which configured fault happens."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._seed = settings.seed
        self._random = random.Random(settings.seed)
        self._counted = 0  # requests seen since the burst settings last changed
        self._burst_key: tuple[int, int] = (settings.rate_limit_every, settings.rate_limit_burst)
        self.window = RateWindow()

    def _roll(self, rate: float) -> bool:
        with self._lock:
            if self.settings.seed != self._seed:
                self._seed = self.settings.seed
                self._random = random.Random(self._seed)
            if rate <= 0:
                return False
            return self._random.random() < rate

    def reset(self) -> None:
        """Forget burst counting and reseed; used when settings change."""
        with self._lock:
            self._seed = self.settings.seed
            self._random = random.Random(self._seed)
            self._counted = 0

    def burst_429(self) -> bool:
        """True when this request falls inside a configured 429 burst."""
        every, burst = self.settings.rate_limit_every, self.settings.rate_limit_burst
        with self._lock:
            if (every, burst) != self._burst_key:
                self._burst_key = (every, burst)
                self._counted = 0
            if every <= 0 and burst <= 0:
                return False
            self._counted += 1
            if every <= 0:  # a one-off burst: the next `burst` requests
                return self._counted <= burst
            return (self._counted - 1) % every < max(1, burst)

    def server_error(self) -> bool:
        return self._roll(self.settings.error_rate)

    def job_fails(self) -> bool:
        return self._roll(self.settings.failure_rate)

    def job_blocked(self) -> bool:
        return self._roll(self.settings.block_rate)

    def cut_download(self) -> bool:
        return self._roll(self.settings.cut_download_rate)
