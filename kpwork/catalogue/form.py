"""Forms out: one XLSX per provider with its services, locked where the provider may not edit.

:func:`write_forms` writes the forms; the columns, the provider key and the
checksum of what was sent are defined here and read back by
:mod:`kpwork.catalogue.merge`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kpwork import sheets as sh
from kpwork.create import add_validations, choice_lists
from kpwork.region import Region, load_region
from kpwork.rpss.merge import (
    REGISTRY,
    ServicesFile,
    read_services_file,
)
from kpwork.taxonomy import fold

log = logging.getLogger(__name__)

#: Columns of the form's data sheet, in this order.
FORM_COLUMNS = (
    "id", "poskytovatel", "ico", "druh", "kod_obce", "nazev", "forma", "cilove_skupiny", "kapacita", "jednotka",
    "pusobnost", "adresa", "telefon", "email", "oteviraci_doba", "popis", "ukoncit", "zmena",
)
#: Columns a provider edits (on registry rows only those not in the registry's REGISTRY).
EDITABLE = ("nazev", "forma", "cilove_skupiny", "kapacita", "jednotka", "pusobnost", "adresa", "telefon", "email", "oteviraci_doba", "popis")
#: Columns only providers fill (the registry has none of them).
PROVIDER_ONLY = ("oteviraci_doba", "popis", "potvrzeno")
#: Form-only columns: an ended service and the note of what changed.
ENDED, NOTE = "ukoncit", "zmena"
#: Columns of a new service that the provider must fill.
NEW_REQUIRED = ("nazev", "druh", "forma", "cilove_skupiny", "kapacita", "kod_obce")
#: The date of the last confirmation by the provider, in services.csv.
CONFIRMED = "potvrzeno"
DATA_SHEET, HELP_SHEET, META_SHEET = "Služby", "Návod", "kpwork"
#: Empty rows of a form for new services.
NEW_ROWS = 15
_FORM_VERSION = "1"

HELP_TEXT = (
    "Formulář katalogu sociálních služeb",
    "",
    "Děkujeme, že udržujete údaje o svých službách aktuální. Postup:",
    "1. Na listu Služby zkontrolujte každý řádek a opravte, co neplatí. Bílé buňky můžete měnit, šedé jsou uzamčené.",
    "2. Do sloupce zmena krátce napište, co se změnilo (např. „nová telefonní linka od 1. 3.“).",
    "3. Skončila-li služba, napište do sloupce ukoncit slovo ano. Řádek nemažte.",
    "4. Novou službu zapište do prázdného řádku pod svými službami: vyplňte nazev, druh, forma, cilove_skupiny, kapacita a kod_obce; id nechte prázdné (koordinátor jí přidělí označení).",
    "5. Soubor uložte jako XLSX pod stejným názvem a pošlete ho e-mailem zpět koordinátorovi. Skrytý list kpwork neměňte: podle něj se formulář pozná.",
    "",
    "I když se nic nezměnilo, pošlete formulář zpět: potvrdíte tím, že údaje platí.",
    "Údaje služeb zapsaných v registru poskytovatelů (druh, forma, cílové skupiny, kapacita, adresa, telefon, e-mail) měňte v registru; u nich jsou buňky uzamčené.",
    "",
    "Sloupce",
)
COLUMN_HELP = {
    "id": "označení služby v katalogu (neměnit)",
    "poskytovatel": "poskytovatel (neměnit)",
    "ico": "IČO poskytovatele (neměnit)",
    "druh": "druh služby podle zákona č. 108/2006 Sb. (u nové služby vyberte ze seznamu)",
    "kod_obce": "kód obce, kde služba sídlí (u nové služby vyberte ze seznamu)",
    "nazev": "název služby",
    "forma": "pobytová, ambulantní nebo terénní",
    "cilove_skupiny": "cílové skupiny oddělené čárkou (seznam na listu Seznamy)",
    "kapacita": "kapacita, číslo >= 0",
    "jednotka": "jednotka kapacity: lůžka, klienti, místa, ...",
    "pusobnost": "obce, kterým služba slouží: kódy oddělené čárkou, nebo * (celý region)",
    "adresa": "adresa, kde služba klienty přijímá",
    "telefon": "telefon",
    "email": "e-mail",
    "oteviraci_doba": "provozní nebo otevírací doba",
    "popis": "krátký popis pro veřejný katalog",
    "ukoncit": "ano = služba skončila",
    "zmena": "co se změnilo (krátce)",
}


# --- providers ---------------------------------------------------------------------------------


def provider_key(row: dict[str, str]) -> str:
    """The provider of a services.csv row: its IČO (8 digits), or ``nazev:<name>`` when the IČO is blank.

    Examples
    --------
    >>> provider_key({"ico": "123", "poskytovatel": "Naděje"}), provider_key({"ico": "", "poskytovatel": "Naděje "})
    ('00000123', 'nazev:naděje')
    """
    ico = row.get("ico", "").replace(" ", "")
    if ico:
        return ico.zfill(8)
    return "nazev:" + " ".join(row.get("poskytovatel", "").split()).lower()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:50] or "poskytovatel"


def sent_row(row: dict[str, str]) -> dict[str, str]:
    """What a form records of a service as sent: its form columns and ``rpss_id``."""
    return {c: row.get(c, "") for c in (*FORM_COLUMNS[:-2], "rpss_id")}


def checksum(rows: Sequence[dict[str, str]]) -> str:
    """SHA-256 of rows as sent (canonical JSON, in order).

    Examples
    --------
    >>> checksum([{"id": "S01"}]) == checksum([{"id": "S01"}]), checksum([]) == checksum([{"id": "S01"}])
    (True, False)
    """
    text = json.dumps([sorted(r.items()) for r in rows], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def providers(file: ServicesFile) -> dict[str, list[dict[str, str]]]:
    """The rows of ``services.csv`` per provider key (:func:`provider_key`), in file order."""
    out: dict[str, list[dict[str, str]]] = {}
    for row in file.rows:
        out.setdefault(provider_key(row), []).append(row)
    return out


def locked_columns(sent: dict[str, str]) -> tuple[str, ...]:
    """Columns a provider may not change on this row: all but EDITABLE, and the registry's on registry rows."""
    own = [c for c in EDITABLE if not (sent.get("rpss_id") and c in REGISTRY)]
    return tuple(c for c in FORM_COLUMNS if c not in own and c not in (ENDED, NOTE))


