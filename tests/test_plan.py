"""Plan input and monitoring: hand-computed roll-ups, bad inputs, the sample plan, rendering."""

from __future__ import annotations

import shutil
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpwork import InvalidParameter, InvalidRegion, KpworkWarning, load_region
from kpwork import sheets as sh
from kpwork.pages import monitoring as pr
from kpwork.plan.inputs import parse_plan
from kpwork.plan.monitoring import (
    action_plan,
    gap_effects,
    indicator_fulfilment,
    plan_results,
    roll_up,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "otrokovicko"
FIXTURE = Path(__file__).parent / "data" / "plan"
TODAY = date(2026, 1, 15)


@pytest.fixture(scope="module")
def region():
    return load_region(SAMPLE)


def _parse(folder: Path, region, today: date = TODAY):
    _, sheets = sh.read_workbook(folder, "plan")
    log = sh.ProblemLog()
    plan = parse_plan(sheets, region, log, today=today)
    return plan, [str(p) for p in log.problems]


@pytest.fixture(scope="module")
def small(region):
    plan, problems = _parse(FIXTURE, region)
    assert problems == []
    return plan


@pytest.fixture
def bad(tmp_path):
    """A copy of the small plan to break one file at a time."""
    folder = tmp_path / "plan"
    shutil.copytree(FIXTURE, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / f"plan_{name}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _gaps() -> pd.DataFrame:
    rows = [("588318", "Bělov", "seniori", "40", 10.0, 4.0), ("586013", "Žlutava", "seniori", "40", 20.0, 10.0),
            ("588318", "Bělov", "ozp", "40", 5.0, 5.0), ("585599", "Otrokovice", "seniori", "40", 300.0, 250.0)]
    gaps = pd.DataFrame(rows, columns=["kod_obce", "nazev", "cilova_skupina", "druh", "potreba", "kapacita_dosazitelna"])
    gaps["mezera"] = gaps["potreba"] - gaps["kapacita_dosazitelna"]
    gaps["pokryti"] = gaps["kapacita_dosazitelna"] / gaps["potreba"]
    gaps["stav"] = np.where(gaps["pokryti"] >= 1, "dostatek", "nedostatek")
    return gaps


def _tables(small, gaps=None):

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpworkWarning)
        return plan_results(small, gaps, today=TODAY)


# --- parsing ---------------------------------------------------------------------------------


def test_small_plan_parses_codes_as_text(small):
    assert small.opatreni["opatreni"].tolist() == ["1.1", "1.2", "2.1"]
    assert "60000" in small.indikatory["indikator"].tolist()
    assert small.skupiny.set_index("skupina").loc["SEN", "cilove_skupiny"] == ("seniori",)
    row = small.aktivity.iloc[0]
    assert row["obce"] == ("588318", "586013")  # name and code both accepted
    assert row["termin"] == date(2024, 6, 30) and row["stav"] == "splneno"
    assert row["rozpocet"] == 100_000
    assert small.aktivity.iloc[1]["termin"] == date(2025, 12, 31)  # default deadline
    assert small.udaje["konec_pripominek"] == date(2023, 10, 4)  # a month after publication


def test_indicators_long_only_planned_years(small):
    i3 = small.indikatory.loc[small.indikatory["indikator"] == "I3"]
    assert i3["rok"].tolist() == [2025]
    assert i3["smer"].iloc[0] == "pokles"
    i4 = small.indikatory.loc[small.indikatory["indikator"] == "I4"]
    assert np.isnan(i4["skutecnost"].iloc[0])


def test_unknown_measure_is_reported_with_suggestion(bad, region):
    _edit(bad, "aktivity", "1.2.1;2025;1.2;", "1.2.1;2025;1.9;")
    _, problems = _parse(bad, region)
    assert any(p.startswith("plan_aktivity.csv:4: opatreni: unknown measure '1.9'") for p in problems), problems


def test_indicator_without_unit(bad, region):
    _edit(bad, "indikatory", "I1;Klienti v malých obcích;osoby;", "I1;Klienti v malých obcích;;")
    _, problems = _parse(bad, region)
    assert problems == ["plan_indikatory.csv:2: jednotka: missing value; expected a unit such as osoby, dokumenty, lůžka"]


def test_actual_for_a_future_year(bad, region):
    _edit(bad, "indikatory", "skutecnost_2025\n", "skutecnost_2025;plan_2027;skutecnost_2027\n")
    _edit(bad, "indikatory", ";30;33\n", ";30;33;40;41\n")
    _, problems = _parse(bad, region)
    assert problems == ["plan_indikatory.csv:2: skutecnost_2027: actual value for 2027, a future year (today is 2026-01-15)"]


def test_spending_for_a_future_year(bad, region):
    _, problems = _parse(FIXTURE, region, today=date(2024, 5, 1))
    assert "plan_aktivity.csv:4: cerpano: spending reported for 2025, a future year (today is 2024-05-01)" in problems


def test_duplicate_codes(bad, region):
    _edit(bad, "indikatory", "I2;Obce", "I1;Obce")
    _edit(bad, "opatreni", "1.2;1;Odlehčovací", "1.1;1;Odlehčovací")
    _edit(bad, "aktivity", "1.1.1;2025;", "1.1.1;2024;")
    _, problems = _parse(bad, region)
    assert "plan_indikatory.csv:3: kod: duplicate indicator code 'I1' (also row 2)" in problems
    assert "plan_opatreni.csv:3: opatreni: duplicate measure '1.1' (also row 2)" in problems
    assert "plan_aktivity.csv:3: aktivita: duplicate activity and year '1.1.1 in 2024' (also row 2)" in problems


def test_more_bad_cells_all_reported(bad, region):
    _edit(bad, "swot", "SEN;hrozby;", "SEM;hrozby;")
    _edit(bad, "swot", "ROD;S;", "ROD;X;")
    _edit(bad, "aktivity", ";Bělov, 586013", ";Zlín")
    _edit(bad, "aktivity", "30. 6. 2024", "31. 6. 2024")
    _edit(bad, "indikatory", ";3;;2;2;", ";3;nahoru;2;2;")
    _, problems = _parse(bad, region)
    text = "\n".join(problems)
    assert "plan_swot.csv:5: skupina: unknown working group 'SEM' (not in sheet skupina); did you mean 'SEN'?" in text
    assert "plan_swot.csv:6: typ: unknown SWOT type (typ) 'X'" in text
    assert "plan_aktivity.csv:2: obce: must be a 6-digit municipality code" in text
    assert "plan_aktivity.csv:2: termin: expected a date" in text
    assert "plan_indikatory.csv:3: smer: unknown direction (smer) 'nahoru'" in text
    assert len(problems) == 5


def test_missing_sheet_and_column(bad, region):
    (bad / "plan_priority.csv").unlink()
    _edit(bad, "opatreni", "opatreni;priorita;nazev;skupina", "opatreni;priorita;jmeno;skupina")
    _, problems = _parse(bad, region)
    assert problems[0].startswith("plan_priority.csv:-: -: missing sheet priority (sheets found: aktivity, indikatory")
    assert any(p.startswith("plan_opatreni.csv:1: nazev: missing column") for p in problems)


def test_loader_raises_all_plan_problems_at_once(tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(SAMPLE, folder)
    (folder / "plan.xlsx").unlink()
    shutil.copytree(FIXTURE, folder, dirs_exist_ok=True)
    _edit(folder, "aktivity", "1.2.1;2025;1.2;", "1.2.1;2025;1.9;")
    _edit(folder, "indikatory", "I1;Klienti v malých obcích;osoby;", "I1;Klienti v malých obcích;;")
    with pytest.raises(InvalidRegion) as info:
        load_region(folder)
    assert [p.file for p in info.value.problems] == ["plan_aktivity.csv", "plan_indikatory.csv"]


def test_xlsx_labels_name_the_sheet(tmp_path, region):
    import openpyxl

    path = tmp_path / "plan.xlsx"
    shutil.copy(SAMPLE / "plan.xlsx", path)
    wb = openpyxl.load_workbook(path)
    wb["indikatory"]["C2"] = None
    wb.save(path)
    _, problems = _parse(tmp_path, region)
    assert problems == ["plan.xlsx[indikatory]:2: jednotka: missing value; expected a unit such as osoby, dokumenty, lůžka"]


# --- monitoring arithmetic -------------------------------------------------------------------


def test_indicator_fulfilment_hand_computed(small):
    out = indicator_fulfilment(small.indikatory, today=TODAY).set_index(["indikator", "rok"])
    assert out.loc[("I1", 2024), "plneni"] == pytest.approx(0.75)
    assert out.loc[("I1", 2025), "plneni"] == pytest.approx(1.1)
    assert out.loc[("I3", 2025), "plneni"] == pytest.approx(0.8)  # less is better: 1 + (10 - 12) / 10
    assert out.loc[("I1", 2025), "zmena"] == 23
    assert out.loc[("I4", 2025), "stav"] == "nevykazano"
    later = indicator_fulfilment(small.indikatory, today=date(2025, 6, 1)).set_index(["indikator", "rok"])
    assert later.loc[("I4", 2025), "stav"] == "ceka"


def test_roll_up_hand_computed(small):
    t = _tables(small)
    m = t["plan_opatreni"].set_index(["opatreni", "rok"])
    assert m.loc[("1.1", 2024), "plneni"] == pytest.approx((0.75 * 1 + 1.0 * 3) / 4)
    assert m.loc[("1.1", 2025), "plneni"] == pytest.approx((1.0 * 1 + 0.5 * 3) / 4)  # 1.1 capped at 1
    assert m.loc[("1.1", 2025), "stav"] == "pozadu"
    assert m.loc[("2.1", 2025), "plneni"] == pytest.approx(1.0)
    assert m.loc[("2.1", 2025), "vykazano"] == pytest.approx(0.5)
    p = t["plan_priority"].set_index(["priorita", "rok"])
    assert p.loc[("1", 2025), "plneni"] == pytest.approx((0.625 + 0.8) / 2)
    assert p.loc[("1", 2024), "plneni"] == pytest.approx(0.9375)
    assert p.loc[("1", 2024), "stav"] == "v_planu"
    total = t["plan_celkem"].set_index("rok")
    assert total.loc[2025, "plneni"] == pytest.approx((0.7125 + 1.0) / 2)
    assert total.loc[2025, "n_indikatoru_nevykazano"] == 1
    g = t["plan_skupiny"].set_index(["skupina", "rok"])
    assert g.loc[("SEN", 2025), "plneni"] == pytest.approx(0.7125)


def test_budget_and_overdue(small):
    t = _tables(small)
    b = t["plan_rozpocet"].set_index(["rok", "opatreni"])
    assert b.loc[(2024, "1.1"), "cerpani"] == pytest.approx(0.9)
    assert np.isnan(b.loc[(2025, "1.1"), "cerpano"])  # not reported is not zero
    assert b.loc[(2025, "2.1"), "cerpani"] == pytest.approx(310 / 300)
    a = action_plan(small, today=TODAY).set_index(["aktivita", "rok"])
    assert a["po_terminu"].to_dict() == {("1.1.1", 2024): False, ("1.1.1", 2025): True,
                                         ("1.2.1", 2025): True, ("2.1.1", 2025): False}
    assert t["plan_celkem"].set_index("rok").loc[2025, "z_toho_obce"] == 30_000


def test_gap_before_and_after(small):
    with pytest.warns(KpworkWarning, match="1.2.1 adds §44"):
        effects = gap_effects(small, _gaps())
    e = effects.loc[effects["druh"] == "40"].set_index("kod_obce")
    assert e["cilova_skupina"].tolist() == ["seniori", "seniori"]  # the SEN group's target group only
    assert e.loc["588318", "pridana_kapacita"] == pytest.approx(2.0)  # 6 x 10 / 30
    assert e.loc["586013", "pridana_kapacita"] == pytest.approx(4.0)
    assert e.loc["588318", "mezera_pred"] == 6 and e.loc["588318", "mezera_po"] == pytest.approx(4.0)
    assert e.loc["586013", "stav_po"] == "nedostatek"
    beds = effects.loc[effects["druh"] == "44"]
    assert len(beds) == 8 and beds["pridana_kapacita"].sum() == pytest.approx(1.0)


def test_added_capacity_is_conserved(small):
    effects = _tables(small, _gaps())["plan_mezery_opatreni"]
    added = small.aktivity["kapacita"].fillna(0).sum()
    assert effects["pridana_kapacita"].sum() == pytest.approx(added)


@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(0, 5)), st.floats(0.1, 10)), min_size=1, max_size=8))
def test_roll_up_is_a_capped_weighted_mean(items):
    rows = pd.DataFrame({"k": "x", "plneni": [np.nan if p is None else p for p, _ in items], "w": [w for _, w in items]})
    rows["stav"] = np.where(rows["plneni"].isna(), "nevykazano", "v_planu")
    out = roll_up(rows, ["k"], weight="w").iloc[0]
    reported = rows.dropna(subset=["plneni"])
    if reported.empty:
        assert np.isnan(out["plneni"]) and out["stav"] == "nevykazano"
    else:
        expected = (reported["plneni"].clip(upper=1) * reported["w"]).sum() / reported["w"].sum()
        assert out["plneni"] == pytest.approx(expected)
        assert 0 <= out["plneni"] <= 1


