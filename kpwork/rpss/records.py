"""One registered service of the registry, read from its record and mapped onto kpwork's taxonomy.

:func:`read_service` keeps only what planning needs from a record of
``rpss.json``: type, forms with their capacities, target groups, provider name
and IČO, the service's contacts, the active facilities (municipality, name and
address, or only the municipality when the address is hidden) and the
registered area. It never reads the provider's statutory bodies
(``statutarniOrgany``, personal data) nor anything else of the record.
:class:`Mapper` turns registry codes into taxonomy codes and counts every code
the taxonomy does not know.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kpwork.errors import KpworkError
from kpwork.rpss.codelists import AreaRef, Codelists, area_refs, key, text
from kpwork.taxonomy import SERVICE_TYPES, normalise_service_type, normalise_target_group

log = logging.getLogger(__name__)

#: Registry forms (``FormaSocialniSluzby/<key>``) -> kpwork form codes.
FORMS = {"pob": "pobytova", "amb": "ambulantni", "ter": "terenni"}
#: Registry capacity types (``TypKapacitySocialniSluzby/<key>``) -> unit (``jednotka``).
UNITS = {"klient": "klienti", "kontakt": "kontakty", "interv": "intervence", "luzka": "lůžka", "hovor": "hovory"}
#: Contacts of a service: column -> (list in the record, field of an item).
CONTACTS = {"telefon": ("telefony", "telefon"), "email": ("emaily", "email"), "web": ("weby", "web")}


def stream_records(path: Path) -> Iterator[dict]:
    """The records of ``polozky`` of an ``rpss.json``, one at a time (the file is never held whole).

    Raises
    ------
    KpworkError
        The file is missing or is not JSON.
    """
    import ijson

    if not path.is_file():
        raise KpworkError(f"{path}: soubor nenalezen; očekáván export registru rpss.json")
    with path.open("rb") as f:
        try:
            yield from ijson.items(f, "polozky.item", use_float=True)
        except ijson.JSONError as exc:
            raise KpworkError(f"{path}: není platný JSON ({exc}); stáhněte export registru znovu") from exc


@dataclass(frozen=True)
class Facility:
    """An active facility (zařízení) of a service; ``adresa`` is '' when hidden (``utajenaAdresa``)."""

    kod_obce: str | None
    nazev: str
    adresa: str
    hidden: bool


@dataclass(frozen=True)
class Form:
    """A form of a registered service with its capacities as (type key, count)."""

    key: str
    capacities: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class RegistryService:
    """What kpwork takes from one record of the registry (never personal data)."""

    rpss_id: str
    nazev: str
    druh: str
    groups: tuple[str, ...]
    forms: tuple[Form, ...]
    poskytovatel: str
    ico: str
    contacts: dict[str, str]
    facilities: tuple[Facility, ...]
    area: frozenset[AreaRef]
    ended: bool = False


def _ended(value: object, today: dt.date) -> bool:
    """Whether a date of the registry (``2024-12-31``, maybe with a time) lies before ``today``."""
    if not value:
        return False
    try:
        return dt.date.fromisoformat(str(value)[:10]) < today
    except ValueError:
        return False


def member_facility_areas(record: dict, codelists: Codelists, members: set[str]) -> Iterator[tuple[str, set[AreaRef]]]:
    """(kod_obce, its kraj and okres) of each facility address of a record that lies in a member."""
    for facility in record.get("zarizeni") or ():
        address = facility.get("adresa") if isinstance(facility, dict) else None
        if isinstance(address, dict):
            code = codelists.kod_obce(address.get("obec"))
            if code in members:
                yield code, set(area_refs({"kraj": address.get("kraj"), "okres": address.get("okres")}))


def read_service(record: dict, codelists: Codelists, today: dt.date) -> RegistryService:
    """The service of one registry record.

    ``ended`` tells whether its registration ended before ``today``
    (``datumPoskytovaniDo``); facilities that ended (``poskytujeDo``) are left
    out; a hidden address (``utajenaAdresa``) keeps only its municipality.
    """
    provider = record.get("poskytovatel") if isinstance(record.get("poskytovatel"), dict) else {}
    ico = "".join(c for c in str(provider.get("ico") or provider.get("ic") or "") if c.isdigit())
    facilities = tuple(_facility(f, codelists) for f in record.get("zarizeni") or () if isinstance(f, dict) and not _ended(f.get("poskytujeDo"), today))
    rpss_id = str(record.get("identifikator") or key(record.get("id")) or record.get("portalId") or "").strip()
    return RegistryService(
        rpss_id=rpss_id,
        nazev=text(record.get("nazev")),
        druh=key(record.get("druhSocialniSluzby")),
        groups=tuple(key(g) for g in record.get("ciloveSkupiny") or ()),
        forms=tuple(_form(f) for f in record.get("formy") or () if isinstance(f, dict)),
        poskytovatel=text(provider.get("nazev") or provider.get("obchodniJmeno")) or (f"poskytovatel IČO {ico}" if ico else "poskytovatel neuveden"),
        ico=ico.zfill(8) if ico else "",
        contacts={column: _contact(record, provider, *where) for column, where in CONTACTS.items()},
        facilities=facilities,
        area=registered_area(record.get("rozsirenePusobnostiVKraji")),
        ended=_ended(record.get("datumPoskytovaniDo"), today),
    )


def registered_area(value: object) -> frozenset[AreaRef]:
    """The kraje, okresy or municipalities of ``rozsirenePusobnostiVKraji``.

    Each entry counts at its narrowest level: an entry naming a kraj and some
    of its municipalities covers those municipalities only. A bare key is a kraj.

    Examples
    --------
    >>> sorted(registered_area([{"kraj": {"id": "Kraj/19"}, "obce": [{"id": "Obec/585599"}]}, {"kraj": "14"}]))
    [('kraj', '14'), ('obec', '585599')]
    """
    refs: set[AreaRef] = set()
    for entry in value if isinstance(value, list) else [value]:
        found = set(area_refs(entry, "kraj"))
        narrowest = next((kind for kind in ("obec", "okres", "kraj") if any(r[0] == kind for r in found)), None)
        refs |= {r for r in found if r[0] == narrowest}
    return frozenset(refs)


def _facility(item: dict, codelists: Codelists) -> Facility:
    address = item.get("adresa") if isinstance(item.get("adresa"), dict) else {}
    hidden = bool(item.get("utajenaAdresa"))
    code = codelists.kod_obce(address.get("obec"))
    return Facility(kod_obce=code, nazev=text(item.get("nazev")), adresa="" if hidden else _address(address, codelists.obce_names.get(code or "", "")), hidden=hidden)


def _address(address: dict, obec: str) -> str:
    """``Šafaříkova 1464/5, 765 02 Otrokovice`` from the parts the registry gives."""
    number = "/".join(str(n) for n in (address.get("cisloDomovni"), address.get("cisloOrientacni")) if n not in (None, ""))
    street = text((address.get("ulice") or {}).get("nazev") if isinstance(address.get("ulice"), dict) else address.get("ulice"))
    first = f"{street} {number}".strip() if street else (f"č. p. {number}" if number else "")
    psc = "".join(c for c in str(address.get("psc") or "") if c.isdigit())
    place = " ".join(p for p in (f"{psc[:3]} {psc[3:]}" if len(psc) == 5 else psc, obec) if p)
    return ", ".join(p for p in (first, place) if p)


def _form(item: dict) -> Form:
    capacities = []
    for capacity in item.get("kapacity") or ():
        if isinstance(capacity, dict) and isinstance(capacity.get("pocet"), int | float) and not isinstance(capacity.get("pocet"), bool):
            capacities.append((key(capacity.get("typ")), float(capacity["pocet"])))
    return Form(key=key(item.get("forma")), capacities=tuple(capacities))


def _contact(record: dict, provider: dict, listing: str, name: str) -> str:
    """The service's contacts of one kind joined by ', '; the provider's when the service has none."""
    for source in (record, provider):
        values = [text(i.get(name)) for i in source.get(listing) or () if isinstance(i, dict)]
        values = list(dict.fromkeys(v for v in values if v))
        if values:
            return ", ".join(values)
    return ""


@dataclass
class Mapper:
    """Registry codes -> taxonomy codes, counting each code the taxonomy does not know.

    ``unknown`` maps a kind (``druh``, ``cilova_skupina``, ``forma``,
    ``kapacita``) to a counter of ``"name (id)"`` labels.
    """

    codelists: Codelists
    unknown: dict[str, Counter] = field(default_factory=dict)

    def _miss(self, kind: str, label: str) -> None:
        self.unknown.setdefault(kind, Counter())[label] += 1

    def _label(self, names: dict[str, str], k: str) -> str:
        return f"{names[k]} ({k})" if names.get(k) else (k or "chybí")

    def druh(self, k: str) -> str | None:
        """Paragraph of a registry service type, None (and counted) when unknown."""
        try:
            return normalise_service_type(self.codelists.druhy[k])
        except (KeyError, ValueError):
            self._miss("druh", self._label(self.codelists.druhy, k))
            return None

    def groups(self, keys: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
        """Target group codes, and labels of the groups the taxonomy does not know."""
        codes: list[str] = []
        missing: list[str] = []
        for k in keys:
            try:
                code = normalise_target_group(self.codelists.skupiny[k])
            except (KeyError, ValueError):
                missing.append(self._label(self.codelists.skupiny, k))
                self._miss("cilova_skupina", missing[-1])
                continue
            if code not in codes:
                codes.append(code)
        return tuple(codes), missing

    def form(self, k: str) -> str | None:
        """kpwork form code of a registry form, None (and counted) when unknown."""
        if k not in FORMS:
            self._miss("forma", self._label(self.codelists.formy, k))
        return FORMS.get(k)

    def capacity(self, form: Form, druh: str) -> tuple[float | None, str, list[str]]:
        """Capacity, unit and notes of one form.

        When the form has several capacities, the one in the type's usual unit
        is taken, else beds, else clients; the others are named in the notes. An unknown capacity type
        keeps its codelist name as the unit and is counted.
        """
        if not form.capacities:
            return None, SERVICE_TYPES[druh].unit, ["registr neuvádí kapacitu"]
        units = []
        for type_key, _ in form.capacities:
            if type_key not in UNITS:
                self._miss("kapacita", self._label(self.codelists.kapacity, type_key))
            units.append(UNITS.get(type_key) or self.codelists.kapacity.get(type_key) or type_key or "?")
        preferred = (SERVICE_TYPES[druh].unit, "lůžka", "klienti")
        chosen = next((units.index(u) for u in preferred if u in units), 0)
        notes = [f"další kapacita {_number(n)} {u}" for i, ((_, n), u) in enumerate(zip(form.capacities, units, strict=True)) if i != chosen]
        return form.capacities[chosen][1], units[chosen], notes


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
