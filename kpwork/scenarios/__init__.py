"""Service scenarios ("what if we open it here?") and location suggestions.

Modules, in the order data flows through them:

- :mod:`~kpwork.scenarios.changes`: what a scenario is (:class:`Change`, :class:`Scenario`);
- :mod:`~kpwork.scenarios.inputs`: reading ``scenarios/*.csv`` or the sheets of ``scenarios/*.xlsx`` (called by the loader);
- :mod:`~kpwork.scenarios.model`: a scenario applied to the services, gaps before and after per member;
- :mod:`~kpwork.scenarios.costs`: the yearly cost of a scenario, co-financing, the split among members;
- :mod:`~kpwork.scenarios.location`: where a new service would cover most (spopt's location models);
- :mod:`~kpwork.scenarios.tables`: a region's scenarios as result tables of a run.

The method and the file layout: ``docs/scenarios.md``.
"""

from __future__ import annotations

from kpwork.scenarios.changes import CHANGE_KINDS, Change, Scenario
from kpwork.scenarios.inputs import read_scenarios

# model, costs, location and tables import the analysis (and through it the
# region loader, which calls parse_scenarios): import them by module name.
__all__ = ["CHANGE_KINDS", "Change", "Scenario", "read_scenarios"]
