"""Need estimation: hand-computed cases, apportioned bands, overrides, survey correction,
the shipped norms and their national calibration, the sample."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pandas as pd
import pytest

from kpwork import InvalidRegion, load_region
from kpwork.errors import InvalidParameter
from kpwork.need import (
    NORM_PSEUDO_RESPONDENTS,
    apply_survey,
    band_share,
    combine_norms,
    default_norms,
    estimate_need,
    region_need,
)
from kpwork.taxonomy import SERVICE_TYPES, TARGET_GROUPS

REPO = Path(__file__).resolve().parents[1]


def _pop() -> pd.DataFrame:
    return pd.DataFrame(
        {"vek_0_14": [100, 20], "vek_65_79": [300, 50], "vek_80_plus": [80, 10]},
        index=pd.Index(["585599", "588318"], name="kod_obce"),
    )


def _norms(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["druh", "cilova_skupina", "pasmo", "na_1000"])


def test_need_sums_bands_hand_computed():
    norms = _norms([("40", "seniori", "vek_65_79", 15.0), ("40", "seniori", "vek_80_plus", 100.0), ("62", "deti_mladez", "vek_0_14", 10.0)])
    need = estimate_need(_pop(), norms).set_index(["kod_obce", "druh"])["potreba"]
    # Otrokovice: 300 * 15/1000 + 80 * 100/1000 = 4.5 + 8 = 12.5; Bělov: 50*0.015 + 10*0.1 = 1.75
    assert need[("585599", "40")] == pytest.approx(12.5)
    assert need[("588318", "40")] == pytest.approx(1.75)
    assert need[("585599", "62")] == pytest.approx(1.0)


def test_need_rejects_unknown_band():
    with pytest.raises(InvalidParameter, match="vek_90_plus"):
        estimate_need(_pop(), _norms([("40", "seniori", "vek_90_plus", 1.0)]))


def test_region_norm_replaces_default_with_same_key():
    default = default_norms()
    override = _norms([("40", "seniori", "vek_80_plus", 150.0)]).assign(zdroj="region")
    combined = combine_norms(default, override)
    row = combined.loc[(combined["druh"] == "40") & (combined["cilova_skupina"] == "seniori") & (combined["pasmo"] == "vek_80_plus")]
    assert row["na_1000"].tolist() == [150.0]
    assert len(combined) == len(default)


def test_default_norms_are_valid_and_sourced():
    norms = default_norms()
    assert len(norms) > 0 and set(norms["druh"]) <= set(SERVICE_TYPES)
    assert set(norms["cilova_skupina"]) <= set(TARGET_GROUPS)
    assert ((norms["podil_pasma"] > 0) & (norms["podil_pasma"] <= 1)).all()
    assert (norms["zdroj"].str.strip().str.len() > 0).all(), "every norm names its source or says it is an assumption"


def test_every_norm_says_its_unit_and_kind_of_source():
    for _, row in default_norms().iterrows():
        unit = SERVICE_TYPES[row["druh"]].unit
        assert f"jednotka: {unit}" in row["zdroj"], f"§{row['druh']}: the source must name the planning unit {unit}"
        assert row["zdroj"].startswith(("kalibrováno", "odvozeno", "předpoklad")), row["zdroj"][:40]


def test_every_type_with_a_service_in_the_sample_has_a_norm(sample_region):
    missing = set(sample_region.services["druh"]) - set(default_norms()["druh"])
    assert not missing, f"service types of the sample without a norm: {sorted(missing)}"


def test_apportioned_band_hand_computed():
    pop = pd.DataFrame({"vek_0_14": [150, 30], "vek_15_64": [500, 100]}, index=pd.Index(["585599", "588318"], name="kod_obce"))
    norms = _norms([("54", "rodiny", "vek_0_14", 10.0), ("62", "deti_mladez", "vek_0_14", 12.0), ("62", "deti_mladez", "vek_15_64", 6.0)])
    norms["podil_pasma"] = [7 / 15, 9 / 15, 12 / 50]
    need = estimate_need(pop, norms).set_index(["kod_obce", "druh"])["potreba"]
    # early intervention, ages 0-6 = 7/15 of 0-14: 150 * 7/15 * 10/1000 = 0.7
    assert need[("585599", "54")] == pytest.approx(0.7)
    assert need[("588318", "54")] == pytest.approx(0.14)
    # NZDM, ages 6-26: 150 * 9/15 * 12/1000 + 500 * 12/50 * 6/1000 = 1.08 + 0.72
    assert need[("585599", "62")] == pytest.approx(1.8)
    # without the column, or with an empty share (a region row that does not give it), the whole band counts
    whole = estimate_need(pop, norms.drop(columns="podil_pasma")).set_index(["kod_obce", "druh"])["potreba"]
    assert whole[("585599", "54")] == pytest.approx(1.5)
    empty = estimate_need(pop, norms.assign(podil_pasma=[None, 9 / 15, 12 / 50])).set_index(["kod_obce", "druh"])["potreba"]
    assert empty[("585599", "54")] == pytest.approx(1.5)


def test_shipped_apportioning_of_early_intervention():
    pop = pd.DataFrame({"vek_0_14": [1500], "vek_15_64": [0], "vek_65_79": [0], "vek_80_plus": [0]}, index=pd.Index(["585599"], name="kod_obce"))
    need = estimate_need(pop, default_norms())
    # 1500 children 0-14, 7/15 of them aged 0-6, 10 families per 1000 of those: 7.0
    assert need.loc[need["druh"] == "54", "potreba"].sum() == pytest.approx(7.0)


@pytest.mark.parametrize(("text", "value"), [("9/15", 0.6), ("0,24", 0.24), ("0.5", 0.5), ("1", 1.0)])
def test_band_share_accepts_decimals_and_fractions(text, value):
    assert band_share(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["0", "1,5", "3/2", "-0.2"])
def test_band_share_outside_0_1_is_refused(text):
    with pytest.raises(ValueError, match="0 < podil_pasma <= 1"):
        band_share(text)


def test_region_norms_with_a_bad_share_name_file_row_and_column(region_copy):
    (region_copy / "norms.csv").write_text(
        "druh,cilova_skupina,pasmo,podil_pasma,na_1000,zdroj\n"
        "54,rodiny,vek_0_14,7/15,10,ok\n"
        '62,deti_mladez,vek_0_14,"1,5",12,zdroj\n'
        "62,deti_mladez,vek_15_64,0,6,zdroj\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidRegion) as info:
        load_region(region_copy)
    messages = [str(p) for p in info.value.problems if p.column == "podil_pasma"]
    assert len(messages) == 2
    assert messages[0].startswith("norms.csv:3: podil_pasma:") and "1,5" in messages[0]
    assert messages[1].startswith("norms.csv:4: podil_pasma:") and "got '0'" in messages[1]


def test_region_norms_with_a_share_change_the_need(region_copy):
    (region_copy / "norms.csv").write_text(
        "druh,cilova_skupina,pasmo,podil_pasma,na_1000,zdroj\n54,rodiny,vek_0_14,0.2,10,region\n", encoding="utf-8"
    )
    region = load_region(region_copy)
    need = region_need(region)
    children = region.latest_population().loc["585599", "vek_0_14"]
    early = need.loc[(need["kod_obce"] == "585599") & (need["druh"] == "54"), "potreba"].sum()
    assert early == pytest.approx(children * 0.2 * 10 / 1000)


def test_survey_moves_estimate_by_respondent_weight():
    norms = _norms([("40", "seniori", "vek_80_plus", 100.0)])
    need = estimate_need(_pop(), norms)
    survey = pd.DataFrame({"kod_obce": ["585599"], "druh": ["40"], "cilova_skupina": [""], "respondenti": [30], "podil": [0.2]})
    corrected = apply_survey(need, survey, _pop(), norms).set_index("kod_obce")
    # norm: 8 people; survey: 0.2 * 80 = 16; with n = k = 30 the mean is 12
    assert NORM_PSEUDO_RESPONDENTS == 30
    assert corrected.loc["585599", "potreba"] == pytest.approx(12.0)
    assert corrected.loc["585599", "zdroj"] == "norma+pruzkum"
    assert corrected.loc["588318", "zdroj"] == "norma"


def test_survey_base_is_the_apportioned_band():
    pop = pd.DataFrame({"vek_0_14": [150]}, index=pd.Index(["585599"], name="kod_obce"))
    norms = _norms([("54", "rodiny", "vek_0_14", 10.0)]).assign(podil_pasma=[7 / 15])
    need = estimate_need(pop, norms)
    survey = pd.DataFrame({"kod_obce": ["585599"], "druh": ["54"], "cilova_skupina": [""], "respondenti": [30], "podil": [0.02]})
    corrected = apply_survey(need, survey, pop, norms)
    # norm: 0.7; survey: 0.02 of the 70 children aged 0-6 = 1.4; equal weights give 1.05
    assert corrected["potreba"].item() == pytest.approx(1.05)


def test_region_need_on_sample_covers_every_member():
    region = load_region("data/otrokovicko")
    need = region_need(region)
    assert set(need["kod_obce"]) == set(region.members)
    assert (need["potreba"] >= 0).all()
    # home care need of Otrokovice from the default norms: 3226*20/1000 + 831*140/1000 + 11165*1.5/1000 (ČSÚ 2020)
    home = need.loc[(need["kod_obce"] == "585599") & (need["druh"] == "40"), "potreba"].sum()
    assert home == pytest.approx(3226 * 0.020 + 831 * 0.140 + 11165 * 0.0015)


def _calibration():
    spec = importlib.util.spec_from_file_location("calibrate_norms", REPO / "benchmarks" / "calibrate_norms.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def calibration():
    module = _calibration()
    return module, module.calibration_table(default_norms(), module.load_figures())


def test_national_need_is_within_a_factor_of_two_of_every_figure(calibration):
    module, table = calibration
    assert table.loc[table["uzemi"] == "ČR", "potreba"].notna().sum() >= 20
    for _, row in table.iterrows():
        for kind in ("potreba_kapacita", "potreba_klienti"):
            factor = module.off_by(row[kind])
            assert math.isnan(factor) or factor <= module.FACTOR, f"§{row['druh']} {row['uzemi']}: {kind} = {row[kind]:.2f}"


def test_national_need_of_homes_for_the_elderly_hand_computed(calibration):
    _, table = calibration
    row = table.loc[(table["druh"] == "49") & (table["uzemi"] == "ČR")].iloc[0]
    # 1,710,796 people 65-79 * 5/1000 + 447,526 people 80+ * 60/1000 (ČSÚ 2020 bands of the packaged reference)
    assert row["potreba"] == pytest.approx(1_710_796 * 5 / 1000 + 447_526 * 60 / 1000)
    assert row["kapacita"] == 36465 and row["rok_kapacity"] == 2020


def test_calibration_table_in_the_docs_is_up_to_date(calibration):
    module, table = calibration
    doc = (REPO / "docs" / "method.md").read_text(encoding="utf-8")
    assert module.replace_block(doc, module.to_markdown(table)) == doc, "run: python benchmarks/calibrate_norms.py --write"
