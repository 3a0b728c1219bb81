"""``vysledky.xlsx``: every result table of a run as one sheet a coordinator opens in Excel.

The CSV tables of a run keep their codes and snake_case columns (they are read
back by the pages and compared by ``kpwork reproduce``); the workbook shows the
same rows for people: Czech headers with units (:data:`kpwork.pages.labels.COLUMNS`),
the name of a service type beside its code, states, groups, forms and methods
in words, number formats (whole people, one decimal for estimates and ratios,
``0 %`` for shares, crowns), autofilter, a frozen header, column widths and a
landscape print setup fitted to the page width. Codes stay text. Every text
cell that could start a formula is stored as text (:func:`kpwork.sheets.neutralise_formula`). The workbook is
internal like its folder (real numbers of clients): its first sheet says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpwork.documents.ooxml import stable_zip, stamp
from kpwork.pages.labels import (
    ACTIVITY_STATES,
    COLUMNS,
    DECISIONS,
    DOCUMENTS,
    GAP_STATES,
    LOAD_BASES,
    LOAD_STATES,
    METHODS,
    PLAN_STATES,
    SWOT,
    TABLES,
    WORDS,
    label,
    translate,
    type_name,
    unit_name,
)
from kpwork.results import CODE_COLUMNS
from kpwork.sheets import neutralise_formula
from kpwork.taxonomy import SERVICE_TYPES, form_label, target_group_label

#: File name of the workbook in a run's ``results/``.
WORKBOOK = "vysledky.xlsx"

#: Excel number formats by kind of column.
FORMATS: dict[str, str] = {
    "people": "#,##0",
    "estimate": "#,##0.0",
    "ratio": "0.0",
    "share": "0 %",
    "money": '#,##0 "Kč"',
    "pct": '0.00" %"',
    "year": "0",
    "degrees": "0.0000",
    "date": "d. m. yyyy",
    "code": "@",
}
#: The kind (key of :data:`FORMATS`) of each numeric or date column; codes are in :data:`kpwork.results.CODE_COLUMNS`.
KINDS: dict[str, str] = {
    **dict.fromkeys(["obyvatele", "vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus", "klienti", "klienti_z_regionu",
                     "klienti_odjinud", "hodiny", "luzkodny", "n", "n_v_planu", "n_pozadu", "n_nevykazano", "n_ceka",
                     "n_aktivit", "n_po_terminu", "n_priorit", "n_indikatoru_v_planu", "n_indikatoru_pozadu",
                     "n_indikatoru_nevykazano", "n_indikatoru_ceka", "ucastnici", "vzdalenost_nejblizsi_m", "poradi", "cislo"], "people"),
    **dict.fromkeys(["potreba", "kapacita", "kapacita_dosazitelna", "kapacita_vypoctu", "kapacita_bez_potreby", "kapacita_pred",
                     "mezera", "mezera_pred", "mezera_po", "pridana_kapacita", "obsazenost", "vychozi", "plan", "skutecnost",
                     "zmena"], "estimate"),
    **dict.fromkeys(["dostupnost", "faktor", "vaha"], "ratio"),
    **dict.fromkeys(["pokryti", "pokryti_pred", "pokryti_po", "vytizeni", "plneni", "vykazano", "cerpani"], "share"),
    **dict.fromkeys(["naklady", "naklady_vsech", "vrstvy", "obce_castka", "samostatne", "samostatne_brutto", "rovnym_dilem",
                     "na_obyvatele", "na_cilovou_populaci", "podle_vyuziti", "kombinace", "shapley", "scrb", "castka",
                     "platba", "naklady_koalice", "prebytek", "rozpocet", "cerpano", "z_toho_obce"], "money"),
    "podil_pct": "pct", "rok": "year", "lat": "degrees", "lon": "degrees",
    **dict.fromkeys(["datum", "termin", "zverejneni_navrhu", "konec_pripominek"], "date"),
}
#: ``na_obyvatele`` of financovani_podily is crowns per inhabitant (decimals), not a sum of crowns.
_PER_HEAD = '#,##0.00 "Kč"'


def workbook_tables(results: Mapping[str, pd.DataFrame], *, lang: str = "cs") -> dict[str, pd.DataFrame]:
    """The sheets of ``vysledky.xlsx``: each result table with readable values (columns still the table's).

    Parameters
    ----------
    results
        The run's tables by name (a :class:`kpwork.results.Results` or a dict).
    lang
        ``"cs"`` or ``"en"``.

    Returns
    -------
    dict of DataFrame
        Table name -> frame in the order of :data:`~kpwork.pages.labels.TABLES`
        (then any other table), codes kept, a ``druh_nazev`` column beside
        every ``druh``, coded states and groups replaced by their words.

    Examples
    --------
    >>> t = workbook_tables({"mezery_region": pd.DataFrame({"druh": ["40"], "stav": ["nedostatek"]})})
    >>> t["mezery_region"].values.tolist()
    [['40', 'pečovatelská služba', 'nedostatek']]
    """
    return {name: readable(name, results[name], lang=lang) for name in _table_names(results)}


def _table_names(results: Mapping[str, pd.DataFrame]) -> list[str]:
    """The tables in the order of :data:`~kpwork.pages.labels.TABLES`, then any other table."""
    names = list(results.tables) if hasattr(results, "tables") else list(results)
    return [n for n in TABLES if n in names] + sorted(n for n in names if n not in TABLES)


def _states(table: str) -> Mapping[str, tuple[str, str]]:
    if table == "vytizenost":
        return LOAD_STATES
    if table == "plan_akcni_plan":
        return ACTIVITY_STATES
    if table.startswith("plan_") and table != "plan_mezery_opatreni":
        return PLAN_STATES
    return GAP_STATES


def _groups(value: object, lang: str) -> object:
    if not isinstance(value, str) or not value:
        return value
    return ", ".join(target_group_label(g.strip(), lang) for g in value.split(","))


def readable(table: str, frame: pd.DataFrame, *, lang: str = "cs") -> pd.DataFrame:
    """One result table with words for its codes: type names beside ``druh``, states, groups, forms, methods, yes/no.

    Examples
    --------
    >>> readable("vytizenost", pd.DataFrame({"stav": ["pretizena"], "ok": [True]})).values.tolist()
    [['přetížená', 'ano']]
    """
    out = frame.copy()
    states = _states(table)
    words: dict[str, Callable[[object], object]] = {
        "stav": lambda v: label(states, v, lang, default=v), "stav_pred": lambda v: label(GAP_STATES, v, lang, default=v),
        "stav_po": lambda v: label(GAP_STATES, v, lang, default=v), "vytizeni_zaklad": lambda v: label(LOAD_BASES, v, lang, default=v),
        "metoda": lambda v: label(METHODS, v, lang, default=v), "zvolena_metoda": lambda v: label(METHODS, v, lang, default=v),
        "rozhodnuti": lambda v: label(DECISIONS, v, lang, default=v), "cilova_skupina": lambda v: _groups(v, lang),
        "cilove_skupiny": lambda v: _groups(v, lang), "skupiny_s_potrebou": lambda v: _groups(v, lang),
        "jednotka": lambda v: unit_name(v, lang) if isinstance(v, str) else v,
        "forma": lambda v: form_label(v, lang) if isinstance(v, str) else v,
    }
    if table == "plan_swot":
        words["typ"] = lambda v: label(SWOT, v, lang, default=v)
    for column, word in words.items():
        if column in out.columns:
            out[column] = out[column].map(word)
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: translate(WORDS, "yes", lang), False: translate(WORDS, "no", lang)})
    if "druh" in out.columns and "druh_nazev" not in out.columns:
        names = out["druh"].map(lambda d: type_name(d, lang) if d in SERVICE_TYPES else d)
        out.insert(out.columns.get_loc("druh") + 1, "druh_nazev", names)
    return out


def write_workbook(results: Mapping[str, pd.DataFrame], path: str | Path, *, lang: str = "cs", day: dt.date | None = None) -> Path:
    """Write ``vysledky.xlsx``: a contents sheet, then one formatted sheet per result table.

    The sheets are streamed (openpyxl's write-only mode), one table at a
    time: a country's 1.3 million cells held as openpyxl cells took 2.6 GiB.

    Parameters
    ----------
    results
        The run's tables by name.
    path
        The ``.xlsx`` file to write.
    lang
        ``"cs"`` or ``"en"``.
    day
        The run's reference date: the workbook's "created" and "modified" and
        the date of its archive entries (:func:`~kpwork.documents.ooxml.stable_zip`),
        so the same results give the same bytes. None: now.

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    names = _table_names(results)
    book = Workbook(write_only=True)
    contents = book.create_sheet(translate(DOCUMENTS, "readme_sheet", lang))
    note = WriteOnlyCell(contents, value=translate(DOCUMENTS, "internal_sheet", lang))
    note.font = Font(bold=True, color="C00000")
    rows = [[_sheet_title(name, lang), name, len(results[name])] for name in names]
    write_table(contents, [translate(DOCUMENTS, k, lang) for k in ("sheet", "table", "rows")], rows, [None, None, FORMATS["people"]], above=[note])
    for name in names:
        write_sheet(book.create_sheet(_sheet_title(name, lang)), readable(name, results[name], lang=lang), lang=lang)
    book.properties.subject = translate(DOCUMENTS, "internal_sheet", lang)
    path = Path(path)
    if day is not None:
        book.properties.created = book.properties.modified = stamp(day)
    book.save(path)
    return stable_zip(path, day) if day is not None else path


def _sheet_title(table: str, lang: str) -> str:
    return (translate(TABLES, table, lang) if table in TABLES else table)[:31]


def column_format(column: str, frame: pd.DataFrame) -> str | None:
    """The Excel number format of a column: text for codes, :data:`KINDS` for known numbers, else by dtype."""
    if column in CODE_COLUMNS:
        return FORMATS["code"]
    if column == "na_obyvatele" and "castka" in frame.columns:
        return _PER_HEAD
    if column in KINDS:
        return FORMATS[KINDS[column]]
    if pd.api.types.is_integer_dtype(frame[column]):
        return FORMATS["people"]
    if pd.api.types.is_float_dtype(frame[column]):
        return FORMATS["estimate"]
    return None


def _cell(value: Any, kind: str | None) -> Any:
    """A value as openpyxl writes it: None for missing, dates as dates, text neutralised."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if kind == FORMATS["date"] and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if kind == FORMATS["code"]:
        return str(value)
    return value


def write_sheet(sheet: Any, frame: pd.DataFrame, *, lang: str = "cs") -> None:
    """Fill a write-only openpyxl sheet with ``frame`` under Czech headers, formatted (:func:`write_table`)."""
    formats = [column_format(c, frame) for c in frame.columns]
    rows = [[_cell(v, f) for v, f in zip(row, formats, strict=True)] for row in frame.itertuples(index=False)]
    write_table(sheet, [_header(c, lang) for c in frame.columns], rows, formats)


def _header(column: str, lang: str) -> str:
    if column == "druh_nazev":
        return translate(COLUMNS, column, lang)
    return translate(COLUMNS, column, lang) if column in COLUMNS else column


def write_table(sheet: Any, headers: list[str], rows: list[list[Any]], formats: list[str | None], *, above: list[Any] = ()) -> None:
    """Write a table into a write-only sheet: bold frozen header with autofilter, number formats, column widths,
    landscape print fitted to width; text that could start a formula stays text (:func:`kpwork.sheets.neutralise_formula`).

    Parameters
    ----------
    sheet
        An empty write-only worksheet.
    headers, rows
        The header and the rows (values as openpyxl writes them: :func:`_cell`).
    formats
        The number format of each column (None: Excel's own).
    above
        Cells of one row above the header (the contents sheet's note).
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    header_row = 2 if above else 1
    last_row = header_row + len(rows)
    for k, header in enumerate(headers):  # a write-only sheet takes its layout before its rows
        longest = max([len(str(row[k])) for row in rows if row[k] is not None] + [min(len(header), 24), 6])
        sheet.column_dimensions[get_column_letter(k + 1)].width = min(longest + 2, 60)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(headers), 1))}{max(last_row, header_row)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if above:
        sheet.append(list(above))
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    head = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.alignment = bold, wrap
        head.append(cell)
    sheet.append(head)
    for row in rows:
        sheet.append([_styled(sheet, value, number_format) for value, number_format in zip(row, formats, strict=True)])


def _styled(sheet: Any, value: Any, number_format: str | None) -> Any:
    """A value, or a cell with its number format, or a text cell for text Excel would run as a formula."""
    formula = isinstance(value, str) and neutralise_formula(value) != value
    if not formula and (number_format is None or value is None):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if formula:
        cell.data_type, cell.quotePrefix = "s", True
    if number_format is not None:
        cell.number_format = number_format
    return cell
