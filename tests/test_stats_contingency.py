"""Fisher's exact test, conditional odds ratio and BH q-values: published and hand-computed
values."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from hpdgenomics.errors import UsageError
from hpdgenomics.stats import bh_qvalues, fisher_test


def test_fisher_matches_r_reference_table():
    # DOMAIN.md section 7, R fisher.test(matrix(c(3,1,1,3), 2)):
    # p 0.4857, OR 6.408309, CI 0.2117-621.9
    result = fisher_test(3, 4, 1, 4)
    assert result.p_value == pytest.approx(0.4857, abs=5e-5)
    assert result.odds_ratio == pytest.approx(6.408309, rel=1e-5)
    assert result.ci_low == pytest.approx(0.2117, abs=5e-5)
    # SciPy's upper limit differs from R's by under 1 % (R's root finder stops earlier)
    assert result.ci_high == pytest.approx(621.9, rel=0.01)
    assert result.table == [[3, 1], [1, 3]]
    assert "scipy" in result.method
    assert result.warnings == ["only 4 altered patient(s): the odds ratio is very imprecise"]


def _conditional_pmf(x_values, altered_n, events, total_n, psi=1.0):
    """Fisher's noncentral hypergeometric distribution of altered events given both margins."""
    weights = [math.comb(altered_n, x) * math.comb(total_n - altered_n, events - x) * psi ** x
               for x in x_values]
    return [w / sum(weights) for w in weights]


def test_fisher_kato_like_table_by_hypergeometric_sum():
    # Kato 2017 shape: all 6 amplified patients fail early; 20 of 149 others (illustrative count)
    altered_n, unaltered_n, unaltered_events = 6, 149, 20
    events, total_n = 6 + unaltered_events, altered_n + unaltered_n
    support = range(0, altered_n + 1)
    pmf = _conditional_pmf(support, altered_n, events, total_n)
    observed = pmf[6]
    # two-sided p as in R: every table no more probable than the observed one
    expected_p = sum(p for p in pmf if p <= observed * (1 + 1e-7))

    result = fisher_test(6, altered_n, unaltered_events, unaltered_n)

    assert result.p_value == pytest.approx(expected_p, rel=1e-9)
    assert observed == pytest.approx(math.comb(26, 6) / math.comb(155, 6), rel=1e-12)
    # zero cell: conditional MLE on the boundary; exact lower limit solves P(X >= 6; psi) = 0.025
    assert math.isinf(result.odds_ratio) and math.isinf(result.ci_high)
    lower = brentq(lambda psi: (_conditional_pmf(support, altered_n, events, total_n, psi)[6]
                                - 0.025),
                   1e-3, 1e4)
    assert result.ci_low == pytest.approx(lower, rel=1e-4)
    assert any("zero cell (altered without early failure)" in w for w in result.warnings)


@pytest.mark.parametrize("counts, reason", [
    ((0, 0, 20, 149), "no altered patients"),
    ((3, 5, 0, 0), "no unaltered patients"),
    ((0, 6, 0, 149), "no patient had early failure"),
    ((6, 6, 149, 149), "every patient had early failure"),
])
def test_fisher_degenerate_tables_give_nan_with_reason(counts, reason):
    result = fisher_test(*counts)
    assert math.isnan(result.p_value) and math.isnan(result.odds_ratio)
    assert math.isnan(result.ci_low) and math.isnan(result.ci_high)
    assert any(reason in w for w in result.warnings), result.warnings
    assert result.to_dict()["p_value"] is None


def test_fisher_rejects_impossible_counts_with_actionable_message():
    with pytest.raises(UsageError, match=r"altered: 7 patients with early failure among only 6"):
        fisher_test(7, 6, 1, 10)
    with pytest.raises(UsageError, match="non-negative whole number"):
        fisher_test(-1, 6, 1, 10)


def test_bh_qvalues_by_hand_and_nan_excluded_from_family():
    # sorted p 0.01, 0.03, 0.04, 0.2 with m = 4: p*m/rank = 0.04, 0.06, 0.0533, 0.2, then running
    # minimum from the largest rank down
    p = [0.01, 0.04, np.nan, 0.03, 0.2]
    q = bh_qvalues(p)
    expected = [0.04, 0.04 * 4 / 3, np.nan, 0.04 * 4 / 3, 0.2]
    np.testing.assert_allclose(q, expected, rtol=1e-12)
    assert np.isnan(q[2])


def test_bh_qvalues_edge_cases():
    assert bh_qvalues([]).shape == (0,)
    assert np.isnan(bh_qvalues([np.nan, np.nan])).all()
    with pytest.raises(UsageError, match=r"p-values must lie in \[0, 1\]; found #1=1.5"):
        bh_qvalues([0.1, 1.5])
