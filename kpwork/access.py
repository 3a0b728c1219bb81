"""Spatial accessibility of services: 2SFCA / E2SFCA per target group and unit, nearest distances.

Two layers, like PySAL access: array kernels (:func:`two_step_fca`,
:func:`catchment_fca`, :func:`radius_reach`, :func:`nearest_distance`,
:func:`gaussian_weights`, implemented in the private ``kpwork._fca``) and the
domain layer: :func:`reachable_capacity` takes a region and a need table and
computes, once, the capacity each member reaches per target group, service
type and unit of capacity (:class:`Reach`); :func:`accessibility` is its
all-groups table. A service counts only for the target groups it is
registered for, in its own unit or converted to its type's planning unit
(:mod:`kpwork.conversions`), never added to another unit. Distances are
straight lines in EPSG:5514 metres. The method, formulas and measured speed:
``docs/access.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from kpwork._fca import (
    Weights,
    catchment_fca,
    gaussian_weights,
    nearest_distance,
    radius_reach,
    two_step_fca,
)
from kpwork.config import ANALYSIS_CRS, THRESHOLDS
from kpwork.conversions import factor_table, region_conversions
from kpwork.errors import InvalidParameter
from kpwork.region import Region
from kpwork.region.model import OPT_OUT_REMOVES_REACH
from kpwork.taxonomy import FORMS, SERVICE_TYPES, TARGET_GROUPS, planning_unit, unit_order

log = logging.getLogger(__name__)

__all__ = [
    "Reach",
    "accessibility",
    "catchment_fca",
    "demand_points",
    "gaussian_weights",
    "nearest_distance",
    "radius_reach",
    "reachable_capacity",
    "serves_group",
    "two_step_fca",
]

#: Columns of :attr:`Reach.by_type`, the table :func:`accessibility` returns.
ACCESS_COLUMNS = ("kod_obce", "druh", "jednotka", "potreba", "dostupnost", "kapacita_dosazitelna", "vzdalenost_nejblizsi_m")
#: Columns of :attr:`Reach.by_group`.
GROUP_COLUMNS = ("kod_obce", "cilova_skupina", "druh", "jednotka", "potreba", "dostupnost", "kapacita_dosazitelna")
#: Columns of :attr:`Reach.by_service`.
SERVICE_COLUMNS = ("sluzba_id", "jednotka_vypoctu", "faktor", "kapacita_vypoctu", "skupiny_s_potrebou", "kapacita_bez_potreby")
#: Columns of :attr:`Reach.opt_outs`.
OPT_OUT_COLUMNS = ("kod_obce", "sluzba_id", "v_dosahu", "vyrazena_z_dosahu")
#: The one target group of a need table without ``cilova_skupina``: every service serves it.
ALL_GROUPS = ""
FIELD = "terenni"


@dataclass(frozen=True)
class Reach:
    """The capacity members reach, computed once by :func:`reachable_capacity`.

    Attributes
    ----------
    by_group : DataFrame
        Per member x target group x service type x unit (:data:`GROUP_COLUMNS`).
    by_type : DataFrame
        The same, all target groups together, and the nearest seat of the
        type (:data:`ACCESS_COLUMNS`); its ``kapacita_dosazitelna`` is the sum
        of ``by_group``'s over the groups.
    by_service : DataFrame
        Per service (:data:`SERVICE_COLUMNS`): the unit its capacity is counted
        in, the conversion factor, and the capacity no need of its target
        groups takes (nobody of its groups in its reach).
    opt_outs : DataFrame
        Per member that opted out of a shared service (:data:`OPT_OUT_COLUMNS`):
        whether the service physically reaches it and whether the region's
        rule took it out of the service's reach.
    """

    by_group: pd.DataFrame
    by_type: pd.DataFrame
    by_service: pd.DataFrame
    opt_outs: pd.DataFrame


def serves_group(registered: Iterable[str], group: str) -> bool:
    """Whether a service registered for target groups ``registered`` serves the need of ``group``.

    A service serves a need group when one of its groups is that group, or
    belongs to it (its planning group is the need group: a service for
    people with intellectual disabilities serves the need of ``ozp``), or is
    the need group's planning group (a service for ``rodiny`` serves the need
    of ``deti_mladez``). :data:`ALL_GROUPS` is served by every service.

    Examples
    --------
    >>> serves_group(("mentalni_postizeni",), "ozp"), serves_group(("krize",), "bez_pristresi"), serves_group(("rodiny",), "deti_mladez")
    (True, False, True)
    """
    if group == ALL_GROUPS:
        return True
    planning = TARGET_GROUPS[group].planning_group if group in TARGET_GROUPS else group
    return any(code == group or code == planning or (code in TARGET_GROUPS and TARGET_GROUPS[code].planning_group == group) for code in registered)


def demand_points(region: Region, *, points: gpd.GeoSeries | None = None) -> gpd.GeoSeries:
    """The point standing for each member municipality, index ``kod_obce``.

    Parameters
    ----------
    region
        A loaded region.
    points
        Optional override, e.g. population-weighted centres from finer
        data: a GeoSeries in EPSG:5514 indexed by ``kod_obce`` covering every
        member (other rows are ignored).

    Returns
    -------
    geopandas.GeoSeries
        Points in EPSG:5514, in the order of ``region.members``.

    Raises
    ------
    InvalidParameter
        If ``points`` has another CRS, misses members or holds non-points.

    Notes
    -----
    Without population below the municipality level a population-weighted
    centre cannot be computed; the polygon's centroid stands in, or its
    ``representative_point()`` when the centroid falls outside the polygon
    (a crescent-shaped municipality), so the point always lies in the
    municipality.

    Examples
    --------
    >>> from kpwork import load_region
    >>> demand_points(load_region("data/otrokovicko")).index[:2].tolist()
    ['585599', '585513']
    """
    members = list(region.members)
    if points is None:
        polygons = region.municipalities.geometry.loc[members]
        centroids = polygons.centroid
        inside = shapely.contains(polygons.values, centroids.values)
        chosen = np.where(inside, centroids.values, polygons.representative_point().values)
        return gpd.GeoSeries(chosen, index=pd.Index(members, name="kod_obce"), crs=ANALYSIS_CRS)
    return _override_points(points, members)



def reachable_capacity(
    region: Region,
    need: pd.DataFrame,
    *,
    radius_by: Mapping[str, float] | None = None,
    weights: Weights = None,
    points: gpd.GeoSeries | None = None,
    conversions: pd.DataFrame | None = None,
    opt_outs: Mapping[str, Sequence[str]] | None = None,
    remove_opted_out: bool | None = None,
) -> Reach:
    """Capacity each member reaches, per target group, service type and unit.

    Parameters
    ----------
    region
        A loaded region; its ``services`` give seats, ``forma``, ``kapacita``,
        ``jednotka``, ``cilove_skupiny`` and ``pusobnost``.
    need
        Long table ``kod_obce``, ``druh``, ``potreba`` and optionally
        ``cilova_skupina`` and ``jednotka`` (which must be the type's
        planning unit). Without ``cilova_skupina`` all need is one group
        that every service serves. Rows of the same key add up.
    radius_by
        Catchment radius in metres, keyed by service type (``"49"``) or form
        (``"pobytova"``, ``"ambulantni"``); a type's key wins over its form's.
        Missing keys fall back to ``THRESHOLDS.radius_by_form``.
    weights
        Distance decay for residential and outpatient services, as in
        :func:`two_step_fca` (steps in metres, or :func:`gaussian_weights`).
    points
        Optional demand points overriding :func:`demand_points`.
    conversions
        Conversions between units (``druh``, ``jednotka_z``, ``jednotka_na``,
        ``faktor``); default: the region's (:func:`kpwork.conversions.region_conversions`).
    opt_outs
        Members that opted out of a service, by ``sluzba_id``; default: the
        ``neucastni`` of the region's shared services (``funding``).
    remove_opted_out
        Whether an opt-out also takes the member out of the service's reach;
        default: the region's ``[financovani] odhlaseni_vyrazuje_z_dosahu``
        (false: the service keeps serving everyone it physically reaches).

    Returns
    -------
    Reach

    Raises
    ------
    InvalidParameter
        Missing need columns, negative or non-finite ``potreba``, need for
        non-members or in a unit other than the type's, unknown ``radius_by``
        keys or radii not > 0, opt-outs of unknown services or non-members.

    Notes
    -----
    Per service type :math:`d`, each service :math:`j` counts in the type's
    planning unit (its capacity times the factor of its unit, 1 for the same
    unit) or, with no conversion, in its own unit apart. It serves the need
    groups :math:`H_j` its ``cilove_skupiny`` cover (:func:`serves_group`).
    With :math:`w_{ij}` its reach (field: 1 for the members of ``pusobnost``;
    others: within the radius, with the decay) and :math:`P_{ig}` the need,

    .. math::

        R_j = \\frac{S_j}{\\sum_i w_{ij} \\sum_{g \\in H_j} P_{ig}}, \\qquad
        A_{ig} = \\sum_{j:\\, g \\in H_j} w_{ij} R_j, \\qquad
        kapacita_{ig} = P_{ig} A_{ig}

    that is, the 2SFCA of Luo & Wang (2003) per group, with each service's
    capacity split among its groups in proportion to their (weighted) need
    in its reach: :math:`S_{jg} = S_j \\sum_i w_{ij} P_{ig} / \\sum_i w_{ij}
    \\sum_{g' \\in H_j} P_{ig'}`. It is computed with :func:`catchment_fca` once
    per unit and set :math:`H` of groups, so groups add up exactly to the
    all-groups table and :math:`\\sum_{i,g} kapacita_{ig} = \\sum_j S_j`
    over services with need of their groups in reach; the capacity of the
    others is reported (``kapacita_bez_potreby``), not lost.
    """
    radii = _radii(radius_by)
    table = _need_table(need, region.members)
    xy = shapely.get_coordinates(demand_points(region, points=points).values)
    factors = factor_table(region_conversions(region) if conversions is None else conversions)
    leaving = _opt_outs(region, opt_outs)
    remove = bool(region.settings.get(OPT_OUT_REMOVES_REACH, False)) if remove_opted_out is None else bool(remove_opted_out)
    parts = [
        _one_type(druh, services, _TypeInputs(xy, region.members, table.get(druh, ([], None)), radii, weights, factors, leaving, remove))
        for druh, services in _services_by_type(region.services)
    ]
    return _assemble(parts, region.members, region.services["id"].tolist() if len(region.services) else [])


def accessibility(region: Region, need: pd.DataFrame, **options) -> pd.DataFrame:
    """Reachable capacity and nearest service per member municipality x service type x unit.

    All target groups together: the ``by_type`` table of
    :func:`reachable_capacity` (same parameters), one row per member x
    service type present in ``region.services`` x unit its capacity is
    counted in (types without a service have no row), members in file order:

    - ``kod_obce``, ``druh``, ``jednotka``: the type's planning unit, or
      another unit that no conversion turns into it (then ``potreba`` and
      ``dostupnost`` are empty: that capacity is shown, never added);
    - ``potreba``: the need of all groups, in the planning unit;
    - ``dostupnost``: reachable capacity per unit of need (empty without need);
    - ``kapacita_dosazitelna``: capacity reachable for the municipality's need;
    - ``vzdalenost_nejblizsi_m``: metres from the municipality's point to
      the nearest seat of that type (any form), 0 when a seat is in the
      municipality (its ``kod_obce``).

    Examples
    --------
    >>> from kpwork import load_region
    >>> region = load_region("data/otrokovicko")
    >>> need = pd.DataFrame({"kod_obce": ["585599", "585513"], "druh": ["69", "69"], "potreba": [40.0, 20.0]})
    >>> table = accessibility(region, need)
    >>> table.query("druh == '69'")[["kod_obce", "dostupnost", "kapacita_dosazitelna"]].head(3).values.tolist()
    [['585599', 1.0, 40.0], ['585513', 1.0, 20.0], ['588318', nan, 0.0]]
    """
    return reachable_capacity(region, need, **options).by_type


# --- steps of reachable_capacity -----------------------------------------------------------


@dataclass(frozen=True)
class _TypeInputs:
    """What one service type's computation needs besides its services."""

    xy: np.ndarray
    members: tuple[str, ...]
    need: tuple[list[str], np.ndarray | None]  # need groups, members x groups (None without need)
    radii: Mapping[str, float]
    weights: Weights
    factors: Mapping[tuple[str, str, str], float]
    opt_outs: Mapping[str, tuple[str, ...]]
    remove: bool


