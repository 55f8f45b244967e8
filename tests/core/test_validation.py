"""Request validation: every documented rule, with messages that say what to do."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sora_studio.core.catalog import Catalog, default_catalog
from sora_studio.core.models import (
    CharacterRef,
    ImageInfo,
    Operation,
    RenderRequest,
    Size,
    ValidationProblem,
)
from sora_studio.core.validation import (
    MAX_PROMPT_CHARS,
    parse_size,
    validate_character_clip,
    validate_request,
)

CATALOG = default_catalog()
GOOD = RenderRequest(
    prompt="A paper boat drifts down a rainy street", model="sora-2", size="1280x720", seconds=8
)
FIELDS = {"prompt", "model", "size", "seconds", "reference", "characters", "source"}


def problems(
    request: RenderRequest, catalog: Catalog = CATALOG, **kwargs: object
) -> dict[str, str]:
    found = validate_request(request, catalog, **kwargs)  # type: ignore[arg-type]
    assert all(isinstance(p, ValidationProblem) for p in found)
    return {p.field: p.message for p in found}


def test_a_good_request_has_no_problems() -> None:
    assert validate_request(GOOD, CATALOG) == ()


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_empty_prompt(prompt: str) -> None:
    assert "cannot be empty" in problems(replace(GOOD, prompt=prompt))["prompt"]


def test_prompt_length_limit() -> None:
    assert problems(replace(GOOD, prompt="x" * MAX_PROMPT_CHARS)) == {}
    message = problems(replace(GOOD, prompt="x" * (MAX_PROMPT_CHARS + 1)))["prompt"]
    assert "32,001" in message and "32,000" in message


def test_unknown_model_lists_the_known_ones() -> None:
    message = problems(replace(GOOD, model="sora-3"))["model"]
    assert "sora-3" in message and "sora-2" in message and "sora-2-pro" in message


def test_aliases_are_accepted() -> None:
    assert problems(replace(GOOD, model="sora-2-2025-10-06")) == {}


def test_size_not_offered_lists_allowed_sizes() -> None:
    message = problems(replace(GOOD, size="1920x1080"))["size"]
    assert "sora-2 does not offer 1920x1080" in message
    assert "1280x720" in message and "720x1280" in message
    assert problems(replace(GOOD, model="sora-2-pro", size="1920x1080")) == {}


@pytest.mark.parametrize("size", ["big", "1280*720", "0x720", "x", ""])
def test_malformed_size(size: str) -> None:
    assert "1280x720" in problems(replace(GOOD, size=size))["size"]


def test_long_durations_need_the_switch() -> None:
    for seconds in (16, 20):
        message = problems(replace(GOOD, seconds=seconds))["seconds"]
        assert "longer-durations switch" in message
        assert problems(replace(GOOD, seconds=seconds), long_durations=True) == {}


@pytest.mark.parametrize("seconds", [0, -4, 5, 10, 24, 120])
def test_durations_not_offered(seconds: int) -> None:
    message = problems(replace(GOOD, seconds=seconds), long_durations=True)["seconds"]
    assert "switch" not in message
    assert str(seconds) in message


def test_gateway_catalog_durations_are_respected() -> None:
    gateway = CATALOG.with_overrides({"durations": [5, 10], "long_durations": []})
    assert problems(replace(GOOD, seconds=5), gateway) == {}
    assert "5 or 10" in problems(replace(GOOD, seconds=8), gateway)["seconds"]


EXTEND = replace(GOOD, operation=Operation.EXTEND, source_remote_id="video_abc", seconds=20)


def test_extension_seconds_are_the_new_segment() -> None:
    # 20 s segments are fine for extensions even without the long-durations switch.
    assert problems(EXTEND, source_seconds=8, source_extension_count=0) == {}
    assert "segment" in problems(replace(EXTEND, seconds=6), source_seconds=8)["seconds"]


def test_extension_total_is_capped_at_120_seconds() -> None:
    assert problems(EXTEND, source_seconds=100) == {}
    message = problems(EXTEND, source_seconds=104)["seconds"]
    assert "124 s" in message and "120 s" in message and "at most 16 seconds" in message
    assert "already at the limit" in problems(EXTEND, source_seconds=120)["seconds"]


def test_at_most_six_extensions() -> None:
    assert problems(EXTEND, source_seconds=20, source_extension_count=5) == {}
    message = problems(EXTEND, source_seconds=20, source_extension_count=6)["source"]
    assert "6 times" in message


def test_extensions_take_no_reference_or_characters() -> None:
    ref = ImageInfo("png", 1280, 720)
    found = problems(
        replace(EXTEND, reference=ref, characters=(CharacterRef("char_1", "Mo"),)),
        source_seconds=8,
    )
    assert "reference" in found and "characters" in found


@pytest.mark.parametrize("operation", [Operation.REMIX, Operation.EDIT, Operation.EXTEND])
@pytest.mark.parametrize("source", [None, "", "  "])
def test_derived_operations_need_a_source(operation: Operation, source: str | None) -> None:
    request = replace(GOOD, operation=operation, source_remote_id=source)
    assert "source" in problems(request, source_seconds=8)


def test_remix_and_edit_inherit_any_source_length() -> None:
    for operation in (Operation.REMIX, Operation.EDIT):
        request = replace(GOOD, operation=operation, source_remote_id="video_1", seconds=36)
        assert problems(request) == {}


def test_reference_must_match_size_exactly() -> None:
    request = replace(GOOD, reference=ImageInfo("jpeg", 1280, 719))
    message = problems(request)["reference"]
    assert "1280x719" in message and "1280x720" in message and "fit to size" in message
    assert problems(replace(GOOD, reference=ImageInfo("webp", 1280, 720))) == {}
    assert problems(replace(GOOD, reference=ImageInfo("JPG", 1280, 720))) == {}


@pytest.mark.parametrize("fmt", ["gif", "bmp", "tiff", "heic", ""])
def test_reference_format(fmt: str) -> None:
    message = problems(replace(GOOD, reference=ImageInfo(fmt, 1280, 720)))["reference"]
    assert "JPEG, PNG or WebP" in message


def test_reference_with_a_face_is_refused() -> None:
    request = replace(GOOD, reference=ImageInfo("png", 1280, 720, has_face=True))
    assert "face" in problems(request)["reference"]


def test_characters_at_most_two_and_named_in_the_prompt() -> None:
    mo, pip, zed = CharacterRef("c1", "Mo"), CharacterRef("c2", "Pip"), CharacterRef("c3", "Zed")
    ok = replace(GOOD, prompt="Mo and Pip race paper boats", characters=(mo, pip))
    assert problems(ok) == {}
    three = replace(ok, prompt="Mo, Pip and Zed race", characters=(mo, pip, zed))
    assert "at most 2" in problems(three)["characters"]
    missing = replace(ok, prompt="Mo races alone")
    assert "Add the name “Pip” to the prompt" in problems(missing)["characters"]
    # Verbatim: case matters.
    assert "characters" in problems(replace(ok, prompt="mo and pip race"))


def test_all_problems_are_reported_at_once() -> None:
    bad = RenderRequest(prompt="", model="nope", size="1x", seconds=3)
    assert set(problems(bad)) == {"prompt", "model", "size", "seconds"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1280x720", Size(1280, 720)),
        (" 720X1280 ", Size(720, 1280)),
        ("0x1", None),
        ("12x", None),
        (None, None),
        (1280, None),
    ],
)
def test_parse_size(text: object, expected: Size | None) -> None:
    assert parse_size(text) == expected


sizes = st.one_of(
    st.sampled_from(["1280x720", "720x1280", "1920x1080", "1792x1024"]),
    st.builds(lambda w, h: f"{w}x{h}", st.integers(-5, 5000), st.integers(-5, 5000)),
    st.text(max_size=12),
)
images = st.none() | st.builds(
    ImageInfo,
    format=st.text(max_size=6) | st.sampled_from(["jpeg", "png", "webp", "JPG"]),
    width=st.integers(-10, 5000),
    height=st.integers(-10, 5000),
    has_face=st.booleans(),
)
requests = st.builds(
    RenderRequest,
    prompt=st.text(max_size=200) | st.just("x" * (MAX_PROMPT_CHARS + 1)),
    model=st.text(max_size=20) | st.sampled_from(["sora-2", "sora-2-pro", "sora-2-2025-10-06"]),
    size=sizes,
    seconds=st.integers(-1000, 1000),
    operation=st.sampled_from(list(Operation)),
    source_remote_id=st.none() | st.text(max_size=10),
    reference=images,
    characters=st.lists(
        st.builds(CharacterRef, st.text(max_size=5), st.text(max_size=8)), max_size=4
    ).map(tuple),
    batch=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    request=requests,
    long_durations=st.booleans(),
    source_seconds=st.none() | st.integers(-10, 500),
    count=st.integers(-2, 10),
)
def test_never_raises_and_names_known_fields(
    request: RenderRequest, long_durations: bool, source_seconds: int | None, count: int
) -> None:
    found = validate_request(
        request,
        CATALOG,
        long_durations=long_durations,
        source_seconds=source_seconds,
        source_extension_count=count,
    )
    assert isinstance(found, tuple)
    for problem in found:
        assert problem.field in FIELDS
        assert problem.message.strip()


def test_character_clip_rules() -> None:
    assert validate_character_clip(3.0, 1280, 720) == ()
    assert validate_character_clip(2.0, 1080, 1920) == ()
    assert validate_character_clip(4.0, 1920, 1080) == ()
    assert "2 to 4 seconds" in validate_character_clip(4.5, 1280, 720)[0].message
    assert "2 to 4 seconds" in validate_character_clip(1.9, 1280, 720)[0].message
    assert "16:9 or 9:16" in validate_character_clip(3.0, 1024, 768)[0].message
    assert "720p to 1080p" in validate_character_clip(3.0, 640, 360)[0].message
    assert "720p to 1080p" in validate_character_clip(3.0, 3840, 2160)[0].message
    # Within 1 % of 16:9 is fine (1280x722 is 0.3 % off); 1280x760 is not.
    assert validate_character_clip(3.0, 1280, 722) == ()
    assert validate_character_clip(3.0, 1280, 760) != ()


@given(st.floats(allow_nan=True), st.integers(-100, 10_000), st.integers(-100, 10_000))
def test_character_clip_never_raises(duration: float, width: int, height: int) -> None:
    for problem in validate_character_clip(duration, width, height):
        assert problem.message
