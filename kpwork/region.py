"""Load and validate a microregion folder into a typed :class:`Region`.

A region folder holds the sheets a coordinator keeps (``docs/data-format.md``):
``region.toml``, ``municipalities.geojson`` (or ``.gpkg``), ``population``,
``services`` and ``usage`` (CSV or XLSX), and optionally ``norms``,
``pruzkum``, ``funding``, ``coalition_costs`` and ``plan``. Every problem of
every file is collected and raised once, as :class:`~kpwork.errors.InvalidRegion`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from kpwork import sheets as sh
from kpwork.config import ANALYSIS_CRS, FILES, SHEET_EXTENSIONS, THRESHOLDS, WEB_CRS
from kpwork.errors import InvalidRegion, KpworkWarning, Problem
from kpwork.funding.inputs import parse_coalition_costs, parse_funding
from kpwork.need import parse_norms, parse_survey
from kpwork.plan.inputs import parse_plan
from kpwork.taxonomy import (
    FORMS,
    SERVICE_TYPES,
    normalise_form,
    normalise_service_type,
    normalise_target_group,
)

log = logging.getLogger(__name__)

AGE_BANDS = ("vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus")
SERVICE_COLUMNS = ("id", "nazev", "poskytovatel", "druh", "forma", "cilove_skupiny", "kapacita", "kod_obce")
SERVICE_OPTIONAL = ("ico", "jednotka", "lat", "lon", "pusobnost", "naklady")
USAGE_COLUMNS = ("sluzba_id", "kod_obce", "klienti")


@dataclass(frozen=True)
class Region:
    """A validated microregion, ready for analysis.

    Attributes
    ----------
    id, name : str
        From ``region.toml``; ``id`` names the output folder.
    path : Path
        The region folder.
    members : tuple of str
        ``kod_obce`` of the member municipalities, in file order.
    municipalities : GeoDataFrame
        Index ``kod_obce`` (str); columns ``nazev``, ``clen`` (member or not),
        ``geometry`` in EPSG:5514.
    population : DataFrame
        ``kod_obce``, ``rok`` and the ``vek_*`` bands, every year given.
    services : GeoDataFrame
        One row per service; ``druh`` is the paragraph code (``"40"``),
        ``forma`` one of ``pobytova``/``ambulantni``/``terenni``,
        ``cilove_skupiny`` and ``pusobnost`` tuples of codes (``pusobnost``
        expanded from ``*`` to all members), point ``geometry`` in EPSG:5514.
    usage : DataFrame
        ``sluzba_id``, ``kod_obce``, ``klienti``, ``hodiny`` (NaN when not
        given) and ``rok`` (<NA> when not given).
    inputs : tuple of Path
        Every file read, for the run manifest.
    extras : mapping
        Optional inputs parsed by their modules: ``norms``, ``survey``,
        ``funding``, ``coalition_costs``, ``plan``.
    """

    id: str
    name: str
    path: Path
    members: tuple[str, ...]
    municipalities: gpd.GeoDataFrame
    population: pd.DataFrame
    services: gpd.GeoDataFrame
    usage: pd.DataFrame
    inputs: tuple[Path, ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def age_bands(self) -> list[str]:
        """The ``vek_*`` columns of the population sheet, in file order."""
        return [c for c in self.population.columns if c.startswith("vek_")]

    def latest_population(self) -> pd.DataFrame:
        """Population of each member in its latest year, index ``kod_obce``.

        Columns: ``rok``, the ``vek_*`` bands and ``obyvatele`` (their sum).
        """
        latest = self.population.sort_values("rok").groupby("kod_obce").tail(1)
        latest = latest.set_index("kod_obce").loc[list(self.members)]
        latest["obyvatele"] = latest[self.age_bands].sum(axis=1)
        return latest

    def member_names(self) -> pd.Series:
        """``nazev`` of each member, index ``kod_obce``."""
        return self.municipalities.loc[list(self.members), "nazev"]


def load_region(path: str | Path) -> Region:
    """Read and validate a region folder.

    Parameters
    ----------
    path
        Folder with ``region.toml`` and the sheets (see ``docs/data-format.md``).

    Returns
    -------
    Region

    Raises
    ------
    InvalidRegion
        Carrying every problem found in every file, each with file, row and
        column (``<file>:<row>: <column>: <what is wrong>``).
    """
    folder = Path(path)
    problems = sh.ProblemLog()
    if not folder.is_dir():
        problems.add(str(folder), None, None, "region folder not found")
        raise InvalidRegion(_reading_order(problems.problems))
    inputs: list[Path] = []
    config = _read_config(folder, problems, inputs)
    municipalities, complete = _read_municipalities(folder, problems, inputs)
    members = _members(config, municipalities, complete, problems)
    # without a members list, membership is only known when every polygon was read
    known = config["members"] is not None or complete
    population = _read_population(folder, members if known else [], problems, inputs)
    services, service_ids = _read_services(folder, municipalities if complete else None, members if known else None, problems, inputs)
    usage = _read_usage(folder, service_ids, problems, inputs)
    if problems:
        raise InvalidRegion(_reading_order(problems.problems))
    municipalities["clen"] = municipalities.index.isin(members)
    region = Region(
        id=config["id"],
        name=config["name"],
        path=folder,
        members=tuple(members),
        municipalities=municipalities,
        population=population,
        services=services,
        usage=usage,
    )
    extras = _read_extras(folder, region, problems, inputs)
    if problems:
        raise InvalidRegion(_reading_order(problems.problems))
    return dataclasses.replace(region, inputs=tuple(sorted(set(inputs))), extras=extras)


def _reading_order(problems: list[Problem]) -> list[Problem]:
    """Problems file by file (region.toml first, then as read), each file top to bottom.

    Problems of a whole file (no row) come after its rows, in the order found.
    """
    files = list(dict.fromkeys(p.file for p in problems))
    if FILES.config in files:
        files.remove(FILES.config)
        files.insert(0, FILES.config)
    rank = {f: i for i, f in enumerate(files)}
    return sorted(problems, key=lambda p: (rank[p.file], p.row is None, p.row or 0))


# --- region.toml ---------------------------------------------------------------------------


def _read_config(folder: Path, problems: sh.ProblemLog, inputs: list[Path]) -> dict:
    file = folder / FILES.config
    default = {"id": folder.name, "name": folder.name, "members": None}
    if not file.exists():
        problems.add(FILES.config, None, None, "file not found; it needs [region] with id and name")
        return default
    inputs.append(file)
    text = sh.decode(file.read_bytes())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        row = _toml_line(str(exc))
        problems.add(FILES.config, row, None, f"not valid TOML: {exc}")
        return default
    section = data.get("region")
    if not isinstance(section, dict):
        problems.add(FILES.config, None, "region", "missing [region] section with id and name")
        return default
    config = dict(default)
    lines = text.splitlines()
    for key in ("id", "name"):
        value = section.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.add(FILES.config, _key_line(lines, key), key, f"[region] {key} must be a non-empty text, e.g. {key} = \"otrokovicko\"")
        else:
            config[key] = value.strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", config["id"]):
        problems.add(FILES.config, _key_line(lines, "id"), "id", f"must be lower-case letters, digits, - or _ (it names the output folder), got '{config['id']}'")
    config["member_lines"] = []
    if "members" in section:
        raw = section["members"]
        if not isinstance(raw, list):
            problems.add(FILES.config, _key_line(lines, "members"), "members", "must be a list of 6-digit codes, e.g. [\"585599\", \"585513\"]")
        else:
            members = []
            line = _key_line(lines, "members")
            for item in raw:
                line = _value_line(lines, str(item), line)
                try:
                    code = sh.kod_obce(str(item))
                except ValueError as exc:
                    problems.add(FILES.config, line, "members", str(exc))
                    continue
                members.append(code)
                config["member_lines"].append(line)
            config["members"] = members
    return config


def _key_line(lines: list[str], key: str) -> int | None:
    """Line (1-based) where ``key =`` is set, for messages."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), None)


