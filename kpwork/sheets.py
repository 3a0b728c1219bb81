"""Reading sheets as coordinators keep them: CSV from Excel or XLSX.

CSV comes in UTF-8, UTF-8 with BOM or cp1250 (Czech Windows Excel), with
``;`` or ``,`` between fields and a decimal comma; XLSX comes with numbers
where codes were meant. Everything is read as text, so that codes keep their
leading zeros and a bad cell can be reported with its row and column; columns
are converted by the parsers below, which collect problems instead of raising
at the first one.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpwork.config import SHEET_EXTENSIONS
from kpwork.errors import Problem
from kpwork.taxonomy import fold

#: First data row as Excel numbers it (the header is row 1).
FIRST_ROW = 2


@dataclass
class Sheet:
    """One table read from a file, all cells as stripped text ('' when empty).

    ``frame`` has a RangeIndex; ``row(i)`` is the row of ``frame.iloc[i]`` as
    Excel shows it (the header is row 1). Empty rows are dropped from
    ``frame`` but still counted, so the numbers match what the user sees.
    ``problems`` are those found while reading (e.g. a row with more values
    than the header has columns).
    """

    file: str
    frame: pd.DataFrame
    numeric_cells: set[tuple[int, str]] = field(default_factory=set)
    rows: list[int] | None = None
    problems: list[Problem] = field(default_factory=list)

    def row(self, i: int) -> int:
        """Row number of position ``i`` as Excel shows it."""
        if self.rows is not None:
            return self.rows[i]
        return i + FIRST_ROW


def normalise_header(name: object) -> str:
    """Column name as kpwork uses it: ASCII snake_case.

    Examples
    --------
    >>> normalise_header("\\ufeffKód obce ")
    'kod_obce'
    """
    text = fold(str(name).replace("\ufeff", ""))
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def decode(raw: bytes) -> str:
    """Text of a CSV file in UTF-8 (with or without BOM), UTF-16 with BOM or cp1250.

    Examples
    --------
    >>> decode("Bělov".encode("cp1250"))
    'Bělov'
    >>> decode("\\ufeffBělov".encode("utf-8"))
    'Bělov'
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1250")


def sniff_delimiter(text: str) -> str:
    """``;``, ``,`` or tab, whichever splits the header line into most fields.

    Examples
    --------
    >>> sniff_delimiter("kod_obce;nazev;lat\\n585599;Otrokovice;49,2")
    ';'
    """
    header = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: len(next(csv.reader([header], delimiter=d))) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ";"))


def read_csv_text(text: str, file: str) -> Sheet:
    """Parse CSV text into a :class:`Sheet` (all cells as text).

    The first non-empty line is the header. A row with fewer values than the
    header is padded with empty cells; values beyond the header's columns are
    reported in ``Sheet.problems``.

    Examples
    --------
    >>> sheet = read_csv_text("kod_obce;kapacita\\n585599;12,5\\n\\n585513;3\\n", "x.csv")
    >>> sheet.frame["kapacita"].tolist(), [sheet.row(i) for i in range(2)]
    (['12,5', '3'], [2, 4])
    """
    delimiter = sniff_delimiter(text)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    start = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), len(records))
    if start == len(records):
        raise ValueError("the file is empty; expected a header row with the column names")
    header = records[start]
    width = len(header)
    problems: list[Problem] = []
    data, rows = [], []
    for i in range(start + 1, len(records)):
        cells = records[i]
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            problems.append(Problem(file, i + 1, None, f"{width + len(extra)} values but the header has {width} columns; values beyond the last column are ignored ({', '.join(extra)})"))
        data.append((cells + [""] * width)[:width])
        rows.append(i + 1)
    frame = pd.DataFrame(data, columns=header, dtype=object)
    sheet = _clean(frame, file, rows)
    sheet.problems = problems + sheet.problems
    return sheet


