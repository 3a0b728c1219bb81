"""Merging registry rows into a region's ``services.csv``, and the change log.

Rows that came from the registry carry its identifier in ``rpss_id``; a row
is matched by (``rpss_id``, form). The registry owns the facts it registers
(provider, type, target groups, capacity and unit, municipality, address,
contacts); the coordinator owns ``id``, ``nazev``, ``pusobnost``,
``naklady``, coordinates they entered and every other column, which a
re-import keeps. Rows without ``rpss_id`` are the coordinator's own and are
never touched; writing a registry identifier into their ``rpss_id`` links
them to the registry.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from babel.numbers import format_decimal

from kpwork import sheets as sh
from kpwork.config import FILES
from kpwork.errors import KpworkError
from kpwork.rpss.rows import COORDINATOR, HIDDEN
from kpwork.taxonomy import fold, normalise_form, normalise_service_type, target_groups

log = logging.getLogger(__name__)

#: Columns of a new services.csv, in this order.
COLUMNS = (
    "id", "nazev", "poskytovatel", "ico", "druh", "forma", "cilove_skupiny", "kapacita", "jednotka",
    "kod_obce", "lat", "lon", "pusobnost", "naklady", "adresa", "telefon", "email", "web",
    "rpss_id", "mimo_region", "poloha", "rpss_stav", "rpss_poznamka",
)
#: Columns a re-import updates from the registry (coordinates apart).
REGISTRY = (
    "poskytovatel", "ico", "druh", "forma", "cilove_skupiny", "kapacita", "jednotka", "kod_obce",
    "adresa", "telefon", "email", "web", "mimo_region", "poloha", "rpss_stav", "rpss_poznamka",
)
#: Registry columns whose changes are not listed (they explain; a move shows in kod_obce and adresa).
QUIET = ("poloha", "rpss_poznamka", "mimo_region")
#: Registry columns where an empty registry value keeps what the sheet has.
KEEP_IF_EMPTY = ("ico", "adresa", "telefon", "email", "web")
#: ``rpss_stav`` of a row that left the registry but that another sheet refers to.
GONE = "není v registru"
#: The change log in the region folder.
CHANGE_LOG = "rpss_zmeny.csv"
LOG_COLUMNS = ("datum", "zmena", "id", "rpss_id", "nazev", "sloupec", "puvodne", "nove", "poznamka")
ADDED, REMOVED, CHANGED, NOT_IMPORTED = "přidána", "odebrána", "změněna", "nezařazena"


@dataclass(frozen=True)
class Change:
    """One line of the change log: a service added, removed, changed (one column) or not imported."""

    zmena: str
    id: str
    rpss_id: str
    nazev: str
    sloupec: str = ""
    puvodne: str = ""
    nove: str = ""
    poznamka: str = ""


@dataclass
class ServicesFile:
    """``services.csv`` as text: the header as written, rows keyed by normalised column, and its format."""

    path: Path
    header: list[str]
    keys: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    encoding: str = "utf-8-sig"
    delimiter: str = ";"
    newline: str = "\r\n"

    @property
    def decimal_comma(self) -> bool:
        """Czech Excel's ``;`` files write ``49,2118``; comma-separated files a decimal point."""
        return self.delimiter == ";"


def read_services_file(folder: Path) -> ServicesFile:
    """The region's ``services.csv`` as text, or an empty one in kpwork's format when there is none.

    An empty ``services.xlsx`` (the template ``kpwork init`` writes) is left
    alone: ``load_region`` reads the sheet that holds rows.

    Raises
    ------
    KpworkError
        The region keeps its services in ``services.xlsx`` (the import writes CSV only).
    """
    path = folder / f"{FILES.services}.csv"
    xlsx = path.with_suffix(".xlsx")
    if xlsx.exists() and len(sh.read_sheet(xlsx).frame):
        raise KpworkError(f"{xlsx}: služby vede region v XLSX, import z registru zapisuje {path.name}; uložte list v Excelu jako {path.name} (CSV UTF-8), smažte {xlsx.name} a spusťte import znovu")
    if not path.exists():
        return ServicesFile(path, list(COLUMNS), list(COLUMNS))
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else _plain_encoding(raw)
    text = sh.decode(raw)
    delimiter = sh.sniff_delimiter(text)
    records = [r for r in sh.read_rows(text, delimiter) if any(c.strip() for c in r)]
    header = records[0] if records else list(COLUMNS)
    keys: list[str] = []
    for name in header:  # a column spelled twice keeps its own cells under its raw name
        k = sh.normalise_header(name)
        keys.append(k if k and k not in keys else name)
    rows = [dict(zip(keys, (r + [""] * len(keys))[: len(keys)], strict=True)) for r in records[1:]]
    return ServicesFile(path, list(header), keys, rows, encoding, delimiter, "\r\n" if "\r\n" in text else "\n")


