"""Everything a run computes about a region, computed once, region-wide.

:func:`analyse_region` turns a validated :class:`~kpwork.region.Region` into
the result tables and map layers of a run. It reads and writes nothing; the
run (:mod:`kpwork.runs`) writes what it returns, and the notebooks only read
those results.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from kpwork import access, gaps, need
from kpwork.conversions import region_conversions
from kpwork.funding import funding_results
from kpwork.plan import plan_results
from kpwork.region import Region
from kpwork.scenarios.model import Baseline
from kpwork.scenarios.tables import scenario_results
from kpwork.taxonomy import SERVICE_TYPES, form_label, paragraph_order

log = logging.getLogger(__name__)


@dataclass
class Analysis:
    """Result tables (name -> DataFrame) and map layers (name -> GeoDataFrame) of a region."""

    tables: dict[str, pd.DataFrame]
    layers: dict[str, gpd.GeoDataFrame]
    meta: dict = field(default_factory=dict)


def analyse_region(region: Region, *, today: dt.date | None = None) -> Analysis:
    """Need, accessibility, gaps, service load, funding and plan monitoring.

    Besides tables and layers, the analysis's ``meta`` (the run writes it as
    ``results/region.json``) tells the pages about the region: ``region_id``,
    ``region_name``, ``members``, ``names``, ``main_type``, ``types``,
    ``has_services`` (False for a region with no services yet),
    ``population_years`` (the years of the population figures used, the
    latest of each member: :func:`population_years`), ``has_funding``,
    ``has_plan`` and ``scenarios`` (names of the region's scenarios).

    Parameters
    ----------
    region
        A validated region.
    today
        The reference date of plan monitoring (which years are due, which
        activities overdue); the run passes its own date and records it in
        the manifest, so that a reproduction a year later uses the same date.
        Defaults to the current date.

    Returns
    -------
    Analysis
        Tables ``obce``, ``sluzby``, ``potreba``, ``dostupnost`` (per
        municipality x type x unit), ``mezery`` (per municipality x target
        group x type x unit), ``mezery_obce`` (per municipality x type x
        unit), ``mezery_region`` (per type x unit for the region),
        ``nejvetsi_nedostatky``, ``vytizenost``, ``vyuziti`` and, when the
        region has them, ``financovani_*`` (the last of them
        financovani_odhlaseni: members that opted out of a shared service,
        with the region's rule applied), ``plan_*`` and ``scenare_*`` (the
        scenarios of ``scenarios/``, :func:`kpwork.scenarios.tables.scenario_results`); layers ``obce`` (polygons with need and coverage per
        service type in its planning unit, wide) and ``sluzby`` (points).
        Every table has a stable row order.
    """
    population = region.latest_population()
    names = region.member_names()
    conversions = region_conversions(region)
    need_table = need.region_need(region)
    reach = access.reachable_capacity(region, need_table, conversions=conversions)
    gap_table = gaps.find_gaps(need_table, reach.by_group)
    load_table = gaps.service_load(region.services, region.usage, region.members, conversions=conversions)
    municipalities = _municipality_table(population, names)
    services = _service_table(region, reach.by_service)
    tables = {
        "obce": municipalities,
        "sluzby": services,
        "potreba": need_table.merge(names.reset_index(), on="kod_obce", how="left"),
        "dostupnost": reach.by_type.merge(names.reset_index(), on="kod_obce", how="left"),
        "mezery": gap_table.merge(names.reset_index(), on="kod_obce", how="left"),
        "mezery_obce": gaps.municipality_gaps(gap_table).merge(names.reset_index(), on="kod_obce", how="left"),
        "mezery_region": gaps.region_gaps(gap_table),
        "nejvetsi_nedostatky": gaps.top_shortages(gap_table, n=20).merge(names.reset_index(), on="kod_obce", how="left"),
        "vytizenost": load_table.merge(services[["id", "nazev", "poskytovatel", "druh", "forma"]], left_on="sluzba_id", right_on="id", how="left").drop(columns="id"),
        "vyuziti": region.usage.sort_values(["sluzba_id", "kod_obce", "rok"], kind="stable", ignore_index=True),
    }
    if "funding" in region.extras:
        tables.update(funding_results(region))
        tables["financovani_odhlaseni"] = _opt_out_table(reach.opt_outs, names, services)
    if "plan" in region.extras:
        tables.update(plan_results(region.extras["plan"], tables["mezery"], names=names, today=today))
    if "scenarios" in region.extras:
        tables.update(scenario_results(Baseline(region, need_table, conversions, gap_table), region.extras["scenarios"]))
    layers = {
        "obce": _municipality_layer(region, municipalities, gap_table),
        "sluzby": gpd.GeoDataFrame(services, geometry=region.services.geometry.values, crs=region.services.crs),
    }
    meta = {
        "region_id": region.id,
        "region_name": region.name,
        "members": list(region.members),
        "names": {k: v for k, v in names.items()},
        "main_type": gaps.main_shortage_type(gap_table),
        "types": sorted(set(gap_table["druh"]), key=paragraph_order),
        "has_services": len(region.services) > 0,
        "population_years": population_years(region),
        "has_funding": any(k.startswith("financovani_") for k in tables),
        "has_plan": any(k.startswith("plan_") for k in tables),
        "scenarios": [s.nazev for s in region.extras.get("scenarios", ())],
        "scenario_titles": {s.nazev: s.title for s in region.extras.get("scenarios", ())},
    }
    return Analysis(tables=tables, layers=layers, meta=meta)


def population_years(region: Region) -> list[int]:
    """The years of the population figures an analysis of ``region`` uses: the latest of each member.

    Examples
    --------
    >>> from kpwork.region import load_region
    >>> population_years(load_region("data/otrokovicko"))
    [2020]
    """
    return sorted({int(y) for y in region.latest_population()["rok"]})


def _municipality_table(population: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    table = population.reset_index()
    table.insert(1, "nazev", table["kod_obce"].map(names))
    return table


def _service_table(region: Region, by_service: pd.DataFrame) -> pd.DataFrame:
    """The services as given, with type and form names and how the analysis counted each capacity.

    Columns of services.csv that the analysis does not use pass through, so
    the catalogue page reads from here ``potvrzeno`` (when the provider last
    confirmed the service, ISO date; the column only when services.csv has it).
    """
    services = pd.DataFrame(region.services.drop(columns="geometry"))
    services.insert(services.columns.get_loc("druh") + 1, "druh_nazev", services["druh"].map(lambda d: SERVICE_TYPES[d].name))
    services.insert(services.columns.get_loc("forma") + 1, "forma_nazev", services["forma"].map(form_label))
    counted = by_service.set_index("sluzba_id").reindex(services["id"])
    at = services.columns.get_loc("jednotka") + 1
    for k, column in enumerate(c for c in counted.columns):
        services.insert(at + k, column, counted[column].to_numpy())
    return services.reset_index(drop=True)


def _opt_out_table(opt_outs: pd.DataFrame, names: pd.Series, services: pd.DataFrame) -> pd.DataFrame:
    """Members that opted out of a shared service, with the rule applied (for the member pages)."""
    named = services[["id", "nazev", "druh"]].rename(columns={"id": "sluzba_id", "nazev": "sluzba"})
    table = opt_outs.merge(names.reset_index(), on="kod_obce", how="left").merge(named, on="sluzba_id", how="left")
    return table[["kod_obce", "nazev", "sluzba_id", "sluzba", "druh", "v_dosahu", "vyrazena_z_dosahu"]].sort_values(["kod_obce", "sluzba_id"], ignore_index=True)


def _municipality_layer(region: Region, municipalities: pd.DataFrame, gap_table: pd.DataFrame) -> gpd.GeoDataFrame:
    planned = gap_table.loc[gap_table["potreba"].notna()]  # the planning unit of each type (other units have no need)
    per_type = planned.groupby(["kod_obce", "druh"])[["potreba", "kapacita_dosazitelna"]].sum()
    wide_need = per_type["potreba"].unstack("druh").add_prefix("potreba_")
    coverage = (per_type["kapacita_dosazitelna"] / per_type["potreba"]).unstack("druh").add_prefix("pokryti_")
    shapes = region.municipalities.loc[list(region.members), ["geometry"]]
    layer = shapes.join(municipalities.set_index("kod_obce")).join(wide_need).join(coverage)
    return gpd.GeoDataFrame(layer.reset_index(), geometry="geometry", crs=region.municipalities.crs)
