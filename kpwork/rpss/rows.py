"""Registry services of a region as rows of ``services.csv``.

A registry service belongs to the region when one of its active facilities
lies in a member municipality, or when its registered area
(``rozsirenePusobnostiVKraji``: kraje, okresy or municipalities) covers a
member; the latter are flagged ``mimo_region = ano``. Each form of a service
becomes one row (``<identifikator>-pob``, ``-amb``, ``-ter``) with that form's
capacity, because kpwork counts capacity per form. The registry has no
coordinates: a row is placed at the representative point of its
municipality, the same point :func:`kpwork.load_region` uses for a service
without coordinates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from pyproj import Transformer

from kpwork.config import ANALYSIS_CRS, THRESHOLDS, WEB_CRS
from kpwork.region import load_geography
from kpwork.rpss.codelists import AreaRef
from kpwork.rpss.records import Facility, Mapper, RegistryService
from kpwork.taxonomy import FORMS, SERVICE_TYPES, TARGET_GROUPS

#: How a row was placed (column ``poloha``).
CENTRE = "střed obce"
HIDDEN = "střed obce (utajená adresa)"
NEIGHBOUR = "střed sousední obce (sídlo mimo region)"
COVERED = "střed obce v působnosti (sídlo mimo region)"
COORDINATOR = "zadáno koordinátorem"
#: Values of ``mimo_region``.
YES, NO = "ano", "ne"
#: Decimal places of written coordinates (about 1 m).
COORD_DECIMALS = 5

_TO_WGS84 = Transformer.from_crs(ANALYSIS_CRS, WEB_CRS, always_xy=True)


@dataclass(frozen=True)
class Geography:
    """The municipalities of a region folder as the import needs them.

    ``xy`` (EPSG:5514) and ``latlon`` hold the representative point of every
    feature of the geometry file; ``near`` the non-members whose point lies
    close enough to the region for ``load_region`` to accept a service there.
    ``names`` and ``admin`` (``okres`` and ``kraj`` names) cover every Czech
    municipality: from the geometry file where it has them (as ``kpwork
    init`` writes it), else from the national reference
    (:func:`kpwork.reference.national_population`).
    """

    members: tuple[str, ...]
    names: dict[str, str]
    xy: dict[str, tuple[float, float]]
    latlon: dict[str, tuple[float, float]]
    near: frozenset[str]
    admin: dict[str, dict[str, str]] = field(default_factory=dict)


def read_geography(folder: Path) -> Geography:
    """Members (``region.toml``) and representative points (geometry file) of a region folder.

    Only these two files are read (:func:`kpwork.region.load_geography`), so
    that a region without services (or with broken ones) can be filled from
    the registry.

    Raises
    ------
    InvalidRegion
        The problems of these two files, each with file, row and column.
    """
    members, gdf = load_geography(folder, keep=("okres", "kraj"))
    codes = gdf.index.tolist()
    points = dict(zip(codes, gdf.geometry.representative_point(), strict=True))
    xy = {c: (p.x, p.y) for c, p in points.items()}
    lon, lat = _TO_WGS84.transform([p[0] for p in xy.values()], [p[1] for p in xy.values()])
    latlon = {c: (round(a, COORD_DECIMALS), round(o, COORD_DECIMALS)) for c, a, o in zip(xy, lat, lon, strict=True)}
    outline = shapely.union_all(gdf.geometry.loc[list(members)].to_numpy())
    reach = THRESHOLDS.outside_region_tolerance_m * 0.99  # a margin for the rounding of coordinates
    near = frozenset(c for c, p in points.items() if c not in members and p.distance(outline) <= reach)
    names, admin = _national_names()
    for c, row in gdf.drop(columns="geometry").iterrows():
        if isinstance(row.get("nazev"), str):
            names[c] = row["nazev"]
        admin[c] = {k: row[k] for k in ("okres", "kraj") if isinstance(row.get(k), str)} or admin.get(c, {})
    return Geography(members=members, names=names, xy=xy, latlon=latlon, near=near, admin=admin)


def _national_names() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Name, okres and kraj of every Czech municipality from the shipped national reference."""
    from kpwork.reference import national_population

    table = national_population()
    names = dict(zip(table["kod_obce"], table["nazev"], strict=True))
    admin = {c: {"okres": o, "kraj": k} for c, o, k in zip(table["kod_obce"], table["okres"], table["kraj"], strict=True)}
    return names, admin


def covered_members(area: frozenset[AreaRef], geography: Geography, areas_of: Mapping[str, set[AreaRef]]) -> list[str]:
    """Members that a registered area names, directly or by their kraj or okres."""
    if not area:
        return []
    return [m for m in geography.members if ("obec", m) in area or not area.isdisjoint(areas_of.get(m, ()))]


