"""Reading the services and usage sheets of a region folder, with every problem collected."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import difflib
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from kpwork import sheets as sh
from kpwork.config import ANALYSIS_CRS, FILES, LIMITS, THRESHOLDS, WEB_CRS
from kpwork.errors import KpworkWarning
from kpwork.region.model import SERVICE_COLUMNS, SERVICE_OPTIONAL, USAGE_COLUMNS
from kpwork.taxonomy import (
    DEFAULT_VOCABULARY,
    FORMS,
    SERVICE_TYPES,
    Vocabulary,
    normalise_form,
    normalise_unit,
)


def read_services(
    folder: Path,
    municipalities: gpd.GeoDataFrame | None,
    members: list[str] | None,
    problems: sh.ProblemLog,
    inputs: list[Path],
    *,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> tuple[gpd.GeoDataFrame, set[str] | None]:
    """Services, and the ids of all rows (for checking usage even when services have problems).

    ``municipalities`` is None when the polygons could not all be read (then
    coordinates are not checked); ``members`` is None when membership is unknown.
    ``druh`` and ``cilove_skupiny`` are read through the region's ``vocabulary``
    (an umbrella term in ``cilove_skupiny`` expands to all its groups).
    """
    sheet = sh.open_sheet(folder, FILES.services, problems, inputs, max_rows=LIMITS.service_rows)
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
        out[column] = sh.parse_column(sheet, column, sh.plain_name, problems, expected="a name")
    out["ico"] = sh.parse_column(sheet, "ico", _ico, problems, required=False, default="")
    out["druh"] = sh.parse_column(sheet, "druh", vocabulary.service_type, problems, expected="a service type such as 40 or pečovatelská služba")
    out["forma"] = sh.parse_column(sheet, "forma", normalise_form, problems, expected="pobytová, ambulantní or terénní")
    out["cilove_skupiny"] = sh.parse_column(sheet, "cilove_skupiny", vocabulary.target_groups, problems, expected="one or more target groups")
    out["kapacita"] = sh.parse_column(sheet, "kapacita", sh.non_negative, problems, expected="a capacity >= 0")
    out["jednotka"] = _units(sheet, problems)
    out["kod_obce"] = sh.parse_column(sheet, "kod_obce", sh.kod_obce, problems, expected="the 6-digit code of the municipality where the service sits")
    out["naklady"] = sh.parse_column(sheet, "naklady", sh.non_negative, problems, required=False, default=np.nan, expected="a yearly cost in CZK >= 0")
    lat = sh.parse_column(sheet, "lat", sh.parse_number, problems, required=False, default=np.nan, expected="latitude in degrees (WGS84), e.g. 49,2118")
    lon = sh.parse_column(sheet, "lon", sh.parse_number, problems, required=False, default=np.nan, expected="longitude in degrees (WGS84), e.g. 17,5352")
    pusobnost = sh.parse_column(sheet, "pusobnost", _catchment, problems, required=False, default=("*",))
    extra = [c for c in frame.columns if c not in out.columns and c not in ("lat", "lon", "pusobnost")]
    for column in extra:
        out[column] = frame[column].tolist()
    if CONFIRMED in frame.columns:
        out[CONFIRMED] = [d.isoformat() if d else "" for d in sh.parse_column(sheet, CONFIRMED, confirmation_date, problems, required=False, default=None)]
    _check_forms(sheet, out, problems)
    if members is not None:
        for i, code in enumerate(out["kod_obce"]):
            if not sh.is_blank(code) and code not in members:
                problems.add(sheet.file, sheet.row(i), "kod_obce", f"{code} is not a member of the region; expected the code of the member municipality where the service sits")
    out["pusobnost"] = _expand_catchments(sheet, pusobnost, members, problems)
    out["jednotka"] = [unit or ("" if sh.is_blank(druh) else SERVICE_TYPES[druh].unit) for druh, unit in zip(out["druh"], out["jednotka"], strict=True)]  # empty: the type's planning unit
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    geometry = None
    if municipalities is not None and members is not None:
        geometry = _service_points(sheet, out, lat, lon, municipalities, members, problems)
    problems.name_subjects(sheet, "service", "id", name_column="nazev")
    if len(problems) > start or geometry is None:  # None: the polygons have problems
        return gpd.GeoDataFrame(), ids
    out["lat"], out["lon"] = lat, lon
    out = _as_text(out, [c for c in out.columns if c not in ("kapacita", "naklady", "lat", "lon")])
    return gpd.GeoDataFrame(out, geometry=geometry, crs=ANALYSIS_CRS), ids


#: Optional column: the date a provider last confirmed the service (``kpwork catalogue merge`` writes it).
CONFIRMED = "potvrzeno"


def confirmation_date(text: str) -> dt.date:
    """A date as written in ``potvrzeno``: ISO ``2026-01-31`` or Czech ``31. 1. 2026``.

    Examples
    --------
    >>> confirmation_date("2026-01-31"), confirmation_date("31. 1. 2026")
    (datetime.date(2026, 1, 31), datetime.date(2026, 1, 31))
    """
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
        czech = re.fullmatch(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})", value)
        if czech:
            return dt.date(int(czech[3]), int(czech[2]), int(czech[1]))
    except ValueError:
        pass
    raise ValueError(f"expected a date such as 2026-01-31 or 31. 1. 2026, got '{text}'")


def _as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as object, also in an empty sheet (where pandas would make them float)."""
    return frame.astype({c: object for c in columns})


