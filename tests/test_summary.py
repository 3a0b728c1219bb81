"""The one-screen summary of a region that `kpwork validate` prints."""

from __future__ import annotations

from kpwork.region import load_region
from kpwork.summary import describe_region


def test_describe_the_sample(sample_region):
    lines = describe_region(sample_region).splitlines()
    assert lines == [
        "Otrokovicko (otrokovicko): OK",
        "  members: 8 municipalities, 29,945 inhabitants (2020)",
        "  services: 19 of 15 types from 7 providers",
        "    by form: pobytová 5, ambulantní 7, terénní 7",
        lines[4],
        "  usage: 97 rows, 849 clients",
        "  also: coalition_costs, funding, plan, scenarios",
        "  files read: 11",
    ]
    by_type = lines[4].removeprefix("    by type: ").split(", ")
    assert len(by_type) == 15, "one entry per service type"
    assert by_type[:3] == ["§37 odborné sociální poradenství 1", "§39 osobní asistence 1", "§40 pečovatelská služba 3"], "in paragraph order"
    assert sum(int(t.rsplit(" ", 1)[1]) for t in by_type) == 19


def test_counts_follow_the_region(sample_region):
    text = describe_region(sample_region)
    services = sample_region.services
    assert f"services: {len(services)} of {services['druh'].nunique()} types" in text
    assert f"files read: {len(sample_region.inputs)}" in text
    assert f"{int(sample_region.usage['klienti'].sum()):,} clients" in text


def test_a_region_without_services_says_so_and_lists_no_forms_or_types(tmp_path):
    from kpwork.create import create_region

    create_region(tmp_path / "tri", ["588318", "585220", "586013"], name="Tři obce")
    lines = describe_region(load_region(tmp_path / "tri")).splitlines()
    assert lines == [
        "Tři obce (tri): OK",
        "  members: 3 municipalities, 3,514 inhabitants (2020)",  # 317 + 1,993 + 1,204 (ČSÚ 2020)
        "  services: none yet; add them to services.csv or services.xlsx",
        "  usage: 0 rows, 0 clients",
        "  files read: 5",
    ]


def test_a_region_without_optional_inputs_has_no_also_line(region_copy):
    lines = describe_region(load_region(region_copy)).splitlines()
    assert lines[0] == "Otrokovicko (otrokovicko): OK"
    assert not any(line.startswith("  also:") for line in lines)
    assert lines[-1] == "  files read: 5"
