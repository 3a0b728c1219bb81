"""The registry's codelists (číselníky) and its references to them.

The open data of the national registry of social services refer to codelist
items by string ids such as ``"DruhSocialniSluzby/13"`` or ``"Obec/585599"``;
each codelist is a file ``<name>.json`` of ``{"polozky": [{"id": ..., "nazev":
{"cs": ...}}, ...]}`` published next to ``rpss.json``. Ids are matched by their
key, the part after the last ``/``, so ``"DruhSocialniSluzby/13"``, ``"13"``
and ``13`` are the same item.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kpwork.errors import KpworkError
from kpwork.taxonomy import fold

log = logging.getLogger(__name__)

#: Codelist files: name in :class:`Codelists` -> (file stem, required).
FILES: dict[str, tuple[str, bool]] = {
    "druhy": ("druhy-socialni-sluzby", True),
    "skupiny": ("cilove-skupiny-osoby", True),
    "formy": ("formy-soc-sluzby", False),
    "kapacity": ("typy-kapacity-socialni-sluzby", False),
    "obce": ("obce", False),
    "okresy": ("okresy", False),
    "kraje": ("kraje", False),
}

#: Kinds of territorial references: a key in a record or a codelist prefix -> kind.
_AREA_KINDS = {"kraj": "kraj", "kraje": "kraj", "okres": "okres", "okresy": "okres", "obec": "obec", "obce": "obec"}

#: A territorial reference: (kind, key), e.g. ("kraj", "19") or ("obec", "585599").
AreaRef = tuple[str, str]


def key(ref: object) -> str:
    """The key of a codelist reference, without its ``Codelist/`` prefix.

    Accepts the id itself or an object ``{"id": ...}`` as records hold them.

    Examples
    --------
    >>> key("DruhSocialniSluzby/13"), key({"id": "Obec/585599"}), key(13)
    ('13', '585599', '13')
    """
    if isinstance(ref, dict):
        ref = ref.get("id")
    if ref is None:
        return ""
    return str(ref).strip().rsplit("/", 1)[-1]


def text(value: object) -> str:
    """A registry text: plain, or localised ``{"cs": ...}``; '' when missing.

    Examples
    --------
    >>> text({"cs": " senioři ", "en": "seniors"}), text(None)
    ('senioři', '')
    """
    if isinstance(value, dict):
        value = value.get("cs") or next((v for v in value.values() if isinstance(v, str)), "")
    return "" if value is None else str(value).strip()


def area_refs(node: object, kind: str | None = None) -> Iterator[AreaRef]:
    """Every kraj, okres and obec referred to anywhere inside ``node``.

    The kind comes from the id's prefix (``Kraj/19``) or, for a bare key, from
    the name of the field that holds it (``kraj``, ``okresy``, ``obec``, ...);
    ``kind`` is the kind of bare keys at the top. Other fields (parts of
    municipalities, streets, names) are skipped.

    Examples
    --------
    >>> sorted(area_refs([{"kraj": {"id": "Kraj/19"}, "obce": ["585599"], "castObce": {"id": "1"}}]))
    [('kraj', '19'), ('obec', '585599')]
    """
    if isinstance(node, dict):
        for name, value in node.items():
            yield from area_refs(value, kind if name == "id" else _AREA_KINDS.get(name.lower()))
    elif isinstance(node, list):
        for item in node:
            yield from area_refs(item, kind)
    elif isinstance(node, str | int) and not isinstance(node, bool):
        found = _prefix_kind(node) if "/" in str(node) else kind
        if found:
            yield found, key(node)


def _prefix_kind(ref: str | int) -> str | None:
    return _AREA_KINDS.get(str(ref).split("/", 1)[0].strip().lower())


@dataclass(frozen=True)
class Codelists:
    """The codelists an import needs, each as key -> Czech name.

    Attributes
    ----------
    druhy, skupiny, formy, kapacity, okresy, kraje
        Service types, target groups, forms, capacity types, districts and regions.
    obce
        Key of a municipality item -> its 6-digit ČSÚ code (``kod``).
    obce_names
        ČSÚ code -> name of the municipality.
    areas
        ČSÚ code -> the kraje and okresy the municipality lies in, as far as
        the ``obce`` and ``okresy`` codelists tell (the import adds what the
        facilities' addresses tell).
    """

    druhy: dict[str, str]
    skupiny: dict[str, str]
    formy: dict[str, str] = field(default_factory=dict)
    kapacity: dict[str, str] = field(default_factory=dict)
    okresy: dict[str, str] = field(default_factory=dict)
    kraje: dict[str, str] = field(default_factory=dict)
    obce: dict[str, str] = field(default_factory=dict)
    obce_names: dict[str, str] = field(default_factory=dict)
    areas: dict[str, set[AreaRef]] = field(default_factory=dict)

    def kod_obce(self, ref: object) -> str | None:
        """ČSÚ code of a municipality reference (``"Obec/585599"``), None when not a code."""
        k = key(ref)
        code = self.obce.get(k, k)
        return code if len(code) == 6 and code.isdigit() else None

    def named_area(self, kind: str, name: str) -> AreaRef | None:
        """The okres or kraj of this name (``kind`` is ``okres`` or ``kraj``), e.g. from a geometry file."""
        names = self.okresy if kind == "okres" else self.kraje
        wanted = fold(name)
        return next(((kind, k) for k, n in names.items() if fold(n) == wanted), None)


def read_codelists(folder: str | Path) -> Codelists:
    """Read the codelists from ``folder`` (the files MPSV publishes next to ``rpss.json``).

    Parameters
    ----------
    folder
        Folder with ``druhy-socialni-sluzby.json`` and ``cilove-skupiny-osoby.json``
        (required), and ``formy-soc-sluzby.json``, ``typy-kapacity-socialni-sluzby.json``,
        ``obce.json``, ``okresy.json`` and ``kraje.json`` (used when present).

    Raises
    ------
    KpworkError
        A required file is missing, or a file is not a codelist.
    """
    folder = Path(folder)
    items = {name: _read_items(folder, stem, required) for name, (stem, required) in FILES.items()}
    names = {name: {key(i.get("id")): text(i.get("nazev")) for i in found} for name, found in items.items()}
    obce = {key(i.get("id")): str(i.get("kod") or key(i.get("id"))).strip() for i in items["obce"]}
    okres_areas = {key(i.get("id")): set(area_refs(_without_id(i))) for i in items["okresy"]}
    areas: dict[str, set[AreaRef]] = {}
    for item in items["obce"]:
        refs = {r for r in area_refs(_without_id(item)) if r[0] != "obec"}
        for _, okres in [r for r in refs if r[0] == "okres"]:
            refs |= okres_areas.get(okres, set())
        areas[obce[key(item.get("id"))]] = refs
    log.info("codelists: %d service types, %d target groups, %d municipalities", len(names["druhy"]), len(names["skupiny"]), len(obce))
    return Codelists(
        druhy=names["druhy"],
        skupiny=names["skupiny"],
        formy=names["formy"],
        kapacity=names["kapacity"],
        okresy=names["okresy"],
        kraje=names["kraje"],
        obce=obce,
        obce_names={obce[k]: name for k, name in names["obce"].items()},
        areas=areas,
    )


def _without_id(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "id"}


def _read_items(folder: Path, stem: str, required: bool) -> list[dict]:
    path = folder / f"{stem}.json"
    if not path.exists():
        if required:
            raise KpworkError(f"{path}: číselník nenalezen; číselníky se hledají ve složce s RPSS_JSON nebo ve složce --ciselniky")
        log.info("codelist %s not found; going on without it", path.name)
        return []
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise KpworkError(f"{path}: číselník nejde přečíst jako JSON: {exc}") from exc
    found = data.get("polozky") if isinstance(data, dict) else None
    if not isinstance(found, list) or not all(isinstance(i, dict) for i in found):
        raise KpworkError(f"{path}: není číselník registru; očekáván objekt {{\"polozky\": [{{\"id\": ..., \"nazev\": {{\"cs\": ...}}}}]}}")
    return found
