"""Rendering the plan monitoring for the monitoring notebook and its HTML report.

Every function takes the run's tables (a :class:`kpwork.results.Results` or
any mapping of ``plan_*`` names to frames, see :func:`kpwork.plan.plan_results`)
and returns an :class:`Html` fragment or a matplotlib ``Figure``; nothing is
computed here that the run did not compute. Labels are Czech (``lang="cs"``)
or English (``lang="en"``). Counts of people under 5 in one municipality are
shown as ``<5``.
"""

from __future__ import annotations

import html
import io
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from kpwork.config import THRESHOLDS
from kpwork.errors import InvalidParameter
from kpwork.plan.inputs import ACTIVITY_STATES, DECISIONS, SWOT_TYPES
from kpwork.plan.monitoring import RULES, STATES
from kpwork.taxonomy import SERVICE_TYPES, target_group_label

LANGS = ("cs", "en")
COLOURS = {"v_planu": "#2e7d32", "pozadu": "#e65100", "nevykazano": "#9e9e9e", "ceka": "#cfd8dc"}
_SWOT_EN = {"S": "strengths", "W": "weaknesses", "O": "opportunities", "T": "threats"}
_SWOT_BG = {"S": "#e8f5e9", "W": "#fff3e0", "O": "#e3f2fd", "T": "#fce4ec"}
_ACTIVITY_EN = {"nezahajeno": "not started", "probiha": "in progress", "splneno": "done", "odlozeno": "postponed", "zruseno": "cancelled"}
_DECISION_EN = {"prijato": "accepted", "castecne_prijato": "partly accepted", "zamitnuto": "rejected",
                "vzato_na_vedomi": "noted", "nevyporadano": "not decided"}
_GAP_STATES = {"dostatek": ("dostatek", "enough"), "nedostatek": ("nedostatek", "shortage"), "nedostupne": ("nedostupné", "unavailable")}

#: Column headers: column -> (Czech, English).
HEADERS: dict[str, tuple[str, str]] = {
    "priorita": ("Priorita", "Priority"), "opatreni": ("Opatření", "Measure"), "aktivita": ("Aktivita", "Activity"),
    "skupina": ("Pracovní skupina", "Working group"), "indikator": ("Kód", "Code"), "nazev": ("Název", "Name"),
    "jednotka": ("Jednotka", "Unit"), "vychozi": ("Výchozí hodnota", "Baseline"), "plan": ("Plán", "Planned"),
    "skutecnost": ("Skutečnost", "Actual"), "zmena": ("Změna proti výchozí", "Change from baseline"),
    "plneni": ("Plnění", "Fulfilment"), "stav": ("Stav", "State"), "vykazano": ("Vykázáno", "Reported"),
    "n": ("Počet", "Count"), "poskytovatel": ("Realizátor", "Provider"), "termin": ("Termín", "Deadline"),
    "rozpocet": ("Rozpočet (Kč)", "Budget (CZK)"), "cerpano": ("Čerpáno (Kč)", "Spent (CZK)"),
    "cerpani": ("Čerpání", "Spent share"), "z_toho_obce": ("Z toho obce (Kč)", "Of which municipalities (CZK)"),
    "zdroj": ("Zdroj financování", "Funding source"), "zdroje": ("Zdroje financování", "Funding sources"),
    "po_terminu": ("Po termínu", "Overdue"), "druh": ("Druh služby", "Service type"), "kod_obce": ("Kód obce", "Municipality code"),
    "obec": ("Obec", "Municipality"), "cilova_skupina": ("Cílová skupina", "Target group"), "potreba": ("Potřeba", "Need"),
    "mezera_pred": ("Mezera před", "Gap before"), "pridana_kapacita": ("Přidaná kapacita", "Added capacity"),
    "mezera_po": ("Mezera po", "Gap after"), "stav_pred": ("Stav před", "State before"), "stav_po": ("Stav po", "State after"),
    "cislo": ("Č.", "No."), "datum": ("Datum", "Date"), "autor": ("Kdo", "From"), "text": ("Připomínka", "Comment"),
    "rozhodnuti": ("Rozhodnutí", "Decision"), "zduvodneni": ("Zdůvodnění", "Reasoning"), "v_terminu": ("V termínu", "In time"),
    "rok": ("Rok", "Year"), "stav_aktivity": ("Stav", "State"), "n_po_terminu": ("Aktivity po termínu", "Overdue activities"),
}