def _units(sheet: sh.Sheet, problems: sh.ProblemLog) -> list[str]:
    """``jednotka`` as a unit code (``lůžek``, ``beds`` -> ``lůžka``); empty stays empty; unknown units reported with their service."""
    units = []
    for i, (sid, text) in enumerate(zip(sheet.frame["id"], sheet.frame["jednotka"], strict=True)):
        try:
            units.append(normalise_unit(text) if text else "")
        except ValueError as exc:
            problems.add(sheet.file, sheet.row(i), "jednotka", f"service {sid or '(no id)'}: {exc}")
            units.append("")
    return units


def _ico(text: str) -> str:
    digits = text.replace(" ", "")
    if digits.endswith(".0"):
        digits = digits[:-2]
    if not digits.isdigit() or len(digits) > 8:
        raise ValueError(f"IČO must be up to 8 digits, got '{text}'")
    return digits.zfill(8)


def _catchment(text: str) -> tuple[str, ...]:
    items = sh.split_list(text)
    if items == ["*"]:
        return ("*",)
    return tuple(sh.kod_obce(item) for item in items)


def _check_forms(sheet: sh.Sheet, out: pd.DataFrame, problems: sh.ProblemLog) -> None:
    for i, (druh, forma) in enumerate(zip(out["druh"], out["forma"], strict=True)):
        if sh.is_blank(druh) or sh.is_blank(forma):
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
    raw_lat, raw_lon, codes = sheet.frame["lat"].tolist(), sheet.frame["lon"].tolist(), out["kod_obce"].tolist()
    for i in range(len(out)):
        has_lat, has_lon = not np.isnan(lat[i]), not np.isnan(lon[i])
        raw = raw_lat[i], raw_lon[i]
        if has_lat != has_lon and raw[0] != "" and raw[1] != "":
            points.append(None)  # the other one could not be read; already reported
            continue
        if has_lat != has_lon:
            column = "lon" if has_lat else "lat"
            problems.add(sheet.file, sheet.row(i), column, "give both lat and lon, or neither (then the municipality's centre is used)")
            points.append(None)
            continue
        if not has_lat:
            code = codes[i]
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
            problems.add(sheet.file, sheet.row(i), "lat", f"service at lat {lat[i]}, lon {lon[i]} lies outside the region ({round(km)} km from its edge); expected WGS84 degrees inside the region")
        points.append(None)
    return gpd.GeoSeries(points, crs=ANALYSIS_CRS)


# --- usage ---------------------------------------------------------------------------------


