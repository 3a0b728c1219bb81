"""The community plan: priorities, measures, activities, indicators, and their monitoring.

- :mod:`~kpwork.plan.inputs`: reading ``plan.xlsx`` (or ``plan_<sheet>.csv``) into a :class:`Plan`
  (called by the loader);
- :mod:`~kpwork.plan.monitoring`: fulfilment of indicators, roll-ups, budget, action plans and the
  gap before and after measures, as ``plan_*`` result tables (:func:`plan_results`).

Rules and formulas: ``docs/plan.md``.
"""

from __future__ import annotations

from kpwork.plan.inputs import Plan, parse_plan
from kpwork.plan.monitoring import plan_results

__all__ = ["Plan", "parse_plan", "plan_results"]
