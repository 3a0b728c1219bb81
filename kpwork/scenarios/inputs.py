"""Reading the scenarios of a region folder: ``scenarios/*.csv`` or the sheets of ``scenarios/*.xlsx``.

Each CSV file, and each worksheet of an XLSX file, is one scenario named by
the file (or the worksheet); each row is one change. Every problem of every
file is collected with its file, row and column, in Czech (the coordinator
fixes these files), and raised by the loader together with the problems of
the other inputs. The layout: ``docs/scenarios.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pyproj import Transformer

from kpwork import sheets as sh
from kpwork.config import ANALYSIS_CRS, WEB_CRS
from kpwork.funding.methods import normalise_method
from kpwork.region.model import Region
from kpwork.scenarios.changes import Change, Scenario
from kpwork.taxonomy import FORMS, SERVICE_TYPES, fold, normalise_form, normalise_unit

#: The folder of a region that holds its scenarios.
FOLDER = "scenarios"
#: Columns of a scenario sheet: the first is required, the others as a change needs them.
COLUMNS = ("zmena", "sluzba_id", "nazev", "druh", "forma", "cilove_skupiny", "kapacita", "jednotka", "kod_obce",
           "lat", "lon", "pusobnost", "dosah_km", "naklady", "spolufinancovani", "zdroj", "metoda", "nazev_scenare")
#: Longest title of a scenario (it heads a page and names a column of the comparison).
TITLE_CHARS = 120
#: How ``zmena`` may be written (folded, without diacritics).
KINDS = {
    "pridat": ("pridat", "pridani", "nova", "nova sluzba", "add"),
    "kapacita": ("kapacita", "zmenit kapacitu", "zmena kapacity", "capacity"),
    "zrusit": ("zrusit", "zruseni", "zavrit", "uzavrit", "close"),
}
_NEEDS = {"pridat": ("druh", "forma", "cilove_skupiny", "kapacita", "kod_obce"), "kapacita": ("sluzba_id", "kapacita"), "zrusit": ("sluzba_id",)}
_WHAT = {
    "sluzba_id": "kód služby ze seznamu služeb", "druh": "druh služby, např. 40 nebo pečovatelská služba",
    "forma": "formu: pobytová, ambulantní nebo terénní", "cilove_skupiny": "cílové skupiny, např. senioři",
    "kapacita": "kapacitu (číslo 0 nebo větší)", "kod_obce": "kód členské obce, kde služba sídlí",
}
_TO_KROVAK = Transformer.from_crs(WEB_CRS, ANALYSIS_CRS, always_xy=True)


def scenario_files(folder: Path) -> list[Path]:
    """The scenario files of a region folder, sorted (CSV and XLSX; none without ``scenarios/``)."""
    where = Path(folder) / FOLDER
    if not where.is_dir():
        return []
    return sorted(p for p in where.iterdir() if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith((".", "~$")))


def read_scenarios(folder: Path, region: Region, problems: sh.ProblemLog, inputs: list[Path]) -> tuple[Scenario, ...]:
    """Every scenario of a region folder, checked against the region; problems collected.

    Parameters
    ----------
    folder
        The region folder.
    region
        The region read so far (members, services, vocabulary).
    problems
        Where problems go (file ``scenarios/<name>``, row as Excel shows it, column).
    inputs
        Files read are appended (the run records them in its manifest).

    Returns
    -------
    tuple of Scenario
        In the order of the files (and worksheets); empty without the folder.
    """
    scenarios: list[Scenario] = []
    for path in scenario_files(folder):
        inputs.append(path)
        try:
            sheets = _sheets(path)
        except Exception as exc:  # a broken file is one problem, not a crash
            problems.add(f"{FOLDER}/{path.name}", None, None, f"soubor nelze přečíst: {exc}")
            continue
        for name, sheet in sheets:
            sheet.file = f"{FOLDER}/{sheet.file}"
            problems.extend(sheet.problems)
            scenario = parse_scenario(sheet, name, region, problems)
            if scenario is not None:
                scenarios.append(scenario)
    names = [s.nazev for s in scenarios]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add(FOLDER, None, None, f"scénář „{name}“ je zadán víckrát; pojmenujte soubory (listy) různě")
    return tuple(scenarios)


def parse_scenario(sheet: sh.Sheet, name: str, region: Region, problems: sh.ProblemLog) -> Scenario | None:
    """One scenario from a sheet, each row a change; None when it has problems (they are logged)."""
    start = len(problems)
    frame = sheet.frame
    if "zmena" not in frame.columns:
        problems.add(sheet.file, 1, "zmena", f"chybí sloupec zmena (nalezené sloupce: {', '.join(frame.columns) or 'žádné'})")
        return None
    unknown = [c for c in frame.columns if c not in COLUMNS]
    for column in unknown:
        problems.add(sheet.file, 1, column, f"neznámý sloupec; scénář má sloupce {', '.join(COLUMNS)}")
    if not len(frame):
        problems.add(sheet.file, None, None, "scénář nemá žádnou změnu; každý řádek je jedna změna")
    changes, methods, titles = [], [], []
    for i in range(len(frame)):
        cells = {c: frame[c].iloc[i] if c in frame.columns else "" for c in COLUMNS}
        change = _change(sheet, sheet.row(i), cells, region, problems)
        if change is not None:
            changes.append(change)
        if cells["metoda"]:
            methods.append((sheet.row(i), cells["metoda"]))
        if cells["nazev_scenare"]:
            titles.append((sheet.row(i), cells["nazev_scenare"]))
    method = _method(sheet, methods, problems)
    title = _title(sheet, titles, problems)
    if len(problems) > start:
        return None
    return Scenario(name, tuple(changes), method, title)


def _title(sheet: sh.Sheet, titles: list[tuple[int, str]], problems: sh.ProblemLog) -> str:
    """The scenario's title: the same text on every row that gives one (usually only the first)."""
    found = [(row, " ".join(text.split())) for row, text in titles]
    for row, text in found:
        try:
            sh.plain_name(text)
        except ValueError as exc:
            problems.add(sheet.file, row, "nazev_scenare", str(exc))
        if len(text) > TITLE_CHARS:
            problems.add(sheet.file, row, "nazev_scenare", f"název scénáře je delší než {TITLE_CHARS} znaků ({len(text)}); zkraťte ho")
    distinct = list(dict.fromkeys(t for _, t in found))
    if len(distinct) > 1:
        row = next(r for r, t in found if t != distinct[0])
        problems.add(sheet.file, row, "nazev_scenare", f"scénář má jeden název, ale řádky uvádějí „{distinct[0]}“ a „{distinct[1]}“; název stačí uvést v prvním řádku")
    return distinct[0] if distinct else ""


