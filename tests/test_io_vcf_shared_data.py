"""Every real third-party VCF in ../shared/data goes through read_vcf (skipped when absent).

Oracle for "which panel-gene variants does the file hold": the records overlapping the 14 panel
gene spans (GENCODE spans, identical to the knowledge base's genes_<build>.tsv), found
independently of hpdgenomics with

    zcat /work/shared/reference/hg19_gencode_genes.tsv.gz | awk -F'\\t' '<the 14 symbols>' > spans
    zcat -f FILE | awk -F'\\t' 'NR==FNR{...;next} !/^#/ && chrom==span_chrom &&
                                 $2 <= span_end && $2+length($4)-1 >= span_start'

run for both builds. In the build each file really is (by contig lengths/header) no file has a
record in a panel gene span: the only hit at all is annotated.expression.vcf.gz chr16:2102263 G>C,
inside TSC2's GRCh37 span (2,097,466-2,138,716) but outside its GRCh38 span (2,047,967-2,089,491),
and the file is GRCh38. So the expected panel-gene variant list is empty for every file.
Record/allele/non-PASS counts come from
    zcat -f FILE | awk -F'\\t' '!/^#/ && NF>=8 {r++; n=($5=="."?0:split($5,a,",")); al+=n}'.

A second set of tests checks each caller's FORMAT dialect on a real record: a one-gene "probe"
panel is placed over that record, and the expected VAF/depth were read off the record by hand.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from hpdgenomics.errors import UsageError
from hpdgenomics.io.vcf import read_vcf
from hpdgenomics.knowledge.panel import Panel
from hpdgenomics.model import PanelGene

pytestmark = [pytest.mark.shared, pytest.mark.usefixtures("shared_data")]


@pytest.fixture(scope="module")
def panels():
    from hpdgenomics.knowledge import load_knowledge

    return load_knowledge().panels


# file, options, expected (build, sample, records_read, alleles_read, index_used)
# Why options are needed:
#  - sample: every tumour/normal file without a ##tumor_sample header has 2+ samples
#  - build: test_radia/test_strelka/test_varscan have no ##contig lengths and no build name;
#    cancer.eff.vcf's SnpEff database "testHg3775Chr1" names no build
SHARED_FILES = [
    ("vcf_vep/annotated.expression.vcf.gz", {}, ("GRCh38", "HCC1395_TUMOR_DNA", 0, 0, True)),
    ("vcf_vep/vcf2maf_test.vep.empty.vcf", {"sample": "TUMOR"}, ("GRCh37", "TUMOR", 0, 0, False)),
    ("vcf_vep/vcf2maf_test_pindel.vep.vcf", {"sample": "TUMOR"},
     ("GRCh37", "TUMOR", 31, 31, False)),
    ("vcf_snpeff/cancer.ann.vcf", {"sample": "Patient_01_Somatic"},
     ("GRCh37", "Patient_01_Somatic", 1, 2, False)),
    ("vcf_snpeff/cancer.eff.vcf", {"sample": "Patient_01_Somatic", "build": "GRCh37"},
     ("GRCh37", "Patient_01_Somatic", 1, 2, False)),
    ("vcf_snpeff/cyvcf2_test.snpeff.vcf", {"sample": "1094PC0005"},
     ("GRCh37", "1094PC0005", 10, 10, False)),
    ("vcf_snpeff/test.ann.vcf", {}, ("GRCh37", "", 1, 1, False)),
    ("vcf_callers/test-mutect2.vcf.gz", {}, ("GRCh37", "tumor_downsample", 24, 24, False)),
    ("vcf_callers/test-sage2-multitumor.vcf.gz", {"sample": "APGI_1965"},
     ("GRCh38", "APGI_1965", 1, 1, False)),
    ("vcf_callers/test-strelka2.vcf.gz", {"sample": "tumor_downsample"},
     ("GRCh37", "tumor_downsample", 37, 37, False)),
    ("vcf_callers/test-vardict.vcf.gz", {"sample": "tumor_downsample"},
     ("GRCh37", "tumor_downsample", 236, 236, False)),
    ("vcf_callers/test-varlociraptor-tn.vcf.gz", {"sample": "tumor"},
     ("GRCh38", "tumor", 666, 666, False)),
    ("vcf_callers/test_mutect.vcf", {"sample": "TUMOR"}, ("GRCh37", "TUMOR", 500, 500, False)),
    ("vcf_callers/test_radia.vcf", {"sample": "DNA_TUMOR", "build": "GRCh37"},
     ("GRCh37", "DNA_TUMOR", 87, 95, False)),
    ("vcf_callers/test_strelka.vcf", {"sample": "TUMOR", "build": "GRCh37"},
     ("GRCh37", "TUMOR", 240, 240, False)),
    ("vcf_callers/test_varscan.vcf", {"sample": "TUMOR", "build": "GRCh37"},
     ("GRCh37", "TUMOR", 500, 500, False)),
    # symbolic/structural records: gCNV segments have ALT '.', i.e. no alleles at all
    ("vcf_sv_cnv/gatk_gcnv_segments_SAMPLE_000.vcf", {}, ("GRCh37", "SAMPLE_000", 5, 0, False)),
    ("vcf_sv_cnv/vcf2maf_test_delly.vcf", {"sample": "TUMOR"}, ("GRCh37", "TUMOR", 15, 15, False)),
]


# the annotation each header declares (INFO CSQ/ANN/EFF descriptions, checked with grep '##INFO')
ANNOTATION = {"annotated.expression.vcf.gz": "VEP CSQ", "vcf2maf_test.vep.empty.vcf": "VEP CSQ",
              "vcf2maf_test_pindel.vep.vcf": "VEP CSQ", "cancer.ann.vcf": "SnpEff ANN",
              "test.ann.vcf": "SnpEff ANN", "test-mutect2.vcf.gz": "SnpEff ANN",
              "test-strelka2.vcf.gz": "SnpEff ANN", "test-vardict.vcf.gz": "SnpEff ANN",
              "cancer.eff.vcf": "SnpEff EFF", "cyvcf2_test.snpeff.vcf": "SnpEff EFF"}


@pytest.mark.parametrize("name, options, expected", SHARED_FILES,
                         ids=[Path(f[0]).name for f in SHARED_FILES])
def test_shared_vcf_reads_and_holds_no_panel_variant(panels, name, options, expected, shared_data):
    result = read_vcf(shared_data / name, panels, **options)
    build, sample, records, alleles, index_used = expected
    c = result.counts
    assert (result.build, result.sample, c.records_read, c.alleles_read, c.index_used) == \
        (build, sample, records, alleles, index_used)
    # the oracle: no record of these files lies in a panel gene span of the file's build
    assert result.annotation == ANNOTATION.get(Path(name).name, "none (coordinate matching)")
    assert result.variants == []
    assert c.off_panel == c.alleles_read and c.filtered == c.rejected == c.screened == 0


def test_snpeff_log_line_and_missing_header_lines_are_repaired(panels, shared_data):
    result = read_vcf(shared_data / "vcf_snpeff/cancer.ann.vcf", panels,
                      sample="Patient_01_Somatic")
    assert any("skipped 1 line(s) before the VCF header" in w for w in result.warnings)
    assert result.build_source.startswith("SnpEff database")
    sites_only = read_vcf(shared_data / "vcf_snpeff/test.ann.vcf", panels)
    assert any("'#CHROM' column line" in w for w in sites_only.warnings)


def test_maize_file_is_refused_for_either_human_build(panels, shared_data):
    # SnpEff's maize example: chromosome 10 position 146,569,454 exceeds chr10 in both builds
    for build in ("GRCh37", "GRCh38"):
        with pytest.raises(UsageError, match="lies beyond the end of chromosome 10"):
            read_vcf(shared_data / "vcf_snpeff/test_vcf_ann_plus_sign.vcf", panels, build=build)


def test_multi_sample_shared_file_needs_sample(panels, shared_data):
    from hpdgenomics.errors import InputError

    with pytest.raises(InputError, match="APGI_1965_N, APGI_1965_rna, APGI_1965, APGI_1965_exome"):
        read_vcf(shared_data / "vcf_callers/test-sage2-multitumor.vcf.gz", panels)


# --- caller dialects on real records --------------------------------------------------------------

def probe(build: str, chrom: str, pos: int, symbol: str = "PROBE",
          transcript: str = "ENSTPROBE") -> dict[str, Panel]:
    gene = PanelGene(symbol, build, chrom, pos - 5, pos + 5, "+", transcript)
    return {build: Panel(build, {symbol: gene})}


# file, options, build, chrom, pos, (vaf, depth, alt_depth) read off the tumour column by hand
DIALECTS = [
    # Strelka SNV: TU tier1 57 (ALT T), CU tier1 0 (REF C) -> 57/57; DP 57
    ("vcf_callers/test_strelka.vcf", {"sample": "TUMOR", "build": "GRCh37"}, "GRCh37", "1",
     12170228, (1.0, 57, 57)),
    # Strelka indel: TIR 57, TAR 19 (tier 1) -> 57/76; DP 89
    ("vcf_callers/test_strelka.vcf", {"sample": "TUMOR", "build": "GRCh37"}, "GRCh37", "2",
     102626146, (0.75, 89, 57)),
    # Strelka2 (bcbio): GU 71 (ALT G), AU 48 (REF A) -> 71/119; DP 121
    ("vcf_callers/test-strelka2.vcf.gz", {"sample": "tumor_downsample"}, "GRCh37", "16", 93961,
     (71 / 119, 121, 71)),
    # VarScan: FREQ 38.46%, AD 35 (ALT reads), DP 91
    ("vcf_callers/test_varscan.vcf", {"sample": "TUMOR", "build": "GRCh37"}, "GRCh37", "1",
     1991014, (0.3846, 91, 35)),
    # Mutect1: FA 0.071, AD 39,3, DP 42
    ("vcf_callers/test_mutect.vcf", {"sample": "TUMOR"}, "GRCh37", "1", 204429832, (0.071, 42, 3)),
    # RADIA: AF 0.9,0.1 (REF first), AD 95,11, DP 106
    ("vcf_callers/test_radia.vcf", {"sample": "DNA_TUMOR", "build": "GRCh37"}, "GRCh37", "1",
     29651735, (0.1, 106, 11)),
    # Mutect2: AF 0.58, AD 44,62, DP 106
    ("vcf_callers/test-mutect2.vcf.gz", {}, "GRCh37", "16", 93961, (0.58, 106, 62)),
    # VarDict: AF 0.1739, AD 19,4, DP 23
    ("vcf_callers/test-vardict.vcf.gz", {"sample": "tumor_downsample"}, "GRCh37", "16", 63549,
     (0.1739, 23, 4)),
    # varlociraptor: AF 0.940488, DP 119 (Number=A), no read counts
    ("vcf_callers/test-varlociraptor-tn.vcf.gz", {"sample": "tumor"}, "GRCh38", "21", 8686652,
     (0.940488, 119, None)),
    # SAGE: AF 0.291, AD 39,16, DP 55
    ("vcf_callers/test-sage2-multitumor.vcf.gz", {"sample": "APGI_1965"}, "GRCh38", "21",
     45464743, (0.291, 55, 16)),
    # Pindel (VEP-annotated): AD 43,4 -> 4/47; DP 47 (tumour GT 0/0 but 4 ALT reads: kept)
    ("vcf_vep/vcf2maf_test_pindel.vep.vcf", {"sample": "TUMOR"}, "GRCh37", "1", 16890971,
     (4 / 47, 47, 4)),
]


@pytest.mark.parametrize("name, options, build, chrom, pos, expected", DIALECTS,
                         ids=[f"{Path(d[0]).name}:{d[4]}" for d in DIALECTS])
def test_caller_dialect_vaf_and_depth(name, options, build, chrom, pos, expected, shared_data):
    result = read_vcf(shared_data / name, probe(build, chrom, pos), **options)
    (variant,) = [v for v in result.variants if v.pos in (pos, pos + 1)]
    vaf, depth, alt_depth = expected
    assert variant.vaf == pytest.approx(vaf)
    assert (variant.depth, variant.alt_depth) == (depth, alt_depth)


def test_sage_rna_sample_without_alt_reads_is_rejected(shared_data):
    result = read_vcf(shared_data / "vcf_callers/test-sage2-multitumor.vcf.gz",
                      probe("GRCh38", "21", 45464743), sample="APGI_1965_rna")
    assert result.variants == [] and result.counts.rejected == 1


def test_vep_annotated_indexed_file_through_a_probe_gene(shared_data):
    # chr1:1212740 A>C lies in TNFRSF4 intron 3 on ENST00000379236 (VEP: c.371-36T>G); the
    # probe names that gene and transcript, so the VEP entry is chosen as the canonical one
    panels = probe("GRCh38", "1", 1212740, symbol="TNFRSF4", transcript="ENST00000379236")
    result = read_vcf(shared_data / "vcf_vep/annotated.expression.vcf.gz", panels)
    assert result.counts.index_used and result.annotation == "VEP CSQ"
    (variant,) = result.variants
    assert (variant.gene, variant.transcript, variant.hgvsc) == \
        ("TNFRSF4", "ENST00000379236", "c.371-36T>G")
    assert variant.consequence.value == "intronic"
    assert variant.annotation_source == "VEP CSQ"
    assert "knowledge-base canonical transcript" in variant.transcript_choice
    assert (variant.vaf, variant.depth, variant.alt_depth) == (1.0, 24, 24)
    assert variant.record == "record at chr1:1212740 A>C"
