"""Growth formulas against hand-computed values.

TGR: Ferté C et al., Clin Cancer Res 2014 (public code chferte/TumorGrowthRate):
TGR = 100 (exp(3 ln(D_t/D_0) / t) - 1), t in months. Since exp(3 ln r / t) = r ** (3 / t), the
expected values below were worked out by hand in that power form, not with the code's exp/log.
TGK: Saâda-Bouzid E et al., Ann Oncol 2017;28:1605-11: (D_t - D_0) / t in mm per month.
"""
from __future__ import annotations

import pytest

from hpdgenomics.hpd.growth import (
    DAYS_PER_MONTH,
    Quantity,
    difference,
    growth_ratio,
    months_between,
    percent_change,
    tumour_growth_kinetics,
    tumour_growth_rate,
)


def test_month_is_a_quarter_of_a_julian_year_over_twelve():
    assert DAYS_PER_MONTH == 365.25 / 12
    assert months_between(-60.875, 0) == pytest.approx(2.0)


def test_tgr_doubling_diameter_in_three_months_is_100_percent_per_month():
    # diameter x2 in 3 months = volume x8 in 3 months = volume x2 per month: TGR = 100
    assert tumour_growth_rate(40, 80, 3.0).value == pytest.approx(100.0)


def test_tgr_hand_computed_value():
    # D0 = 50, Dt = 75, t = 2 months: 1.5 ** 1.5 = 1.837117 -> TGR = 83.7117 % per month
    assert tumour_growth_rate(50, 75, 2.0).value == pytest.approx(83.7117, abs=1e-4)


def test_tgr_of_shrinking_tumour_is_negative():
    # D0 = 60, Dt = 45, t = 1.5 months: 0.75 ** 2 = 0.5625 -> TGR = -43.75
    assert tumour_growth_rate(60, 45, 1.5).value == pytest.approx(-43.75)


def test_tgr_unchanged_tumour_is_zero():
    assert tumour_growth_rate(33, 33, 1.0).value == pytest.approx(0.0)


def test_tgr_complete_disappearance_is_minus_100():
    assert tumour_growth_rate(20, 0, 1.0).value == -100.0


def test_tgr_not_evaluable_when_start_burden_is_zero():
    result = tumour_growth_rate(0, 30, 2.0)
    assert result.value is None
    assert "0 mm" in result.reason


@pytest.mark.parametrize("months", [0.0, -1.0])
def test_tgr_and_tgk_not_evaluable_for_equal_or_reversed_dates(months):
    for function in (tumour_growth_rate, tumour_growth_kinetics):
        result = function(30, 40, months)
        assert result.value is None
        assert "t > 0" in result.reason


def test_tgk_is_change_of_sum_per_month():
    # +12 mm over 60.875 days = 2 months -> 6 mm per month
    assert tumour_growth_kinetics(30, 42, months_between(0, 60.875)).value == pytest.approx(6.0)
    assert tumour_growth_kinetics(0, 10, 2.0).value == pytest.approx(5.0)  # defined at D0 = 0
    assert tumour_growth_kinetics(50, 40, 2.5).value == pytest.approx(-4.0)


def test_percent_change():
    assert percent_change(40, 50).value == pytest.approx(25.0)
    assert percent_change(40, 30).value == pytest.approx(-25.0)
    assert percent_change(0, 10).value is None


def test_ratio_needs_a_growing_reference_period():
    assert growth_ratio(Quantity(30.0), Quantity(10.0), "r").value == pytest.approx(3.0)
    for reference in (0.0, -5.0):
        result = growth_ratio(Quantity(30.0), Quantity(reference), "TGR ratio")
        assert result.value is None
        assert "not meaningful" in result.reason


def test_difference_is_defined_whatever_the_signs():
    assert difference(Quantity(62.0), Quantity(-21.0), "ΔTGR").value == pytest.approx(83.0)
    missing = difference(Quantity(5.0), Quantity(None, "no pre-baseline"), "ΔTGR")
    assert missing.value is None and "no pre-baseline" in missing.reason
