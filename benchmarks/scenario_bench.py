"""Scenario benchmark: one scenario recomputed, against the full analysis in the same run.

On the sample region and on a synthetic 200-member region (``kpwork synth``),
times with the median of ``--repeat`` runs:

- baseline: :func:`kpwork.analysis.analyse_region` (everything a run computes);
- a scenario recompute: :func:`kpwork.scenarios.model.evaluate` of a scenario
  that adds a field service, grows one service and closes another, plus its
  costs (:func:`kpwork.scenarios.costs.scenario_costs`): what the meeting
  panel computes after each change;
- location suggestions for 200 candidates (the 200-member region): maximal
  covering and p-median (existing seats fixed) with spopt + CBC, the best site
  and two alternatives, each evaluated with the model.

    .venv/bin/python benchmarks/scenario_bench.py [--repeat 5] [--municipalities 200]

Aims (issue 15): a recompute within 0.5 s on the sample and 2 s on 200 members.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kpwork.analysis import analyse_region  # noqa: E402
from kpwork.region import load_region  # noqa: E402
from kpwork.scenarios import Change, Scenario  # noqa: E402
from kpwork.scenarios.costs import scenario_costs  # noqa: E402
from kpwork.scenarios.location import suggest_locations  # noqa: E402
from kpwork.scenarios.model import evaluate, prepare  # noqa: E402
from kpwork.synth import synthesize_region  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scenario_of(region) -> Scenario:
    """Add a field care service at the second member, grow the first service by half, close the last one."""
    services = region.services
    grown, closed = services.iloc[0], services.iloc[-1]
    return Scenario("bench", (
        Change("pridat", druh="40", forma="terenni", cilove_skupiny=("seniori",), kapacita=40, kod_obce=region.members[1], naklady=2_000_000, spolufinancovani=0.5),
        Change("kapacita", grown["id"], kapacita=float(grown["kapacita"]) * 1.5),
        Change("zrusit", closed["id"]),
    ))


def bench_region(label: str, path: Path, repeat: int) -> None:
    region = load_region(path)
    base = prepare(region)
    scenario = scenario_of(region)

    def recompute() -> None:
        scenario_costs(base, evaluate(base, scenario))

    full = timed(lambda: analyse_region(region), repeat)
    one = timed(recompute, repeat)
    print(f"{label}: {len(region.members)} members, {len(region.services)} services")
    print(f"  full analysis (baseline)   {full:7.3f} s")
    print(f"  scenario recompute + costs {one:7.3f} s   ratio {one / full:5.2f} of the analysis")


def bench_location(path: Path, repeat: int) -> None:
    base = prepare(load_region(path))
    for model in ("pokryti", "p_median"):
        seconds = timed(lambda m=model: suggest_locations(base, druh="40", forma="terenni", cilove_skupiny=("seniori",), kapacita=30, model=m, navrhu=3), max(1, repeat // 2))
        print(f"  suggestions ({model}, {len(base.region.members)} candidates, best + 2 alternatives) {seconds:7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--municipalities", type=int, default=200)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    bench_region("sample (data/otrokovicko)", REPO / "data" / "otrokovicko", args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = synthesize_region(args.municipalities, 1, Path(tmp) / "synth")
        bench_region(f"synthetic ({args.municipalities} members)", synthetic, args.repeat)
        bench_location(synthetic, args.repeat)


if __name__ == "__main__":
    main()
