"""Synthetic regions: valid, deterministic, every form, catchments and usage."""

from __future__ import annotations

import hashlib
import warnings

import pytest

from kpwork.errors import InvalidParameter, KpworkWarning
from kpwork.region import load_region
from kpwork.synth import synthesize_region


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_synthetic_region_loads_without_problems_or_warnings(tmp_path):
    folder = synthesize_region(60, 3, tmp_path / "r")
    with warnings.catch_warnings():
        warnings.simplefilter("error", KpworkWarning)
        region = load_region(folder)
    assert len(region.members) == 60
    assert all(len(c) == 6 and c.isdigit() for c in region.members)
    assert region.municipalities.crs.to_epsg() == 5514
    assert set(region.services["forma"]) == {"pobytova", "ambulantni", "terenni"}
    assert region.services["druh"].nunique() >= 5
    field = region.services[region.services["forma"] == "terenni"]
    # 60 cells make a grid 10 wide and 6 high: a catchment of radius 3 cells reaches at most 7 x 6
    assert all(0 < len(c) <= 42 for c in field["pusobnost"]), "field services reach their neighbourhood, not the whole region"
    assert region.usage["klienti"].sum() > 0
    assert set(region.usage["sluzba_id"]) <= set(region.services["id"])


def test_populations_come_from_the_packaged_reference(tmp_path):
    from kpwork.reference import national_population

    ref = national_population()
    region = load_region(synthesize_region(20, 5, tmp_path / "r"))
    latest = region.latest_population()
    pairs = set(zip(ref["nazev"], ref["celkem"], strict=True))
    names = region.member_names()
    assert all((names[c], int(latest.loc[c, "obyvatele"])) in pairs for c in region.members)
    assert set(latest["rok"]) == {2020}


def test_synth_reads_no_file_outside_the_package():
    import inspect

    import kpwork.synth

    assert "/work/" not in inspect.getsource(kpwork.synth)


def test_same_seed_same_bytes_other_seed_other_region(tmp_path):
    a = _digest(synthesize_region(15, 1, tmp_path / "a", region_id="x"))
    b = _digest(synthesize_region(15, 1, tmp_path / "b", region_id="x"))
    c = _digest(synthesize_region(15, 2, tmp_path / "c", region_id="x"))
    assert a == b
    assert a != c


def test_rejects_bad_sizes(tmp_path):
    with pytest.raises(InvalidParameter, match="n: expected"):
        synthesize_region(0, 1, tmp_path)
    with pytest.raises(InvalidParameter, match="services: expected at least 3"):
        synthesize_region(5, 1, tmp_path, services=2)


def test_cli_synth_then_validate(tmp_path):
    from click.testing import CliRunner

    from kpwork.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["synth", "--municipalities", "12", "--seed", "4", str(tmp_path / "s")])
    assert out.exit_code == 0, out.output
    check = runner.invoke(main, ["validate", str(tmp_path / "s")])
    assert check.exit_code == 0, check.output
    assert "12 municipalities" in check.output
