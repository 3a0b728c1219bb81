"""Hostile and broken input files: each gets a clear problem naming the file, never a traceback or a hang."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import random
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

import kpwork.inputfiles
import kpwork.sheets
from kpwork import InvalidRegion, load_region
from kpwork import sheets as sh
from kpwork.cli import main
from kpwork.config import LIMITS
from kpwork.region.services import IdHints

#: Bytes valid in neither UTF-8 nor cp1250 (0x81 and 0x98 are unassigned in cp1250).
NEITHER = "název = \"Bělov\"\n".encode("cp1250") + b"\x81\x98\n"


def problems(folder: Path) -> list[str]:
    with pytest.raises(InvalidRegion) as info:
        load_region(folder)
    return [str(p) for p in info.value.problems]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rezip(raw: bytes, change) -> bytes:
    """The XLSX ``raw`` with each part's bytes passed through ``change(name, data)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info)))
    return out.getvalue()


def _services_as_xlsx(region: Path) -> Path:
    sheet = sh.read_sheet(region / "services.csv").frame
    (region / "services.csv").unlink()
    path = region / "services.xlsx"
    path.write_bytes(_xlsx([list(sheet.columns), *sheet.values.tolist()]))
    return path


# --- names without markup ------------------------------------------------------------------------


def test_markup_in_a_municipality_name_is_refused_with_feature_and_name(region_copy):
    path = region_copy / "municipalities.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][1]["properties"]["nazev"] = "Napajedla<img src=x onerror=alert(1)>"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    found = problems(region_copy)
    assert "municipalities.geojson:2: nazev: název 'Napajedla<img src=x onerror=alert(1)>' obsahuje značky (<, >, javascript:, {{, {% nebo {#); název je prostý text: napište ho bez nich" in found


@pytest.mark.parametrize(("column", "value"), [("nazev", "<script>alert(1)</script>"), ("poskytovatel", "JavaScript:alert(1)"), ("nazev", "Domov </b>"), ("nazev", "Domov {{ cycler.__init__ }}"), ("poskytovatel", "{% if 1 %}")])
def test_markup_in_a_service_name_or_provider_is_refused(region_copy, set_cell, column, value):
    set_cell(region_copy / "services.csv", 3, column, value)
    assert any(p.startswith(f"services.csv:3: {column}: název {value!r} obsahuje značky") for p in problems(region_copy))


def test_markup_in_the_region_name_is_refused(region_copy):
    path = region_copy / "region.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('name = "', 'name = "<b>', 1), encoding="utf-8")
    assert any(p.startswith("region.toml:") and ": name: název '<b>" in p for p in problems(region_copy))


# --- text, TOML ----------------------------------------------------------------------------------


@pytest.mark.parametrize("opening", ["[", "{a="])
def test_deeply_nested_toml_is_a_problem_not_a_recursion_error(region_copy, opening):
    closing = {"[": "]", "{a=": "}"}[opening]
    with (region_copy / "region.toml").open("a", encoding="utf-8") as f:
        f.write("\nx = " + opening * 100_000 + "1" + closing * 100_000 + "\n")
    found = problems(region_copy)
    assert any(p.startswith("region.toml:-: -: pole nebo tabulky jsou vnořené 100000krát") for p in found), found


def test_nesting_a_region_might_use_is_read(region_copy):
    with (region_copy / "region.toml").open("a", encoding="utf-8") as f:
        f.write('\n[pojmy]\n"naši senioři" = ["seniori"]\n')
    assert load_region(region_copy).id


@pytest.mark.parametrize("name", ["region.toml", "funding.csv", "coalition_costs.csv", "usage.csv"])
def test_bytes_in_neither_utf8_nor_cp1250_are_a_problem_naming_the_file(region_copy, name):
    (region_copy / name).write_bytes(NEITHER)
    found = problems(region_copy)
    assert any(p.startswith(f"{name}:-: -: text není v kódování UTF-8 ani cp1250 (bajt 0x81") and "CSV UTF-8" in p for p in found), found


# --- broken and hostile XLSX ---------------------------------------------------------------------


def test_random_bytes_as_xlsx(region_copy):
    (region_copy / "services.csv").unlink()
    (region_copy / "services.xlsx").write_bytes(random.Random(1).randbytes(5000))
    assert "services.xlsx:-: -: není platný sešit XLSX (poškozený nebo jiný formát); otevřete ho v Excelu a uložte znovu jako Sešit Excelu (.xlsx)" in problems(region_copy)


