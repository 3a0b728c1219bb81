"""Need estimation: hand-computed cases, overrides, survey correction, the sample."""

from __future__ import annotations

import pandas as pd
import pytest

from kpwork import load_region
from kpwork.errors import InvalidParameter
from kpwork.need import (
    NORM_PSEUDO_RESPONDENTS,
    apply_survey,
    combine_norms,
    default_norms,
    estimate_need,
    region_need,
)
from kpwork.taxonomy import SERVICE_TYPES, TARGET_GROUPS


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
    assert set(norms["druh"]) <= set(SERVICE_TYPES)
    assert set(norms["cilova_skupina"]) <= set(TARGET_GROUPS)
    assert (norms["zdroj"].str.len() > 0).all(), "every norm names its source or says it is an assumption"


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


def test_region_need_on_sample_covers_every_member():
    region = load_region("data/otrokovicko")
    need = region_need(region)
    assert set(need["kod_obce"]) == set(region.members)
    assert (need["potreba"] >= 0).all()
    # home care need of Otrokovice from the default norms: 3226*15/1000 + 831*100/1000 + 11165*1/1000 (ČSÚ 2020)
    home = need.loc[(need["kod_obce"] == "585599") & (need["druh"] == "40"), "potreba"].sum()
    assert home == pytest.approx(3226 * 0.015 + 831 * 0.1 + 11165 * 0.001)
