"""Who pays what for a shared service of a microregion.

Members of a microregion pay together for services no single village can run.
For each shared service of ``funding.csv`` the annual cost is first covered by
the co-financing layers (grants, the provider's own income), and the rest is
split among the participating members by the chosen method. Floors and caps
per member are honoured with the excess redistributed, and every amount is a
whole crown, the amounts summing exactly to the total.

Modules, in the order data flows through them:

- :mod:`~kpwork.funding.inputs`: reading ``funding`` and ``coalition_costs`` (called by the loader);
- :mod:`~kpwork.funding.methods`: the split methods, in one registry of names (:data:`METHODS`);
- :mod:`~kpwork.funding.costgame`: cooperative cost games (Shapley, SCRB, core);
- :mod:`~kpwork.funding.crowns`: whole-crown rounding (:func:`split_cost`);
- :mod:`~kpwork.funding.tables`: a region's shared services as result tables (:func:`funding_results`).

Formulas and citations: ``docs/funding.md``.
"""

from __future__ import annotations

from kpwork.funding.crowns import split_cost
from kpwork.funding.inputs import (
    FundingPlan,
    Layer,
    SharedService,
    parse_coalition_costs,
    parse_funding,
)
from kpwork.funding.methods import METHODS, ServiceInputs, allocate
from kpwork.funding.tables import funding_results, layer_amounts

__all__ = [
    "METHODS",
    "FundingPlan",
    "Layer",
    "ServiceInputs",
    "SharedService",
    "allocate",
    "funding_results",
    "layer_amounts",
    "parse_coalition_costs",
    "parse_funding",
    "split_cost",
]