# --- forms out ---------------------------------------------------------------------------------


@dataclass
class FormsReport:
    """What :func:`write_forms` wrote: one file per provider, and providers recognised by name."""

    files: list[Path] = field(default_factory=list)
    by_name: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the command prints, in Czech: the files, and the providers told apart by name."""
        out = [f"formuláře zapsány: {len(self.files)}"] + [f"  {p}" for p in self.files]
        if self.by_name:
            out.append(f"bez IČO, poskytovatel rozpoznán podle názvu: {', '.join(self.by_name)} (doplňte IČO do services.csv)")
        return out


def write_forms(region_dir: str | Path, out_dir: str | Path, *, today: dt.date | None = None) -> FormsReport:
    """Write one XLSX form per provider of the region into ``out_dir``.

    Parameters
    ----------
    region_dir
        A valid region folder with ``services.csv``.
    out_dir
        Where the forms go (created); existing forms of the same names are replaced.
    today
        The date recorded as sent (default: today).

    Returns
    -------
    FormsReport

    Raises
    ------
    InvalidRegion
        The region has problems (forms are made from valid data only).
    """
    region = load_region(region_dir)
    file = read_services_file(Path(region_dir))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = FormsReport()
    sent = (today or dt.date.today()).isoformat()
    for key, rows in providers(file).items():
        name = rows[0].get("poskytovatel", "")
        if key.startswith("nazev:"):
            report.by_name.append(name)
        path = out / f"formular_{key if not key.startswith('nazev:') else _slug(name)}.xlsx"
        _write_form(path, region, key, name, [sent_row(r) for r in rows], sent)
        report.files.append(path)
    return report


def _write_form(path: Path, region: Region, key: str, name: str, rows: list[dict[str, str]], sent: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    grey, bold = PatternFill("solid", fgColor="D9D9D9"), Font(bold=True)
    data.append(list(FORM_COLUMNS))
    for cell in data[1]:
        cell.font, cell.fill = bold, grey
    for i, row in enumerate(rows, 2):
        locked = locked_columns(row)
        for j, column in enumerate(FORM_COLUMNS, 1):
            cell = data.cell(row=i, column=j, value=_cell_value(column, row.get(column, "")))
            if column in locked:
                cell.fill = grey
            else:
                cell.protection = Protection(locked=False)
    for i in range(len(rows) + 2, len(rows) + 2 + NEW_ROWS):
        for j, column in enumerate(FORM_COLUMNS, 1):
            if column not in ("id", "poskytovatel", "ico", ENDED):
                data.cell(row=i, column=j).protection = Protection(locked=False)
    for j, column in enumerate(FORM_COLUMNS, 1):
        data.column_dimensions[data.cell(row=1, column=j).column_letter].width = 30 if column in ("nazev", "cilove_skupiny", "popis", "zmena", "adresa") else 14
    members = region.member_names().reset_index()
    add_validations(data, list(FORM_COLUMNS), choice_lists(members))
    ended = DataValidation(type="list", formula1='"ano"', allow_blank=True, prompt="ano = služba skončila", showInputMessage=True)
    letter = data.cell(row=1, column=FORM_COLUMNS.index(ENDED) + 1).column_letter
    ended.add(f"{letter}2:{letter}{len(rows) + 1}")
    data.add_data_validation(ended)
    data.freeze_panes = "B2"
    data.protection.sheet = True
    _help_sheet(book, name)
    lists = book.create_sheet("Seznamy")
    for j, (header, values) in enumerate(choice_lists(members).items(), 1):
        lists.cell(row=1, column=j, value=header).font = bold
        for i, value in enumerate(values, 2):
            lists.cell(row=i, column=j, value=value)
    lists.protection.sheet = True
    meta = book.create_sheet(META_SHEET)
    records = [("verze", _FORM_VERSION), ("region", region.id), ("poskytovatel", key), ("nazev", name), ("odeslano", sent), ("kontrolni_soucet", checksum(rows))]
    for k, v in records + [("radek", json.dumps(r, ensure_ascii=False)) for r in rows]:
        meta.append([k, v])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    sh.neutralise_workbook(book)
    book.save(path)


def _cell_value(column: str, text: str) -> object:
    if column == "kapacita" and text:
        try:
            return sh.parse_number(text)
        except ValueError:
            return text
    return text


def _help_sheet(book, name: str) -> None:
    from openpyxl.styles import Alignment

    sheet = book.create_sheet(HELP_SHEET, 1)
    sheet.append([f"{HELP_TEXT[0]}: {name}"])
    for line in HELP_TEXT[1:]:
        sheet.append([line])
    for column in FORM_COLUMNS:
        sheet.append([column, COLUMN_HELP[column]])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 90
    for row in sheet.iter_rows():
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")


