"""The emulator's HTTP server: the Starlette app for /v1/videos, /v1/files, /v1/batches and
/v1/moderations, the ``/_emulator`` admin routes, and ``EmulatorServer``, which runs it all on a
loopback port from a background thread.

``Emulator`` composes the pieces (state, job runner, faults, webhooks, files, batches) without any
HTTP; ``create_app`` puts routes in front of it. With ``EmulatorSettings.compat`` set to another
server (``emulator.compat``), that mode's routes and error shapes replace the ``/v1`` contract
while the ``/_emulator`` admin routes, fault injection and the renderer stay the same. Long work
(renders, batches, webhook deliveries) runs on its own threads so the event loop only parses
requests and streams bytes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from sora_studio.core.capabilities import preset
from sora_studio.core.catalog import Catalog, catalog_for_profile, default_catalog
from sora_studio.core.closing import Closing
from sora_studio.emulator.batches import BatchManager
from sora_studio.emulator.characters import CharacterService
from sora_studio.emulator.compat import CompatContext, CompatError, CompatMode, build_mode
from sora_studio.emulator.errors import ApiError, bad_request
from sora_studio.emulator.faults import EmulatorSettings, FaultInjector
from sora_studio.emulator.files import FileStore
from sora_studio.emulator.forms import read_body
from sora_studio.emulator.jobs import JobRunner
from sora_studio.emulator.middleware import EmulatorMiddleware, RequestStats
from sora_studio.emulator.moderation import moderate
from sora_studio.emulator.records import VideoRecord
from sora_studio.emulator.state import EmulatorState
from sora_studio.emulator.videos import VideoService
from sora_studio.emulator.webhooks import WebhookSender

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
STARTED_AT = int(time.time())  # the "created" time of the models the emulator lists


class DownloadCut(ConnectionAbortedError):
    """Raised inside a streamed download to drop the connection part-way (cut_download_rate)."""


class _QuietCuts(logging.Filter):
    """Keep deliberate download cuts out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DownloadCut))


_uvicorn_log = logging.getLogger("uvicorn.error")
if not any(isinstance(f, _QuietCuts) for f in _uvicorn_log.filters):
    _uvicorn_log.addFilter(_QuietCuts())


class Emulator:
    """Everything the emulator does, minus HTTP: state, renders, faults, webhooks and batches."""

    def __init__(self, data_dir: Path, settings: EmulatorSettings | None = None) -> None:
        self.settings = settings or EmulatorSettings()
        self.state = EmulatorState(Path(data_dir))
        self.faults = FaultInjector(self.settings)
        self.stats_recorder = RequestStats()
        self.webhooks = WebhookSender(
            lambda: (list(self.settings.webhook_urls), self.settings.webhook_secret)
        )
        self.runner = JobRunner(self.state, self.faults, self._video_finished)
        # The official contract serves the Sora models only; a compat mode stands in for other
        # servers (Veo behind LiteLLM, Wan on SGLang) and renders whatever they would.
        catalog = official_catalog() if self.settings.compat == "openai" else None
        self.characters = CharacterService(self.state)
        self.videos = VideoService(self.state, self.runner, catalog, self.characters)
        self.files = FileStore(self.state)
        self.batches = BatchManager(self.state, self.files, self.videos, self.webhooks.emit)
        self.resumed = 0
        # The imitated server is fixed for this run: its routes are built once, at start.
        self.mode = self.settings.compat
        self.compat: CompatMode | None = build_mode(self.settings)
        self.context = CompatContext(self, self.stream_file)

    def stream_file(
        self, path: Path, media_type: str, headers: dict[str, str] | None = None
    ) -> StreamingResponse:
        """``path`` as a download, with the download faults applied."""
        return _stream(path, media_type, self, headers)

    def _video_finished(self, video: VideoRecord) -> None:
        event = "video.completed" if video.status == "completed" else "video.failed"
        self.webhooks.emit(event, {"id": video.id})
        self.batches.notify()

    def start(self) -> None:
        self.webhooks.start()
        if self.compat is not None:
            self.compat.start(self.context)  # before resuming: a memory-only server forgets
        self.resumed = self.runner.start()
        self.batches.start()

    def stop(self) -> None:
        if self.compat is not None:
            self.compat.stop()
        self.runner.stop()
        self.batches.stop()
        self.webhooks.stop()

    def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        if changes.get("compat", self.mode) != self.mode:
            raise bad_request(
                f"The emulator runs in compat mode {self.mode!r}, chosen at start; restart it "
                "with --compat to imitate another server.",
                code="invalid_setting",
            )
        try:
            self.settings.update(changes)
        except ValueError as exc:
            raise bad_request(str(exc), code="invalid_setting") from exc
        if "seed" in changes:
            self.faults.reset()
        return self.settings.to_dict()

    def stats(self) -> dict[str, Any]:
        snapshot = self.stats_recorder.snapshot()
        snapshot.update(
            videos=self.state.videos.count_by(lambda v: v.status),
            batches=self.state.batches.count_by(lambda b: b.status),
            renders_started=self.runner.renders_started,
            active_renders=self.runner.active,
            render_processes=self.runner.render_process_ids,
            resumed_on_start=self.resumed,
            webhooks={"delivered": self.webhooks.delivered, "failed": self.webhooks.failed},
            compat=self.compat.describe() if self.compat is not None else {"mode": self.mode},
        )
        return snapshot


