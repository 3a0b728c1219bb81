"""Disclosure control: what public pages may show of counts of real people.

Two kinds of numbers about people leave a run, and they follow different rules
(``docs/method.md``, section *Ochrana malých počtů / Disclosure control*):

- **Estimates** (need, reachable capacity, shortfall) are a norm times the
  public ČSÚ population, and the population itself is public: they are not
  data about persons and are never masked; pages show them as estimates
  (:func:`kpwork.pages.format.estimate`).
- **Counts of real people** (clients and hours of ``usage.csv``, survey
  respondents, anything a provider reports) of 1 to 4 in one municipality
  must not be recoverable from a public page. The primary rule masks them
  on the raw value, before any rounding (:func:`is_small`); secondary rules
  keep them from coming back through totals, shares and splits: the load of a
  service is shown only when its clients are 0 or at least 5, and a
  usage-based split shows the members with few clients of a shared service
  only added up (:func:`pooled_members`, :func:`funding_pools`).

Result tables (``results/``) and the council workbook are internal and keep
the raw numbers. This module only decides; :mod:`kpwork.pages` renders.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from kpwork.config import THRESHOLDS
from kpwork.funding.methods import COOPERATIVE

__all__ = [
    "SMALL",
    "USAGE_METHODS",
    "cuts_pool",
    "depends_on_clients",
    "funding_pools",
    "is_small",
    "latest_clients",
    "pooled_members",
    "small",
]

#: Counts of real people from 1 up to (not including) this are masked.
SMALL: int = THRESHOLDS.small_count
#: Split methods whose amounts follow the members' usage (``kombinace`` may have a usage part).
USAGE_METHODS = frozenset({"podle_vyuziti", "kombinace"})
#: Figures of a service's cost game: they follow the clients when the game is the cost model.
_GAME_FIGURES = frozenset({*COOPERATIVE, "samostatne"})
#: ``naklady_koalic`` of a game built from the cost model (clients of ``usage.csv``).
_MODEL = "model"


def is_small(value: object, *, threshold: int = SMALL) -> bool:
    """Whether a raw count of real people must be masked: more than 0 and less than ``threshold``.

    The test is on the raw value, before rounding: 4.6 clients is masked
    although it would print as 5. Missing values are not small (they show as ``–``).

    Examples
    --------
    >>> [is_small(v) for v in (0, 0.4, 1, 4, 4.6, 5, None, float("nan"))]
    [False, True, True, True, True, False, False, False]
    """
    if value is None or value is pd.NA:
        return False
    number = float(value)
    return bool(np.isfinite(number) and 0 < number < threshold)


def small(values: pd.Series, *, threshold: int = SMALL) -> pd.Series:
    """:func:`is_small` of each value (a boolean Series with the same index).

    Examples
    --------
    >>> small(pd.Series([0, 3, 7, None])).tolist()
    [False, True, False, False]
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return (numbers > 0) & (numbers < threshold)


def latest_clients(usage: pd.DataFrame) -> pd.Series:
    """Clients per service and municipality of each service's latest year of ``usage``.

    The same year the funding splits use (:func:`kpwork.funding.tables.service_inputs`):
    the latest ``rok`` of each service; rows without a year count only for
    services that give no year at all.

    Returns
    -------
    pandas.Series
        ``klienti`` (float), index (``sluzba_id``, ``kod_obce``).

    Examples
    --------
    >>> u = pd.DataFrame({"sluzba_id": ["S1", "S1", "S1"], "kod_obce": ["1", "2", "1"], "klienti": [3, 9, 7], "rok": [2023, 2024, 2024]})
    >>> latest_clients(u).tolist()
    [7.0, 9.0]
    """
    rows = usage.assign(sluzba_id=usage["sluzba_id"].astype(str), kod_obce=usage["kod_obce"].astype(str))
    if "rok" in rows:
        last = rows.groupby("sluzba_id")["rok"].transform("max")
        rows = rows.loc[last.isna() | (rows["rok"] == last)]
    return rows.groupby(["sluzba_id", "kod_obce"])["klienti"].sum().astype(float)