def _value_line(lines: list[str], value: str, after: int | None) -> int | None:
    """First line from ``after`` on that mentions ``value``, for messages."""
    start = after or 1
    for n, line in enumerate(lines[start - 1 :], start):
        if value in line.split("#", 1)[0]:
            return n
    return after


def _toml_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


# --- municipalities ------------------------------------------------------------------------


def _read_municipalities(folder: Path, problems: sh.ProblemLog, inputs: list[Path]) -> tuple[gpd.GeoDataFrame, bool]:
    """Member polygons in EPSG:5514 and whether every feature was read."""
    empty = gpd.GeoDataFrame({"nazev": pd.Series(dtype=str)}, geometry=gpd.GeoSeries([], crs=ANALYSIS_CRS), index=pd.Index([], name="kod_obce", dtype=str))
    file = next((folder / n for n in FILES.geometry if (folder / n).exists()), None)
    if file is None:
        problems.add(FILES.geometry[0], None, None, f"file not found (or {FILES.geometry[1]}); it needs municipality polygons with kod_obce and nazev")
        return empty, False
    inputs.append(file)
    try:
        gdf = gpd.read_file(file)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        problems.add(file.name, None, None, f"cannot read geometry file: {exc}")
        return empty, False
    gdf = gdf.rename(columns={c: sh.normalise_header(c) for c in gdf.columns if c != "geometry"})
    name = file.name
    start = len(problems)
    for column in ("kod_obce", "nazev"):
        if column not in gdf.columns:
            found = ", ".join(c for c in gdf.columns if c != "geometry") or "none"
            problems.add(name, None, column, f"missing property in the features (properties found: {found})")
    _check_crs(gdf, name, problems)
    if len(problems) > start:
        return empty, False
    codes, good = [], []
    seen: dict[str, int] = {}
    for i, (raw, label, geom) in enumerate(zip(gdf["kod_obce"].tolist(), gdf["nazev"].tolist(), gdf.geometry, strict=True)):
        feature = i + 1
        before = len(problems)
        code = _feature_code(raw, name, feature, problems)
        if code in seen:
            problems.add(name, feature, "kod_obce", f"duplicate code {code} (also feature {seen[code]}); expected one polygon per municipality")
        elif code:
            seen[code] = feature
        _check_polygon(geom, name, feature, problems)
        codes.append(code)
        good.append(len(problems) == before)
        if _missing(label):  # a missing name does not stop the spatial checks
            problems.add(name, feature, "nazev", "missing municipality name; expected the name of the municipality")
    gdf["kod_obce"] = codes
    gdf["nazev"] = [("" if _missing(v) else str(v).strip()) for v in gdf["nazev"]]
    gdf = gdf.loc[good].set_index("kod_obce")[["nazev", "geometry"]].to_crs(ANALYSIS_CRS)
    return gdf, all(good)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""


