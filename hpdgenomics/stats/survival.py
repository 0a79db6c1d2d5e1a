"""Time-to-event statistics for time to treatment failure (TTF): Kaplan-Meier, log-rank, Cox PH.

All three come from lifelines:

* Kaplan-Meier (``KaplanMeierFitter``): pointwise confidence band by the exponential Greenwood
  (log(-log)) method; the median's confidence interval is read off that band where it crosses 0.5
  (Brookmeyer R, Crowley J, Biometrics 1982;38:29-41, with the log(-log) transform). The median and
  both limits follow one rule, R ``survfit``'s (see :func:`survival_quantile`): the first time the
  curve drops below 0.5, except where it sits at exactly 0.5 (to within :data:`HALF_TOLERANCE`) over
  an interval, which gives the midpoint of that interval. A median (or limit) the curve never
  reaches is reported as not reached (NaN, ``median_reached`` / ``median_ci_high_reached`` false)
  with a warning.
* log-rank test (``lifelines.statistics.logrank_test``), unweighted, two groups, chi-square on 1 df.
* Cox proportional hazards (``CoxPHFitter``), Efron's method for tied event times (lifelines' only
  method, and R ``coxph``'s default), optionally with covariates and strata; Wald p-value and CI for
  the exposure; proportional-hazards check by ``proportional_hazard_test`` (Grambsch-Therneau score
  test on rank-transformed time), which adds a warning when any term has p < 0.05.

Durations are in whatever unit the caller uses (months in hpdgenomics); events are 1 (treatment
failure observed) or 0 (censored).
"""
from __future__ import annotations

import math
import warnings as pywarnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from lifelines.fitters.coxph_fitter import SemiParametricPHFitter
from lifelines.statistics import logrank_test, proportional_hazard_test

from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.stats._frames import build_model_frame
from hpdgenomics.stats._result import StatResult, flag_non_finite, library_version
from hpdgenomics.stats.proportions import SMALL_GROUP, check_alpha

#: A term whose proportional-hazards test has p below this gets a warning.
PH_TEST_ALPHA = 0.05
#: Fewer events per Cox coefficient than this gets a warning (Peduzzi P et al., J Clin Epidemiol
#: 1995;48:1503-10).
EVENTS_PER_PARAMETER = 10

#: Newton-Raphson settings for ``CoxPHFitter.fit``. lifelines' defaults stop on a relative change
#: of the log partial likelihood below 1e-9 or a Newton decrement below 1e-7, which leaves the
#: score (gradient) at up to ~5e-4 and p-values about 1e-3 (relative) short of the maximum. Here the
#: fit runs until the Newton decrement (g' H^-1 g / 2) is below 1e-18, i.e. the remaining step is
#: ~1e-9, or the log-likelihood stops changing in double precision (relative 1e-15).
COX_FIT_OPTIONS = {"step_size": 0.95, "precision": 1e-18, "r_precision": 1e-15, "max_steps": 500}

#: A survival value this close to 0.5 counts as exactly 0.5 (R ``quantile.survfit`` uses the same
#: default, sqrt of the double-precision epsilon). Products such as 5/6 * 4/5 * 3/4 land a rounding
#: error away from 0.5, on either side, so comparing them with 0.5 exactly would make the median
#: depend on floating-point luck.
HALF_TOLERANCE = math.sqrt(np.finfo(float).eps)

_KM_ASSUMPTIONS = ["censoring is independent of the risk of treatment failure (non-informative)",
                   "patients are independent"]


@dataclass
class KaplanMeierResult(StatResult):
    """Kaplan-Meier estimate for one group: median with CI, the curve, its band and numbers at
    risk."""

    label: str
    n: int
    events: int
    median: float
    median_ci_low: float
    median_ci_high: float
    median_reached: bool
    median_ci_high_reached: bool
    confidence_level: float
    timeline: list[float] = field(default_factory=list)
    survival: list[float] = field(default_factory=list)
    survival_ci_low: list[float] = field(default_factory=list)
    survival_ci_high: list[float] = field(default_factory=list)
    at_risk: list[dict[str, float]] = field(default_factory=list)
    method: str = ""
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class LogRankResult(StatResult):
    """Two-group log-rank test (group a vs group b)."""

    n_a: int
    events_a: int
    n_b: int
    events_b: int
    test_statistic: float
    degrees_of_freedom: int
    p_value: float
    method: str = ""
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class CoxTerm:
    """One coefficient of a Cox model."""

    term: str
    coefficient: float
    std_error: float
    hazard_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    ph_test_p_value: float


