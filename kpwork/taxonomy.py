"""Service types of Act No. 108/2006 Coll. and the target groups of the registry.

Coordinators write a service type as its paragraph (``40``, ``§40``, ``§ 60a``)
or its Czech name, with or without diacritics; a form as ``pobytová``,
``ambulantní`` or ``terénní``; target groups as the national registry of
social service providers names them, by short forms, or by the umbrella terms
of community plans (``rodina, děti a mládež``). This module turns all of that
into canonical codes (``"40"``, ``"terenni"``, ``"seniori"``) and, when it
cannot, suggests the valid values closest in meaning.

Terms are matched by meaning, not by letters (:class:`Vocabulary`): first as
written (folded), then by the stems of their words (:mod:`kpwork.czech`), so
``seniorům``, ``pro seniory`` and ``senioři`` are one group. The umbrella
terms of ``kpwork/data/terms.csv`` and a region's own terms (``[pojmy]`` in
``region.toml``) may name several groups; such a term expands to all of them.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources

from kpwork.czech import TermIndex, closest, fold

P, A, T = "pobytova", "ambulantni", "terenni"

#: Czech labels of the forms of a service (§33 of the Act).
FORMS: dict[str, str] = {P: "pobytová", A: "ambulantní", T: "terénní"}
FORM_LABELS_EN: dict[str, str] = {P: "residential", A: "outpatient", T: "field"}


@dataclass(frozen=True)
class ServiceType:
    """One type of social service of Act 108/2006 Coll.

    Attributes
    ----------
    paragraph : str
        The paragraph, the canonical code (``"40"``, ``"60a"``).
    name : str
        Czech name as the Act and the registry spell it.
    name_en : str
        English name for the English view of the pages.
    forms : tuple of str
        Forms in which the service may be registered.
    unit : str
        The unit the type is planned in, a key of :data:`CAPACITY_UNITS`:
        its need is counted in it, and capacities in other units are
        converted to it (``kpwork.conversions``) or shown apart.
    kind : str
        ``"poradenstvi"``, ``"pece"`` (social care) or ``"prevence"`` (social prevention).
    aliases : tuple of str
        Other spellings coordinators use: the singular (``domov pro seniory``)
        and common abbreviations (``DS``).
    """

    paragraph: str
    name: str
    name_en: str
    forms: tuple[str, ...]
    unit: str
    kind: str
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Czech label with its paragraph, e.g. ``pečovatelská služba (§40)``."""
        return f"{self.name} (§{self.paragraph})"


