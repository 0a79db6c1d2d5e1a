"""Call boundaries, log2 -> copies conversion and thresholds from the knowledge base."""
from __future__ import annotations

import math

import pytest

from hpdgenomics.copynumber import (
    CopyNumberThresholds,
    call_from_copies,
    call_from_discrete,
    log2_to_copies,
    thresholds_from_knowledge,
)
from hpdgenomics.errors import InputError, KnowledgeError
from hpdgenomics.model import CopyNumberCall as C

T = CopyNumberThresholds()


@pytest.mark.parametrize("copies, ploidy, expected", [
    (0.0, 2, C.DEEP_DELETION),
    (0.49, 2, C.DEEP_DELETION),
    (0.5, 2, C.SHALLOW_LOSS),          # 0.5 is not below the deep-deletion cut
    (1.0, 2, C.SHALLOW_LOSS),          # one copy is a shallow loss, never a deep deletion
    (1.49, 2, C.SHALLOW_LOSS),
    (1.5, 2, C.SHALLOW_LOSS),          # half a copy below: a tie counts as the change...
    (1.51, 2, C.NEUTRAL),
    (2.49, 2, C.NEUTRAL),
    (2.5, 2, C.GAIN),                  # ...exactly as half a copy above does
    (2.6, 3.1, C.SHALLOW_LOSS),        # symmetric about a non-integer ploidy too
    (3.6, 3.1, C.GAIN),
    (3.59, 3.1, C.NEUTRAL),
    (5.99, 2, C.GAIN),
    (6.0, 2, C.AMPLIFICATION),         # absolute floor 6 and 2 x ploidy 4
    (4.0, 3.1, C.GAIN),                # arm-level gain in a near-triploid tumour
    (6.0, 3.1, C.GAIN),                # >= 6 but < 2 x 3.1: not an amplification
    (6.2, 3.1, C.AMPLIFICATION),
    (2.0, 3.1, C.SHALLOW_LOSS),        # two copies in a triploid genome
    (3.0, 3.1, C.NEUTRAL),
])
def test_call_from_copies_boundaries(copies, ploidy, expected):
    call, reason = call_from_copies(copies, ploidy, T)
    assert call is expected
    assert f"{copies:.2f}" in reason


def test_broad_amplification_level_is_a_gain_and_unknown_focality_is_not():
    assert call_from_copies(12.0, 2, T, focal=False)[0] is C.GAIN
    assert "broad" in call_from_copies(12.0, 2, T, focal=False)[1]
    assert call_from_copies(12.0, 2, T, focal=None)[0] is C.AMPLIFICATION


def test_met_override_lowers_the_amplification_floor_only_for_met():
    assert call_from_copies(5.0, 2, T.for_gene("MET"))[0] is C.AMPLIFICATION
    assert call_from_copies(5.0, 2, T.for_gene("EGFR"))[0] is C.GAIN
    assert call_from_copies(4.9, 2, T.for_gene("MET"))[0] is C.GAIN


@pytest.mark.parametrize("value, expected", [
    (2, C.AMPLIFICATION), (1, C.GAIN), (0, C.NEUTRAL), (-1, C.SHALLOW_LOSS),
    (-1.5, C.DEEP_DELETION), (-2, C.DEEP_DELETION), ("2", C.AMPLIFICATION)])
def test_call_from_discrete_follows_cbioportal(value, expected):
    assert call_from_discrete(value) is expected


@pytest.mark.parametrize("value", [3, -3, 0.5, "amp"])
def test_call_from_discrete_rejects_values_off_the_scale(value):
    with pytest.raises(InputError, match="discrete copy-number value"):
        call_from_discrete(value)


def test_log2_to_copies_pure_diploid():
    assert log2_to_copies(0.0) == pytest.approx(2.0)
    assert log2_to_copies(1.0) == pytest.approx(4.0)
    assert log2_to_copies(-1.0) == pytest.approx(1.0)
    assert log2_to_copies(-20.0) == pytest.approx(0.0, abs=1e-5)


