"""A new region folder from the national reference: what ``kpwork init`` writes.

:func:`create_region` writes a complete, valid region for chosen members:
``region.toml`` (commented in Czech), ``municipalities.geojson`` with their
real boundaries, ``population.csv`` from the national table (or a newer ČSÚ
table), and empty ``services``/``usage`` sheets twice: as CSV for Excel
(cp1250, ``;``) and as XLSX with drop-down lists and a sheet explaining each
column. The folder is written into a temporary folder next to it and renamed
into place only when complete, so an error leaves nothing behind.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kpwork import sheets as sh
from kpwork.config import CZECHIA_LONLAT, FILES, THRESHOLDS
from kpwork.errors import InvalidParameter
from kpwork.reference import (
    AGE_BANDS,
    BOUNDARY_SOURCE,
    CREDIT,
    POPULATION_SOURCE,
    national_municipalities,
    national_population,
)
from kpwork.region import load_geography
from kpwork.taxonomy import (
    CAPACITY_UNITS,
    FORMS,
    SERVICE_TYPES,
    TARGET_GROUPS,
    fold,
    paragraph_order,
)

if TYPE_CHECKING:  # openpyxl is imported where a workbook is written
    from openpyxl.worksheet.worksheet import Worksheet

log = logging.getLogger(__name__)

#: Encoding of the CSV files written: what Czech Excel writes and opens with a double click.
CSV_ENCODING = "cp1250"
#: Source recorded for a population table the coordinator brought.
_OWN_TABLE = "vlastní tabulka obyvatel"
#: Rows of the XLSX templates that carry the drop-down lists.
TEMPLATE_ROWS = 1000

#: What each written file is, for the command's report.
FILE_NOTES = {
    "region.toml": "název, členské obce, zdroje dat (upravte název podle sebe)",
    "municipalities.geojson": "hranice členských obcí (otevřete v QGIS)",
    "population.csv": "obyvatelé podle věkových pásem",
    "services.csv": "prázdná tabulka služeb (CSV pro Excel)",
    "usage.csv": "prázdná tabulka využití služeb (CSV pro Excel)",
    "services.xlsx": "tabulka služeb s nabídkami a vysvětlivkami",
    "usage.xlsx": "tabulka využití s nabídkami a vysvětlivkami",
}

# column -> (required, what to fill in, example); the order is the order of the sheet
SERVICE_HELP: dict[str, tuple[bool, str, str]] = {
    "id": (True, "Vaše krátké označení služby, v tabulce jedinečné; tabulka usage (využití) se na ně odkazuje.", "S01"),
    "nazev": (True, "Název služby.", "Pečovatelská služba Otrokovice"),
    "poskytovatel": (True, "Poskytovatel (organizace), jak je v registru poskytovatelů.", "Charita Otrokovice"),
    "ico": (False, "IČO poskytovatele, až 8 číslic; úvodní nuly se doplní.", "00123456"),
    "druh": (True, "Druh služby podle zákona č. 108/2006 Sb.: vyberte ze seznamu, nebo napište paragraf (40, §40) či název.", "§40 pečovatelská služba"),
    "forma": (True, "Forma: pobytová, ambulantní nebo terénní; musí to být forma, v níž se daný druh poskytuje.", "terénní"),
    "cilove_skupiny": (True, "Cílové skupiny podle registru poskytovatelů; vyberte jednu, nebo napište více oddělených čárkou.", "senioři, osoby se zdravotním postižením"),
    "kapacita": (True, "Kapacita v jednotkách sloupce jednotka; číslo >= 0, desetinná čárka je v pořádku.", "120"),
    "jednotka": (False, "Jednotka kapacity (lůžka, klienti, místa, ...); prázdná = obvyklá jednotka druhu.", "klienti"),
    "kod_obce": (True, "Kód členské obce (6 číslic), kde služba sídlí; kódy obcí jsou na listu Seznamy.", "585599"),
    "lat": (False, "Zeměpisná šířka sídla ve stupních (WGS84), např. z mapy.cz; vyplňte lat i lon, nebo nic (pak se použije střed obce).", "49,2118"),
    "lon": (False, "Zeměpisná délka sídla ve stupních (WGS84).", "17,5352"),
    "pusobnost": (False, "Obce, kterým služba slouží: kódy členských obcí oddělené čárkou, nebo * (celý region); prázdné = celý region. U terénních služeb určuje, kde služba je dostupná.", "585599, 588318"),
    "naklady": (False, "Roční náklady služby v Kč (pro rozdělení financování mezi obce).", "6 850 000"),
}
USAGE_HELP: dict[str, tuple[bool, str, str]] = {
    "sluzba_id": (True, "id služby z tabulky services.", "S01"),
    "kod_obce": (True, "Kód obce (6 číslic), kde klienti bydlí; může to být i obec mimo region.", "585599"),
    "klienti": (True, "Počet klientů z této obce, celé číslo >= 0.", "109"),
    "hodiny": (False, "Hodiny poskytnuté péče klientům z této obce, číslo >= 0.", "7630"),
    "rok": (False, "Rok údajů.", "2024"),
}


def create_region(
    region_dir: str | Path,
    members: Sequence[str],
    *,
    name: str | None = None,
    force: bool = False,
    population: pd.DataFrame | None = None,
    population_source: str | None = None,
) -> list[Path]:
    """Write a new, valid region folder for ``members``.

    Parameters
    ----------
    region_dir
        The folder to create. Its name gives the region's ``id``.
    members
        ``kod_obce`` of the member municipalities (6-digit text), e.g. from
        :func:`kpwork.reference.select_members`.
    name
        The region's name on its pages; the folder's name by default.
    force
        Write into an existing, non-empty folder: the files listed below are
        replaced, other files (``plan.xlsx``, ``norms.csv``, ...) are kept.
    population
        Population to use instead of the national 2020 table, as returned by
        :func:`kpwork.reference.read_population_table`; it must cover every member.
    population_source
        Where ``population`` comes from, recorded in ``region.toml``.

    Returns
    -------
    list of Path
        The files written: ``region.toml``, ``municipalities.geojson``,
        ``population.csv``, ``services.csv``, ``usage.csv``,
        ``services.xlsx``, ``usage.xlsx``.

    Raises
    ------
    InvalidParameter
        An existing non-empty folder without ``force``, unknown codes, no
        members, or members missing from ``population``. Nothing is written.
    """
    target = Path(region_dir)
    _check_target(target, force=force)
    codes = _member_codes(members)
    boundaries = national_municipalities(crs=None).set_index("kod_obce").loc[codes].reset_index()
    table = _member_population(codes, population)
    source = (population_source or _OWN_TABLE) if population is not None else POPULATION_SOURCE
    config = region_toml(_region_id(target), name or _default_name(target), boundaries, source=source, years=table["rok"].tolist())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.init-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)  # left by a process of the same id that was killed
    tmp.mkdir()
    try:
        (tmp / FILES.config).write_text(config, encoding="utf-8")
        boundaries.to_file(tmp / FILES.geometry[0], driver="GeoJSON", COORDINATE_PRECISION=6)
        _write_csv(table, tmp / f"{FILES.population}.csv")
        _write_csv(pd.DataFrame(columns=list(SERVICE_HELP)), tmp / f"{FILES.services}.csv")
        _write_csv(pd.DataFrame(columns=list(USAGE_HELP)), tmp / f"{FILES.usage}.csv")
        _write_workbook(tmp / f"{FILES.services}.xlsx", "Služby", SERVICE_HELP, boundaries)
        _write_workbook(tmp / f"{FILES.usage}.xlsx", "Využití", USAGE_HELP, boundaries)
        names = [p.name for p in sorted(tmp.iterdir(), key=_file_order)]
        _publish(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("region %s: %d members written to %s", target.name, len(codes), target)
    return [target / n for n in names]


def replace_population(region_dir: str | Path, population: pd.DataFrame, *, source: str | None = None) -> Path:
    """Replace ``population.csv`` of an existing region by a newer table.

    Parameters
    ----------
    region_dir
        A region folder (its ``region.toml`` lists the members).
    population
        As returned by :func:`kpwork.reference.read_population_table`; it
        must cover every member. Rows of other municipalities are dropped.
    source
        Recorded as ``obyvatelstvo`` under ``[zdroje]`` in ``region.toml``.

    Returns
    -------
    Path
        The ``population.csv`` written (atomically: replaced only when complete).

    Raises
    ------
    InvalidRegion
        Problems of ``region.toml`` or the polygons, each with file, row and
        column (read by :func:`kpwork.region.load_geography`, as ``kpwork
        validate`` reads them; without a ``members`` list every polygon is a member).
    InvalidParameter
        No ``region.toml``, a ``population.xlsx`` in the way, or members
        missing from ``population``.
    """
    folder = Path(region_dir)
    config = folder / FILES.config
    if not config.is_file():
        raise InvalidParameter(f"{folder}: chybí {FILES.config}; nejdřív vytvořte region (kpwork init)")
    members, _ = load_geography(folder)
    if (folder / f"{FILES.population}.xlsx").exists():
        raise InvalidParameter(f"{folder / FILES.population}.xlsx: populaci vede region v XLSX; nahraďte ji tam, nebo soubor odstraňte")
    table = _member_population(list(members), population)
    path = folder / f"{FILES.population}.csv"
    sh.replace_file(path, _csv_bytes(table))
    text = sh.decode(config.read_bytes())
    line = f"obyvatelstvo = {_toml_str(_population_note(source or _OWN_TABLE, table['rok']))}"
    sh.replace_file(config, re.sub(r"(?m)^obyvatelstvo\s*=.*$", lambda _: line, text).encode("utf-8"))
    return path


# --- checks --------------------------------------------------------------------------------


def _check_target(target: Path, *, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise InvalidParameter(f"{target} je soubor, ne složka; nic nebylo zapsáno")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise InvalidParameter(f"složka {target} už existuje a není prázdná; nic nebylo zapsáno (přepsat ji: --force)")


def _member_codes(members: Sequence[str]) -> list[str]:
    codes = list(dict.fromkeys(str(m).strip() for m in members))
    if not codes:
        raise InvalidParameter("region potřebuje aspoň jednu členskou obec; nic nebylo zapsáno")
    known = set(national_population()["kod_obce"])
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidParameter(f"kódy {', '.join(unknown)} nemá žádná obec ČR; nic nebylo zapsáno")
    return codes


def _member_population(codes: list[str], population: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of the members, in member order, as population.csv holds them (with ``nazev``)."""
    names = national_population().set_index("kod_obce")["nazev"]
    table = national_population() if population is None else population
    present = set(table["kod_obce"])
    missing = [c for c in codes if c not in present]
    if missing:
        listed = ", ".join(f"{names[c]} ({c})" for c in missing)
        raise InvalidParameter(f"tabulka obyvatel nemá řádek pro {listed}; nic nebylo zapsáno")
    rows = table.loc[table["kod_obce"].isin(codes)].copy()
    rows["_order"] = rows["kod_obce"].map({c: i for i, c in enumerate(codes)})
    rows = rows.sort_values(["_order", "rok"], kind="stable")
    rows["nazev"] = rows["kod_obce"].map(names)
    return rows[["kod_obce", "nazev", "rok", *AGE_BANDS]].reset_index(drop=True)


