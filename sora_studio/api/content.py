"""Content downloads: the ``/content`` endpoint and result URLs handed over on a video object.

Every download goes through one :class:`ContentSink`, which writes to the caller's file, reports
progress, honours cancellation between chunks and **checks the bytes**: the first chunk is sniffed
(``core.sniff``) and a file of the wrong kind for its variant (LiteLLM's MP4 answered for a
thumbnail, a proxy's HTML page sent with a 200) stops the download with ``ProviderError`` code
``wrong_content`` before anything more is written.

Result URLs (``RemoteVideo.result_url``) come in three kinds: http(s), streamed, with our API key
sent only to the provider's own origin; ``file://``, copied when this machine can read the path;
``data:`` (base64 from ``b64_json``), decoded.
"""

from __future__ import annotations

import base64
import binascii
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import httpx2

from sora_studio.api.error_bodies import html_title
from sora_studio.api.errors import error_from_response
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import AssetVariant, ErrorClass
from sora_studio.core.sniff import SNIFF_BYTES, describe, wrong_kind

DOWNLOAD_CHUNK = 256 * 1024

ProgressCallback = Callable[[int, int | None], None]
CancelCheck = Callable[[], bool]

# ProviderError.code values set by downloads (the engine may branch on them).
CODE_WRONG_CONTENT = "wrong_content"  # the bytes are not what the variant must be
CODE_FILE_UNREADABLE = "file_unreadable"  # a file:// result this machine cannot read
CODE_BAD_DATA_URL = "bad_data_url"  # a data: result that does not decode
CODE_LINK_REFUSED = "link_refused"  # another host refused a result link (expired, private)
CODE_UNSUPPORTED_URL = "unsupported_url"  # a result link of a scheme this app cannot fetch
CODE_CANCELLED = "cancelled"

_EXPECTED = {
    "video": "an MP4 video",
    "thumbnail": "a WebP, JPEG or PNG image",
    "spritesheet": "a JPEG, PNG or WebP image",
}


class DownloadCancelledError(ProviderError):
    """The caller asked a download to stop; what was written so far is incomplete."""

    def __init__(self) -> None:
        super().__init__(ErrorClass.DOWNLOAD_FAILED, "download cancelled", code=CODE_CANCELLED)


def wrong_content_error(
    variant: str, kind: str, head: bytes, *, what: str = "request"
) -> ProviderError:
    """The variant's bytes are of the wrong kind; the message names what arrived."""
    arrived = describe(kind)
    if kind == "html":
        title = html_title(head.decode("utf-8", "replace"))
        if title:
            arrived = f"{arrived} titled {title!r}"
    expected = _EXPECTED.get(variant, "the file")
    if variant == "video":
        advice = (
            "the server or a proxy in front of it answered with something else; it will be "
            "fetched again, and if this persists check the base URL in Settings > Providers"
        )
    else:
        advice = (
            f"this provider does not serve the {variant} correctly; it will be made locally "
            "from the video instead"
        )
    return ProviderError(
        ErrorClass.DOWNLOAD_FAILED,
        f"the {variant} {what} returned {arrived} instead of {expected}; {advice}",
        code=CODE_WRONG_CONTENT,
    )


