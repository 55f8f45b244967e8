"""The one pre-flight both the builder and the engine run."""

from __future__ import annotations

from decimal import Decimal

from sora_studio.core.catalog import default_catalog
from sora_studio.core.models import Operation
from sora_studio.services.orders import RenderOrder
from sora_studio.services.preflight import compute_preflight
from tests.services.conftest import order


def _order(**changes: object) -> RenderOrder:
    return order(**{"prompt": "a paper boat drifting down a rainy gutter", "seconds": 8, **changes})


def test_clean_order_costs_per_variant_total_and_batch() -> None:
    check = compute_preflight(_order(variants=3), default_catalog(), long_durations=False)
    assert check.problems == ()
    assert check.per_variant_cents == Decimal(80)
    assert check.estimate_cents == Decimal(240)
    assert check.batch_estimate_cents == Decimal(120)
    assert check.budget_left_after_cents is None


def test_budget_left_counts_what_is_already_committed() -> None:
    check = compute_preflight(
        _order(),
        default_catalog(),
        long_durations=False,
        budget_cap_cents=Decimal(500),
        committed_cents=Decimal(450),
    )
    assert check.budget_left_after_cents == Decimal(-30)
    assert not check.within_budget


def test_variants_outside_one_to_four_and_batched_extensions_are_refused() -> None:
    too_many = compute_preflight(_order(variants=5), default_catalog(), long_durations=False)
    assert [p.field for p in too_many.problems] == ["variants"]
    batched_extension = compute_preflight(
        _order(operation=Operation.EXTEND, batch=True, seconds=4),
        default_catalog(),
        long_durations=False,
        source_remote_id="video_abc",
        source_seconds=8,
    )
    assert "batch" in {p.field for p in batched_extension.problems}


def test_reference_read_problems_land_on_the_reference_field() -> None:
    check = compute_preflight(
        _order(),
        default_catalog(),
        long_durations=False,
        reference_problems=["Could not read ref.png: not an image. Choose a JPEG, PNG or WebP."],
    )
    assert [(p.field, p.message[:14]) for p in check.problems] == [("reference", "Could not read")]


def test_a_retired_provider_is_refused_before_any_job_exists() -> None:
    check = compute_preflight(
        _order(), default_catalog(), long_durations=False, provider_retired=True
    )
    assert [p.field for p in check.problems] == ["provider"]
    assert "2026-09-24" in check.problems[0].message
    assert not check.ok
