"""Synthetic but valid regions, for benchmarks and tests.

:func:`synthesize_region` writes a region folder that passes ``kpwork
validate``. By default its municipalities are a grid of square polygons in
EPSG:5514 with unique 6-digit codes, names and total populations drawn (with
the seed) from the national reference shipped with kpwork
(:func:`kpwork.reference.national_population`, ČSÚ 2020), age bands split by
plausible national shares. With ``real=True`` the municipalities are real:
the boundaries (ČÚZK) and 2020 age bands (ČSÚ) of the whole country, of a
district or region, or of the ``n`` municipalities around one drawn with the
seed, so that benchmarks measure real geometry. Either way the services are
invented: every form and several types, seated inside a municipality, with
catchments around their seat, and usage by municipality of residence. The
same arguments always write the same bytes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from kpwork.config import ANALYSIS_CRS, WEB_CRS
from kpwork.errors import InvalidParameter
from kpwork.reference import (
    AGE_BANDS,
    CREDIT,
    national_municipalities,
    national_population,
    select_members,
)
from kpwork.sheets import neutralise_frame

log = logging.getLogger(__name__)

#: Mean area of a Czech municipality: 78,871 km² / 6,258, about 3.55 km a side.
CELL_M = 3550.0
#: South-west corner of the grid, inside Czechia in EPSG:5514 (x, y in metres).
ORIGIN = (-870_000.0, -1_220_000.0)
#: Age-band shares (0-14, 15-64, 65-79, 80+) around which municipalities vary.
BAND_SHARES = np.array([0.16, 0.64, 0.155, 0.045])
#: Service types the synthetic regions use: paragraph -> (forms, target groups,
#: capacity per 1,000 inhabitants of the catchment, catchment radius in cells).
SERVICE_MIX: dict[str, tuple[tuple[str, ...], str, float, int]] = {
    "40": (("terénní", "ambulantní"), "senioři, osoby se zdravotním postižením", 6.0, 2),
    "39": (("terénní",), "osoby se zdravotním postižením, senioři", 2.0, 3),
    "44": (("terénní", "ambulantní", "pobytová"), "senioři", 1.0, 3),
    "49": (("pobytová",), "senioři", 8.0, 5),
    "46": (("ambulantní",), "osoby s mentálním postižením", 1.5, 4),
    "51": (("pobytová",), "osoby s chronickým duševním onemocněním", 1.0, 5),
    "65": (("terénní", "ambulantní"), "rodiny s dětmi", 2.0, 3),
    "69": (("terénní",), "osoby žijící v sociálně vyloučených komunitách", 1.0, 3),
}


def synthesize_region(
    n: int | None,
    seed: int,
    out_dir: str | Path,
    *,
    services: int | None = None,
    region_id: str | None = None,
    real: bool = False,
    okres: str | None = None,
    kraj: str | None = None,
) -> Path:
    """Write a synthetic region of ``n`` municipalities into ``out_dir``.

    Parameters
    ----------
    n
        Number of member municipalities (1 to 899,999 on the grid). With
        ``real``: None for every municipality of the country (6,258), or of
        ``okres``/``kraj``; a number for that many of them, the nearest to
        one drawn with the seed.
    seed
        Seed of every random draw: the same arguments give the same files.
    out_dir
        The region folder to write (created; existing files are overwritten).
    services
        Number of services; about 0.8 per municipality by default, at least
        one of each form.
    region_id
        ``id`` in ``region.toml`` (``synth-<n>-<seed>`` by default,
        ``synth-real-<n>-<seed>`` with ``real``).
    real
        Real municipalities (ČÚZK boundaries, ČSÚ 2020 age bands, as ``kpwork
        init`` writes them) instead of a grid; services and usage stay synthetic.
    okres, kraj
        With ``real``: only the municipalities of a district or a region
        (names as :func:`kpwork.reference.select_members` takes them).

    Returns
    -------
    Path
        The region folder.

    Raises
    ------
    InvalidParameter
        When ``n`` or ``services`` is out of range, or ``okres``/``kraj``
        is given without ``real`` or names no district or region.
    """
    if real:
        rng = np.random.default_rng(seed)
        municipalities, population = _real_municipalities(n, rng, okres=okres, kraj=kraj)
        near, place = _real_catchments(municipalities), _place_in_polygon
    else:
        if okres or kraj:
            raise InvalidParameter("okres, kraj: a district or region is chosen only among real municipalities (real=True)")
        if n is None or not 1 <= n <= 899_999:
            raise InvalidParameter(f"n: expected 1 to 899999 municipalities, got {n}")
        rng = np.random.default_rng(seed)
        reference = national_population()
        municipalities = _municipalities(n, rng, reference)
        population = _population(municipalities, rng, year=int(reference["rok"].max()))
        near, place = _grid_catchments(municipalities), _place_in_cell
    count = len(municipalities)
    n_services = max(len(SERVICE_MIX), round(0.8 * count)) if services is None else services
    if n_services < 3:
        raise InvalidParameter(f"services: expected at least 3 (one of each form), got {n_services}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    service_table = _services(municipalities, near, place, n_services, rng)
    usage = _usage(service_table, municipalities, rng)
    rid = region_id or (f"synth-real-{count}-{seed}" if real else f"synth-{n}-{seed}")
    _write(out, rid, municipalities, population, service_table, usage, real=real)
    log.info("synthetic region %s: %d municipalities, %d services in %s", rid, count, len(service_table), out)
    return out


def _municipalities(n: int, rng: np.random.Generator, ref: pd.DataFrame) -> gpd.GeoDataFrame:
    rows = rng.choice(len(ref), size=n, replace=n > len(ref))
    codes = 500000 + np.sort(rng.choice(400_000, size=n, replace=False))
    cols = math.ceil(math.sqrt(n * 1.6))
    i = np.arange(n)
    x0 = ORIGIN[0] + (i % cols) * CELL_M
    y0 = ORIGIN[1] + (i // cols) * CELL_M
    frame = gpd.GeoDataFrame(
        {
            "kod_obce": [str(c) for c in codes],
            "nazev": ref["nazev"].to_numpy()[rows],
            "obyvatele": np.maximum(ref["celkem"].to_numpy()[rows], 1),
            "col": i % cols,
            "row": i // cols,
        },
        geometry=shapely.box(x0, y0, x0 + CELL_M, y0 + CELL_M),
        crs=ANALYSIS_CRS,
    )
    return frame


def _real_municipalities(n: int | None, rng: np.random.Generator, *, okres: str | None, kraj: str | None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Real members (EPSG:5514, with ``obyvatele``) and their 2020 age bands."""
    reference = national_population()
    if okres or kraj:
        codes = select_members(okres=okres, kraj=kraj)["kod_obce"].tolist()
        reference = reference.set_index("kod_obce").loc[codes].reset_index()
    if n is not None and not 1 <= n <= len(reference):
        raise InvalidParameter(f"n: expected 1 to {len(reference)} real municipalities, got {n}")
    shapes = national_municipalities().set_index("kod_obce").loc[reference["kod_obce"]]
    if n is not None and n < len(reference):
        points = shapes.geometry.representative_point()
        centre = points.iloc[int(rng.integers(len(points)))]
        order = np.lexsort((reference["kod_obce"].to_numpy(), points.distance(centre).to_numpy()))
        reference = reference.iloc[np.sort(order[:n])].reset_index(drop=True)
        shapes = shapes.loc[reference["kod_obce"]]
    frame = gpd.GeoDataFrame(
        {"kod_obce": reference["kod_obce"].to_numpy(), "nazev": reference["nazev"].to_numpy(), "okres": reference["okres"].to_numpy(),
         "kraj": reference["kraj"].to_numpy(), "obyvatele": np.maximum(reference["celkem"].to_numpy(), 1)},
        geometry=shapes.geometry.to_numpy(), crs=ANALYSIS_CRS,
    )
    return frame, reference[["kod_obce", "rok", *AGE_BANDS]].reset_index(drop=True)