def _feature_code(raw: object, name: str, feature: int, problems: sh.ProblemLog) -> str | None:
    """The feature's kod_obce as text; a number property (585599) is accepted."""
    if _missing(raw):
        problems.add(name, feature, "kod_obce", "missing municipality code; expected a 6-digit code (kód obce)")
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    try:
        return sh.kod_obce(str(raw))
    except ValueError as exc:
        problems.add(name, feature, "kod_obce", str(exc))
        return None


def _check_crs(gdf: gpd.GeoDataFrame, name: str, problems: sh.ProblemLog) -> None:
    if gdf.crs is None:
        problems.add(name, None, "crs", "the file has no coordinate reference system; save it with one (e.g. EPSG:5514 or EPSG:4326)")
        return
    if gdf.crs.is_geographic and len(gdf) and gdf.geometry.notna().any():
        minx, miny, maxx, maxy = gdf.total_bounds
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            problems.add(name, None, "crs", f"the file says {gdf.crs.to_string()} (degrees) but its coordinates reach {minx:.0f}, {miny:.0f}; save it with the coordinate system its coordinates are in (e.g. EPSG:5514)")


def _check_polygon(geom, name: str, feature: int, problems: sh.ProblemLog) -> None:
    if geom is None or geom.is_empty:
        problems.add(name, feature, "geometry", "empty geometry; expected a polygon")
    elif geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.add(name, feature, "geometry", f"expected a polygon, got {geom.geom_type}")
    elif not geom.is_valid:
        problems.add(name, feature, "geometry", f"invalid polygon: {shapely.is_valid_reason(geom)}; expected a valid polygon (QGIS: Fix geometries)")