def test_roll_up_rejects_missing_columns():
    with pytest.raises(InvalidParameter, match="lack columns"):
        roll_up(pd.DataFrame({"k": [1]}), ["k"])


def test_gap_table_needs_its_columns(small):
    with pytest.raises(InvalidParameter, match="gaps lack columns"):
        gap_effects(small, pd.DataFrame({"kod_obce": []}))


# --- the sample plan -------------------------------------------------------------------------


def test_sample_plan_is_small_but_complete(region):
    plan = region.extras["plan"]
    assert len(plan.priority) == 3 and len(plan.opatreni) == 8
    assert plan.indikatory["indikator"].nunique() >= 10 and plan.years == [2024, 2025]
    assert plan.swot.groupby("skupina")["typ"].nunique().tolist() == [4, 4, 4]
    assert {"60000", "80500"} <= set(plan.indikatory["indikator"])
    assert set(plan.aktivity["sluzba_id"]) - {""} <= set(region.services["id"])
    tables = plan_results(region.extras["plan"], None, names=region.member_names(), today=TODAY)
    assert sorted(tables) == sorted(["plan_indikatory", "plan_opatreni", "plan_priority", "plan_skupiny", "plan_celkem",
                                     "plan_rozpocet", "plan_akcni_plan", "plan_swot", "plan_pripominky", "plan_mezery_opatreni"])
    assert tables["plan_mezery_opatreni"]["nazev"].notna().all()
    assert tables["plan_pripominky"]["v_terminu"].tolist().count(False) == 1


