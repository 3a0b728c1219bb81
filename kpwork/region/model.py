"""The :class:`Region`: a validated microregion, the one input of the analysis.

This module holds the type only, so that the parsers of optional inputs
(:mod:`kpwork.need`, :mod:`kpwork.funding.inputs`, :mod:`kpwork.plan.inputs`),
which the loader calls, can name it without importing the loader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from kpwork.taxonomy import DEFAULT_VOCABULARY, Vocabulary

AGE_BANDS = ("vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus")
SERVICE_COLUMNS = ("id", "nazev", "poskytovatel", "druh", "forma", "cilove_skupiny", "kapacita", "kod_obce")
SERVICE_OPTIONAL = ("ico", "jednotka", "lat", "lon", "pusobnost", "naklady")
USAGE_COLUMNS = ("sluzba_id", "kod_obce", "klienti")
USAGE_OPTIONAL = ("hodiny", "rok", "luzkodny", "obsazenost")

#: Key of ``[financovani]`` in region.toml: does a member's opt-out of a shared
#: service (``ucast = ne``) also take it out of the service's reach? Default no.
OPT_OUT_REMOVES_REACH = "odhlaseni_vyrazuje_z_dosahu"
#: Settings of region.toml besides ``[region]``: section -> key -> default
#: (``docs/data-format.md``). The loader checks their types and names.
SETTINGS: dict[str, dict[str, bool]] = {"financovani": {OPT_OUT_REMOVES_REACH: False}}


def default_settings() -> dict[str, Any]:
    """Every setting of :data:`SETTINGS` by key, with its default."""
    return {key: value for keys in SETTINGS.values() for key, value in keys.items()}


@dataclass(frozen=True)
class Region:
    """A validated microregion, ready for analysis.

    Attributes
    ----------
    id, name : str
        From ``region.toml``; ``id`` names the output folder.
    path : Path
        The region folder.
    members : tuple of str
        ``kod_obce`` of the member municipalities, in file order.
    municipalities : GeoDataFrame
        Index ``kod_obce`` (str); columns ``nazev``, ``clen`` (member or not),
        ``geometry`` in EPSG:5514.
    population : DataFrame
        ``kod_obce``, ``rok`` and the ``vek_*`` bands, every year given.
    services : GeoDataFrame
        One row per service; ``druh`` is the paragraph code (``"40"``),
        ``forma`` one of ``pobytova``/``ambulantni``/``terenni``,
        ``cilove_skupiny`` and ``pusobnost`` tuples of codes (``pusobnost``
        expanded from ``*`` to all members), point ``geometry`` in EPSG:5514.
    usage : DataFrame
        ``sluzba_id``, ``kod_obce``, ``klienti``, ``hodiny``, ``luzkodny``
        (bed-days) and ``obsazenost`` (average beds or places occupied),
        NaN when not given, and ``rok`` (<NA> when not given).
    inputs : tuple of Path
        Every file read, for the run manifest.
    extras : mapping
        Optional inputs parsed by their modules: ``norms``, ``conversions``,
        ``survey``, ``funding``, ``coalition_costs``, ``plan``, ``scenarios``
        (a tuple of :class:`~kpwork.scenarios.Scenario`, from the folder ``scenarios/``).
    input_digests : mapping
        Path of each input relative to the region folder -> (SHA-256, bytes)
        of the bytes that were parsed, taken when they were read (the run's
        manifest records these).
    vocabulary : Vocabulary
        kpwork's spellings of service types and target groups with the
        region's own terms (``[pojmy]`` in ``region.toml``); every parser of
        the region's sheets reads types and groups through it.
    settings : mapping
        Settings of region.toml besides ``[region]`` by key, every key of
        :data:`SETTINGS` present (its default when the file does not set it).
    """

    id: str
    name: str
    path: Path
    members: tuple[str, ...]
    municipalities: gpd.GeoDataFrame
    population: pd.DataFrame
    services: gpd.GeoDataFrame
    usage: pd.DataFrame
    inputs: tuple[Path, ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)
    input_digests: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    vocabulary: Vocabulary = DEFAULT_VOCABULARY
    settings: Mapping[str, Any] = field(default_factory=default_settings)

    @property
    def age_bands(self) -> list[str]:
        """The ``vek_*`` columns of the population sheet, in file order."""
        return [c for c in self.population.columns if c.startswith("vek_")]

    def latest_population(self) -> pd.DataFrame:
        """Population of each member in its latest year, index ``kod_obce``.

        Columns: ``rok``, the ``vek_*`` bands and ``obyvatele`` (their sum).
        """
        latest = self.population.sort_values("rok").groupby("kod_obce").tail(1)
        latest = latest.set_index("kod_obce").loc[list(self.members)]
        latest["obyvatele"] = latest[self.age_bands].sum(axis=1)
        return latest

    def member_names(self) -> pd.Series:
        """``nazev`` of each member, index ``kod_obce``."""
        return self.municipalities.loc[list(self.members), "nazev"]