_LEVELS = {
    "priority": ("plan_priority", ["priorita", "nazev", "plneni", "stav", "vykazano", "n"]),
    "opatreni": ("plan_opatreni", ["opatreni", "nazev", "skupina", "plneni", "stav", "vykazano", "n"]),
    "skupiny": ("plan_skupiny", ["skupina", "nazev", "plneni", "stav", "n", "rozpocet", "cerpano", "n_po_terminu"]),
    "indikatory": ("plan_indikatory", ["opatreni", "indikator", "nazev", "jednotka", "vychozi", "plan", "skutecnost", "zmena", "plneni", "stav"]),
}


@dataclass(frozen=True)
class Html:
    """An HTML fragment that Jupyter shows as HTML.

    Examples
    --------
    >>> Html("<p>ok</p>")._repr_html_()
    '<p>ok</p>'
    """

    text: str

    def _repr_html_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Chart:
    """A matplotlib figure that Jupyter shows as a PNG image (no pyplot state needed).

    Examples
    --------
    >>> fig = Figure(figsize=(1, 1)); _ = fig.subplots()
    >>> Chart(fig)._repr_png_()[:4]
    b'\\x89PNG'
    """

    figure: Figure
    dpi: int = 110

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()


# --- formatting ------------------------------------------------------------------------------


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise InvalidParameter(f"lang must be one of {', '.join(LANGS)}, got '{lang}'")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def format_number(value, lang: str = "cs", *, decimals: int = 0) -> str:
    """A number as the reader expects it: ``1 234,5`` in Czech, ``1,234.5`` in English.

    Examples
    --------
    >>> format_number(1234567.0)
    '1\\xa0234\\xa0567'
    >>> format_number(0.5, "en", decimals=1)
    '0.5'
    """
    if _missing(value):
        return "–"
    scale = 10**decimals
    rounded = math.floor(abs(float(value)) * scale + 0.5) / scale * (1 if float(value) >= 0 else -1)
    text = f"{rounded + 0.0:,.{decimals}f}" if rounded else f"{0:.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "cs" else text


def format_share(value, lang: str = "cs") -> str:
    """A share as a percentage: ``93 %`` in Czech, ``93%`` in English.

    Examples
    --------
    >>> format_share(0.934)
    '93\\xa0%'
    """
    if _missing(value):
        return "–"
    return f"{format_number(100 * float(value), lang)}{chr(0xa0) if lang == 'cs' else ''}%"


def _people(value, lang: str) -> str:
    if not _missing(value) and 0 < abs(float(value)) < THRESHOLDS.small_count:
        return "&lt;5" if value > 0 else "−&lt;5"
    return format_number(value, lang)


def _label(column: str, lang: str) -> str:
    pair = HEADERS.get(column)
    return pair[0 if lang == "cs" else 1] if pair else column


def _state_label(code, lang: str) -> str:
    return STATES[code][0 if lang == "cs" else 1] if code in STATES else "–"


def _badge(code, lang: str) -> str:
    colour = COLOURS.get(code, "#eeeeee")
    text = "#ffffff" if code in ("v_planu", "pozadu", "nevykazano") else "#263238"
    return f'<span style="background:{colour};color:{text};padding:1px 6px;border-radius:3px;white-space:nowrap">{html.escape(_state_label(code, lang))}</span>'


