"""Gaps: need against reachable capacity, and the load of each service.

Per municipality, target group, service type and unit the reachable capacity
(from :mod:`kpwork.access`) is compared with the need (from :mod:`kpwork.need`);
capacity in a unit other than the one the type is planned in is listed apart,
never compared with need nor added. Per service the usage of ``usage.csv`` is
compared with its capacity like with like (:func:`service_load`).
What public pages may show of the clients is decided in :mod:`kpwork.disclosure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpwork.config import THRESHOLDS, Thresholds
from kpwork.conversions import default_conversions, factor_table
from kpwork.errors import InvalidParameter
from kpwork.taxonomy import CAPACITY_UNITS, SERVICE_TYPES

#: States of a gap (their page names are in :mod:`kpwork.pages.labels`);
#: ``jina_jednotka``: capacity in a unit that is not compared with need.
GAP_STATUS = ("dostatek", "nedostatek", "nedostupne", "jina_jednotka")
#: States of a service's load.
LOAD_STATUS = ("pretizena", "v_norme", "nevyuzita", "bez_udaju")
#: What a load compares (``vytizeni_zaklad``): clients with client capacity,
#: occupied beds or places with beds or places, an estimate from clients
#: through a conversion, no comparable figure (usage in another unit), no usage.
LOAD_BASES = ("klienti", "obsazenost", "odhad_z_klientu", "nesrovnatelne", "bez_udaju")
_TOTALS = ["potreba", "kapacita_dosazitelna", "mezera"]
_KEYS = ["kod_obce", "cilova_skupina", "druh"]
#: Days of a year for bed-days (``luzkodny``).
DAYS = 365
_PLANNING_UNIT = {code: t.unit for code, t in SERVICE_TYPES.items()}
_TYPE_RANK = {code: k for k, code in enumerate(SERVICE_TYPES)}
_UNIT_RANK = {code: k for k, code in enumerate(CAPACITY_UNITS)}


def gap_status(capacity: pd.Series, coverage: pd.Series, *, thresholds: Thresholds = THRESHOLDS) -> np.ndarray:
    """The state of a gap, the one rule of every level (group, municipality, region).

    ``jina_jednotka`` without coverage (capacity in a unit need is not
    counted in), ``nedostupne`` when no capacity is reachable, ``dostatek``
    when coverage (capacity / need) reaches ``thresholds.enough_share``,
    else ``nedostatek``.

    Examples
    --------
    >>> gap_status(pd.Series([0.0, 5.0, 12.0, 3.0]), pd.Series([0.0, 0.5, 1.2, None])).tolist()
    ['nedostupne', 'nedostatek', 'dostatek', 'jina_jednotka']
    """
    coverage = pd.Series(coverage, dtype=float)
    return np.select(
        [coverage.isna().to_numpy(), np.asarray(capacity) <= 0, coverage.to_numpy() >= thresholds.enough_share],
        ["jina_jednotka", "nedostupne", "dostatek"], default="nedostatek",
    )


def find_gaps(need: pd.DataFrame, access: pd.DataFrame, *, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Need against reachable capacity per municipality x target group x type x unit.

    Parameters
    ----------
    need
        ``kod_obce``, ``cilova_skupina``, ``druh``, ``potreba`` (in the type's
        planning unit; a ``jednotka`` column, when given, must say so).
    access
        Capacity reachable per group: ``kod_obce``, ``cilova_skupina``,
        ``druh``, ``jednotka``, ``kapacita_dosazitelna``
        (:attr:`kpwork.access.Reach.by_group`).

    Returns
    -------
    DataFrame
        ``kod_obce``, ``cilova_skupina``, ``druh``, ``jednotka``, ``potreba``,
        ``kapacita_dosazitelna``, ``mezera`` (need minus capacity; negative is
        a surplus), ``pokryti`` (capacity / need) and ``stav`` by
        :func:`gap_status`. One row per need row in the planning unit, and one
        per other unit of the type's capacity (need, shortfall and coverage
        empty, ``stav = jina_jednotka``). Rows with no need are left out.

    Raises
    ------
    InvalidParameter
        When ``access`` has no ``cilova_skupina``: capacity is attributed to
        the groups its services are registered for, by :mod:`kpwork.access`,
        not here.

    Examples
    --------
    >>> need = pd.DataFrame({"kod_obce": ["585599", "585599"], "cilova_skupina": ["seniori", "ozp"], "druh": ["40", "40"], "potreba": [30.0, 10.0]})
    >>> access = pd.DataFrame({"kod_obce": ["585599"] * 2, "cilova_skupina": ["seniori", "ozp"], "druh": ["40"] * 2,
    ...                        "jednotka": ["klienti"] * 2, "kapacita_dosazitelna": [20.0, 0.0]})
    >>> find_gaps(need, access)[["cilova_skupina", "kapacita_dosazitelna", "mezera", "stav"]].values.tolist()
    [['ozp', 0.0, 10.0, 'nedostupne'], ['seniori', 20.0, 10.0, 'nedostatek']]
    """
    missing = [c for c in (*_KEYS, "jednotka", "kapacita_dosazitelna") if c not in access.columns]
    if missing:
        raise InvalidParameter(f"access: missing columns {missing}; expected the per-group table of kpwork.access.reachable_capacity (by_group)")
    need = _with_unit(need.loc[need["potreba"] > 0, [*_KEYS, "potreba", *(["jednotka"] if "jednotka" in need else [])]])
    capacity = access[[*_KEYS, "jednotka", "kapacita_dosazitelna"]]
    planned = need.merge(capacity, on=[*_KEYS, "jednotka"], how="left")
    planned["kapacita_dosazitelna"] = planned["kapacita_dosazitelna"].fillna(0.0)
    others = need[[*_KEYS, "jednotka"]].merge(capacity, on=_KEYS, suffixes=("_planu", ""))
    others = others.loc[others["jednotka"] != others.pop("jednotka_planu")].assign(potreba=np.nan)
    gaps = pd.concat([planned, others[planned.columns]], ignore_index=True) if len(others) else planned
    gaps["mezera"] = gaps["potreba"] - gaps["kapacita_dosazitelna"]
    gaps["pokryti"] = gaps["kapacita_dosazitelna"] / gaps["potreba"]
    gaps["stav"] = gap_status(gaps["kapacita_dosazitelna"], gaps["pokryti"], thresholds=thresholds)
    return _sorted(gaps[[*_KEYS, "jednotka", "potreba", "kapacita_dosazitelna", "mezera", "pokryti", "stav"]], _KEYS)


