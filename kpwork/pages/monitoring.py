"""The plan monitoring report: the monitoring notebook and its HTML page.

Every function takes the run's tables (a :class:`kpwork.results.Results` or
any mapping of ``plan_*`` names to frames, see :func:`kpwork.plan.plan_results`)
and returns a page :class:`~kpwork.pages.element.Element` (a table, a chart
or text); nothing is computed here that the run did not compute. Words come
from :data:`kpwork.pages.labels.MONITORING`, Czech (``lang="cs"``) or
English (``lang="en"``). Need and gaps are estimates and shown as such
(:func:`kpwork.pages.format.estimate`); indicators are the region's figures
as the plan reports them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt
from kpwork.pages.element import Cell, Chart, Element, Table, escape, join, paragraph
from kpwork.pages.labels import (
    ACTIVITY_STATES,
    DECISIONS,
    GAP_STATES,
    MONITORING,
    PLAN_STATES,
    SWOT,
    check_lang,
    label,
    translate,
    word,
)
from kpwork.plan.monitoring import RULES, STATES
from kpwork.taxonomy import SERVICE_TYPES, service_type_label, target_group_label

COLOURS = {"v_planu": "#2e7d32", "pozadu": "#e65100", "nevykazano": "#9e9e9e", "ceka": "#cfd8dc"}
_SWOT_BG = {"S": "#e8f5e9", "W": "#fff3e0", "O": "#e3f2fd", "T": "#fce4ec"}
#: Columns aligned right.
_NUMERIC = frozenset({"plneni", "vykazano", "cerpani", "rozpocet", "cerpano", "z_toho_obce", "vychozi", "plan", "skutecnost",
                      "zmena", "n", "n_po_terminu", "potreba", "mezera_pred", "mezera_po", "pridana_kapacita"})

_LEVELS = {
    "priority": ("plan_priority", ["priorita", "nazev", "plneni", "stav", "vykazano", "n"]),
    "opatreni": ("plan_opatreni", ["opatreni", "nazev", "skupina", "plneni", "stav", "vykazano", "n"]),
    "skupiny": ("plan_skupiny", ["skupina", "nazev", "plneni", "stav", "n", "rozpocet", "cerpano", "n_po_terminu"]),
    "indikatory": ("plan_indikatory", ["opatreni", "indikator", "nazev", "jednotka", "vychozi", "plan", "skutecnost", "zmena", "plneni", "stav"]),
}


def _t(key: str, lang: str, **fields: object) -> str:
    return translate(MONITORING, key, lang, **fields)


def _badge(code: object, lang: str) -> Element:
    colour = COLOURS.get(code, "#eeeeee")
    text = "#ffffff" if code in ("v_planu", "pozadu", "nevykazano") else "#263238"
    return Element(f'<span style="background:{colour};color:{text};padding:1px 6px;border-radius:3px;white-space:nowrap">'
                   f"{escape(label(PLAN_STATES, code, lang))}</span>")


def _yes(value: object) -> bool | None:
    return None if fmt.missing(value) or value == "" else str(value).lower() in ("true", "1")


def _cells(lang: str) -> dict[str, Cell]:
    """How each column of the plan tables shows its values."""
    def share(v):
        return fmt.percent(v, lang)

    def amount(v):
        return fmt.number(v, lang, 0 if fmt.missing(v) or float(v).is_integer() else 1)

    def estimate(v):
        return fmt.estimate(v, lang)

    def overdue(v):
        yes = _yes(v)
        text = fmt.MISSING if yes is None else word("yes" if yes else "no", lang)
        return Element(f'<b style="color:#c62828">{text}</b>') if yes else text

    def in_time(v):
        yes = _yes(v)
        return fmt.MISSING if yes is None else word("yes" if yes else "no", lang)

    def gap_state(s):
        return label(GAP_STATES, s, lang)

    return {
        "plneni": share, "vykazano": share, "cerpani": share,
        **dict.fromkeys(("rozpocet", "cerpano", "z_toho_obce", "vychozi", "plan", "skutecnost", "zmena", "n", "n_po_terminu", "pridana_kapacita"), amount),
        "potreba": estimate, "mezera_pred": estimate, "mezera_po": estimate,
        "stav": lambda s: _badge(s, lang), "stav_pred": gap_state, "stav_po": gap_state,
        "po_terminu": overdue, "v_terminu": in_time,
        "termin": lambda d: fmt.date(d, lang), "datum": lambda d: fmt.date(d, lang),
    }


def table(frame: pd.DataFrame, columns: list[str], *, lang: str = "cs", cells: Mapping[str, Cell] | None = None) -> Table:
    """Columns of a plan table with the report's headers and cell formats (``cells`` adds or overrides).

    Examples
    --------
    >>> t = pd.DataFrame({"opatreni": ["1.1"], "plneni": [0.5]})
    >>> "50\\xa0%" in str(table(t, ["opatreni", "plneni"]))
    True
    """
    check_lang(lang)
    shown = frame[columns]
    headers = {c: _t(c, lang) if c in MONITORING else c for c in columns}
    return Table(shown, lang=lang, headers=headers, cells={**_cells(lang), **(cells or {})}, numeric=_NUMERIC.intersection(columns))


def _get(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    return tables[name] if name in tables else None


def _no_plan(lang: str) -> Element:
    return paragraph(_t("no_plan", lang), italic=True)


def _year(frame: pd.DataFrame, rok: int) -> pd.DataFrame:
    return frame.loc[frame["rok"].astype("Int64") == int(rok)]


# --- summary and fulfilment ------------------------------------------------------------------


def overview(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Element:
    """Headline figures of one year: fulfilment of the plan, indicators, money, overdue activities.

    Examples
    --------
    >>> "nemá" in str(overview({}, 2025))
    True
    """
    check_lang(lang)
    total = _get(tables, "plan_celkem")
    if total is None:
        return _no_plan(lang)
    row = _year(total, rok)
    if row.empty:
        return paragraph(_t("no_year", lang, rok=rok), italic=True)
    r = row.iloc[0]
    counts = ", ".join(f"{label(PLAN_STATES, s, lang)} {fmt.number(r[f'n_indikatoru_{s}'], lang)}" for s in STATES)
    items = [
        (_t("fulfilment_in", lang, rok=rok), f"{escape(fmt.percent(r['plneni'], lang))} {_badge(r['stav'], lang)}"),
        (_t("indicators", lang), escape(counts)),
        (_t("budget_spent", lang), escape(f"{fmt.number(r['rozpocet'], lang)} / {fmt.money(r['cerpano'], lang)}")),
        (_t("of_municipalities", lang), escape(fmt.money(r["z_toho_obce"], lang))),
        (_t("activities_overdue", lang), escape(f"{fmt.number(r['n_aktivit'], lang)} / {fmt.number(r['n_po_terminu'], lang)}")),
    ]
    body = "".join(f'<tr><th style="text-align:left">{escape(k)}</th><td style="text-align:right">{v}</td></tr>' for k, v in items)
    note = _t("rule", lang, share=fmt.percent(RULES.on_track, lang))
    return Element(f'<table class="kp-table kp-facts">{body}</table><p class="kp-note" style="font-size:12px;color:#546e7a">{escape(note)}</p>')


def fulfilment_table(tables: Mapping[str, pd.DataFrame], level: str, rok: int, *, lang: str = "cs") -> Element:
    """Fulfilment in one year at one level.

    Parameters
    ----------
    tables
        The run's tables.
    level
        One of:

        - ``"priority"``: priorities (mean of their measures);
        - ``"opatreni"``: measures (weighted mean of their indicators);
        - ``"skupiny"``: working groups, with budget and overdue activities;
        - ``"indikatory"``: every indicator with plan, actual and change.
    rok
        The year.
    lang
        ``"cs"`` or ``"en"``.

    Raises
    ------
    InvalidParameter
        For an unknown ``level`` or ``lang``.

    Examples
    --------
    >>> t = {"plan_priority": pd.DataFrame({"priorita": ["1"], "nazev": ["Péče"], "rok": [2025],
    ...      "plneni": [0.95], "stav": ["v_planu"], "vykazano": [1.0], "n": [2]})}
    >>> "v plánu" in str(fulfilment_table(t, "priority", 2025))
    True
    """
    check_lang(lang)
    if level not in _LEVELS:
        raise InvalidParameter(f"level must be one of {', '.join(_LEVELS)}, got '{level}'")
    name, columns = _LEVELS[level]
    frame = _get(tables, name)
    if frame is None:
        return _no_plan(lang)
    return table(_year(frame, rok), columns, lang=lang)


def fulfilment_chart(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Element:
    """Horizontal bars: fulfilment of each measure in one year, coloured by state.

    The dashed line marks the on-track threshold, the solid one 100 %.
    """
    check_lang(lang)
    frame = _get(tables, "plan_opatreni")
    if frame is None:
        return _no_plan(lang)
    frame = _year(frame, rok).iloc[::-1]
    fig = Figure(figsize=(9, 0.45 * len(frame) + 1.4), layout="constrained")
    ax = fig.subplots()
    labels = [f"{o} {_short(n)}" for o, n in zip(frame["opatreni"], frame["nazev"], strict=True)]
    values = frame["plneni"].astype(float).fillna(0)
    ax.barh(labels, values, color=[COLOURS.get(s, "#eeeeee") for s in frame["stav"]])
    for y, (v, s) in enumerate(zip(frame["plneni"], frame["stav"], strict=True)):
        text = label(PLAN_STATES, s, lang) if fmt.missing(v) else fmt.percent(v, lang)
        ax.text(0.02 if fmt.missing(v) else float(v) + 0.01, y, text, va="center", fontsize=9)
    ax.axvline(RULES.on_track, color="#455a64", linestyle="--", linewidth=1)
    ax.axvline(1.0, color="#455a64", linewidth=1)
    ax.set_xlim(0, max(1.25, float(values.max()) + 0.15))
    ax.xaxis.set_major_formatter(fmt.ticks(fmt.percent, lang))
    ax.set_xlabel(_t("fulfilment_axis", lang))
    handles = [Patch(color=COLOURS[s], label=label(PLAN_STATES, s, lang)) for s in STATES]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize=9)
    return _chart(fig, ax, _t("measures_in", lang, rok=rok))


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def trend_chart(tables: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> Element:
    """Grouped bars: fulfilment of each priority in each year of the plan."""
    check_lang(lang)
    frame = _get(tables, "plan_priority")
    if frame is None:
        return _no_plan(lang)
    wide = frame.pivot_table(index="priorita", columns="rok", values="plneni", aggfunc="first").sort_index()
    names = frame.drop_duplicates("priorita").set_index("priorita")["nazev"]
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / max(1, len(wide.columns))
    shades = ["#90a4ae", "#1565c0", "#0d47a1", "#002171"]
    for k, year in enumerate(wide.columns):
        xs = [i + (k - (len(wide.columns) - 1) / 2) * width for i in range(len(wide))]
        ax.bar(xs, wide[year].astype(float).fillna(0), width, label=str(year), color=shades[k % len(shades)])
    ax.set_xticks(range(len(wide)), [textwrap.fill(f"{p}. {names.get(p, '')}", 32, max_lines=3, placeholder=" …") for p in wide.index], fontsize=9)
    ax.axhline(RULES.on_track, color="#455a64", linestyle="--", linewidth=1)
    ax.yaxis.set_major_formatter(fmt.ticks(fmt.percent, lang))
    ax.set_ylabel(_t("fulfilment_axis", lang))
    ax.set_ylim(0, 1.1)
    ax.legend(frameon=False, fontsize=9)
    return _chart(fig, ax, _t("priorities_by_year", lang))


def _chart(fig: Figure, ax, title: str) -> Chart:
    """The report's look: the title on the left, no top and right frame."""
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return Chart(fig, alt=title)


