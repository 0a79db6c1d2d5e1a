"""Wilson score intervals checked against the closed-form formula (Wilson 1927)."""
from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from hpdgenomics.errors import UsageError
from hpdgenomics.stats import proportion_with_wilson


def _wilson_by_hand(k: int, n: int, alpha: float) -> tuple[float, float]:
    z = norm.ppf(1 - alpha / 2)
    centre = (k + z * z / 2) / (n + z * z)
    half_width = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    return centre - half_width, centre + half_width


@pytest.mark.parametrize("k, n, alpha", [(6, 6, 0.05), (0, 6, 0.05), (20, 149, 0.05), (3, 7, 0.1)])
def test_wilson_interval_matches_formula(k, n, alpha):
    result = proportion_with_wilson(k, n, alpha)
    low, high = _wilson_by_hand(k, n, alpha)
    assert result.proportion == pytest.approx(k / n)
    assert result.ci_low == pytest.approx(low, abs=1e-12)
    assert result.ci_high == pytest.approx(high, abs=1e-12)
    assert result.confidence_level == pytest.approx(1 - alpha)


def test_all_events_interval_is_not_degenerate():
    # the Wald interval would be [1, 1] here; Wilson's lower limit for 6/6 is about 0.61
    result = proportion_with_wilson(6, 6)
    assert 0.5 < result.ci_low < 0.7 and result.ci_high == pytest.approx(1.0)


def test_empty_group_gives_nan_with_warning_and_small_group_warns():
    empty = proportion_with_wilson(0, 0)
    assert math.isnan(empty.proportion) and math.isnan(empty.ci_low)
    assert empty.warnings == ["no patients in this group: proportion not estimable"]
    assert empty.to_dict()["proportion"] is None
    small = proportion_with_wilson(2, 3)
    assert any("only 3 patient(s)" in w for w in small.warnings)
    assert proportion_with_wilson(20, 149).warnings == []


def test_invalid_counts_raise_usage_error():
    with pytest.raises(UsageError, match=r"k \(events\) = 5 exceeds n \(patients\) = 4"):
        proportion_with_wilson(5, 4)
    with pytest.raises(UsageError, match="whole number"):
        proportion_with_wilson(1.5, 4)
    with pytest.raises(UsageError, match="alpha must lie strictly between 0 and 1"):
        proportion_with_wilson(1, 4, alpha=5)