def _plain_encoding(raw: bytes) -> str:
    """UTF-8 or cp1250 as the file has it; an ASCII-only file (an empty template) gets a BOM,
    so that Czech Excel reads the names the import adds."""
    if raw.isascii():
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1250"


def write_services_file(file: ServicesFile, rows: list[dict[str, str]]) -> str | None:
    """Write rows atomically in the file's own format; returns a note when the encoding had to change."""
    keys, header = list(file.keys), list(file.header)
    for column in COLUMNS:
        if column not in keys and any(row.get(column) for row in rows):
            keys.append(column)
            header.append(column)
    text = sh.write_rows([header, *([row.get(k, "") for k in keys] for row in rows)], delimiter=file.delimiter, newline=file.newline)
    note = None
    try:
        data = text.encode(file.encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8-sig")
        note = f"{file.path.name} uložen v UTF-8 (dosud {file.encoding}): registr obsahuje znaky, které {file.encoding} nemá"
    sh.replace_file(file.path, data)
    return note


def format_value(value: object, *, decimal_comma: bool) -> str:
    """A cell as text: whole numbers without decimals, a decimal comma for ``;`` files.

    Examples
    --------
    >>> format_value(95.0, decimal_comma=True), format_value(49.2118, decimal_comma=True)
    ('95', '49,2118')
    """
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # every digit of the float, without grouping; the decimal sign of Czech or English (babel's CLDR data)
        return format_decimal(decimal.Decimal(repr(value)), format="0.#", locale="cs" if decimal_comma else "en", decimal_quantization=False)
    return "" if value is None else str(value)


def referenced_ids(folder: Path) -> dict[str, str]:
    """Service ids that other sheets of the folder refer to (``sluzba_id``), with the first file naming each."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.csv")) + sorted(folder.glob("*.xlsx")):
        if path.stem in (FILES.services, Path(CHANGE_LOG).stem) or path.name.startswith((".", "~$")):
            continue
        try:
            tables = {path.name: sh.read_sheet(path).frame} if path.suffix == ".csv" else pd.read_excel(path, sheet_name=None, dtype=str)
        except Exception as exc:  # an unreadable sheet is load_region's to report
            log.info("%s not searched for service ids: %s", path.name, exc)
            continue
        for frame in tables.values():
            for column in [c for c in frame.columns if sh.normalise_header(c) == "sluzba_id"]:
                for sid in frame[column].dropna():
                    found.setdefault(str(sid).strip(), path.name)
    return found


def merge_rows(
    file: ServicesFile,
    imported: list[dict],
    *,
    referenced: dict[str, str],
) -> tuple[list[dict[str, str]], list[Change]]:
    """The rows to write and what changed, matching registry rows by (``rpss_id``, form)."""
    fmt = _formatter(file.decimal_comma)
    incoming = {(row["rpss_id"], _form(row["forma"])): row for row in imported}
    taken = {row.get("id", "") for row in file.rows}
    rows: list[dict[str, str]] = []
    changes: list[Change] = []
    for old in file.rows:
        k = (old.get("rpss_id", "").strip(), _form(old.get("forma", "")))
        if not k[0]:
            rows.append(old)
        elif k in incoming:
            rows.append(_update(old, incoming.pop(k), fmt, changes))
        elif old.get("id", "") in referenced:
            rows.append(old | {"rpss_stav": GONE})
            if old.get("rpss_stav") != GONE:
                changes.append(_change(REMOVED, old, poznamka=f"ponechána v {file.path.name}: odkazuje na ni {referenced[old['id']]}"))
        else:
            changes.append(_change(REMOVED, old))
    for row in sorted(incoming.values(), key=lambda r: r["id"]):
        new = {k: fmt(v) for k, v in row.items()}
        new["id"] = _free_id(new["id"], taken)
        taken.add(new["id"])
        rows.append(new)
        changes.append(_change(ADDED, new))
    return rows, changes


def _update(old: dict[str, str], row: dict, fmt: Callable[[object], str], changes: list[Change]) -> dict[str, str]:
    new = dict(old)
    hidden = row["poloha"] == HIDDEN
    if not hidden and _own_coordinates(old, row):
        row = row | {"lat": old["lat"], "lon": old["lon"], "poloha": COORDINATOR}
    for column in (*REGISTRY, "lat", "lon"):
        value = fmt(row.get(column, ""))
        if column in KEEP_IF_EMPTY and not value and not (column == "adresa" and hidden):
            continue
        if _same(column, old.get(column, ""), value):
            continue
        new[column] = value
        if column not in QUIET:
            changes.append(_change(CHANGED, new, column, old.get(column, ""), value))
    if not new.get("nazev"):
        new["nazev"] = fmt(row["nazev"])
    return new


def _own_coordinates(old: dict[str, str], row: dict) -> bool:
    """Whether the sheet has coordinates of its own (not the import's point) in the registry's municipality."""
    if old.get("kod_obce", "").strip() != row["kod_obce"]:
        return False
    try:
        lat, lon = sh.parse_number(old.get("lat", "")), sh.parse_number(old.get("lon", ""))
    except ValueError:
        return False
    return old.get("poloha") == COORDINATOR or abs(lat - row["lat"]) > 2e-5 or abs(lon - row["lon"]) > 2e-5


def _change(kind: str, row: dict[str, str], column: str = "", old: str = "", new: str = "", poznamka: str = "") -> Change:
    return Change(kind, row.get("id", ""), row.get("rpss_id", ""), row.get("nazev", ""), column, old, new, poznamka)


def _formatter(decimal_comma: bool) -> Callable[[object], str]:
    return lambda value: format_value(value, decimal_comma=decimal_comma)


def _free_id(wanted: str, taken: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    return candidate


def _form(text: str) -> str:
    try:
        return normalise_form(text)
    except ValueError:
        return fold(text)


def _canonical(column: str, text: str) -> object:
    """What a cell means, so that ``§49`` equals ``domovy pro seniory`` and ``49,2`` equals ``49.2``."""
    if column == "druh":
        return normalise_service_type(text)
    if column == "cilove_skupiny":
        return frozenset(target_groups(text))
    if column in ("kapacita", "lat", "lon"):
        return round(sh.parse_number(text), 5)
    if column == "ico":
        return text.strip().zfill(8)
    return " ".join(text.split())


def _same(column: str, old: str, new: str) -> bool:
    try:
        return _canonical(column, old) == _canonical(column, new)
    except ValueError:
        return " ".join(old.split()) == " ".join(new.split())


def append_change_log(folder: Path, changes: Iterable[Change], today: dt.date) -> Path:
    """Add the changes of one import to ``rpss_zmeny.csv`` (UTF-8 with BOM, ``;``), keeping earlier imports."""
    path = folder / CHANGE_LOG
    previous = sh.decode(path.read_bytes()) if path.exists() else ""
    rows = [] if previous.strip() else [LOG_COLUMNS]
    rows += [[today.isoformat(), c.zmena, c.id, c.rpss_id, c.nazev, c.sloupec, c.puvodne, c.nove, c.poznamka] for c in changes]
    glue = "" if not previous or previous.endswith("\n") else "\r\n"
    sh.replace_file(path, (previous + glue + sh.write_rows(rows)).encode("utf-8-sig"))
    return path
