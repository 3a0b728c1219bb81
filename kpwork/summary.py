"""One-screen text summaries of a region, for the command line, in Czech or English."""

from __future__ import annotations

import pandas as pd

from kpwork.pages.format import count
from kpwork.region import Region
from kpwork.taxonomy import FORMS, SERVICE_TYPES, paragraph_order

#: The lines of the summary: (Czech, English).
LINES: dict[str, tuple[str, str]] = {
    "members": ("  členské obce: {members}, {people} ({years})", "  members: {members}, {people} ({years})"),
    "services": ("  služby: {services} (druhů {types}, poskytovatelů {providers})", "  services: {services} of {types} types from {providers} providers"),
    "by_form": ("    podle formy: ", "    by form: "),
    "by_type": ("    podle druhu: ", "    by type: "),
    "usage": ("  využití: řádků {rows}, {clients}", "  usage: {rows} rows, {clients}"),
    "also": ("  další vstupy: ", "  also: "),
    "files": ("  přečtené soubory: {n}", "  files read: {n}"),
    "no_services": ("  služby: zatím žádné; doplňte je do tabulky služeb (services.csv nebo services.xlsx)",
                    "  services: none yet; add them to services.csv or services.xlsx"),
}


def _line(key: str, lang: str, **fields: object) -> str:
    text = LINES[key][0 if lang == "cs" else 1]
    return text.format(**fields) if fields else text


def describe_region(region: Region, *, lang: str = "cs") -> str:
    """A short summary of a valid region (what ``kpwork validate`` prints), Czech or English.

    Parameters
    ----------
    region
        A region loaded by :func:`kpwork.region.load_region`.
    lang
        ``"cs"`` or ``"en"``.

    Returns
    -------
    str
        Lines: name and ``OK``; members and inhabitants (latest year of
        each); services by form and by type (or that there are none yet,
        with where to add them); usage rows and clients; the
        optional inputs present (``also:``, when any); how many files were read.

    Examples
    --------
    The text starts with the region's name and how many members it has:

    >>> from kpwork.region import load_region
    >>> lines = describe_region(load_region("data/otrokovicko"), lang="en").splitlines()
    >>> lines[0]
    'Otrokovicko (otrokovicko): OK'
    >>> lines[1]
    '  members: 8 municipalities, 29,945 inhabitants (2020)'
    """
    population = region.latest_population()
    years = sorted(set(population["rok"]))
    people = population["obyvatele"].sum()
    lines = [
        f"{region.name} ({region.id}): OK",
        _line("members", lang, members=count(len(region.members), lang, "obec"), people=count(people, lang, "obyvatel"), years=", ".join(map(str, years))),
    ]
    lines.extend(_service_lines(region.services, lang))
    lines.append(_line("usage", lang, rows=len(region.usage), clients=count(region.usage["klienti"].sum(), lang, "klient")))
    if region.extras:
        lines.append(_line("also", lang) + ", ".join(sorted(region.extras)))
    lines.append(_line("files", lang, n=len(region.inputs)))
    return "\n".join(lines).replace("\u00a0", " ")  # a terminal, not a page: plain spaces


#: What ``kpwork validate`` says of a region without services (as ``kpwork init`` writes it), in English.
NO_SERVICES = LINES["no_services"][1]


def _service_lines(services: pd.DataFrame, lang: str) -> list[str]:
    if services.empty:
        return [_line("no_services", lang)]
    by_form = services["forma"].value_counts()
    types = services.groupby("druh").size().sort_index(key=lambda s: s.map(paragraph_order))
    n = len(services)
    return [
        _line("services", lang, services=count(n, lang, "služba") if lang == "cs" else n, types=services["druh"].nunique(), providers=services["poskytovatel"].nunique()),
        _line("by_form", lang) + ", ".join(f"{FORMS[f]} {by_form.get(f, 0)}" for f in FORMS),
        _line("by_type", lang) + ", ".join(f"§{d} {SERVICE_TYPES[d].name} {n}" for d, n in types.items()),
    ]
