"""kpwork: a workbook for community planning of social services in Czech microregions.

The flow is one way: :func:`load_region` reads and validates a region folder;
the analysis modules (``need``, ``access``, ``gaps``, ``funding``, ``plan``)
turn it into tables; ``runs`` writes a run; ``maps`` and ``charts`` draw;
``serve`` shows pages in a meeting; ``cli`` is the ``kpwork`` command.
"""

from __future__ import annotations

from kpwork.errors import (
    InvalidParameter,
    InvalidRegion,
    KpworkError,
    KpworkWarning,
    Problem,
    RunError,
)

__version__ = "0.1.0"

__all__ = [
    "InvalidParameter",
    "InvalidRegion",
    "KpworkError",
    "KpworkWarning",
    "Problem",
    "Region",
    "RunError",
    "__version__",
    "load_region",
]


def __getattr__(name: str):
    """``Region`` and ``load_region`` imported when first asked for: a page that reads a run's results
    (a meeting's kernel) does not import the loader, geopandas and shapely."""
    if name in ("Region", "load_region"):
        from kpwork import region

        return getattr(region, name)
    raise AttributeError(f"module 'kpwork' has no attribute {name!r}")
