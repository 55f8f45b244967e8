"""Signed webhooks (verified with the SDK's unwrap) and /v1/moderations."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest

from sora_studio.emulator.server import EmulatorServer
from sora_studio.emulator.webhooks import sign

SECRET = "whsec_" + base64.b64encode(b"emulator-test-secret-0123456789").decode()


class Receiver:
    """A tiny loopback HTTP server that keeps what it is sent; fails the first N tries."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.fail_left = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if outer.fail_left > 0:
                    outer.fail_left -= 1
                    self.send_response(503)
                else:
                    outer.received.append((body, dict(self.headers.items())))
                    self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(self, count: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"got {len(self.received)} of {count} webhooks"
            time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver(fail_first=1)
    hook.thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()
    hook.thread.join(5)


def test_video_webhooks_are_signed_and_retried(
    emulator: EmulatorServer, receiver: Receiver
) -> None:
    emulator.settings.webhook_urls = [receiver.url]
    emulator.settings.webhook_secret = SECRET
    client = openai.OpenAI(
        base_url=emulator.base_url, api_key="test", max_retries=0, webhook_secret=SECRET
    )
    done = client.videos.create_and_poll(prompt="a leaf falls", size="720x1280")
    emulator.settings.failure_rate = 1.0
    failed = client.videos.create_and_poll(prompt="a leaf rises", size="720x1280")
    receiver.wait_for(2)  # the first try of the first event got a 503 and was retried

    events = {}
    for body, headers in receiver.received:
        event = client.webhooks.unwrap(body, headers)
        events[event.type] = event
    assert events["video.completed"].data.id == done.id
    assert events["video.failed"].data.id == failed.id
    body, headers = receiver.received[0]
    with pytest.raises(openai.InvalidWebhookSignatureError):
        client.webhooks.unwrap(body + b" ", headers)
    assert emulator.stats()["webhooks"]["delivered"] == 2

    # A batch whose only line is refused finishes without a render and says so by webhook.
    line = {"custom_id": "x", "method": "POST", "url": "/v1/videos", "body": {"prompt": "a"}}
    line["body"]["seconds"] = "7"
    source = client.files.create(file=("b.jsonl", json.dumps(line).encode()), purpose="batch")
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/videos", completion_window="24h"
    )
    receiver.wait_for(3)
    event = client.webhooks.unwrap(*receiver.received[2])
    assert (event.type, event.data.id) == ("batch.completed", batch.id)


def test_signature_matches_standard_webhooks() -> None:
    secret = "whsec_" + base64.b64encode(b"key").decode()
    value = sign(secret, "msg_1", 1700000000, b'{"a":1}')
    assert value.startswith("v1,")
    client = openai.OpenAI(api_key="x", webhook_secret=secret)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": value}
    with pytest.raises(openai.InvalidWebhookSignatureError, match="too old"):
        client.webhooks.verify_signature(b'{"a":1}', headers)  # signature fine, time too old


def test_moderations(emulator: EmulatorServer) -> None:
    client = openai.OpenAI(base_url=emulator.base_url, api_key="test", max_retries=0)
    result = client.moderations.create(
        input=["a quiet forest at dawn", "graphic gore and blood everywhere"]
    )
    assert result.id.startswith("modr-") and result.model
    calm, threat = result.results
    assert calm.flagged is False
    assert threat.flagged is True
    assert threat.categories.violence_graphic is True
    assert threat.category_scores.violence_graphic >= 0.5
    assert threat.category_applied_input_types.violence == ["text"]
    assert set(calm.category_scores.model_dump(by_alias=True)) >= {"violence", "sexual/minors"}
    with pytest.raises(openai.BadRequestError):
        client.post("/moderations", body={}, cast_to=openai.types.ModerationCreateResponse)