def _region_id(target: Path) -> str:
    """The folder's name as a region id: ``Otrokovicko ORP`` -> ``otrokovicko-orp``."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", fold(target.resolve().name)).strip("-_")
    return slug or "region"


def _default_name(target: Path) -> str:
    name = target.resolve().name
    return name[:1].upper() + name[1:]


# --- files ---------------------------------------------------------------------------------


def _population_note(source: str, years: Sequence[int]) -> str:
    return f"{source} (rok {', '.join(map(str, sorted(set(years))))})"


def _toml_str(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def region_toml(region_id: str, name: str, members: pd.DataFrame, *, source: str, years: Sequence[int]) -> str:
    """Text of ``region.toml``: id, name, members with their names, sources and defaults in comments.

    Examples
    --------
    >>> m = pd.DataFrame({"kod_obce": ["588318"], "nazev": ["Bělov"], "okres": ["Zlín"]})
    >>> print(region_toml("belov", "Bělov", m, source="ČSÚ", years=[2020]).split("[region]")[1].split("[zdroje]")[0].strip())
    # id: krátké označení regionu (malá písmena bez diakritiky, číslice, - nebo _); pojmenuje složku výstupů outputs/<id>/
    id = "belov"
    # name: název regionu na všech stránkách
    name = "Bělov"
    # members: kódy členských obcí (6 číslic, v uvozovkách); další obce v municipalities.geojson se kreslí jen jako sousedé
    members = [
      "588318",  # Bělov (okres Zlín)
    ]
    """
    radius = THRESHOLDS.radius_by_form
    lines = [
        "# Region komunitního plánování sociálních služeb, vytvořený příkazem `kpwork init`.",
        "# Soubory složky a jejich sloupce popisuje docs/data-format.md; vysvětlivky jsou i v services.xlsx a usage.xlsx.",
        "# Kontrola: kpwork validate <složka>; výpočet a stránky: kpwork run <složka>.",
        "#",
        "# Výchozí nastavení (platí, dokud je nezměníte):",
        "#   potřeba služeb podle norem kpwork (kpwork/data/norms.csv); vlastní normy: norms.csv v této složce",
        f"#   dosah pobytových služeb {round(radius['pobytova'] / 1000)} km a ambulantních {round(radius['ambulantni'] / 1000)} km od sídla;",
        "#   terénní služby slouží obcím svého sloupce pusobnost (prázdný = celému regionu)",
        f"#   počty pod {THRESHOLDS.small_count} osob za jednu obec se na stránkách ukazují jako <{THRESHOLDS.small_count}",
        "",
        "[region]",
        "# id: krátké označení regionu (malá písmena bez diakritiky, číslice, - nebo _); pojmenuje složku výstupů outputs/<id>/",
        f"id = {_toml_str(region_id)}",
        "# name: název regionu na všech stránkách",
        f"name = {_toml_str(name)}",
        "# members: kódy členských obcí (6 číslic, v uvozovkách); další obce v municipalities.geojson se kreslí jen jako sousedé",
        "members = [",
        *(f'  "{c}",  # {n} (okres {o})' for c, n, o in zip(members["kod_obce"], members["nazev"], members["okres"], strict=True)),
        "]",
        "",
        "[zdroje]",
        "# Odkud jsou hranice obcí a počty obyvatel; uvádějte je u zveřejněných map a čísel.",
        f"uvedeni = {_toml_str(CREDIT)}",
        f"hranice = {_toml_str(BOUNDARY_SOURCE)}",
        f"obyvatelstvo = {_toml_str(_population_note(source, years))}",
        "",
    ]
    return "\n".join(lines)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV as Czech Excel saves it: cp1250 and ``;`` (UTF-8 with BOM if a name needs it)."""
    text = sh.neutralise_frame(frame).to_csv(sep=";", index=False, lineterminator="\r\n")
    try:
        return text.encode(CSV_ENCODING)
    except UnicodeEncodeError:
        return text.encode("utf-8-sig")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.write_bytes(_csv_bytes(frame))


