"""The shipped catalog and pricing against the product brief's price table, to the exact cent."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from sora_studio.core.catalog import Catalog, CatalogError, catalog_from_dict, default_catalog
from sora_studio.core.pricing import cost_cents, estimate_cents, format_cents

# The brief's table: dollars per generated second (standard, Batch) by model and size.
PRICE_TABLE: dict[tuple[str, str], tuple[str, str]] = {
    ("sora-2", "720x1280"): ("0.10", "0.05"),
    ("sora-2", "1280x720"): ("0.10", "0.05"),
    ("sora-2-pro", "720x1280"): ("0.30", "0.15"),
    ("sora-2-pro", "1280x720"): ("0.30", "0.15"),
    ("sora-2-pro", "1024x1792"): ("0.50", "0.25"),
    ("sora-2-pro", "1792x1024"): ("0.50", "0.25"),
    ("sora-2-pro", "1080x1920"): ("0.70", "0.35"),
    ("sora-2-pro", "1920x1080"): ("0.70", "0.35"),
}
SECONDS = (4, 8, 12, 16, 20)
ALL_SIZES = sorted({size for _, size in PRICE_TABLE})


def _raw_catalog() -> dict[str, Any]:
    text = resources.files("sora_studio.core").joinpath("catalog.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


@pytest.mark.parametrize("seconds", SECONDS)
@pytest.mark.parametrize(("model", "size"), sorted(PRICE_TABLE))
@pytest.mark.parametrize("batch", [False, True], ids=["standard", "batch"])
def test_every_combination_costs_exactly_the_table_price(
    catalog: Catalog, model: str, size: str, seconds: int, batch: bool
) -> None:
    dollars = Decimal(PRICE_TABLE[(model, size)][1 if batch else 0])
    expected_cents = dollars * 100 * seconds
    assert cost_cents(catalog, model, size, seconds, batch) == expected_cents
    assert estimate_cents(catalog, model, size, seconds, batch=batch) == expected_cents


def test_the_brief_examples(catalog: Catalog) -> None:
    assert cost_cents(catalog, "sora-2", "1280x720", 20) == Decimal(200)
    assert cost_cents(catalog, "sora-2-pro", "1920x1080", 20) == Decimal(1400)
    assert format_cents(cost_cents(catalog, "sora-2-pro", "1920x1080", 20)) == "$14.00"
    assert cost_cents(catalog, "sora-2-pro", "1920x1080", 20, batch=True) == Decimal(700)


def test_batch_is_half_price_everywhere(catalog: Catalog) -> None:
    for model, size in PRICE_TABLE:
        standard = catalog.price_per_second(model, size)
        assert catalog.price_per_second(model, size, batch=True) * 2 == standard


def test_variants_multiply(catalog: Catalog) -> None:
    assert estimate_cents(catalog, "sora-2", "720x1280", 8, variants=3) == Decimal(240)
    with pytest.raises(ValueError, match="variants"):
        estimate_cents(catalog, "sora-2", "720x1280", 8, variants=0)


def test_sizes_per_model_match_the_table(catalog: Catalog) -> None:
    for model in ("sora-2", "sora-2-pro"):
        expected = {size for (m, size) in PRICE_TABLE if m == model}
        assert set(catalog.sizes_for(model)) == expected


@pytest.mark.parametrize("size", ALL_SIZES)
def test_sizes_sora_2_lacks_raise_key_error(catalog: Catalog, size: str) -> None:
    if ("sora-2", size) in PRICE_TABLE:
        return
    with pytest.raises(KeyError, match="does not offer"):
        cost_cents(catalog, "sora-2", size, 8)


@pytest.mark.parametrize(
    ("model", "size"),
    [("sora-3", "1280x720"), ("", "1280x720"), ("sora-2", "640x480"), ("sora-2-pro", "1280X720")],
)
def test_unknown_combinations_raise_key_error(catalog: Catalog, model: str, size: str) -> None:
    with pytest.raises(KeyError):
        cost_cents(catalog, model, size, 4)


def test_negative_seconds_are_refused(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="negative"):
        cost_cents(catalog, "sora-2", "1280x720", -4)


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("sora-2-2025-10-06", "sora-2"),
        ("sora-2-2025-12-08", "sora-2"),
        ("sora-2-pro-2025-10-06", "sora-2-pro"),
        ("sora-2", "sora-2"),
    ],
)
def test_aliases_resolve_and_price_like_their_model(
    catalog: Catalog, alias: str, canonical: str
) -> None:
    assert catalog.canonical_model(alias) == canonical
    assert catalog.sizes_for(alias) == catalog.sizes_for(canonical)
    assert cost_cents(catalog, alias, "1280x720", 12) == cost_cents(
        catalog, canonical, "1280x720", 12
    )


def test_unknown_model_has_no_canonical_name(catalog: Catalog) -> None:
    assert catalog.canonical_model("sora-1") is None
    assert catalog.model("sora-1") is None
    assert catalog.sizes_for("sora-1") == ()


def test_durations_and_the_long_switch(catalog: Catalog) -> None:
    assert catalog.allowed_durations(False) == (4, 8, 12)
    assert catalog.allowed_durations(True) == (4, 8, 12, 16, 20)
    assert catalog.extension.max_extensions == 6
    assert catalog.extension.max_total_seconds == 120
    assert catalog.extension.segment_seconds == (4, 8, 12, 16, 20)


def test_overrides_change_one_price_and_keep_the_rest(catalog: Catalog) -> None:
    cheaper = catalog.with_overrides(
        {"models": {"sora-2": {"price_per_second": {"720p": {"standard": "0.08"}}}}}
    )
    assert cost_cents(cheaper, "sora-2", "1280x720", 20) == Decimal(160)
    assert cost_cents(cheaper, "sora-2", "1280x720", 20, batch=True) == Decimal(100)
    assert cost_cents(cheaper, "sora-2-pro", "1920x1080", 20) == Decimal(1400)
    # The original is untouched: catalogs are values.
    assert cost_cents(catalog, "sora-2", "1280x720", 20) == Decimal(200)


def test_overrides_can_add_a_model_and_durations(catalog: Catalog) -> None:
    gateway = catalog.with_overrides(
        {
            "durations": [5, 10],
            "models": {
                "veo-3": {
                    "label": "Veo 3",
                    "sizes": {"1920x1080": "1080p"},
                    "price_per_second": {"1080p": {"standard": "0.40", "batch": "0.20"}},
                }
            },
        }
    )
    assert "veo-3" in gateway.model_names()
    assert gateway.allowed_durations(False) == (5, 10)
    assert cost_cents(gateway, "veo-3", "1920x1080", 10) == Decimal(400)


def test_sub_cent_prices_stay_exact(catalog: Catalog) -> None:
    odd = catalog.with_overrides(
        {"models": {"sora-2": {"price_per_second": {"720p": {"standard": "0.0125"}}}}}
    )
    assert cost_cents(odd, "sora-2", "1280x720", 4) == Decimal("5.0000")
    assert cost_cents(odd, "sora-2", "1280x720", 3) == Decimal("3.75")


def test_round_trip_through_dict_keeps_everything(catalog: Catalog) -> None:
    rebuilt = catalog.with_overrides({})
    assert rebuilt == catalog


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("models"),
        lambda d: d.pop("extension"),
        lambda d: d.pop("durations"),
        lambda d: d["models"]["sora-2"].pop("price_per_second"),
        lambda d: d["models"]["sora-2"]["price_per_second"]["720p"].pop("batch"),
        lambda d: d["models"]["sora-2"]["price_per_second"]["720p"].update(standard="cheap"),
        lambda d: d["models"]["sora-2"]["price_per_second"]["720p"].update(standard="-0.1"),
        lambda d: d["models"]["sora-2"]["price_per_second"]["720p"].update(standard="NaN"),
        lambda d: d["models"]["sora-2"]["sizes"].update({"640x480": "480p"}),
        lambda d: d.update(models=["sora-2"]),
        lambda d: d["extension"].pop("max_extensions"),
    ],
    ids=[
        "no-models",
        "no-extension",
        "no-durations",
        "no-prices",
        "no-batch-price",
        "price-not-a-number",
        "negative-price",
        "nan-price",
        "size-with-unpriced-tier",
        "models-not-an-object",
        "no-max-extensions",
    ],
)
def test_malformed_catalog_raises_catalog_error(breakage: Any) -> None:
    data = _raw_catalog()
    breakage(data)
    with pytest.raises(CatalogError):
        catalog_from_dict(data)
