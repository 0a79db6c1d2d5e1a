"""Non-finite numbers around the statistics: rejected on the way in, named on the way out.

JSON has no NaN or infinity, so a statistic that comes out non-finite is written as ``null`` (an
empty cell in the TSV). That is right only when the result also says the number is not estimable;
these tests hold hostile inputs to that, with real fits (no mocks).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.stats import associate, cox_ph, firth_logistic, kaplan_meier


@pytest.fixture
def patients() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 40
    return pd.DataFrame({"altered": (rng.random(n) < 0.4).astype(int),
                         "early_failure": (rng.random(n) < 0.4).astype(int),
                         "ttf": rng.exponential(5, n).round(1) + 0.1,
                         "failed": (rng.random(n) < 0.7).astype(int),
                         "age": rng.normal(60, 10, n).round()})


@pytest.mark.parametrize("bad", [math.inf, -math.inf, "Inf"])
def test_infinite_covariate_is_an_input_error_naming_row_and_column(patients, bad):
    """Before: firthmodels raised ValueError ("Input X contains infinity"), a crash (exit 1)."""
    patients = patients.astype({"age": object})
    patients.loc[7, "age"] = bad
    for fit in (lambda: firth_logistic(patients, "early_failure", "altered", ["age"]),
                lambda: cox_ph(patients, "ttf", "failed", "altered", ["age"]),
                lambda: associate(patients, exposure="altered", early_failure="early_failure",
                                  duration="ttf", event="failed", covariates=["age"])):
        with pytest.raises(ClinicalDataError, match=r"(?i)row 7: covariate column 'age' is .*inf.*"
                                                     r"expected a finite number"):
            fit()


def test_missing_covariate_is_still_dropped_not_refused(patients):
    patients.loc[7, "age"] = np.nan
    result = firth_logistic(patients, "early_failure", "altered", ["age"])
    assert result.n == len(patients) - 1 and math.isfinite(result.odds_ratio)


@pytest.mark.parametrize("times", [[math.nan], [math.inf], [-1.0]])
def test_numbers_at_risk_times_must_be_finite_and_non_negative(times):
    """Before: NaN gave survival 0 and -1 gave NaN, silently."""
    with pytest.raises(UsageError, match="times for the numbers at risk must be finite and >= 0"):
        kaplan_meier([1.0, 2.0, 3.0], [1, 1, 0], label="altered", at_times=times)


def test_one_patient_median_limits_are_named_as_not_estimable():
    result = kaplan_meier([1.5], [1], label="altered")
    assert result.median == 1.5
    document = result.to_dict()
    assert document["median_ci_low"] is None and document["median_ci_high"] is None
    assert any(w.startswith("lower confidence limit of the median not estimable")
               for w in result.warnings)
    assert "upper confidence limit of the median not reached" in result.warnings
    json.dumps(document, allow_nan=False)


def test_firth_p_value_that_cannot_be_computed_is_named(patients):
    """Age in units of 1e5 years: the adjusted Firth fit does not converge and its likelihood-ratio
    p-value is NaN; the result says the p-value is not estimable rather than leaving a bare null."""
    scaled = patients.assign(age=patients["age"] * 1e-5)
    result = firth_logistic(scaled, "early_failure", "altered", ["age"])
    if math.isfinite(result.p_value):
        pytest.skip("this firthmodels version converges here")
    assert result.to_dict()["p_value"] is None
    assert any(w.startswith("p_value not estimable: the Firth fit gave a non-finite value")
               for w in result.warnings)
