"""Composing a structured brief into prompt text, and round-tripping it through dicts."""

from __future__ import annotations

from dataclasses import fields

from hypothesis import given
from hypothesis import strategies as st

from sora_studio.core.brief import BRIEF_FIELDS, brief_from_dict, brief_to_dict, compose_prompt
from sora_studio.core.models import Brief

FULL = Brief(
    subject="A red kite over a windy beach",
    setting="a grey northern shore at low tide",
    camera="slow dolly left, 35 mm",
    lighting="overcast, soft",
    motion="the kite loops twice",
    style="16 mm film grain",
    audio="wind and distant gulls",
    constraints="no people; keep the horizon level",
    free_text="End on the kite string going slack.\nHold for a beat.",
)


def test_fields_in_order_with_labels() -> None:
    assert compose_prompt(FULL) == (
        "A red kite over a windy beach.\n"
        "Setting: a grey northern shore at low tide.\n"
        "Camera: slow dolly left, 35 mm.\n"
        "Lighting: overcast, soft.\n"
        "Motion: the kite loops twice.\n"
        "Style: 16 mm film grain.\n"
        "Audio: wind and distant gulls.\n"
        "Constraints: no people; keep the horizon level.\n"
        "\n"
        "End on the kite string going slack.\nHold for a beat."
    )


def test_empty_fields_are_skipped() -> None:
    assert compose_prompt(Brief(subject="A red kite", lighting="golden hour")) == (
        "A red kite.\nLighting: golden hour."
    )
    assert compose_prompt(Brief(camera="  ", free_text="Just this.")) == "Just this."
    assert compose_prompt(Brief()) == ""


def test_whitespace_is_tidied_and_punctuation_kept() -> None:
    brief = Brief(subject="  A kite\n  rises!  ", motion="fast?")
    assert compose_prompt(brief) == "A kite rises!\nMotion: fast?"


def test_brief_fields_cover_the_dataclass() -> None:
    assert [name for name, _ in BRIEF_FIELDS] == [f.name for f in fields(Brief)]
    assert all(label for _, label in BRIEF_FIELDS)


def test_dict_round_trip() -> None:
    data = brief_to_dict(FULL)
    assert set(data) == {name for name, _ in BRIEF_FIELDS}
    assert brief_from_dict(data) == FULL


def test_from_dict_is_tolerant() -> None:
    assert brief_from_dict(None) == Brief()
    assert brief_from_dict({}) == Brief()
    brief = brief_from_dict(
        {"Subject": "kite", "free text": "x", "safety_tags": "kids", "camera": None, "style": 3}
    )
    assert brief == Brief(subject="kite", free_text="x", style="3")


@given(st.builds(Brief, *[st.text(max_size=30) for _ in BRIEF_FIELDS]))
def test_composition_is_deterministic_and_round_trips(brief: Brief) -> None:
    assert compose_prompt(brief) == compose_prompt(brief_from_dict(brief_to_dict(brief)))
    assert brief_from_dict(brief_to_dict(brief)) == brief
