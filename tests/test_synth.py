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
    assert "12 obcí" in check.output  # Czech by default


# --- real municipalities -----------------------------------------------------------------------


def test_real_region_has_the_reference_boundaries_and_2020_ages(tmp_path):
    from kpwork.reference import AGE_BANDS, national_municipalities, national_population

    folder = synthesize_region(25, 4, tmp_path / "r", real=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", KpworkWarning)
        region = load_region(folder)
    members = list(region.members)
    assert len(members) == 25
    reference = national_population().set_index("kod_obce")
    assert set(members) <= set(reference.index)
    latest = region.latest_population()
    assert (latest[list(AGE_BANDS)] == reference.loc[members, list(AGE_BANDS)]).all().all()
    assert set(latest["rok"]) == {2020}
    shapes = national_municipalities().set_index("kod_obce").loc[members].geometry
    assert (region.municipalities.loc[members].geometry.hausdorff_distance(shapes) < 1.0).all(), "real boundaries, within a metre"
    # the 25 nearest to one municipality: a compact area, not 25 scattered ones
    assert region.municipalities.loc[members].union_all().convex_hull.area < 2 * region.municipalities.loc[members].area.sum()


def test_real_services_lie_inside_their_municipality_and_catchments_are_near(tmp_path):
    region = load_region(synthesize_region(None, 3, tmp_path / "r", real=True, okres="Kroměříž", services=40))
    assert len(region.members) == 79 and len(region.services) == 40
    shapes = region.municipalities
    assert all(shapes.geometry[c].contains(p) for c, p in zip(region.services["kod_obce"], region.services.geometry, strict=True))
    assert set(region.services["forma"]) == {"pobytova", "ambulantni", "terenni"}
    centres = shapes.geometry.representative_point()
    for seat, reach in zip(region.services["kod_obce"], region.services["pusobnost"], strict=True):
        assert seat in reach
        assert max(centres[c].distance(centres[seat]) for c in reach) <= 5 * 3550.0 + 1e-6, "within the largest catchment radius"


def test_real_region_is_deterministic(tmp_path):
    a = _digest(synthesize_region(12, 9, tmp_path / "a", real=True, region_id="x"))
    b = _digest(synthesize_region(12, 9, tmp_path / "b", real=True, region_id="x"))
    c = _digest(synthesize_region(12, 10, tmp_path / "c", real=True, region_id="x"))
    assert a == b
    assert a != c


def test_real_region_bad_choices(tmp_path):
    with pytest.raises(InvalidParameter, match="okres, kraj: a district or region is chosen only among real municipalities"):
        synthesize_region(10, 1, tmp_path, okres="Zlín")
    with pytest.raises(InvalidParameter, match="n: expected 1 to 79 real municipalities, got 80"):
        synthesize_region(80, 1, tmp_path, real=True, okres="Kroměříž")
    with pytest.raises(InvalidParameter, match="okres 'Zlínn'"):
        synthesize_region(None, 1, tmp_path, real=True, okres="Zlínn")


def test_cli_synth_real_then_validate(tmp_path):
    from click.testing import CliRunner

    from kpwork.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["synth", "--real", "--okres", "Zlín", "--seed", "2", str(tmp_path / "s")])
    assert out.exit_code == 0, out.output
    check = runner.invoke(main, ["validate", str(tmp_path / "s")])
    assert check.exit_code == 0, check.output
    assert "89 obcí" in check.output
    missing = runner.invoke(main, ["synth", str(tmp_path / "t")])
    assert missing.exit_code == 2 and "--municipalities is required (or --real" in missing.output
