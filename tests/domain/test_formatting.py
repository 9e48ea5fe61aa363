"""Money and time as people read them (domain/formatting.py), the one way pages, exports, notices
and the agreement write an amount in won and an instant in KST."""

from datetime import UTC, date, datetime

import pytest

from domain import formatting as f

EVENING_IN_SEOUL = datetime(2026, 12, 1, 9, 0, 5, tzinfo=UTC)  # 18:00:05 KST
AFTER_MIDNIGHT_IN_SEOUL = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 00:30 KST on Dec 1st


@pytest.mark.parametrize(("amount", "sign", "korean", "krw"), [
    (80_000_000, "₩80,000,000", "80,000,000원", "KRW 80,000,000"),
    (0, "₩0", "0원", "KRW 0"),
    (-24_000_000, "-₩24,000,000", "-24,000,000원", "KRW -24,000,000"),
])
def test_won_is_exact_integer_won_in_each_house_style(amount: int, sign: str, korean: str, krw: str) -> None:
    assert (f.won(amount), f.won_korean(amount), f.krw(amount)) == (sign, korean, krw)


@pytest.mark.parametrize(("amount", "korean", "english"), [
    (80_000_000, "8,000만 원", "80 million won"), (80_500_000, "8,050만 원", "80.5 million won"),
    (120_000_000, "1억 2,000만 원", "120 million won"), (1_250_000_000, "12억 5,000만 원", "1,250 million won"),
    (35_000, "3만 5,000원", "35,000 won"), (12_345_678, "1,234만 5,678원", "12,345,678 won"),
    (-24_000_000, "-2,400만 원", "-24 million won"), (0, "0원", "0 won"),
])
def test_amounts_as_people_say_them(amount: int, korean: str, english: str) -> None:
    assert f.man_won(amount) == korean and f.millions_of_won(amount) == english


def test_instants_are_written_in_kst() -> None:
    assert f.kst_minute(EVENING_IN_SEOUL) == "2026-12-01 18:00 KST"
    assert f.kst_minute(EVENING_IN_SEOUL, zone=False) == "2026-12-01 18:00"
    assert f.kst_second(EVENING_IN_SEOUL) == "2026-12-01 18:00:05 KST"
    assert f.kst_clock(EVENING_IN_SEOUL) == "18:00 KST"
    # The Korean calendar day, not UTC's.
    assert f.kst_day(AFTER_MIDNIGHT_IN_SEOUL) == "2026-12-01" and f.kst_day(date(2026, 12, 1)) == "2026-12-01"


def test_a_missing_value_prints_as_the_caller_says() -> None:
    assert f.won(None) == f.kst_minute(None) == f.man_won(None) == "—"
    assert f.won_korean(None, absent="-") == f.kst_day(None, absent="-") == "-"
