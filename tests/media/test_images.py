"""fit_image: exact output size for crop and pad, as a new PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sora_studio.media.images import fit_image
from sora_studio.media.probe import MediaError


@pytest.fixture
def square(tmp_path: Path) -> Path:
    """400x400: a red left half and a blue right half."""
    img = Image.new("RGB", (400, 400), (255, 0, 0))
    img.paste((0, 0, 255), (200, 0, 400, 400))
    path = tmp_path / "square.jpg"
    img.save(path, quality=95)
    return path


def test_crop_fills_the_frame(square: Path, tmp_path: Path) -> None:
    before = square.read_bytes()
    out = fit_image(square, tmp_path / "crop.png", 720, 1280, "crop")
    with Image.open(out) as img:
        assert img.format == "PNG" and img.size == (720, 1280)
        arr = np.asarray(img.convert("RGB"), dtype=np.int32)
    assert arr[640, 10, 0] > 200 and arr[640, 710, 2] > 200  # both halves, no bars
    assert square.read_bytes() == before


def test_pad_letterboxes(square: Path, tmp_path: Path) -> None:
    out = fit_image(square, tmp_path / "pad.png", 1280, 720, "pad")
    with Image.open(out) as img:
        assert img.size == (1280, 720)
        arr = np.asarray(img.convert("RGB"), dtype=np.int32)
    assert arr[360, 5].sum() == 0 and arr[360, 1275].sum() == 0  # black bars left and right
    assert arr[360, 400, 0] > 200 and arr[360, 880, 2] > 200


def test_transparency_is_flattened(tmp_path: Path) -> None:
    src = tmp_path / "alpha.png"
    Image.new("RGBA", (50, 50), (0, 255, 0, 0)).save(src)
    out = fit_image(src, tmp_path / "flat.png", 100, 100, "crop")
    with Image.open(out) as img:
        assert img.mode == "RGB"
        assert img.getpixel((50, 50)) == (0, 0, 0)


def test_bad_input_says_what_to_do(square: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="'crop' or 'pad'"):
        fit_image(square, tmp_path / "x.png", 10, 10, "stretch")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"junk")
    with pytest.raises(MediaError, match="JPEG, PNG or WebP"):
        fit_image(junk, tmp_path / "y.png", 10, 10)
    with pytest.raises(MediaError, match="new file"):
        fit_image(square, square, 10, 10)
