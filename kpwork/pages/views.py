"""The region and municipality pages: titles, tables, maps and charts read from a run's results.

Notebooks stay thin: they call these functions and display what comes back,
an :class:`~kpwork.pages.element.Element` (the map too, in a sandboxed frame).
Nothing here computes analysis; it selects from the result tables and
renders, in Czech by default (``lang="en"`` for English). Need and shortfall
are estimates and shown as such (:func:`kpwork.pages.format.estimate`); the
load of a service with 1 to 4 clients is masked (:mod:`kpwork.disclosure`).

A region with no services yet (``kpwork init`` writes empty sheets) gets a
plain sentence under its title instead of shortfalls that only repeat the
need: the gap table then shows the need alone, and the tables of services,
shortages and nearest services are left out. :func:`footer` is the line of
run date, population year and sources that every exported page ends with.

Need and capacity are shown with their unit (beds, clients, families), never
as a blanket "people"; capacity in a unit its type is not planned in has its
own rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from kpwork.codes import as_kod_obce
from kpwork.disclosure import small
from kpwork.errors import InvalidParameter
from kpwork.pages import charts, maps
from kpwork.pages import format as fmt
from kpwork.pages.catalogue import serves
from kpwork.pages.element import Chart, Element, Table, escape, heading, join, paragraph
from kpwork.pages.labels import (
    GAP_STATES,
    LOAD_BASES,
    LOAD_STATES,
    check_lang,
    label,
    unit_name,
    word,
)
from kpwork.pages.neighbourhood import neighbourhood_results
from kpwork.results import Results, load, load_page
from kpwork.taxonomy import (
    SERVICE_TYPES,
    form_label,
    paragraph_order,
    planning_unit,
    service_type_label,
    target_group_label,
)

if TYPE_CHECKING:  # a page that reads a run's results imports no geopandas
    import geopandas as gpd


def open_results(results_dir: str, *, kod_obce: str | int | None = None) -> Results:
    """The results of a run (see :func:`kpwork.results.load`); for a municipality page, its own part.

    With ``kod_obce`` the page gets the member's neighbourhood only
    (:mod:`kpwork.pages.neighbourhood`): the data the run wrote for it, or,
    for results without it, the same cut from the whole run. Its cost then
    does not grow with the size of the region.
    """
    if kod_obce is None:
        return load(results_dir)
    code = as_kod_obce(kod_obce)
    return load_page(results_dir, code) or neighbourhood_results(load(results_dir), code)


def title(r: Results, *, lang: str = "cs", kod_obce: str | int | None = None) -> Element:
    """Page heading: the region, or a municipality of it; the no-services sentence when the region has none."""
    check_lang(lang)
    region = r.meta["region_name"]
    if kod_obce is None:
        return heading(region, 1) + Element(f"<p>{escape(word('region_subtitle', lang))}</p>") + no_services_note(r, lang=lang)
    code = _member(r, kod_obce)
    sub = f"{word('municipality_subtitle', lang, region=region)} · {word('kod_obce', lang)} {code}"
    return heading(r.meta["names"][code], 1) + Element(f"<p>{escape(sub)}</p>") + no_services_note(r, lang=lang)


def has_services(r: Results) -> bool:
    """Whether the run's region has any service (results of older runs: assumed so)."""
    return bool(r.meta.get("has_services", True))


def no_services_note(r: Results, *, lang: str = "cs") -> Element:
    """"V regionu zatím nejsou zapsané žádné služby; ..." for a region without services, else nothing.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> no_services_note(SimpleNamespace(meta={"has_services": False}), lang="en").html
    '<p class="kp-notice"><b>No services are recorded in the region yet; add them to the services sheet.</b></p>'
    >>> no_services_note(SimpleNamespace(meta={"has_services": True})).html
    ''
    """
    if has_services(r):
        return Element()
    return Element(f'<p class="kp-notice"><b>{escape(word("no_services", lang))}</b></p>')


