"""Kaplan-Meier, log-rank and Cox checked against R's values for the Freireich 6-MP trial.

Reference values (DOMAIN.md section 7, computed by R survival): log-rank chi-square 16.79 on 1 df,
p = 4.17e-05; Cox (Efron) placebo vs 6-MP coefficient 1.572, HR 4.817 (95 % CI 2.147-10.81);
Kaplan-Meier medians 23 weeks (6-MP) and 8 weeks (placebo). Tolerances are half a unit in the last
published digit.
"""
from __future__ import annotations

import math
import statistics
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.stats import cox_ph, kaplan_meier, logrank
from hpdgenomics.stats.survival import HALF_TOLERANCE, survival_quantile

# Freireich EJ et al., Blood 1963; Gehan EA, Biometrika 1965: remission weeks, "+" = censored
SIX_MP = "6+ 6 6 6 7 9+ 10+ 10 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"
PLACEBO = "1 1 2 2 3 4 4 5 5 8 8 8 8 11 11 12 12 15 17 22 23"


def _remission(weeks: str) -> tuple[np.ndarray, np.ndarray]:
    durations = [float(token.rstrip("+")) for token in weeks.split()]
    relapsed = [0 if token.endswith("+") else 1 for token in weeks.split()]
    return np.array(durations), np.array(relapsed)


@pytest.fixture
def freireich() -> pd.DataFrame:
    six_mp, placebo = _remission(SIX_MP), _remission(PLACEBO)
    return pd.DataFrame({"weeks": np.r_[six_mp[0], placebo[0]],
                         "relapse": np.r_[six_mp[1], placebo[1]],
                         "placebo": [0] * 21 + [1] * 21})


def test_kaplan_meier_medians_match_r():
    six_mp = kaplan_meier(*_remission(SIX_MP), label="6-MP")
    placebo = kaplan_meier(*_remission(PLACEBO), label="placebo")
    assert six_mp.median == 23 and placebo.median == 8
    assert (six_mp.n, six_mp.events, placebo.n, placebo.events) == (21, 9, 21, 21)
    # 6-MP: the upper band never drops below 0.5, so the median's upper limit is not reached
    assert six_mp.median_ci_low == 13 and not six_mp.median_ci_high_reached
    assert math.isnan(six_mp.median_ci_high)
    assert "upper confidence limit of the median not reached" in six_mp.warnings
    assert placebo.median_ci_low <= 8 <= placebo.median_ci_high


# --- the median where the curve sits at exactly 0.5 (R survfit's midpoint rule) -------------------

@pytest.mark.parametrize("n", range(1, 21))
def test_uncensored_median_is_the_textbook_sample_median(n):
    """Times 1..n, all failures: S = (n - k) / n after time k. For even n it is exactly 0.5 from n/2
    to n/2 + 1, and the rule gives the midpoint, which is the ordinary sample median (n + 1) / 2.
    Before the fix the median was n/2 for n = 2, 4, 10, 12, 16 and n/2 + 1 for 6, 8, 14, 18, 20,
    depending on how 5/6 * 4/5 * 3/4 ... rounded."""
    result = kaplan_meier(list(range(1, n + 1)), [1] * n, label="uncensored")
    assert result.median == statistics.median(range(1, n + 1)) == (n + 1) / 2
    assert result.median_reached


