"""Service types of Act No. 108/2006 Coll. and the target groups of the registry.

Coordinators write a service type as its paragraph (``40``, ``§40``, ``§ 60a``)
or its Czech name, with or without diacritics; a form as ``pobytová``,
``ambulantní`` or ``terénní``; target groups as the national registry of
social service providers names them, or by short forms. This module turns all
of that into canonical codes (``"40"``, ``"terenni"``, ``"seniori"``) and
suggests the closest valid value when it cannot.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace

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
]

#: Target groups by code.
TARGET_GROUPS: dict[str, TargetGroup] = {g.code: g for g in _GROUPS}


def fold(text: str) -> str:
    """Lower-case ASCII form of a label: no diacritics, single spaces.

    Examples
    --------
    >>> fold("  Pečovatelská   SLUŽBA ")
    'pecovatelska sluzba'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(ascii_text.lower().split())


def _build_index(entries: dict[str, list[str]]) -> dict[str, str]:
    return {fold(alias): code for code, aliases in entries.items() for alias in aliases}


_TYPE_INDEX = _build_index(
    {t.paragraph: [t.paragraph, f"§{t.paragraph}", f"§ {t.paragraph}", t.name, t.name_en, *t.aliases] for t in _TYPES}
)
_FORM_INDEX = _build_index(
    {code: [code, label, FORM_LABELS_EN[code]] for code, label in FORMS.items()}
)
_GROUP_INDEX = _build_index(
    {g.code: [g.code, g.name, g.name_en, *g.aliases] for g in _GROUPS}
)
_UNIT_INDEX = _build_index({u.code: [u.code, u.name_en, *u.aliases] for u in _UNITS})


def _lookup(value: str, index: dict[str, str]) -> str | None:
    key = fold(value)
    if key in index:
        return index[key]
    # "§ 40 pečovatelská služba" and "40 - pečovatelská služba" are common in sheets
    head = key.replace("§", " ").replace("-", " ").split()
    if head and _PARAGRAPH.fullmatch(head[0]) and head[0] in index:
        return index[head[0]]
    return None


_PARAGRAPH = re.compile(r"\d+[a-z]?")


def closest(value: str, valid: list[str]) -> str | None:
    """The valid value that looks most like ``value``, if any is close.

    Examples
    --------
    >>> closest("pecovatelska sluzb", ["pečovatelská služba", "osobní asistence"])
    'pečovatelská služba'
    """
    folded = {fold(v): v for v in valid}
    match = difflib.get_close_matches(fold(value), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def _unknown(what: str, value: str, labels: dict[str, str], expected: str) -> str:
    """Message for an unknown value; ``labels`` maps every accepted spelling to the one to suggest."""
    hint = closest(value, list(labels))
    suggestion = f"; did you mean '{labels[hint]}'?" if hint else ""
    return f"unknown {what} '{value}'; expected {expected}{suggestion}"


def _suggestions(entries: dict[str, list[str]]) -> dict[str, str]:
    return {alias: shown for shown, aliases in entries.items() for alias in aliases}


_TYPE_SUGGESTIONS = _suggestions({t.name: [t.name, *t.aliases] for t in _TYPES})
_GROUP_SUGGESTIONS = _suggestions({g.name: [g.name, *g.aliases] for g in _GROUPS})
_UNIT_SUGGESTIONS = _suggestions({u.code: [u.code, *u.aliases] for u in _UNITS})


def _normalise(value: str, index: Mapping[str, str], what: str, suggestions: Mapping[str, str], expected: str) -> str:
    code = _lookup(value, index)
    if code is None:
        raise ValueError(_unknown(what, value, suggestions, expected))
    return code


def normalise_service_type(value: str) -> str:
    """Paragraph code of a service type given as ``40``, ``§40`` or its Czech name.

    Raises
    ------
    ValueError
        Naming the closest valid type when the value is unknown.

    Examples
    --------
    >>> normalise_service_type("§ 40")
    '40'
    >>> normalise_service_type("Domovy pro seniory")
    '49'
    """
    return _normalise(value, _TYPE_INDEX, "service type (druh)", _TYPE_SUGGESTIONS, "a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name")


def normalise_form(value: str) -> str:
    """Canonical form code (``pobytova``, ``ambulantni``, ``terenni``).

    Examples
    --------
    >>> normalise_form("Terénní")
    'terenni'
    """
    return _normalise(value, _FORM_INDEX, "form (forma)", {v: v for v in FORMS.values()}, "pobytová, ambulantní or terénní")


def normalise_target_group(value: str) -> str:
    """Code of a target group given by its registry name or a short form.

    Examples
    --------
    >>> normalise_target_group("Osoby se zdravotním postižením")
    'ozp'
    >>> normalise_target_group("senioři")
    'seniori'
    """
    return _normalise(value, _GROUP_INDEX, "target group (cílová skupina)", _GROUP_SUGGESTIONS, "a target group of the registry or its short form (docs/data-format.md)")


def normalise_unit(value: str) -> str:
    """Code of a unit of capacity given in any Czech form, in English or as the registry names it.

    An unknown unit raises ValueError naming the valid units and the closest one.

    Examples
    --------
    >>> normalise_unit("Lůžek"), normalise_unit("pocet klientu"), normalise_unit("beds")
    ('lůžka', 'klienti', 'lůžka')
    """
    return _normalise(value, _UNIT_INDEX, "unit of capacity (jednotka)", _UNIT_SUGGESTIONS, "one of " + ", ".join(CAPACITY_UNITS))


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
