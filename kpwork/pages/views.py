"""What the notebooks show: titles, tables, maps and charts read from a run's results.

Notebooks stay thin: they call these functions and display what comes back.
Nothing here computes region-wide analysis; it selects from the results and
renders, in Czech by default (``lang="en"`` for English). Counts of people
per municipality under 5 are shown as ``<5`` (:func:`kpwork.gaps.publish_count`).
"""

from __future__ import annotations

import html

import folium
import pandas as pd
from IPython.display import HTML

from kpwork.codes import as_kod_obce
from kpwork.errors import InvalidParameter
from kpwork.gaps import GAP_STATUS, LOAD_STATUS, publish_count
from kpwork.pages import charts, maps
from kpwork.pages.labels import check_lang, header, word
from kpwork.results import Results, load
from kpwork.taxonomy import (
    SERVICE_TYPES,
    form_label,
    paragraph_order,
    service_type_label,
    target_group_label,
)


def open_results(results_dir: str) -> Results:
    """The results of a run (see :func:`kpwork.results.load`)."""
    return load(results_dir)


def _table(frame: pd.DataFrame, lang: str) -> HTML:
    shown = frame.rename(columns=header(list(frame.columns), lang))
    return HTML(shown.to_html(index=False, classes="kp-table", border=0, escape=True, na_rep="–"))


def _number(v: float, digits: int = 1) -> str:
    if pd.isna(v):
        return "–"
    return f"{v:,.{digits}f}".replace(",", "\u00a0").replace(".", ",")


def _percent(v: float) -> str:
    if pd.isna(v) or v == float("inf"):
        return "–"
    return f"{v:.0%}".replace("%", "\u00a0%")


def title(r: Results, *, lang: str = "cs", kod_obce: str | int | None = None) -> HTML:
    """Page heading: the region, or a municipality of it."""
    check_lang(lang)
    name = r.meta["region_name"]
    if kod_obce is None:
        sub = {"cs": "Přehled potřeb a sociálních služeb", "en": "Needs and social services overview"}[lang]
        return HTML(f"<h1>{html.escape(name)}</h1><p>{sub}</p>")
    code = _member(r, kod_obce)
    sub = {"cs": f"obec mikroregionu {name}", "en": f"municipality of the microregion {name}"}[lang]
    return HTML(f"<h1>{html.escape(r.meta['names'][code])}</h1><p>{html.escape(sub)} · {word('kod_obce', lang)} {code}</p>")


def _member(r: Results, kod_obce: str | int) -> str:
    code = as_kod_obce(kod_obce)
    if code not in r.meta["members"]:
        raise InvalidParameter(f"kod_obce {code} is not a member of {r.meta['region_id']}")
    return code


def _druh(r: Results, druh: str | int | None) -> str:
    if druh is None or druh == "":
        return r.meta["main_type"]
    code = str(druh).lstrip("§").strip()
    if code not in SERVICE_TYPES:
        raise InvalidParameter(f"unknown service type {druh!r}; use a paragraph such as 40")
    return code


def region_map(r: Results, *, druh: str | int | None = None, kod_obce: str | int | None = None, lang: str = "cs") -> folium.Map:
    """The planning map of one service type (default: the largest shortfall), optionally zoomed to a member."""
    focus = _member(r, kod_obce) if kod_obce is not None else None
    access = r["dostupnost"] if "dostupnost" in r else None
    return maps.region_map(
        r.layer("obce"), r.layer("sluzby"), r["mezery"], druh=_druh(r, druh), access=access, load=r["vytizenost"], focus=focus, lang=lang
    )


def population_card(r: Results, kod_obce: str | int, *, lang: str = "cs") -> HTML:
    """Inhabitants of a member by age band (public ČSÚ-type figures)."""
    code = _member(r, kod_obce)
    row = r["obce"].set_index("kod_obce").loc[code]
    bands = [c for c in row.index if c.startswith("vek_")]
    frame = pd.DataFrame({"": [word(b, lang) if b in ("vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus") else b for b in bands] + [word("obyvatele", lang)],
                          str(int(row["rok"])): [int(row[b]) for b in bands] + [int(row["obyvatele"])]})
    return _table(frame, lang)


