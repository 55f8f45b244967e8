"""The /v1/videos operations behind the HTTP routes: create, remix, edit, extend, retrieve,
list, delete and content look-up (characters are ``emulator.characters``).

Requests are checked with ``core.validation`` (the same rules the desk applies before sending)
plus what only the server can know: whether a source video, character or file exists and is
finished. Accepted videos are stored as ``queued`` ``VideoRecord``s and handed to the job runner.
Remix, edit and extend are one path (``_derive``): find the source, validate the new request
against it, and enqueue; a refusal removes whatever the new job had already stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_studio.core.catalog import Catalog, default_catalog
from sora_studio.core.models import CharacterRef, ImageInfo, Operation, RenderRequest
from sora_studio.emulator.characters import CharacterService
from sora_studio.emulator.errors import ApiError, bad_request, not_found
from sora_studio.emulator.forms import Upload, require_str, whole_seconds
from sora_studio.emulator.jobs import JobRunner, asset_path, remove_media
from sora_studio.emulator.records import VideoRecord
from sora_studio.emulator.state import EmulatorState, new_id, now_s, paginate
from sora_studio.emulator.uploads import NotDataUrl, decode_data_url, keep_image, keep_video

DEFAULT_MODEL = "sora-2"
DEFAULT_SIZE = "720x1280"
DEFAULT_SECONDS = "4"
CONTENT_TYPES = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}

# Validation fields named as the wire parameter they concern.
_PARAMS = {"reference": "input_reference", "source": "video", "characters": "characters"}


@dataclass(frozen=True, slots=True)
class _Source:
    """The video an operation starts from: a stored video or an uploaded file."""

    path: Path
    model: str
    size: str
    seconds: int
    extension_count: int
    video_id: str | None


def _image_from_data_url(url: str) -> bytes:
    try:
        return decode_data_url(url)
    except NotDataUrl as exc:
        raise bad_request(
            "input_reference.image_url must be a base64 data: URL such as "
            "'data:image/png;base64,...'.",
            param="input_reference",
            code="invalid_value",
        ) from exc
    except ValueError as exc:
        raise bad_request(
            f"input_reference.image_url holds invalid base64 data ({exc.__cause__}).",
            param="input_reference",
            code="invalid_value",
        ) from exc


class VideoService:
    """Video operations over ``EmulatorState``; safe from any thread."""

    def __init__(
        self,
        state: EmulatorState,
        runner: JobRunner,
        catalog: Catalog | None = None,
        characters: CharacterService | None = None,
    ) -> None:
        self.state = state
        self.runner = runner
        self.catalog = catalog or default_catalog()
        self.characters = characters or CharacterService(state)

    # -- create ---------------------------------------------------------------------------

    def create(self, body: dict[str, Any], *, batch_id: str | None = None) -> dict[str, Any]:
        prompt = require_str(body, "prompt")
        model = body.get("model") or DEFAULT_MODEL
        size = body.get("size") or DEFAULT_SIZE
        if not isinstance(model, str) or not isinstance(size, str):
            raise bad_request("'model' and 'size' must be strings.", code="invalid_type")
        seconds = whole_seconds(body.get("seconds"), default=DEFAULT_SECONDS)
        characters = self.characters.resolve(body.get("characters"))
        video_id = new_id("video_", 48)
        with self._cleaned_up_on_refusal(video_id):
            reference, info = self._reference(video_id, body.get("input_reference"))
            request = RenderRequest(
                prompt=prompt,
                model=model,
                size=size,
                seconds=seconds,
                reference=info,
                characters=tuple(CharacterRef(c.id, c.name) for c in characters),
            )
            self._validate(request)
        return self._enqueue(
            VideoRecord.queued(
                video_id,
                model=model,
                prompt=prompt,
                size=size,
                seconds=seconds,
                reference=str(reference) if reference else None,
                characters=tuple(c.id for c in characters),
                batch_id=batch_id,
            )
        )

    def _reference(self, video_id: str, raw: Any) -> tuple[Path | None, ImageInfo | None]:
        """Store the reference image in the video's media folder; returns its path and facts."""
        if raw is None:
            return None, None
        if isinstance(raw, Upload):
            data = raw.data
        elif isinstance(raw, dict):
            keys = [k for k in ("image_url", "file_id") if raw.get(k)]
            if len(keys) != 1 or set(raw) - {"image_url", "file_id"}:
                raise bad_request(
                    "input_reference must have exactly one of 'image_url' or 'file_id'.",
                    param="input_reference",
                    code="invalid_value",
                )
            if keys[0] == "file_id":
                data = self._file_bytes(str(raw["file_id"]))
            else:
                url = str(raw["image_url"])
                if not url.startswith("data:"):
                    raise bad_request(
                        "The emulator has no network access, so input_reference.image_url must "
                        "be a base64 data: URL. Send the image as a file, a data: URL, or "
                        "upload it to /v1/files and pass its file_id.",
                        param="input_reference",
                        code="invalid_value",
                    )
                data = _image_from_data_url(url)
        else:
            raise bad_request(
                "Invalid type for 'input_reference': expected a file, but got a string instead.",
                param="input_reference",
                code="invalid_type",
            )
        try:
            return keep_image(self.state, video_id, data)
        except ValueError as exc:
            raise bad_request(
                "input_reference is not a readable image; send a JPEG, PNG or WebP.",
                param="input_reference",
                code="invalid_image",
            ) from exc

    def _file_bytes(self, file_id: str) -> bytes:
        record = self.state.files.get(file_id)
        if record is None:
            raise bad_request(
                f"File {file_id!r} does not exist; upload it with POST /v1/files first.",
                param="input_reference",
                code="not_found",
            )
        return Path(record.path).read_bytes()

    def _validate(
        self,
        request: RenderRequest,
        *,
        source_seconds: int | None = None,
        source_extension_count: int = 0,
    ) -> None:
        from sora_studio.core.validation import validate_request

        problems = validate_request(
            request,
            self.catalog,
            long_durations=True,
            source_seconds=source_seconds,
            source_extension_count=source_extension_count,
        )
        if problems:
            raise bad_request(
                " ".join(p.message for p in problems),
                param=_PARAMS.get(problems[0].field, problems[0].field),
                code="invalid_value",
            )

    @contextmanager
    def _cleaned_up_on_refusal(self, video_id: str) -> Iterator[None]:
        """A refusal inside removes the files the new video had stored so far."""
        try:
            yield
        except ApiError:
            remove_media(self.state, video_id)
            raise

    def _enqueue(self, video: VideoRecord) -> dict[str, Any]:
        stored = self.state.videos.put(video)
        self.runner.submit(video.id)
        return stored.public()

    # -- operations on an existing video -------------------------------------------------

    def remix(self, video_id: str, body: dict[str, Any]) -> dict[str, Any]:
        prompt = require_str(body, "prompt")
        return self._derive(Operation.REMIX, prompt, lambda _: self._stored(video_id, "video_id"))

    def edit(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = require_str(body, "prompt")
        return self._derive(Operation.EDIT, prompt, lambda new: self._source(body, new))

    def extend(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = require_str(body, "prompt")
        segment = whole_seconds(body.get("seconds"), default=None)
        for key in ("characters", "input_reference"):
            if body.get(key):
                raise bad_request(
                    f"Extensions take neither characters nor an input_reference; remove '{key}'.",
                    param=key,
                    code="invalid_value",
                )
        return self._derive(
            Operation.EXTEND, prompt, lambda new: self._source(body, new), segment=segment
        )

    def _derive(
        self,
        operation: Operation,
        prompt: str,
        source_for: Callable[[str], _Source],
        *,
        segment: int | None = None,
    ) -> dict[str, Any]:
        """What remix, edit and extend share: the new video starts from ``source_for(new id)``.

        An extension (``segment`` seconds) renders only the new segment, but its ``seconds``
        is the stitched total and it counts one more extension than its source.
        """
        video_id = new_id("video_", 48)
        with self._cleaned_up_on_refusal(video_id):
            source = source_for(video_id)
            request = RenderRequest(
                prompt=prompt,
                model=source.model,
                size=source.size,
                seconds=source.seconds if segment is None else segment,
                operation=operation,
                source_remote_id=source.video_id or "upload",
            )
            if segment is None:
                self._validate(request)
            else:
                self._validate(
                    request,
                    source_seconds=source.seconds,
                    source_extension_count=source.extension_count,
                )
        return self._enqueue(
            VideoRecord.queued(
                video_id,
                model=source.model,
                prompt=prompt,
                size=source.size,
                seconds=source.seconds + (segment or 0),
                render_seconds=segment,
                remixed_from_video_id=source.video_id if operation is Operation.REMIX else None,
                mode=operation.value,
                source_video=str(source.path),
                source_id=source.video_id,
                extension_count=source.extension_count + (0 if segment is None else 1),
            )
        )

    def _completed(self, video_id: str, param: str) -> VideoRecord:
        video = self.state.videos.get(video_id)
        if video is None:
            raise not_found("video", video_id, param)
        if video.status != "completed":
            raise bad_request(
                f"Video {video_id} is '{video.status}'; only a completed video can be used "
                "as a source. Wait until it completes.",
                param=param,
                code="invalid_source",
            )
        _refuse_expired(
            video,
            f"The assets of video {video_id} have expired, so it cannot be used as a source. "
            "Render it again.",
            param,
        )
        return video

    def _stored(self, video_id: str, param: str) -> _Source:
        """A finished video of this emulator as a source."""
        video = self._completed(video_id, param)
        return _Source(
            path=asset_path(self.state, video_id, "video"),
            model=video.model,
            size=video.size,
            seconds=int(video.seconds),
            extension_count=video.extension_count,
            video_id=video_id,
        )

    def _source(self, body: dict[str, Any], new_video: str) -> _Source:
        """The ``video`` field of an edit or extension: ``{"id": ...}`` or an uploaded file."""
        raw = body.get("video")
        if raw is None:
            raise bad_request("Missing required parameter: 'video'.", param="video")
        if isinstance(raw, dict):
            source_id = raw.get("id")
            if not isinstance(source_id, str) or not source_id:
                raise bad_request(
                    "'video' must be an object with an 'id' or a video file.",
                    param="video",
                    code="invalid_value",
                )
            return self._stored(source_id, "video")
        if isinstance(raw, Upload):
            refusal = "The uploaded 'video' is not a readable video; send an MP4."
            path, info = keep_video(self.state, new_video, raw.data, "source.mp4", refusal)
            return _Source(
                path=path,
                model=str(body.get("model") or DEFAULT_MODEL),
                size=f"{info.width}x{info.height}",
                seconds=max(1, round(info.duration_s)),
                extension_count=0,
                video_id=None,
            )
        raise bad_request(
            '\'video\' must be {"id": "video_..."} or a video file.',
            param="video",
            code="invalid_type",
        )

    # -- read and delete --------------------------------------------------------------------

    def _get(self, video_id: str) -> VideoRecord:
        video = self.state.videos.get(video_id)
        if video is None:
            raise not_found("video", video_id, "video_id")
        return video

    def retrieve(self, video_id: str) -> dict[str, Any]:
        return self._get(video_id).public()

    def list(self, *, after: str | None, limit: Any, order: Any) -> dict[str, Any]:
        try:
            count = 20 if limit is None else int(limit)
        except ValueError:
            count = -1
        if not 0 <= count <= 100:
            raise bad_request(
                f"Invalid 'limit': {limit!r}. Use a whole number from 0 to 100.",
                param="limit",
                code="invalid_value",
            )
        order = order or "desc"
        if order not in ("asc", "desc"):
            raise bad_request(
                f"Invalid 'order': {order!r}. Use 'asc' or 'desc'.",
                param="order",
                code="invalid_value",
            )
        if after and self.state.videos.get(after) is None:
            raise bad_request(
                f"The 'after' cursor {after!r} is not a known video id.",
                param="after",
                code="invalid_value",
            )
        return paginate(self.state.videos.all(), after=after, limit=count, order=order)

    def delete(self, video_id: str) -> dict[str, Any]:
        video = self._get(video_id)
        if video.active:
            raise bad_request(
                f"Video {video_id} is still '{video.status}'; only completed or failed "
                "videos can be deleted. Wait until it finishes.",
                param="video_id",
                code="invalid_state",
            )
        self.state.videos.delete(video_id)
        remove_media(self.state, video_id)
        return {"id": video_id, "object": "video.deleted", "deleted": True}

    def content_path(self, video_id: str, variant: str | None) -> tuple[Path, str]:
        """The file to send for ``variant`` and its content type, or the reason it cannot be."""
        variant = variant or "video"
        if variant not in CONTENT_TYPES:
            raise bad_request(
                f"Invalid 'variant': {variant!r}. Use 'video', 'thumbnail' or 'spritesheet'.",
                param="variant",
                code="invalid_value",
            )
        video = self._get(video_id)
        if video.status == "failed":
            raise bad_request(
                f"Video {video_id} failed, so it has no content to download.",
                param="video_id",
                code="video_failed",
            )
        if video.status != "completed":
            raise bad_request(
                f"Video {video_id} is not ready: it is '{video.status}' at "
                f"{video.progress}%. Download it once its status is 'completed'.",
                param="video_id",
                code="video_not_ready",
            )
        _refuse_expired(
            video,
            f"The content of video {video_id} expired at unix time {video.expires_at}; "
            "assets are kept for a limited time after completion. Render it again.",
            "video_id",
        )
        path = asset_path(self.state, video_id, variant)
        if not path.exists():
            raise ApiError(
                404,
                f"The {variant} of video {video_id} is missing from the emulator's data folder.",
                param="variant",
                code="not_found",
            )
        return path, CONTENT_TYPES[variant]


def _refuse_expired(video: VideoRecord, message: str, param: str) -> None:
    """410 ``video_expired`` with ``message`` once ``video``'s assets are past their expiry."""
    if video.expires_at is not None and video.expires_at <= now_s():
        raise ApiError(410, message, param=param, code="video_expired")
