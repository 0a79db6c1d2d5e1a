"""The VCF reader on small hand-written fixtures, each named for the one edge case it holds."""
from __future__ import annotations

import shutil
from pathlib import Path

import pysam
import pytest
from vcf_panels import test_panels

from hpdgenomics.errors import InputError, UsageError
from hpdgenomics.io.vcf import VcfReadResult, allele_support, read_vcf
from hpdgenomics.model import Consequence

FIXTURES = Path(__file__).parent / "fixtures" / "vcf"
PANELS = test_panels()


def read(name: str, **options) -> VcfReadResult:
    return read_vcf(FIXTURES / name, PANELS, **options)


def calls(result: VcfReadResult) -> list[tuple]:
    return [(v.gene, v.chrom, v.pos, v.ref, v.alt, v.protein_change) for v in result.variants]


def assert_invariant(result: VcfReadResult) -> None:
    c = result.counts
    assert c.alleles_read == c.filtered + c.off_panel + c.rejected + c.screened
    assert c.screened == len(result.variants)


# --- a normal tumour/normal file ---------------------------------------------------------------

def test_tumour_normal_file_with_bare_names():
    result = read("tumour_normal_bare_names.vcf")
    assert (result.sample, result.sample_source) == ("TUMOUR", "##tumor_sample header")
    assert result.samples == ["NORMAL", "TUMOUR"]
    assert result.build == "GRCh37" and result.build_source.startswith("contig lengths")
    assert result.annotation == "none (coordinate matching)"
    assert calls(result) == [
        ("EGFR", "7", 55242464, "AGGAATTAAGAGAAGC", "A", "p.E746_A750del"),
        ("EGFR", "7", 55259515, "T", "G", "p.L858R"),
        ("KRAS", "12", 25398285, "C", "A", "p.G12C"),
        ("AKT1", "14", 105246551, "C", "T", "p.E17K"),
    ]
    c = result.counts
    assert (c.records_read, c.alleles_read, c.filtered, c.off_panel, c.rejected, c.screened,
            c.index_used) == (6, 6, 1, 1, 0, 4, False)
    assert_invariant(result)
    l858r = result.variants[1]
    assert (l858r.vaf, l858r.depth, l858r.alt_depth) == (0.4, 100, 40)
    assert l858r.hotspot == "p.L858R" and l858r.filter == "PASS"
    assert l858r.record == "record 3 (7:55259515 T>G)"
    assert l858r.annotation_source == "coordinate"
    assert "ENST00000275493" in l858r.transcript_choice
    g12c = result.variants[2]
    assert g12c.vaf == pytest.approx(0.3)           # AF missing ('.'): from AD 70,30


def test_chr_prefixed_names_are_normalised_and_grch38_detected():
    result = read("chr_prefixed_grch38_single_sample.vcf")
    assert (result.sample, result.sample_source) == ("TUMOUR", "only sample")
    assert result.build == "GRCh38"
    assert calls(result) == [("EGFR", "7", 55191822, "T", "G", "p.L858R"),
                             ("KRAS", "12", 25245351, "C", "A", "p.G12C")]
    assert result.variants[0].record == "record 1 (chr7:55191822 T>G)"
    assert result.counts.off_panel == 1


def test_multiallelic_records_give_per_alt_values():
    result = read("multiallelic_per_alt_values.vcf")
    assert_invariant(result)
    by_alt = {(v.pos, v.ref, v.alt): v for v in result.variants}
    g12v = by_alt[(25398284, "C", "A")]             # not in the test panel's hotspots
    g12d = by_alt[(25398284, "C", "T")]
    assert (g12v.vaf, g12v.alt_depth, g12v.consequence) == (0.3, 30,
                                                            Consequence.CODING_UNDETERMINED)
    assert (g12d.vaf, g12d.alt_depth, g12d.protein_change) == (0.2, 20, "p.G12D")
    # CA>C,AA: the second ALT is the SNV C>A (G12C) once the shared suffix is removed
    g12c = by_alt[(25398285, "C", "A")]
    assert g12c.protein_change == "p.G12C" and g12c.vaf == pytest.approx(0.15)
    assert g12c.record == "record 2 (12:25398285 CA>AA)"
    frameshift = by_alt[(25398285, "CA", "C")]
    assert frameshift.consequence is Consequence.FRAMESHIFT
    assert frameshift.vaf == pytest.approx(0.25)    # AF '.': AD 60,25,15 -> 25/100


def test_filtered_records_excluded_by_default_and_counted():
    result = read("filtered_records.vcf")
    assert [v.protein_change for v in result.variants] == ["p.L858R", "p.T790M"]   # PASS and '.'
    assert result.counts.filtered == 3          # one LowQual SNV + a LowQual record with 2 ALTs
    assert_invariant(result)
    everything = read("filtered_records.vcf", include_filtered=True)
    assert everything.counts.filtered == 0 and everything.counts.screened == 5
    assert [v.filter for v in everything.variants] == ["PASS", "PASS", "LowQual", "LowQual",
                                                       "LowQual"]
    assert_invariant(everything)


