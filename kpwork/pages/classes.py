"""Classes of a choropleth: rounded breaks a reader can say aloud, colour-blind safe palettes.

Counts (need, shortfall) are estimates of people, beds or families, so their
classes are whole numbers (``1–10``, ``11–50``, ``51 a více``) found by
Fisher–Jenks natural breaks (:func:`fisher_jenks`, checked against
``mapclassify``) on the rounded values and
rounded up to 1, 2, 2.5 or 5 times a power of ten; values between 0 and 1
have a class of their own (``méně než 1``), so that the need of a rare type
does not vanish. Coverage has fixed classes in percent (``méně než 25 %`` up
to ``100 % a více``), judged on the percentage as tables show it.

Palettes are ColorBrewer schemes that colour-blind readers tell apart
(sequential, or diverging orange–purple; no red–green scale).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpwork.pages import format as fmt
from kpwork.pages.labels import word

#: Shortfall: ColorBrewer YlOrRd; the first colour is "nothing missing".
SHORTFALL_COLOURS = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
#: Need: ColorBrewer Blues; the first colour is "no need".
NEED_COLOURS = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
#: Coverage: ColorBrewer PuOr, orange for poorly covered, purple for fully covered.
COVERAGE_COLOURS = ("#b35806", "#e08214", "#fdb863", "#fee0b6", "#8073ac")
#: Lower bounds (whole percent) of the coverage classes after the first.
COVERAGE_BOUNDS = (25, 50, 75, 100)
#: Colour of a municipality with no value (coverage where there is no need).
NO_DATA_COLOUR = "#d9d9d9"
#: Distinct values up to which breaks are Fisher–Jenks (exact, quadratic time); quantiles above.
_FISHER_JENKS_MAX = 400
#: Steps of round class bounds, times a power of ten.
_NICE = (1, 2, 2.5, 5, 10)


@dataclass(frozen=True)
class Classes:
    """The colour of each value and the legend rows ``(text, colour)``, in order."""

    colours: pd.Series
    legend: list[tuple[str, str]]


def nice_ceiling(value: float) -> int:
    """The smallest round number (1, 2, 2.5 or 5 times a power of ten, whole) not below ``value``.

    Examples
    --------
    >>> [nice_ceiling(v) for v in (3, 8.5, 13, 37, 372, 2600)]
    [3, 9, 20, 50, 500, 5000]
    """
    if value <= 10:
        return math.ceil(value)
    power = 10 ** math.floor(math.log10(value))
    return next(int(math.ceil(step * power)) for step in _NICE if step * power >= value)


def count_bounds(values: pd.Series, *, k: int = 4) -> list[int]:
    """Upper bounds of at most ``k`` whole-number classes of the values from 1 up (the last is the maximum).

    Examples
    --------
    >>> count_bounds(pd.Series([0.4, 1, 3, 8, 12, 40, 45, 372, 380]))
    [3, 20, 50, 380]
    >>> count_bounds(pd.Series([2.2, 5, 5]))
    [2, 5]
    """
    whole = np.floor(values[values >= 1].astype(float) + 0.5).astype(int)
    distinct = sorted(set(whole.tolist()))
    if len(distinct) <= k:
        return distinct
    numbers = np.asarray(whole, dtype=float)
    breaks = fisher_jenks(numbers, k) if len(distinct) <= _FISHER_JENKS_MAX else np.quantile(numbers, np.linspace(0, 1, k + 1)[1:])
    top = distinct[-1]
    bounds = sorted({nice_ceiling(b) for b in breaks[:-1] if nice_ceiling(b) < top})
    return [*bounds, top]


def fisher_jenks(values: np.ndarray, k: int) -> list[float]:
    """Upper bounds of the ``k`` classes of Fisher's exact optimal grouping (Jenks natural breaks).

    The classes minimise the sum of squared deviations from their means, as
    ``mapclassify.FisherJenks(values, k)`` does (a test checks that both
    groupings are equally tight; where two are, either may be chosen),
    without importing mapclassify and scipy into every page's kernel, which
    costs seconds on a busy meeting laptop.

    Notes
    -----
    Fisher, W. D. (1958). On grouping for maximum homogeneity. *Journal of the
    American Statistical Association* 53(284), 789–798. Dynamic programming
    over the m distinct sorted values, weighted by their counts, O(k m²).

    Examples
    --------
    >>> fisher_jenks(np.array([1, 2, 3, 10, 11, 40.0]), 3)
    [3.0, 11.0, 40.0]
    """
    # over the distinct values, weighted by how often each occurs: exact (equal values are never
    # better apart), and a country's 6,258 whole numbers are a few hundred distinct ones
    x, weight = np.unique(np.asarray(values, dtype=float), return_counts=True)
    n = len(x)
    k = min(k, n)
    count = np.concatenate([[0], np.cumsum(weight)])
    first = np.concatenate([[0.0], np.cumsum(weight * x)])
    second = np.concatenate([[0.0], np.cumsum(weight * x * x)])
    cost = np.full((k + 1, n + 1), np.inf)
    cost[0, 0] = 0.0
    start = np.zeros((k + 1, n + 1), dtype=int)
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            i = np.arange(c - 1, j)  # the class is x[i:j]
            size = count[j] - count[i]
            spread = (second[j] - second[i]) - (first[j] - first[i]) ** 2 / size
            total = cost[c - 1, i] + spread
            best = int(np.argmin(total))
            cost[c, j], start[c, j] = total[best], i[best]
    bounds, j = [], n
    for c in range(k, 0, -1):
        bounds.append(float(x[j - 1]))
        j = start[c, j]
    return bounds[::-1]


def count_classes(values: pd.Series, colours: Sequence[str], *, zero: str, lang: str = "cs") -> Classes:
    """Whole-number classes of a count (need or shortfall); ``zero`` names the first class (0 or less).

    Examples
    --------
    >>> c = count_classes(pd.Series([-2.0, 0.3, 4, 60]), SHORTFALL_COLOURS, zero="nic nechybí")
    >>> [text for text, _ in c.legend]
    ['nic nechybí', 'méně než 1', '1–4', '5 a více']
    >>> c.colours.tolist() == [SHORTFALL_COLOURS[0], *c.colours.tolist()[1:]]
    True
    """
    numbers = values.astype(float)
    bounds = count_bounds(numbers)
    small = bool(((numbers > 0) & (numbers < 1)).any())
    n_classes = len(bounds) + small
    picks = [colours[i] for i in np.linspace(len(colours) - n_classes, len(colours) - 1, n_classes).round().astype(int)] if n_classes else []
    legend = [(zero, colours[0])]
    if small:
        legend.append((word("less_than", lang, n=fmt.number(1, lang)), picks[0]))
    lower = 1
    for i, upper in enumerate(bounds):
        last = i == len(bounds) - 1 and i > 0 and upper > lower
        text = word("or_more", lang, n=fmt.number(lower, lang)) if last else _range(lower, upper, lang)
        legend.append((text, picks[small + i]))
        lower = upper + 1

    def colour(v: float) -> str:
        if not np.isfinite(v):
            return NO_DATA_COLOUR
        if v <= 0:
            return colours[0]
        if v < 1:
            return picks[0]
        whole = math.floor(v + 0.5)
        return picks[small + next(i for i, b in enumerate(bounds) if whole <= b)]

    return Classes(numbers.map(colour), legend)


def _range(lower: int, upper: int, lang: str) -> str:
    return fmt.number(lower, lang) if lower == upper else f"{fmt.number(lower, lang)}–{fmt.number(upper, lang)}"


def coverage_classes(shares: pd.Series, *, lang: str = "cs") -> Classes:
    """Fixed coverage classes in whole percent as tables show them (``99,6 %`` reads ``100 %``: fully covered).

    Examples
    --------
    >>> c = coverage_classes(pd.Series([0.1, 0.996, float("nan")]))
    >>> [text for text, _ in c.legend]
    ['méně než 25\\xa0%', '25–49\\xa0%', '50–74\\xa0%', '75–99\\xa0%', '100\\xa0% a více']
    >>> c.colours.tolist() == [COVERAGE_COLOURS[0], COVERAGE_COLOURS[-1], NO_DATA_COLOUR]
    True
    """
    legend = [(word("less_than", lang, n=fmt.percent(COVERAGE_BOUNDS[0] / 100, lang)), COVERAGE_COLOURS[0])]
    for lower, upper, colour in zip(COVERAGE_BOUNDS[:-1], COVERAGE_BOUNDS[1:], COVERAGE_COLOURS[1:], strict=False):
        legend.append((f"{fmt.number(lower, lang)}–{fmt.percent((upper - 1) / 100, lang)}", colour))
    legend.append((word("or_more", lang, n=fmt.percent(COVERAGE_BOUNDS[-1] / 100, lang)), COVERAGE_COLOURS[-1]))

    def colour(share: float) -> str:
        if share is None or not np.isfinite(share):
            return NO_DATA_COLOUR
        percent = math.floor(100 * share + 0.5)
        return COVERAGE_COLOURS[sum(percent >= b for b in COVERAGE_BOUNDS)]

    return Classes(shares.astype(float).map(colour), legend)
