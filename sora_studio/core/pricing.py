"""Prices in exact decimal cents, from the catalog, for the three ways a model is charged.

Per generated second (Sora, Veo): seconds times the size tier's price, standard or Batch.
Per GPU-second (a self-hosted model someone pays GPUs for): render seconds times GPUs times the
rate; the estimate uses the model's expected render time, the actual cost the measured render
time when the server reports it. None (self-hosted for free, or a model whose price nobody told
us): nothing, said in words a person understands (:func:`price_summary`).

Estimates are what a request will cost before it is sent; the same function gives the actual
cost once the provider reports the seconds it really generated.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sora_studio.core.catalog import CENTS_PER_DOLLAR, Catalog
from sora_studio.core.model_spec import ModelSpec, PriceKind

# GPU-second costs are sums of floats (render times); a hundredth of a cent is plenty.
_GPU_CENTS_QUANTUM = Decimal("0.01")

NO_CHARGE = "no charge"
PRICE_UNKNOWN = "price unknown"


def cost_cents(
    catalog: Catalog,
    model: str,
    size: str,
    seconds: int,
    batch: bool = False,
    *,
    render_seconds: float | None = None,
) -> Decimal:
    """Cents for ``seconds`` of ``model`` at ``size``; ``KeyError`` if the catalog lacks it.

    ``render_seconds`` is the measured render time of a finished job: it replaces the expected
    render time for a model priced per GPU-second and changes nothing for the others.
    """
    if seconds < 0:
        raise ValueError("seconds cannot be negative")
    spec = catalog.model(model)
    if spec is None:
        raise KeyError(f"unknown model {model!r}")
    kind = spec.price_kind
    if kind is PriceKind.PER_SECOND:
        return catalog.price_per_second(model, size, batch) * seconds * CENTS_PER_DOLLAR
    if batch:
        raise KeyError(f"{spec.name} has no Batch price")
    if kind is PriceKind.GPU_SECOND:
        return gpu_cost_cents(spec, size, seconds, render_seconds)
    return Decimal(0)


def gpu_cost_cents(
    spec: ModelSpec, size: str, seconds: int, render_seconds: float | None = None
) -> Decimal:
    """Cents of GPU time one render of ``spec`` uses (0 when it has no GPU-second price)."""
    price = spec.gpu_price
    if price is None:
        return Decimal(0)
    gpu_seconds = Decimal(repr(spec.render_gpu_seconds(size, seconds, render_seconds)))
    cents = gpu_seconds * price.usd_per_gpu_second * CENTS_PER_DOLLAR
    return cents.quantize(_GPU_CENTS_QUANTUM, rounding=ROUND_HALF_UP)


def estimate_cents(
    catalog: Catalog,
    model: str,
    size: str,
    seconds: int,
    *,
    batch: bool = False,
    variants: int = 1,
) -> Decimal:
    """What ``variants`` renders of one request cost. Extensions pass the new segment's seconds."""
    if variants < 1:
        raise ValueError("variants must be at least 1")
    return cost_cents(catalog, model, size, seconds, batch) * variants


def format_cents(cents: Decimal) -> str:
    """``Decimal(1400)`` -> ``"$14.00"``; sub-cent prices keep their digits."""
    dollars = cents / CENTS_PER_DOLLAR
    text = f"{dollars:,.2f}"
    if dollars != Decimal(text.replace(",", "")):
        text = f"{dollars.normalize():,f}"
    return f"-${text[1:]}" if text.startswith("-") else f"${text}"


def parse_cents(text: object) -> Decimal | None:
    """Stored cents (a budget cap, say) as a Decimal; None when unset, empty or not a number."""
    if text is None or isinstance(text, bool) or not str(text).strip():
        return None
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def parse_dollars(text: str) -> Decimal | None:
    """An amount a person typed in dollars (``"25"``, ``"$25.50"``, ``"1,250"``) as cents.

    None when nothing was typed; ``ValueError`` when it is not a finite number. Whether a
    negative amount makes sense is the caller's to say.
    """
    cleaned = text.strip().replace("$", "").replace(",", "")
    if not cleaned:
        return None
    try:
        dollars = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount of dollars") from None
    if not dollars.is_finite():
        raise ValueError(f"{text!r} is not an amount of dollars")
    return dollars * CENTS_PER_DOLLAR


def format_dollars(amount: Decimal) -> str:
    """A price given in dollars (``Decimal("0.10")`` per second) as money: ``"$0.10"``."""
    return format_cents(amount * CENTS_PER_DOLLAR)


def price_summary(spec: ModelSpec) -> str:
    """A short price for a model menu: ``"$0.10/s"``, ``"from $0.30/s"``, ``"no charge"``."""
    kind = spec.price_kind
    if kind is PriceKind.PER_SECOND:
        standards = sorted({p.standard for p in spec.prices.values()})
        lowest = f"{format_dollars(standards[0])}/s"
        return lowest if len(standards) == 1 else f"from {lowest}"
    if kind is PriceKind.GPU_SECOND and spec.gpu_price is not None:
        return f"{format_dollars(spec.gpu_price.usd_per_gpu_second)} per GPU-second"
    return NO_CHARGE if spec.price_known else PRICE_UNKNOWN


def price_explanation(spec: ModelSpec) -> str:
    """One sentence on how the model is charged, with the date the price was checked."""
    kind = spec.price_kind
    if kind is PriceKind.PER_SECOND:
        dates = {p.checked for p in spec.prices.values()}
        shipped = sorted(d for d in dates if d)
        if "" in dates:
            when = "your own price" + (f"; others checked {shipped[-1]}" if shipped else "")
        else:
            when = f"checked {shipped[-1]}"
        batch = "; Batch costs half" if spec.has_batch else "; no Batch"
        return f"Charged per generated second ({when}){batch}."
    if kind is PriceKind.GPU_SECOND and spec.gpu_price is not None:
        price = spec.gpu_price
        when = f"checked {price.checked}" if price.checked else "your own rate"
        gpus = "1 GPU" if price.gpus == 1 else f"{price.gpus} GPUs"
        return (
            f"Self-hosted: GPU time at {format_dollars(price.usd_per_gpu_second)} per "
            f"GPU-second on {gpus} ({when}); the estimate uses the expected render time."
        )
    if spec.price_known:
        return "Self-hosted: no charge per clip (your own GPUs); set a GPU-second rate to count it."
    return (
        "This server did not say what the model costs: renders are counted as $0.00 and the "
        "budget cannot hold them back."
    )
