"""What a municipality page shows of its region: the member, its neighbourhood and what serves it.

A municipality page of a 6,258-member region must cost what it costs in an
eight-member one: it draws only the member, the members that touch it, the
members where the services serving it have their seat, and those services;
its tables keep the rows of these members and services. The run cuts the
region's tables once into one small set per page (:class:`PageCutter`,
written by :func:`kpwork.results.write_page_data`); a notebook opened on a
whole run's results cuts the same set itself (:func:`neighbourhood_results`).

Nothing is recomputed: the rows are the run's own, selected. Only the age
chart compares the member with the whole region, so the region's totals
per age band go along in the page's ``meta`` (``vek_region``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpwork.codes import as_kod_obce
from kpwork.errors import InvalidParameter
from kpwork.results import FrameResults, Results

if TYPE_CHECKING:  # the layers arrive loaded; the meeting page imports this module without geopandas
    import geopandas as gpd

#: Tables a municipality page reads, and the column that ties each row to a member.
PAGE_TABLES: Mapping[str, str] = {
    "obce": "kod_obce",
    "mezery": "kod_obce",
    "mezery_obce": "kod_obce",
    "dostupnost": "kod_obce",
    "financovani_odhlaseni": "kod_obce",
}
#: Tables whose rows are services: the page keeps those serving the member.
SERVICE_TABLES: Mapping[str, str] = {"sluzby": "id", "vytizenost": "sluzba_id"}
#: Tables a page takes whole: one row per service type, so their size does not grow with the region
#: (the map compares each municipality with the region).
REGION_TABLES = ("mezery_region",)
#: Keys of the run's ``meta`` that a page takes over as they are.
PAGE_META = ("region_id", "region_name", "main_type", "types", "has_services", "population_years", "has_funding", "has_plan")


@dataclass(frozen=True)
class Neighbourhood:
    """The members and services one municipality page shows.

    ``members`` starts with the member itself, then its neighbours in the
    region's order; ``services`` are the ids of the services that serve it.
    """

    kod_obce: str
    members: tuple[str, ...]
    services: tuple[str, ...]


def served_by(services: pd.DataFrame, members: Sequence[str] = ()) -> dict[str, list[str]]:
    """Ids of the services serving each municipality: its seat, and its area served (``pusobnost``; ``*``: every member).

    Examples
    --------
    >>> s = pd.DataFrame({"id": ["A", "B"], "kod_obce": ["1", "2"], "pusobnost": ["1, 3", "*"]})
    >>> served_by(s, ["1", "2"])
    {'1': ['A', 'B'], '3': ['A'], '2': ['B']}
    """
    out: dict[str, list[str]] = {}
    areas = services["pusobnost"] if "pusobnost" in services else pd.Series([None] * len(services), index=services.index)
    for sid, seat, area in zip(services["id"].astype(str), services["kod_obce"].astype(str), areas, strict=True):
        codes = _area_codes(area)
        if "*" in codes:
            codes = list(members)
        for code in dict.fromkeys([seat, *codes]):
            out.setdefault(code, []).append(sid)
    return out


def _area_codes(value: object) -> list[str]:
    if isinstance(value, tuple | list):
        return [str(c).strip() for c in value if str(c).strip()]
    if not isinstance(value, str) or not value.strip():
        return []
    return [c.strip() for c in value.split(",") if c.strip()]


class PageCutter:
    """Cuts each municipality page's data from a run's tables: the indexes are built once, a page costs a lookup.

    Parameters
    ----------
    tables, layers, meta
        A run's tables, layers and meta (:class:`kpwork.analysis.Analysis`
        or read back from its results); ``layers["obce"]`` holds the
        members' polygons, ``tables["sluzby"]`` the services (``id``,
        ``kod_obce`` of the seat, ``pusobnost``).

    Examples
    --------
    ``cut = PageCutter(analysis.tables, analysis.layers, analysis.meta); data = cut("585599")``
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], layers: Mapping[str, gpd.GeoDataFrame], meta: Mapping):
        municipalities = layers["obce"]
        self._codes = municipalities["kod_obce"].astype(str).to_numpy()
        self._position = {c: i for i, c in enumerate(self._codes)}
        left, right = municipalities.sindex.query(municipalities.geometry.values, predicate="intersects")
        self._touching: dict[int, list[int]] = {}
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            self._touching.setdefault(a, []).append(b)
        services = tables["sluzby"]
        self._serving = served_by(services, self._codes.tolist())
        self._seat = dict(zip(services["id"].astype(str), services["kod_obce"].astype(str), strict=True))
        self._by_member = {name: _RowIndex(tables[name], column) for name, column in PAGE_TABLES.items() if name in tables}
        self._by_service = {name: _RowIndex(tables[name], column) for name, column in SERVICE_TABLES.items() if name in tables}
        self._whole = {name: tables[name] for name in REGION_TABLES if name in tables}
        self._layers = {"obce": _RowIndex(municipalities, "kod_obce"), "sluzby": _RowIndex(layers["sluzby"], "id")}
        self._names = meta["names"]
        self._meta = {key: meta[key] for key in PAGE_META if key in meta}
        self._meta["vek_region"] = _age_totals(tables["obce"])

    def neighbourhood(self, kod_obce: str) -> Neighbourhood:
        """The member, the members touching it and those where its services sit; the services serving it."""
        if kod_obce not in self._position:
            raise InvalidParameter(f"kod_obce {kod_obce}: not in the layer of members")
        own = self._position[kod_obce]
        ids = self._serving.get(kod_obce, [])
        near = {own, *self._touching.get(own, [])} | {self._position[self._seat[s]] for s in ids if self._seat[s] in self._position}
        ordered = [own, *sorted(near - {own})]
        return Neighbourhood(kod_obce=kod_obce, members=tuple(self._codes[i] for i in ordered), services=tuple(ids))

    def __call__(self, kod_obce: str) -> dict:
        """One page's data: ``meta``, ``tables`` and ``layers`` (see :func:`kpwork.results.write_page_data`).

        ``meta`` is the run's with ``members`` and ``names`` of the
        neighbourhood only and the region's totals per age band
        (``vek_region``); the member's tables keep its own rows, but the
        map's (``obce``, ``mezery_obce``, ``dostupnost``) its neighbours' too.
        """
        hood = self.neighbourhood(kod_obce)
        meta = {**self._meta, "members": list(hood.members), "names": {c: self._names[c] for c in hood.members}}
        tables = {}
        for name, index in self._by_member.items():
            tables[name] = index.select(hood.members if name in MAP_TABLES else [hood.kod_obce])
        for name, index in self._by_service.items():
            tables[name] = index.select(hood.services)
        tables.update(self._whole)
        layers = {"obce": self._layers["obce"].select(hood.members), "sluzby": self._layers["sluzby"].select(hood.services)}
        return {"meta": meta, "tables": tables, "layers": layers}


