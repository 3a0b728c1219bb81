"""Exceptions and warnings of kpwork.

Every error a user can fix derives from :class:`KpworkError`; the CLI prints
its message and exits with status 1. Input problems are collected as
:class:`Problem` records and raised together as one :class:`InvalidRegion`.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path


class KpworkError(Exception):
    """Base class of all errors a user can act on."""


class KpworkWarning(UserWarning):
    """Data the user should look at, but that does not stop the analysis."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place of the input.

    Rows are numbered as a person sees them in Excel: the header is row 1,
    the first data row is row 2.

    Examples
    --------
    >>> str(Problem("services.csv", 4, "kapacita", "must be >= 0, got -5"))
    'services.csv:4: kapacita: must be >= 0, got -5'
    """

    file: str
    row: int | None
    column: str | None
    message: str
    #: What the row is about, ``(kind, code, name)``: ``("service", "S03", "Domov …")``
    #: or ``("municipality", "585599", "Otrokovice")``; the commands name it (:mod:`kpwork.messages`).
    subject: tuple[str, str, str] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        row = "-" if self.row is None else str(self.row)
        return f"{self.file}:{row}: {self.column or '-'}: {self.message}"


class InvalidRegion(KpworkError, ValueError):
    """The region's input files have problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))


class InvalidParameter(KpworkError, ValueError):
    """A function or command was called with a value it cannot use."""


class RunError(KpworkError):
    """A run failed; nothing of it was published.

    Parameters
    ----------
    message
        What went wrong, in words for the user.
    notebook, cell, kod_obce
        Where it went wrong, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        notebook: str | None = None,
        cell: int | None = None,
        kod_obce: str | None = None,
    ):
        self.notebook = notebook
        self.cell = cell
        self.kod_obce = kod_obce
        self.detail = message
        where = []
        if notebook:
            where.append(f"notebook {notebook}")
        if cell is not None:
            where.append(f"cell {cell}")
        if kod_obce:
            where.append(f"municipality {kod_obce}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)


#: What the operating system says when writing fails, in words for the user.
WRITE_ERRORS = {
    errno.ENOSPC: "na disku došlo místo",
    errno.EDQUOT: "byla překročena kvóta disku",
    errno.EROFS: "složka je jen pro čtení",
    errno.EACCES: "do složky nelze zapisovat (chybí oprávnění)",
    errno.EPERM: "do složky nelze zapisovat (chybí oprávnění)",
}


def write_failure(exc: OSError, where: str | Path | None = None, *, what: str = "nic nebylo zapsáno") -> KpworkError | None:
    """A one-line error for a write that failed for a reason the user can fix (full disk, read-only or forbidden folder).

    Parameters
    ----------
    exc
        The error of the write.
    where
        The path to name when ``exc`` names none.
    what
        What was (not) left behind, for the end of the message.

    Returns
    -------
    KpworkError or None
        None when ``exc`` is another kind of error (a bug keeps its traceback).

    Examples
    --------
    >>> str(write_failure(OSError(errno.ENOSPC, "No space left on device", "out/mezery.csv")))
    'out/mezery.csv: na disku došlo místo; uvolněte místo nebo zvolte jinou složku (u běhu --out) a spusťte příkaz znovu; nic nebylo zapsáno'
    """
    if exc.errno not in WRITE_ERRORS:
        return None
    return KpworkError(f"{exc.filename or where}: {WRITE_ERRORS[exc.errno]}; uvolněte místo nebo zvolte jinou složku (u běhu --out) a spusťte příkaz znovu; {what}")
