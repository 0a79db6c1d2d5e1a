"""Fisher's exact test on the altered x early-failure 2 x 2 table, and Benjamini-Hochberg q-values.

Table orientation (fixed everywhere in hpdgenomics)::

                    early failure   no early failure
    altered               a                b
    unaltered             c                d

so an odds ratio above 1 means early failure is more common among altered patients. The odds ratio
is the conditional maximum-likelihood estimate (the one R's ``fisher.test`` reports) with its exact
conditional confidence interval (Cornfield 1956), from ``scipy.stats.contingency.odds_ratio(kind=
"conditional")``; the p-value is SciPy's two-sided ``fisher_exact`` (tables at most as probable as
the observed one, as in R).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import fisher_exact
from scipy.stats.contingency import odds_ratio as scipy_odds_ratio
from statsmodels.stats.multitest import multipletests

from hpdgenomics.errors import UsageError
from hpdgenomics.stats._result import StatResult, library_version
from hpdgenomics.stats.proportions import SMALL_GROUP, _as_count, check_alpha


@dataclass
class FisherResult(StatResult):
    """Fisher's exact test with the conditional MLE odds ratio (altered vs unaltered)."""

    altered_events: int
    altered_n: int
    unaltered_events: int
    unaltered_n: int
    odds_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    confidence_level: float
    alternative: str = "two-sided"
    method: str = ""
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def table(self) -> list[list[int]]:
        """``[[a, b], [c, d]]`` in the orientation of the module docstring."""
        return [[self.altered_events, self.altered_n - self.altered_events],
                [self.unaltered_events, self.unaltered_n - self.unaltered_events]]


def fisher_test(altered_events: int, altered_n: int, unaltered_events: int, unaltered_n: int,
                alpha: float = 0.05) -> FisherResult:
    """Two-sided Fisher's exact test of early failure in altered vs profiled-and-unaltered patients.

    Counts are patients: ``altered_events`` of ``altered_n`` altered patients failed early, likewise
    for the unaltered. Degenerate tables (an empty group; no events, or only events) give NaN for
    every statistic with a warning saying why; a zero cell gives an odds ratio of 0 or infinity
    (the conditional MLE is on the boundary) with a warning.
    """
    altered_events = _as_count(altered_events, "altered_events")
    altered_n = _as_count(altered_n, "altered_n")
    unaltered_events = _as_count(unaltered_events, "unaltered_events")
    unaltered_n = _as_count(unaltered_n, "unaltered_n")
    alpha = check_alpha(alpha)
    for events, n, group in ((altered_events, altered_n, "altered"),
                             (unaltered_events, unaltered_n, "unaltered")):
        if events > n:
            raise UsageError(f"{group}: {events} patients with early failure among only {n} "
                             "patients",
                             hint="pass events first, then the group size")
    result = FisherResult(
        altered_events=altered_events, altered_n=altered_n, unaltered_events=unaltered_events,
        unaltered_n=unaltered_n, odds_ratio=math.nan, ci_low=math.nan, ci_high=math.nan,
        p_value=math.nan, confidence_level=1 - alpha,
        method=("Fisher's exact test, two-sided (scipy.stats.fisher_exact); conditional MLE odds "
                "ratio with exact conditional CI (scipy.stats.contingency.odds_ratio, "
                f"kind='conditional'; {library_version('scipy')})"),
        assumptions=["patients are independent",
                     "inference is conditional on both margins (numbers altered and with early "
                     "failure) being fixed",
                     "no adjustment for covariates: confounding (tumour type, line of therapy) is "
                     "not addressed"],
    )
    total_n = altered_n + unaltered_n
    total_events = altered_events + unaltered_events
    if altered_n == 0 or unaltered_n == 0:
        empty = "altered" if altered_n == 0 else "unaltered"
        result.warnings.append(f"no {empty} patients: Fisher's test and odds ratio not computed")
        return result
    if total_events == 0 or total_events == total_n:
        what = "no patient" if total_events == 0 else "every patient"
        result.warnings.append(f"{what} had early failure: the table carries no information on "
                               "association; Fisher's test and odds ratio not computed")
        return result

    table = result.table
    result.p_value = float(fisher_exact(table, alternative="two-sided").pvalue)
    conditional = scipy_odds_ratio(table, kind="conditional")
    interval = conditional.confidence_interval(confidence_level=1 - alpha)
    result.odds_ratio = float(conditional.statistic)
    result.ci_low, result.ci_high = float(interval.low), float(interval.high)

    if altered_n < SMALL_GROUP:
        result.warnings.append(f"only {altered_n} altered patient(s): the odds ratio is very "
                               "imprecise")
    zero_cells = [name for name, count in zip(("altered with early failure",
                                                "altered without early failure",
                                                "unaltered with early failure",
                                                "unaltered without early failure"),
                                               (table[0][0], table[0][1], table[1][0], table[1][1]),
                                               strict=True)
                  if count == 0]
    if zero_cells:
        result.warnings.append(
            "zero cell (" + ", ".join(zero_cells) + "): the conditional MLE odds ratio lies on the "
            f"boundary ({result.odds_ratio:g}) and one confidence limit is "
            f"{'0' if result.ci_low == 0 else 'infinite'}; see the Firth estimate for a finite "
            "value")
    return result


def bh_qvalues(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values over one family of tests (statsmodels ``fdr_bh``).

    NaN p-values (tests that could not be performed) stay NaN and are left out of the family size m:
    a test that could not be done cannot produce a false discovery. Raises :class:`UsageError` for
    p-values outside [0, 1].
    """
    p = np.asarray(pvalues, dtype=float).reshape(-1)
    out = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    invalid = tested & ((p < 0) | (p > 1))
    if invalid.any():
        shown = ", ".join(f"#{i}={float(p[i])!r}" for i in np.flatnonzero(invalid)[:5])
        raise UsageError(f"p-values must lie in [0, 1]; found {shown}",
                         hint="pass raw p-values, not -log10 p or test statistics")
    if tested.any():
        out[tested] = multipletests(p[tested], method="fdr_bh")[1]
    return out