def test_symbolic_breakend_and_star_alleles_are_rejected_with_reasons():
    result = read("symbolic_breakend_and_star_alleles.vcf")
    c = result.counts
    assert (c.alleles_read, c.rejected, c.off_panel, c.screened) == (5, 3, 1, 1)
    assert_invariant(result)
    text = " | ".join(result.warnings)
    assert "symbolic ALT <DEL>" in text and "breakend ALT" in text and "'*' ALT" in text
    assert calls(result) == [("EGFR", "7", 55259515, "T", "G", "p.L858R")]


def test_no_call_and_no_alt_reads_in_tumour_are_rejected():
    result = read("no_call_and_no_alt_reads_in_tumour.vcf")
    assert calls(result) == [("AKT1", "14", 105246551, "C", "T", "p.E17K")]
    assert result.counts.rejected == 2
    text = " | ".join(result.warnings)
    assert "no call (GT missing) in tumour sample TUMOUR (record 1" in text
    assert "no reads support the ALT allele in tumour sample TUMOUR (record 2" in text


def test_header_only_file_reads_as_no_variants():
    result = read("header_only.vcf")
    assert result.variants == [] and result.counts.records_read == 0


# --- caller dialects ---------------------------------------------------------------------------

def test_strelka2_tier_counts_and_indel_tar_tir():
    result = read("strelka2_tier_counts.vcf", sample="TUMOR")
    snv, indel = result.variants
    assert snv.vaf == pytest.approx(30 / (30 + 68)) and snv.depth == 100 and snv.alt_depth == 30
    assert indel.vaf == pytest.approx(20 / (20 + 80)) and indel.depth == 110
    assert indel.protein_change == "p.E746_A750del"


def test_vardict_af_and_depth():
    (variant,) = read("vardict_af.vcf", sample="TUMOR").variants
    assert (variant.vaf, variant.depth, variant.alt_depth) == (0.23, 200, 46)


def test_varscan_percent_freq_and_alt_only_ad():
    (variant,) = read("varscan_freq_percent.vcf", sample="TUMOR").variants
    assert (variant.vaf, variant.depth, variant.alt_depth) == (0.25, 80, 20)


def test_info_only_af_in_sites_only_file():
    result = read("info_only_af_sites_only.vcf")
    assert result.samples == [] and result.sample == ""
    assert "no sample columns" in result.sample_source
    (variant,) = result.variants
    assert (variant.vaf, variant.depth) == (0.12, 250)


@pytest.mark.parametrize("fmt, n_alts, index, ref, alt, expected", [
    ({"AD": "10,5,5", "DP": "20"}, 2, 1, "C", "T", (0.25, 20, 5)),
    ({"AD": "95,11", "AF": "0.9,0.1", "DP": "106"}, 1, 0, "C", "T", (0.1, 106, 11)),  # RADIA
    ({"FA": "0.071", "AD": "39,3", "DP": "42"}, 1, 0, "C", "A", (0.071, 42, 3)),       # Mutect1
    ({"DP": "119,50", "AF": "0.5,0.25"}, 2, 1, "G", "T", (0.25, 50, None)),           # per-ALT DP
    ({"AF": "0.3"}, 2, 1, "G", "T", (None, None, None)),     # one AF for two ALTs: ambiguous
])
def test_allele_support_dialects(fmt, n_alts, index, ref, alt, expected):
    support = allele_support(fmt, index, n_alts, ref, alt)
    assert (support.vaf, support.depth, support.alt_depth) == expected


# --- sample choice -----------------------------------------------------------------------------

def test_multi_sample_without_tumour_header_needs_sample():
    with pytest.raises(InputError) as info:
        read("multi_sample_without_tumour_header.vcf")
    message = str(info.value)
    assert "S1, S2" in message and "--sample" in message
    assert "multi_sample_without_tumour_header.vcf" in message
    result = read("multi_sample_without_tumour_header.vcf", sample="S2")
    assert (result.sample, result.sample_source) == ("S2", "--sample")
    assert result.variants[0].vaf == 0.4


def test_unknown_sample_lists_the_samples():
    with pytest.raises(InputError, match=r"'TUMOR' is not in the VCF \(samples: NORMAL, TUMOUR\)"):
        read("tumour_normal_bare_names.vcf", sample="TUMOR")


def test_sample_option_on_sites_only_file_is_an_error():
    with pytest.raises(InputError, match="no sample columns"):
        read("info_only_af_sites_only.vcf", sample="TUMOUR")


# --- build ---------------------------------------------------------------------------------------

def test_build_option_contradicting_contig_lengths():
    with pytest.raises(UsageError, match="--build GRCh38 contradicts the file, which is GRCh37"):
        read("build_mismatch_grch37_contigs.vcf", build="GRCh38")
    assert read("build_mismatch_grch37_contigs.vcf", build="hg19").build == "GRCh37"


def test_no_build_information_asks_for_build():
    with pytest.raises(UsageError, match="pass --build GRCh37 or --build GRCh38"):
        read("no_build_information.vcf")
    result = read("no_build_information.vcf", build="GRCh37")
    assert result.build_source == "--build option"
    assert calls(result) == [("EGFR", "7", 55259515, "T", "G", "p.L858R")]