@dataclass
class CoxResult(StatResult):
    """Cox PH model of ``duration``/``event`` on ``exposure`` (+ covariates, strata).

    ``hazard_ratio``, ``ci_low``, ``ci_high`` and ``p_value`` (Wald) are for the exposure; ``terms``
    holds every coefficient with its proportional-hazards test p-value.
    """

    duration: str
    event: str
    exposure: str
    covariates: list[str]
    strata: list[str]
    n: int
    events: int
    n_exposed: int
    events_exposed: int
    n_dropped_missing: int
    coefficient: float
    std_error: float
    hazard_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    ph_test_p_value: float
    confidence_level: float
    ties: str = "efron"
    terms: list[CoxTerm] = field(default_factory=list)
    method: str = ""
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _survival_arrays(durations: npt.ArrayLike, events: npt.ArrayLike, name: str
                     ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str]]:
    """Validated float durations and 0/1 events; pairs with a missing value are dropped with a
    note."""
    duration_column = pd.Series(np.asarray(durations, dtype=object).reshape(-1), dtype=object)
    event_column = pd.Series(np.asarray(events, dtype=object).reshape(-1), dtype=object)
    if len(duration_column) != len(event_column):
        raise UsageError(f"{name}: {len(duration_column)} durations but {len(event_column)} "
                         "event indicators",
                         hint="pass one duration and one event indicator per patient")
    duration_values = pd.to_numeric(duration_column, errors="coerce")
    event_values = pd.to_numeric(event_column.map(lambda v: int(v) if isinstance(v, bool) else v),
                                 errors="coerce")
    # checked column-wise; only the rows found wrong are described one by one
    numbers = duration_values.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad_duration = (duration_column.notna().to_numpy()
                        & ~(np.isfinite(numbers) & (numbers >= 0)))
    bad_event = event_column.notna().to_numpy() & ~event_values.isin((0, 1)).to_numpy()
    problems = []
    for position in np.flatnonzero(bad_duration | bad_event).tolist():
        if bad_duration[position]:
            problems.append(f"patient #{position}: duration {duration_column[position]!r}, "
                            "expected a non-negative number")
        if bad_event[position]:
            problems.append(f"patient #{position}: event {event_column[position]!r}, expected 1 "
                            "(failure) or 0 (censored)")
    if problems:
        raise ClinicalDataError(f"{name}: survival data a model cannot use", problems=problems)
    complete = duration_values.notna() & event_values.notna()
    notes = []
    if not complete.all():
        notes.append(f"{int((~complete).sum())} patient(s) without duration or event status "
                     "left out")
    return (duration_values[complete].to_numpy(dtype=float),
            event_values[complete].to_numpy(dtype=float), notes)


def survival_quantile(times: Sequence[float] | npt.NDArray[np.float64],
                      survival: Sequence[float] | npt.NDArray[np.float64], last_time: float,
                      level: float = 0.5, tolerance: float = HALF_TOLERANCE) -> float:
    """Where a right-continuous step curve (``survival[i]`` from ``times[i]`` on) reaches ``level``.

    The rule of R ``survfit`` (``quantile.survfit``), used for the median and for both of its
    confidence limits (applied to the band's curves):

    * the first time at which the curve is below ``level``;
    * but if the curve first reaches ``level`` by landing on it exactly (within ``tolerance``) at
      time t1 and stays there until it drops at t2, the midpoint (t1 + t2) / 2 - for uncensored data
      the ordinary sample median: times 1..n with n even give (n + 1) / 2;
    * if it lands on ``level`` and never drops again (the last patients are censored), the midpoint
      of t1 and ``last_time`` (the last follow-up time);
    * NaN when the curve never reaches ``level``.
    """
    time_values = np.asarray(times, dtype=float)
    curve = np.asarray(survival, dtype=float)
    reached = np.flatnonzero(curve <= level + tolerance)
    if reached.size == 0:
        return math.nan
    first = int(reached[0])
    if curve[first] < level - tolerance:
        return float(time_values[first])
    below = np.flatnonzero(curve[first:] < level - tolerance)
    end = float(time_values[first + int(below[0])]) if below.size else float(last_time)
    return (float(time_values[first]) + end) / 2


