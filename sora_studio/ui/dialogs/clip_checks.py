"""What the desk refuses to do to a clip, and why, before any dialog opens or request leaves.

Pure functions over a job, its provider's profile and that provider's catalog, shared by the
clip action buttons (disabled, the reason as tooltip), the E/X/M/P shortcuts (the reason in the
status bar) and the operation flow (notes turned into work). The provider's capabilities come
first, in the same words as the CLI (``services.capability_checks.refusal``); then what the clip's
model can do (a Veo clip cannot be remixed even through a gateway that remixes Sora). Promote
renders the recipe on the model the catalog names as the better one
(``Catalog.promotion_target``): Sora 2 -> Sora 2 Pro, Veo 3.1 Fast -> Veo 3.1, FastWan -> Wan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sora_studio.core.catalog import Catalog
from sora_studio.core.model_spec import Support
from sora_studio.core.models import Job, LineageKind, Operation
from sora_studio.services.capability_checks import FEATURE_FOR_OPERATION, refusal
from sora_studio.services.provider_settings import ProviderProfile

PROMPT_OPERATIONS = {"edit": Operation.EDIT, "extend": Operation.EXTEND, "remix": Operation.REMIX}
_MODEL_SUPPORT = {"edit": Support.EDIT, "extend": Support.EXTEND, "remix": Support.REMIX}
_DONE = {"edit": "edited", "extend": "extended", "remix": "remixed"}


class ProfileLookup(Protocol):
    """Where the desk reads a clip's provider profile and catalog on the GUI thread."""

    def profile(self, name: str) -> ProviderProfile | None: ...

    def catalog(self, name: str) -> Catalog: ...


@dataclass(frozen=True, slots=True)
class PromotionTarget:
    """The model a promotion renders on: its name as the provider knows it, and its label."""

    model: str
    label: str


def model_label(model: str, catalog: Catalog) -> str:
    spec = catalog.model(model)
    return spec.label if spec is not None else model


def promotion_target(job: Job, catalog: Catalog) -> PromotionTarget | None:
    """Where ``job`` would be promoted on its provider, or None when there is nowhere better."""
    target = catalog.promotion_target(job.model)
    if target is None:
        return None
    return PromotionTarget(target, model_label(target, catalog))


def _is_a_target(model: str, catalog: Catalog) -> bool:
    """True when some other model of the catalog promotes to ``model`` (it is the better one)."""
    canonical = catalog.canonical_model(model)
    return canonical is not None and any(
        spec.promotes_to and catalog.canonical_model(spec.promotes_to) == canonical
        for spec in catalog.models.values()
    )


def clip_refusal(kind: str, job: Job, profile: ProviderProfile | None, catalog: Catalog) -> str:
    """Why ``kind`` (edit, extend, remix, promote, ...) cannot be done to ``job`` ("" if it can).

    ``profile`` is None for a clip whose provider is not configured here (an imported clip):
    only the catalog is asked then.
    """
    if kind in PROMPT_OPERATIONS:
        if profile is not None:
            why = refusal(profile, FEATURE_FOR_OPERATION[PROMPT_OPERATIONS[kind]])
            if why:
                return why
        spec = catalog.model(job.model)
        if spec is not None and not spec.takes(_MODEL_SUPPORT[kind]):
            return (
                f"{spec.label} clips cannot be {_DONE[kind]}: the model does not support it. "
                "Regenerate it, or render a new prompt on a model that can."
            )
        return ""
    if kind == "promote":
        if job.lineage_kind is LineageKind.IMPORT:
            return f"Clip #{job.id} was imported: it has no recipe to render on another model."
        if job.operation is not Operation.CREATE:
            return (
                f"Clip #{job.id} is a {job.operation.value}; promote the original clip "
                "(its first version) instead."
            )
        if promotion_target(job, catalog) is not None:
            return ""
        label = model_label(job.model, catalog)
        if _is_a_target(job.model, catalog):
            return (
                f"Clip #{job.id} is already a {label} render: there is nothing better to "
                "promote it to."
            )
        where = f" on “{profile.name}”" if profile is not None else ""
        return (
            f"{label} has no better model to promote to{where}; regenerate it, or render the "
            "prompt again with another model."
        )
    return ""
