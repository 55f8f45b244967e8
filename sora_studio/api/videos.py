"""The adapter between the app and the ``openai`` SDK's Videos API.

``VideosClient`` is the only place that calls ``client.videos``. It returns the frozen dataclasses
of ``api.remote`` and raises only ``core.errors.ProviderError``. Why some calls avoid the SDK's
typed methods: the SDK cannot send object references (``{"id": ...}``, ``{"file_id": ...}``) or
the ``characters`` array (videos-api.md §2.1), so those go as JSON through ``client.post``.

Thread use: one client per thread is simplest; the underlying ``openai.OpenAI`` (and its ``httpx2``
connection pool) is thread-safe, so the poller and download workers may also share one.
"""

from __future__ import annotations

import base64
import mimetypes
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Literal, TypeVar, cast

import httpx2
import openai

from sora_studio.api.errors import RETIRED_MESSAGE, to_provider_error
from sora_studio.api.provider import (
    ProviderProfile,
    install_key_redaction,
    resolve_api_key,
)
from sora_studio.api.remote import (
    PollHints,
    RemoteCharacter,
    RemotePage,
    RemoteVideo,
    character_from_mapping,
    hints_from_headers,
    video_from_mapping,
)
from sora_studio.core.errors import ProviderError, UserError
from sora_studio.core.models import AssetVariant, ErrorClass, Operation, RenderRequest

DOWNLOAD_CHUNK = 256 * 1024
CONNECT_TIMEOUT_S = 5.0
_SORA_DEPRECATION = "The Sora API is scheduled to permanently shut down"

T = TypeVar("T")
ProgressCallback = Callable[[int, int | None], None]
CancelCheck = Callable[[], bool]


class DownloadCancelledError(ProviderError):
    """The caller asked a download to stop; what was written so far is incomplete."""

    def __init__(self) -> None:
        super().__init__(ErrorClass.DOWNLOAD_FAILED, "download cancelled", code="cancelled")