def _members(config: dict, municipalities: gpd.GeoDataFrame, complete: bool, problems: sh.ProblemLog) -> list[str]:
    if config["members"] is None:
        return list(municipalities.index)
    members = []
    lines = config.get("member_lines") or [None] * len(config["members"])
    for code, line in zip(config["members"], lines, strict=True):
        if code in members:
            problems.add(FILES.config, line, "members", f"member {code} listed twice")
            continue
        if complete and code not in municipalities.index:
            problems.add(FILES.config, line, "members", f"member {code} has no polygon in the municipalities file; expected a feature with kod_obce {code}")
        members.append(code)
    return members


# --- population ----------------------------------------------------------------------------


def _open(folder: Path, base: str, problems: sh.ProblemLog, inputs: list[Path], *, required: bool = True) -> sh.Sheet | None:
    """``base.csv`` or ``base.xlsx``; when both exist, the one with rows (``kpwork init`` writes both empty)."""
    paths = [folder / f"{base}{ext}" for ext in SHEET_EXTENSIONS if (folder / f"{base}{ext}").exists()]
    if not paths:
        if required:
            problems.add(f"{base}.csv", None, None, f"file not found (nor {base}.xlsx)")
        return None
    sheets = []
    for path in paths:
        try:
            sheets.append((path, sh.read_sheet(path)))
        except Exception as exc:  # a broken file is one problem, not a crash
            problems.add(path.name, None, None, f"cannot read the file: {exc}")
            return None
    filled = [(path, sheet) for path, sheet in sheets if len(sheet.frame)]
    if len(filled) > 1:
        names = " and ".join(path.name for path, _ in filled)
        problems.add(filled[-1][0].name, None, None, f"{names} both hold rows; kpwork reads one of them: keep the rows in one file and delete the other")
        return None
    path, sheet = (filled or sheets)[0]
    inputs.append(path)
    problems.extend(sheet.problems)
    return sheet


def _read_population(folder: Path, members: list[str], problems: sh.ProblemLog, inputs: list[Path]) -> pd.DataFrame:
    sheet = _open(folder, FILES.population, problems, inputs)
    if sheet is None or not sh.require_columns(sheet, ("kod_obce", "rok", *AGE_BANDS), problems):
        return pd.DataFrame(columns=["kod_obce", "rok", *AGE_BANDS])
    frame = sheet.frame
    bands = [c for c in frame.columns if c.startswith("vek_")]
    out = pd.DataFrame({"kod_obce": sh.parse_column(sheet, "kod_obce", sh.kod_obce, problems, expected="a 6-digit code")})
    out["rok"] = sh.parse_column(sheet, "rok", _year, problems, expected="a year such as 2024")
    for band in bands:
        out[band] = sh.parse_column(sheet, band, sh.non_negative_int, problems, expected="a number of people >= 0")
    seen: dict[tuple, int] = {}
    for i, key in enumerate(zip(out["kod_obce"], out["rok"], strict=True)):
        if any(_missing(k) for k in key):
            continue
        if key in seen:
            problems.add(sheet.file, sheet.row(i), "kod_obce", f"duplicate row for {key[0]} in {key[1]} (also row {seen[key]})")
        else:
            seen[key] = sheet.row(i)
    known = {code for code in out["kod_obce"] if not _missing(code)}
    for code in members:
        if code not in known:
            problems.add(sheet.file, None, "kod_obce", f"member {code} has no population row; expected a row per member and year")
    if problems:
        return out
    out[bands] = out[bands].astype("int64")
    out["rok"] = out["rok"].astype("int64")
    return out


def _year(text: str) -> int:
    year = sh.non_negative_int(text)
    if not 1900 <= year <= 2100:
        raise ValueError(f"expected a year such as 2024, got {text}")
    return year


# --- services ------------------------------------------------------------------------------


