"""Gaps: need against reachable capacity, and the load of each service.

Per municipality, target group and service type the reachable capacity
(from :mod:`kpwork.access`) is compared with the need (from :mod:`kpwork.need`);
per service the clients of ``usage.csv`` are compared with its capacity.
What public pages may show of the clients is decided in :mod:`kpwork.disclosure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpwork.config import THRESHOLDS, Thresholds
from kpwork.taxonomy import paragraph_order

#: States of a gap (their page names are in :mod:`kpwork.pages.labels`).
GAP_STATUS = ("dostatek", "nedostatek", "nedostupne")
#: States of a service's load.
LOAD_STATUS = ("pretizena", "v_norme", "nevyuzita", "bez_udaju")
_TOTALS = ["potreba", "kapacita_dosazitelna", "mezera"]


def gap_status(capacity: pd.Series, coverage: pd.Series, *, thresholds: Thresholds = THRESHOLDS) -> np.ndarray:
    """The state of a gap, the one rule of every level (group, municipality, region).

    ``nedostupne`` when no capacity is reachable, ``dostatek`` when coverage
    (capacity / need) reaches ``thresholds.enough_share``, else ``nedostatek``.

    Examples
    --------
    >>> gap_status(pd.Series([0.0, 5.0, 12.0]), pd.Series([0.0, 0.5, 1.2])).tolist()
    ['nedostupne', 'nedostatek', 'dostatek']
    """
    return np.select([capacity <= 0, coverage >= thresholds.enough_share], ["nedostupne", "dostatek"], default="nedostatek")


def find_gaps(need: pd.DataFrame, access: pd.DataFrame, *, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Need against reachable capacity per municipality x target group x type.

    Parameters
    ----------
    need
        ``kod_obce``, ``cilova_skupina``, ``druh``, ``potreba``.
    access
        ``kod_obce``, ``druh``, ``kapacita_dosazitelna`` (capacity reachable
        from the municipality for all its need of that type) and optionally
        ``vzdalenost_nejblizsi_m``.

    Returns
    -------
    DataFrame
        ``kod_obce``, ``cilova_skupina``, ``druh``, ``potreba``,
        ``kapacita_dosazitelna``, ``mezera`` (need minus capacity; negative
        is a surplus), ``pokryti`` (capacity / need) and ``stav``:
        ``nedostupne`` when no capacity of the type is reachable,
        ``dostatek`` when coverage reaches ``thresholds.enough_share``,
        ``nedostatek`` otherwise. Rows with no need are left out.

    Notes
    -----
    Reachable capacity is computed per type over the need of all target
    groups together (services of a type are shared by the groups), then
    attributed to each group in proportion to its share of that need.

    Examples
    --------
    >>> need = pd.DataFrame({"kod_obce": ["585599", "585599"], "cilova_skupina": ["seniori", "ozp"], "druh": ["40", "40"], "potreba": [30.0, 10.0]})
    >>> access = pd.DataFrame({"kod_obce": ["585599"], "druh": ["40"], "kapacita_dosazitelna": [20.0]})
    >>> find_gaps(need, access)[["cilova_skupina", "kapacita_dosazitelna", "mezera", "stav"]].values.tolist()
    [['ozp', 5.0, 5.0, 'nedostatek'], ['seniori', 15.0, 15.0, 'nedostatek']]
    """
    need = need.loc[need["potreba"] > 0]
    total = need.groupby(["kod_obce", "druh"])["potreba"].transform("sum")
    gaps = need[["kod_obce", "cilova_skupina", "druh", "potreba"]].assign(_podil=need["potreba"] / total)
    columns = ["kod_obce", "druh", "kapacita_dosazitelna"] + [c for c in ("vzdalenost_nejblizsi_m",) if c in access]
    gaps = gaps.merge(access[columns], on=["kod_obce", "druh"], how="left")
    gaps["kapacita_dosazitelna"] = gaps["kapacita_dosazitelna"].fillna(0.0) * gaps.pop("_podil")
    gaps["mezera"] = gaps["potreba"] - gaps["kapacita_dosazitelna"]
    gaps["pokryti"] = gaps["kapacita_dosazitelna"] / gaps["potreba"]
    gaps["stav"] = gap_status(gaps["kapacita_dosazitelna"], gaps["pokryti"], thresholds=thresholds)
    return gaps.sort_values(["kod_obce", "cilova_skupina", "druh"], ignore_index=True)