_TYPES = [
    ServiceType("37", "odborné sociální poradenství", "professional social counselling", (A, T), "klienti", "poradenstvi"),
    ServiceType("39", "osobní asistence", "personal assistance", (T,), "klienti", "pece"),
    ServiceType("40", "pečovatelská služba", "home care", (T, A), "klienti", "pece"),
    ServiceType("41", "tísňová péče", "emergency alarm care", (T,), "klienti", "pece"),
    ServiceType("42", "průvodcovské a předčitatelské služby", "guide and reading services", (T, A), "klienti", "pece"),
    ServiceType("43", "podpora samostatného bydlení", "supported independent living", (T,), "klienti", "pece"),
    ServiceType("44", "odlehčovací služby", "respite care", (T, A, P), "lůžka", "pece"),
    ServiceType("45", "centra denních služeb", "day service centres", (A,), "místa", "pece"),
    ServiceType("46", "denní stacionáře", "day care centres", (A,), "místa", "pece"),
    ServiceType("47", "týdenní stacionáře", "weekly care centres", (P,), "lůžka", "pece"),
    ServiceType("48", "domovy pro osoby se zdravotním postižením", "homes for people with disabilities", (P,), "lůžka", "pece"),
    ServiceType("49", "domovy pro seniory", "homes for the elderly", (P,), "lůžka", "pece"),
    ServiceType("50", "domovy se zvláštním režimem", "homes with a special regime", (P,), "lůžka", "pece"),
    ServiceType("51", "chráněné bydlení", "sheltered housing", (P,), "lůžka", "pece"),
    ServiceType("52", "sociální služby poskytované ve zdravotnických zařízeních lůžkové péče", "social services in inpatient health care", (P,), "lůžka", "pece"),
    ServiceType("54", "raná péče", "early intervention", (T, A), "klienti", "prevence"),
    ServiceType("55", "telefonická krizová pomoc", "crisis helpline", (T,), "kontakty", "prevence"),
    ServiceType("56", "tlumočnické služby", "interpreting services", (T, A), "klienti", "prevence"),
    ServiceType("57", "azylové domy", "shelters", (P,), "lůžka", "prevence"),
    ServiceType("58", "domy na půl cesty", "halfway houses", (P,), "lůžka", "prevence"),
    ServiceType("59", "kontaktní centra", "contact centres", (A, T), "klienti", "prevence"),
    ServiceType("60", "krizová pomoc", "crisis help", (T, A, P), "klienti", "prevence"),
    ServiceType("60a", "intervenční centra", "intervention centres", (T, A, P), "klienti", "prevence"),
    ServiceType("61", "nízkoprahová denní centra", "low-threshold day centres", (A, T), "klienti", "prevence"),
    ServiceType("62", "nízkoprahová zařízení pro děti a mládež", "low-threshold facilities for children and youth", (A, T), "klienti", "prevence"),
    ServiceType("63", "noclehárny", "night shelters", (A,), "lůžka", "prevence"),
    ServiceType("64", "služby následné péče", "aftercare services", (A, P), "klienti", "prevence"),
    ServiceType("65", "sociálně aktivizační služby pro rodiny s dětmi", "social activation services for families with children", (T, A), "rodiny", "prevence"),
    ServiceType("66", "sociálně aktivizační služby pro seniory a osoby se zdravotním postižením", "social activation services for seniors and people with disabilities", (A, T), "klienti", "prevence"),
    ServiceType("67", "sociálně terapeutické dílny", "social therapy workshops", (A,), "místa", "prevence"),
    ServiceType("68", "terapeutické komunity", "therapeutic communities", (P,), "lůžka", "prevence"),
    ServiceType("69", "terénní programy", "outreach programmes", (T,), "klienti", "prevence"),
    ServiceType("70", "sociální rehabilitace", "social rehabilitation", (T, A, P), "klienti", "prevence"),
]

_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "37": ("odborné poradenství", "sociální poradenství", "poradna"),
    "40": ("PS",),
    "39": ("OA",),
    "42": ("průvodcovská a předčitatelská služba",),
    "44": ("odlehčovací služba", "odlehčovací"),
    "45": ("centrum denních služeb", "CDS"),
    "46": ("denní stacionář",),
    "47": ("týdenní stacionář",),
    "48": ("domov pro osoby se zdravotním postižením", "DOZP"),
    "49": ("domov pro seniory", "DS"),
    "50": ("domov se zvláštním režimem", "DZR"),
    "52": ("sociální lůžka", "sociální služby ve zdravotnických zařízeních"),
    "55": ("linka důvěry",),
    "56": ("tlumočnická služba",),
    "57": ("azylový dům",),
    "58": ("dům na půl cesty",),
    "59": ("kontaktní centrum",),
    "60a": ("intervenční centrum",),
    "61": ("nízkoprahové denní centrum",),
    "62": ("nízkoprahové zařízení pro děti a mládež", "NZDM"),
    "63": ("noclehárna",),
    "64": ("služba následné péče",),
    "65": ("sociálně aktivizační služba pro rodiny s dětmi", "SAS pro rodiny"),
    "66": ("sociálně aktivizační služba pro seniory a osoby se zdravotním postižením", "SAS pro seniory"),
    "67": ("sociálně terapeutická dílna",),
    "68": ("terapeutická komunita",),
    "69": ("terénní program",),
}
_TYPES = [replace(t, aliases=_TYPE_ALIASES.get(t.paragraph, ())) for t in _TYPES]

