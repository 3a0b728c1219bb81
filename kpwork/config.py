"""Settings in one place: coordinate systems, file names, thresholds, run and serve defaults.

Analysis always works in S-JTSK / Krovak East North (EPSG:5514), in metres;
only :mod:`kpwork.pages.maps` reprojects to EPSG:4326 for the web map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ANALYSIS_CRS = "EPSG:5514"
WEB_CRS = "EPSG:4326"

#: Bounding box of Czechia in WGS84 (lon_min, lat_min, lon_max, lat_max), with a margin.
CZECHIA_LONLAT = (12.0, 48.5, 18.9, 51.1)


@dataclass(frozen=True)
class RegionFiles:
    """Names of the files of a region folder (without the extension where a sheet may be CSV or XLSX)."""

    config: str = "region.toml"
    geometry: tuple[str, ...] = ("municipalities.geojson", "municipalities.gpkg")
    population: str = "population"
    services: str = "services"
    usage: str = "usage"
    norms: str = "norms"
    conversions: str = "conversions"
    survey: str = "pruzkum"
    funding: str = "funding"
    coalition_costs: str = "coalition_costs"
    plan: str = "plan"


FILES = RegionFiles()

#: The workbook's notebooks, next to the package in a checkout.
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
#: The Jupyter kernel the notebooks run on (``make setup`` installs it).
KERNEL_NAME = "kpwork"
#: The region folder commands work on when none is given (the bundled sample).
DEFAULT_REGION = "data/otrokovicko"
#: Where runs are written (``<out>/<region-id>/<run-id>/``) and where ``serve`` finds them.
OUTPUTS_DIR = "outputs"


@dataclass(frozen=True)
class RunDefaults:
    """Defaults of ``kpwork run`` (:func:`kpwork.runs.run_region`)."""

    #: Seconds one notebook cell may run before the run fails.
    cell_timeout: int = 600
    #: Language of the pages, ``"cs"`` or ``"en"``.
    lang: str = "cs"
    #: Seconds a worker of a finished run has to exit before its nanny kills it
    #: (Dask's own default, 5 s, is too short on a loaded machine).
    worker_close_timeout: int = 30


RUN = RunDefaults()


@dataclass(frozen=True)
class ServeDefaults:
    """Defaults of ``kpwork serve`` (:func:`kpwork.serve.serve`); see ``docs/meeting.md``."""

    #: This computer only; any other address shows the pages to the network.
    host: str = "127.0.0.1"
    port: int = 8866
    #: Pre-heated kernels of the meeting page: the audience expected to open it at once.
    viewers: int = 3
    #: Seconds a page's kernel may have no browser connected (never came, or the tab closed) before it is shut.
    grace: int = 20
    #: Seconds between two checks of the grace.
    interval: int = 2


SERVE = ServeDefaults()

#: Extensions tried for a sheet, in this order.
SHEET_EXTENSIONS = (".csv", ".xlsx")


@dataclass(frozen=True)
class Thresholds:
    """Default thresholds of the analysis (documented in docs/method.md)."""

    #: Counts below this for one municipality are published as "<5".
    small_count: int = 5
    #: A service whose usage is below this share of its capacity is "unused".
    unused_share: float = 0.5
    #: Above this share of capacity a service is "overloaded".
    overloaded_share: float = 1.0
    #: A municipality whose reachable capacity covers at least this share of need has "enough".
    enough_share: float = 1.0
    #: How far (m) a service may sit outside the region's outline before it is reported.
    outside_region_tolerance_m: float = 10_000.0
    #: Catchment radius (m) of a service by its form when norms give none.
    radius_by_form: dict[str, float] = field(
        default_factory=lambda: {"pobytova": 30_000.0, "ambulantni": 15_000.0, "terenni": 20_000.0}
    )


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class InputLimits:
    """Sizes no real region's input reaches; a file beyond one is refused before it is parsed.

    A microregion has tens of municipalities and hundreds of services; the
    whole country has about 6,300 municipalities and 6,000 registered
    services. The limits are far above that and below what exhausts a
    laptop (an XLSX of 3 MB that expands to 3 GB, a sheet of 9 million cells).
    """

    #: Bytes of one input file as stored.
    file_bytes: int = 256 * 1024 * 1024
    #: Data rows of one sheet.
    rows: int = 1_000_000
    #: Rows of the services sheet (the whole country has about 6,000 registered services).
    service_rows: int = 100_000
    #: Cells (rows x columns) of one sheet.
    cells: int = 30_000_000
    #: Bytes the parts of an XLSX file expand to, all together (read from the zip directory).
    xlsx_expanded_bytes: int = 200 * 1024 * 1024
    #: How many times larger than stored one part of an XLSX may expand (above 1 MiB).
    xlsx_ratio: int = 200
    #: Nesting depth of tables and arrays in region.toml.
    toml_depth: int = 20
    #: Problems listed per file; the rest are counted in one line.
    problems_per_file: int = 50
    #: Seconds of reading after which the loader says what it reads.
    progress_after_s: float = 3.0


LIMITS = InputLimits()