def official_catalog() -> Catalog:
    """The models OpenAI's own Videos API served: what the default emulator accepts."""
    return catalog_for_profile(default_catalog(), preset("emulator").models, (), {})


def models_page(catalog: Catalog, created: int) -> dict[str, Any]:
    """``GET /v1/models`` in OpenAI's shape: one entry per model the emulator renders."""
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": created, "owned_by": "system"}
            for name in catalog.model_names()
        ],
    }


def _json(data: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, headers=headers)


def create_app(emulator: Emulator) -> Starlette:
    """The Starlette application serving ``emulator``."""
    videos, files, batches = emulator.videos, emulator.files, emulator.batches
    characters = emulator.characters
    compat = emulator.compat

    async def blocking(fn: Callable[..., dict[str, Any]], *args: Any) -> JSONResponse:
        return _json(await run_in_threadpool(fn, *args))

    async def create_video(request: Request) -> Response:
        return await blocking(videos.create, await read_body(request))

    async def list_videos(request: Request) -> Response:
        q = request.query_params
        return _json(videos.list(after=q.get("after"), limit=q.get("limit"), order=q.get("order")))

    async def retrieve_video(request: Request) -> Response:
        video = videos.retrieve(request.path_params["video_id"])
        # The SDK's poll() takes its interval from the first response that carries this.
        return _json(video, {"openai-poll-after-ms": str(int(emulator.settings.poll_after_ms))})

    async def delete_video(request: Request) -> Response:
        return _json(videos.delete(request.path_params["video_id"]))

    async def remix_video(request: Request) -> Response:
        body = await read_body(request)
        return await blocking(videos.remix, request.path_params["video_id"], body)

    async def edit_video(request: Request) -> Response:
        return await blocking(videos.edit, await read_body(request))

    async def extend_video(request: Request) -> Response:
        return await blocking(videos.extend, await read_body(request))

    async def create_character(request: Request) -> Response:
        return await blocking(characters.create, await read_body(request, multipart_only=True))

    async def get_character(request: Request) -> Response:
        return _json(characters.get(request.path_params["character_id"]))

    async def video_content(request: Request) -> Response:
        path, media_type = videos.content_path(
            request.path_params["video_id"], request.query_params.get("variant")
        )
        try:
            return _stream(path, media_type, emulator)
        except FileNotFoundError:  # deleted between the check and the open
            raise ApiError(
                404,
                f"Video {request.path_params['video_id']} was deleted while being fetched.",
                code="not_found",
            ) from None

    async def moderations(request: Request) -> Response:
        return await blocking(moderate, await read_body(request))

    async def upload_file(request: Request) -> Response:
        return await blocking(files.upload, await read_body(request, multipart_only=True))

    async def list_files(request: Request) -> Response:
        q = request.query_params
        return _json(
            files.list(
                purpose=q.get("purpose"),
                after=q.get("after"),
                limit=q.get("limit"),
                order=q.get("order"),
            )
        )

    async def retrieve_file(request: Request) -> Response:
        return _json(files.retrieve(request.path_params["file_id"]))

    async def delete_file(request: Request) -> Response:
        return _json(files.delete(request.path_params["file_id"]))

    async def file_content(request: Request) -> Response:
        return FileResponse(
            files.path(request.path_params["file_id"]), media_type="application/octet-stream"
        )

    async def create_batch(request: Request) -> Response:
        return _json(batches.create(await read_body(request)))

    async def list_batches(request: Request) -> Response:
        q = request.query_params
        return _json(batches.list(after=q.get("after"), limit=q.get("limit")))

    async def retrieve_batch(request: Request) -> Response:
        return _json(batches.retrieve(request.path_params["batch_id"]))

    async def cancel_batch(request: Request) -> Response:
        return _json(batches.cancel(request.path_params["batch_id"]))

    async def list_models(request: Request) -> Response:
        return _json(models_page(videos.catalog, STARTED_AT))

    async def get_settings(request: Request) -> Response:
        return _json(emulator.settings.to_dict())

    async def post_settings(request: Request) -> Response:
        return _json(emulator.update_settings(await read_body(request)))

    async def get_stats(request: Request) -> Response:
        return _json(emulator.stats())

    async def reset_stats(request: Request) -> Response:
        emulator.stats_recorder.reset()
        return _json(emulator.stats())

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if compat is not None and not request.url.path.startswith("/_emulator/"):
            return compat.error_response(exc)
        return exc.response()

    async def on_compat_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CompatError)
        return exc.response()

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if compat is not None:
            return compat.http_error(exc)
        if exc.status_code == 404:
            message = f"Unknown path {request.method} {request.url.path}."
        elif exc.status_code == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}."
        else:
            message = str(exc.detail)
        return ApiError(exc.status_code, message).response()

    admin = [
        Route("/_emulator/settings", get_settings, methods=["GET"]),
        Route("/_emulator/settings", post_settings, methods=["POST"]),
        Route("/_emulator/stats", get_stats, methods=["GET"]),
        Route("/_emulator/reset-stats", reset_stats, methods=["POST"]),
    ]
    contract = [
        # Literal paths come before /videos/{video_id} so "edits" is never read as an id.
        Route("/v1/videos", create_video, methods=["POST"]),
        Route("/v1/videos", list_videos, methods=["GET"]),
        Route("/v1/videos/edits", edit_video, methods=["POST"]),
        Route("/v1/videos/extensions", extend_video, methods=["POST"]),
        Route("/v1/videos/characters", create_character, methods=["POST"]),
        Route("/v1/videos/characters/{character_id}", get_character, methods=["GET"]),
        Route("/v1/videos/{video_id}", retrieve_video, methods=["GET"]),
        Route("/v1/videos/{video_id}", delete_video, methods=["DELETE"]),
        Route("/v1/videos/{video_id}/content", video_content, methods=["GET"]),
        Route("/v1/videos/{video_id}/remix", remix_video, methods=["POST"]),
        Route("/v1/moderations", moderations, methods=["POST"]),
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/files", upload_file, methods=["POST"]),
        Route("/v1/files", list_files, methods=["GET"]),
        Route("/v1/files/{file_id}", retrieve_file, methods=["GET"]),
        Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
        Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
        Route("/v1/batches", create_batch, methods=["POST"]),
        Route("/v1/batches", list_batches, methods=["GET"]),
        Route("/v1/batches/{batch_id}", retrieve_batch, methods=["GET"]),
        Route("/v1/batches/{batch_id}/cancel", cancel_batch, methods=["POST"]),
    ]
    routes = contract if compat is None else compat.routes(emulator.context)
    app = Starlette(
        routes=[*routes, *admin],
        exception_handlers={
            ApiError: on_api_error,
            CompatError: on_compat_error,
            HTTPException: on_http_error,
        },
    )
    app.add_middleware(
        EmulatorMiddleware,
        router=app.router,
        faults=emulator.faults,
        stats=emulator.stats_recorder,
        shape_error=compat.error_response if compat is not None else None,
        requires_key=compat.requires_key if compat is not None else True,
        openai_headers=compat.openai_headers if compat is not None else True,
        inject_faults=compat.inject_faults if compat is not None else True,
        api_prefixes=compat.api_prefixes if compat is not None else ("/v1",),
    )
    return app


