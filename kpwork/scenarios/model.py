"""A scenario applied to a region: new services table, need against reachable capacity before and after.

A :class:`Scenario` is a list of :class:`Change` (add a service, change the
capacity of one, close one). :func:`apply_changes` turns it into a new
services table; :func:`evaluate` recomputes reachable capacity and gaps with
the functions of the run (:func:`kpwork.access.reachable_capacity`,
:func:`kpwork.gaps.find_gaps`, :func:`kpwork.gaps.municipality_gaps`), for the
service types the scenario touches (each type is computed on its own in the
run too, so the other types keep the run's numbers). Units and target groups
count as in the run: a new service serves only its target groups, in its unit
or converted to its type's planning unit.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kpwork import access, gaps, need
from kpwork.config import ANALYSIS_CRS, THRESHOLDS
from kpwork.conversions import region_conversions
from kpwork.errors import InvalidParameter
from kpwork.region.model import Region
from kpwork.scenarios.changes import CHANGE_KINDS, Change, Scenario
from kpwork.taxonomy import FORMS, SERVICE_TYPES, planning_unit

log = logging.getLogger(__name__)

#: Columns of :attr:`ScenarioResult.members`.
MEMBER_COLUMNS = ("kod_obce", "nazev", "druh", "jednotka", "potreba", "kapacita_pred", "kapacita_po", "chybi_pred", "chybi_po", "zmena")
#: Columns of :attr:`ScenarioResult.headline`.
HEADLINE_COLUMNS = ("druh", "jednotka", "chybi_pred", "chybi_po", "pokryto", "nejvice_kod", "nejvice_nazev", "nejvice_pokryto", "ztraci")
FIELD = "terenni"


@dataclass(frozen=True)
class Baseline:
    """What every scenario of a region is compared with, computed once by :func:`prepare`.

    Attributes
    ----------
    region
        The region as it is.
    need
        :func:`kpwork.need.region_need` of the region.
    conversions
        The region's conversions between units.
    gaps
        :func:`kpwork.gaps.find_gaps` of the region (per member x group x type x unit).
    """

    region: Region
    need: pd.DataFrame
    conversions: pd.DataFrame
    gaps: pd.DataFrame


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario evaluated against its baseline.

    Attributes
    ----------
    scenario
        The scenario.
    services
        The services table after the changes (every type).
    gaps
        :func:`kpwork.gaps.find_gaps` after, for the types the scenario touches.
    members
        Per member x touched type x unit (:data:`MEMBER_COLUMNS`): need,
        reachable capacity before and after, what is missing before and
        after (need minus capacity, never below 0; empty in a unit need is
        not counted in) and ``zmena`` = after minus before (negative: fewer missing).
    headline
        Per touched type in its planning unit (:data:`HEADLINE_COLUMNS`):
        missing before and after, ``pokryto`` (how many more are covered),
        the member that gains most and the number of members that lose.
    """

    scenario: Scenario
    services: gpd.GeoDataFrame
    gaps: pd.DataFrame
    members: pd.DataFrame
    headline: pd.DataFrame


def prepare(region: Region) -> Baseline:
    """The baseline of a region: need, conversions and the run's gaps, computed once.

    Examples
    --------
    >>> from kpwork.region import load_region
    >>> base = prepare(load_region("data/otrokovicko"))
    >>> sorted(base.gaps.columns)[:3]
    ['cilova_skupina', 'druh', 'jednotka']
    """
    need_table = need.region_need(region)
    conversions = region_conversions(region)
    reach = access.reachable_capacity(region, need_table, conversions=conversions)
    return Baseline(region, need_table, conversions, gaps.find_gaps(need_table, reach.by_group))


