"""``--compat vllm-omni``: vLLM-Omni (``vllm serve <model> --omni``).

Reproduced from vllm-project/vllm-omni ``vllm_omni/entrypoints/openai/api_server.py`` (the video
routes, ``_parse_video_form``, ``delete_video``'s cancel, the failed-job status codes),
``protocol/videos.py`` (``VideoResponse``, ``VideoDeleteResponse``, ``VideoListResponse``, the
``seconds``/``size`` patterns), ``video_api_utils.py`` (``image_reference``), ``stores.py`` (an
in-memory store by default) and ``storage.py`` (the TTL sweeper), plus vLLM's own exception
handlers (``vllm/entrypoints/openai/api_server.py``). What a client meets:

- ``POST /v1/videos`` reads **form fields only** (multipart or urlencoded): a JSON body has no
  ``prompt`` field, so it fails validation (400). ``model``, when sent, must be the served model.
  ``image_reference`` is a form field holding JSON ``{"image_url": "data:..."}``.
- ``POST /v1/videos/sync`` blocks and answers the MP4 bytes with ``X-Request-Id`` and friends.
- Answers echo ``prompt``; ids are ``video_gen_<hex>``; ``seconds`` echoes the request (``"4"``
  when absent, even if ``num_frames``/``fps`` made the clip longer); ``size`` is null when not
  sent; ``quality`` is ``"default"``; statuses are the four official ones with ``progress`` 0
  until 100.
- A failed job's retrieve answers with HTTP 500 and the job as the body.
- ``DELETE`` cancels a queued or running job (409 when cancelling takes over 2 s, see
  ``cancel_delay_s``) and answers ``{id, deleted, object: "video.deleted"}``.
- ``/content`` ignores ``variant``: always the MP4. The TTL sweeper (``file_ttl_s``) deletes
  finished files; their content then answers 404.
- Errors: ``{"error": {"message", "type": <reason phrase>, "param", "code": <status int>}}``;
  unknown paths keep FastAPI's ``{"detail": ...}``. A restart forgets every job.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sora_studio.emulator.compat.base import (
    CompatContext,
    CompatError,
    CompatMode,
    attachment,
    is_form,
    job_routes,
    parse_size,
    phrase,
    read_form,
    render_seconds,
    render_size,
)
from sora_studio.emulator.errors import ApiError
from sora_studio.emulator.forms import Upload
from sora_studio.emulator.jobs import remove_media
from sora_studio.emulator.records import VideoRecord
from sora_studio.emulator.uploads import decode_data_url

NAME = "vllm-omni"
DEFAULT_FPS = 24
CANCEL_TIMEOUT_S = 2.0  # delete_video waits this long for the cancelled task
SYNC_TIMEOUT_S = 600.0
FALLBACK_SIZE = (832, 480)
_SECONDS_PATTERN = r"^[1-9]\d*$"
_SIZE_PATTERN = r"^\d+x\d+$"
_INT_FIELDS = ("width", "height", "num_frames", "fps", "num_inference_steps", "seed")
_FLOAT_FIELDS = ("guidance_scale", "guidance_scale_2", "boundary_ratio", "flow_shift")


def vllm_error(status: int, message: str, headers: dict[str, str] | None = None) -> CompatError:
    """vLLM's ``ErrorResponse`` as its ``HTTPException`` handler writes it."""
    body = {"error": {"message": message, "type": phrase(status), "param": None, "code": status}}
    return CompatError(status, body, headers=headers)


