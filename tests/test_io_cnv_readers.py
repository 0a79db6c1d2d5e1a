"""Copy-number readers: detection, coordinates, samples, log base, accounting and errors."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.copynumber.schema import SEGMENT_COLUMNS
from hpdgenomics.errors import InputError
from hpdgenomics.io.cnv import duplicate_gene_rows, read_copy_number, read_gene_matrix
from hpdgenomics.io.registry import formats

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cnv"


# --- real files: detection and accounting ------------------------------------------------------

@pytest.mark.parametrize("name, fmt, kind, used, rejected", [
    ("amplicon.cns", "cnvkit-cns", "log2", 80, 8),
    ("amplicon.cnr", "cnvkit-cnr", "log2", 1433, 0),
    ("regression_p2-9_2.cns", "cnvkit-cns", "log2", 313, 0),
    ("regression_p2-9_2.call.cns", "cnvkit-call-cns", "absolute", 313, 0),
    ("HCC2218_cnvkit-call.cns", "cnvkit-call-cns", "absolute", 163, 0),
    ("HCC2218_facets_cncf.tsv", "facets-cncf", "absolute", 73, 0),
    ("single-sample-cr-ac-nac.cr.seg", "gatk-cr-seg", "log2", 8, 0),
    ("single-sample-cr-ac-nac.modelFinal.seg", "gatk-modelfinal-seg", "log2", 8, 0),
    ("call-copy-ratio-segments-segments.seg", "gatk-cr-seg", "log2", 4, 0),
    ("tumor_sample.purple.cnv.somatic.tsv", "purple-somatic", "absolute", 222, 0),
    ("pcgr_T001-BRCA.grch38.cna.tsv", "allele-specific", "absolute", 260, 0),
    ("maftools_TCGA.AB.3009.hg19.seg.txt", "seg", "log2", 818, 0),
    ("warning.seg", "seg", "log2", 11, 0),
])
def test_real_files_are_detected_and_accounted(name, fmt, kind, used, rejected, shared_data):
    data = read_copy_number(shared_data / "cnv" / name)
    assert data.format == fmt
    assert data.value_kind == kind
    assert data.records_used == used
    assert data.records_rejected == rejected
    assert data.records_read == used + rejected
    assert list(data.segments.columns) == list(SEGMENT_COLUMNS)
    assert not data.segments["chrom"].str.match(r"chr.+").any()   # a bare "chr" contig stays
    assert (data.segments["end"] >= data.segments["start"]).all()
    assert len(data.sha256) == 64


def test_cnvkit_coordinates_become_one_based_closed(shared_data):
    data = read_copy_number(shared_data / "cnv" / "amplicon.cns")
    first = data.segments.iloc[0]
    # file row: chr1 160786623 160786747 (0-based half-open)
    assert (first["chrom"], first["start"], first["end"]) == ("1", 160786624, 160786747)
    assert first["n_probes"] == 1


def test_cnvkit_reversed_rows_are_rejected_with_their_lines(shared_data):
    data = read_copy_number(shared_data / "cnv" / "amplicon.cns")
    message = next(w for w in data.warnings if "end lies before the start" in w)
    assert "8 row(s)" in message and "line 5, 12, 13" in message


def test_call_cns_reads_integer_cn_and_allele_copies(shared_data):
    data = read_copy_number(shared_data / "cnv" / "HCC2218_cnvkit-call.cns")
    row = data.segments.iloc[1]          # 1:721404-1277866 log2 -1.28897 cn 0
    assert row["copy_number"] == 0 and row["log2"] == pytest.approx(-1.28897)
    assert data.segments.iloc[2][["major_cn", "minor_cn"]].tolist() == [1.0, 0.0]


def test_facets_reads_tcn_lcn_and_chromosome_23_as_x(shared_data):
    data = read_copy_number(shared_data / "cnv" / "HCC2218_facets_cncf.tsv")
    assert "X" in set(data.segments["chrom"]) and "23" not in set(data.segments["chrom"])
    first = data.segments.iloc[0]
    assert (first["copy_number"], first["minor_cn"], first["major_cn"]) == (1, 0, 1)
    assert any("lcn.em" in w for w in data.warnings)


def test_purple_takes_purity_ploidy_and_sex_from_the_purity_file_beside_it(shared_data):
    data = read_copy_number(shared_data / "cnv" / "tumor_sample.purple.cnv.somatic.tsv")
    assert data.purity == pytest.approx(0.99) and data.ploidy == pytest.approx(3.1)
    assert "purple.purity.tsv" in data.purity_source
    assert data.sex == "male"
    assert data.sample == "tumor_sample"


def test_purple_purity_file_alone_gets_a_pointed_error(shared_data):
    with pytest.raises(InputError, match="PURPLE purity/ploidy table"):
        read_copy_number(shared_data / "cnv" / "tumor_sample.purple.purity.tsv")


def test_gatk_sample_and_build_come_from_the_sam_header(shared_data):
    data = read_copy_number(shared_data / "cnv" / "single-sample-cr-ac-nac.modelFinal.seg")
    assert data.sample == "SM-74P4M-1"
    assert data.build == "GRCh37"
    assert data.segments.iloc[0]["log2"] == pytest.approx(0.661499)


def test_gatk_sample_mismatch_is_an_error(shared_data):
    with pytest.raises(InputError, match="sample 'other' is not in"):
        read_copy_number(shared_data / "cnv" / "single-sample-cr-ac-nac.cr.seg", sample="other")


def test_warning_seg_skips_the_r_preamble_and_warns_about_the_log_base(shared_data):
    data = read_copy_number(shared_data / "cnv" / "warning.seg")
    assert data.sample == "MySample"
    assert data.segments.iloc[0]["log2"] == pytest.approx(0.261269921083404)
    assert any("do not state their log base" in w for w in data.warnings)
    assert any("fits log10 ratios" in w and "--seg-log-base 10" in w for w in data.warnings)


def test_warning_seg_read_as_log10_is_converted(shared_data):
    data = read_copy_number(shared_data / "cnv" / "warning.seg", seg_log_base=10)
    assert data.segments.iloc[0]["log2"] == pytest.approx(0.261269921083404 / 0.30103, rel=1e-4)
    assert any("read as log10" in w for w in data.warnings)
    assert not any("fits log10" in w for w in data.warnings)


def test_maftools_seg_values_do_not_trigger_the_log10_doubt(shared_data):
    data = read_copy_number(shared_data / "cnv" / "maftools_TCGA.AB.3009.hg19.seg.txt")
    assert data.sample == "TCGA-AB-3009"
    assert not any("fits log10" in w for w in data.warnings)


def test_pcgr_allele_specific_total_is_major_plus_minor(shared_data):
    data = read_copy_number(shared_data / "cnv" / "pcgr_T001-BRCA.grch38.cna.tsv")
    first = data.segments.iloc[0]
    assert (first["major_cn"], first["minor_cn"], first["copy_number"]) == (1, 0, 1)


def test_cbioportal_long_discrete_needs_a_sample_then_reads_it(shared_data):
    path = shared_data / "cnv" / "cbioportal_data_cna_discrete.txt"
    with pytest.raises(InputError, match="multi-sample gene matrix .*pass --cnv-sample"):
        read_copy_number(path)
    data = read_copy_number(path, sample="TCGA-A2-A04U-01")
    assert data.format == "cna-discrete-long" and data.level == "gene"
    assert dict(zip(data.segments["gene"], data.segments["discrete"], strict=True))["AGRN"] == 2


def test_gene_matrix_long_table_for_the_cohort(shared_data):
    matrix = read_gene_matrix(shared_data / "cnv" / "cbioportal_data_cna_discrete.txt")
    assert list(matrix.columns) == ["sample", "gene", "value", "value_kind"]
    assert matrix["sample"].nunique() == 788 and len(matrix) == 6304
    assert set(matrix["value"]) <= {-2, -1, 0, 1, 2}
    assert matrix.loc[(matrix["sample"] == "TCGA-A2-A04U-01") & (matrix["gene"] == "AGRN"),
                      "value"].item() == 2


def test_oncokb_wide_matrix_duplicates_are_reported(shared_data):
    matrix = read_gene_matrix(shared_data / "maf" / "example_cna.txt")
    dupes = duplicate_gene_rows(matrix)
    assert set(dupes["gene"]) == {"CDK4"}
    assert sorted(dupes["value"]) == [-2.0, -1.0]


def test_gcnv_vcf_reads_cn_and_build(shared_data):
    data = read_copy_number(shared_data / "vcf_sv_cnv" / "gatk_gcnv_segments_SAMPLE_000.vcf")
    assert data.format == "vcf-copy-number" and data.sample == "SAMPLE_000"
    assert data.build == "GRCh37"
    segments = data.segments.set_index("chrom")
    assert segments.loc["1", "copy_number"] == 2 and segments.loc["Y", "copy_number"] == 0
    assert (segments.loc["1", "start"], segments.loc["1", "end"]) == (68993, 986037)


def test_delly_vcf_needs_a_sample_and_skips_non_copy_number_records(shared_data):
    path = shared_data / "vcf_sv_cnv" / "vcf2maf_test_delly.vcf"
    with pytest.raises(InputError, match="multi-sample VCF .*TUMOR, NORMAL"):
        read_copy_number(path)
    data = read_copy_number(path, sample="TUMOR")
    assert any("BND 3" in w and "INV 3" in w for w in data.warnings)
    assert any("FILTER/FT not PASS" in w for w in data.warnings)
    # <DUP> at 6:29855953 (padding base) covers 29855954..29910754
    row = data.segments[data.segments["start"] == 29855954].iloc[0]
    assert row["end"] == 29910754 and row["chrom"] == "6"


# --- fixtures: one edge case each -------------------------------------------------------------

def test_multi_sample_seg_needs_sample_and_names_the_samples():
    with pytest.raises(InputError, match="tumour_A, tumour_B"):
        read_copy_number(FIXTURES / "two_samples.seg")
    with pytest.raises(InputError, match="'tumour_C' is not in this SEG file"):
        read_copy_number(FIXTURES / "two_samples.seg", sample="tumour_C")
    data = read_copy_number(FIXTURES / "two_samples.seg", sample="tumour_B")
    assert data.sample_source == "requested (--cnv-sample/--sample)" and data.records_used == 3


def test_seg_told_log10_but_values_look_log2_warns():
    data = read_copy_number(FIXTURES / "log2_values_read_as_log10.seg", seg_log_base=10)
    assert any("may hold log2" in w for w in data.warnings)


def test_seg_log_base_on_a_non_seg_file_is_refused():
    with pytest.raises(InputError, match="--seg-log-base applies to SEG files only"):
        read_copy_number(FIXTURES / "mdm2_focal_amplification.cns", seg_log_base=10)


def test_unknown_columns_are_not_guessed():
    with pytest.raises(InputError, match="not recognised as any copy number format"):
        read_copy_number(FIXTURES / "unknown_columns.tsv")


def test_named_format_that_does_not_fit_says_what_was_found():
    with pytest.raises(InputError, match="no PURPLE somatic copy-number table header"):
        read_copy_number(FIXTURES / "mdm2_focal_amplification.cns", fmt="purple-somatic")


def test_unknown_format_name_lists_the_formats():
    with pytest.raises(InputError, match="choose one of: .*cnvkit-cns"):
        read_copy_number(FIXTURES / "mdm2_focal_amplification.cns", fmt="cnvkit")


def test_every_format_is_registered():
    names = set(formats("copy_number"))
    assert {"cnvkit-cns", "cnvkit-call-cns", "cnvkit-cnr", "seg", "gatk-cr-seg",
            "gatk-called-seg", "gatk-modelfinal-seg", "purple-somatic", "purple-gene",
            "facets-cncf", "allele-specific", "cna-discrete-long", "cna-discrete-wide",
            "cna-log2-wide", "vcf-copy-number"} <= names


def test_wide_matrices_are_told_apart_by_their_values():
    assert read_copy_number(FIXTURES / "wide_log2_matrix.txt",
                            sample="S1").format == "cna-log2-wide"
    assert read_copy_number(FIXTURES / "wide_discrete_matrix.txt",
                            sample="S1").format == "cna-discrete-wide"
    matrix = read_gene_matrix(FIXTURES / "wide_log2_matrix.txt")
    assert len(matrix) == 3                    # S2/EGFR is NA: not profiled, dropped
    assert matrix.loc[(matrix["sample"] == "S1") & (matrix["gene"] == "MDM2"), "value"].item() \
        == pytest.approx(2.31)
    assert set(matrix["value_kind"]) == {"log2"}


def test_discrete_matrix_with_continuous_values_is_refused_when_named():
    with pytest.raises(InputError, match="outside the discrete scale"):
        read_gene_matrix(FIXTURES / "wide_log2_matrix.txt", fmt="cna-discrete-wide")


def test_purple_gene_table_reads_min_and_max():
    data = read_copy_number(FIXTURES / "gene_level.purple.cnv.gene.tsv")
    assert data.format == "purple-gene" and data.level == "gene"
    mdm2 = data.segments[data.segments["gene"] == "MDM2"].iloc[0]
    assert (mdm2["copy_number"], mdm2["copy_number_max"]) == (20.5, 24.0)
    assert any("purple.purity.tsv" in w for w in data.warnings)   # no fit beside it: said so


def test_segments_table_is_a_dataframe_with_source_lines():
    data = read_copy_number(FIXTURES / "mdm2_focal_amplification.cns")
    assert isinstance(data.segments, pd.DataFrame)
    assert data.segments["source_line"].tolist() == [2, 3, 4]


def test_comma_separated_cns_with_gene_lists_names_the_file_line_in_one_line(tmp_path):
    path = tmp_path / "sample.cns"
    path.write_text("chromosome,start,end,gene,log2,depth,probes,weight\n"
                    "12,100,200,MDM2,3.1,50,10,5\n"
                    "2,300,400,ACVR2A,ORC4,-1.6,50,10,5\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_copy_number(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "line 3 of the file" in message and "gene lists" in message
