"""``--compat litellm``: a LiteLLM proxy in front of a ``/v1/videos`` upstream.

The upstream is this emulator's own official contract (``VideoService``); the mode adds what the
proxy changes. Reproduced from BerriAI/litellm ``litellm/proxy/video_endpoints/endpoints.py``
(routes under ``/v1`` and bare, how each decodes the id, the content answer),
``litellm/types/videos/utils.py`` (id encoding), ``litellm/types/videos/main.py``
(``VideoObject``), ``litellm/llms/openai/videos/transformation.py`` (``usage``), and checked
against litellm 1.108.7 (``.venv-litellm``) run in front of the emulator: the answers, error
bodies and headers below are what that proxy sent.

- Ids are ``video_`` + base64 of
  ``litellm:custom_llm_provider:<p>;model_id:<model>;video_id:<upstream id>;deployment_id:<hash>``;
  every route decodes them, so they must be sent back as received.
- Video objects have no ``prompt`` or ``quality``; create and remix add ``usage``.
- ``GET /v1/videos`` is a 400 "LLM Provider NOT provided" (a 500 when a provider is named: the
  proxy then calls the public OpenAI host). ``DELETE`` is FastAPI's 405.
- ``/content`` ignores ``variant``: thumbnail and spritesheet requests get the MP4 (video/mp4).
- Remix, edits and extensions work. Characters do not: naming no routed model, the proxy sends
  them to the public OpenAI host (a 500 here), and so it does with any id that is not its own.
- Errors are ``{"error": {"message", "type", "param", "code": "<status>"}}`` with the upstream's
  answer inside ``message``. The router retries an upstream 429 or 5xx twice, so this mode
  injects ``rate_limit_*`` and ``error_rate`` faults upstream, behind those retries. A request
  with no key at all is a plain-text 500, as 1.108.7 answers it.
- ``--served-model`` names the routed models, comma-separated. Sora models reach the upstream
  unchanged; other names (Veo) are rendered here within Veo's 4/6/8 s and 720p/1080p limits.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sora_studio.emulator.compat.base import CompatContext, CompatError, CompatMode, new_uuid
from sora_studio.emulator.errors import ApiError
from sora_studio.emulator.forms import read_body
from sora_studio.emulator.middleware import injected_fault

NAME = "litellm"
VERSION = "1.108.7"  # the release whose answers this mode matches
RETRIES = 2  # the router's default num_retries
DEFAULT_MODELS = "sora-2,sora-2-pro,veo-3.1,veo-3.1-fast"
DEFAULT_VIDEO_MODEL = "sora-2"  # litellm's DEFAULT_VIDEO_ENDPOINT_MODEL
MODELS_CREATED = 1677610602  # the constant litellm's /v1/models reports for every model
VEO_SIZES = ("1280x720", "720x1280", "1920x1080", "1080x1920")
VEO_SECONDS = ("4", "6", "8")
_FIELDS = (
    *("id", "object", "status", "created_at", "completed_at", "expires_at", "error"),
    *("progress", "remixed_from_video_id", "seconds", "size", "model", "usage"),
)
NO_PROVIDER = (
    "litellm.BadRequestError: LLM Provider NOT provided. Pass in the LLM provider you are trying "
    "to call. You passed model=\n Pass model as E.g. For 'Huggingface' inference endpoints "
    "pass in `completion(model='huggingface/starcoder',..)` Learn more: "
    "https://docs.litellm.ai/docs/providers"
)
UNREACHABLE = (
    "litellm.InternalServerError: InternalServerError: OpenAIException - Cannot connect to host "
    "api.openai.com:443 ssl:default [Name or service not known]"
)


def provider_for(model: str) -> str:
    return "gemini" if model.startswith("veo") else "openai"


def deployment_id(model: str) -> str:
    """A stable stand-in for the router's deployment hash of ``model``'s route."""
    return hashlib.sha256(f"{provider_for(model)}/{model}".encode()).hexdigest()


def litellm_headers(model: str | None = None) -> dict[str, str]:
    """Headers the proxy puts on its answers (and, for a routed call, the route's)."""
    headers = {"x-litellm-call-id": str(uuid.uuid4()), "x-litellm-version": VERSION}
    if model:
        headers["x-litellm-model-id"] = deployment_id(model)
        headers["x-litellm-model-group"] = model
    return headers


def litellm_error(
    status: int,
    message: str,
    *,
    type: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> CompatError:
    """The proxy's ``ProxyException`` answer: ``code`` is the status as a string."""
    error = {"message": message, "type": type, "param": param, "code": str(status)}
    headers = litellm_headers() | (headers or {})
    return CompatError(status, {"error": error | (extra or {})}, headers=headers)


def upstream_error(exc: ApiError, model: str) -> CompatError:
    """An upstream refusal as the router re-raises it: the upstream's body inside ``message``."""
    text = json.dumps(exc.body(), separators=(",", ":"))
    if exc.status >= 500:
        prefix, kind = "litellm.InternalServerError: InternalServerError: ", "internal_server_error"
    elif exc.status == 429:
        prefix, kind = "litellm.RateLimitError: RateLimitError: ", "throttling_error"
    else:  # 1.108.7 calls every upstream 4xx a BadRequestError, 404 included
        prefix, kind = "litellm.BadRequestError: ", "invalid_request_error"
    message = (
        f"{prefix}OpenAIException - {text}\n\nLiteLLM: model group '{model}' failed with the "
        "error above. No fallback was attempted."
    )
    return litellm_error(exc.status, message, type=kind, headers=exc.headers)


def unreachable() -> CompatError:
    """A call the proxy sends to the public OpenAI host, which this setup cannot reach."""
    return litellm_error(500, UNREACHABLE, type="internal_server_error")


def encode_id(video_id: str, model: str) -> str:
    text = (
        f"litellm:custom_llm_provider:{provider_for(model)};model_id:{model};"
        f"video_id:{video_id};deployment_id:{deployment_id(model)}"
    )
    return "video_" + base64.b64encode(text.encode()).decode()


def decode_id(encoded: str) -> tuple[str, str] | None:
    """The upstream id and model inside ``encoded``; None when it is not the proxy's own."""
    if not encoded.startswith("video_"):
        return None
    payload = encoded.removeprefix("video_")
    payload += "=" * (-len(payload) % 4)  # the proxy restores stripped padding
    try:
        text = base64.b64decode(payload).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    parts = text.split(";")
    if len(parts) < 3 or not parts[2].startswith("video_id:"):
        return None
    return parts[2].removeprefix("video_id:"), parts[1].removeprefix("model_id:")


class LiteLLMMode(CompatMode):
    """A LiteLLM proxy's ``/v1/videos`` routes."""

    name = NAME
    default_model = DEFAULT_MODELS
    requires_key = True  # the proxy checks its master or virtual key
    inject_faults = False  # faults happen upstream, behind the router's retries
    api_prefixes = ("/v1", "/videos", "/models")  # the routes without /v1 need the key too

    @property
    def models(self) -> list[str]:
        return [m.strip() for m in self.served_model.split(",") if m.strip()]

    def error_response(self, exc: ApiError) -> Response:
        if exc.status == 401:
            # 1.108.7 fails inside its key check when no key is sent at all.
            return CompatError(500, text="Internal Server Error").response()
        kind = "internal_server_error" if exc.status >= 500 else "invalid_request_error"
        return litellm_error(exc.status, exc.message, type=kind, headers=exc.headers).response()

    def routes(self, ctx: CompatContext) -> list[BaseRoute]:
        h = _Handlers(self, ctx)
        routes: list[BaseRoute] = []
        for prefix in ("/v1", ""):  # every video route is served with and without /v1
            routes += [
                Route(f"{prefix}/videos", h.create, methods=["POST"]),
                Route(f"{prefix}/videos", h.list, methods=["GET"]),
                Route(f"{prefix}/videos/{{video_id}}", h.retrieve, methods=["GET"]),
                Route(f"{prefix}/videos/{{video_id}}/content", h.content, methods=["GET"]),
                Route(f"{prefix}/videos/{{video_id}}/remix", h.remix, methods=["POST"]),
                Route(f"{prefix}/videos/characters", h.unrouted, methods=["POST"]),
                Route(f"{prefix}/videos/characters/{{character_id}}", h.unrouted, methods=["GET"]),
                Route(f"{prefix}/videos/edits", h.edit, methods=["POST"]),
                Route(f"{prefix}/videos/extensions", h.extend, methods=["POST"]),
                Route(f"{prefix}/models", h.model_list, methods=["GET"]),
            ]
        return routes


class _Handlers:
    def __init__(self, mode: LiteLLMMode, ctx: CompatContext) -> None:
        self.mode = mode
        self.ctx = ctx
        self.videos = ctx.emulator.videos

    async def _upstream(self, model: str, fn: Any, *args: Any) -> Any:
        """Call the upstream as the router does: a 429 or 5xx is retried twice."""
        for attempt in range(RETRIES + 1):
            try:
                fault = injected_fault(self.ctx.emulator.faults)
                if fault is not None:
                    raise fault
                return await run_in_threadpool(fn, *args)
            except ApiError as exc:
                if attempt < RETRIES and (exc.status == 429 or exc.status >= 500):
                    wait_ms = float(exc.headers.get("retry-after-ms", 100))
                    await asyncio.sleep(min(wait_ms, 1000.0) / 1000.0)
                    continue
                raise upstream_error(exc, model) from exc
        raise AssertionError("the loop always returns or raises")

    def _source(self, encoded: str) -> tuple[str, str]:
        """The upstream id and model of a proxy id; any other id goes to the public host."""
        decoded = decode_id(encoded)
        if decoded is None:
            raise unreachable()
        return decoded

    def _answer(self, video: dict[str, Any], *, usage: bool) -> JSONResponse:
        """litellm's ``VideoObject``: its own fields only, the id encoded with the route."""
        model = video.get("model") or DEFAULT_VIDEO_MODEL
        shown = {key: video.get(key) for key in _FIELDS}
        shown["id"] = encode_id(video["id"], model)
        seconds = video.get("seconds")
        shown["usage"] = {"duration_seconds": float(seconds)} if usage and seconds else None
        return JSONResponse(shown, headers=litellm_headers(model))

    async def create(self, request: Request) -> Response:
        body = await read_body(request)
        model = body.get("model") or DEFAULT_VIDEO_MODEL
        if model not in self.mode.models:
            message = (
                f"/videos: Invalid model name passed in model={model}. Call `/v1/models` to "
                "view available models for your key."
            )
            raise litellm_error(
                400,
                message,
                type="invalid_request_error",
                extra={"provider_specific_fields": {"error": message}},
            )
        if provider_for(model) == "openai":
            video = await self._upstream(model, self.videos.create, body | {"model": model})
        else:
            video = self._veo(body, model)
        return self._answer(video, usage=True)

    def _veo(self, body: dict[str, Any], model: str) -> dict[str, Any]:
        """A Veo model behind the proxy, rendered here within Veo's limits."""
        prompt = body.get("prompt")
        size = str(body.get("size") or "1280x720")
        seconds = str(body.get("seconds") or "8")
        problem = None
        if not isinstance(prompt, str) or not prompt:
            problem = "prompt is required"
        elif size not in VEO_SIZES:
            problem = f"size {size} is not supported; use one of {', '.join(VEO_SIZES)}"
        elif seconds not in VEO_SECONDS:
            problem = f"seconds {seconds} is not supported; use 4, 6 or 8"
        if problem is not None:
            message = f"litellm.BadRequestError: GeminiException - {problem}"
            raise litellm_error(400, message, type="invalid_request_error")
        record = self.ctx.submit(
            NAME,
            "video_" + new_uuid().replace("-", ""),
            prompt=str(prompt),
            model=model,
            size=size,
            seconds=int(seconds),
            echo={},
        )
        return record.public()

    async def list(self, request: Request) -> Response:
        named = (
            request.headers.get("custom-llm-provider")
            or request.query_params.get("custom_llm_provider")
            or await _body_provider(request)
        )
        if named:
            raise unreachable()  # the provider's public host, not the routed upstream
        raise litellm_error(400, NO_PROVIDER, type="invalid_request_error")

    async def retrieve(self, request: Request) -> Response:
        video_id, model = self._source(request.path_params["video_id"])
        video = await self._upstream(model, self.videos.retrieve, video_id)
        return self._answer(video, usage=False)

    async def content(self, request: Request) -> Response:
        encoded = request.path_params["video_id"]
        video_id, model = self._source(encoded)
        # The proxy asks its upstream for the video whatever ``variant`` says.
        path, _ = await self._upstream(model, self.videos.content_path, video_id, None)
        disposition = {"Content-Disposition": f"attachment; filename=video_{encoded}.mp4"}
        return self.ctx.stream(path, "video/mp4", disposition)

    async def remix(self, request: Request) -> Response:
        body = await read_body(request)
        video_id, model = self._source(request.path_params["video_id"])
        video = await self._upstream(model, self.videos.remix, video_id, body)
        return self._answer(video, usage=True)

    async def edit(self, request: Request) -> Response:
        body, model = self._decoded_video(await read_body(request))
        return self._answer(await self._upstream(model, self.videos.edit, body), usage=False)

    async def extend(self, request: Request) -> Response:
        body, model = self._decoded_video(await read_body(request))
        return self._answer(await self._upstream(model, self.videos.extend, body), usage=False)

    async def unrouted(self, request: Request) -> Response:
        """Characters name no routed model: the proxy sends them to the public OpenAI host."""
        raise unreachable()

    def _decoded_video(self, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """Edits and extensions name their source as ``{"id": ...}``, which the proxy decodes."""
        video = body.get("video")
        if isinstance(video, dict) and isinstance(video.get("id"), str):
            video_id, model = self._source(video["id"])
            return body | {"video": video | {"id": video_id}}, model
        return body, str(body.get("model") or DEFAULT_VIDEO_MODEL)

    async def model_list(self, request: Request) -> Response:
        data = [
            {
                "id": model,
                "object": "model",
                "created": MODELS_CREATED,
                "owned_by": "openai",
                "mode": "video_generation",
            }
            for model in self.mode.models
        ]
        return JSONResponse({"data": data, "object": "list"})


async def _body_provider(request: Request) -> str | None:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data.get("custom_llm_provider") if isinstance(data, dict) else None