def _sheets(path: Path) -> list[tuple[str, sh.Sheet]]:
    """The scenarios of one file; an XLSX is read once through the input limits (:func:`kpwork.sheets.open_xlsx`) before any parsing."""
    if path.suffix.lower() == ".xlsx":
        with sh.open_xlsx(path) as book:
            names = book.sheet_names
            if len(names) == 1:
                return [(path.stem, sh.read_xlsx(path, sheet_name=names[0], book=book))]
            return [(n, sh.read_xlsx(path, sheet_name=n, book=book)) for n in names]
    return [(path.stem, sh.read_sheet(path))]


def _change(sheet: sh.Sheet, row: int, cells: dict[str, str], region: Region, problems: sh.ProblemLog) -> Change | None:
    start = len(problems)

    def add(column: str, message: str) -> None:
        problems.add(sheet.file, row, column, message)

    kind = _kind(cells["zmena"])
    if kind is None:
        add("zmena", f"neznámá změna „{cells['zmena']}“; uveďte přidat, kapacita nebo zrušit" if cells["zmena"] else "chybí změna; uveďte přidat, kapacita nebo zrušit")
        return None
    for column in _NEEDS[kind]:
        if not cells[column]:
            add(column, f"chybí hodnota; změna „{kind}“ potřebuje {_WHAT[column]}")
    if len(problems) > start:
        return None
    known = set(region.services["id"]) if len(region.services) else set()
    sid = cells["sluzba_id"]
    if kind != "pridat" and sid not in known:
        add("sluzba_id", f"služba „{sid}“ není v seznamu služeb regionu")
    if kind == "pridat" and sid in known:
        add("sluzba_id", f"kód „{sid}“ už má existující služba; nové službě dejte jiný kód, nebo ho nechte prázdný")
    value = lambda column, parse, what: _cell(cells, column, parse, what, add)  # noqa: E731
    kapacita = value("kapacita", sh.non_negative, "kapacitu (číslo 0 nebo větší)")
    naklady = value("naklady", lambda t: sh.non_negative(t.replace("Kč", "").replace("CZK", "")), "roční náklady v Kč (0 nebo víc)")
    share = value("spolufinancovani", _percent, "podíl v procentech 0 až 100")
    dosah = value("dosah_km", _positive, "vzdálenost v km větší než 0")
    if kind != "pridat":
        return None if len(problems) > start else Change(kind, sid, kapacita=kapacita, naklady=naklady, spolufinancovani=share or 0.0, zdroj=cells["zdroj"])
    druh = value("druh", region.vocabulary.service_type, "druh služby, např. 40 nebo pečovatelská služba")
    forma = value("forma", normalise_form, "formu: pobytová, ambulantní nebo terénní")
    groups = value("cilove_skupiny", region.vocabulary.target_groups, "cílové skupiny, např. senioři")
    unit = value("jednotka", normalise_unit, "jednotku kapacity, např. klienti nebo lůžka")
    code = value("kod_obce", sh.kod_obce, "šestimístný kód obce")
    if code is not None and code not in region.members:
        add("kod_obce", f"obec {code} není členem regionu; uveďte kód členské obce, kde služba sídlí")
    if druh is not None and forma is not None and forma not in SERVICE_TYPES[druh].forms:
        allowed = " nebo ".join(FORMS[f] for f in SERVICE_TYPES[druh].forms)
        add("forma", f"{SERVICE_TYPES[druh].label} se neposkytuje jako {FORMS[forma]}; uveďte {allowed}")
    catchment = _catchment(cells["pusobnost"], region, add)
    if (catchment or dosah is not None) and forma not in (None, "terenni"):
        add("pusobnost" if catchment else "dosah_km", "působnost a dosah se zadávají jen u terénních služeb; ostatní mají dosah podle formy jako v analýze")
    point = _point(cells, add)
    if len(problems) > start:
        return None
    return Change(
        "pridat", sid, druh=druh, forma=forma, cilove_skupiny=groups, kapacita=kapacita, jednotka=unit or "",
        kod_obce=code, nazev=cells["nazev"], bod=point, pusobnost=catchment,
        dosah_m=None if dosah is None else dosah * 1000, naklady=naklady, spolufinancovani=share or 0.0, zdroj=cells["zdroj"],
    )


