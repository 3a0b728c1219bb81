"""Load and validate a microregion folder into a typed :class:`~kpwork.region.model.Region`.

A region folder holds the sheets a coordinator keeps (``docs/data-format.md``):
``region.toml``, ``municipalities.geojson`` (or ``.gpkg``), ``population``,
``services`` and ``usage`` (CSV or XLSX), and optionally ``norms``,
``conversions``, ``pruzkum``, ``funding``, ``coalition_costs`` and ``plan``. Every problem of
every file is collected and raised once, as :class:`~kpwork.errors.InvalidRegion`.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
import time
import tomllib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from kpwork import inputfiles
from kpwork import sheets as sh
from kpwork.config import ANALYSIS_CRS, FILES, LIMITS
from kpwork.conversions import parse_conversions
from kpwork.errors import InvalidRegion, Problem
from kpwork.funding.inputs import parse_coalition_costs, parse_funding
from kpwork.need import parse_norms, parse_survey
from kpwork.plan.inputs import parse_plan
from kpwork.region.model import AGE_BANDS, SETTINGS, Region, default_settings
from kpwork.region.services import read_services, read_usage
from kpwork.scenarios.inputs import read_scenarios
from kpwork.taxonomy import DEFAULT_VOCABULARY, Term, Vocabulary, region_term

log = logging.getLogger(__name__)


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
    with inputfiles.recording_inputs() as digests:
        region = _load(folder)
    recorded = {p.relative_to(folder).as_posix(): digests[os.path.abspath(p)] for p in region.inputs if os.path.abspath(p) in digests}
    return dataclasses.replace(region, input_digests=recorded)


def load_geography(path: str | Path, *, keep: tuple[str, ...] = ()) -> tuple[tuple[str, ...], gpd.GeoDataFrame]:
    """Members and polygons of a region folder: ``region.toml`` and the geometry file, checked as :func:`load_region` checks them.

    Nothing else is read, so a region whose other files are missing or broken
    still gives its geography (the registry import fills its services).

    Parameters
    ----------
    path
        Region folder.
    keep
        Properties of the features kept beside ``nazev`` where the file has them (e.g. ``("okres", "kraj")``).

    Returns
    -------
    members, municipalities
        The member codes in the order of ``region.toml`` (every feature when it
        lists none) and every feature: index ``kod_obce``, ``nazev``, ``keep``,
        geometry in EPSG:5514.

    Raises
    ------
    InvalidRegion
        The problems of these two files, each with file, row and column.
    """
    problems = sh.ProblemLog()
    _, municipalities, _, members = _read_geography(Path(path), problems, [], keep=keep)
    if problems:
        raise InvalidRegion(_reading_order(problems.problems))
    return tuple(members), municipalities


def _read_geography(folder: Path, problems: sh.ProblemLog, inputs: list[Path], *, keep: tuple[str, ...] = (),
                    progress: Callable[[str], None] = lambda _: None) -> tuple[dict, gpd.GeoDataFrame, bool, list[str]]:
    """region.toml, the polygons and the members: (config, municipalities, every feature read, members).

    A missing folder raises at once (nothing else can be read).
    """
    if not folder.is_dir():
        problems.add(str(folder), None, None, "region folder not found")
        raise InvalidRegion(_reading_order(problems.problems))
    config = _read_config(folder, problems, inputs)
    progress(FILES.geometry[0])
    municipalities, complete = _read_municipalities(folder, problems, inputs, keep=keep)
    return config, municipalities, complete, _members(config, municipalities, complete, problems)


def _load(folder: Path) -> Region:
    problems = sh.ProblemLog()
    inputs: list[Path] = []
    progress = _Progress()
    config, municipalities, complete, members = _read_geography(folder, problems, inputs, progress=progress)
    # without a members list, membership is only known when every polygon was read
    known = config["members"] is not None or complete
    names = dict(zip(municipalities.index.astype(str), municipalities["nazev"].astype(str), strict=True)) if "nazev" in municipalities else {}
    progress(FILES.population)
    population = _read_population(folder, members if known else [], problems, inputs, names=names)
    vocabulary = Vocabulary(config["terms"]) if config["terms"] else DEFAULT_VOCABULARY
    progress(FILES.services)
    services, service_ids = read_services(folder, municipalities if complete else None, members if known else None, problems, inputs, vocabulary=vocabulary)
    progress(FILES.usage)
    usage = read_usage(folder, service_ids, problems, inputs)
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
        vocabulary=vocabulary,
        settings=config["settings"],
    )
    progress("volitelné vstupy")
    extras = _read_extras(folder, region, problems, inputs)
    progress.done()
    if problems:
        raise InvalidRegion(_reading_order(problems.problems))
    return dataclasses.replace(region, inputs=tuple(sorted(set(inputs))), extras=extras)


#: The logger through which loading says what it reads once it takes a while (the CLI shows it).
progress_log = logging.getLogger("kpwork.progress")


class _Progress:
    """Says what the loader reads next, once loading has taken longer than :data:`~kpwork.config.LIMITS` ``progress_after_s``."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, what: str) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed > LIMITS.progress_after_s:
            progress_log.info("kontroluji %s (zatím %.0f s)", what, elapsed)

    def done(self) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed > LIMITS.progress_after_s:
            progress_log.info("vstupy načteny za %.0f s", elapsed)


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
    default = {"id": folder.name, "name": folder.name, "members": None, "terms": (), "settings": default_settings()}
    if not file.exists():
        problems.add(FILES.config, None, None, "file not found; it needs [region] with id and name")
        return default
    inputs.append(file)
    try:
        text = sh.decode(inputfiles.read_input(file))
        data = _parse_toml(text)
    except inputfiles.UnreadableFile as exc:
        problems.add(FILES.config, None, None, str(exc))
        return default
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
            try:
                config[key] = sh.plain_name(value.strip())
            except ValueError as exc:
                problems.add(FILES.config, _key_line(lines, key), key, str(exc))
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
    config["terms"] = _read_terms(data.get("pojmy"), lines, problems)
    config["settings"] = _settings(data, lines, problems)
    return config


