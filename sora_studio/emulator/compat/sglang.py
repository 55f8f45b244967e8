"""``--compat sglang``: SGLang Diffusion (``sglang serve --model-path Wan-AI/...``).

Reproduced from sgl-project/sglang ``python/sglang/multimodal_gen/runtime/entrypoints/openai/
video_api.py`` (create, list, retrieve, delete, content), ``protocol.py`` (``VideoResponse``,
``VideoGenerationsRequest``, ``VideoListResponse``), ``stores.py`` (an in-memory dict),
``utils.py`` (``_parse_size``), ``common_api.py`` (``/v1/models``) and
``entrypoints/http_server.py`` (``/health``, the deprecated ``/models``). What a client meets:

- ``POST /v1/videos`` takes JSON or multipart; no key needed; ids are UUIDs; ``model`` echoes the
  request (``"sora-2"`` when absent), never the served model; no ``prompt`` in any answer.
- ``status`` goes ``queued`` to ``completed``/``failed`` and ``progress`` 0 to 100: the job store
  is only updated when the pipeline returns. ``seconds`` is ``str(round(num_frames / fps))``,
  ``expires_at`` stays null, ``file_path`` is the output's path on the server.
- Any ``WxH`` is taken; one that does not parse is dropped silently (the model's default size).
- ``GET /v1/videos`` answers ``{data, object}`` only. ``DELETE`` forgets the job but neither stops
  the render nor removes the file. Content is always MP4: ``variant`` other than ``video`` is a
  400, outputs are picked with ``output_index``; 404 until the file exists.
- No remix, edits, extensions or characters (FastAPI's 404/405). Errors are ``{"detail": ...}``.
- A restart forgets every job (``memory_only``).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sora_studio.emulator.compat.base import (
    CompatContext,
    CompatError,
    CompatMode,
    attachment,
    check_types,
    fastapi_detail,
    fastapi_invalid,
    float_field,
    int_field,
    job_routes,
    new_uuid,
    parse_size,
    pydantic_text,
    read_form,
    render_seconds,
    render_size,
)
from sora_studio.emulator.errors import ApiError
from sora_studio.emulator.records import VideoRecord
from sora_studio.emulator.uploads import decode_data_url

NAME = "sglang"
DEFAULT_FPS = 24
DEFAULT_SECONDS = 4
# The pipeline's own resolution when the request has none (or an unparseable one).
MODEL_DEFAULT_SIZES = {
    "Wan-AI/Wan2.2-TI2V-5B-Diffusers": (1280, 704),
    "FastVideo/FastWan2.2-TI2V-5B-FullAttn-Diffusers": (1280, 704),
}
FALLBACK_SIZE = (832, 480)
_INT_FIELDS = (
    "seconds",
    "fps",
    "num_frames",
    "n",
    "num_outputs_per_prompt",
    "seed",
    "num_inference_steps",
    "max_sequence_length",
)
_JSON_SCHEMA: dict[str, type] = {
    "prompt": str,
    "model": str,
    "size": str,
    "negative_prompt": str,
    "reference_url": str,
    "input_reference": str,
    "guidance_scale": float,
    **{name: int for name in _INT_FIELDS},
}


class SGLangMode(CompatMode):
    """SGLang Diffusion's ``/v1/videos``."""

    name = NAME
    default_model = "Wan-AI/Wan2.2-TI2V-5B-Diffusers"
    memory_only = True

    def error_response(self, exc: ApiError) -> Response:
        return JSONResponse({"detail": exc.message}, exc.status, exc.headers)

    def routes(self, ctx: CompatContext) -> list[BaseRoute]:
        handlers = _Handlers(self, ctx)
        return [
            *job_routes(handlers),
            Route("/v1/models", handlers.models, methods=["GET"]),
            Route("/v1/models/{model:path}", handlers.model, methods=["GET"]),
            Route("/models", handlers.legacy_models, methods=["GET"]),
            Route("/health", handlers.health, methods=["GET"]),
        ]

    def model_card(self) -> dict[str, Any]:
        served = self.served_model
        task = "TI2V" if "TI2V" in served else "I2V" if "I2V" in served else "T2V"
        wan = "wan" in served.lower()
        return {
            "id": served,
            "object": "model",
            "created": int(time.time()),
            "owned_by": "sglang",
            "root": served,
            "parent": None,
            "max_model_len": None,
            "num_gpus": 1,
            "task_type": task,
            "dit_precision": "bf16",
            "vae_precision": "fp32",
            "pipeline_name": "wan_pipeline" if wan else "diffusers",
            "pipeline_class": "WanPipeline" if wan else "DiffusersPipeline",
        }


