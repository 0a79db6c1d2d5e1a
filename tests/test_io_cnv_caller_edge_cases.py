"""Copy-number callers' less common outputs and SEG edge cases (ichorCNA, PURPLE, GATK, FACETS).

Fixtures are written by tests/fixtures/cnv_caller_edge_cases/make_fixtures.py. Unless a test says
otherwise the tumour is pure and diploid on GRCh38: MDM2 in a 600 kb amplicon at 20 copies,
STK11 at 1 copy, VHL at 0 copies, everything else 2 copies (log2 files: log2(CN/2), -5 for 0).
A reviewer calls MDM2 amplification, STK11 shallow loss, VHL deep deletion, EGFR neutral.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.copynumber import CopyNumberThresholds, call_genes
from hpdgenomics.errors import InputError
from hpdgenomics.io.cnv import read_copy_number
from hpdgenomics.knowledge.panel import Panel
from hpdgenomics.model import CopyNumberCall, PanelGene

FIXTURES = Path(__file__).parent / "fixtures" / "cnv_caller_edge_cases"
REVIEWER = {"MDM2": "amplification", "STK11": "shallow_loss", "VHL": "deep_deletion",
            "EGFR": "neutral"}


def screen(tmp_path: Path, cnv: Path, *options: str, build: str = "GRCh38"):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["screen", "--cnv", str(cnv), "--build", build,
                                      "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    reports = list(out.glob("*.hpd.json"))
    assert len(reports) == 1
    return json.loads(reports[0].read_text())


def calls(data: dict) -> dict[str, dict]:
    return {g["gene"]: g["copy_number"] for g in data["genes"] if g.get("copy_number")}


def call_of(data: dict, gene: str):
    return calls(data)[gene]["call"]


def all_text(data: dict) -> str:
    return json.dumps(data)


def panel(build: str = "GRCh38") -> Panel:
    from hpdgenomics.knowledge import load_knowledge
    return load_knowledge().panel(build)


# --- ichorCNA --------------------------------------------------------------------------------

def test_ichorcna_seg_txt_uses_corrected_copy_number_not_the_call_word(tmp_path):
    # before: read as a plain SEG whose last column (Corrected_Call, words) was the value, so
    # every row was rejected and no gene could be called
    data = screen(tmp_path, FIXTURES / "ichorcna_corrected_hlamp_capped.seg.txt")
    assert data["inputs"][0]["format"] == "ichorcna"
    got = calls(data)
    assert {g: got[g]["call"] for g in REVIEWER} == REVIEWER
    assert got["MDM2"]["copy_number"] == pytest.approx(20)   # not the HMM cap of 5


def test_ichorcna_params_give_ploidy_purity_and_sex():
    data = read_copy_number(FIXTURES / "ichorcna_corrected_hlamp_capped.seg.txt")
    assert (data.purity, data.ploidy, data.sex) == (0.9, 2.05, "female")
    assert "params.txt" in data.ploidy_source


def test_ichorcna_plain_seg_without_correction_warns_that_hlamp_is_capped(tmp_path):
    data = screen(tmp_path, FIXTURES / "ichorcna_plain_seg_capped_no_params.seg")
    assert data["inputs"][0]["format"] == "ichorcna"
    got = calls(data)
    # 5 copies (the cap) in a diploid tumour is a gain, never silently an amplification ...
    assert got["MDM2"]["call"] == "gain" and got["MDM2"]["copy_number"] == pytest.approx(5)
    # ... and the report says the true level may be higher
    assert "1 HLAMP segment(s) may hold more copies" in all_text(data)


# --- PURPLE ----------------------------------------------------------------------------------

def test_purple_germline_segments_with_the_somatic_header_are_refused():
    # before: read as tumour copy number (identical header), a germline call screened as somatic
    with pytest.raises(InputError, match="germline"):
        read_copy_number(FIXTURES / "tumor.purple.cnv.germline.tsv")


def test_purple_germline_deletion_table_is_named_in_the_error():
    with pytest.raises(InputError, match="PURPLE germline deletion table"):
        read_copy_number(FIXTURES / "tumor.purple.germline.deletion.tsv")


def test_purple_failed_fit_is_warned_and_sex_column_is_read():
    data = read_copy_number(FIXTURES / "purple_v4_no_tumor_sex_column.purple.cnv.somatic.tsv")
    assert data.format == "purple-somatic"
    assert data.purity == pytest.approx(0.08)
    assert data.sex == "male"                       # the column is "sex", not "gender"
    assert any("NO_TUMOR" in w for w in data.warnings)


def test_command_line_ploidy_and_sex_that_contradict_purple_are_said(tmp_path):
    data = screen(tmp_path, FIXTURES / "purple_v4_good_fit.purple.cnv.somatic.tsv",
                  "--ploidy", "2", "--sex", "female", "--purity", "0.3")
    text = all_text(data)
    assert "--ploidy 2 overrides the caller's ploidy 3.1" in text
    assert "--sex female contradicts the caller's male" in text
    assert "--purity 0.3 given; the file's caller estimated 0.7" in text
    # the documented precedence: the command line wins for the thresholds
    assert data["inputs"][0]["details"]["ploidy"] == 2


def test_male_x_at_one_copy_is_neutral_and_female_y_is_not_called():
    data = read_copy_number(FIXTURES / "purple_v4_good_fit.purple.cnv.somatic.tsv")
    genes = {"XGENE": PanelGene("XGENE", "GRCh38", "X", 70_000_000, 70_010_000, "+", "ENST0X"),
             "YGENE": PanelGene("YGENE", "GRCh38", "Y", 5_000_000, 5_010_000, "+", "ENST0Y")}
    # X at 1 copy against PURPLE's ploidy 3.1: a male sample expects 1.55 copies
    male = {g.gene: g for g in call_genes(data, Panel("GRCh38", genes), CopyNumberThresholds())}
    assert male["XGENE"].call is CopyNumberCall.NEUTRAL
    female = {g.gene: g for g in call_genes(data, Panel("GRCh38", genes), CopyNumberThresholds(),
                                            sex="female")}
    # the same X in a female sample (expects 3.1) is a loss
    assert female["XGENE"].call is CopyNumberCall.SHALLOW_LOSS
    assert female["YGENE"].call is None


# --- SEG edge cases --------------------------------------------------------------------------

def test_overlapping_segments_that_disagree_leave_the_gene_uncalled(tmp_path):
    # before: 20 and 2 copies were length-averaged into one value and called without a word
    data = screen(tmp_path, FIXTURES / "seg_overlapping_conflicting_mdm2.seg")
    genes = {g["gene"]: g for g in data["genes"]}
    mdm2 = genes["MDM2"]["copy_number"]
    assert mdm2["call"] is None
    assert "overlapping segments disagree" in mdm2["reason"]
    assert "overlap an earlier segment" in all_text(data)
    assert call_of(data, "VHL") == "deep_deletion"


def test_duplicated_rows_are_counted_once_with_a_warning(tmp_path):
    data = screen(tmp_path, FIXTURES / "seg_duplicated_every_row.seg")
    got = calls(data)
    assert {g: got[g]["call"] for g in REVIEWER} == REVIEWER
    assert got["MDM2"]["n_segments"] == 1
    assert "duplicated segment row(s)" in all_text(data)


def test_unsorted_segments_give_the_same_calls_and_event(tmp_path):
    sorted_ = calls(screen(tmp_path / "a", FIXTURES / "seg_duplicated_every_row.seg"))
    unsorted = calls(screen(tmp_path / "b", FIXTURES / "seg_unsorted_rows.seg"))
    assert {g: unsorted[g]["call"] for g in REVIEWER} == REVIEWER
    assert unsorted["MDM2"]["segment"] == sorted_["MDM2"]["segment"]
    assert unsorted["MDM2"]["segment_length"] == 600_000


def test_segment_without_markers_is_not_used(tmp_path):
    # before: STK11 was called a deep deletion from a filler value on a 0-marker segment
    data = screen(tmp_path, FIXTURES / "seg_num_mark_zero_over_stk11.seg")
    genes = {g["gene"]: g for g in data["genes"]}
    assert genes["STK11"]["copy_number"]["call"] is None
    assert "num.mark 0" in all_text(data)
    assert "STK11_LOSS" not in {a["rule_id"] for a in data["alterations"]}


def test_flat_profile_of_zeros_is_warned(tmp_path):
    data = screen(tmp_path, FIXTURES / "seg_all_means_zero.seg")
    assert call_of(data, "MDM2") == "neutral"
    assert "every segment mean is exactly 0" in all_text(data)


@pytest.mark.parametrize("name", ["seg_amplicon_ends_1bp_before_mdm2.seg",
                                  "cnvkit_amplicon_ends_1bp_before_mdm2.cns"])
def test_amplicon_ending_one_base_before_mdm2_does_not_touch_it(tmp_path, name):
    data = screen(tmp_path, FIXTURES / name)
    mdm2 = calls(data)["MDM2"]
    assert mdm2["call"] == "neutral" and mdm2["n_segments"] == 1
    assert mdm2["fraction_covered"] == 1.0


def test_amplicon_over_40_percent_of_mdm2_is_called_with_the_coverage_said(tmp_path):
    data = screen(tmp_path, FIXTURES / "seg_amplicon_covers_40pct_of_mdm2_rest_missing.seg")
    mdm2 = calls(data)["MDM2"]
    span = 68845544 - 68808177 + 1
    assert mdm2["fraction_covered"] == pytest.approx(round(int(0.4 * span) / span, 4))
    assert mdm2["call"] == "amplification"
    assert any("40.0% of the gene span" in w for w in mdm2["warnings"])


def test_seg_whose_value_column_holds_words_is_an_error(tmp_path):
    path = tmp_path / "calls_only.seg"
    path.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tstate\n"
                    "S\t12\t1\t1000\t5\tGAIN\n")
    with pytest.raises(InputError, match="holds no numbers"):
        read_copy_number(path)


# --- GATK ------------------------------------------------------------------------------------

def test_gatk_denoised_cr_on_hg19_chr_names_reads_for_grch37(tmp_path):
    # before: not recognised as any format
    data = screen(tmp_path, FIXTURES / "gatk_hg19_sq_chr_names.denoisedCR.tsv", build="GRCh37")
    assert data["inputs"][0]["format"] == "gatk-denoised-cr"
    got = calls(data)
    assert {g: got[g]["call"] for g in REVIEWER} == REVIEWER
    assert got["MDM2"]["focal"] is True and got["MDM2"]["segment_length"] == 500_000


def test_gatk_hg19_file_against_grch38_is_a_build_error(tmp_path):
    result = CliRunner().invoke(cli, ["screen", "--cnv",
                                      str(FIXTURES / "gatk_hg19_sq_chr_names.denoisedCR.tsv"),
                                      "--build", "GRCh38", "-o", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "GRCh37" in result.output


# --- FACETS ----------------------------------------------------------------------------------

def test_facets_ploidy_from_the_out_file_keeps_6_copies_at_ploidy_3_2_a_gain(tmp_path):
    # before: ploidy 2 was assumed, so 6 copies (>= 6 and >= 2 x 2) became an amplification
    data = screen(tmp_path, FIXTURES / "facets_ploidy_in_out_file_hisens.cncf.txt")
    assert data["inputs"][0]["details"]["ploidy"] == pytest.approx(3.2)
    assert data["inputs"][0]["details"]["purity"] == pytest.approx(0.6)
    mdm2 = calls(data)["MDM2"]
    assert mdm2["copy_number"] == 6 and 6 < 2 * 3.2
    assert mdm2["call"] == "gain"
    assert "MDM2_AMP" not in {a["rule_id"] for a in data["alterations"]}


def test_facets_purity_na_is_warned():
    data = read_copy_number(FIXTURES / "facets_purity_na_hisens.cncf.txt")
    assert data.purity is None and data.ploidy == 2
    assert any("FACETS purity is NA" in w for w in data.warnings)


# --- CNVkit ----------------------------------------------------------------------------------

def test_cnvkit_vcf_homozygous_loss_without_cn_is_zero_copies(tmp_path):
    # before: CNVkit's GT:GQ loss records were all rejected, VHL's homozygous deletion lost
    data = screen(tmp_path, FIXTURES / "cnvkit_export_vcf_losses_without_cn.vcf")
    got = calls(data)
    assert got["VHL"]["call"] == "deep_deletion"
    assert got["MDM2"]["call"] == "amplification"
    genes = {g["gene"]: g for g in data["genes"]}
    assert genes["STK11"]["copy_number"]["call"] is None      # 0/1: copies unknown
    assert "genotype 0/1 carry no CN" in all_text(data)
    # VCF POS is CNVkit's 0-based start: the VHL event is 10,000,001-10,300,000
    assert got["VHL"]["segment_length"] == 300_000


def test_cnvkit_cnr_with_depth_before_log2_is_read_as_bins(tmp_path):
    # before: not recognised (the sniffer wanted log2 in the fifth column)
    data = screen(tmp_path, FIXTURES / "cnvkit_cnr_depth_before_log2_gene_lists.cnr")
    assert data["inputs"][0]["format"] == "cnvkit-cnr"
    got = calls(data)
    assert {g: got[g]["call"] for g in REVIEWER} == REVIEWER
    assert got["MDM2"]["copy_number"] == pytest.approx(2 * 2 ** math.log2(10), rel=1e-3)
