"""Extra body fields some models take beyond the official contract, and their checks.

Open models served by SGLang Diffusion, vLLM-Omni or Dynamo read ``negative_prompt``, ``seed``,
``num_inference_steps`` and ``guidance_scale`` from the create body, and ``num_frames`` and
``fps`` for the length. A person sets the first four in the builder's "Advanced" group (or with
``render --seed`` ...); the last two follow from the model and the seconds chosen
(:meth:`~sora_studio.core.catalog.Catalog.frame_extras`), so nobody types them. Extras travel as
a tuple of ``(name, value)`` pairs sorted by name, the shape ``RenderRequest.extras`` and the
job row keep.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sora_studio.core.model_spec import ModelSpec, Support

ExtraValue = str | int | float
Extras = tuple[tuple[str, ExtraValue], ...]

MAX_NEGATIVE_PROMPT_CHARS = 2_000
MAX_SEED = 2**31 - 1  # fits every server's seed (SGLang ints, Veo's 32-bit range)
MIN_STEPS, MAX_STEPS = 1, 200
MIN_GUIDANCE, MAX_GUIDANCE = 0.0, 30.0

NUM_FRAMES = "num_frames"
FPS = "fps"
FRAME_FIELDS = frozenset({NUM_FRAMES, FPS})


@dataclass(frozen=True, slots=True)
class ExtraField:
    """One setting a person may send to a model that takes it."""

    name: str  # the body field
    support: Support  # the catalog flag that says a model takes it
    label: str  # how the builder and messages name it
    option: str  # the CLI flag


NEGATIVE_PROMPT = ExtraField(
    "negative_prompt", Support.NEGATIVE_PROMPT, "negative prompt", "--negative-prompt"
)
SEED = ExtraField("seed", Support.SEED, "seed", "--seed")
STEPS = ExtraField("num_inference_steps", Support.STEPS, "steps", "--steps")
GUIDANCE = ExtraField("guidance_scale", Support.GUIDANCE, "guidance", "--guidance")
ADVANCED_FIELDS: tuple[ExtraField, ...] = (NEGATIVE_PROMPT, SEED, STEPS, GUIDANCE)
_BY_NAME = {f.name: f for f in ADVANCED_FIELDS}
ADVANCED_SUPPORTS = frozenset(f.support for f in ADVANCED_FIELDS)


def normalize_extras(extras: Iterable[tuple[str, ExtraValue]] | Mapping[str, ExtraValue]) -> Extras:
    """Pairs sorted by name, later duplicates winning, blank strings dropped."""
    pairs = extras.items() if isinstance(extras, Mapping) else extras
    merged: dict[str, ExtraValue] = {}
    for name, value in pairs:
        if isinstance(value, str) and not value.strip():
            merged.pop(str(name), None)
            continue
        merged[str(name)] = value
    return tuple(sorted(merged.items()))


def merge_extras(
    chosen: Iterable[tuple[str, ExtraValue]], implied: Iterable[tuple[str, ExtraValue]]
) -> Extras:
    """What a person chose plus what the model implies (frames and fps win: they follow from
    the seconds, and a stale value typed earlier must not contradict them)."""
    return normalize_extras([*chosen, *implied])


def chosen_extras(
    extras: Iterable[tuple[str, ExtraValue]], spec: ModelSpec | None = None
) -> Extras:
    """The settings a person chose (negative prompt, seed, steps, guidance) among ``extras``,
    without the frame fields a model implies; with ``spec``, only those that model takes (a
    promotion to a sibling that has no seed drops the seed rather than refusing the order)."""
    kept = []
    for name, value in extras:
        field = _BY_NAME.get(name)
        if field is not None and (spec is None or spec.takes(field.support)):
            kept.append((name, value))
    return normalize_extras(kept)


def takes_advanced(spec: ModelSpec | None) -> bool:
    """True when the model takes at least one of the "Advanced" settings."""
    return spec is not None and bool(spec.supports & ADVANCED_SUPPORTS)


def _whole(value: ExtraValue) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def _number(value: ExtraValue) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def coerce_extra(name: str, value: ExtraValue) -> ExtraValue:
    """The value as the wire wants it (``"42"`` typed in a box -> ``42``); unchanged when it is
    not convertible, so :func:`check_extras` can say what is wrong with it."""
    if name in (SEED.name, STEPS.name, NUM_FRAMES, FPS):
        whole = _whole(value)
        return value if whole is None else whole
    if name == GUIDANCE.name:
        number = _number(value)
        return value if number is None or not math.isfinite(number) else number
    return value


def _value_problem(name: str, value: ExtraValue) -> str | None:
    if name == NEGATIVE_PROMPT.name:
        if not isinstance(value, str):
            return "The negative prompt must be text."
        if len(value) > MAX_NEGATIVE_PROMPT_CHARS:
            return (
                f"The negative prompt is {len(value):,} characters; shorten it to at most "
                f"{MAX_NEGATIVE_PROMPT_CHARS:,}."
            )
        return None
    if name == SEED.name:
        seed = _whole(value)
        if seed is None or not 0 <= seed <= MAX_SEED:
            return (
                f"The seed must be a whole number from 0 to {MAX_SEED:,}; leave it empty for "
                "a random one."
            )
        return None
    if name == STEPS.name:
        steps = _whole(value)
        if steps is None or not MIN_STEPS <= steps <= MAX_STEPS:
            return (
                f"Steps must be a whole number from {MIN_STEPS} to {MAX_STEPS}; leave it empty "
                "for the model's default."
            )
        return None
    if name == GUIDANCE.name:
        guidance = _number(value)
        if (
            guidance is None
            or not math.isfinite(guidance)
            or not MIN_GUIDANCE <= guidance <= MAX_GUIDANCE
        ):
            return (
                f"Guidance must be a number from {MIN_GUIDANCE:g} to {MAX_GUIDANCE:g}; leave it "
                "empty for the model's default."
            )
        return None
    return None


def _frame_problem(spec: ModelSpec, name: str, value: ExtraValue, seconds: object) -> str | None:
    rule = spec.frames
    if rule is None:
        return f"{spec.label} takes its length in seconds, not frames; remove {name}."
    if name == FPS:
        if _whole(value) != rule.fps:
            return f"{spec.label} renders at {rule.fps} fps; remove the fps setting."
        return None
    frames = _whole(value)
    wanted = rule.frames_for(seconds) if isinstance(seconds, int) else None
    if frames is None or (wanted is not None and frames != wanted):
        expected = f"{wanted} frames" if wanted is not None else "one of its frame counts"
        return f"{spec.label} makes a {seconds} s clip from {expected}; remove num_frames."
    return None


def _or_choose(models: list[str]) -> str:
    """``", or choose A, B or C"`` (at most three names), or nothing."""
    if not models:
        return ""
    names = models[:3]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f", or choose {listed}"


def check_extras(
    extras: Iterable[tuple[str, ExtraValue]],
    spec: ModelSpec | None,
    *,
    seconds: object = None,
    offered_by: Iterable[str] = (),
) -> list[str]:
    """Messages for every extra ``spec`` cannot take or whose value is out of bounds.

    ``offered_by`` names models that do take a refused setting, for the message's "or choose".
    """
    problems: list[str] = []
    others = list(offered_by)
    for name, value in extras:
        if name in FRAME_FIELDS:
            if spec is not None:
                frame_problem = _frame_problem(spec, name, value, seconds)
                if frame_problem:
                    problems.append(frame_problem)
            continue
        extra = _BY_NAME.get(name)
        if extra is None:
            known = ", ".join(f.name for f in ADVANCED_FIELDS)
            problems.append(f"“{name}” is not a setting Sora Studio sends; use {known}.")
            continue
        if spec is not None and not spec.takes(extra.support):
            hint = _or_choose(others)
            problems.append(
                f"{spec.label} does not take the {extra.label} setting; clear it{hint}."
            )
            continue
        value_problem = _value_problem(name, value)
        if value_problem:
            problems.append(value_problem)
    return problems