def run_facts(meta: Mapping, *, lang: str = "cs", run_date: dt.date | str | None = None) -> str:
    """The run's date and the year of its population figures, as one line of text.

    Parameters
    ----------
    meta
        The run's ``region.json`` (:attr:`kpwork.results.Results.meta`);
        ``population_years`` gives the year (left out for results of older runs).
    lang
        ``"cs"`` or ``"en"``.
    run_date
        The run's reference date; left out when None (a page served live).

    Examples
    --------
    >>> run_facts({"population_years": [2020]}, run_date="2025-03-01")
    'Výpočet ze dne 1. 3. 2025 · počty obyvatel za rok 2020'
    >>> run_facts({"population_years": [2019, 2020]}, lang="en")
    'population figures of 2019, 2020'
    """
    parts = [word("footer_run", lang, date=fmt.date(run_date, lang))] if run_date else []
    years = meta.get("population_years") or []
    if years:
        parts.append(word("footer_population", lang, years=", ".join(str(y) for y in years)))
    return " · ".join(parts)


def footer(meta: Mapping, *, lang: str = "cs", run_date: dt.date | str | None = None) -> Element:
    """The last line of an exported page: :func:`run_facts` and the sources of boundaries and population.

    Examples
    --------
    >>> footer({}, lang="en").html
    '<footer class="kp-footer"><p>Sources: Hranice obcí: ČÚZK (RÚIAN), generalizace pehovorka/covid-obce-frontend (MIT); obyvatelstvo: ČSÚ</p></footer>'
    """
    from kpwork.reference import (
        CREDIT,  # the reference data's module imports geopandas: only for exported pages
    )

    parts = [run_facts(meta, lang=lang, run_date=run_date), word("footer_sources", lang, credit=CREDIT)]
    return Element(f'<footer class="kp-footer"><p>{escape(" · ".join(p for p in parts if p))}</p></footer>')


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


def default_type(r: Results, *, kod_obce: str | int | None = None) -> str:
    """The type a map shows first: of the types with a service in the region, the one lacking most
    capacity in the region (or in the member ``kod_obce``), in its planning unit.

    A type with no service at all shows only its need, so it is not the
    default; a region without services gets the type of the largest need
    (the run's ``main_type``).
    """
    present = set(r["sluzby"]["druh"].astype(str)) if "sluzby" in r and len(r["sluzby"]) else set()
    rows = _planned(r["mezery_region"] if kod_obce is None else r["mezery_obce"].loc[r["mezery_obce"]["kod_obce"] == _member(r, kod_obce)])
    rows = rows.loc[rows["druh"].astype(str).isin(present)]
    if rows.empty:
        return str(r.meta["main_type"])
    return str(rows.sort_values("mezera", ascending=False, kind="stable")["druh"].iloc[0])


def map_types(r: Results) -> list[str]:
    """The service types a reader can pick on the map: every type with need or capacity in the run, in the Act's order."""
    present = set(r["mezery_region"]["druh"].astype(str))
    return [t for t in r.meta["types"] if t in present]


def map_note(r: Results, *, druh: str | int | None = None, kod_obce: str | int | None = None, lang: str = "cs") -> Element:
    """Which type the map shows and why: the largest shortfall (in the region or the member) or the reader's choice."""
    shown = _druh(r, druh) if druh not in (None, "") else default_type(r, kod_obce=kod_obce)
    name = service_type_label(shown, lang)
    if druh not in (None, ""):
        return paragraph(word("map_shows_chosen", lang, druh=name), css_class="kp-note")
    if not has_services(r):
        return paragraph(word("map_shows_none", lang, druh=name), css_class="kp-note")
    rows = _planned(r["mezery_region"] if kod_obce is None else r["mezery_obce"].loc[r["mezery_obce"]["kod_obce"] == _member(r, kod_obce)])
    rows = rows.loc[rows["druh"].astype(str) == shown]
    if rows.empty:  # a member without residents (a military area) has no row of any type
        return paragraph(word("map_shows_no_need", lang, druh=name), css_class="kp-note")
    row = rows.iloc[0]
    where = word("in_region" if kod_obce is None else "in_municipality", lang)
    amount = fmt.estimate_count(max(float(row["mezera"]), 0.0), lang, row["jednotka"])
    return paragraph(word("map_shows_default", lang, druh=name, where=where, amount=amount), css_class="kp-note")


