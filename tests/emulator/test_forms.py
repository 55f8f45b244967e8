"""Multipart bracket keys become the same nested body as JSON."""

from __future__ import annotations

import pytest

from sora_studio.emulator.errors import ApiError
from sora_studio.emulator.forms import unflatten


def test_bracket_keys_rebuild_objects_and_lists() -> None:
    body = unflatten(
        [
            ("prompt", "Bolt and Kite"),
            ("input_reference[image_url]", "data:image/png;base64,AAAA"),
            ("characters[][id]", "char_a"),
            ("characters[][id]", "char_b"),
            ("video[id]", "video_1"),
        ]
    )
    assert body == {
        "prompt": "Bolt and Kite",
        "input_reference": {"image_url": "data:image/png;base64,AAAA"},
        "characters": [{"id": "char_a"}, {"id": "char_b"}],
        "video": {"id": "video_1"},
    }


def test_indexed_list_keys() -> None:
    body = unflatten([("characters[1][id]", "char_b"), ("characters[0][id]", "char_a")])
    assert body == {"characters": [{"id": "char_a"}, {"id": "char_b"}]}


def test_conflicting_keys_are_refused() -> None:
    with pytest.raises(ApiError) as info:
        unflatten([("video", "x"), ("video[id]", "video_1")])
    assert info.value.status == 400 and "video" in info.value.message
    with pytest.raises(ApiError):
        unflatten([("bad]key", "x")])