def kaplan_meier(durations: Sequence[float] | np.ndarray, events: Sequence[int] | np.ndarray,
                 label: str, at_times: Iterable[float] = (),
                 alpha: float = 0.05) -> KaplanMeierResult:
    """Kaplan-Meier estimate for one group, with numbers at risk at ``at_times``.

    Numbers at risk at time t count patients whose duration is >= t (still under observation just
    before t), the convention of published risk tables.
    """
    alpha = check_alpha(alpha)
    duration_values, event_values, notes = _survival_arrays(durations, events, label)
    result = KaplanMeierResult(
        label=label, n=len(duration_values), events=int(event_values.sum()), median=math.nan,
        median_ci_low=math.nan, median_ci_high=math.nan, median_reached=False,
        median_ci_high_reached=False, confidence_level=1 - alpha,
        method=("Kaplan-Meier estimator (lifelines KaplanMeierFitter, "
                f"{library_version('lifelines')}); exponential Greenwood (log(-log)) pointwise "
                "band; median CI where the band crosses 0.5"),
        assumptions=list(_KM_ASSUMPTIONS), warnings=notes,
    )
    at_times = [float(t) for t in at_times]
    if any(not math.isfinite(t) or t < 0 for t in at_times):
        raise UsageError(f"{label}: times for the numbers at risk must be finite and >= 0, got "
                         f"{', '.join(f'{t:g}' for t in at_times)}",
                         hint="give times in the unit of the durations, e.g. 0, 2, 6, 12")
    if result.n == 0:
        result.warnings.append("no patients in this group: Kaplan-Meier not estimable")
        result.at_risk = [{"time": t, "n_at_risk": 0, "survival": math.nan} for t in at_times]
        return result
    fitter = KaplanMeierFitter(alpha=alpha).fit(duration_values, event_values, label=label)
    band = fitter.confidence_interval_
    result.timeline = [float(t) for t in fitter.survival_function_.index]
    result.survival = [float(s) for s in fitter.survival_function_.iloc[:, 0]]
    result.survival_ci_low = [float(s) for s in band.iloc[:, 0]]
    result.survival_ci_high = [float(s) for s in band.iloc[:, 1]]
    # The lower band reaches 0.5 first, so it gives the median's lower limit. Where the estimate
    # is 0 the Greenwood variance is undefined and so is the band (lifelines writes 0 there, R
    # survfit NA): those points are left out of the limits, as R does, so an upper band still
    # above 0.5 when the last patient fails leaves the upper limit not reached.
    last_time = float(duration_values.max())
    defined = np.asarray(result.survival) > 0
    timeline = np.asarray(result.timeline)
    median = survival_quantile(timeline, result.survival, last_time)
    low, high = (survival_quantile(timeline[defined], np.asarray(band)[defined], last_time)
                 for band in (result.survival_ci_low, result.survival_ci_high))
    result.median_reached = math.isfinite(median)
    result.median = median
    result.median_ci_low = low
    result.median_ci_high_reached = math.isfinite(high)
    result.median_ci_high = high
    if at_times:
        survival_at = fitter.survival_function_at_times(at_times).to_numpy()
        result.at_risk = [{"time": t, "n_at_risk": int((duration_values >= t).sum()),
                           "survival": float(s)}
                          for t, s in zip(at_times, survival_at, strict=True)]  # one per time

    survival = np.asarray(result.survival)
    if abs(survival[-1] - 0.5) <= HALF_TOLERANCE and result.median_reached:
        result.warnings.append(f"the curve ends at exactly 50 % (last follow-up {last_time:g}): "
                               "the median is the midpoint of that last flat stretch (R survfit's "
                               "convention) and moves with the length of follow-up")
    if result.events == 0:
        result.warnings.append("no events in this group: the curve stays at 1 and the median is "
                               "not reached")
    elif not result.median_reached:
        result.warnings.append(f"median not reached: the estimate stays above 50 % (lowest "
                               f"{min(result.survival):.2f} at {max(result.timeline):g})")
    elif not result.median_ci_high_reached:
        result.warnings.append("upper confidence limit of the median not reached")
    if result.median_reached and math.isnan(result.median_ci_low):
        result.warnings.append("lower confidence limit of the median not estimable: the band is "
                               "undefined once no patient is left at risk (too few patients)")
    if result.n < SMALL_GROUP:
        result.warnings.append(f"only {result.n} patient(s) in this group: the curve is a few "
                               "steps and its interval very wide")
    return result


