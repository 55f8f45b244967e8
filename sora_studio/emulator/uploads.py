"""Bytes a request brings: data: URLs, and the images and clips kept beside a job or character.

Shared by the official contract (``videos``, ``characters``) and every compatibility mode, so
a reference image is stored, probed and named the same way whichever server the emulator
imitates. Each ``keep_*`` writes into the object's media folder and removes that folder again
when the bytes are not what they claim to be: a refused request leaves nothing behind.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sora_studio.emulator.errors import bad_request
from sora_studio.emulator.jobs import remove_media
from sora_studio.emulator.state import EmulatorState

if TYPE_CHECKING:
    from sora_studio.core.models import ImageInfo
    from sora_studio.media.probe import VideoInfo

T = TypeVar("T")

REFERENCE_STEM = "input_reference"
_SUFFIXES = {"jpeg": "jpg"}  # the probe's format name -> the file suffix


class NotDataUrl(ValueError):
    """The text is not a ``data:...;base64,...`` URL at all (rather than one with bad base64)."""


def decode_data_url(url: str) -> bytes:
    """The bytes of a ``data:...;base64,...`` URL; ValueError (NotDataUrl) when it is not one."""
    header, sep, payload = url.partition(",")
    if not url.startswith("data:") or not sep or ";base64" not in header:
        raise NotDataUrl("expected a base64 data: URL such as 'data:image/png;base64,...'")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the data: URL holds invalid base64 ({exc})") from exc


def _kept(
    state: EmulatorState, object_id: str, name: str, data: bytes, probe: Callable[[Path], T]
) -> tuple[Path, T]:
    """Write ``data`` as ``name`` in ``object_id``'s folder and probe it; ValueError (and the
    folder removed) when the probe cannot read it."""
    from sora_studio.media.probe import MediaError

    folder = state.media_dir(object_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    try:
        return path, probe(path)
    except MediaError as exc:
        remove_media(state, object_id)
        raise ValueError(str(exc)) from exc


def keep_image(state: EmulatorState, object_id: str, data: bytes) -> tuple[Path, ImageInfo]:
    """Store a reference image for ``object_id``, named for its real format, with its facts.

    ValueError (and no folder left) when ``data`` is no image the probe can read.
    """
    from sora_studio.media.probe import probe_image

    path, info = _kept(state, object_id, f"{REFERENCE_STEM}.upload", data, probe_image)
    final = path.with_suffix("." + _SUFFIXES.get(info.format, info.format))
    path.replace(final)
    return final, info


def keep_video(
    state: EmulatorState, object_id: str, data: bytes, name: str, refusal: str
) -> tuple[Path, VideoInfo]:
    """Store an uploaded clip as ``name`` in ``object_id``'s folder, with its facts.

    When ``data`` is no video the probe can read, the folder goes and the request is refused
    with ``refusal`` (the ``video`` parameter's ``invalid_video``).
    """
    from sora_studio.media.probe import probe_video

    try:
        return _kept(state, object_id, name, data, probe_video)
    except ValueError as exc:
        raise bad_request(refusal, param="video", code="invalid_video") from exc
