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
from kpwork.region import Region, load_region

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
