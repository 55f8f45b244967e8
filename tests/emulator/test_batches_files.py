"""/v1/files and /v1/batches for /v1/videos, through client.files.* and client.batches.*."""

from __future__ import annotations

import json
import re
import time

import openai
import pytest

from sora_studio.emulator.server import EmulatorServer


def client_for(server: EmulatorServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=30)


def jsonl(*lines: dict[str, object]) -> bytes:
    return ("\n".join(json.dumps(line) for line in lines) + "\n").encode()


def wait_for_batch(client: openai.OpenAI, batch_id: str) -> openai.types.Batch:
    deadline = time.monotonic() + 30
    while True:
        batch = client.batches.retrieve(batch_id)
        if batch.status in ("completed", "failed", "cancelled", "expired"):
            return batch
        assert time.monotonic() < deadline, batch.status
        time.sleep(0.05)


def test_files_round_trip(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    created = client.files.create(file=("notes.jsonl", b'{"a": 1}\n'), purpose="batch")
    assert re.fullmatch(r"file-[0-9a-f]+", created.id)
    assert (created.bytes, created.filename, created.purpose) == (9, "notes.jsonl", "batch")
    assert client.files.retrieve(created.id).id == created.id
    assert [f.id for f in client.files.list()] == [created.id]
    assert client.files.list(purpose="vision").data == []
    assert client.files.content(created.id).content == b'{"a": 1}\n'
    assert client.files.delete(created.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(created.id)
    with pytest.raises(openai.BadRequestError):
        client.files.create(file=("x.txt", b"x"), purpose="nonsense")  # type: ignore[arg-type]


def test_jsonl_batch_completes(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    body = {"model": "sora-2", "size": "720x1280", "seconds": "4"}
    source = client.files.create(
        file=(
            "batch.jsonl",
            jsonl(
                {
                    "custom_id": "ok",
                    "method": "POST",
                    "url": "/v1/videos",
                    "body": {**body, "prompt": "a paper crane unfolds"},
                },
                {
                    "custom_id": "bad",
                    "method": "POST",
                    "url": "/v1/videos",
                    "body": {**body, "prompt": "a crane", "seconds": "7"},
                },
            ),
        ),
        purpose="batch",
    )
    batch = client.batches.create(
        input_file_id=source.id,
        endpoint="/v1/videos",
        completion_window="24h",
        metadata={"project": "cranes"},
    )
    assert re.fullmatch(r"batch_[0-9a-f]+", batch.id)
    assert batch.status == "validating" and batch.metadata == {"project": "cranes"}
    done = wait_for_batch(client, batch.id)
    assert done.status == "completed"
    assert done.request_counts is not None
    assert (done.request_counts.total, done.request_counts.completed) == (2, 1)
    assert done.request_counts.failed == 1
    assert done.in_progress_at and done.finalizing_at and done.completed_at
    assert done.output_file_id and done.error_file_id

    output = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
    assert [line["custom_id"] for line in output] == ["ok"]
    video = output[0]["response"]["body"]
    assert output[0]["response"]["status_code"] == 200 and video["status"] == "completed"
    assert client.videos.download_content(video["id"], variant="thumbnail").content

    errors = [json.loads(x) for x in client.files.content(done.error_file_id).text.splitlines()]
    assert errors[0]["custom_id"] == "bad"
    assert errors[0]["response"]["status_code"] == 400
    assert errors[0]["response"]["body"]["error"]["param"] == "seconds"
    assert [b.id for b in client.batches.list()] == [batch.id]


def test_bad_batches(emulator: EmulatorServer) -> None:
    client = client_for(emulator)
    mixed = client.files.create(
        file=(
            "mixed.jsonl",
            jsonl(
                {
                    "custom_id": "a",
                    "method": "POST",
                    "url": "/v1/videos",
                    "body": {"prompt": "a", "model": "sora-2"},
                },
                {
                    "custom_id": "b",
                    "method": "POST",
                    "url": "/v1/videos/edits",
                    "body": {"prompt": "b", "model": "sora-2-pro"},
                },
            ),
        ),
        purpose="batch",
    )
    failed = wait_for_batch(
        client,
        client.batches.create(
            input_file_id=mixed.id, endpoint="/v1/videos", completion_window="24h"
        ).id,
    )
    assert failed.status == "failed" and failed.errors is not None
    codes = {e.code for e in failed.errors.data or []}
    assert {"mixed_models", "invalid_url"} <= codes

    with pytest.raises(openai.BadRequestError) as info:
        client.batches.create(
            input_file_id=mixed.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert info.value.param == "endpoint"
    with pytest.raises(openai.NotFoundError):
        client.batches.create(
            input_file_id="file-missing", endpoint="/v1/videos", completion_window="24h"
        )


def test_cancel_a_batch(emulator: EmulatorServer) -> None:
    emulator.settings.min_job_seconds = 60  # nothing finishes before the cancel
    emulator.settings.concurrency = 1
    client = client_for(emulator)
    lines = [
        {"custom_id": str(n), "method": "POST", "url": "/v1/videos", "body": {"prompt": f"a {n}"}}
        for n in range(2)
    ]
    source = client.files.create(file=("b.jsonl", jsonl(*lines)), purpose="batch")
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/videos", completion_window="24h"
    )
    deadline = time.monotonic() + 10
    while client.batches.retrieve(batch.id).status == "validating":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cancelling = client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling"
    emulator.settings.min_job_seconds = 0  # let the one already rendering finish
    done = wait_for_batch(client, batch.id)
    assert done.status == "cancelled" and done.cancelled_at
    with pytest.raises(openai.ConflictError):
        client.batches.cancel(batch.id)
