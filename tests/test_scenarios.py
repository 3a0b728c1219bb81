"""Scenarios: a hand-computed case, monotonicity, costs, location against brute force, input checks."""

from __future__ import annotations

import dataclasses
import io
import itertools
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpwork import InvalidRegion, inputfiles, load_region
from kpwork import sheets as sh
from kpwork.errors import InvalidParameter
from kpwork.scenarios import Change, Scenario
from kpwork.scenarios.costs import scenario_costs, unit_cost
from kpwork.scenarios.location import covering, median, shortfall, suggest_locations
from kpwork.scenarios.model import apply_changes, evaluate, prepare
from kpwork.taxonomy import SERVICE_TYPES

A, B, C = "585599", "585513", "588318"


@pytest.fixture
def tiny(tiny_region):
    """Three members (A, B 10 km east, C 40 km east), 100 people aged 80+ each, no §41 service."""
    return prepare(tiny_region([{"id": "S1", "druh": "40", "forma": "terenni", "cilove_skupiny": ("seniori",), "kapacita": 10.0, "jednotka": "klienti", "kod_obce": A}]))


def _alarm(capacity: float, catchment: tuple[str, ...], **more) -> Change:
    return Change("pridat", druh="41", forma="terenni", cilove_skupiny=("seniori",), kapacita=capacity, kod_obce=A, pusobnost=catchment, **more)


def test_hand_computed_scenario(tiny):
    # §41 norm: 20 clients per 1000 people aged 80+ -> need 2 in each member, nothing reachable before.
    result = evaluate(tiny, Scenario("tisnova", (_alarm(3.0, (A, B)),)))
    table = result.members.set_index("kod_obce")
    assert table["potreba"].tolist() == pytest.approx([2.0, 2.0, 2.0])
    # one catchment: R = 3 / (2 + 2) = 0.75, so A and B reach 1.5 each, C nothing
    assert table["kapacita_po"].tolist() == pytest.approx([1.5, 1.5, 0.0])
    assert table["chybi_pred"].tolist() == pytest.approx([2.0, 2.0, 2.0])
    assert table["chybi_po"].tolist() == pytest.approx([0.5, 0.5, 2.0])
    assert table["zmena"].tolist() == pytest.approx([-1.5, -1.5, 0.0])
    head = result.headline.iloc[0]
    assert (head["druh"], head["jednotka"], head["nejvice_kod"], head["ztraci"]) == ("41", "klienti", A, 0)
    assert head["pokryto"] == pytest.approx(3.0) and head["chybi_po"] == pytest.approx(3.0)


def test_capacity_change_and_closing_in_one_scenario(tiny):
    grown = evaluate(tiny, Scenario("x", (_alarm(3.0, (A, B), sluzba_id="N9"), Change("kapacita", "N9", kapacita=6.0))))
    assert grown.members["chybi_po"].tolist() == pytest.approx([0.0, 0.0, 2.0])
    closed = evaluate(tiny, Scenario("y", (Change("zrusit", "S1"),)))
    assert closed.headline.iloc[0]["pokryto"] < 0 and closed.headline.iloc[0]["ztraci"] == 3


def test_hand_computed_cost_split(tiny):
    # 100 001 CZK, 40 % co-financed: the layer 40 000.4 -> 40 000, the members 60 001;
    # split equally (equal population) among A, B, C: 20 000.33 each, the crown left to the lowest code (B).
    change = _alarm(3.0, (A, B, C), naklady=100_001, spolufinancovani=0.4, zdroj="MPSV")
    result = evaluate(tiny, Scenario("tisnova", (change,), metoda="na_obyvatele"))
    costs = scenario_costs(tiny, result)
    row = costs.changes.iloc[0]
    assert (row["naklady"], row["obce"], row["naklady_zdroj"]) == (100_001, 60_001, "zadano")
    split = costs.split.set_index("kod_obce")["castka"]
    assert split.to_dict() == {A: 20_000, B: 20_001, C: 20_000}
    assert split.sum() == 60_001 and costs.total == 100_001 and costs.members_total == 60_001
    assert not costs.split["plati_vic_nez_samostatne"].any()


