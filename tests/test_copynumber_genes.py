"""Gene-level copy-number calls on real caller outputs and on fixtures, one edge case each.

The expected calls are the ones a reviewer reads off the files (values quoted in comments), not
re-computations of the implementation.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from hpdgenomics.copynumber import (
    CopyNumberThresholds,
    call_genes,
    thresholds_from_knowledge,
)
from hpdgenomics.errors import InputError, UsageError
from hpdgenomics.io.cnv import read_copy_number
from hpdgenomics.knowledge import Panel
from hpdgenomics.model import CopyNumberCall as C
from hpdgenomics.model import PanelGene

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cnv"


@pytest.fixture(scope="module")
def knowledge():
    from hpdgenomics.knowledge import load_knowledge
    return load_knowledge()


@pytest.fixture(scope="module")
def thresholds(knowledge):
    return thresholds_from_knowledge(knowledge.copy_number)


def calls_for(path, knowledge, thresholds, build="GRCh37", read=None, **options):
    data = read_copy_number(path, **(read or {}))
    calls = call_genes(data, knowledge.panel(build), thresholds, **options)
    return {c.gene: c for c in calls}, data


def call_map(calls):
    return {gene: (c.call.value if c.call else None) for gene, c in calls.items()}


# --- real outputs -----------------------------------------------------------------------------

def test_hcc2218_cnvkit_and_facets_agree_on_the_clear_events(knowledge, thresholds, shared_data):
    cnvkit, _ = calls_for(shared_data / "cnv" / "HCC2218_cnvkit-call.cns", knowledge, thresholds)
    facets, _ = calls_for(shared_data / "cnv" / "HCC2218_facets_cncf.tsv", knowledge, thresholds)
    # CNVkit cn / FACETS tcn.em: STK11 1 copy (19p), VHL 1 copy (3p), MET 3, MDM4 3, AKT1 3
    for calls in (cnvkit, facets):
        assert calls["STK11"].call is C.SHALLOW_LOSS and calls["STK11"].copy_number == 1
        assert calls["VHL"].call is C.SHALLOW_LOSS
        assert calls["MET"].call is C.GAIN and calls["MDM4"].call is C.GAIN
        assert calls["AKT1"].call is C.GAIN
        assert calls["MDM2"].call is C.NEUTRAL and calls["EGFR"].call is C.NEUTRAL
        assert calls["STK11"].loh is True          # one copy left: heterozygosity lost
        assert not any(c.call in (C.AMPLIFICATION, C.DEEP_DELETION) for c in calls.values())
    # the callers differ on DNMT3A (CNVkit cn 2, FACETS tcn 1): each file is reported as it says
    assert cnvkit["DNMT3A"].call is C.NEUTRAL and facets["DNMT3A"].call is C.SHALLOW_LOSS
    assert "absolute copies from CNVkit" in cnvkit["STK11"].basis


def test_purple_colo829_near_triploid_gains_are_not_amplifications(knowledge, thresholds,
                                                                   shared_data):
    calls, data = calls_for(shared_data / "cnv" / "tumor_sample.purple.cnv.somatic.tsv", knowledge,
                            thresholds)
    # ploidy 3.1 from the purity file; EGFR 3.96, MET 4.03, MDM4 3.93 copies: gains only
    assert call_map(calls) == {
        "AKT1": "neutral", "CCND1": "neutral", "DNMT3A": "neutral", "EGFR": "gain",
        "FGF19": "neutral", "FGF3": "neutral", "FGF4": "neutral", "KRAS": "neutral",
        "MDM2": "neutral", "MDM4": "gain", "MET": "gain", "STK11": "neutral", "TSC2": "neutral",
        "VHL": "shallow_loss"}
    assert calls["EGFR"].copy_number == pytest.approx(3.961)
    assert "ploidy 3.10" in calls["EGFR"].reason and "6.20" in calls["EGFR"].reason
    assert calls["CCND1"].loh is True              # minor allele copy number 0 on 11q
    assert calls["VHL"].loh is True and calls["VHL"].copy_number == pytest.approx(2.009)
    assert not any("ploidy unknown" in w for w in data.warnings)


def test_amplicon_cns_met_focal_amplification_and_stk11_deep_deletion(knowledge, thresholds,
                                                                      shared_data):
    calls, data = calls_for(shared_data / "cnv" / "amplicon.cns", knowledge, thresholds)
    met = calls["MET"]
    # log2 2.96 and 3.81 over 7 + 19 probes, a 100 kb event
    assert met.call is C.AMPLIFICATION and met.focal is True and met.n_segments == 2
    assert met.segment_length < 200_000
    stk11 = calls["STK11"]
    # log2 -4.28 over exons of STK11 (19:1206834-1221993): homozygous loss of part of the gene
    assert stk11.call is C.DEEP_DELETION and stk11.cn_min < 0.5
    assert "in part of the gene" in stk11.reason
    assert any("covered" in w for w in stk11.warnings)
    assert calls["KRAS"].call is C.NEUTRAL
    # genes the amplicon panel did not target are not evaluable, with the reason
    assert calls["VHL"].call is None and "no segment overlaps VHL" in calls["VHL"].reason
    assert calls["CCND1"].call is None
    assert any("p = 1" in w or "pure tumour" in w for w in data.warnings)
    assert "CN = (R*2^log2 - 2(1-p))/p" in met.basis


def test_regression_cns_losses_need_purity_to_be_called(knowledge, thresholds, shared_data):
    path = shared_data / "cnv" / "regression_p2-9_2.cns"
    pure, _ = calls_for(path, knowledge, thresholds)
    impure, _ = calls_for(path, knowledge, thresholds, purity=0.5)
    # VHL log2 -0.37: 1.55 copies if pure (rounds to 2), 1.09 copies at 50 % purity
    assert pure["VHL"].call is C.NEUTRAL
    assert impure["VHL"].call is C.SHALLOW_LOSS
    assert "p = 0.5 (--purity)" in impure["VHL"].basis
    called, _ = calls_for(shared_data / "cnv" / "regression_p2-9_2.call.cns", knowledge, thresholds)
    assert called["VHL"].call is C.SHALLOW_LOSS and called["TSC2"].call is C.SHALLOW_LOSS
    assert all(c.call is not None for c in called.values())


def test_cnvkit_bin_level_cnr_gives_the_same_major_calls(knowledge, thresholds, shared_data):
    calls, _ = calls_for(shared_data / "cnv" / "amplicon.cnr", knowledge, thresholds)
    assert calls["MET"].call is C.AMPLIFICATION
    assert calls["STK11"].call is C.DEEP_DELETION


def test_pcgr_grch38_allele_specific_calls(knowledge, thresholds, shared_data):
    calls, _ = calls_for(shared_data / "cnv" / "pcgr_T001-BRCA.grch38.cna.tsv", knowledge,
                         thresholds,
                         build="GRCh38")
    # nMajor/nMinor over the genes: TSC2 1/0, DNMT3A 1/0, MET 2/1, AKT1 2/1, MDM2 1/1, EGFR 1/1
    assert calls["TSC2"].call is C.SHALLOW_LOSS and calls["TSC2"].loh is True
    assert calls["DNMT3A"].call is C.SHALLOW_LOSS
    assert calls["MET"].call is C.GAIN and calls["AKT1"].call is C.GAIN
    assert calls["MDM2"].call is C.NEUTRAL and calls["EGFR"].call is C.NEUTRAL


def test_gatk_chromosome_20_only_leaves_panel_genes_not_evaluable(knowledge, thresholds,
                                                                  shared_data):
    for name in ("single-sample-cr-ac-nac.cr.seg", "single-sample-cr-ac-nac.modelFinal.seg"):
        calls, _ = calls_for(shared_data / "cnv" / name, knowledge, thresholds)
        assert all(c.call is None for c in calls.values())
        assert calls["MDM2"].reason == "chromosome 12 is not in the copy-number file"


def test_gatk_file_on_grch37_refuses_a_grch38_screen(knowledge, thresholds, shared_data):
    data = read_copy_number(shared_data / "cnv" / "single-sample-cr-ac-nac.cr.seg")
    with pytest.raises(UsageError, match="mixed builds or wrong --build"):
        call_genes(data, knowledge.panel("GRCh38"), thresholds)


def test_gatk_test_contig_named_chr_is_harmless(knowledge, thresholds, shared_data):
    calls, _ = calls_for(shared_data / "cnv" / "call-copy-ratio-segments-segments.seg", knowledge,
                         thresholds)
    assert all(c.call is None for c in calls.values())


def test_tcga_laml_seg_is_copy_neutral_over_the_panel(knowledge, thresholds, shared_data):
    calls, _ = calls_for(shared_data / "cnv" / "maftools_TCGA.AB.3009.hg19.seg.txt", knowledge,
                         thresholds)
    assert set(call_map(calls).values()) == {"neutral"}


def test_warning_seg_covers_no_panel_gene(knowledge, thresholds, shared_data):
    calls, data = calls_for(shared_data / "cnv" / "warning.seg", knowledge, thresholds)
    assert all(c.call is None for c in calls.values())
    assert calls["MDM4"].reason == "no segment overlaps MDM4 (1:204,485,511-204,542,871 (57.4 kb))"
    assert any("fits log10 ratios" in w for w in data.warnings)


def test_cbioportal_discrete_sample_has_no_panel_genes(knowledge, thresholds, shared_data):
    calls, _ = calls_for(shared_data / "cnv" / "cbioportal_data_cna_discrete.txt", knowledge,
                         thresholds,
                         read={"sample": "TCGA-A2-A04U-01"})
    assert all(c.call is None for c in calls.values())
    assert calls["MET"].reason == "MET is not in the copy-number file"


def test_gcnv_and_delly_vcfs_cover_no_panel_gene(knowledge, thresholds, shared_data):
    gcnv, _ = calls_for(shared_data / "vcf_sv_cnv" / "gatk_gcnv_segments_SAMPLE_000.vcf", knowledge,
                        thresholds)
    assert all(c.call is None for c in gcnv.values())
    delly, _ = calls_for(shared_data / "vcf_sv_cnv" / "vcf2maf_test_delly.vcf", knowledge,
                         thresholds,
                         read={"sample": "TUMOR"})
    assert all(c.call is None for c in delly.values())
    assert delly["EGFR"].reason == "chromosome 7 is not in the copy-number file"


# --- fixtures ---------------------------------------------------------------------------------

def test_focal_high_level_mdm2_gain_is_amplification(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "mdm2_focal_amplification.cns", knowledge, thresholds)
    mdm2 = calls["MDM2"]
    assert mdm2.call is C.AMPLIFICATION
    assert mdm2.copy_number == pytest.approx(2 * 2 ** 2.6, rel=1e-3)   # log2 2.6, pure diploid
    assert mdm2.focal is True and mdm2.segment_length == 1_100_000
    assert mdm2.segment == "12:68,500,001-69,600,000 (1.1 Mb)"
    assert calls["KRAS"].call is C.NEUTRAL


def test_broad_high_level_gain_is_gain_with_a_warning(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "mdm2_broad_high_level_gain.call.cns", knowledge, thresholds)
    mdm2 = calls["MDM2"]
    assert mdm2.call is C.GAIN and mdm2.copy_number == 8 and mdm2.focal is False
    assert any("broad event" in w and "not focal amplification" in w for w in mdm2.warnings)


def test_arm_level_gain_in_near_triploid_tumour_is_not_amplification(knowledge, thresholds):
    calls, data = calls_for(FIXTURES / "near_triploid_arm_gain.purple.cnv.somatic.tsv",
                            knowledge, thresholds)
    assert data.ploidy == pytest.approx(3.1) and data.purity == pytest.approx(0.8)
    assert calls["EGFR"].call is C.GAIN and calls["EGFR"].copy_number == pytest.approx(4.01)
    assert calls["MET"].call is C.NEUTRAL                       # 3.05 copies at ploidy 3.1


def test_ploidy_option_overrides_the_file(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "near_triploid_arm_gain.purple.cnv.somatic.tsv", knowledge,
                         thresholds, ploidy=2.0)
    assert calls["MET"].call is C.GAIN                          # 3.05 copies at ploidy 2


def test_gene_at_one_copy_is_shallow_loss_not_deep_deletion(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "stk11_one_copy.call.cns", knowledge, thresholds)
    assert calls["STK11"].call is C.SHALLOW_LOSS and calls["STK11"].copy_number == 1


def test_partial_homozygous_deletion_is_deep_deletion_on_the_minimum(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "stk11_partial_zero_copies.call.cns", knowledge, thresholds)
    stk11 = calls["STK11"]
    assert stk11.call is C.DEEP_DELETION and stk11.cn_min == 0 and stk11.cn_max == 1
    assert stk11.n_segments == 3 and stk11.copy_number == 0
    assert any("spans 3 segments" in w for w in stk11.warnings)


def test_met_override_five_copies(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "met_egfr_five_copies.call.cns", knowledge, thresholds)
    assert calls["MET"].call is C.AMPLIFICATION                 # MET: >= 5 copies
    assert calls["EGFR"].call is C.GAIN                         # others: >= 6 copies


def test_copy_neutral_loh_is_reported(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "stk11_copy_neutral_loh.tsv", knowledge, thresholds)
    assert calls["STK11"].call is C.NEUTRAL and calls["STK11"].loh is True
    assert calls["STK11"].minor_cn == 0
    assert calls["MDM2"].loh is False


def test_gene_over_two_segments_with_a_gap_is_flagged(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "mdm4_two_segments_with_gap.cns", knowledge, thresholds)
    mdm4 = calls["MDM4"]
    assert mdm4.n_segments == 2 and mdm4.cn_min == pytest.approx(1.0)
    assert mdm4.cn_max == pytest.approx(2.0)
    # MDM4 1:204485511-204542871; the segments leave 204500001-204510000 uncovered
    assert mdm4.fraction_covered == pytest.approx(1 - 10_000 / 57_361, abs=1e-4)
    assert any("spans 2 segments" in w for w in mdm4.warnings)
    assert any("% of the gene span is covered" in w for w in mdm4.warnings)


def test_segment_beyond_the_build_is_an_error_naming_the_line(knowledge, thresholds):
    data = read_copy_number(FIXTURES / "segment_beyond_grch37_chr7.cns")
    with pytest.raises(InputError, match=r"line 2.*beyond chromosome 7 of GRCh37.*mixed builds"):
        call_genes(data, knowledge.panel("GRCh37"), thresholds)
    calls = call_genes(data, knowledge.panel("GRCh38"), thresholds)
    assert {c.gene: c.call for c in calls}["EGFR"] is C.NEUTRAL


def test_discrete_conflicting_rows_are_not_called(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "discrete_conflicting_rows.txt", knowledge, thresholds)
    assert calls["MDM2"].call is None and "conflicting" in calls["MDM2"].reason
    assert calls["MET"].call is C.AMPLIFICATION              # two identical rows agree
    assert calls["EGFR"].call is C.GAIN
    assert calls["KRAS"].call is C.DEEP_DELETION             # -1.5 (OncoKB) is a deletion
    assert calls["STK11"].call is C.DEEP_DELETION
    assert calls["VHL"].call is None


def test_purple_gene_table_uses_the_minimum_and_flags_partial_amplification(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "gene_level.purple.cnv.gene.tsv", knowledge, thresholds)
    assert calls["MDM2"].call is C.AMPLIFICATION and calls["MDM2"].focal is None
    assert calls["MET"].call is C.NEUTRAL
    assert any("partial amplification" in w for w in calls["MET"].warnings)
    assert calls["STK11"].call is C.DEEP_DELETION


def test_sex_chromosome_genes_are_not_called_as_autosomes():
    panel = Panel("GRCh37", {
        "AR": PanelGene("AR", "GRCh37", "X", 66764465, 66950461, "+", "ENST00000374690"),
        "MDM2": PanelGene("MDM2", "GRCh37", "12", 69201956, 69239214, "+", "ENST00000258149")})
    data = read_copy_number(FIXTURES / "x_chromosome_one_copy.call.cns")
    thresholds = CopyNumberThresholds()
    unknown = {c.gene: c for c in call_genes(data, panel, thresholds)}
    assert unknown["AR"].call is None and "without the sample's sex" in unknown["AR"].reason
    assert unknown["MDM2"].call is C.NEUTRAL
    male = {c.gene: c for c in call_genes(data, panel, thresholds, sex="male")}
    assert male["AR"].call is C.NEUTRAL                        # one X copy expected in a male
    female = {c.gene: c for c in call_genes(data, panel, thresholds, sex="female")}
    assert female["AR"].call is C.SHALLOW_LOSS


def test_out_of_range_purity_is_a_usage_error(knowledge, thresholds):
    data = read_copy_number(FIXTURES / "mdm2_focal_amplification.cns")
    with pytest.raises(UsageError, match="--purity 1.4"):
        call_genes(data, knowledge.panel("GRCh37"), thresholds, purity=1.4)


def test_every_panel_gene_gets_one_result(knowledge, thresholds):
    calls, _ = calls_for(FIXTURES / "mdm2_focal_amplification.cns", knowledge, thresholds)
    assert sorted(calls) == knowledge.panel("GRCh37").symbols()
    assert all(c.caller == "CNVkit" for c in calls.values())