@pytest.mark.parametrize("name", ["services.xlsx", "plan.xlsx"])
def test_broken_xml_inside_an_xlsx(region_copy, name):
    path = _services_as_xlsx(region_copy)
    raw = _rezip(path.read_bytes(), lambda part, data: data[: len(data) // 2] if part == "xl/worksheets/sheet1.xml" else data)
    if name == "plan.xlsx":
        path.rename(region_copy / "services.csv.bak")
        (region_copy / "services.csv").write_text((Path(__file__).parent.parent / "data" / "otrokovicko" / "services.csv").read_text(encoding="utf-8-sig"), encoding="utf-8")
    (region_copy / name).write_bytes(raw)
    found = problems(region_copy)
    assert any(p.startswith(f"{name}:-: -:") and "nelze přečíst" in p and "uložte ho znovu" in p for p in found), found


def test_a_zip_bomb_is_refused_from_the_zip_directory_before_parsing(region_copy, monkeypatch):
    path = _services_as_xlsx(region_copy)
    zeros = b"<c/>" * (12 * 2**20)  # a 48 MiB sheet that deflates to ~50 kB
    bomb = _rezip(path.read_bytes(), lambda part, data: data[:-20] + zeros + data[-20:] if part == "xl/worksheets/sheet1.xml" else data)
    assert len(bomb) < 1_000_000
    path.write_bytes(bomb)

    def no_parsing(*args, **kwargs):
        raise AssertionError("the bomb was parsed")

    monkeypatch.setattr(kpwork.sheets.pd, "ExcelFile", no_parsing)
    t0 = time.perf_counter()
    found = problems(region_copy)
    assert time.perf_counter() - t0 < 10
    assert any(p.startswith("services.xlsx:-: -: část xl/worksheets/sheet1.xml by se rozbalila") and "krát (víc než 200krát)" in p for p in found), found


def test_an_xlsx_expanding_beyond_the_limit_is_refused(region_copy, monkeypatch):
    _services_as_xlsx(region_copy)
    monkeypatch.setattr(kpwork.inputfiles, "LIMITS", dataclasses.replace(LIMITS, xlsx_expanded_bytes=1000))
    assert any(p.startswith("services.xlsx:-: -: sešit by se rozbalil na") for p in problems(region_copy))


def test_a_sheet_declaring_millions_of_rows_is_refused_before_parsing(region_copy):
    path = _services_as_xlsx(region_copy)
    path.write_bytes(_rezip(path.read_bytes(), lambda part, data: data.replace(b'<dimension ref="A1:', b'<dimension ref="A1:XFD2000000" x="') if part == "xl/worksheets/sheet1.xml" else data))
    found = problems(region_copy)
    assert any(p.startswith("services.xlsx:-: -: list má 2 000 000 řádků a 16384 sloupců") for p in found), found


# --- big files -----------------------------------------------------------------------------------


def test_a_csv_beyond_the_row_limit_is_refused_before_parsing(region_copy):
    lines = (region_copy / "services.csv").read_text(encoding="utf-8-sig").splitlines()
    with (region_copy / "services.csv").open("w", encoding="utf-8") as f:
        f.write(lines[0] + "\n")
        for i in range(LIMITS.service_rows + 1):
            f.write(f"X{i};" + lines[1].split(";", 1)[1] + "\n")
    t0 = time.perf_counter()
    found = problems(region_copy)
    assert time.perf_counter() - t0 < 20
    assert any(p.startswith(f"services.csv:-: -: tabulka má {LIMITS.service_rows + 1:,} řádků".replace(",", " ")) for p in found), found


def test_a_file_beyond_the_size_limit_is_refused_unread(region_copy, monkeypatch):
    monkeypatch.setattr(kpwork.inputfiles, "LIMITS", dataclasses.replace(LIMITS, file_bytes=100))
    found = problems(region_copy)
    assert any(p.startswith("usage.csv:-: -: soubor má 0 MiB, víc než kpwork čte") for p in found), found


def test_problems_are_capped_per_file_with_a_count_of_the_rest(region_copy):
    with (region_copy / "usage.csv").open("a", encoding="utf-8") as f:
        for i in range(120):
            f.write(f"S01;585599;x{i};\n")
    found = problems(region_copy)
    usage = [p for p in found if p.startswith("usage.csv")]
    assert len(usage) == LIMITS.problems_per_file + 1
    assert usage[-1] == f"usage.csv:-: -: a dalších {120 - LIMITS.problems_per_file} problémů v tomto souboru (vypsáno prvních {LIMITS.problems_per_file}); opravte vypsané a spusťte kontrolu znovu"
    result = CliRunner().invoke(main, ["validate", str(region_copy)])
    assert result.exit_code == 1 and "a dalších 70 problémů" in result.output


def test_a_pipe_in_place_of_a_sheet_does_not_hang(region_copy):
    (region_copy / "usage.csv").unlink()
    os.mkfifo(region_copy / "usage.csv")
    assert "usage.csv:-: -: není obyčejný soubor; uložte data do souboru ve složce regionu" in problems(region_copy)


def test_suggestions_among_800000_ids_are_fast_and_still_helpful():
    ids = {f"S{i:07d}" for i in range(800_000)}
    t0 = time.perf_counter()
    hints = IdHints(ids)  # built once per file
    assert time.perf_counter() - t0 < 60
    t0 = time.perf_counter()
    found = [hints(f"S{i * 7919 % 800_000:07d}X") for i in range(200)]
    assert time.perf_counter() - t0 < 5  # before: difflib over every id took ~6 s per unknown id
    assert found[1] == "; did you mean 'S0007919'?"
    assert hints("S7919") == "; did you mean 'S0007919'?" and hints("s0007919") == "; did you mean 'S0007919'?"
    assert hints("S000791") in ("; did you mean 'S0000791'?", "; did you mean 'S0007910'?")


def test_unknown_ids_in_a_big_usage_file_are_reported_quickly(region_copy):
    with (region_copy / "usage.csv").open("a", encoding="utf-8") as f:
        for i in range(50_000):
            f.write(f"S{i:05d}X;585599;1;\n")
    t0 = time.perf_counter()
    found = problems(region_copy)
    assert time.perf_counter() - t0 < 60
    assert sum(p.startswith("usage.csv") for p in found) == LIMITS.problems_per_file + 1


def test_a_long_load_says_what_it_reads(region_copy, monkeypatch):
    import kpwork.region.load

    monkeypatch.setattr(kpwork.region.load, "LIMITS", dataclasses.replace(LIMITS, progress_after_s=-1.0))  # every load is "long"
    result = CliRunner().invoke(main, ["validate", str(region_copy)])
    assert result.exit_code == 0, result.output
    for what in ("municipalities.geojson", "population", "services", "usage"):
        assert f"kpwork: kontroluji {what} (zatím" in result.output
    assert "kpwork: vstupy načteny za" in result.output
    monkeypatch.setattr(kpwork.region.load, "LIMITS", LIMITS)
    quiet = CliRunner().invoke(main, ["validate", str(region_copy)])
    assert "kontroluji" not in quiet.output, "a short load says nothing"


def test_a_returned_form_that_is_a_zip_bomb_or_has_a_broken_hidden_sheet_is_one_problem(region_copy, tmp_path):
    import datetime as dt

    from openpyxl import load_workbook

    from kpwork.catalogue import merge_forms, write_forms
    from kpwork.catalogue.form import META_SHEET

    write_forms(region_copy, tmp_path / "forms", today=dt.date(2026, 1, 10))
    form = sorted((tmp_path / "forms").glob("*.xlsx"))[0]
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_rezip(form.read_bytes(), lambda part, data: data[:-20] + b"<c/>" * (12 * 2**20) + data[-20:] if part == "xl/worksheets/sheet1.xml" else data))
    book = load_workbook(form)
    for row in book[META_SHEET].iter_rows():
        if row[0].value == "radek":
            row[1].value = "{not json"
            break
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    report = merge_forms(region_copy, [bomb, broken])
    found = {p.file: str(p) for f in report.forms for p in f.problems}
    assert "krát (víc než 200krát)" in found["bomb.xlsx"]
    assert "skrytý list kpwork byl změněn" in found[f"broken.xlsx[{META_SHEET}]"]
    assert not report.ok
