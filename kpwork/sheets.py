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
import dataclasses
import io
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpwork.config import LIMITS, SHEET_EXTENSIONS
from kpwork.errors import Problem
from kpwork.inputfiles import UnreadableFile, check_rows, check_xlsx, read_input
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
    try:
        if raw.startswith(b"\xef\xbb\xbf"):
            return raw[3:].decode("utf-8")
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
            return raw.decode("utf-16")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1250")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"text není v kódování UTF-8 ani cp1250 (bajt 0x{raw[exc.start]:02x} na pozici {exc.start}); uložte soubor v Excelu jako CSV UTF-8 (nebo v editoru v UTF-8)") from exc


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


def read_rows(text: str, delimiter: str) -> list[list[str]]:
    """The records of CSV text, each cell as :func:`write_rows` wrote it (:func:`restore_formula`).

    Examples
    --------
    >>> read_rows("nazev;n\\n'=A1;-5\\n", ";")
    [['nazev', 'n'], ['=A1', '-5']]
    """
    return [[restore_formula(c) if c.startswith("'") else c for c in record] for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


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
    records = read_rows(text, delimiter)
    start = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), len(records))
    if start == len(records):
        raise ValueError("the file is empty; expected a header row with the column names")
    header = records[start]
    width = len(header)
    check_rows(len(records) - start - 1, width)
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


# --- XLSX (read through kpwork.inputfiles) --------------------------------------------------


