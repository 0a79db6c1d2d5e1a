"""Early-failure proportions with Wilson score intervals.

The Wilson interval (Wilson EB, J Am Stat Assoc 1927;22:209-12) is used instead of the Wald interval
because cohort groups here are small (often fewer than 10 altered patients) and proportions are
often 0 or 1, where the Wald interval collapses to a point (Brown LD, Cai TT, DasGupta A, Stat Sci
2001;16:101-33).
 Computed by statsmodels ``proportion_confint(method="wilson")``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from statsmodels.stats.proportion import proportion_confint

from hpdgenomics.errors import UsageError
from hpdgenomics.stats._result import StatResult, library_version

#: Groups smaller than this get a warning: one patient moves the proportion by 20 % or more.
SMALL_GROUP = 5


@dataclass
class ProportionResult(StatResult):
    """``k`` events among ``n`` patients, the proportion and its two-sided Wilson interval."""

    k: int
    n: int
    proportion: float
    ci_low: float
    ci_high: float
    confidence_level: float
    method: str = ""
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _as_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or value is None:
        raise UsageError(f"{name} must be a whole number of patients, got {value!r}")
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a whole number of patients, got {value!r}") from None
    if not math.isfinite(as_float) or as_float != int(as_float) or as_float < 0:
        raise UsageError(f"{name} must be a non-negative whole number of patients, got {value!r}")
    return int(as_float)


def check_alpha(alpha: float) -> float:
    """``alpha`` as a float; raises :class:`UsageError` unless 0 < alpha < 1."""
    if not 0 < alpha < 1:
        raise UsageError(f"alpha must lie strictly between 0 and 1, got {alpha!r}",
                         hint="use 0.05 for 95 % intervals")
    return float(alpha)


def proportion_with_wilson(k: int, n: int, alpha: float = 0.05) -> ProportionResult:
    """Proportion ``k / n`` with its Wilson score interval at confidence ``1 - alpha``.

    ``n == 0`` gives NaN throughout with a warning; it never raises for empty groups. Raises
    :class:`UsageError` for negative or non-integer counts, or ``k > n``.
    """
    k = _as_count(k, "k (events)")
    n = _as_count(n, "n (patients)")
    alpha = check_alpha(alpha)
    if k > n:
        raise UsageError(f"k (events) = {k} exceeds n (patients) = {n}",
                         hint="pass the number of patients with the event and the group size")
    result = ProportionResult(
        k=k, n=n, proportion=math.nan, ci_low=math.nan, ci_high=math.nan,
        confidence_level=1 - alpha,
        method=f"Wilson score interval (statsmodels proportion_confint, method='wilson'; "
               f"{library_version('statsmodels')})",
        assumptions=["patients are independent and share one event probability within the group"],
    )
    if n == 0:
        result.warnings.append("no patients in this group: proportion not estimable")
        return result
    low, high = proportion_confint(k, n, alpha=alpha, method="wilson")
    result.proportion = k / n
    result.ci_low, result.ci_high = float(low), float(high)
    if n < SMALL_GROUP:
        result.warnings.append(f"only {n} patient(s) in this group: the interval is wide and one "
                               "patient changes the proportion by at least 20 %")
    return result
