"""GATK Funcotator (INFO/FUNCOTATION) parsing, on small hand-written VCFs in Funcotator's layout.

The fixtures in tests/fixtures/annotation/funcotator_*.vcf follow GATK 4.x ``VcfOutputRenderer``:
the header lists ``Gencode_<release>_<field>`` names after ``Funcotation fields are:``; each ALT
gets one ``[..|..]`` block per transcript (blocks joined by ``#``), ALT groups are separated by
``,`` and Funcotator escapes delimiters inside fields as ``_%XX_``. Each fixture's ``##comment``
line names the edge case it holds.
"""
from __future__ import annotations

import json
from pathlib import Path

import cyvcf2
import pytest
from click.testing import CliRunner

from hpdgenomics.annotation import Funcotator, VepCsq, choose_effect, detect_flavour
from hpdgenomics.annotation.funcotator import (
    classification_effect,
    funcotation_fields,
    unescape_field,
)
from hpdgenomics.cli import cli
from hpdgenomics.model import CodingExon, Consequence, PanelGene

FIXTURES = Path(__file__).parent / "fixtures" / "annotation"

EGFR = PanelGene(symbol="EGFR", build="GRCh37", chrom="7", start=55086714, end=55324313, strand="+",
                 transcript="ENST00000275493", refseq="NM_005228.5")
KRAS = PanelGene(symbol="KRAS", build="GRCh38", chrom="12", start=25205246, end=25250936,
                 strand="-",
                 transcript="ENST00000311936", refseq="NM_004985.5",
                 exons=(CodingExon(2, 25245274, 25245395, 25245274, 25245384, 1, 111),))


def read(name: str):
    """(flavour, [effects by ALT for each record]) for a fixture, read with cyvcf2."""
    vcf = cyvcf2.VCF(str(FIXTURES / name))
    flavour = detect_flavour(vcf)
    assert isinstance(flavour, Funcotator), name
    records = [flavour.effects(record) for record in vcf]
    vcf.close()
    return flavour, records


