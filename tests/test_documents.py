"""The run's documents, opened with their own libraries: plan.docx, monitoring.docx, vysledky.xlsx, the GeoPackage's styles, PDFs."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import xml.dom.minidom

import pandas as pd
import pyogrio
import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from test_runs import PAGES, SAMPLE, write_notebooks

from kpwork.analysis import analyse_region
from kpwork.documents import DOCUMENTS_DIR, write_data_documents, write_word_documents
from kpwork.documents.layers import GAPS_LAYER, STYLES_TABLE, coverage_classes
from kpwork.documents.pdf import ChromiumMissing, find_chromium, print_pages
from kpwork.documents.word import TEMPLATE, document_text, template_path
from kpwork.documents.workbook import WORKBOOK
from kpwork.errors import KpworkError
from kpwork.pages.classes import COVERAGE_COLOURS
from kpwork.pages.maps import FORM_COLOURS
from kpwork.reproduce import compare_documents
from kpwork.results import load, write_results
from kpwork.runs import monitoring_year, run_region

TODAY = dt.date(2025, 3, 1)


@pytest.fixture(scope="module")
def documents(tmp_path_factory, sample_region):
    """The sample's results (no notebooks) with every document a run writes but the PDFs."""
    run = tmp_path_factory.mktemp("documents") / "run"
    analysis = analyse_region(sample_region, today=TODAY)
    write_results(analysis.tables, analysis.layers, analysis.meta, run / "results")
    write_data_documents(run / "results", today=TODAY)
    rok = monitoring_year(sample_region.extras["plan"].years, TODAY)
    write_word_documents(run / "results", run / DOCUMENTS_DIR, region=sample_region, today=TODAY, rok=rok)
    return run


def headings(doc) -> list[tuple[int, str]]:
    return [(int(p.style.name.split()[-1]), p.text) for p in doc.paragraphs if p.style.name.startswith("Heading ")]


def table_after(doc, heading: str):
    """The first table after the paragraph ``heading``."""
    body = list(doc.element.body.iterchildren())
    start = next(i for i, el in enumerate(body) if el.tag == qn("w:p") and "".join(t.text or "" for t in el.iter(qn("w:t"))) == heading)
    element = next(el for el in body[start:] if el.tag == qn("w:tbl"))
    return next(t for t in doc.tables if t._tbl is element)


# --- plan.docx ---------------------------------------------------------------------------------

def test_plan_has_its_chapters_as_word_headings_in_order(documents):
    doc = Document(documents / DOCUMENTS_DIR / "plan.docx")
    top = [text for level, text in headings(doc) if level == 1]
    assert top == ["Proces plánování", "Analýza potřeb a služeb", "SWOT analýza pracovních skupin", "Priority, opatření a aktivity",
                   "Financování společných služeb", "Indikátory a cílové hodnoty", "Připomínky veřejnosti a jejich vypořádání"]
    second = [text for level, text in headings(doc) if level == 2]
    assert second[:2] == ["Obyvatelé", "Cílová skupina: senioři"], "seniors first: the plan's first working group"
    assert "Priorita 1: Péče o seniory a osoby se zdravotním postižením v domácím prostředí" in second
    assert {"S01 Pečovatelská služba SENIOR Otrokovice", "S08 Osobní asistence Charity", "S17 Terénní odlehčovací služba Napajedla"} <= set(second)


def test_plan_title_page_names_region_members_period_and_date(documents):
    text = document_text(documents / DOCUMENTS_DIR / "plan.docx")
    assert text[0] == "Střednědobý plán rozvoje sociálních služeb" and text[1] == "Otrokovicko"
    assert "na období 2024–2025" in text[:8]
    assert "Členské obce: Otrokovice, Napajedla, Bělov, Halenkovice, Nová Dědina, Oldřichovice, Pohořelice, Žlutava" in text[:8]
    assert "Zpracováno dne 1. 3. 2025" in text[:8]