def _grid_catchments(municipalities: gpd.GeoDataFrame) -> Callable[[int, int], list[int]]:
    """Municipalities within ``radius`` grid cells of a seat (the seat first)."""
    position = {(c, r): k for k, (c, r) in enumerate(zip(municipalities["col"], municipalities["row"], strict=True))}

    def near(seat: int, radius: int) -> list[int]:
        c, r = int(municipalities["col"].iat[seat]), int(municipalities["row"].iat[seat])
        found = [position[(c + dc, r + dr)] for dr in range(-radius, radius + 1) for dc in range(-radius, radius + 1) if (c + dc, r + dr) in position]
        return sorted(found, key=lambda j: (j != seat, j))

    return near


def _real_catchments(municipalities: gpd.GeoDataFrame) -> Callable[[int, int], list[int]]:
    """Municipalities whose centre is within ``radius`` x :data:`CELL_M` of a seat's centre (the seat first)."""
    points = municipalities.geometry.representative_point()
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    tree = cKDTree(xy)

    def near(seat: int, radius: int) -> list[int]:
        found = tree.query_ball_point(xy[seat], r=radius * CELL_M)
        return sorted({seat, *found}, key=lambda j: (j != seat, j))

    return near


def _place_in_cell(shape: shapely.Geometry, rng: np.random.Generator) -> tuple[float, float]:
    """A point of a grid cell, 100 m from its edges."""
    minx, miny, maxx, maxy = shape.bounds
    return rng.uniform(minx + 100, maxx - 100), rng.uniform(miny + 100, maxy - 100)


