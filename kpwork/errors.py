"""Exceptions and warnings of kpwork.

Every error a user can fix derives from :class:`KpworkError`; the CLI prints
its message and exits with status 1. Input problems are collected as
:class:`Problem` records and raised together as one :class:`InvalidRegion`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