def read_xlsx(path: Path, *, sheet_name: str | int = 0) -> Sheet:
    """Read one worksheet of an XLSX file; numeric cells are remembered."""
    frame = pd.read_excel(path, sheet_name=sheet_name, dtype=object)
    numeric: set[tuple[int, str]] = set()
    out = {}
    for col in frame.columns:
        values = []
        for i, v in enumerate(frame[col].tolist()):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                values.append("")
            elif isinstance(v, bool):
                values.append(str(v))
            elif isinstance(v, int | float):
                numeric.add((i, normalise_header(col)))
                values.append(_format_number(v))
            elif isinstance(v, pd.Timestamp):
                values.append(v.date().isoformat() if v == v.normalize() else v.isoformat())
            else:
                values.append(str(v))
        out[col] = values
    label = path.name if sheet_name == 0 else f"{path.name}[{sheet_name}]"
    rows = [i + FIRST_ROW for i in range(len(frame))]
    return _clean(pd.DataFrame(out, columns=frame.columns), label, rows, numeric)


def _format_number(v: float) -> str:
    if float(v).is_integer():
        return str(int(v))
    return repr(float(v))


def _clean(frame: pd.DataFrame, file: str, rows: list[int], numeric: set[tuple[int, str]] = frozenset()) -> Sheet:
    problems: list[Problem] = []
    names = [normalise_header(c) for c in frame.columns]
    keep, seen = [], set()
    for j, name in enumerate(names):
        if not name or name.startswith("unnamed"):
            continue
        if name in seen:
            problems.append(Problem(file, 1, name, f"column '{frame.columns[j]}' appears twice; only the first is read"))
            continue
        seen.add(name)
        keep.append(j)
    frame = frame.iloc[:, keep].copy()
    frame.columns = [names[j] for j in keep]
    frame = frame.apply(lambda s: s.map(lambda v: "" if v is None else str(v).strip())).astype(object)
    # Excel leaves rows of empty cells behind deleted data; they keep their number
    filled = ~(frame == "").all(axis=1).to_numpy() if len(frame.columns) else [False] * len(frame)
    positions = [i for i, f in enumerate(filled) if f]
    new_position = {old: new for new, old in enumerate(positions)}
    frame = frame.iloc[positions].reset_index(drop=True)
    cells = {(new_position[i], c) for i, c in numeric if i in new_position}
    return Sheet(file=file, frame=frame, numeric_cells=cells, rows=[rows[i] for i in positions], problems=problems)


def find_sheet(folder: Path, base: str) -> Path | None:
    """``base.csv`` or ``base.xlsx`` in ``folder``, whichever exists (CSV first)."""
    for ext in (".csv", ".xlsx"):
        candidate = folder / f"{base}{ext}"
        if candidate.exists():
            return candidate
    return None


def read_sheet(path: Path) -> Sheet:
    """Read a CSV or XLSX file into a :class:`Sheet`."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path)
    return read_csv_text(decode(path.read_bytes()), path.name)


class ProblemLog:
    """Collects problems of one or more files; raised together at the end."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)


def require_columns(sheet: Sheet, columns: Iterable[str], log: ProblemLog) -> bool:
    """Report each missing column; True when all are present."""
    missing = [c for c in columns if c not in sheet.frame.columns]
    for c in missing:
        found = ", ".join(sheet.frame.columns) or "none"
        log.add(sheet.file, 1, c, f"missing column (columns found: {found})")
    return not missing


_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")


def parse_number(text: str) -> float:
    """A number as Czech Excel writes it: decimal comma, spaces between thousands.

    Examples
    --------
    >>> parse_number("1 234,5")
    1234.5
    >>> parse_number("12.5")
    12.5
    """
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not _NUMBER.match(cleaned):
        raise ValueError(text)
    return float(cleaned.replace(",", "."))


def parse_column(
    sheet: Sheet,
    column: str,
    parse: Callable[[str], object],
    log: ProblemLog,
    *,
    required: bool = True,
    expected: str = "",
    default: object = None,
) -> list:
    """Apply ``parse`` to every cell of ``column``; log a problem per bad cell.

    Empty cells give ``default`` (and a problem when ``required``).
    """
    values: list = []
    for i, text in enumerate(sheet.frame[column].tolist()):
        if text == "":
            if required:
                log.add(sheet.file, sheet.row(i), column, f"missing value; expected {expected}")
            values.append(default)
            continue
        try:
            values.append(parse(text))
        except ValueError as exc:
            detail = str(exc) if str(exc) and str(exc) != text else ""
            message = detail or f"expected {expected or 'a valid value'}, got '{text}'"
            log.add(sheet.file, sheet.row(i), column, message)
            values.append(default)
    return values


