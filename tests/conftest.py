"""Shared fixtures: the bundled sample region, copies of it to break, and sheet editing."""

from __future__ import annotations

import csv
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from kpwork import InvalidRegion, KpworkWarning, Region, load_region

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "otrokovicko"
#: The files of the foundation format; optional inputs (norms, plan, ...) are tested by their modules.
CORE_FILES = ("region.toml", "municipalities.geojson", "population.csv", "services.csv", "usage.csv")


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample region, data/otrokovicko (read only)."""
    return SAMPLE


@pytest.fixture(scope="session")
def sample_region(sample_dir: Path) -> Region:
    """The sample, loaded once per test session."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", KpworkWarning)  # the sample is clean: no warnings
        return load_region(sample_dir)


@pytest.fixture
def region_copy(tmp_path: Path) -> Path:
    """A fresh copy of the sample's core files (no optional inputs) that a test may break."""
    target = tmp_path / "otrokovicko"
    target.mkdir()
    for name in CORE_FILES:
        shutil.copyfile(SAMPLE / name, target / name)
    return target


def _read_rows(path: Path) -> tuple[list[list[str]], str, str]:
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    text = raw.decode(encoding)
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.reader(text.splitlines(), delimiter=delimiter)), encoding, delimiter


def _write_rows(path: Path, rows: list[list[str]], encoding: str, delimiter: str) -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\r\n").writerows(rows)


@pytest.fixture
def set_cell() -> Callable[[Path, int, str, str], None]:
    """``set_cell(csv_path, excel_row, column, value)``: change one cell, keeping encoding and delimiter."""

    def edit(path: Path, row: int, column: str, value: str) -> None:
        rows, encoding, delimiter = _read_rows(path)
        rows[row - 1][rows[0].index(column)] = value
        _write_rows(path, rows, encoding, delimiter)

    return edit


@pytest.fixture
def drop_rows() -> Callable[..., None]:
    """``drop_rows(csv_path, *excel_rows)``: delete whole rows (the header is row 1)."""

    def edit(path: Path, *numbers: int) -> None:
        rows, encoding, delimiter = _read_rows(path)
        kept = [r for n, r in enumerate(rows, 1) if n not in numbers]
        _write_rows(path, kept, encoding, delimiter)

    return edit


@pytest.fixture
def drop_column() -> Callable[[Path, str], None]:
    """``drop_column(csv_path, column)``: delete one column."""

    def edit(path: Path, column: str) -> None:
        rows, encoding, delimiter = _read_rows(path)
        j = rows[0].index(column)
        _write_rows(path, [r[:j] + r[j + 1 :] for r in rows], encoding, delimiter)

    return edit


@pytest.fixture
def problems_of() -> Callable[[Path], list[str]]:
    """``problems_of(folder)``: the problem lines load_region raises (fails if it loads)."""

    def run(folder: Path) -> list[str]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", KpworkWarning)
            with pytest.raises(InvalidRegion) as info:
                load_region(folder)
        lines = [str(p) for p in info.value.problems]
        assert str(info.value) == "\n".join(lines)
        return lines

    return run


#: The members of :func:`tiny_region`, west to east: A at x = 0, B 10 km east, C 40 km east.
TINY = {"585599": 0.0, "585513": 10_000.0, "588318": 40_000.0}
_TINY_ORIGIN = (-550_000.0, -1_170_000.0)


@pytest.fixture
def tiny_region() -> Callable[..., Region]:
    """``tiny_region(services, settings=None, extras=None)``: three members on a line, for hand-computed cases.

    Members A 585599, B 585513 (10 km east of A) and C 588318 (40 km east
    of A), each a 2 km square; demand points are their centres, so the
    distances are exact. ``services`` are dicts with ``id``, ``druh``,
    ``forma`` (code), ``cilove_skupiny`` (tuple of codes), ``kapacita``,
    ``jednotka``, ``kod_obce`` (the seat, at the member's centre) and
    optionally ``pusobnost`` (tuple; default all members).
    """
    import dataclasses

    import geopandas as gpd
    import pandas as pd
    import shapely

    from kpwork.config import ANALYSIS_CRS

    def build(services: list[dict], *, settings: dict | None = None, extras: dict | None = None) -> Region:
        x0, y0 = _TINY_ORIGIN
        centres = {code: (x0 + dx, y0) for code, dx in TINY.items()}
        municipalities = gpd.GeoDataFrame(
            {"nazev": ["A", "B", "C"], "clen": True},
            geometry=[shapely.box(x - 1000, y - 1000, x + 1000, y + 1000) for x, y in centres.values()],
            index=pd.Index(list(TINY), name="kod_obce"), crs=ANALYSIS_CRS,
        )
        population = pd.DataFrame({"kod_obce": list(TINY), "rok": 2024, "vek_0_14": 100, "vek_15_64": 600, "vek_65_79": 200, "vek_80_plus": 100})
        rows = [{"nazev": s["id"], "poskytovatel": "P", "pusobnost": tuple(TINY), **s} for s in services]
        frame = pd.DataFrame(rows, columns=["id", "nazev", "poskytovatel", "druh", "forma", "cilove_skupiny", "kapacita", "jednotka", "kod_obce", "pusobnost"])
        points = [shapely.Point(centres[code]) for code in frame["kod_obce"]]
        region = Region(
            id="tiny", name="Tiny", path=Path("."), members=tuple(TINY), municipalities=municipalities, population=population,
            services=gpd.GeoDataFrame(frame.astype({"kapacita": float}), geometry=points, crs=ANALYSIS_CRS),
            usage=pd.DataFrame(columns=["sluzba_id", "kod_obce", "klienti", "hodiny", "luzkodny", "obsazenost", "rok"]),
            extras=extras or {},
        )
        return dataclasses.replace(region, settings={**region.settings, **(settings or {})}) if settings else region

    return build
