"""``/v1/batches`` for ``/v1/videos``: parse a JSONL input file, create one video per line, and
write the standard batch output and error files when every video has finished.

A batch moves ``validating -> in_progress -> finalizing -> completed`` (or ``failed`` when the
file is unusable, ``cancelling -> cancelled`` on request, ``expired`` past its window). One
background thread drives every batch, so creating many videos never holds an HTTP response, and
a batch interrupted by a restart carries on from where it was.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sora_studio.emulator.errors import ApiError, bad_request, not_found
from sora_studio.emulator.files import OUTPUT_PURPOSE, FileStore
from sora_studio.emulator.records import BatchLine, BatchRecord, VideoRecord
from sora_studio.emulator.state import EmulatorState, new_id, now_s, paginate
from sora_studio.emulator.videos import VideoService

ENDPOINT = "/v1/videos"
WINDOW_SECONDS = {"24h": 24 * 3600}
TERMINAL = ("completed", "failed", "expired", "cancelled")
TICK_S = 0.1


def _line_error(line: int, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


class BatchManager:
    """Creates batches and moves them along from its own thread."""

    def __init__(
        self,
        state: EmulatorState,
        files: FileStore,
        videos: VideoService,
        emit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self.state = state
        self.files = files
        self.videos = videos
        self.emit = emit
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- HTTP-facing operations -----------------------------------------------------------

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        endpoint = body.get("endpoint")
        if endpoint != ENDPOINT:
            raise bad_request(
                f"The emulator runs batches for {ENDPOINT} only, not {endpoint!r}.",
                param="endpoint",
                code="invalid_value",
            )
        window = body.get("completion_window")
        if window not in WINDOW_SECONDS:
            raise bad_request(
                f"Invalid 'completion_window': {window!r}. Use '24h'.",
                param="completion_window",
                code="invalid_value",
            )
        file_id = body.get("input_file_id")
        if not isinstance(file_id, str) or not file_id:
            raise bad_request("Missing required parameter: 'input_file_id'.", param="input_file_id")
        record = self.state.files.get(file_id)
        if record is None:
            raise not_found("file", file_id, "input_file_id")
        if record.purpose != "batch":
            raise bad_request(
                f"File {file_id} was uploaded with purpose {record.purpose!r}; batch input "
                "files need purpose 'batch'.",
                param="input_file_id",
                code="invalid_value",
            )
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise bad_request("'metadata' must be an object.", param="metadata")
        created = now_s()
        batch = BatchRecord(
            id=new_id("batch_", 32),
            endpoint=ENDPOINT,
            input_file_id=file_id,
            completion_window=window,
            created_at=created,
            expires_at=created + WINDOW_SECONDS[window],
            metadata=metadata,
        )
        stored = self.state.batches.put(batch)
        self._wake.set()
        return stored.public()

    def _get(self, batch_id: str) -> BatchRecord:
        batch = self.state.batches.get(batch_id)
        if batch is None:
            raise not_found("batch", batch_id, "batch_id")
        return batch

    def retrieve(self, batch_id: str) -> dict[str, Any]:
        return self._get(batch_id).public()

    def list(self, *, after: str | None, limit: Any) -> dict[str, Any]:
        try:
            count = 20 if limit is None else int(limit)
        except ValueError as exc:
            raise bad_request("'limit' must be a whole number.", param="limit") from exc
        if not 0 <= count <= 100:
            raise bad_request("'limit' must be from 0 to 100.", param="limit")
        return paginate(self.state.batches.all(), after=after, limit=count, order="desc")

    def cancel(self, batch_id: str) -> dict[str, Any]:
        batch = self._get(batch_id)
        if batch.status in TERMINAL:
            raise ApiError(
                409,
                f"Batch {batch_id} is already {batch.status} and cannot be cancelled.",
                param="batch_id",
                code="invalid_state",
            )
        if batch.status != "cancelling":
            updated = self.state.batches.update(
                batch_id, lambda b: replace(b, status="cancelling", cancelling_at=now_s())
            )
            batch = updated or batch
        self._wake.set()
        return batch.public()

    # -- the driver thread --------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="emulator-batches", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def notify(self) -> None:
        """A video finished: look at the batches again soon."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(TICK_S)
            self._wake.clear()
            for batch in self.state.batches.all():
                if self._stop.is_set():
                    return
                if batch.status not in TERMINAL:
                    try:
                        self._advance(batch)
                    except Exception as exc:  # a broken batch fails; the thread goes on
                        self._finish(
                            batch.id,
                            "failed",
                            errors=[_line_error(0, "internal_error", str(exc))],
                        )

    def _advance(self, batch: BatchRecord) -> None:
        batch_id = batch.id
        if batch.status == "validating":
            self._validate(batch)
            return
        if batch.status in ("in_progress", "cancelling") and not batch.created:
            self._create_videos(batch_id)
            batch = self.state.batches.get(batch_id) or batch
        if batch.status == "cancelling":
            self._cancel_queued(batch)
        videos = [self.state.videos.get(line.video_id) for line in batch.requests if line.video_id]
        still_running = [v for v in videos if v is not None and v.active]
        self._count(batch_id)
        if still_running:
            if batch.status == "in_progress" and now_s() >= batch.expires_at:
                self._write_results(batch_id)
                self._finish(batch_id, "expired")
            return
        if batch.status == "cancelling":
            self._write_results(batch_id)
            self._finish(batch_id, "cancelled")
            return
        self.state.batches.update(
            batch_id, lambda b: replace(b, status="finalizing", finalizing_at=now_s())
        )
        self._write_results(batch_id)
        self._finish(batch_id, "completed")

    def _validate(self, batch: BatchRecord) -> None:
        batch_id = batch.id
        try:
            text = self.files.path(batch.input_file_id).read_text("utf-8")
        except (ApiError, OSError, UnicodeDecodeError) as exc:
            self._finish(
                batch_id,
                "failed",
                errors=[_line_error(0, "invalid_file", f"The input file cannot be read: {exc}.")],
            )
            return
        problems: list[dict[str, Any]] = []
        requests: list[list[Any]] = []
        models: set[str] = set()
        seen: set[str] = set()
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                problems.append(
                    _line_error(number, "invalid_json_line", "This line is not valid JSON.")
                )
                continue
            if not isinstance(line, dict):
                problems.append(
                    _line_error(number, "invalid_json_line", "Each line must be a JSON object.")
                )
                continue
            custom_id = line.get("custom_id")
            if not isinstance(custom_id, str) or not custom_id:
                problems.append(
                    _line_error(
                        number,
                        "missing_required_parameter",
                        "Each line needs a 'custom_id'.",
                        "custom_id",
                    )
                )
            elif custom_id in seen:
                problems.append(
                    _line_error(
                        number,
                        "duplicate_custom_id",
                        f"custom_id {custom_id!r} is used twice.",
                        "custom_id",
                    )
                )
            if line.get("method") != "POST":
                problems.append(
                    _line_error(number, "invalid_method", "Only POST is supported.", "method")
                )
            if line.get("url") != ENDPOINT:
                problems.append(
                    _line_error(
                        number,
                        "invalid_url",
                        f"Only {ENDPOINT} is supported in a video batch "
                        "(no edits, extensions or remixes).",
                        "url",
                    )
                )
            body = line.get("body")
            if not isinstance(body, dict):
                problems.append(
                    _line_error(
                        number,
                        "invalid_body",
                        "'body' must be a JSON object of create parameters.",
                        "body",
                    )
                )
                continue
            models.add(str(body.get("model") or "sora-2"))
            if isinstance(custom_id, str):
                seen.add(custom_id)
                requests.append([custom_id, None, None, body])
        if not requests and not problems:
            problems.append(_line_error(0, "empty_file", "The input file has no requests."))
        if len(models) > 1:
            problems.append(
                _line_error(
                    0,
                    "mixed_models",
                    f"A batch file must use one model; this one uses {', '.join(sorted(models))}.",
                    "model",
                )
            )
        if problems:
            self._finish(batch_id, "failed", errors=problems)
            return

        model = models.pop()

        def begin(b: BatchRecord) -> BatchRecord:
            return replace(
                b,
                status="in_progress",
                in_progress_at=now_s(),
                model=model,
                requests=tuple(BatchLine(r[0]) for r in requests),
                bodies=tuple(r[3] for r in requests),
                request_counts={"total": len(requests), "completed": 0, "failed": 0},
            )

        self.state.batches.update(batch_id, begin)

    def _create_videos(self, batch_id: str) -> None:
        """Create a video per request; resumable because each result is saved as it is made."""
        batch = self.state.batches.get(batch_id)
        if batch is None:
            return
        for index, line in enumerate(batch.requests):
            if line.tried or self._stop.is_set():
                continue
            try:
                video = self.videos.create(batch.bodies[index], batch_id=batch_id)
                result = replace(line, video_id=video["id"])
            except ApiError as exc:
                result = replace(line, failure={"status_code": exc.status, "body": exc.body()})

            def record(b: BatchRecord, i: int = index, r: BatchLine = result) -> BatchRecord:
                return b.with_line(i, r)

            self.state.batches.update(batch_id, record)
        if not self._stop.is_set():
            self.state.batches.update(batch_id, lambda b: replace(b, created=True))

    def _cancel_queued(self, batch: BatchRecord) -> None:
        def cancel(v: VideoRecord) -> VideoRecord:
            if v.status != "queued":
                return v
            error = {
                "code": "batch_cancelled",
                "message": "The batch was cancelled before this video started.",
            }
            return replace(v, status="failed", completed_at=now_s(), error=error)

        for line in batch.requests:
            if line.video_id:
                self.state.videos.update(line.video_id, cancel)

    def _count(self, batch_id: str) -> None:
        batch = self.state.batches.get(batch_id)
        if batch is None:
            return
        completed = failed = 0
        for line in batch.requests:
            video = self.state.videos.get(line.video_id) if line.video_id else None
            if line.failure or (video is not None and video.status == "failed"):
                failed += 1
            elif video is not None and video.status == "completed":
                completed += 1
        counts = {"total": len(batch.requests), "completed": completed, "failed": failed}
        if counts != batch.request_counts:
            self.state.batches.update(batch_id, lambda b: replace(b, request_counts=counts))

    def _write_results(self, batch_id: str) -> None:
        batch = self.state.batches.get(batch_id)
        if batch is None:
            return
        output: list[str] = []
        errors: list[str] = []
        for request in batch.requests:
            line: dict[str, Any] = {
                "id": new_id("batch_req_", 32),
                "custom_id": request.custom_id,
                "error": None,
            }
            request_id = new_id("req_", 32)
            failure = request.failure
            if failure:
                line["response"] = {
                    "status_code": failure["status_code"],
                    "request_id": request_id,
                    "body": failure["body"],
                }
                errors.append(json.dumps(line))
                continue
            video_id = request.video_id
            video = self.state.videos.get(video_id) if video_id else None
            if video is None:
                line["response"] = None
                line["error"] = {"code": "not_found", "message": f"Video {video_id} was deleted."}
                errors.append(json.dumps(line))
                continue
            body = video.public()
            line["response"] = {"status_code": 200, "request_id": request_id, "body": body}
            if video.status == "completed":
                output.append(json.dumps(line))
            else:
                line["error"] = video.error
                errors.append(json.dumps(line))
        updates: dict[str, Any] = {}
        if output:
            updates["output_file_id"] = self.files.add(
                f"{batch_id}_output.jsonl", OUTPUT_PURPOSE, ("\n".join(output) + "\n").encode()
            )["id"]
        if errors:
            updates["error_file_id"] = self.files.add(
                f"{batch_id}_error.jsonl", OUTPUT_PURPOSE, ("\n".join(errors) + "\n").encode()
            )["id"]
        self.state.batches.update(batch_id, lambda b: replace(b, **updates))
        self._count(batch_id)

    def _finish(
        self, batch_id: str, status: str, errors: Sequence[dict[str, Any]] | None = None
    ) -> None:
        stamp = {
            "completed": "completed_at",
            "failed": "failed_at",
            "expired": "expired_at",
            "cancelled": "cancelled_at",
        }[status]

        def finish(b: BatchRecord) -> BatchRecord:
            changes: dict[str, Any] = {"status": status, stamp: now_s()}
            if errors is not None:
                changes["errors"] = {"object": "list", "data": [dict(e) for e in errors]}
            return replace(b, **changes)

        finished = self.state.batches.update(batch_id, finish)
        if finished is not None:
            self.emit(f"batch.{status}", {"id": batch_id})