#: Service types by paragraph.
SERVICE_TYPES: dict[str, ServiceType] = {t.paragraph: t for t in _TYPES}


@dataclass(frozen=True)
class CapacityUnit:
    """A unit of capacity (``jednotka`` of ``services.csv``) and its time basis.

    Attributes
    ----------
    code : str
        The canonical code, the Czech plural as the registry writes it (``"lůžka"``).
    name_en : str
        English name (``"beds"``).
    basis : str
        :data:`AT_ONCE` (beds, places: how many at one time) or
        :data:`PER_YEAR` (clients, families, contacts, interventions, calls:
        how many in a year).
    meaning : str
        What one unit is, in Czech, for the documentation and the pages.
    aliases : tuple of str
        Other spellings (singular, genitive plural, English, the registry's
        codelist names such as ``počet lůžek``).
    """

    code: str
    name_en: str
    basis: str
    meaning: str
    aliases: tuple[str, ...] = ()


#: Time bases of a capacity: how many at one time, or how many in a year.
AT_ONCE, PER_YEAR = "naraz", "za_rok"
_UNITS = [
    CapacityUnit("lůžka", "beds", AT_ONCE, "lůžko, na kterém může být naráz jeden klient", ("lůžko", "lůžek", "bed", "beds", "počet lůžek")),
    CapacityUnit("místa", "places", AT_ONCE, "místo, které může naráz využít jeden klient (stacionáře, dílny)", ("místo", "míst", "place", "places", "počet míst")),
    CapacityUnit("klienti", "clients", PER_YEAR, "klient, kterého služba může obsloužit během roku (předpoklad, docs/method.md)",
                 ("klient", "klientů", "klienta", "client", "clients", "uživatelé", "uživatel", "počet klientů")),
    CapacityUnit("rodiny", "families", PER_YEAR, "rodina, se kterou služba může během roku pracovat", ("rodina", "rodin", "family", "families", "počet rodin")),
    CapacityUnit("kontakty", "contacts", PER_YEAR, "kontakt s klientem za rok", ("kontakt", "kontaktů", "contact", "contacts", "počet kontaktů")),
    CapacityUnit("intervence", "interventions", PER_YEAR, "intervence za rok", ("intervencí", "interv", "intervention", "interventions", "počet intervencí")),
    CapacityUnit("hovory", "calls", PER_YEAR, "telefonický hovor za rok", ("hovor", "hovorů", "call", "calls", "počet hovorů")),
]

#: Units of capacity by code, in the order pages list them.
CAPACITY_UNITS: dict[str, CapacityUnit] = {u.code: u for u in _UNITS}
_UNIT_INDEX = {fold(s): u.code for u in _UNITS for s in (u.code, u.name_en, *u.aliases)}



@dataclass(frozen=True)
class TargetGroup:
    """A target group (cílová skupina) of the registry of providers.

    ``planning_group`` is the working-group level at which plans are made
    (seniors, disabled, families, crisis, addiction, minorities, homeless, ...).
    """

    code: str
    name: str
    name_en: str
    planning_group: str
    aliases: tuple[str, ...] = ()


