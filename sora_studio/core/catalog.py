"""The provider catalog as data: every model on its own, and what one provider profile offers.

The default catalog ships as ``catalog.json`` beside this module: Sora (prices from the product
brief), Veo 3.1 through LiteLLM, and the open models people serve with SGLang Diffusion,
vLLM-Omni or NVIDIA Dynamo. Each entry is a :class:`~sora_studio.core.model_spec.ModelSpec`
(its JSON shape: :mod:`sora_studio.core.catalog_parse`). A profile's catalog is
:func:`catalog_for_profile`: its preset's models, or exactly the models its server listed, then
the person's overrides (a dict of the same shape). The catalog-level ``durations``,
``long_durations`` and ``extension`` are the Sora rules, used by every model that states none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from sora_studio.core.catalog_parse import (
    CatalogError,
    extension_from_dict,
    extension_to_dict,
    model_from_dict,
    model_to_dict,
)
from sora_studio.core.model_spec import (
    ExtensionRules,
    ModelSpec,
    PriceKind,
    RenderTime,
    SizeRule,
    Support,
    TierPrice,
)

__all__ = [
    "CENTS_PER_DOLLAR",
    "Catalog",
    "CatalogError",
    "ExtensionRules",
    "ModelSpec",
    "PriceKind",
    "Support",
    "TierPrice",
    "catalog_for_profile",
    "catalog_from_dict",
    "catalog_to_dict",
    "default_catalog",
    "generic_model",
]

CENTS_PER_DOLLAR = Decimal(100)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything a provider offers. Look-ups accept aliases such as ``sora-2-2025-10-06``."""

    models: dict[str, ModelSpec]
    durations: tuple[int, ...]
    long_durations: tuple[int, ...]
    extension: ExtensionRules

    def canonical_model(self, name: str) -> str | None:
        """The catalog name for ``name`` (itself or an alias), or None when unknown."""
        if name in self.models:
            return name
        for spec in self.models.values():
            if name in spec.aliases:
                return spec.name
        return None

    def model(self, name: str) -> ModelSpec | None:
        canonical = self.canonical_model(name)
        return self.models[canonical] if canonical else None

    def model_names(self) -> tuple[str, ...]:
        return tuple(self.models)

    def sizes_for(self, model: str) -> tuple[str, ...]:
        """The sizes to offer in a menu (a model with a size rule accepts more)."""
        spec = self.model(model)
        return spec.menu_sizes() if spec else ()

    def allowed_durations(self, long_durations_enabled: bool) -> tuple[int, ...]:
        """The catalog-level (Sora) durations."""
        if long_durations_enabled:
            return tuple(sorted({*self.durations, *self.long_durations}))
        return self.durations

    def durations_for(self, model: str, long_durations_enabled: bool = False) -> tuple[int, ...]:
        """The clip lengths ``model`` renders, in seconds."""
        spec = self.model(model)
        if spec is not None and spec.frames is not None:
            return spec.frames.seconds()
        if spec is not None and spec.durations:
            return spec.durations
        return self.allowed_durations(long_durations_enabled)

    def promotion_target(self, model: str) -> str | None:
        """The model "promote" renders ``model``'s recipe on, as this catalog names it (the
        server's wire name); None when there is none, or this provider does not serve it."""
        spec = self.model(model)
        if spec is None or not spec.promotes_to:
            return None
        return self.canonical_model(spec.promotes_to)

    def extension_for(self, model: str) -> ExtensionRules:
        spec = self.model(model)
        return spec.extension if spec is not None and spec.extension else self.extension

    def frame_extras(self, model: str, seconds: int) -> tuple[tuple[str, int], ...]:
        """``num_frames`` and ``fps`` a frame-based model needs for ``seconds`` (else ())."""
        spec = self.model(model)
        if spec is None or spec.frames is None:
            return ()
        frames = spec.frames.frames_for(seconds)
        if frames is None:
            return ()
        return (("fps", spec.frames.fps), ("num_frames", frames))

    def price_per_second(self, model: str, size: str, batch: bool = False) -> Decimal:
        """Dollars per second; raises ``KeyError`` for a combination the catalog lacks."""
        spec = self.model(model)
        if spec is None:
            raise KeyError(f"unknown model {model!r}")
        if not spec.prices:
            raise KeyError(f"{spec.name} has no price per second")
        tier = spec.tier_for(size)
        if tier is None:
            raise KeyError(f"{spec.name} does not offer size {size}")
        price = spec.prices[tier]
        if not batch:
            return price.standard
        if price.batch is None:
            raise KeyError(f"{spec.name} has no Batch price")
        return price.batch

    def expected_render_s(self, model: str, size: str, seconds: int) -> float:
        """How long one render of ``model`` at ``size`` for ``seconds`` is expected to take.

        The engine paces its polling by this when a server gives no poll hint; an unknown
        model gets a cautious generic figure (about a minute and a half for 4 s at 720p).
        """
        spec = self.model(model)
        timing = spec.render_time if spec is not None else _GENERIC_RENDER_TIME
        return timing.estimate_s(size, seconds)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Catalog:
        """A new catalog with ``overrides`` deep-merged over this one's data.

        A price an override sets without its own ``checked`` date is the person's own, so the
        shipped date is not carried over to it.
        """
        return catalog_from_dict(_deep_merge(catalog_to_dict(self), _date_prices(overrides)))


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _date_prices(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``overrides`` with ``"checked": ""`` added to every price it sets without a date."""
    out = dict(overrides)
    models = overrides.get("models")
    if not isinstance(models, Mapping):
        return out
    dated: dict[str, Any] = {}
    for name, raw in models.items():
        if not isinstance(raw, Mapping):
            dated[name] = raw
            continue
        entry = dict(raw)
        tiers = entry.get("price_per_second")
        if isinstance(tiers, Mapping):
            entry["price_per_second"] = {
                tier: ({"checked": "", **p} if isinstance(p, Mapping) else p)
                for tier, p in tiers.items()
            }
        gpu = entry.get("price_per_gpu_second")
        if isinstance(gpu, Mapping):
            entry["price_per_gpu_second"] = {"checked": "", **gpu}
        dated[name] = entry
    out["models"] = dated
    return out


def catalog_from_dict(data: Mapping[str, Any]) -> Catalog:
    """Build a catalog from its JSON shape; raises ``CatalogError`` naming what is wrong."""
    try:
        models = {
            str(name): model_from_dict(str(name), raw) for name, raw in data["models"].items()
        }
        return Catalog(
            models=models,
            durations=tuple(int(s) for s in data["durations"]),
            long_durations=tuple(int(s) for s in data.get("long_durations", ())),
            extension=extension_from_dict(data["extension"], "extension"),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, CatalogError):
            raise
        raise CatalogError(f"catalog is missing or mistyped: {exc}") from exc


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    return {
        "schema": 2,
        "currency": "USD",
        "durations": list(catalog.durations),
        "long_durations": list(catalog.long_durations),
        "extension": extension_to_dict(catalog.extension),
        "models": {spec.name: model_to_dict(spec) for spec in catalog.models.values()},
    }


@cache
def default_catalog() -> Catalog:
    """The catalog shipped with the app (parsed once; catalogs are never changed in place)."""
    text = resources.files("sora_studio.core").joinpath("catalog.json").read_text("utf-8")
    return catalog_from_dict(json.loads(text))


# --- a profile's catalog -----------------------------------------------------------------------

_GENERIC_RENDER_TIME = RenderTime(
    base_s=60.0, per_clip_second_s=10.0, basis="a cautious guess for a model the catalog lacks"
)


def generic_model(name: str) -> ModelSpec:
    """What the desk assumes about a model a server lists but the catalog does not know.

    Enough to render with: the two common 720p sizes (and any ``WxH`` in multiples of 16),
    4 or 8 seconds, no extras, and a price nobody told us (counted as nothing).
    """
    return ModelSpec(
        name=name,
        label=name,
        aliases=(),
        sizes={"1280x720": "", "720x1280": ""},
        prices={},
        vendor="listed by the server",
        size_rule=SizeRule(multiple_of=16, min_side=256, max_side=1920),
        durations=(4, 8),
        price_known=False,
        supports=frozenset(),
        render_time=_GENERIC_RENDER_TIME,
        notes=(
            "Not in Sora Studio's catalog: its sizes and lengths are a guess, and the server "
            "may refuse some of them.",
        ),
    )


def match_served_model(catalog: Catalog, served: str) -> ModelSpec | None:
    """The catalog model a server's wire name means, or None.

    Tries the name itself, its aliases, then the same without case, then without a gateway's
    route prefix (``gemini/veo-3.1-generate-preview`` -> ``veo-3.1-generate-preview``).
    """
    found = catalog.model(served)
    if found is not None:
        return found
    lowered: dict[str, ModelSpec] = {}
    for spec in catalog.models.values():
        for key in (spec.name, *spec.aliases):
            lowered.setdefault(key.lower(), spec)
    wanted = served.strip().lower()
    candidates = [wanted]
    if "/" in wanted:
        candidates.append(wanted.split("/", 1)[1])
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    return None


def _served_catalog(base: Catalog, served: Sequence[str]) -> dict[str, ModelSpec]:
    models: dict[str, ModelSpec] = {}
    for wire in dict.fromkeys(s.strip() for s in served if s and s.strip()):
        spec = match_served_model(base, wire)
        if spec is None:
            models[wire] = generic_model(wire)
            continue
        # Keyed by the wire name (the request's ``model`` must be what the server knows); the
        # catalog name becomes an alias so look-ups by it still find the entry.
        aliases = tuple(dict.fromkeys(a for a in (spec.name, *spec.aliases) if a != wire))
        models[wire] = replace(spec, name=wire, aliases=aliases)
    return models


def _apply_overrides(catalog: Catalog, overrides: Mapping[str, Any]) -> Catalog:
    """Overrides keyed by a catalog name reach the entry now keyed by a wire name; partial
    overrides of a model this server does not offer are left out rather than half-built."""
    models = overrides.get("models")
    if not isinstance(models, Mapping):
        return catalog.with_overrides(overrides)
    routed: dict[str, Any] = {}
    for name, raw in models.items():
        target = catalog.canonical_model(str(name))
        if target is not None:
            routed[target] = raw
        elif isinstance(raw, Mapping) and ("sizes" in raw or "size_rule" in raw):
            routed[str(name)] = raw
    return catalog.with_overrides({**overrides, "models": routed})


def catalog_for_profile(
    base: Catalog,
    preset_models: Sequence[str],
    served_models: Sequence[str],
    overrides: Mapping[str, Any] | None,
) -> Catalog:
    """The catalog one provider profile offers.

    When the server listed its models (``served_models``, filled by Test connection) it offers
    exactly those: each known one (by name or alias) with its spec, keyed by the wire name the
    server uses, and each unknown one with :func:`generic_model`. Otherwise the preset's models
    (an empty list: every model of ``base``). The profile's ``overrides`` come last.
    """
    if served_models:
        models = _served_catalog(base, served_models)
    elif preset_models:
        models = {}
        for name in preset_models:
            spec = base.model(name)
            if spec is not None:
                models[spec.name] = spec
    else:
        models = dict(base.models)
    catalog = replace(base, models=models)
    return _apply_overrides(catalog, overrides) if overrides else catalog
