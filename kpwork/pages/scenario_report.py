"""A scenario on a page: headline, the map of who gains and who loses, maps now and after, tables.

Two layers: functions of one scenario's tables (``*_of``, :func:`delta_map`),
which the meeting panel (:mod:`kpwork.pages.scenarios`) also uses with what
it has just computed, and the run page's functions of a run's ``scenare_*``
tables (:func:`kpwork.scenarios.tables.scenario_results`), which only select
and render. Words from :data:`kpwork.pages.labels.SCENARIO`, numbers through
:mod:`kpwork.pages.format`.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt
from kpwork.pages import maps
from kpwork.pages.element import Element, Table, escape, join, paragraph
from kpwork.pages.labels import SCENARIO, method_label, translate, type_name, unit_name
from kpwork.results import Results
from kpwork.taxonomy import planning_unit

#: Colours of the change map, ColorBrewer RdBu (colour-blind safe): more missing (reds), unchanged, fewer missing (blues).
GAIN_COLOURS = ["#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac"]


def _w(key: str, lang: str, **fields: object) -> str:
    return translate(SCENARIO, key, lang, **fields)


# --- one scenario's tables ------------------------------------------------------------------


def headline_text(row: pd.Series, lang: str = "cs") -> str:
    """One type's headline: ``+23 klientů pokryto navíc, nejvíce Napajedla``.

    Examples
    --------
    >>> row = pd.Series({"druh": "40", "jednotka": "klienti", "pokryto": 23.4, "nejvice_nazev": "Napajedla"})
    >>> headline_text(row).replace("\\xa0", " ")
    '+23 klientů pokryto navíc, nejvíce Napajedla'
    """
    covered = float(row["pokryto"])
    amount = fmt.count(abs(covered), lang, row["jednotka"])
    if round(covered) < 0:
        return _w("headline_loss", lang, covered=amount)
    signed = f"+{amount}" if round(covered) > 0 else amount
    member = row.get("nejvice_nazev")
    return _w("headline", lang, covered=signed, member=member) if isinstance(member, str) and member else _w("headline_nobody", lang, covered=signed)


def headline_of(headline: pd.DataFrame, *, lang: str = "cs") -> Element:
    """The headlines of a scenario, one per service type it touches, with missing now and after."""
    parts = []
    for _, row in headline.iterrows():
        parts.append(Element(f'<p class="kp-headline"><strong>{escape(headline_text(row, lang))}</strong></p>'))
        unit = row["jednotka"]
        parts.append(paragraph(_w("type_line", lang, druh=type_name(row["druh"], lang), before=fmt.count(row["chybi_pred"], lang, unit), after=fmt.count(row["chybi_po"], lang, unit))))
        if int(row["ztraci"]) > 0:
            parts.append(paragraph(_w("losers", lang, n=int(row["ztraci"]))))
    return join(parts)


def members_of(members: pd.DataFrame, *, lang: str = "cs") -> Table:
    """Per member and type (planning unit): need, missing now, missing after, change."""
    rows = members.loc[members["jednotka"] == members["druh"].map(planning_unit)]
    shown = pd.DataFrame({
        "nazev": rows["nazev"], "druh": rows["druh"].map(lambda d: type_name(d, lang)),
        "potreba": rows["potreba"], "chybi_pred": rows["chybi_pred"], "chybi_po": rows["chybi_po"], "zmena": rows["zmena"],
    })
    cells = {c: (lambda v, c=c: fmt.number(v, lang, 1, sign=c == "zmena")) for c in ("potreba", "chybi_pred", "chybi_po", "zmena")}
    headers = {c: _w(c, lang) for c in shown.columns}
    units = set(rows["jednotka"])
    if len(units) == 1:
        unit = unit_name(units.pop(), lang)
        headers = {c: (f"{h} ({unit})" if c in cells else h) for c, h in headers.items()}
    return Table(shown, lang=lang, headers=headers, cells=cells)


def costs_of(changes: pd.DataFrame, *, lang: str = "cs") -> Table:
    """Per change: what changes, capacity added, yearly cost, where it comes from, the members' part."""
    shown = pd.DataFrame({
        "zmena_typ": changes["zmena"].map(lambda k: _w(k, lang)), "nazev_sluzby": changes["nazev_sluzby"],
        "kapacita_zmena": [fmt.count(v, lang, u) for v, u in zip(changes["kapacita_zmena"], changes["jednotka"], strict=True)],
        "naklady": changes["naklady"], "naklady_zdroj": changes["naklady_zdroj"].map(lambda k: _w(k, lang)),
        "spolufinancovani": changes["spolufinancovani"], "obce": changes["obce"],
    })
    cells = {"naklady": lambda v: fmt.money(v, lang), "obce": lambda v: fmt.money(v, lang), "spolufinancovani": lambda v: fmt.percent(v, lang)}
    return Table(shown, lang=lang, headers={c: _w(c, lang) for c in shown.columns}, cells=cells, numeric=["kapacita_zmena", "naklady", "spolufinancovani", "obce"])


