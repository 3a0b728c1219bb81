"""A run's result tables: written once by the run, read by notebooks and pages.

Tables are CSV in UTF-8 with BOM and ``;`` with a decimal comma, so that a
double click opens them right in Czech Excel; the geometry layers go into one
GeoPackage (``vysledky.gpkg``) for QGIS. Reading them back restores codes as
text (``kod_obce``, ``sluzba_id``, ``druh``, ``ico``, ...).
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpwork.mapdata import read_map_base, write_map_base
from kpwork.sheets import neutralise_frame, restore_formula

if TYPE_CHECKING:  # read when a layer is asked for: a meeting page reads the map's JSON instead
    import geopandas as gpd

#: Columns that hold codes: always text, never numbers.
CODE_COLUMNS = frozenset({"kod_obce", "sluzba_id", "id", "druh", "ico", "clen_kod", "kod", "opatreni", "priorita", "aktivita", "indikator", "skupina", "koalice_kody"})

GEOPACKAGE = "vysledky.gpkg"
META = "region.json"
#: The folder of a run's results that holds each municipality page's own data (one file per member).
PAGE_DATA_DIR = "stranky"
#: The note written into every results folder: its tables are internal (docs/method.md, "Ochrana malých počtů").
NOTICE = "NEVEREJNE.txt"
NOTICE_TEXT = """\
NEVEŘEJNÉ – interní výsledky běhu kpwork pro koordinátora

Tabulky této složky obsahují skutečné počty klientů služeb podle obcí
(vyuziti.csv, vytizenost.csv) a částky financování podle využití a podle
modelu nákladů (financovani_*.csv, financovani_rada.xlsx), ze kterých lze
dopočítat počty klientů malých obcí. Složku ani její soubory nezveřejňujte
a neposílejte mimo zastupitelstva obcí. Zveřejnit lze stránky ve složce html/
a stránky `kpwork serve`: obce s méně než 5 klienty na nich nejde rozpoznat.
Pravidla: docs/method.md, oddíl „Ochrana malých počtů“.

NOT PUBLIC – internal results of a kpwork run for the coordinator

The tables of this folder hold the real numbers of clients per service and
municipality and funding amounts by usage and by the cost model, from which
the clients of small municipalities can be worked out. Do not publish this
folder or its files. The pages in html/ and those of `kpwork serve` are the
public outputs: they keep counts of 1 to 4 clients from showing.
"""
#: The environment variable through which ``kpwork serve`` tells its pages where the run's results are.
RESULTS_ENV = "KPWORK_RESULTS_DIR"


def _to_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, tuple | list)).any():
            out[column] = out[column].map(lambda v: ", ".join(map(str, v)) if isinstance(v, tuple | list) else v)
    return out


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write one table as Excel-friendly CSV (UTF-8 BOM, ``;``, decimal comma, CRLF).

    A text that Excel would run as a formula (``=``, ``+``, ``-``, ``@``...)
    is written with a leading apostrophe (:func:`kpwork.sheets.neutralise_formula`);
    :func:`read_table` gives back the original text.
    """
    neutralise_frame(_to_text(frame)).to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig", lineterminator="\r\n")


