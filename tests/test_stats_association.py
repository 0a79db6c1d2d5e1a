"""associate(): counts and denominators, the association.tsv row, degenerate cohorts, coding
errors."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.stats import ROW_COLUMNS, associate, fisher_test, proportion_with_wilson


@pytest.fixture
def cohort() -> pd.DataFrame:
    """12 altered, 30 unaltered, 3 not profiled; early failure missing for 2 patients."""
    rng = np.random.default_rng(11)
    altered = [1.0] * 12 + [0.0] * 30 + [np.nan] * 3
    early_failure = [1.0] * 8 + [0.0] * 3 + [np.nan] + [1.0] * 6 + [0.0] * 23 + [np.nan] + [1, 0, 1]
    ttf = np.r_[rng.exponential(2.0, 12), rng.exponential(6.0, 30), [1.0, 2.0, 3.0]]
    return pd.DataFrame({"altered": altered, "early_failure": early_failure, "ttf_months": ttf,
                         "failed": [1] * 40 + [0] * 5,
                         "tumour_type": (["lung", "melanoma", "bladder"] * 15)},
                        index=[f"P{i:02d}" for i in range(45)])


def test_counts_exclude_not_evaluable_from_every_denominator(cohort):
    result = associate(cohort, exposure="altered", early_failure="early_failure",
                       duration="ttf_months", event="failed")
    assert (result.n_altered, result.n_unaltered, result.n_not_evaluable) == (12, 30, 3)
    # early failure: 8 of 11 evaluable altered, 6 of 29 evaluable unaltered
    assert (result.early_failure_altered.k, result.early_failure_altered.n) == (8, 11)
    assert (result.early_failure_unaltered.k, result.early_failure_unaltered.n) == (6, 29)
    assert result.fisher.p_value == pytest.approx(fisher_test(8, 11, 6, 29).p_value, rel=1e-12)
    assert result.early_failure_altered.ci_low == pytest.approx(
        proportion_with_wilson(8, 11).ci_low)
    assert result.firth.n == 40
    assert result.km_altered.n == 12 and result.km_unaltered.n == 30
    assert result.cox.n == 42
    assert "3 patient(s) not evaluable for this alteration were excluded" in result.warnings
    assert any("2 patient(s) not evaluable for early failure" in w for w in result.warnings)


def test_row_has_the_association_tsv_columns_and_is_json_safe(cohort):
    result = associate(cohort, exposure="altered", early_failure="early_failure",
                       duration="ttf_months", event="failed", covariates=["tumour_type"])
    row = result.row()
    assert tuple(row) == ROW_COLUMNS
    assert row["rule_id"] is None and math.isnan(row["fisher_q"])
    assert row["odds_ratio"] == result.fisher.odds_ratio
    assert row["firth_or"] == result.firth.odds_ratio
    assert row["hazard_ratio"] == result.cox.hazard_ratio
    assert row["median_ttf_altered"] == result.km_altered.median
    assert row["covariates"] == "tumour_type"
    # the faster-failing altered group (simulated mean 2 vs 6 months) has a hazard ratio above 1
    assert row["hazard_ratio"] > 1
    json.dumps(result.to_dict(), allow_nan=False)


def test_only_binary_outcome(cohort):
    result = associate(cohort, exposure="altered", early_failure="early_failure")
    assert result.cox is None and result.km_altered is None
    row = result.row()
    assert math.isnan(row["hazard_ratio"]) and math.isnan(row["median_ttf_altered"])
    assert not math.isnan(row["fisher_p"])


def test_kato_like_all_altered_fail_early():
    # 6 of 6 altered fail early: Fisher OR infinite, Firth finite, warnings name both
    cohort = pd.DataFrame({"altered": [1] * 6 + [0] * 149,
                           "early_failure": [1] * 6 + [1] * 20 + [0] * 129})
    row = associate(cohort, exposure="altered", early_failure="early_failure").row()
    assert math.isinf(row["odds_ratio"])
    assert math.isfinite(row["firth_or"]) and row["firth_or"] > 10
    assert "fisher: zero cell" in row["warnings"] and "firth: separation" in row["warnings"]


@pytest.mark.parametrize("altered, early_failure, failed, expected", [
    ([0] * 10, [1, 0] * 5, [1] * 10, "no altered patients: no comparison is possible"),
    ([1] * 3 + [0] * 7, [1] * 10, [1] * 10, "fisher: every patient had early failure"),
    ([1] * 3 + [0] * 7, [0] * 10, [0] * 10, "cox: no events: Cox model not fitted"),
    ([np.nan] * 10, [1, 0] * 5, [1] * 10, "no unaltered patients"),
])
def test_degenerate_cohorts_never_raise(altered, early_failure, failed, expected):
    cohort = pd.DataFrame({"altered": altered, "early_failure": early_failure,
                           "ttf": np.arange(1.0, 11.0), "failed": failed})
    result = associate(cohort, exposure="altered", early_failure="early_failure",
                       duration="ttf", event="failed")
    row = result.row()
    assert expected in row["warnings"], row["warnings"]
    assert tuple(row) == ROW_COLUMNS
    json.dumps(result.to_dict(), allow_nan=False)


def test_small_group_caution_is_stated_once(cohort):
    small = cohort.copy()
    small.loc[small.index[3:12], "altered"] = np.nan
    warnings = associate(small, exposure="altered", early_failure="early_failure",
                         duration="ttf_months", event="failed").all_warnings()
    assert warnings.count("only 3 altered patient(s): every estimate is very imprecise") == 1
    assert not any(": only " in w for w in warnings)


def test_input_errors_name_the_problem(cohort):
    bad = cohort.copy()
    bad["altered"] = bad["altered"].astype(object)
    bad.loc["P04", "altered"] = "amp"
    with pytest.raises(ClinicalDataError, match=r"row 'P04': exposure column 'altered' is 'amp'"):
        associate(bad, exposure="altered", early_failure="early_failure")
    with pytest.raises(UsageError, match="duration and event columns go together"):
        associate(cohort, exposure="altered", duration="ttf_months")
    with pytest.raises(UsageError, match="no outcome given"):
        associate(cohort, exposure="altered")
    with pytest.raises(UsageError, match=r"column\(s\) 'os_months' not in the patient table"):
        associate(cohort, exposure="altered", duration="os_months", event="failed")