def municipality_gaps(gaps: pd.DataFrame, *, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Need against reachable capacity per municipality and service type, all target groups together.

    Sums ``potreba``, ``kapacita_dosazitelna`` and ``mezera`` of the table of
    :func:`find_gaps` over target groups and gives ``pokryti`` and ``stav``
    by the rule of :func:`gap_status`, one row per ``kod_obce`` and
    ``druh`` (by code, then in the order of the Act).

    Examples
    --------
    >>> g = pd.DataFrame({"kod_obce": ["1", "1"], "cilova_skupina": ["seniori", "ozp"], "druh": ["40", "40"],
    ...                   "potreba": [3.0, 1.0], "kapacita_dosazitelna": [1.5, 0.5], "mezera": [1.5, 0.5]})
    >>> municipality_gaps(g)[["potreba", "mezera", "pokryti", "stav"]].values.tolist()
    [[4.0, 2.0, 0.5, 'nedostatek']]
    """
    return _summed(gaps, ["kod_obce", "druh"], thresholds)


def region_gaps(gaps: pd.DataFrame, *, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Need against reachable capacity per service type for the whole region.

    The same sums as :func:`municipality_gaps`, over every member: one row
    per ``druh`` in the order of the Act. ``mezera`` is the region's need
    minus its reachable capacity, so a surplus in one municipality offsets
    a shortfall in another; ``stav`` follows :func:`gap_status`, the rule of
    every level.

    Examples
    --------
    >>> g = pd.DataFrame({"kod_obce": ["1", "2", "2"], "cilova_skupina": ["seniori"] * 3, "druh": ["49", "40", "49"],
    ...                   "potreba": [4.0, 6.0, 2.0], "kapacita_dosazitelna": [0.0, 0.0, 3.0], "mezera": [4.0, 6.0, -1.0]})
    >>> region_gaps(g)[["druh", "mezera", "stav"]].values.tolist()
    [['40', 6.0, 'nedostupne'], ['49', 3.0, 'nedostatek']]
    """
    return _summed(gaps, ["druh"], thresholds)


def _summed(gaps: pd.DataFrame, keys: list[str], thresholds: Thresholds) -> pd.DataFrame:
    out = gaps.groupby(keys, as_index=False)[_TOTALS].sum()
    out["pokryti"] = out["kapacita_dosazitelna"] / out["potreba"]
    out["stav"] = gap_status(out["kapacita_dosazitelna"], out["pokryti"], thresholds=thresholds)
    return out.sort_values(keys, key=lambda s: s.map(paragraph_order) if s.name == "druh" else s, ignore_index=True)


def service_load(services: pd.DataFrame, usage: pd.DataFrame, members: tuple[str, ...] | list[str], *, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Clients of each service against its capacity.

    Returns
    -------
    DataFrame
        One row per service: ``sluzba_id``, ``kapacita``, ``klienti`` (all),
        ``klienti_z_regionu`` and ``klienti_odjinud`` (from members / from
        elsewhere), ``hodiny``, ``vytizeni`` (clients / capacity) and ``stav``:
        ``pretizena`` above ``overloaded_share``, ``nevyuzita`` below
        ``unused_share``, ``bez_udaju`` without usage rows, else ``v_norme``.
        When ``usage`` has several years, the latest year of each service counts.

    Examples
    --------
    >>> s = pd.DataFrame({"id": ["S1", "S2"], "kapacita": [10.0, 10.0]})
    >>> u = pd.DataFrame({"sluzba_id": ["S1", "S2"], "kod_obce": ["585599", "585068"], "klienti": [12, 3], "hodiny": [float("nan")] * 2, "rok": [2024, 2024]})
    >>> service_load(s, u, ["585599"])[["sluzba_id", "klienti_odjinud", "stav"]].values.tolist()
    [['S1', 0, 'pretizena'], ['S2', 3, 'nevyuzita']]
    """
    latest = _latest_year(usage)
    inside = latest["kod_obce"].isin(list(members))
    per_service = latest.assign(
        klienti_z_regionu=latest["klienti"].where(inside, 0),
        klienti_odjinud=latest["klienti"].where(~inside, 0),
    ).groupby("sluzba_id")[["klienti", "klienti_z_regionu", "klienti_odjinud", "hodiny"]].sum(min_count=1)
    load = services[["id", "kapacita"]].rename(columns={"id": "sluzba_id"}).merge(per_service, on="sluzba_id", how="left")
    has_usage = load["klienti"].notna()
    for column in ("klienti", "klienti_z_regionu", "klienti_odjinud"):
        load[column] = load[column].fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        load["vytizeni"] = np.where(load["kapacita"] > 0, load["klienti"] / load["kapacita"], np.nan)
    load["stav"] = np.select(
        [~has_usage, load["vytizeni"] > thresholds.overloaded_share, load["vytizeni"] < thresholds.unused_share],
        ["bez_udaju", "pretizena", "nevyuzita"],
        default="v_norme",
    )
    return load


def _latest_year(usage: pd.DataFrame) -> pd.DataFrame:
    if usage["rok"].isna().all():
        return usage
    last = usage.groupby("sluzba_id")["rok"].transform("max")
    return usage.loc[usage["rok"].isna() | (usage["rok"] == last)]


def top_shortages(gaps: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest shortfalls per municipality and service type.

    Groups add up over target groups; only rows with a shortfall (``mezera > 0``)
    count, largest first, ties by ``kod_obce`` and ``druh`` for a stable order.

    Examples
    --------
    >>> g = pd.DataFrame({"kod_obce": ["1", "1", "2"], "druh": ["40", "49", "40"], "mezera": [3.0, -1.0, 5.0], "potreba": [4.0, 1.0, 6.0], "kapacita_dosazitelna": [1.0, 2.0, 1.0]})
    >>> top_shortages(g)[["kod_obce", "mezera"]].values.tolist()
    [['2', 5.0], ['1', 3.0]]
    """
    per = gaps.groupby(["kod_obce", "druh"], as_index=False)[["potreba", "kapacita_dosazitelna", "mezera"]].sum()
    per = per.loc[per["mezera"] > 0]
    return per.sort_values(["mezera", "kod_obce", "druh"], ascending=[False, True, True], ignore_index=True).head(n)


def main_shortage_type(gaps: pd.DataFrame) -> str:
    """The service type with the largest total shortfall in the region (the map's default)."""
    per_type = gaps.assign(m=gaps["mezera"].clip(lower=0)).groupby("druh")["m"].sum()
    return str(per_type.sort_values(ascending=False, kind="stable").index[0])