def test_cost_from_the_region_cost_per_unit(sample_region):
    base = prepare(sample_region)
    grow = Change("pridat", druh="49", forma="pobytova", cilove_skupiny=("seniori",), kapacita=10, kod_obce="585220")
    costs = scenario_costs(base, evaluate(base, Scenario("ds", (grow,))))
    # §49 in beds: S02 41.3 M / 95, S04 47.6 M / 110 -> median of two = their mean
    per_bed = (41_300_000 / 95 + 47_600_000 / 110) / 2
    assert costs.changes.iloc[0]["naklady"] == round(10 * per_bed)
    assert unit_cost(sample_region, "49", "lůžka") == pytest.approx(per_bed)
    with pytest.raises(InvalidParameter, match="41"):
        unit_cost(sample_region, "41", "klienti")
    closing = scenario_costs(base, evaluate(base, Scenario("z", (Change("zrusit", "S13"),))))
    assert closing.total == -1_900_000 and closing.split.empty


def test_split_sums_exactly_by_every_method(sample_region):
    base = prepare(sample_region)
    change = Change("pridat", druh="40", forma="terenni", cilove_skupiny=("seniori",), kapacita=37, kod_obce="585513", naklady=1_234_567, spolufinancovani=0.333)
    for method in ("rovnym_dilem", "na_obyvatele", "na_cilovou_populaci", "podle_vyuziti", "shapley", "scrb"):
        costs = scenario_costs(base, evaluate(base, Scenario("x", (change,), metoda=method)))
        assert costs.split["castka"].sum() == costs.changes["obce"].sum() > 0, method
        assert costs.split["castka"].dtype.kind == "i"


def test_apply_changes_rejects_bad_changes(sample_region):
    cases = [
        (Change("zrusit", "S99"), "unknown service"),
        (Change("pridat", druh="49", forma="terenni", cilove_skupiny=("seniori",), kapacita=1, kod_obce="585599"), "not provided"),
        (Change("pridat", druh="40", forma="terenni", cilove_skupiny=("seniori",), kapacita=1, kod_obce="500011"), "not a member"),
        (Change("kapacita", "S01", kapacita=-1), ">= 0"),
        (Change("pridat", "S01", druh="40", forma="terenni", cilove_skupiny=("seniori",), kapacita=1, kod_obce="585599"), "taken"),
    ]
    for change, words in cases:
        with pytest.raises(InvalidParameter, match=words):
            apply_changes(sample_region, [change])
    assert len(sample_region.services) == 19  # untouched


# --- properties -----------------------------------------------------------------------------

_SAMPLE = Path(__file__).resolve().parents[1] / "data" / "otrokovicko"
_BASE = None


def _base():
    global _BASE
    if _BASE is None:
        _BASE = prepare(load_region(_SAMPLE))
    return _BASE


_TYPES = sorted(SERVICE_TYPES)


@st.composite
def _new_services(draw):
    base = _base()
    druh = draw(st.sampled_from(_TYPES))
    forma = draw(st.sampled_from(sorted(SERVICE_TYPES[druh].forms)))
    groups = draw(st.lists(st.sampled_from(["seniori", "ozp", "rodiny", "deti_mladez", "zavislosti", "bez_pristresi"]), min_size=1, max_size=3, unique=True))
    code = draw(st.sampled_from(base.region.members))
    catchment = tuple(draw(st.lists(st.sampled_from(base.region.members), max_size=4, unique=True))) if forma == "terenni" else ()
    capacity = draw(st.floats(0.5, 200.0))
    return Change("pridat", druh=druh, forma=forma, cilove_skupiny=tuple(groups), kapacita=capacity, kod_obce=code, pusobnost=catchment)


def _capacities(base, result) -> pd.DataFrame:
    keys = ["kod_obce", "cilova_skupina", "druh", "jednotka"]
    before = base.gaps.loc[base.gaps["druh"].isin(set(result.gaps["druh"]))]
    return before[[*keys, "kapacita_dosazitelna"]].merge(result.gaps[[*keys, "kapacita_dosazitelna"]], on=keys, how="outer", suffixes=("_pred", "_po")).fillna(0.0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_new_services())
def test_adding_a_service_never_lowers_reachable_capacity(change):
    base = _base()
    both = _capacities(base, evaluate(base, Scenario("p", (change,))))
    assert (both["kapacita_dosazitelna_po"] >= both["kapacita_dosazitelna_pred"] - 1e-9).all()


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([f"S{k:02d}" for k in range(1, 20)]), st.floats(0.0, 1.0))
def test_closing_or_shrinking_never_raises_reachable_capacity(sid, share):
    base = _base()
    old = float(base.region.services.set_index("id").loc[sid, "kapacita"])
    for change in (Change("zrusit", sid), Change("kapacita", sid, kapacita=old * share)):
        both = _capacities(base, evaluate(base, Scenario("m", (change,))))
        assert (both["kapacita_dosazitelna_po"] <= both["kapacita_dosazitelna_pred"] + 1e-9).all()