def _read_services(
    folder: Path,
    municipalities: gpd.GeoDataFrame | None,
    members: list[str] | None,
    problems: sh.ProblemLog,
    inputs: list[Path],
) -> tuple[gpd.GeoDataFrame, set[str] | None]:
    """Services, and the ids of all rows (for checking usage even when services have problems).

    ``municipalities`` is None when the polygons could not all be read (then
    coordinates are not checked); ``members`` is None when membership is unknown.
    """
    sheet = _open(folder, FILES.services, problems, inputs)
    if sheet is None or not sh.require_columns(sheet, SERVICE_COLUMNS, problems):
        return gpd.GeoDataFrame(), None
    frame = sheet.frame.copy()
    for column in SERVICE_OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    sheet = dataclasses.replace(sheet, frame=frame)
    start = len(problems)
    ids = set(frame["id"]) - {""}
    out = pd.DataFrame({"id": frame["id"]})
    for i, sid in enumerate(frame["id"]):
        if sid == "":
            problems.add(sheet.file, sheet.row(i), "id", "missing service id; expected a short unique text such as S01")
    for i in np.flatnonzero(frame["id"].duplicated(keep="first") & (frame["id"] != "")):
        first = sheet.row(int(np.flatnonzero(frame["id"] == frame["id"].iloc[i])[0]))
        problems.add(sheet.file, sheet.row(int(i)), "id", f"duplicate service id '{frame['id'].iloc[i]}' (also row {first}); expected a unique id per service")
    for column in ("nazev", "poskytovatel"):
        out[column] = sh.parse_column(sheet, column, str, problems, expected="a name")
    out["ico"] = sh.parse_column(sheet, "ico", _ico, problems, required=False, default="")
    out["druh"] = sh.parse_column(sheet, "druh", normalise_service_type, problems, expected="a service type such as 40 or pečovatelská služba")
    out["forma"] = sh.parse_column(sheet, "forma", normalise_form, problems, expected="pobytová, ambulantní or terénní")
    out["cilove_skupiny"] = sh.parse_column(sheet, "cilove_skupiny", _target_groups, problems, expected="one or more target groups")
    out["kapacita"] = sh.parse_column(sheet, "kapacita", sh.non_negative, problems, expected="a capacity >= 0")
    out["jednotka"] = frame["jednotka"].tolist()
    out["kod_obce"] = sh.parse_column(sheet, "kod_obce", sh.kod_obce, problems, expected="the 6-digit code of the municipality where the service sits")
    out["naklady"] = sh.parse_column(sheet, "naklady", sh.non_negative, problems, required=False, default=np.nan, expected="a yearly cost in CZK >= 0")
    lat = sh.parse_column(sheet, "lat", sh.parse_number, problems, required=False, default=np.nan, expected="latitude in degrees (WGS84), e.g. 49,2118")
    lon = sh.parse_column(sheet, "lon", sh.parse_number, problems, required=False, default=np.nan, expected="longitude in degrees (WGS84), e.g. 17,5352")
    pusobnost = sh.parse_column(sheet, "pusobnost", _catchment, problems, required=False, default=("*",))
    extra = [c for c in frame.columns if c not in out.columns and c not in ("lat", "lon", "pusobnost")]
    for column in extra:
        out[column] = frame[column].tolist()
    _check_forms(sheet, out, problems)
    if members is not None:
        for i, code in enumerate(out["kod_obce"]):
            if not _missing(code) and code not in members:
                problems.add(sheet.file, sheet.row(i), "kod_obce", f"{code} is not a member of the region; expected the code of the member municipality where the service sits")
    out["pusobnost"] = _expand_catchments(sheet, pusobnost, members, problems)
    out["jednotka"] = [unit or ("" if _missing(druh) else SERVICE_TYPES[druh].unit) for druh, unit in zip(out["druh"], out["jednotka"], strict=True)]
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    geometry = None
    if municipalities is not None and members is not None:
        geometry = _service_points(sheet, out, lat, lon, municipalities, members, problems)
    if len(problems) > start or geometry is None:  # None: the polygons have problems
        return gpd.GeoDataFrame(), ids
    out["lat"], out["lon"] = lat, lon
    out = _as_text(out, [c for c in out.columns if c not in ("kapacita", "naklady", "lat", "lon")])
    return gpd.GeoDataFrame(out, geometry=geometry, crs=ANALYSIS_CRS), ids