def logrank(durations_a: Sequence[float] | npt.NDArray[np.float64],
            events_a: Sequence[int] | npt.NDArray[np.int_],
            durations_b: Sequence[float] | npt.NDArray[np.float64],
            events_b: Sequence[int] | npt.NDArray[np.int_]) -> LogRankResult:
    """Unweighted log-rank test comparing group a (e.g. altered) with group b (unaltered)."""
    duration_a, event_a, notes_a = _survival_arrays(durations_a, events_a, "group a")
    duration_b, event_b, notes_b = _survival_arrays(durations_b, events_b, "group b")
    result = LogRankResult(
        n_a=len(duration_a), events_a=int(event_a.sum()), n_b=len(duration_b),
        events_b=int(event_b.sum()), test_statistic=math.nan, degrees_of_freedom=1,
        p_value=math.nan,
        method=("log-rank test, unweighted (lifelines logrank_test, "
                f"{library_version('lifelines')})"),
        assumptions=[*_KM_ASSUMPTIONS, "most powerful when hazards are proportional; crossing "
                     "curves can hide a difference"],
        warnings=([f"group a: {note}" for note in notes_a]
                  + [f"group b: {note}" for note in notes_b]),
    )
    if result.n_a == 0 or result.n_b == 0:
        result.warnings.append("one group is empty: log-rank test not computed")
        return result
    if result.events_a + result.events_b == 0:
        result.warnings.append("no events in either group: log-rank test not computed")
        return result
    test = logrank_test(duration_a, duration_b, event_observed_A=event_a, event_observed_B=event_b)
    result.test_statistic = float(test.test_statistic)
    result.p_value = float(test.p_value)
    flag_non_finite(result, ["test_statistic", "p_value"], "the log-rank test")
    if min(result.n_a, result.n_b) < SMALL_GROUP:
        result.warnings.append(f"a group has fewer than {SMALL_GROUP} patients: the chi-square "
                               "approximation is rough")
    return result


def _monotone_direction(data: pd.DataFrame, duration: str, event: str, exposure: str,
                        strata: list[str]) -> int | None:
    """+1 / -1 if the partial likelihood rises for ever as the exposure coefficient goes to +/- inf.

    0 if it does not depend on that coefficient at all (no failure ever has both groups at risk).

    For a 0/1 exposure and any fixed values of the other coefficients, as beta -> +infinity each
    failure's term of the log partial likelihood tends to a finite limit, except the term of an
    unaltered failure with an altered patient at risk (risk set: duration >= failure time, within
    the stratum), which goes to -infinity. With no such failure the supremum is approached only as
    beta -> +infinity: the MLE is infinite (monotone likelihood; Bryson MC, Johnson ME,
    Technometrics 1981;23), so it is not reported. Likewise for -infinity with the groups swapped.
    """
    groups = data.groupby(strata, sort=False) if strata else [(None, data)]
    rises, falls = True, True
    for _, stratum in groups:
        times, failed = stratum[duration].to_numpy(), stratum[event].to_numpy() == 1
        altered = stratum[exposure].to_numpy() == 1
        last_altered = times[altered].max() if altered.any() else -np.inf
        last_unaltered = times[~altered].max() if (~altered).any() else -np.inf
        if (failed & ~altered & (times <= last_altered)).any():
            rises = False
        if (failed & altered & (times <= last_unaltered)).any():
            falls = False
    if rises and falls:
        return 0
    return 1 if rises else -1 if falls else None