_GROUPS = [
    TargetGroup("seniori", "senioři", "seniors", "seniori", ("senior", "seniory", "stari", "osoby v seniorskem veku")),
    TargetGroup("ozp", "osoby se zdravotním postižením", "people with disabilities", "ozp", ("zdravotne postizeni", "osoby se zp", "zp", "postizeni", "ozp")),
    TargetGroup("chronicke_onemocneni", "osoby s chronickým onemocněním", "people with chronic illness", "ozp", ("chronicky nemocni",)),
    TargetGroup("dusevni_onemocneni", "osoby s chronickým duševním onemocněním", "people with chronic mental illness", "ozp", ("dusevne nemocni", "osoby s dusevnim onemocnenim")),
    TargetGroup("mentalni_postizeni", "osoby s mentálním postižením", "people with intellectual disabilities", "ozp", ("mentalne postizeni",)),
    TargetGroup("telesne_postizeni", "osoby s tělesným postižením", "people with physical disabilities", "ozp", ("telesne postizeni",)),
    TargetGroup("kombinovane_postizeni", "osoby s kombinovaným postižením", "people with multiple disabilities", "ozp", ()),
    TargetGroup("sluchove_postizeni", "osoby se sluchovým postižením", "people with hearing impairment", "ozp", ("neslysici",)),
    TargetGroup("zrakove_postizeni", "osoby se zrakovým postižením", "people with visual impairment", "ozp", ("nevidomi",)),
    TargetGroup("jine_zdravotni_postizeni", "osoby s jiným zdravotním postižením", "people with other disabilities", "ozp", ()),
    TargetGroup("rodiny", "rodiny s dítětem/dětmi", "families with children", "rodiny", ("rodiny s detmi", "rodiny s ditetem", "rodiny s ditetem/detmi", "rodiny s ditetem / detmi", "rodina")),
    TargetGroup("deti_mladez", "děti a mládež ve věku od 6 do 26 let ohrožené společensky nežádoucími jevy", "children and youth at risk", "rodiny", ("deti a mladez", "mladez", "deti")),
    TargetGroup("krize", "osoby v krizi", "people in crisis", "krize", ("v krizi", "krize")),
    TargetGroup("bez_pristresi", "osoby bez přístřeší", "homeless people", "bez_pristresi", ("bezdomovci", "bez pristresi")),
    TargetGroup("zavislosti", "osoby ohrožené závislostí nebo závislé na návykových látkách", "people with or at risk of addiction", "zavislosti", ("zavislosti", "zavisli", "osoby ohrozene zavislosti", "drogove zavisli", "adikce")),
    TargetGroup("obeti_nasili", "oběti domácího násilí", "victims of domestic violence", "krize", ("domaci nasili",)),
    TargetGroup("obeti_obchodu", "oběti obchodu s lidmi", "victims of human trafficking", "krize", ()),
    TargetGroup("komercne_zneuzivani", "osoby komerčně zneužívané", "commercially exploited people", "krize", ()),
    TargetGroup("vylouceni", "osoby žijící v sociálně vyloučených komunitách", "people in socially excluded communities", "mensiny", ("socialne vylouceni", "vyloucene lokality")),
    TargetGroup("rizikovy_zivot", "osoby, které vedou rizikový způsob života nebo jsou tímto způsobem života ohroženy", "people leading a risky way of life", "krize", ("rizikovy zpusob zivota",)),
    TargetGroup("pachatele", "pachatelé trestné činnosti", "offenders", "krize", ("pachatele",)),
    TargetGroup("mensiny", "etnické menšiny", "ethnic minorities", "mensiny", ("mensiny", "etnicke mensiny", "romove")),
    TargetGroup("imigranti", "imigranti a azylanti", "immigrants and asylum seekers", "mensiny", ("cizinci", "migranti")),
    TargetGroup("opoustejici_ustavni_peci", "osoby do 26 let věku opouštějící školská zařízení pro výkon ústavní péče", "young people leaving institutional care", "rodiny", ()),
    # newer groups of the registry (codelist cilove-skupiny-osoby 26, 27, 30); carers, palliative
    # care and dementia are planned with the seniors in community plans
    TargetGroup("pecujici", "pečující osoby", "carers", "seniori", ("pecujici", "neformalni pecujici", "rodinni pecujici", "osoby pecujici o blizkeho")),
    TargetGroup("paliativni", "osoby s potřebou paliativní péče", "people in need of palliative care", "seniori", ("paliativni pece", "umirajici")),
    TargetGroup("demence", "osoby žijící s demencí", "people living with dementia", "seniori", ("osoby s demenci", "demence", "alzheimerova choroba")),
]

