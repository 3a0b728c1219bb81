"""Importing a region's services from the registry's export: :func:`import_rpss`.

:func:`import_rpss` streams the registry's open-data export ``rpss.json``
(about 100 MB; layout in ``docs/rpss.md``) record by record, keeps the
services with a facility in a member municipality or a registered area that
covers a member, maps them onto :mod:`kpwork.taxonomy`, and merges them into
the region's ``services.csv`` by registry identifier, keeping the
coordinator's own columns. Every change is appended to ``rpss_zmeny.csv``.

Like ``kpwork init``, the import is an edge of the flow (DESIGN.md): it reads
the export and writes the region folder that :func:`kpwork.load_region`
later reads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kpwork.errors import KpworkError
from kpwork.rpss.codelists import AreaRef, Codelists, read_codelists
from kpwork.rpss.merge import (
    ADDED,
    CHANGED,
    NOT_IMPORTED,
    REMOVED,
    Change,
    append_change_log,
    merge_rows,
    read_services_file,
    referenced_ids,
    write_services_file,
)
from kpwork.rpss.records import (
    Mapper,
    RegistryService,
    member_facility_areas,
    read_service,
    stream_records,
)
from kpwork.rpss.rows import Geography, covered_members, read_geography, service_rows

__all__ = ["Change", "ImportReport", "import_rpss"]

log = logging.getLogger(__name__)

#: How many services each list of :meth:`ImportReport.lines` names before "and N more".
SHOWN = 30
_UNKNOWN_LABELS = {"druh": "druh služby", "cilova_skupina": "cílová skupina", "forma": "forma", "kapacita": "typ kapacity"}


@dataclass(frozen=True)
class ImportReport:
    """What an import found, changed and could not map.

    Attributes
    ----------
    services_file, change_log : Path
        The files written.
    read : int
        Records in the export.
    inside, outside : int
        Registry services of the region: with a facility in a member; from
        outside with a registered area covering a member.
    ended : int
        Services of the region whose registration has ended (left out).
    rows, own_rows : int
        Registry rows written (one per form); the coordinator's rows without
        ``rpss_id``, kept as they were.
    changes : tuple of Change
        Services added, removed and changed (one entry per changed column).
    not_imported : tuple of Change
        Services or forms not written, with the reason.
    unknown : dict
        Registry codes kpwork does not know, by kind (``druh``,
        ``cilova_skupina``, ``forma``, ``kapacita``): label -> services.
    placement : dict
        Rows from the registry by ``poloha`` (how they were placed).
    notes : tuple of str
        Anything else the coordinator should know.
    """

    services_file: Path
    change_log: Path
    read: int
    inside: int
    outside: int
    ended: int
    rows: int
    own_rows: int
    changes: tuple[Change, ...] = ()
    not_imported: tuple[Change, ...] = ()
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)
    placement: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def of_kind(self, kind: str) -> list[Change]:
        """Changes of one kind: ``přidána``, ``odebrána`` or ``změněna``."""
        return [c for c in self.changes if c.zmena == kind]

    def lines(self) -> list[str]:
        """The report in Czech, for the command line."""
        lines = [
            f"Import z registru poskytovatelů sociálních služeb: {self.read} služeb v exportu",
            f"  služby regionu: {self.inside} se zařízením v členské obci, {self.outside} zvenku s působností v regionu (mimo_region = ano)"
            + (f"; {self.ended} s ukončenou registrací vynecháno" if self.ended else ""),
            f"  {self.services_file.name}: {self.rows} řádků z registru (řádek na formu služby), {self.own_rows} vlastních řádků beze změny",
        ]
        added, removed, changed = self.of_kind(ADDED), self.of_kind(REMOVED), self.of_kind(CHANGED)
        lines += _section(f"přidáno {len(added)}", [f"{c.id}  {c.nazev}" for c in added])
        lines += _section(f"odebráno {len(removed)}", [f"{c.id} ({c.rpss_id})  {c.nazev}" + (f" – {c.poznamka}" if c.poznamka else "") for c in removed])
        by_service: dict[str, list[Change]] = {}
        for c in changed:
            by_service.setdefault(c.id, []).append(c)
        lines += _section(f"změněno {len(by_service)}", [f"{sid} ({cs[0].rpss_id}): " + "; ".join(f"{c.sloupec} {c.puvodne or '(prázdné)'} -> {c.nove or '(prázdné)'}" for c in cs) for sid, cs in by_service.items()])
        lines += _section(f"nezařazeno {len(self.not_imported)} (jen v {self.change_log.name})", [f"{c.id}  {c.nazev}: {c.poznamka}" for c in self.not_imported])
        unknown = [f"{_UNKNOWN_LABELS.get(kind, kind)}: {label} ({n}×)" for kind, counts in self.unknown.items() for label, n in sorted(counts.items())]
        lines += _section("kódy registru, které kpwork nezná", unknown, count=False)
        if self.placement:
            lines.append("  poloha (registr nemá souřadnice): " + ", ".join(f"{p} {n}" for p, n in sorted(self.placement.items(), key=lambda i: -i[1])))
        lines += [f"  {note}" for note in self.notes]
        lines.append(f"  změny zapsány do {self.change_log.name}")
        return lines


def _section(title: str, items: list[str], *, count: bool = True) -> list[str]:
    if not items:
        return [f"  {title}"] if count else []
    shown = [f"    {item}" for item in items[:SHOWN]]
    if len(items) > SHOWN:
        shown.append(f"    … a dalších {len(items) - SHOWN}")
    return [f"  {title}:", *shown]


def import_rpss(
    region_dir: str | Path,
    rpss_json: str | Path,
    *,
    ciselniky: str | Path | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Import the services of a region from the registry's open-data export.

    Parameters
    ----------
    region_dir
        The region folder (``region.toml`` and the geometry file are needed;
        ``services.csv`` is merged into or created).
    rpss_json
        The export ``rpss.json`` of MPSV (read as a stream).
    ciselniky
        Folder of the codelists; by default the folder of ``rpss_json``.
    today
        Registrations and facilities that ended before this date are left
        out, and the change log is dated with it; by default today.

    Returns
    -------
    ImportReport

    Raises
    ------
    KpworkError
        A file is missing or unreadable; nothing is written then.

    See Also
    --------
    kpwork.load_region : reads the folder the import wrote.
    """
    region_dir, rpss_json = Path(region_dir), Path(rpss_json)
    today = today or dt.date.today()
    geography = read_geography(region_dir)
    services_file = read_services_file(region_dir)
    codelists = read_codelists(rpss_json.parent if ciselniky is None else ciselniky)
    read, services, areas = _read_export(rpss_json, codelists, geography, today)
    mapper = Mapper(codelists)
    imported, not_imported, counts = _map(services, areas, geography, mapper)
    rows, changes = merge_rows(services_file, imported, referenced=referenced_ids(region_dir))
    note = write_services_file(services_file, rows)
    change_log = append_change_log(region_dir, changes + not_imported, today)
    registry_rows = [r for r in rows if r.get("rpss_id")]
    log.info("rpss: %d records read, %d rows of the region written", read, len(registry_rows))
    return ImportReport(
        services_file=services_file.path,
        change_log=change_log,
        read=read,
        rows=len(registry_rows),
        own_rows=len(rows) - len(registry_rows),
        changes=tuple(changes),
        not_imported=tuple(not_imported),
        unknown={kind: dict(c) for kind, c in mapper.unknown.items()},
        placement=dict(Counter(r.get("poloha", "") for r in registry_rows)),
        notes=(note,) if note else (),
        **counts,
    )


