"""Validation per model: size rules, frame-based lengths, features a model lacks, extra settings
and Batch, each refused with a message that says what to do (Sora's rules: test_validation.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sora_studio.core.catalog import default_catalog
from sora_studio.core.extras import (
    MAX_NEGATIVE_PROMPT_CHARS,
    check_extras,
    coerce_extra,
    merge_extras,
    normalize_extras,
    takes_advanced,
)
from sora_studio.core.models import CharacterRef, ImageInfo, Operation, RenderRequest
from sora_studio.core.validation import validate_request

CATALOG = default_catalog()
WAN = RenderRequest(
    prompt="A red fox trots through fresh snow",
    model="wan-2.2-ti2v-5b",
    size="1280x704",
    seconds=5,
    extras=(("fps", 24), ("num_frames", 121)),
)
VEO = RenderRequest(prompt="A lighthouse in a storm", model="veo-3.1", size="1280x720", seconds=8)


def problems(request: RenderRequest, **kwargs: object) -> dict[str, str]:
    found = validate_request(request, CATALOG, **kwargs)  # type: ignore[arg-type]
    merged: dict[str, str] = {}
    for problem in found:
        merged[problem.field] = (merged.get(problem.field, "") + " " + problem.message).strip()
    return merged


def test_good_requests_for_other_models() -> None:
    assert problems(WAN) == {}
    assert problems(replace(WAN, extras=())) == {}  # the server's own frame default is fine
    assert problems(VEO) == {}
    assert problems(replace(VEO, size="1080x1920", seconds=4)) == {}
    a14b = RenderRequest("A fox", "wan-2.2-t2v-a14b", "832x480", 3)
    assert problems(a14b) == {}


def test_a_size_rule_accepts_custom_sizes_and_says_what_it_takes() -> None:
    assert problems(replace(WAN, size="960x544")) == {}
    message = problems(replace(WAN, size="1000x700"))["size"]
    assert "Wan 2.2 TI2V 5B takes sizes with width and height multiples of 32" in message
    assert "from 256 to 1280 px; 1000x700 is not one" in message
    assert "Try 1280x704 or 704x1280." in message


def test_a_size_list_without_rule_lists_the_sizes() -> None:
    request = RenderRequest("A fox", "wan-2.1-t2v-1.3b", "1280x720", 5)
    assert problems(request)["size"] == (
        "wan-2.1-t2v-1.3b does not offer 1280x720; choose 832x480 or 480x832."
    )


def test_frame_models_offer_their_own_seconds() -> None:
    message = problems(replace(WAN, seconds=8, extras=()))["seconds"]
    assert message == (
        "Wan 2.2 TI2V 5B renders 2, 3, 4 or 5 s clips (49 to 121 frames at 24 fps), not 8 s; "
        "choose one of those."
    )
    # The long-durations switch is a Sora rule and does not apply.
    assert "seconds" in problems(replace(WAN, seconds=16, extras=()), long_durations=True)


def test_listed_durations_per_model() -> None:
    assert problems(replace(VEO, seconds=12))["seconds"] == (
        "12 s is not offered by Veo 3.1; choose 4, 6 or 8 seconds."
    )


def test_a_model_without_reference_images_refuses_one() -> None:
    request = RenderRequest(
        "A fox",
        "wan-2.2-t2v-a14b",
        "832x480",
        5,
        reference=ImageInfo(format="png", width=832, height=480),
    )
    assert problems(request)["reference"] == (
        "Wan 2.2 T2V A14B does not take a reference image; remove it, or choose a model that does."
    )
    # Wan 2.2 TI2V 5B takes one (text and image to video).
    with_image = replace(WAN, reference=ImageInfo(format="png", width=1280, height=704))
    assert "reference" not in problems(with_image)


def test_a_model_without_characters_refuses_them() -> None:
    request = replace(VEO, characters=(CharacterRef("char_1", "Pip"),), prompt="Pip at sea")
    assert problems(request)["characters"] == (
        "Veo 3.1 cannot use characters; remove them, or choose a model that can."
    )


@pytest.mark.parametrize("operation", [Operation.REMIX, Operation.EDIT, Operation.EXTEND])
def test_operations_a_model_lacks_are_refused(operation: Operation) -> None:
    request = replace(WAN, operation=operation, source_remote_id="video_1", extras=())
    assert problems(request)["source"] == (
        f"Wan 2.2 TI2V 5B cannot {operation.value} a video; render a new one with a changed "
        "prompt instead."
    )


def test_veo_extends_by_its_own_segments() -> None:
    extend = replace(VEO, operation=Operation.EXTEND, source_remote_id="video_1", seconds=7)
    assert problems(extend, source_seconds=8) == {}
    message = problems(replace(extend, seconds=8), source_seconds=8)["seconds"]
    assert message == "An extension adds a new segment of 7 seconds, not 8."
    assert "148 s limit" in problems(extend, source_seconds=145)["seconds"]


def test_extras_a_model_takes_pass() -> None:
    request = replace(
        WAN,
        extras=merge_extras(
            [
                ("negative_prompt", "blur, watermark"),
                ("seed", 42),
                ("num_inference_steps", 30),
                ("guidance_scale", 5.5),
            ],
            CATALOG.frame_extras("wan-2.2-ti2v-5b", 5),
        ),
    )
    assert problems(request) == {}


def test_extras_a_model_does_not_take_are_refused_naming_alternatives() -> None:
    message = problems(replace(VEO, extras=(("num_inference_steps", 30),)))["extras"]
    assert message.startswith("Veo 3.1 does not take the steps setting; clear it, or choose ")
    assert "Wan 2.2 TI2V 5B" in message
    sora = RenderRequest("A boat", "sora-2", "1280x720", 4, extras=(("seed", 1),))
    assert problems(sora)["extras"].startswith("Sora 2 does not take the seed setting")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("seed", -1, "The seed must be a whole number from 0 to 2,147,483,647"),
        ("seed", 2**31, "The seed must be a whole number"),
        ("seed", 1.5, "The seed must be a whole number"),
        ("seed", True, "The seed must be a whole number"),
        ("seed", "abc", "The seed must be a whole number"),
        ("num_inference_steps", 0, "Steps must be a whole number from 1 to 200"),
        ("num_inference_steps", 201, "Steps must be a whole number from 1 to 200"),
        ("guidance_scale", 31, "Guidance must be a number from 0 to 30"),
        ("guidance_scale", -0.5, "Guidance must be a number from 0 to 30"),
        ("guidance_scale", float("nan"), "Guidance must be a number from 0 to 30"),
        ("negative_prompt", "x" * (MAX_NEGATIVE_PROMPT_CHARS + 1), "shorten it to at most 2,000"),
        ("negative_prompt", 5, "The negative prompt must be text."),
        ("lora", "x", "“lora” is not a setting Sora Studio sends"),
    ],
)
def test_extras_are_type_checked(name: str, value: object, expected: str) -> None:
    message = problems(replace(WAN, extras=((name, value),)))["extras"]  # type: ignore[arg-type]
    assert expected in message


@pytest.mark.parametrize(
    ("extras", "expected"),
    [
        ((("num_frames", 97),), "makes a 5 s clip from 121 frames; remove num_frames"),
        ((("fps", 30),), "renders at 24 fps; remove the fps setting"),
    ],
)
def test_frame_extras_must_match_the_seconds(extras: object, expected: str) -> None:
    assert expected in problems(replace(WAN, extras=extras))["extras"]  # type: ignore[arg-type]


def test_a_seconds_model_refuses_a_frame_count() -> None:
    message = problems(replace(VEO, extras=(("num_frames", 97),)))["extras"]
    assert message == "Veo 3.1 takes its length in seconds, not frames; remove num_frames."


def test_batch_only_for_models_with_a_batch_price() -> None:
    assert problems(replace(VEO, batch=True))["batch"] == (
        "Veo 3.1 has no Batch price; untick Batch to send it at once."
    )
    assert "batch" in problems(replace(WAN, batch=True))
    sora = RenderRequest("A boat", "sora-2", "1280x720", 4, batch=True)
    assert problems(sora) == {}


def test_extras_helpers() -> None:
    assert normalize_extras({"seed": 3, "negative_prompt": "  ", "guidance_scale": 2.0}) == (
        ("guidance_scale", 2.0),
        ("seed", 3),
    )
    assert merge_extras([("num_frames", 49), ("seed", 1)], [("num_frames", 121)]) == (
        ("num_frames", 121),
        ("seed", 1),
    )
    assert coerce_extra("seed", " 42 ") == 42
    assert coerce_extra("guidance_scale", "5.5") == 5.5
    assert coerce_extra("seed", "forty") == "forty"  # left for check_extras to explain
    assert takes_advanced(CATALOG.model("wan-2.2-ti2v-5b"))
    assert takes_advanced(CATALOG.model("veo-3.1"))
    assert not takes_advanced(CATALOG.model("sora-2"))
    assert check_extras([("seed", 5)], None) == []  # unknown model: the model check explains