def _unfitted_cox(duration: str, event: str, exposure: str, covariates: list[str],
                  strata: list[str], alpha: float) -> CoxResult:
    assumptions = [*_KM_ASSUMPTIONS,
                   "proportional hazards: the hazard ratio is constant over time (checked, see "
                   "warnings)",
                   "log-hazard is linear in each numeric covariate",
                   "complete-case analysis: patients with a missing value in any model column are "
                   "left out"]
    if strata:
        assumptions.append(f"baseline hazard differs freely between strata of {', '.join(strata)}; "
                           "the hazard ratio is common to all strata")
    return CoxResult(
        duration=duration, event=event, exposure=exposure, covariates=covariates, strata=strata,
        n=0, events=0, n_exposed=0, events_exposed=0, n_dropped_missing=0,
        coefficient=math.nan, std_error=math.nan, hazard_ratio=math.nan, ci_low=math.nan,
        ci_high=math.nan, p_value=math.nan, ph_test_p_value=math.nan, confidence_level=1 - alpha,
        method=(f"Cox proportional hazards, Efron ties (lifelines CoxPHFitter, "
                f"{library_version('lifelines')}, Newton-Raphson to a Newton decrement below "
                f"{COX_FIT_OPTIONS['precision']:g}); Wald CI and p; PH check by "
                "proportional_hazard_test (rank-transformed time)"),
        assumptions=assumptions,
    )


class _CoxPHFitter(CoxPHFitter):
    """lifelines' CoxPHFitter whose fitted model (lifelines' SemiParametricPHFitter, which the
    proportional-hazards test asks for residuals) is a :class:`_SemiParametricPHFitter`."""

    def _fit_model_breslow(self, *args: Any, **kwargs: Any) -> Any:
        model = super()._fit_model_breslow(*args, **kwargs)
        if type(model) is SemiParametricPHFitter:     # the same object, one method faster
            model.__class__ = _SemiParametricPHFitter
        return model


class _SemiParametricPHFitter(SemiParametricPHFitter):
    """lifelines' Efron Cox model, with the Schoenfeld residuals (the input of its
    proportional-hazards test) computed per distinct time with numpy.

    lifelines computes them in a Python loop over the patients that grows its result with
    ``np.append`` once per row, quadratic in the cohort (about 9 s per model at 200,000 patients).
    This is the same computation, Efron's tie correction included: at each distinct time with
    events, the risk set's score-weighted mean of the covariates averaged over the
    ``l = 0..d-1`` Efron steps, subtracted from each failing patient's covariates (0 for the
    censored). Sums are taken in another order, so values agree with lifelines' to rounding
    (``tests/test_cohort_scale.py`` compares them). Should lifelines rename the private method,
    its own loop simply runs again."""

    def _compute_schoenfeld_within_strata(self, X: pd.DataFrame, T: pd.Series, E: pd.Series,
                                          weights: pd.Series,
                                          entries: Any) -> npt.NDArray[np.float64]:
        X = np.asarray(X.values, dtype=float)
        events = np.asarray(E.values, dtype=float)
        times = np.asarray(T.values)
        weights = np.asarray(weights.values, dtype=float)
        n, d = X.shape
        if not np.any(events):
            return np.zeros((n, d))
        scores = weights * np.exp(X @ np.asarray(self.params_, dtype=float))
        scores_x = scores[:, None] * X
        # rows are sorted by time: the risk set of a time is every row from its first on
        risk = np.cumsum(scores[::-1])[::-1]
        risk_x = np.cumsum(scores_x[::-1], axis=0)[::-1]
        starts = np.r_[0, np.flatnonzero(times[1:] != times[:-1]) + 1]
        group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
        deaths = np.add.reduceat(events, starts)
        tie = np.add.reduceat(scores * events, starts)
        tie_x = np.add.reduceat(scores_x * events[:, None], starts, axis=0)
        mean = np.zeros((len(starts), d))
        with_events = np.flatnonzero(deaths > 0)
        counts = deaths[with_events].astype(int)
        steps = np.repeat(with_events, counts)                       # one per Efron step
        efron_l = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        d_of = deaths[steps]
        numerator = risk_x[starts[steps]] - (efron_l[:, None] * tie_x[steps]) / d_of[:, None]
        denominator = risk[starts[steps]] - (efron_l * tie[steps]) / d_of
        terms = numerator / (denominator * d_of)[:, None]
        mean[with_events] = np.add.reduceat(terms, np.r_[0, np.cumsum(counts)[:-1]], axis=0)
        schoenfeld: npt.NDArray[np.float64] = events[:, None] * (X - mean[group])
        return schoenfeld


