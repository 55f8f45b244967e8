"""``--compat dynamo``: NVIDIA Dynamo's HTTP frontend serving a video model.

Reproduced from ai-dynamo/dynamo ``lib/llm/src/http/service/openai.rs`` (the ``videos`` handler,
``ErrorMessage``, ``smart_json_error_middleware``, ``list_models_openai``/``get_model_openai``),
``lib/llm/src/protocols/openai/videos.rs`` (``NvCreateVideoRequest``, ``NvVideosResponse``,
``VideoData``), ``components/src/dynamo/common/protocols/video_protocol.py`` and
``common/utils/video_utils.py`` (defaults), the SGLang worker's ``video_generation`` handler
(``id = "video-<request id>"``, url vs ``b64_json``, failures) and ``common/storage.py``
(``file://`` URLs). What a client meets:

- Only ``POST /v1/videos``, JSON only (axum's ``Json``): another content type is a 415 in plain
  text; bad JSON a plain-text 400; a body that does not fit the request type a 422, which the
  frontend rewrites to a 400 ``{"message", "type", "code"}``. ``prompt`` and ``model`` are
  required, ``seconds`` is an integer, extras go in ``nvext``; an unknown model is a 404.
- The POST **blocks until the render is done** and answers ``{id: "video-...", object, model,
  status, progress, created, data: [{output_format, url | b64_json}], inference_time_s}``;
  ``response_format`` picks ``url`` (the default) or ``b64_json``. The url is ``file://`` on the
  server's disk (here: the media folder), or http when ``media_url`` is ``http`` (served by the
  emulator under ``/media``). A failed render is ``status: "failed"`` with ``error`` as a string,
  inside HTTP 200.
- Defaults: 832x480 (a malformed size falls back too), 16 fps, 97 frames unless ``seconds`` or
  ``nvext.num_frames``/``fps`` say otherwise.
- No list, retrieve, delete or content routes: axum's empty 404/405.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sora_studio.emulator.compat.base import (
    CompatContext,
    CompatError,
    CompatMode,
    content_type,
    parse_size,
    phrase,
    render_seconds,
    render_size,
)
from sora_studio.emulator.errors import ApiError
from sora_studio.emulator.uploads import decode_data_url

NAME = "dynamo"
DEFAULT_SIZE = (832, 480)
DEFAULT_FPS = 16
DEFAULT_FRAMES = 97
RENDER_TIMEOUT_S = 3600.0
_STRINGS = ("prompt", "model", "input_reference", "size", "user", "output_format")
_NVEXT_INTS = ("fps", "num_frames", "num_inference_steps", "seed")
_NVEXT_FLOATS = ("guidance_scale", "boundary_ratio", "guidance_scale_2")


def dynamo_error(status: int, message: str, headers: dict[str, str] | None = None) -> CompatError:
    """Dynamo's flat ``ErrorMessage``."""
    body = {"message": message, "type": phrase(status), "code": status}
    return CompatError(status, body, headers=headers)


class DynamoMode(CompatMode):
    """Dynamo's blocking ``/v1/videos``."""

    name = NAME
    default_model = "Wan-AI/Wan2.2-TI2V-5B-Diffusers"
    memory_only = True  # no job store at all: nothing to resume after a restart

    def error_response(self, exc: ApiError) -> Response:
        return dynamo_error(exc.status, exc.message, exc.headers).response()

    def http_error(self, exc: HTTPException) -> Response:
        # axum's fallback 404 and its 405 carry no body (the 405 does carry ``allow``).
        return Response(b"", exc.status_code, exc.headers)

    def routes(self, ctx: CompatContext) -> list[BaseRoute]:
        handlers = _Handlers(self, ctx)
        return [
            Route("/v1/videos", handlers.create, methods=["POST"]),
            Route("/v1/models", handlers.models, methods=["GET"]),
            Route("/v1/models/{model_id:path}", handlers.model, methods=["GET"]),
            Route("/media/{name}", handlers.media, methods=["GET"]),
        ]

    def model_listing(self) -> dict[str, Any]:
        return {
            "id": self.served_model,
            "object": "model",
            "created": int(time.time()),
            "owned_by": "nvidia",
        }