def apply_changes(region: Region, changes: Sequence[Change]) -> gpd.GeoDataFrame:
    """The region's services with ``changes`` applied, in order.

    Parameters
    ----------
    region
        The region.
    changes
        Changes in order; a later change may alter a service an earlier one added.

    Returns
    -------
    geopandas.GeoDataFrame
        A new services table (the region's is not modified): closed services
        removed, capacities set, new services appended with their seat and
        catchment (``pusobnost``) as the loader would give them.

    Raises
    ------
    InvalidParameter
        Naming the change: an unknown service, an unknown type, form or
        unit, a form the type is not provided in, a seat outside the members,
        a negative capacity.

    Examples
    --------
    >>> from kpwork.region import load_region
    >>> region = load_region("data/otrokovicko")
    >>> after = apply_changes(region, [Change("zrusit", "S02"), Change("kapacita", "S04", kapacita=120)])
    >>> "S02" in set(after["id"]), float(after.set_index("id").loc["S04", "kapacita"])
    (False, 120.0)
    """
    services = region.services.copy()
    added = 0
    for k, change in enumerate(changes, start=1):
        where = f"change {k} ({change.zmena} {change.sluzba_id})".replace(" )", ")")
        if change.zmena not in CHANGE_KINDS:
            raise InvalidParameter(f"{where}: unknown kind {change.zmena!r}; expected one of {', '.join(CHANGE_KINDS)}")
        if change.zmena == "pridat":
            added += 1
            row = _new_service(region, change, change.sluzba_id or _free_id(services, added), where)
            services = pd.concat([services, row], ignore_index=True)
            continue
        found = np.flatnonzero(services["id"].to_numpy() == change.sluzba_id)
        if not len(found):
            raise InvalidParameter(f"{where}: unknown service {change.sluzba_id!r}; expected an id of the services")
        if change.zmena == "zrusit":
            services = services.drop(index=services.index[found]).reset_index(drop=True)
        else:
            services.loc[services.index[found], "kapacita"] = _capacity(change, where)
    return gpd.GeoDataFrame(services, geometry="geometry", crs=region.services.crs or ANALYSIS_CRS)


def evaluate(base: Baseline, scenario: Scenario) -> ScenarioResult:
    """Need against reachable capacity before and after ``scenario``, per member.

    Parameters
    ----------
    base
        The baseline of the region (:func:`prepare`).
    scenario
        The changes.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    InvalidParameter
        As :func:`apply_changes`.

    Notes
    -----
    The services of the touched types after the changes go through
    :func:`kpwork.access.reachable_capacity` and :func:`kpwork.gaps.find_gaps`
    with the baseline's need and conversions, exactly as in the run. Per
    member and type (all target groups, :func:`kpwork.gaps.municipality_gaps`)
    *missing* is :math:`\\max(0, potreba - kapacita)` in the type's planning unit.

    Examples
    --------
    >>> from kpwork.region import load_region
    >>> base = prepare(load_region("data/otrokovicko"))
    >>> new = Change("pridat", druh="41", forma="terenni", cilove_skupiny=("seniori",), kapacita=5, kod_obce="585513")
    >>> result = evaluate(base, Scenario("tisnova", (new,)))
    >>> round(float(result.headline["pokryto"].iloc[0]), 2) > 0
    True
    """
    region = base.region
    services = apply_changes(region, scenario.changes)
    touched = _touched_types(region, scenario.changes)
    after = _gaps_for(base, services, touched)
    before = base.gaps.loc[base.gaps["druh"].isin(touched)]
    members = _member_table(before, after, region)
    return ScenarioResult(scenario, services, after, members, _headline(members))


# --- steps -------------------------------------------------------------------------------


def _gaps_for(base: Baseline, services: gpd.GeoDataFrame, types: list[str]) -> pd.DataFrame:
    region = dataclasses.replace(base.region, services=services.loc[services["druh"].isin(types)].reset_index(drop=True))
    need_table = base.need.loc[base.need["druh"].isin(types)]
    reach = access.reachable_capacity(region, need_table, conversions=base.conversions)
    return gaps.find_gaps(need_table, reach.by_group)


def _touched_types(region: Region, changes: Sequence[Change]) -> list[str]:
    known = dict(zip(region.services["id"], region.services["druh"], strict=True)) if len(region.services) else {}
    types: list[str] = []
    for change in changes:
        druh = change.druh if change.zmena == "pridat" else known.get(change.sluzba_id, change.druh)
        if druh and druh not in types:
            types.append(druh)
    return types


def _member_table(before: pd.DataFrame, after: pd.DataFrame, region: Region) -> pd.DataFrame:
    keys = ["kod_obce", "druh", "jednotka"]
    old = gaps.municipality_gaps(before) if len(before) else pd.DataFrame(columns=[*keys, "potreba", "kapacita_dosazitelna"])
    new = gaps.municipality_gaps(after) if len(after) else pd.DataFrame(columns=[*keys, "potreba", "kapacita_dosazitelna"])
    table = old[[*keys, "potreba", "kapacita_dosazitelna"]].merge(
        new[[*keys, "potreba", "kapacita_dosazitelna"]], on=keys, how="outer", suffixes=("_pred", "_po"))
    table["potreba"] = table["potreba_pred"].combine_first(table["potreba_po"])
    table["kapacita_pred"] = table["kapacita_dosazitelna_pred"].fillna(0.0)
    table["kapacita_po"] = table["kapacita_dosazitelna_po"].fillna(0.0)
    table["chybi_pred"] = (table["potreba"] - table["kapacita_pred"]).clip(lower=0)
    table["chybi_po"] = (table["potreba"] - table["kapacita_po"]).clip(lower=0)
    table["zmena"] = table["chybi_po"] - table["chybi_pred"]
    table.insert(1, "nazev", table["kod_obce"].map(region.member_names()))
    order = {code: k for k, code in enumerate(region.members)}
    planned = table["jednotka"] == table["druh"].map(planning_unit)
    table = table.assign(_o=table["kod_obce"].map(order), _p=~planned).sort_values(["druh", "_p", "jednotka", "_o"], kind="stable")
    return table[list(MEMBER_COLUMNS)].reset_index(drop=True)


