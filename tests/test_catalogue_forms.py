"""``kpwork catalogue``: provider forms, the reviewed merge, the change log, who has not answered."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kpwork import InvalidRegion, KpworkWarning, load_region
from kpwork import sheets as sh
from kpwork.analysis import analyse_region
from kpwork.catalogue import merge_forms, read_change_log, unanswered, write_forms
from kpwork.catalogue.form import DATA_SHEET, EDITABLE, FORM_COLUMNS, META_SHEET, checksum
from kpwork.catalogue.merge import CHANGE_LOG
from kpwork.cli import main
from kpwork.pages import catalogue
from kpwork.rpss import import_rpss

SENT = dt.date(2026, 1, 10)
NOW = dt.datetime(2026, 2, 3, 10, 30)
SENIOR = "formular_senior-otrokovice-prispevkova-organizace.xlsx"  # S01-S03
NAPAJEDLA = "formular_domov-pro-seniory-napajedla-prispevkova-organizace.xlsx"  # S04, S05, S17
RPSS = Path(__file__).parent / "data" / "rpss" / "rpss.json"
#: A new value for every editable column of S01, and how services.csv holds it after the merge.
EDITS = {
    "nazev": ("Pečovatelská služba Otrokovice", "Pečovatelská služba Otrokovice"),
    "forma": ("ambulantní", "ambulantní"),
    "cilove_skupiny": ("senioři", "senioři"),
    "kapacita": (130.5, "130,5"),
    "jednotka": ("intervence", "intervence"),
    "pusobnost": ("585599, 585513", "585599, 585513"),
    "adresa": ("Komenského 5, Otrokovice", "Komenského 5, Otrokovice"),
    "telefon": ("577 111 222", "577 111 222"),
    "email": ("pecovatelska@senior-otrokovice.example", "pecovatelska@senior-otrokovice.example"),
    "oteviraci_doba": ("po-pá 7-15", "po-pá 7-15"),
    "popis": ("Péče o seniory v jejich domácnosti.", "Péče o seniory v jejich domácnosti."),
}


def _rows(folder: Path) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in sh.read_sheet(folder / "services.csv").frame.to_dict("records")}


def _forms(region: Path, tmp_path: Path) -> Path:
    out = tmp_path / "forms"
    write_forms(region, out, today=SENT)
    return out


def _edit(path: Path, edits: dict[tuple[str, str], object], *, unprotect: bool = False, out: Path | None = None) -> Path:
    """Set cells of the data sheet by (service id or '+' for the first empty row, column), as a provider in Excel."""
    book = load_workbook(path)
    ws = book[DATA_SHEET]
    if unprotect:
        ws.protection.sheet = False
    ids = [c.value for c in ws["A"]]
    first_empty = ids.index(None) + 1 if None in ids else len(ids) + 1
    for (sid, column), value in edits.items():
        row = first_empty if sid == "+" else ids.index(sid) + 1
        cell = ws.cell(row=row, column=FORM_COLUMNS.index(column) + 1)
        assert unprotect or not cell.protection.locked or not ws.protection.sheet, f"{sid} {column} is locked"
        cell.value = value
    target = out or path.with_name(f"vraceny_{path.name}")
    book.save(target)
    return target


def _problems(report) -> list[str]:
    return [str(p) for f in report.forms for p in f.problems]


# --- forms out -------------------------------------------------------------------------------


def test_one_form_per_provider_with_only_its_services(region_copy, tmp_path):
    report = write_forms(region_copy, tmp_path / "forms", today=SENT)
    assert len(report.files) == 7  # the sample's seven providers
    assert len(report.by_name) == 7  # the sample has no IČO: every provider is recognised by name, and the report says so
    assert "doplňte IČO" in "\n".join(report.lines())
    book = load_workbook(tmp_path / "forms" / NAPAJEDLA)
    assert book.sheetnames[0] == DATA_SHEET and "Návod" in book.sheetnames and "Seznamy" in book.sheetnames
    ws = book[DATA_SHEET]
    assert [c.value for c in ws["A"]][1:4] == ["S04", "S05", "S17"] and ws["A5"].value is None
    assert {c.value for c in ws["B"][1:4]} == {"Domov pro seniory Napajedla, příspěvková organizace"}
    assert ws.protection.sheet
    header = [c.value for c in ws[1]]
    for column in header:
        locked = ws.cell(row=2, column=header.index(column) + 1).protection.locked
        assert locked == (column in ("id", "poskytovatel", "ico", "druh", "kod_obce")), column
    assert not ws.cell(row=5, column=header.index("druh") + 1).protection.locked  # a new service's row
    assert ws.cell(row=5, column=header.index("id") + 1).protection.locked
    validated = {str(r.sqref).split(":")[0][0]: r.formula1 for r in ws.data_validations.dataValidation}
    letter = {c: ws.cell(row=1, column=header.index(c) + 1).column_letter for c in ("forma", "cilove_skupiny", "druh")}
    assert all(validated[letter[c]].startswith("=Seznamy!") for c in letter)
    meta = book[META_SHEET]
    assert meta.sheet_state == "veryHidden"
    values = {k: v for k, v in meta.iter_rows(values_only=True) if k != "radek"}
    rows = [json.loads(v) for k, v in meta.iter_rows(values_only=True) if k == "radek"]
    assert values["odeslano"] == "2026-01-10" and values["kontrolni_soucet"] == checksum(rows)
    assert [r["id"] for r in rows] == ["S04", "S05", "S17"]
    assert "Návod" in book.sheetnames and "ukoncit" in " ".join(str(c.value) for c in book["Návod"]["A"])


# --- merge -----------------------------------------------------------------------------------


def test_round_trip_with_edits_in_every_editable_column(region_copy, tmp_path):
    assert set(EDITS) == set(EDITABLE)
    form = _edit(_forms(region_copy, tmp_path) / SENIOR, {("S01", c): v for c, (v, _) in EDITS.items()} | {("S01", "zmena"): "nová adresa"})
    before = (region_copy / "services.csv").read_bytes()
    preview = merge_forms(region_copy, [form], now=NOW)
    assert preview.ok and not preview.applied and (region_copy / "services.csv").read_bytes() == before
    assert {c.sloupec for c in preview.forms[0].changes} == set(EDITS)
    table = "\n".join(preview.lines())
    assert "kapacita" in table and "120 -> 130.5" in table
    report = merge_forms(region_copy, [form], apply=True, now=NOW)
    assert report.applied, report.lines()
    rows = _rows(region_copy)
    assert {c: rows["S01"][c] for c in EDITS} == {c: new for c, (_, new) in EDITS.items()}
    assert rows["S01"]["potvrzeno"] == rows["S02"]["potvrzeno"] == "2026-02-03"  # S02 unchanged: confirmed
    assert rows["S04"]["potvrzeno"] == ""
    raw = (region_copy / "services.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.split(b"\r\n")[0].count(b";") == 19  # its encoding and delimiter kept
    region = load_region(region_copy)
    s01 = region.services.set_index("id").loc["S01"]
    assert s01["forma"] == "ambulantni" and s01["kapacita"] == 130.5 and s01["jednotka"] == "intervence"
    sluzby = analyse_region(region).tables["sluzby"].set_index("id")
    assert sluzby.loc["S01", "potvrzeno"] == "2026-02-03" and sluzby.loc["S04", "potvrzeno"] == ""
    card = dict(catalogue.card_rows(sluzby.reset_index().iloc[0].to_dict(), {}))
    assert card["Údaje potvrdil poskytovatel"] == "3. 2. 2026"
    assert dict(catalogue.card_rows(sluzby.reset_index().iloc[3].to_dict(), {}))["Údaje potvrdil poskytovatel"] == "dosud nepotvrzeno"


def test_a_locked_column_edited_is_refused(region_copy, tmp_path):
    form = _edit(_forms(region_copy, tmp_path) / SENIOR, {("S02", "druh"): "§50", ("S01", "kapacita"): 99}, unprotect=True)
    before = (region_copy / "services.csv").read_bytes()
    report = merge_forms(region_copy, [form], apply=True, now=NOW)
    assert not report.ok and not report.applied
    assert _problems(report) == [f"{form.name}[{DATA_SHEET}]:3: druh: služba S02: sloupec je uzamčený; odesláno „49“, ve formuláři „§50“"]
    assert (region_copy / "services.csv").read_bytes() == before and not (region_copy / CHANGE_LOG).exists()


def test_bad_values_are_reported_in_czech_with_file_sheet_row_and_column(region_copy, tmp_path):
    form = _edit(_forms(region_copy, tmp_path) / SENIOR, {("S01", "kapacita"): -5, ("S01", "pusobnost"): "585599, 500011", ("S02", "forma"): "terénní",
                                                          ("S03", "cilove_skupiny"): "marťané", ("S03", "email"): "bez zavináče"})
    problems = _problems(merge_forms(region_copy, [form], now=NOW))
    where = f"{form.name}[{DATA_SHEET}]"
    assert [p.split(": ")[0:2] for p in problems] == [[f"{where}:2", "kapacita"], [f"{where}:2", "pusobnost"], [f"{where}:3", "forma"],
                                                       [f"{where}:4", "cilove_skupiny"], [f"{where}:4", "email"]]
    assert "500011 není členská obec" in problems[1] and "neposkytuje formou terénní" in problems[2] and "musí obsahovat @" in problems[4]


def test_a_stale_form_is_a_conflict_and_nothing_is_written(region_copy, tmp_path, set_cell):
    form = _edit(_forms(region_copy, tmp_path) / SENIOR, {("S01", "kapacita"): 125})
    set_cell(region_copy / "services.csv", 2, "kapacita", "122")  # the coordinator changed S01 after sending
    before = (region_copy / "services.csv").read_bytes()
    report = merge_forms(region_copy, [form], apply=True, now=NOW)
    assert not report.applied and (region_copy / "services.csv").read_bytes() == before
    assert report.forms[0].conflicts == ["služba S01, kapacita: odesláno „120“, v services.csv nyní „122“"]
    assert any("konflikt" in line for line in report.lines())


def test_a_form_editing_another_providers_service_is_refused(region_copy, tmp_path):
    form = _edit(_forms(region_copy, tmp_path) / SENIOR, {("S03", "id"): "S04"}, unprotect=True)
    report = merge_forms(region_copy, [form], apply=True, now=NOW)
    assert not report.applied
    problems = _problems(report)
    assert any(":4: id: služba S04 patří poskytovateli Domov pro seniory Napajedla" in p for p in problems)
    assert any("řádek služby S03" in p for p in problems)  # and the provider's own S03 is missing


def test_a_service_twice_on_a_form_is_refused(region_copy, tmp_path):
    form = _edit(_forms(region_copy, tmp_path) / SENIOR, {("S03", "id"): "S02"}, unprotect=True)
    problems = _problems(merge_forms(region_copy, [form], now=NOW))
    assert any(":4: id: služba S02 je ve formuláři dvakrát" in p for p in problems)


def test_a_new_and_an_ended_service(region_copy, tmp_path, drop_rows):
    usage = region_copy / "usage.csv"
    drop_rows(usage, *[n for n, line in enumerate(usage.read_text(encoding="utf-8-sig").splitlines(), 1) if line.startswith("S17;")])
    new = {("+", "nazev"): "Denní stacionář Napajedla", ("+", "druh"): "§46 denní stacionáře", ("+", "forma"): "ambulantní",
           ("+", "cilove_skupiny"): "senioři", ("+", "kapacita"): 12, ("+", "jednotka"): "místa", ("+", "kod_obce"): "585513", ("+", "zmena"): "otevřen 1. 3."}
    form = _edit(_forms(region_copy, tmp_path) / NAPAJEDLA, new | {("S17", "ukoncit"): "ano", ("S05", "ukoncit"): "ano"})
    report = merge_forms(region_copy, [form], apply=True, now=NOW)
    assert report.applied, report.lines()
    rows = _rows(region_copy)
    assert "S17" not in rows  # ended and used by no other sheet: removed
    assert "S05" in rows and any("S05" in n and "usage.csv" in n for n in report.notes)  # usage refers to it: kept, said so
    added = rows["N01"]
    assert (added["nazev"], added["poskytovatel"], added["kapacita"], added["potvrzeno"]) == ("Denní stacionář Napajedla", "Domov pro seniory Napajedla, příspěvková organizace", "12", "2026-02-03")
    with pytest.warns(KpworkWarning, match="lat/lon missing"):  # a new service sits at its municipality's centre until the coordinator places it
        assert load_region(region_copy).services.set_index("id").loc["N01", "druh"] == "46"
    logged = read_change_log(region_copy)
    assert logged.loc[logged["zmena"] == "přidána", ["sluzba", "poznamka"]].values.tolist() == [["N01", "otevřen 1. 3."]]
    assert sorted(logged.loc[logged["zmena"] == "ukončena", "sluzba"]) == ["S05", "S17"]


def test_a_new_service_without_its_type_is_refused(region_copy, tmp_path):
    form = _edit(_forms(region_copy, tmp_path) / NAPAJEDLA, {("+", "nazev"): "Něco nového", ("+", "kapacita"): 3})
    problems = _problems(merge_forms(region_copy, [form], now=NOW))
    assert {p.split(": ")[1] for p in problems} == {"druh", "forma", "cilove_skupiny", "kod_obce"}
    assert all(":5: " in p for p in problems)


def test_the_change_log_keeps_every_round(region_copy, tmp_path):
    forms = _forms(region_copy, tmp_path)
    merge_forms(region_copy, [_edit(forms / SENIOR, {("S01", "telefon"): "577 999 999", ("S01", "zmena"): "nové číslo"})], apply=True, now=NOW)
    later = _forms(region_copy, tmp_path / "later")  # the next round starts from the new version
    merge_forms(region_copy, [later / NAPAJEDLA], apply=True, now=NOW + dt.timedelta(days=30))
    logged = read_change_log(region_copy)
    assert list(logged.columns) == ["kdy", "formular", "poskytovatel", "sluzba", "nazev", "zmena", "sloupec", "puvodne", "nove", "poznamka"]
    changed = logged.loc[logged["zmena"] == "změněna"].iloc[0]
    assert (changed["kdy"], changed["sluzba"], changed["sloupec"], changed["puvodne"], changed["nove"], changed["poznamka"]) == \
        ("2026-02-03 10:30:00", "S01", "telefon", "577 000 101", "577 999 999", "nové číslo")
    assert logged.loc[logged["kdy"].str.startswith("2026-03-05"), "sluzba"].tolist() == ["S04", "S05", "S17"]
    assert set(logged["zmena"]) == {"změněna", "potvrzena"}


def test_a_form_resaved_by_another_program_is_recognised(region_copy, tmp_path):
    path = _forms(region_copy, tmp_path) / NAPAJEDLA
    load_workbook(path).save(tmp_path / "resaved.xlsx")  # as LibreOffice or Excel would re-save it (soffice is not installed)
    report = merge_forms(region_copy, [tmp_path / "resaved.xlsx"], now=NOW)
    assert report.ok and report.forms[0].changes == [] and report.forms[0].confirmed == ["S04", "S05", "S17"]


def test_a_form_not_made_by_kpwork_or_tampered_is_refused(region_copy, tmp_path):
    path = _forms(region_copy, tmp_path) / NAPAJEDLA
    book = load_workbook(path)
    book[META_SHEET]["B7"] = book[META_SHEET]["B7"].value.replace("S04", "S01")
    book.save(tmp_path / "tampered.xlsx")
    del book[META_SHEET]
    book.save(tmp_path / "plain.xlsx")
    problems = _problems(merge_forms(region_copy, [tmp_path / "tampered.xlsx", tmp_path / "plain.xlsx"], now=NOW))
    assert "skrytý list kpwork byl změněn" in problems[0] and "není to formulář kpwork" in problems[1]


def test_status_lists_providers_that_have_not_answered(region_copy, tmp_path):
    forms = _forms(region_copy, tmp_path)
    merge_forms(region_copy, [forms / SENIOR], apply=True, now=NOW)
    late = unanswered(region_copy, dt.date(2026, 1, 1))
    assert len(late) == 6 and "SENIOR Otrokovice, příspěvková organizace" not in set(late["poskytovatel"])
    assert len(unanswered(region_copy, dt.date(2026, 3, 1))) == 7
    result = CliRunner().invoke(main, ["catalogue", "status", str(region_copy), "--since", "2026-03-01"])
    assert result.exit_code == 0 and "neodpověděli od 2026-03-01 (poskytovatelů: 7)" in result.output
    assert "SENIOR Otrokovice, příspěvková organizace (IČO chybí; služby S01, S02, S03): naposledy 2026-02-03" in result.output


def test_cli_forms_and_merge(region_copy, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["catalogue", "forms", str(region_copy), str(tmp_path / "f")])
    assert result.exit_code == 0 and "formuláře zapsány: 7" in result.output
    form = _edit(tmp_path / "f" / SENIOR, {("S01", "kapacita"): -1})
    result = runner.invoke(main, ["catalogue", "merge", str(region_copy), str(form), "--apply"])
    assert result.exit_code == 1 and "kapacita" in result.output and "nic nezapsáno" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["catalogue", "merge", str(region_copy), str(tmp_path / "f" / SENIOR), "--apply"])
    assert result.exit_code == 0 and "zapsáno do services.csv" in result.output


# --- with the registry -----------------------------------------------------------------------


def test_registry_fields_stay_the_registrys_and_provider_fields_the_providers(region_copy, tmp_path):
    import_rpss(region_copy, RPSS, today=dt.date(2025, 1, 1))
    rows = _rows(region_copy)
    sid = next(k for k, r in rows.items() if r.get("rpss_id") and r.get("ico"))
    forms = _forms(region_copy, tmp_path)
    path = forms / f"formular_{rows[sid]['ico'].zfill(8)}.xlsx"
    ws = load_workbook(path)[DATA_SHEET]
    header = [c.value for c in ws[1]]
    row = [c.value for c in ws["A"]].index(sid) + 1
    lock = {c: ws.cell(row=row, column=header.index(c) + 1).protection.locked for c in ("kapacita", "telefon", "popis", "nazev")}
    assert lock == {"kapacita": True, "telefon": True, "popis": False, "nazev": False}
    refused = _problems(merge_forms(region_copy, [_edit(path, {(sid, "kapacita"): 999}, unprotect=True)], now=NOW))
    assert len(refused) == 1 and "je v registru poskytovatelů, změňte ho tam" in refused[0]
    form = _edit(path, {(sid, "popis"): "Popis od poskytovatele", (sid, "oteviraci_doba"): "nonstop"}, out=tmp_path / "ok.xlsx")
    assert merge_forms(region_copy, [form], apply=True, now=NOW).applied
    import_rpss(region_copy, RPSS, today=dt.date(2026, 3, 1))  # a later import keeps what the provider wrote
    after = _rows(region_copy)[sid]
    assert (after["popis"], after["oteviraci_doba"], after["potvrzeno"]) == ("Popis od poskytovatele", "nonstop", "2026-02-03")


def test_a_bad_confirmation_date_is_reported_by_the_loader(region_copy, tmp_path):
    form = _forms(region_copy, tmp_path) / SENIOR
    merge_forms(region_copy, [form], apply=True, now=NOW)
    text = (region_copy / "services.csv").read_text(encoding="utf-8-sig").replace("2026-02-03", "3. 2. 2026", 1).replace("2026-02-03", "brzy", 1)
    (region_copy / "services.csv").write_text(text, encoding="utf-8-sig")
    with pytest.raises(InvalidRegion) as caught:
        load_region(region_copy)
    assert [str(p) for p in caught.value.problems] == ["services.csv:3: potvrzeno: expected a date such as 2026-01-31 or 31. 1. 2026, got 'brzy'"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_form_resaved_by_libreoffice_is_recognised(region_copy, tmp_path):
    path = _forms(region_copy, tmp_path) / NAPAJEDLA
    out = tmp_path / "libreoffice"
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=120)
    report = merge_forms(region_copy, [out / path.name], now=NOW)
    assert report.ok and report.forms[0].changes == [] and report.forms[0].confirmed == ["S04", "S05", "S17"]
