"""Numbers, money, shares, counts and dates as the pages show them, Czech or English.

The one place that turns a value into page text, built on babel's CLDR data:
Czech ``1 559 564,5`` (no-break space between thousands, decimal comma),
English ``1,559,564.5``. Every function returns ``"–"`` for a missing value
(None, NaN, ``pd.NA``, infinity) and writes a negative number with the minus
sign U+2212 (``−12``), which does not break from its number at a line end.
Halves round up (``2,5`` -> ``3``), as a reader rounds.

Result CSV for Excel are not page text: :mod:`kpwork.results` writes them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
from collections.abc import Callable
from numbers import Real

import pandas as pd
from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_currency, parse_pattern

from kpwork.disclosure import SMALL, is_small
from kpwork.pages.labels import UNITS, check_lang, unit_key

#: How a page shows a missing value.
MISSING = "–"
#: The minus sign of negative numbers (U+2212).
MINUS = "\u2212"
_NBSP = "\u00a0"
#: Money patterns: whole crowns, the currency after the amount.
_MONEY = {"cs": f"#,##0{_NBSP}¤", "en": f"#,##0{_NBSP}¤¤"}


@functools.cache
def _locale(lang: str) -> Locale:
    """The babel locale of ``lang``, parsed once (a page formats thousands of numbers)."""
    return Locale.parse(lang)


@functools.cache
def _pattern(text: str) -> NumberPattern:
    """A CLDR number pattern, parsed once: what babel's ``format_decimal``/``format_percent`` parse on every call."""
    return parse_pattern(text)