class VLLMOmniMode(CompatMode):
    """vLLM-Omni's ``/v1/videos``."""

    name = NAME
    default_model = "Wan-AI/Wan2.2-TI2V-5B-Diffusers"
    memory_only = True  # the default InMemoryVideoMetadataStore

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._timers: list[threading.Timer] = []

    def error_response(self, exc: ApiError) -> Response:
        return vllm_error(exc.status, exc.message, exc.headers).response()

    def routes(self, ctx: CompatContext) -> list[BaseRoute]:
        handlers = _Handlers(self, ctx)
        sync = Route("/v1/videos/sync", handlers.create_sync, methods=["POST"])
        return [
            *job_routes(handlers, also_post=[sync]),
            Route("/v1/models", handlers.models, methods=["GET"]),
            Route("/health", handlers.health, methods=["GET"]),
        ]

    def start(self, ctx: CompatContext) -> None:
        super().start(ctx)
        self._stopping.clear()
        sweeper = threading.Thread(
            target=self._sweep, args=(ctx,), name="emulator-vllm-ttl", daemon=True
        )
        sweeper.start()
        self._threads.append(sweeper)

    def stop(self) -> None:
        self._stopping.set()
        for timer in self._timers:
            timer.cancel()
        for thread in self._threads:
            thread.join(2)
        self._threads.clear()
        self._timers.clear()

    def later(self, delay: float, action: Any) -> None:
        """Run ``action`` after ``delay`` seconds unless the emulator stops first."""
        timer = threading.Timer(delay, action)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _sweep(self, ctx: CompatContext) -> None:
        """LocalStorageTTLManager: delete stored files older than the TTL, job records stay."""
        while not self._stopping.wait(0.2):
            ttl = float(self.settings.file_ttl_s)
            if ttl <= 0:
                continue
            cutoff = time.time() - ttl
            for video in ctx.records(NAME):
                path = ctx.video_file(video.id)
                try:
                    if video.status == "completed" and path.stat().st_mtime < cutoff:
                        path.unlink()
                except OSError:
                    continue


