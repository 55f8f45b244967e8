"""Signed webhook deliveries (Standard Webhooks, the scheme ``client.webhooks.unwrap`` checks).

Events are queued by the job runner and the batch manager and POSTed from one background thread,
so a slow or dead receiver never holds up a render or an HTTP response. Each delivery has an
explicit timeout and is retried a few times with exponential backoff.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sora_studio.emulator.state import new_id

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT_S = 5.0
RETRY_DELAYS_S = (0.25, 1.0, 4.0)  # after the first try; so four tries in all


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64-decoded rest of a ``whsec_`` secret, else the secret's bytes."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_") :])
    return secret.encode("utf-8")


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: ``v1,<base64 HMAC-SHA256 of id.ts.body>``."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class Delivery:
    url: str
    secret: str
    event: dict[str, Any]


class WebhookSender:
    """Owns the delivery thread; ``emit`` never blocks."""

    def __init__(
        self,
        targets: Callable[[], tuple[list[str], str | None]],
        *,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_S,
    ) -> None:
        self._targets = targets
        self._retry_delays = retry_delays
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.failed = 0

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="emulator-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def emit(self, event_type: str, data: dict[str, Any]) -> None:
        """Queue ``event_type`` for every configured URL (nothing happens when none is set)."""
        urls, secret = self._targets()
        if not urls or not secret:
            return
        event = {
            "id": new_id("evt_", 32),
            "object": "event",
            "created_at": int(time.time()),
            "type": event_type,
            "data": data,
        }
        for url in urls:
            self._queue.put(Delivery(url=url, secret=secret, event=event))

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                continue
            if self._deliver(item):
                self.delivered += 1
            else:
                self.failed += 1

    def _deliver(self, item: Delivery) -> bool:
        body = json.dumps(item.event, separators=(",", ":")).encode("utf-8")
        for attempt in range(len(self._retry_delays) + 1):
            if attempt and self._stop.wait(self._retry_delays[attempt - 1]):
                return False
            # A fresh message id per event (not per try) lets receivers de-duplicate retries.
            timestamp = int(time.time())
            headers = {
                "content-type": "application/json",
                "user-agent": "sora-studio-emulator",
                "webhook-id": item.event["id"],
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(item.secret, item.event["id"], timestamp, body),
            }
            request = urllib.request.Request(item.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_S) as response:
                    if 200 <= response.status < 300:
                        return True
            except urllib.error.HTTPError as exc:
                log.info("webhook %s to %s answered %s", item.event["type"], item.url, exc.code)
            except (OSError, ValueError) as exc:
                log.info("webhook %s to %s failed: %s", item.event["type"], item.url, exc)
        return False
