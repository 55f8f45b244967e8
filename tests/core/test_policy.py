"""The prompt policy: what it flags, what it leaves alone, and the moderation scores it feeds."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sora_studio.core.policy import (
    MODERATION_CATEGORIES,
    MODERATION_THRESHOLD,
    PolicyChecker,
    PolicyRulesError,
    fold,
    is_blocked,
    moderation_scores,
    policy_hits,
    precheck,
)


def rules_of(prompt: str) -> set[str]:
    return {flag.rule for flag in precheck(prompt)}


def phrases_of(prompt: str) -> list[str]:
    return [flag.phrase for flag in precheck(prompt)]


@pytest.mark.parametrize(
    "prompt",
    [
        "Mickey Mouse waves from a boat",
        "spider-man swings between towers",
        "Spiderman swings between towers",
        "SPIDER MAN on a roof",
        "a Pikachu plush on a desk",
        "Darth Vader walks through a corridor",
        "Batman on a rooftop at night",
        "Elsa builds an ice castle",
        "Pokémon in a meadow",
        "a pokemon in a meadow",
        "R2-D2 beeps",
    ],
)
def test_copyrighted_characters(prompt: str) -> None:
    assert "copyrighted_character" in rules_of(prompt)
    assert is_blocked(prompt)


def test_message_says_what_to_do() -> None:
    (flag,) = precheck("Mickey Mouse waves from a boat")
    assert flag.rule == "copyrighted_character"
    assert flag.phrase == "Mickey Mouse"
    assert "Replace “Mickey Mouse” with an original character" in flag.message


def test_possessive_keeps_the_name_clean() -> None:
    assert phrases_of("Pikachu's tail glows") == ["Pikachu"]


@pytest.mark.parametrize(
    "prompt",
    [
        "Bohemian Rhapsody plays on the radio",
        "a Taylor Swift song in the background",
        "Taylor Swift's song in the background",
        "music by Queen fills the hall",
        "the Imperial March booms",
    ],
)
def test_copyrighted_music(prompt: str) -> None:
    assert "copyrighted_music" in rules_of(prompt)


def test_artist_names_alone_are_not_music() -> None:
    # "Queen" with no music word is not a song; "Taylor Swift" alone is a real person instead.
    assert rules_of("a queen in a palace") == set()
    assert rules_of("Taylor Swift waves") == {"real_person"}


@pytest.mark.parametrize(
    "prompt",
    [
        "Barack Obama gives a speech",
        "elon musk on mars",
        "Beyoncé dances",
        "the president of the United States signs a bill",
        "the Pope blesses the crowd",
        "the CEO of Tesla unveils a car",
        "the King of England rides by",
    ],
)
def test_real_people(prompt: str) -> None:
    assert "real_person" in rules_of(prompt)
    assert is_blocked(prompt)


def test_generic_fame_is_a_warning_not_a_block() -> None:
    assert rules_of("a famous actor walks the red carpet") == {"real_person"}
    assert not is_blocked("a famous actor walks the red carpet")
    (flag,) = precheck("a famous actor walks the red carpet")
    assert flag.block is False


@pytest.mark.parametrize(
    ("prompt", "phrase"),
    [
        ("a detective finds the murder weapon", "murder"),
        ("a sensual tango in the rain", "sensual"),
        ("bullying in a school corridor", "bullying"),
        ("he shouts shit and drops the tray", "shit"),
    ],
)
def test_non_blocking_groups_give_warning_flags(prompt: str, phrase: str) -> None:
    (flag,) = precheck(prompt)
    assert (flag.phrase, flag.block) == (phrase, False)
    assert "may be refused" in flag.message
    assert not is_blocked(prompt)


def test_flags_carry_their_group_block_setting_in_one_prompt() -> None:
    flags = precheck("Batman investigates a murder")
    assert [(f.phrase, f.rule, f.block) for f in flags] == [
        ("Batman", "copyrighted_character", True),
        ("murder", "under_18", False),
    ]
    assert is_blocked("Batman investigates a murder")


def test_an_equal_overlap_keeps_the_blocking_hit() -> None:
    checker = PolicyChecker(
        {
            "rules": {"r": {"message": "“{phrase}”."}},
            "groups": [
                {"id": "soft", "rule": "r", "block": False, "phrases": ["red baron"]},
                {"id": "hard", "rule": "r", "block": True, "phrases": ["red baron"]},
            ],
        }
    )
    (flag,) = checker.precheck("the Red Baron flies")
    assert flag.block


@pytest.mark.parametrize(
    "prompt",
    [
        "a nude figure",
        "explicit content",
        "gore everywhere",
        "a beheading",
        "she wants to kill myself",
        "how to make a bomb",
        "a swastika flag",
    ],
)
def test_unsuitable_for_under_18(prompt: str) -> None:
    assert "under_18" in rules_of(prompt)
    assert is_blocked(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        "a class of students in a classroom",
        "a glass of water on a brass table",
        "an assistant passes the assessment",
        "an explicit camera instruction: dolly in slowly",
        "a paint splatter on canvas",
        "a queen bee in a hive",
        "a spider on a man's hat",  # not Spider-Man: other words between
        "a photo shoot in a studio",
        "Pikachuesque yellow creature",  # not the whole word
        "the grand prix at dusk",
        "a presidential suite",
        "the prime minister of a fictional island",
        "a dragon breathes fire over a castle",
        "",
    ],
)
def test_innocent_prompts_pass(prompt: str) -> None:
    assert precheck(prompt) == ()
    assert not is_blocked(prompt)


def test_profanity_is_whole_word_and_only_a_warning() -> None:
    assert phrases_of("what a bad-ass move") == ["ass"]
    assert not is_blocked("what a bad-ass move")
    assert phrases_of("the class passes") == []


def test_one_flag_per_phrase_and_rule_in_reading_order() -> None:
    flags = precheck("Batman meets Darth Vader; batman waves at Mickey Mouse")
    assert [f.phrase for f in flags] == ["Batman", "Darth Vader", "Mickey Mouse"]


def test_longest_match_wins_within_a_rule() -> None:
    assert phrases_of("Teenage Mutant Ninja Turtles eat pizza") == ["Teenage Mutant Ninja Turtles"]


def test_hits_carry_spans_for_highlighting() -> None:
    prompt = "A dog and Mickey Mouse"
    (hit,) = policy_hits(prompt)
    assert prompt[hit.start : hit.end] == "Mickey Mouse"
    assert hit.block


def test_spans_survive_accents() -> None:
    prompt = "Ça va: Beyoncé sings"
    spans = {h.flag.rule: prompt[h.start : h.end] for h in policy_hits(prompt)}
    assert spans == {"real_person": "Beyoncé", "copyrighted_music": "Beyoncé sings"}


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_fold_keeps_length_and_checks_never_raise(text: str) -> None:
    assert len(fold(text)) == len(text)
    for hit in policy_hits(text):
        assert 0 <= hit.start < hit.end <= len(text)
    scores = moderation_scores(text)
    assert set(scores) == set(MODERATION_CATEGORIES)
    assert all(0.0 <= s <= 1.0 for s in scores.values())


def test_moderation_scores_are_deterministic_and_categorised() -> None:
    clean = moderation_scores("a paper boat on a rainy street")
    assert all(score == 0.0 for score in clean.values())
    gore = moderation_scores("gore and a beheading")
    assert gore["violence/graphic"] >= MODERATION_THRESHOLD
    assert gore["violence"] >= gore["violence/graphic"]  # a parent at least as high as a child
    assert gore["sexual"] == 0.0
    assert gore == moderation_scores("gore and a beheading")
    two = moderation_scores("gore and a beheading")["violence/graphic"]
    one = moderation_scores("gore")["violence/graphic"]
    assert two > one


def test_sexual_content_with_a_minor_scores_sexual_minors() -> None:
    adult = moderation_scores("a nude painting")
    assert adult["sexual"] >= MODERATION_THRESHOLD
    assert adult["sexual/minors"] == 0.0
    minors = moderation_scores("a nude teen")
    assert minors["sexual/minors"] == 1.0
    # A minor alone is fine.
    assert moderation_scores("a teen rides a bike")["sexual/minors"] == 0.0


def test_copyright_does_not_feed_moderation() -> None:
    assert all(s == 0.0 for s in moderation_scores("Mickey Mouse").values())


def _shipped() -> dict[str, Any]:
    text = resources.files("sora_studio.core").joinpath("policy_rules.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_shipped_rules_are_consistent() -> None:
    data = _shipped()
    ids = [g["id"] for g in data["groups"]]
    assert len(ids) == len(set(ids))
    for group in data["groups"]:
        assert group["rule"] in data["rules"]
        assert group.get("category") is None or group["category"] in MODERATION_CATEGORIES
    for rule in data["rules"].values():
        assert "{phrase}" in rule["message"]


def test_a_checker_from_custom_data() -> None:
    checker = PolicyChecker(
        {
            "rules": {"brand": {"block": False, "message": "Drop “{phrase}”."}},
            "groups": [{"id": "b", "rule": "brand", "phrases": ["Acme Corp"]}],
        }
    )
    (flag,) = checker.precheck("an ACME-corp rocket")
    assert flag.message == "Drop “ACME-corp”."
    assert flag.block is False  # the rule's setting reaches the flag
    assert not checker.is_blocked("an acme corp rocket")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"rules": {}, "groups": [{"id": "x", "rule": "missing", "phrases": ["a"]}]},
        {"rules": {"r": {}}, "groups": [{"id": "x", "rule": "r"}]},
        {"rules": {"r": {}}, "groups": [{"id": "x", "rule": "r", "phrases": "a"}]},
        {"rules": {"r": {}}, "groups": [{"id": "x", "rule": "r", "patterns": ["("]}]},
        {
            "rules": {"r": {}},
            "groups": [{"id": "x", "rule": "r", "phrases": ["a"], "category": "spam"}],
        },
        {"rules": {"r": {}}, "groups": [{"id": "x", "rule": "r", "phrases": ["a"], "weight": 2}]},
        {"rules": {"r": {}}, "groups": [{"id": "x", "rule": "r", "phrases": ["--"]}]},
        {"rules": {"r": {"block": "no"}}, "groups": [{"id": "x", "rule": "r", "phrases": ["a"]}]},
    ],
)
def test_malformed_rules_raise_policy_rules_error(data: dict[str, Any]) -> None:
    with pytest.raises(PolicyRulesError):
        PolicyChecker(data)