class _Handlers:
    def __init__(self, mode: SGLangMode, ctx: CompatContext) -> None:
        self.mode = mode
        self.ctx = ctx

    # -- create -------------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        # SGLang looks for "multipart/form-data" in the header; anything else is read as JSON.
        if "multipart/form-data" in request.headers.get("content-type", "").lower():
            payload, reference = await self._multipart(request)
        else:
            payload, reference = await self._json(request)
        return JSONResponse(self._submit(payload, reference))

    async def _multipart(self, request: Request) -> tuple[dict[str, Any], bytes | None]:
        fields, files = await read_form(request)
        errors: list[dict[str, Any]] = []
        payload: dict[str, Any] = {
            name: int_field(fields, name, "body", errors) for name in _INT_FIELDS
        }
        payload["guidance_scale"] = float_field(fields, "guidance_scale", "body", errors)
        if errors:  # FastAPI checks Form fields before the handler runs
            raise fastapi_invalid(errors)
        prompt = fields.get("prompt")
        if not prompt:
            raise fastapi_detail(400, "prompt is required")
        payload.update(
            prompt=prompt,
            model=fields.get("model") or None,
            size=fields.get("size") or None,
            negative_prompt=fields.get("negative_prompt"),
        )
        upload = files.get("input_reference")
        if upload is not None:
            return payload, upload.data
        return payload, _fetch_reference(fields.get("reference_url"))

    async def _json(self, request: Request) -> tuple[dict[str, Any], bytes | None]:
        try:
            body = json.loads(await request.body())
        except ValueError as exc:
            raise fastapi_detail(400, "request body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise fastapi_detail(400, "Invalid request body: the body must be a JSON object")
        payload = dict(body)
        extra = payload.pop("extra_body", None)
        if isinstance(extra, dict):  # the SDK's extra_body, flattened into the top level
            payload.update(extra)
        errors: list[dict[str, Any]] = []
        if payload.get("prompt") is None:
            errors.append({"type": "missing", "loc": ("prompt",), "msg": "Field required"})
            errors[-1]["input"] = body
        check_types(payload, _JSON_SCHEMA, errors)
        if errors:
            text = pydantic_text("VideoGenerationsRequest", errors)
            raise fastapi_detail(400, f"Invalid request body: {text}")
        # Only reference_url is fetched; an input_reference string is a path on the server.
        return payload, _fetch_reference(payload.get("reference_url"))

    def _submit(self, payload: dict[str, Any], reference: bytes | None) -> dict[str, Any]:
        parsed = parse_size(payload.get("size")) if payload.get("size") else None
        width, height = parsed or MODEL_DEFAULT_SIZES.get(self.mode.served_model, FALLBACK_SIZE)
        seconds = payload.get("seconds")
        seconds = DEFAULT_SECONDS if seconds is None else seconds
        fps = payload.get("fps") or DEFAULT_FPS
        frames = payload.get("num_frames") or fps * seconds
        outputs = payload.get("num_outputs_per_prompt") or payload.get("n") or 1
        video_id = new_uuid()
        path = None
        if reference is not None:
            try:
                path = self.ctx.store_reference(video_id, reference)
            except ValueError as exc:
                raise fastapi_detail(400, f"Failed to process image source: {exc}") from exc
        record = self.ctx.submit(
            NAME,
            video_id,
            prompt=str(payload["prompt"]),
            model=str(payload.get("model") or "sora-2"),
            size=render_size(width, height),
            seconds=render_seconds(frames, fps),
            reference=path,
            echo={
                "size": f"{width}x{height}",
                "seconds": str(round(frames / fps)),
                "outputs": max(1, int(outputs)),
                "extras": {
                    k: payload.get(k)
                    for k in ("negative_prompt", "seed", "num_inference_steps", "guidance_scale")
                    if payload.get(k) is not None
                },
            },
        )
        return self._present(record)

    # -- read ---------------------------------------------------------------------------------

    def _job(self, video_id: str) -> VideoRecord:
        video = self.ctx.record(NAME, video_id)
        if video is None or video.deleted:
            raise fastapi_detail(404, "Video not found")
        return video

    async def retrieve(self, request: Request) -> Response:
        return JSONResponse(self._present(self._job(request.path_params["video_id"])))

    async def list(self, request: Request) -> Response:
        errors: list[dict[str, Any]] = []
        limit = int_field(dict(request.query_params), "limit", "query", errors, ge=1, le=100)
        if errors:
            raise fastapi_invalid(errors)
        order = (request.query_params.get("order") or "desc").lower()
        jobs = [v for v in sorted(self.ctx.records(NAME), key=lambda v: v.seq) if not v.deleted]
        jobs.sort(key=lambda v: v.created_at, reverse=order != "asc")
        after = request.query_params.get("after")
        if after is not None:
            ids = [v.id for v in jobs]
            jobs = jobs[ids.index(after) + 1 :] if after in ids else []
        if limit is not None:
            jobs = jobs[:limit]
        return JSONResponse({"data": [self._present(v) for v in jobs], "object": "list"})

    async def delete(self, request: Request) -> Response:
        video = self._job(request.path_params["video_id"])
        # The store forgets the job; the dispatched render goes on and its file stays.
        self.ctx.state.videos.update(video.id, lambda v: replace(v, deleted=True))
        return JSONResponse(self._present(video) | {"status": "deleted"})

    async def content(self, request: Request) -> Response:
        errors: list[dict[str, Any]] = []
        query = dict(request.query_params)
        index = int_field(query, "output_index", "query", errors, ge=0) or 0
        if errors:
            raise fastapi_invalid(errors)
        video = self._job(request.path_params["video_id"])
        variant = query.get("variant")
        if variant not in (None, "video"):
            raise fastapi_detail(400, f"Unsupported video content variant: {variant!r}")
        path = self.ctx.video_file(video.id)
        outputs = video.echo["outputs"] if video.status == "completed" else 0
        if index >= outputs or not path.exists():
            running = "Generation is still in-progress"
            raise fastapi_detail(404, running if video.active else "Video output not found")
        return self.ctx.stream(path, "video/mp4", attachment(f"{video.id}.mp4"))

    # -- models -------------------------------------------------------------------------------

    async def models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [self.mode.model_card()]})

    async def model(self, request: Request) -> Response:
        if request.path_params["model"] != self.mode.served_model:
            raise CompatError(
                404,
                {
                    "error": {
                        "message": f"The model '{request.path_params['model']}' does not exist",
                        "type": "invalid_request_error",
                        "param": "model",
                        "code": "model_not_found",
                    }
                },
            )
        return JSONResponse(self.mode.model_card())

    async def legacy_models(self, request: Request) -> Response:
        card = self.mode.model_card()
        keys = [*("num_gpus", "task_type", "dit_precision", "vae_precision")]
        keys += ["pipeline_name", "pipeline_class"]
        return JSONResponse({"model_path": self.mode.served_model} | {k: card[k] for k in keys})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    # -- presentation ---------------------------------------------------------------------------

    def _present(self, video: VideoRecord) -> dict[str, Any]:
        """``VideoResponse`` as SGLang fills it: its store only changes when the pipeline ends."""
        echo = video.echo
        status = video.status
        done = status == "completed"
        failed = status == "failed"
        path = str(self.ctx.video_file(video.id).resolve())
        finished_at = (video.completed_at or 0) if done else None
        return {
            "id": video.id,
            "object": "video",
            "model": video.model,
            "status": "queued" if status == "in_progress" else status,
            "progress": 100 if done else 0,
            "created_at": video.created_at,
            "size": echo["size"],
            "seconds": echo["seconds"],
            "quality": "standard",
            "url": None,
            "remixed_from_video_id": None,
            "completed_at": finished_at,
            "expires_at": None,
            "error": {"message": video.error_message()} if failed else None,
            "file_path": None if failed else path,
            "file_paths": [path] * echo["outputs"] if done else None,
            "num_outputs": echo["outputs"] if done else None,
            "peak_memory_mb": None,
            "inference_time_s": video.inference_time_s() if done else None,
            "action": None,
        }


def _fetch_reference(url: Any) -> bytes | None:
    """A ``reference_url``: data: URLs are decoded; this emulator has no network for http(s)."""
    if not url:
        return None
    if not isinstance(url, str):
        raise fastapi_detail(400, "Failed to process image source: Unsupported image url format")
    if url.lower().startswith(("http://", "https://")):
        raise fastapi_detail(
            400,
            f"Failed to process image source: Failed to download image from URL {url}: the "
            "emulator has no network access; send the image as a data: URL or a file",
        )
    if not url.startswith("data:image"):
        raise fastapi_detail(400, "Failed to process image source: Unsupported image url format")
    try:
        return decode_data_url(url)
    except ValueError as exc:
        raise fastapi_detail(400, f"Failed to process image source: {exc}") from exc