def pooled_members(clients: pd.Series, *, threshold: int = SMALL) -> list[str]:
    """The members of one shared service that public pages show only added up.

    Parameters
    ----------
    clients
        Clients of each participant (index ``kod_obce``; 0 for none).
    threshold
        The small-count threshold.

    Returns
    -------
    list of str
        Empty when no participant has 1 to ``threshold - 1`` clients. Else
        every participant with fewer than ``threshold`` clients (zeros too, so
        that a zero does not narrow the others down), then, while the pool
        could still give a count back, the participant with the fewest other
        clients: the pool must hold 0 or at least ``threshold`` clients
        together, and may not consist only of members at ``threshold - 1``.
        When even every participant together fails, all are pooled (a page
        then shows only the service's total). In the order of ``clients``.

    Examples
    --------
    >>> c = pd.Series([109.0, 1.0, 2.0, 6.0, 0.0], index=["A", "B", "C", "D", "E"])
    >>> pooled_members(c)
    ['B', 'C', 'D', 'E']
    >>> pooled_members(pd.Series([12.0, 0.0, 7.0], index=["A", "B", "C"]))
    []
    """
    counts = pd.to_numeric(clients, errors="coerce").astype(float).fillna(0.0)
    if not small(counts, threshold=threshold).any():
        return []
    pool = list(counts.index[counts < threshold])
    others = counts.drop(index=pool).sort_values(kind="stable")
    grown = False
    while _unsafe(counts.loc[pool], threshold, grown) and len(others):
        pool.append(others.index[0])
        others = others.iloc[1:]
        grown = True
    chosen = set(pool)
    return [str(m) for m in counts.index if m in chosen]


def _unsafe(pool: pd.Series, threshold: int, grown: bool) -> bool:
    """Whether the pool's total could point at a member's count.

    Its clients together must not be a small count, and a pool of small
    members only (``grown`` is False) must not sit at its upper bound, where
    every member would be ``threshold - 1``.
    """
    total = float(pool.sum())
    if 0 < total < threshold:
        return True
    return not grown and total > 0 and total == (threshold - 1) * len(pool)


def depends_on_clients(figure: str, source: str | None) -> bool:
    """Whether a funding figure of a member follows its clients.

    Parameters
    ----------
    figure
        A method of :data:`kpwork.funding.METHODS`, or ``"samostatne"`` (the
        stand-alone cost).
    source
        Where the service's cost game comes from (``naklady_koalic`` of
        ``financovani_sluzby``): ``model`` counts the clients of ``usage.csv``;
        ``tabulka`` (quoted costs) and ``celkove_naklady`` do not.

    Examples
    --------
    >>> depends_on_clients("podle_vyuziti", "tabulka"), depends_on_clients("shapley", "model"), depends_on_clients("shapley", "tabulka")
    (True, True, False)
    """
    return figure in USAGE_METHODS or (figure in _GAME_FIGURES and source == _MODEL)


def funding_pools(srovnani: pd.DataFrame, sluzby: pd.DataFrame, usage: pd.DataFrame, *, threshold: int = SMALL) -> dict[str, list[str]]:
    """The pooled members (:func:`pooled_members`) of every shared service of a run.

    Parameters
    ----------
    srovnani
        The run's ``financovani_srovnani`` (participants and every method's amounts).
    sluzby
        The run's ``financovani_sluzby`` (``naklady_koalic`` of each service).
    usage
        The run's ``vyuziti`` (the clients of ``usage.csv``).

    Returns
    -------
    dict
        ``sluzba_id`` -> pooled ``kod_obce``; empty lists for services none
        of whose figures follow the clients (:func:`depends_on_clients`).
    """
    clients = latest_clients(usage)
    sources = dict(zip(sluzby["sluzba_id"].astype(str), sluzby["naklady_koalic"], strict=True))
    pools = {}
    for sid, rows in srovnani.groupby(srovnani["sluzba_id"].astype(str), sort=False):
        figures = ["samostatne"] + [m for m in rows.columns if m in _GAME_FIGURES | USAGE_METHODS and rows[m].notna().any()]
        if not any(depends_on_clients(f, sources.get(sid)) for f in figures):
            pools[sid] = []
            continue
        members = rows["kod_obce"].astype(str)
        own = clients.loc[sid] if sid in clients.index.get_level_values(0) else pd.Series(dtype=float)
        pools[sid] = pooled_members(own.reindex(members.tolist(), fill_value=0.0), threshold=threshold)
    return pools


def cuts_pool(coalition: Collection[str], pool: Collection[str]) -> bool:
    """Whether a group of members holds some, but not all, of a pool.

    Such a group's payment or cost would add up a part of the pool, and with
    the pool's total give a pooled member back; public pages leave it out.

    Examples
    --------
    >>> cuts_pool(["A", "B"], ["B", "C"]), cuts_pool(["A", "B", "C"], ["B", "C"]), cuts_pool(["A"], ["B", "C"])
    (True, False, False)
    """
    inside = len(set(coalition) & set(pool))
    return 0 < inside < len(set(pool))