def service_rows(
    service: RegistryService,
    covered: list[str],
    geography: Geography,
    mapper: Mapper,
) -> tuple[list[dict], list[str]]:
    """Rows of one registry service of the region, and why any form was left out.

    ``covered`` are the members its registered area covers. When the whole
    service cannot be written (unknown type, no known target group, no
    forms) the rows are empty and the reasons say why.
    """
    druh = mapper.druh(service.druh)
    groups, unknown_groups = mapper.groups(service.groups)
    if druh is None:
        return [], [f"druh služby {mapper.codelists.druhy.get(service.druh) or service.druh or '(chybí)'} kpwork nezná"]
    if not groups:
        return [], [f"žádnou z cílových skupin ({', '.join(unknown_groups) or 'chybí'}) kpwork nezná"]
    if not service.forms:
        return [], ["registr neuvádí formu služby"]
    common, notes = _common(service, covered, geography, druh, groups)
    notes += [f"neznámá cílová skupina: {g}" for g in unknown_groups]
    rows, reasons = [], []
    for form in service.forms:
        forma = mapper.form(form.key)
        if forma is None:
            reasons.append(f"forma {form.key or '(chybí)'}: kpwork ji nezná")
            continue
        if forma not in SERVICE_TYPES[druh].forms:
            reasons.append(f"forma {FORMS[forma]}: {SERVICE_TYPES[druh].label} se v ní podle zákona neposkytuje")
            continue
        kapacita, jednotka, capacity_notes = mapper.capacity(form, druh)
        rows.append(common | {
            "id": f"{service.rpss_id}-{form.key}",
            "forma": FORMS[forma],
            "kapacita": 0.0 if kapacita is None else kapacita,
            "jednotka": jednotka,
            "rpss_poznamka": "; ".join(notes + capacity_notes),
        })
    return rows, reasons


def _common(service: RegistryService, covered: list[str], geography: Geography, druh: str, groups: tuple[str, ...]) -> tuple[dict, list[str]]:
    """Columns shared by the rows of all forms of a service, and notes on them."""
    members = set(geography.members)
    inside = [f for f in service.facilities if f.kod_obce in members]
    seat = _seat(inside or [f for f in service.facilities if f.kod_obce])
    notes = []
    if inside:
        kod_obce, at, poloha = seat.kod_obce, seat.kod_obce, CENTRE
        others = list(dict.fromkeys(f.kod_obce for f in inside if f.kod_obce != kod_obce))
        if others:
            notes.append(f"další zařízení v obcích: {', '.join(_place_name(c, geography) for c in others)}")
    else:
        kod_obce, at, poloha = _outside_place(seat, covered, geography)
        if seat is not None:
            notes.append(f"sídlo mimo region: {_place_name(seat.kod_obce, geography)}")
    if seat is not None and seat.hidden:
        poloha = HIDDEN
    serves = [m for m in geography.members if m in covered or any(f.kod_obce == m for f in inside)]
    lat, lon = geography.latlon[at]
    type_name = SERVICE_TYPES[druh].name
    return {
        "nazev": service.nazev or (seat.nazev if seat and seat.nazev else f"{type_name} ({service.poskytovatel})"),
        "poskytovatel": service.poskytovatel,
        "ico": service.ico,
        "druh": type_name,
        "cilove_skupiny": ", ".join(_group_text(g) for g in groups),
        "kod_obce": kod_obce,
        "lat": lat,
        "lon": lon,
        "pusobnost": "*" if len(serves) == len(geography.members) else ", ".join(serves),
        "adresa": seat.adresa if seat else "",
        **service.contacts,
        "rpss_id": service.rpss_id,
        "mimo_region": NO if inside else YES,
        "poloha": poloha,
    }, notes


def _seat(facilities: list[Facility]) -> Facility | None:
    """The facility a service is placed at: the first whose address is public, else the first."""
    return next((f for f in facilities if not f.hidden), facilities[0] if facilities else None)


def _outside_place(seat: Facility | None, covered: list[str], geography: Geography) -> tuple[str, str, str]:
    """(kod_obce, municipality of the point, poloha) of a service from outside.

    ``kod_obce`` must be a member (``load_region`` checks it): the covered
    member nearest to the seat. The point is the seat's municipality when the
    geometry file has it near the region, else that member.
    """
    if seat is None or seat.kod_obce not in geography.xy:
        return covered[0], covered[0], COVERED
    x, y = geography.xy[seat.kod_obce]
    nearest = min(covered, key=lambda m: (geography.xy[m][0] - x) ** 2 + (geography.xy[m][1] - y) ** 2)
    if seat.kod_obce in geography.near:
        return nearest, seat.kod_obce, NEIGHBOUR
    return nearest, nearest, COVERED


def _place_name(code: str, geography: Geography) -> str:
    """``Zlín (585068)``, or the code alone when the name is not known."""
    name = geography.names.get(code)
    return f"{name} ({code})" if name else code


def _group_text(code: str) -> str:
    """The registry name of a group, or its code when the name holds a list separator."""
    name = TARGET_GROUPS[code].name
    return code if any(sep in name for sep in ",;|") else name