def test_changes_of_nothing_change_nothing(sample_region):
    base = prepare(sample_region)
    same = evaluate(base, Scenario("0", (Change("kapacita", "S04", kapacita=110),)))
    assert (same.members["zmena"].abs() < 1e-12).all() and same.headline.iloc[0]["pokryto"] == 0


# --- location ---------------------------------------------------------------------------------


def _brute_cover(d, w, r, p):
    return max(w[(d[:, list(s)] <= r).any(axis=1)].sum() for s in itertools.combinations(range(d.shape[1]), p))


def _brute_median(d, w, p, fixed):
    others = [j for j in range(d.shape[1]) if j not in fixed]
    return min((w * d[:, list(fixed) + list(s)].min(axis=1)).sum() for s in itertools.combinations(others, p))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 3))
def test_covering_equals_brute_force(seed, p):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(4, 9), rng.integers(p + 1, 7)
    d = rng.uniform(0, 30_000, (n, m)).round()
    w = rng.integers(0, 20, n).astype(float)
    chosen, covered = covering(d, w, 12_000.0, p)
    assert covered == pytest.approx(_brute_cover(d, w, 12_000.0, p))
    assert len(chosen) <= p


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 2), st.integers(0, 2))
def test_median_with_fixed_sites_equals_brute_force(seed, p, k):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(4, 9), rng.integers(p + k + 1, 8)
    d = rng.uniform(0, 30_000, (n, m)).round()
    w = rng.integers(1, 20, n).astype(float)
    fixed = list(range(k))
    chosen, cost = median(d, w, p, fixed=fixed)
    assert cost == pytest.approx(_brute_median(d, w, p, fixed))
    assert len(chosen) == p and not set(chosen) & set(fixed)


def test_suggestions_on_the_tiny_region(tiny):
    assert shortfall(tiny, "41", ("seniori",)).tolist() == pytest.approx([2.0, 2.0, 2.0])
    found = suggest_locations(tiny, druh="41", forma="terenni", cilove_skupiny=("seniori",), kapacita=4.0, navrhu=2)
    # a field service reaches 20 km: from A or B it covers A and B (4 clients), from C only C
    assert found["kod_obce"].iloc[0] in (A, B) and found["pokryti_modelu"].iloc[0] == pytest.approx(2 / 3)
    assert found["pokryto"].iloc[0] == pytest.approx(4.0)
    pair = suggest_locations(tiny, druh="41", forma="terenni", cilove_skupiny=("seniori",), kapacita=2.0, rozpocet=250_000, naklady=100_000)
    assert len(pair) == 2 and C in set(pair["kod_obce"])
    near = suggest_locations(tiny, druh="41", forma="terenni", cilove_skupiny=("seniori",), kapacita=2.0, model="p_median", navrhu=1)
    assert near["kod_obce"].tolist() == [B]  # 10 km to A and 30 km to C: the median of the line
    with pytest.raises(InvalidParameter, match="model"):
        suggest_locations(tiny, druh="41", forma="terenni", cilove_skupiny=("seniori",), kapacita=2.0, model="x")


# --- input files ---------------------------------------------------------------------------------


def _write(region_dir: Path, name: str, text: str) -> Path:
    folder = region_dir / "scenarios"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_scenario_file_is_read_and_recorded(region_copy):
    path = _write(region_copy, "napajedla.csv",
                  "zmena;sluzba_id;druh;forma;cilove_skupiny;kapacita;kod_obce;pusobnost;dosah_km;naklady;spolufinancovani;metoda\n"
                  "přidat;;pečovatelská služba;terénní;senioři;40;585513;Napajedla, 585220;;2 000 000;50 %;podle využití\n"
                  "Zrušit;S13;;;;;;;;;;\n"
                  "kapacita;S04;;;;120;;;;;;\n"
                  "pridat;T1;41;terénní;senioři;5;585599;;12,5;;;\n")
    region = load_region(region_copy)
    (scenario,) = region.extras["scenarios"]
    assert scenario.nazev == "napajedla" and scenario.metoda == "podle_vyuziti" and path in region.inputs
    add, close, grow, alarm = scenario.changes
    assert (add.druh, add.forma, add.pusobnost, add.naklady, add.spolufinancovani) == ("40", "terenni", ("585513", "585220"), 2_000_000, 0.5)
    assert (close.zmena, grow.kapacita, alarm.dosah_m, alarm.sluzba_id) == ("zrusit", 120, 12_500, "T1")