def _one_type(druh: str, services: pd.DataFrame, inputs: _TypeInputs) -> dict[str, pd.DataFrame]:
    n = len(inputs.members)
    groups, matrix = inputs.need
    matrix = np.zeros((n, 0)) if matrix is None else matrix
    plan = planning_unit(druh)
    factor = np.array([1.0 if u == plan else inputs.factors.get((druh, u, plan), np.nan) for u in services["jednotka"]])
    channel = np.where(np.isnan(factor), services["jednotka"].to_numpy(str), plan)
    capacity = services["kapacita"].to_numpy(float) * np.where(np.isnan(factor), 1.0, factor)
    served = [tuple(g for g in groups if serves_group(registered, g)) for registered in services["cilove_skupiny"]]
    reach, opted = _reach(druh, services, inputs)
    units = [plan] + sorted(set(channel) - {plan}, key=unit_order)
    kap = {(g, u): np.zeros(n) for g in groups for u in units}
    ratio = {g: np.zeros(n) for g in groups}
    unused = capacity.copy()
    classes: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for k, key in enumerate(zip(channel, served, strict=True)):
        classes.setdefault(key, []).append(k)
    for (unit, serves), chosen in classes.items():
        if not serves:
            continue
        columns = [groups.index(g) for g in serves]
        demand = matrix[:, columns].sum(axis=1)
        part = reach[:, chosen]
        access = catchment_fca(demand, capacity[chosen], part)
        unused[chosen] = np.where(part.T @ demand > 0, 0.0, capacity[chosen])
        for g, c in zip(serves, columns, strict=True):
            kap[(g, unit)] += matrix[:, c] * access
            if unit == plan:
                ratio[g] += access
    return {
        "by_group": _group_rows(druh, groups, units, matrix, kap, ratio, inputs.members),
        "by_type": _type_rows(druh, groups, units, matrix, kap, services, inputs),
        "by_service": pd.DataFrame({
            "sluzba_id": services["id"].to_numpy(), "jednotka_vypoctu": channel, "faktor": factor, "kapacita_vypoctu": capacity,
            "skupiny_s_potrebou": [", ".join(s) for s in served], "kapacita_bez_potreby": unused,
        }),
        "opt_outs": opted,
    }


