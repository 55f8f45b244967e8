"""What every compatibility mode shares: the mode base class, ready-made error answers, and the
job plumbing that puts a mode's request onto the emulator's own renderer.

A mode never touches ``videos.py``: it parses requests its server's way, stores a
``VideoRecord`` tagged with its name (``compat``) through ``submit``, lets the ordinary
``JobRunner`` render it, and shows the record its server's way. Records keep the render's real
size and seconds in ``size``/``seconds`` (the runner reads them); what the server would echo
lives in ``echo``.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sora_studio.emulator.errors import ApiError
from sora_studio.emulator.faults import EmulatorSettings
from sora_studio.emulator.forms import Upload
from sora_studio.emulator.jobs import asset_path, remove_media
from sora_studio.emulator.records import VideoRecord
from sora_studio.emulator.state import EmulatorState
from sora_studio.emulator.uploads import keep_image

if TYPE_CHECKING:
    from sora_studio.emulator.server import Emulator

FINISHED = ("completed", "failed")
# Renders are real MP4s made on this machine's CPU: keep one request from occupying it for
# minutes, whatever a GPU server would accept.
MAX_RENDER_SECONDS = 60
MAX_RENDER_SIDE = 1920
MIN_RENDER_SIDE = 16


class CompatError(Exception):
    """A finished error answer in the imitated server's own shape (JSON body or plain text)."""

    def __init__(
        self,
        status: int,
        body: Any = None,
        *,
        text: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(text if text is not None else json.dumps(body))
        self.status = status
        self.body = body
        self.text = text
        self.headers = dict(headers or {})

    def response(self) -> Response:
        if self.body is not None:
            return JSONResponse(self.body, status_code=self.status, headers=self.headers)
        if self.text is not None:
            return Response(self.text, self.status, self.headers, media_type="text/plain")
        return Response(b"", self.status, self.headers)


def phrase(status: int) -> str:
    """The HTTP reason phrase servers use as an error ``type`` (``Bad Request``)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Error"


def fastapi_detail(status: int, detail: Any, headers: dict[str, str] | None = None) -> CompatError:
    """FastAPI's own error answer, ``{"detail": ...}`` (what ``HTTPException`` gives)."""
    return CompatError(status, {"detail": detail}, headers=headers)


def fastapi_invalid(errors: list[dict[str, Any]]) -> CompatError:
    """FastAPI's 422 for a request that fails parameter validation."""
    return CompatError(422, {"detail": errors})


def field_error(kind: str, where: str, name: str, msg: str, value: Any) -> dict[str, Any]:
    """One entry of a FastAPI/pydantic v2 validation error list."""
    return {"type": kind, "loc": [where, name], "msg": msg, "input": value}


def int_field(
    values: dict[str, Any],
    name: str,
    where: str,
    errors: list[dict[str, Any]],
    *,
    ge: int | None = None,
    le: int | None = None,
) -> int | None:
    """An optional integer form/query field the way FastAPI coerces it, noting any error."""
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    try:
        number = int(str(raw).strip())
    except ValueError:
        msg = "Input should be a valid integer, unable to parse string as an integer"
        errors.append(field_error("int_parsing", where, name, msg, raw))
        return None
    if ge is not None and number < ge:
        msg = f"Input should be greater than or equal to {ge}"
        errors.append(
            field_error("greater_than_equal", where, name, msg, raw) | {"ctx": {"ge": ge}}
        )
    if le is not None and number > le:
        msg = f"Input should be less than or equal to {le}"
        errors.append(field_error("less_than_equal", where, name, msg, raw) | {"ctx": {"le": le}})
    return number


def float_field(
    values: dict[str, Any], name: str, where: str, errors: list[dict[str, Any]]
) -> float | None:
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(str(raw).strip())
    except ValueError:
        msg = "Input should be a valid number, unable to parse string as a number"
        errors.append(field_error("float_parsing", where, name, msg, raw))
        return None


def pydantic_text(model: str, errors: list[dict[str, Any]]) -> str:
    """``str(ValidationError)`` of pydantic v2 for ``errors`` (loc, msg, type, input)."""
    count = len(errors)
    lines = [f"{count} validation error{'s' if count != 1 else ''} for {model}"]
    for err in errors:
        value = err["input"]
        lines.append(".".join(str(part) for part in err["loc"]))
        lines.append(
            f"  {err['msg']} [type={err['type']}, input_value={value!r}, "
            f"input_type={type(value).__name__}]"
        )
        lines.append(
            f"    For further information visit https://errors.pydantic.dev/2.11/v/{err['type']}"
        )
    return "\n".join(lines)


def check_types(
    payload: dict[str, Any], schema: dict[str, type], errors: list[dict[str, Any]]
) -> None:
    """Pydantic's lax-mode checks of optional ``payload`` fields (``None`` always passes)."""
    for name, kind in schema.items():
        value = payload.get(name)
        if value is None:
            continue
        if kind is int:
            ok = not isinstance(value, bool) and (
                isinstance(value, int)
                or (isinstance(value, float) and value.is_integer())
                or (isinstance(value, str) and value.strip().lstrip("-").isdigit())
            )
            if not ok:
                msg = "Input should be a valid integer"
                errors.append({"type": "int_parsing", "loc": (name,), "msg": msg, "input": value})
            elif not isinstance(value, int):
                payload[name] = int(float(value))
        elif kind is float:
            try:
                payload[name] = float(value)
                ok = not isinstance(value, bool)
            except (TypeError, ValueError):
                ok = False
            if not ok:
                msg = "Input should be a valid number"
                errors.append({"type": "float_parsing", "loc": (name,), "msg": msg, "input": value})
        elif not isinstance(value, kind):
            msg = "Input should be a valid string"
            errors.append({"type": "string_type", "loc": (name,), "msg": msg, "input": value})


def parse_size(text: Any) -> tuple[int, int] | None:
    """``"WxH"`` as two positive integers, else None."""
    if not isinstance(text, str):
        return None
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    width, height = int(parts[0]), int(parts[1])
    return (width, height) if width > 0 and height > 0 else None


def render_size(width: int, height: int) -> str:
    """A size the renderer can encode (multiples of 4, bounded) close to what was asked."""

    def side(value: int) -> int:
        return max(MIN_RENDER_SIDE, min(MAX_RENDER_SIDE, round(value / 4) * 4))

    return f"{side(width)}x{side(height)}"


def render_seconds(frames: int, fps: int) -> int:
    """Whole seconds to render for ``frames`` at ``fps`` (at least one)."""
    seconds = math.floor(frames / max(fps, 1) + 0.5)
    return max(1, min(MAX_RENDER_SECONDS, seconds))


def new_uuid() -> str:
    return str(uuid.uuid4())


def attachment(filename: str) -> dict[str, str]:
    """The header FastAPI's ``FileResponse(filename=...)`` sends."""
    return {"content-disposition": f'attachment; filename="{filename}"'}


async def read_form(request: Request) -> tuple[dict[str, str], dict[str, Upload]]:
    """Text fields and file parts of a multipart or urlencoded body (last value wins).

    Keys are kept as sent: servers built on FastAPI ``Form`` fields read plain names and
    ignore the SDK's bracket keys such as ``input_reference[image_url]``.
    """
    form = await request.form(max_part_size=21 * 1024 * 1024)
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            files[key] = Upload(
                value.filename or "upload", value.content_type or "application/octet-stream", data
            )
        else:
            fields[key] = value
    await form.close()
    return fields, files


def content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_form(request: Request) -> bool:
    return content_type(request) in ("multipart/form-data", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class CompatContext:
    """What a mode's route handlers need from the running emulator."""

    emulator: Emulator
    stream: Callable[[Path, str, dict[str, str] | None], Response]

    @property
    def state(self) -> EmulatorState:
        return self.emulator.state

    @property
    def settings(self) -> EmulatorSettings:
        return self.emulator.settings

    def records(self, mode: str) -> list[VideoRecord]:
        """This mode's job records, oldest first (other modes' jobs are another server's)."""
        return [v for v in self.state.videos.all() if v.compat == mode]

    def record(self, mode: str, video_id: str) -> VideoRecord | None:
        video = self.state.videos.get(video_id)
        return video if video is not None and video.compat == mode else None

    def video_file(self, video_id: str) -> Path:
        return asset_path(self.state, video_id, "video")

    def store_reference(self, video_id: str, data: bytes) -> Path:
        """Keep a reference image beside the job's media; ValueError when it is no image."""
        path, _ = keep_image(self.state, video_id, data)
        return path

    def submit(
        self,
        mode: str,
        video_id: str,
        *,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        echo: dict[str, Any],
        reference: Path | None = None,
    ) -> VideoRecord:
        """Store a queued job for ``mode`` and hand it to the renderer; returns the record."""
        record = VideoRecord.queued(
            video_id,
            model=model,
            prompt=prompt,
            size=size,
            seconds=seconds,
            reference=str(reference) if reference else None,
            compat=mode,
            echo=echo,
            submitted=time.time(),  # for inference_time_s, which servers report as a float
        )
        stored = self.state.videos.put(record)
        self.emulator.runner.submit(video_id)
        return stored

    def wait_finished(self, video_id: str, timeout: float) -> VideoRecord | None:
        """Block until the job completes or fails (None if it vanished or timed out)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            video = self.state.videos.get(video_id)
            if video is None or video.status in FINISHED:
                return video
            time.sleep(0.05)
        return None

    def forget(self, video_id: str, *, keep_file: bool) -> None:
        """Drop a job's record; its render stops, and its files go unless ``keep_file``."""
        self.state.videos.delete(video_id)
        self.emulator.runner.cancel(video_id)
        if not keep_file:
            remove_media(self.state, video_id)


class JobEndpoints(Protocol):
    """The handlers of a server that keeps jobs: create, list, retrieve, delete, content."""

    async def create(self, request: Request) -> Response: ...

    async def list(self, request: Request) -> Response: ...

    async def retrieve(self, request: Request) -> Response: ...

    async def delete(self, request: Request) -> Response: ...

    async def content(self, request: Request) -> Response: ...


def job_routes(handlers: JobEndpoints, *, also_post: Sequence[Route] = ()) -> list[BaseRoute]:
    """``/v1/videos`` as a job-keeping server routes it; ``also_post`` go right after create."""
    return [
        Route("/v1/videos", handlers.create, methods=["POST"]),
        *also_post,
        Route("/v1/videos", handlers.list, methods=["GET"]),
        Route("/v1/videos/{video_id}", handlers.retrieve, methods=["GET"]),
        Route("/v1/videos/{video_id}", handlers.delete, methods=["DELETE"]),
        Route("/v1/videos/{video_id}/content", handlers.content, methods=["GET"]),
    ]


class CompatMode:
    """One real server's way of speaking ``/v1/videos``; subclasses fill in the details."""

    name: ClassVar[str] = ""
    default_model: ClassVar[str | None] = None
    requires_key: ClassVar[bool] = False  # GPU servers run without keys unless told otherwise
    openai_headers: ClassVar[bool] = False
    memory_only: ClassVar[bool] = False  # its job store lives in memory: a restart forgets it
    inject_faults: ClassVar[bool] = True  # False: the mode applies 429 bursts and 5xx itself
    api_prefixes: ClassVar[tuple[str, ...]] = ("/v1",)  # keyed, counted and faulted paths

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings

    @property
    def served_model(self) -> str:
        return self.settings.served_model or self.default_model or "model"

    def routes(self, ctx: CompatContext) -> list[BaseRoute]:
        raise NotImplementedError

    def error_response(self, exc: ApiError) -> Response:
        """``exc`` (an injected fault or shared code's refusal) in this server's error shape."""
        raise NotImplementedError

    def http_error(self, exc: HTTPException) -> Response:
        """Unknown path or wrong method: FastAPI's plain ``{"detail": ...}`` by default."""
        headers = dict(exc.headers or {})
        if "Allow" in headers:  # FastAPI's routes list only their declared methods, not HEAD
            allowed = [m for m in headers["Allow"].split(", ") if m != "HEAD"]
            headers["Allow"] = ", ".join(allowed)
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers)

    def start(self, ctx: CompatContext) -> None:
        """Called before the renderer resumes unfinished jobs."""
        if self.memory_only:
            # The real server kept these in a dict; nothing of them survives its restart.
            for video in ctx.records(self.name):
                ctx.state.videos.delete(video.id)

    def stop(self) -> None:
        """Called when the emulator stops."""

    def describe(self) -> dict[str, Any]:
        return {"mode": self.name, "served_model": self.served_model}