def test_scenario_sheets_of_an_xlsx_are_scenarios(region_copy):
    folder = region_copy / "scenarios"
    folder.mkdir()
    with pd.ExcelWriter(folder / "varianty.xlsx") as book:
        pd.DataFrame({"zmena": ["zrušit"], "sluzba_id": ["S02"]}).to_excel(book, sheet_name="bez DS", index=False)
        pd.DataFrame({"zmena": ["kapacita"], "sluzba_id": ["S02"], "kapacita": [120]}).to_excel(book, sheet_name="vetsi DS", index=False)
    names = [s.nazev for s in load_region(region_copy).extras["scenarios"]]
    assert names == ["bez DS", "vetsi DS"]


def test_a_hostile_scenario_xlsx_is_refused_before_any_parsing(region_copy, monkeypatch):
    folder = region_copy / "scenarios"
    folder.mkdir()
    with pd.ExcelWriter(folder / "varianty.xlsx") as book:
        pd.DataFrame({"zmena": ["zrušit"], "sluzba_id": ["S02"]}).to_excel(book, sheet_name="bez DS", index=False)
    raw = (folder / "varianty.xlsx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for part in src.infolist():  # a 48 MiB sheet that deflates to ~50 kB
            data = src.read(part)
            dst.writestr(part.filename, data[:-20] + b"<c/>" * (12 * 2**20) + data[-20:] if part.filename == "xl/worksheets/sheet1.xml" else data)
    (folder / "varianty.xlsx").write_bytes(out.getvalue())

    def no_parsing(*args, **kwargs):
        raise AssertionError("the scenario workbook was parsed")

    monkeypatch.setattr(pd, "ExcelFile", no_parsing)
    with pytest.raises(InvalidRegion) as caught:
        load_region(region_copy)
    (problem,) = [p for p in caught.value.problems if p.file == "scenarios/varianty.xlsx"]
    assert "by se rozbalila" in problem.message and "krát" in problem.message


def test_a_scenario_xlsx_is_read_once_and_recorded(region_copy):
    folder = region_copy / "scenarios"
    folder.mkdir()
    with pd.ExcelWriter(folder / "varianty.xlsx") as book:
        pd.DataFrame({"zmena": ["zrušit"], "sluzba_id": ["S02"]}).to_excel(book, sheet_name="bez DS", index=False)
        pd.DataFrame({"zmena": ["kapacita"], "sluzba_id": ["S02"], "kapacita": [120]}).to_excel(book, sheet_name="vetsi DS", index=False)
    reads = []
    real = inputfiles.read_input
    with mock.patch.object(sh, "read_input", lambda path: reads.append(Path(path).name) or real(path)):
        region = load_region(region_copy)
    assert reads.count("varianty.xlsx") == 1 and len(region.extras["scenarios"]) == 2
    assert region.input_digests["scenarios/varianty.xlsx"][1] == (folder / "varianty.xlsx").stat().st_size  # the digest of the bytes parsed


def test_scenario_problems_name_file_row_and_column_in_czech(region_copy):
    _write(region_copy, "spatne.csv",
           "zmena;sluzba_id;druh;forma;cilove_skupiny;kapacita;kod_obce;barva;metoda\n"
           "přidat;;49;terénní;senioři;5;123;;\n"
           "kapacita;S99;;;;x;;;\n"
           "posunout;S01;;;;;;;\n"
           "přidat;;40;terénní;;5;500011;;kombinace\n"
           "zrušit;;;;;;;;\n")
    with pytest.raises(InvalidRegion) as caught:
        load_region(region_copy)
    found = {(p.file, p.row, p.column) for p in caught.value.problems}
    expected = {
        ("scenarios/spatne.csv", 1, "barva"), ("scenarios/spatne.csv", 2, "kod_obce"), ("scenarios/spatne.csv", 2, "forma"),
        ("scenarios/spatne.csv", 3, "sluzba_id"), ("scenarios/spatne.csv", 3, "kapacita"), ("scenarios/spatne.csv", 4, "zmena"),
        ("scenarios/spatne.csv", 5, "cilove_skupiny"), ("scenarios/spatne.csv", 5, "metoda"), ("scenarios/spatne.csv", 6, "sluzba_id"),
    }
    assert expected <= found, found
    text = str(caught.value)
    assert "není v seznamu služeb" in text and "neznámá změna „posunout“" in text and "nelze přečíst" in text


def test_scenario_member_outside_and_catchment_checks(region_copy):
    _write(region_copy, "a.csv", "zmena;druh;forma;cilove_skupiny;kapacita;kod_obce;pusobnost;dosah_km\n"
                                 "přidat;40;terénní;senioři;5;500011;Praha;\n"
                                 "přidat;49;pobytová;senioři;5;585599;;10\n")
    with pytest.raises(InvalidRegion) as caught:
        load_region(region_copy)
    messages = {(p.row, p.column): p.message for p in caught.value.problems}
    assert "není členem regionu" in messages[(2, "kod_obce")]
    assert "není členská obec" in messages[(2, "pusobnost")]
    assert "jen u terénních" in messages[(3, "dosah_km")]


def test_a_downloaded_scenario_reads_back_to_the_same_changes(sample_region):
    from kpwork import sheets as sh
    from kpwork.scenarios.inputs import parse_scenario, scenario_sheet

    changes = (
        Change("pridat", "N1", druh="40", forma="terenni", cilove_skupiny=("seniori", "ozp"), kapacita=12.5, kod_obce="585513",
               nazev="Pobočka", pusobnost=("585513", "585220"), naklady=2_300_000, spolufinancovani=0.5, zdroj="MPSV"),
        Change("pridat", "N2", druh="49", forma="pobytova", cilove_skupiny=("seniori",), kapacita=20, kod_obce="585220", bod=(-546_000.0, -1_170_000.0)),
        Change("pridat", "N3", druh="41", forma="terenni", cilove_skupiny=("seniori",), kapacita=5, kod_obce="585599", dosah_m=12_500.0),
        Change("kapacita", "S04", kapacita=120), Change("zrusit", "S13"),
    )
    scenario = Scenario("stazeny", changes, metoda="podle_vyuziti", titulek="Varianta se dvěma pobočkami")
    text = scenario_sheet(scenario).to_csv(sep=";", index=False)
    problems = sh.ProblemLog()
    back = parse_scenario(sh.read_csv_text(text, "stazeny.csv"), "stazeny", sample_region, problems)
    assert not problems.problems
    assert back.metoda == "podle_vyuziti" and len(back.changes) == 5 and back.title == "Varianta se dvěma pobočkami"
    for old, new in zip(changes, back.changes, strict=True):
        assert new.bod == pytest.approx(old.bod, abs=0.5) if old.bod else new.bod is None
        assert new == dataclasses.replace(old, bod=new.bod)


def test_a_scenario_is_called_by_its_title_on_pages(region_copy):
    _write(region_copy, "dve_pobocky.csv", "zmena;sluzba_id;kapacita;nazev_scenare\n"
                                           "kapacita;S04;120;  Dvě   pobočky v Napajedlech \n"
                                           "zrušit;S13;;\n")
    _write(region_copy, "bez_nazvu.csv", "zmena;sluzba_id\nzrušit;S13\n")
    titles = {s.nazev: s.title for s in load_region(region_copy).extras["scenarios"]}
    assert titles == {"bez_nazvu": "Bez nazvu", "dve_pobocky": "Dvě pobočky v Napajedlech"}


def test_a_scenario_title_is_plain_text_and_one(region_copy):
    _write(region_copy, "a.csv", "zmena;sluzba_id;nazev_scenare\n"
                                 "zrušit;S13;První\n"
                                 "zrušit;S02;Druhý\n")
    _write(region_copy, "b.csv", "zmena;sluzba_id;nazev_scenare\n"
                                 "zrušit;S13;Varianta {{ 7*7 }}\n"
                                 f"zrušit;S02;{'x' * 121}\n")
    with pytest.raises(InvalidRegion) as caught:
        load_region(region_copy)
    messages: dict = {}
    for p in caught.value.problems:
        messages[(p.file, p.row, p.column)] = messages.get((p.file, p.row, p.column), "") + p.message + " | "
    assert "jeden název, ale řádky uvádějí „První“ a „Druhý“" in messages[("scenarios/a.csv", 3, "nazev_scenare")]
    assert "obsahuje značky" in messages[("scenarios/b.csv", 2, "nazev_scenare")]
    assert "delší než 120 znaků (121)" in messages[("scenarios/b.csv", 3, "nazev_scenare")]
