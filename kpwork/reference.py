"""The national reference shipped with kpwork: every Czech municipality.

Two files in ``kpwork/data/reference/`` (package data, nothing is downloaded):
the boundary of each of the 6,258 municipalities (``cz_obce.gpkg``, layer
``obce``, EPSG:4326, generalised to about 20 m) and its population by the age
bands kpwork uses on 31 Dec 2020 (``cz_obce_vek_2020.csv``). Both carry
``kod_obce``, ``nazev``, ``okres`` and ``kraj``. :func:`select_members` finds
municipalities by name (without regard to case and diacritics), code, district
(okres) or region (kraj); :func:`read_population_table` reads a newer ČSÚ age
table so a coordinator can replace the 2020 figures. Sources and licence:
``docs/reference.md``; credit them with :data:`CREDIT`.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from kpwork import sheets as sh
from kpwork.config import ANALYSIS_CRS
from kpwork.errors import InvalidParameter, InvalidRegion
from kpwork.taxonomy import fold

log = logging.getLogger(__name__)

#: The credit line of the shipped reference; show it wherever its maps or figures are published.
CREDIT = "Hranice obcí: ČÚZK (RÚIAN), generalizace pehovorka/covid-obce-frontend (MIT); obyvatelstvo: ČSÚ"
#: Where the boundaries come from, in words for region.toml and the pages.
BOUNDARY_SOURCE = "ČÚZK (RÚIAN), hranice obcí, stav 2021/22, generalizace asi 20 m: pehovorka/covid-obce-frontend (MIT)"
#: Where the age bands come from.
POPULATION_SOURCE = "ČSÚ, Věkové složení obyvatelstva obcí k 31. 12. 2020"
#: Age bands of the population sheet, as (first age, last age); None is open-ended.
AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "vek_0_14": (0, 14),
    "vek_15_64": (15, 64),
    "vek_65_79": (65, 79),
    "vek_80_plus": (80, None),
}

_FOLDER = "reference"
_BOUNDARIES = "cz_obce.gpkg"
_POPULATION = "cz_obce_vek_2020.csv"
_COLUMNS = ["kod_obce", "nazev", "okres", "kraj"]


# --- loading -------------------------------------------------------------------------------


def national_municipalities(*, crs: str | None = ANALYSIS_CRS) -> gpd.GeoDataFrame:
    """Boundaries of every Czech municipality.

    Parameters
    ----------
    crs
        Coordinate system of the result: EPSG:5514 (the analysis CRS) by
        default, ``None`` for the stored EPSG:4326.

    Returns
    -------
    GeoDataFrame
        6,258 rows: ``kod_obce`` (6-digit text), ``nazev``, ``okres``,
        ``kraj``, ``geometry`` (valid polygons). A fresh copy each call.

    Examples
    --------
    >>> obce = national_municipalities()
    >>> len(obce), obce.crs.to_epsg()
    (6258, 5514)
    """
    return _boundaries(crs).copy()


@functools.cache
def _boundaries(crs: str | None) -> gpd.GeoDataFrame:
    if crs is not None:
        return _boundaries(None).to_crs(crs)
    with resources.as_file(resources.files("kpwork.data") / _FOLDER / _BOUNDARIES) as path:
        frame = gpd.read_file(path, layer="obce")
    for column in _COLUMNS:
        frame[column] = frame[column].astype(object)
    return frame[[*_COLUMNS, "geometry"]]


def national_population() -> pd.DataFrame:
    """Population of every Czech municipality by the kpwork age bands (ČSÚ, 31 Dec 2020).

    Returns
    -------
    DataFrame
        ``kod_obce``, ``nazev``, ``okres``, ``kraj``, ``rok``, ``celkem`` and
        the ``vek_*`` bands of :data:`AGE_BANDS` (they sum to ``celkem``).

    Examples
    --------
    >>> pop = national_population()
    >>> pop.loc[pop["kod_obce"] == "588318", ["nazev", "rok", "celkem"]].values.tolist()
    [['Bělov', 2020, 317]]
    """
    return _population().copy()


@functools.cache
def _population() -> pd.DataFrame:
    with (resources.files("kpwork.data") / _FOLDER / _POPULATION).open(encoding="utf-8") as f:
        frame = pd.read_csv(f, dtype={c: object for c in _COLUMNS})
    return frame


# --- selecting members ---------------------------------------------------------------------


def select_members(
    *,
    obce: str | Iterable[str] | None = None,
    okres: str | Iterable[str] | None = None,
    kraj: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Municipalities named by name or code, or all of a district or region.

    Parameters
    ----------
    obce
        Names or 6-digit codes, as a list or one comma-separated text
        (``"Otrokovice, Napajedla, 588318"``). A name shared by several
        municipalities may name its district: ``"Pohořelice (Zlín)"``.
    okres, kraj
        A district (``"Zlín"``) or region (``"Zlínský kraj"``, ``"zlinsky"``),
        or several separated by commas: all their municipalities, by name.

    Names are matched without regard to case, diacritics and hyphens. The
    selections add up in this order; a municipality named twice counts once.

    Returns
    -------
    DataFrame
        ``kod_obce``, ``nazev``, ``okres``, ``kraj``, one row per member.

    Raises
    ------
    InvalidParameter
        Listing, in Czech, every name that matches no municipality (with the
        closest one) or several (each with its district and code).

    Examples
    --------
    >>> select_members(obce="otrokovice, BELOV, 585513")["kod_obce"].tolist()
    ['585599', '588318', '585513']
    """
    table = _population()[_COLUMNS]
    rows: list[int] = []
    problems: list[str] = []
    for item in _items(obce):
        rows.extend(_find_municipality(item, table, problems))
    for column, items in (("okres", okres), ("kraj", kraj)):
        for item in _items(items):
            rows.extend(_find_area(item, table, column, problems))
    if problems:
        raise InvalidParameter("\n".join(problems))
    if not rows:
        raise InvalidParameter("nebyla zadána žádná obec: uveďte obce (--obce), okres (--okres) nebo kraj (--kraj)")
    return table.iloc[list(dict.fromkeys(rows))].reset_index(drop=True)


