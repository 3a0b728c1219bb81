"""The scenario comparison page of a run: headline, maps before and after, per member table, costs.

Only selects and renders the run's ``scenare_*`` tables
(:func:`kpwork.scenarios.tables.scenario_results`); words from
:data:`kpwork.pages.labels.SCENARIO`, numbers through :mod:`kpwork.pages.format`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt
from kpwork.pages import maps
from kpwork.pages.element import Element, Table, escape, join, paragraph
from kpwork.pages.labels import SCENARIO, method_label, translate, type_name, unit_name
from kpwork.results import Results
from kpwork.taxonomy import planning_unit


def _w(key: str, lang: str, **fields: object) -> str:
    return translate(SCENARIO, key, lang, **fields)


def _rows(r: Results, table: str, scenar: str) -> pd.DataFrame:
    rows = r[table]
    if scenar not in set(rows["scenar"]):
        raise InvalidParameter(f"scenar: no scenario {scenar!r} in this run (scenarios: {', '.join(dict.fromkeys(rows['scenar']))})")
    return rows.loc[rows["scenar"] == scenar].drop(columns="scenar").reset_index(drop=True)


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
    if covered < 0:
        return _w("headline_loss", lang, covered=amount)
    signed = f"+{amount}" if round(covered) > 0 else amount
    member = row.get("nejvice_nazev")
    return _w("headline", lang, covered=signed, member=member) if isinstance(member, str) and member else _w("headline_nobody", lang, covered=signed)


def headline(r: Results, scenar: str, *, lang: str = "cs") -> Element:
    """The headlines of a scenario, one per service type it touches, with missing before and after."""
    parts = []
    for _, row in _rows(r, "scenare", scenar).iterrows():
        parts.append(Element(f"<p class=\"kp-headline\"><strong>{escape(headline_text(row, lang))}</strong></p>"))
        unit = row["jednotka"]
        parts.append(paragraph(_w("type_line", lang, druh=type_name(row["druh"], lang), before=fmt.count(row["chybi_pred"], lang, unit), after=fmt.count(row["chybi_po"], lang, unit))))
        if int(row["ztraci"]) > 0:
            parts.append(paragraph(_w("losers", lang, n=int(row["ztraci"]))))
    return join(parts)


def member_table(r: Results, scenar: str, *, lang: str = "cs") -> Table:
    """Per member and type (planning unit): need, missing now, missing after, change."""
    rows = _rows(r, "scenare_obce", scenar)
    rows = rows.loc[rows["jednotka"] == rows["druh"].map(planning_unit)]
    shown = pd.DataFrame({
        "nazev": rows["nazev"], "druh": rows["druh"].map(lambda d: type_name(d, lang)),
        "potreba": rows["potreba"], "chybi_pred": rows["chybi_pred"], "chybi_po": rows["chybi_po"], "zmena": rows["zmena"],
    })
    units = rows["jednotka"].tolist()
    cells = {c: (lambda v, c=c: fmt.number(v, lang, 1, sign=c == "zmena")) for c in ("potreba", "chybi_pred", "chybi_po", "zmena")}
    headers = {c: _w(c, lang) for c in shown.columns}
    if len(set(units)) == 1 and units:
        headers = {c: (f"{h} ({unit_name(units[0], lang)})" if c in cells else h) for c, h in headers.items()}
    return Table(shown, lang=lang, headers=headers, cells=cells)


def cost_table(r: Results, scenar: str, *, lang: str = "cs") -> Table:
    """Per change: what changes, capacity added, yearly cost, where it comes from, the members' part."""
    rows = _rows(r, "scenare_naklady", scenar)
    shown = pd.DataFrame({
        "zmena_typ": rows["zmena"].map(lambda k: _w(k, lang)), "nazev_sluzby": rows["nazev_sluzby"],
        "kapacita_zmena": [fmt.count(v, lang, u, digits=0) for v, u in zip(rows["kapacita_zmena"], rows["jednotka"], strict=True)],
        "naklady": rows["naklady"], "naklady_zdroj": rows["naklady_zdroj"].map(lambda k: _w(k, lang)),
        "spolufinancovani": rows["spolufinancovani"], "obce": rows["obce"],
    })
    cells = {"naklady": lambda v: fmt.money(v, lang), "obce": lambda v: fmt.money(v, lang), "spolufinancovani": lambda v: fmt.percent(v, lang)}
    return Table(shown, lang=lang, headers={c: _w(c, lang) for c in shown.columns}, cells=cells, numeric=["kapacita_zmena", "naklady", "spolufinancovani", "obce"])


