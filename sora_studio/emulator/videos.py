"""The /v1/videos operations behind the HTTP routes: create, remix, edit, extend, characters,
retrieve, list, delete and content look-up.

Requests are checked with ``core.validation`` (the same rules the desk applies before sending)
plus what only the server can know: whether a source video, character or file exists and is
finished. Accepted videos are stored as ``queued`` and handed to the job runner.
"""

from __future__ import annotations

import base64
import binascii
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_studio.core.catalog import Catalog, default_catalog
from sora_studio.core.models import CharacterRef, ImageInfo, Operation, RenderRequest
from sora_studio.emulator.errors import ApiError, bad_request, not_found
from sora_studio.emulator.forms import Upload
from sora_studio.emulator.jobs import ACTIVE, JobRunner, asset_path, remove_media
from sora_studio.emulator.state import EmulatorState, new_id, now_s, paginate, public

DEFAULT_MODEL = "sora-2"
DEFAULT_SIZE = "720x1280"
DEFAULT_SECONDS = "4"
MAX_CHARACTERS = 2
IMAGE_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}
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


def _require_str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        raise bad_request(f"Missing required parameter: '{key}'.", param=key)
    if not isinstance(value, str):
        raise bad_request(
            f"Invalid type for '{key}': expected a string, but got {type(value).__name__}.",
            param=key,
            code="invalid_type",
        )
    return value


def _seconds(value: Any, *, required: bool = False) -> int:
    if value is None:
        if required:
            raise bad_request("Missing required parameter: 'seconds'.", param="seconds")
        value = DEFAULT_SECONDS
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise bad_request(
            f"Invalid value for 'seconds': {value!r}. Use a whole number of seconds such as '4'.",
            param="seconds",
            code="invalid_value",
        )
    return int(text)


def _image_from_data_url(url: str) -> bytes:
    header, sep, payload = url.partition(",")
    if not sep or ";base64" not in header:
        raise bad_request(
            "input_reference.image_url must be a base64 data: URL such as "
            "'data:image/png;base64,...'.",
            param="input_reference",
            code="invalid_value",
        )
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_request(
            f"input_reference.image_url holds invalid base64 data ({exc}).",
            param="input_reference",
            code="invalid_value",
        ) from exc