class _Handlers:
    def __init__(self, mode: DynamoMode, ctx: CompatContext) -> None:
        self.mode = mode
        self.ctx = ctx

    async def create(self, request: Request) -> Response:
        kind = content_type(request)
        if kind != "application/json" and not kind.endswith("+json"):
            text = "Expected request with `Content-Type: application/json`"
            raise CompatError(415, text=text)
        raw = (await request.body()).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            text = f"Failed to parse the request body as JSON: {exc.msg} at line {exc.lineno} "
            raise CompatError(400, text=text + f"column {exc.colno}") from exc
        _check_request(body, raw)
        if body["model"] != self.mode.served_model:
            raise dynamo_error(404, "Model not found")
        started = time.time()
        video_id = f"video-{uuid.uuid4()}"
        failure = self._submit(body, video_id)
        done = None
        if failure is None:
            done = await run_in_threadpool(self.ctx.wait_finished, video_id, RENDER_TIMEOUT_S)
            # No job store: the record goes, the file stays where the url points.
            self.ctx.state.videos.delete(video_id)
        if done is None or done.status != "completed":
            error = (done.error if done is not None else None) or {}
            reason = failure or error.get("message", "render lost")
            return JSONResponse(
                {
                    "id": video_id,
                    "object": "video",
                    "model": body["model"],
                    "status": "failed",
                    "progress": 0,
                    "created": int(time.time()),
                    "data": [],
                    "error": reason,
                }
            )
        item: dict[str, Any] = {"output_format": "mp4"}
        path = self.ctx.video_file(video_id)
        if body.get("response_format") == "b64_json":
            item["b64_json"] = base64.b64encode(path.read_bytes()).decode("ascii")
        elif self.mode.settings.media_url == "http":
            item["url"] = f"{str(request.base_url).rstrip('/')}/media/{video_id}.mp4"
        else:
            item["url"] = path.resolve().as_uri()
        return JSONResponse(
            {
                "id": video_id,
                "object": "video",
                "model": body["model"],
                "status": "completed",
                "progress": 100,
                "created": int(time.time()),
                "data": [item],
                "inference_time_s": round(time.time() - started, 3),
            }
        )

    def _submit(self, body: dict[str, Any], video_id: str) -> str | None:
        """Queue the render; returns the worker's error text when it cannot even start."""
        nvext = body.get("nvext") or {}
        width, height = parse_size(body.get("size")) or DEFAULT_SIZE
        seconds, fps = body.get("seconds"), nvext.get("fps")
        frames = nvext.get("num_frames")
        if frames is None:
            if seconds is not None or fps is not None:
                frames = (seconds if seconds is not None else 4) * (fps or DEFAULT_FPS)
            else:
                frames = DEFAULT_FRAMES
        reference = None
        if body.get("input_reference"):
            try:
                reference = self.ctx.store_reference(video_id, _reference(body["input_reference"]))
            except (OSError, ValueError) as exc:
                return f"cannot load input_reference: {exc}"
        self.ctx.submit(
            NAME,
            video_id,
            prompt=body["prompt"],
            model=body["model"],
            size=render_size(width, height),
            seconds=render_seconds(max(1, int(frames)), fps or DEFAULT_FPS),
            reference=reference,
            echo={},
        )
        return None

    async def models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [self.mode.model_listing()]})

    async def model(self, request: Request) -> Response:
        if request.path_params["model_id"].lstrip("/") != self.mode.served_model:
            raise dynamo_error(404, "Model not found")
        return JSONResponse(self.mode.model_listing())

    async def media(self, request: Request) -> Response:
        """Where an http ``url`` points (Dynamo's ``media_output_http_url``)."""
        name = request.path_params["name"]
        path = self.ctx.video_file(name.removesuffix(".mp4"))
        if not name.endswith(".mp4") or not name.startswith("video-") or not path.exists():
            return Response(b"", 404)
        return self.ctx.stream(path, "video/mp4", None)


def _reference(value: str) -> bytes:
    """``input_reference``: a data: URL or a path on the server (this machine)."""
    if value.startswith("data:"):
        return decode_data_url(value)
    if value.startswith(("http://", "https://")):
        raise ValueError(f"the emulator cannot download {value}; send a data: URL or a path")
    return Path(value.removeprefix("file://")).read_bytes()


def _check_request(body: Any, raw: str) -> None:
    """serde's checks of ``NvCreateVideoRequest``, as the 400 the frontend rewrites them to."""

    def reject(detail: str, key: str | None = None) -> None:
        line, column = _position(raw, key)
        message = "Failed to deserialize the JSON body into the target type: "
        raise dynamo_error(400, f"{message}{detail} at line {line} column {column}")

    if not isinstance(body, dict):
        reject(f"invalid type: {_kind(body)}, expected struct NvCreateVideoRequest")
    for name in ("prompt", "model"):
        if name not in body:
            reject(f"missing field `{name}`")
    for name in _STRINGS:
        if name in body and body[name] is not None and not isinstance(body[name], str):
            reject(f"{name}: invalid type: {_kind(body[name])}, expected a string", name)
    seconds = body.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int)):
        reject(f"seconds: invalid type: {_kind(seconds)}, expected i32", "seconds")
    fmt = body.get("response_format")
    if fmt is not None and fmt not in ("url", "b64_json"):
        detail = f"unknown variant `{fmt}`, expected `url` or `b64_json`"
        if not isinstance(fmt, str):
            detail = f"invalid type: {_kind(fmt)}, expected `url` or `b64_json`"
        reject(f"response_format: {detail}", "response_format")
    nvext = body.get("nvext")
    if nvext is None:
        return
    if not isinstance(nvext, dict):
        reject(f"nvext: invalid type: {_kind(nvext)}, expected struct NvExt", "nvext")
    for name in _NVEXT_INTS:
        value = nvext.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            reject(f"nvext.{name}: invalid type: {_kind(value)}, expected i32", name)
    for name in _NVEXT_FLOATS:
        value = nvext.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            reject(f"nvext.{name}: invalid type: {_kind(value)}, expected f32", name)


def _kind(value: Any) -> str:
    """serde's ``Unexpected`` wording for a JSON value."""
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f"string {json.dumps(value)}"
    if value is None:
        return "null"
    return "sequence" if isinstance(value, list) else "map"


def _position(raw: str, key: str | None) -> tuple[int, int]:
    """Line and column just after ``key``'s value (or the end of the body), as serde counts."""
    offset = len(raw.rstrip())
    if key is not None:
        match = re.search(rf'"{re.escape(key)}"\s*:\s*', raw)
        if match is not None:
            with contextlib.suppress(ValueError):
                offset = json.JSONDecoder().raw_decode(raw, match.end())[1]
    before = raw[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1)
