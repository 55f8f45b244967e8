"""The builder's cost line, in words that fit how the chosen model is charged.

Pure text from numbers (no widgets), so each price kind reads right and is easy to test:
per generated second (with the Batch alternative where the model has Batch), per GPU-second of
render time (an estimate, marked "≈"), self-hosted without a price ("No charge"), or a model
whose price nobody told us ("Price unknown", which the budget cannot hold back).
"""

from __future__ import annotations

from decimal import Decimal

from sora_studio.core.catalog import Catalog
from sora_studio.core.model_spec import ModelSpec, PriceKind
from sora_studio.core.pricing import format_cents, format_dollars
from sora_studio.services.orders import Preflight, RenderOrder
from sora_studio.services.spend import order_cents
from sora_studio.ui.prompt.format_picker import about_duration


def _each(variants: int, per: Decimal) -> str:
    return f" ({variants} × {format_cents(per)})" if variants > 1 else " per render"


def cost_line(
    spec: ModelSpec | None,
    preflight: Preflight,
    *,
    variants: int,
    batch: bool,
    standard_total: Decimal,
    render_s: float,
) -> str:
    """One line: the total, what one variant costs, and the alternative or the basis."""
    total = format_cents(preflight.estimate_cents)
    per = preflight.per_variant_cents
    kind = spec.price_kind if spec is not None else PriceKind.PER_SECOND
    if kind is PriceKind.GPU_SECOND and spec is not None and spec.gpu_price is not None:
        price = spec.gpu_price
        gpus = "1 GPU" if price.gpus == 1 else f"{price.gpus} GPUs"
        rate = format_dollars(price.usd_per_gpu_second)
        return (
            f"≈ {total}{_each(variants, per)} · GPU time: {gpus} for "
            f"{about_duration(render_s)} at {rate} per GPU-second"
        )
    if kind is PriceKind.NONE and spec is not None:
        if spec.price_known:
            return f"No charge · self-hosted, {about_duration(render_s)} per render"
        return "Price unknown · counted as $0.00, so the budget cannot hold this model back"
    if batch:
        return (
            f"{total} with Batch"
            + (f" ({variants} × {format_cents(per)})" if variants > 1 else "")
            + f" · {format_cents(standard_total)} standard"
        )
    if spec is not None and not spec.has_batch:
        return f"{total}{_each(variants, per)}"
    batch_total = format_cents(preflight.batch_estimate_cents)
    return f"{total}{_each(variants, per)} · Batch would be {batch_total}"


def order_cost_line(
    spec: ModelSpec | None, preflight: Preflight, order: RenderOrder, catalog: Catalog
) -> str:
    """``cost_line`` for ``order`` as the builder has it, priced from ``catalog``."""
    variants = max(1, order.variants)
    standard = Decimal(0)
    if order.batch:  # the standard price it saves against
        standard = order_cents(catalog, order, batch=False, variants=variants)
    return cost_line(
        spec,
        preflight,
        variants=variants,
        batch=order.batch,
        standard_total=standard,
        render_s=catalog.expected_render_s(order.model, order.size, order.seconds),
    )
