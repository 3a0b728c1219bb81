"""Whole crowns: a cost split in proportion to weights, summing exactly to the total.

Every amount kpwork reports for a member is a whole crown (CZK) and the
amounts of one split add up to the total to the crown; floors and caps per
member are honoured with the excess redistributed. Every split method of
:mod:`kpwork.funding.methods` ends here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

import numpy as np
import pandas as pd

from kpwork.errors import InvalidParameter

__all__ = ["split_cost"]


def split_cost(
    total: int,
    shares: Mapping[str, float],
    *,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
) -> pd.Series:
    """Split ``total`` CZK in proportion to ``shares`` into whole crowns summing exactly to it.

    Parameters
    ----------
    total
        Whole CZK to split, >= 0.
    shares
        Weight of each member (``kod_obce`` -> number >= 0); only ratios matter.
    floors, caps
        Optional least and most a member pays (whole CZK). A member held at a
        bound is taken out and the rest is split among the others by their
        shares: ``x_i = clamp(t * share_i, floor_i, cap_i)`` with ``t`` such
        that the amounts sum to ``total``.

    Returns
    -------
    pandas.Series
        int64 CZK, index ``kod_obce`` in the order of ``shares``, summing to ``total``.

    Raises
    ------
    InvalidParameter
        Naming the member: a negative or non-finite share, shares summing to
        0, a cap below the floor, floors above the total, caps that cannot
        cover the total.

    Notes
    -----
    Largest-remainder (Hamilton) rounding on exact fractions: each member gets
    the whole part of its quota, and the crowns left go one each to the
    largest remainders (compared to a millionth of a crown), ties to the lower
    ``kod_obce``. A member with share 0 never gets a crown it does not owe, and
    bounds in whole crowns stay honoured.

    Examples
    --------
    >>> split_cost(100, {"500011": 1, "500020": 1, "500038": 1}).tolist()
    [34, 33, 33]
    >>> split_cost(1000, {"a": 1, "b": 1, "c": 2}, caps={"c": 300}).tolist()
    [350, 350, 300]
    """
    keys, weights = _checked_shares(shares)
    total = _checked_total(total)
    if floors or caps:
        quotas = _bounded_quotas(total, keys, weights, floors or {}, caps or {})
    else:
        weight_sum = sum(weights)
        if weight_sum == 0:
            if total == 0:
                return pd.Series(np.zeros(len(keys), dtype=np.int64), index=_index(keys), name="castka")
            raise InvalidParameter(f"the shares of {', '.join(keys)} sum to 0; nothing to split {total} CZK by")
        quotas = [total * w / weight_sum for w in weights]
    return _largest_remainder(total, keys, quotas)


def _checked_shares(shares: Mapping[str, float]) -> tuple[list[str], list[Fraction]]:
    keys = [str(k) for k in shares.keys()]
    if not keys:
        raise InvalidParameter("no members to split the cost among")
    weights = []
    for key, value in zip(keys, shares.values(), strict=True):
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise InvalidParameter(f"share of member {key} must be a number >= 0, got {value}")
        weights.append(Fraction(number))
    return keys, weights


def _checked_total(total: int) -> int:
    number = float(total)
    if not math.isfinite(number) or number < 0 or not number.is_integer():
        raise InvalidParameter(f"the total must be whole CZK >= 0, got {total}")
    return int(total)


def _bounded_quotas(total: int, keys: list[str], weights: list[Fraction], floors: Mapping[str, int], caps: Mapping[str, int]) -> list[Fraction]:
    lo = [Fraction(int(floors.get(k, 0))) for k in keys]
    hi = [Fraction(int(caps[k])) if k in caps else None for k in keys]
    for key, low, high in zip(keys, lo, hi, strict=True):
        if low < 0 or (high is not None and high < 0):
            raise InvalidParameter(f"member {key}: floor and cap must be >= 0")
        if high is not None and high < low:
            raise InvalidParameter(f"member {key}: the cap {high} is below the floor {low}")
    if sum(lo) > total:
        raise InvalidParameter(f"the floors ({sum(lo)} CZK) exceed the total {total} CZK")
    reachable = [h if w > 0 else low for w, low, h in zip(weights, lo, hi, strict=True)]
    if all(r is not None for r in reachable) and sum(reachable) < total:
        capped = ", ".join(k for k, h in zip(keys, hi, strict=True) if h is not None)
        raise InvalidParameter(f"the caps of {capped} cannot cover the total: the members can pay at most {sum(reachable)} of {total} CZK")

    def amounts(t: Fraction) -> list[Fraction]:
        return [min(max(t * w, low), h) if h is not None else max(t * w, low) for w, low, h in zip(weights, lo, hi, strict=True)]

    breaks = sorted({b for w, low, h in zip(weights, lo, hi, strict=True) if w > 0 for b in (low / w, *(() if h is None else (h / w,)))})
    left, right = Fraction(0), None
    for b in breaks:  # f(t) = sum(amounts(t)) is piecewise linear and non-decreasing
        if sum(amounts(b)) >= total:
            right = b
            break
        left = b
    paid_left = sum(amounts(left))
    if paid_left == total:
        return amounts(left)
    if right is None:  # beyond the last break point only uncapped members grow
        slope = sum(w for w, h in zip(weights, hi, strict=True) if h is None and w > 0)
        return amounts(left + (total - paid_left) / slope)
    slope = (sum(amounts(right)) - paid_left) / (right - left)
    return amounts(left + (total - paid_left) / slope)


def _largest_remainder(total: int, keys: list[str], quotas: list[Fraction]) -> pd.Series:
    whole = [q.numerator // q.denominator for q in quotas]
    left = total - sum(whole)
    # remainders compared to a micro-crown, so that float noise in the shares cannot beat the code order
    order = sorted(range(len(keys)), key=lambda i: (-round((quotas[i] - whole[i]) * 10**6), quotas[i] == whole[i], keys[i]))
    for i in order[:left]:
        whole[i] += 1
    return pd.Series(np.array(whole, dtype=np.int64), index=_index(keys), name="castka")


def _index(keys: list[str]) -> pd.Index:
    return pd.Index(keys, name="kod_obce")
