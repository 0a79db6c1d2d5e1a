"""Every association statistic for one alteration (rule or gene) against the outcomes, in one call.

The caller (the cohort command) builds one patient table per rule with an exposure column coded
1 = altered, 0 = profiled and unaltered, missing = not evaluable (not profiled, or the screen could
not assess it). Not-evaluable patients are counted and excluded from every denominator. The outcome
columns are optional:

* ``early_failure``: 1 = treatment failure within 2 months, 0 = not, missing = not evaluable (for
  example censored before 2 months). Gives proportions with Wilson intervals, Fisher's exact test
  and Firth logistic regression.
* ``duration`` and ``event``: time to treatment failure and 1 = failure / 0 = censored. Gives
  Kaplan-Meier medians per group, the log-rank test and the Cox model.

``covariates`` adjust the Firth and Cox models; ``strata`` apply to the Cox model only (the
log-rank test is unstratified). ``row()`` gives the flat record of ``association.tsv``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.stats._frames import binary_problems, duration_problems, require_columns
from hpdgenomics.stats._result import StatResult
from hpdgenomics.stats.contingency import FisherResult, fisher_test
from hpdgenomics.stats.firth import FirthResult, firth_logistic
from hpdgenomics.stats.proportions import SMALL_GROUP, ProportionResult, proportion_with_wilson
from hpdgenomics.stats.survival import (
    CoxResult,
    KaplanMeierResult,
    LogRankResult,
    cox_ph,
    kaplan_meier,
    logrank,
)

#: Columns of ``AssociationResult.row()``, in order. ``rule_id`` and ``fisher_q`` are left for the
#: caller (q-values need the whole family of tests: use :func:`bh_qvalues`).
ROW_COLUMNS = (
    "rule_id", "n_altered", "n_unaltered", "n_not_evaluable",
    "early_failure_altered", "early_failure_unaltered",
    "early_failure_evaluable_altered", "early_failure_evaluable_unaltered",
    "odds_ratio", "or_ci_low", "or_ci_high", "fisher_p", "fisher_q",
    "firth_or", "firth_ci_low", "firth_ci_high", "firth_p",
    "hazard_ratio", "hr_ci_low", "hr_ci_high", "cox_p", "logrank_p",
    "median_ttf_altered", "median_ttf_altered_ci_low", "median_ttf_altered_ci_high",
    "median_ttf_unaltered", "median_ttf_unaltered_ci_low", "median_ttf_unaltered_ci_high",
    "covariates", "strata", "warnings",
)


@dataclass
class AssociationResult(StatResult):
    """All statistics for one exposure; a component is ``None`` when its outcome was not given."""

    exposure: str
    covariates: list[str]
    strata: list[str]
    n_altered: int
    n_unaltered: int
    n_not_evaluable: int
    early_failure_altered: ProportionResult | None = None
    early_failure_unaltered: ProportionResult | None = None
    fisher: FisherResult | None = None
    firth: FirthResult | None = None
    km_altered: KaplanMeierResult | None = None
    km_unaltered: KaplanMeierResult | None = None
    logrank: LogRankResult | None = None
    cox: CoxResult | None = None
    method: str = "see each component's method"
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def components(self) -> dict[str, StatResult]:
        """Computed components by short name (the prefix used in :meth:`all_warnings`)."""
        named = {"early_failure_altered": self.early_failure_altered,
                 "early_failure_unaltered": self.early_failure_unaltered,
                 "fisher": self.fisher, "firth": self.firth, "km_altered": self.km_altered,
                 "km_unaltered": self.km_unaltered, "logrank": self.logrank, "cox": self.cox}
        return {name: component for name, component in named.items() if component is not None}

    def all_warnings(self) -> list[str]:
        """This result's warnings, then each component's prefixed with its name.

        Components repeat the small-group caution for their own number; it is stated once here.
        """
        collected = list(self.warnings)
        for name, component in self.components().items():
            collected += [f"{name}: {text}" for text in component.warnings
                          if not text.startswith("only ")]
        return list(dict.fromkeys(collected))

    def row(self) -> dict[str, Any]:
        """Flat record with the :data:`ROW_COLUMNS`; NaN where a statistic was not computed."""
        def value(component: object, attribute: str) -> Any:
            return getattr(component, attribute) if component is not None else math.nan

        return {
            "rule_id": None,
            "n_altered": self.n_altered,
            "n_unaltered": self.n_unaltered,
            "n_not_evaluable": self.n_not_evaluable,
            "early_failure_altered": value(self.early_failure_altered, "k"),
            "early_failure_unaltered": value(self.early_failure_unaltered, "k"),
            "early_failure_evaluable_altered": value(self.early_failure_altered, "n"),
            "early_failure_evaluable_unaltered": value(self.early_failure_unaltered, "n"),
            "odds_ratio": value(self.fisher, "odds_ratio"),
            "or_ci_low": value(self.fisher, "ci_low"),
            "or_ci_high": value(self.fisher, "ci_high"),
            "fisher_p": value(self.fisher, "p_value"),
            "fisher_q": math.nan,
            "firth_or": value(self.firth, "odds_ratio"),
            "firth_ci_low": value(self.firth, "ci_low"),
            "firth_ci_high": value(self.firth, "ci_high"),
            "firth_p": value(self.firth, "p_value"),
            "hazard_ratio": value(self.cox, "hazard_ratio"),
            "hr_ci_low": value(self.cox, "ci_low"),
            "hr_ci_high": value(self.cox, "ci_high"),
            "cox_p": value(self.cox, "p_value"),
            "logrank_p": value(self.logrank, "p_value"),
            "median_ttf_altered": value(self.km_altered, "median"),
            "median_ttf_altered_ci_low": value(self.km_altered, "median_ci_low"),
            "median_ttf_altered_ci_high": value(self.km_altered, "median_ci_high"),
            "median_ttf_unaltered": value(self.km_unaltered, "median"),
            "median_ttf_unaltered_ci_low": value(self.km_unaltered, "median_ci_low"),
            "median_ttf_unaltered_ci_high": value(self.km_unaltered, "median_ci_high"),
            "covariates": ",".join(self.covariates),
            "strata": ",".join(self.strata),
            "warnings": "; ".join(self.all_warnings()),
        }


def _check_binary(df: pd.DataFrame, column: str, role: str) -> pd.Series:
    problems = binary_problems(df[column], role)
    if problems:
        raise ClinicalDataError(f"{role} column {column!r} is not coded 1/0/missing",
                                problems=problems,
                                hint="code 1 = yes, 0 = no and give not-evaluable values as "
                                     "missing (NaN/None)")
    values = df[column]
    return values.astype(float) if values.dtype == bool else pd.to_numeric(values).astype(float)


def associate(df: pd.DataFrame, *, exposure: str, early_failure: str | None = None,
              duration: str | None = None, event: str | None = None,
              covariates: Iterable[str] = (), strata: Iterable[str] = (),
              alpha: float = 0.05, km_at_times: Iterable[float] = ()) -> AssociationResult:
    """Every statistic for the 0/1 ``exposure`` column (missing = not evaluable).

    Give ``early_failure`` for the binary analyses and/or ``duration`` with ``event`` for the
    time-to-event analyses. Raises :class:`UsageError` for absent columns or a duration without an
    event column (or the reverse), :class:`ClinicalDataError` for wrongly coded values; degenerate
    data never raise (NaN with warnings).
    """
    covariates, strata = list(covariates), list(strata)
    if (duration is None) != (event is None):
        raise UsageError("duration and event columns go together: got only "
                         f"{'duration' if event is None else 'event'}",
                         hint="pass both (time to treatment failure and 1/0 failure status) or "
                              "neither")
    if early_failure is None and duration is None:
        raise UsageError("no outcome given", hint="pass early_failure=, or duration= and event=")
    require_columns(df, [c for c in (exposure, early_failure, duration, event) if c is not None]
                    + covariates + strata)

    exposure_values = _check_binary(df, exposure, "exposure")
    evaluable = exposure_values.notna()
    altered = evaluable & (exposure_values == 1)
    unaltered = evaluable & (exposure_values == 0)
    result = AssociationResult(
        exposure=exposure, covariates=covariates, strata=strata, n_altered=int(altered.sum()),
        n_unaltered=int(unaltered.sum()), n_not_evaluable=int((~evaluable).sum()),
        assumptions=["altered is compared with profiled-and-unaltered patients; not-evaluable "
                     "patients (not profiled, or not assessable) are excluded from every "
                     "denominator",
                     "patients are independent (one tumour sample per patient)"],
    )
    for group, count in (("altered", result.n_altered), ("unaltered", result.n_unaltered)):
        if count == 0:
            result.warnings.append(f"no {group} patients: no comparison is possible")
        elif count < SMALL_GROUP:
            result.warnings.append(f"only {count} {group} patient(s): every estimate is very "
                                   "imprecise")
    if result.n_not_evaluable:
        result.warnings.append(f"{result.n_not_evaluable} patient(s) not evaluable for this "
                               "alteration were excluded")

    evaluable_frame = df.loc[evaluable].copy()
    evaluable_frame[exposure] = exposure_values[evaluable]

    if early_failure is not None:
        outcome = _check_binary(df, early_failure, "early-failure")[evaluable]
        evaluable_frame[early_failure] = outcome
        known = outcome.notna()
        events_altered = int((outcome[altered[evaluable] & known] == 1).sum())
        events_unaltered = int((outcome[unaltered[evaluable] & known] == 1).sum())
        n_altered = int((altered[evaluable] & known).sum())
        n_unaltered = int((unaltered[evaluable] & known).sum())
        missing = int((~known).sum())
        if missing:
            result.warnings.append(f"{missing} patient(s) not evaluable for early failure were "
                                   "excluded from the binary analyses")
        result.early_failure_altered = proportion_with_wilson(events_altered, n_altered, alpha)
        result.early_failure_unaltered = proportion_with_wilson(events_unaltered, n_unaltered,
                                                                alpha)
        result.fisher = fisher_test(events_altered, n_altered, events_unaltered, n_unaltered, alpha)
        result.firth = firth_logistic(evaluable_frame, early_failure, exposure, covariates, alpha)

    if duration is not None and event is not None:
        problems = duration_problems(df[duration]) + binary_problems(df[event], "event")
        if problems:
            raise ClinicalDataError("time-to-event columns a model cannot use", problems=problems)
        times = pd.to_numeric(evaluable_frame[duration])
        status = _check_binary(evaluable_frame, event, "event")
        is_altered = evaluable_frame[exposure] == 1
        km_at_times = list(km_at_times)
        result.km_altered = kaplan_meier(times[is_altered].to_numpy(),
                                         status[is_altered].to_numpy(), "altered",
                                         at_times=km_at_times, alpha=alpha)
        result.km_unaltered = kaplan_meier(times[~is_altered].to_numpy(),
                                           status[~is_altered].to_numpy(), "unaltered",
                                           at_times=km_at_times, alpha=alpha)
        result.logrank = logrank(times[is_altered].to_numpy(), status[is_altered].to_numpy(),
                                 times[~is_altered].to_numpy(), status[~is_altered].to_numpy())
        result.cox = cox_ph(evaluable_frame, duration, event, exposure, covariates, strata, alpha)
    return result