#: Target groups by code.
TARGET_GROUPS: dict[str, TargetGroup] = {g.code: g for g in _GROUPS}

#: What a term names: ``skupina`` (target groups) or ``druh`` (service types).
TERM_KINDS = ("skupina", "druh")
#: The umbrella terms and abbreviations shipped with kpwork (package data).
TERMS_FILE = "terms.csv"


@dataclass(frozen=True)
class Term:
    """A term and the codes it names: an umbrella term of community plans, or a region's own.

    Attributes
    ----------
    term : str
        As coordinators write it (``rodina, děti a mládež``).
    kind : str
        ``skupina`` (target groups) or ``druh`` (service types).
    codes : tuple of str
        Target-group codes or paragraphs. A target-group term naming several
        groups expands to all of them; a service-type term naming several
        types is ambiguous (``SAS``: §65 or §66) and is answered with a question.
    """

    term: str
    kind: str
    codes: tuple[str, ...]


@functools.cache
def package_terms() -> tuple[Term, ...]:
    """The terms of ``kpwork/data/terms.csv`` (documented in ``docs/data-format.md``).

    Columns: ``pojem``, ``anglicky``, ``oznacuje`` (``skupina`` or ``druh``),
    ``kody`` (codes separated by spaces), ``zduvodneni`` and ``reasoning``
    (why, in Czech and English).

    Raises
    ------
    ValueError
        When a row names an unknown kind or code (a defect of kpwork).

    Examples
    --------
    >>> next(t for t in package_terms() if t.term == "SAS").codes
    ('65', '66')
    """
    text = resources.files("kpwork.data").joinpath(TERMS_FILE).read_text(encoding="utf-8")
    terms = []
    for row, record in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        kind, codes = record["oznacuje"], tuple(record["kody"].split())
        known = TARGET_GROUPS if kind == "skupina" else SERVICE_TYPES
        if kind not in TERM_KINDS or not codes or any(c not in known for c in codes):
            raise ValueError(f"kpwork/data/{TERMS_FILE}:{row}: oznacuje must be one of {', '.join(TERM_KINDS)} and kody codes of that kind, got {kind!r}, {record['kody']!r}")
        terms.append(Term(record["pojem"], kind, codes))
    return tuple(terms)


def _term_label(term: Term, names: Mapping[str, str]) -> str:
    return names[term.codes[0]] if len(term.codes) == 1 else term.term


