"""Charts of the region and municipality pages (matplotlib): age structure, need against capacity.

Each function draws from a result table, with matplotlib's object API and
no pyplot (no global state, no double display in notebooks), and returns a
:class:`~kpwork.pages.element.Chart`: an ``<img>`` with the PNG inlined,
which notebooks, exported pages and Voilà show alike with no internet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpwork.pages import format as fmt

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not by the pages that import this module
    from matplotlib.figure import Figure
from kpwork.pages.classes import COVERAGE_COLOURS
from kpwork.pages.element import CHART_STYLE, Chart
from kpwork.pages.labels import GAP_STATES, check_lang, label, type_name, unit_name, unit_word, word

BAND_COLOURS = ["#a6cee3", "#1f78b4", "#fdbf6f", "#e31a1c", "#6a3d9a", "#b2df8a"]
#: Bar colour of a gap state: the map's coverage colours (ColorBrewer PuOr, colour-blind safe; no red against green).
STATE_COLOURS = {"dostatek": COVERAGE_COLOURS[-1], "nedostatek": COVERAGE_COLOURS[2], "nedostupne": COVERAGE_COLOURS[0], "jina_jednotka": "#969696"}
#: Coverage bars stop here, so that one large surplus does not squash the others.
COVERAGE_CAP = 2.0
_BANDS = ("vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus")


def age_structure(population: pd.DataFrame, names: pd.Series, *, lang: str = "cs", highlight: str | None = None) -> Chart:
    """Stacked horizontal bars: share of each age band per municipality.

    Parameters
    ----------
    population
        Index ``kod_obce``; the ``vek_*`` bands.
    names
        ``nazev`` per ``kod_obce``.
    highlight
        ``kod_obce`` whose name is set in bold.
    """
    check_lang(lang)
    bands = [c for c in population.columns if c.startswith("vek_")]
    shares = population[bands].div(population[bands].sum(axis=1), axis=0)
    shares = shares.loc[shares.index.intersection(names.index)]
    shares = shares.loc[shares[bands[-1]].sort_values().index]
    height = 0.45 * len(shares) + 1.6
    fig, ax = _figure(8, height)
    left = np.zeros(len(shares))
    for band, colour in zip(bands, BAND_COLOURS, strict=False):
        ax.barh(range(len(shares)), shares[band], left=left, color=colour, label=word(band, lang) if band in _BANDS else band)
        left += shares[band].to_numpy()
    ax.set_yticks(range(len(shares)), [names.loc[k] for k in shares.index])
    for tick, code in zip(ax.get_yticklabels(), shares.index, strict=True):
        if code == highlight:
            tick.set_fontweight("bold")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(fmt.ticks(fmt.percent, lang))
    ax.set_title(word("age_structure", lang))
    ax.set_xlabel(word("share", lang))
    _fit_margins(fig, [names.loc[k] for k in shares.index], bottom_in=1.1)
    # the legend sits 0.55 in below the axes, under the axis label, whatever the number of bars
    axes_height = height * (fig.subplotpars.top - fig.subplotpars.bottom)
    ax.legend(ncol=len(bands), loc="upper center", bbox_to_anchor=(0.5, -0.55 / axes_height), frameon=False, fontsize=9)
    return Chart(fig, alt=word("age_structure", lang))


def need_vs_capacity(per_type: pd.DataFrame, *, lang: str = "cs", top: int = 12) -> Chart:
    """Bars of need and reachable capacity per service type, each in its unit.

    Parameters
    ----------
    per_type
        One row per service type: ``druh``, ``potreba``, ``kapacita_dosazitelna``
        and ``jednotka`` (the run's ``mezery_region``, rows of the planning
        units). When the types shown are in different units, each label names
        its unit and the axis says so; one unit names the axis.
    top
        The types with the largest need shown.
    """
    check_lang(lang)
    rows = per_type.loc[per_type["potreba"].notna()].sort_values("potreba", ascending=False, kind="stable").head(top).iloc[::-1]
    units = rows["jednotka"].tolist() if "jednotka" in rows else []
    mixed = len(set(units)) > 1
    labels = [_short_type(d, lang) for d in rows["druh"]]
    if mixed:
        labels = [f"{text} ({unit_name(u, lang)})" for text, u in zip(labels, units, strict=True)]
    y = np.arange(len(rows))
    fig, ax = _figure(8, 0.42 * len(rows) + 1.3)
    ax.barh(y + 0.2, rows["potreba"], height=0.4, color="#e6550d", label=word("potreba", lang))
    ax.barh(y - 0.2, rows["kapacita_dosazitelna"], height=0.4, color="#3182bd", label=word("kapacita_dosazitelna", lang))
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(fmt.ticks(fmt.number, lang))
    ax.set_xlabel(word("in_units_of_types", lang) if mixed or not units else unit_word(units[0], lang))
    ax.set_title(word("need_vs_capacity", lang), loc="right")  # right-aligned: long type labels leave a narrow axes
    ax.legend(loc="lower right", frameon=False)
    _fit_margins(fig, labels)
    return Chart(fig, alt=word("need_vs_capacity", lang))


def coverage_by_type(per_type: pd.DataFrame, *, lang: str = "cs", top: int = 14) -> Chart:
    """Share of a municipality's need covered by reachable capacity, per service type.

    A municipality page shows shares rather than numbers of people, so that
    no count under five people of one village is published.

    Parameters
    ----------
    per_type
        One municipality's rows of the run's ``mezery_obce``: ``druh``,
        ``potreba``, ``pokryti``, ``stav``.
    top
        The types with the largest need shown.
    """
    check_lang(lang)
    rows = per_type.loc[per_type["potreba"].notna()].sort_values("potreba", ascending=False, kind="stable").head(top).iloc[::-1]
    labels = [_short_type(d, lang) for d in rows["druh"]]
    fig, ax = _figure(8, 0.42 * len(rows) + 1.3)
    ax.barh(range(len(rows)), rows["pokryti"].clip(upper=COVERAGE_CAP), color=[STATE_COLOURS[s] for s in rows["stav"]])
    none = f"{fmt.percent(0, lang)} – {label(GAP_STATES, 'nedostupne', lang)}"
    for i, state in enumerate(rows["stav"]):
        if state == "nedostupne":  # an empty bar would read as "no data"
            ax.text(0.02, i, none, va="center", color=STATE_COLOURS[state], fontsize=9, fontweight="bold")
    ax.axvline(1.0, color="#333", linewidth=1, linestyle="--")
    ax.set_yticks(range(len(rows)), labels)
    ax.set_xlim(0, COVERAGE_CAP)
    ax.xaxis.set_major_formatter(fmt.ticks(fmt.percent, lang))
    ax.set_xlabel(word("capped", lang, label=word("pokryti", lang), limit=fmt.percent(COVERAGE_CAP, lang)))
    ax.set_title(word("coverage_by_type", lang))
    _fit_margins(fig, labels)
    return Chart(fig, alt=word("coverage_by_type", lang))


def _short_type(druh: str, lang: str) -> str:
    name = type_name(druh, lang)
    if len(name) > 42:
        name = name[:40] + "…"
    return f"§{druh} {name}"


def _fit_margins(fig: Figure, labels: list[str], *, bottom_in: float = 0.55) -> None:
    """Margins from the longest y label, without the extra draw of ``tight_layout``.

    ``tight_layout`` renders the figure once more just to measure it, which
    is half the time of a chart; DejaVu Sans at 10 pt averages ~0.075 in per
    character, enough to size the left margin.
    """
    width, height = fig.get_size_inches()
    left_in = 0.25 + 0.075 * max((len(label) for label in labels), default=4)
    fig.subplots_adjust(left=min(left_in / width, 0.6), right=0.97, top=1 - 0.4 / height, bottom=bottom_in / height)


def _figure(width: float, height: float):
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(CHART_STYLE):
        fig = Figure(figsize=(width, height), dpi=100)
        ax = fig.add_subplot()
    return fig, ax
