"""`hpdgenomics screen` on less common VCF layouts: callers, BCF, annotator options, alleles.

Fixtures in tests/fixtures/vcf_caller_edge_cases/ (regenerate with its make_fixtures.py) are written
by hand in each tool's layout: DRAGEN tumour-normal and tumour-only, Octopus, LoFreq, Platypus,
DeepSomatic, ClairS-TO, a HaplotypeCaller gVCF, compressed and uncompressed BCF, VEP ``--merged``,
``--minimal``, ``--shift_hgvs``, ``--vcf_info_field ANN``, VEP 113 as PCGR writes it, a 10,000+
character CSQ, SnpEff ``-cancer`` and SnpEff 5 with warnings, multi-allelic, MNV, delins and
insertion placements, alt/decoy/HLA/RefSeq contig names and a VCFv4.5 header. Each test asserts the
exact set of (rule, gene, one-letter protein change) the report lists, so anything extra fails.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from screen_reports import findings, screen_vcf, unmatched

from hpdgenomics.genome import normalize_chrom

FIXTURES = Path(__file__).parent / "fixtures" / "vcf_caller_edge_cases"
CO = ("KRAS_STK11_CO", "KRAS+STK11", None)


def screen(tmp_path: Path, name: str, *options: str) -> dict:
    return screen_vcf(FIXTURES / name, tmp_path, *options)


def vafs(report: dict) -> dict[str | None, float | None]:
    return {a["protein_change"]: a["vaf"] for a in report["alterations"]
            if a["evidence_type"] == "variant"}


def records(report: dict) -> dict:
    return report["inputs"][0]["records"]


# --- callers --------------------------------------------------------------------------------------

def test_dragen_tumour_normal_tumour_named_only_on_the_command_line(tmp_path):
    data = screen(tmp_path, "dragen_somatic_tn_rgsm_tumor_grch38.vcf")
    details = data["inputs"][0]["details"]
    assert details["sample"] == "PT60_T" and "--RGSM-tumor" in details["sample_source"]
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G12C"),
                              ("STK11_LOSS", "STK11", None), CO}
    stk11 = next(a for a in data["alterations"] if a["gene"] == "STK11")
    assert stk11["consequence"] == "frameshift"
    # the tumour column, not the normal's
    assert vafs(data)["p.G12C"] == pytest.approx(0.305)
    assert records(data)["filtered"] == 1                         # T790M weak_evidence
    assert records(data)["off_panel"] == 2                        # TP53 and chrUn


def test_dragen_tumour_only_hs37d5_decoys_bgzip_without_index(tmp_path):
    data = screen(tmp_path, "dragen_tumour_only_hs37d5_decoys_grch37.vcf.gz")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12D"), ("AKT1_E17K", "AKT1", "p.E17K")}
    # MT, GL000192.1, the NC_007605 EBV decoy (not a RefSeq chromosome) and hs37d5 are off-panel
    assert records(data)["off_panel"] == 4 and records(data)["filtered"] == 1
    assert data["warnings"] == []


def test_octopus_tumour_from_normal_sample_option_and_tumour_ft_filter(tmp_path):
    data = screen(tmp_path, "octopus_somatic_germline_and_ft_grch38.vcf")
    assert data["inputs"][0]["details"]["sample"] == "PT70_T"
    # T790M: FILTER PASS but the tumour's own FT is 'AF' -> filtered, not reported
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G12D")}
    assert records(data)["filtered"] == 1
    assert unmatched(data) == {("EGFR", "coding_undetermined")}   # germline Q787Q, unannotated


def test_octopus_tumour_ft_filter_is_kept_with_include_filtered(tmp_path):
    data = screen(tmp_path, "octopus_somatic_germline_and_ft_grch38.vcf", "--include-filtered")
    assert ("EGFR_MUT", "EGFR", "p.T790M") in findings(data)


def test_lofreq_sites_only_vaf_from_info(tmp_path):
    data = screen(tmp_path, "lofreq_somatic_sites_only_grch38.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12D"), ("KRAS_MUT", "KRAS", "p.G12C"),
                              ("EGFR_MUT", "EGFR", None)}
    assert vafs(data)["p.G12D"] == pytest.approx(0.062195)
    egfr = next(a for a in data["alterations"] if a["gene"] == "EGFR")
    assert egfr["criterion"] == "EGFR exon 19 in-frame deletion" and egfr["depth"] == 640
    assert records(data)["filtered"] == 1                          # min_snvqual_79


def test_platypus_vaf_from_nv_over_nr(tmp_path):
    data = screen(tmp_path, "platypus_nr_nv_grch37.vcf", "--include-filtered")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G12V"),
                              ("KRAS_MUT", "KRAS", "p.G12D"), ("KRAS_MUT", "KRAS", "p.G12C"),
                              ("AKT1_E17K", "AKT1", "p.E17K")}
    assert vafs(data) == {"p.L858R": pytest.approx(0.2), "p.G12V": pytest.approx(20 / 150),
                          "p.G12D": pytest.approx(30 / 150), "p.G12C": pytest.approx(0.2),
                          "p.E17K": pytest.approx(0.05)}
    default = screen(tmp_path / "pass_only", "platypus_nr_nv_grch37.vcf")
    assert findings(default) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G12C")}


def test_deepsomatic_germline_and_refcall_are_filtered(tmp_path):
    data = screen(tmp_path, "deepsomatic_filters_vaf_grch38.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12C")}
    assert vafs(data)["p.G12C"] == pytest.approx(0.3)
    assert records(data)["filtered"] == 2


def test_clairs_to_base_counts(tmp_path):
    data = screen(tmp_path, "clairs_to_base_counts_grch38.vcf")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R")}
    assert vafs(data)["p.L858R"] == pytest.approx(0.3)
    # an unannotated STK11 coding SNV is reported as undetermined, never guessed
    assert unmatched(data) == {("STK11", "coding_undetermined")}


def test_haplotypecaller_gvcf_reference_blocks_and_non_ref_are_not_variants(tmp_path):
    data = screen(tmp_path, "haplotypecaller_gvcf_non_ref_grch38.g.vcf")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R")}
    assert vafs(data)["p.L858R"] == pytest.approx(0.22)               # AD 78,22,0 (NON_REF last)
    assert records(data)["rejected"] == 0 and records(data)["alleles_read"] == 1
    assert not any("structural" in w or "copy-number" in w for w in data["warnings"])
    assert any("gVCF" in w and "3 reference block(s)" in w for w in data["warnings"])


# --- BCF ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, indexed", [("mutect2_vep_grch38_csi.bcf", True),
                                           ("mutect2_vep_grch38_uncompressed.bcf", False)])
def test_bcf_compressed_with_csi_and_uncompressed(tmp_path, name, indexed):
    data = screen(tmp_path, name)
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G12C")}
    assert data["inputs"][0]["details"]["index_used"] is indexed
    assert data["warnings"] == []


# --- VEP ------------------------------------------------------------------------------------------

def test_vep_merged_refseq_and_ensembl_entries(tmp_path):
    data = screen(tmp_path, "sarek_vep_merged_refseq_ensembl_grch38.vcf")
    # the XM_ model's p.G36C comes first in CSQ and must not be reported
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12C"), ("STK11_LOSS", "STK11", "p.Q37*"), CO}
    kras = next(a for a in data["alterations"] if a["gene"] == "KRAS")
    assert kras["transcript"] in ("ENST00000311936", "NM_004985")


def test_vep_minimal_alleles_on_multiallelic_records(tmp_path):
    data = screen(tmp_path, "vep_minimal_multiallelic_grch38.vcf")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.E746_A750del"),
                              ("KRAS_MUT", "KRAS", "p.G12V")}
    assert unmatched(data) == {("EGFR", "synonymous")}             # second ALT: c.2235G>A, K745=
    assert vafs(data)["p.E746_A750del"] == pytest.approx(0.3)
    assert any("no reads support" in w and "25245350 C>T" in w for w in data["warnings"])


def test_vep_shift_hgvs_exon19_spellings_all_match_the_exon_criterion(tmp_path):
    data = screen(tmp_path, "vep_shift_hgvs_exon19_spellings_grch38.vcf")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.E746_A750del"),
                              ("EGFR_MUT", "EGFR", "p.L747_T751del"),
                              ("EGFR_MUT", "EGFR", "p.E746_S752delinsV")}
    assert {a["criterion"] for a in data["alterations"]} == {"EGFR exon 19 in-frame deletion"}


def test_vep_writing_to_ann_is_read_as_vep(tmp_path):
    data = screen(tmp_path, "vep_vcf_info_field_ann_flag_pick_grch38.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12C"), ("AKT1_E17K", "AKT1", "p.E17K")}
    assert {a["annotation_source"] for a in data["alterations"]} == {"VEP CSQ"}
    # PICK sits on KRAS-201; the knowledge-base transcript is still the one reported
    assert next(a for a in data["alterations"]
                if a["gene"] == "KRAS")["transcript"] == "ENST00000311936"


def test_pcgr_vep113_sites_only_vaf_from_tvaf(tmp_path):
    data = screen(tmp_path, "pcgr_vep113_mane_sites_only_tvaf_grch38.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12D"), ("STK11_LOSS", "STK11", "p.Q37*"), CO}
    assert unmatched(data) == {("EGFR", "synonymous")}
    kras = next(a for a in data["alterations"] if a["gene"] == "KRAS")
    assert kras["transcript"] == "ENST00000311936"             # MANE Select, not MANE Plus Clinical
    assert (kras["vaf"], kras["depth"]) == (pytest.approx(0.225), 240)


def test_csq_longer_than_10000_characters(tmp_path):
    data = screen(tmp_path, "vep_csq_over_10000_characters_grch38.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12C")}
    assert data["warnings"] == []


# --- SnpEff ---------------------------------------------------------------------------------------

def test_snpeff_cancer_pedigree_names_the_tumour_and_allele_pairs_are_ignored(tmp_path):
    data = screen(tmp_path, "snpeff_cancer_pedigree_lof_nmd_grch37.vcf")
    details = data["inputs"][0]["details"]
    assert details["sample"] == "PT80-TUM" and "PEDIGREE" in details["sample_source"]
    # 'T-A' (p.Val12Asp, tumour against normal) is not a change from the reference
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12V"), ("KRAS_MUT", "KRAS", "p.G12D"),
                              ("STK11_LOSS", "STK11", "p.Q37fs"), CO}
    assert vafs(data)["p.G12D"] == pytest.approx(45 / 120)


def test_snpeff5_warnings_and_lof_tags(tmp_path):
    data = screen(tmp_path, "snpeff5_warnings_lof_nmd_grch38.vcf")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.E746_A750del"),
                              ("STK11_LOSS", "STK11", "p.Q37*")}
    assert data["warnings"] == []


# --- alleles --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["multiallelic_second_alt_hotspot_unsplit_vep_grch38.vcf",
                                  "multiallelic_second_alt_hotspot_split_unannotated_grch38.vcf"])
def test_only_the_second_alt_is_the_hotspot(tmp_path, name):
    data = screen(tmp_path, name)
    assert findings(data) == {("AKT1_E17K", "AKT1", "p.E17K")}
    assert vafs(data)["p.E17K"] == pytest.approx(0.222)
    assert len(data["unmatched_variants"]) == 1                    # E17Q (annotated or not)


def test_kras_g12f_mnv(tmp_path):
    data = screen(tmp_path, "kras_g12f_mnv_vep_grch38.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12F")}


def test_vep_minimal_alleles_two_alts_spell_alike_are_not_guessed(tmp_path):
    # both entries say Allele 'A': neither may be given to the wrong ALT (G12V at 0.133 was
    # reported as G12C); the alleles fall back to the hotspot table by coordinates
    data = screen(tmp_path, "vep_minimal_ambiguous_alleles_mnv_grch38.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12V"), ("KRAS_MUT", "KRAS", "p.G12C")}
    assert vafs(data) == {"p.G12V": pytest.approx(0.133), "p.G12C": pytest.approx(0.2)}


def test_unannotated_delins_and_exon20_insertion_left_or_right_placed(tmp_path):
    data = screen(tmp_path, "egfr_delins_and_exon20_insertion_placements_unannotated_grch38.vcf")
    criteria = sorted(a["criterion"] for a in data["alterations"])
    assert criteria == ["EGFR exon 19 in-frame deletion", "EGFR exon 20 insertion",
                        "EGFR exon 20 insertion"]
    assert unmatched(data) == set()


# --- contigs and headers --------------------------------------------------------------------------

def test_alt_decoy_hla_and_mitochondrial_contigs_are_off_panel(tmp_path):
    data = screen(tmp_path, "alt_decoy_hla_chrM_contigs_grch38.vcf")
    # the chr7 alt contig and chr12 fix patch have their own coordinates: not EGFR/KRAS
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R")}
    assert records(data)["off_panel"] == 6


def test_grch38_contig_lengths_beat_an_hg19_reference_line(tmp_path):
    data = screen(tmp_path, "grch38_contig_lengths_with_hg19_reference_line.vcf")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R")}
    assert any("contig lengths were believed" in w for w in data["warnings"])


def test_refseq_accession_contigs(tmp_path):
    data = screen(tmp_path, "refseq_accession_contigs_grch38.vcf")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G12C"),
                              ("STK11_LOSS", "STK11", None), CO}
    assert data["sample"]["genome_build"] == "GRCh38"
    assert data["sample"]["genome_build_source"].startswith("contig lengths (3 of 3")
    assert records(data)["off_panel"] == 2                         # NC_012920.1 (MT), NT_ scaffold


@pytest.mark.parametrize("raw, chrom", [("NC_000007.14", "7"), ("NC_000007.13", "7"),
                                        ("NC_000023.11", "X"), ("NC_000024.9", "Y"),
                                        ("NC_012920.1", "MT"), ("NC_007605", "NC_007605"),
                                        ("chr7", "7"), ("NT_187361.1", "NT_187361.1")])
def test_chromosome_names_map_refseq_chromosome_accessions_only(raw, chrom):
    assert normalize_chrom(raw) == chrom


def test_vcf_4_5_header_sample_lines_and_af_with_ref_first(tmp_path):
    data = screen(tmp_path, "vcf_v4_5_sample_lines_af_number_r_grch38.vcf")
    details = data["inputs"][0]["details"]
    assert details["sample"] == "PT89_T" and "##SAMPLE" in details["sample_source"]
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12D"), ("EGFR_MUT", "EGFR", "p.L858R")}
    assert vafs(data) == {"p.G12D": pytest.approx(0.25), "p.L858R": pytest.approx(0.25)}
