"""Providers keep their own catalogue entries current: forms out, a reviewed merge back.

:func:`~kpwork.catalogue.form.write_forms` writes one XLSX form per provider (by IČO, by name when
the IČO is blank) with that provider's services: the columns the provider
owns are unlocked, the rest locked (sheet protection), drop-down lists come
from the taxonomy (the same lists and rules as the ``kpwork init`` templates),
and a very hidden sheet ``kpwork`` records the date, the provider and the
rows as sent with their SHA-256, so that a returned form is recognised.

:func:`~kpwork.catalogue.merge.merge_forms` reads returned forms like any input (file, sheet, row,
column, what is wrong, in Czech), refuses edits of locked columns and of
other providers' services, reports a form made from an older version of
``services.csv`` as a conflict (both versions listed, nothing written), and
lists the changes; with ``apply=True`` it writes ``services.csv`` atomically
in its own encoding and delimiter (:func:`kpwork.rpss.merge.write_services_file`),
sets ``potvrzeno`` of the provider's services and appends to
``catalogue_changes.csv``.

Ownership of the columns (``docs/catalogue.md``): the registry import
(:mod:`kpwork.rpss.merge`) owns :data:`kpwork.rpss.merge.REGISTRY` of rows
that carry an ``rpss_id``; on such rows the form locks them, so the provider
changes them in the registry and the next import brings them. The provider
owns :data:`~kpwork.catalogue.form.EDITABLE` on rows without ``rpss_id`` and :data:`~kpwork.catalogue.form.PROVIDER_ONLY`
on every row; the import keeps those.
"""

from __future__ import annotations

from kpwork.catalogue.form import FormsReport, write_forms
from kpwork.catalogue.merge import MergeReport, merge_forms, read_change_log, unanswered

__all__ = ["FormsReport", "MergeReport", "merge_forms", "read_change_log", "unanswered", "write_forms"]
