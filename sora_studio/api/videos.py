"""The adapter between the app and a provider's ``/v1/videos`` endpoints (the ``openai`` SDK).

``VideosClient`` returns the frozen dataclasses of ``api.remote`` and raises only
``core.errors.ProviderError``. It reads the profile's ``ProviderCapabilities`` to speak each
server's dialect: the body encoding (JSON, multipart, or either with one retry in the other
encoding on a refusal, remembered per client), integer ``seconds``, the reference-image field,
servers that block on create (NVIDIA Dynamo), results handed over as URLs. Bodies are built in
``api.request_bodies`` and sent by ``api.encodings`` (which explains why some calls avoid the
SDK's typed methods); answers are read by ``api.responses``; downloads (and the check of their
bytes) live in ``api.content``. Against the official contract (the emulator) every request is
byte-for-byte what earlier versions sent.

Thread use: one client per thread is simplest; the underlying ``openai.OpenAI`` (and its ``httpx2``
connection pool) is thread-safe, so the poller and download workers may also share one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, TypeVar, cast
from urllib.parse import urlsplit

import httpx2
import openai

from sora_studio.api.content import (
    DOWNLOAD_CHUNK,
    CancelCheck,
    ContentSink,
    DownloadCancelledError,
    ProgressCallback,
    content_length,
    fetch_result,
    pump,
)
from sora_studio.api.encodings import BodySender
from sora_studio.api.errors import RETIRED_MESSAGE, unsupported_delete_error
from sora_studio.api.provider import ProviderProfile
from sora_studio.api.remote import (
    PollHints,
    RemoteCharacter,
    RemoteModel,
    RemotePage,
    RemoteVideo,
    character_from_mapping,
    hints_from_headers,
    models_from_payload,
    video_from_mapping,
)
from sora_studio.api.request_bodies import (
    ReferenceImage,
    WireRequest,
    check_extras,
    image_data_url,
    missing_reference,
    path_segment,
    seconds_value,
)
from sora_studio.api.responses import CODE_NOT_A_VIDEO, json_any, json_object, video_and_hints
from sora_studio.api.sdk import (
    CONNECT_TIMEOUT_S,
    open_sdk_client,
    quiet_sora_deprecation,
    run_sdk_call,
    sdk_timeout,
)
from sora_studio.core.capabilities import BodyFormat, ProviderCapabilities
from sora_studio.core.closing import Closing
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import AssetVariant, ErrorClass, Operation, RenderRequest

T = TypeVar("T")
Extras = tuple[tuple[str, str | int | float], ...]


def is_litellm(headers: Mapping[str, str]) -> bool:
    """LiteLLM's proxy marks its answers with ``x-litellm-*`` headers."""
    return any(name.lower().startswith("x-litellm") for name in headers)


def fill_litellm_modes(
    sdk: openai.OpenAI, models: tuple[RemoteModel, ...]
) -> tuple[RemoteModel, ...]:
    """Add the modes LiteLLM keeps in ``/model/info`` (one call; any failure leaves ``models``)."""
    try:
        info = sdk.get("/model/info", cast_to=httpx2.Response, options={"max_retries": 0})
        modes = {m.id: m.mode for m in models_from_payload(info.json()) if m.mode}
    except (openai.OpenAIError, httpx2.HTTPError, ValueError):
        return models
    return tuple(replace(m, mode=modes.get(m.id, m.mode)) for m in models)