def _cell(column: str, value, lang: str) -> str:
    if column in ("plneni", "vykazano", "cerpani"):
        return format_share(value, lang)
    if column == "stav":
        return _badge(value, lang)
    if column in ("rozpocet", "cerpano", "z_toho_obce", "vychozi", "plan", "skutecnost", "zmena", "n", "n_po_terminu", "rok", "pridana_kapacita"):
        return format_number(value, lang, decimals=0 if _missing(value) or float(value).is_integer() else 1)
    if column in ("potreba", "mezera_pred", "mezera_po"):
        return _people(value, lang)
    if column in ("po_terminu", "v_terminu"):
        if _missing(value):
            return "–"
        yes = str(value).lower() in ("true", "1")
        words = ("ano", "ne") if lang == "cs" else ("yes", "no")
        return f'<b style="color:#c62828">{words[0]}</b>' if yes and column == "po_terminu" else words[0 if yes else 1]
    return "" if _missing(value) else html.escape(str(value))


_TABLE_STYLE = "border-collapse:collapse;font-size:13px;margin:4px 0 12px 0"
_TH = "border-bottom:2px solid #455a64;padding:4px 8px;text-align:left;vertical-align:bottom;background:#ffffff"
_TD = "border-bottom:1px solid #cfd8dc;padding:3px 8px;vertical-align:top"


