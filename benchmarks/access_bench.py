"""Benchmark: kpwork two_step_fca against PySAL access on a synthetic Czechia.

6,258 municipalities at random points over Czechia's extent in EPSG:5514,
with the real municipal populations (``kpwork.reference``) shuffled over
them, and ``--services`` services with random capacities. Both sides run end
to end from coordinates to ratios in the same process, alternately:

- kpwork: ``two_step_fca(demand_xy, demand, supply_xy, capacity, radius)``;
- PySAL access: a cost table built the usual way (``cKDTree.sparse_distance_matrix``
  to a long origin/dest/cost DataFrame), ``Access(...)`` and
  ``two_stage_fca(max_cost=radius)`` (``enhanced_two_stage_fca`` with a step
  function for the E2SFCA row).

Run: ``.venv/bin/python benchmarks/access_bench.py [--repeat 5] [--services 5000]``.
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from kpwork.access import two_step_fca
from kpwork.reference import national_population

#: Czechia in EPSG:5514 (metres), roughly.
X_RANGE = (-905_000.0, -430_000.0)
Y_RANGE = (-1_230_000.0, -935_000.0)
STEPS = [(5_000.0, 1.0), (10_000.0, 0.68), (20_000.0, 0.22)]


def synthetic_country(services: int, seed: int) -> dict[str, np.ndarray]:
    """Real municipal populations (ČSÚ 2020, shipped with kpwork) shuffled over
    random points, service points with capacities."""
    people = national_population()["celkem"].to_numpy(float)
    rng = np.random.default_rng(seed)
    n = len(people)

    def points(k: int) -> np.ndarray:
        return np.column_stack([rng.uniform(*X_RANGE, k), rng.uniform(*Y_RANGE, k)])

    return {
        "demand_xy": points(n),
        "demand": rng.permutation(people),
        "supply_xy": points(services),
        "capacity": rng.integers(5, 121, services).astype(float),
    }


def pysal_fca(case: dict[str, np.ndarray], radius: float, weight_fn: Callable | None = None) -> np.ndarray:
    """PySAL access end to end: cost table from a k-d tree, then its 2SFCA/E2SFCA."""
    from access import Access

    pairs = cKDTree(case["demand_xy"]).sparse_distance_matrix(cKDTree(case["supply_xy"]), radius, output_type="coo_matrix")
    cost = pd.DataFrame({"origin": pairs.row, "dest": pairs.col, "cost": pairs.data})
    n, m = len(case["demand"]), len(case["capacity"])
    model = Access(
        demand_df=pd.DataFrame({"geoid": np.arange(n), "pop": case["demand"]}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": np.arange(m), "cap": case["capacity"]}),
        supply_index="geoid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    if weight_fn is None:
        result = model.two_stage_fca(name="fca", max_cost=radius)
    else:
        result = model.enhanced_two_stage_fca(name="fca", max_cost=radius, weight_fn=weight_fn)
    return result.iloc[:, 0].reindex(np.arange(n)).fillna(0.0).to_numpy()


def _timed(run: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = run()
    return time.perf_counter() - start, out


def compare(name: str, ours: Callable[[], np.ndarray], theirs: Callable[[], np.ndarray], repeat: int) -> dict:
    """Alternate the two, after one warm-up each; medians in ms."""
    ours(), theirs()
    times_ours, times_theirs = [], []
    for _ in range(repeat):
        t, a = _timed(ours)
        times_ours.append(t)
        t, b = _timed(theirs)
        times_theirs.append(t)
    diff = np.abs(a - b)
    return {
        "method": name,
        "kpwork_ms": 1000 * statistics.median(times_ours),
        "pysal_ms": 1000 * statistics.median(times_theirs),
        "ratio": statistics.median(times_theirs) / statistics.median(times_ours),
        "max_abs_diff": diff.max(),
        "max_rel_diff": (diff / np.maximum(np.abs(b), np.finfo(float).tiny)).max(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each side (default 5)")
    parser.add_argument("--services", type=int, default=5000, help="number of services (default 5000)")
    parser.add_argument("--radius", type=float, default=20_000.0, help="catchment radius in metres (default 20000)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--no-e2sfca", action="store_true", help="skip the E2SFCA (step weights) row")
    args = parser.parse_args(argv)

    warnings.filterwarnings("ignore", message="The inplace keyword")  # PySAL access under pandas 3
    logging.getLogger("access").setLevel(logging.WARNING)
    from access import weights

    case = synthetic_country(args.services, args.seed)
    r = args.radius
    pairs = cKDTree(case["demand_xy"]).count_neighbors(cKDTree(case["supply_xy"]), r)
    print(f"{len(case['demand'])} municipalities ({case['demand'].sum():,.0f} people), "
          f"{args.services} services, radius {r:,.0f} m, {pairs:,} pairs in reach, "
          f"{args.repeat} runs each, {os.cpu_count()} CPUs")

    rows = [
        compare("2SFCA", lambda: two_step_fca(**case, radius=r), lambda: pysal_fca(case, r), args.repeat),
        compare("2SFCA, workers=-1", lambda: two_step_fca(**case, radius=r, workers=-1), lambda: pysal_fca(case, r), args.repeat),
    ]
    if not args.no_e2sfca:
        step_fn = weights.step_fn(dict(STEPS))
        rows.append(compare("E2SFCA steps", lambda: two_step_fca(**case, radius=r, weights=STEPS), lambda: pysal_fca(case, r, step_fn), args.repeat))

    print()
    print(f"{'method':<20} {'kpwork ms':>10} {'PySAL ms':>10} {'ratio':>7} {'max abs diff':>13} {'max rel diff':>13}")
    for row in rows:
        print(f"{row['method']:<20} {row['kpwork_ms']:>10.1f} {row['pysal_ms']:>10.1f} {row['ratio']:>6.1f}x "
              f"{row['max_abs_diff']:>13.2e} {row['max_rel_diff']:>13.2e}")


if __name__ == "__main__":
    main()