def _as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as object, also in an empty sheet (where pandas would make them float)."""
    return frame.astype({c: object for c in columns})


def _ico(text: str) -> str:
    digits = text.replace(" ", "")
    if digits.endswith(".0"):
        digits = digits[:-2]
    if not digits.isdigit() or len(digits) > 8:
        raise ValueError(f"IČO must be up to 8 digits, got '{text}'")
    return digits.zfill(8)


def _target_groups(text: str) -> tuple[str, ...]:
    codes = []
    for item in sh.split_list(text):
        code = normalise_target_group(item)
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValueError("expected one or more target groups")
    return tuple(codes)


def _catchment(text: str) -> tuple[str, ...]:
    items = sh.split_list(text)
    if items == ["*"]:
        return ("*",)
    return tuple(sh.kod_obce(item) for item in items)


def _check_forms(sheet: sh.Sheet, out: pd.DataFrame, problems: sh.ProblemLog) -> None:
    for i, (druh, forma) in enumerate(zip(out["druh"], out["forma"], strict=True)):
        if _missing(druh) or _missing(forma):
            continue
        allowed = SERVICE_TYPES[druh].forms
        if forma not in allowed:
            names = " or ".join(FORMS[f] for f in allowed)
            problems.add(sheet.file, sheet.row(i), "forma", f"{SERVICE_TYPES[druh].label} is not provided as {FORMS[forma]}; expected {names}")


def _expand_catchments(sheet: sh.Sheet, catchments: list, members: list[str] | None, problems: sh.ProblemLog) -> list[tuple[str, ...]]:
    if members is None:  # membership unknown: nothing to check against
        return [tuple(c) if c else () for c in catchments]
    expanded = []
    known = set(members)  # a set: catchments of a whole country are 10^5 codes against 10^3-10^4 members
    for i, codes in enumerate(catchments):
        if codes is None:
            expanded.append(())
            continue
        if codes == ("*",):
            expanded.append(tuple(members))
            continue
        for code in codes:
            if code not in known:
                problems.add(sheet.file, sheet.row(i), "pusobnost", f"{code} is not a member of the region; list members only, or * for the whole region")
        expanded.append(tuple(c for c in codes if c in known))
    return expanded


_TO_KROVAK = Transformer.from_crs(WEB_CRS, ANALYSIS_CRS, always_xy=True)


def _service_points(
    sheet: sh.Sheet,
    out: pd.DataFrame,
    lat: np.ndarray,
    lon: np.ndarray,
    municipalities: gpd.GeoDataFrame,
    members: list[str],
    problems: sh.ProblemLog,
) -> gpd.GeoSeries:
    """Seats in EPSG:5514; a missing lat/lon falls back to the municipality's centre."""
    outline = municipalities.loc[[m for m in members if m in municipalities.index]].union_all()
    reach = outline.buffer(THRESHOLDS.outside_region_tolerance_m)
    x, y = _TO_KROVAK.transform(lon, lat)
    sx, sy = _TO_KROVAK.transform(lat, lon)
    points = []
    for i in range(len(out)):
        has_lat, has_lon = not np.isnan(lat[i]), not np.isnan(lon[i])
        raw = sheet.frame["lat"].iloc[i], sheet.frame["lon"].iloc[i]
        if has_lat != has_lon and raw[0] != "" and raw[1] != "":
            points.append(None)  # the other one could not be read; already reported
            continue
        if has_lat != has_lon:
            column = "lon" if has_lat else "lat"
            problems.add(sheet.file, sheet.row(i), column, "give both lat and lon, or neither (then the municipality's centre is used)")
            points.append(None)
            continue
        if not has_lat:
            code = out["kod_obce"].iloc[i]
            if code in municipalities.index:
                warnings.warn(f"{sheet.file}:{sheet.row(i)}: lat/lon missing; using the centre of {code}", KpworkWarning, stacklevel=4)
                points.append(municipalities.geometry.loc[code].representative_point())
            else:
                points.append(None)  # bad or non-member kod_obce, reported above
            continue
        point = shapely.Point(x[i], y[i])
        if reach.contains(point):
            points.append(point)
            continue
        swapped = shapely.Point(sx[i], sy[i])
        if reach.contains(swapped):
            problems.add(sheet.file, sheet.row(i), "lat", f"lat {lat[i]} and lon {lon[i]} look swapped; expected lat first (in Czechia lat is 48.5-51.1, lon 12-18.9)")
        else:
            km = point.distance(outline) / 1000 if np.isfinite(x[i]) else float("nan")
            problems.add(sheet.file, sheet.row(i), "lat", f"service at lat {lat[i]}, lon {lon[i]} lies outside the region ({km:.0f} km from its edge); expected WGS84 degrees inside the region")
        points.append(None)
    return gpd.GeoSeries(points, crs=ANALYSIS_CRS)


