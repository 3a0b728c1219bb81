"""The funding notebook runs on a run's results (papermill) and shows every method."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from kpwork.funding import funding_results
from kpwork.pages import funding as pages
from kpwork.pages.element import Chart, Table
from kpwork.pages.funding import council_tables, write_council_xlsx
from kpwork.region import load_region
from kpwork.results import load, write_results

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "funding.ipynb"


def test_notebook_is_committed_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "kpwork"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert not any("def " in c.source for c in code)


@pytest.fixture(scope="module")
def run_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "results"
    region = load_region(ROOT / "data" / "otrokovicko")
    write_results({**funding_results(region), "vyuziti": region.usage}, {}, {"id": region.id, "name": region.name}, folder)
    return folder


def test_council_workbook(run_results, tmp_path):
    import openpyxl

    path = write_council_xlsx(council_tables(load(run_results)), tmp_path / "rada.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Příspěvky obcí", "Srovnání metod", "Zdroje financování"]
    sheet = book["Příspěvky obcí"]
    assert sheet["B2"].value == "Obec" and sheet.freeze_panes == "A3"
    for sheet in book.worksheets:  # internal: every member's amounts give small counts of clients back
        assert sheet["A1"].value.startswith("NEVEŘEJNÉ") and sheet.oddHeader.center.text == "NEVEŘEJNÉ"


def test_council_sheet_is_numeric_and_its_page_table_czech(run_results):
    srovnani = load(run_results)["financovani_srovnani"]
    sheet = pages.council_sheet(srovnani, sluzby=["S01"])
    assert sheet["Celkem (Kč)"].dtype == "int64", "numbers stay numbers in the council workbook"
    table = pages.council_table(load(run_results), sluzby=["S01"])
    assert isinstance(table, Table)
    total = int(sheet["Celkem (Kč)"].iloc[-1])
    assert f">{total:_}<".replace("_", "\u00a0") in table.html, "thousands with no-break spaces"
    assert ">Celkem<" in table.html and '<td style="text-align:right">' in table.html


def test_every_funding_table_and_the_chart_are_page_elements(run_results):
    r = load(run_results)
    for element in (pages.comparison_table(r, lang="en"), pages.layers_table(r["financovani_vrstvy"]), pages.core_table(r)):
        assert isinstance(element, Table)
    chart = pages.comparison_chart(r, sluzby=["S08", "S17"], lang="en")
    assert isinstance(chart, Chart) and chart.html.startswith('<img alt="Member contribution by method"')
    assert chart.figure.axes[0].xaxis.get_major_formatter()(1500000, 0) == "1,500,000"


@pytest.mark.e2e
@pytest.mark.parametrize(("metoda", "sluzby", "lang"), [(None, None, "cs"), ("shapley", ["S08", "S17"], "en")])
def test_notebook_runs_on_results(run_results, tmp_path, metoda, sluzby, lang):
    import papermill as pm

    out = tmp_path / "funding.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={"results_dir": str(run_results), "metoda": metoda, "sluzby": sluzby, "lang": lang},
        kernel_name="kpwork",
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    assert "data:image/png;base64," in outputs, "the chart, inlined in the page"
    if lang == "cs":
        assert "Celkem (Kč)" in outputs and "Shapleyho hodnota" in outputs and "kombinace" in outputs
    else:
        assert "Total (CZK)" in outputs and "Shapley value" in outputs
        text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=\\n]+", "", outputs)  # base64 may hold any three letters
        assert "S01" not in text  # only the services asked for


def _rows(html: str) -> dict[str, list[str]]:
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)[1:]]
    return {cells[1] if cells[1] not in ("", "–") else cells[2]: cells for cells in rows}


def test_public_tables_show_members_with_few_clients_only_added_up(run_results):
    # S01 (kombinace, usage 109/6/2/1): Bělov and Nová Dědina, grown by Žlutava; S17: every member has under 5;
    # S08's chosen SCRB runs on the provider's quotes, which follow no clients
    r = load(run_results)
    council = _rows(pages.council_table(r).html)
    nbsp = "\u00a0"
    assert council["Bělov"][3:] == ["skryto", f"58{nbsp}110", "–", "skryto", "skryto"], "a row total would give the hidden cell back"
    assert council["Otrokovice"][3] == f"1{nbsp}558{nbsp}159" and council["Oldřichovice"][-2] == f"51{nbsp}247"
    assert council["Napajedla"][5] == "skryto" and council["Celkem"][3:6] == [f"1{nbsp}700{nbsp}000", f"1{nbsp}380{nbsp}000", f"700{nbsp}000"]
    comparison = pages.comparison_table(r).html
    assert f"65{nbsp}714" not in comparison, "Pohořelice's one client of 21 (1 380 000 / 21) by usage"
    assert "ostatní obce (3): Bělov, Nová Dědina, Žlutava" in comparison and "ostatní obce (4): Napajedla" in comparison
    core = pages.core_table(r).html
    assert "Bělov + Nová Dědina + Žlutava" in core and "Bělov + Nová Dědina<" not in core, "a group cutting the pool is left out"
    assert "podle využití" not in core
    assert council_tables(r)["Příspěvky obcí"].attrs["note"].startswith("NEVEŘEJNÉ")