def _file_order(path: Path) -> tuple[int, bool, str]:
    order = [FILES.config, FILES.geometry[0], FILES.population, FILES.services, FILES.usage]
    stem = path.name if path.name in order else path.stem
    return (order.index(stem) if stem in order else len(order), path.suffix != ".csv", path.name)


def _publish(tmp: Path, target: Path) -> None:
    """Move the complete folder into place: a rename, or file by file into an existing folder."""
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    if not target.exists():
        os.rename(tmp, target)
        return
    for path in tmp.iterdir():
        os.replace(path, target / path.name)


# --- the XLSX templates --------------------------------------------------------------------


def choice_lists(members: pd.DataFrame) -> dict[str, list[str]]:
    """The drop-down lists: header on sheet Seznamy -> values."""
    types = sorted(SERVICE_TYPES, key=paragraph_order)
    return {
        "Druh služby": [f"§{p} {SERVICE_TYPES[p].name}" for p in types],
        "Forma": list(FORMS.values()),
        "Cílová skupina": [g.name for g in TARGET_GROUPS.values()],
        "Jednotka": list(CAPACITY_UNITS),
        "Kód obce": list(members["kod_obce"]),
        "Obec": list(members["nazev"]),
    }


def _write_workbook(path: Path, title: str, help_: dict[str, tuple[bool, str, str]], members: pd.DataFrame) -> None:
    """One data sheet (first: kpwork reads it), then Vysvětlivky and Seznamy."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    data = book.active
    data.title = title
    lists = choice_lists(members)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for j, column in enumerate(help_, 1):
        cell = data.cell(row=1, column=j, value=column)
        cell.font, cell.fill = bold, fill
        letter = get_column_letter(j)
        data.column_dimensions[letter].width = max(12, min(40, len(help_[column][2]) + 4))
        if column in ("id", "sluzba_id", "ico", "kod_obce", "pusobnost"):
            data.column_dimensions[letter].number_format = "@"  # codes stay text, leading zeros kept
    data.freeze_panes = "A2"
    add_validations(data, list(help_), lists)
    notes = book.create_sheet("Vysvětlivky")
    notes.append([f"Vyplňte list {title}: jeden řádek na {'službu' if 'druh' in help_ else 'službu a obec'}; první řádek (názvy sloupců) neměňte."])
    notes.append(["kpwork čte první list tohoto sešitu. Vyplňte buď tento sešit, nebo stejnojmenný soubor CSV, ne oba."])
    notes.append([])
    notes.append(["Sloupec", "Povinný", "Co vyplnit", "Příklad"])
    for column, (required, text, example) in help_.items():
        notes.append([column, "ano" if required else "ne", text, example])
    for cell in notes[4]:
        cell.font, cell.fill = bold, fill
    for letter, width in zip("ABCD", (16, 9, 90, 36), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=5):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    sheet = book.create_sheet("Seznamy")
    for j, (header, values) in enumerate(lists.items(), 1):
        sheet.cell(row=1, column=j, value=header).font = bold
        sheet.column_dimensions[get_column_letter(j)].width = max(12, min(60, max(map(len, values)) + 2))
        for i, value in enumerate(values, 2):
            sheet.cell(row=i, column=j, value=value).number_format = "@"
    sh.neutralise_workbook(book)
    book.save(path)


def add_validations(sheet: Worksheet, columns: list[str], lists: dict[str, list[str]]) -> None:
    """Drop-down lists and number checks on the data rows (warnings: typed values stay allowed)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    def list_range(header: str) -> str:
        j = list(lists).index(header) + 1
        letter = get_column_letter(j)
        return f"=Seznamy!${letter}$2:${letter}${len(lists[header]) + 1}"

    lon_min, lat_min, lon_max, lat_max = CZECHIA_LONLAT
    rules = {
        "druh": dict(type="list", formula1=list_range("Druh služby"), prompt="Vyberte druh služby, nebo napište paragraf (40, §40)."),
        "forma": dict(type="list", formula1=list_range("Forma"), prompt="pobytová, ambulantní nebo terénní", errorStyle="stop"),
        "cilove_skupiny": dict(type="list", formula1=list_range("Cílová skupina"), prompt="Vyberte skupinu; více skupin napište oddělené čárkou.", showErrorMessage=False),
        "jednotka": dict(type="list", formula1=list_range("Jednotka"), prompt="Jednotka kapacity; prázdné = obvyklá jednotka druhu."),
        "kod_obce": dict(type="list", formula1=list_range("Kód obce"), prompt="Kód obce (6 číslic); obce s kódy jsou na listu Seznamy."),
        "kapacita": dict(type="decimal", operator="greaterThanOrEqual", formula1="0", prompt="Číslo >= 0"),
        "naklady": dict(type="decimal", operator="greaterThanOrEqual", formula1="0", prompt="Kč za rok, číslo >= 0"),
        "hodiny": dict(type="decimal", operator="greaterThanOrEqual", formula1="0", prompt="Číslo >= 0"),
        "klienti": dict(type="whole", operator="greaterThanOrEqual", formula1="0", prompt="Celé číslo >= 0"),
        "rok": dict(type="whole", operator="between", formula1="1900", formula2="2100", prompt="Rok, např. 2024"),
        "lat": dict(type="decimal", operator="between", formula1=str(lat_min), formula2=str(lat_max), prompt=f"Šířka v Česku: {lat_min}-{lat_max}"),
        "lon": dict(type="decimal", operator="between", formula1=str(lon_min), formula2=str(lon_max), prompt=f"Délka v Česku: {lon_min}-{lon_max}"),
    }
    for j, column in enumerate(columns, 1):
        if column not in rules:
            continue
        options = {"allow_blank": True, "showInputMessage": True, "showErrorMessage": True, "errorStyle": "warning",
                   "error": "Tato hodnota neodpovídá seznamu ani pravidlům sloupce (viz list Vysvětlivky).", **rules[column]}
        rule = DataValidation(**options)
        letter = get_column_letter(j)
        rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
        sheet.add_data_validation(rule)