def _read_terms(section: object, lines: list[str], problems: sh.ProblemLog) -> tuple[Term, ...]:
    """The region's own terms: ``[pojmy]`` with ``"term" = "target group or service type"`` (or a list of groups)."""
    if section is None:
        return ()
    start = _table_line(lines, "pojmy")
    if not isinstance(section, dict):
        problems.add(FILES.config, start or _key_line(lines, "pojmy"), "pojmy", 'must be a table [pojmy] of lines such as "naši senioři" = "seniori"')
        return ()
    terms = []
    for term, value in section.items():
        try:
            terms.append(region_term(term, value))
        except ValueError as exc:
            problems.add(FILES.config, _term_line(lines, term, start), "pojmy", f'"{term}": {exc}')
    return tuple(terms)


def _table_line(lines: list[str], table: str) -> int | None:
    """Line (1-based) of the header ``[table]``, for messages."""
    return next((n for n, line in enumerate(lines, 1) if line.split("#", 1)[0].strip() == f"[{table}]"), None)


def _term_line(lines: list[str], term: str, after: int | None) -> int | None:
    """Line (1-based) from ``after`` on where the key ``term`` (bare or quoted) is set, for messages."""
    start = after or 1
    for n, line in enumerate(lines[start - 1 :], start):
        key, equals, _ = line.partition("=")
        if equals and key.strip().strip("\"'") == term:
            return n
    return after


def _settings(data: dict, lines: list[str], problems: sh.ProblemLog) -> dict[str, Any]:
    """The settings of :data:`~kpwork.region.model.SETTINGS` (true/false), defaults where not set."""
    settings = default_settings()
    for section, keys in SETTINGS.items():
        values = data.get(section, {})
        if not isinstance(values, dict):
            problems.add(FILES.config, _key_line(lines, section), section, f"[{section}] must be a section with {', '.join(keys)}")
            continue
        for key, value in values.items():
            if key not in keys:
                problems.add(FILES.config, _key_line(lines, key), key, f"unknown setting '{key}' in [{section}]; allowed: {', '.join(keys)}")
            elif not isinstance(value, bool):
                problems.add(FILES.config, _key_line(lines, key), key, f"[{section}] {key} must be true or false (without quotes), got {value!r}")
            else:
                settings[key] = value
    return settings


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


