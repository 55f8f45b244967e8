"""Parsing and formatting timecodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sora_studio.core.timecode import format_timecode, parse_timecode


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("01:02.345", 62_345),
        ("1:02.3", 62_300),
        ("00:00", 0),
        ("62.345", 62_345),
        ("62,5", 62_500),
        ("7", 7_000),
        ("01:02:03.456", 3_723_456),
        ("1:02:03", 3_723_000),
        ("90:00", 5_400_000),
        ("12s", 12_000),
        ("1.5s", 1_500),
        ("250ms", 250),
        ("1m30s", 90_000),
        ("1m 30s", 90_000),
        ("2m", 120_000),
        ("1h", 3_600_000),
        ("  12S ", 12_000),
    ],
)
def test_parse(text: str, ms: int) -> None:
    assert parse_timecode(text) == ms


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "empty"),
        ("abc", "01:02.345"),
        ("1:60", "0-59"),
        ("1:60:00", "0-59"),
        ("-1", "negative"),
        ("1.2345", "01:02.345"),
        ("s", "01:02.345"),
        ("1::2", "01:02.345"),
    ],
)
def test_parse_errors_say_what_to_write(text: str, hint: str) -> None:
    with pytest.raises(ValueError, match=hint):
        parse_timecode(text)


def test_format() -> None:
    assert format_timecode(62_345) == "01:02.345"
    assert format_timecode(0) == "00:00.000"
    assert format_timecode(3_599_999) == "59:59.999"
    assert format_timecode(3_723_456) == "01:02:03.456"
    with pytest.raises(ValueError, match="negative"):
        format_timecode(-1)


@given(st.integers(0, 100 * 3_600_000))
def test_round_trip(ms: int) -> None:
    assert parse_timecode(format_timecode(ms)) == ms
