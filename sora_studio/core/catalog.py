"""The provider catalog as data: models, sizes per model, durations and per-second prices.

The default catalog ships as ``catalog.json`` beside this module (prices from the product brief);
a provider profile may override any part of it with a dict of the same shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

CENTS_PER_DOLLAR = Decimal(100)


class CatalogError(ValueError):
    """The catalog data is malformed; the message names the bad entry."""


@dataclass(frozen=True, slots=True)
class TierPrice:
    """Dollars per generated second, standard and Batch."""

    standard: Decimal
    batch: Decimal


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    label: str
    aliases: tuple[str, ...]
    sizes: dict[str, str]  # "1280x720" -> price tier "720p"
    prices: dict[str, TierPrice]  # tier -> price


@dataclass(frozen=True, slots=True)
class ExtensionRules:
    max_extensions: int
    max_total_seconds: int
    segment_seconds: tuple[int, ...]


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
        spec = self.model(model)
        return tuple(spec.sizes) if spec else ()

    def allowed_durations(self, long_durations_enabled: bool) -> tuple[int, ...]:
        if long_durations_enabled:
            return tuple(sorted({*self.durations, *self.long_durations}))
        return self.durations

    def price_per_second(self, model: str, size: str, batch: bool = False) -> Decimal:
        """Dollars per second; raises ``KeyError`` for a combination the catalog lacks."""
        spec = self.model(model)
        if spec is None:
            raise KeyError(f"unknown model {model!r}")
        tier = spec.sizes.get(size)
        if tier is None:
            raise KeyError(f"{spec.name} does not offer size {size}")
        price = spec.prices[tier]
        return price.batch if batch else price.standard

    def with_overrides(self, overrides: dict[str, Any]) -> Catalog:
        """A new catalog with ``overrides`` deep-merged over this one's data."""
        return catalog_from_dict(_deep_merge(catalog_to_dict(self), overrides))


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _decimal(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise CatalogError(f"{where}: {value!r} is not a price") from exc
    if not number.is_finite() or number < 0:
        raise CatalogError(f"{where}: price must be a non-negative number, got {value!r}")
    return number


def catalog_from_dict(data: dict[str, Any]) -> Catalog:
    """Build a catalog from its JSON shape; raises ``CatalogError`` naming what is wrong."""
    try:
        models: dict[str, ModelSpec] = {}
        for name, raw in data["models"].items():
            prices = {
                tier: TierPrice(
                    standard=_decimal(p["standard"], f"{name}.{tier}.standard"),
                    batch=_decimal(p["batch"], f"{name}.{tier}.batch"),
                )
                for tier, p in raw["price_per_second"].items()
            }
            sizes = dict(raw["sizes"])
            for size, tier in sizes.items():
                if tier not in prices:
                    raise CatalogError(f"{name}: size {size} uses tier {tier!r} with no price")
            models[name] = ModelSpec(
                name=name,
                label=str(raw.get("label", name)),
                aliases=tuple(raw.get("aliases", ())),
                sizes=sizes,
                prices=prices,
            )
        ext = data["extension"]
        return Catalog(
            models=models,
            durations=tuple(int(s) for s in data["durations"]),
            long_durations=tuple(int(s) for s in data.get("long_durations", ())),
            extension=ExtensionRules(
                max_extensions=int(ext["max_extensions"]),
                max_total_seconds=int(ext["max_total_seconds"]),
                segment_seconds=tuple(int(s) for s in ext["segment_seconds"]),
            ),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise CatalogError(f"catalog is missing or mistyped: {exc}") from exc


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    return {
        "schema": 1,
        "currency": "USD",
        "durations": list(catalog.durations),
        "long_durations": list(catalog.long_durations),
        "extension": {
            "max_extensions": catalog.extension.max_extensions,
            "max_total_seconds": catalog.extension.max_total_seconds,
            "segment_seconds": list(catalog.extension.segment_seconds),
        },
        "models": {
            spec.name: {
                "label": spec.label,
                "aliases": list(spec.aliases),
                "sizes": dict(spec.sizes),
                "price_per_second": {
                    tier: {"standard": str(p.standard), "batch": str(p.batch)}
                    for tier, p in spec.prices.items()
                },
            }
            for spec in catalog.models.values()
        },
    }


def default_catalog() -> Catalog:
    """The catalog shipped with the app."""
    text = resources.files("sora_studio.core").joinpath("catalog.json").read_text("utf-8")
    return catalog_from_dict(json.loads(text))
