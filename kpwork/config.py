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
