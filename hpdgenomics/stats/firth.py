"""Firth-penalised logistic regression of early failure on an alteration, optionally adjusted.

Why Firth: altered groups are small and often 100 % early failure (Kato 2017: 6 of 6 MDM2/MDM4
amplified patients failed within 2 months). Ordinary maximum likelihood then diverges (separation);
Firth's penalty (Firth D, Biometrika 1993;80:27-38), the Jeffreys-prior term 1/2 log|I(beta)|, keeps
the estimate finite and removes its first-order bias (Heinze G, Schemper M, Stat Med
2002;21:2409-19).
Fitted with the ``firthmodels`` package (``FirthLogisticRegression``): Newton-Raphson with step
halving; p-values from the penalised likelihood-ratio test and confidence intervals from the profile
penalised likelihood (Venzon & Moolgavkar 1988), as Heinze & Schemper recommend and R ``logistf``
reports. If a profile bound fails to converge the Wald interval is used instead and the result says
so.

For a single binary exposure (no covariates) the Firth odds ratio equals the odds ratio of the 2 x 2
table with 0.5 added to every cell; the tests use that identity as an independent check.
"""
from __future__ import annotations

import math
import warnings as pywarnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.linalg
from firthmodels import FirthLogisticRegression, detect_separation

from hpdgenomics.stats._frames import build_model_frame
from hpdgenomics.stats._result import StatResult, flag_non_finite, library_version, safe_exp
from hpdgenomics.stats.proportions import SMALL_GROUP, check_alpha

#: Fewer outcome events (of the rarer outcome) per estimated coefficient than this gets a warning.
EVENTS_PER_PARAMETER = 10


@dataclass
class FirthTerm:
    """One coefficient of the fitted model (intercept excluded)."""

    term: str
    coefficient: float
    std_error: float
    odds_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    ci_method: str


@dataclass
class FirthResult(StatResult):
    """Firth logistic regression of ``outcome`` on ``exposure`` (+ covariates).

    ``odds_ratio``, ``ci_low``, ``ci_high`` and ``p_value`` are for the exposure; ``terms`` holds
    every coefficient. ``ci_method`` says whether the interval is profile-likelihood or Wald.
    """

    outcome: str
    exposure: str
    covariates: list[str]
    n: int
    events: int
    n_exposed: int
    n_dropped_missing: int
    coefficient: float
    std_error: float
    odds_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    wald_p_value: float
    confidence_level: float
    ci_method: str
    converged: bool
    separation: bool
    terms: list[FirthTerm] = field(default_factory=list)
    method: str = ""
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _unfitted(outcome: str, exposure: str, covariates: list[str], alpha: float) -> FirthResult:
    return FirthResult(
        outcome=outcome, exposure=exposure, covariates=covariates, n=0, events=0, n_exposed=0,
        n_dropped_missing=0, coefficient=math.nan, std_error=math.nan, odds_ratio=math.nan,
        ci_low=math.nan, ci_high=math.nan, p_value=math.nan, wald_p_value=math.nan,
        confidence_level=1 - alpha, ci_method="profile penalised likelihood", converged=False,
        separation=False,
        method=("Firth-penalised logistic regression (firthmodels FirthLogisticRegression, "
                f"{library_version('firthmodels')}); penalised likelihood-ratio test; profile "
                "penalised-likelihood CI"),
        assumptions=["patients are independent",
                     "log-odds of the outcome are linear in each covariate (additive, no "
                     "interactions)",
                     "complete-case analysis: patients with a missing value in any model column "
                     "are left out"],
    )


def _separation_warning(names: list[str], directions: Iterable[float]) -> str:
    """Say which estimates ordinary ML sends to infinity, and which way, so the reader knows
    whether the finite Firth odds ratio stands for "very large" or "close to 0"."""
    parts: list[str] = []
    exposure_direction = 0
    # one direction per name: the terms and the intercept
    for index, (name, direction) in enumerate(zip(names, directions, strict=True)):
        if direction == 0:
            continue
        if name == "intercept":
            what = "baseline odds towards " + ("infinity" if direction > 0 else "zero")
        else:
            what = "odds ratio towards " + ("infinity" if direction > 0 else "zero")
        if index == 0:
            exposure_direction = int(direction)
        parts.append(f"{name} ({what})")
    reading = {1: "read it as 'large, imprecise' (the data say only that the odds ratio is big)",
               -1: "read it as 'close to 0, imprecise' (the data say only that the odds ratio is "
                   "small)",
               0: "read the affected estimates as imprecise"}[exposure_direction]
    return ("separation: ordinary maximum likelihood would give infinite estimates for "
            f"{', '.join(parts)}; the Firth estimate is finite but driven by the penalty: "
            f"{reading}")


