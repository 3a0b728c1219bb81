"""Services of a region from the national registry of social services (RPSS).

- :mod:`~kpwork.rpss.codelists`: the registry's codelists and references to them;
- :mod:`~kpwork.rpss.records`: one registered service, read and mapped onto :mod:`kpwork.taxonomy`;
- :mod:`~kpwork.rpss.rows`: a region's registry services as rows of ``services.csv``;
- :mod:`~kpwork.rpss.merge`: merging into ``services.csv`` and the change log;
- :mod:`~kpwork.rpss.importer`: :func:`import_rpss`, streaming the export through all of it.

Layout and rules: ``docs/rpss.md``.
"""

from __future__ import annotations

from kpwork.rpss.importer import ImportReport, import_rpss

__all__ = ["ImportReport", "import_rpss"]
