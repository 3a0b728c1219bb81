"""An 800,000-row services.csv whose usage names unknown ids: loading with the
"did you mean" suggestions, before (difflib over every id, per problem) and now.

Builds a copy of the sample region in a temporary folder with a seeded
services.csv of ``--rows`` rows (unique ids S0000001...) and a usage.csv whose
``--unknown`` rows name ids that do not exist (typos of existing ids), then
times ``kpwork.load_region`` (which raises InvalidRegion listing the problems)
and the old suggestion (``difflib.get_close_matches`` over every id, per
unknown id) on a sample of the unknown ids, extrapolated to all of them.

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
            problems = 0
        except InvalidRegion as exc:
            problems = len(exc.problems)
        now = time.perf_counter() - t0
        known = {f"S{i:07d}" for i in range(args.rows)}
        t0 = time.perf_counter()
        for sid in bad[: args.old_sample]:
            difflib.get_close_matches(sid, sorted(known), n=1)
        per_id = (time.perf_counter() - t0) / args.old_sample
        before = per_id * len(bad)
    print(f"services.csv: {args.rows:,} rows; usage.csv: {len(bad):,} unknown ids; {problems} problems reported")
    print(f"before (difflib over every id per unknown id, extrapolated from {args.old_sample}): {before:,.1f} s for the suggestions alone")
    print(f"now (whole load_region, suggestions included): {now:,.1f} s")
    print(f"ratio: {before / now:,.1f}x")


if __name__ == "__main__":
    main()