@dataclass(frozen=True)
class Vocabulary:
    """Every spelling of service types and target groups kpwork understands.

    kpwork's own (the names of the Act and the registry, their short forms,
    :func:`package_terms`) and a region's ``terms`` (``[pojmy]`` in
    ``region.toml``, :func:`region_term`), which win over kpwork's.

    A value is matched as written (without case and diacritics), then by the
    stems of its words (:func:`kpwork.czech.signature`). A target group
    written as several joined by ``a``, ``i``, ``nebo``, ``+`` or ``&``
    expands to all of them; a list cell is split on ``,``, ``;`` and ``|``
    unless it is one term as a whole (``rodina, děti a mládež``).

    Examples
    --------
    >>> v = Vocabulary((Term("naši senioři", "skupina", ("seniori",)),))
    >>> v.target_groups("našim seniorům"), v.target_groups("OZP a senioři")
    (('seniori',), ('ozp', 'seniori'))
    >>> v.service_type("domov pro seniory")
    '49'
    """

    terms: tuple[Term, ...] = ()

    @functools.cached_property
    def _types(self) -> TermIndex:
        names = {p: t.name for p, t in SERVICE_TYPES.items()}
        codes = [(s, t.paragraph) for t in SERVICE_TYPES.values() for s in (t.paragraph, f"§{t.paragraph}", f"§ {t.paragraph}", t.name_en)]
        own = [(s, (t.paragraph,), t.name) for t in SERVICE_TYPES.values() for s in (t.name, *t.aliases)]
        terms = [(t.term, t.codes, _term_label(t, names)) for t in (*package_terms(), *self.terms) if t.kind == "druh"]
        return TermIndex(codes, [*own, *terms])

    @functools.cached_property
    def _groups(self) -> TermIndex:
        names = {c: g.name for c, g in TARGET_GROUPS.items()}
        codes = [(s, g.code) for g in TARGET_GROUPS.values() for s in (g.code, g.name_en)]
        own = [(s, (g.code,), g.name) for g in TARGET_GROUPS.values() for s in (g.name, *g.aliases)]
        terms = [(t.term, t.codes, _term_label(t, names)) for t in (*package_terms(), *self.terms) if t.kind == "skupina"]
        return TermIndex(codes, [*own, *terms])

    def service_type(self, value: str) -> str:
        """Paragraph of a service type given as ``40``, ``§40``, its name or a short form.

        Raises
        ------
        ValueError
            For an unknown value (naming the types closest in meaning) and for
            an ambiguous one (``SAS``: naming the types it may mean).
        """
        codes = self._type_codes(value)
        if codes is None:
            raise ValueError(_unknown("service type (druh)", value, self._types.suggest(value), _TYPE_EXPECTED))
        if len(codes) > 1:
            raise ValueError(f"'{value}' may mean {_either([SERVICE_TYPES[c].label for c in codes], 'or')}; write which one")
        return codes[0]

    def target_groups(self, value: str) -> tuple[str, ...]:
        """Codes of the target groups a cell names, each once, in the order written.

        Items are separated by ``,``, ``;`` or ``|``; the longest run of
        items that is one term is taken first, so an umbrella term holding a
        comma (``senioři, rodina, děti a mládež``) is still one term. An
        umbrella term gives its groups in the order of its definition.

        Raises
        ------
        ValueError
            Naming the first unknown item and the groups closest in meaning.
        """
        items = [item.strip() for item in _LIST.split(value) if item.strip()]
        if not items:
            raise ValueError("expected one or more target groups")
        found: list[str] = []
        start = 0
        while start < len(items):
            end, codes = self._longest_term(items, start)
            if codes is None:
                item = items[start]
                raise ValueError(_unknown("target group (cílová skupina)", item, self._groups.suggest(item), _GROUP_EXPECTED))
            found.extend(codes)
            start = end
        return tuple(dict.fromkeys(found))

    def target_group(self, value: str) -> str:
        """Code of the one target group a cell names.

        Raises
        ------
        ValueError
            For an unknown value, and for a term naming several groups.
        """
        codes = self.target_groups(value)
        if len(codes) > 1:
            names = _either([f"'{TARGET_GROUPS[c].name}'" for c in codes], "and")
            raise ValueError(f"'{value}' names several target groups ({names}); give one here, a row per group")
        return codes[0]

    def _type_codes(self, value: str) -> tuple[str, ...] | None:
        found = self._types.find(value)
        if found is not None:
            return found
        # "§ 40 pečovatelská služba" and "40 - pečovatelská služba" are common in sheets
        head = fold(value).replace("§", " ").replace("-", " ").split()
        if head and _PARAGRAPH.fullmatch(head[0]):
            return self._types.exact.get(head[0])
        return None

    def _longest_term(self, items: Sequence[str], start: int) -> tuple[int, tuple[str, ...] | None]:
        """The longest run of list items from ``start`` that is one term: (end of the run, its codes).

        A run whose items name the same groups one by one is taken item by
        item, so the groups keep the order written.
        """
        for end in range(len(items), start, -1):
            codes = self._group_codes(", ".join(items[start:end]))
            if codes is None:
                continue
            each = [self._group_codes(item) for item in items[start:end]]
            if end - start > 1 and None not in each and {c for e in each for c in e} == set(codes):
                return start + 1, each[0]
            return end, codes
        return start, None

    def _group_codes(self, value: str) -> tuple[str, ...] | None:
        found = self._groups.find(value)
        if found is not None:
            return found
        parts = [p for p in _CONJUNCTION.split(value) if p.strip()]
        each = [self._groups.find(p) for p in parts]
        if len(parts) < 2 or any(codes is None for codes in each):
            return None
        return tuple(dict.fromkeys(c for codes in each for c in codes))