def _place_in_polygon(shape: shapely.Geometry, rng: np.random.Generator) -> tuple[float, float]:
    """A point drawn inside a real municipality, 25 m from its boundary (its representative point if none is drawn)."""
    inner = shape.buffer(-25)
    target = inner if not inner.is_empty else shape
    minx, miny, maxx, maxy = target.bounds
    xs, ys = rng.uniform(minx, maxx, 32), rng.uniform(miny, maxy, 32)
    inside = np.flatnonzero(shapely.contains_xy(target, xs, ys))
    if len(inside):
        return float(xs[inside[0]]), float(ys[inside[0]])
    point = target.representative_point()
    return point.x, point.y


def _population(municipalities: gpd.GeoDataFrame, rng: np.random.Generator, *, year: int) -> pd.DataFrame:
    total = municipalities["obyvatele"].to_numpy()
    shares = rng.dirichlet(BAND_SHARES * 200, size=len(total))
    bands = np.floor(shares * total[:, None]).astype("int64")
    bands[:, 1] += total - bands.sum(axis=1)  # the remainder goes to 15-64: totals stay exact
    out = pd.DataFrame(bands, columns=["vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"])
    out.insert(0, "rok", year)
    out.insert(0, "kod_obce", municipalities["kod_obce"].to_numpy())
    return out