def _r_survfit_loglog_limits(n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """R ``quantile(survfit(Surv(1:n), conf.type="log-log"))`` limits of the median, by hand.

    Greenwood: V_k = sum over failures i <= k of 1 / (r_i (r_i - 1)) with r_i = n - i + 1 at risk,
    which telescopes to 1/(n - k) - 1/n. Band: S^exp(+/- z sqrt(V) / |log S|) while S > 0 (R gives
    NA where S = 0). A limit is the first time its band is below 0.5, or the midpoint of a flat
    exactly at 0.5; NaN if never. Survival is taken as exact fractions, so no rounding decides.
    """
    low = high = math.nan
    for k in range(1, n):                       # S(k) > 0 for k < n
        survival = Fraction(n - k, n)
        variance = 1 / (n - k) - 1 / n
        spread = z * math.sqrt(variance) / abs(math.log(survival))
        band_low = float(survival) ** math.exp(spread)
        band_high = float(survival) ** math.exp(-spread)
        if math.isnan(low) and band_low < 0.5:
            low = float(k)
        if math.isnan(high) and band_high < 0.5:
            high = float(k)
    return low, high


@pytest.mark.parametrize("n", range(2, 21, 2))
def test_median_confidence_limits_match_r_survfit_by_hand(n):
    result = kaplan_meier(list(range(1, n + 1)), [1] * n, label="uncensored")
    low, high = _r_survfit_loglog_limits(n)
    assert result.median_ci_low == low
    if math.isnan(high):
        # small n: the upper band is still above 0.5 when the last patient fails (R: NA)
        assert not result.median_ci_high_reached and math.isnan(result.median_ci_high)
        assert "upper confidence limit of the median not reached" in result.warnings
    else:
        assert result.median_ci_high == high and result.median_ci_high_reached
    assert result.median_ci_low <= result.median


def test_realistic_group_median_on_an_exact_half_is_the_midpoint():
    """Altered group of a cohort, TTF in months: after 0.8 months 3 of 6 have failed, S is exactly
    0.5 until the next failure at 1.7. The midpoint rule gives 1.25 (before: 1.7 by rounding)."""
    result = kaplan_meier([0.3, 0.5, 0.8, 1.7, 2.4, 3.1], [1, 1, 1, 1, 0, 0], label="altered")
    assert result.median == pytest.approx(1.25, abs=1e-12)


def test_curve_ending_at_exactly_half_uses_the_last_follow_up_and_warns():
    result = kaplan_meier([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 0], label="altered")
    assert result.median == 3.0            # (2 + last follow-up 4) / 2, as R survfit
    assert any(w.startswith("the curve ends at exactly 50 % (last follow-up 4)")
               for w in result.warnings)


def test_survival_quantile_rule():
    times = [0.0, 1.0, 2.0, 3.0, 4.0]
    # within the tolerance of 0.5 counts as 0.5, on either side
    for wobble in (0.0, 1e-12, -1e-12, HALF_TOLERANCE / 2, -HALF_TOLERANCE / 2):
        assert survival_quantile(times, [1.0, 0.75, 0.5 + wobble, 0.5 + wobble, 0.2], 4.0) == 3.0
    assert survival_quantile(times, [1.0, 0.75, 0.49, 0.3, 0.2], 4.0) == 2.0
    assert survival_quantile(times, [1.0, 0.75, 0.6, 0.6, 0.6], 4.0) != \
        survival_quantile(times, [1.0, 0.75, 0.6, 0.6, 0.4], 4.0)
    assert math.isnan(survival_quantile(times, [1.0, 0.75, 0.6, 0.6, 0.6], 4.0))
    # flat at 0.5 to the end: midpoint with the last follow-up time
    assert survival_quantile(times, [1.0, 0.75, 0.5, 0.5, 0.5], 9.0) == 5.5


def test_kaplan_meier_curve_and_numbers_at_risk_by_hand():
    result = kaplan_meier(*_remission(SIX_MP), label="6-MP", at_times=[0, 10, 20])
    # product-limit by hand: deaths at 6 (3 of 21 at risk), 7 (1 of 17), 10 (1 of 15)
    s_after_10 = (18 / 21) * (16 / 17) * (14 / 15)
    assert result.at_risk[1]["survival"] == pytest.approx(s_after_10, rel=1e-12)
    # at risk at t = patients with duration >= t: 21, 15 (10 and up), 8 (20 and up)
    assert [row["n_at_risk"] for row in result.at_risk] == [21, 15, 8]
    assert len(result.timeline) == len(result.survival) == len(result.survival_ci_low)
    assert all(low <= s <= high for low, s, high in
               zip(result.survival_ci_low, result.survival, result.survival_ci_high, strict=True))


def test_logrank_matches_r(freireich):
    result = logrank(*_remission(PLACEBO), *_remission(SIX_MP))
    assert result.test_statistic == pytest.approx(16.79, abs=0.005)
    assert result.p_value == pytest.approx(4.17e-05, abs=5e-08)
    assert result.degrees_of_freedom == 1
    assert (result.events_a, result.events_b) == (21, 9)


def test_cox_efron_matches_r(freireich):
    result = cox_ph(freireich, "weeks", "relapse", "placebo")
    assert result.ties == "efron"
    assert result.coefficient == pytest.approx(1.572, abs=5e-4)
    assert result.hazard_ratio == pytest.approx(4.817, abs=5e-4)
    assert result.ci_low == pytest.approx(2.147, abs=5e-4)
    assert result.ci_high == pytest.approx(10.81, abs=5e-3)
    # the hazards of these two arms are proportional; no PH warning expected
    assert not any("proportional-hazards" in w for w in result.warnings)
    assert 0 < result.ph_test_p_value <= 1


def test_stratified_cox_recovers_common_hazard_ratio():
    # exponential times, true HR 2 for altered, baseline hazards 10-fold apart between strata
    rng = np.random.default_rng(7)
    n = 3000
    cohort = pd.DataFrame({"altered": rng.binomial(1, 0.5, n),
                           "centre": rng.choice(["A", "B"], n)})
    rate = np.where(cohort["centre"] == "A", 0.1, 1.0) * np.where(cohort["altered"] == 1, 2.0, 1.0)
    cohort["ttf"] = rng.exponential(1 / rate)
    cohort["failed"] = 1
    stratified = cox_ph(cohort, "ttf", "failed", "altered", strata=["centre"])
    assert stratified.hazard_ratio == pytest.approx(2.0, rel=0.08)
    assert stratified.strata == ["centre"]
    assert any("baseline hazard differs freely between strata of centre" in a
               for a in stratified.assumptions)


def test_cox_with_covariate_reports_every_term(freireich):
    freireich["age"] = np.linspace(30, 70, len(freireich))
    result = cox_ph(freireich, "weeks", "relapse", "placebo", covariates=["age"])
    assert [term.term for term in result.terms] == ["placebo", "age"]
    assert result.hazard_ratio > 1


def test_non_proportional_hazards_produce_warning():
    # crossing hazards: altered fail early or survive long (Weibull shape 0.4), unaltered are
    # exponential
    quantiles = (np.arange(200) + 0.5) / 200
    altered_times = (-np.log1p(-quantiles)) ** (1 / 0.4) * 6
    unaltered_times = -np.log1p(-quantiles) * 6
    cohort = pd.DataFrame({"ttf": np.r_[altered_times, unaltered_times], "failed": 1,
                           "altered": [1] * 200 + [0] * 200})
    result = cox_ph(cohort, "ttf", "failed", "altered")
    assert result.ph_test_p_value < 0.05
    assert any(w.startswith("proportional-hazards assumption questionable for altered")
               for w in result.warnings)


def test_degenerate_survival_data_gives_nan_with_reason(freireich):
    no_events = freireich.assign(relapse=0)
    result = cox_ph(no_events, "weeks", "relapse", "placebo")
    assert math.isnan(result.hazard_ratio) and "no events: Cox model not fitted" in result.warnings
    none_altered_fail = freireich.assign(relapse=np.where(freireich["placebo"] == 1, 0,
                                                          freireich["relapse"]))
    result = cox_ph(none_altered_fail, "weeks", "relapse", "placebo")
    assert math.isnan(result.hazard_ratio)
    assert any("no events among altered patients" in w for w in result.warnings)
    empty = logrank([], [], *_remission(SIX_MP))
    assert math.isnan(empty.p_value) and "one group is empty" in empty.warnings[0]
    km = kaplan_meier([5, 8, 12], [0, 0, 0], label="altered", at_times=[6])
    assert not km.median_reached and math.isnan(km.median)
    assert any("no events in this group" in w for w in km.warnings)
    assert km.at_risk == [{"time": 6.0, "n_at_risk": 2, "survival": 1.0}]
    assert km.to_dict()["median"] is None
    partly_missing = kaplan_meier([2.0, None, 4.0, np.nan], [1, 1, None, 0], label="altered")
    assert partly_missing.n == 1
    assert "3 patient(s) without duration or event status left out" in partly_missing.warnings
    nothing = kaplan_meier([], [], label="altered")
    assert nothing.n == 0 and math.isnan(nothing.median)


@pytest.mark.parametrize("altered_times, altered_failed, expected", [
    # altered fail at 1-3; no unaltered failure (4-10) has an altered patient at risk:
    # HR -> infinity
    ([1.0, 2.0, 3.0], [1, 1, 1], "every unaltered failure happened while no altered patient was "
                                 "at risk: the Cox likelihood is monotone and the hazard ratio is "
                                 "infinite"),
    # altered followed to 8-10 without failing while unaltered fail: HR -> 0
    ([8.0, 9.0, 10.0], [0, 0, 0], "no events among altered patients: the Cox likelihood is "
                                  "monotone and the hazard ratio is 0"),
    # altered censored at 1-3 before any failure: no failure ever has both groups at risk
    ([1.0, 2.0, 3.0], [0, 0, 0], "no failure happened while both altered and unaltered patients "
                                 "were at risk"),
])
def test_monotone_cox_likelihood_is_not_reported(altered_times, altered_failed, expected):
    cohort = pd.DataFrame({"ttf": altered_times + list(np.arange(4.0, 11.0)),
                           "failed": altered_failed + [1] * 7, "altered": [1] * 3 + [0] * 7})
    result = cox_ph(cohort, "ttf", "failed", "altered")
    assert math.isnan(result.hazard_ratio) and math.isnan(result.p_value)
    assert any(w.startswith(expected) for w in result.warnings), result.warnings


def test_overlapping_groups_are_fitted_even_when_small():
    cohort = pd.DataFrame({"ttf": [1.0, 5.0, 9.0] + list(np.arange(2.0, 9.0)),
                           "failed": [1] * 10, "altered": [1] * 3 + [0] * 7})
    result = cox_ph(cohort, "ttf", "failed", "altered")
    assert math.isfinite(result.hazard_ratio)
    assert any(w.startswith("only 3 altered patient(s)") for w in result.warnings)


def test_bad_survival_input_is_reported_with_positions():
    with pytest.raises(ClinicalDataError,
                       match=r"patient #1: duration -3.0, expected a non-negative"):
        kaplan_meier([2.0, -3.0], [1, 1], label="altered")
    with pytest.raises(ClinicalDataError, match=r"patient #0: event 2, expected 1 \(failure\)"):
        kaplan_meier([2.0, 3.0], [2, 1], label="altered")
    with pytest.raises(UsageError, match="3 durations but 2 event indicators"):
        kaplan_meier([1, 2, 3], [1, 0], label="altered")


def test_a_warning_or_error_without_text_is_named_by_its_class():
    # a library warning or error with an empty message still gives a readable note (it used to
    # index the first line of nothing: IndexError, an internal error)
    from hpdgenomics.stats.survival import _first_line

    assert _first_line(ValueError("")) == "ValueError"
    assert _first_line(RuntimeWarning("step size\nsecond line")) == "step size"
