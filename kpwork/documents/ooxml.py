"""Office files (``.xlsx``, ``.docx``) with the same bytes for the same content.

Word and Excel files are ZIP archives; openpyxl and python-docx stamp every
entry with the time of writing and the document properties with "created"
and "modified". :func:`stable_zip` rewrites an archive with every entry dated
the run's reference date, so two runs of the same inputs on the same day
(two workers, a reproduction) write byte-identical files and the manifest's
hashes mean something.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

#: The document properties part and its "modified" time (openpyxl writes the time of saving there).
CORE = "docProps/core.xml"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def stamp(day: dt.date) -> dt.datetime:
    """Midnight of ``day``: the time written into a document's properties."""
    return dt.datetime(day.year, day.month, day.day)


def stable_zip(path: str | Path, day: dt.date) -> Path:
    """Rewrite the archive at ``path`` in place: entries in the same order, each dated ``day``, deflated, modified on ``day``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     p = Path(folder) / "a.zip"
    ...     with zipfile.ZipFile(p, "w") as z:
    ...         z.writestr("x.xml", "<x/>")
    ...     _ = stable_zip(p, dt.date(2025, 3, 1))
    ...     zipfile.ZipFile(p).infolist()[0].date_time
    (2025, 3, 1, 0, 0, 0)
    """
    path = Path(path)
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    iso = f"{stamp(day).isoformat()}Z".encode()
    entries = [(name, _MODIFIED.sub(rb"\g<1>" + iso + rb"\g<2>", data) if name == CORE else data) for name, data in entries]
    when = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, data)
    tmp.replace(path)
    return path
