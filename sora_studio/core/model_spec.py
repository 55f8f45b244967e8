"""One video model as the catalog describes it: sizes, lengths, price, render time, features.

Each model stands on its own (DESIGN.md §5): sizes are a list (each with its price tier) and/or a
``WxH`` rule; lengths are a list of seconds, or frame counts at a frame rate (the request then
carries ``num_frames`` and ``fps``); the price is per generated second (standard and, where it
exists, Batch), per GPU-second for a self-hosted model someone pays GPUs for, or none; and
``supports`` says which operations and extra settings the model takes, so the builder offers
only those. Pure data and arithmetic: parsing lives in :mod:`sora_studio.core.catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sora_studio.core.models import Size


class Support(StrEnum):
    """What a model can do beyond a plain text-to-video render."""

    REFERENCE_IMAGE = "reference_image"
    AUDIO = "audio"  # the clip comes with a generated soundtrack
    REMIX = "remix"
    EDIT = "edit"
    EXTEND = "extend"
    CHARACTERS = "characters"
    NEGATIVE_PROMPT = "negative_prompt"
    SEED = "seed"
    STEPS = "steps"
    GUIDANCE = "guidance"


# What a model entry without a ``supports`` block takes: the official contract's operations
# (the shape every catalog had before models described themselves), none of the extras.
DEFAULT_SUPPORTS = frozenset(
    {
        Support.REFERENCE_IMAGE,
        Support.AUDIO,
        Support.REMIX,
        Support.EDIT,
        Support.EXTEND,
        Support.CHARACTERS,
    }
)


class PriceKind(StrEnum):
    """How a model is charged."""

    PER_SECOND = "per_second"  # dollars per generated second, by size tier
    GPU_SECOND = "gpu_second"  # self-hosted: dollars per GPU-second of render time
    NONE = "none"  # nothing per clip (self-hosted and free), or a price nobody told us


@dataclass(frozen=True, slots=True)
class TierPrice:
    """Dollars per generated second; ``batch`` is None where the model has no Batch price."""

    standard: Decimal
    batch: Decimal | None
    checked: str = ""  # when the price was last checked ("2026-03"); "" for a person's override


@dataclass(frozen=True, slots=True)
class GpuSecondPrice:
    """A self-hosted model's cost: GPU-seconds of render time times a rate.

    ``render_s_per_clip_s`` pins the render seconds per generated second for this deployment;
    None uses the model's render-time estimate (:meth:`RenderTime.estimate_s`).
    """

    usd_per_gpu_second: Decimal
    gpus: int
    render_s_per_clip_s: float | None = None
    checked: str = ""


@dataclass(frozen=True, slots=True)
class SizeRule:
    """Any ``WxH`` whose sides are multiples of ``multiple_of`` within ``[min_side, max_side]``."""

    multiple_of: int
    min_side: int
    max_side: int
    suggested: tuple[str, ...] = ()  # offered in the size menu next to the listed sizes

    def accepts(self, size: Size) -> bool:
        return all(
            self.min_side <= side <= self.max_side and side % self.multiple_of == 0
            for side in (size.width, size.height)
        )

    def describe(self) -> str:
        """``"width and height multiples of 32 from 256 to 1280 px"``."""
        return (
            f"width and height multiples of {self.multiple_of} "
            f"from {self.min_side} to {self.max_side} px"
        )


@dataclass(frozen=True, slots=True)
class FrameRule:
    """A model that renders frame counts at one frame rate (Wan, HunyuanVideo, LTX-2).

    The seconds offered are ``round(frames / fps)`` for each count, which is also what the
    servers report back (SGLang: ``seconds = round(num_frames / fps)``).
    """

    fps: int
    counts: tuple[int, ...]

    def seconds(self) -> tuple[int, ...]:
        return tuple(round(count / self.fps) for count in self.counts)

    def frames_for(self, seconds: int) -> int | None:
        """The frame count that makes ``seconds``; None when no count does."""
        for count in self.counts:
            if round(count / self.fps) == seconds:
                return count
        return None


@dataclass(frozen=True, slots=True)
class RenderTime:
    """How long a render takes: ``base_s + per_clip_second_s * seconds * pixels / at pixels``.

    The figures are for ``gpus`` GPUs at size ``at``; the engine paces its polling by them when
    a server sends no poll hint, and GPU-second prices estimate from them.
    """

    base_s: float
    per_clip_second_s: float
    at: str = "1280x720"
    gpus: int = 1
    basis: str = ""  # where the figures come from, for people reading the catalog

    def estimate_s(self, size: str, seconds: int) -> float:
        try:
            wanted, reference = Size.parse(size), Size.parse(self.at)
            scale = (wanted.width * wanted.height) / (reference.width * reference.height)
        except (ValueError, ZeroDivisionError):
            scale = 1.0
        return self.base_s + self.per_clip_second_s * max(seconds, 0) * max(scale, 0.0)


DEFAULT_RENDER_TIME = RenderTime(base_s=60.0, per_clip_second_s=15.0)


@dataclass(frozen=True, slots=True)
class ExtensionRules:
    max_extensions: int
    max_total_seconds: int
    segment_seconds: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model. ``sizes`` maps each listed size to its price tier ("" when not priced)."""

    name: str
    label: str
    aliases: tuple[str, ...]
    sizes: dict[str, str]
    prices: dict[str, TierPrice]
    vendor: str = ""
    size_rule: SizeRule | None = None
    durations: tuple[int, ...] = ()  # () and no frames: the catalog's durations (Sora)
    frames: FrameRule | None = None
    gpu_price: GpuSecondPrice | None = None
    price_known: bool = True  # False: a model the server listed that the catalog does not know
    supports: frozenset[Support] = DEFAULT_SUPPORTS
    render_time: RenderTime = DEFAULT_RENDER_TIME
    extension: ExtensionRules | None = None  # None: the catalog's extension rules
    defaults: dict[str, int | float] = field(default_factory=dict)  # server defaults, for hints
    notes: tuple[str, ...] = ()
    promotes_to: str | None = None  # the better model "promote" renders the recipe on

    @property
    def price_kind(self) -> PriceKind:
        if self.prices:
            return PriceKind.PER_SECOND
        if self.gpu_price is not None:
            return PriceKind.GPU_SECOND
        return PriceKind.NONE

    @property
    def has_batch(self) -> bool:
        """True when every tier has a Batch price (only then may an order go through Batch)."""
        return bool(self.prices) and all(p.batch is not None for p in self.prices.values())

    def takes(self, feature: Support) -> bool:
        return feature in self.supports

    def menu_sizes(self) -> tuple[str, ...]:
        """The sizes offered in a menu: the listed ones, then the rule's suggestions."""
        suggested = self.size_rule.suggested if self.size_rule else ()
        return tuple(dict.fromkeys((*self.sizes, *suggested)))

    def offers_size(self, size: Size) -> bool:
        if str(size) in self.sizes:
            return True
        return self.size_rule is not None and self.size_rule.accepts(size)

    def tier_for(self, size: str) -> str | None:
        """The price tier of ``size``; a size only the rule accepts uses the single tier."""
        tier = self.sizes.get(size)
        if tier:
            return tier
        parsed = _parse(size)
        if parsed is not None and self.offers_size(parsed) and len(self.prices) == 1:
            return next(iter(self.prices))
        return None

    def default_seconds(self) -> int | None:
        """The length to preselect: the model card's frame count, else the first listed length
        (None: the catalog's durations apply)."""
        if self.frames is not None:
            frames = self.defaults.get("num_frames")
            count = int(frames) if frames in self.frames.counts else self.frames.counts[-1]
            return round(count / self.frames.fps)
        return self.durations[0] if self.durations else None

    def expected_render_s(self, size: str, seconds: int) -> float:
        return self.render_time.estimate_s(size, seconds)

    def render_gpu_seconds(self, size: str, seconds: int, render_s: float | None) -> float:
        """GPU-seconds one render uses: measured render time when known, else the estimate."""
        price = self.gpu_price
        gpus = price.gpus if price else self.render_time.gpus
        if render_s is None:
            if price is not None and price.render_s_per_clip_s is not None:
                render_s = price.render_s_per_clip_s * max(seconds, 0)
            else:
                render_s = self.expected_render_s(size, seconds)
        return max(render_s, 0.0) * gpus


def _parse(size: str) -> Size | None:
    try:
        return Size.parse(size)
    except ValueError:
        return None