def _services(
    municipalities: gpd.GeoDataFrame,
    catchment: Callable[[int, int], list[int]],
    place: Callable[[shapely.Geometry, np.random.Generator], tuple[float, float]],
    n_services: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    types = list(SERVICE_MIX)
    druh = [types[k % len(types)] for k in range(n_services)]
    forms = [SERVICE_MIX[d][0][(k // len(types)) % len(SERVICE_MIX[d][0])] for k, d in enumerate(druh)]
    # the first three services are one of each form, whatever n_services is
    druh[:3], forms[:3] = ["40", "49", "46"], ["terénní", "pobytová", "ambulantní"]
    weights = np.sqrt(municipalities["obyvatele"].to_numpy(float))
    seats = rng.choice(len(municipalities), size=n_services, p=weights / weights.sum())
    codes = municipalities["kod_obce"].to_numpy()
    people = municipalities["obyvatele"].to_numpy()
    records = []
    for k, (d, forma, seat) in enumerate(zip(druh, forms, seats, strict=True)):
        _, groups, per_1000, radius = SERVICE_MIX[d]
        near = catchment(int(seat), radius)
        capacity = max(1, round(per_1000 * people[near].sum() / 1000 * rng.uniform(0.3, 1.2)))
        x, y = place(municipalities.geometry.iat[seat], rng)
        records.append(
            {
                "id": f"S{k + 1:05d}",
                "nazev": f"Služba {k + 1} ({d})",
                "poskytovatel": f"Poskytovatel {k % max(1, n_services // 3) + 1}",
                "ico": "",
                "druh": d,
                "forma": forma,
                "cilove_skupiny": groups,
                "kapacita": capacity,
                "jednotka": "",
                "kod_obce": codes[seat],
                "x": x,
                "y": y,
                "pusobnost": ", ".join(codes[near]),
                "naklady": int(round(capacity * rng.uniform(40_000, 160_000), -3)),
                "_near": near,
            }
        )
    frame = pd.DataFrame.from_records(records)
    lon, lat = gpd.GeoSeries(shapely.points(frame["x"], frame["y"]), crs=ANALYSIS_CRS).to_crs(WEB_CRS).pipe(lambda g: (g.x, g.y))
    frame["lat"], frame["lon"] = lat.round(6).to_numpy(), lon.round(6).to_numpy()
    return frame.drop(columns=["x", "y"])


def _usage(services: pd.DataFrame, municipalities: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    codes = municipalities["kod_obce"].to_numpy()
    people = municipalities["obyvatele"].to_numpy(float)
    rows = []
    for sid, forma, capacity, near in zip(services["id"], services["forma"], services["kapacita"], services["_near"], strict=True):
        used = max(1, round(capacity * rng.uniform(0.5, 1.05)))
        share = people[near] / people[near].sum()
        clients = rng.multinomial(used, share)
        for j, klienti in zip(near, clients, strict=True):
            if klienti:
                hodiny = int(klienti * rng.integers(20, 90)) if forma == "terénní" else None
                rows.append((sid, codes[j], int(klienti), hodiny, 2024))
    usage = pd.DataFrame(rows, columns=["sluzba_id", "kod_obce", "klienti", "hodiny", "rok"])
    usage["hodiny"] = usage["hodiny"].astype("Int64")
    return usage


def _write(out: Path, rid: str, municipalities: gpd.GeoDataFrame, population: pd.DataFrame, services: pd.DataFrame, usage: pd.DataFrame, *, real: bool) -> None:
    members = "\n".join(f'  "{c}",' for c in municipalities["kod_obce"])
    what = "real municipalities (ČÚZK boundaries, ČSÚ 2020 ages), synthetic services and usage" if real else "not real data"
    config = f'# Synthetic region written by `kpwork synth` ({what}).\n[region]\nid = "{rid}"\nname = "Syntetický region {rid}"\nmembers = [\n{members}\n]\n'
    if real:
        config += f'\n[zdroje]\nuvedeni = "{CREDIT}"\n'
    (out / "region.toml").write_text(config, encoding="utf-8")
    geometry = out / "municipalities.geojson"
    geometry.unlink(missing_ok=True)
    if real:  # as kpwork init writes them: the stored degrees, 6 decimals
        shapes = national_municipalities(crs=None).set_index("kod_obce").loc[municipalities["kod_obce"]].reset_index()
        shapes.to_file(geometry, driver="GeoJSON", COORDINATE_PRECISION=6)
    else:
        municipalities[["kod_obce", "nazev", "geometry"]].to_file(geometry, driver="GeoJSON")
    population.to_csv(out / "population.csv", index=False, lineterminator="\n")
    columns = ["id", "nazev", "poskytovatel", "ico", "druh", "forma", "cilove_skupiny", "kapacita", "jednotka", "kod_obce", "lat", "lon", "pusobnost", "naklady"]
    neutralise_frame(services[columns]).to_csv(out / "services.csv", sep=";", index=False, lineterminator="\n", encoding="utf-8")
    usage.to_csv(out / "usage.csv", sep=";", index=False, lineterminator="\n", encoding="utf-8")