#: at least this many patients with tied times (half or more of them sharing a time with another)
#: are fitted by lifelines' per-distinct-time ("batch") Efron computation
BATCH_MIN_ROWS = 1000


def _batch_mode(times: pd.Series) -> bool | None:
    """True for a large cohort with many tied times, else lifelines' own choice (None).

    lifelines' heuristic picks its per-row loop for a registry cohort whose TTF is in months
    with two decimals (200,000 patients, a few thousand distinct times), twice as slow as its
    per-time batch computation, which gives the same estimates (the same Efron likelihood, summed
    in another order: equal to about 1e-12)."""
    if len(times) < BATCH_MIN_ROWS:
        return None
    return True if times.nunique() <= len(times) // 2 else None


def _cox_not_fittable(result: CoxResult) -> str | None:
    """Why the patient counts leave nothing to fit (the warning), or None."""
    if result.n == 0:
        return "no patients with complete data: Cox model not fitted"
    if result.events == 0:
        return "no events: Cox model not fitted"
    if result.n_exposed in (0, result.n):
        what = "no patient is" if result.n_exposed == 0 else "every patient is"
        return f"{what} altered: the exposure has no variation, Cox model not fitted"
    return None


def _monotone_warning(result: CoxResult, monotone: int, strata: list[str]) -> str:
    """The warning for a likelihood flat (0) or monotone (+1 / -1) in the exposure coefficient."""
    if monotone == 0:
        return ("no failure happened while both altered and unaltered patients were "
                "at risk: the Cox likelihood carries no information on the hazard "
                "ratio; not reported")
    if result.events_exposed == 0 or result.events_exposed == result.events:
        group = "altered" if result.events_exposed == 0 else "unaltered"
        why = f"no events among {group} patients"
    else:
        first, other = ("unaltered", "altered") if monotone > 0 else ("altered", "unaltered")
        why = (f"every {first} failure happened while no {other} patient was at risk"
               + (" (within strata)" if strata else ""))
    return (f"{why}: the Cox likelihood is monotone and the hazard ratio is "
            f"{'infinite' if monotone > 0 else '0'}; not reported (see the "
            "Kaplan-Meier curves)")


def _cox_precision_warnings(result: CoxResult, coefficients: int) -> list[str]:
    """Warnings for few altered patients and few events per coefficient."""
    warnings: list[str] = []
    if result.n_exposed < SMALL_GROUP:
        warnings.append(f"only {result.n_exposed} altered patient(s): the hazard ratio is "
                        "very imprecise")
    if result.events / coefficients < EVENTS_PER_PARAMETER:
        warnings.append(f"{result.events} events for {coefficients} coefficient(s) "
                        f"(fewer than {EVENTS_PER_PARAMETER} per coefficient): estimates "
                        "may be unstable")
    return warnings


def _first_line(message: Warning | Exception | str) -> str:
    """The first line of a warning's or error's text; its class name when the text is empty."""
    lines = str(message).splitlines()
    return lines[0] if lines else type(message).__name__


def _lifelines_warnings(caught: list[pywarnings.WarningMessage]) -> list[str]:
    """lifelines' warnings as result warnings (deprecations left out, first line only)."""
    notes: list[str] = []
    for caught_warning in caught:
        if issubclass(caught_warning.category, (DeprecationWarning, FutureWarning)):
            continue
        text = _first_line(caught_warning.message)
        if issubclass(caught_warning.category, ConvergenceWarning):
            text += " (treat the hazard ratio as unreliable)"
        notes.append(f"lifelines: {text}")
    return notes


def _fit_cox(fitter: _CoxPHFitter, model_data: pd.DataFrame, duration: str, event: str,
             strata: list[str]) -> tuple[dict[str, float], list[str]]:
    """Fit and PH-test: PH p per term and warnings; a failing fit's exception propagates."""
    notes: list[str] = []
    with pywarnings.catch_warnings(record=True) as caught:
        pywarnings.simplefilter("always")
        fitter.fit(model_data, duration_col=duration, event_col=event,
                   strata=strata or None, fit_options=dict(COX_FIT_OPTIONS),
                   batch_mode=_batch_mode(model_data[duration]))
        try:
            ph_test = proportional_hazard_test(fitter, model_data, time_transform="rank")
            ph_p = {str(name): float(p) for name, p in ph_test.summary["p"].items()}
        except (ConvergenceError, np.linalg.LinAlgError, ValueError) as error:
            ph_p = {}
            notes.append(f"proportional-hazards test failed ({error})")
    return ph_p, notes + _lifelines_warnings(caught)