class ContentSink:
    """Writes one download to ``dest`` with progress, cancellation and a check of the first bytes.

    Use as a context manager: ``start(total, content_type)`` opens ``dest`` (so nothing is created
    for a request that failed), ``feed(chunk)`` per chunk, then ``finish()`` for the byte count.
    """

    def __init__(
        self,
        dest: Path,
        variant: AssetVariant,
        *,
        on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
        what: str = "request",
    ) -> None:
        self.dest = dest
        self.variant = variant
        self._sink: BinaryIO | None = None
        self._on_progress = on_progress
        self._should_cancel = should_cancel
        self._what = what
        self._content_type: str | None = None
        self._head = b""
        self._checked = False
        self.total: int | None = None
        self.written = 0

    def __enter__(self) -> ContentSink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def start(self, total: int | None, content_type: str | None = None) -> None:
        try:
            self._sink = open(self.dest, "wb")  # noqa: SIM115 - closed by __exit__
        except OSError as exc:
            raise ProviderError(
                ErrorClass.DOWNLOAD_FAILED, f"could not write {self.dest}: {exc}"
            ) from exc
        self.total = total
        self._content_type = content_type
        if self._on_progress is not None:
            self._on_progress(0, total)

    def _check(self, head: bytes) -> None:
        self._checked = True
        kind = wrong_kind(head, self.variant.value, self._content_type)
        if kind is not None:
            raise wrong_content_error(self.variant.value, kind, head, what=self._what)

    def _write(self, data: bytes) -> None:
        if self._sink is None:  # pragma: no cover - start() always comes first
            raise RuntimeError("ContentSink.start() was not called")
        try:
            self._sink.write(data)
        except OSError as exc:
            raise ProviderError(
                ErrorClass.DOWNLOAD_FAILED, f"could not write {self.dest}: {exc}"
            ) from exc

    def feed(self, chunk: bytes) -> None:
        if self._should_cancel is not None and self._should_cancel():
            raise DownloadCancelledError()
        self.written += len(chunk)
        if not self._checked:
            # Hold the first bytes back until there are enough to tell what the file is.
            self._head += chunk
            if len(self._head) < SNIFF_BYTES:
                self._report()
                return
            self._check(self._head)
            chunk, self._head = self._head, b""
        self._write(chunk)
        self._report()

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.written, self.total)

    def finish(self) -> int:
        """Check a short file's bytes, the size against the announced one, and emptiness."""
        if not self._checked and self._head:
            self._check(self._head)
            self._write(self._head)
            self._head = b""
        variant = self.variant.value
        if self.total is not None and self.written != self.total:
            raise ProviderError(
                ErrorClass.DOWNLOAD_FAILED,
                f"the {variant} download stopped at {self.written} of {self.total} bytes; "
                "it will be fetched again",
            )
        if self.written == 0:
            raise ProviderError(
                ErrorClass.DOWNLOAD_FAILED,
                f"the provider sent an empty {variant}; it will be fetched again",
            )
        return self.written


def content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None or not value.isdigit():
        return None
    return int(value)


def pump(sink: ContentSink, chunks: Iterable[bytes]) -> int:
    """Feed every chunk to ``sink`` and return the checked byte count."""
    for chunk in chunks:
        if chunk:
            sink.feed(chunk)
    return sink.finish()


# -- result URLs ---------------------------------------------------------------------------


def resolve_result_url(url: str, base_url: str | None) -> str:
    """An absolute URL: relative result paths (``/v1/...``) are resolved against the base URL."""
    parts = urlsplit(url)
    if parts.scheme or not base_url:
        return url
    return urljoin(base_url.rstrip("/") + "/", url)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, base_url: str | None) -> bool:
    """Whether ``url`` is on the provider's own scheme, host and port (and may get our key)."""
    return base_url is not None and _origin(url) == _origin(base_url)


def fetch_http(
    http: httpx2.Client,
    url: str,
    sink: ContentSink,
    *,
    authorization: str | None,
    own_host: bool,
) -> int:
    """Stream an http(s) result URL into ``sink``. ``authorization`` is sent only when given
    (the caller passes it for the provider's own origin only; redirects elsewhere drop it)."""
    headers = {"Accept": "*/*"}
    if authorization is not None:
        headers["Authorization"] = authorization
    host = urlsplit(url).hostname or "the result host"
    with http.stream("GET", url, headers=headers) as response:
        if response.status_code >= 400:
            response.read()
            if not own_host and response.status_code in (401, 403):
                raise ProviderError(
                    ErrorClass.DOWNLOAD_FAILED,
                    f"{host}, which holds the finished video, refused the download "
                    f"(HTTP {response.status_code}): the link may have expired or need "
                    "credentials this app does not send to other hosts; render the clip again "
                    "or configure the provider to return public links",
                    status_code=response.status_code,
                    code=CODE_LINK_REFUSED,
                )
            raise error_from_response(response, host=host)
        sink.start(content_length(response.headers), response.headers.get("content-type"))
        return pump(sink, response.iter_bytes(DOWNLOAD_CHUNK))


