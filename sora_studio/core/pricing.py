"""Prices in exact decimal cents, from the catalog.

Estimates are what a request will cost before it is sent; the same function gives the actual cost
once the provider reports the seconds it really generated.
"""

from __future__ import annotations

from decimal import Decimal

from sora_studio.core.catalog import CENTS_PER_DOLLAR, Catalog


def cost_cents(
    catalog: Catalog, model: str, size: str, seconds: int, batch: bool = False
) -> Decimal:
    """Cents for ``seconds`` of ``model`` at ``size``; ``KeyError`` if the catalog lacks it."""
    if seconds < 0:
        raise ValueError("seconds cannot be negative")
    return catalog.price_per_second(model, size, batch) * seconds * CENTS_PER_DOLLAR


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