def split_table(r: Results, scenar: str, *, lang: str = "cs") -> Element:
    """What each member pays a year for the scenario (all its changes), and alone."""
    rows = _rows(r, "scenare_podily", scenar)
    if not len(rows):
        return paragraph(_w("no_split", lang))
    method = method_label(rows["metoda"].iloc[0], lang)
    per_member = rows.groupby(["kod_obce", "nazev"], sort=False, as_index=False).agg(obyvatele=("obyvatele", "first"), pokryto=("pokryto", "sum"), castka=("castka", "sum"))
    shown = per_member.drop(columns="kod_obce")
    cells = {"castka": lambda v: fmt.money(v, lang), "pokryto": lambda v: fmt.number(v, lang, 1)}
    return paragraph(_w("method", lang, method=method)) + Table(shown, lang=lang, headers={c: _w(c, lang) for c in shown.columns}, cells=cells)


def scenario_maps(r: Results, scenar: str, *, lang: str = "cs") -> Element:
    """For each type the scenario touches: the planning map now and after the change."""
    members = _rows(r, "scenare_obce", scenar)
    changed = _rows(r, "scenare_sluzby", scenar)
    municipalities, services = r.layer("obce"), r.layer("sluzby")
    parts = []
    for druh in dict.fromkeys(members["druh"]):
        unit = planning_unit(druh)
        rows = members.loc[(members["druh"] == druh) & (members["jednotka"] == unit)]
        before = _gaps(rows, "kapacita_pred", druh, unit)
        after = _gaps(rows, "kapacita_po", druh, unit)
        parts.append(Element(f"<h3>{escape(type_name(druh, lang))}: {escape(_w('before', lang))}</h3>"))
        parts.append(maps.embed(maps.region_map(municipalities, services, before, druh=druh, lang=lang), lang=lang))
        parts.append(Element(f"<h3>{escape(type_name(druh, lang))}: {escape(_w('after', lang))}</h3>"))
        parts.append(maps.embed(maps.region_map(municipalities, _services_after(services, changed), after, druh=druh, lang=lang), lang=lang))
    return join(parts)


def _gaps(rows: pd.DataFrame, column: str, druh: str, unit: str) -> pd.DataFrame:
    capacity = rows[column].astype(float)
    return pd.DataFrame({"kod_obce": rows["kod_obce"], "druh": druh, "jednotka": unit, "potreba": rows["potreba"],
                         "kapacita_dosazitelna": capacity, "pokryti": capacity / rows["potreba"].astype(float)})


def _services_after(services: gpd.GeoDataFrame, changed: pd.DataFrame) -> gpd.GeoDataFrame:
    closed = set(changed.loc[changed["zmena"] == "zrusit", "id"])
    kept = services.loc[~services["id"].isin(closed)].copy()
    grown = changed.loc[changed["zmena"] == "kapacita"].set_index("id")["kapacita"]
    kept.loc[kept["id"].isin(grown.index), "kapacita"] = kept["id"].map(grown)
    new = changed.loc[changed["zmena"] == "pridat"]
    if not len(new):
        return kept
    points = gpd.GeoDataFrame(new.drop(columns=["lat", "lon", "zmena"]).assign(poskytovatel=""), geometry=gpd.points_from_xy(new["lon"], new["lat"]), crs="EPSG:4326").to_crs(kept.crs)
    return gpd.GeoDataFrame(pd.concat([kept, points], ignore_index=True), geometry="geometry", crs=kept.crs)