def open_xlsx(path: Path) -> pd.ExcelFile:
    """An XLSX input read once (:func:`read_input`), checked by :func:`check_xlsx`, opened for its sheets.

    Raises
    ------
    UnreadableFile
    """
    raw = read_input(path)
    check_xlsx(raw)
    try:
        return pd.ExcelFile(io.BytesIO(raw), engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise UnreadableFile(f"není platný sešit XLSX ({type(exc).__name__}); otevřete ho v Excelu a uložte znovu jako Sešit Excelu (.xlsx)") from exc


def read_xlsx(path: Path, *, sheet_name: str | int = 0, book: pd.ExcelFile | None = None) -> Sheet:
    """Read one worksheet of an XLSX file; numeric cells are remembered.

    ``book`` is the file already opened by :func:`open_xlsx` (to read several sheets of one reading).
    """
    if book is None:
        with open_xlsx(path) as opened:
            return read_xlsx(path, sheet_name=sheet_name, book=opened)
    try:
        frame = pd.read_excel(book, sheet_name=sheet_name, dtype=object)
    except (KeyError, IndexError, ValueError) as exc:
        if isinstance(exc, ValueError) and "not found" not in str(exc):
            raise UnreadableFile(f"list {sheet_name} nelze přečíst ({type(exc).__name__}); otevřete sešit v Excelu a uložte ho znovu") from exc
        raise
    except Exception as exc:  # broken XML inside a valid zip
        raise UnreadableFile(f"list {sheet_name} nelze přečíst ({type(exc).__name__}); otevřete sešit v Excelu a uložte ho znovu") from exc
    check_rows(len(frame), len(frame.columns))
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


def read_sheet(path: Path, *, max_rows: int = LIMITS.rows) -> Sheet:
    """Read a CSV or XLSX file into a :class:`Sheet` (:func:`read_input`: once, recorded, within limits).

    Raises
    ------
    UnreadableFile
        When the file is not readable as a sheet or holds more than ``max_rows`` rows.
    """
    if path.suffix.lower() == ".xlsx":
        sheet = read_xlsx(path)
        check_rows(len(sheet.frame), len(sheet.frame.columns), max_rows)
        return sheet
    text = decode(read_input(path))
    check_rows(text.count("\n") - 1, None, max_rows)  # before parsing: lines bound the rows
    return read_csv_text(text, path.name)


class ProblemLog:
    """Collects problems of one or more files; raised together at the end.

    At most ``limit`` problems are kept per file (:data:`~kpwork.config.LIMITS`);
    the rest are counted, and ``problems`` ends each such file with one line
    saying how many more there are. ``len()`` counts them all.

    Examples
    --------
    >>> log = ProblemLog(limit=2)
    >>> for row in range(2, 7):
    ...     log.add("usage.csv", row, "klienti", "missing value")
    >>> len(log), [str(p) for p in log.problems][-1]
    (5, 'usage.csv:-: -: a dalších 3 problémů v tomto souboru (vypsáno prvních 2); opravte vypsané a spusťte kontrolu znovu')
    """

    def __init__(self, limit: int = LIMITS.problems_per_file) -> None:
        self.limit = limit
        self._kept: list[Problem] = []
        self._count: Counter[str] = Counter()

    @property
    def problems(self) -> list[Problem]:
        """The problems kept, then per file over the limit a line counting the rest."""
        more = [
            Problem(file, None, None, f"a dalších {n - self.limit} problémů v tomto souboru (vypsáno prvních {self.limit}); opravte vypsané a spusťte kontrolu znovu")
            for file, n in self._count.items() if n > self.limit
        ]
        return self._kept + more

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self._keep(Problem(file, row, column, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self._keep(problem)

    def full(self, file: str) -> bool:
        """True when ``file`` has as many problems as are listed (work on a message can be skipped)."""
        return self._count[file] >= self.limit

    def _keep(self, problem: Problem) -> None:
        self._count[problem.file] += 1
        if self._count[problem.file] <= self.limit:
            self._kept.append(problem)

    def name_subjects(self, sheet: Sheet, kind: str, code_column: str, *, name_column: str | None = None, names: Mapping[str, str] | None = None) -> None:
        """Say which service or municipality each problem of ``sheet`` concerns, by its row's ``code_column``.

        ``kind`` is ``"service"`` or ``"municipality"``; the name comes from
        ``name_column`` of the row or from ``names`` by code. A problem in
        the code column itself, or of a row without a code, is left as is.
        """
        if code_column not in sheet.frame.columns:
            return
        codes = sheet.frame[code_column].tolist()
        labels = sheet.frame[name_column].tolist() if name_column in sheet.frame.columns else None
        rows = {sheet.row(i): i for i in range(len(codes))}
        for n, p in enumerate(self._kept):
            i = rows.get(p.row) if p.file == sheet.file and p.subject is None and p.column != code_column else None
            if i is None or not str(codes[i]).strip():
                continue
            code = str(codes[i]).strip()
            name = str(labels[i]).strip() if labels is not None else (names or {}).get(code, "")
            self._kept[n] = dataclasses.replace(p, subject=(kind, code, name))

    def __bool__(self) -> bool:
        return bool(self._kept)

    def __len__(self) -> int:
        return sum(self._count.values())


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
        try:
            with open_xlsx(xlsx) as book:
                return [xlsx], {normalise_header(n): read_xlsx(xlsx, sheet_name=n, book=book) for n in book.sheet_names}
        except UnreadableFile as exc:
            exc.file = xlsx.name
            raise
    paths = sorted(folder.glob(f"{base}_*.csv"))
    single = folder / f"{base}.csv"
    if single.exists():
        paths.insert(0, single)
    if not paths:
        return None
    tables = {}
    for p in paths:
        key = base if p == single else p.stem[len(base) + 1 :]
        try:
            tables[normalise_header(key)] = read_sheet(p)
        except UnreadableFile as exc:
            exc.file = p.name
            raise
    return paths, tables


_MARKUP = re.compile(r"[<>]|\{[{%#]|(?:java|vb)\s*script\s*:", re.IGNORECASE)


def plain_name(text: str) -> str:
    """A name shown on pages and maps: text without markup.

    A name is never HTML nor template code: ``<``, ``>``, ``javascript:``,
    ``{{``, ``{%`` and ``{#`` in one are refused, so that no page or map
    tooltip can be made to run a script by the data, nor a template engine
    (folium's Jinja) to run code in the run. Pages escape every name anyway.

    Raises
    ------
    ValueError
        Naming the name and what to write instead.

    Examples
    --------
    >>> plain_name("Domov pro seniory Napajedla")
    'Domov pro seniory Napajedla'
    >>> plain_name("Obec<img src=x onerror=alert(1)>")
    Traceback (most recent call last):
    ...
    ValueError: název 'Obec<img src=x onerror=alert(1)>' obsahuje značky (<, >, javascript:, {{, {% nebo {#); název je prostý text: napište ho bez nich
    """
    if _MARKUP.search(text):
        raise ValueError(f"název {text!r} obsahuje značky (<, >, javascript:, {{{{, {{% nebo {{#); název je prostý text: napište ho bez nich")
    return text


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


def open_sheet(folder: Path, base: str, problems: ProblemLog, inputs: list[Path], *, required: bool = True, max_rows: int = LIMITS.rows) -> Sheet | None:
    """The sheet ``base.csv`` or ``base.xlsx`` of a folder, its problems added to ``problems``.

    When both exist, the one with rows is read (``kpwork init`` writes both
    empty); both holding rows is a problem. The path read is appended to
    ``inputs``. A missing file is a problem when ``required``. A sheet of
    more than ``max_rows`` rows is one problem (a CSV is refused before it is parsed).
    """
    paths = [folder / f"{base}{ext}" for ext in SHEET_EXTENSIONS if (folder / f"{base}{ext}").exists()]
    if not paths:
        if required:
            problems.add(f"{base}.csv", None, None, f"file not found (nor {base}.xlsx)")
        return None
    sheets = []
    for path in paths:
        try:
            sheets.append((path, read_sheet(path, max_rows=max_rows)))
        except UnreadableFile as exc:
            problems.add(path.name, None, None, str(exc))
            return None
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


# --- formulas in what kpwork writes --------------------------------------------------------

#: First characters that make Excel, LibreOffice or Google Sheets read a cell as a
#: formula (OWASP "CSV injection"): ``=``, ``+``, ``-``, ``@``, tab and carriage return.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def neutralise_formula(value: object) -> object:
    """``value`` as a spreadsheet must store it so that it never runs as a formula.

    The OWASP rule: a text starting with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return gets a leading apostrophe, so Excel shows it as text
    (``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``). Numbers, and a text that is
    a plain number (``-5``, ``-1,5``), stay as they are. A text that already
    starts with apostrophes before such a character gets one more, so
    :func:`restore_formula` gives back exactly the original.

    Parameters
    ----------
    value
        A cell value of any type.

    Returns
    -------
    object
        The value to write (a new ``str`` only when it was neutralised).

    Examples
    --------
    >>> neutralise_formula("=1+1"), neutralise_formula("-5"), neutralise_formula(-5)
    ("'=1+1", '-5', -5)
    >>> neutralise_formula("cmd|' /C calc'!A0"), neutralise_formula("@SUM(A1)")
    ("cmd|' /C calc'!A0", "'@SUM(A1)")
    """
    if not isinstance(value, str):
        return value
    if value.lstrip("'").startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def restore_formula(value: object) -> object:
    """The original of a value :func:`neutralise_formula` wrote (inverse of it).

    Examples
    --------
    >>> restore_formula("'=1+1"), restore_formula("'hello"), restore_formula("''=x")
    ('=1+1', "'hello", "'=x")
    """
    if isinstance(value, str) and value.startswith("'") and neutralise_formula(value[1:]) == value:
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) through :func:`neutralise_formula`.

    Numeric columns are left alone, so they stay numbers in the CSV.

    Examples
    --------
    >>> neutralise_frame(pd.DataFrame({"nazev": ["=A1", "Domov"], "n": [-1, 2]}))["nazev"].tolist()
    ["'=A1", 'Domov']
    """
    out = frame.copy()
    out.columns = [neutralise_formula(c) for c in out.columns]
    for column in out.columns[[not pd.api.types.is_numeric_dtype(t) for t in out.dtypes]]:
        out[column] = out[column].map(neutralise_formula)
    return out


def neutralise_workbook(book) -> None:
    """Make every text cell of an openpyxl workbook that could run as a formula plain text.

    openpyxl stores a text starting with ``=`` as a formula; such cells (and
    those starting with ``+``, ``-``, ``@``, tab or carriage return) become
    text cells (``data_type "s"``) with Excel's quote prefix: Excel shows the
    text as it is, and keeps it text when a user edits the cell. The value is
    not changed, so the workbook reads back as written.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and neutralise_formula(value) != value:
                    cell.data_type = "s"
                    cell.quotePrefix = True


def write_rows(rows: Iterable[Iterable[object]], *, delimiter: str = ";", newline: str = "\r\n") -> str:
    """CSV text of ``rows``, every cell through :func:`neutralise_formula`: kpwork's one CSV writer of region files."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerows([neutralise_formula(v) for v in row] for row in rows)
    return out.getvalue()


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