def _stream(
    path: Path,
    media_type: str,
    emulator: Emulator,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    """Stream ``path``, throttled or cut off part-way when those faults are set.

    The file is opened here, before the response starts: a file deleted after that (vLLM-Omni's
    TTL sweeper, a delete) still streams whole from the open handle, and one already gone
    raises ``FileNotFoundError`` for the caller to answer 404, never a half-sent body.
    """
    fh = open(path, "rb")  # noqa: SIM115 - closed by the body's finally
    try:
        size = os.fstat(fh.fileno()).st_size
    except BaseException:
        fh.close()
        raise
    settings = emulator.settings
    cut_at = size // 2 if emulator.faults.cut_download() else None
    bytes_per_s = float(settings.slow_download_kbps) * 125.0  # kilobits/s -> bytes/s
    chunk = CHUNK_BYTES
    if bytes_per_s > 0:
        chunk = max(512, min(CHUNK_BYTES, int(bytes_per_s / 10)))  # ~10 writes a second

    async def body() -> AsyncIterator[bytes]:
        sent = 0
        try:
            while data := fh.read(chunk):
                if cut_at is not None and sent + len(data) >= cut_at:
                    yield data[: cut_at - sent]
                    await asyncio.sleep(0.05)  # let the partial bytes reach the socket
                    raise DownloadCut(f"download of {path.name} cut after {cut_at} bytes")
                yield data
                sent += len(data)
                if bytes_per_s > 0:
                    await asyncio.sleep(len(data) / bytes_per_s)
        finally:
            fh.close()

    return StreamingResponse(
        body(), media_type=media_type, headers={**(headers or {}), "content-length": str(size)}
    )


class EmulatorServer(Closing):
    """Runs the emulator on ``host:port`` (0 picks a free port) from a background thread."""

    def __init__(
        self,
        data_dir: Path,
        settings: EmulatorSettings | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        compat: str | None = None,
    ) -> None:
        """``compat`` (e.g. ``"sglang"``) is a shortcut for ``settings.compat``."""
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port
        if compat is not None:
            settings = settings or EmulatorSettings()
            settings.update({"compat": compat})
        self.emulator = Emulator(self.data_dir, settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def settings(self) -> EmulatorSettings:
        return self.emulator.settings

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def stats(self) -> dict[str, Any]:
        return self.emulator.stats()

    def start(self, timeout: float = 10.0) -> str:
        """Start serving; returns the base URL once the port really accepts connections."""
        if self._thread is not None:
            return self.base_url
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise OSError(f"cannot listen on {self.host}:{self.port}: {exc}") from exc
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.emulator),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self.emulator.start()
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="emulator-http", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not start listening on {self.base_url}")
            time.sleep(0.01)
        return self.base_url

    def stop(self) -> None:
        """Stop serving and rendering; unfinished renders resume on the next start."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._server = None
        self.emulator.stop()

    def close(self) -> None:
        """:meth:`stop`; ``with EmulatorServer(...) as server:`` starts it and stops it after."""
        self.stop()

    def __enter__(self) -> Self:
        self.start()
        return self