def file_unreadable_error(url: str, reason: str) -> ProviderError:
    return ProviderError(
        ErrorClass.DOWNLOAD_FAILED,
        f"the server wrote the video to a path on its own disk ({url}) that this machine cannot "
        f"read ({reason}); have the server serve results over http(s) or return them as base64 "
        "(b64_json), or run Sora Studio where that path is visible",
        code=CODE_FILE_UNREADABLE,
    )


def copy_file_url(url: str, sink: ContentSink) -> int:
    """Copy a ``file://`` result from the local disk (servers on this machine or a shared mount)."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise file_unreadable_error(url, f"it is on the host {parts.netloc!r}")
    path = Path(urllib.request.url2pathname(parts.path))
    try:
        source = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise file_unreadable_error(url, exc.strerror or str(exc)) from exc
    with source:
        try:
            total = path.stat().st_size
        except OSError:
            total = None
        sink.start(total)

        def chunks() -> Iterator[bytes]:
            while True:
                try:
                    data = source.read(DOWNLOAD_CHUNK)
                except OSError as exc:
                    raise file_unreadable_error(url, exc.strerror or str(exc)) from exc
                if not data:
                    return
                yield data

        return pump(sink, chunks())


def decode_data_url(url: str) -> tuple[bytes, str | None]:
    """The bytes and media type of a ``data:`` URL; ProviderError ``bad_data_url`` if malformed."""
    header, comma, payload = url.partition(",")
    if not comma or not header.lower().startswith("data:"):
        raise _bad_data_url("it has no data after the header")
    params = header[5:].split(";")
    media_type = params[0].strip() or None
    try:
        if any(p.strip().lower() == "base64" for p in params[1:]):
            compact = "".join(unquote_to_bytes(payload).decode("ascii").split())
            if "-" in compact or "_" in compact:
                data = base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
            else:
                data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
        else:
            data = unquote_to_bytes(payload)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _bad_data_url(f"the base64 does not decode: {exc}") from exc
    return data, media_type


def _bad_data_url(reason: str) -> ProviderError:
    return ProviderError(
        ErrorClass.DOWNLOAD_FAILED,
        f"the server returned the video inline (a data: URL), but {reason}; render it again, "
        "and if this persists report it to the server's maintainers",
        code=CODE_BAD_DATA_URL,
    )


def write_data_url(url: str, sink: ContentSink) -> int:
    """Decode a ``data:`` result (``b64_json``) into ``sink``, chunk by chunk for progress."""
    data, media_type = decode_data_url(url)
    sink.start(len(data), media_type)
    view = memoryview(data)
    return pump(
        sink, (bytes(view[i : i + DOWNLOAD_CHUNK]) for i in range(0, len(data), DOWNLOAD_CHUNK))
    )


def fetch_result(
    url: str, sink: ContentSink, *, base_url: str | None, api_key: str, http: httpx2.Client
) -> int:
    """Fetch a result URL of any kind into ``sink``. Our key is sent only to ``base_url``'s own
    origin, never to another host (a signed storage link must not receive it)."""
    url = resolve_result_url(url.strip(), base_url)
    scheme = urlsplit(url).scheme.lower()
    with sink:
        if scheme in ("http", "https"):
            own = same_origin(url, base_url)
            auth = f"Bearer {api_key}" if own else None
            return fetch_http(http, url, sink, authorization=auth, own_host=own)
        if scheme == "file":
            return copy_file_url(url, sink)
        if scheme == "data":
            return write_data_url(url, sink)
    raise ProviderError(
        ErrorClass.DOWNLOAD_FAILED,
        f"the provider gave the result as a {scheme or 'relative'} link, which this app cannot "
        "fetch; have the server return an http(s) URL or base64",
        code=CODE_UNSUPPORTED_URL,
    )


__all__ = [
    "CODE_BAD_DATA_URL",
    "CODE_CANCELLED",
    "CODE_FILE_UNREADABLE",
    "CODE_LINK_REFUSED",
    "CODE_UNSUPPORTED_URL",
    "CODE_WRONG_CONTENT",
    "DOWNLOAD_CHUNK",
    "ContentSink",
    "DownloadCancelledError",
    "copy_file_url",
    "decode_data_url",
    "fetch_http",
    "fetch_result",
    "resolve_result_url",
    "same_origin",
    "write_data_url",
    "wrong_content_error",
]
