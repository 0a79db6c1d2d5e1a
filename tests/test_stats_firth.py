"""Firth logistic regression: exact identity, hand-computed profile likelihood, large-sample check.

Independent checks used here (none restates the implementation):
* for one binary exposure with an intercept (saturated 2 x 2 model) the Firth estimates solve
  k_j + 1/2 = (n_j + 1) pi_j in each group, so the Firth odds ratio is the odds ratio of the table
  with 0.5 added to every cell (Firth 1993; Heinze & Schemper 2002);
* for that model the penalised log-likelihood has the closed form
  sum_j [k_j log pi_j + (n_j - k_j) log(1 - pi_j)] + 1/2 log(n_0 n_1 w_0 w_1),
  w_j = pi_j (1 - pi_j),
  which the tests profile with SciPy to get the likelihood-ratio p-value and the profile CI;
* on a large non-separated sample the penalty's effect is O(1/n), so Firth agrees with ordinary
  logistic regression (statsmodels Logit).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.optimize import brentq, minimize, minimize_scalar
from scipy.special import expit, log_expit
from scipy.stats import chi2

from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.stats import firth_logistic


def _table_frame(altered_events, altered_n, unaltered_events, unaltered_n) -> pd.DataFrame:
    altered = [1] * altered_n + [0] * unaltered_n
    early_failure = ([1] * altered_events + [0] * (altered_n - altered_events)
                     + [1] * unaltered_events + [0] * (unaltered_n - unaltered_events))
    return pd.DataFrame({"altered": altered, "early_failure": early_failure})


def _penalised_loglik(beta0, beta1, table):
    (k1, n1), (k0, n0) = table
    eta1, eta0 = beta0 + beta1, beta0
    # log pi = log_expit(eta), log(1 - pi) = log_expit(-eta): stable far into the tails
    loglik = (k1 * log_expit(eta1) + (n1 - k1) * log_expit(-eta1)
              + k0 * log_expit(eta0) + (n0 - k0) * log_expit(-eta0))
    log_weights = log_expit(eta1) + log_expit(-eta1) + log_expit(eta0) + log_expit(-eta0)
    return loglik + 0.5 * (math.log(n0 * n1) + log_weights)


def _profile(beta1, table):
    best = minimize_scalar(lambda b0: -_penalised_loglik(b0, beta1, table), bounds=(-30, 30),
                           method="bounded", options={"xatol": 1e-10})
    return -best.fun


@pytest.mark.parametrize("table", [(3, 4, 1, 4), (6, 6, 20, 149), (0, 5, 30, 60), (2, 9, 11, 40)])
def test_univariate_firth_equals_haldane_corrected_odds_ratio(table):
    a, altered_n, c, unaltered_n = table
    b, d = altered_n - a, unaltered_n - c
    result = firth_logistic(_table_frame(*table), "early_failure", "altered")
    haldane = (a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))
    assert result.odds_ratio == pytest.approx(haldane, rel=1e-5)
    assert result.converged
    assert result.n == altered_n + unaltered_n and result.n_exposed == altered_n


def test_profile_ci_and_lrt_match_hand_computed_penalised_likelihood():
    a, altered_n, c, unaltered_n = 6, 6, 20, 149
    table = ((a, altered_n), (c, unaltered_n))
    result = firth_logistic(_table_frame(a, altered_n, c, unaltered_n), "early_failure", "altered")
    beta_hat = math.log(result.odds_ratio)
    peak = _profile(beta_hat, table)
    critical = chi2.ppf(0.95, 1) / 2
    low = brentq(lambda b: peak - _profile(b, table) - critical, -5, beta_hat)
    high = brentq(lambda b: peak - _profile(b, table) - critical, beta_hat, 20)
    assert result.ci_method == "profile penalised likelihood"
    assert math.log(result.ci_low) == pytest.approx(low, abs=5e-4)
    assert math.log(result.ci_high) == pytest.approx(high, abs=5e-4)
    lrt_p = chi2.sf(2 * (peak - _profile(0.0, table)), 1)
    assert result.p_value == pytest.approx(lrt_p, rel=1e-4)


def test_separation_gives_finite_estimate_where_ordinary_ml_diverges():
    frame = _table_frame(6, 6, 20, 149)   # every altered patient failed early: quasi-separation
    ordinary = sm.Logit(frame["early_failure"], sm.add_constant(frame["altered"]))
    with pytest.warns(Warning):
        ordinary_fit = ordinary.fit(disp=0, maxiter=200)
    # ordinary ML walks off towards infinity (odds ratio far beyond anything estimable)
    assert ordinary_fit.params["altered"] > 15
    result = firth_logistic(frame, "early_failure", "altered")
    assert result.separation
    assert math.isfinite(result.odds_ratio) and math.isfinite(result.ci_high)
    assert result.ci_low > 1
    assert any(w.startswith("separation: ordinary maximum likelihood would give infinite")
               for w in result.warnings)


@pytest.mark.parametrize("table, direction, reading", [
    # every altered patient failed early: odds ratio towards infinity
    ((6, 6, 20, 149), "altered (odds ratio towards infinity)", "read it as 'large, imprecise'"),
    # no altered patient failed early while 40 of 149 unaltered did: towards zero
    ((0, 6, 40, 149), "altered (odds ratio towards zero)", "read it as 'close to 0, imprecise'"),
])
def test_separation_warning_says_which_way(table, direction, reading):
    result = firth_logistic(_table_frame(*table), "early_failure", "altered")
    assert result.separation
    warning = next(w for w in result.warnings if w.startswith("separation:"))
    assert direction in warning and reading in warning
    assert (result.odds_ratio > 1) == ("infinity" in direction)
    if "zero" in direction:
        assert "large" not in warning


def test_adjusted_firth_agrees_with_logit_on_large_sample():
    rng = np.random.default_rng(20240501)
    n = 4000
    patients = pd.DataFrame({
        "altered": rng.binomial(1, 0.3, n),
        "age": rng.normal(62, 10, n),
        "tumour_type": rng.choice(["lung", "melanoma", "bladder"], n),
    })
    linear = (-1.0 + 0.8 * patients["altered"] + 0.03 * (patients["age"] - 62)
              + 0.5 * (patients["tumour_type"] == "melanoma"))
    patients["early_failure"] = rng.binomial(1, expit(linear))
    result = firth_logistic(patients, "early_failure", "altered", covariates=["age", "tumour_type"])

    design = pd.get_dummies(patients[["altered", "age", "tumour_type"]], dtype=float,
                            drop_first=True)
    ordinary = sm.Logit(patients["early_failure"], sm.add_constant(design)).fit(disp=0)
    assert result.coefficient == pytest.approx(ordinary.params["altered"], rel=0.01)
    assert result.std_error == pytest.approx(ordinary.bse["altered"], rel=0.01)
    assert {t.term for t in result.terms} == {"altered", "age", "tumour_type=lung",
                                              "tumour_type=melanoma"}
    by_term = {t.term: t for t in result.terms}
    assert by_term["tumour_type=melanoma"].coefficient == pytest.approx(
        ordinary.params["tumour_type_melanoma"], rel=0.02)
    assert ("covariate 'tumour_type' coded as indicators with reference level 'bladder'"
            in result.warnings)
    assert result.ci_low < result.odds_ratio < result.ci_high


def test_missing_values_are_dropped_and_counted():
    frame = _table_frame(3, 6, 10, 40)
    frame["stage"] = 3.0
    frame.loc[[0, 7], "stage"] = np.nan
    frame.loc[frame.index[-1], "stage"] = 4.0
    result = firth_logistic(frame, "early_failure", "altered", covariates=["stage"])
    assert result.n == 44 and result.n_dropped_missing == 2
    assert any("2 of 46 patient(s) left out for a missing value in stage" in w
               for w in result.warnings)


@pytest.mark.parametrize("table, reason", [
    ((0, 6, 0, 40), "no patient has the outcome"),
    ((6, 6, 40, 40), "every patient has the outcome"),
    ((0, 0, 5, 40), "no patient is altered"),
])
def test_degenerate_data_gives_nan_with_reason(table, reason):
    result = firth_logistic(_table_frame(*table), "early_failure", "altered")
    assert math.isnan(result.odds_ratio) and math.isnan(result.p_value)
    assert any(reason in w for w in result.warnings), result.warnings
    assert result.to_dict()["odds_ratio"] is None


def test_constant_covariate_is_reported_not_raised():
    frame = _table_frame(3, 6, 10, 40)
    frame["site"] = 1.0
    result = firth_logistic(frame, "early_failure", "altered", covariates=["site"])
    assert math.isnan(result.odds_ratio)
    assert any("collinear" in w for w in result.warnings)


def test_bad_codes_and_absent_columns_are_reported():
    frame = _table_frame(3, 6, 10, 40)
    frame["altered"] = frame["altered"].astype(object)
    frame.loc[2, "altered"] = "yes"
    with pytest.raises(ClinicalDataError, match=r"row 2: exposure column 'altered' is 'yes', "
                                                r"expected 1, 0 or missing"):
        firth_logistic(frame, "early_failure", "altered")
    with pytest.raises(UsageError, match=r"column\(s\) 'smoking' not in the patient table"):
        firth_logistic(_table_frame(3, 6, 10, 40), "early_failure", "altered", ["smoking"])


# --- an adjusted model whose likelihood-ratio refit stalls ----------------------------------------

STALLING = Path(__file__).parent / "fixtures" / "stats" / "firth_adjusted_age_lrt_refit_stalls.tsv"


def _firth_penalised_loglik(beta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """l(beta) + 1/2 log det(X' W X), X with an intercept column (Firth 1993), written out."""
    eta = X @ beta
    loglik = float(np.sum(y * log_expit(eta) + (1 - y) * log_expit(-eta)))
    weights = np.exp(log_expit(eta) + log_expit(-eta))
    return loglik + 0.5 * np.linalg.slogdet(X.T @ (weights[:, None] * X))[1]


def _hand_lrt_p(X: np.ndarray, y: np.ndarray, term: int) -> float:
    full = minimize(lambda b: -_firth_penalised_loglik(b, X, y), np.zeros(X.shape[1]),
                    method="BFGS", options={"gtol": 1e-10})
    free = [i for i in range(X.shape[1]) if i != term]

    def constrained(b_free):
        beta = np.zeros(X.shape[1])
        beta[free] = b_free
        return -_firth_penalised_loglik(beta, X, y)

    null = minimize(constrained, np.zeros(len(free)), method="BFGS", options={"gtol": 1e-10})
    return float(chi2.sf(2 * (null.fun - full.fun), 1))


def test_adjusted_p_value_is_computed_when_the_warm_started_refit_stalls():
    """60 patients, early failure on altered + age. At the tight tolerances used here firthmodels'
    constrained refit for the exposure, started from the full estimate, stalls in step halving and
    left the p-value NaN (written as an empty cell). A cold-start refit gives it; checked against
    the penalised likelihood-ratio test written out by hand."""
    patients = pd.read_csv(STALLING, sep="\t", float_precision="round_trip")
    result = firth_logistic(patients, "early_failure", "altered", covariates=["age"])
    assert math.isfinite(result.p_value)
    assert not any("not computed" in w or "not estimable" in w for w in result.warnings)
    X = np.column_stack([np.ones(len(patients)), patients["altered"], patients["age"]])
    y = patients["early_failure"].to_numpy(dtype=float)
    assert result.p_value == pytest.approx(_hand_lrt_p(X, y, term=1), rel=1e-4)
    age_term = result.terms[1]
    assert age_term.p_value == pytest.approx(_hand_lrt_p(X, y, term=2), rel=1e-4)