def html_table(frame: pd.DataFrame, columns: list[str], *, lang: str = "cs", raw: frozenset[str] = frozenset()) -> Html:
    """A plain HTML table with translated headers and formatted cells.

    ``raw`` columns hold HTML already and are not escaped.

    Examples
    --------
    >>> t = pd.DataFrame({"opatreni": ["1.1"], "plneni": [0.5]})
    >>> "50" in str(html_table(t, ["opatreni", "plneni"]))
    True
    """
    _check_lang(lang)
    numeric = {"plneni", "vykazano", "cerpani", "rozpocet", "cerpano", "z_toho_obce", "vychozi", "plan", "skutecnost",
               "zmena", "n", "n_po_terminu", "potreba", "mezera_pred", "mezera_po", "pridana_kapacita"}
    head = "".join(f'<th style="{_TH}">{html.escape(_label(c, lang))}</th>' for c in columns)
    rows = []
    for record in frame[columns].to_dict("records"):
        cells = []
        for c in columns:
            align = "text-align:right;" if c in numeric else "text-align:left;"
            body = str(record[c]) if c in raw else _cell(c, record[c], lang)
            cells.append(f'<td style="{_TD};{align}">{body}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return Html(f'<table style="{_TABLE_STYLE}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _get(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    return tables[name] if name in tables else None


def _no_plan(lang: str) -> Html:
    text = "Region nemá komunitní plán (plan.xlsx)." if lang == "cs" else "The region has no community plan (plan.xlsx)."
    return Html(f"<p><i>{text}</i></p>")


def _year(frame: pd.DataFrame, rok: int) -> pd.DataFrame:
    return frame.loc[frame["rok"].astype("Int64") == int(rok)]


# --- summary and fulfilment ------------------------------------------------------------------


def overview(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Html:
    """Headline figures of one year: fulfilment of the plan, indicators, money, overdue activities.

    Examples
    --------
    >>> "nemá" in str(overview({}, 2025))
    True
    """
    _check_lang(lang)
    total = _get(tables, "plan_celkem")
    if total is None:
        return _no_plan(lang)
    row = _year(total, rok)
    if row.empty:
        text = f"Plán nemá údaje za rok {rok}." if lang == "cs" else f"The plan has no data for {rok}."
        return Html(f"<p><i>{text}</i></p>")
    r = row.iloc[0]
    cs = lang == "cs"
    counts = ", ".join(f"{_state_label(s, lang)} {int(r[f'n_indikatoru_{s}'])}" for s in STATES)
    items = [
        (f"Plnění plánu v roce {rok}" if cs else f"Plan fulfilment in {rok}", f"{format_share(r['plneni'], lang)} {_badge(r['stav'], lang)}"),
        ("Indikátory" if cs else "Indicators", counts),
        ("Rozpočet / čerpáno" if cs else "Budget / spent", f"{format_number(r['rozpocet'], lang)} / {format_number(r['cerpano'], lang)} {'Kč' if cs else 'CZK'}"),
        ("Z toho z rozpočtů obcí" if cs else "Of which from municipal budgets", f"{format_number(r['z_toho_obce'], lang)} {'Kč' if cs else 'CZK'}"),
        ("Aktivity / po termínu" if cs else "Activities / overdue", f"{int(r['n_aktivit'])} / {int(r['n_po_terminu'])}"),
    ]
    body = "".join(f'<tr><th style="{_TD};text-align:left">{html.escape(k)}</th><td style="{_TD}">{v}</td></tr>' for k, v in items)
    note = (f"Plnění = skutečnost / plán; indikátor je v plánu od {format_share(RULES.on_track, lang)}."
            if cs else f"Fulfilment = actual / planned; an indicator is on track from {format_share(RULES.on_track, lang)}.")
    return Html(f'<table style="{_TABLE_STYLE}">{body}</table><p style="font-size:12px;color:#546e7a">{note}</p>')


def fulfilment_table(tables: Mapping[str, pd.DataFrame], level: str, rok: int, *, lang: str = "cs") -> Html:
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
    _check_lang(lang)
    if level not in _LEVELS:
        raise InvalidParameter(f"level must be one of {', '.join(_LEVELS)}, got '{level}'")
    name, columns = _LEVELS[level]
    frame = _get(tables, name)
    if frame is None:
        return _no_plan(lang)
    frame = _year(frame, rok)
    return html_table(frame, columns, lang=lang)


def fulfilment_chart(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Chart | Html:
    """Horizontal bars: fulfilment of each measure in one year, coloured by state.

    The dashed line marks the on-track threshold, the solid one 100 %.
    """
    _check_lang(lang)
    frame = _get(tables, "plan_opatreni")
    if frame is None:
        return _no_plan(lang)
    frame = _year(frame, rok).iloc[::-1]
    fig = Figure(figsize=(9, 0.45 * len(frame) + 1.4), layout="constrained")
    ax = fig.subplots()
    labels = [f"{o} {_short(n)}" for o, n in zip(frame["opatreni"], frame["nazev"], strict=True)]
    values = (100 * frame["plneni"].astype(float)).fillna(0)
    ax.barh(labels, values, color=[COLOURS.get(s, "#eeeeee") for s in frame["stav"]])
    for y, (v, s) in enumerate(zip(frame["plneni"], frame["stav"], strict=True)):
        text = format_share(v, lang) if not _missing(v) else _state_label(s, lang)
        ax.text(2 if _missing(v) else 100 * float(v) + 1, y, text, va="center", fontsize=9)
    ax.axvline(100 * RULES.on_track, color="#455a64", linestyle="--", linewidth=1)
    ax.axvline(100, color="#455a64", linewidth=1)
    ax.set_xlim(0, max(125, float(values.max()) + 15))
    ax.set_xlabel("plnění (%)" if lang == "cs" else "fulfilment (%)")
    ax.set_title(f"Plnění opatření v roce {rok}" if lang == "cs" else f"Fulfilment of measures in {rok}", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    handles = [_patch(s, lang) for s in STATES]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize=9)
    return Chart(fig)


def _patch(state: str, lang: str):
    from matplotlib.patches import Patch

    return Patch(color=COLOURS[state], label=_state_label(state, lang))


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def trend_chart(tables: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> Chart | Html:
    """Grouped bars: fulfilment of each priority in each year of the plan."""
    _check_lang(lang)
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
        ax.bar(xs, 100 * wide[year].astype(float).fillna(0), width, label=str(year), color=shades[k % len(shades)])
    ax.set_xticks(range(len(wide)), [textwrap.fill(f"{p}. {names.get(p, '')}", 32, max_lines=3, placeholder=" …") for p in wide.index], fontsize=9)
    ax.axhline(100 * RULES.on_track, color="#455a64", linestyle="--", linewidth=1)
    ax.set_ylabel("plnění (%)" if lang == "cs" else "fulfilment (%)")
    ax.set_ylim(0, 110)
    ax.set_title("Plnění priorit podle let" if lang == "cs" else "Fulfilment of priorities by year", loc="left")
    ax.legend(frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return Chart(fig)


# --- money and the action plan ---------------------------------------------------------------


def budget_table(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Html:
    """Budget, spending and the municipalities' share per measure in one year, with a total row."""
    _check_lang(lang)
    frame = _get(tables, "plan_rozpocet")
    if frame is None:
        return _no_plan(lang)
    frame = _year(frame, rok)
    total = {"priorita": "", "opatreni": "Celkem" if lang == "cs" else "Total", "zdroje": "",
             "rozpocet": frame["rozpocet"].sum(), "cerpano": frame["cerpano"].sum(min_count=1),
             "z_toho_obce": frame["z_toho_obce"].sum(min_count=1)}
    total["cerpani"] = total["cerpano"] / total["rozpocet"] if total["rozpocet"] else float("nan")
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    return html_table(frame, ["priorita", "opatreni", "rozpocet", "cerpano", "cerpani", "z_toho_obce", "zdroje"], lang=lang)


def budget_chart(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Chart | Html:
    """Bars of budget and spending per priority in one year (thousands of Kč)."""
    _check_lang(lang)
    frame = _get(tables, "plan_rozpocet")
    if frame is None:
        return _no_plan(lang)
    g = _year(frame, rok).groupby("priorita")[["rozpocet", "cerpano"]].sum(min_count=1) / 1000
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.subplots()
    xs = range(len(g))
    ax.bar([x - 0.2 for x in xs], g["rozpocet"].fillna(0), 0.4, label=_label("rozpocet", lang), color="#90a4ae")
    ax.bar([x + 0.2 for x in xs], g["cerpano"].fillna(0), 0.4, label=_label("cerpano", lang), color="#1565c0")
    ax.set_xticks(list(xs), [f"{'priorita' if lang == 'cs' else 'priority'} {p}" for p in g.index])
    ax.set_ylabel("tis. Kč" if lang == "cs" else "thousand CZK")
    ax.set_title(f"Rozpočet a čerpání v roce {rok}" if lang == "cs" else f"Budget and spending in {rok}", loc="left")
    ax.legend(frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return Chart(fig)


def action_plan_table(tables: Mapping[str, pd.DataFrame], rok: int, *, lang: str = "cs") -> Html:
    """The action plan of one year: activities with provider, deadline, state, money; overdue in red."""
    _check_lang(lang)
    frame = _get(tables, "plan_akcni_plan")
    if frame is None:
        return _no_plan(lang)
    frame = _year(frame, rok).copy()
    labels = ACTIVITY_STATES if lang == "cs" else _ACTIVITY_EN
    frame["stav_aktivity"] = frame["stav"].map(lambda s: html.escape(labels.get(s, "neuvedeno" if lang == "cs" else "not given")))
    frame["termin"] = frame["termin"].map(lambda d: _date(d, lang))
    columns = ["aktivita", "nazev", "skupina", "poskytovatel", "termin", "stav_aktivity", "rozpocet", "cerpano", "cerpani", "zdroj", "po_terminu"]
    return html_table(frame, columns, lang=lang, raw=frozenset({"stav_aktivity"}))


def _date(value, lang: str) -> str:
    if _missing(value) or value == "":
        return ""
    day = pd.Timestamp(value)
    return f"{day.day}. {day.month}. {day.year}" if lang == "cs" else day.date().isoformat()


# --- SWOT, gaps, comments --------------------------------------------------------------------


def swot_quadrants(tables: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> Html:
    """SWOT of each working group as four quadrants: S | W over O | T."""
    _check_lang(lang)
    frame = _get(tables, "plan_swot")
    if frame is None:
        return _no_plan(lang)
    parts = []
    for (_, name), group in frame.groupby(["skupina", "nazev"], sort=False):
        cells = {}
        for code in SWOT_TYPES:
            title = SWOT_TYPES[code] if lang == "cs" else _SWOT_EN[code]
            items = "".join(f"<li>{html.escape(str(t))}</li>" for t in group.loc[group["typ"] == code, "text"])
            cells[code] = (f'<td style="width:50%;vertical-align:top;text-align:left;padding:8px 12px;background:{_SWOT_BG[code]};border:2px solid #ffffff">'
                           f'<b>{html.escape(title[0].upper() + title[1:])} ({code})</b><ul style="margin:4px 0 0 0;padding-left:18px;text-align:left">{items}</ul></td>')
        parts.append(f'<h4 style="margin:14px 0 4px 0">{html.escape(str(name))}</h4>'
                     f'<table style="border-collapse:collapse;width:100%;max-width:900px;font-size:13px">'
                     f'<tr>{cells["S"]}{cells["W"]}</tr><tr>{cells["O"]}{cells["T"]}</tr></table>')
    return Html("".join(parts))


def gap_table(tables: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> Html:
    """Measures that add capacity: gap before and after in each municipality they reach."""
    _check_lang(lang)
    frame = _get(tables, "plan_mezery_opatreni")
    if frame is None:
        return _no_plan(lang)
    frame = frame.copy()
    frame["obec"] = frame["nazev"].fillna(frame["kod_obce"])
    frame["druh"] = frame["druh"].map(lambda d: f"§{d} {SERVICE_TYPES[d].name}" if d in SERVICE_TYPES else d)
    frame["cilova_skupina"] = frame["cilova_skupina"].map(lambda c: target_group_label(c, lang) if isinstance(c, str) and c else "")
    for column in ("stav_pred", "stav_po"):
        frame[column] = frame[column].map(lambda s: _GAP_STATES[s][0 if lang == "cs" else 1] if s in _GAP_STATES else "–")
    columns = ["opatreni", "druh", "obec", "cilova_skupina", "potreba", "mezera_pred", "pridana_kapacita", "mezera_po", "stav_pred", "stav_po"]
    return html_table(frame, columns, lang=lang)


def comments_table(tables: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> Html:
    """Public comments on the draft with their decisions, after a line on the comment period and outcome."""
    _check_lang(lang)
    frame = _get(tables, "plan_pripominky")
    if frame is None:
        return _no_plan(lang)
    cs = lang == "cs"
    if frame.empty:
        return Html(f"<p><i>{'K návrhu plánu nejsou zaznamenány připomínky.' if cs else 'No comments on the draft are on record.'}</i></p>")
    frame = frame.copy()
    labels = {k: (v if cs else _DECISION_EN[k]) for k, v in DECISIONS.items()}
    counts = frame["rozhodnuti"].value_counts()
    outcome = ", ".join(f"{labels[k]} {int(counts[k])}" for k in DECISIONS if k in counts)
    first, last = frame["zverejneni_navrhu"].iloc[0], frame["konec_pripominek"].iloc[0]
    if _missing(first):
        period = ""
    else:
        period = (f"Návrh zveřejněn k připomínkám od {_date(first, lang)} do {_date(last, lang)}. " if cs
                  else f"The draft was open for comments from {_date(first, lang)} to {_date(last, lang)}. ")
    summary = f"{period}{'Připomínek' if cs else 'Comments'}: {len(frame)} ({outcome})."
    frame["datum"] = frame["datum"].map(lambda d: _date(d, lang))
    frame["rozhodnuti"] = frame["rozhodnuti"].map(lambda k: labels.get(k, k))
    columns = ["cislo", "datum", "autor", "opatreni", "text", "rozhodnuti", "zduvodneni", "v_terminu"]
    return Html(f"<p>{html.escape(summary)}</p>" + str(html_table(frame, columns, lang=lang)))