def missing(value: object) -> bool:
    """Whether a value shows as ``"–"``: None, NaN, ``pd.NA``, ``NaT`` or infinity.

    Examples
    --------
    >>> [missing(v) for v in (None, float("nan"), pd.NA, float("inf"), 0, "")]
    [True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, Real):
        return not math.isfinite(value)
    return False


def _decimal(value: Real, digits: int) -> decimal.Decimal:
    """``value`` rounded half up to ``digits`` decimals, without float noise (0.125 -> 0.13)."""
    quantum = decimal.Decimal(1).scaleb(-digits)
    return decimal.Decimal(repr(float(value))).quantize(quantum, rounding=decimal.ROUND_HALF_UP)


def _signed(rounded: decimal.Decimal, text: str, *, sign: bool) -> str:
    if rounded < 0:
        return MINUS + text
    return ("+" + text) if sign and rounded > 0 else text


def number(value: Real | None, lang: str = "cs", digits: int = 0, *, sign: bool = False) -> str:
    """A number with ``digits`` decimals and grouped thousands.

    Parameters
    ----------
    value
        Any real number; missing values give ``"–"``.
    lang
        ``"cs"`` (``1 234,5``) or ``"en"`` (``1,234.5``).
    digits
        Decimals shown, rounded half up.
    sign
        Also mark positive numbers with ``+`` (a difference).

    Examples
    --------
    >>> number(1559564.5)
    '1\\xa0559\\xa0565'
    >>> number(-1234.56, "cs", 1), number(1234.56, "en", 1)
    ('−1\\xa0234,6', '1,234.6')
    >>> number(250, sign=True), number(-0.004, digits=2), number(float("nan"))
    ('+250', '0,00', '–')
    """
    check_lang(lang)
    if missing(value):
        return MISSING
    rounded = _decimal(value, digits)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return _signed(rounded, _pattern(pattern).apply(abs(rounded), _locale(lang)), sign=sign)


def money(value: Real | None, lang: str = "cs", *, sign: bool = False) -> str:
    """An amount in whole crowns: Czech ``1 559 564 Kč``, English ``1,559,564 CZK``.

    Examples
    --------
    >>> money(1559564)
    '1\\xa0559\\xa0564\\xa0Kč'
    >>> money(1559564.4, "en"), money(-300), money(None)
    ('1,559,564\\xa0CZK', '−300\\xa0Kč', '–')
    """
    check_lang(lang)
    if missing(value):
        return MISSING
    rounded = _decimal(value, 0)
    text = format_currency(abs(rounded), "CZK", format=_MONEY[lang], locale=lang, currency_digits=False)
    return _signed(rounded, text, sign=sign)


def percent(share: Real | None, lang: str = "cs", digits: int = 0) -> str:
    """A share (``0.98``) as a percentage: Czech ``98 %``, English ``98%``.

    Examples
    --------
    >>> percent(0.98), percent(0.98, "en"), percent(0.1234, "cs", 1)
    ('98\\xa0%', '98%', '12,3\\xa0%')
    >>> percent(-0.05), percent(float("inf"))
    ('−5\\xa0%', '–')
    """
    check_lang(lang)
    if missing(share):
        return MISSING
    rounded = _decimal(100 * float(share), digits)
    pattern = _locale(lang).percent_formats[None].pattern
    if digits:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return _signed(rounded, _pattern(pattern).apply(abs(rounded) / 100, _locale(lang)), sign=False)


def count(n: Real | None, lang: str = "cs", unit: str = "osoba", *, digits: int = 0) -> str:
    """A count with its unit in the right plural: ``1 klient``, ``2 klienti``, ``5 klientů``.

    A no-break space keeps the number with its unit.

    Parameters
    ----------
    n
        The count (a capacity may have decimals: ``1,5 lůžka``).
    unit
        A unit of :data:`kpwork.pages.labels.UNITS` by its Czech singular
        (``"klient"``, ``"lůžko"``, ``"místo"``, ``"rodina"``, ``"osoba"``,
        ``"obec"``, ...) or any of its Czech forms (``"lůžka"``, as
        ``services.csv`` writes units). An unknown unit is written after the
        number as given, a missing one left out.
    digits
        Decimals shown; the plural follows the number as shown.

    Examples
    --------
    >>> [count(n, "cs", "klient").replace("\xa0", " ") for n in (1, 2, 5)]
    ['1 klient', '2 klienti', '5 klientů']
    >>> count(1.5, "cs", "lůžka", digits=1), count(1, "en", "rodina"), count(2, "en", "osoba")
    ('1,5\xa0lůžka', '1\xa0family', '2\xa0people')
    """
    shown = number(n, lang, digits)
    if shown == MISSING:
        return MISSING
    if not isinstance(unit, str) or not unit.strip():
        return shown
    key = unit_key(unit)
    if key is None:
        return f"{shown}{_NBSP}{unit.strip()}"
    rounded = _decimal(n, digits)
    value = int(rounded) if digits == 0 else rounded
    form = _locale(lang).plural_form(abs(value))
    forms = UNITS[key][lang]
    return f"{shown}{_NBSP}{forms.get(form, forms['other'])}"


def estimate(value: Real | None, lang: str = "cs") -> str:
    """A modelled number of people (need, shortfall): an estimate, never masked.

    Need is a norm times the public ČSÚ population, not a count of persons
    (``docs/method.md``, *Ochrana malých počtů*). Whole people from 10 up;
    below 10 one decimal, so that the need of a rare type reads as the
    estimate it is (``0,3``); zero is ``0``, a surplus keeps its minus sign.

    Examples
    --------
    >>> [estimate(v) for v in (0, 0.34, 3.25, -2, 9.96, 1234.4)]
    ['0', '0,3', '3,3', '−2,0', '10', '1\\xa0234']
    """
    if missing(value):
        return MISSING
    if value == 0:
        return number(0, lang)
    return number(value, lang, 1 if abs(_decimal(value, 1)) < 10 else 0)


def real_count(n: Real | None, lang: str = "cs", unit: str = "osoba", *, threshold: int = SMALL) -> str:
    """A count of real people of one municipality (clients, respondents) as a public page may show it.

    1 to ``threshold - 1`` becomes ``<5`` with its unit, judged on the raw
    value before rounding (:func:`kpwork.disclosure.is_small`); other counts
    as :func:`count`.

    Examples
    --------
    >>> [real_count(n, "cs", "klient").replace("\xa0", " ") for n in (0, 4.6, 12)]
    ['0 klientů', '<5 klientů', '12 klientů']
    """
    if is_small(n, threshold=threshold):
        return "<" + count(threshold, lang, unit)
    return count(n, lang, unit)


def estimate_count(value: Real | None, lang: str = "cs", unit: str | None = None) -> str:
    """A modelled quantity (need, shortfall) with its unit, rounded as :func:`estimate` rounds it; never masked.

    Examples
    --------
    >>> [estimate_count(v, "cs", "lůžka").replace("\\xa0", " ") for v in (0.3, 12, None)]
    ['0,3 lůžka', '12 lůžek', '–']
    >>> estimate_count(2, "en", "rodiny").replace("\\xa0", " ")
    '2.0 families'
    """
    if missing(value) or not unit:
        return estimate(value, lang)
    digits = 0 if value == 0 or abs(_decimal(value, 1)) >= 10 else 1
    return count(value, lang, unit, digits=digits)


def date(value: dt.date | str | None, lang: str = "cs") -> str:
    """A date: Czech ``31. 12. 2025``, English ``Dec 31, 2025``; blank stays blank.

    Examples
    --------
    >>> date("2025-12-31"), date(dt.date(2025, 12, 31), "en"), date(None)
    ('31. 12. 2025', 'Dec 31, 2025', '')
    """
    check_lang(lang)
    if missing(value) or value == "":
        return ""
    return format_date(pd.Timestamp(value).date(), format="medium", locale=lang)


def ticks(formatter: Callable[..., str], lang: str = "cs", **options) -> Callable[[float, int], str]:
    """A matplotlib tick formatter from one of the functions above.

    Examples
    --------
    >>> ticks(percent, "cs")(0.5, 0)
    '50\\xa0%'
    """
    return lambda value, _position: formatter(value, lang, **options)