def region_map(r: Results, *, druh: str | int | None = None, kod_obce: str | int | None = None, lang: str = "cs") -> Element:
    """The planning map, every service type to pick from in it, zoomed to a member when given.

    Shown first: ``druh``, or the type lacking most (:func:`default_type`);
    a sentence above the map says which and why. The map is a sandboxed
    frame (:func:`kpwork.pages.maps.embed`).
    """
    focus = _member(r, kod_obce) if kod_obce is not None else None
    shown = _druh(r, druh) if druh not in (None, "") else default_type(r, kod_obce=focus)
    access = r["dostupnost"] if "dostupnost" in r else None
    municipalities = r.layer("obce")
    if focus is None:
        municipalities = simplified_for_extent(municipalities)
    m = maps.region_map(municipalities, r.layer("sluzby"), r["mezery_obce"], druh=shown, types=map_types(r), access=access,
                        load=r["vytizenost"], reference=r["mezery_region"], focus=focus, lang=lang)
    return map_note(r, druh=druh, kod_obce=focus, lang=lang) + maps.embed(m, lang=lang, height="640px")


#: Map width in pixels that a simplified boundary must still look right at (a projector's full HD).
MAP_PIXELS = 1920


def simplified_for_extent(municipalities: gpd.GeoDataFrame, *, pixels: float = MAP_PIXELS) -> gpd.GeoDataFrame:
    """Boundaries simplified to what a map of their whole extent can show: half a pixel, topology kept.

    A microregion keeps its detail (its half pixel is under the maps' own
    40 m step); the whole country, 490 km across, is drawn with a 130 m step.

    Parameters
    ----------
    municipalities
        Polygons in a metric CRS (the run's EPSG:5514).
    pixels
        Width of the map in pixels.
    """
    x0, y0, x1, y1 = municipalities.total_bounds
    tolerance = max(x1 - x0, y1 - y0) / pixels / 2
    out = municipalities.copy()
    out["geometry"] = out.geometry.simplify(tolerance, preserve_topology=True)
    return out


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
    # a page's own data has the member's row and the region's totals; a whole run's results every row
    totals = pd.Series(r.meta["vek_region"]) if "vek_region" in r.meta else obce[bands].sum()
    rows = pd.concat([obce.loc[[code], bands], totals[bands].to_frame("_region").T])
    names = pd.Series({code: obce.loc[code, "nazev"], "_region": f"{word('whole_region', lang)} ({r.meta['region_name']})"})
    return charts.age_structure(rows, names, lang=lang, highlight=code)