def _headline(members: pd.DataFrame) -> pd.DataFrame:
    rows = []
    planned = members.loc[members["jednotka"] == members["druh"].map(planning_unit)]
    for druh, part in planned.groupby("druh", sort=False):
        gain = part["chybi_pred"] - part["chybi_po"]
        best = int(np.argmax(gain.to_numpy())) if len(part) else 0
        rows.append({
            "druh": druh, "jednotka": part["jednotka"].iloc[0],
            "chybi_pred": float(part["chybi_pred"].sum()), "chybi_po": float(part["chybi_po"].sum()),
            "pokryto": float(gain.sum()),
            "nejvice_kod": part["kod_obce"].iloc[best] if gain.max() > 0 else "",
            "nejvice_nazev": part["nazev"].iloc[best] if gain.max() > 0 else "",
            "nejvice_pokryto": float(max(gain.max(), 0.0)),
            "ztraci": int((gain < -1e-9).sum()),
        })
    return pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))


def _capacity(change: Change, where: str) -> float:
    value = change.kapacita
    if value is None or not np.isfinite(value) or value < 0:
        raise InvalidParameter(f"{where}: kapacita must be a number >= 0, got {value!r}")
    return float(value)


def _free_id(services: pd.DataFrame, k: int) -> str:
    taken = set(services["id"]) if len(services) else set()
    while f"N{k}" in taken:
        k += 1
    return f"N{k}"


def _new_service(region: Region, change: Change, sid: str, where: str) -> gpd.GeoDataFrame:
    if change.druh not in SERVICE_TYPES:
        raise InvalidParameter(f"{where}: unknown service type {change.druh!r}; expected a paragraph code such as 40")
    kind = SERVICE_TYPES[change.druh]
    if change.forma not in kind.forms:
        raise InvalidParameter(f"{where}: {kind.label} is not provided as {FORMS.get(change.forma, change.forma)}; expected one of {', '.join(kind.forms)}")
    if change.kod_obce not in region.members:
        raise InvalidParameter(f"{where}: {change.kod_obce!r} is not a member of the region; expected the code of the member where the service sits")
    if not change.cilove_skupiny:
        raise InvalidParameter(f"{where}: no target groups; expected the groups the service serves (cilove_skupiny)")
    if len(region.services) and sid in set(region.services["id"]):
        raise InvalidParameter(f"{where}: the id {sid!r} is taken by an existing service; choose another")
    seat = shapely.Point(change.bod) if change.bod is not None else region.municipalities.geometry.loc[change.kod_obce].representative_point()
    row = {
        "id": sid, "nazev": change.nazev or f"nová služba {sid}", "poskytovatel": "", "ico": "", "druh": change.druh, "forma": change.forma,
        "cilove_skupiny": tuple(change.cilove_skupiny), "kapacita": _capacity(change, where),
        "jednotka": change.jednotka or kind.unit, "kod_obce": change.kod_obce,
        "naklady": np.nan if change.naklady is None else float(change.naklady),
        "pusobnost": _catchment(region, change, seat, where),
    }
    frame = pd.DataFrame([{c: row.get(c, "") for c in region.services.columns if c != "geometry"} | row])
    return gpd.GeoDataFrame(frame, geometry=[seat], crs=ANALYSIS_CRS)


def _catchment(region: Region, change: Change, seat: shapely.Point, where: str) -> tuple[str, ...]:
    if change.forma != FIELD:
        return tuple(region.members)
    if change.pusobnost:
        strangers = [c for c in change.pusobnost if c not in region.members]
        if strangers:
            raise InvalidParameter(f"{where}: pusobnost {strangers[:5]} are not members of the region")
        return tuple(c for c in region.members if c in set(change.pusobnost))
    radius = change.dosah_m if change.dosah_m is not None else THRESHOLDS.radius_by_form[FIELD]
    if not (np.isfinite(radius) and radius > 0):
        raise InvalidParameter(f"{where}: dosah must be a distance > 0, got {radius!r}")
    points = access.demand_points(region)
    near = shapely.distance(points.values, seat) <= radius
    return tuple(points.index[near]) or (change.kod_obce,)