def test_plan_tables_hold_the_samples_rows(documents, sample_region):
    doc = Document(documents / DOCUMENTS_DIR / "plan.docx")
    people = table_after(doc, "Obyvatelé")
    assert len(people.rows) == 1 + 8, "a header and the eight members"
    assert [c.text for c in people.rows[1].cells][:2] == ["Otrokovice", "17\u00a0592"]
    activities = table_after(doc, "Opatření 1.1: Rozšíření pečovatelské služby do malých obcí")
    plan = sample_region.extras["plan"]
    expected = plan.aktivity[plan.aktivity["opatreni"] == "1.1"]
    assert len(activities.rows) == 1 + len(expected) == 5
    assert [(r.cells[0].text, r.cells[1].text) for r in activities.rows[1:]] == sorted(zip(expected["aktivita"], expected["rok"].astype(str), strict=True))
    comments = table_after(doc, "Připomínky veřejnosti a jejich vypořádání")
    assert len(comments.rows) == 1 + len(plan.pripominky) and comments.rows[1].cells[4].text == "přijato"
    groups = table_after(doc, "Proces plánování")
    assert [r.cells[0].text for r in groups.rows[1:]] == ["SEN", "OZP", "ROD"]


def test_plan_funding_pools_small_members_as_public_pages_do(documents):
    doc = Document(documents / DOCUMENTS_DIR / "plan.docx")
    body = list(doc.element.body.iterchildren())
    start = next(i for i, el in enumerate(body) if "".join(t.text or "" for t in el.iter(qn("w:t"))) == "S01 Pečovatelská služba SENIOR Otrokovice")
    tables = [t for t in doc.tables if t._tbl in body[start:]]
    members = tables[1]
    assert [c.text for c in members.rows[0].cells] == ["Obec", "Obyvatelé", "Částka (Kč)"]
    assert [r.cells[0].text for r in members.rows[1:]] == ["Otrokovice", "ostatní obce (3): Bělov, Nová Dědina, Žlutava"]


def test_every_table_repeats_its_header_row_and_keeps_rows_whole(documents):
    for name in ("plan.docx", "monitoring.docx"):
        doc = Document(documents / DOCUMENTS_DIR / name)
        assert len(doc.tables) >= 7
        for table in doc.tables:
            first = table.rows[0]._tr.trPr
            assert first is not None and first.find(qn("w:tblHeader")) is not None, name
            assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows[1:])


def test_maps_and_charts_are_embedded_images(documents):
    plan = Document(documents / DOCUMENTS_DIR / "plan.docx")
    groups = [text for level, text in headings(plan) if text.startswith("Cílová skupina:")]
    images = [r for r in plan.part.rels.values() if r.reltype.endswith("/image")]
    assert len(plan.inline_shapes) == len(groups) >= 5, "one map per target group"
    assert all(r.target_part.blob.startswith(b"\x89PNG") for r in images)
    monitoring = Document(documents / DOCUMENTS_DIR / "monitoring.docx")
    assert len(monitoring.inline_shapes) == 3, "fulfilment of measures, budget, priorities by year"


def test_contents_page_numbers_and_credit(documents):
    doc = Document(documents / DOCUMENTS_DIR / "plan.docx")
    instructions = [t.text.strip() for t in doc.element.body.iter(qn("w:instrText"))]
    assert instructions[0].startswith("TOC"), "a table of contents Word fills in"
    footer = doc.sections[0].footer
    assert {"PAGE", "NUMPAGES"} <= {t.text.strip() for t in footer._element.iter(qn("w:instrText"))}
    assert "Zdroje: Hranice obcí: ČÚZK (RÚIAN)" in " ".join(p.text for p in footer.paragraphs)
    assert doc.settings.element.find(qn("w:updateFields")) is not None, "Word updates the contents on opening"
    text = document_text(doc_path := documents / DOCUMENTS_DIR / "plan.docx")
    assert "Proces plánování" in text[text.index("Obsah") + 1 : text.index("Obsah") + 4][-1], doc_path


def test_monitoring_report_for_the_year_of_the_run(documents):
    doc = Document(documents / DOCUMENTS_DIR / "monitoring.docx")
    assert [t for level, t in headings(doc) if level == 1] == [
        "Plnění plánu v roce 2025", "Indikátory", "Rozpočet a čerpání", "Aktivity akčních plánů",
        "Mezery v síti služeb před a po aktivitách plánu", "Plnění priorit podle let"]
    results = load(documents / "results")
    indicators = table_after(doc, "Indikátory")
    assert len(indicators.rows) == 1 + (results["plan_indikatory"]["rok"] == 2025).sum()
    activities = table_after(doc, "Aktivity akčních plánů")
    assert len(activities.rows) == 1 + (results["plan_akcni_plan"]["rok"] == 2025).sum()
    assert "Celkové plnění v roce 2025: 90\u00a0% (v plánu); aktivit 11, z toho po termínu 0." in document_text(documents / DOCUMENTS_DIR / "monitoring.docx")


