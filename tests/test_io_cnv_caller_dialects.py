"""Copy-number files the readers were not built on, through ``hpdgenomics screen``.

Every file in tests/fixtures/cnv_caller_dialects is one caller's dialect holding one of two tumours
(GRCh38, ploidy 3.1, purity 0.7):

* ``mdm2amp_stk11x1_vhlx0``: 12q gained to 4 copies with a 600 kb MDM2 amplicon at 20 copies,
  19p (STK11) at 1 copy, a 300 kb homozygous deletion over VHL;
* ``arm12q_stk11x0``: 12q gained to 4 copies and nothing focal on 12, a 200 kb homozygous
  deletion over STK11.

log2 dialects hold log2((p*CN + 2(1-p)) / (p*P + 2(1-p))), so with --purity 0.7 --ploidy 3.1 the
copies come back exactly. A reviewer calls the first tumour MDM2 amplification, STK11 shallow
loss (one copy is not a deep deletion), VHL deep deletion; the second MDM2 gain (an arm-level gain
in a near-triploid tumour is not an amplification) and STK11 deep deletion.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.errors import InputError
from hpdgenomics.io.cnv import read_copy_number

FIXTURES = Path(__file__).parent / "fixtures" / "cnv_caller_dialects"
FOCAL, ARM = "mdm2amp_stk11x1_vhlx0", "arm12q_stk11x0"
LOG2 = ("--purity", "0.7", "--ploidy", "3.1")
ABSOLUTE = ("--ploidy", "3.1")

FOCAL_CALLS = {"MDM2": "amplification", "STK11": "shallow_loss", "VHL": "deep_deletion",
               "EGFR": "neutral", "MDM4": "neutral"}
ARM_CALLS = {"MDM2": "gain", "STK11": "deep_deletion", "VHL": "neutral", "EGFR": "neutral"}

# (file, options, expected reader)
SEGMENT_FILES = [
    ("cnvkit_{}.cns", LOG2, "cnvkit-cns"),
    ("cnvkit_call_baf_cn1_cn2_{}.call.cns", ABSOLUTE, "cnvkit-call-cns"),
    ("cnvkit_export_seg_numeric_x23_{}.seg", LOG2, "seg"),
    ("dnacopy_segments_p_quoted_trailing_pvalue_columns_{}.seg", LOG2, "seg"),
    ("dnacopy_write_table_row_names_{}.seg", LOG2, "seg"),
    ("seg_comma_separated_{}.csv", LOG2, "seg"),
    ("gdc_aliquot_sample_column_{}.seg.txt", LOG2, "seg"),
    ("gatk_modelfinal_full_grch38_sq_header_{}.modelFinal.seg", LOG2, "gatk-modelfinal-seg"),
    ("gatk_called_seg_call_column_{}.called.seg", LOG2, "gatk-called-seg"),
    ("gatk_gcnv_genotyped_segments_del_dup_alt_{}.vcf", ABSOLUTE, "vcf-copy-number"),
    ("dragen_cnv_contigs_before_format_{}.vcf", ABSOLUTE, "vcf-copy-number"),
    ("purple_v3_{}.purple.cnv.somatic.tsv", (), "purple-somatic"),
    ("purple_v2_ploidy_columns_{}.purple.cnv.somatic.tsv", (), "purple-somatic"),
    ("facets_cncf_chrom23_tcn_na_{}.cncf.tsv", ABSOLUTE, "facets-cncf"),
    ("facets_suite_cncf_id_loc_start_{}.cncf.txt", ABSOLUTE, "facets-cncf"),
    ("ascat_segments_{}.segments.txt", ABSOLUTE, "allele-specific"),
    ("ascat_segments_raw_naraw_{}.segments_raw.txt", ABSOLUTE, "allele-specific"),
    ("sequenza_segments_{}_segments.txt", ABSOLUTE, "sequenza-segments"),
]


def screen(tmp_path: Path, cnv: Path, *options: str, build: str = "GRCh38"):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["screen", "--cnv", str(cnv), "--build", build,
                                      "-o", str(out), *options])
    return result, out


def report(out: Path) -> dict:
    reports = list(out.glob("*.hpd.json"))
    assert len(reports) == 1
    return json.loads(reports[0].read_text())


def gene_calls(data: dict) -> dict[str, dict]:
    return {g["gene"]: g["copy_number"] for g in data["genes"] if g.get("copy_number")}


def rule_ids(data: dict) -> set[str]:
    return {a["rule_id"] for a in data["alterations"]}


@pytest.mark.parametrize(("pattern", "options", "reader"), SEGMENT_FILES,
                         ids=[p.split("_{}")[0] for p, _, _ in SEGMENT_FILES])
def test_focal_mdm2_amplification_is_flagged_one_copy_stk11_is_shallow(tmp_path, pattern,
                                                                        options, reader):
    result, out = screen(tmp_path, FIXTURES / pattern.format(FOCAL), *options)
    assert result.exit_code == 0, result.output
    data = report(out)
    assert data["inputs"][0]["format"] == reader
    calls = gene_calls(data)
    assert {g: calls[g]["call"] for g in FOCAL_CALLS} == FOCAL_CALLS
    assert calls["MDM2"]["focal"] is True
    assert calls["MDM2"]["copy_number"] == pytest.approx(20, abs=0.1)
    assert calls["STK11"]["copy_number"] == pytest.approx(1, abs=0.1)
    rules = rule_ids(data)
    assert {"MDM2_AMP", "VHL_LOSS"} <= rules
    assert "STK11_LOSS" not in rules and "MDM4_AMP" not in rules


@pytest.mark.parametrize(("pattern", "options", "reader"), SEGMENT_FILES,
                         ids=[p.split("_{}")[0] for p, _, _ in SEGMENT_FILES])
def test_arm_level_12q_gain_at_ploidy_3_1_is_not_amplification(tmp_path, pattern, options,
                                                               reader):
    result, out = screen(tmp_path, FIXTURES / pattern.format(ARM), *options)
    assert result.exit_code == 0, result.output
    data = report(out)
    assert data["inputs"][0]["format"] == reader
    calls = gene_calls(data)
    assert {g: calls[g]["call"] for g in ARM_CALLS} == ARM_CALLS
    assert calls["MDM2"]["copy_number"] == pytest.approx(4, abs=0.1)
    rules = rule_ids(data)
    assert "STK11_LOSS" in rules
    assert "MDM2_AMP" not in rules and "VHL_LOSS" not in rules


@pytest.mark.parametrize(("name", "sample"), [
    ("cbioportal_data_cna_wide_na_two_samples.txt", "TCGA-XX-0001-01"),
    ("cbioportal_data_log2_cna_one_sample.txt", None),
    ("gistic_all_thresholded_by_genes_two_samples.txt", "TUMOR-01"),
    ("purple_v3_gene_table_alt_transcripts.purple.cnv.gene.tsv", None),
])
def test_gene_level_files_give_the_same_calls(tmp_path, name, sample):
    result, out = screen(tmp_path, FIXTURES / name, *(("--sample", sample) if sample else ()))
    assert result.exit_code == 0, result.output
    data = report(out)
    calls = gene_calls(data)
    assert {g: calls[g]["call"] for g in ("MDM2", "STK11", "VHL", "EGFR")} == {
        "MDM2": "amplification", "STK11": "shallow_loss", "VHL": "deep_deletion",
        "EGFR": "neutral"}
    assert {"MDM2_AMP", "VHL_LOSS"} <= rule_ids(data)
    assert "STK11_LOSS" not in rule_ids(data)


def test_cbioportal_na_leaves_the_gene_not_evaluable_and_says_why(tmp_path):
    result, out = screen(tmp_path, FIXTURES / "cbioportal_data_cna_wide_na_two_samples.txt",
                         "--sample", "TCGA-XX-0001-01")
    assert result.exit_code == 0, result.output
    data = report(out)
    tsc2 = next(g for g in data["genes"] if g["gene"] == "TSC2")
    assert tsc2["copy_number_status"] == "not_evaluable"
    assert "TSC2 has no value in the copy-number file (NA" in tsc2["reason"]
    assert "TSC2_LOSS" not in rule_ids(data)


def test_gene_matrix_with_several_samples_needs_sample(tmp_path):
    result, _ = screen(tmp_path, FIXTURES / "gistic_all_thresholded_by_genes_two_samples.txt")
    assert result.exit_code == 2
    assert "multi-sample gene matrix (2 samples: TUMOR-01, TUMOR-02)" in result.output


def test_purple_gene_table_uses_canonical_transcript_rows():
    data = read_copy_number(FIXTURES / "purple_v3_gene_table_alt_transcripts.purple.cnv.gene.tsv")
    assert sorted(data.segments["gene"]) == ["EGFR", "MDM2", "STK11", "VHL"]
    assert any("4 non-canonical transcript row(s)" in w for w in data.warnings)
    assert (data.ploidy, data.sex) == (3.1, "male")


def test_purple_2x_allele_ploidy_columns_give_loh():
    data = read_copy_number(
        FIXTURES / f"purple_v2_ploidy_columns_{FOCAL}.purple.cnv.somatic.tsv")
    assert (data.purity, data.ploidy) == (0.7, 3.1)   # '#Purity' header of PURPLE 2.x
    assert data.segments["minor_cn"].notna().all()
    stk11_segment = data.segments[(data.segments["chrom"] == "19")
                                  & (data.segments["start"] == 60001)]
    assert stk11_segment["minor_cn"].tolist() == [0.0]


def test_dnacopy_segments_p_reads_seg_mean_not_the_last_column():
    data = read_copy_number(
        FIXTURES / f"dnacopy_segments_p_quoted_trailing_pvalue_columns_{FOCAL}.seg")
    assert data.records_rejected == 0
    assert data.segments["log2"].notna().all()
    assert any("segment mean read from column 'seg.mean'" in w and "ucl" in w
               for w in data.warnings)


def test_sequenza_purity_and_ploidy_come_from_the_chosen_solution(tmp_path):
    path = FIXTURES / f"sequenza_segments_{FOCAL}_segments.txt"
    data = read_copy_number(path)
    assert (data.purity, data.ploidy) == (0.7, 3.1)
    assert "alternative_solutions" in data.ploidy_source
    result, out = screen(tmp_path, path)          # no --ploidy: taken from Sequenza
    assert result.exit_code == 0, result.output
    assert gene_calls(report(out))["MDM2"]["call"] == "amplification"
    no_sibling = read_copy_number(FIXTURES / f"sequenza_segments_{ARM}_segments.txt")
    assert no_sibling.ploidy is None
    assert any("alternative_solutions.txt beside the file" in w for w in no_sibling.warnings)


def test_facets_suite_cncf_keeps_sample_and_rejects_na_rows():
    data = read_copy_number(FIXTURES / f"facets_suite_cncf_id_loc_start_{FOCAL}.cncf.txt")
    assert data.sample == "TUMOR__NORMAL" and data.format == "facets-cncf"
    cncf = read_copy_number(FIXTURES / f"facets_cncf_chrom23_tcn_na_{FOCAL}.cncf.tsv")
    assert cncf.records_rejected == 1
    assert "X" in set(cncf.segments["chrom"])


def test_seg_on_grch37_is_called_on_grch37_spans(tmp_path):
    path = FIXTURES / "seg_grch37_coordinates_mdm2_focal.seg"
    result, out = screen(tmp_path, path, build="GRCh37")
    assert result.exit_code == 0, result.output
    assert "MDM2_AMP" in rule_ids(report(out))
    # read as GRCh38 the 12q segment runs past the end of chromosome 12: a build error, not calls
    result, out = screen(tmp_path / "38", path, build="GRCh38")
    assert result.exit_code == 2
    assert "ends beyond chromosome 12 of GRCh38" in result.output
    assert "mixed builds or wrong --build" in result.output and not out.exists()


@pytest.mark.parametrize(("name", "expected"), [
    ("control_freec_no_header_mdm2amp_stk11x1_vhlx0.bam_CNVs", "looks like a Control-FREEC _CNVs"),
    ("manta_somatic_sv_no_cn_field.vcf", "a VCF without a CN field"),
    (f"sequenza_segments_{FOCAL}_alternative_solutions.txt", "header columns cellularity, ploidy"),
])
def test_unsupported_files_say_what_they_are_and_list_the_formats(tmp_path, name, expected):
    with pytest.raises(InputError) as caught:
        read_copy_number(FIXTURES / name)
    message = str(caught.value)
    assert expected in message
    assert "sequenza-segments = " in message and "purple-somatic = " in message
    result, out = screen(tmp_path, FIXTURES / name)
    assert result.exit_code == 2
    assert expected in result.output and not out.exists()


@pytest.mark.parametrize(("name", "first_base"), [
    (f"gatk_gcnv_genotyped_segments_del_dup_alt_{FOCAL}.vcf", 68_500_001),   # POS is the first base
    (f"dragen_cnv_contigs_before_format_{FOCAL}.vcf", 68_500_001),           # POS: padding base
])
def test_vcf_segment_starts_follow_each_callers_pos_convention(tmp_path, name, first_base):
    data = read_copy_number(FIXTURES / name)
    segments = data.segments
    amplicon = segments[(segments["chrom"] == "12") & (segments["copy_number"] == 20)]
    assert amplicon[["start", "end"]].values.tolist() == [[first_base, 69_100_000]]
