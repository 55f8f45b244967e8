"""probe_* and verify_*: real facts from real files, MediaError for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from sora_studio.core.errors import UserError
from sora_studio.media.probe import MediaError, probe_image, probe_video, verify_image, verify_video


def test_garbage_is_not_a_video(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not an mp4" * 100)
    with pytest.raises(MediaError, match="not a video file"):
        probe_video(bad)
    assert issubclass(MediaError, UserError)


def test_an_image_is_not_a_video(tmp_path: Path) -> None:
    png = tmp_path / "still.png"
    Image.new("RGB", (32, 32), "red").save(png)
    with pytest.raises(MediaError, match="not a video file"):
        verify_video(png, width=32, height=32, duration_s=1)


def test_verify_accepts_a_matching_clip(counting_clip: Path) -> None:
    info = verify_video(counting_clip, width=320, height=180, duration_s=2.0)
    assert info.has_audio


def test_verify_names_each_difference(counting_clip: Path) -> None:
    with pytest.raises(MediaError, match=r"size is 320x180, expected 1280x720.*duration is 2.00 s"):
        verify_video(counting_clip, width=1280, height=720, duration_s=8.0)


def test_verify_catches_a_truncated_download(counting_clip: Path, tmp_path: Path) -> None:
    data = counting_clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])  # faststart: header intact, frames missing
    with pytest.raises(MediaError):
        verify_video(cut, width=320, height=180, duration_s=2.0)


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")])
def test_probe_image_reports_the_real_format(tmp_path: Path, fmt: str, name: str) -> None:
    path = tmp_path / "picture.bin"  # the extension lies; the content decides
    Image.new("RGB", (40, 30), "blue").save(path, format=fmt)
    info = probe_image(path)
    assert (info.format, info.width, info.height, info.path) == (name, 40, 30, str(path))
    assert verify_image(path) == (40, 30)


def test_unreadable_and_truncated_images(tmp_path: Path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"nope")
    with pytest.raises(MediaError, match="not an image file"):
        probe_image(junk)
    full = tmp_path / "full.png"
    Image.effect_noise((200, 200), 50).save(full)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(full.read_bytes()[:2000])
    with pytest.raises(MediaError, match="unreadable or truncated"):
        verify_image(truncated)
