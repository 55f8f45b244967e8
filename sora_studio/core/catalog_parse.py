"""One catalog model entry to and from its JSON shape, checked field by field.

The shape (see ``catalog.json``)::

    "wan-2.2-ti2v-5b": {
      "label": "Wan 2.2 TI2V 5B", "vendor": "Alibaba Wan (open weights)",
      "aliases": ["Wan-AI/Wan2.2-TI2V-5B-Diffusers"],
      "sizes": ["1280x704", "704x1280"],              # or {"1280x720": "720p"} with price tiers
      "size_rule": {"multiple_of": 32, "min_side": 256, "max_side": 1280, "suggested": []},
      "frames": {"fps": 24, "counts": [49, 73, 97, 121]},   # or "durations": [4, 6, 8]
      "price_per_second": {"720p": {"standard": "0.40", "batch": null, "checked": "2026-03"}},
      "price_per_gpu_second": {"usd": "0.0011", "gpus": 2, "checked": "2026-12"},
      "supports": {"reference_image": true, "seed": true, ...},
      "render_time": {"base_s": 15, "per_clip_second_s": 25, "at": "1280x704", "gpus": 1}
    }

A model with neither price block has no price (self-hosted); ``"price_known": false`` marks a
model whose price nobody told us. Every error is a :class:`CatalogError` naming the entry.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from sora_studio.core.model_spec import (
    DEFAULT_RENDER_TIME,
    DEFAULT_SUPPORTS,
    ExtensionRules,
    FrameRule,
    GpuSecondPrice,
    ModelSpec,
    RenderTime,
    SizeRule,
    Support,
    TierPrice,
)
from sora_studio.core.models import Size


class CatalogError(ValueError):
    """The catalog data is malformed; the message names the bad entry."""


def decimal_price(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise CatalogError(f"{where}: {value!r} is not a price") from exc
    if not number.is_finite() or number < 0:
        raise CatalogError(f"{where}: price must be a non-negative number, got {value!r}")
    return number


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CatalogError(f"{where}: must be a positive whole number, got {value!r}")
    return value


def _seconds_float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CatalogError(f"{where}: must be a number of seconds, got {value!r}")
    if value < 0:
        raise CatalogError(f"{where}: cannot be negative, got {value!r}")
    return float(value)


def _size(text: Any, where: str) -> str:
    try:
        size = Size.parse(str(text))
    except ValueError as exc:
        raise CatalogError(f"{where}: {exc}") from exc
    if size.width <= 0 or size.height <= 0:
        raise CatalogError(f"{where}: {text!r} is not a frame size")
    return str(size)


def extension_from_dict(raw: Any, where: str) -> ExtensionRules:
    return ExtensionRules(
        max_extensions=int(raw["max_extensions"]),
        max_total_seconds=int(raw["max_total_seconds"]),
        segment_seconds=tuple(int(s) for s in raw["segment_seconds"]),
    )


def extension_to_dict(rules: ExtensionRules) -> dict[str, Any]:
    return {
        "max_extensions": rules.max_extensions,
        "max_total_seconds": rules.max_total_seconds,
        "segment_seconds": list(rules.segment_seconds),
    }


def _tier_prices(name: str, raw: Any) -> dict[str, TierPrice]:
    prices: dict[str, TierPrice] = {}
    for tier, p in (raw or {}).items():
        # "batch": null says the model has no Batch; a missing key is a mistake.
        batch = p["batch"]
        prices[tier] = TierPrice(
            standard=decimal_price(p["standard"], f"{name}.{tier}.standard"),
            batch=None if batch is None else decimal_price(batch, f"{name}.{tier}.batch"),
            checked=str(p.get("checked") or ""),
        )
    return prices


def _gpu_price(name: str, raw: Any) -> GpuSecondPrice | None:
    if raw is None:
        return None
    per_clip = raw.get("render_s_per_clip_s")
    return GpuSecondPrice(
        usd_per_gpu_second=decimal_price(raw["usd"], f"{name}.price_per_gpu_second.usd"),
        gpus=_positive_int(raw.get("gpus", 1), f"{name}.price_per_gpu_second.gpus"),
        render_s_per_clip_s=(
            None
            if per_clip is None
            else _seconds_float(per_clip, f"{name}.price_per_gpu_second.render_s_per_clip_s")
        ),
        checked=str(raw.get("checked") or ""),
    )


def _sizes(name: str, raw: Any, prices: dict[str, TierPrice]) -> dict[str, str]:
    if isinstance(raw, list):
        pairs = [(_size(s, f"{name}.sizes"), "") for s in raw]
    else:
        pairs = [(_size(s, f"{name}.sizes"), str(tier)) for s, tier in dict(raw).items()]
    sizes = dict(pairs)
    for size, tier in sizes.items():
        if tier and tier not in prices:
            raise CatalogError(f"{name}: size {size} uses tier {tier!r} with no price")
        if not tier and prices and len(prices) != 1:
            raise CatalogError(f"{name}: size {size} needs a price tier")
    return sizes


def _size_rule(name: str, raw: Any) -> SizeRule | None:
    if raw is None:
        return None
    rule = SizeRule(
        multiple_of=_positive_int(raw["multiple_of"], f"{name}.size_rule.multiple_of"),
        min_side=_positive_int(raw["min_side"], f"{name}.size_rule.min_side"),
        max_side=_positive_int(raw["max_side"], f"{name}.size_rule.max_side"),
        suggested=tuple(_size(s, f"{name}.size_rule.suggested") for s in raw.get("suggested", ())),
    )
    if rule.min_side > rule.max_side:
        raise CatalogError(f"{name}.size_rule: min_side is above max_side")
    for text in rule.suggested:
        if not rule.accepts(Size.parse(text)):
            raise CatalogError(f"{name}.size_rule: suggested size {text} breaks the rule")
    return rule


def _frames(name: str, raw: Any) -> FrameRule | None:
    if raw is None:
        return None
    rule = FrameRule(
        fps=_positive_int(raw["fps"], f"{name}.frames.fps"),
        counts=tuple(_positive_int(c, f"{name}.frames.counts") for c in raw["counts"]),
    )
    seconds = rule.seconds()
    if not rule.counts or len(set(seconds)) != len(seconds) or 0 in seconds:
        raise CatalogError(
            f"{name}.frames: each frame count must make a different whole number of seconds "
            f"at {rule.fps} fps"
        )
    return rule


def _supports(name: str, raw: Any) -> frozenset[Support]:
    if raw is None:
        return DEFAULT_SUPPORTS
    found = set(DEFAULT_SUPPORTS)
    for key, value in dict(raw).items():
        try:
            feature = Support(key)
        except ValueError as exc:
            known = ", ".join(s.value for s in Support)
            raise CatalogError(f"{name}.supports: unknown {key!r}; known: {known}") from exc
        if not isinstance(value, bool):
            raise CatalogError(f"{name}.supports.{key}: must be true or false")
        (found.add if value else found.discard)(feature)
    return frozenset(found)


def _render_time(name: str, raw: Any) -> RenderTime:
    if raw is None:
        return DEFAULT_RENDER_TIME
    return RenderTime(
        base_s=_seconds_float(raw["base_s"], f"{name}.render_time.base_s"),
        per_clip_second_s=_seconds_float(
            raw["per_clip_second_s"], f"{name}.render_time.per_clip_second_s"
        ),
        at=_size(raw.get("at", "1280x720"), f"{name}.render_time.at"),
        gpus=_positive_int(raw.get("gpus", 1), f"{name}.render_time.gpus"),
        basis=str(raw.get("basis", "")),
    )


def model_from_dict(name: str, raw: Any) -> ModelSpec:
    """One model from its JSON shape (``KeyError``/``TypeError`` for missing or mistyped keys)."""
    prices = _tier_prices(name, raw.get("price_per_second"))
    durations = tuple(_positive_int(s, f"{name}.durations") for s in raw.get("durations") or ())
    frames = _frames(name, raw.get("frames"))
    if durations and frames:
        raise CatalogError(f"{name}: give durations or frames, not both")
    extension = raw.get("extension")
    sizes = _sizes(name, raw.get("sizes", {}), prices)
    size_rule = _size_rule(name, raw.get("size_rule"))
    if not sizes and size_rule is None:
        raise CatalogError(f"{name}: list its sizes or give a size rule")
    defaults = {str(k): v for k, v in dict(raw.get("defaults") or {}).items()}
    for key, value in defaults.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CatalogError(f"{name}.defaults.{key}: must be a number")
    return ModelSpec(
        name=name,
        label=str(raw.get("label", name)),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        sizes=sizes,
        prices=prices,
        vendor=str(raw.get("vendor", "")),
        size_rule=size_rule,
        durations=durations,
        frames=frames,
        gpu_price=_gpu_price(name, raw.get("price_per_gpu_second")),
        price_known=bool(raw.get("price_known", True)),
        supports=_supports(name, raw.get("supports")),
        render_time=_render_time(name, raw.get("render_time")),
        extension=None if extension is None else extension_from_dict(extension, name),
        defaults=defaults,
        notes=tuple(str(n) for n in raw.get("notes", ())),
        promotes_to=str(raw["promotes_to"]) if raw.get("promotes_to") else None,
    )


def model_to_dict(spec: ModelSpec) -> dict[str, Any]:
    """The JSON shape :func:`model_from_dict` reads back to an equal spec."""
    out: dict[str, Any] = {
        "label": spec.label,
        "vendor": spec.vendor,
        "aliases": list(spec.aliases),
    }
    priced = any(spec.sizes.values())
    out["sizes"] = dict(spec.sizes) if priced else list(spec.sizes)
    if spec.size_rule is not None:
        rule = spec.size_rule
        out["size_rule"] = {
            "multiple_of": rule.multiple_of,
            "min_side": rule.min_side,
            "max_side": rule.max_side,
            "suggested": list(rule.suggested),
        }
    if spec.durations:
        out["durations"] = list(spec.durations)
    if spec.frames is not None:
        out["frames"] = {"fps": spec.frames.fps, "counts": list(spec.frames.counts)}
    if spec.prices:
        out["price_per_second"] = {
            tier: {
                "standard": str(p.standard),
                "batch": None if p.batch is None else str(p.batch),
                "checked": p.checked,
            }
            for tier, p in spec.prices.items()
        }
    if spec.gpu_price is not None:
        g = spec.gpu_price
        out["price_per_gpu_second"] = {
            "usd": str(g.usd_per_gpu_second),
            "gpus": g.gpus,
            "render_s_per_clip_s": g.render_s_per_clip_s,
            "checked": g.checked,
        }
    if not spec.price_known:
        out["price_known"] = False
    out["supports"] = {s.value: s in spec.supports for s in Support}
    rt = spec.render_time
    out["render_time"] = {
        "base_s": rt.base_s,
        "per_clip_second_s": rt.per_clip_second_s,
        "at": rt.at,
        "gpus": rt.gpus,
        "basis": rt.basis,
    }
    if spec.extension is not None:
        out["extension"] = extension_to_dict(spec.extension)
    if spec.defaults:
        out["defaults"] = dict(spec.defaults)
    if spec.notes:
        out["notes"] = list(spec.notes)
    if spec.promotes_to:
        out["promotes_to"] = spec.promotes_to
    return out