def age_chart(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> HTML:
    """Age structure of every member (region page), or of one member against
    the whole region (municipality page: two bars, whatever the region's size)."""
    obce = r["obce"].set_index("kod_obce")
    if kod_obce is None:
        fig = charts.age_structure(obce, obce["nazev"], lang=lang)
    else:
        code = _member(r, kod_obce)
        bands = [c for c in obce.columns if c.startswith("vek_")]
        rows = pd.concat([obce.loc[[code], bands], obce[bands].sum().to_frame("_region").T])
        names = pd.Series({code: obce.loc[code, "nazev"], "_region": f"{word('whole_region', lang)} ({r.meta['region_name']})"})
        fig = charts.age_structure(rows, names, lang=lang, highlight=code)
    return HTML(charts.figure_html(fig, alt=word("age_structure", lang)))


def need_chart(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> HTML:
    """Need against reachable capacity per service type for the region; for a
    member, the share of its need covered (no counts of people of one village)."""
    if kod_obce is None:
        fig = charts.need_vs_capacity(r["mezery"], lang=lang)
        return HTML(charts.figure_html(fig, alt=word("need_vs_capacity", lang)))
    fig = charts.coverage_by_type(r["mezery"], _member(r, kod_obce), lang=lang)
    return HTML(charts.figure_html(fig, alt=word("coverage_by_type", lang)))


def gap_table(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> HTML:
    """Need, reachable capacity, shortfall and status per type (and target group for a member)."""
    gaps = r["mezery"]
    if kod_obce is not None:
        rows = gaps.loc[gaps["kod_obce"] == _member(r, kod_obce)].copy()
        keys = ["cilova_skupina", "druh"]
    else:
        rows = gaps.groupby("druh", as_index=False)[["potreba", "kapacita_dosazitelna", "mezera"]].sum()
        rows["pokryti"] = rows["kapacita_dosazitelna"] / rows["potreba"]
        rows["stav"] = rows["pokryti"].map(lambda p: "dostatek" if p >= 1 else ("nedostupne" if p <= 0 else "nedostatek"))
        keys = ["druh"]
    rows = rows.sort_values(keys, key=lambda s: s.map(paragraph_order) if s.name == "druh" else s)
    out = pd.DataFrame()
    if "cilova_skupina" in keys:
        out["cilova_skupina"] = rows["cilova_skupina"].map(lambda g: target_group_label(g, lang))
    out["druh"] = rows["druh"].map(lambda d: service_type_label(d, lang))
    count = publish_count if kod_obce is not None else (lambda v: _number(v, 0))
    out["potreba"] = rows["potreba"].map(count)
    out["kapacita_dosazitelna"] = rows["kapacita_dosazitelna"].map(lambda v: _number(v, 1))
    out["mezera"] = rows["mezera"].map(lambda v: count(v) if v > 0 else "0")
    out["pokryti"] = rows["pokryti"].map(_percent)
    out["stav"] = rows["stav"].map(lambda s: GAP_STATUS[s][lang])
    return _table(out, lang)


def top_shortages(r: Results, *, n: int = 10, lang: str = "cs") -> HTML:
    """The largest shortfalls per municipality and type."""
    top = r["nejvetsi_nedostatky"].head(n)
    out = pd.DataFrame({
        "nazev": top["nazev"],
        "druh": top["druh"].map(lambda d: service_type_label(d, lang)),
        "potreba": top["potreba"].map(publish_count),
        "kapacita_dosazitelna": top["kapacita_dosazitelna"].map(lambda v: _number(v, 1)),
        "mezera": top["mezera"].map(publish_count),
    })
    return _table(out, lang)


def service_table(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> HTML:
    """Services (of the region, or serving a member) with capacity and load."""
    services = r["sluzby"].merge(r["vytizenost"][["sluzba_id", "klienti", "vytizeni", "stav"]], left_on="id", right_on="sluzba_id", how="left")
    if kod_obce is not None:
        code = _member(r, kod_obce)
        services = services.loc[services["pusobnost"].fillna("").str.split(", ").map(lambda codes: code in codes) | (services["kod_obce"] == code)]
    out = pd.DataFrame({
        "sluzba": services["nazev"],
        "poskytovatel": services["poskytovatel"],
        "druh": services["druh"].map(lambda d: service_type_label(d, lang)),
        "forma": services["forma"].map(lambda f: form_label(f, lang)),
        "kapacita": services.apply(lambda s: f"{_number(s['kapacita'], 0)} {s['jednotka']}", axis=1),
        "vytizeni": services["vytizeni"].map(_percent),
        "stav": services["stav"].map(lambda s: LOAD_STATUS.get(s, {}).get(lang, "–")),
    })
    return _table(out, lang)


def nearest_services(r: Results, kod_obce: str | int, *, lang: str = "cs") -> HTML:
    """Distance from a member to the nearest service of each type present in the region."""
    code = _member(r, kod_obce)
    acc = r["dostupnost"]
    rows = acc.loc[acc["kod_obce"] == code].sort_values("druh", key=lambda s: s.map(paragraph_order))
    out = pd.DataFrame({
        "druh": rows["druh"].map(lambda d: service_type_label(d, lang)),
        "vzdalenost_nejblizsi_m": rows["vzdalenost_nejblizsi_m"].map(lambda v: _number(v / 1000, 1)),
        "dostupnost": rows["dostupnost"].map(lambda v: _number(v, 3)),
    })
    return _table(out, lang)


def table(frame: pd.DataFrame) -> HTML:
    """Any result table as a page shows it: no index, Czech number format, "–" for missing.

    Whole numbers get thin spaces between thousands (``1 559 564``), other
    numbers two decimals with a decimal comma.
    """
    def cell(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return "–"
        if isinstance(v, bool):
            return "ano" if v else "ne"
        if isinstance(v, int) or (isinstance(v, float) and float(v).is_integer() and abs(v) >= 1000):
            return f"{int(v):,}".replace(",", "\u00a0")
        if isinstance(v, float):
            return f"{v:,.2f}".replace(",", "\u00a0").replace(".", ",")
        return v

    shown = frame.astype(object).map(cell) if len(frame) else frame
    return HTML(shown.to_html(index=False, classes="kp-table", border=0, escape=True))