@contextmanager
def quiet_sora_deprecation() -> Iterator[None]:
    """Silence the SDK's expected Sora ``DeprecationWarning`` for one call.

    ``catch_warnings`` swaps the process-wide filter list; when two threads overlap, the worst
    outcome is that this narrow ignore outlives the call, which is harmless.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_SORA_DEPRECATION, category=DeprecationWarning)
        yield


def run_sdk_call(fn: Callable[[], T], *, base_url: str | None, model: str | None = None) -> T:
    """Run one SDK call: quiet the deprecation and turn every failure into ProviderError."""
    try:
        with quiet_sora_deprecation():
            return fn()
    except ProviderError:
        raise
    except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
        raise to_provider_error(exc, model=model, base_url=base_url) from exc


def sdk_timeout(profile: ProviderProfile) -> openai.Timeout:
    """An explicit per-request timeout (never the SDK's 600 s default)."""
    return openai.Timeout(profile.timeout_s, connect=min(CONNECT_TIMEOUT_S, profile.timeout_s))


def open_sdk_client(
    profile: ProviderProfile, *, base_url: str | None = None, api_key: str | None = None
) -> openai.OpenAI:
    """Build the SDK client for ``profile``: explicit timeout, bounded retries, resolved key."""
    url = base_url or profile.base_url
    if not url:
        raise UserError(
            f"provider {profile.name!r} has no base URL yet; start the emulator or set the "
            "provider's address in Settings > Providers"
        )
    key = api_key if api_key is not None else resolve_api_key(profile)
    if not key:
        where = (
            f" or set the environment variable {profile.key_source[4:]}"
            if profile.key_source.startswith("env:")
            else ""
        )
        raise ProviderError(
            ErrorClass.AUTH,
            f"no API key is set for provider {profile.name!r}; set it in Settings > Providers"
            f"{where}",
        )
    install_key_redaction()
    return openai.OpenAI(
        base_url=url,
        api_key=key,
        timeout=sdk_timeout(profile),
        max_retries=profile.max_retries,
    )


def _seconds_value(seconds: int) -> str:
    # The wire type is a string ("8"); the SDK would convert an int the same way.
    return str(int(seconds))


def image_data_url(path: Path) -> str:
    """A local image as a ``data:`` URL, so it can ride in a JSON body next to ``characters``."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


class VideosClient:
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
        self._sdk = open_sdk_client(profile, base_url=base_url, api_key=api_key)

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self._sdk.close()

    def __enter__(self) -> VideosClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def sdk(self) -> openai.OpenAI:
        """The underlying SDK client, for sibling adapters in ``api/`` (batches, files)."""
        return self._sdk

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
        carry cleanly) it goes inline as a ``data:`` URL in a JSON body. ``reference_file_id`` and
        ``reference_image_url`` refer to assets already on the provider.
        """
        self._refuse_if_retired()
        if request.operation is Operation.REMIX:
            return self.remix(self._source(request), request.prompt)
        if request.operation is Operation.EDIT:
            return self.edit(self._source(request), request.prompt)
        if request.operation is Operation.EXTEND:
            return self.extend(self._source(request), request.prompt, request.seconds)

        if reference_path is None and request.reference and request.reference.path:
            reference_path = Path(request.reference.path)
        if sum(x is not None for x in (reference_path, reference_file_id, reference_image_url)) > 1:
            raise ProviderError(
                ErrorClass.INVALID_REQUEST,
                "give one reference image: a local file, a file ID or an image URL",
                param="input_reference",
            )
        by_object = reference_file_id is not None or reference_image_url is not None
        if request.characters or by_object:
            body: dict[str, Any] = {
                "prompt": request.prompt,
                "model": request.model,
                "size": request.size,
                "seconds": _seconds_value(request.seconds),
            }
            if reference_file_id is not None:
                body["input_reference"] = {"file_id": reference_file_id}
            elif reference_image_url is not None:
                body["input_reference"] = {"image_url": reference_image_url}
            elif reference_path is not None:
                body["input_reference"] = {"image_url": self._read_reference(reference_path)}
            if request.characters:
                body["characters"] = [{"id": c.remote_id} for c in request.characters]
            return self._post_video("/videos", body, model=request.model)

        if reference_path is not None and not reference_path.is_file():
            raise self._missing_reference(reference_path)
        reference: Any = reference_path if reference_path is not None else openai.omit

        def send() -> tuple[RemoteVideo, PollHints]:
            # The casts: providers offer sizes and lengths the SDK's Literal types do not list yet.
            raw = self._sdk.videos.with_raw_response.create(
                prompt=request.prompt,
                model=request.model,
                size=cast(Any, request.size),
                seconds=cast(Any, _seconds_value(request.seconds)),
                input_reference=reference,
            )
            return video_from_mapping(raw.http_response.json()), hints_from_headers(raw.headers)

        return self._call(send, model=request.model)

    def remix(self, source_id: str, prompt: str) -> tuple[RemoteVideo, PollHints]:
        """A new video from a completed one with a changed prompt (legacy; prefer ``edit``)."""
        self._refuse_if_retired()
        self._require_id(source_id, "source video")

        def send() -> tuple[RemoteVideo, PollHints]:
            raw = self._sdk.videos.with_raw_response.remix(source_id, prompt=prompt)
            return video_from_mapping(raw.http_response.json()), hints_from_headers(raw.headers)

        return self._call(send)

    def edit(self, source_id: str, prompt: str) -> tuple[RemoteVideo, PollHints]:
        """Edit a completed video by ID (JSON; the SDK's ``edit`` cannot send ``{"id": ...}``)."""
        self._refuse_if_retired()
        self._require_id(source_id, "source video")
        return self._post_video("/videos/edits", {"prompt": prompt, "video": {"id": source_id}})

    def extend(self, source_id: str, prompt: str, seconds: int) -> tuple[RemoteVideo, PollHints]:
        """Add a ``seconds``-long segment; the result's ``seconds`` is the stitched total."""
        self._refuse_if_retired()
        self._require_id(source_id, "source video")
        body = {"prompt": prompt, "seconds": _seconds_value(seconds), "video": {"id": source_id}}
        return self._post_video("/videos/extensions", body)

    # -- status --------------------------------------------------------------------------

    def retrieve(self, video_id: str) -> tuple[RemoteVideo, PollHints]:
        """The video's current state plus the headers' advice on when to ask again."""
        self._require_id(video_id, "video")

        def send() -> tuple[RemoteVideo, PollHints]:
            raw = self._sdk.videos.with_raw_response.retrieve(video_id)
            return video_from_mapping(raw.http_response.json()), hints_from_headers(raw.headers)

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
            data = raw.http_response.json()
            videos = tuple(video_from_mapping(item) for item in data.get("data") or [])
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
        """Delete a finished video and its assets on the provider; True when it says deleted."""
        self._require_id(video_id, "video")
        return self._call(lambda: bool(self._sdk.videos.delete(video_id).deleted))

    # -- content -------------------------------------------------------------------------

    def download(
        self,
        video_id: str,
        variant: AssetVariant,
        dest: Path,
        *,
        on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> int:
        """Stream one asset into ``dest`` (the caller owns temp names, fsync and rename).

        Returns the byte count. A cut transfer raises ``ProviderError`` (TRANSIENT when the
        connection broke, DOWNLOAD_FAILED when the size is wrong or ``dest`` cannot be written);
        ``should_cancel`` returning True raises ``DownloadCancelledError`` between chunks.
        """
        self._require_id(video_id, "video")

        def send() -> int:
            written = 0
            with (
                self._sdk.videos.with_streaming_response.download_content(
                    video_id, variant=cast(Any, variant.value)
                ) as response,
                _open_dest(dest) as sink,
            ):
                total = _content_length(response.headers)
                if on_progress is not None:
                    on_progress(0, total)
                for chunk in response.iter_bytes(DOWNLOAD_CHUNK):
                    if should_cancel is not None and should_cancel():
                        raise DownloadCancelledError()
                    try:
                        sink.write(chunk)
                    except OSError as exc:
                        raise ProviderError(
                            ErrorClass.DOWNLOAD_FAILED, f"could not write {dest}: {exc}"
                        ) from exc
                    written += len(chunk)
                    if on_progress is not None:
                        on_progress(written, total)
            if total is not None and written != total:
                raise ProviderError(
                    ErrorClass.DOWNLOAD_FAILED,
                    f"the {variant.value} download stopped at {written} of {total} bytes; "
                    "it will be fetched again",
                )
            if written == 0:
                raise ProviderError(
                    ErrorClass.DOWNLOAD_FAILED,
                    f"the provider sent an empty {variant.value}; it will be fetched again",
                )
            return written

        return self._call(send)

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
            response = self._call(
                lambda: self._sdk.post(
                    "/moderations", body={"input": text}, cast_to=httpx2.Response
                )
            )
            data = response.json()
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

    def _post_video(
        self, path: str, body: dict[str, Any], *, model: str | None = None
    ) -> tuple[RemoteVideo, PollHints]:
        def send() -> tuple[RemoteVideo, PollHints]:
            response = self._sdk.post(path, body=body, cast_to=httpx2.Response)
            return video_from_mapping(response.json()), hints_from_headers(response.headers)

        return self._call(send, model=model)

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

    @staticmethod
    def _missing_reference(path: Path) -> ProviderError:
        return ProviderError(
            ErrorClass.INVALID_REQUEST,
            f"the reference image {path} does not exist; choose a JPEG, PNG or WebP file",
            param="input_reference",
        )

    def _read_reference(self, path: Path) -> str:
        try:
            return image_data_url(path)
        except OSError as exc:
            raise self._missing_reference(path) from exc


@contextmanager
def _open_dest(dest: Path) -> Iterator[BinaryIO]:
    try:
        sink = open(dest, "wb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise ProviderError(ErrorClass.DOWNLOAD_FAILED, f"could not write {dest}: {exc}") from exc
    with sink:
        yield sink


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None or not value.isdigit():
        return None
    return int(value)


__all__ = [
    "DownloadCancelledError",
    "VideosClient",
    "image_data_url",
    "open_sdk_client",
    "quiet_sora_deprecation",
    "sdk_timeout",
]