_PARAGRAPH = re.compile(r"\d+[a-z]?")
_LIST = re.compile(r"[,;|]")
_CONJUNCTION = re.compile(r"\s+(?:a|i|nebo|či|ci)\s+|\s*[+&]\s*", re.IGNORECASE)
_TYPE_EXPECTED = "a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name"
_GROUP_EXPECTED = "a target group of the registry or its short form (docs/data-format.md)"

#: kpwork's vocabulary, without a region's terms.
DEFAULT_VOCABULARY = Vocabulary()


def region_term(term: str, value: object) -> Term:
    """A region's own term (``[pojmy]`` in ``region.toml``), checked against kpwork's vocabulary.

    Parameters
    ----------
    term
        The term as the region writes it.
    value
        What it names: a code or a name kpwork knows, or a list of them; all
        target groups (the term expands to all) or one service type. A name
        is read as a target group first.

    Raises
    ------
    ValueError
        When a value is unknown (naming the closest in meaning), or the
        values mix groups and types, or name several types.

    Examples
    --------
    >>> region_term("pečovatelé", "pečující osoby")
    Term(term='pečovatelé', kind='skupina', codes=('pecujici',))
    >>> region_term("pečovatelky", "40").kind
    'druh'
    """
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    if not term.strip():
        raise ValueError("a term must not be empty")
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"expected a target group or a service type (a code or a name) or a list of target groups, e.g. \"{term}\" = \"seniori\", got {value!r}")
    groups: list[str] = []
    types: list[str] = []
    for name in names:
        codes = DEFAULT_VOCABULARY._group_codes(name)
        if codes is not None:
            groups.extend(codes)
            continue
        codes = DEFAULT_VOCABULARY._type_codes(name)
        if codes is None:
            hints = DEFAULT_VOCABULARY._groups.suggest(name) or DEFAULT_VOCABULARY._types.suggest(name)
            raise ValueError(_unknown("target group or service type", name, hints, "a code or a name of docs/data-format.md"))
        types.extend(codes)
    if groups and types:
        raise ValueError(f"'{term}' names both target groups and service types; a term names one kind")
    if len(set(types)) > 1:
        raise ValueError(f"'{term}' names several service types ({', '.join('§' + t for t in dict.fromkeys(types))}); a service-type term names one")
    return Term(term.strip(), "skupina" if groups else "druh", tuple(dict.fromkeys(groups or types)))


def _either(items: Sequence[str], word: str) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _unknown(what: str, value: str, suggestions: Sequence[str], expected: str) -> str:
    hint = f"; did you mean {_either([f'{s!r}' for s in suggestions], 'or')}?" if suggestions else ""
    return f"unknown {what} '{value}'; expected {expected}{hint}"


