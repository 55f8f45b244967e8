"""Refusing, before any request, what a provider cannot do (remix, edit, extend, characters, ...).

The desk disables such actions and the CLI refuses them with a message naming the provider; both
ask here, so the words are the same everywhere. Capabilities come from the provider's profile
(its preset, what "Test connection" found, and the person's overrides).
"""

from __future__ import annotations

from sora_studio.api.provider import ProviderProfile
from sora_studio.core.capabilities import Feature
from sora_studio.core.errors import UserError
from sora_studio.core.models import Operation, ValidationProblem

_WHAT = {
    Feature.REMIX: "remix videos",
    Feature.EDIT: "edit videos",
    Feature.EXTEND: "extend videos",
    Feature.CHARACTERS: "use characters",
    Feature.REFERENCE_IMAGE: "take a reference image",
    Feature.BATCH: "render through Batch",
}

FEATURE_FOR_OPERATION = {
    Operation.REMIX: Feature.REMIX,
    Operation.EDIT: Feature.EDIT,
    Operation.EXTEND: Feature.EXTEND,
}


def refusal(profile: ProviderProfile, feature: Feature) -> str | None:
    """Why ``profile`` cannot do ``feature`` (a sentence that says what to do), or None."""
    if profile.capabilities.supports(feature):
        return None
    return (
        f"The provider “{profile.name}” ({profile.preset_info.label}) cannot "
        f"{_WHAT[feature]}. Choose a provider that can in Settings › Providers, or override "
        "its capabilities there if it really can."
    )


def require(profile: ProviderProfile, feature: Feature) -> None:
    """Raise ``UserError`` with :func:`refusal`'s words when ``profile`` lacks ``feature``."""
    message = refusal(profile, feature)
    if message is not None:
        raise UserError(message)


def order_features(
    operation: Operation, *, reference: bool, characters: bool, batch: bool
) -> tuple[Feature, ...]:
    """The optional features an order needs from its provider."""
    needed: list[Feature] = []
    if operation in FEATURE_FOR_OPERATION:
        needed.append(FEATURE_FOR_OPERATION[operation])
    if reference:
        needed.append(Feature.REFERENCE_IMAGE)
    if characters:
        needed.append(Feature.CHARACTERS)
    if batch:
        needed.append(Feature.BATCH)
    return tuple(needed)


# The builder's field each feature belongs to, so a refusal is marked where it was asked for.
_FIELD = {
    Feature.REMIX: "source",
    Feature.EDIT: "source",
    Feature.EXTEND: "source",
    Feature.CHARACTERS: "characters",
    Feature.REFERENCE_IMAGE: "reference",
    Feature.BATCH: "batch",
}


def order_problems(
    profile: ProviderProfile,
    operation: Operation,
    *,
    reference: bool,
    characters: bool,
    batch: bool,
) -> tuple[ValidationProblem, ...]:
    """One problem per feature the order needs and the provider lacks."""
    needed = order_features(operation, reference=reference, characters=characters, batch=batch)
    problems = []
    for feature in needed:
        message = refusal(profile, feature)
        if message is not None:
            problems.append(ValidationProblem(_FIELD[feature], message))
    return tuple(problems)
