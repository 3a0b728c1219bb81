"""Page numbers in Czech and English: grouping, decimals, money, percent, plurals, minus, missing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt

NBSP = "\u00a0"
MINUS = "\u2212"
PAGES = Path(__file__).resolve().parents[1] / "kpwork" / "pages"


@pytest.mark.parametrize(
    ("value", "lang", "digits", "shown"),
    [
        (1559564, "cs", 0, f"1{NBSP}559{NBSP}564"),
        (1559564, "en", 0, "1,559,564"),
        (1234.56, "cs", 1, f"1{NBSP}234,6"),
        (1234.56, "en", 1, "1,234.6"),
        (999, "cs", 0, "999"),
        (0.125, "cs", 2, "0,13"),  # halves round up, without float noise
        (2.5, "cs", 0, "3"),
        (np.int64(7), "cs", 0, "7"),
        (np.float64(0.5), "en", 3, "0.500"),
        (-1234.5, "cs", 0, f"{MINUS}1{NBSP}235"),
        (-0.004, "cs", 2, "0,00"),  # no minus on a zero
        (-12, "en", 0, f"{MINUS}12"),
    ],
)
def test_number(value, lang, digits, shown):
    assert fmt.number(value, lang, digits) == shown


@pytest.mark.parametrize("value", [None, float("nan"), np.nan, pd.NA, float("inf"), -float("inf")])
def test_missing_values_show_as_a_dash(value):
    assert fmt.number(value) == fmt.money(value) == fmt.percent(value) == fmt.count(value, "cs", "klient") == fmt.estimate(value) == fmt.real_count(value) == "–"


def test_signed_numbers_for_differences():
    assert [fmt.number(v, sign=True) for v in (1500, -1500, 0)] == [f"+1{NBSP}500", f"{MINUS}1{NBSP}500", "0"]


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        (1559564, "cs", f"1{NBSP}559{NBSP}564{NBSP}Kč"),
        (1559564, "en", f"1,559,564{NBSP}CZK"),
        (1559564.49, "cs", f"1{NBSP}559{NBSP}564{NBSP}Kč"),  # whole crowns
        (0, "cs", f"0{NBSP}Kč"),
        (-2500, "cs", f"{MINUS}2{NBSP}500{NBSP}Kč"),
        (-2500, "en", f"{MINUS}2,500{NBSP}CZK"),
    ],
)
def test_money(value, lang, shown):
    assert fmt.money(value, lang) == shown


@pytest.mark.parametrize(
    ("share", "lang", "digits", "shown"),
    [
        (0.98, "cs", 0, f"98{NBSP}%"),
        (0.98, "en", 0, "98%"),
        (1.5, "cs", 0, f"150{NBSP}%"),
        (0.1234, "cs", 1, f"12,3{NBSP}%"),
        (0.1234, "en", 1, "12.3%"),
        (0, "cs", 0, f"0{NBSP}%"),
        (-0.05, "cs", 0, f"{MINUS}5{NBSP}%"),
        (12.5, "cs", 0, f"1{NBSP}250{NBSP}%"),
    ],
)
def test_percent(share, lang, digits, shown):
    assert fmt.percent(share, lang, digits) == shown


CZECH_PLURALS = {
    "klient": ("klientů", "klient", "klienti", "klienti", "klientů", "klientů", "klientů", "klientů"),
    "lůžko": ("lůžek", "lůžko", "lůžka", "lůžka", "lůžek", "lůžek", "lůžek", "lůžek"),
    "místo": ("míst", "místo", "místa", "místa", "míst", "míst", "míst", "míst"),
    "rodina": ("rodin", "rodina", "rodiny", "rodiny", "rodin", "rodin", "rodin", "rodin"),
    "osoba": ("osob", "osoba", "osoby", "osoby", "osob", "osob", "osob", "osob"),
    "obec": ("obcí", "obec", "obce", "obce", "obcí", "obcí", "obcí", "obcí"),
    "hodina": ("hodin", "hodina", "hodiny", "hodiny", "hodin", "hodin", "hodin", "hodin"),
    "problém": ("problémů", "problém", "problémy", "problémy", "problémů", "problémů", "problémů", "problémů"),
}
ENGLISH_PLURALS = {
    "klient": ("client", "clients"), "lůžko": ("bed", "beds"), "místo": ("place", "places"),
    "rodina": ("family", "families"), "osoba": ("person", "people"), "obec": ("municipality", "municipalities"),
    "hodina": ("hour", "hours"), "problém": ("problem", "problems"),
}
COUNTS = (0, 1, 2, 4, 5, 21, 22, 25)


@pytest.mark.parametrize("unit", sorted(CZECH_PLURALS))
def test_czech_plurals(unit):
    assert [fmt.count(n, "cs", unit) for n in COUNTS] == [f"{n}{NBSP}{w}" for n, w in zip(COUNTS, CZECH_PLURALS[unit], strict=True)]


@pytest.mark.parametrize("unit", sorted(ENGLISH_PLURALS))
def test_english_plurals(unit):
    one, other = ENGLISH_PLURALS[unit]
    assert [fmt.count(n, "en", unit) for n in COUNTS] == [f"{n}{NBSP}{one if n == 1 else other}" for n in COUNTS]


def test_count_takes_units_as_services_csv_writes_them_and_follows_the_number_shown():
    assert fmt.count(95, "cs", "lůžka") == f"95{NBSP}lůžek"
    assert fmt.count(3, "cs", "klienti") == f"3{NBSP}klienti"
    assert fmt.count(1.5, "cs", "lůžko", digits=1) == f"1,5{NBSP}lůžka"
    assert fmt.count(1.2, "cs", "klient") == f"1{NBSP}klient", "1,2 shown as 1: the singular"
    assert fmt.count(1234, "cs", "obec") == f"1{NBSP}234{NBSP}obcí"
    assert fmt.count(-2, "cs", "osoba") == f"{MINUS}2{NBSP}osoby"
    assert fmt.count(12, "cs", "hodiny") == f"12{NBSP}hodin"
    assert fmt.count(1.5, "cs", "hodina", digits=1) == f"1,5{NBSP}hodiny"
    assert fmt.count(12, "cs", "směny") == f"12{NBSP}směny", "an unknown unit as given"
    assert fmt.count(12, "cs", None) == "12"


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (0.3, "0,3"), (0.04, "0,0"), (4.49, "4,5"), (9.94, "9,9"), (9.96, "10"),
                                            (-3, f"{MINUS}3,0"), (12.5, "13"), (1234.4, f"1{NBSP}234")])
def test_estimates_are_never_masked_one_decimal_below_ten(value, shown):
    # need is a norm times public population, not a count of persons: "<5" would only hide the message
    assert fmt.estimate(value) == shown


@pytest.mark.parametrize(("value", "shown"), [(0, f"0{NBSP}klientů"), (1, f"<5{NBSP}klientů"), (4.6, f"<5{NBSP}klientů"), (5, f"5{NBSP}klientů"),
                                            (1234, f"1{NBSP}234{NBSP}klientů")])
def test_real_counts_mask_one_to_four_before_rounding(value, shown):
    assert fmt.real_count(value, "cs", "klient") == shown
    assert fmt.real_count(value, "en", "klient").startswith("<5") == shown.startswith("<5")


def test_dates():
    assert fmt.date(dt.date(2025, 12, 31)) == "31. 12. 2025"
    assert fmt.date(pd.Timestamp("2025-03-05"), "en") == "Mar 5, 2025"
    assert fmt.date("") == fmt.date(None) == ""


def test_tick_formatter_for_matplotlib():
    tick = fmt.ticks(fmt.percent, "cs")
    assert tick(0.25, 3) == f"25{NBSP}%"
    assert fmt.ticks(fmt.number, "en", digits=1)(1500, 0) == "1,500.0"


def test_unknown_language_is_refused():
    with pytest.raises(InvalidParameter, match="lang must be one of cs, en, got 'de'"):
        fmt.number(1, "de")


def test_no_page_module_formats_numbers_by_hand():
    """Every number of a page goes through kpwork.pages.format."""
    by_hand = re.compile(r"""\.replace\(\s*["'](?:[,.%]|\\u00a0)["']|:(?:,(?:\.\d+)?[df]?|\.\d+[f%]|%)\}""")
    offenders = []
    for path in sorted(PAGES.glob("*.py")):
        if path.name == "format.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if by_hand.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


def test_numbers_are_written_as_babel_writes_them():
    # fmt.number groups and rounds itself (a map's tooltips format thousands of numbers); babel is the reference
    import decimal
    import random

    from babel.numbers import format_decimal

    draw = random.Random(20)
    values = [0, 0.5, 999, 1000, 9999.95, 12345.678, 1_559_564.5, 10**9 + 0.25] + [draw.uniform(-1e7, 1e7) for _ in range(300)]
    for value in values:
        for lang in ("cs", "en"):
            for digits in (0, 1, 2):
                rounded = decimal.Decimal(repr(float(value))).quantize(decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP)
                expected = format_decimal(abs(rounded), format="#,##0" + ("." + "0" * digits if digits else ""), locale=lang)
                assert fmt.number(abs(value), lang, digits) == expected, (value, lang, digits)
def test_numbers_and_percentages_are_babels_own():
    """The patterns parsed once give what babel's format_decimal and format_percent give, call by call."""
    from babel.numbers import format_decimal, format_percent

    rng = np.random.default_rng(5)
    values = np.concatenate([rng.uniform(-1e7, 1e7, 300), rng.uniform(-20, 20, 300), np.round(rng.uniform(0, 100, 300), 1)])
    for lang in ("cs", "en"):
        percent_pattern = {"cs": "#,##0\u00a0%", "en": "#,##0%"}[lang]
        for digits in (0, 1, 2):
            decimals = "." + "0" * digits if digits else ""
            for v in values:
                rounded = fmt._decimal(v, digits)
                assert fmt.number(v, lang, digits) == fmt._signed(rounded, format_decimal(abs(rounded), format="#,##0" + decimals, locale=lang), sign=False)
                share = fmt._decimal(100 * v, digits)
                expected = format_percent(abs(share) / 100, format=percent_pattern.replace("#,##0", "#,##0" + decimals, 1), locale=lang)
                assert fmt.percent(v, lang, digits) == fmt._signed(share, expected, sign=False)
