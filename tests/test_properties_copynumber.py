"""Property-based tests of the log2 ratio -> absolute copies conversion (CNVkit's purity rescaling,
:mod:`hpdgenomics.copynumber.conversion`) and of the single-value calls made from copies."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hpdgenomics.copynumber.conversion import (
    DEFAULT_PLOIDY,
    call_from_copies,
    log2_to_copies,
    reference_copies,
)
from hpdgenomics.errors import InputError
from hpdgenomics.model import CopyNumberCall

settings.register_profile("hpdgenomics-properties", derandomize=True, database=None,
                          deadline=None, max_examples=200, print_blob=False)
settings.load_profile("hpdgenomics-properties")

PURITY = st.floats(0.05, 1.0)
PLOIDY = st.floats(1.0, 6.0)
LOG2 = st.floats(-6.0, 5.0)
COPIES = st.floats(0.0, 40.0)


def copies_to_log2(copies: float, purity: float, ploidy: float) -> float:
    """The forward model, written from DOMAIN.md section 5 (not the library's code): a mixture of
    a fraction ``purity`` of tumour cells with ``copies`` and diploid normal cells, as a ratio to
    the mixture's mean copy number p*P + 2(1-p)."""
    mixture = purity * copies + 2.0 * (1.0 - purity)
    mean = purity * ploidy + 2.0 * (1.0 - purity)
    return math.log2(mixture / mean)


@given(COPIES, PURITY, PLOIDY)
def test_copies_round_trip_through_log2(copies, purity, ploidy):
    if copies == 0.0 and purity == 1.0:
        log2 = -math.inf                   # a pure sample with no copies has no signal at all
    else:
        log2 = copies_to_log2(copies, purity, ploidy)
    assert log2_to_copies(log2, purity, ploidy) == pytest.approx(copies, rel=1e-9, abs=1e-9)


@given(LOG2, PURITY, PLOIDY)
def test_log2_round_trips_through_copies_where_not_clipped(log2, purity, ploidy):
    copies = log2_to_copies(log2, purity, ploidy)
    assert copies >= 0.0
    if copies > 0:
        assert copies_to_log2(copies, purity, ploidy) == pytest.approx(log2, abs=1e-9)
    else:
        # clipped: the ratio is below what an impure sample with no tumour copies can show
        assert log2 <= copies_to_log2(0.0, purity, ploidy) + 1e-12


@given(PURITY, PLOIDY)
def test_a_ratio_of_one_is_the_ploidy(purity, ploidy):
    assert log2_to_copies(0.0, purity, ploidy) == pytest.approx(ploidy, rel=1e-12)
    assert log2_to_copies(0.0, purity) == pytest.approx(DEFAULT_PLOIDY, rel=1e-12)


@given(LOG2, LOG2, PURITY, PLOIDY)
def test_copies_never_fall_as_the_ratio_rises(a, b, purity, ploidy):
    low, high = sorted((a, b))
    assert log2_to_copies(low, purity, ploidy) <= log2_to_copies(high, purity, ploidy)


@given(LOG2, PURITY, PURITY, PLOIDY)
def test_lower_purity_makes_the_same_ratio_a_larger_change(log2, p1, p2, ploidy):
    """The same observed ratio in a less pure sample means a larger change in the tumour: copies
    move away from the ploidy (on the side the ratio says) as purity falls."""
    assume(abs(log2) > 1e-6)
    low_p, high_p = sorted((p1, p2))
    at_low = log2_to_copies(log2, low_p, ploidy)
    at_high = log2_to_copies(log2, high_p, ploidy)
    if log2 > 0:
        assert at_low >= at_high - 1e-9 and at_high > ploidy - 1e-9
    else:
        assert at_low <= at_high + 1e-9 and at_high < ploidy + 1e-9


@given(st.lists(LOG2, min_size=1, max_size=20), PURITY, PLOIDY)
def test_arrays_convert_element_by_element(values, purity, ploidy):
    converted = log2_to_copies(np.array(values), purity, ploidy)
    assert converted.shape == (len(values),)
    assert converted.tolist() == [log2_to_copies(v, purity, ploidy) for v in values]


@given(PURITY, PLOIDY)
def test_reference_copies_is_the_mixture_mean(purity, ploidy):
    assert reference_copies(purity, ploidy) == pytest.approx(
        purity * ploidy + 2.0 * (1.0 - purity))
    assert reference_copies(1.0, ploidy) == ploidy


@given(st.one_of(st.floats(max_value=0.0, allow_nan=False), st.floats(1.0, 1e6, exclude_min=True),
                 st.just(float("nan"))))
def test_purity_outside_0_1_is_refused(purity):
    with pytest.raises(InputError):
        log2_to_copies(0.5, purity, 2.0)


ORDER = [CopyNumberCall.DEEP_DELETION, CopyNumberCall.SHALLOW_LOSS, CopyNumberCall.NEUTRAL,
         CopyNumberCall.GAIN, CopyNumberCall.AMPLIFICATION]


@given(COPIES, COPIES, PLOIDY)
def test_calls_never_fall_as_copies_rise(a, b, ploidy):
    low, high = sorted((a, b))
    call_low, _ = call_from_copies(low, ploidy)
    call_high, _ = call_from_copies(high, ploidy)
    assert ORDER.index(call_low) <= ORDER.index(call_high)


@given(st.floats(1.5, 6.0))
def test_the_ploidy_itself_is_neutral(ploidy):
    assert call_from_copies(ploidy, ploidy)[0] is CopyNumberCall.NEUTRAL


@given(COPIES, PLOIDY)
def test_a_broad_event_is_never_called_amplification(copies, ploidy):
    call, _ = call_from_copies(copies, ploidy, focal=False)
    focal_call, _ = call_from_copies(copies, ploidy, focal=True)
    assert call is not CopyNumberCall.AMPLIFICATION
    assert call is (CopyNumberCall.GAIN if focal_call is CopyNumberCall.AMPLIFICATION
                    else focal_call)