def _cell(cells: dict[str, str], column: str, parse: Callable[[str], object], what: str, add: Callable[[str, str], None]):
    text = cells[column]
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        add(column, f"„{text}“ nelze přečíst; uveďte {what}")
        return None


def _kind(text: str) -> str | None:
    key = fold(text).replace("_", " ").strip()
    return next((kind for kind, spellings in KINDS.items() if key in spellings), None)


def _percent(text: str) -> float:
    value = sh.parse_number(text.replace("%", "").strip())
    if not 0 <= value <= 100:
        raise ValueError(text)
    return value / 100


def _positive(text: str) -> float:
    value = sh.parse_number(text)
    if not value > 0:
        raise ValueError(text)
    return value


def _catchment(text: str, region: Region, add: Callable[[str, str], None]) -> tuple[str, ...]:
    if not text:
        return ()
    if text.strip() == "*":
        return tuple(region.members)
    names = {fold(n): c for c, n in region.member_names().items()}
    codes = []
    for item in sh.split_list(text):
        code = item if item in region.members else names.get(fold(item))
        if code is None:
            add("pusobnost", f"„{item}“ není členská obec regionu; uveďte kódy nebo názvy členských obcí, nebo * pro celý region")
        else:
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def _point(cells: dict[str, str], add: Callable[[str, str], None]) -> tuple[float, float] | None:
    if not cells["lat"] and not cells["lon"]:
        return None
    try:
        lat, lon = sh.parse_number(cells["lat"]), sh.parse_number(cells["lon"])
    except ValueError:
        add("lat", "uveďte obě souřadnice lat a lon ve stupních (WGS84), např. 49,2118 a 17,5352, nebo žádnou")
        return None
    if not (48.5 <= lat <= 51.1 and 12.0 <= lon <= 18.9):
        add("lat", f"bod {lat}, {lon} neleží v Česku; lat je 48,5 až 51,1 a lon 12 až 18,9")
        return None
    x, y = _TO_KROVAK.transform(lon, lat)
    return float(x), float(y)


