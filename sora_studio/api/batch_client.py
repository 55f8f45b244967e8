"""Batch renders through the provider's Files and Batches APIs (videos-api.md §9).

A batch is one JSONL input file of ``POST /v1/videos`` JSON bodies, all for one model, uploaded
with ``purpose="batch"``; the batch's output file holds one result line per request. Only this
module and ``api.videos`` talk to the SDK; callers get ``RemoteBatch`` / ``BatchResult`` and
``ProviderError``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

import openai

from sora_studio.api.provider import ProviderProfile
from sora_studio.api.remote import (
    BatchResult,
    RemoteBatch,
    batch_from_mapping,
    video_from_mapping,
)
from sora_studio.api.request_bodies import image_data_url
from sora_studio.api.sdk import open_sdk_client, run_sdk_call
from sora_studio.core.closing import Closing
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import ErrorClass, Operation, RenderRequest

T = TypeVar("T")

BATCH_ENDPOINT: Final = "/v1/videos"
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 200 * 1024 * 1024
MAX_IMAGE_URL_CHARS = 20_971_520


def build_batch_jsonl(requests: Sequence[tuple[str, RenderRequest]]) -> bytes:
    """The batch input file: one ``{"custom_id", "method", "url", "body"}`` line per request.

    Bodies are JSON (batches take no multipart), so a local reference image rides inline as a
    ``data:`` URL. Raises ``UserError`` for what a batch cannot hold: several models, remix/edit/
    extend requests, duplicate or empty custom IDs, or more than 50 000 requests / 200 MB.
    """
    if not requests:
        raise UserError("a batch needs at least one request")
    if len(requests) > MAX_BATCH_REQUESTS:
        raise UserError(
            f"a batch holds at most {MAX_BATCH_REQUESTS} requests, got {len(requests)}; "
            "split it into several batches"
        )
    models = sorted({request.model for _, request in requests})
    if len(models) > 1:
        raise UserError(
            f"a batch file can hold one model only, got {', '.join(models)}; "
            "split the requests into one batch per model"
        )
    seen: set[str] = set()
    lines: list[bytes] = []
    for custom_id, request in requests:
        if not custom_id:
            raise UserError("every batch request needs a custom ID")
        if custom_id in seen:
            raise UserError(f"custom ID {custom_id!r} appears twice in the batch")
        seen.add(custom_id)
        if request.operation is not Operation.CREATE:
            raise UserError(
                f"{custom_id}: batches only create new videos; send the "
                f"{request.operation.value} on its own"
            )
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "model": request.model,
            "size": request.size,
            "seconds": str(request.seconds),
        }
        if request.reference is not None and request.reference.path:
            path = Path(request.reference.path)
            try:
                url = image_data_url(path)
            except OSError as exc:
                raise UserError(
                    f"{custom_id}: cannot read the reference image {path}: {exc}"
                ) from exc
            if len(url) > MAX_IMAGE_URL_CHARS:
                raise UserError(f"{custom_id}: the reference image {path} is too large for a batch")
            body["input_reference"] = {"image_url": url}
        if request.characters:
            body["characters"] = [{"id": c.remote_id} for c in request.characters]
        line = {"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT, "body": body}
        lines.append(json.dumps(line, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    data = b"\n".join(lines) + b"\n"
    if len(data) > MAX_BATCH_BYTES:
        raise UserError("the batch file is larger than 200 MB; split it into several batches")
    return data


def parse_batch_output(data: bytes) -> list[BatchResult]:
    """Read a batch output or error file (JSONL); blank lines are skipped, bad lines reported."""
    results: list[BatchResult] = []
    for number, raw_line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not raw_line.strip():
            continue
        try:
            line = json.loads(raw_line)
            custom_id = str(line["custom_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                ErrorClass.INTERNAL, f"batch output line {number} is not a result line: {exc}"
            ) from exc
        response = line.get("response") or {}
        error = line.get("error") or {}
        status_code = response.get("status_code")
        body = response.get("body") or {}
        video = None
        if isinstance(status_code, int) and status_code < 300 and "id" in body:
            video = video_from_mapping(body)
        elif isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
            error = body["error"]
        results.append(
            BatchResult(
                custom_id=custom_id,
                status_code=status_code if isinstance(status_code, int) else None,
                video=video,
                error_code=error.get("code") if isinstance(error, Mapping) else None,
                error_message=error.get("message") if isinstance(error, Mapping) else None,
            )
        )
    return results


class BatchClient(Closing):
    """Files + Batches calls for one provider. Use as a context manager or ``close()``."""

    def __init__(
        self,
        profile: ProviderProfile,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        sdk: openai.OpenAI | None = None,
    ) -> None:
        """``sdk`` shares an existing client (``VideosClient.sdk``); it is then not closed here."""
        self.profile = profile
        self.base_url = base_url or profile.base_url
        self._owns_sdk = sdk is None
        self._sdk = sdk or open_sdk_client(profile, base_url=base_url, api_key=api_key)

    def close(self) -> None:
        if self._owns_sdk:
            self._sdk.close()

    def _call(self, fn: Callable[[], T]) -> T:
        return run_sdk_call(fn, base_url=self.base_url)

    def upload_batch_file(self, jsonl_bytes: bytes, *, filename: str = "batch.jsonl") -> str:
        """Upload the input file (``purpose="batch"``); returns its file ID."""
        if not jsonl_bytes.strip():
            raise UserError("the batch file is empty")
        upload = (filename, jsonl_bytes, "application/jsonl")
        return self._call(lambda: self._sdk.files.create(file=upload, purpose="batch").id)

    def create_batch(
        self, file_id: str, *, metadata: Mapping[str, str] | None = None
    ) -> RemoteBatch:
        """Start a 24 h batch of ``POST /v1/videos`` requests from an uploaded file."""
        meta: Any = dict(metadata) if metadata else openai.omit

        def send() -> RemoteBatch:
            batch = self._sdk.batches.create(
                completion_window="24h",
                endpoint=BATCH_ENDPOINT,
                input_file_id=file_id,
                metadata=meta,
            )
            return batch_from_mapping(batch.to_dict())

        return self._call(send)

    def retrieve_batch(self, batch_id: str) -> RemoteBatch:
        if not batch_id:
            raise ProviderError(ErrorClass.INVALID_REQUEST, "the batch ID is empty")
        return self._call(
            lambda: batch_from_mapping(self._sdk.batches.retrieve(batch_id).to_dict())
        )

    def cancel_batch(self, batch_id: str) -> RemoteBatch:
        if not batch_id:
            raise ProviderError(ErrorClass.INVALID_REQUEST, "the batch ID is empty")
        return self._call(lambda: batch_from_mapping(self._sdk.batches.cancel(batch_id).to_dict()))

    def download_file(self, file_id: str) -> bytes:
        """The whole content of a (small) provider file, e.g. a batch's output JSONL."""
        if not file_id:
            raise ProviderError(ErrorClass.INVALID_REQUEST, "the file ID is empty")
        return self._call(lambda: self._sdk.files.content(file_id).read())
