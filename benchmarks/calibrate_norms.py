"""Calibration of the need norms against the country: implied need beside national figures.

For every service type with a norm, the need the norms imply for the whole
country (:func:`kpwork.need.estimate_need` over the 6,258 municipalities of the
packaged 2020 age bands, :func:`kpwork.reference.national_population`), in the
type's planning unit, is put beside the registered capacity and the number of
clients found in published statistics (``benchmarks/data/national_services.csv``:
one row per figure, each with its source; rows of a kraj are compared with the
need of that kraj). The ratios need/capacity and need/clients show norms that
are off by more than a factor of two (``FACTOR``); ``docs/method.md`` says why
the remaining ones are kept.

Run: ``.venv/bin/python benchmarks/calibrate_norms.py [--norms norms.csv] [--write]``.
``--write`` replaces the table in ``docs/method.md`` between the markers
``<!-- calibration:start -->`` and ``<!-- calibration:end -->``; ``--markdown FILE``
writes it to a file. Not collected by pytest (``tests/test_need.py`` checks that
the table in the docs is the one this script makes from the shipped norms).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from kpwork import sheets as sh
from kpwork.need import _parse_norm_sheet, default_norms, estimate_need
from kpwork.reference import national_population
from kpwork.taxonomy import SERVICE_TYPES, paragraph_order

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "benchmarks" / "data" / "national_services.csv"
DOC = ROOT / "docs" / "method.md"
START, END = "<!-- calibration:start -->", "<!-- calibration:end -->"
COUNTRY = "ČR"
#: A ratio need/figure outside [1/FACTOR, FACTOR] needs a stated reason or a revised norm.
FACTOR = 2.0


def load_norms(path: Path | None) -> pd.DataFrame:
    """The shipped norms, or the norms of a CSV/XLSX file (same columns)."""
    if path is None:
        return default_norms()
    problems = sh.ProblemLog()
    norms = _parse_norm_sheet(sh.read_sheet(path), problems, bands=None)
    if problems:
        sys.exit("\n".join(map(str, problems.problems)))
    return norms


def load_figures(path: Path = FIGURES) -> pd.DataFrame:
    """National (and kraj) figures: ``druh, uzemi, rok, kapacita, jednotka, klienti, zdroj``."""
    figures = pd.read_csv(path, dtype={"druh": str, "uzemi": str, "jednotka": str, "zdroj": str})
    for column in ("rok", "kapacita", "klienti"):
        figures[column] = pd.to_numeric(figures[column])
    return figures


def _latest(rows: pd.DataFrame, column: str) -> tuple[float, float]:
    """The figure of the latest year that has one, and that year (NaN, NaN if none)."""
    known = rows.dropna(subset=[column, "rok"]).sort_values("rok")
    if known.empty:
        return math.nan, math.nan
    return float(known[column].iloc[-1]), float(known["rok"].iloc[-1])


def calibration_table(norms: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """One row per service type (country) and per kraj figure: implied need, figures, ratios."""
    population = national_population().set_index("kod_obce")
    rows = []
    for uzemi in [COUNTRY, *sorted(set(figures["uzemi"]) - {COUNTRY})]:
        pop = population if uzemi == COUNTRY else population.loc[population["kraj"] == uzemi]
        need = estimate_need(pop, norms).groupby("druh")["potreba"].sum()
        here = figures.loc[figures["uzemi"] == uzemi]
        types = set(here["druh"]) | (set(norms["druh"]) if uzemi == COUNTRY else set())
        for druh in sorted(types, key=paragraph_order):
            kapacita, rok_kapacity = _latest(here.loc[here["druh"] == druh], "kapacita")
            klienti, rok_klientu = _latest(here.loc[here["druh"] == druh], "klienti")
            potreba = float(need.get(druh, math.nan))
            rows.append({
                "druh": druh, "uzemi": uzemi, "jednotka": SERVICE_TYPES[druh].unit, "potreba": potreba,
                "kapacita": kapacita, "rok_kapacity": rok_kapacity, "klienti": klienti, "rok_klientu": rok_klientu,
                "potreba_kapacita": potreba / kapacita, "potreba_klienti": potreba / klienti,
            })
    return pd.DataFrame(rows)


def off_by(ratio: float) -> float:
    """How far a ratio is from 1 as a factor >= 1 (2.0 for both 0.5 and 2)."""
    return math.exp(abs(math.log(ratio))) if ratio > 0 and math.isfinite(ratio) else math.nan


def worst(table: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` ratios farthest from 1 (either kind), largest first."""
    long = table.melt(id_vars=["druh", "uzemi"], value_vars=["potreba_kapacita", "potreba_klienti"], var_name="pomer", value_name="hodnota")
    long["faktor"] = long["hodnota"].map(off_by)
    return long.dropna(subset=["faktor"]).sort_values("faktor", ascending=False, kind="stable").head(n).reset_index(drop=True)


def _number(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:,.0f}".replace(",", "\u00a0")


def _ratio(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.2f}".replace(".", ",")


def _with_year(value: float, year: float) -> str:
    return "nenalezeno" if not math.isfinite(value) else f"{_number(value)} ({year:.0f})"


def _verdict(row: pd.Series) -> str:
    factors = [off_by(row["potreba_kapacita"]), off_by(row["potreba_klienti"])]
    factors = [f for f in factors if math.isfinite(f)]
    if not factors:
        return "bez údaje"
    return "mimo ×2" if max(factors) > FACTOR else "v mezích ×2"


def to_markdown(table: pd.DataFrame) -> str:
    """The table as Markdown (Czech numbers), the form kept in docs/method.md."""
    lines = [
        "| druh | území | jednotka | potřeba podle norem | kapacita (rok) | klienti (rok) | potřeba / kapacita | potřeba / klienti | stav |",
        "|---|---|---|--:|--:|--:|--:|--:|---|",
    ]
    for _, r in table.iterrows():
        name = f"§{r['druh']} {SERVICE_TYPES[r['druh']].name}"
        lines.append(
            f"| {name} | {r['uzemi']} | {r['jednotka']} | {_number(r['potreba'])} | {_with_year(r['kapacita'], r['rok_kapacity'])} "
            f"| {_with_year(r['klienti'], r['rok_klientu'])} | {_ratio(r['potreba_kapacita'])} | {_ratio(r['potreba_klienti'])} | {_verdict(r)} |"
        )
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str:
    """``text`` with the part between the calibration markers replaced by ``block``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{DOC}: markers {START} ... {END} not found")
    return text[: start + len(START)] + "\n" + block + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--norms", type=Path, help="norms CSV/XLSX (default: the shipped kpwork/data/norms.csv)")
    parser.add_argument("--figures", type=Path, default=FIGURES, help="national figures CSV")
    parser.add_argument("--write", action="store_true", help="update the table in docs/method.md")
    parser.add_argument("--markdown", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)

    table = calibration_table(load_norms(args.norms), load_figures(args.figures))
    markdown = to_markdown(table)
    print(markdown)
    print("Ratios farthest from 1 (factor = max(r, 1/r)):")
    for _, w in worst(table).iterrows():
        print(f"  §{w['druh']} {w['uzemi']}: {w['pomer']} = {w['hodnota']:.2f} (×{w['faktor']:.1f})")
    if args.markdown:
        args.markdown.write_text(markdown, encoding="utf-8")
    if args.write:
        DOC.write_text(replace_block(DOC.read_text(encoding="utf-8"), markdown), encoding="utf-8")
        print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
