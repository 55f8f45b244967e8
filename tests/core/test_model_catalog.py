"""Models beyond Sora: each model's sizes, lengths, price kind and render time, overrides, and
the catalog a provider profile offers (its preset's models, or exactly what its server lists)."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from sora_studio.core.capabilities import preset, provider_presets
from sora_studio.core.catalog import (
    Catalog,
    CatalogError,
    catalog_for_profile,
    catalog_from_dict,
    default_catalog,
)
from sora_studio.core.model_spec import PriceKind, Support
from sora_studio.core.models import Size
from sora_studio.core.pricing import (
    NO_CHARGE,
    PRICE_UNKNOWN,
    cost_cents,
    estimate_cents,
    price_explanation,
    price_summary,
)

CATALOG = default_catalog()
OPEN_MODELS = (
    "wan-2.2-ti2v-5b",
    "wan-2.2-t2v-a14b",
    "wan-2.1-t2v-1.3b",
    "hunyuanvideo-1.5",
    "ltx-2",
    "fastwan-2.2-ti2v-5b",
    "fastwan-2.1-t2v-1.3b",
)


def _raw() -> dict[str, Any]:
    text = resources.files("sora_studio.core").joinpath("catalog.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_every_preset_model_is_in_the_catalog() -> None:
    for name, found in provider_presets().items():
        for model in found.models:
            assert CATALOG.model(model) is not None, f"preset {name} lists unknown {model}"


def test_sora_keeps_its_batch_and_dates() -> None:
    spec = CATALOG.models["sora-2-pro"]
    assert spec.price_kind is PriceKind.PER_SECOND and spec.has_batch
    assert {p.checked for p in spec.prices.values()} == {"2026-03"}
    assert spec.takes(Support.CHARACTERS) and not spec.takes(Support.SEED)
    assert CATALOG.durations_for("sora-2") == (4, 8, 12)
    assert CATALOG.durations_for("sora-2", True) == (4, 8, 12, 16, 20)


@pytest.mark.parametrize(("model", "dollars"), [("veo-3.1", "0.40"), ("veo-3.1-fast", "0.15")])
def test_veo_through_litellm(model: str, dollars: str) -> None:
    spec = CATALOG.models[model]
    assert spec.vendor.startswith("Google")
    assert set(CATALOG.sizes_for(model)) == {"1280x720", "720x1280", "1920x1080", "1080x1920"}
    assert CATALOG.durations_for(model) == (4, 6, 8)
    assert cost_cents(CATALOG, model, "1920x1080", 8) == Decimal(dollars) * 800
    assert {p.checked for p in spec.prices.values()} == {"2026-03"}
    assert not spec.has_batch
    with pytest.raises(KeyError, match="no Batch"):
        cost_cents(CATALOG, model, "1280x720", 8, batch=True)
    assert CATALOG.canonical_model(f"gemini/{model}-generate-preview") == model
    assert spec.takes(Support.AUDIO) and spec.takes(Support.NEGATIVE_PROMPT)
    assert not spec.takes(Support.STEPS) and not spec.takes(Support.CHARACTERS)
    assert CATALOG.extension_for(model).segment_seconds == (7,)


@pytest.mark.parametrize(
    ("model", "fps", "seconds", "frames"),
    [
        ("wan-2.2-ti2v-5b", 24, 5, 121),
        ("wan-2.2-t2v-a14b", 16, 5, 81),
        ("wan-2.1-t2v-1.3b", 16, 5, 81),
        ("hunyuanvideo-1.5", 24, 5, 121),
        ("ltx-2", 24, 5, 121),
        ("fastwan-2.2-ti2v-5b", 24, 5, 121),
        ("fastwan-2.1-t2v-1.3b", 16, 4, 61),
    ],
)
def test_frame_models_offer_seconds_and_imply_frames(
    model: str, fps: int, seconds: int, frames: int
) -> None:
    spec = CATALOG.models[model]
    assert spec.frames is not None and spec.frames.fps == fps
    assert seconds in CATALOG.durations_for(model)
    assert CATALOG.frame_extras(model, seconds) == (("fps", fps), ("num_frames", frames))
    assert spec.default_seconds() == seconds  # the model card's own length is preselected
    assert CATALOG.frame_extras(model, 99) == ()
    for count, offered in zip(spec.frames.counts, spec.frames.seconds(), strict=True):
        assert offered == round(count / fps)


def test_open_models_cost_nothing_by_default() -> None:
    for model in OPEN_MODELS:
        spec = CATALOG.models[model]
        assert spec.price_kind is PriceKind.NONE and spec.price_known
        assert price_summary(spec) == NO_CHARGE
        assert cost_cents(CATALOG, model, spec.menu_sizes()[0], 5) == 0
        assert "Self-hosted" in price_explanation(spec)


def test_the_model_card_sizes() -> None:
    assert CATALOG.sizes_for("wan-2.2-ti2v-5b") == ("1280x704", "704x1280")
    assert set(CATALOG.sizes_for("wan-2.2-t2v-a14b")) == {
        "1280x720",
        "720x1280",
        "832x480",
        "480x832",
    }
    assert "848x480" in CATALOG.sizes_for("hunyuanvideo-1.5")
    assert "1920x1088" in CATALOG.sizes_for("ltx-2")


@pytest.mark.parametrize(
    ("model", "size", "ok"),
    [
        ("wan-2.2-ti2v-5b", "960x544", True),  # multiples of 32 within bounds
        ("wan-2.2-ti2v-5b", "1000x704", False),  # 1000 is not a multiple of 32
        ("wan-2.2-ti2v-5b", "1344x768", False),  # wider than 1280
        ("wan-2.2-ti2v-5b", "128x128", False),  # smaller than 256
        ("wan-2.2-t2v-a14b", "1024x576", True),  # multiples of 16
        ("ltx-2", "1920x1088", True),
        ("ltx-2", "1920x1080", False),  # 1080 does not divide by 32
        ("wan-2.1-t2v-1.3b", "960x544", False),  # a list, no rule
        ("sora-2", "1280x720", True),
        ("sora-2", "1024x576", False),
    ],
)
def test_size_rules(model: str, size: str, ok: bool) -> None:
    assert CATALOG.models[model].offers_size(Size.parse(size)) is ok


def test_rule_suggestions_are_offered_in_the_menu() -> None:
    spec = CATALOG.models["ltx-2"]
    assert spec.size_rule is not None
    assert spec.menu_sizes() == spec.size_rule.suggested
    assert "multiples of 32 from 256 to 1920 px" in spec.size_rule.describe()


def test_expected_render_times_are_realistic() -> None:
    # SGLang Diffusion's H100 CI baselines: FastWan2.2-5B 3.3 s per clip (1 GPU), Wan2.2-T2V-A14B
    # 85 s (2 GPUs).
    assert CATALOG.expected_render_s("fastwan-2.2-ti2v-5b", "1280x704", 5) == pytest.approx(3.3)
    assert CATALOG.expected_render_s("wan-2.2-t2v-a14b", "832x480", 5) == pytest.approx(85)
    assert CATALOG.models["wan-2.2-t2v-a14b"].render_time.gpus == 2
    # Hosted models: tens of seconds to a few minutes.
    for model, size, seconds in (
        ("sora-2", "1280x720", 4),
        ("sora-2", "720x1280", 12),
        ("sora-2-pro", "1920x1080", 12),
        ("veo-3.1", "1280x720", 8),
        ("veo-3.1-fast", "1280x720", 4),
    ):
        assert 20 <= CATALOG.expected_render_s(model, size, seconds) <= 600, model
    # Bigger and longer takes longer; an unknown model gets a cautious generic figure.
    assert CATALOG.expected_render_s("sora-2-pro", "1920x1080", 12) > CATALOG.expected_render_s(
        "sora-2-pro", "1280x720", 4
    )
    assert 60 <= CATALOG.expected_render_s("mystery", "1280x720", 4) <= 300
    assert CATALOG.expected_render_s("sora-2", "not-a-size", 4) > 0


def test_a_gpu_second_rate_prices_a_self_hosted_model() -> None:
    priced = CATALOG.with_overrides(
        {"models": {"wan-2.2-t2v-a14b": {"price_per_gpu_second": {"usd": "0.0011", "gpus": 2}}}}
    )
    spec = priced.models["wan-2.2-t2v-a14b"]
    assert spec.price_kind is PriceKind.GPU_SECOND
    assert spec.gpu_price is not None and spec.gpu_price.checked == ""  # a person's own rate
    # Estimate: 85 s expected x 2 GPUs x $0.0011 = $0.187 = 18.7 cents.
    assert cost_cents(priced, "wan-2.2-t2v-a14b", "832x480", 5) == Decimal("18.70")
    assert estimate_cents(priced, "wan-2.2-t2v-a14b", "832x480", 5, variants=2) == Decimal("37.40")
    # Actual: the measured render time replaces the estimate.
    actual = cost_cents(priced, "wan-2.2-t2v-a14b", "832x480", 5, render_seconds=100.0)
    assert actual == Decimal("22.00")
    assert price_summary(spec) == "$0.0011 per GPU-second"
    assert "2 GPUs" in price_explanation(spec) and "your own rate" in price_explanation(spec)
    with pytest.raises(KeyError, match="no Batch"):
        cost_cents(priced, "wan-2.2-t2v-a14b", "832x480", 5, batch=True)


def test_a_pinned_render_rate_overrides_the_estimate() -> None:
    priced = CATALOG.with_overrides(
        {
            "models": {
                "ltx-2": {
                    "price_per_gpu_second": {
                        "usd": "0.002",
                        "gpus": 1,
                        "render_s_per_clip_s": 10,
                        "checked": "2026-12",
                    }
                }
            }
        }
    )
    # 10 render seconds per clip second x 5 s x 1 GPU x $0.002 = $0.10.
    assert cost_cents(priced, "ltx-2", "768x512", 5) == Decimal("10.00")
    assert priced.models["ltx-2"].gpu_price.checked == "2026-12"  # type: ignore[union-attr]


def test_overriding_a_price_drops_the_shipped_date() -> None:
    cheaper = CATALOG.with_overrides(
        {"models": {"veo-3.1": {"price_per_second": {"720p": {"standard": "0.35"}}}}}
    )
    prices = cheaper.models["veo-3.1"].prices
    assert prices["720p"].standard == Decimal("0.35") and prices["720p"].checked == ""
    assert prices["720p"].batch is None  # still no Batch
    assert prices["1080p"].checked == "2026-03"
    assert "your own price" in price_explanation(cheaper.models["veo-3.1"])


def test_the_shipped_catalog_round_trips() -> None:
    assert catalog_from_dict(json.loads(json.dumps(_raw()))) == CATALOG
    assert CATALOG.with_overrides({}) == CATALOG


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["models"]["wan-2.2-ti2v-5b"]["frames"].update(counts=[49, 50]),
        lambda d: d["models"]["wan-2.2-ti2v-5b"]["frames"].update(fps=0),
        lambda d: d["models"]["wan-2.2-ti2v-5b"].update(durations=[5]),
        lambda d: d["models"]["ltx-2"]["size_rule"].update(suggested=["1000x1000"]),
        lambda d: d["models"]["ltx-2"]["size_rule"].update(min_side=4000),
        lambda d: d["models"]["ltx-2"].pop("size_rule"),
        lambda d: d["models"]["wan-2.2-ti2v-5b"]["supports"].update(teleport=True),
        lambda d: d["models"]["wan-2.2-ti2v-5b"]["supports"].update(seed="yes"),
        lambda d: d["models"]["veo-3.1"]["price_per_second"]["720p"].pop("batch"),
        lambda d: d["models"]["wan-2.2-ti2v-5b"].update(price_per_gpu_second={"usd": "-1"}),
        lambda d: d["models"]["wan-2.2-ti2v-5b"]["render_time"].update(base_s=-5),
        lambda d: d["models"]["wan-2.2-ti2v-5b"].update(sizes=["big"]),
    ],
    ids=[
        "frames-same-seconds",
        "zero-fps",
        "frames-and-durations",
        "suggestion-breaks-rule",
        "min-above-max",
        "no-sizes-at-all",
        "unknown-support",
        "support-not-bool",
        "batch-key-missing",
        "negative-gpu-rate",
        "negative-render-time",
        "size-not-a-size",
    ],
)
def test_malformed_models_raise_catalog_error(breakage: Any) -> None:
    data = _raw()
    breakage(data)
    with pytest.raises(CatalogError):
        catalog_from_dict(data)


# --- the catalog a profile offers ---------------------------------------------------------------


def _for(served: tuple[str, ...] = (), preset_name: str = "generic", **overrides: Any) -> Catalog:
    return catalog_for_profile(CATALOG, preset(preset_name).models, served, overrides)


def test_a_preset_offers_its_models() -> None:
    assert _for(preset_name="emulator").model_names() == ("sora-2", "sora-2-pro")
    assert _for(preset_name="litellm").model_names() == (
        "veo-3.1",
        "veo-3.1-fast",
        "sora-2",
        "sora-2-pro",
    )
    assert set(_for(preset_name="sglang").model_names()) >= {"wan-2.2-ti2v-5b", "wan-2.2-t2v-a14b"}
    assert _for(preset_name="generic").model_names() == CATALOG.model_names()  # every model
    # The catalog-level Sora rules travel with every profile's catalog.
    assert _for(preset_name="sglang").extension == CATALOG.extension


def test_listed_models_are_offered_under_their_wire_names() -> None:
    served = (
        "Wan-AI/Wan2.2-TI2V-5B-Diffusers",  # an alias (SGLang lists the model path)
        "gemini/veo-3.1-generate-preview",  # LiteLLM's route name
        "SORA-2",  # only the case differs
        "openai/sora-2-pro",  # a route prefix on a catalog name
        "my-lab/secret-video-model",  # unknown
    )
    catalog = _for(served, preset_name="litellm")
    assert catalog.model_names() == served  # exactly what the server listed, in its order
    wan = catalog.models["Wan-AI/Wan2.2-TI2V-5B-Diffusers"]
    assert wan.label == "Wan 2.2 TI2V 5B" and wan.frames is not None
    # Look-ups by the catalog name still find the entry keyed by the wire name.
    assert catalog.canonical_model("wan-2.2-ti2v-5b") == "Wan-AI/Wan2.2-TI2V-5B-Diffusers"
    assert catalog.canonical_model("veo-3.1") == "gemini/veo-3.1-generate-preview"
    assert catalog.models["SORA-2"].prices == CATALOG.models["sora-2"].prices
    assert catalog.models["openai/sora-2-pro"].label == "Sora 2 Pro"
    assert cost_cents(catalog, "gemini/veo-3.1-generate-preview", "1280x720", 8) == 320
    assert catalog.frame_extras("Wan-AI/Wan2.2-TI2V-5B-Diffusers", 5) == (
        ("fps", 24),
        ("num_frames", 121),
    )


def test_an_unknown_listed_model_gets_a_generic_spec() -> None:
    catalog = _for(("my-lab/secret-video-model",))
    spec = catalog.models["my-lab/secret-video-model"]
    assert spec.label == "my-lab/secret-video-model"
    assert spec.sizes == {"1280x720": "", "720x1280": ""}
    assert spec.size_rule is not None and spec.offers_size(Size(1024, 576))
    assert catalog.durations_for("my-lab/secret-video-model") == (4, 8)
    assert spec.price_kind is PriceKind.NONE and not spec.price_known
    assert price_summary(spec) == PRICE_UNKNOWN
    assert spec.supports == frozenset()  # no extras, no reference image
    assert cost_cents(catalog, "my-lab/secret-video-model", "1280x720", 8) == 0
    assert catalog.with_overrides({}) == catalog  # the generic spec round-trips too


def test_overrides_come_last_and_reach_wire_named_entries() -> None:
    catalog = _for(
        ("Wan-AI/Wan2.2-T2V-A14B-Diffusers", "sora-2"),
        models={
            # Keyed by the catalog name: reaches the entry the server lists under its path.
            "wan-2.2-t2v-a14b": {"price_per_gpu_second": {"usd": "0.001", "gpus": 2}},
            "sora-2": {"price_per_second": {"720p": {"standard": "0.08"}}},
            # A partial override of a model this server does not offer is left out.
            "sora-2-pro": {"price_per_second": {"720p": {"standard": "0.20"}}},
            # A complete new model is added.
            "house-model": {"label": "House", "sizes": ["640x360"], "durations": [3]},
        },
    )
    assert catalog.model_names() == ("Wan-AI/Wan2.2-T2V-A14B-Diffusers", "sora-2", "house-model")
    wan = catalog.models["Wan-AI/Wan2.2-T2V-A14B-Diffusers"]
    assert wan.price_kind is PriceKind.GPU_SECOND
    assert catalog.price_per_second("sora-2", "1280x720") == Decimal("0.08")
    assert catalog.durations_for("house-model") == (3,)


def test_without_served_models_or_overrides_nothing_changes() -> None:
    assert _for(preset_name="generic") == catalog_for_profile(CATALOG, (), (), None)
    assert _for(preset_name="generic").models == CATALOG.models
