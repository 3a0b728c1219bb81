"""A microregion: its typed :class:`Region`, and loading and validating a region folder.

- :mod:`~kpwork.region.model`: the :class:`Region` type (what every analysis takes);
- :mod:`~kpwork.region.load`: :func:`load_region`, which reads ``region.toml``, the
  geometry and the sheets, calls each optional input's parser, and raises one
  :class:`~kpwork.errors.InvalidRegion` carrying every problem; :func:`load_geography`,
  the members and polygons alone, checked the same way (for the registry import,
  which fills a region whose services may be missing or broken);
- :mod:`~kpwork.region.services`: the services and usage sheets.

Only this package (through :mod:`kpwork.sheets`) reads a region's files.
"""

from __future__ import annotations

from kpwork.region.model import AGE_BANDS, SERVICE_COLUMNS, SERVICE_OPTIONAL, USAGE_COLUMNS, Region

__all__ = ["AGE_BANDS", "OPTIONAL_INPUTS", "SERVICE_COLUMNS", "SERVICE_OPTIONAL", "USAGE_COLUMNS", "Region", "load_geography", "load_region"]


def __getattr__(name: str):
    """The loader imported when first asked for: modules that only name :class:`Region`
    (its parsers, the analysis) import :mod:`~kpwork.region.model` without the loader."""
    if name in ("OPTIONAL_INPUTS", "load_geography", "load_region"):
        from kpwork.region import load

        return getattr(load, name)
    raise AttributeError(f"module 'kpwork.region' has no attribute {name!r}")
