"""Spatial accessibility of services: 2SFCA / E2SFCA ratios and nearest distances.

Two layers, like PySAL access: array kernels (:func:`two_step_fca`,
:func:`catchment_fca`, :func:`nearest_distance`, :func:`gaussian_weights`,
implemented in the private ``kpwork._fca``) and :func:`accessibility`, which
speaks the domain: a region and a need table in, one row per member
municipality x service type out. Distances are straight lines in EPSG:5514
metres. The method, formulas and measured speed: ``docs/access.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from kpwork._fca import Weights, catchment_fca, gaussian_weights, nearest_distance, two_step_fca
from kpwork.config import ANALYSIS_CRS, THRESHOLDS
from kpwork.errors import InvalidParameter
from kpwork.region import Region
from kpwork.taxonomy import FORMS, SERVICE_TYPES

log = logging.getLogger(__name__)

__all__ = [
    "accessibility",
    "catchment_fca",
    "demand_points",
    "gaussian_weights",
    "nearest_distance",
    "two_step_fca",
]

#: Columns of the table returned by :func:`accessibility`.
ACCESS_COLUMNS = ("kod_obce", "druh", "dostupnost", "kapacita_dosazitelna", "vzdalenost_nejblizsi_m")
FIELD = "terenni"


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


def accessibility(
    region: Region,
    need: pd.DataFrame,
    *,
    radius_by: Mapping[str, float] | None = None,
    weights: Weights = None,
    points: gpd.GeoSeries | None = None,
) -> pd.DataFrame:
    """Reachable capacity and nearest service per member municipality x service type.

    Parameters
    ----------
    region
        A loaded region; its ``services`` give seats, ``forma``, ``kapacita``
        and ``pusobnost``.
    need
        Long table ``kod_obce``, ``druh``, ``potreba`` (people needing that
        type). Rows of the same municipality and type add up (e.g. one per
        target group); members without a row have no need of that type.
    radius_by
        Catchment radius in metres, keyed by service type (``"49"``) or form
        (``"pobytova"``, ``"ambulantni"``); a type's key wins over its form's.
        Missing keys fall back to ``THRESHOLDS.radius_by_form``.
    weights
        Distance decay for residential and outpatient services, as in
        :func:`two_step_fca` (steps in metres, or :func:`gaussian_weights`).
    points
        Optional demand points overriding :func:`demand_points`.

    Returns
    -------
    pandas.DataFrame
        One row per member x service type present in ``region.services``
        (types without a service have no row), members in file order:

        - ``kod_obce``, ``druh``;
        - ``dostupnost``: the 2SFCA ratio, capacity per person in need
          reachable from the municipality;
        - ``kapacita_dosazitelna``: ``dostupnost * potreba``, the share of
          capacity reachable for the municipality's need;
        - ``vzdalenost_nejblizsi_m``: metres from the municipality's point to
          the nearest seat of that type (any form), 0 when a seat is in the
          municipality (its ``kod_obce``).

    Raises
    ------
    InvalidParameter
        Missing need columns, negative or non-finite ``potreba``, need for
        non-members, unknown ``radius_by`` keys or radii not > 0.

    Notes
    -----
    Residential (``pobytova``) and outpatient (``ambulantni``) services reach
    the municipalities whose point lies within the radius of their seat
    (:func:`two_step_fca`, 2SFCA of Luo & Wang 2003 or, with ``weights``,
    E2SFCA of Luo & Qi 2009). Field services (``terenni``) reach exactly the
    members of their ``pusobnost``, with weight 1, whatever the distance
    (:func:`catchment_fca`); the ``terenni`` radius is not used. The 2SFCA
    ratio is a sum over services, so a type offered in several forms gets
    the sum of its components, each over the same need:
    :math:`A_i = A_i^{radius} + A_i^{field}`. Demand is the members' need
    only: demand from outside the region that the services also serve is not
    in the data, so ratios near the region's edge are optimistic.

    Examples
    --------
    >>> from kpwork import load_region
    >>> region = load_region("data/otrokovicko")
    >>> need = pd.DataFrame({"kod_obce": ["585599", "585513"], "druh": ["69", "69"], "potreba": [40.0, 20.0]})
    >>> table = accessibility(region, need)
    >>> table.query("druh == '69'")[["kod_obce", "dostupnost"]].head(3).values.tolist()
    [['585599', 1.0], ['585513', 1.0], ['588318', 0.0]]
    """
    radii = _radii(radius_by)
    potreba = _need_matrix(need, region.members)
    xy = shapely.get_coordinates(demand_points(region, points=points).values)
    parts = [
        _one_type(druh, services, xy, potreba, radii, weights, region.members)
        for druh, services in _services_by_type(region.services)
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=str if c in ("kod_obce", "druh") else float) for c in ACCESS_COLUMNS})
    table = pd.concat(parts, ignore_index=True)
    order = {code: k for k, code in enumerate(region.members)}
    return table.sort_values("kod_obce", key=lambda s: s.map(order), kind="stable", ignore_index=True)


# --- steps of accessibility ----------------------------------------------------------------


def _one_type(
    druh: str,
    services: pd.DataFrame,
    xy: np.ndarray,
    potreba: pd.DataFrame,
    radii: Mapping[str, float],
    weights: Weights,
    members: tuple[str, ...],
) -> pd.DataFrame:
    demand = potreba[druh].to_numpy(float) if druh in potreba else np.zeros(len(members))
    seats = shapely.get_coordinates(services.geometry.values)
    capacity = services["kapacita"].to_numpy(float)
    field = (services["forma"] == FIELD).to_numpy()
    ratio = np.zeros(len(members))
    if field.any():
        reach = _catchment_reach(services.loc[field, "pusobnost"], members)
        ratio += catchment_fca(demand, capacity[field], reach)
    radius = np.array([radii.get(druh, radii[f]) for f in services["forma"]], dtype=float)
    for r in np.unique(radius[~field]):
        chosen = ~field & (radius == r)
        ratio += two_step_fca(xy, demand, seats[chosen], capacity[chosen], float(r), weights)
    nearest = nearest_distance(xy, seats)
    nearest[np.isin(np.asarray(members), services["kod_obce"].to_numpy())] = 0.0
    return pd.DataFrame(
        {
            "kod_obce": list(members),
            "druh": druh,
            "dostupnost": ratio,
            "kapacita_dosazitelna": ratio * demand,
            "vzdalenost_nejblizsi_m": nearest,
        }
    )


def _services_by_type(services: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    """Services grouped by ``druh`` in the order of the Act."""
    if len(services) == 0:
        return []
    rank = {code: k for k, code in enumerate(SERVICE_TYPES)}
    present = sorted(services["druh"].unique(), key=lambda d: rank.get(d, len(rank)))
    return [(druh, services[services["druh"] == druh]) for druh in present]


def _catchment_reach(catchments: pd.Series, members: tuple[str, ...]) -> sp.coo_array:
    """Members x field services, 1 where the member is in the service's ``pusobnost``."""
    position = {code: k for k, code in enumerate(members)}
    rows, cols = [], []
    for col, codes in enumerate(catchments):
        for code in codes:
            if code in position:
                rows.append(position[code])
                cols.append(col)
    data = np.ones(len(rows))
    return sp.coo_array((data, (np.array(rows, np.intp), np.array(cols, np.intp))), shape=(len(members), len(catchments)))


def _need_matrix(need: pd.DataFrame, members: tuple[str, ...]) -> pd.DataFrame:
    """Need as members x druh (0 where absent), after checking the table."""
    missing = [c for c in ("kod_obce", "druh", "potreba") if c not in need.columns]
    if missing:
        raise InvalidParameter(f"need: missing columns {missing}; expected kod_obce, druh, potreba, got {list(need.columns)}")
    values = pd.to_numeric(need["potreba"], errors="coerce").to_numpy(float)
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        raise InvalidParameter(f"need: potreba must be finite and >= 0, got {need.loc[bad, 'potreba'].head(3).tolist()}")
    codes = need["kod_obce"].astype(str)
    strangers = sorted(set(codes) - set(members))
    if strangers:
        raise InvalidParameter(f"need: kod_obce {strangers[:5]} are not members of the region; allowed: {list(members)}")
    long = pd.DataFrame({"kod_obce": codes, "druh": need["druh"].astype(str), "potreba": values})
    wide = long.pivot_table(index="kod_obce", columns="druh", values="potreba", aggfunc="sum", fill_value=0.0)
    return wide.reindex(list(members), fill_value=0.0)


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