def _method(sheet: sh.Sheet, methods: list[tuple[int, str]], problems: sh.ProblemLog) -> str:
    found = []
    for row, text in methods:
        try:
            method = normalise_method(text)
            if method == "kombinace":  # its weights live in funding.csv, per shared service
                raise ValueError(text)
            found.append((row, method))
        except ValueError:
            problems.add(sheet.file, row, "metoda", f"neznámá metoda „{text}“; uveďte rovnym_dilem, na_obyvatele, na_cilovou_populaci, podle_vyuziti, shapley nebo scrb")
    distinct = list(dict.fromkeys(m for _, m in found))
    if len(distinct) > 1:
        problems.add(sheet.file, found[1][0], "metoda", f"scénář má jednu metodu dělení nákladů, ale řádky uvádějí {' a '.join(distinct)}")
    return distinct[0] if distinct else "na_obyvatele"


_KIND_WORDS = {"pridat": "přidat", "kapacita": "kapacita", "zrusit": "zrušit"}
_TO_WGS = Transformer.from_crs(ANALYSIS_CRS, WEB_CRS, always_xy=True)


def scenario_sheet(scenario: Scenario) -> pd.DataFrame:
    """A scenario as the rows of its file (:data:`COLUMNS`, all text, Czech decimal commas): what the meeting page downloads.

    :func:`parse_scenario` reads it back to the same changes.

    Examples
    --------
    >>> from kpwork.scenarios.changes import Change
    >>> s = Scenario("a", (Change("kapacita", "S04", kapacita=120.5),))
    >>> scenario_sheet(s)[["zmena", "sluzba_id", "kapacita", "metoda"]].values.tolist()
    [['kapacita', 'S04', '120,5', 'na_obyvatele']]
    """
    rows = []
    for change in scenario.changes:
        lon, lat = _TO_WGS.transform(*change.bod) if change.bod is not None else ("", "")
        rows.append({
            "zmena": _KIND_WORDS[change.zmena], "sluzba_id": change.sluzba_id, "nazev": change.nazev, "druh": change.druh,
            "forma": FORMS.get(change.forma, ""), "cilove_skupiny": ", ".join(change.cilove_skupiny),
            "kapacita": _text(change.kapacita), "jednotka": change.jednotka, "kod_obce": change.kod_obce,
            "lat": _text(lat, 6), "lon": _text(lon, 6), "pusobnost": ", ".join(change.pusobnost),
            "dosah_km": _text(None if change.dosah_m is None else change.dosah_m / 1000), "naklady": _text(change.naklady, 0),
            "spolufinancovani": _text(change.spolufinancovani * 100 if change.spolufinancovani else None), "zdroj": change.zdroj,
            "metoda": scenario.metoda, "nazev_scenare": scenario.titulek if not rows else "",
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _text(value: float | str | None, digits: int = 3) -> str:
    if value is None or value == "":
        return ""
    if not digits:
        return str(int(round(float(value))))
    return f"{float(value):.{digits}f}".rstrip("0").rstrip(".").replace(".", ",")