def read_usage(folder: Path, known: set[str] | None, problems: sh.ProblemLog, inputs: list[Path]) -> pd.DataFrame:
    columns = ["sluzba_id", "kod_obce", "klienti", "hodiny", "luzkodny", "obsazenost", "rok"]
    sheet = sh.open_sheet(folder, FILES.usage, problems, inputs)
    if sheet is None or not sh.require_columns(sheet, USAGE_COLUMNS, problems):
        return pd.DataFrame(columns=columns)
    frame = sheet.frame
    out = pd.DataFrame({"sluzba_id": frame["sluzba_id"].tolist()})
    hints = IdHints(known or ())
    for i, sid in enumerate(out["sluzba_id"]):
        if sid == "":
            problems.add(sheet.file, sheet.row(i), "sluzba_id", "missing service id; expected an id from services")
        elif known is not None and sid not in known:
            hint = "" if problems.full(sheet.file) else hints(sid)
            problems.add(sheet.file, sheet.row(i), "sluzba_id", f"unknown service '{sid}' (not in services){hint}")
    out["kod_obce"] = sh.parse_column(sheet, "kod_obce", sh.kod_obce, problems, expected="a 6-digit code")
    out["klienti"] = sh.parse_column(sheet, "klienti", sh.non_negative_int, problems, expected="a number of clients >= 0")
    out["hodiny"] = sh.parse_column(sheet, "hodiny", sh.non_negative, problems, required=False, default=np.nan, expected="a number of hours >= 0") if "hodiny" in frame else np.nan
    for column, expected in (("luzkodny", "bed-days in the year >= 0"), ("obsazenost", "average beds or places occupied >= 0")):
        out[column] = sh.parse_column(sheet, column, sh.non_negative, problems, required=False, default=np.nan, expected=expected) if column in frame else np.nan
    out["rok"] = sh.parse_column(sheet, "rok", sh.year, problems, required=False, default=None, expected="a year such as 2024") if "rok" in frame else None
    problems.name_subjects(sheet, "service", "sluzba_id")
    if problems:
        return out
    out = _as_text(out, ["sluzba_id", "kod_obce"])
    out["klienti"] = out["klienti"].astype("int64")
    out[["hodiny", "luzkodny", "obsazenost"]] = out[["hodiny", "luzkodny", "obsazenost"]].astype(float)
    out["rok"] = out["rok"].astype("Int64")
    return out


class IdHints:
    """Hints naming the known id an unknown one most likely meant ("S1" -> "S01"), fast for any number of ids.

    The ids are indexed once: an id equal but for leading zeros and case is
    found by a dictionary; otherwise :func:`difflib.get_close_matches` looks
    at every id when there are at most :data:`FUZZY_IDS`, and else only at the
    ids next to it in sorted order and those it gives with one character left
    out (a typo at its end, a character too many). Before, every unknown id
    scanned all ids: an 800,000-row services.csv took minutes per problem.

    Examples
    --------
    >>> hints = IdHints({"S01", "S02", "N10"})
    >>> hints("S1"), hints("N1O"), hints("XYZ")
    ("; did you mean 'S01'?", "; did you mean 'N10'?", '')
    """

    #: Up to this many ids, an unknown one is compared with every id.
    FUZZY_IDS = 2000

    def __init__(self, known: Iterable[str]) -> None:
        self._ids = sorted(known)
        self._set = set(self._ids)
        self._by_key: dict[str, str] = {}
        for k in self._ids:
            self._by_key.setdefault(_id_key(k), k)

    def __call__(self, value: str) -> str:
        match = self._by_key.get(_id_key(value))
        if match is None:
            close = difflib.get_close_matches(value, self._candidates(value), n=1)
            match = close[0] if close else None
        return f"; did you mean '{match}'?" if match else ""

    def _candidates(self, value: str) -> list[str]:
        if len(self._ids) <= self.FUZZY_IDS:
            return self._ids
        i = bisect.bisect_left(self._ids, value)
        near = self._ids[max(0, i - 8) : i + 8]
        shorter = [v for v in (value[:j] + value[j + 1 :] for j in range(len(value))) if v in self._set]
        return list(dict.fromkeys(shorter + near))


def _id_key(value: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group())), value.strip().lower())


