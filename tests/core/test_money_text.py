"""Money typed and money stored, read one way: ``core.pricing``'s parsers beside its formatter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sora_studio.core.pricing import format_cents, format_dollars, parse_cents, parse_dollars


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("25", Decimal(2500)),
        ("$25.50", Decimal(2550)),
        (" 1,250 ", Decimal(125000)),
        ("", None),
        ("$", None),  # nothing but the sign: nothing typed
    ],
)
def test_dollars_a_person_types(typed: str, cents: Decimal | None) -> None:
    assert parse_dollars(typed) == cents


@pytest.mark.parametrize("typed", ["lots", "NaN", "Infinity"])
def test_what_is_no_amount(typed: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_dollars(typed)


def test_stored_cents_and_the_one_format() -> None:
    assert parse_cents("2500.50") == Decimal("2500.50")
    assert parse_cents("-1") is None and parse_cents(None) is None
    assert format_cents(Decimal("123450")) == "$1,234.50"
    assert format_dollars(Decimal("0.10")) == "$0.10"