def normalise_service_type(value: str, *, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> str:
    """Paragraph code of a service type given as ``40``, ``§40``, its Czech name or a short form.

    Parameters
    ----------
    value
        As written in a sheet.
    vocabulary
        kpwork's, or a region's with its own terms (``region.vocabulary``).

    Raises
    ------
    ValueError
        Naming the types closest in meaning when the value is unknown, or
        the types an ambiguous value (``SAS``) may mean.

    Examples
    --------
    >>> normalise_service_type("§ 40")
    '40'
    >>> normalise_service_type("Domovy pro seniory"), normalise_service_type("domov seniorů")
    ('49', '49')
    """
    return vocabulary.service_type(value)


def normalise_form(value: str) -> str:
    """Canonical form code (``pobytova``, ``ambulantni``, ``terenni``).

    Examples
    --------
    >>> normalise_form("Terénní")
    'terenni'
    """
    code = _FORM_INDEX.get(fold(value))
    if code is None:
        hint = closest(value, list(FORMS.values()))
        raise ValueError(_unknown("form (forma)", value, [hint] if hint else [], "pobytová, ambulantní or terénní"))
    return code


_FORM_INDEX = {fold(s): code for code, label in FORMS.items() for s in (code, label, FORM_LABELS_EN[code])}


def normalise_target_group(value: str, *, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> str:
    """Code of the one target group a value names (registry name, short form, any case of it).

    Raises
    ------
    ValueError
        Naming the groups closest in meaning when the value is unknown; or
        when it names several groups (use :func:`target_groups` for lists).

    Examples
    --------
    >>> normalise_target_group("Osoby se zdravotním postižením")
    'ozp'
    >>> normalise_target_group("seniorům")
    'seniori'
    """
    return vocabulary.target_group(value)


def target_groups(value: str, *, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> tuple[str, ...]:
    """Codes of every target group a cell names: a list, joined groups or an umbrella term.

    Examples
    --------
    >>> target_groups("senioři, pečujícím osobám")
    ('seniori', 'pecujici')
    >>> target_groups("rodina, děti a mládež")
    ('rodiny', 'deti_mladez', 'opoustejici_ustavni_peci')
    """
    return vocabulary.target_groups(value)


def normalise_unit(value: str) -> str:
    """Code of a unit of capacity given in any Czech form, in English or as the registry names it.

    An unknown unit raises ValueError naming the valid units and the closest one.

    Examples
    --------
    >>> normalise_unit("Lůžek"), normalise_unit("pocet klientu"), normalise_unit("beds")
    ('lůžka', 'klienti', 'lůžka')
    """
    code = _UNIT_INDEX.get(fold(value))
    if code is None:
        hint = closest(value, list(CAPACITY_UNITS))
        raise ValueError(_unknown("unit of capacity (jednotka)", value, [hint] if hint else [], "one of " + ", ".join(CAPACITY_UNITS)))
    return code


def planning_unit(paragraph: str) -> str:
    """The unit a service type is planned in (its need and compared capacity).

    Examples
    --------
    >>> planning_unit("49"), planning_unit("40"), planning_unit("65")
    ('lůžka', 'klienti', 'rodiny')
    """
    return SERVICE_TYPES[paragraph].unit


def unit_order(code: str) -> int:
    """Sort key of units in the order of :data:`CAPACITY_UNITS` (unknown units last)."""
    return list(CAPACITY_UNITS).index(code) if code in CAPACITY_UNITS else len(CAPACITY_UNITS)


def paragraph_order(paragraph: str) -> tuple[int, str]:
    """Sort key of service types in the order of the Act (§40 before §49, §60 before §60a).

    Examples
    --------
    >>> sorted(["60a", "49", "60", "40"], key=paragraph_order)
    ['40', '49', '60', '60a']
    """
    digits = "".join(c for c in str(paragraph) if c.isdigit())
    return int(digits), str(paragraph)


def service_type_label(paragraph: str, lang: str = "cs") -> str:
    """Label of a service type for pages (``pečovatelská služba (§40)``)."""
    t = SERVICE_TYPES[paragraph]
    return t.label if lang == "cs" else f"{t.name_en} (§{t.paragraph})"


def target_group_label(code: str, lang: str = "cs") -> str:
    """Label of a target group for pages."""
    g = TARGET_GROUPS[code]
    return g.name if lang == "cs" else g.name_en


def form_label(code: str, lang: str = "cs") -> str:
    """Label of a form for pages."""
    return FORMS[code] if lang == "cs" else FORM_LABELS_EN[code]