class VideosClient(Closing):
    """Calls to one provider's ``/v1/videos`` endpoints. Use as a context manager or ``close()``."""

    def __init__(
        self,
        profile: ProviderProfile,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
    ) -> None:
        self.profile = profile
        self.base_url = base_url or profile.base_url
        self.capabilities: ProviderCapabilities = profile.capabilities
        self._sdk = open_sdk_client(profile, base_url=base_url, api_key=api_key)
        self._http: httpx2.Client | None = None  # result URLs; created on first use
        self._sender = BodySender(
            self._sdk, self.capabilities, create_timeout_s=profile.create_timeout_s
        )

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self._sdk.close()
        if self._http is not None:
            self._http.close()

    @property
    def sdk(self) -> openai.OpenAI:
        """The underlying SDK client, for sibling adapters in ``api/`` (batches, files)."""
        return self._sdk

    @property
    def learned_body_format(self) -> BodyFormat | None:
        """The encoding this client switched to after the server refused the other one."""
        return self._sender.learned_format

    @property
    def _host(self) -> str:
        return urlsplit(self.base_url or "").hostname or "the provider"

    def _call(self, fn: Callable[[], T], *, model: str | None = None) -> T:
        return run_sdk_call(fn, base_url=self.base_url, model=model)

    # -- create and derived renders ------------------------------------------------------

    def create(
        self,
        request: RenderRequest,
        *,
        reference_path: Path | None = None,
        reference_file_id: str | None = None,
        reference_image_url: str | None = None,
    ) -> tuple[RemoteVideo, PollHints]:
        """Start a render. Remix/edit/extend requests are routed to their endpoints.

        A local reference image goes as a multipart file; with characters (which multipart cannot
        carry cleanly) or to a JSON-only server it goes inline as a ``data:`` URL.
        ``reference_file_id`` and ``reference_image_url`` refer to assets already on the provider.
        On a synchronous server (``capabilities.synchronous``) this blocks until the render is done
        and returns a completed or failed video, its file in ``result_url``.
        """
        self._refuse_if_retired()
        extras = check_extras(request.extras)
        if request.operation is Operation.REMIX:
            return self.remix(self._source(request), request.prompt, extras=extras)
        if request.operation is Operation.EDIT:
            return self.edit(self._source(request), request.prompt, extras=extras)
        if request.operation is Operation.EXTEND:
            return self.extend(
                self._source(request), request.prompt, request.seconds, extras=extras
            )

        if reference_path is None and request.reference and request.reference.path:
            reference_path = Path(request.reference.path)
        if sum(x is not None for x in (reference_path, reference_file_id, reference_image_url)) > 1:
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                "give one reference image: a local file, a file ID or an image URL",
                param="input_reference",
            )
        if self.capabilities.model_required and not request.model.strip():
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                f"provider {self.profile.name!r} needs a model name; choose a model",
                param="model",
            )
        reference = None
        if reference_path is not None or reference_file_id or reference_image_url:
            reference = ReferenceImage(
                reference_path, reference_file_id or None, reference_image_url or None
            )
        if reference_path is not None and not reference_path.is_file():
            raise missing_reference(reference_path)
        wire = WireRequest(
            "/videos",
            {
                "prompt": request.prompt,
                "model": request.model,
                "size": request.size,
                "seconds": seconds_value(request.seconds, self.capabilities),
            },
            extras=extras,
            reference=reference,
            characters=tuple(c.remote_id for c in request.characters),
            reference_style=self.capabilities.reference_style,
        )
        return self._send(wire, model=request.model)

    def remix(
        self, source_id: str, prompt: str, *, extras: Extras = ()
    ) -> tuple[RemoteVideo, PollHints]:
        """A new video from a completed one with a changed prompt (legacy; prefer ``edit``)."""
        self._refuse_if_retired()
        self._require_id(source_id, "source video")
        wire = WireRequest(
            f"/videos/{path_segment(source_id)}/remix",
            {"prompt": prompt},
            check_extras(extras),
            remix_of=source_id,
        )
        return self._send(wire)

    def edit(
        self, source_id: str, prompt: str, *, extras: Extras = ()
    ) -> tuple[RemoteVideo, PollHints]:
        """Edit a completed video by ID (the SDK's ``edit`` cannot send ``{"id": ...}``)."""
        self._refuse_if_retired()
        self._require_id(source_id, "source video")
        fields = {"prompt": prompt, "video": {"id": source_id}}
        return self._send(WireRequest("/videos/edits", fields, check_extras(extras)))

    def extend(
        self, source_id: str, prompt: str, seconds: int, *, extras: Extras = ()
    ) -> tuple[RemoteVideo, PollHints]:
        """Add a ``seconds``-long segment; the result's ``seconds`` is the stitched total."""
        self._refuse_if_retired()
        self._require_id(source_id, "source video")
        fields = {
            "prompt": prompt,
            "seconds": seconds_value(seconds, self.capabilities),
            "video": {"id": source_id},
        }
        return self._send(WireRequest("/videos/extensions", fields, check_extras(extras)))

    def _send(
        self, wire: WireRequest, *, model: str | None = None
    ) -> tuple[RemoteVideo, PollHints]:
        return self._call(
            lambda: video_and_hints(self._sender.send(wire), host=self._host), model=model
        )

    # -- status --------------------------------------------------------------------------

    def retrieve(self, video_id: str) -> tuple[RemoteVideo, PollHints]:
        """The video's current state plus the headers' advice on when to ask again."""
        self._require_id(video_id, "video")

        def send() -> tuple[RemoteVideo, PollHints]:
            raw = self._sdk.videos.with_raw_response.retrieve(video_id)
            return video_and_hints(raw.http_response, host=self._host)

        return self._call(send)

    def list_page(
        self, *, after: str | None = None, limit: int = 100, order: Literal["asc", "desc"] = "desc"
    ) -> RemotePage:
        """One ``GET /videos`` page (a single HTTP call; no auto-pagination)."""
        if not 1 <= limit <= 100:
            raise ProviderError(
                ErrorClass.INVALID_REQUEST, "page size must be 1 to 100", param="limit"
            )

        def send() -> RemotePage:
            raw = self._sdk.videos.with_raw_response.list(
                after=after if after else openai.omit, limit=limit, order=order
            )
            data = json_object(raw.http_response, host=self._host)
            items = data.get("data")
            videos = tuple(
                video_from_mapping(item)
                for item in (items if isinstance(items, list) else [])
                # Entries without an id cannot be matched to a job; skip rather than fail the page.
                if isinstance(item, Mapping) and item.get("id")
            )
            last_id = data.get("last_id") or (videos[-1].id if videos else None)
            has_more = data.get("has_more")
            if has_more is None:
                # A provider that omits has_more: only a full page may have a successor.
                has_more = len(videos) >= limit
            return RemotePage(
                videos=videos,
                has_more=bool(has_more) and bool(videos),
                last_id=last_id,
                hints=hints_from_headers(raw.headers),
            )

        return self._call(send)

    def delete(self, video_id: str) -> bool:
        """Delete a finished video and its assets on the provider; True when it says deleted.

        A provider without delete (HTTP 405/501) raises ``ProviderError`` with code
        ``unsupported``: remove the clip locally, the provider's copy stays until it expires.
        """
        self._require_id(video_id, "video")

        def send() -> bool:
            raw = self._sdk.videos.with_raw_response.delete(video_id)
            data = json_object(raw.http_response, host=self._host)
            if "deleted" in data:
                return bool(data["deleted"])
            # vLLM-Omni answers {"object": "video.deleted"}; SGLang the video, status "deleted".
            return data.get("object") == "video.deleted" or data.get("status") == "deleted"

        try:
            return self._call(send)
        except ProviderError as exc:
            if exc.status_code in (405, 501):
                raise unsupported_delete_error(self._host, exc.status_code) from exc
            raise

    def list_models(self) -> tuple[RemoteModel, ...]:
        """The models the server lists (``GET /models``), with their mode when it says one.

        LiteLLM may keep ``"mode": "video_generation"`` in ``/model/info`` only; when a LiteLLM
        proxy lists models without modes, that endpoint is asked once (failures are ignored).
        """

        def send() -> tuple[RemoteModel, ...]:
            response = self._sdk.get("/models", cast_to=httpx2.Response)
            models = models_from_payload(json_any(response, host=self._host))
            if models and is_litellm(response.headers) and all(m.mode is None for m in models):
                models = fill_litellm_modes(self._sdk, models)
            return models

        return self._call(send)

    # -- content -------------------------------------------------------------------------

    def download(
        self,
        video_id: str,
        variant: AssetVariant,
        dest: Path,
        *,
        source_url: str | None = None,
        on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> int:
        """Stream one asset into ``dest`` (the caller owns temp names, fsync and rename).

        From ``/videos/{id}/content`` by default, or from ``source_url`` (a video's
        ``result_url``: http(s), ``file://`` or ``data:``). Returns the byte count. The first
        bytes are checked: a file of the wrong kind raises ``ProviderError`` DOWNLOAD_FAILED with
        code ``wrong_content``. A cut transfer raises TRANSIENT (connection) or DOWNLOAD_FAILED
        (wrong size, ``dest`` not writable); ``should_cancel`` returning True raises
        ``DownloadCancelledError`` between chunks.
        """
        sink = ContentSink(dest, variant, on_progress=on_progress, should_cancel=should_cancel)
        if source_url is not None:
            return self._call(
                lambda: fetch_result(
                    source_url,
                    sink,
                    base_url=self.base_url,
                    api_key=self._sdk.api_key,
                    http=self._http_client(),
                )
            )
        self._require_id(video_id, "video")

        def send() -> int:
            with (
                self._sdk.videos.with_streaming_response.download_content(
                    video_id, variant=cast(Any, variant.value)
                ) as response,
                sink,
            ):
                sink.start(content_length(response.headers), response.headers.get("content-type"))
                return pump(sink, response.iter_bytes(DOWNLOAD_CHUNK))

        return self._call(send)

    def _http_client(self) -> httpx2.Client:
        if self._http is None:
            timeout = self.profile.timeout_s
            self._http = httpx2.Client(
                timeout=httpx2.Timeout(timeout, connect=min(CONNECT_TIMEOUT_S, timeout)),
                follow_redirects=True,
            )
        return self._http

    # -- characters and moderation --------------------------------------------------------

    def create_character(self, name: str, video_path: Path) -> RemoteCharacter:
        """Upload a short clip (2-4 s, 16:9 or 9:16, non-human subject) as a reusable character."""
        if not 1 <= len(name.strip()) <= 80:
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                "a character name needs 1 to 80 characters",
                param="name",
            )
        if not video_path.is_file():
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                f"the character clip {video_path} does not exist; choose an MP4 file",
                param="video",
            )
        clean = name.strip()
        return self._call(
            lambda: character_from_mapping(
                self._sdk.videos.create_character(name=clean, video=video_path).to_dict()
            )
        )

    def get_character(self, character_id: str) -> RemoteCharacter:
        self._require_id(character_id, "character")
        return self._call(
            lambda: character_from_mapping(self._sdk.videos.get_character(character_id).to_dict())
        )

    def moderate(self, text: str) -> tuple[bool, list[str]] | None:
        """Ask the provider's moderation endpoint; None when it has none (404/405)."""
        try:
            data = self._call(
                lambda: json_object(
                    self._sdk.post("/moderations", body={"input": text}, cast_to=httpx2.Response),
                    host=self._host,
                )
            )
        except ProviderError as exc:
            if exc.status_code in (404, 405, 501):
                return None
            raise
        results = data.get("results") or []
        if not results:
            return None
        first: Mapping[str, Any] = results[0]
        categories = first.get("categories") or {}
        flagged_names = sorted(str(k) for k, v in categories.items() if v is True)
        return bool(first.get("flagged")), flagged_names

    # -- helpers -------------------------------------------------------------------------

    def _refuse_if_retired(self) -> None:
        """New renders on a retired profile (OpenAI's own Videos API) are explained, not sent."""
        if self.profile.retired:
            raise ProviderError(ErrorClass.MODEL_UNAVAILABLE, RETIRED_MESSAGE, code="retired")

    @staticmethod
    def _source(request: RenderRequest) -> str:
        if not request.source_remote_id:
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                f"a {request.operation.value} needs the source video's remote ID",
                param="video",
            )
        return request.source_remote_id

    @staticmethod
    def _require_id(value: str, what: str) -> None:
        if not value or not value.strip():
            raise ProviderError(ErrorClass.INVALID_REQUEST, f"the {what} ID is empty")


__all__ = [
    "CODE_NOT_A_VIDEO",
    "DownloadCancelledError",
    "VideosClient",
    "image_data_url",
    "open_sdk_client",
    "quiet_sora_deprecation",
    "sdk_timeout",
]