def test_a_coordinators_template_gives_its_styles(tmp_path, sample_region, documents):
    own = Document(TEMPLATE)
    own.styles["Heading 1"].font.name = "Georgia"
    own.sections[0].header.paragraphs[0].text = "Mikroregion Otrokovicko – úřad"
    own.save(tmp_path / "urad.docx")
    toml = {"dokumenty": {"sablona": "urad.docx"}}
    assert template_path(tmp_path, toml) == tmp_path / "urad.docx"
    with pytest.raises(KpworkError, match="sablona: the Word template .*chybi.docx does not exist"):
        template_path(tmp_path, {"dokumenty": {"sablona": "chybi.docx"}})
    assert template_path(tmp_path, {}) == TEMPLATE
    region = tmp_path / "region"
    shutil.copytree(SAMPLE, region)
    (region / "urad.docx").write_bytes((tmp_path / "urad.docx").read_bytes())
    with (region / "region.toml").open("a", encoding="utf-8") as f:
        f.write('\n[dokumenty]\nsablona = "urad.docx"\n')
    from kpwork.region import load_region

    write_word_documents(documents / "results", tmp_path / "out", region=load_region(region), today=TODAY, rok=None)
    doc = Document(tmp_path / "out" / "plan.docx")
    assert doc.styles["Heading 1"].font.name == "Georgia"
    assert doc.sections[0].header.paragraphs[0].text == "Mikroregion Otrokovicko – úřad"
    assert not (tmp_path / "out" / "monitoring.docx").exists(), "no year, no monitoring report"


# --- vysledky.xlsx ---------------------------------------------------------------------------------

def test_workbook_has_every_result_table_as_a_formatted_sheet(documents):
    results = load(documents / "results")
    book = load_workbook(documents / "results" / WORKBOOK)
    assert book.sheetnames[0] == "Obsah sešitu"
    contents = [r for r in book["Obsah sešitu"].iter_rows(min_row=3, values_only=True)]
    assert sorted(r[1] for r in contents) == sorted(results.tables), "one sheet per result table"
    for title, table, n in contents:
        sheet = book[title]
        assert sheet.max_row == n + 1 == len(results[table]) + 1, table
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:"), table
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1, table
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert not any("_" in str(c.value) for c in sheet[1] if c.value not in ("pokryti_text",)), f"{table}: Czech headers"