def _items(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    texts = [value] if isinstance(value, str) else list(value)
    return [item for text in texts for item in sh.split_list(text)]


def _key(text: str) -> str:
    """A name as matched: folded, hyphens and dashes as spaces ("Frýdek-Místek" = "frydek mistek")."""
    return " ".join(re.sub(r"[-–—]", " ", fold(text)).split())


@functools.cache
def _index(column: str) -> dict[str, list[int]]:
    """Positions of the rows of each matching key of ``column``."""
    index: dict[str, list[int]] = {}
    for i, value in enumerate(_population()[column]):
        index.setdefault(_key(value), []).append(i)
    return index


def _describe(table: pd.DataFrame, i: int) -> str:
    row = table.iloc[i]
    return f"{row['nazev']} (okres {row['okres']}, {row['kod_obce']})"


def _find_municipality(item: str, table: pd.DataFrame, problems: list[str]) -> list[int]:
    text = item.strip()
    if text.isdigit():
        found = np.flatnonzero(table["kod_obce"].to_numpy() == text)
        if len(text) != 6:
            problems.append(f"obec '{text}': kód obce má 6 číslic")
        elif not len(found):
            problems.append(f"obec '{text}': kód {text} nemá žádná obec ČR (stav 2021/22)")
        return [int(i) for i in found]
    name, district = _split_district(text)
    found = _index("nazev").get(_key(name), [])
    if district is not None:
        found = [i for i in found if _key(table["okres"].iat[i]) == _key(district)]
    if len(found) == 1:
        return found
    if not found:
        problems.append(f"obec '{text}': žádná obec ČR se tak nejmenuje{_closest_municipality(name, table)}")
        return []
    candidates = ", ".join(_describe(table, i) for i in found)
    hint = "uveďte místo názvu kód obce" if district is not None or _same_district(table, found) else f"uveďte kód obce nebo okres, např. '{table['nazev'].iat[found[0]]} ({table['okres'].iat[found[0]]})'"
    problems.append(f"obec '{text}': stejný název má více obcí: {candidates}; {hint}")
    return []


def _split_district(text: str) -> tuple[str, str | None]:
    """``"Pohořelice (Zlín)"`` -> ("Pohořelice", "Zlín"); also ``(okres Zlín)``."""
    match = re.fullmatch(r"(.+?)\s*\(\s*(?:okres\s+)?(.+?)\s*\)", text)
    return (match.group(1), match.group(2)) if match else (text, None)


def _same_district(table: pd.DataFrame, rows: Sequence[int]) -> bool:
    return table["okres"].iloc[list(rows)].nunique() < len(rows)


def _closest_municipality(name: str, table: pd.DataFrame) -> str:
    keys = list(_index("nazev"))
    match = difflib.get_close_matches(_key(name), keys, n=1, cutoff=0.75)
    if not match:
        return ""
    rows = _index("nazev")[match[0]]
    return "; nemysleli jste " + " nebo ".join(_describe(table, i) for i in rows[:3]) + "?"


_PLURAL = {"okres": "okresy", "kraj": "kraje"}


def _find_area(item: str, table: pd.DataFrame, column: str, problems: list[str]) -> list[int]:
    index = _index(column)
    key = _area_key(item, column)
    aliases = {_area_key(k, column): k for k in index}
    if key not in aliases:
        names = sorted(set(table[column]), key=_key)
        match = difflib.get_close_matches(key, list(aliases), n=1, cutoff=0.6)
        hint = f"; nemysleli jste '{table[column].iat[index[aliases[match[0]]][0]]}'?" if match else f"; {_PLURAL[column]} ČR: {', '.join(names)}"
        problems.append(f"{column} '{item}': takový {column} neznáme{hint}")
        return []
    found = index[aliases[key]]
    return sorted(found, key=lambda i: (_key(table["nazev"].iat[i]), table["kod_obce"].iat[i]))


def _area_key(text: str, column: str) -> str:
    """A district or region as matched; for a region the word "kraj" may be left out."""
    key = _key(text)
    if column == "kraj":
        key = " ".join(w for w in key.replace("hl. m.", "").replace("hlavni mesto", "").split() if w != "kraj")
    return key


# --- a newer ČSÚ age table -----------------------------------------------------------------

#: Header names (as normalised) of the municipality code, name, sex and total columns.
_CODE_COLUMNS = ("kod_obce", "zuj", "kod_zuj", "kod", "uzemi_kod", "vuzemi_kod")
_SEX_COLUMNS = ("poh", "pohlavi")
_TOTAL_COLUMNS = ("celkem", "obyvatele_celkem", "pocet_obyvatel")


def read_population_table(paths: str | Path | Sequence[str | Path], *, rok: int | None = None) -> pd.DataFrame:
    """Population by the kpwork age bands from ČSÚ age tables (CSV or XLSX).

    Parameters
    ----------
    paths
        One file or several (ČSÚ splits the country into municipalities up to
        999 inhabitants and from 1,000); see ``docs/reference.md`` for the
        layout: a header row, the code in ``ZUJ`` or ``kod_obce``, age
        columns as single years (``0`` ... ``84``, ``85+``), age groups
        (``0-4``, ``85+``, ``65 a více``) or the kpwork bands (``vek_0_14``,
        ...), optionally ``POH`` (rows ``celkem``/``muži``/``ženy``),
        ``Celkem`` and ``rok``.
    rok
        Year of the figures, when the table has no ``rok`` column.

    Returns
    -------
    DataFrame
        ``kod_obce``, ``rok`` and the ``vek_*`` bands of :data:`AGE_BANDS`.

    Raises
    ------
    InvalidRegion
        Every problem of every file (missing columns, ages that do not make
        up the bands, bands that do not add up to ``Celkem``, bad cells).
    """
    files = [Path(p) for p in ([paths] if isinstance(paths, str | Path) else paths)]
    problems = sh.ProblemLog()
    frames = [_population_file(path, rok, problems) for path in files]
    if problems:
        raise InvalidRegion(problems.problems)
    table = pd.concat(frames, ignore_index=True)
    duplicated = table.duplicated(["kod_obce", "rok"], keep="first")
    if duplicated.any():
        log.info("population tables: %d duplicate rows dropped", int(duplicated.sum()))
    return table.loc[~duplicated].reset_index(drop=True)


def _population_file(path: Path, rok: int | None, problems: sh.ProblemLog) -> pd.DataFrame:
    empty = pd.DataFrame(columns=["kod_obce", "rok", *AGE_BANDS])
    if not path.is_file():
        problems.add(str(path), None, None, "soubor nenalezen")
        return empty
    try:
        sheet = sh.read_sheet(path)
    except Exception as exc:  # a broken file is one problem, not a crash
        problems.add(path.name, None, None, f"soubor nelze přečíst: {exc}")
        return empty
    frame = sheet.frame
    code = next((c for c in _CODE_COLUMNS if c in frame.columns), None)
    if code is None:
        problems.add(sheet.file, 1, "kod_obce", f"chybí sloupec s kódem obce (ZUJ nebo kod_obce); nalezené sloupce: {', '.join(frame.columns)}")
        return empty
    if "rok" not in frame.columns and rok is None:
        problems.add(sheet.file, 1, "rok", "tabulka nemá sloupec rok; uveďte rok údajů (--rok 2024)")
        return empty
    columns = _band_columns(frame.columns, sheet.file, problems)
    if columns is None:
        return empty
    sheet = _municipality_rows(sheet, code)
    out = pd.DataFrame({"kod_obce": sheet.frame[code].str.removesuffix(".0").tolist()})
    out["rok"] = sh.parse_column(sheet, "rok", sh.non_negative_int, problems, expected="rok, např. 2024") if "rok" in frame.columns else [rok] * len(out)
    for i in np.flatnonzero([y is not None and not 1900 <= y <= 2100 for y in out["rok"]]):
        problems.add(sheet.file, sheet.row(int(i)), "rok", f"očekáván rok, např. 2024, zadáno {out['rok'].iat[i]}")
    needed = sorted({c for cs in columns.values() for c in cs})
    ages = {c: sh.parse_column(sheet, c, sh.non_negative_int, problems, expected="počet obyvatel >= 0") for c in needed}
    for band, cols in columns.items():
        out[band] = [sum(v for v in values if v is not None) for values in zip(*(ages[c] for c in cols), strict=True)]
    _check_totals(sheet, out, problems)
    return out.groupby(["kod_obce", "rok"], as_index=False, sort=False)[list(AGE_BANDS)].sum()


def _municipality_rows(sheet: sh.Sheet, code: str) -> sh.Sheet:
    """Rows of municipalities (a 6-digit code; not district or country totals), both sexes together.

    Where the table splits by sex (``POH``: ``celkem``, ``muži``, ``ženy``) the
    ``celkem`` rows are kept; without them, men and women are summed later.
    """
    frame = sheet.frame
    keep = frame[code].str.removesuffix(".0").str.fullmatch(r"\d{6}").to_numpy(dtype=bool, copy=True)
    sex = next((c for c in _SEX_COLUMNS if c in frame.columns), None)
    if sex is not None:
        total = (frame[sex].map(fold) == "celkem").to_numpy()
        if (keep & total).any():
            keep &= total
    rows = [int(i) for i in np.flatnonzero(keep)]
    if len(rows) < len(frame):
        log.info("%s: %d rows of other areas or of one sex left out", sheet.file, len(frame) - len(rows))
    return sh.Sheet(sheet.file, frame.iloc[rows].reset_index(drop=True), rows=[sheet.row(i) for i in rows])


def _age_interval(column: str) -> tuple[int, float] | None:
    """The ages a column holds: ``0_4`` -> (0, 4), ``85_a_vice`` -> (85, inf), ``vek_80_plus``."""
    text = re.sub(r"^vek_|_?let$|_?roku$", "", column)
    if match := re.fullmatch(r"(?:od_)?(\d+)_(?:az_|do_)?(\d+)", text):
        first, last = int(match.group(1)), int(match.group(2))
        return (first, last) if first <= last else None  # "85+.1": pandas' name of a repeated "85+"
    if match := re.fullmatch(r"(\d+)_(?:plus|a_vice|a_vic|a_starsi|let_a_vice|a_vice_let)", text):
        return int(match.group(1)), float("inf")
    if re.fullmatch(r"\d+", text):
        return int(text), int(text)
    return None


def _band_columns(columns: Iterable[str], file: str, problems: sh.ProblemLog) -> dict[str, list[str]] | None:
    """For each kpwork band, the columns whose ages make it up exactly (the finest ones)."""
    intervals = {c: iv for c in columns if c not in _TOTAL_COLUMNS and (iv := _age_interval(c)) is not None}
    if intervals:
        # "85+" is read as 85: the oldest single age is the table's open-ended group
        top = max(intervals, key=lambda c: intervals[c])
        lo, hi = intervals[top]
        if lo == hi and not any(h == float("inf") and first_age >= lo for first_age, h in intervals.values()):
            intervals[top] = (lo, float("inf"))
    out: dict[str, list[str]] = {}
    for band, (first, last) in AGE_BANDS.items():
        cover = _tile(intervals, first, float("inf") if last is None else last)
        if cover is None:
            have = ", ".join(sorted(intervals, key=lambda c: intervals[c])) or "žádné"
            ages = f"{first}-{last}" if last is not None else f"{first} a více"
            problems.add(file, 1, band, f"věkové sloupce tabulky neskládají pásmo {ages} let; věkové sloupce: {have}")
        else:
            out[band] = cover
    return out if len(out) == len(AGE_BANDS) else None


def _tile(intervals: dict[str, tuple[int, float]], start: int, end: float) -> list[str] | None:
    """Columns whose intervals join without overlap from ``start`` to ``end``, finest first."""
    if start > end:
        return []
    for column in sorted((c for c, (lo, hi) in intervals.items() if lo == start and hi <= end), key=lambda c: intervals[c][1]):
        rest = _tile(intervals, int(intervals[column][1]) + 1, end) if intervals[column][1] != end else []
        if rest is not None:
            return [column, *rest]
    return None


def _check_totals(sheet: sh.Sheet, out: pd.DataFrame, problems: sh.ProblemLog) -> None:
    total = next((c for c in _TOTAL_COLUMNS if c in sheet.frame.columns), None)
    if total is None:
        return
    expected = sh.parse_column(sheet, total, sh.non_negative_int, problems, required=False, expected="počet obyvatel >= 0")
    sums = out[list(AGE_BANDS)].sum(axis=1).to_numpy()
    for i, (value, got) in enumerate(zip(expected, sums, strict=True)):
        if value is not None and value != got:
            problems.add(sheet.file, sheet.row(i), total, f"věková pásma dávají {got}, sloupec {total} {value}; zkontrolujte věkové sloupce")
