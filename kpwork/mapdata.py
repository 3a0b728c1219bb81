"""The geometry a web map of a region draws: municipalities and services in WGS84, ready as JSON.

:func:`map_base` turns the run's layers (EPSG:5514) into what the planning
map of :mod:`kpwork.pages.maps` draws: boundaries simplified to the maps'
step and rounded to 1e-5° (about a metre) as GeoJSON, the point where each
name is written, the view to fit for the whole region and for every member
with its neighbours' names, and the services as points with their
attributes. The run writes it beside its results (:data:`MAP_FILE`), so a
page served in a meeting reads a small JSON file instead of the GeoPackage
and needs neither geopandas nor shapely (:func:`read_map_base`); a map built
from layers in memory computes the same with :func:`map_base`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpwork.config import WEB_CRS

if TYPE_CHECKING:
    import geopandas as gpd

#: The file of a run's results that holds :func:`map_base` of its members and services.
MAP_FILE = "mapa_web.json"
#: Tolerance (m) of the geometry simplification for web maps.
SIMPLIFY_M = 40.0
#: Decimal places of longitude and latitude (1e-5° is about a metre).
DIGITS = 5


def map_base(municipalities: gpd.GeoDataFrame, services: gpd.GeoDataFrame, *, fits: Iterable[str] | None = None) -> dict[str, Any]:
    """What a region map draws, whatever it colours: shapes, names, views and services.

    Parameters
    ----------
    municipalities
        Polygons with ``kod_obce`` (as a column or the index) and ``nazev``, in any CRS.
    services
        Points of the services with their attributes (``id``, ``nazev``, ``druh``, ``forma``, ...).
    fits
        The municipalities whose view with their neighbours goes in ``focus`` (all: the
        codes of ``municipalities``); by default none, only the whole map's view (``fit``).

    Returns
    -------
    dict
        ``areas`` (GeoJSON FeatureCollection, ``kod_obce`` the only property),
        ``names`` (``[lat, lon, nazev]`` per municipality, in ``areas``' order),
        ``municipalities`` (``kod_obce`` and ``nazev`` in that order),
        ``bounds`` (lon_min, lat_min, lon_max, lat_max), ``fit`` ([[south, west], [north, east]]),
        ``focus`` (``kod_obce`` -> such a view), ``services`` (one record per service:
        its attributes, ``lat`` and ``lon``); JSON-ready.
    """
    polys = municipalities.reset_index() if "kod_obce" not in municipalities.columns else municipalities
    polys = web_shapes(polys)
    points = polys.geometry.representative_point()
    return {
        "areas": json.loads(polys[["kod_obce", "geometry"]].to_json(drop_id=True)),
        "names": [[round(p.y, DIGITS), round(p.x, DIGITS), str(n)] for p, n in zip(points, polys["nazev"], strict=True)],
        "municipalities": {"kod_obce": polys["kod_obce"].astype(str).tolist(), "nazev": polys["nazev"].astype(str).tolist()},
        "bounds": [float(v) for v in polys.total_bounds],
        "fit": fit_bounds(polys, None),
        "focus": {str(k): fit_bounds(polys, str(k)) for k in fits or ()},
        "services": json.loads(service_table(services).to_json(orient="records", force_ascii=False)),
    }


def web_shapes(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shapes simplified to :data:`SIMPLIFY_M` (topology kept), in WGS84, rounded to :data:`DIGITS` places."""
    out = gdf.copy()
    out["geometry"] = out.geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    out = out.to_crs(WEB_CRS)
    out["geometry"] = out.geometry.set_precision(10.0**-DIGITS)
    return out


def fit_bounds(polys: gpd.GeoDataFrame, focus: str | None) -> list[list[float]]:
    """[[south, west], [north, east]]: the whole map, or a member with its neighbours' names."""
    if focus is None:
        x0, y0, x1, y1 = polys.total_bounds
    else:
        shape = polys.loc[polys["kod_obce"] == focus].geometry.union_all()
        neighbours = polys.loc[polys.geometry.intersects(shape.buffer(1e-4)) & (polys["kod_obce"] != focus)]
        points = neighbours.geometry.representative_point()
        x0, y0, x1, y1 = shape.bounds
        if len(points):
            x0, y0 = min(x0, points.x.min()), min(y0, points.y.min())
            x1, y1 = max(x1, points.x.max()), max(y1, points.y.max())
    return [[round(float(y0), DIGITS), round(float(x0), DIGITS)], [round(float(y1), DIGITS), round(float(x1), DIGITS)]]


def service_table(services: gpd.GeoDataFrame) -> pd.DataFrame:
    """Services as a plain table: their attributes, ``lat`` and ``lon`` (WGS84, 6 places) instead of the geometry."""
    points = services.to_crs(WEB_CRS)
    table = pd.DataFrame(points.drop(columns=points.geometry.name))
    table["lat"] = points.geometry.y.round(6).to_numpy()
    table["lon"] = points.geometry.x.round(6).to_numpy()
    return table


def service_points(base: Mapping[str, Any]) -> pd.DataFrame:
    """The services of :func:`map_base` as a table (``lat``, ``lon`` and their attributes), codes as text."""
    columns = ("id", "druh", "ico", "kod_obce", "sluzba_id")
    table = pd.DataFrame.from_records(base["services"]) if base["services"] else pd.DataFrame(columns=["id", "druh", "forma", "nazev", "lat", "lon"])
    for column in columns:
        if column in table:
            table[column] = table[column].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    return table


def write_map_base(layers: Mapping[str, gpd.GeoDataFrame], folder: Path) -> Path | None:
    """Write :func:`map_base` of the run's ``obce`` and ``sluzby`` layers into ``folder/``:data:`MAP_FILE` (None without them)."""
    if "obce" not in layers or "sluzby" not in layers:
        return None
    path = folder / MAP_FILE
    municipalities = layers["obce"]
    codes = municipalities["kod_obce"] if "kod_obce" in municipalities.columns else municipalities.index
    text = json.dumps(map_base(municipalities, layers["sluzby"], fits=[str(c) for c in codes]), ensure_ascii=False, separators=(",", ":"))
    path.write_text(text, encoding="utf-8")
    return path


def read_map_base(folder: Path) -> dict[str, Any] | None:
    """:func:`map_base` as the run wrote it into ``folder``, or None for results without it (older runs)."""
    path = Path(folder) / MAP_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