def non_negative(text: str) -> float:
    """A number >= 0."""
    value = parse_number(text)
    if value < 0:
        raise ValueError(f"must be >= 0, got {text}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0 (``12,0`` from Excel is accepted)."""
    value = non_negative(text)
    if not float(value).is_integer():
        raise ValueError(f"must be a whole number, got {text}")
    return int(value)


def kod_obce(text: str) -> str:
    """A 6-digit municipality code, kept as text.

    Examples
    --------
    >>> kod_obce("585599")
    '585599'
    """
    code = text.strip()
    if code.endswith(".0"):
        code = code[:-2]
    if not re.fullmatch(r"\d{6}", code):
        raise ValueError(f"must be a 6-digit municipality code (kód obce), got '{text}'")
    return code


def split_list(text: str) -> list[str]:
    """Items of a comma- or semicolon-separated cell.

    Examples
    --------
    >>> split_list("senioři, osoby se zdravotním postižením")
    ['senioři', 'osoby se zdravotním postižením']
    """
    return [item.strip() for item in re.split(r"[,;|]", text) if item.strip()]


def read_workbook(folder: Path, base: str) -> tuple[list[Path], dict[str, Sheet]] | None:
    """All tables of an input that may span several sheets, or None when absent.

    ``base.xlsx`` gives one table per worksheet, keyed by its normalised name;
    otherwise ``base.csv`` is keyed ``base`` and each ``base_<name>.csv`` is
    keyed ``<name>``. A one-table input uses the first value.
    """
    xlsx = folder / f"{base}.xlsx"
    if xlsx.exists():
        with pd.ExcelFile(xlsx) as book:
            names = book.sheet_names
        return [xlsx], {normalise_header(n): read_xlsx(xlsx, sheet_name=n) for n in names}
    paths = sorted(folder.glob(f"{base}_*.csv"))
    single = folder / f"{base}.csv"
    if single.exists():
        paths.insert(0, single)
    if not paths:
        return None
    tables = {}
    for p in paths:
        key = base if p == single else p.stem[len(base) + 1 :]
        tables[normalise_header(key)] = read_sheet(p)
    return paths, tables


def year(text: str, *, first: int = 1900, last: int = 2100) -> int:
    """A calendar year between ``first`` and ``last``.

    Examples
    --------
    >>> year("2024")
    2024
    """
    value = non_negative_int(text)
    if not first <= value <= last:
        raise ValueError(f"expected a year such as 2024, got {text}")
    return value


def is_blank(value: object) -> bool:
    """True for None, NaN and text of only white space."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def open_sheet(folder: Path, base: str, problems: ProblemLog, inputs: list[Path], *, required: bool = True) -> Sheet | None:
    """The sheet ``base.csv`` or ``base.xlsx`` of a folder, its problems added to ``problems``.

    When both exist, the one with rows is read (``kpwork init`` writes both
    empty); both holding rows is a problem. The path read is appended to
    ``inputs``. A missing file is a problem when ``required``.
    """
    paths = [folder / f"{base}{ext}" for ext in SHEET_EXTENSIONS if (folder / f"{base}{ext}").exists()]
    if not paths:
        if required:
            problems.add(f"{base}.csv", None, None, f"file not found (nor {base}.xlsx)")
        return None
    sheets = []
    for path in paths:
        try:
            sheets.append((path, read_sheet(path)))
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


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place.

    A region file kpwork writes (services.csv after an import or a catalogue
    merge, population.csv, a change log) is either the old one or the whole
    new one, never half written.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


#: First characters that make a spreadsheet read a text cell as a formula (or DDE payload).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """A cell value safe to write into a workbook: text that would start a formula gets a leading apostrophe.

    Text taken from a region's sheets (names, providers, comments) is written
    into the run's workbooks; a text starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return would be read as a formula by Excel or
    LibreOffice. Numbers, dates and None are returned unchanged.

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(\\"x\\")"), neutralise_formula("Otrokovice"), neutralise_formula(-5)
    ('\\'=HYPERLINK("x")', 'Otrokovice', -5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