# --- money and the action plan ---------------------------------------------------------------


def budget_table(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Element:
    """Budget, spending and the municipalities' share per measure in one year, with the year's total."""
    check_lang(lang)
    frame, total = _get(tables, "plan_rozpocet"), _get(tables, "plan_celkem")
    if frame is None or total is None:
        return _no_plan(lang)
    year = _year(total, rok)[["rozpocet", "cerpano", "z_toho_obce"]].assign(priorita="", opatreni=_t("total", lang), zdroje="")
    frame = pd.concat([_year(frame, rok), year], ignore_index=True)
    return table(frame, ["priorita", "opatreni", "rozpocet", "cerpano", "cerpani", "z_toho_obce", "zdroje"], lang=lang)


def budget_chart(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Element:
    """Bars of budget and spending per priority in one year (thousands of Kč)."""
    check_lang(lang)
    frame = _get(tables, "plan_rozpocet")
    if frame is None:
        return _no_plan(lang)
    g = _year(frame, rok).groupby("priorita")[["rozpocet", "cerpano"]].sum(min_count=1) / 1000
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.subplots()
    xs = range(len(g))
    ax.bar([x - 0.2 for x in xs], g["rozpocet"].fillna(0), 0.4, label=_t("rozpocet", lang), color="#90a4ae")
    ax.bar([x + 0.2 for x in xs], g["cerpano"].fillna(0), 0.4, label=_t("cerpano", lang), color="#1565c0")
    ax.set_xticks(list(xs), [_t("priority_n", lang, priorita=p) for p in g.index])
    ax.yaxis.set_major_formatter(fmt.ticks(fmt.number, lang))
    ax.set_ylabel(_t("thousand_czk", lang))
    ax.legend(frameon=False, fontsize=9)
    return _chart(fig, ax, _t("budget_in", lang, rok=rok))


def action_plan_table(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Element:
    """The action plan of one year: activities with provider, deadline, state, money; overdue in red."""
    check_lang(lang)
    frame = _get(tables, "plan_akcni_plan")
    if frame is None:
        return _no_plan(lang)
    frame = _year(frame, rok).assign(stav_aktivity=lambda f: f["stav"])
    columns = ["aktivita", "nazev", "skupina", "poskytovatel", "termin", "stav_aktivity", "rozpocet", "cerpano", "cerpani", "zdroj", "po_terminu"]
    state = {"stav_aktivity": lambda s: label(ACTIVITY_STATES, s, lang, default=_t("not_given", lang))}
    return table(frame, columns, lang=lang, cells=state)


# --- SWOT, gaps, comments --------------------------------------------------------------------


def swot_quadrants(tables: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> Element:
    """SWOT of each working group as four quadrants: S | W over O | T."""
    check_lang(lang)
    frame = _get(tables, "plan_swot")
    if frame is None:
        return _no_plan(lang)
    parts = []
    for (_, name), group in frame.groupby(["skupina", "nazev"], sort=False):
        cells = {}
        for code in SWOT:
            items = "".join(f"<li>{escape(t)}</li>" for t in group.loc[group["typ"] == code, "text"])
            cells[code] = (f'<td style="width:50%;vertical-align:top;text-align:left;padding:8px 12px;background:{_SWOT_BG[code]};border:2px solid #ffffff">'
                           f'<b>{escape(translate(SWOT, code, lang))} ({code})</b><ul style="margin:4px 0 0 0;padding-left:18px;text-align:left">{items}</ul></td>')
        parts.append(Element(f'<h4 style="margin:14px 0 4px 0">{escape(name)}</h4>'
                             f'<table style="border-collapse:collapse;width:100%;max-width:900px;font-size:13px">'
                             f'<tr>{cells["S"]}{cells["W"]}</tr><tr>{cells["O"]}{cells["T"]}</tr></table>'))
    return join(parts)


def gap_table(tables: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> Element:
    """Measures that add capacity: gap before and after in each municipality they reach."""
    check_lang(lang)
    frame = _get(tables, "plan_mezery_opatreni")
    if frame is None:
        return _no_plan(lang)
    frame = frame.assign(obec=frame["nazev"].fillna(frame["kod_obce"]))
    columns = ["opatreni", "druh", "obec", "cilova_skupina", "potreba", "mezera_pred", "pridana_kapacita", "mezera_po", "stav_pred", "stav_po"]
    return table(frame, columns, lang=lang, cells={
        "druh": lambda d: service_type_label(d, lang) if d in SERVICE_TYPES else d,
        "cilova_skupina": lambda c: target_group_label(c, lang) if isinstance(c, str) and c else "",
    })


def comments_table(tables: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> Element:
    """Public comments on the draft with their decisions, after a line on the comment period and outcome."""
    check_lang(lang)
    frame = _get(tables, "plan_pripominky")
    if frame is None:
        return _no_plan(lang)
    if frame.empty:
        return paragraph(_t("no_comments", lang), italic=True)
    counts = frame["rozhodnuti"].value_counts()
    outcome = ", ".join(f"{label(DECISIONS, k, lang)} {fmt.number(counts[k], lang)}" for k in DECISIONS if k in counts)
    first, last = frame["zverejneni_navrhu"].iloc[0], frame["konec_pripominek"].iloc[0]
    summary = _t("comments", lang, n=fmt.number(len(frame), lang), outcome=outcome)
    if not fmt.missing(first):
        summary = f"{_t('comment_period', lang, start=fmt.date(first, lang), end=fmt.date(last, lang))} {summary}"
    columns = ["cislo", "datum", "autor", "opatreni", "text", "rozhodnuti", "zduvodneni", "v_terminu"]
    decision = {"rozhodnuti": lambda k: label(DECISIONS, k, lang, default=str(k))}
    return paragraph(summary) + table(frame, columns, lang=lang, cells=decision)
