"""Fit reference images to a video size ("fit to size"): crop to fill, or pad to letterbox.

The result is always a new PNG file; the user's original is never touched.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from sora_studio.media.frames import write_image_atomic
from sora_studio.media.probe import MediaError

FIT_MODES = ("crop", "pad")


def fit_image(
    src: str | Path,
    dst: str | Path,
    width: int,
    height: int,
    mode: str = "crop",
    *,
    pad_color: tuple[int, int, int] = (0, 0, 0),
) -> Path:
    """Write ``src`` scaled to exactly ``width x height`` as a PNG at ``dst``.

    ``crop`` scales to cover the frame and trims the overflow evenly; ``pad`` scales to fit inside
    and fills the rest with ``pad_color``. Camera rotation (EXIF) is applied first, and transparency
    is flattened onto ``pad_color`` because videos have no alpha.
    """
    if mode not in FIT_MODES:
        raise MediaError(f"fit mode must be 'crop' or 'pad', got {mode!r}")
    if width <= 0 or height <= 0:
        raise MediaError(f"target size must be positive, got {width}x{height}")
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise MediaError("fit_image writes a new file; choose a destination other than the source")
    try:
        with Image.open(src) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaError(f"cannot read image {src} ({exc}); use a JPEG, PNG or WebP file") from exc
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, pad_color)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    size = (width, height)
    if mode == "crop":
        fitted = ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    else:
        fitted = ImageOps.pad(image, size, Image.Resampling.LANCZOS, color=pad_color)
    return write_image_atomic(fitted, dst, "PNG")


def thumbnail_image(src: str | Path, dst: str | Path, max_side: int) -> tuple[int, int]:
    """Write ``src`` shrunk to at most ``max_side`` (a JPEG at ``dst``); returns its full size.

    The size is the picture as it shows (EXIF rotation applied). A derived cache file, so it is
    renamed into place but not fsynced. ``MediaError`` when ``src`` is not a readable image.
    """
    src, dst = Path(src), Path(dst)
    try:
        with Image.open(src) as opened:
            width, height = opened.size
            if opened.getexif().get(_ORIENTATION, 1) in (5, 6, 7, 8):
                width, height = height, width
            opened.draft("RGB", (max_side, max_side))  # JPEG: decode at a fraction of the size
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaError(f"cannot read image {src.name} ({exc})") from exc
    image = image.convert("RGB")
    # Bilinear from the draft: the draft already did most of the shrinking, cheaply.
    image.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=None)
    dst.parent.mkdir(parents=True, exist_ok=True)
    part = dst.with_name(f".{dst.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        image.save(part, format="JPEG", quality=85)
        os.replace(part, dst)
    finally:
        part.unlink(missing_ok=True)
    return width, height


_ORIENTATION = 0x0112  # the EXIF tag
