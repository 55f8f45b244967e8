"""Pictures made from media for the desk: the previews part of the service facade.

A spritesheet made from a clip's MP4 when its own is missing or unreadable, what a reference
image really is, a reference fitted to a render's frame, and the Assets browser's small
previews of local pictures and clips (:func:`image_thumbnail`, :func:`video_thumbnail`). The
media stack (PyAV, Pillow) is imported inside each function, so nothing heavy loads until a
preview is first needed, and then on the pool thread that asked for it: every function here
blocks on file I/O and decoding, so the desk calls them off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sora_studio.core.models import ImageInfo


@dataclass(frozen=True, slots=True)
class StillFacts:
    """What a picture or a clip is, as the asset browser shows it."""

    width: int
    height: int
    duration_s: float = 0.0  # 0 for a still


def make_spritesheet(video_path: str | Path, out_path: str | Path) -> Path:
    """A 5 x 5 JPEG spritesheet of the clip, in the ``core.spritesheet`` layout; pool thread.

    Raises ``UserError`` (``MediaError``) when the video cannot be decoded.
    """
    from sora_studio.media.frames import make_spritesheet as make

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    return make(video_path, out)


def probe_image(path: str | Path) -> ImageInfo:
    """What an image really is (format from its header, size); ``UserError`` when it is not one."""
    from sora_studio.media.probe import probe_image as probe

    return probe(path)


def fit_image(source: str | Path, dest: str | Path, width: int, height: int, mode: str) -> Path:
    """Write ``source`` fitted to ``width`` x ``height`` (``"crop"`` or ``"pad"``) as ``dest``."""
    from sora_studio.media.images import fit_image as fit

    return Path(fit(source, dest, width, height, mode))


def image_thumbnail(source: str | Path, out_path: str | Path, max_side: int) -> StillFacts:
    """Write a small JPEG of the picture ``source`` (EXIF rotation applied); its real size.

    Pool thread. Raises ``UserError`` (``MediaError``) when the file is not a readable image.
    """
    from sora_studio.media.images import thumbnail_image

    width, height = thumbnail_image(source, out_path, max_side)
    return StillFacts(width, height)


def video_thumbnail(source: str | Path, out_path: str | Path, max_side: int) -> StillFacts:
    """Write a still of the clip ``source`` (a third of the way in); its size and length.

    Pool thread. Raises ``UserError`` (``MediaError``) when the video cannot be decoded.
    """
    from sora_studio.media.frames import make_thumbnail
    from sora_studio.media.probe import probe_video

    info = probe_video(source)
    make_thumbnail(source, out_path, max_side=max_side)
    return StillFacts(info.width, info.height, info.duration_s)
