"""PDFs of a run's pages for councils, printed by a headless Chromium (``--print-to-pdf``).

The exported pages carry a print style (``kpwork/templates/kpwork``: no
controls, A4, page breaks between sections, maps sized for the page), so the
PDF is what a browser's "Print" gives. Chromium is not a Python package: a
coordinator installs it (Debian ``chromium``); without it
:func:`print_pages` raises :class:`ChromiumMissing` with a Czech message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kpwork.errors import KpworkError
from kpwork.execution import SHARED_CSS

#: Pages of a run printed by ``kpwork run --pdf`` (those a council reads), in order.
PDF_PAGES = ("region", "financovani", "monitoring")
#: Executables tried in order, unless ``KPWORK_CHROMIUM`` names one.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds Chromium may take per page (the maps are drawn by JavaScript before printing).
TIMEOUT = 120
#: Milliseconds of virtual time Chromium gives a page's scripts before printing.
VIRTUAL_TIME_MS = 5000


class ChromiumMissing(KpworkError):
    """No Chromium to print PDFs with."""


def find_chromium() -> str | None:
    """The Chromium to print with: ``KPWORK_CHROMIUM``, else the first of :data:`CHROMIUM_NAMES` on the PATH."""
    named = os.environ.get("KPWORK_CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def print_pages(html_dir: str | Path, out_dir: str | Path, *, pages: Sequence[str] = PDF_PAGES) -> list[Path]:
    """Print the run's pages of ``pages`` that exist in ``html_dir`` to ``out_dir/<page>.pdf``.

    Parameters
    ----------
    html_dir
        The run's ``html/`` folder.
    out_dir
        Where the PDFs go (created).
    pages
        Page names (``region``, ``financovani``, ``monitoring``, ``obec_585599`` ...).

    Returns
    -------
    list of Path
        The PDFs written.

    Raises
    ------
    ChromiumMissing
        When no Chromium is installed.
    KpworkError
        When Chromium fails on a page (its message is included).
    """
    chromium = find_chromium()
    if chromium is None:
        raise ChromiumMissing(
            "PDF nelze vytvořit: na počítači není nainstalovaný prohlížeč Chromium. Nainstalujte ho "
            "(Debian/Ubuntu: sudo apt install chromium) nebo nastavte proměnnou KPWORK_CHROMIUM na cestu k němu; "
            "stránky v HTML lze vytisknout do PDF i z prohlížeče (Ctrl+P)."
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in pages:
        page = Path(html_dir) / f"{name}.html"
        if page.exists():
            written.append(_print(chromium, page, out / f"{name}.pdf"))
    return written


#: Print style put into each map's own document (a map is an ``<iframe srcdoc>``; the page's style does not reach in).
_MAP_PRINT = "&lt;style&gt;@media print{.leaflet-control-zoom,.leaflet-control-layers{display:none !important}}&lt;/style&gt;&lt;/head&gt;"


def printable(html: str) -> str:
    """A page whose maps print without their zoom and layer controls.

    Examples
    --------
    >>> "leaflet-control-layers" in printable('<iframe srcdoc="&lt;head&gt;&lt;/head&gt;"></iframe>')
    True
    """
    return html.replace("&lt;/head&gt;", _MAP_PRINT)


def _print(chromium: str, page: Path, pdf: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="kpwork-chromium-") as profile:
        copy = Path(profile) / page.name
        copy.write_text(printable(page.read_text(encoding="utf-8")), encoding="utf-8")
        if (page.parent / SHARED_CSS).exists():  # the style the page links, beside its copy
            shutil.copyfile(page.parent / SHARED_CSS, Path(profile) / SHARED_CSS)
        command = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--no-pdf-header-footer", f"--user-data-dir={Path(profile) / 'profile'}",
            f"--virtual-time-budget={VIRTUAL_TIME_MS}", f"--print-to-pdf={pdf.resolve()}", copy.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise KpworkError(f"PDF stránky {page.name} se nepodařilo vytvořit (Chromium skončil s kódem {done.returncode}): {done.stderr.strip()[-500:]}")
    return pdf