# --- usage ---------------------------------------------------------------------------------


def _read_usage(folder: Path, known: set[str] | None, problems: sh.ProblemLog, inputs: list[Path]) -> pd.DataFrame:
    columns = ["sluzba_id", "kod_obce", "klienti", "hodiny", "rok"]
    sheet = _open(folder, FILES.usage, problems, inputs)
    if sheet is None or not sh.require_columns(sheet, USAGE_COLUMNS, problems):
        return pd.DataFrame(columns=columns)
    frame = sheet.frame
    out = pd.DataFrame({"sluzba_id": frame["sluzba_id"].tolist()})
    for i, sid in enumerate(out["sluzba_id"]):
        if sid == "":
            problems.add(sheet.file, sheet.row(i), "sluzba_id", "missing service id; expected an id from services")
        elif known is not None and sid not in known:
            hint = _closest_id(sid, known)
            problems.add(sheet.file, sheet.row(i), "sluzba_id", f"unknown service '{sid}' (not in services){hint}")
    out["kod_obce"] = sh.parse_column(sheet, "kod_obce", sh.kod_obce, problems, expected="a 6-digit code")
    out["klienti"] = sh.parse_column(sheet, "klienti", sh.non_negative_int, problems, expected="a number of clients >= 0")
    out["hodiny"] = sh.parse_column(sheet, "hodiny", sh.non_negative, problems, required=False, default=np.nan, expected="a number of hours >= 0") if "hodiny" in frame else np.nan
    out["rok"] = sh.parse_column(sheet, "rok", _year, problems, required=False, default=None, expected="a year such as 2024") if "rok" in frame else None
    if problems:
        return out
    out = _as_text(out, ["sluzba_id", "kod_obce"])
    out["klienti"] = out["klienti"].astype("int64")
    out["hodiny"] = out["hodiny"].astype(float)
    out["rok"] = out["rok"].astype("Int64")
    return out


def _closest_id(value: str, known: set[str]) -> str:
    """A hint naming the known id that ``value`` most likely meant ("S1" -> "S01")."""
    import difflib

    same = [k for k in sorted(known) if _id_key(k) == _id_key(value)]
    match = same or difflib.get_close_matches(value, sorted(known), n=1)
    return f"; did you mean '{match[0]}'?" if match else ""


def _id_key(value: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group())), value.strip().lower())


# --- optional inputs -----------------------------------------------------------------------

#: Optional inputs: name -> (file base, parser). A parser takes ``(sheets,
#: region, problems)`` and returns the parsed object; ``sheets`` maps names to
#: :class:`~kpwork.sheets.Sheet` (see :func:`kpwork.sheets.read_workbook`).
#: Each concept validates its own input; the parsers depend only on
#: ``sheets`` and ``taxonomy`` (they see :class:`Region` as a type only).
OPTIONAL_INPUTS: dict[str, tuple[str, Callable[..., Any]]] = {
    "norms": (FILES.norms, parse_norms),
    "survey": (FILES.survey, parse_survey),
    "coalition_costs": (FILES.coalition_costs, parse_coalition_costs),
    "funding": (FILES.funding, parse_funding),
    "plan": (FILES.plan, parse_plan),
}


def _read_extras(folder: Path, region: Region, problems: sh.ProblemLog, inputs: list[Path]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    # in registry order: a later input may check itself against an earlier one
    # (funding checks that coalition_costs quote what its methods need)
    for name, (base, parse) in OPTIONAL_INPUTS.items():
        found = sh.read_workbook(folder, base)
        if found is None:
            continue
        paths, sheets = found
        inputs.extend(paths)
        extras[name] = parse(sheets, dataclasses.replace(region, extras=dict(extras)), problems)
    return extras
