"""Checks a render request against the provider's catalog and the API's documented rules.

Both the desk (before any money is spent) and the emulator (to refuse bad requests the way the real
service does) call :func:`validate_request`. It never raises: every problem comes back as a
:class:`ValidationProblem` pinned to one field, with a message that says what to do about it.

Field names used in problems: ``"prompt"``, ``"model"``, ``"size"``, ``"seconds"``,
``"reference"``, ``"characters"``, ``"source"``, ``"extras"`` and ``"batch"``.

Each model is checked against its own catalog entry: its size list or ``WxH`` rule, its lengths
(a list, or frame counts at a frame rate), and what it supports. A model that does not take a
reference image, characters, an operation or an extra setting refuses it with a message that
says what to do instead. The Sora models' rules and messages are the API's documented ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sora_studio.core.catalog import Catalog
from sora_studio.core.extras import ADVANCED_FIELDS, FRAME_FIELDS, check_extras
from sora_studio.core.model_spec import ModelSpec, Support
from sora_studio.core.models import Operation, RenderRequest, Size, ValidationProblem

MAX_PROMPT_CHARS = 32_000
MAX_CHARACTERS = 2
REFERENCE_FORMATS = frozenset({"jpeg", "png", "webp"})
# Format names people (and some decoders) use for the same three formats.
_FORMAT_ALIASES = {"jpg": "jpeg", "jpe": "jpeg", "jfif": "jpeg", "mpo": "jpeg"}

CHARACTER_CLIP_MIN_S = 2.0
CHARACTER_CLIP_MAX_S = 4.0
CHARACTER_CLIP_MIN_SHORT_SIDE = 720
CHARACTER_CLIP_MAX_SHORT_SIDE = 1080
CHARACTER_CLIP_ASPECT_TOLERANCE = 0.01

_NEEDS_SOURCE = frozenset({Operation.REMIX, Operation.EDIT, Operation.EXTEND})
_OPERATION_SUPPORT = {
    Operation.REMIX: Support.REMIX,
    Operation.EDIT: Support.EDIT,
    Operation.EXTEND: Support.EXTEND,
}


def parse_size(text: object) -> Size | None:
    """``"1280x720"`` -> ``Size(1280, 720)``; None unless it is two positive integers."""
    if not isinstance(text, str):
        return None
    try:
        size = Size.parse(text)
    except ValueError:
        return None
    if size.width <= 0 or size.height <= 0:
        return None
    return size


def _join(values: Iterable[object]) -> str:
    items = [str(v) for v in values]
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def _operation(value: object) -> Operation | None:
    if isinstance(value, Operation):
        return value
    try:
        return Operation(str(value))
    except ValueError:
        return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_prompt(prompt: object) -> list[ValidationProblem]:
    if not isinstance(prompt, str) or not prompt.strip():
        return [ValidationProblem("prompt", "Write a prompt: it cannot be empty.")]
    if len(prompt) > MAX_PROMPT_CHARS:
        return [
            ValidationProblem(
                "prompt",
                f"The prompt is {len(prompt):,} characters; shorten it to at most "
                f"{MAX_PROMPT_CHARS:,}.",
            )
        ]
    return []


def _check_model_and_size(request: RenderRequest, catalog: Catalog) -> list[ValidationProblem]:
    problems: list[ValidationProblem] = []
    model = request.model if isinstance(request.model, str) else ""
    canonical = catalog.canonical_model(model) if model else None
    if canonical is None:
        problems.append(
            ValidationProblem(
                "model",
                f"Unknown model {model!r}; choose {_join(catalog.model_names())}.",
            )
        )
    size = parse_size(request.size)
    if size is None:
        problems.append(
            ValidationProblem(
                "size", f"Size {request.size!r} is not a frame size; write it like 1280x720."
            )
        )
    elif canonical is not None:
        spec = catalog.models[canonical]
        if spec.size_rule is not None:
            if not spec.offers_size(size):
                problems.append(
                    ValidationProblem(
                        "size",
                        f"{spec.label} takes sizes with {spec.size_rule.describe()}; {size} is "
                        f"not one. Try {_join(spec.menu_sizes()[:4])}.",
                    )
                )
        else:
            allowed = catalog.sizes_for(canonical)
            if str(size) not in allowed:
                problems.append(
                    ValidationProblem(
                        "size",
                        f"{canonical} does not offer {size}; choose {_join(allowed)}.",
                    )
                )
    return problems


def _model_seconds_problem(spec: ModelSpec, seconds: int) -> ValidationProblem | None:
    """The seconds check for a model that states its own lengths (None: it states none)."""
    if spec.frames is not None:
        offered = spec.frames.seconds()
        if seconds in offered:
            return None
        counts = spec.frames.counts
        return ValidationProblem(
            "seconds",
            f"{spec.label} renders {_join(offered)} s clips ({counts[0]} to {counts[-1]} frames "
            f"at {spec.frames.fps} fps), not {seconds} s; choose one of those.",
        )
    if spec.durations:
        if seconds in spec.durations:
            return None
        return ValidationProblem(
            "seconds",
            f"{seconds} s is not offered by {spec.label}; choose {_join(spec.durations)} seconds.",
        )
    return None


def _check_seconds(
    request: RenderRequest,
    operation: Operation | None,
    catalog: Catalog,
    *,
    long_durations: bool,
    source_seconds: int | None,
    source_extension_count: int,
) -> list[ValidationProblem]:
    seconds = request.seconds
    if not _is_int(seconds) or seconds <= 0:
        return [
            ValidationProblem(
                "seconds", f"Seconds must be a whole positive number of seconds, got {seconds!r}."
            )
        ]
    problems: list[ValidationProblem] = []
    model = request.model if isinstance(request.model, str) else ""
    spec = catalog.model(model)
    if operation is Operation.EXTEND:
        ext = catalog.extension_for(model)
        if seconds not in ext.segment_seconds:
            problems.append(
                ValidationProblem(
                    "seconds",
                    f"An extension adds a new segment of {_join(ext.segment_seconds)} seconds, "
                    f"not {seconds}.",
                )
            )
        if source_extension_count >= ext.max_extensions:
            problems.append(
                ValidationProblem(
                    "source",
                    f"This video has already been extended {source_extension_count} times; "
                    f"the limit is {ext.max_extensions}. Start a new video instead.",
                )
            )
        if source_seconds is not None and source_seconds + seconds > ext.max_total_seconds:
            room = ext.max_total_seconds - source_seconds
            hint = (
                f"choose a segment of at most {room} seconds"
                if room > 0
                else "it is already at the limit"
            )
            problems.append(
                ValidationProblem(
                    "seconds",
                    f"Extending a {source_seconds} s video by {seconds} s would make it "
                    f"{source_seconds + seconds} s, over the {ext.max_total_seconds} s limit; "
                    f"{hint}.",
                )
            )
        return problems
    if operation in (Operation.REMIX, Operation.EDIT):
        # Remixes and edits inherit the source's length, which may be a stitched extension,
        # so only a positive length is required here.
        return problems
    if spec is not None and (spec.frames is not None or spec.durations):
        problem = _model_seconds_problem(spec, seconds)
        return [problem] if problem else []
    allowed = catalog.allowed_durations(long_durations)
    if seconds in allowed:
        return problems
    if not long_durations and seconds in catalog.long_durations:
        message = (
            f"{seconds} s clips need the longer-durations switch for this provider "
            f"(Settings > Provider); without it choose {_join(catalog.durations)} seconds."
        )
    else:
        message = f"{seconds} s is not offered; choose {_join(allowed)} seconds."
    problems.append(ValidationProblem("seconds", message))
    return problems


def _check_source(
    request: RenderRequest, operation: Operation | None, spec: ModelSpec | None
) -> list[ValidationProblem]:
    if operation is None:
        return [
            ValidationProblem(
                "source",
                f"Unknown operation {request.operation!r}; "
                f"use {_join(o.value for o in Operation)}.",
            )
        ]
    support = _OPERATION_SUPPORT.get(operation)
    if spec is not None and support is not None and not spec.takes(support):
        return [
            ValidationProblem(
                "source",
                f"{spec.label} cannot {operation.value} a video; render a new one with a changed "
                "prompt instead.",
            )
        ]
    if operation in _NEEDS_SOURCE:
        source = request.source_remote_id
        if not isinstance(source, str) or not source.strip():
            return [
                ValidationProblem(
                    "source",
                    f"A {operation.value} needs the finished video it starts from; pick a source "
                    "clip first.",
                )
            ]
    return []


def _from_source_only(
    operation: Operation | None, field: str, refusal: str
) -> list[ValidationProblem]:
    """The problem of a remix, edit or extension (which starts from its source video) asking for
    what only a new video takes: ``A remix cannot ...; remove ....``."""
    return [ValidationProblem(field, f"A {operation.value if operation else 'request'} {refusal}.")]


def _check_reference(
    request: RenderRequest, operation: Operation | None, spec: ModelSpec | None
) -> list[ValidationProblem]:
    ref = request.reference
    if ref is None:
        return []
    if spec is not None and not spec.takes(Support.REFERENCE_IMAGE):
        return [
            ValidationProblem(
                "reference",
                f"{spec.label} does not take a reference image; remove it, or choose a model "
                "that does.",
            )
        ]
    if operation in _NEEDS_SOURCE:
        return _from_source_only(operation, "reference", "cannot take a reference image; remove it")
    problems: list[ValidationProblem] = []
    raw_format = ref.format.lower().strip() if isinstance(ref.format, str) else ""
    fmt = _FORMAT_ALIASES.get(raw_format, raw_format)
    if fmt not in REFERENCE_FORMATS:
        problems.append(
            ValidationProblem(
                "reference",
                f"Reference images must be JPEG, PNG or WebP, not {ref.format!r}; "
                "convert it first.",
            )
        )
    wanted = parse_size(request.size)
    if wanted is not None and (ref.width, ref.height) != (wanted.width, wanted.height):
        problems.append(
            ValidationProblem(
                "reference",
                f"The reference image is {ref.width}x{ref.height} but the video is {wanted}; "
                "they must match exactly. Use “fit to size” to crop and scale it.",
            )
        )
    if ref.has_face:
        problems.append(
            ValidationProblem(
                "reference",
                "The reference image shows a human face, which the provider rejects; "
                "choose an image without people.",
            )
        )
    return problems


def _check_characters(
    request: RenderRequest, operation: Operation | None, spec: ModelSpec | None
) -> list[ValidationProblem]:
    characters = tuple(request.characters or ())
    if not characters:
        return []
    if spec is not None and not spec.takes(Support.CHARACTERS):
        return [
            ValidationProblem(
                "characters",
                f"{spec.label} cannot use characters; remove them, or choose a model that can.",
            )
        ]
    if operation in _NEEDS_SOURCE:
        return _from_source_only(operation, "characters", "cannot use characters; remove them")
    problems: list[ValidationProblem] = []
    if len(characters) > MAX_CHARACTERS:
        problems.append(
            ValidationProblem(
                "characters",
                f"{len(characters)} characters selected; a video can use at most "
                f"{MAX_CHARACTERS}. Remove {len(characters) - MAX_CHARACTERS}.",
            )
        )
    prompt = request.prompt if isinstance(request.prompt, str) else ""
    for character in characters:
        name = getattr(character, "name", "")
        if not isinstance(name, str) or not name.strip():
            problems.append(
                ValidationProblem("characters", "A character has no name; rename it first.")
            )
        elif name not in prompt:
            problems.append(
                ValidationProblem(
                    "characters",
                    f"Add the name “{name}” to the prompt, spelled exactly so, for the "
                    "character to appear.",
                )
            )
    return problems


def validate_request(
    request: RenderRequest,
    catalog: Catalog,
    *,
    long_durations: bool = False,
    source_seconds: int | None = None,
    source_extension_count: int = 0,
) -> tuple[ValidationProblem, ...]:
    """Every problem with ``request``; an empty tuple means it may be sent.

    ``source_seconds`` and ``source_extension_count`` describe the video an extension starts from
    (its stitched length and how many times it was already extended); ``seconds`` of an
    extension request is the length of the new segment.
    """
    operation = _operation(request.operation)
    problems: list[ValidationProblem] = []
    problems += _check_prompt(request.prompt)
    problems += _check_model_and_size(request, catalog)
    problems += _check_seconds(
        request,
        operation,
        catalog,
        long_durations=long_durations,
        source_seconds=source_seconds,
        source_extension_count=source_extension_count,
    )
    spec = catalog.model(request.model) if isinstance(request.model, str) else None
    problems += _check_source(request, operation, spec)
    problems += _check_reference(request, operation, spec)
    problems += _check_characters(request, operation, spec)
    problems += _check_extras(request, catalog, spec)
    problems += _check_batch(request, spec)
    return tuple(problems)


def _check_extras(
    request: RenderRequest, catalog: Catalog, spec: ModelSpec | None
) -> list[ValidationProblem]:
    extras = tuple(request.extras or ())
    if not extras:
        return []
    names = {name for name, _ in extras}
    offered = [
        s.label
        for s in catalog.models.values()
        if s is not spec and all(_takes_extra(s, name) for name in names)
    ]
    messages = check_extras(extras, spec, seconds=request.seconds, offered_by=offered)
    return [ValidationProblem("extras", message) for message in messages]


def _takes_extra(spec: ModelSpec, name: str) -> bool:
    if name in FRAME_FIELDS:
        return spec.frames is not None
    return any(f.name == name and spec.takes(f.support) for f in ADVANCED_FIELDS)


def _check_batch(request: RenderRequest, spec: ModelSpec | None) -> list[ValidationProblem]:
    if not request.batch or spec is None or spec.has_batch:
        return []
    return [
        ValidationProblem(
            "batch", f"{spec.label} has no Batch price; untick Batch to send it at once."
        )
    ]


def validate_character_clip(
    duration_s: float, width: int, height: int
) -> tuple[ValidationProblem, ...]:
    """Problems with a clip offered as a character: 2-4 s, 16:9 or 9:16, 720p to 1080p."""
    problems: list[ValidationProblem] = []
    if not math.isfinite(duration_s) or not (
        CHARACTER_CLIP_MIN_S <= duration_s <= CHARACTER_CLIP_MAX_S
    ):
        problems.append(
            ValidationProblem(
                "video",
                f"Character clips must last 2 to 4 seconds; this one lasts {duration_s:g} s. "
                "Trim it.",
            )
        )
    if width <= 0 or height <= 0:
        problems.append(
            ValidationProblem("video", f"The clip has no usable frame size ({width}x{height}).")
        )
        return tuple(problems)
    aspect = max(width, height) / min(width, height)
    if abs(aspect - 16 / 9) / (16 / 9) > CHARACTER_CLIP_ASPECT_TOLERANCE:
        problems.append(
            ValidationProblem(
                "video",
                f"Character clips must be 16:9 or 9:16; {width}x{height} is not. Crop it.",
            )
        )
    short_side = min(width, height)
    if not CHARACTER_CLIP_MIN_SHORT_SIDE <= short_side <= CHARACTER_CLIP_MAX_SHORT_SIDE:
        problems.append(
            ValidationProblem(
                "video",
                f"Character clips must be 720p to 1080p; {width}x{height} has a short side of "
                f"{short_side} px. Rescale it.",
            )
        )
    return tuple(problems)
