"""The region and municipality pages: titles, tables, maps and charts read from a run's results.

Notebooks stay thin: they call these functions and display what comes back,
an :class:`~kpwork.pages.element.Element` (the map is a ``folium.Map``).
Nothing here computes analysis; it selects from the result tables and
renders, in Czech by default (``lang="en"`` for English). Need and shortfall
are estimates and shown as such (:func:`kpwork.pages.format.estimate`); the
load of a service with 1 to 4 clients is masked (:mod:`kpwork.disclosure`).
"""

from __future__ import annotations

from functools import partial

import folium
import pandas as pd

from kpwork.codes import as_kod_obce
from kpwork.disclosure import small
from kpwork.errors import InvalidParameter
from kpwork.pages import charts, maps
from kpwork.pages import format as fmt
from kpwork.pages.catalogue import serves
from kpwork.pages.element import Chart, Element, Table, escape, heading
from kpwork.pages.labels import GAP_STATES, LOAD_STATES, check_lang, label, word
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


def title(r: Results, *, lang: str = "cs", kod_obce: str | int | None = None) -> Element:
    """Page heading: the region, or a municipality of it."""
    check_lang(lang)
    region = r.meta["region_name"]
    if kod_obce is None:
        return heading(region, 1) + Element(f"<p>{escape(word('region_subtitle', lang))}</p>")
    code = _member(r, kod_obce)
    sub = f"{word('municipality_subtitle', lang, region=region)} · {word('kod_obce', lang)} {code}"
    return heading(r.meta["names"][code], 1) + Element(f"<p>{escape(sub)}</p>")


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
        r.layer("obce"), r.layer("sluzby"), r["mezery_obce"], druh=_druh(r, druh), access=access, load=r["vytizenost"], focus=focus, lang=lang
    )


def population_card(r: Results, kod_obce: str | int, *, lang: str = "cs") -> Table:
    """Inhabitants of a member by age band (public ČSÚ-type figures)."""
    code = _member(r, kod_obce)
    row = r["obce"].set_index("kod_obce").loc[code]
    bands = [c for c in row.index if c.startswith("vek_")]
    frame = pd.DataFrame({"": [word(b, lang) for b in bands] + [word("obyvatele", lang)],
                          str(int(row["rok"])): [int(row[b]) for b in bands] + [int(row["obyvatele"])]})
    return Table(frame, lang=lang)


def age_chart(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> Chart:
    """Age structure of every member (region page), or of one member against
    the whole region (municipality page: two bars, whatever the region's size)."""
    obce = r["obce"].set_index("kod_obce")
    if kod_obce is None:
        return charts.age_structure(obce, obce["nazev"], lang=lang)
    code = _member(r, kod_obce)
    bands = [c for c in obce.columns if c.startswith("vek_")]
    rows = pd.concat([obce.loc[[code], bands], obce[bands].sum().to_frame("_region").T])
    names = pd.Series({code: obce.loc[code, "nazev"], "_region": f"{word('whole_region', lang)} ({r.meta['region_name']})"})
    return charts.age_structure(rows, names, lang=lang, highlight=code)


def need_chart(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> Chart:
    """Need against reachable capacity per service type for the region; for a
    member, the share of its need covered (no counts of people of one village)."""
    if kod_obce is None:
        return charts.need_vs_capacity(r["mezery_region"], lang=lang)
    per_type = r["mezery_obce"]
    return charts.coverage_by_type(per_type.loc[per_type["kod_obce"] == _member(r, kod_obce)], lang=lang)


def _shortfall(value: float, lang: str) -> str:
    """An estimated shortfall; a surplus shows as no shortfall."""
    return fmt.estimate(value, lang) if value > 0 else fmt.number(0, lang)


def gap_table(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> Table:
    """Need, reachable capacity, shortfall and status per type (and target group for a member)."""
    if kod_obce is None:
        rows = r["mezery_region"]
        columns = ["druh"]
    else:
        gaps = r["mezery"]
        rows = gaps.loc[gaps["kod_obce"] == _member(r, kod_obce)]
        rows = rows.sort_values(["cilova_skupina", "druh"], key=lambda s: s.map(paragraph_order) if s.name == "druh" else s)
        columns = ["cilova_skupina", "druh"]
    shown = rows[[*columns, "potreba", "kapacita_dosazitelna", "mezera", "pokryti", "stav"]]
    return Table(shown, lang=lang, cells={
        "cilova_skupina": lambda g: target_group_label(g, lang),
        "druh": lambda d: service_type_label(d, lang),
        "potreba": partial(fmt.estimate, lang=lang),
        "kapacita_dosazitelna": lambda v: fmt.number(v, lang, 1),
        "mezera": partial(_shortfall, lang=lang),
        "pokryti": lambda v: fmt.percent(v, lang),
        "stav": lambda s: label(GAP_STATES, s, lang),
    })


def top_shortages(r: Results, *, n: int = 10, lang: str = "cs") -> Table:
    """The largest shortfalls per municipality and type."""
    top = r["nejvetsi_nedostatky"].head(n)[["nazev", "druh", "potreba", "kapacita_dosazitelna", "mezera"]]
    people = partial(fmt.estimate, lang=lang)
    return Table(top, lang=lang, cells={
        "druh": lambda d: service_type_label(d, lang),
        "potreba": people,
        "kapacita_dosazitelna": lambda v: fmt.number(v, lang, 1),
        "mezera": people,
    })


def service_table(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> Table:
    """Services (of the region, or serving a member) with capacity and load.

    The load of a service with 1 to 4 clients is shown as ``<5 klientů`` and
    its state as ``–``: with the capacity public, a percentage or a state would
    give the clients back.
    """
    services = r["sluzby"].merge(r["vytizenost"][["sluzba_id", "klienti", "vytizeni", "stav"]], left_on="id", right_on="sluzba_id", how="left")
    if kod_obce is not None:
        services = services.loc[serves(services, _member(r, kod_obce))]
    masked = small(services["klienti"])
    shown = pd.DataFrame({
        "sluzba": services["nazev"],
        "poskytovatel": services["poskytovatel"],
        "druh": services["druh"],
        "forma": services["forma"],
        "kapacita": [fmt.count(k, lang, u) for k, u in zip(services["kapacita"], services["jednotka"], strict=True)],
        "vytizeni": [fmt.real_count(k, lang, "klient") if m else fmt.percent(v, lang)
                     for k, v, m in zip(services["klienti"], services["vytizeni"], masked, strict=True)],
        "stav": services["stav"].where(~masked),
    })
    return Table(shown, lang=lang, numeric={"kapacita", "vytizeni"}, cells={
        "druh": lambda d: service_type_label(d, lang),
        "forma": lambda f: form_label(f, lang),
        "stav": lambda s: label(LOAD_STATES, s, lang),
    })


def nearest_services(r: Results, kod_obce: str | int, *, lang: str = "cs") -> Table:
    """Distance from a member to the nearest service of each type present in the region."""
    code = _member(r, kod_obce)
    acc = r["dostupnost"]
    rows = acc.loc[acc["kod_obce"] == code].sort_values("druh", key=lambda s: s.map(paragraph_order))
    return Table(rows[["druh", "vzdalenost_nejblizsi_m", "dostupnost"]], lang=lang, cells={
        "druh": lambda d: service_type_label(d, lang),
        "vzdalenost_nejblizsi_m": lambda m: fmt.number(m / 1000, lang, 1),
        "dostupnost": lambda v: fmt.number(v, lang, 3),
    })