def _with_unit(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``jednotka``: the type's planning unit where the column is missing."""
    if "jednotka" in table.columns:
        return table
    return table.assign(jednotka=table["druh"].map(_PLANNING_UNIT))


def _sorted(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """By ``keys`` (types in the order of the Act), the planning unit before other units."""
    order = pd.DataFrame({k: table[k].map(_TYPE_RANK) if k == "druh" else table[k] for k in keys})
    planned = table["jednotka"] == table["druh"].map(_PLANNING_UNIT)
    order["_jednotka"] = np.where(planned, -1, table["jednotka"].map(_UNIT_RANK).fillna(len(_UNIT_RANK)))
    return table.loc[order.sort_values([*keys, "_jednotka"], kind="stable").index].reset_index(drop=True)


def municipality_gaps(gaps: pd.DataFrame, *, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Need against reachable capacity per municipality, service type and unit, all target groups together.

    Sums ``potreba``, ``kapacita_dosazitelna`` and ``mezera`` of the table of
    :func:`find_gaps` over target groups and gives ``pokryti`` and ``stav``
    by the rule of :func:`gap_status`, one row per ``kod_obce``, ``druh``
    and ``jednotka`` (by code, then in the order of the Act, the planning
    unit first; a table without ``jednotka`` is in the planning units).

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
    per ``druh`` and ``jednotka`` in the order of the Act. ``mezera`` is the region's need
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
    gaps = _with_unit(gaps)
    out = gaps.groupby([*keys, "jednotka"], as_index=False)[_TOTALS].sum(min_count=1)
    out["kapacita_dosazitelna"] = out["kapacita_dosazitelna"].fillna(0.0)
    out["pokryti"] = out["kapacita_dosazitelna"] / out["potreba"]
    out["stav"] = gap_status(out["kapacita_dosazitelna"], out["pokryti"], thresholds=thresholds)
    return _sorted(out, keys)


def service_load(
    services: pd.DataFrame,
    usage: pd.DataFrame,
    members: tuple[str, ...] | list[str],
    *,
    conversions: pd.DataFrame | None = None,
    thresholds: Thresholds = THRESHOLDS,
) -> pd.DataFrame:
    """Use of each service against its capacity, like with like.

    Parameters
    ----------
    services
        ``id``, ``druh``, ``kapacita`` and ``jednotka``.
    usage
        ``sluzba_id``, ``kod_obce``, ``klienti``, ``rok`` and optionally
        ``hodiny``, ``luzkodny`` (bed-days in the year) and ``obsazenost``
        (average beds or places occupied).
    members
        Codes of the members (clients from elsewhere are shown apart).
    conversions
        Conversions between units (default: the shipped ones); used to
        estimate the load of beds or places from clients when no occupancy
        is given.

    Returns
    -------
    DataFrame
        One row per service: ``sluzba_id``, ``kapacita``, ``jednotka``,
        ``klienti`` (all), ``klienti_z_regionu`` and ``klienti_odjinud``
        (from members / from elsewhere), ``hodiny``, ``obsazenost`` (average
        beds or places occupied: ``obsazenost``, else ``luzkodny / 365``),
        ``vytizeni``, ``vytizeni_zaklad`` (what was compared, one of
        :data:`LOAD_BASES`) and ``stav``: ``pretizena`` above
        ``overloaded_share``, ``nevyuzita`` below ``unused_share``,
        ``bez_udaju`` without a comparable figure, else ``v_norme``. When
        ``usage`` has several years, the latest year of each service counts.

    Notes
    -----
    - Capacity in clients: ``vytizeni = klienti / kapacita`` (clients of the year).
    - Beds or places: ``obsazenost / kapacita`` when usage gives occupancy;
      else, when a conversion of the type turns the unit into clients
      (``f`` clients a year per bed), the estimate ``klienti / (kapacita * f)``
      (``odhad_z_klientu``); else no figure (``nesrovnatelne``): clients a
      year are never divided by beds.
    - Other units (families, contacts, ...): through a conversion to
      clients as above, else ``nesrovnatelne``.

    Examples
    --------
    >>> s = pd.DataFrame({"id": ["S1", "S2", "S3"], "druh": ["40", "40", "63"], "kapacita": [10.0, 10.0, 10.0], "jednotka": ["klienti", "klienti", "lůžka"]})
    >>> u = pd.DataFrame({"sluzba_id": ["S1", "S2", "S3"], "kod_obce": ["585599", "585068", "585599"], "klienti": [12, 3, 3], "rok": [2024] * 3})
    >>> service_load(s, u, ["585599"])[["sluzba_id", "klienti_odjinud", "vytizeni_zaklad", "stav"]].values.tolist()
    [['S1', 0, 'klienti', 'pretizena'], ['S2', 3, 'klienti', 'nevyuzita'], ['S3', 0, 'nesrovnatelne', 'bez_udaju']]
    """
    usage = usage.assign(**{c: usage[c] if c in usage else np.nan for c in ("hodiny", "luzkodny", "obsazenost")})
    latest = _latest_year(usage)
    inside = latest["kod_obce"].isin(list(members))
    occupied = latest["obsazenost"].where(latest["obsazenost"].notna(), latest["luzkodny"] / DAYS)
    per_service = latest.assign(
        klienti_z_regionu=latest["klienti"].where(inside, 0),
        klienti_odjinud=latest["klienti"].where(~inside, 0),
        obsazenost=occupied,
    ).groupby("sluzba_id")[["klienti", "klienti_z_regionu", "klienti_odjinud", "hodiny", "obsazenost"]].sum(min_count=1)
    load = services[["id", "druh", "kapacita", "jednotka"]].rename(columns={"id": "sluzba_id"}).merge(per_service, on="sluzba_id", how="left")
    has_usage = load["klienti"].notna()
    for column in ("klienti", "klienti_z_regionu", "klienti_odjinud"):
        load[column] = load[column].fillna(0).astype("int64")
    load["vytizeni"], load["vytizeni_zaklad"] = _compared(load, has_usage, factor_table(default_conversions() if conversions is None else conversions))
    load["stav"] = np.select(
        [load["vytizeni"].isna(), load["vytizeni"] > thresholds.overloaded_share, load["vytizeni"] < thresholds.unused_share],
        ["bez_udaju", "pretizena", "nevyuzita"],
        default="v_norme",
    )
    return load.drop(columns="druh")


def _compared(load: pd.DataFrame, has_usage: pd.Series, factors: dict[tuple[str, str, str], float]) -> tuple[np.ndarray, np.ndarray]:
    """Load and its basis per service (see :func:`service_load`)."""
    capacity = load["kapacita"].to_numpy(float)
    clients = load["klienti"].to_numpy(float)
    per_client = np.array([factors.get((d, u, "klienti"), np.nan) for d, u in zip(load["druh"], load["jednotka"], strict=True)])
    is_clients = (load["jednotka"] == "klienti").to_numpy()
    has_occupancy = load["obsazenost"].notna().to_numpy() & load["jednotka"].isin(["lůžka", "místa"]).to_numpy()
    basis = np.select(
        [~has_usage.to_numpy(), is_clients, has_occupancy, ~np.isnan(per_client)],
        ["bez_udaju", "klienti", "obsazenost", "odhad_z_klientu"], default="nesrovnatelne",
    )
    used = np.select([is_clients, has_occupancy], [clients, load["obsazenost"].to_numpy(float)], default=clients / np.where(np.isnan(per_client), 1.0, per_client))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((capacity > 0) & np.isin(basis, ["klienti", "obsazenost", "odhad_z_klientu"]), used / capacity, np.nan)
    return ratio, basis


def _latest_year(usage: pd.DataFrame) -> pd.DataFrame:
    if usage["rok"].isna().all():
        return usage
    last = usage.groupby("sluzba_id")["rok"].transform("max")
    return usage.loc[usage["rok"].isna() | (usage["rok"] == last)]


def top_shortages(gaps: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest shortfalls per municipality and service type, in the type's planning unit.

    Groups add up over target groups; only rows with a shortfall (``mezera > 0``)
    count, largest first, ties by ``kod_obce`` and ``druh`` for a stable order.
    Capacity in other units (no need, no shortfall) is left out.

    Examples
    --------
    >>> g = pd.DataFrame({"kod_obce": ["1", "1", "2"], "druh": ["40", "49", "40"], "mezera": [3.0, -1.0, 5.0], "potreba": [4.0, 1.0, 6.0], "kapacita_dosazitelna": [1.0, 2.0, 1.0]})
    >>> top_shortages(g)[["kod_obce", "mezera"]].values.tolist()
    [['2', 5.0], ['1', 3.0]]
    """
    gaps = _with_unit(gaps.loc[gaps["potreba"].notna()])
    per = gaps.groupby(["kod_obce", "druh", "jednotka"], as_index=False)[_TOTALS].sum()
    per = per.loc[per["mezera"] > 0]
    return per.sort_values(["mezera", "kod_obce", "druh"], ascending=[False, True, True], ignore_index=True).head(n)


def main_shortage_type(gaps: pd.DataFrame) -> str:
    """The service type with the largest total shortfall in the region (the map's default)."""
    per_type = gaps.assign(m=gaps["mezera"].clip(lower=0)).groupby("druh")["m"].sum()
    return str(per_type.sort_values(ascending=False, kind="stable").index[0])