def _reach(druh: str, services: pd.DataFrame, inputs: _TypeInputs) -> tuple[sp.csc_array, pd.DataFrame]:
    """Members x services of one type: field services by ``pusobnost``, others by radius; opt-outs applied."""
    n, m = len(inputs.members), len(services)
    position = pd.Index(inputs.members)
    field = (services["forma"] == FIELD).to_numpy()
    rows, cols, data = [], [], []
    catchments = services["pusobnost"].to_numpy()[field]
    codes = [code for catchment in catchments for code in catchment]
    found = position.get_indexer(codes)
    col = np.repeat(np.flatnonzero(field), [len(c) for c in catchments])
    rows.append(found[found >= 0])
    cols.append(col[found >= 0])
    data.append(np.ones(int((found >= 0).sum())))
    seats = shapely.get_coordinates(services.geometry.values)
    radius = np.array([inputs.radii.get(druh, inputs.radii[f]) for f in services["forma"]], dtype=float)
    for r in np.unique(radius[~field]):
        chosen = np.flatnonzero(~field & (radius == r))
        pairs = radius_reach(inputs.xy, seats[chosen], float(r), inputs.weights)
        rows.append(pairs.row)
        cols.append(chosen[pairs.col])
        data.append(pairs.data)
    rows, cols, data = (np.concatenate(x) for x in (rows, cols, data))
    pairs, opted = _opted_out(services["id"].to_numpy(), position, rows * m + cols, inputs)
    if inputs.remove and len(pairs):
        keep = ~np.isin(rows * m + cols, pairs)
        rows, cols, data = rows[keep], cols[keep], data[keep]
    return sp.csc_array((data, (rows, cols)), shape=(n, m)), opted