class VideoService:
    """Video and character operations over ``EmulatorState``; safe from any thread."""

    def __init__(
        self, state: EmulatorState, runner: JobRunner, catalog: Catalog | None = None
    ) -> None:
        self.state = state
        self.runner = runner
        self.catalog = catalog or default_catalog()

    # -- create ---------------------------------------------------------------------------

    def create(self, body: dict[str, Any], *, batch_id: str | None = None) -> dict[str, Any]:
        prompt = _require_str(body, "prompt")
        model = body.get("model") or DEFAULT_MODEL
        size = body.get("size") or DEFAULT_SIZE
        if not isinstance(model, str) or not isinstance(size, str):
            raise bad_request("'model' and 'size' must be strings.", code="invalid_type")
        seconds = _seconds(body.get("seconds"))
        characters = self._characters(body.get("characters"))
        video_id = new_id("video_", 48)
        try:
            reference, info = self._reference(video_id, body.get("input_reference"))
            request = RenderRequest(
                prompt=prompt,
                model=model,
                size=size,
                seconds=seconds,
                reference=info,
                characters=tuple(CharacterRef(c["id"], c["name"]) for c in characters),
            )
            self._validate(request)
        except ApiError:
            remove_media(self.state, video_id)
            raise
        return self._enqueue(
            video_id,
            prompt=prompt,
            model=model,
            size=size,
            seconds=seconds,
            mode="create",
            reference=reference,
            characters=[c["id"] for c in characters],
            batch_id=batch_id,
        )

    def _characters(self, raw: Any) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
            raise bad_request(
                '\'characters\' must be a list of objects like [{"id": "char_..."}].',
                param="characters",
                code="invalid_type",
            )
        if len(raw) > MAX_CHARACTERS:
            raise bad_request(
                f"{len(raw)} characters given; a video can use at most {MAX_CHARACTERS}.",
                param="characters",
                code="invalid_value",
            )
        found = []
        for entry in raw:
            char_id = entry.get("id")
            character = self.state.get("characters", str(char_id)) if char_id else None
            if character is None:
                raise bad_request(
                    f"Character {char_id!r} does not exist; create it with "
                    "POST /v1/videos/characters first.",
                    param="characters",
                    code="not_found",
                )
            found.append(character)
        return found

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
        from sora_studio.media.probe import MediaError, probe_image

        folder = self.state.media_dir(video_id)
        folder.mkdir(parents=True, exist_ok=True)
        raw_path = folder / "input_reference.upload"
        raw_path.write_bytes(data)
        try:
            info = probe_image(raw_path)
        except MediaError as exc:
            raise bad_request(
                "input_reference is not a readable image; send a JPEG, PNG or WebP.",
                param="input_reference",
                code="invalid_image",
            ) from exc
        final = raw_path.with_suffix(IMAGE_EXTENSIONS.get(info.format, ".img"))
        raw_path.replace(final)
        return final, info

    def _file_bytes(self, file_id: str) -> bytes:
        record = self.state.get("files", file_id)
        if record is None:
            raise bad_request(
                f"File {file_id!r} does not exist; upload it with POST /v1/files first.",
                param="input_reference",
                code="not_found",
            )
        return Path(record["_path"]).read_bytes()

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

    def _enqueue(
        self,
        video_id: str,
        *,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        mode: str,
        render_seconds: int | None = None,
        reference: Path | None = None,
        characters: list[str] | None = None,
        source: _Source | None = None,
        remixed_from: str | None = None,
        extension_count: int = 0,
        batch_id: str | None = None,
    ) -> dict[str, Any]:
        video = {
            "id": video_id,
            "object": "video",
            "model": model,
            "status": "queued",
            "progress": 0,
            "created_at": now_s(),
            "completed_at": None,
            "expires_at": None,
            "prompt": prompt,
            "size": size,
            "seconds": str(seconds),
            "quality": "standard",
            "remixed_from_video_id": remixed_from,
            "error": None,
            "_mode": mode,
            "_render_seconds": render_seconds if render_seconds is not None else seconds,
            "_reference": str(reference) if reference else None,
            "_characters": characters or [],
            "_source_video": str(source.path) if source else None,
            "_source_id": source.video_id if source else None,
            "_extension_count": extension_count,
            "_batch_id": batch_id,
        }
        stored = self.state.put("videos", video)
        self.runner.submit(video_id)
        return public(stored)

    # -- operations on an existing video -------------------------------------------------

    def _completed(self, video_id: str, param: str) -> dict[str, Any]:
        video = self.state.get("videos", video_id)
        if video is None:
            raise not_found("video", video_id, param)
        if video["status"] != "completed":
            raise bad_request(
                f"Video {video_id} is '{video['status']}'; only a completed video can be used "
                "as a source. Wait until it completes.",
                param=param,
                code="invalid_source",
            )
        if video["expires_at"] is not None and video["expires_at"] <= now_s():
            raise ApiError(
                410,
                f"The assets of video {video_id} have expired, so it cannot be used as a "
                "source. Render it again.",
                param=param,
                code="video_expired",
            )
        return video

    def _source(self, raw: Any, body: dict[str, Any], new_video: str) -> _Source:
        """The ``video`` field of an edit or extension: ``{"id": ...}`` or an uploaded file."""
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
            video = self._completed(source_id, "video")
            return _Source(
                path=asset_path(self.state, source_id, "video"),
                model=video["model"],
                size=video["size"],
                seconds=int(video["seconds"]),
                extension_count=int(video.get("_extension_count", 0)),
                video_id=source_id,
            )
        if isinstance(raw, Upload):
            from sora_studio.media.probe import MediaError, probe_video

            folder = self.state.media_dir(new_video)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "source.mp4"
            path.write_bytes(raw.data)
            try:
                info = probe_video(path)
            except MediaError as exc:
                raise bad_request(
                    "The uploaded 'video' is not a readable video; send an MP4.",
                    param="video",
                    code="invalid_video",
                ) from exc
            model = body.get("model") or DEFAULT_MODEL
            return _Source(
                path=path,
                model=str(model),
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

    def remix(self, video_id: str, body: dict[str, Any]) -> dict[str, Any]:
        prompt = _require_str(body, "prompt")
        source = self._completed(video_id, "video_id")
        request = RenderRequest(
            prompt=prompt,
            model=source["model"],
            size=source["size"],
            seconds=int(source["seconds"]),
            operation=Operation.REMIX,
            source_remote_id=video_id,
        )
        self._validate(request)
        return self._enqueue(
            new_id("video_", 48),
            prompt=prompt,
            model=source["model"],
            size=source["size"],
            seconds=int(source["seconds"]),
            mode="remix",
            source=_Source(
                asset_path(self.state, video_id, "video"),
                source["model"],
                source["size"],
                int(source["seconds"]),
                int(source.get("_extension_count", 0)),
                video_id,
            ),
            remixed_from=video_id,
            extension_count=int(source.get("_extension_count", 0)),
        )

    def edit(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = _require_str(body, "prompt")
        video_id = new_id("video_", 48)
        try:
            source = self._source(body.get("video"), body, video_id)
            request = RenderRequest(
                prompt=prompt,
                model=source.model,
                size=source.size,
                seconds=source.seconds,
                operation=Operation.EDIT,
                source_remote_id=source.video_id or "upload",
            )
            self._validate(request)
        except ApiError:
            remove_media(self.state, video_id)
            raise
        return self._enqueue(
            video_id,
            prompt=prompt,
            model=source.model,
            size=source.size,
            seconds=source.seconds,
            mode="edit",
            source=source,
            extension_count=source.extension_count,
        )

    def extend(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = _require_str(body, "prompt")
        segment = _seconds(body.get("seconds"), required=True)
        for key in ("characters", "input_reference"):
            if body.get(key):
                raise bad_request(
                    f"Extensions take neither characters nor an input_reference; remove '{key}'.",
                    param=key,
                    code="invalid_value",
                )
        video_id = new_id("video_", 48)
        try:
            source = self._source(body.get("video"), body, video_id)
            request = RenderRequest(
                prompt=prompt,
                model=source.model,
                size=source.size,
                seconds=segment,
                operation=Operation.EXTEND,
                source_remote_id=source.video_id or "upload",
            )
            self._validate(
                request,
                source_seconds=source.seconds,
                source_extension_count=source.extension_count,
            )
        except ApiError:
            remove_media(self.state, video_id)
            raise
        return self._enqueue(
            video_id,
            prompt=prompt,
            model=source.model,
            size=source.size,
            seconds=source.seconds + segment,  # Video.seconds is the stitched total
            render_seconds=segment,
            mode="extend",
            source=source,
            extension_count=source.extension_count + 1,
        )

    # -- characters -------------------------------------------------------------------------

    def create_character(self, body: dict[str, Any]) -> dict[str, Any]:
        name = _require_str(body, "name").strip()
        if not 1 <= len(name) <= 80:
            raise bad_request(
                "'name' must be 1 to 80 characters long.", param="name", code="invalid_value"
            )
        clip = body.get("video")
        if not isinstance(clip, Upload):
            raise bad_request(
                "Missing required file 'video': upload a 2-4 s MP4 clip of the character.",
                param="video",
            )
        from sora_studio.core.validation import validate_character_clip
        from sora_studio.media.probe import MediaError, probe_video

        char_id = new_id("char_", 32)
        folder = self.state.media_dir(char_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "clip.mp4"
        path.write_bytes(clip.data)
        try:
            info = probe_video(path)
            problems = validate_character_clip(info.duration_s, info.width, info.height)
        except MediaError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise bad_request(
                "The uploaded 'video' is not a readable video; send a 2-4 s MP4 clip.",
                param="video",
                code="invalid_video",
            ) from exc
        if problems:
            shutil.rmtree(folder, ignore_errors=True)
            raise bad_request(
                " ".join(p.message for p in problems), param="video", code="invalid_value"
            )
        character = {"id": char_id, "name": name, "created_at": now_s(), "_clip": str(path)}
        return public(self.state.put("characters", character))

    def get_character(self, character_id: str) -> dict[str, Any]:
        character = self.state.get("characters", character_id)
        if character is None:
            raise not_found("character", character_id, "character_id")
        return public(character)

    # -- read and delete --------------------------------------------------------------------

    def retrieve(self, video_id: str) -> dict[str, Any]:
        video = self.state.get("videos", video_id)
        if video is None:
            raise not_found("video", video_id, "video_id")
        return public(video)

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
        if after and self.state.get("videos", after) is None:
            raise bad_request(
                f"The 'after' cursor {after!r} is not a known video id.",
                param="after",
                code="invalid_value",
            )
        return paginate(self.state.all("videos"), after=after, limit=count, order=order)

    def delete(self, video_id: str) -> dict[str, Any]:
        video = self.state.get("videos", video_id)
        if video is None:
            raise not_found("video", video_id, "video_id")
        if video["status"] in ACTIVE:
            raise bad_request(
                f"Video {video_id} is still '{video['status']}'; only completed or failed "
                "videos can be deleted. Wait until it finishes.",
                param="video_id",
                code="invalid_state",
            )
        self.state.delete("videos", video_id)
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
        video = self.state.get("videos", video_id)
        if video is None:
            raise not_found("video", video_id, "video_id")
        if video["status"] == "failed":
            raise bad_request(
                f"Video {video_id} failed, so it has no content to download.",
                param="video_id",
                code="video_failed",
            )
        if video["status"] != "completed":
            raise bad_request(
                f"Video {video_id} is not ready: it is '{video['status']}' at "
                f"{video['progress']}%. Download it once its status is 'completed'.",
                param="video_id",
                code="video_not_ready",
            )
        if video["expires_at"] is not None and video["expires_at"] <= now_s():
            raise ApiError(
                410,
                f"The content of video {video_id} expired at unix time {video['expires_at']}; "
                "assets are kept for a limited time after completion. Render it again.",
                param="video_id",
                code="video_expired",
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