class _Handlers:
    def __init__(self, mode: VLLMOmniMode, ctx: CompatContext) -> None:
        self.mode = mode
        self.ctx = ctx

    # -- create -------------------------------------------------------------------------------

    async def _parse(self, request: Request) -> dict[str, Any]:
        """``_parse_video_form``: the request, the model it runs on and its reference image."""
        fields, files = await read_form(request) if is_form(request) else ({}, {})
        errors: list[dict[str, Any]] = []
        if not fields.get("prompt"):  # FastAPI reads an empty form value as missing
            errors.append({"type": "missing", "loc": ("body", "prompt"), "msg": "Field required"})
            errors[-1]["input"] = None
        for name, pattern in (("seconds", _SECONDS_PATTERN), ("size", _SIZE_PATTERN)):
            value = fields.get(name)
            if value is not None and re.fullmatch(pattern, value) is None:
                errors.append(
                    {
                        "type": "string_pattern_mismatch",
                        "loc": ("body", name),
                        "msg": f"String should match pattern '{pattern}'",
                        "input": value,
                        "ctx": {"pattern": pattern},
                    }
                )
        numbers: dict[str, Any] = {}
        for name in (*_INT_FIELDS, *_FLOAT_FIELDS):
            value = fields.get(name)
            if value is None:
                continue
            try:
                numbers[name] = int(value) if name in _INT_FIELDS else float(value)
            except ValueError:
                integer = name in _INT_FIELDS
                msg = (
                    "Input should be a valid integer, unable to parse string as an integer"
                    if integer
                    else "Input should be a valid number, unable to parse string as a number"
                )
                kind = "int_parsing" if integer else "float_parsing"
                errors.append({"type": kind, "loc": ("body", name), "msg": msg, "input": value})
        if errors:
            # vLLM's RequestValidationError handler: 400 with the error list as the message.
            raise vllm_error(400, str(errors))
        image = self._reference(fields.get("image_reference"), files.get("input_reference"))
        served = self.mode.served_model
        model = fields.get("model")
        if model is not None and model != served:
            raise vllm_error(
                400,
                f"Model mismatch: request specifies '{model}' but server is running '{served}'.",
            )
        return {"fields": fields, "numbers": numbers, "image": image, "model": served}

    def _reference(self, raw: str | None, upload: Upload | None) -> bytes | None:
        parsed: Any = None
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError as exc:
                raise vllm_error(400, "Invalid JSON in form field.") from exc
        if parsed is not None and upload is not None:
            raise vllm_error(400, "Provide either input_reference or image_reference, not both.")
        if upload is not None:
            return upload.data
        if parsed is None:
            return None
        if not isinstance(parsed, dict) or set(parsed) not in ({"image_url"}, {"file_id"}):
            # The union model rejects it inside the form dependency: an unhandled 500.
            raise CompatError(500, text="Internal Server Error")
        if "file_id" in parsed:
            raise vllm_error(400, "Invalid image_reference: file_id is not supported yet.")
        url = str(parsed["image_url"])
        if url.startswith("data:image"):
            try:
                return decode_data_url(url)
            except ValueError as exc:
                message = "Invalid image_reference.image_url: image data is not valid base64."
                raise vllm_error(400, message) from exc
        if url.startswith(("http://", "https://")):
            # The emulator has no network; vLLM reports a failed download this way.
            raise vllm_error(400, "Invalid image_reference.image_url: failed to download image.")
        raise vllm_error(
            400, "Invalid image_reference.image_url: must be an http(s) URL or data URL."
        )

    def _start(self, parsed: dict[str, Any], video_id: str, *, hidden: bool) -> VideoRecord:
        fields, numbers = parsed["fields"], parsed["numbers"]
        size = parse_size(fields.get("size"))
        width = size[0] if size else numbers.get("width")
        height = size[1] if size else numbers.get("height")
        if not width or not height:
            width, height = FALLBACK_SIZE
        fps = numbers.get("fps") or DEFAULT_FPS
        seconds = fields.get("seconds")
        frames = numbers.get("num_frames") or int(seconds or 4) * fps
        path = None
        if parsed["image"] is not None:
            try:
                path = self.ctx.store_reference(video_id, parsed["image"])
            except ValueError as exc:
                source = "image_reference.image_url" if "image_reference" in fields else None
                message = f"Invalid {source or 'input_reference'}: provided content is not a "
                raise vllm_error(400, message + "valid image.") from exc
        return self.ctx.submit(
            NAME,
            video_id,
            prompt=fields.get("prompt", ""),
            model=parsed["model"],
            size=render_size(width, height),
            seconds=render_seconds(frames, fps),
            reference=path,
            echo={"size": fields.get("size"), "seconds": str(seconds or "4"), "hidden": hidden},
        )

    async def create(self, request: Request) -> Response:
        parsed = await self._parse(request)
        record = self._start(parsed, f"video_gen_{uuid.uuid4().hex}", hidden=False)
        return JSONResponse(self._present(record))

    async def create_sync(self, request: Request) -> Response:
        parsed = await self._parse(request)
        request_id = f"video_sync-{uuid.uuid4().hex}"
        started = time.perf_counter()
        self._start(parsed, request_id, hidden=True)
        try:
            done = await run_in_threadpool(self.ctx.wait_finished, request_id, SYNC_TIMEOUT_S)
            if done is None:
                message = f"Video generation timed out after {SYNC_TIMEOUT_S}s."
                raise vllm_error(504, message)
            if done.status == "failed":
                raise vllm_error(500, f"Video generation failed: {done.error_message()}")
            data = self.ctx.video_file(request_id).read_bytes()
        finally:
            self.ctx.forget(request_id, keep_file=False)  # sync results are never stored
        return Response(
            data,
            media_type="video/mp4",
            headers={
                "X-Request-Id": request_id,
                "X-Model": parsed["model"],
                "X-Inference-Time-S": f"{time.perf_counter() - started:.3f}",
                "X-Stage-Durations": "{}",
                "X-Peak-Memory-MB": "0.000",
            },
        )

    # -- read, delete, content ------------------------------------------------------------------

    def _job(self, video_id: str) -> VideoRecord:
        video = self.ctx.record(NAME, video_id)
        if video is None or video.hidden_from_listing():
            raise vllm_error(404, "Video not found")
        return video

    async def retrieve(self, request: Request) -> Response:
        video = self._job(request.path_params["video_id"])
        body = self._present(video)
        # A failed job answers with its error's status code (500 for a generation failure).
        return JSONResponse(body, status_code=500 if video.status == "failed" else 200)

    async def list(self, request: Request) -> Response:
        query = request.query_params
        errors: list[dict[str, Any]] = []
        limit: int | None = None
        if query.get("limit") is not None:
            try:
                limit = int(query["limit"])
            except ValueError:
                msg = "Input should be a valid integer, unable to parse string as an integer"
                errors.append({"type": "int_parsing", "loc": ("query", "limit"), "msg": msg})
                errors[-1]["input"] = query["limit"]
            else:
                if not 0 <= limit <= 100:
                    bound = (
                        "greater than or equal to 0" if limit < 0 else "less than or equal to 100"
                    )
                    kind = "greater_than_equal" if limit < 0 else "less_than_equal"
                    errors.append(
                        {
                            "type": kind,
                            "loc": ("query", "limit"),
                            "msg": f"Input should be {bound}",
                            "input": query["limit"],
                        }
                    )
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            errors.append(
                {
                    "type": "literal_error",
                    "loc": ("query", "order"),
                    "msg": "Input should be 'asc' or 'desc'",
                    "input": order,
                    "ctx": {"expected": "'asc' or 'desc'"},
                }
            )
        if errors:
            raise vllm_error(400, str(errors))
        jobs = [v for v in self.ctx.records(NAME) if not v.hidden_from_listing()]
        jobs.sort(key=lambda v: v.seq)
        jobs.sort(key=lambda v: v.created_at, reverse=order == "desc")
        after = query.get("after")
        if after is not None:
            ids = [v.id for v in jobs]
            jobs = jobs[ids.index(after) + 1 :] if after in ids else []
        has_more = False
        if limit is not None:
            has_more = len(jobs) > limit
            jobs = jobs[:limit]
        return JSONResponse(
            {
                "first_id": jobs[0].id if jobs else None,
                "last_id": jobs[-1].id if jobs else None,
                "has_more": has_more,
                "data": [self._present(v) for v in jobs],
                "object": "list",
            }
        )

    async def delete(self, request: Request) -> Response:
        video = self._job(request.path_params["video_id"])
        video_id = video.id
        if video.active:
            delay = float(self.mode.settings.cancel_delay_s)
            if delay > CANCEL_TIMEOUT_S:
                # The task has not finished cancelling within 2 s; it does later, and then the
                # job disappears from the store.
                self.mode.later(delay, lambda: self.ctx.forget(video_id, keep_file=False))
                raise vllm_error(409, "Cancellation in progress. Please try again later.")
            await run_in_threadpool(self._cancel, video_id, delay)
        else:
            self.ctx.forget(video_id, keep_file=False)
        return JSONResponse({"id": video_id, "deleted": True, "object": "video.deleted"})

    def _cancel(self, video_id: str, delay: float) -> None:
        time.sleep(delay)
        self.ctx.forget(video_id, keep_file=False)
        deadline = time.monotonic() + CANCEL_TIMEOUT_S
        while self.ctx.emulator.runner.is_rendering(video_id) and time.monotonic() < deadline:
            time.sleep(0.02)
        # A render that finished just as the cancel came may have written its files since.
        remove_media(self.ctx.state, video_id)

    async def content(self, request: Request) -> Response:
        video = self._job(request.path_params["video_id"])
        if video.status == "failed":
            message = "Video generation failed. Check job status for error details."
            raise vllm_error(422, message)
        if video.status != "completed":
            raise vllm_error(404, "Generation is still in-progress")
        path = self.ctx.video_file(video.id)
        try:  # opened before the answer starts: the TTL sweeper may delete it at any moment
            return self.ctx.stream(path, "video/mp4", attachment(f"{video.id}.mp4"))
        except FileNotFoundError:
            raise vllm_error(404, "Generated video file not found on disk") from None

    async def models(self, request: Request) -> Response:
        created = int(time.time())
        served = self.mode.served_model
        permission = {
            "id": f"modelperm-{uuid.uuid4().hex}",
            "object": "model_permission",
            "created": created,
            "allow_create_engine": False,
            "allow_sampling": True,
            "allow_logprobs": True,
            "allow_search_indices": False,
            "allow_view": True,
            "allow_fine_tuning": False,
            "organization": "*",
            "group": None,
            "is_blocking": False,
        }
        card = {"id": served, "object": "model", "created": created, "owned_by": "vllm"}
        card |= {"root": served, "parent": None, "max_model_len": None}
        card["permission"] = [permission]
        return JSONResponse({"object": "list", "data": [card]})

    async def health(self, request: Request) -> Response:
        return Response(b"", 200)

    def _present(self, video: VideoRecord) -> dict[str, Any]:
        """vLLM-Omni's ``VideoResponse``, fields in its order."""
        status = video.status
        finished = status in ("completed", "failed")
        error = None
        if status == "failed":
            error = {"code": 500, "message": video.error_message()}
        return {
            "model": video.model,
            "prompt": video.prompt,
            "id": video.id,
            "object": "video",
            "status": status,
            "size": video.echo["size"],
            "progress": 100 if status == "completed" else 0,
            "seconds": video.echo["seconds"],
            "quality": "default",
            "completed_at": video.completed_at if finished else None,
            "created_at": video.created_at,
            "remixed_from_video_id": None,
            "error": error,
            "media_type": "video/mp4",
            "expires_at": None,
            "file_name": f"{video.id}.mp4" if status == "completed" else None,
            "inference_time_s": video.inference_time_s() if finished else None,
            "stage_durations": {},
            "peak_memory_mb": 0.0,
        }