def _parse_toml(text: str) -> dict:
    """TOML of region.toml; nesting deeper than a region needs is refused before parsing.

    Python's TOML parser recurses per level of nested arrays and inline tables:
    thousands of ``[`` would crash it (RecursionError).
    """
    depth = deepest = 0
    for ch in re.sub(r'"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*', "", text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
    if deepest > LIMITS.toml_depth:
        raise inputfiles.UnreadableFile(f"pole nebo tabulky jsou vnořené {deepest}krát, víc než kpwork čte ({LIMITS.toml_depth}); region.toml takové vnoření nepotřebuje: opravte ho podle docs/data-format.md")
    try:
        return tomllib.loads(text)
    except RecursionError as exc:
        raise inputfiles.UnreadableFile("pole nebo tabulky jsou vnořené příliš hluboko; opravte region.toml podle docs/data-format.md") from exc


def _toml_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


# --- municipalities ------------------------------------------------------------------------


def _read_municipalities(folder: Path, problems: sh.ProblemLog, inputs: list[Path], *, keep: tuple[str, ...] = ()) -> tuple[gpd.GeoDataFrame, bool]:
    """Member polygons in EPSG:5514 and whether every feature was read; ``keep``: properties kept beside ``nazev``, where present."""
    empty = gpd.GeoDataFrame({"nazev": pd.Series(dtype=str)}, geometry=gpd.GeoSeries([], crs=ANALYSIS_CRS), index=pd.Index([], name="kod_obce", dtype=str))
    file = next((folder / n for n in FILES.geometry if (folder / n).exists()), None)
    if file is None:
        problems.add(FILES.geometry[0], None, None, f"file not found (or {FILES.geometry[1]}); it needs municipality polygons with kod_obce and nazev")
        return empty, False
    inputs.append(file)
    try:
        raw = inputfiles.read_input(file)
        with warnings.catch_warnings():  # GDAL notes that the in-memory copy has no .gpkg extension
            warnings.filterwarnings("ignore", "File /vsimem/", RuntimeWarning)
            gdf = gpd.read_file(io.BytesIO(raw))
    except inputfiles.UnreadableFile as exc:
        problems.add(file.name, None, None, str(exc))
        return empty, False
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
        if sh.is_blank(label):  # a missing name does not stop the spatial checks
            problems.add(name, feature, "nazev", "missing municipality name; expected the name of the municipality")
        else:
            try:
                sh.plain_name(str(label))
            except ValueError as exc:
                problems.add(name, feature, "nazev", str(exc))
    gdf["kod_obce"] = codes
    gdf["nazev"] = [("" if sh.is_blank(v) else str(v).strip()) for v in gdf["nazev"]]
    gdf = gdf.loc[good].set_index("kod_obce")[["nazev", *(c for c in keep if c in gdf.columns), "geometry"]].to_crs(ANALYSIS_CRS)
    return gdf, all(good)


def _feature_code(raw: object, name: str, feature: int, problems: sh.ProblemLog) -> str | None:
    """The feature's kod_obce as text; a number property (585599) is accepted."""
    if sh.is_blank(raw):
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
            problems.add(name, None, "crs", f"the file says {gdf.crs.to_string()} (degrees) but its coordinates reach {round(minx)}, {round(miny)}; save it with the coordinate system its coordinates are in (e.g. EPSG:5514)")


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


def _read_population(folder: Path, members: list[str], problems: sh.ProblemLog, inputs: list[Path], *, names: dict[str, str] | None = None) -> pd.DataFrame:
    sheet = sh.open_sheet(folder, FILES.population, problems, inputs)
    if sheet is None or not sh.require_columns(sheet, ("kod_obce", "rok", *AGE_BANDS), problems):
        return pd.DataFrame(columns=["kod_obce", "rok", *AGE_BANDS])
    frame = sheet.frame
    bands = [c for c in frame.columns if c.startswith("vek_")]
    out = pd.DataFrame({"kod_obce": sh.parse_column(sheet, "kod_obce", sh.kod_obce, problems, expected="a 6-digit code")})
    out["rok"] = sh.parse_column(sheet, "rok", sh.year, problems, expected="a year such as 2024")
    for band in bands:
        out[band] = sh.parse_column(sheet, band, sh.non_negative_int, problems, expected="a number of people >= 0")
    seen: dict[tuple, int] = {}
    for i, key in enumerate(zip(out["kod_obce"], out["rok"], strict=True)):
        if any(sh.is_blank(k) for k in key):
            continue
        if key in seen:
            problems.add(sheet.file, sheet.row(i), "kod_obce", f"duplicate row for {key[0]} in {key[1]} (also row {seen[key]})")
        else:
            seen[key] = sheet.row(i)
    known = {code for code in out["kod_obce"] if not sh.is_blank(code)}
    for code in members:
        if code not in known:
            problems.add(sheet.file, None, "kod_obce", f"member {code} has no population row; expected a row per member and year")
    problems.name_subjects(sheet, "municipality", "kod_obce", names=names)
    if problems:
        return out
    out[bands] = out[bands].astype("int64")
    out["rok"] = out["rok"].astype("int64")
    return out



# --- optional inputs -----------------------------------------------------------------------

#: Optional inputs: name -> (file base, parser). A parser takes ``(sheets,
#: region, problems)`` and returns the parsed object; ``sheets`` maps names to
#: :class:`~kpwork.sheets.Sheet` (see :func:`kpwork.sheets.read_workbook`).
#: Each concept validates its own input; the parsers depend only on
#: ``sheets`` and ``taxonomy`` (they import :class:`Region` from :mod:`kpwork.region.model`, not the loader).
OPTIONAL_INPUTS: dict[str, tuple[str, Callable[..., Any]]] = {
    "norms": (FILES.norms, parse_norms),
    "conversions": (FILES.conversions, parse_conversions),
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
        try:
            found = sh.read_workbook(folder, base)
        except inputfiles.UnreadableFile as exc:
            problems.add(exc.file or base, None, None, str(exc))
            continue
        if found is None:
            continue
        paths, sheets = found
        inputs.extend(paths)
        extras[name] = parse(sheets, dataclasses.replace(region, extras=dict(extras)), problems)
    scenarios = read_scenarios(folder, region, problems, inputs)  # a folder of files, one scenario each
    if scenarios:
        extras["scenarios"] = scenarios
    return extras