def split_of(split: pd.DataFrame, changes: pd.DataFrame, *, lang: str = "cs") -> Element:
    """What each member that gains pays a year for each change that costs (covered in the change's unit)."""
    if not len(split):
        return paragraph(_w("no_split", lang))
    by_change = changes.set_index("poradi")
    unit = split["poradi"].map(by_change["druh"]).map(planning_unit)
    shown = pd.DataFrame({
        "nazev_sluzby": split["poradi"].map(by_change["nazev_sluzby"]), "nazev": split["nazev"], "obyvatele": split["obyvatele"],
        "pokryto": [fmt.count(v, lang, u, digits=1) for v, u in zip(split["pokryto"], unit, strict=True)],
        "castka": split["castka"], "samostatne": split["samostatne"],
    })
    cells = {"castka": lambda v: fmt.money(v, lang), "samostatne": lambda v: fmt.money(v, lang)}
    method = method_label(split["metoda"].iloc[0], lang)
    return paragraph(_w("method", lang, method=method)) + Table(shown, lang=lang, headers={c: _w(c, lang) for c in shown.columns}, cells=cells,
                                                               numeric=["obyvatele", "pokryto", "castka", "samostatne"])


def main_type(headline: pd.DataFrame) -> str:
    """The service type whose coverage the scenario changes most (the maps show it)."""
    return str(headline.loc[headline["pokryto"].abs().idxmax(), "druh"])


def delta_map(municipalities: gpd.GeoDataFrame, services: gpd.GeoDataFrame, members: pd.DataFrame, *, druh: str, lang: str = "cs") -> folium.Map:
    """Who gains and who loses: each member coloured by how many more of its need are covered.

    Parameters
    ----------
    municipalities
        Member polygons with ``kod_obce`` and ``nazev`` (the run's ``obce`` layer).
    services
        The services after the change (points).
    members
        The scenario's per member table (``kod_obce``, ``druh``, ``jednotka``,
        ``chybi_pred``, ``chybi_po``).
    druh
        The service type drawn, in its planning unit.
    """
    unit = planning_unit(druh)
    rows = members.loc[(members["druh"] == druh) & (members["jednotka"] == unit)]
    gain = (rows["chybi_pred"] - rows["chybi_po"]).to_numpy(float)
    codes = rows["kod_obce"].astype(str).to_numpy()
    top = float(np.nanmax(np.abs(gain))) if len(gain) and np.nanmax(np.abs(gain)) > 0 else 1.0
    bins = [-np.inf, -top / 20, -1e-9, 1e-9, top / 20]
    colours = pd.Series([GAIN_COLOURS[int(np.searchsorted(bins, v, side="right")) - 1] if np.isfinite(v) else maps.NO_DATA_COLOUR for v in gain], index=codes)
    tips = pd.Series([fmt.count(v, lang, unit, digits=1) if abs(v) < 0.05 else (("+" if v > 0 else "−") + fmt.count(abs(v), lang, unit, digits=1)) for v in gain], index=codes)
    title = _w("delta_title", lang, druh=type_name(druh, lang), unit=unit_name(unit, lang))
    legend = [(_w(k, lang), c) for k, c in zip(("delta_loss_more", "delta_loss", "delta_same", "delta_gain", "delta_gain_more"), GAIN_COLOURS, strict=True)]
    m = maps.value_map(municipalities, services, colours, tips, title=title, legend=legend, tip_label=_w("pokryto", lang), lang=lang)
    return m


def services_after(services: gpd.GeoDataFrame, changed: pd.DataFrame) -> gpd.GeoDataFrame:
    """The run's services layer with a scenario's changes (``scenare_sluzby`` rows): new ones drawn, closed ones gone."""
    closed = set(changed.loc[changed["zmena"] == "zrusit", "id"])
    kept = services.loc[~services["id"].isin(closed)].copy()
    grown = changed.loc[changed["zmena"] == "kapacita"].set_index("id")["kapacita"]
    kept.loc[kept["id"].isin(grown.index), "kapacita"] = kept["id"].map(grown)
    new = changed.loc[changed["zmena"] == "pridat"]
    if not len(new):
        return kept
    points = gpd.GeoDataFrame(new.drop(columns=["lat", "lon", "zmena"]).assign(poskytovatel=""), geometry=gpd.points_from_xy(new["lon"], new["lat"]), crs="EPSG:4326").to_crs(kept.crs)
    return gpd.GeoDataFrame(pd.concat([kept, points], ignore_index=True), geometry="geometry", crs=kept.crs)


