"""What the ``kpwork`` commands say, in Czech (the default) or English.

The loaders write each :class:`~kpwork.errors.Problem` with an English
message, as the library's exceptions and tests read them; this module is the
message catalogue that says them in Czech, as gettext keys its catalogue by
the English text. A message with parts that vary (a code, a value) is matched
by a pattern of :data:`RULES`; the parts named ``inner`` are messages
themselves and are said in Czech in turn, parts named ``exp`` are phrases of
:data:`EXPECTED`. A message the catalogue does not know stays English (a
test feeds every kind of broken input through it and fails on any).

:func:`problem_text` writes one problem for a person: the file, the row as
Excel numbers it, the column, then the service or municipality of that row
and what is wrong::

    services.csv, řádek 4, kapacita: služba S03 (Domov se zvláštním režimem): kapacita ‚dvacet' není číslo; napište číslo ≥ 0, např. 30
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

from kpwork.errors import Problem, RunError

LANGS = ("cs", "en")

#: Czech of the ``expected`` phrases the loaders pass to :func:`kpwork.sheets.parse_column`.
EXPECTED: dict[str, str] = {
    "a 6-digit code": "šestimístný kód obce, např. 585599",
    "the 6-digit code of the municipality where the service sits": "šestimístný kód obce, kde služba sídlí, např. 585599",
    "a year such as 2024": "rok, např. 2024",
    "a year such as 2025": "rok, např. 2025",
    "a number of people >= 0": "počet osob, celé číslo ≥ 0",
    "a name": "název",
    "a service type such as 40 or pečovatelská služba": "druh služby, např. 40 nebo pečovatelská služba",
    "a service type": "druh služby, např. 40 nebo pečovatelská služba",
    "pobytová, ambulantní or terénní": "pobytová, ambulantní nebo terénní",
    "one or more target groups": "jednu nebo více cílových skupin, např. senioři",
    "a capacity >= 0": "číslo ≥ 0, např. 30",
    "a yearly cost in CZK >= 0": "roční náklady v Kč, číslo ≥ 0",
    "an annual cost in CZK >= 0": "roční náklady v Kč, číslo ≥ 0",
    "latitude in degrees (WGS84), e.g. 49,2118": "zeměpisnou šířku ve stupních (WGS84), např. 49,2118",
    "longitude in degrees (WGS84), e.g. 17,5352": "zeměpisnou délku ve stupních (WGS84), např. 17,5352",
    "a number of clients >= 0": "počet klientů, celé číslo ≥ 0",
    "a number of hours >= 0": "počet hodin, číslo ≥ 0",
    "bed-days in the year >= 0": "počet lůžkodnů za rok, číslo ≥ 0",
    "average beds or places occupied >= 0": "průměrný počet obsazených lůžek či míst, číslo ≥ 0",
    "a unit such as lůžka or klienti": "jednotku, např. lůžka nebo klienti",
    "a factor >= 0 (0 switches a default off)": "převodní koeficient ≥ 0 (0 vypne výchozí převod)",
    "the source of the factor, or 'předpoklad: ' and the reasoning": "zdroj koeficientu, nebo „předpoklad: “ a zdůvodnění",
    "a method": "metodu rozdělení nákladů",
    "member codes separated by commas, or *": "kódy členských obcí oddělené čárkou, nebo *",
    "a valid value": "platnou hodnotu",
    "a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name": "paragraf §37–§70 zákona 108/2006 Sb. (např. 40 nebo §40) nebo jeho název",
    "a target group of the registry or its short form (docs/data-format.md)": "cílovou skupinu podle registru nebo její krátký tvar (viz popis formátu dat)",
    "a code or a name of docs/data-format.md": "kód nebo název podle popisu formátu dat",
    "one of lůžka, místa, klienti, rodiny, kontakty, intervence, hovory": "jednu z jednotek lůžka, místa, klienti, rodiny, kontakty, intervence, hovory",
    "the working group's name": "název pracovní skupiny",
    "the priority's name": "název priority",
    "the measure's name": "název opatření",
    "the activity's name": "název aktivity",
    "the indicator's name": "název indikátoru",
    "a unit such as osoby, dokumenty, lůžka": "jednotku, např. osoby, dokumenty, lůžka",
    "S, W, O or T (silné stránky, ...)": "S, W, O nebo T (silné stránky, …)",
    "the SWOT entry": "text položky SWOT",
    "the date the comment arrived": "datum, kdy připomínka přišla",
    "the comment": "text připomínky",
}

#: What a kind of input value is called in Czech (in "unknown …" messages).
WHAT: dict[str, str] = {
    "service type (druh)": "druh služby",
    "target group (cílová skupina)": "cílová skupina",
    "target group or service type": "cílová skupina ani druh služby",
    "form (forma)": "forma služby",
    "unit of capacity (jednotka)": "jednotka kapacity",
}

_V = r"(?P<{0}>.+?)"

#: English message patterns (whole message) and their Czech.
RULES: list[tuple[str, str]] = [
    # sheets: any file
    (r"missing column \(columns found: (?P<found>.*)\)", "chybí sloupec (nalezené sloupce: {found})"),
    (r"missing value; expected (?P<exp>.+)", "chybí hodnota; napište {exp}"),
    (r"expected (?P<exp>.+?), got '(?P<value>.*)'", "hodnota ‚{value}‘ nejde přečíst; napište {exp}"),
    (r"must be >= 0, got (?P<value>.+)", "musí být číslo ≥ 0, zadáno {value}"),
    (r"must be a whole number, got (?P<value>.+)", "musí být celé číslo, zadáno {value}"),
    (r"must be a 6-digit municipality code \(kód obce\), got '(?P<value>.*)'", "kód obce musí mít 6 číslic, zadáno ‚{value}‘"),
    (r"expected a year such as 2024, got (?P<value>.+)", "očekáván rok, např. 2024, zadáno {value}"),
    (r"file not found \(nor (?P<base>.+)\.xlsx\)", "soubor nenalezen (ani {base}.xlsx)"),
    (r"cannot read the file: (?P<detail>.+)", "soubor nelze přečíst: {detail}"),
    (r"the file is empty; expected a header row with the column names", "soubor je prázdný; první řádek má obsahovat názvy sloupců"),
    (r"(?P<n>\d+) values but the header has (?P<m>\d+) columns; values beyond the last column are ignored \((?P<values>.*)\)",
     "hodnot je {n}, ale záhlaví má sloupců {m}; hodnoty za posledním sloupcem se nečtou ({values}); doplňte záhlaví sloupce"),
    (r"column '(?P<column>.+)' appears twice; only the first is read", "sloupec ‚{column}‘ je v záhlaví dvakrát; čte se jen první"),
    (r"(?P<names>.+) both hold rows; kpwork reads one of them: keep the rows in one file and delete the other",
     "{names} obsahují řádky oba; čte se jen jeden: nechte řádky v jednom souboru a druhý smažte"),
    # region.toml
    (r"region folder not found", "složka regionu nenalezena"),
    (r"file not found; it needs \[region\] with id and name", "soubor nenalezen; musí obsahovat oddíl [region] s id a name"),
    (r"missing \[region\] section with id and name", "chybí oddíl [region] s id a name"),
    (r"not valid TOML: (?P<detail>.+)", "soubor nemá platný formát TOML: {detail}"),
    (r"\[region\] (?P<key>\w+) must be a non-empty text, e\.g\. (?P<example>.+)", "[region] {key} musí být neprázdný text, např. {example}"),
    (r"must be lower-case letters, digits, - or _ \(it names the output folder\), got '(?P<value>.*)'",
     "smí obsahovat jen malá písmena, číslice, - a _ (je to název složky výstupů), zadáno ‚{value}‘"),
    (r"must be a list of 6-digit codes, e\.g\. (?P<example>.+)", "musí být seznam šestimístných kódů obcí, např. {example}"),
    (r"member (?P<code>\d+) listed twice", "obec {code} je v seznamu členů dvakrát"),
    (r"unknown setting '(?P<key>.+)' in \[(?P<section>.+)\]; allowed: (?P<keys>.+)", "neznámé nastavení ‚{key}‘ v oddílu [{section}]; povolená: {keys}"),
    (r"\[(?P<section>.+)\] must be a section with (?P<keys>.+)", "[{section}] musí být oddíl s klíči {keys}"),
    (r"\[(?P<section>.+)\] (?P<key>\w+) must be true or false \(without quotes\), got (?P<value>.+)",
     "[{section}] {key} musí být true nebo false (bez uvozovek), zadáno {value}"),
    # [pojmy]
    (r"a term must not be empty", "pojem nesmí být prázdný"),
    (r"expected a target group or a service type \(a code or a name\) or a list of target groups, e\.g\. (?P<example>.+), got (?P<value>.+)",
     "očekávána cílová skupina nebo druh služby (kód nebo název) nebo seznam cílových skupin, např. {example}; zadáno {value}"),
    (r"'(?P<term>.+)' names both target groups and service types; a term names one kind",
     "‚{term}‘ označuje zároveň cílové skupiny i druhy služeb; pojem smí označovat jen jedno z toho"),
    (r"'(?P<term>.+)' names several service types \((?P<types>.+)\); a service-type term names one",
     "‚{term}‘ označuje více druhů služeb ({types}); pojem pro druh služby označuje jeden"),
    (r'"(?P<term>[^"]+)": (?P<inner>.+)', '„{term}“: {inner}'),
    # municipalities
    (r"file not found \(or (?P<other>.+)\); it needs municipality polygons with kod_obce and nazev",
     "soubor nenalezen (ani {other}); musí obsahovat polygony obcí s vlastnostmi kod_obce a nazev"),
    (r"cannot read geometry file: (?P<detail>.+)", "soubor s hranicemi obcí nelze přečíst: {detail}"),
    (r"missing property in the features \(properties found: (?P<found>.*)\)", "prvkům chybí vlastnost (nalezené vlastnosti: {found})"),
    (r"missing municipality code; expected a 6-digit code \(kód obce\)", "chybí kód obce; napište šestimístný kód obce"),
    (r"missing municipality name; expected the name of the municipality", "chybí název obce"),
    (r"duplicate code (?P<code>\d+) \(also feature (?P<other>\d+)\); expected one polygon per municipality",
     "kód {code} se opakuje (také prvek {other}); každá obec má mít jeden polygon"),
    (r"the file has no coordinate reference system; save it with one \(e\.g\. EPSG:5514 or EPSG:4326\)",
     "soubor nemá souřadnicový systém; uložte ho s ním (např. EPSG:5514 nebo EPSG:4326)"),
    (r"the file says (?P<crs>.+) \(degrees\) but its coordinates reach (?P<x>.+), (?P<y>.+); save it with the coordinate system its coordinates are in \(e\.g\. EPSG:5514\)",
     "soubor uvádí {crs} (stupně), ale souřadnice dosahují {x}, {y}; uložte ho v systému, ve kterém souřadnice jsou (např. EPSG:5514)"),
    (r"empty geometry; expected a polygon", "prázdná geometrie; očekáván polygon"),
    (r"expected a polygon, got (?P<kind>.+)", "očekáván polygon, soubor má {kind}"),
    (r"invalid polygon: (?P<reason>.+); expected a valid polygon \(QGIS: Fix geometries\)", "neplatný polygon: {reason}; opravte ho (QGIS: Opravit geometrie)"),
    (r"member (?P<code>\d+) has no polygon in the municipalities file; expected a feature with kod_obce (?P=code)",
     "členská obec {code} nemá v souboru hranic polygon; doplňte prvek s kod_obce {code}"),
    # population
    (r"member (?P<code>\d+) has no population row; expected a row per member and year", "členská obec {code} nemá řádek s počtem obyvatel; každá obec potřebuje řádek za každý rok"),
    (r"duplicate row for (?P<code>\d+) in (?P<year>\d+) \(also row (?P<other>\d+)\)", "obec {code} má za rok {year} dva řádky (také řádek {other})"),
    # services
    (r"missing service id; expected a short unique text such as S01", "chybí id služby; napište krátké jedinečné označení, např. S01"),
    (r"duplicate service id '(?P<sid>.+)' \(also row (?P<other>\d+)\); expected a unique id per service", "id služby ‚{sid}‘ se opakuje (také řádek {other}); každá služba má mít vlastní id"),
    (r"(?P<code>\d+) is not a member of the region; expected the code of the member municipality where the service sits",
     "obec {code} není členem regionu; napište kód členské obce, kde služba sídlí"),
    (r"(?P<code>\S+) is not a member of the region; list members only, or \* for the whole region",
     "obec {code} není členem regionu; uveďte jen členské obce, nebo * pro celý region"),
    (r"(?P<druh>.+) is not provided as (?P<forma>.+); expected (?P<names>.+)", "{druh} se neposkytuje jako {forma}; možné formy: {names}"),
    (r"give both lat and lon, or neither \(then the municipality's centre is used\)", "vyplňte lat i lon, nebo ani jedno (pak se použije střed obce)"),
    (r"lat (?P<lat>.+) and lon (?P<lon>.+) look swapped; expected lat first \(in Czechia lat is 48\.5-51\.1, lon 12-18\.9\)",
     "lat {lat} a lon {lon} jsou nejspíš prohozené; lat je první (v Česku lat 48,5–51,1, lon 12–18,9)"),
    (r"service at lat (?P<lat>.+), lon (?P<lon>.+) lies outside the region \((?P<km>\d+) km from its edge\); expected WGS84 degrees inside the region",
     "služba na lat {lat}, lon {lon} leží mimo region ({km} km od jeho hranice); napište souřadnice WGS84 uvnitř regionu"),
    (r"IČO must be up to 8 digits, got '(?P<value>.*)'", "IČO má nejvýše 8 číslic, zadáno ‚{value}‘"),
    (r"expected a date such as 2026-01-31 or 31\. 1\. 2026, got '(?P<value>.*)'", "očekáváno datum, např. 31. 1. 2026, zadáno ‚{value}‘"),
    (r"service (?P<sid>.+?): (?P<inner>.+)", "služba {sid}: {inner}"),
    # usage, funding
    (r"missing service id; expected an id from services", "chybí id služby; napište id služby z tabulky služeb"),
    (r"unknown service '(?P<sid>.+)' \(not in services\); did you mean '(?P<hint>.+)'\?", "neznámá služba ‚{sid}‘ (není v tabulce služeb); nemysleli jste ‚{hint}‘?"),
    (r"unknown service '(?P<sid>.+)' \(not in services\)", "neznámá služba ‚{sid}‘ (není v tabulce služeb)"),
    (r"missing service id", "chybí id služby"),
    (r"service (?P<sid>\S+) listed twice \(also row (?P<other>\d+)\)", "služba {sid} je uvedena dvakrát (také řádek {other})"),
    (r"service '(?P<sid>.+)' is not a shared service in (?P<file>\S+)", "služba ‚{sid}‘ není společná služba v {file}"),
    (r"no member takes part \(its catchment minus the members that opted out is empty\)",
     "neúčastní se žádná obec (z působnosti služby se všechny obce odhlásily)"),
    (r"the floors of the members \((?P<a>\d+)\) exceed the annual cost \((?P<b>\d+)\)", "minimální příspěvky obcí ({a}) převyšují roční náklady ({b})"),
    (r"must be a per cent between 0 and 100, got (?P<value>.+)", "musí být procento od 0 do 100, zadáno {value}"),
    (r"expected ano or ne, got '(?P<value>.*)'", "napište ano nebo ne, zadáno ‚{value}‘"),
    # taxonomy, units, conversions
    (r"unknown (?P<what>.+?) '(?P<value>.+)'; expected (?P<exp>.+?); did you mean (?P<hint>.+)\?", "neznámá hodnota ‚{value}‘ ({what}); napište {exp}; nemysleli jste {hint}?"),
    (r"unknown (?P<what>.+?) '(?P<value>.+)'; expected (?P<exp>.+)", "neznámá hodnota ‚{value}‘ ({what}); napište {exp}"),
    (r"'(?P<value>.+)' may mean (?P<options>.+); write which one", "‚{value}‘ může znamenat {options}; napište, který"),
    (r"expected one or more target groups", "napište jednu nebo více cílových skupin"),
    (r"'(?P<value>.+)' names several target groups \((?P<names>.+)\); give one here, a row per group",
     "‚{value}‘ označuje více cílových skupin ({names}); zde uveďte jednu, každou skupinu na vlastní řádek"),
    (r"serving on (?P<host>.+): other computers on the network can open the pages \(there is no password\)",
     "stránky na adrese {host} mohou otevřít i ostatní počítače v síti (bez hesla)"),
    (r"lat/lon missing; using the centre of (?P<code>\d+)", "chybí lat/lon; služba se umístí do středu obce {code}"),
    (r"§(?P<druh>\w+): converts (?P<unit>.+) to itself; expected two different units", "§{druh}: převádí {unit} samo na sebe; napište dvě různé jednotky"),
    (r"§(?P<druh>\w+): a second conversion between (?P<a>.+) and (?P<b>.+) \(also row (?P<other>\d+)\); give one per type and pair of units",
     "§{druh}: druhý převod mezi {a} a {b} (také řádek {other}); pro druh a dvojici jednotek uveďte jeden"),
]
#: Last: a warning's ``file:row: message`` (warnings name their place in the text).
RULES.append((r"(?P<file>[\w.\[\]-]+):(?P<row>\d+): (?P<inner>.+)", "{file}, řádek {row}: {inner}"))
_RULES = [(re.compile(pattern, re.S), template) for pattern, template in RULES]

#: Czech of the hint words of "did you mean 'x' or 'y'".
_OR = re.compile(r"'(?P<a>[^']*)'")

#: Kinds of the thing a problem's row is about: (Czech, English).
SUBJECTS: dict[str, tuple[str, str]] = {"service": ("služba", "service"), "municipality": ("obec", "municipality")}

#: Words of the problem lines.
WORDS: dict[str, tuple[str, str]] = {
    "row": ("řádek", "row"),
    "found": ("Nalezeno: {problems}; nic se nezapsalo.", "{problems} found; nothing was written."),
    "error": ("chyba: {message}", "error: {message}"),
    "warning": ("upozornění: {message}", "warning: {message}"),
    "interrupted": ("přerušeno; nic se nezveřejnilo.", "interrupted; nothing was published."),
    "terminated": ("ukončeno signálem SIGTERM; nic se nezveřejnilo.", "terminated by SIGTERM; nothing was published."),
    "run_done": ("výpočet hotov: {path}", "run complete: {path}"),
    "run_results": ("  výsledky (CSV a vysledky.xlsx pro Excel, vysledky.gpkg pro QGIS): {path}", "  results (CSV and vysledky.xlsx for Excel, vysledky.gpkg for QGIS): {path}"),
    "run_documents": ("  dokumenty (plán a monitorovací zpráva pro Word): {path}", "  documents (plan and monitoring report for Word): {path}"),
    "run_documents_pdf": ("  dokumenty (plán a monitorovací zpráva pro Word, PDF pro zastupitelstvo): {path}", "  documents (plan and monitoring report for Word, PDFs for councils): {path}"),
    "plan_written": ("plán zapsán: {path}", "plan written: {path}"),
    "run_pages": ("  stránky: otevřete {path} v prohlížeči", "  pages: open {path} in a browser"),
    "serve_on": (
        "kpwork: stránky výpočtu {run} na {url} (Ctrl-C ukončí); připravuji stránky pro diváky (počet: {viewers})…",
        "kpwork: pages of {run} on {url} (Ctrl-C stops); preparing pages for {viewers} viewer(s)...",
    ),
    "serve_ready": (
        "kpwork: připraveno; diváků najednou: {viewers}, otevřených stránek nejvýše: {max_pages}.",
        "kpwork: ready for {viewers} viewer(s) at once, at most {max_pages} open pages.",
    ),
    "serve_stopped": ("kpwork: server zastaven.", "kpwork: server stopped."),
    "init_done": ("region zapsán do {path} ({members}):", "region written to {path} ({members}):"),
    "init_next": ("další kroky: vyplňte services.xlsx a usage.xlsx (nebo CSV), pak kpwork validate {path} a kpwork run {path}",
                  "next: fill in services.xlsx and usage.xlsx (or CSV), then kpwork validate {path} and kpwork run {path}"),
}


def say(key: str, lang: str = "cs", **fields: object) -> str:
    """A line of :data:`WORDS` in ``lang``.

    Examples
    --------
    >>> say("interrupted"), say("run_done", "en", path="/tmp/x")
    ('přerušeno; nic se nezveřejnilo.', 'run complete: /tmp/x')
    """
    text = WORDS[key][LANGS.index(lang)]
    return text.format(**fields) if fields else text


def run_error_text(exc: RunError, lang: str = "cs") -> str:
    """A failed run as the user reads it: where (page, cell, municipality), then what.

    Examples
    --------
    >>> run_error_text(RunError("ValueError: no data", notebook="municipality.ipynb", cell=3, kod_obce="585599"))
    'chyba: stránka municipality.ipynb, buňka 3, obec 585599: ValueError: no data'
    """
    if lang != "cs":
        return say("error", lang, message=exc)
    where = [f"{label} {value}" for label, value in (("stránka", exc.notebook), ("buňka", exc.cell), ("obec", exc.kod_obce)) if value is not None]
    return say("error", lang, message=(", ".join(where) + ": " if where else "") + exc.detail)


def command_language(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language of a command's messages: ``--lang`` if given, else English when the locale is English, else Czech.

    The locale is read as the C library does: ``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``.

    Examples
    --------
    >>> command_language(None, {"LANG": "en_GB.UTF-8"}), command_language(None, {"LANG": "cs_CZ.UTF-8"}), command_language("cs", {"LC_ALL": "en_US"})
    ('en', 'cs', 'cs')
    >>> command_language(None, {})
    'cs'
    """
    if option:
        return option
    env = os.environ if environ is None else environ
    locale = next((env[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(k)), "")
    return "en" if locale.lower().startswith("en") else "cs"


def _expected(phrase: str) -> str:
    if phrase in EXPECTED:
        return EXPECTED[phrase]
    if phrase.startswith("one of "):
        return "jednu z hodnot " + phrase[len("one of "):]
    return phrase


def czech(message: str) -> str:
    """A problem's English message in Czech; unknown messages stay as they are.

    Examples
    --------
    >>> czech("expected a capacity >= 0, got 'dvacet'")
    'hodnota ‚dvacet‘ nejde přečíst; napište číslo ≥ 0, např. 30'
    >>> czech("service S05: unknown unit of capacity (jednotka) 'hod'; expected one of lůžka, místa; did you mean 'lůžka'?")
    'služba S05: neznámá hodnota ‚hod‘ (jednotka kapacity); napište jednu z hodnot lůžka, místa; nemysleli jste ‚lůžka‘?'
    """
    for pattern, template in _RULES:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        parts = {}
        for name, value in match.groupdict().items():
            if name == "inner":
                value = czech(value)
            elif name == "exp":
                value = _expected(value)
            elif name == "what":
                value = WHAT.get(value, value)
            elif name in ("hint", "options", "names"):
                value = _OR.sub(lambda m: f"‚{m['a']}‘", value).replace(" or ", " nebo ").replace(" and ", " a ")
            parts[name] = value
        return template.format(**parts)
    return message


def known(message: str) -> bool:
    """Whether :func:`czech` has a Czech text for ``message``."""
    return any(pattern.fullmatch(message) for pattern, _ in _RULES)


def problem_text(problem: Problem, lang: str = "cs") -> str:
    """One problem as the user reads it: file, row, column, the service or municipality, what is wrong.

    Examples
    --------
    >>> p = Problem("services.csv", 4, "kapacita", "expected a capacity >= 0, got 'dvacet'", subject=("service", "S03", "Domov se zvláštním režimem"))
    >>> problem_text(p)
    'services.csv, řádek 4, kapacita: služba S03 (Domov se zvláštním režimem): hodnota ‚dvacet‘ nejde přečíst; napište číslo ≥ 0, např. 30'
    >>> problem_text(p, "en")
    "services.csv:4: kapacita: service S03 (Domov se zvláštním režimem): expected a capacity >= 0, got 'dvacet'"
    """
    message = czech(problem.message) if lang == "cs" else problem.message
    if problem.subject:
        kind, code, name = problem.subject
        who = f"{SUBJECTS[kind][LANGS.index(lang)]} {code}"
        message = message.removeprefix(f"{who}: ")
        message = f"{who}{f' ({name})' if name else ''}: {message}"
    if lang == "en":
        return str(Problem(problem.file, problem.row, problem.column, message))
    where = [problem.file]
    if problem.row is not None:
        where.append(f"{WORDS['row'][0]} {problem.row}")
    if problem.column:
        where.append(problem.column)
    return f"{', '.join(where)}: {message}"


def without_follow_ons(problems: Iterable[Problem]) -> list[Problem]:
    """Problems less those that only repeat an earlier one: one problem per file, row and column.

    Examples
    --------
    >>> a, b = Problem("s.csv", 4, "kod_obce", "x"), Problem("s.csv", 4, "kod_obce", "y")
    >>> without_follow_ons([a, b, Problem("s.csv", 5, "kod_obce", "y")]) == [a, Problem("s.csv", 5, "kod_obce", "y")]
    True
    """
    seen: set[tuple] = set()
    out = []
    for p in problems:
        key = (p.file, p.row, p.column)
        if p.row is not None and key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out
