"""Charts of the pages (matplotlib): age structure, need against capacity.

Each function returns a :class:`matplotlib.figure.Figure` built without
pyplot (no global state, no double display in notebooks); :func:`figure_html`
turns it into an ``<img>`` with the PNG inlined, which notebooks, exported
pages and Voilà show alike with no internet.
"""

from __future__ import annotations

import base64
import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kpwork.pages.labels import check_lang, word
from kpwork.taxonomy import SERVICE_TYPES

BAND_COLOURS = ["#a6cee3", "#1f78b4", "#fdbf6f", "#e31a1c", "#6a3d9a", "#b2df8a"]
#: DejaVu Sans ships with matplotlib and has every Czech letter.
FONT = {"font.family": "DejaVu Sans", "font.size": 10}


def age_structure(population: pd.DataFrame, names: pd.Series, *, lang: str = "cs", highlight: str | None = None) -> Figure:
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
    order = shares[bands[-1]].sort_values().index
    shares = shares.loc[order]
    height = 0.45 * len(shares) + 1.6
    fig, ax = _figure(8, height)
    left = np.zeros(len(shares))
    for band, colour in zip(bands, BAND_COLOURS, strict=False):
        ax.barh(range(len(shares)), shares[band], left=left, color=colour, label=word(band, lang) if band in ("vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus") else band)
        left += shares[band].to_numpy()
    ax.set_yticks(range(len(shares)), [names.loc[k] for k in shares.index])
    for tick, code in zip(ax.get_yticklabels(), shares.index, strict=True):
        if code == highlight:
            tick.set_fontweight("bold")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}".replace("%", " %"))
    ax.set_title(word("age_structure", lang))
    ax.set_xlabel(word("share", lang))
    _fit_margins(fig, [names.loc[k] for k in shares.index], bottom_in=1.1)
    # the legend sits 0.55 in below the axes, under the axis label, whatever the number of bars
    axes_height = height * (fig.subplotpars.top - fig.subplotpars.bottom)
    ax.legend(ncol=len(bands), loc="upper center", bbox_to_anchor=(0.5, -0.55 / axes_height), frameon=False, fontsize=9)
    return fig


def need_vs_capacity(gaps: pd.DataFrame, *, lang: str = "cs", kod_obce: str | None = None, top: int = 12) -> Figure:
    """Bars of need and reachable capacity per service type.

    Sums over the region, or over one municipality with ``kod_obce``.
    The ``top`` types with the largest need are shown.
    """
    check_lang(lang)
    rows = gaps if kod_obce is None else gaps.loc[gaps["kod_obce"] == kod_obce]
    per_type = rows.groupby("druh")[["potreba", "kapacita_dosazitelna"]].sum()
    per_type = per_type.sort_values("potreba", ascending=False).head(top).iloc[::-1]
    labels = [_short_type(d, lang) for d in per_type.index]
    y = np.arange(len(per_type))
    fig, ax = _figure(8, 0.42 * len(per_type) + 1.3)
    ax.barh(y + 0.2, per_type["potreba"], height=0.4, color="#e6550d", label=word("potreba", lang))
    ax.barh(y - 0.2, per_type["kapacita_dosazitelna"], height=0.4, color="#3182bd", label=word("kapacita_dosazitelna", lang))
    ax.set_yticks(y, labels)
    ax.set_xlabel(word("people", lang))
    ax.set_title(word("need_vs_capacity", lang))
    ax.legend(loc="lower right", frameon=False)
    _fit_margins(fig, labels)
    return fig


def _short_type(druh: str, lang: str) -> str:
    t = SERVICE_TYPES[druh]
    name = t.name if lang == "cs" else t.name_en
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
    with matplotlib.rc_context(FONT):
        fig = Figure(figsize=(width, height), dpi=100)
        ax = fig.add_subplot()
    return fig, ax


def figure_html(fig: Figure, *, alt: str = "") -> str:
    """The figure as an ``<img>`` tag with the PNG inlined (base64)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(FONT):
        fig.savefig(buffer, format="png", dpi=96, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{alt}" style="max-width:100%" src="data:image/png;base64,{data}"/>'


def coverage_by_type(gaps: pd.DataFrame, kod_obce: str, *, lang: str = "cs", top: int = 14) -> Figure:
    """Share of a municipality's need covered by reachable capacity, per service type.

    A municipality page shows shares rather than numbers of people, so that
    no count under five people of one village is published.
    """
    check_lang(lang)
    rows = gaps.loc[gaps["kod_obce"] == kod_obce].groupby("druh")[["potreba", "kapacita_dosazitelna"]].sum()
    rows = rows.sort_values("potreba", ascending=False).head(top)
    share = (rows["kapacita_dosazitelna"] / rows["potreba"]).iloc[::-1]
    fig, ax = _figure(8, 0.42 * len(share) + 1.3)
    colours = ["#1a9641" if v >= 1 else ("#d7191c" if v <= 0 else "#fdae61") for v in share]
    ax.barh(range(len(share)), share.clip(upper=2.0), color=colours)
    none = {"cs": "0 % – nedostupné", "en": "0 % – none reachable"}[lang]
    for i, v in enumerate(share):
        if v <= 0:  # an empty bar would read as "no data"
            ax.text(0.02, i, none, va="center", color="#d7191c", fontsize=9, fontweight="bold")
    ax.axvline(1.0, color="#333", linewidth=1, linestyle="--")
    ax.set_yticks(range(len(share)), [_short_type(d, lang) for d in share.index])
    ax.set_xlim(0, 2.0)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}".replace("%", " %"))
    ax.set_xlabel(word("pokryti", lang) + (" (max. 200 %)" if lang == "cs" else " (capped at 200 %)"))
    ax.set_title(word("coverage_by_type", lang))
    _fit_margins(fig, [_short_type(d, lang) for d in share.index])
    return fig
