"""`hpdgenomics screen` on VCFs written the way real callers and annotators write them.

Each fixture in tests/fixtures/vcf_caller_dialects/ holds true panel variants (DOMAIN.md section 3,
annotations/hotspots.tsv, canonical exon tables) in one tool's layout: Mutect2 + VEP 110
``--everything --per_gene`` (nf-core/sarek style), Strelka2 SNVs + VEP ``--refseq --pick``,
Strelka2 indels + SnpEff GRCh37.75 (bgzip + tabix), VarDict + SnpEff GRCh38.99
``-hgvs1LetterAa`` (bgzip + CSI), SAGE + bcftools csq ``--brief-predictions``, Mutect2 + GATK
Funcotator, and unannotated tumour-only FreeBayes. Each test asserts the
exact set of (rule, gene, one-letter protein change) the report lists, so anything extra fails.
Synonymous, intronic and UTR panel variants sit in the same files and must not be flagged.
The annotations were written by hand in each tool's documented layout, not produced by the tools.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from screen_reports import findings, screen_vcf, unmatched

FIXTURES = Path(__file__).parent / "fixtures" / "vcf_caller_dialects"


def screen(tmp_path: Path, name: str, *options: str) -> dict:
    return screen_vcf(FIXTURES / name, tmp_path, *options)


def test_mutect2_vep_everything_per_gene_grch38(tmp_path):
    data = screen(tmp_path, "mutect2_vep110_everything_per_gene_grch38.vcf")
    assert data["sample"]["id"] == "PT10_T"
    assert findings(data) == {
        ("EGFR_MUT", "EGFR", "p.E746_A750del"),   # c.2236_2250del: not the hotspot table's spelling
        ("EGFR_MUT", "EGFR", "p.A767_V769dup"),   # exon 20 insertion written as a duplication
        ("KRAS_MUT", "KRAS", "p.G12C"),
        ("KRAS_MUT", "KRAS", "p.G12V"),           # multi-allelic record, first ALT
        ("KRAS_MUT", "KRAS", "p.G12D"),           # multi-allelic record, second ALT
    }
    by_change = {a["protein_change"]: a for a in data["alterations"]}
    assert by_change["p.E746_A750del"]["criterion"] == "EGFR exon 19 in-frame deletion"
    assert by_change["p.A767_V769dup"]["criterion"] == "EGFR exon 20 insertion"
    # the non-canonical KRAS-201 entry comes first in CSQ; the knowledge-base transcript wins
    assert by_change["p.G12C"]["transcript"] == "ENST00000311936"
    assert by_change["p.G12D"]["vaf"] == pytest.approx(0.114)
    assert unmatched(data) == {("EGFR", "synonymous"), ("EGFR", "intronic"), ("KRAS", "utr")}
    assert data["inputs"][0]["records"]["off_panel"] == 1          # TP53 R273H
    assert data["warnings"] == []


def test_strelka2_snvs_vep_refseq_pick_grch37_picks_the_tumor_column(tmp_path):
    data = screen(tmp_path, "strelka2_snvs_vep105_refseq_pick_grch37.vcf")
    details = data["inputs"][0]["details"]
    assert details["sample"] == "TUMOR" and "named TUMOR" in details["sample_source"]
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("EGFR_MUT", "EGFR", "p.T790M"),
                              ("AKT1_E17K", "AKT1", "p.E17K")}
    l858r = next(a for a in data["alterations"] if a["protein_change"] == "p.L858R")
    assert l858r["transcript"] == "NM_005228"
    assert l858r["vaf"] == pytest.approx(70 / 160)                 # tier-1 GU / (GU + TU)
    assert data["inputs"][0]["records"]["filtered"] == 1           # KRAS G12D with LowEVS


def test_strelka2_indels_snpeff_grch37_bgzip_tabix(tmp_path):
    data = screen(tmp_path, "strelka2_indels_snpeff_grch37_75.vcf.gz")
    assert data["inputs"][0]["details"]["index_used"] is True
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.E746_A750del"),
                              ("STK11_LOSS", "STK11", "p.Q37fs")}
    # one-codon deletion: not truncating
    assert unmatched(data) == {("TSC2", "inframe_deletion")}
    stk11 = next(a for a in data["alterations"] if a["gene"] == "STK11")
    assert stk11["vaf"] == pytest.approx(48 / 128)                  # TIR / (TIR + TAR), tier 1


def test_vardict_snpeff_one_letter_grch38_bgzip_csi(tmp_path):
    data = screen(tmp_path, "vardict_snpeff_grch38_99_hgvs1letter.vcf.gz", "--sample", "PT20_T")
    assert data["inputs"][0]["details"]["index_used"] is True
    assert findings(data) == {
        ("KRAS_MUT", "KRAS", "p.Q61H"), ("DNMT3A_ALT", "DNMT3A", "p.R882H"),
        # splice donor c.290+1G>T
        ("STK11_LOSS", "STK11", "p.Q37*"), ("STK11_LOSS", "STK11", None),
        ("KRAS_STK11_CO", "KRAS+STK11", None)}
    splice = next(a for a in data["alterations"] if a["gene"] == "STK11"
                  and not a["protein_change"])
    assert splice["consequence"] == "splice_site" and splice["hgvsc"] == "c.290+1G>T"
    assert unmatched(data) == {("KRAS", "synonymous"), ("STK11", "intronic")}


def test_sage_bcftools_csq_brief_predictions_grch38(tmp_path):
    data = screen(tmp_path, "sage_bcftools_csq_brief_grch38.vcf", "--sample", "PT30_T")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G13D"),
                              ("VHL_LOSS", "VHL", "p.S65*"), ("TSC2_LOSS", "TSC2", "p.R905fs")}
    assert unmatched(data) == {("VHL", "utr")}
    assert data["inputs"][0]["records"]["filtered"] == 1


def test_mutect2_funcotator_grch38(tmp_path):
    data = screen(tmp_path, "mutect2_funcotator_grch38.vcf")
    # STK11 Q37* is outside the hotspot table: only the FUNCOTATION NONSENSE call makes it a finding
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G12C"),
                              ("STK11_LOSS", "STK11", "p.Q37*"),
                              ("KRAS_STK11_CO", "KRAS+STK11", None)}
    assert unmatched(data) == set()
    assert all(a["annotation_source"] == "GATK Funcotator" for a in data["alterations"]
               if a["evidence_type"] == "variant")
    # the otherTranscripts entry names KRAS-201; the knowledge-base transcript is the one reported
    kras = next(a for a in data["alterations"] if a["gene"] == "KRAS")
    assert kras["transcript"] == "ENST00000311936"
    assert data["warnings"] == []


def test_freebayes_tumour_only_unannotated_grch37(tmp_path):
    data = screen(tmp_path, "freebayes_tumour_only_unannotated_grch37.vcf")
    assert data["sample"]["id"] == "PT50_TUMOUR"
    assert findings(data) == {
        ("EGFR_MUT", "EGFR", None),         # exon 19 in-frame deletion, one base right of the table
        ("EGFR_MUT", "EGFR", None),         # exon 20 insertion (set: one entry)
        ("KRAS_MUT", "KRAS", "p.G12F"),     # MNP matched to the hotspot table's mnv row
        ("AKT1_E17K", "AKT1", "p.E17K"),    # second ALT of a multi-allelic record
        ("STK11_LOSS", "STK11", None), ("VHL_LOSS", "VHL", None),
        ("KRAS_STK11_CO", "KRAS+STK11", None)}
    egfr = sorted(a["criterion"] for a in data["alterations"] if a["gene"] == "EGFR")
    assert egfr == ["EGFR exon 19 in-frame deletion", "EGFR exon 20 insertion"]
    assert {a["consequence"] for a in data["alterations"] if a["gene"] in ("STK11", "VHL")} == \
        {"splice_site", "frameshift"}
    assert unmatched(data) == {("EGFR", "intronic"), ("KRAS", "intronic"), ("AKT1", "nonsense")}


# --- malformed variations: a correct report with a warning, or one clear error --------------------

def test_csq_in_records_but_not_declared_falls_back_with_a_warning(tmp_path):
    data = screen(tmp_path, "vep_csq_not_declared_in_header.vcf")
    assert findings(data) == {("EGFR_MUT", "EGFR", "p.L858R"), ("KRAS_MUT", "KRAS", "p.G12C")}
    assert any("INFO/CSQ" in w and "does not declare it" in w for w in data["warnings"])


def test_csq_entries_longer_than_the_header_are_read_with_a_warning(tmp_path):
    data = screen(tmp_path, "vep_csq_entries_longer_than_header.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12C"), ("STK11_LOSS", "STK11", "p.Q37*"),
                              ("KRAS_STK11_CO", "KRAS+STK11", None)}
    assert any("header lists 12 VEP fields" in w and "14 fields" in w for w in data["warnings"])


def test_csq_header_from_another_run_is_not_trusted(tmp_path):
    # IMPACT is missing from the header's list, so every later column would be read one off
    data = screen(tmp_path, "vep_csq_header_fields_shifted.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12C")}     # hotspot, by coordinates
    assert unmatched(data) == {("STK11", "coding_undetermined")}
    assert any("do not fit the header's field list" in w for w in data["warnings"])
    # the STK11 coding SNV might be truncating: STK11 loss cannot be called absent
    rules = {r["rule_id"]: r for r in data["rules"]}
    assert rules["STK11_LOSS"]["status"] == "not_evaluable"
    assert "undetermined protein effect" in rules["STK11_LOSS"]["reason"]
    assert rules["KRAS_STK11_CO"]["status"] == "not_evaluable"
    stk11 = next(g for g in data["genes"] if g["gene"] == "STK11")
    assert stk11["variant_status"] == "not_evaluable"
    assert data["caution"]["complete"] is False
    assert "STK11_LOSS" in data["caution"]["rules_not_evaluable"]


@pytest.mark.parametrize("name", ["non_ascii_utf8_info.vcf", "windows_crlf_line_endings.vcf"])
def test_non_ascii_info_and_crlf_line_endings_read_normally(tmp_path, name):
    data = screen(tmp_path, name)
    assert ("KRAS_MUT", "KRAS", "p.G12C") in findings(data)
    assert all(a["annotation_source"] == "VEP CSQ" for a in data["alterations"]
               if a["evidence_type"] == "variant")


def test_missing_format_values_keep_the_call_or_reject_it_with_a_reason(tmp_path):
    data = screen(tmp_path, "missing_format_values_dot.vcf")
    assert findings(data) == {("KRAS_MUT", "KRAS", "p.G12C"), ("EGFR_MUT", "EGFR", "p.L858R")}
    g12c = next(a for a in data["alterations"] if a["gene"] == "KRAS")
    assert g12c["vaf"] is None                                      # AD/AF '.', GT 0/1
    assert any("no call (GT missing)" in w and "1207022" in w for w in data["warnings"])


def test_ad_with_fewer_values_than_alleles_uses_af(tmp_path):
    data = screen(tmp_path, "ad_fewer_values_than_alleles.vcf")
    vafs = {a["protein_change"]: a["vaf"] for a in data["alterations"]}
    assert vafs == {"p.G12V": pytest.approx(0.101), "p.G12D": pytest.approx(0.114)}
