"""Copy-number plausibility (issue 9): a matrix's scale from all its values, a SEG's log base from
its signal, negative and non-finite numbers refused at the reader, gz-named plain text."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.cohort.files import evaluate_cohort_files
from hpdgenomics.copynumber import thresholds_from_knowledge
from hpdgenomics.copynumber.genes import call_genes
from hpdgenomics.errors import InputError
from hpdgenomics.io.cnv import read_copy_number, read_gene_matrix
from hpdgenomics.io.cnv.seg import log_base_evidence
from hpdgenomics.model import CopyNumberCall as C

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "cnv_plausibility"
CORPUS = HERE / "fixtures" / "malformed" / "cnv"
REALISTIC = HERE / "fixtures" / "cnv_caller_dialects"


@pytest.fixture(scope="module")
def knowledge():
    from hpdgenomics.knowledge import load_knowledge
    return load_knowledge()


def calls(data, knowledge, build="GRCh37"):
    thresholds = thresholds_from_knowledge(knowledge.copy_number)
    return {c.gene: c for c in call_genes(data, knowledge.panel(build), thresholds)}


def screen(tmp_path, *args):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["screen", *map(str, args), "-o", str(out)])
    return result, out


# --- 1. one value does not decide a matrix's scale ---------------------------------------------

def test_discrete_matrix_with_one_stray_3_stays_discrete_and_names_the_stray():
    data = read_copy_number(FIXTURES / "cbioportal_discrete_one_stray_3.txt", sample="S2")
    assert data.format == "cna-discrete-wide" and data.value_kind == "discrete"
    assert "MDM2" not in set(data.segments["gene"])            # the stray cell is left out
    assert data.records_read == 30 and data.records_rejected == 1
    assert any("MDM2 in S2: '3' (line 2)" in w and "not evaluable" in w for w in data.warnings)
    assert "off the discrete scale" in data.genes_not_evaluable["MDM2"]


def test_the_stray_does_not_rescale_the_deep_deletion_of_another_sample(knowledge):
    # before: the one 3 made the whole matrix log2, so S1's -2 (deep deletion) became CN 0.5
    data = read_copy_number(FIXTURES / "cbioportal_discrete_one_stray_3.txt", sample="S1")
    assert data.value_kind == "discrete"
    assert not any("off the discrete scale" in w for w in data.warnings)   # S1 has no stray
    called = calls(data, knowledge)
    assert called["STK11"].call is C.DEEP_DELETION
    stray = calls(read_copy_number(FIXTURES / "cbioportal_discrete_one_stray_3.txt",
                                   sample="S2"), knowledge)["MDM2"]
    assert stray.call is None and "'3'" in stray.reason


def test_cohort_matrix_with_a_stray_is_discrete_and_the_report_names_it(knowledge):
    matrix = read_gene_matrix(FIXTURES / "cbioportal_discrete_one_stray_3.txt")
    assert set(matrix["value_kind"]) == {"discrete"}
    stk11 = (matrix["sample"] == "S1") & (matrix["gene"] == "STK11")
    assert matrix.loc[stk11, "value"].item() == -2
    assert matrix[(matrix["sample"] == "S2") & (matrix["gene"] == "MDM2")].empty
    evaluation = evaluate_cohort_files(knowledge,
                                       cna=FIXTURES / "cbioportal_discrete_one_stray_3.txt")
    assert any("MDM2 in S2: '3'" in w for w in evaluation.warnings)
    samples = {s.sample_id: s for s in evaluation.samples}
    assert samples["S1"].rule_status["STK11_LOSS"] == "altered"
    assert samples["S2"].rule_status["MDM2_AMP"] == "not_evaluable"


def test_screen_reports_the_stray_in_the_report_and_on_stderr(tmp_path):
    result, out = screen(tmp_path, "--cnv", FIXTURES / "cbioportal_discrete_one_stray_3.txt",
                         "--sample", "S2", "--build", "GRCh37")
    assert result.exit_code == 0, result.output
    assert "MDM2 in S2: '3' (line 2)" in result.stderr
    report = json.loads((out / "S2.hpd.json").read_text())
    assert any("MDM2 in S2: '3'" in w for w in report["warnings"])
    assert next(r for r in report["rules"] if r["rule_id"] == "MDM2_AMP")["status"] == \
        "not_evaluable"


def test_continuous_matrix_with_whole_number_cells_stays_continuous():
    # -2.0, 1.0 and 0.0 occur in a log2 matrix too: the whole matrix decides
    matrix = read_gene_matrix(FIXTURES / "log2_matrix_with_whole_number_cells.txt")
    assert set(matrix["value_kind"]) == {"log2"}
    assert len(matrix) == 120                                   # nothing left out
    data = read_copy_number(FIXTURES / "log2_matrix_with_whole_number_cells.txt", sample="S1")
    assert data.format == "cna-log2-wide"
    assert data.segments.loc[data.segments["gene"] == "STK11", "log2"].item() == -2.0


def test_a_matrix_neither_mostly_discrete_nor_continuous_needs_cna_format():
    path = FIXTURES / "discrete_four_cells_one_stray_3.txt"
    with pytest.raises(InputError, match=r"scale is ambiguous: 1 of 4 values.*MDM2 in S2: '3'.*"
                                         r"--cna-format \(screen: --cnv-format\)"):
        read_gene_matrix(path)
    with pytest.raises(InputError, match="scale is ambiguous"):
        read_copy_number(path, sample="S1")
    # the option settles it: discrete, with the stray not evaluable
    matrix = read_gene_matrix(path, fmt="cna-discrete-wide")
    assert sorted(matrix["value"]) == [-2, -1, 2]
    assert "MDM2 in S2: '3' (line 2)" in matrix.attrs["warnings"][0]
    as_log2 = read_copy_number(path, fmt="cna-log2-wide", sample="S1")
    assert as_log2.value_kind == "log2"
    assert any("--cna-format (screen: --cnv-format) cna-discrete-wide" in w
               for w in as_log2.warnings)


def test_a_continuous_matrix_named_discrete_is_refused():
    with pytest.raises(InputError, match="outside the discrete scale.*not a discrete matrix"):
        read_gene_matrix(FIXTURES / "log2_matrix_with_whole_number_cells.txt",
                         fmt="cna-discrete-wide")


def test_realistic_matrices_keep_their_scale():
    for name, kind in [("gistic_all_thresholded_by_genes_two_samples.txt", "discrete"),
                       ("cbioportal_data_cna_wide_na_two_samples.txt", "discrete"),
                       ("cbioportal_data_log2_cna_one_sample.txt", "log2")]:
        matrix = read_gene_matrix(REALISTIC / name)
        assert set(matrix["value_kind"]) == {kind}, name
        assert matrix.attrs["warnings"] == [], name


# --- 2. a SEG's log base is judged where the signal is -------------------------------------------

def test_log10_seg_with_background_zero_stops_naming_seg_log_base(knowledge, tmp_path):
    path = FIXTURES / "seg_log10_background_zero_mdm2_8_copies.seg"
    data = read_copy_number(path)
    assert data.log_base_doubt
    assert any("log base not established" in w for w in data.warnings)
    # read as log2, MDM2 (+0.60) would be a gain; as log10 it is 8 copies: the call depends on it
    with pytest.raises(InputError, match=r"MDM2 gain if log2 but amplification if log10.*"
                                         r"--seg-log-base 2 or --seg-log-base 10"):
        calls(data, knowledge)
    result, _ = screen(tmp_path, "--cnv", path, "--build", "GRCh37")
    assert result.exit_code == 2
    assert "--seg-log-base" in result.stderr and "Traceback" not in result.stderr


def test_log10_seg_with_its_base_stated_calls_the_mdm2_amplification(knowledge):
    data = read_copy_number(FIXTURES / "seg_log10_background_zero_mdm2_8_copies.seg",
                            seg_log_base=10)
    mdm2 = calls(data, knowledge)["MDM2"]
    assert mdm2.call is C.AMPLIFICATION and mdm2.copy_number == pytest.approx(8.0, abs=0.01)


def test_log2_seg_with_the_same_structure_is_established_and_called(knowledge, tmp_path):
    path = FIXTURES / "seg_log2_background_zero_mdm2_8_copies.seg"
    data = read_copy_number(path)
    assert log_base_evidence(data.segments["log2"])[0] == "log2"
    assert data.log_base_doubt == ""
    assert not any("not established" in w or "fits log10" in w for w in data.warnings)
    mdm2 = calls(data, knowledge)["MDM2"]
    assert mdm2.call is C.AMPLIFICATION and mdm2.copy_number == pytest.approx(8.0, abs=0.01)
    result, _ = screen(tmp_path, "--cnv", path, "--build", "GRCh37")
    assert result.exit_code == 0, result.output


def test_seg_whose_base_is_unknown_but_decides_no_call_warns_in_report_and_stderr(tmp_path):
    path = FIXTURES / "seg_base_unknown_calls_agree.seg"
    result, out = screen(tmp_path, "--cnv", path, "--build", "GRCh37")
    assert result.exit_code == 0, result.output
    assert "SEG log base not established by the values" in result.stderr
    report = json.loads((out / "TUMOR.hpd.json").read_text())
    assert any("SEG log base not established" in w and "--seg-log-base 2 or 10" in w
               for w in report["warnings"])
    stk11 = next(g for g in report["genes"] if g["gene"] == "STK11")
    assert stk11["copy_number"]["call"] == "shallow_loss"   # 1.41 copies as log2, 0.63 as log10


@pytest.mark.parametrize("name, verdict", [
    ("maftools_TCGA.AB.3009.hg19.seg.txt", "log2"),     # TCGA: log2, peaks beyond 2
    ("warning.seg", "log10-like"),                       # CNVkit's log10 test file
])
def test_real_seg_files_keep_their_verdict(name, verdict, shared_data):
    data = read_copy_number(shared_data / "cnv" / name)
    assert log_base_evidence(data.segments["log2"])[0] == verdict
    assert bool(data.log_base_doubt) is (verdict != "log2")


def test_flat_and_realistic_seg_files_raise_no_base_doubt():
    for path in [HERE / "fixtures" / "cnv_caller_edge_cases" / "seg_all_means_zero.seg",
                 REALISTIC / "gdc_aliquot_sample_column_mdm2amp_stk11x1_vhlx0.seg.txt",
                 REALISTIC / "cnvkit_export_seg_numeric_x23_mdm2amp_stk11x1_vhlx0.seg"]:
        assert read_copy_number(path).log_base_doubt == "", path.name


def test_a_base_that_decides_only_gain_vs_neutral_is_named_in_a_warning(knowledge):
    # three segments off zero (-2.21, 0.30, -0.47) fit either base: the 12q arm (+0.30) is
    # neutral as log2 and a gain as log10 - no amplification or deep deletion depends on it
    data = read_copy_number(REALISTIC / "cnvkit_export_seg_numeric_x23_arm12q_stk11x0.seg")
    assert data.log_base_doubt.startswith("3 segment(s) off zero")
    called = calls(data, knowledge, build="GRCh38")
    assert called["STK11"].call is C.DEEP_DELETION and called["MDM2"].call is C.NEUTRAL
    assert any("MDM2 neutral if log2 but gain if log10" in w for w in data.warnings)


def test_log_base_evidence_looks_at_the_segments_off_zero():
    background = [0.01, -0.02, 0.0, 0.015] * 20
    # a log10 profile: one-copy changes at 0.12-0.30, nothing beyond +-1
    assert log_base_evidence(pd.Series(background + [-0.3, -0.29, 0.18, 0.17, -0.12, 0.6]))[0] \
        == "log10-like"
    # the same profile in log2 (x 3.32): the bulk of the changes is large
    assert log_base_evidence(pd.Series(background + [-1.0, -0.96, 0.6, 0.56, -0.4, 2.0]))[0] \
        == "log2"
    # a single focal peak over a flat background cannot say which base it is in
    assert log_base_evidence(pd.Series(background + [0.6]))[0] == "unknown"
    assert log_base_evidence(pd.Series(background))[0] == "flat"


# --- 3. negative copy numbers ------------------------------------------------------------------

def test_clearly_negative_copy_number_is_an_input_error_with_line():
    with pytest.raises(InputError, match=r"negative copy number -2") as caught:
        read_copy_number(CORPUS / "call_cns_cn_minus_2.call.cns")
    assert caught.value.where == "line 2"
    with pytest.raises(InputError, match=r"negative copy number -1.5"):
        read_copy_number(CORPUS / "purple_copy_number_minus_1_5.purple.cnv.somatic.tsv")


def test_purple_fit_noise_below_zero_is_still_a_deep_deletion(knowledge, shared_data):
    # the real PURPLE file has copyNumber -0.0117 on line 173: 0 copies within the fit's noise
    data = read_copy_number(shared_data / "cnv" / "tumor_sample.purple.cnv.somatic.tsv")
    row = data.segments[data.segments["source_line"] == 173].iloc[0]
    assert row["copy_number"] == pytest.approx(-0.0117)
    assert data.records_rejected == 0


# --- 4. non-finite numbers in every reader ----------------------------------------------------

@pytest.mark.parametrize("name, sample, column, text, line", [
    ("cns_log2_inf.cns", None, "log2 ratio", "inf", 3),
    ("cns_log2_overflow_1e400.cns", None, "log2 ratio", "1e400", 2),
    ("call_cns_cn_inf.call.cns", None, "copy number", "inf", 2),
    ("call_cns_cn_nan.call.cns", None, "copy number", "nan", 2),
    ("call_cns_start_inf.call.cns", None, "start", "inf", 2),
    ("seg_mean_Inf.seg", None, "seg.mean", "Inf", 3),
    ("gatk_log2_nan.cr.seg", None, "log2 ratio", "nan", 4),
    ("facets_tcn_inf.cncf.tsv", None, "tcn.em", "inf", 2),
    ("purple_copy_number_inf.purple.cnv.somatic.tsv", None, "copy number", "Infinity", 2),
    ("ichorcna_copy_number_inf.seg", None, "copy.number", "inf", 2),
    ("sequenza_cnt_inf_segments.txt", None, "copy number", "Inf", 2),
    ("allele_specific_nmajor_inf.segments.txt", None, "nMajor", "inf", 2),
    ("matrix_value_inf.txt", "S1", "value", "inf", 2),
])
def test_non_finite_numbers_are_refused_at_the_reader_with_file_and_line(name, sample, column,
                                                                         text, line):
    with pytest.raises(InputError) as caught:
        read_copy_number(CORPUS / name, sample=sample)
    error = caught.value
    assert f"{column} {text!r} is not a finite number" in str(error)
    assert error.where == f"line {line}" and name in str(error)


def test_gcnv_vcf_cn_inf_is_refused_with_the_record():
    with pytest.raises(InputError, match=r"CN inf is not a finite") as caught:
        read_copy_number(CORPUS / "gcnv_cn_inf.vcf")
    assert caught.value.where == "record 1 (chr12:69000001)"


_CN_VCF_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=7,length=159138663>\n"
    '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="type">\n'
    '##INFO=<ID=END,Number=1,Type=Integer,Description="end">\n')


def _cn_vcf(tmp_path, name, cn_line, record):
    path = tmp_path / name
    columns = "\tFORMAT\tTUMOUR" if "FORMAT" in cn_line else ""
    path.write_text(_CN_VCF_HEADER + cn_line + "\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"
                    + columns + "\n7\t55000000\t.\tN\t<DUP>\t.\tPASS\t" + record + "\n")
    return path


def test_a_cn_vcf_format_cn_declared_as_string_is_read_whole(tmp_path):
    # htslib gives a String field as one text per sample: its first character was read before,
    # so CN=12 (an amplification) became 1 copy
    path = _cn_vcf(tmp_path, "format_cn_string.vcf",
                   '##FORMAT=<ID=CN,Number=1,Type=String,Description="copy number">',
                   "SVTYPE=DUP;END=55300000\tCN\t12")
    data = read_copy_number(path)
    assert data.segments["copy_number"].tolist() == [12.0]
    assert data.segments[["start", "end"]].values.tolist() == [[55000001, 55300000]]


@pytest.mark.parametrize("name, cn_line, record, shown", [
    ("info_cn_two_values.vcf",
     '##INFO=<ID=CN,Number=.,Type=Integer,Description="copy number">',
     "SVTYPE=DUP;END=55300000;CN=6,7", "INFO CN '6,7'"),
    ("info_cn_text.vcf",
     '##INFO=<ID=CN,Number=1,Type=String,Description="copy number">',
     "SVTYPE=DUP;END=55300000;CN=high", "INFO CN 'high'"),
    ("format_cn_text.vcf",
     '##FORMAT=<ID=CN,Number=1,Type=String,Description="copy number">',
     "SVTYPE=DUP;END=55300000\tCN\thigh", "FORMAT CN 'high'"),
    ("format_cn_text_nan.vcf",
     '##FORMAT=<ID=CN,Number=1,Type=String,Description="copy number">',
     "SVTYPE=DUP;END=55300000\tCN\tnan", "FORMAT CN 'nan'"),
])
def test_a_cn_vcf_cn_that_is_not_one_number_is_refused_with_the_record(tmp_path, name, cn_line,
                                                                       record, shown):
    # these raised TypeError/ValueError from float(): an internal error (exit 1), not exit 2
    path = _cn_vcf(tmp_path, name, cn_line, record)
    with pytest.raises(InputError, match=f"{shown} is not one copy number") as caught:
        read_copy_number(path)
    assert caught.value.where == "record 1 (7:55000000)" and name in str(caught.value)
    result, _out = screen(tmp_path, "--cnv", path, "--build", "GRCh37")
    assert result.exit_code == 2 and f"{shown} is not one copy number" in result.output


def test_overflowing_but_finite_log2_is_out_of_range():
    # 1e308 is a double, but 2^1e308 copies is not: refused before any arithmetic overflows
    with pytest.raises(InputError, match=r"log2 ratio 1e\+308 is outside the plausible range"):
        read_copy_number(CORPUS / "cns_log2_1e308.cns")


def test_cohort_matrix_with_inf_is_refused():
    with pytest.raises(InputError, match=r"value 'inf' is not a finite number"):
        read_gene_matrix(CORPUS / "matrix_value_inf.txt")


# --- 5. a plain-text file named .gz ------------------------------------------------------------

def test_plain_text_named_gz_is_read_as_text_with_a_note(knowledge):
    data = read_copy_number(CORPUS / "plain_text_named.call.cns.gz")
    assert data.format == "cnvkit-call-cns" and data.records_used == 1
    assert any("named .gz but is not gzip-compressed" in w for w in data.warnings)
    assert calls(data, knowledge)["MDM2"].call is C.AMPLIFICATION


def test_truncated_gzip_is_an_input_error(tmp_path):
    import gzip
    whole = gzip.compress((CORPUS / "call_cns_cn_inf.call.cns").read_bytes() * 50)
    broken = tmp_path / "truncated.call.cns.gz"
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="cannot be read"):
        read_copy_number(broken, fmt="cnvkit-call-cns")