def test_workbook_headers_units_formats_and_readable_values(documents):
    book = load_workbook(documents / "results" / WORKBOOK)
    sheet = book["Mezery podle obcí"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Kód obce", "Druh (paragraf)", "Druh služby", "Jednotka", "Potřeba (odhad, v jednotce)"]
    col = {h: i for i, h in enumerate(header)}
    row = [c for c in sheet[2]]
    assert row[col["Kód obce"]].value == "549444" and row[col["Kód obce"]].data_type == "s" and row[col["Kód obce"]].number_format == "@"
    assert row[col["Druh (paragraf)"]].value == "37" and row[col["Druh služby"]].value == "odborné sociální poradenství"
    assert row[col["Pokrytí potřeby (%)"]].number_format == "0 %" and 0 <= row[col["Pokrytí potřeby (%)"]].value < 1
    assert row[col["Potřeba (odhad, v jednotce)"]].number_format == "#,##0.0"
    assert row[col["Stav"]].value == "nedostatek"
    people = book["Obce"]
    assert [c.number_format for c in people[2]][people[1][0].column - 1 + [c.value for c in people[1]].index("Obyvatelé (osoby)")] == "#,##0"
    load_sheet = book["Vytížení služeb"]
    stav = [c.value for c in load_sheet[1]].index("Stav")
    assert {r[stav] for r in load_sheet.iter_rows(min_row=2, values_only=True)} <= {"přetížená", "v normě", "nevyužitá", "bez údajů"}
    money = book["Financování – podíly"]
    head = [c.value for c in money[1]]
    assert money[2][head.index("Částka (Kč)")].number_format == '#,##0 "Kč"'
    assert money[2][head.index("Kč na obyvatele") if "Kč na obyvatele" in head else head.index("Podle obyvatel (Kč)")].number_format == '#,##0.00 "Kč"'


def test_workbook_text_cells_cannot_start_a_formula(tmp_path, documents):
    from kpwork.documents.workbook import write_workbook

    frame = pd.DataFrame({"sluzba_id": ["=1+1"], "nazev": ['=HYPERLINK("http://x","klik")'], "klienti": [-3]})
    write_workbook({"sluzby": frame}, tmp_path / "w.xlsx")
    sheet = load_workbook(tmp_path / "w.xlsx")["Služby"]
    # the text as it is, stored as a text cell with Excel's quote prefix (kpwork.sheets.neutralise_workbook)
    assert [c.value for c in sheet[2]] == ["=1+1", '=HYPERLINK("http://x","klik")', -3]
    assert [c.data_type for c in sheet[2]] == ["s", "s", "n"]
    assert sheet["A2"].quotePrefix and sheet["B2"].quotePrefix


def test_council_workbook_prints_landscape_with_percentages(tmp_path, sample_region):
    from kpwork.pages.funding import council_tables, write_council_xlsx

    tables = analyse_region(sample_region, today=TODAY).tables
    book = load_workbook(write_council_xlsx(council_tables(tables), tmp_path / "rada.xlsx"))
    for sheet in book:
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1 and sheet.auto_filter.ref
    sources = book["Zdroje financování"]
    column = [c.value for c in sources[2]].index("Podíl na nákladech (%)")
    assert sources[3][column].number_format == '0.00" %"' and sources[3][column].value == pytest.approx(56.93)


# --- vysledky.gpkg ---------------------------------------------------------------------------------

def test_gaps_layer_is_mezery_obce_on_the_members_polygons(documents):
    gpkg = documents / "results" / "vysledky.gpkg"
    assert GAPS_LAYER in {str(n) for n, _ in pyogrio.list_layers(gpkg)}
    layer = pyogrio.read_dataframe(gpkg, layer=GAPS_LAYER)
    table = load(documents / "results")["mezery_obce"]
    assert len(layer) == len(table) and layer.crs.to_epsg() == 5514
    assert list(layer.columns[:-1]) == ["kod_obce", "obec", "druh", "druh_sluzby", "jednotka", "potreba", "kapacita", "chybi", "pokryti", "pokryti_text", "stav"]
    row = layer[(layer["kod_obce"] == "585599") & (layer["druh"] == "37")].iloc[0]
    expected = table[(table["kod_obce"] == "585599") & (table["druh"] == "37")].iloc[0]
    assert row["obec"] == "Otrokovice" and row["druh_sluzby"] == "odborné sociální poradenství (§37)"
    assert row["chybi"] == pytest.approx(expected["mezera"]) and row["pokryti"] == pytest.approx(expected["pokryti"])
    assert row["pokryti_text"] == "19\u00a0%" and row["stav"] == "nedostatek"


def test_qgis_styles_are_stored_for_every_layer_with_the_pages_colours(documents):
    gpkg = documents / "results" / "vysledky.gpkg"
    with sqlite3.connect(gpkg) as db:
        rows = db.execute(f"SELECT f_table_name, f_geometry_column, styleQML, styleSLD, useAsDefault, update_time FROM {STYLES_TABLE}").fetchall()
        registered = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = ?", (STYLES_TABLE,)).fetchone()
    db.close()
    assert registered == ("attributes",), "registered as QGIS does, so QGIS finds it"
    styles = {r[0]: r for r in rows}
    assert set(styles) == {"obce", "sluzby", GAPS_LAYER}
    layers = {str(n) for n, _ in pyogrio.list_layers(gpkg)}
    for name, (_, geometry, qml, sld, default, stamp) in styles.items():
        assert name in layers and geometry == "geom" and default == 1 and stamp == "2025-03-01T00:00:00Z"
        xml.dom.minidom.parseString(qml)
        xml.dom.minidom.parseString(sld)
    for colour in COVERAGE_COLOURS:
        rgb = ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
        assert rgb in styles[GAPS_LAYER][2] and rgb in styles["obce"][2] and colour in styles["obce"][3]
    assert all(colour in styles["sluzby"][3] for colour in FORM_COLOURS.values())
    gaps_qml = styles[GAPS_LAYER][2]
    assert "RuleRenderer" in gaps_qml and gaps_qml.count('checkstate="0"') == gaps_qml.count("<rule key=\"t") - 1, "only the main type ticked"
    assert 'attr="pokryti_37"' in styles["obce"][2], "the region's main type"


def test_coverage_classes_start_at_their_bounds_like_the_pages():
    # whole percent as the tables show it: 0.2449 is 24 %, 0.2499 is 25 %, 0.999 is 100 %
    assert coverage_classes(pd.Series([0.0, 0.2449, 0.2499, 0.5, 0.75, 0.994, 0.999, 3.0, None])).tolist() == [0, 0, 1, 2, 3, 3, 4, 4, -1]


# --- reproduce ---------------------------------------------------------------------------------

def test_reproduce_compares_workbook_cells_and_document_text(tmp_path, documents):
    fresh = tmp_path / "fresh"
    shutil.copytree(documents, fresh)
    names, diffs = compare_documents(documents, fresh)
    assert names == [WORKBOOK, f"{DOCUMENTS_DIR}/monitoring.docx", f"{DOCUMENTS_DIR}/plan.docx"] and diffs == []
    doc = Document(fresh / DOCUMENTS_DIR / "plan.docx")
    people = table_after(doc, "Obyvatelé")
    people.rows[1].cells[1].text = "17\u00a0593"
    doc.save(fresh / DOCUMENTS_DIR / "plan.docx")
    book = load_workbook(fresh / "results" / WORKBOOK)
    book["Obce"]["H2"] = 17593
    book.save(fresh / "results" / WORKBOOK)
    _, diffs = compare_documents(documents, fresh)
    assert {(d.table, d.expected, d.found) for d in diffs} == {(f"{WORKBOOK}:Obce", 17592, 17593), (f"{DOCUMENTS_DIR}/plan.docx", "17\u00a0592", "17\u00a0593")}


# --- a whole run, with PDFs ----------------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.skipif(find_chromium() is None, reason="needs Chromium (Debian chromium) to print PDFs")
def test_run_with_pdf_writes_and_records_every_document(tmp_path):
    run = run_region(SAMPLE, tmp_path / "out", only=list(PAGES[:1]), workers=1, progress=False, notebooks_dir=write_notebooks(tmp_path / "nb"), pdf=True)
    folder = run.run_dir / DOCUMENTS_DIR
    assert sorted(p.name for p in folder.iterdir()) == ["financovani.pdf", "monitoring.docx", "monitoring.pdf", "plan.docx", "region.pdf"]
    for pdf in folder.glob("*.pdf"):
        assert pdf.read_bytes().startswith(b"%PDF-"), pdf.name
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(folder / "region.pdf"), "-"], capture_output=True, text=True, check=True).stdout
        assert "Otrokovicko" in text
    outputs = {o["path"] for o in run.manifest["outputs"]}
    assert {"dokumenty/plan.docx", "dokumenty/region.pdf", "results/vysledky.xlsx", "results/vysledky.gpkg"} <= outputs
    assert run.manifest["parameters"]["pdf"] is True and "documents" in run.manifest["timings"]
    from kpwork.reproduce import reproduce

    report = reproduce(run.run_dir)
    assert report.ok, report.lines()
    assert {WORKBOOK, "dokumenty/plan.docx", "dokumenty/monitoring.docx", "vysledky.gpkg:mezery", "vysledky.gpkg:layer_styles"} <= set(report.tables)