#: Tables of a page that the map draws for the whole neighbourhood (the others: the member's rows only).
MAP_TABLES = frozenset({"obce", "mezery_obce", "dostupnost"})


class _RowIndex:
    """Row positions of every key of a column, found once for all pages of a run."""

    def __init__(self, frame: pd.DataFrame, column: str):
        self.frame = frame
        self.rows = frame.groupby(frame[column].astype(str), sort=False).indices if len(frame) else {}

    def select(self, keys: Sequence[str]) -> pd.DataFrame:
        found = [self.rows[k] for k in keys if k in self.rows]
        positions = np.sort(np.concatenate(found)) if found else np.array([], dtype=int)
        return self.frame.iloc[positions].reset_index(drop=True)


def _age_totals(obce: pd.DataFrame) -> dict[str, int]:
    return {c: int(obce[c].sum()) for c in obce.columns if c.startswith("vek_")}


def neighbourhood_results(r: Results, kod_obce: str | int) -> Results:
    """The page data of one member, cut from a whole run's results (the same as the run writes).

    Parameters
    ----------
    r
        A run's results (:func:`kpwork.results.load`).
    kod_obce
        The member.

    Returns
    -------
    Results
        With the tables, layers and ``meta`` of the member's page
        (:class:`PageCutter`).
    """
    code = as_kod_obce(kod_obce)
    if code not in r.meta["members"]:
        raise InvalidParameter(f"kod_obce {code} is not a member of {r.meta['region_id']}")
    tables = {name: r[name] for name in [*PAGE_TABLES, *SERVICE_TABLES, *REGION_TABLES] if name in r}
    layers = {"obce": r.layer("obce"), "sluzby": r.layer("sluzby")}
    return FrameResults.from_data(r.folder, PageCutter(tables, layers, r.meta)(code))