# --- rendering -------------------------------------------------------------------------------


def test_report_renders_czech_and_english(small):
    t = _tables(small, _gaps())
    text = str(pr.fulfilment_table(t, "opatreni", 2025))
    assert "Opatření" in text and "63\u00a0%" in text and "pozadu" in text
    assert "behind" in str(pr.fulfilment_table(t, "opatreni", 2025, lang="en"))
    assert "Celkem" in str(pr.budget_table(t, 2025))
    plan_html = str(pr.action_plan_table(t, 2025))
    assert "ano" in plan_html and "31. 12. 2025" in plan_html
    assert "Přijato".lower() in str(pr.comments_table(t)).lower()


def test_swot_is_two_by_two(small):
    text = str(pr.swot_quadrants(_tables(small)))
    first = text.split("</table>")[0]
    assert first.count("<tr>") == 2 and first.count("<td") == 4
    assert first.index("Silné stránky") < first.index("Slabé stránky") < first.index("Příležitosti") < first.index("Hrozby")


def test_gaps_before_and_after_are_estimates_not_masked(small):
    # need and gaps are a norm times public population: shown as estimates, never as "<5"
    text = str(pr.gap_table(_tables(small, _gaps())))
    assert "Potřeba (odhad)" in text and "Mezera před (odhad)" in text
    assert "&lt;5" not in text and ">6,0<" in text, "Bělov's seniors lack 6 places: one decimal below 10"


def test_charts_are_figures(small):
    t = _tables(small)
    for fig in (pr.fulfilment_chart(t, 2025), pr.trend_chart(t), pr.budget_chart(t, 2025)):
        assert fig.figure.axes and fig.png().startswith(b"\x89PNG")


def test_report_rejects_bad_arguments(small):
    t = _tables(small)
    with pytest.raises(InvalidParameter, match="level must be one of priority"):
        pr.fulfilment_table(t, "obce", 2025)
    with pytest.raises(InvalidParameter, match="lang must be one of cs, en"):
        pr.overview(t, 2025, lang="de")


def test_report_without_plan():
    assert "nemá komunitní plán" in str(pr.swot_quadrants({}))
