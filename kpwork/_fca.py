"""Floating catchment kernels on plain arrays (the engine of :mod:`kpwork.access`).

Private module: use the names re-exported by :mod:`kpwork.access`. Demand and
supply are points in metres (EPSG:5514); pairs within a radius come from a
k-d tree (:meth:`scipy.spatial.cKDTree.sparse_distance_matrix`) and the two
steps are sums over those pairs, so memory and time grow with the number of
pairs in reach, never with demand x supply.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from kpwork.errors import InvalidParameter

#: A decay: steps ``[(upper_bound_m, weight), ...]``, a vectorised callable, or None.
Weights = Sequence[tuple[float, float]] | Callable[[np.ndarray], np.ndarray] | None

#: Supply points per neighbour-search chunk. Fixed, so that the order of the
#: pairs (hence every floating-point sum) does not depend on ``workers``.
_CHUNK = 256


def gaussian_weights(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    """Gaussian distance decay :math:`w(d) = \\exp(-d^2 / 2\\sigma^2)` for E2SFCA.

    Parameters
    ----------
    sigma
        Width in metres, > 0. The weight is 1 at distance 0, 0.61 at
        ``sigma`` and 0.14 at ``2 * sigma``; ``sigma = radius / 2`` is a
        common choice.

    Returns
    -------
    callable
        Vectorised: an array of distances in, an array of weights out.

    Raises
    ------
    InvalidParameter
        If ``sigma`` is not a finite number > 0.

    Notes
    -----
    The same function as PySAL access ``weights.gaussian(sigma)``: no
    :math:`1/\\sqrt{2\\pi}\\sigma` normalisation, so :math:`w(0) = 1`. Used as
    ``weights`` of :func:`two_step_fca` it is applied in both steps, as in the
    Gaussian 2SFCA of Dai (2010), Health & Place 16(5), 1038-1052.

    Examples
    --------
    >>> w = gaussian_weights(1000.0)
    >>> w(np.array([0.0, 1000.0, 2000.0])).round(4).tolist()
    [1.0, 0.6065, 0.1353]
    """
    sigma = _positive("sigma", sigma)

    def gaussian(distance: np.ndarray) -> np.ndarray:
        return np.exp(-distance * distance / (2.0 * sigma * sigma))

    return gaussian


def two_step_fca(
    demand_xy: np.ndarray,
    demand: np.ndarray,
    supply_xy: np.ndarray,
    capacity: np.ndarray,
    radius: float,
    weights: Weights = None,
    *,
    workers: int = 1,
) -> np.ndarray:
    """Supply-to-demand ratio reachable from each demand point (2SFCA / E2SFCA).

    Parameters
    ----------
    demand_xy
        ``(n, 2)`` coordinates of the demand points, in metres.
    demand
        ``(n,)`` people at each demand point, >= 0.
    supply_xy
        ``(m, 2)`` coordinates of the supply points, in metres.
    capacity
        ``(m,)`` capacity of each supply point, >= 0.
    radius
        Catchment radius in metres, finite and > 0. A pair at distance
        exactly ``radius`` is inside.
    weights
        Distance decay applied in both steps:

        - ``None``: none, every pair within ``radius`` weighs 1 (2SFCA);
        - steps ``[(5000, 1.0), (10000, 0.68), (20000, 0.22)]``: a pair at
          distance ``d`` gets the weight of the first step with
          ``d <= upper bound``, 0 beyond the last bound (E2SFCA); bounds > 0
          strictly increasing, weights >= 0;
        - a vectorised callable, distances in, weights >= 0 out, e.g.
          :func:`gaussian_weights`.
    workers
        Threads for the neighbour search; -1 for all CPUs. The result does
        not depend on it.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` capacity per person reachable from each demand point; 0 where
        no supply is in reach.

    Raises
    ------
    InvalidParameter
        Naming the argument, the value received and what is allowed: wrong
        shapes, non-finite or negative demand or capacity, radius not > 0,
        steps not increasing.

    See Also
    --------
    catchment_fca : the same ratio over a given reach (field services).

    Notes
    -----
    With :math:`d_{ij}` the distance from demand point :math:`i` to supply
    :math:`j`, :math:`w` the decay (1 without ``weights``), :math:`P_i` the
    demand and :math:`S_j` the capacity, step 1 gives every supply its ratio
    over the demand in its catchment, step 2 sums the ratios in reach of
    each demand point:

    .. math::

        R_j = \\frac{S_j}{\\sum_{i:\\, d_{ij} \\le r} w(d_{ij})\\, P_i}, \\qquad
        A_i = \\sum_{j:\\, d_{ij} \\le r} w(d_{ij})\\, R_j

    A supply whose catchment holds no demand has :math:`R_j = 0` (it serves
    nobody in the data). Without weights this is the 2SFCA of Luo & Wang
    (2003), doi:10.1068/b29120; with steps or a Gaussian, the E2SFCA of
    Luo & Qi (2009), doi:10.1016/j.healthplace.2009.06.002. Definitions match
    PySAL access ``two_stage_fca`` (``max_cost = radius``, ``weight_fn``
    applied in both steps). Demand-weighted, the ratios add up to the capacity
    that has demand in reach: :math:`\\sum_i P_i A_i = \\sum_{j: R_j > 0} S_j`.

    Examples
    --------
    Three villages on a line, three services; the one at x = 100 reaches nobody.

    >>> demand_xy = np.array([[0.0, 0.0], [10.0, 0.0], [30.0, 0.0]])
    >>> supply_xy = np.array([[0.0, 0.0], [20.0, 0.0], [100.0, 0.0]])
    >>> ratio = two_step_fca(demand_xy, [100, 200, 300], supply_xy, [10, 30, 5], radius=10)
    >>> ratio.round(4).tolist()
    [0.0333, 0.0933, 0.06]
    """
    demand_xy, supply_xy = _points("demand_xy", demand_xy), _points("supply_xy", supply_xy)
    demand = _amounts("demand", demand, len(demand_xy), "demand point")
    capacity = _amounts("capacity", capacity, len(supply_xy), "supply point")
    radius = _positive("radius", radius)
    decay = _decay(weights)
    return _radius_ratio(demand_xy, demand, supply_xy, capacity, radius, decay, _workers(workers))


def catchment_fca(demand: np.ndarray, capacity: np.ndarray, reach: sp.sparray | sp.spmatrix) -> np.ndarray:
    """Two-step ratio over a given reach instead of a radius (field services).

    Parameters
    ----------
    demand
        ``(n,)`` people at each demand point, >= 0.
    capacity
        ``(m,)`` capacity of each supply, >= 0.
    reach
        Sparse ``(n, m)`` matrix (any scipy.sparse format): entry ``(i, j)``
        is the weight (1 for plain 2SFCA, or a decay) with which demand point
        ``i`` is in the catchment of supply ``j``; absent entries are out of
        reach. Duplicate entries add up. A field service (``terénní``) has
        weight 1 for exactly the municipalities of its ``pusobnost``.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` capacity per person reachable from each demand point.

    Raises
    ------
    InvalidParameter
        If ``reach`` is not sparse, its shape does not match, or it holds
        negative or non-finite weights; or demand/capacity are invalid.

    See Also
    --------
    two_step_fca : the reach from distances and a radius.

    Notes
    -----
    The formulas of :func:`two_step_fca` with :math:`w_{ij}` = ``reach[i, j]``:
    :math:`R_j = S_j / \\sum_i w_{ij} P_i` (0 when no demand is in reach) and
    :math:`A_i = \\sum_j w_{ij} R_j` (Luo & Wang 2003). The ratio is additive
    over supplies, so ratios of disjoint sets of services (say, field services
    by catchment and residential ones by radius) may simply be added.

    Examples
    --------
    One field service of 20 clients serving the first two of three villages.

    >>> reach = sp.coo_array(([1.0, 1.0], ([0, 1], [0, 0])), shape=(3, 1))
    >>> catchment_fca([100, 300, 50], [20], reach).tolist()
    [0.05, 0.05, 0.0]
    """
    if not sp.issparse(reach):
        raise InvalidParameter(f"reach: expected a scipy.sparse matrix (demand x supply), got {type(reach).__name__}")
    n, m = reach.shape
    demand = _amounts("demand", demand, n, "row of reach")
    capacity = _amounts("capacity", capacity, m, "column of reach")
    coo = sp.coo_array(reach)
    w = _checked_weights(np.asarray(coo.data, dtype=float), coo.nnz, name="reach")
    return _ratio(coo.row.astype(np.intp), coo.col.astype(np.intp), w, demand, capacity)


def radius_reach(demand_xy: np.ndarray, supply_xy: np.ndarray, radius: float, weights: Weights = None) -> sp.coo_array:
    """The reach of supplies within a radius, as a sparse matrix for :func:`catchment_fca`.

    Parameters
    ----------
    demand_xy, supply_xy, radius, weights
        As in :func:`two_step_fca`.

    Returns
    -------
    scipy.sparse.coo_array
        ``(n, m)``: entry ``(i, j)`` is the weight of the pair (1 without
        ``weights``) when demand point ``i`` lies within ``radius`` of supply
        ``j``; pairs beyond the radius or of weight 0 are absent.

    Notes
    -----
    The same pairs and weights as :func:`two_step_fca` (a pair at exactly
    ``radius`` is inside; steps by ``d <= bound``), so
    ``catchment_fca(demand, capacity, radius_reach(...))`` equals
    ``two_step_fca(...)`` up to the order of floating-point sums. Use it when
    the reach must be edited (a member taken out of one service's reach) or
    reused for several demands over the same services.

    Examples
    --------
    >>> reach = radius_reach(np.array([[0.0, 0.0], [10.0, 0.0], [30.0, 0.0]]), np.array([[0.0, 0.0], [20.0, 0.0]]), 10)
    >>> reach.toarray().tolist()
    [[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    """
    demand_xy, supply_xy = _points("demand_xy", demand_xy), _points("supply_xy", supply_xy)
    radius = _positive("radius", radius)
    decay = _decay(weights)
    shape = (len(demand_xy), len(supply_xy))
    if not (shape[0] and shape[1]):
        return sp.coo_array(shape)
    found = cKDTree(supply_xy).sparse_distance_matrix(cKDTree(demand_xy), radius, output_type="ndarray")
    w = np.ones(len(found)) if decay is None else _checked_weights(decay(found["v"]), len(found))
    keep = w > 0
    return sp.coo_array((w[keep], (found["j"][keep].astype(np.intp), found["i"][keep].astype(np.intp))), shape=shape)


def nearest_distance(demand_xy: np.ndarray, supply_xy: np.ndarray, *, workers: int = 1) -> np.ndarray:
    """Distance from each demand point to the nearest supply point.

    Parameters
    ----------
    demand_xy
        ``(n, 2)`` coordinates in metres.
    supply_xy
        ``(m, 2)`` coordinates in metres; may be empty.
    workers
        Threads for the k-d tree query; -1 for all CPUs.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` straight-line distances in metres; ``inf`` when there is no
        supply point at all.

    Examples
    --------
    >>> nearest_distance(np.array([[0.0, 0.0], [0.0, 30.0]]), np.array([[3.0, 4.0]])).tolist()
    [5.0, 26.1725046566048]
    >>> nearest_distance(np.array([[0.0, 0.0]]), np.empty((0, 2))).tolist()
    [inf]
    """
    demand_xy, supply_xy = _points("demand_xy", demand_xy), _points("supply_xy", supply_xy)
    if len(supply_xy) == 0 or len(demand_xy) == 0:
        return np.full(len(demand_xy), np.inf)
    distance, _ = cKDTree(supply_xy).query(demand_xy, k=1, workers=_workers(workers))
    return np.asarray(distance, dtype=float)


# --- the two steps -------------------------------------------------------------------------


def _ratio(i: np.ndarray, j: np.ndarray, w: np.ndarray | None, demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Both steps over pairs (demand i, supply j, weight w): sums by bincount."""
    pulled = demand[i] if w is None else w * demand[i]
    served = np.bincount(j, weights=pulled, minlength=len(capacity))
    ratio = np.divide(capacity, served, out=np.zeros(len(capacity)), where=served > 0)
    offered = ratio[j] if w is None else w * ratio[j]
    return np.bincount(i, weights=offered, minlength=len(demand))


def _radius_ratio(
    demand_xy: np.ndarray,
    demand: np.ndarray,
    supply_xy: np.ndarray,
    capacity: np.ndarray,
    radius: float,
    decay: Callable[[np.ndarray], np.ndarray] | None,
    workers: int,
) -> np.ndarray:
    """Both steps, block by block: supply cut into fixed chunks along x.

    The ratio is a sum over supplies, and a supply's :math:`R_j` needs only
    its own pairs, so each chunk (its own small k-d tree searched against one
    demand tree) yields its share of the result and no pair list is ever
    concatenated. Chunks are fixed, and their shares added in order, so the
    result does not depend on ``workers`` (threads: cKDTree releases the GIL).
    """
    if len(demand_xy) == 0 or len(supply_xy) == 0:
        return np.zeros(len(demand_xy))
    demand_tree = cKDTree(demand_xy)
    order = np.argsort(supply_xy[:, 0], kind="stable")
    chunks = [order[k : k + _CHUNK] for k in range(0, len(order), _CHUNK)]

    def share(chunk: np.ndarray) -> np.ndarray:
        found = cKDTree(supply_xy[chunk]).sparse_distance_matrix(demand_tree, radius, output_type="ndarray")
        w = None if decay is None else _checked_weights(decay(found["v"]), len(found))
        return _ratio(found["j"].astype(np.intp), found["i"].astype(np.intp), w, demand, capacity[chunk])

    if workers > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(min(workers, len(chunks))) as pool:
            shares = list(pool.map(share, chunks))
    else:
        shares = [share(chunk) for chunk in chunks]
    total = shares[0]
    for part in shares[1:]:
        total += part
    return total


# --- decay ---------------------------------------------------------------------------------


def _decay(weights: Weights) -> Callable[[np.ndarray], np.ndarray] | None:
    if weights is None or callable(weights):
        return weights
    steps = _steps(weights)
    bounds = np.array([b for b, _ in steps])
    values = np.array([w for _, w in steps] + [0.0])

    def step(distance: np.ndarray) -> np.ndarray:
        return values[np.searchsorted(bounds, distance, side="left")]

    return step


def _steps(weights: object) -> list[tuple[float, float]]:
    allowed = "expected None, a callable, or steps [(upper_bound_m, weight), ...] with bounds > 0 strictly increasing and weights >= 0"
    try:
        steps = [(float(b), float(w)) for b, w in weights]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise InvalidParameter(f"weights: {allowed}, got {weights!r}") from None
    bounds = [b for b, _ in steps]
    bad = (
        not steps
        or not all(np.isfinite(b) and b > 0 for b in bounds)
        or any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:], strict=False))
        or not all(np.isfinite(w) and w >= 0 for _, w in steps)
    )
    if bad:
        raise InvalidParameter(f"weights: {allowed}, got {weights!r}")
    return steps


def _checked_weights(w: object, size: int, *, name: str = "weights") -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.shape != (size,):
        raise InvalidParameter(f"{name}: the decay must return one weight per distance, got shape {w.shape} for {size} distances")
    if size and not (np.all(np.isfinite(w)) and w.min() >= 0):
        bad = w[~(np.isfinite(w) & (w >= 0))][:3].tolist()
        raise InvalidParameter(f"{name}: weights must be finite and >= 0, got {bad}")
    return w


# --- validation ----------------------------------------------------------------------------


def _points(name: str, xy: object) -> np.ndarray:
    try:
        arr = np.asarray(xy, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name}: expected an (n, 2) array of x, y in metres, got {type(xy).__name__}") from None
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InvalidParameter(f"{name}: expected an (n, 2) array of x, y in metres, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        rows = np.flatnonzero(~np.isfinite(arr).all(axis=1))[:3].tolist()
        raise InvalidParameter(f"{name}: coordinates must be finite, got NaN or inf in rows {rows}")
    return arr


def _amounts(name: str, values: object, size: int, per: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name}: expected {size} numbers >= 0, one per {per}, got {type(values).__name__}") from None
    if arr.shape != (size,):
        raise InvalidParameter(f"{name}: expected shape ({size},), one value per {per}, got shape {arr.shape}")
    bad = ~(np.isfinite(arr) & (arr >= 0))
    if bad.any():
        rows = np.flatnonzero(bad)[:3].tolist()
        raise InvalidParameter(f"{name}: values must be finite and >= 0, got {arr[rows].tolist()} at positions {rows}")
    return arr


def _positive(name: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number > 0):
        raise InvalidParameter(f"{name}: expected a finite number > 0 (metres), got {value!r}")
    return number


def _workers(workers: int) -> int:
    if workers == -1:
        return os.cpu_count() or 1
    if not isinstance(workers, int | np.integer) or workers < 1:
        raise InvalidParameter(f"workers: expected a positive integer or -1 (all CPUs), got {workers!r}")
    return int(workers)