def _fill_cox_terms(result: CoxResult, summary: pd.DataFrame, term_names: list[str],
                    ph_p: dict[str, float]) -> None:
    """One CoxTerm per coefficient, the exposure's on top, and the PH-violation warning."""
    # lifelines names the interval columns after the level ("exp(coef) lower 95%"): match by prefix
    hr_low_column = next(c for c in summary.columns if c.startswith("exp(coef) lower"))
    hr_high_column = next(c for c in summary.columns if c.startswith("exp(coef) upper"))
    for name in term_names:
        row = summary.loc[name]
        result.terms.append(CoxTerm(
            term=name, coefficient=float(row["coef"]), std_error=float(row["se(coef)"]),
            hazard_ratio=float(row["exp(coef)"]), ci_low=float(row[hr_low_column]),
            ci_high=float(row[hr_high_column]), p_value=float(row["p"]),
            ph_test_p_value=ph_p.get(name, math.nan)))
    exposure_term = result.terms[0]
    result.coefficient = exposure_term.coefficient
    result.std_error = exposure_term.std_error
    result.hazard_ratio = exposure_term.hazard_ratio
    result.ci_low, result.ci_high = exposure_term.ci_low, exposure_term.ci_high
    result.p_value = exposure_term.p_value
    result.ph_test_p_value = exposure_term.ph_test_p_value
    violations = [f"{term.term} (p = {term.ph_test_p_value:.3g})" for term in result.terms
                  if term.ph_test_p_value < PH_TEST_ALPHA]
    if violations:
        result.warnings.append("proportional-hazards assumption questionable for "
                               f"{', '.join(violations)} (Grambsch-Therneau test on ranked time): "
                               "the hazard ratio averages an effect that changes over time")


def cox_ph(df: pd.DataFrame, duration: str, event: str, exposure: str,
           covariates: Iterable[str] = (), strata: Iterable[str] = (),
           alpha: float = 0.05) -> CoxResult:
    """Cox PH model of ``duration``/``event`` on the 0/1 ``exposure`` column.

    ``covariates`` are adjusted for (numeric, or text coded as indicators); ``strata`` columns get
    separate baseline hazards. Degenerate data (no events, exposure without variation, no events in
    one exposure group: monotone likelihood) give NaN with a warning; never raises for those.
    """
    covariates, strata = list(covariates), list(strata)
    alpha = check_alpha(alpha)
    result = _unfitted_cox(duration, event, exposure, covariates, strata, alpha)
    model_frame = build_model_frame(df, binary={event: "event", exposure: "exposure"},
                                    durations=[duration], covariates=covariates, strata=strata)
    result.warnings += model_frame.notes
    result.n_dropped_missing = model_frame.n_dropped_missing
    data = model_frame.data
    exposed = data[exposure] == 1
    result.n = len(data)
    result.events = int(data[event].sum())
    result.n_exposed = int(exposed.sum())
    result.events_exposed = int(data.loc[exposed, event].sum())
    reason = _cox_not_fittable(result)
    if reason is not None:
        result.warnings.append(reason)
        return result
    monotone = _monotone_direction(data, duration, event, exposure, strata)
    if monotone is not None:
        result.warnings.append(_monotone_warning(result, monotone, strata))
        return result
    term_names = [exposure, *model_frame.covariate_terms]
    result.warnings += _cox_precision_warnings(result, len(term_names))
    model_data = data[[duration, event, *term_names, *strata]]
    fitter = _CoxPHFitter(alpha=alpha)
    try:
        ph_p, notes = _fit_cox(fitter, model_data, duration, event, strata)
    except (ConvergenceError, np.linalg.LinAlgError, ValueError) as error:
        result.warnings.append(f"Cox fit failed ({_first_line(error)}): "
                               "model not fitted")
        return result
    result.warnings += notes
    _fill_cox_terms(result, fitter.summary, term_names, ph_p)
    flag_non_finite(result, ["coefficient", "std_error", "hazard_ratio", "ci_low", "ci_high",
                             "p_value"], "the Cox fit")
    return result