def _gaps(rows: pd.DataFrame, column: str, druh: str) -> pd.DataFrame:
    capacity = rows[column].astype(float)
    return pd.DataFrame({"kod_obce": rows["kod_obce"], "druh": druh, "jednotka": planning_unit(druh), "potreba": rows["potreba"],
                         "kapacita_dosazitelna": capacity, "mezera": rows["potreba"].astype(float) - capacity,
                         "pokryti": capacity / rows["potreba"].astype(float)})


# --- the run page: a run's scenare_* tables -----------------------------------------------------------


def _rows(r: Results, table: str, scenar: str) -> pd.DataFrame:
    rows = r[table]
    if scenar not in set(rows["scenar"]):
        raise InvalidParameter(f"scenar: no scenario {scenar!r} in this run (scenarios: {', '.join(dict.fromkeys(rows['scenar']))})")
    return rows.loc[rows["scenar"] == scenar].drop(columns="scenar").reset_index(drop=True)


def title(r: Results, scenar: str) -> str:
    """What the page calls a run's scenario: its ``nazev_scenare``, else its name made readable (:attr:`Scenario.title`)."""
    _rows(r, "scenare_souhrn", scenar)  # a scenario of this run
    from kpwork.scenarios.changes import Scenario

    return r.meta.get("scenario_titles", {}).get(scenar) or Scenario(scenar, ()).title


def headline(r: Results, scenar: str, *, lang: str = "cs") -> Element:
    """The headlines of a run's scenario (:func:`headline_of`)."""
    return headline_of(_rows(r, "scenare_souhrn", scenar), lang=lang)


def member_table(r: Results, scenar: str, *, lang: str = "cs") -> Table:
    """Missing now and after per member (:func:`members_of`)."""
    return members_of(_rows(r, "scenare_obce", scenar), lang=lang)


def cost_table(r: Results, scenar: str, *, lang: str = "cs") -> Table:
    """The cost of each change (:func:`costs_of`)."""
    return costs_of(_rows(r, "scenare_naklady", scenar), lang=lang)


def split_table(r: Results, scenar: str, *, lang: str = "cs") -> Element:
    """What each member pays (:func:`split_of`)."""
    return split_of(_rows(r, "scenare_podily", scenar), _rows(r, "scenare_naklady", scenar), lang=lang)


#: Height of a scenario page's maps (the page has no style of its own for ``.kp-map``).
MAP_HEIGHT = "560px"


def change_map(r: Results, scenar: str, *, lang: str = "cs") -> Element:
    """Who gains and who loses in the scenario's main type (:func:`delta_map`), as a sandboxed map frame."""
    druh, rows, changed = _map_inputs(r, scenar)
    m = delta_map(r.layer("obce"), services_after(r.layer("sluzby"), changed), rows, druh=druh, lang=lang)
    return maps.embed(m, lang=lang, height=MAP_HEIGHT)


def map_before(r: Results, scenar: str, *, lang: str = "cs") -> Element:
    """The planning map of the scenario's main type (:func:`main_type`) as it is now, as a sandboxed map frame."""
    druh, rows, _ = _map_inputs(r, scenar)
    m = maps.region_map(r.layer("obce"), r.layer("sluzby"), _gaps(rows, "kapacita_pred", druh), druh=druh, lang=lang)
    return maps.embed(m, lang=lang, height=MAP_HEIGHT)


def map_after(r: Results, scenar: str, *, lang: str = "cs") -> Element:
    """The planning map of the scenario's main type after the change, as a sandboxed map frame."""
    druh, rows, changed = _map_inputs(r, scenar)
    m = maps.region_map(r.layer("obce"), services_after(r.layer("sluzby"), changed), _gaps(rows, "kapacita_po", druh), druh=druh, lang=lang)
    return maps.embed(m, lang=lang, height=MAP_HEIGHT)


def _map_inputs(r: Results, scenar: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    druh = main_type(_rows(r, "scenare_souhrn", scenar))
    members = _rows(r, "scenare_obce", scenar)
    rows = members.loc[(members["druh"] == druh) & (members["jednotka"] == planning_unit(druh))]
    return druh, rows, _rows(r, "scenare_sluzby", scenar)