def read_table(path: Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table`, codes as text."""
    header = pd.read_csv(path, sep=";", nrows=0, encoding="utf-8-sig").columns
    dtypes = {c: str for c in header if c in CODE_COLUMNS}
    frame = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype=dtypes, keep_default_na=True)
    frame.columns = [restore_formula(c) for c in frame.columns]
    for column in [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]:
        frame[column] = frame[column].map(restore_formula)
    return frame


def write_results(tables: Mapping[str, pd.DataFrame], layers: Mapping[str, gpd.GeoDataFrame], meta: dict, folder: Path) -> list[Path]:
    """Write all tables (CSV), all layers (one GeoPackage), the internal-use note and the region metadata (last).

    The web map's shapes of the members and services go beside them
    (:data:`kpwork.mapdata.MAP_FILE`): the meeting page draws its map from
    them without reading the GeoPackage.

    The tables keep their format (read back by :func:`read_table`, compared by
    ``kpwork reproduce``); that they are internal is said by :data:`NOTICE`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    notice = folder / NOTICE
    notice.write_text(NOTICE_TEXT, encoding="utf-8")
    written = [notice]
    for name, frame in sorted(tables.items()):
        path = folder / f"{name}.csv"
        write_table(frame, path)
        written.append(path)
    if layers:
        gpkg = folder / GEOPACKAGE
        for name, layer in layers.items():
            _to_text(layer).to_file(gpkg, layer=name, driver="GPKG")
        written.append(gpkg)
        web = write_map_base(layers, folder)
        if web is not None:
            written.append(web)
    meta_path = folder / META
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(meta_path)
    return written


@dataclass
class Results:
    """The results of one run, loaded lazily table by table.

    Examples
    --------
    ``r = load("outputs/otrokovicko/latest/results"); r["mezery"]``
    """

    folder: Path
    meta: dict

    def __getitem__(self, name: str) -> pd.DataFrame:
        path = self.folder / f"{name}.csv"
        if not path.exists():
            available = ", ".join(sorted(p.stem for p in self.folder.glob("*.csv")))
            raise KeyError(f"no table '{name}' in {self.folder} (tables: {available})")
        return read_table(path)

    def __contains__(self, name: str) -> bool:
        return (self.folder / f"{name}.csv").exists()

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """A geometry layer of the run's GeoPackage, codes as text."""
        import geopandas as gpd

        gdf = gpd.read_file(self.folder / GEOPACKAGE, layer=name)
        for column in gdf.columns:
            if column in CODE_COLUMNS:
                gdf[column] = gdf[column].astype(str)
        return gdf

    def map_base(self) -> dict[str, Any] | None:
        """The web map's shapes the run wrote (:func:`kpwork.mapdata.map_base`), None for older runs."""
        return read_map_base(self.folder)

    @property
    def tables(self) -> list[str]:
        """Names of the tables in this run."""
        return sorted(p.stem for p in self.folder.glob("*.csv"))


@dataclass
class FrameResults(Results):
    """Results held in memory: one municipality page's data (:mod:`kpwork.pages.neighbourhood`).

    Reads like :class:`Results`; each table or layer comes back as a copy.
    """

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    @classmethod
    def from_data(cls, folder: Path, data: Mapping) -> FrameResults:
        """From the ``meta``, ``tables`` and ``layers`` of one page."""
        return cls(folder=Path(folder), meta=dict(data["meta"]), frames=dict(data["tables"]), layers=dict(data["layers"]))

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.frames:
            raise KeyError(f"no table '{name}' in the page data of {self.folder} (tables: {', '.join(sorted(self.frames))})")
        return self.frames[name].copy()

    def __contains__(self, name: str) -> bool:
        return name in self.frames

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """A geometry layer of the page's data."""
        return self.layers[name].copy()

    def map_base(self) -> None:
        """None: a page's data has its neighbourhood's layers, not the region's web map."""
        return None

    @property
    def tables(self) -> list[str]:
        """Names of the tables of the page's data."""
        return sorted(self.frames)


def write_page_data(data: Mapping, folder: Path, kod_obce: str) -> Path:
    """Write one municipality page's data into ``folder/stranky/<kod_obce>.pickle``.

    ``data`` is what a :class:`kpwork.pages.neighbourhood.PageCutter` gives.
    The file is for the run's own notebooks (a page reads a few kB instead
    of the whole region's tables); the CSV tables stay the run's record.
    """
    path = folder / PAGE_DATA_DIR / f"{kod_obce}.pickle"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(dict(data), protocol=pickle.HIGHEST_PROTOCOL))
    return path


def load_page(results_dir: str | Path, kod_obce: str) -> FrameResults | None:
    """The data the run wrote for one municipality page, or None when it wrote none (older runs)."""
    folder = Path(results_dir)
    path = folder / PAGE_DATA_DIR / f"{kod_obce}.pickle"
    if not path.exists():
        return None
    return FrameResults.from_data(folder, pickle.loads(path.read_bytes()))  # written by this run's driver


def load(results_dir: str | Path) -> Results:
    """Open the results folder of a run (``outputs/<region>/<run>/results``).

    Raises
    ------
    FileNotFoundError
        When the folder holds no run results (suggesting ``kpwork run``).
    """
    folder = Path(results_dir)
    meta_path = folder / META
    if not meta_path.exists():
        raise FileNotFoundError(f"no run results in {folder}; run `kpwork run` first")
    return Results(folder=folder, meta=json.loads(meta_path.read_text(encoding="utf-8")))


def page_results_dir(default: str | os.PathLike) -> Path:
    """The results folder a page reads: :data:`RESULTS_ENV` when served, else ``default``.

    Examples
    --------
    >>> str(page_results_dir("../outputs/x/latest/results")) if RESULTS_ENV not in os.environ else "../outputs/x/latest/results"
    '../outputs/x/latest/results'
    """
    return Path(os.environ.get(RESULTS_ENV) or default)
