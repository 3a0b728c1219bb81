"""Czech and English words of the pages: column headers, legends, titles.

Pages are Czech by default (``lang="cs"``) with an English switch
(``lang="en"``); every text a page shows comes from here.
"""

from __future__ import annotations

from collections.abc import Mapping

from kpwork.errors import InvalidParameter

LANGS = ("cs", "en")

_WORDS: dict[str, tuple[str, str]] = {
    "kod_obce": ("Kód obce", "Municipality code"),
    "nazev": ("Obec", "Municipality"),
    "obyvatele": ("Obyvatelé", "Inhabitants"),
    "vek_0_14": ("0–14 let", "0–14 years"),
    "vek_15_64": ("15–64 let", "15–64 years"),
    "vek_65_79": ("65–79 let", "65–79 years"),
    "vek_80_plus": ("80 a více let", "80 years and over"),
    "cilova_skupina": ("Cílová skupina", "Target group"),
    "druh": ("Druh služby", "Service type"),
    "forma": ("Forma", "Form"),
    "potreba": ("Potřeba (osob)", "Need (people)"),
    "kapacita": ("Kapacita", "Capacity"),
    "kapacita_dosazitelna": ("Dosažitelná kapacita", "Reachable capacity"),
    "mezera": ("Chybí (osob)", "Shortfall (people)"),
    "pokryti": ("Pokrytí potřeby", "Need covered"),
    "stav": ("Stav", "Status"),
    "dostupnost": ("Dostupnost (kapacita na 1 potřebného)", "Accessibility (capacity per person in need)"),
    "vzdalenost_nejblizsi_m": ("Nejbližší služba (km)", "Nearest service (km)"),
    "poskytovatel": ("Poskytovatel", "Provider"),
    "sluzba": ("Služba", "Service"),
    "jednotka": ("Jednotka", "Unit"),
    "klienti": ("Klienti", "Clients"),
    "vytizeni": ("Vytížení", "Load"),
    "kontakt": ("Kontakt", "Contact"),
    "pusobnost": ("Působnost", "Area served"),
    "naklady": ("Roční náklady (Kč)", "Annual cost (CZK)"),
    "whole_region": ("celý region", "whole region"),
    "map_need": ("Potřeba: {druh}", "Need: {druh}"),
    "map_coverage": ("Pokrytí potřeby: {druh}", "Need covered: {druh}"),
    "map_access": ("Dostupnost: {druh}", "Accessibility: {druh}"),
    "map_population": ("Obyvatelé 65+", "Inhabitants 65+"),
    "services_of_form": ("Služby – {forma}", "Services – {forma}"),
    "no_data": ("bez údajů", "no data"),
    "age_structure": ("Věková struktura obcí", "Age structure of the municipalities"),
    "need_vs_capacity": ("Potřeba a dosažitelná kapacita podle druhu služby", "Need and reachable capacity by service type"),
    "people": ("osob", "people"),
    "coverage_by_type": ("Jak velkou část potřeby pokrývají dosažitelné služby", "How much of the need reachable services cover"),
    "share": ("podíl obyvatel", "share of inhabitants"),
    "top_shortages": ("Největší nedostatky", "Largest shortfalls"),
}


def check_lang(lang: str) -> str:
    """``lang`` if it is a known language; else a clear error."""
    if lang not in LANGS:
        raise InvalidParameter(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def translate(words: Mapping[str, tuple[str, str]], key: str, lang: str = "cs", **fields: str) -> str:
    """The text of ``key`` in a (Czech, English) table, with ``{fields}`` filled in.

    Pages with words of their own (meeting, catalogue) keep their table and
    look words up through this.

    Examples
    --------
    >>> translate({"hi": ("Dobrý den, {who}", "Hello, {who}")}, "hi", "en", who="Bělov")
    'Hello, Bělov'
    """
    cs, en = words[key]
    text = cs if check_lang(lang) == "cs" else en
    return text.format(**fields) if fields else text


def word(key: str, lang: str = "cs", **fields: str) -> str:
    """The text of ``key`` in ``lang``, with ``{fields}`` filled in.

    Examples
    --------
    >>> word("map_need", "cs", druh="pečovatelská služba")
    'Potřeba: pečovatelská služba'
    """
    return translate(_WORDS, key, lang, **fields)


def header(columns: list[str], lang: str = "cs") -> dict[str, str]:
    """Page headers for table columns (unknown columns keep their name)."""
    return {c: word(c, lang) if c in _WORDS else c for c in columns}
