"""The region and municipality pages: titles, tables, maps and charts read from a run's results.

Notebooks stay thin: they call these functions and display what comes back,
an :class:`~kpwork.pages.element.Element` (the map is a ``folium.Map``).
Nothing here computes analysis; it selects from the result tables and
renders, in Czech by default (``lang="en"`` for English). Counts of people
per municipality under 5 are shown as ``<5`` (:func:`kpwork.pages.format.people`).
Need and capacity are shown with their unit (beds, clients, families), never
as a blanket "people"; capacity in a unit its type is not planned in has its
own rows.
"""

from __future__ import annotations

from functools import partial

import folium
import pandas as pd

from kpwork.codes import as_kod_obce
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
from kpwork.results import Results, load
from kpwork.taxonomy import (
    SERVICE_TYPES,
    form_label,
    paragraph_order,
    planning_unit,
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
    member, the share of its need covered (no counts of people of one village).
    Each type in the unit it is planned in."""
    if kod_obce is None:
        return charts.need_vs_capacity(_planned(r["mezery_region"]), lang=lang)
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
    """Need, reachable capacity, shortfall and status per type and unit (and target group for a member)."""
    if kod_obce is None:
        rows, count = r["mezery_region"], partial(fmt.number, lang=lang)
        columns = ["druh"]
    else:
        gaps = r["mezery"]
        rows, count = gaps.loc[gaps["kod_obce"] == _member(r, kod_obce)], partial(fmt.people, lang=lang)
        rows = rows.sort_values(["cilova_skupina", "druh"], key=lambda s: s.map(paragraph_order) if s.name == "druh" else s, kind="stable")
        columns = ["cilova_skupina", "druh"]
    shown = rows[[*columns, "jednotka", "potreba", "kapacita_dosazitelna", "mezera", "pokryti", "stav"]]
    return Table(shown, lang=lang, numeric={"potreba", "kapacita_dosazitelna", "mezera", "pokryti"}, cells={
        "cilova_skupina": lambda g: target_group_label(g, lang),
        "druh": lambda d: service_type_label(d, lang),
        "jednotka": lambda u: unit_name(u, lang),
        "potreba": count,
        "kapacita_dosazitelna": lambda v: fmt.number(v, lang, 1),
        "mezera": partial(_shortfall, count),
        "pokryti": lambda v: fmt.percent(v, lang),
        "stav": lambda s: label(GAP_STATES, s, lang),
    })


def top_shortages(r: Results, *, n: int = 10, lang: str = "cs") -> Table:
    """The largest shortfalls per municipality and type, in the type's unit."""
    top = r["nejvetsi_nedostatky"].head(n)[["nazev", "druh", "jednotka", "potreba", "kapacita_dosazitelna", "mezera"]]
    people = partial(fmt.people, lang=lang)
    return Table(top, lang=lang, cells={
        "druh": lambda d: service_type_label(d, lang),
        "jednotka": lambda u: unit_name(u, lang),
        "potreba": people,
        "kapacita_dosazitelna": lambda v: fmt.number(v, lang, 1),
        "mezera": people,
    })


def service_table(r: Results, *, kod_obce: str | int | None = None, lang: str = "cs") -> Table:
    """Services (of the region, or serving a member) with capacity and load."""
    services = r["sluzby"].merge(r["vytizenost"][["sluzba_id", "vytizeni", "vytizeni_zaklad", "stav"]], left_on="id", right_on="sluzba_id", how="left")
    if kod_obce is not None:
        services = services.loc[serves(services, _member(r, kod_obce))]
    shown = pd.DataFrame({
        "sluzba": services["nazev"],
        "poskytovatel": services["poskytovatel"],
        "druh": services["druh"],
        "forma": services["forma"],
        "kapacita": [fmt.count(k, lang, u) for k, u in zip(services["kapacita"], services["jednotka"], strict=True)],
        "vytizeni": services["vytizeni"],
        "vytizeni_zaklad": services["vytizeni_zaklad"],
        "stav": services["stav"],
    })
    return Table(shown, lang=lang, numeric={"kapacita", "vytizeni"}, cells={
        "druh": lambda d: service_type_label(d, lang),
        "forma": lambda f: form_label(f, lang),
        "vytizeni": lambda v: fmt.percent(v, lang),
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


def nearest_services(r: Results, kod_obce: str | int, *, lang: str = "cs") -> Table:
    """Distance from a member to the nearest service of each type present in the region."""
    code = _member(r, kod_obce)
    acc = _planned(r["dostupnost"])
    rows = acc.loc[acc["kod_obce"] == code].sort_values("druh", key=lambda s: s.map(paragraph_order))
    return Table(rows[["druh", "vzdalenost_nejblizsi_m", "dostupnost"]], lang=lang, cells={
        "druh": lambda d: service_type_label(d, lang),
        "vzdalenost_nejblizsi_m": lambda m: fmt.number(m / 1000, lang, 1),
        "dostupnost": lambda v: fmt.number(v, lang, 3),
    })
