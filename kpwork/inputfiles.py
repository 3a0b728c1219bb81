"""Input files read once, recorded, and checked against limits before they are parsed.

Every file of a region is read through :func:`read_input`: its bytes are
read once, their SHA-256 recorded (within :func:`recording_inputs`, as the
run's manifest needs: the digest of the bytes that were parsed), and a file
that no real region has (a device, a pipe, hundreds of megabytes, an XLSX
that expands a thousandfold, a sheet declaring millions of rows) is refused
with :class:`UnreadableFile` before any parser sees it. The limits are
:data:`kpwork.config.LIMITS`; docs/security.md lists them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from kpwork.config import LIMITS


class UnreadableFile(ValueError):
    """An input file kpwork cannot or will not read; the message says why and what to do.

    ``file`` names the file when the reader knows it (:func:`read_workbook`).
    """

    file: str | None = None


_DIGESTS: ContextVar[dict[str, tuple[str, int]] | None] = ContextVar("kpwork_input_digests", default=None)


@contextlib.contextmanager
def recording_inputs() -> Iterator[dict[str, tuple[str, int]]]:
    """Record every file :func:`read_input` reads inside the block: absolute path -> (sha256, bytes).

    The digest is of the bytes that were parsed, taken as they were read: the
    manifest of a run records exactly what its results came from.
    """
    token = _DIGESTS.set({})
    try:
        yield _DIGESTS.get()
    finally:
        _DIGESTS.reset(token)


def read_input(path: Path) -> bytes:
    """The bytes of an input file, read once, checked against :data:`~kpwork.config.LIMITS` and recorded.

    Raises
    ------
    UnreadableFile
        When the path is not a regular file, is larger than the limit, or
        changed between two reads of the same load.
    """
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile("není obyčejný soubor; uložte data do souboru ve složce regionu")
        if info.st_size > LIMITS.file_bytes:
            raise UnreadableFile(f"soubor má {info.st_size / 2**20:.0f} MiB, víc než kpwork čte ({LIMITS.file_bytes / 2**20:.0f} MiB); žádný region tolik dat nemá: zkontrolujte, že je to správný soubor")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableFile("soubor nebyl nalezen (smazán nebo přesunut?); zkontrolujte, že je na svém místě, a spusťte příkaz znovu") from exc
    except PermissionError as exc:
        raise UnreadableFile("soubor nelze číst (chybí oprávnění); povolte čtení souboru") from exc
    record = _DIGESTS.get()
    if record is not None:
        digest = (hashlib.sha256(raw).hexdigest(), len(raw))
        key = os.path.abspath(path)
        if record.setdefault(key, digest) != digest:
            raise UnreadableFile("soubor se změnil během čtení; počkejte, až ho program, který ho ukládá, dopíše, a spusťte příkaz znovu")
    return raw


def _count(n: float) -> str:
    """A count as Czech writes it in messages: ``1 000 000``."""
    return f"{round(n):,}".replace(",", " ")


def check_xlsx(raw: bytes) -> None:
    """Refuse an XLSX that is not a zip, or whose parts expand beyond :data:`~kpwork.config.LIMITS`.

    Only the zip directory (and the head of each worksheet) is read, so a
    small file that would expand to gigabytes is refused before any parsing.

    Raises
    ------
    UnreadableFile
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            parts = book.infolist()
            expanded = sum(p.file_size for p in parts)
            if expanded > LIMITS.xlsx_expanded_bytes:
                raise UnreadableFile(f"sešit by se rozbalil na {_count(expanded / 2**20)} MiB, víc než kpwork čte ({LIMITS.xlsx_expanded_bytes / 2**20:.0f} MiB); žádný region tolik dat nemá: zkontrolujte, že je to správný soubor")
            for part in parts:
                if part.file_size > 2**20 and part.file_size > LIMITS.xlsx_ratio * max(part.compress_size, 1):
                    raise UnreadableFile(f"část {part.filename} by se rozbalila {_count(part.file_size // max(part.compress_size, 1))}krát (víc než {LIMITS.xlsx_ratio}krát); takový sešit Excel neuloží: zkontrolujte, že je to správný soubor")
                if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                    _check_dimension(book, part)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise UnreadableFile("není platný sešit XLSX (poškozený nebo jiný formát); otevřete ho v Excelu a uložte znovu jako Sešit Excelu (.xlsx)") from exc


def _check_dimension(book: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """The rows and cells a worksheet declares in its ``<dimension ref="A1:Z900000"/>``."""
    with book.open(part) as f:
        head = f.read(4096).decode("utf-8", "replace")
    match = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"', head)
    if not match:
        return
    letters, rows = match.groups()
    columns = 0
    for ch in letters:
        columns = columns * 26 + ord(ch) - 64
    if int(rows) - 1 > LIMITS.rows or int(rows) * columns > LIMITS.cells:
        raise UnreadableFile(f"list má {_count(int(rows))} řádků a {columns} sloupců, víc než kpwork čte ({_count(LIMITS.rows)} řádků, {_count(LIMITS.cells)} buněk); smažte prázdné řádky a sloupce pod a vedle dat")


def check_rows(n_rows: int, width: int | None, max_rows: int = LIMITS.rows) -> None:
    """Refuse a table beyond the limits; ``width`` None before parsing (lines counted, columns not yet known)."""
    if n_rows > max_rows or n_rows * (width or 1) > LIMITS.cells:
        columns = f" a {width} sloupců" if width is not None else ""
        raise UnreadableFile(f"tabulka má {_count(n_rows)} řádků{columns}, víc než kpwork v tomto souboru čte ({_count(max_rows)} řádků, {_count(LIMITS.cells)} buněk); žádný region tolik dat nemá: zkontrolujte, že je to správný soubor")