def header_vcf(tmp_path: Path, *info_lines: str) -> cyvcf2.VCF:
    path = tmp_path / "header_only.vcf"
    path.write_text("\n".join(["##fileformat=VCFv4.2", "##contig=<ID=chr12,length=133275309>",
                               *info_lines,
                               "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]) + "\n")
    return cyvcf2.VCF(str(path))


# --- header and field text ---------------------------------------------------------------------

def test_field_list_is_read_after_the_preamble_and_gencode_names_match_by_suffix():
    description = ("Functional annotation from the Funcotator tool.  Funcotation fields are: "
                   "Gencode_43_hugoSymbol|Gencode_43_variantClassification|ClinVar_VCF_AF")
    assert funcotation_fields(description) == ["Gencode_43_hugoSymbol",
                                               "Gencode_43_variantClassification", "ClinVar_VCF_AF"]
    flavour = Funcotator.from_header("FUNCOTATION", description)
    assert flavour.name == "GATK Funcotator" and flavour.has_gencode_fields()


@pytest.mark.parametrize("escaped, plain", [
    ("Benign_%7C_Likely_%20_benign", "Benign|Likely benign"),
    ("drug_%20_response_%2C_Pathogenic", "drug response,Pathogenic"),
    ("p.T790_%3D_", "p.T790="),
    ("a_%3B_b_%23_c_%09_d_%0A_e", "a;b#c\td\ne"),
    ("KRAS_ENST00000256078.10_Missense_Mutation_p.G12C",
     "KRAS_ENST00000256078.10_Missense_Mutation_p.G12C"),
])
def test_funcotator_escapes_are_decoded(escaped, plain):
    assert unescape_field(escaped) == plain


@pytest.mark.parametrize("primary, secondary, terms, consequence", [
    ("MISSENSE", "", ("missense_variant",), Consequence.MISSENSE),
    ("NONSENSE", "", ("stop_gained",), Consequence.NONSENSE),
    ("NONSTOP", "", ("stop_lost",), Consequence.STOP_LOST),
    ("FRAME_SHIFT_INS", "", ("frameshift_variant",), Consequence.FRAMESHIFT),
    ("FRAME_SHIFT_DEL", "", ("frameshift_variant",), Consequence.FRAMESHIFT),
    ("IN_FRAME_INS", "", ("inframe_insertion",), Consequence.INFRAME_INSERTION),
    ("START_CODON_SNP", "", ("start_lost",), Consequence.START_LOST),
    ("SILENT", "", ("synonymous_variant",), Consequence.SYNONYMOUS),
    ("DE_NOVO_START_OUT_FRAME", "", ("5_prime_UTR_premature_start_codon_gain_variant",),
     Consequence.UTR),
    ("THREE_PRIME_UTR", "", ("3_prime_UTR_variant",), Consequence.UTR),
    ("LINCRNA", "", ("non_coding_transcript_exon_variant",), Consequence.NONCODING),
    ("IGR", "", ("intergenic_variant",), Consequence.NONCODING),
    ("SPLICE_SITE", "", ("splice_site_variant",), Consequence.SPLICE_SITE),
    ("SPLICE_SITE", "INTRON", ("splice_site_variant",), Consequence.SPLICE_SITE),
    ("SPLICE_SITE", "MISSENSE", ("missense_variant", "splice_region_variant"),
     Consequence.MISSENSE),
    ("SPLICE_SITE", "NONSENSE", ("stop_gained", "splice_region_variant"), Consequence.NONSENSE),
    ("COULD_NOT_DETERMINE", "", ("COULD_NOT_DETERMINE",), Consequence.OTHER),
])
def test_variant_classifications_map_to_project_classes(primary, secondary, terms, consequence):
    assert classification_effect(primary, secondary) == (terms, consequence)


# --- detection -----------------------------------------------------------------------------------

def test_funcotation_without_gencode_fields_is_not_a_flavour(tmp_path):
    vcf = header_vcf(tmp_path,
                     '##INFO=<ID=FUNCOTATION,Number=A,Type=String,Description="Functional '
                     'annotation from the Funcotator tool.  Funcotation fields are: '
                     'ClinVar_VCF_AF|gnomAD_exome_AF">')
    assert detect_flavour(vcf) is None


def test_vep_is_preferred_when_a_file_carries_both(tmp_path):
    vcf = header_vcf(tmp_path,
                     '##INFO=<ID=FUNCOTATION,Number=A,Type=String,Description="Functional '
                     'annotation from the Funcotator tool.  Funcotation fields are: '
                     'Gencode_34_hugoSymbol|Gencode_34_variantClassification">',
                     '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations '
                     'from Ensembl VEP. Format: Allele|Consequence|SYMBOL|Feature">')
    assert isinstance(detect_flavour(vcf), VepCsq)


# --- records -------------------------------------------------------------------------------------

def test_groups_follow_alt_order_and_indel_alleles_are_funcotators_trimmed_ones():
    flavour, (deletion, insertion, multiallelic) = read("funcotator_multiallelic_and_indels.vcf")
    assert flavour.tag == "FUNCOTATION"
    [effect] = deletion["G"]
    assert effect.consequence is Consequence.INFRAME_DELETION
    assert effect.protein_change == "p.E746_A750del" and effect.exon == 19
    assert effect.transcript == "ENST00000275493"                   # version removed
    assert effect.canonical is None and effect.mane_select is None  # Funcotator has no such flags
    [effect] = insertion["GCCAGCGTGG"]
    assert effect.consequence is Consequence.INFRAME_INSERTION
    assert effect.protein_change == "p.V769_D770insASV" and effect.exon == 20
    assert [e.protein_change for e in multiallelic["T"]] == ["p.G12D"]
    assert [e.protein_change for e in multiallelic["A"]] == ["p.G12V"]
    assert multiallelic["A"][0].hgvsc == "c.35G>T"


def test_all_transcripts_blocks_escapes_and_gencode_19():
    _, (t790m, synonymous) = read("funcotator_gencode19_all_transcripts_escaped.vcf")
    # one ALT, two '#'-joined transcript blocks; the escaped ',' did not split the ALT group
    assert [(e.transcript, e.exon, e.protein_change) for e in t790m["T"]] == [
        ("ENST00000455089", 19, "p.T741M"), ("ENST00000275493", 20, "p.T790M")]
    chosen, reason = choose_effect(t790m["T"], EGFR)
    assert chosen.protein_change == "p.T790M"
    assert reason == "knowledge-base canonical transcript ENST00000275493"
    [effect] = synonymous["A"]
    assert effect.consequence is Consequence.SYNONYMOUS and effect.protein_change == "p.Q787="


def test_splice_site_is_refined_by_the_secondary_classification():
    _, (exonic, donor) = read("funcotator_splice_site_secondary.vcf")
    [effect] = exonic["T"]
    # last base of KRAS exon 2, synonymous: next to the boundary, not a splice donor change
    assert effect.consequence is Consequence.SPLICE_REGION
    assert effect.so_terms == ("synonymous_variant", "splice_region_variant")
    assert effect.protein_change == "p.E37="
    [effect] = donor["T"]
    assert effect.consequence is Consequence.SPLICE_SITE
    assert effect.hgvsc == "c.290+1G>T"
    assert effect.protein_change is None                             # "p.X97_splice" is not HGVS


def test_fewer_groups_than_alts_are_matched_on_the_tumour_allele():
    _, [effects] = read("funcotator_groups_fewer_than_alts.vcf")
    assert effects["T"] == []
    [effect] = effects["A"]
    assert effect.protein_change == "p.G12V"
    assert choose_effect(effects["A"], KRAS)[0] is effect


# --- end to end -----------------------------------------------------------------------------------

def test_screen_of_a_funcotator_annotated_mutect2_vcf(tmp_path):
    result = CliRunner().invoke(cli, ["screen", "--vcf",
                                      str(FIXTURES / "funcotator_mutect2_screen_grch38.vcf"),
                                      "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [report] = tmp_path.glob("*.hpd.json")
    data = json.loads(report.read_text())
    assert data["sample"]["id"] == "PT41_T"
    assert {(a["rule_id"], a["gene"], a["protein_change"]) for a in data["alterations"]} == {
        ("KRAS_MUT", "KRAS", "p.G12C"), ("EGFR_MUT", "EGFR", "p.L858R"),
        ("STK11_LOSS", "STK11", "p.Q37*"), ("KRAS_STK11_CO", "KRAS+STK11", None)}
    stk11 = next(a for a in data["alterations"] if a["rule_id"] == "STK11_LOSS")
    assert stk11["consequence"] == "nonsense" and stk11["annotation_source"] == "GATK Funcotator"
    # synonymous, exonic splice-region synonymous and intronic panel variants are not flagged
    assert {(u["gene"], u["consequence"]) for u in data["unmatched_variants"]} == {
        ("EGFR", "synonymous"), ("KRAS", "splice_region"), ("STK11", "intronic")}
    assert not any("FUNCOTATION" in w for w in data["warnings"])