def _read_export(path: Path, codelists: Codelists, geography: Geography, today: dt.date) -> tuple[int, list[RegistryService], dict[str, set[AreaRef]]]:
    """Stream the export: (records read, candidate services, kraje and okresy of the members).

    Candidates have a facility in a member or a registered area; whether an
    area covers a member is known only at the end: the kraj and okres of a
    member come from the codelists, the geometry file's ``okres``/``kraj``
    names and every facility address in the member.
    """
    members = set(geography.members)
    areas = {m: set(codelists.areas.get(m, ())) for m in members}
    for m in members:
        named = (codelists.named_area(kind, name) for kind, name in geography.admin.get(m, {}).items())
        areas[m] |= {ref for ref in named if ref}
    read, services = 0, []
    for record in stream_records(path):
        read += 1
        if not isinstance(record, dict):
            continue
        inside = False
        for code, refs in member_facility_areas(record, codelists, members):
            areas[code] |= refs
            inside = True
        if inside or record.get("rozsirenePusobnostiVKraji"):
            services.append(read_service(record, codelists, today))
    if read == 0:
        raise KpworkError(f"{path}: v souboru nejsou žádné služby (pole polozky); je to export rpss.json registru poskytovatelů?")
    return read, services, areas


def _map(services: list[RegistryService], areas: dict[str, set[AreaRef]], geography: Geography, mapper: Mapper) -> tuple[list[dict], list[Change], dict[str, int]]:
    """Rows of the region's services, what could not be imported, and the counts for the report."""
    members = set(geography.members)
    counts = Counter(inside=0, outside=0, ended=0)
    rows: list[dict] = []
    not_imported: list[Change] = []
    for service in services:
        covered = covered_members(service.area, geography, areas)
        inside = any(f.kod_obce in members for f in service.facilities)
        if not inside and not covered:
            continue
        if service.ended:
            counts["ended"] += 1
            continue
        counts["inside" if inside else "outside"] += 1
        found, reasons = service_rows(service, covered, geography, mapper)
        rows += found
        name = found[0]["nazev"] if found else service.nazev or next((f.nazev for f in service.facilities if f.nazev), "")
        not_imported += [Change(NOT_IMPORTED, service.rpss_id, service.rpss_id, name, poznamka=r) for r in reasons]
    return rows, not_imported, dict(counts)
