"""Synthetic but valid regions, for benchmarks and tests.

:func:`synthesize_region` writes a region folder that passes ``kpwork
validate``: municipalities as a grid of square polygons in EPSG:5514 with
unique 6-digit codes, names and total populations drawn (with the seed) from
the national reference shipped with kpwork (:func:`kpwork.reference.national_population`,
ČSÚ 2020), age bands split by plausible national shares,
services of every form and several types with catchments around their seat,
and usage by municipality of residence. The same ``n`` and ``seed`` always
write the same bytes.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kpwork.config import ANALYSIS_CRS, WEB_CRS
from kpwork.errors import InvalidParameter
from kpwork.reference import national_population

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
    n: int,
    seed: int,
    out_dir: str | Path,
    *,
    services: int | None = None,
    region_id: str | None = None,
) -> Path:
    """Write a synthetic region of ``n`` municipalities into ``out_dir``.

    Parameters
    ----------
    n
        Number of member municipalities (1 to 899,999).
    seed
        Seed of every random draw: the same ``n`` and ``seed`` give the same files.
    out_dir
        The region folder to write (created; existing files are overwritten).
    services
        Number of services; about 0.8 per municipality by default, at least
        one of each form.
    region_id
        ``id`` in ``region.toml`` (``synth-<n>-<seed>`` by default).

    Returns
    -------
    Path
        The region folder.

    Raises
    ------
    InvalidParameter
        When ``n`` or ``services`` is out of range.
    """
    if not 1 <= n <= 899_999:
        raise InvalidParameter(f"n: expected 1 to 899999 municipalities, got {n}")
    n_services = max(len(SERVICE_MIX), round(0.8 * n)) if services is None else services
    if n_services < 3:
        raise InvalidParameter(f"services: expected at least 3 (one of each form), got {n_services}")
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    reference = national_population()
    municipalities, cols = _municipalities(n, rng, reference)
    population = _population(municipalities, rng, year=int(reference["rok"].max()))
    service_table = _services(municipalities, cols, n_services, rng)
    usage = _usage(service_table, municipalities, rng)
    rid = region_id or f"synth-{n}-{seed}"
    _write(out, rid, municipalities, population, service_table, usage)
    log.info("synthetic region %s: %d municipalities, %d services in %s", rid, n, len(service_table), out)
    return out


def _municipalities(n: int, rng: np.random.Generator, ref: pd.DataFrame) -> tuple[gpd.GeoDataFrame, int]:
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
    return frame, cols


def _population(municipalities: gpd.GeoDataFrame, rng: np.random.Generator, *, year: int) -> pd.DataFrame:
    total = municipalities["obyvatele"].to_numpy()
    shares = rng.dirichlet(BAND_SHARES * 200, size=len(total))
    bands = np.floor(shares * total[:, None]).astype("int64")
    bands[:, 1] += total - bands.sum(axis=1)  # the remainder goes to 15-64: totals stay exact
    out = pd.DataFrame(bands, columns=["vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"])
    out.insert(0, "rok", year)
    out.insert(0, "kod_obce", municipalities["kod_obce"].to_numpy())
    return out


def _services(municipalities: gpd.GeoDataFrame, cols: int, n_services: int, rng: np.random.Generator) -> pd.DataFrame:
    types = list(SERVICE_MIX)
    druh = [types[k % len(types)] for k in range(n_services)]
    forms = [SERVICE_MIX[d][0][(k // len(types)) % len(SERVICE_MIX[d][0])] for k, d in enumerate(druh)]
    # the first three services are one of each form, whatever n_services is
    druh[:3], forms[:3] = ["40", "49", "46"], ["terénní", "pobytová", "ambulantní"]
    weights = np.sqrt(municipalities["obyvatele"].to_numpy(float))
    seats = rng.choice(len(municipalities), size=n_services, p=weights / weights.sum())
    position = {(c, r): k for k, (c, r) in enumerate(zip(municipalities["col"], municipalities["row"], strict=True))}
    codes = municipalities["kod_obce"].to_numpy()
    people = municipalities["obyvatele"].to_numpy()
    records = []
    for k, (d, forma, seat) in enumerate(zip(druh, forms, seats, strict=True)):
        _, groups, per_1000, radius = SERVICE_MIX[d]
        c, r = int(municipalities["col"].iat[seat]), int(municipalities["row"].iat[seat])
        near = [position[(c + dc, r + dr)] for dr in range(-radius, radius + 1) for dc in range(-radius, radius + 1) if (c + dc, r + dr) in position]
        near = sorted(near, key=lambda j: (j != seat, j))
        capacity = max(1, round(per_1000 * people[near].sum() / 1000 * rng.uniform(0.3, 1.2)))
        cell = municipalities.geometry.iat[seat]
        minx, miny, maxx, maxy = cell.bounds
        x, y = rng.uniform(minx + 100, maxx - 100), rng.uniform(miny + 100, maxy - 100)
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


def _write(out: Path, rid: str, municipalities: gpd.GeoDataFrame, population: pd.DataFrame, services: pd.DataFrame, usage: pd.DataFrame) -> None:
    members = "\n".join(f'  "{c}",' for c in municipalities["kod_obce"])
    config = f'# Synthetic region written by `kpwork synth` (not real data).\n[region]\nid = "{rid}"\nname = "Syntetický region {rid}"\nmembers = [\n{members}\n]\n'
    (out / "region.toml").write_text(config, encoding="utf-8")
    geometry = out / "municipalities.geojson"
    geometry.unlink(missing_ok=True)
    municipalities[["kod_obce", "nazev", "geometry"]].to_file(geometry, driver="GeoJSON")
    population.to_csv(out / "population.csv", index=False, lineterminator="\n")
    columns = ["id", "nazev", "poskytovatel", "ico", "druh", "forma", "cilove_skupiny", "kapacita", "jednotka", "kod_obce", "lat", "lon", "pusobnost", "naklady"]
    services[columns].to_csv(out / "services.csv", sep=";", index=False, lineterminator="\n", encoding="utf-8")
    usage.to_csv(out / "usage.csv", sep=";", index=False, lineterminator="\n", encoding="utf-8")
