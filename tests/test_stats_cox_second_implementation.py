"""Cox PH estimates checked against a second implementation, statsmodels ``PHReg(ties="efron")``.

Both maximise the same Efron partial likelihood, so at the maximum they agree to rounding: the test
asks for 1e-6 (absolute on coefficients and standard errors, relative on p-values) and for a score
(gradient) of practically zero at hpdgenomics' estimate. lifelines' default stopping rule left the
score at ~1e-4 here, and p-values ~1e-4 (relative) off.

Fixture ``cox_small_cohort_ties_covariates_strata.tsv``: 30 simulated patients, TTF in months
rounded to 0.1 (10 tied times), a 0/1 exposure, a numeric covariate (age), a text covariate (sex)
and a stratum (tumour site).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.hazard_regression import PHReg

from hpdgenomics.stats import cox_ph

FIXTURE = (Path(__file__).parent / "fixtures" / "stats"
           / "cox_small_cohort_ties_covariates_strata.tsv")


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return pd.read_csv(FIXTURE, sep="\t")


def _statsmodels_fit(cohort: pd.DataFrame, terms: list[str], strata: str | None):
    design = pd.DataFrame({"altered": cohort["altered"].astype(float),
                           "age": cohort["age"].astype(float),
                           "sex=M": (cohort["sex"] == "M").astype(float)})[terms]
    model = PHReg(cohort["ttf_months"], design, status=cohort["failed"], ties="efron",
                  strata=cohort[strata] if strata else None)
    fitted = model.fit(tol=1e-14, maxiter=200)
    return model, fitted


@pytest.mark.parametrize("covariates, strata", [
    ([], []),
    (["age"], []),
    (["age", "sex"], []),
    ([], ["site"]),
    (["age", "sex"], ["site"]),
])
def test_cox_matches_statsmodels_phreg_to_1e6(cohort, covariates, strata):
    result = cox_ph(cohort, "ttf_months", "failed", "altered", covariates=covariates, strata=strata)
    # hpdgenomics codes the text covariate sex as the indicator "sex=M" (reference level F)
    terms = ["altered", *[{"age": "age", "sex": "sex=M"}[name] for name in covariates]]
    model, reference = _statsmodels_fit(cohort, terms, strata[0] if strata else None)
    by_term = {term.term: term for term in result.terms}
    ours = pd.DataFrame([vars(by_term[name]) for name in terms])
    np.testing.assert_allclose(ours["coefficient"], reference.params, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours["std_error"], reference.bse, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours["p_value"], reference.pvalues, rtol=1e-6, atol=0)
    # the estimate is the maximum: the score of the partial likelihood vanishes there
    score = model.score(ours["coefficient"].to_numpy())
    assert np.abs(score).max() < 1e-7, score
    assert result.hazard_ratio == pytest.approx(np.exp(np.asarray(reference.params)[0]), rel=1e-6)