def test_build_from_reference_header_and_contradiction_with_option():
    result = read("reference_header_names_hg19.vcf")
    assert result.build == "GRCh37" and result.build_source.startswith("##reference")
    with pytest.raises(UsageError, match="##reference names GRCh37"):
        read("reference_header_names_hg19.vcf", build="GRCh38")


def test_position_beyond_chromosome_end_is_a_build_contradiction():
    with pytest.raises(UsageError) as info:
        read("position_beyond_grch38_chromosome_14.vcf", build="GRCh38")
    assert "record 2 (14:107100000 A>G) lies beyond the end of chromosome 14 in GRCh38" in \
        str(info.value)
    assert read("position_beyond_grch38_chromosome_14.vcf", build="GRCh37").counts.records_read == 2


# --- malformed input -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, pattern", [
    ("empty.vcf", r"empty\.vcf: empty file \(0 bytes\)"),
    ("headerless_records.vcf", r"\(line 1\): no VCF header"),
    ("missing_chrom_header_with_samples.vcf",
     r"\(line 16\): the header has no '#CHROM' column line .* 11 columns"),
    ("broken_record_position.vcf", (r"\(record 3, line 21\): cannot read the record .*"
                                    r"Could not parse the position '55259x15'")),
    ("truncated_bgzip.vcf.gz", r"truncated_bgzip\.vcf\.gz \(record \d+, line \d+\): cannot read"),
])
def test_malformed_files_give_one_input_error(name, pattern, capfd):
    with pytest.raises(InputError, match=pattern) as info:
        read(name)
    assert "\n" not in str(info.value)
    assert "[E::" not in capfd.readouterr().err          # htslib's own lines kept off stderr


def test_htslib_warnings_are_summarised_not_printed(capfd):
    result = read("reference_header_names_hg19.vcf")     # no ##contig lines: htslib warns
    assert "[W::" not in capfd.readouterr().err
    assert any("htslib reported 1 warning(s)" in w for w in result.warnings)


def test_log_line_before_header_is_skipped_with_a_warning():
    result = read("log_line_before_header.vcf")
    assert calls(result) == [("EGFR", "7", 55259515, "T", "G", "p.L858R")]
    assert any("skipped 1 line(s) before the VCF header" in w for w in result.warnings)


def test_sites_only_file_missing_column_line_is_repaired():
    result = read("sites_only_missing_chrom_header.vcf")
    assert calls(result) == [("EGFR", "7", 55259515, "T", "G", "p.L858R")]
    assert any("lacks its '#CHROM' column line" in w for w in result.warnings)


def test_missing_file():
    with pytest.raises(InputError, match="file not found"):
        read("no_such_file.vcf")


# --- index ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("csi", [False, True])
def test_indexed_file_reads_only_panel_regions(tmp_path, csi):
    copy = tmp_path / "tumour_normal_bare_names.vcf"
    shutil.copy(FIXTURES / copy.name, copy)
    indexed = pysam.tabix_index(str(copy), preset="vcf", csi=csi, force=True)
    result = read_vcf(indexed, PANELS)
    streamed = read("tumour_normal_bare_names.vcf")
    assert result.counts.index_used
    assert calls(result) == calls(streamed)
    assert result.counts.records_read == 5        # the chr1 record is never read
    assert result.counts.off_panel == 0
    assert result.variants[1].record == "record at 7:55259515 T>G"
    assert_invariant(result)


def test_indexed_chr_prefixed_file_uses_its_own_contig_names(tmp_path):
    copy = tmp_path / "chr_prefixed_grch38_single_sample.vcf"
    shutil.copy(FIXTURES / copy.name, copy)
    result = read_vcf(pysam.tabix_index(str(copy), preset="vcf", force=True), PANELS)
    assert result.counts.index_used and result.counts.records_read == 2
    assert [v.protein_change for v in result.variants] == ["p.L858R", "p.G12C"]


# --- with the project's knowledge base -----------------------------------------------------------

def test_fixture_against_the_knowledge_base_panels():
    from hpdgenomics.knowledge import load_knowledge

    result = read_vcf(FIXTURES / "tumour_normal_bare_names.vcf", load_knowledge().panels)
    found = {(v.gene, v.pos, v.hotspot) for v in result.variants}
    assert {("EGFR", 55259515, "p.L858R"), ("KRAS", 25398285, "p.G12C"),
            ("AKT1", 105246551, "p.E17K")} <= found
    assert_invariant(result)


def test_bcf_reads_like_the_vcf(tmp_path):
    source = pysam.VariantFile(str(FIXTURES / "tumour_normal_bare_names.vcf"))
    bcf = tmp_path / "tumour_normal_bare_names.bcf"
    with pysam.VariantFile(str(bcf), "wb", header=source.header) as out:
        for record in source:
            out.write(record)
    result = read_vcf(bcf, PANELS)
    assert calls(result) == calls(read("tumour_normal_bare_names.vcf"))
    assert result.counts.filtered == 1