def test_no_chromium_is_said_in_czech(tmp_path, monkeypatch):
    monkeypatch.setenv("KPWORK_CHROMIUM", str(tmp_path / "no-such-chromium"))
    (tmp_path / "html").mkdir()
    with pytest.raises(ChromiumMissing, match="není nainstalovaný prohlížeč Chromium.*apt install chromium"):
        print_pages(tmp_path / "html", tmp_path / "pdf")
    assert not (tmp_path / "pdf").exists()


def test_cli_plan_doc_writes_the_plan_of_the_latest_run(tmp_path, documents):
    import json
    import os

    from click.testing import CliRunner

    from kpwork.cli import main

    runs = tmp_path / "outputs" / "otrokovicko"
    runs.mkdir(parents=True)
    run = runs / "20250301-120000"
    shutil.copytree(documents, run)
    manifest = {"run_id": run.name, "parameters": {"region_dir": str(SAMPLE), "today": "2025-03-01", "lang": "cs"}, "inputs": [],
                "started": "2025-03-01T12:00:00+00:00"}
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    os.symlink(run.name, runs / "latest")
    result = CliRunner().invoke(main, ["plan-doc", str(SAMPLE), "--runs", str(tmp_path / "outputs"), "--out", str(tmp_path / "plan.docx")])
    assert result.exit_code == 0, result.output
    assert document_text(tmp_path / "plan.docx") == document_text(documents / DOCUMENTS_DIR / "plan.docx")
    missing = CliRunner().invoke(main, ["plan-doc", str(SAMPLE), "--runs", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "run `kpwork run" in missing.output


def test_a_region_without_services_gets_its_documents(tmp_path):
    from kpwork.create import create_region
    from kpwork.region import load_region

    create_region(tmp_path / "r", ["585599", "585513"])
    region = load_region(tmp_path / "r")
    analysis = analyse_region(region, today=TODAY)
    write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path / "run" / "results")
    write_data_documents(tmp_path / "run" / "results", today=TODAY)
    (plan,) = write_word_documents(tmp_path / "run" / "results", tmp_path / "run" / DOCUMENTS_DIR, region=region, today=TODAY, rok=None)
    text = document_text(plan)
    assert "V regionu zatím nejsou zapsané žádné služby; doplňte je do tabulky služeb." in text
    assert "Proces plánování" not in text and "Region zatím nemá komunitní plán; dokument obsahuje jen analýzu." in text
    assert load_workbook(tmp_path / "run" / "results" / WORKBOOK)["Služby"].max_row == 1


def test_a_big_regions_plan_keeps_its_tables_and_maps_readable(tmp_path):
    # a country's plan had 6,258-row tables per target group and 6,258 names on each map (4.5 minutes, 2 MB)
    from kpwork.documents import plan_doc, static_maps
    from kpwork.region import load_region
    from kpwork.synth import synthesize_region

    members = plan_doc.TABLE_ROWS + 20
    region = load_region(synthesize_region(members, 11, tmp_path / "region", services=3 * plan_doc.TABLE_ROWS))
    analysis = analyse_region(region, today=TODAY)
    write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path / "results")
    path = plan_doc.write_plan_doc(load(tmp_path / "results"), tmp_path / "plan.docx", plan=None, today=TODAY)
    doc = Document(str(path))
    text = [p.text.replace("\u00a0", " ") for p in doc.paragraphs]
    assert f"Tabulka uvádí 60 obcí s nejvíce obyvateli z {members} obcí regionu; všechny obce jsou v sešitu výsledků pro Excel." in text
    population = table_after(doc, "Obyvatelé")
    shown = [int(r.cells[1].text.replace("\u00a0", "")) for r in population.rows[1:]]
    expected = analysis.tables["obce"]["obyvatele"].sort_values(ascending=False).head(60).tolist()
    assert shown == expected, "the most populous members, largest first"
    gap_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "Obec" and len(t.rows[0].cells) == 6]
    assert gap_tables and all(len(t.rows) == 61 for t in gap_tables)
    assert any(t.startswith("Tabulka uvádí 60 obcí, kde chybí nejvíce, z ") for t in text)
    by_type = [t for t in doc.tables if t.rows[0].cells[1].text == "Počet služeb"]
    assert by_type, "a group with more services than a table keeps gets them counted by type and unit"
    counted = sum(int(r.cells[1].text.replace("\u00a0", "")) for t in by_type[:1] for r in t.rows[1:])
    assert any(f"podporuje {counted}" in t for t in text)
    with_names = static_maps.coverage_png(analysis.layers["obce"].iloc[:10], pd.Series(dtype=float))
    without = static_maps.coverage_png(analysis.layers["obce"], pd.Series(dtype=float))
    assert with_names[:8] == without[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_a_printed_page_gets_the_style_it_links(tmp_path):
    # pages link the run's html/jupyterlab.css; the printer works on a copy elsewhere and must take the style along
    from kpwork.execution import SHARED_CSS

    try:
        find_chromium()
    except ChromiumMissing:
        pytest.skip("Chromium is not installed")
    html = tmp_path / "html"
    html.mkdir()
    (html / SHARED_CSS).write_text('h1::after { content: " STYLED"; }', encoding="utf-8")
    (html / "region.html").write_text(f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{SHARED_CSS}"></head><body><h1>Otrokovicko</h1></body></html>',
                                      encoding="utf-8")
    (pdf,) = print_pages(html, tmp_path / "pdf", pages=["region"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Otrokovicko STYLED" in text