def need_chart(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> Chart | Element:
    """Need against reachable capacity per service type for the region; for a
    member, the share of its need covered (no counts of people of one village;
    nothing while the region has no services: every share would be 0 %).
    Each type in the unit it is planned in."""
    if kod_obce is None:
        return charts.need_vs_capacity(_planned(r["mezery_region"]), lang=lang)
    if not has_services(r):
        return Element()
    per_type = _planned(r["mezery_obce"])
    return charts.coverage_by_type(per_type.loc[per_type["kod_obce"] == _member(r, kod_obce)], lang=lang)


def _planned(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows in each type's planning unit (capacity in other units has rows of its own)."""
    if "jednotka" not in rows:
        return rows
    return rows.loc[[u == planning_unit(d) for d, u in zip(rows["druh"], rows["jednotka"], strict=True)]]


def _shortfall(count, value: float) -> str:
    """A shortfall; a surplus shows as no shortfall; none for capacity in another unit."""
    if fmt.missing(value):
        return fmt.MISSING
    return count(value) if value > 0 else fmt.number(0)


def gap_table(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> Table:
    """Need, reachable capacity, shortfall and status per type and unit (and target group for a member).

    Without any service in the region only the need is shown: shortfalls
    would repeat it and every status would be "nedostupné".
    """
    if kod_obce is None:
        rows, count = r["mezery_region"], partial(fmt.estimate, lang=lang)
        columns = ["druh"]
    else:
        gaps = r["mezery"]
        rows, count = gaps.loc[gaps["kod_obce"] == _member(r, kod_obce)], partial(fmt.estimate, lang=lang)
        rows = rows.sort_values(["cilova_skupina", "druh"], key=lambda s: s.map(paragraph_order) if s.name == "druh" else s, kind="stable")
        columns = ["cilova_skupina", "druh"]
    shown = rows[[*columns, "jednotka", "potreba", "kapacita_dosazitelna", "mezera", "pokryti", "stav"] if has_services(r) else [*columns, "jednotka", "potreba"]]
    return Table(shown, lang=lang, numeric={"potreba", "kapacita_dosazitelna", "mezera", "pokryti"} & set(shown.columns), cells={
        "cilova_skupina": lambda g: target_group_label(g, lang),
        "druh": lambda d: service_type_label(d, lang),
        "jednotka": lambda u: unit_name(u, lang),
        "potreba": count,
        "kapacita_dosazitelna": lambda v: fmt.number(v, lang, 1),
        "mezera": partial(_shortfall, count),
        "pokryti": lambda v: fmt.percent(v, lang),
        "stav": lambda s: label(GAP_STATES, s, lang),
    })


def top_shortages(r: Results, *, n: int = 10, lang: str = "cs") -> Table | Element:
    """The largest shortfalls per municipality and type, in the type's unit (nothing while the region has no services)."""
    if not has_services(r):
        return Element()
    top = r["nejvetsi_nedostatky"].head(n)[["nazev", "druh", "jednotka", "potreba", "kapacita_dosazitelna", "mezera"]]
    people = partial(fmt.estimate, lang=lang)
    return Table(top, lang=lang, cells={
        "druh": lambda d: service_type_label(d, lang),
        "jednotka": lambda u: unit_name(u, lang),
        "potreba": people,
        "kapacita_dosazitelna": lambda v: fmt.number(v, lang, 1),
        "mezera": people,
    })


def service_table(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> Table | Element:
    """Services (of the region, or serving a member) with capacity and load (nothing when the region has none).

    The load of a service with 1 to 4 clients is shown as ``<5 klientů`` and
    its state as ``–``: with the capacity public, a percentage or a state would
    give the clients back.
    """
    if not has_services(r):
        return Element()
    services = r["sluzby"].merge(r["vytizenost"][["sluzba_id", "klienti", "vytizeni", "vytizeni_zaklad", "stav"]], left_on="id", right_on="sluzba_id", how="left")
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
        "vytizeni_zaklad": services["vytizeni_zaklad"].where(~masked),
        "stav": services["stav"].where(~masked),
    })
    return Table(shown, lang=lang, numeric={"kapacita", "vytizeni"}, cells={
        "druh": lambda d: service_type_label(d, lang),
        "forma": lambda f: form_label(f, lang),
        "vytizeni_zaklad": lambda b: label(LOAD_BASES, b, lang),
        "stav": lambda s: label(LOAD_STATES, s, lang),
    })


def opt_out_note(r: Results, kod_obce: str | int, *, lang: str = "cs") -> Element:
    """A line per shared service the member opted out of, saying whether the service still serves it.

    Empty when the member opted out of nothing (or the run has no funding).
    The rule is the region's ``[financovani] odhlaseni_vyrazuje_z_dosahu``
    (``docs/access.md``), applied by the analysis (``financovani_odhlaseni``).
    """
    code = _member(r, kod_obce)
    if "financovani_odhlaseni" not in r:
        return Element()
    table = r["financovani_odhlaseni"]
    lines = []
    for row in table.loc[table["kod_obce"].astype(str) == code].itertuples():
        key = "opt_out_unreached" if not _true(row.v_dosahu) else "opt_out_removed" if _true(row.vyrazena_z_dosahu) else "opt_out_kept"
        lines.append(paragraph(word(key, lang, sluzba=row.sluzba, druh=service_type_label(str(row.druh), lang)), css_class="kp-note"))
    return join(lines)


def _true(value: object) -> bool:
    """A yes/no cell as read back from a result CSV (``True``/``False`` text) or from the analysis (bool)."""
    return str(value).strip().lower() in ("true", "1", "ano")


def nearest_services(r: Results, kod_obce: str | int, *, lang: str = "cs") -> Table | Element:
    """Distance from a member to the nearest service of each type present in the region (nothing when there is none)."""
    code = _member(r, kod_obce)
    if not has_services(r):
        return Element()
    acc = _planned(r["dostupnost"])
    rows = acc.loc[acc["kod_obce"] == code].sort_values("druh", key=lambda s: s.map(paragraph_order))
    return Table(rows[["druh", "vzdalenost_nejblizsi_m", "dostupnost"]], lang=lang, cells={
        "druh": lambda d: service_type_label(d, lang),
        "vzdalenost_nejblizsi_m": lambda m: fmt.number(m / 1000, lang, 1),
        "dostupnost": lambda v: fmt.number(v, lang, 3),
    })
