"""kpwork.sheets: reading CSV and XLSX as coordinators save them, and the cell parsers."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpwork import sheets as sh
from kpwork.errors import Problem

HEADER = "kod_obce;nazev;kapacita\n"


# --- encodings and delimiters --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nová Dědina;Žlutava".encode(), "Nová Dědina;Žlutava"),
        ("\ufeffNová Dědina;Žlutava".encode(), "Nová Dědina;Žlutava"),
        ("Nová Dědina;Žlutava".encode("cp1250"), "Nová Dědina;Žlutava"),
        ("Nová Dědina\tŽlutava".encode("utf-16"), "Nová Dědina\tŽlutava"),
    ],
    ids=["utf-8", "utf-8-bom", "cp1250", "utf-16"],
)
def test_decode(raw, expected):
    assert sh.decode(raw) == expected


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("kod_obce;nazev;lat\n585599;Otrokovice;49,2118\n", ";"),
        ("kod_obce,nazev,lat\n585599,Otrokovice,49.2118\n", ","),
        ("kod_obce\tnazev\tlat\n", "\t"),
        ('id;cilove_skupiny\nS01;"senioři, ozp"\n', ";"),
        ("\r\nkod_obce,nazev\r\n", ","),
    ],
)
def test_sniff_delimiter(text, delimiter):
    assert sh.sniff_delimiter(text) == delimiter


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250", "utf-16"])
def test_read_sheet_variants_give_the_same_cells(tmp_path, delimiter, encoding):
    rows = [["Kód obce", "Název", "Kapacita", "Působnost"], ["585599", "Otrokovice", "12,5", "585599, 588318"], ["049444", "Oldřichovice", "3", "*"]]
    text = "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in r) for r in rows) + "\r\n"
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode(encoding))
    sheet = sh.read_sheet(path)
    assert sheet.file == "x.csv"
    assert list(sheet.frame.columns) == ["kod_obce", "nazev", "kapacita", "pusobnost"]
    assert sheet.frame.values.tolist() == [r for r in rows[1:]]  # codes keep leading zeros
    assert [sheet.row(i) for i in range(2)] == [2, 3]
    assert sheet.problems == []


def test_cells_are_stripped_and_empty_rows_keep_their_numbers():
    sheet = sh.read_csv_text(HEADER + " 585599 ; Otrokovice ;1\n\n;;\n585513;Napajedla\n", "x.csv")
    assert sheet.frame.values.tolist() == [["585599", "Otrokovice", "1"], ["585513", "Napajedla", ""]]
    assert [sheet.row(i) for i in range(len(sheet.frame))] == [2, 5]


def test_quoted_cell_with_newline_is_one_excel_row():
    sheet = sh.read_csv_text(HEADER + '585599;"Otrokovice\nměsto";1\n585513;Napajedla;2\n', "x.csv")
    assert sheet.frame["nazev"].tolist() == ["Otrokovice\nměsto", "Napajedla"]
    assert [sheet.row(i) for i in range(2)] == [2, 3]


def test_extra_values_are_reported_trailing_delimiters_are_not():
    sheet = sh.read_csv_text(HEADER + "585599;Otrokovice;1;;\n585513;Napajedla;2;x;y\n", "x.csv")
    assert sheet.frame.values.tolist() == [["585599", "Otrokovice", "1"], ["585513", "Napajedla", "2"]]
    assert [str(p) for p in sheet.problems] == [
        "x.csv:3: -: 5 values but the header has 3 columns; values beyond the last column are ignored (x, y)",
    ]


def test_unnamed_columns_are_dropped_and_duplicate_columns_reported():
    sheet = sh.read_csv_text("kod_obce;;Kód obce;nazev\n585599;poznámka;585513;Otrokovice\n", "x.csv")
    assert list(sheet.frame.columns) == ["kod_obce", "nazev"]
    assert sheet.frame.iloc[0].tolist() == ["585599", "Otrokovice"]
    assert [str(p) for p in sheet.problems] == [
        "x.csv:1: kod_obce: column 'Kód obce' appears twice; only the first is read",
    ]


def test_empty_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\r\n\r\n")
    with pytest.raises(ValueError, match="the file is empty; expected a header row with the column names"):
        sh.read_sheet(path)


def test_normalise_header():
    assert sh.normalise_header("\ufeffKód obce ") == "kod_obce"
    assert sh.normalise_header("Cílové skupiny") == "cilove_skupiny"
    assert sh.normalise_header("IČO") == "ico"
    assert sh.normalise_header("věk 80+") == "vek_80"


# --- XLSX ------------------------------------------------------------------------------------


def _xlsx(path, rows, title="List1"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_numbers_become_text_and_are_remembered(tmp_path):
    path = _xlsx(tmp_path / "services.xlsx", [
        ["id", "IČO", "kod_obce", "kapacita", "lat"],
        ["S01", 123456, 585599, 12.0, 49.2118],
        [None, None, None, None, None],
        ["S02", "00123456", "585513", 7.5, None],
    ])
    sheet = sh.read_xlsx(path)
    assert sheet.file == "services.xlsx"
    assert sheet.frame.values.tolist() == [
        ["S01", "123456", "585599", "12", "49.2118"],
        ["S02", "00123456", "585513", "7.5", ""],
    ]
    assert [sheet.row(i) for i in range(2)] == [2, 4]
    assert sheet.numeric_cells == {(0, "ico"), (0, "kod_obce"), (0, "kapacita"), (0, "lat"), (1, "kapacita")}


def test_find_sheet_prefers_csv(tmp_path):
    assert sh.find_sheet(tmp_path, "usage") is None
    _xlsx(tmp_path / "usage.xlsx", [["a"]])
    assert sh.find_sheet(tmp_path, "usage") == tmp_path / "usage.xlsx"
    (tmp_path / "usage.csv").write_text("a\n", encoding="utf-8")
    assert sh.find_sheet(tmp_path, "usage") == tmp_path / "usage.csv"


def test_read_workbook_from_xlsx_sheets(tmp_path):
    path = _xlsx(tmp_path / "plan.xlsx", [["priorita"], ["P1"]], title="Priority")
    book = openpyxl.load_workbook(path)
    book.create_sheet("Opatření").append(["opatreni"])
    book["Opatření"].append(["O1"])
    book.save(path)
    paths, tables = sh.read_workbook(tmp_path, "plan")
    assert paths == [path]
    assert list(tables) == ["priority", "opatreni"]
    assert tables["opatreni"].file == "plan.xlsx[Opatření]"
    assert tables["opatreni"].frame["opatreni"].tolist() == ["O1"]


def test_read_workbook_from_csv_files(tmp_path):
    assert sh.read_workbook(tmp_path, "plan") is None
    (tmp_path / "plan.csv").write_text("priorita\nP1\n", encoding="utf-8")
    (tmp_path / "plan_opatreni.csv").write_text("opatreni\nO1\n", encoding="utf-8")
    paths, tables = sh.read_workbook(tmp_path, "plan")
    assert paths == [tmp_path / "plan.csv", tmp_path / "plan_opatreni.csv"]
    assert list(tables) == ["plan", "opatreni"]
    assert tables["opatreni"].frame["opatreni"].tolist() == ["O1"]


# --- cell parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12.0), ("12,5", 12.5), ("12.5", 12.5), ("6 850 000", 6_850_000.0), ("6\u00a0850\u00a0000,50", 6_850_000.5),
     ("-3", -3.0), ("1e3", 1000.0), ("+4", 4.0)],
)
def test_parse_number(text, value):
    assert sh.parse_number(text) == value


@pytest.mark.parametrize("text", ["", "12 lůžek", "1,2,3", "12,", "abc", "4-5"])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        sh.parse_number(text)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda v: round(v, 2)))
def test_parse_number_reads_czech_excel_formatting(value):
    whole, frac = f"{value:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    assert sh.parse_number(f"{grouped},{frac}") == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("58559", "must be a 6-digit municipality code (kód obce), got '58559'"),
        ("5855990", "must be a 6-digit municipality code (kód obce), got '5855990'"),
        ("Otrokovice", "must be a 6-digit municipality code (kód obce), got 'Otrokovice'"),
        ("585 599", "must be a 6-digit municipality code (kód obce), got '585 599'"),
    ],
)
def test_kod_obce_rejects(text, message):
    with pytest.raises(ValueError) as info:
        sh.kod_obce(text)
    assert str(info.value) == message


def test_kod_obce_accepts_a_float_like_export():
    assert sh.kod_obce("585599") == "585599"
    assert sh.kod_obce("585599.0") == "585599"


def test_non_negative_parsers():
    assert sh.non_negative("0") == 0.0
    assert sh.non_negative_int("12,0") == 12
    with pytest.raises(ValueError, match=r"^must be >= 0, got -1$"):
        sh.non_negative("-1")
    with pytest.raises(ValueError, match=r"^must be a whole number, got 2,5$"):
        sh.non_negative_int("2,5")


def test_split_list():
    assert sh.split_list("585599, 588318;586013 | 549444,") == ["585599", "588318", "586013", "549444"]
    assert sh.split_list(" * ") == ["*"]
    assert sh.split_list("") == []


def test_parse_column_collects_every_bad_cell():
    frame = pd.DataFrame({"kapacita": ["12", "", "-3", "x", "4,5"]}, dtype=object)
    sheet = sh.Sheet("services.csv", frame, rows=[2, 3, 5, 6, 7])
    log = sh.ProblemLog()
    values = sh.parse_column(sheet, "kapacita", sh.non_negative, log, expected="a capacity >= 0", default=None)
    assert values == [12.0, None, None, None, 4.5]
    assert log.problems == [
        Problem("services.csv", 3, "kapacita", "missing value; expected a capacity >= 0"),
        Problem("services.csv", 5, "kapacita", "must be >= 0, got -3"),
        Problem("services.csv", 6, "kapacita", "expected a capacity >= 0, got 'x'"),
    ]
    assert bool(log) and len(log) == 3


def test_parse_column_optional_gives_the_default():
    sheet = sh.Sheet("usage.csv", pd.DataFrame({"hodiny": ["", "7"]}, dtype=object))
    log = sh.ProblemLog()
    assert sh.parse_column(sheet, "hodiny", sh.non_negative, log, required=False, default=-1) == [-1, 7.0]
    assert not log


def test_require_columns():
    sheet = sh.Sheet("usage.csv", pd.DataFrame({"sluzba_id": [], "klienti": []}))
    log = sh.ProblemLog()
    assert not sh.require_columns(sheet, ["sluzba_id", "kod_obce", "klienti"], log)
    assert [str(p) for p in log.problems] == ["usage.csv:1: kod_obce: missing column (columns found: sluzba_id, klienti)"]
    assert sh.require_columns(sheet, ["klienti"], log)


def test_sheet_row_defaults_to_excel_numbering():
    sheet = sh.Sheet("x.csv", pd.DataFrame({"a": ["1", "2"]}))
    assert [sheet.row(0), sheet.row(1)] == [2, 3]
