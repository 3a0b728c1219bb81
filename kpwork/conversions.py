"""Conversions between units of capacity of one service type.

Capacities of different units are never added. Where the services of one type
are registered in different units (respite care: beds of the residential
form, clients of the field form), a documented factor per type and pair of
units turns one into the other: ``kpwork/data/conversions.csv`` ships the
defaults, each with its source or marked as an assumption (``předpoklad``)
with its reasoning, and a region may override or extend them with its own
``conversions.csv``. A capacity with no conversion to its type's planning
unit is computed and shown apart, in its own unit. See ``docs/method.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources

import numpy as np
import pandas as pd

from kpwork import sheets as sh
from kpwork.errors import InvalidParameter
from kpwork.region.model import Region
from kpwork.taxonomy import normalise_service_type, normalise_unit

log = logging.getLogger(__name__)

__all__ = [
    "CONVERSION_COLUMNS",
    "combine_conversions",
    "default_conversions",
    "factor_table",
    "parse_conversions",
    "region_conversions",
]

#: Required columns of a conversions sheet (``zdroj`` is required too, see :func:`parse_conversions`).
CONVERSION_COLUMNS = ("druh", "jednotka_z", "jednotka_na", "faktor", "zdroj")
_KEY = ["druh", "_a", "_b"]


def default_conversions() -> pd.DataFrame:
    """The conversions shipped with kpwork (``kpwork/data/conversions.csv``).

    Columns ``druh``, ``jednotka_z``, ``jednotka_na``, ``faktor`` and
    ``zdroj``: one ``jednotka_z`` of capacity of type ``druh`` is worth
    ``faktor`` of ``jednotka_na``.
    """
    with resources.files("kpwork.data").joinpath("conversions.csv").open(encoding="utf-8") as f:
        sheet = sh.read_csv_text(f.read(), "kpwork/data/conversions.csv")
    problems = sh.ProblemLog()
    table = _parse_sheet(sheet, problems)
    if problems:
        raise InvalidParameter("the shipped conversions are invalid:\n" + "\n".join(map(str, problems.problems)))
    return table


def parse_conversions(sheets: dict[str, sh.Sheet], region: Region, problems: sh.ProblemLog) -> pd.DataFrame:
    """Parse a region's ``conversions.csv``; its rows replace or extend the defaults.

    A row replaces the default of the same ``druh`` and the same two units, in
    either direction; ``faktor = 0`` switches a default off (the two units are
    then shown apart). Every row needs its ``zdroj``: the source of the
    factor, or ``předpoklad: ...`` with the reasoning.
    """
    return _parse_sheet(next(iter(sheets.values())), problems, service_type=region.vocabulary.service_type)


def _parse_sheet(sheet: sh.Sheet, problems: sh.ProblemLog, *, service_type: Callable[[str], str] = normalise_service_type) -> pd.DataFrame:
    if not sh.require_columns(sheet, CONVERSION_COLUMNS, problems):
        return pd.DataFrame(columns=list(CONVERSION_COLUMNS))
    unit = "a unit such as lůžka or klienti"
    out = pd.DataFrame({
        "druh": sh.parse_column(sheet, "druh", service_type, problems, expected="a service type"),
        "jednotka_z": sh.parse_column(sheet, "jednotka_z", normalise_unit, problems, expected=unit),
        "jednotka_na": sh.parse_column(sheet, "jednotka_na", normalise_unit, problems, expected=unit),
        "faktor": sh.parse_column(sheet, "faktor", sh.non_negative, problems, expected="a factor >= 0 (0 switches a default off)"),
        "zdroj": sh.parse_column(sheet, "zdroj", str, problems, expected="the source of the factor, or 'předpoklad: ' and the reasoning"),
    })
    seen: dict[tuple, int] = {}
    for i, (druh, a, b) in enumerate(zip(out["druh"], out["jednotka_z"], out["jednotka_na"], strict=True)):
        if sh.is_blank(a) or sh.is_blank(b) or sh.is_blank(druh):
            continue
        if a == b:
            problems.add(sheet.file, sheet.row(i), "jednotka_na", f"§{druh}: converts {a} to itself; expected two different units")
            continue
        key = (druh, *sorted((a, b)))
        if key in seen:
            problems.add(sheet.file, sheet.row(i), "jednotka_na", f"§{druh}: a second conversion between {a} and {b} (also row {seen[key]}); give one per type and pair of units")
        else:
            seen[key] = sheet.row(i)
    return out


def combine_conversions(default: pd.DataFrame, override: pd.DataFrame | None) -> pd.DataFrame:
    """Defaults with a region's rows replacing those of the same type and pair of units.

    The pair is unordered: a region's ``klienti -> lůžka`` replaces a default
    ``lůžka -> klienti`` of the same type.

    Examples
    --------
    >>> d = pd.DataFrame({"druh": ["44"], "jednotka_z": ["lůžka"], "jednotka_na": ["klienti"], "faktor": [13.9], "zdroj": ["x"]})
    >>> o = pd.DataFrame({"druh": ["44"], "jednotka_z": ["klienti"], "jednotka_na": ["lůžka"], "faktor": [0.1], "zdroj": ["kraj"]})
    >>> combine_conversions(d, o)[["jednotka_z", "faktor"]].values.tolist()
    [['klienti', 0.1]]
    """
    if override is None or override.empty:
        return default.reset_index(drop=True)
    kept = _keyed(default).merge(_keyed(override)[_KEY], on=_KEY, how="left", indicator=True)
    kept = kept.loc[kept["_merge"] == "left_only", list(default.columns)]
    return pd.concat([kept, override[list(default.columns)]], ignore_index=True)


def _keyed(table: pd.DataFrame) -> pd.DataFrame:
    pair = np.sort(table[["jednotka_z", "jednotka_na"]].to_numpy(str), axis=1)
    return table.assign(_a=pair[:, 0], _b=pair[:, 1])


def region_conversions(region: Region) -> pd.DataFrame:
    """The conversions a region's analysis uses: the defaults with the region's ``conversions.csv``."""
    return combine_conversions(default_conversions(), region.extras.get("conversions"))


def factor_table(conversions: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    """Lookup ``(druh, from, to) -> factor``, both directions, switched-off rows left out.

    A row ``lůžka -> klienti = 13.9`` also gives ``klienti -> lůžka = 1/13.9``.

    Examples
    --------
    >>> c = pd.DataFrame({"druh": ["44"], "jednotka_z": ["lůžka"], "jednotka_na": ["klienti"], "faktor": [10.0]})
    >>> factor_table(c)[("44", "klienti", "lůžka")]
    0.1
    """
    factors: dict[tuple[str, str, str], float] = {}
    for druh, a, b, f in conversions[["druh", "jednotka_z", "jednotka_na", "faktor"]].itertuples(index=False):
        if f and f > 0:
            factors[(druh, a, b)] = float(f)
            factors[(druh, b, a)] = 1.0 / float(f)
    return factors