def _opted_out(ids: np.ndarray, position: pd.Index, entries: np.ndarray, inputs: _TypeInputs) -> tuple[np.ndarray, pd.DataFrame]:
    """Keys (member * m + service) of the opted-out pairs of these services, and their table rows."""
    m = len(ids)
    records = [(code, sid, int(position.get_loc(code)) * m + j) for j, sid in enumerate(ids) for code in inputs.opt_outs.get(sid, ())]
    keys = np.array([r[2] for r in records], dtype=np.int64)
    reached = np.isin(keys, entries)
    opted = pd.DataFrame({
        "kod_obce": [r[0] for r in records], "sluzba_id": [r[1] for r in records],
        "v_dosahu": reached, "vyrazena_z_dosahu": reached & inputs.remove,
    }, columns=list(OPT_OUT_COLUMNS))
    return keys, opted


def _group_rows(druh, groups, units, matrix, kap, ratio, members) -> pd.DataFrame:
    n, plan = len(members), units[0]
    parts = []
    for c, g in enumerate(groups):
        for u in units:
            own = u == plan
            parts.append(pd.DataFrame({
                "kod_obce": members, "cilova_skupina": g, "druh": druh, "jednotka": u,
                "potreba": matrix[:, c] if own else np.full(n, np.nan),
                "dostupnost": ratio[g] if own else np.full(n, np.nan),
                "kapacita_dosazitelna": kap[(g, u)],
            }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(GROUP_COLUMNS))


def _type_rows(druh, groups, units, matrix, kap, services, inputs: _TypeInputs) -> pd.DataFrame:
    n, plan = len(inputs.members), units[0]
    need = matrix.sum(axis=1)
    nearest = nearest_distance(inputs.xy, shapely.get_coordinates(services.geometry.values))
    nearest[pd.Index(inputs.members).isin(set(services["kod_obce"]))] = 0.0
    parts = []
    for u in units:
        total = sum((kap[(g, u)] for g in groups), np.zeros(n))
        own = u == plan
        parts.append(pd.DataFrame({
            "kod_obce": inputs.members, "druh": druh, "jednotka": u,
            "potreba": need if own else np.full(n, np.nan),
            "dostupnost": np.divide(total, need, out=np.full(n, np.nan), where=need > 0) if own else np.full(n, np.nan),
            "kapacita_dosazitelna": total,
            "vzdalenost_nejblizsi_m": nearest,
        }))
    return pd.concat(parts, ignore_index=True)


def _assemble(parts: list[dict[str, pd.DataFrame]], members: tuple[str, ...], ids: list[str]) -> Reach:
    """Concatenate the types' tables: member by member, types in the order of the Act; services in file order."""
    order = {code: k for k, code in enumerate(members)}
    columns = {"by_group": GROUP_COLUMNS, "by_type": ACCESS_COLUMNS, "by_service": SERVICE_COLUMNS, "opt_outs": OPT_OUT_COLUMNS}
    tables = {}
    for name, names in columns.items():
        frames = [p[name] for p in parts if len(p[name])]
        if not frames:
            tables[name] = pd.DataFrame({c: pd.Series(dtype=float if c in _NUMBERS else object) for c in names})
            continue
        table = pd.concat(frames, ignore_index=True)
        if name in ("by_group", "by_type"):
            table = table.sort_values("kod_obce", key=lambda s: s.map(order), kind="stable", ignore_index=True)
        elif name == "by_service":
            table = table.set_index("sluzba_id").loc[ids].reset_index()
        tables[name] = table[list(names)]
    return Reach(**tables)


_NUMBERS = {"potreba", "dostupnost", "kapacita_dosazitelna", "vzdalenost_nejblizsi_m", "faktor", "kapacita_vypoctu", "kapacita_bez_potreby"}


def _services_by_type(services: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    """Services grouped by ``druh`` in the order of the Act."""
    if len(services) == 0:
        return []
    rank = {code: k for k, code in enumerate(SERVICE_TYPES)}
    present = sorted(services["druh"].unique(), key=lambda d: rank.get(d, len(rank)))
    return [(druh, services[services["druh"] == druh]) for druh in present]


def _need_table(need: pd.DataFrame, members: tuple[str, ...]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Need per type as (groups, members x groups), after checking the table."""
    missing = [c for c in ("kod_obce", "druh", "potreba") if c not in need.columns]
    if missing:
        raise InvalidParameter(f"need: missing columns {missing}; expected kod_obce, druh, potreba (and cilova_skupina), got {list(need.columns)}")
    values = pd.to_numeric(need["potreba"], errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        raise InvalidParameter(f"need: potreba must be finite and >= 0, got {need.loc[bad, 'potreba'].head(3).tolist()}")
    codes = need["kod_obce"].astype(str)
    strangers = sorted(set(codes) - set(members))
    if strangers:
        raise InvalidParameter(f"need: kod_obce {strangers[:5]} are not members of the region; allowed: {list(members)}")
    druh = need["druh"].astype(str)
    if "jednotka" in need.columns:
        wrong = need.loc[need["jednotka"].astype(str).to_numpy() != druh.map(planning_unit).to_numpy(), ["druh", "jednotka"]].drop_duplicates()
        if len(wrong):
            d, u = wrong.iloc[0]
            raise InvalidParameter(f"need: §{d} is in {u}, but need must be in the unit the type is planned in ({planning_unit(d)})")
    groups = need["cilova_skupina"].astype(str) if "cilova_skupina" in need.columns else pd.Series(ALL_GROUPS, index=need.index)
    long = pd.DataFrame({"druh": druh.to_numpy(), "g": groups.to_numpy(), "kod_obce": codes.to_numpy(), "potreba": values})
    long = long.groupby(["druh", "g", "kod_obce"], sort=True)["potreba"].sum()
    position = pd.Index(members)
    out: dict[str, tuple[list[str], np.ndarray]] = {}
    for druh_code, per_type in long.groupby(level="druh", sort=False):
        names = list(dict.fromkeys(per_type.index.get_level_values("g")))
        matrix = np.zeros((len(members), len(names)))
        rows = position.get_indexer(per_type.index.get_level_values("kod_obce"))
        cols = pd.Index(names).get_indexer(per_type.index.get_level_values("g"))
        matrix[rows, cols] = per_type.to_numpy()
        out[str(druh_code)] = (names, matrix)
    return out


def _opt_outs(region: Region, given: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    """Opted-out members by service: given, or the ``neucastni`` of the region's shared services."""
    if given is None:
        funding = region.extras.get("funding")
        return {} if funding is None else {s.sluzba_id: tuple(s.neucastni) for s in funding.services if s.neucastni}
    known, members = set(region.services["id"]) if len(region.services) else set(), set(region.members)
    for sid, codes in given.items():
        if sid not in known:
            raise InvalidParameter(f"opt_outs: unknown service {sid!r}; expected an id of services")
        strangers = [c for c in codes if c not in members]
        if strangers:
            raise InvalidParameter(f"opt_outs: {sid}: {strangers[:5]} are not members of the region")
    return {sid: tuple(codes) for sid, codes in given.items()}


def _radii(radius_by: Mapping[str, float] | None) -> dict[str, float]:
    radii = dict(THRESHOLDS.radius_by_form)
    for key, value in (radius_by or {}).items():
        if key not in SERVICE_TYPES and key not in FORMS:
            raise InvalidParameter(f"radius_by: unknown key {key!r}; allowed: a service type {sorted(SERVICE_TYPES)} or a form {sorted(FORMS)}")
        try:
            radius = float(value)
        except (TypeError, ValueError):
            radius = float("nan")
        if not (np.isfinite(radius) and radius > 0):
            raise InvalidParameter(f"radius_by: {key!r} must be a finite number of metres > 0, got {value!r}")
        radii[key] = radius
    return radii


def _override_points(points: gpd.GeoSeries, members: list[str]) -> gpd.GeoSeries:
    if not isinstance(points, gpd.GeoSeries):
        raise InvalidParameter(f"points: expected a GeoSeries indexed by kod_obce, got {type(points).__name__}")
    if points.crs is None or not points.crs.equals(ANALYSIS_CRS):
        raise InvalidParameter(f"points: expected CRS {ANALYSIS_CRS}, got {points.crs}; reproject with points.to_crs('{ANALYSIS_CRS}')")
    index = points.index.astype(str)
    missing = [m for m in members if m not in set(index)]
    if missing:
        raise InvalidParameter(f"points: no point for members {missing[:5]}; expected one per member of {members}")
    chosen = gpd.GeoSeries(points.values, index=pd.Index(index, name="kod_obce"), crs=ANALYSIS_CRS).loc[members]
    if not (chosen.geom_type == "Point").all():
        raise InvalidParameter(f"points: expected Point geometries, got {sorted(set(chosen.geom_type.astype(str)))}")
    return chosen