def test_log2_to_copies_with_purity_follows_cnvkit_rescaling():
    # p = 0.5, diploid: CN = (2 * 2^log2 - 2 * 0.5) / 0.5; a one-copy loss shows as log2(1.5/2)
    observed = math.log2(1.5 / 2)
    assert log2_to_copies(observed, purity=0.5) == pytest.approx(1.0)
    # a total loss in half the cells
    assert log2_to_copies(math.log2(1 / 2), purity=0.5) == pytest.approx(0.0)


def test_log2_zero_maps_back_to_the_tumour_ploidy():
    assert log2_to_copies(0.0, purity=0.7, ploidy=3.1) == pytest.approx(3.1)


def test_log2_to_copies_rejects_impossible_purity():
    with pytest.raises(InputError, match="purity"):
        log2_to_copies(0.0, purity=1.5)


def test_thresholds_from_knowledge_reads_the_section_and_overrides():
    section = {"amplification": {"min_copies": 8.0, "min_ploidy_ratio": 2.5},
               "deep_deletion": {"max_copies": 0.3}, "focal_max_length": 5_000_000,
               "gene_overrides": {"MET": {"amplification": {"min_copies": 5.0}}}}
    t = thresholds_from_knowledge(section)
    assert t.amplification_min_copies == 8.0
    assert t.amplification_min_ploidy_ratio == 2.5
    assert t.deep_deletion_max_copies == 0.3
    assert t.focal_max_length == 5_000_000
    assert t.gain_min_copies_above_ploidy == 1.0          # default kept
    assert t.for_gene("MET").amplification_min_copies == 5.0
    assert t.for_gene("MDM2").amplification_min_copies == 8.0
    stamped = t.to_dict()
    assert stamped["amplification"] == {"min_copies": 8.0, "min_ploidy_ratio": 2.5}
    assert stamped["gene_overrides"] == {"MET": {"amplification": {"min_copies": 5.0}}}
    assert "<= 5 Mb" in stamped["rules"]["amplification"]


def test_thresholds_none_gives_documented_defaults():
    t = thresholds_from_knowledge(None)
    assert (t.amplification_min_copies, t.amplification_min_ploidy_ratio,
            t.deep_deletion_max_copies, t.focal_max_length) == (6.0, 2.0, 0.5, 10_000_000)
    assert t.for_gene("MET").amplification_min_copies == 5.0


def test_thresholds_typo_is_a_knowledge_error_naming_the_key():
    with pytest.raises(KnowledgeError, match=r"amplification\.min_copy"):
        thresholds_from_knowledge({"amplification": {"min_copy": 6}})
    with pytest.raises(KnowledgeError, match="expected a number"):
        thresholds_from_knowledge({"deep_deletion": {"max_copies": "half"}})


def test_thresholds_out_of_order_are_rejected():
    with pytest.raises(KnowledgeError, match="out of order"):
        thresholds_from_knowledge({"deep_deletion": {"max_copies": 7.0}})


def test_bundled_knowledge_thresholds_load():
    knowledge = pytest.importorskip("hpdgenomics.knowledge")
    if not hasattr(knowledge, "load_knowledge"):
        pytest.skip("knowledge loader not available")
    t = thresholds_from_knowledge(knowledge.load_knowledge().copy_number)
    assert t.amplification_min_copies == 6.0
    assert t.for_gene("MET").amplification_min_copies == 5.0


@pytest.mark.parametrize("ploidy", [1.7, 2.0, 2.3, 3.1, 4.0])
@pytest.mark.parametrize("distance", [0.2, 0.5, 0.8, 1.4])
def test_gain_and_loss_are_symmetric_about_the_ploidy(ploidy, distance):
    above, _ = call_from_copies(ploidy + distance, ploidy, T)
    below, _ = call_from_copies(ploidy - distance, ploidy, T)
    mirror = {C.GAIN: C.SHALLOW_LOSS, C.NEUTRAL: C.NEUTRAL}
    if ploidy - distance >= T.deep_deletion_max_copies and above in mirror:
        assert below is mirror[above]
