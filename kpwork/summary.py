"""One-screen text summaries of a region, for the command line."""

from __future__ import annotations

import pandas as pd

from kpwork.pages.format import number
from kpwork.region import Region
from kpwork.taxonomy import FORMS, SERVICE_TYPES, paragraph_order


def describe_region(region: Region) -> str:
    """A short Czech/English summary of a valid region (what ``kpwork validate`` prints).

    Parameters
    ----------
    region
        A region loaded by :func:`kpwork.region.load_region`.

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
    >>> lines = describe_region(load_region("data/otrokovicko")).splitlines()
    >>> lines[0]
    'Otrokovicko (otrokovicko): OK'
    >>> lines[1]
    '  members: 8 municipalities, 29,945 inhabitants (2020)'
    """
    population = region.latest_population()
    services = region.services
    years = sorted(set(population["rok"]))
    lines = [
        f"{region.name} ({region.id}): OK",
        f"  members: {len(region.members)} municipalities, {number(population['obyvatele'].sum(), 'en')} inhabitants ({', '.join(map(str, years))})",
    ]
    lines.extend(_service_lines(services))
    lines.append(f"  usage: {len(region.usage)} rows, {number(region.usage['klienti'].sum(), 'en')} clients")
    if region.extras:
        lines.append("  also: " + ", ".join(sorted(region.extras)))
    lines.append(f"  files read: {len(region.inputs)}")
    return "\n".join(lines)


#: What ``kpwork validate`` says of a region without services (as ``kpwork init`` writes it).
NO_SERVICES = "  services: none yet; add them to services.csv or services.xlsx"


def _service_lines(services: pd.DataFrame) -> list[str]:
    if services.empty:
        return [NO_SERVICES]
    by_form = services["forma"].value_counts()
    types = services.groupby("druh").size().sort_index(key=lambda s: s.map(paragraph_order))
    return [
        f"  services: {len(services)} of {services['druh'].nunique()} types from {services['poskytovatel'].nunique()} providers",
        "    by form: " + ", ".join(f"{FORMS[f]} {by_form.get(f, 0)}" for f in FORMS),
        "    by type: " + ", ".join(f"§{d} {SERVICE_TYPES[d].name} {n}" for d, n in types.items()),
    ]