#: a design of at least this many rows is fitted on its distinct rows weighted by their counts,
#: when that halves it (a crude model of a registry cohort has four distinct rows)
COLLAPSE_MIN_ROWS = 1000


def _collapsed(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The distinct (covariates, outcome) rows with their counts as frequency weights.

    Exact, not an approximation: the Firth penalised likelihood, its score and the Fisher
    information (hence the penalty, the likelihood-ratio tests and the profile intervals) are sums
    over rows, and firthmodels weights every term by ``sample_weight``, so identical rows fitted
    once with weight k give what k copies give (up to floating-point rounding). Small designs,
    or designs with few repeated rows (a continuous covariate), are fitted as they are."""
    if len(y) < COLLAPSE_MIN_ROWS:
        return X, y, None
    rows, counts = np.unique(np.column_stack([X, y]), axis=0, return_counts=True)
    if len(rows) > len(y) // 2:
        return X, y, None
    return rows[:, :-1], rows[:, -1], counts.astype(float)


def _not_fittable(result: FirthResult) -> str | None:
    """Why the patient counts leave nothing to fit (the warning), or None."""
    if result.n == 0:
        return "no patients with complete data: model not fitted"
    if result.events in (0, result.n):
        what = "no patient has" if result.events == 0 else "every patient has"
        return f"{what} the outcome: model not fitted"
    if result.n_exposed in (0, result.n):
        what = "no patient is" if result.n_exposed == 0 else "every patient is"
        return f"{what} altered: the exposure has no variation, model not fitted"
    return None


def _precision_warnings(result: FirthResult, coefficients: int) -> list[str]:
    """Warnings for few altered patients and, when adjusted, few events per coefficient."""
    warnings: list[str] = []
    if result.n_exposed < SMALL_GROUP:
        warnings.append(f"only {result.n_exposed} altered patient(s): the estimate rests on "
                        "very few patients")
    rarer_outcome = min(result.events, result.n - result.events)
    if result.covariates and rarer_outcome / coefficients < EVENTS_PER_PARAMETER:
        warnings.append(f"{rarer_outcome} events for {coefficients} coefficient(s) (fewer "
                        f"than {EVENTS_PER_PARAMETER} per coefficient): the adjusted "
                        "estimate may be unstable")
    return warnings


def _record_separation(result: FirthResult, X: npt.NDArray[np.float64],
                       y: npt.NDArray[np.float64], term_names: list[str]) -> bool:
    """Note separation on ``result``; False (with a warning) if the design is degenerate."""
    try:
        separation = detect_separation(X, y)
    except scipy.linalg.LinAlgError:
        result.warnings.append("the design is collinear or numerically degenerate (a covariate "
                               "is constant, duplicates another among these patients, or is on "
                               "an extreme scale): model not fitted")
        return False
    if separation.separation:
        result.separation = True
        result.warnings.append(_separation_warning([*term_names, "intercept"],
                                                   separation.directions))
    return True


def _likelihood_ratio_tests(model: FirthLogisticRegression, n_terms: int,
                            caught: list[pywarnings.WarningMessage]) -> None:
    """Penalised LRT p-values, stalled warm-started refits redone cold (their warnings dropped)."""
    model.lrt()
    # At these tolerances the constrained refit started from the full estimate can stall
    # in step halving (a rounding-level gradient it cannot reduce), leaving the p-value
    # NaN; a refit from a cold start does not. Retry those terms once.
    stalled = [int(i) for i in np.flatnonzero(np.isnan(model.lrt_pvalues_[:n_terms]))]
    if stalled:
        retry_caught = len(caught)
        model.lrt(features=stalled, warm_start=False)
        recovered = {i for i in stalled if math.isfinite(model.lrt_pvalues_[i])}
        caught[:retry_caught] = [
            w for w in caught[:retry_caught]
            if not any(f"LRT for parameter {i} " in str(w.message) for i in recovered)]


def _fit(fit_data: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                         npt.NDArray[np.float64] | None], n_terms: int, alpha: float
         ) -> tuple[FirthLogisticRegression, Any, list[pywarnings.WarningMessage]]:
    """Fit, LRTs and profile CIs with the warnings raised; LinAlgError/ValueError propagate."""
    X_fit, y_fit, counts = fit_data
    # tighter than the package defaults (1e-4) so reported odds ratios are good to ~6 digits
    model = FirthLogisticRegression(max_iter=100, xtol=1e-8, gtol=1e-8)
    with pywarnings.catch_warnings(record=True) as caught:
        pywarnings.simplefilter("always")
        model.fit(X_fit, y_fit, sample_weight=counts)
        _likelihood_ratio_tests(model, n_terms, caught)
        profile = model.conf_int(alpha=alpha, method="pl", max_iter=100, tol=1e-6)
    return model, profile, caught


def _fill_terms(result: FirthResult, model: FirthLogisticRegression, profile: Any, wald: Any,
                term_names: list[str]) -> None:
    """One FirthTerm per coefficient (Wald CI where the profile failed); exposure on top."""
    for index, name in enumerate(term_names):
        low, high = profile[index]
        ci_method = "profile penalised likelihood"
        if not (math.isfinite(low) and math.isfinite(high)):
            low, high = wald[index]
            ci_method = "Wald"
            result.warnings.append(f"profile-likelihood CI for {name} did not converge: Wald "
                                   "interval reported instead")
        coefficient = float(model.coef_[index])
        result.terms.append(FirthTerm(
            term=name, coefficient=coefficient, std_error=float(model.bse_[index]),
            odds_ratio=safe_exp(coefficient), ci_low=safe_exp(low), ci_high=safe_exp(high),
            p_value=float(model.lrt_pvalues_[index]), ci_method=ci_method))
    exposure_term = result.terms[0]
    result.coefficient = exposure_term.coefficient
    result.std_error = exposure_term.std_error
    result.odds_ratio = exposure_term.odds_ratio
    result.ci_low, result.ci_high = exposure_term.ci_low, exposure_term.ci_high
    result.p_value = exposure_term.p_value
    result.wald_p_value = float(model.pvalues_[0])
    result.ci_method = exposure_term.ci_method


def firth_logistic(df: pd.DataFrame, outcome: str, exposure: str, covariates: Iterable[str] = (),
                   alpha: float = 0.05) -> FirthResult:
    """Firth logistic regression of the 0/1 ``outcome`` column on the 0/1 ``exposure`` column.

    ``covariates`` are further columns (numeric, or text coded as indicators). Rows with a missing
    value in any of these columns are left out and counted. Degenerate data (no patients, outcome or
    exposure without variation, collinear design) give NaN with a warning; never raises for those.
    """
    covariates = list(covariates)
    alpha = check_alpha(alpha)
    result = _unfitted(outcome, exposure, covariates, alpha)
    model_frame = build_model_frame(df, binary={outcome: "outcome", exposure: "exposure"},
                                    covariates=covariates)
    result.warnings += model_frame.notes
    result.n_dropped_missing = model_frame.n_dropped_missing
    data = model_frame.data
    y = data[outcome].to_numpy()
    result.n = len(data)
    result.events = int(y.sum())
    result.n_exposed = int(data[exposure].sum())
    reason = _not_fittable(result)
    if reason is not None:
        result.warnings.append(reason)
        return result
    term_names = [exposure, *model_frame.covariate_terms]
    result.warnings += _precision_warnings(result, len(term_names))
    X = data[term_names].to_numpy(dtype=float)
    if not _record_separation(result, X, y, term_names):
        return result
    fit_data = _collapsed(X, y)
    try:
        model, profile, caught = _fit(fit_data, len(term_names), alpha)
    except (scipy.linalg.LinAlgError, ValueError) as error:
        result.warnings.append(f"Firth fit failed ({error}): model not fitted")
        return result
    wald = model.conf_int(alpha=alpha, method="wald")
    result.warnings += list(dict.fromkeys(f"firthmodels: {w.message}" for w in caught))
    result.converged = bool(model.converged_)
    if not result.converged:
        result.warnings.append("the Firth fit did not converge: estimates are unreliable")
    _fill_terms(result, model, profile, wald, term_names)
    flag_non_finite(result, ["coefficient", "std_error", "odds_ratio", "ci_low", "ci_high",
                             "p_value"], "the Firth fit")
    return result
