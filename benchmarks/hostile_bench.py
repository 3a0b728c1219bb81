"""An 800,000-row services.csv, and unknown ids among 800,000: before and now.

Builds a copy of the sample region in a temporary folder with a seeded
services.csv of ``--rows`` rows (unique ids S0000001...) and a usage.csv whose
``--unknown`` rows name ids that do not exist (typos of existing ids), then

1. times ``kpwork.load_region`` on it: now the services sheet is refused
   before parsing (``LIMITS.service_rows``), where before it was parsed row by
   row and every unknown id scanned all ids ("did you mean");
2. times the "did you mean" suggestions for the unknown ids among all the ids:
   before, ``difflib.get_close_matches`` over every id per unknown id (timed
   on ``--old-sample`` ids, extrapolated), now ``IdHints`` (all of them).

Run: .venv/bin/python benchmarks/hostile_bench.py [--rows 800000] [--unknown 2000]
"""

from __future__ import annotations

import argparse
import difflib
import random
import shutil
import tempfile
import time
from pathlib import Path

from kpwork import InvalidRegion, load_region
from kpwork.region.services import IdHints

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "otrokovicko"


def build(folder: Path, rows: int, unknown: int, seed: int) -> list[str]:
    """The region folder; returns the unknown ids used in usage.csv."""
    rng = random.Random(seed)
    for name in ("region.toml", "municipalities.geojson", "population.csv"):
        shutil.copyfile(SAMPLE / name, folder / name)
    lines = (SAMPLE / "services.csv").read_text(encoding="utf-8-sig").splitlines()
    header, body = lines[0], [line.split(";", 1)[1] for line in lines[1:]]
    with (folder / "services.csv").open("w", encoding="utf-8") as f:
        f.write(header + "\n")
        for i in range(rows):
            f.write(f"S{i:07d};{body[i % len(body)]}\n")
    bad = [f"S{rng.randrange(rows):07d}X" for _ in range(unknown)]
    with (folder / "usage.csv").open("w", encoding="utf-8") as f:
        f.write("sluzba_id;kod_obce;klienti\n")
        for sid in bad:
            f.write(f"{sid};585599;3\n")
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=800_000)
    parser.add_argument("--unknown", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--old-sample", type=int, default=3, help="unknown ids timed with the old suggestion")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kpwork-hostile-") as tmp:
        folder = Path(tmp)
        bad = build(folder, args.rows, args.unknown, args.seed)
        t0 = time.perf_counter()
        try:
            load_region(folder)
            first = "loaded"
        except InvalidRegion as exc:
            first = str(exc.problems[0])
        load = time.perf_counter() - t0
    known = {f"S{i:07d}" for i in range(args.rows)}
    t0 = time.perf_counter()
    for sid in bad[: args.old_sample]:
        difflib.get_close_matches(sid, sorted(known), n=1)
    before = (time.perf_counter() - t0) / args.old_sample * len(bad)
    t0 = time.perf_counter()
    hints = IdHints(known)
    found = sum(bool(hints(sid)) for sid in bad)
    now = time.perf_counter() - t0
    print(f"services.csv of {args.rows:,} rows: load_region took {load:,.1f} s: {first[:160]}")
    print(f"suggestions for {len(bad):,} unknown ids among {len(known):,}:")
    print(f"  before (difflib over every id per unknown id, extrapolated from {args.old_sample}): {before:,.1f} s")
    print(f"  now (IdHints, index built once, all {len(bad):,} ids, {found:,} with a suggestion): {now:,.1f} s")
    print(f"  ratio: {before / now:,.0f}x")


if __name__ == "__main__":
    main()
