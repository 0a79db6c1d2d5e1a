"""Flavour detection, allele assignment and transcript choice, on small hand-written VCFs.

Each fixture in tests/fixtures/annotation/ holds one edge case named in its file name and in its
``##comment`` line.
"""
from __future__ import annotations

from pathlib import Path

import cyvcf2
import pytest

from hpdgenomics.annotation import (
    BcftoolsCsq,
    SnpEffAnn,
    SnpEffEff,
    TranscriptEffect,
    VepCsq,
    choose_effect,
    detect_flavour,
)
from hpdgenomics.annotation.bcsq import DOWNSTREAM_OF_STOP
from hpdgenomics.model import CodingExon, Consequence, PanelGene

FIXTURES = Path(__file__).parent / "fixtures" / "annotation"


def read(name: str):
    """(flavour, [(record, effects by ALT)]) for a fixture, read with cyvcf2."""
    vcf = cyvcf2.VCF(str(FIXTURES / name))
    flavour = detect_flavour(vcf)
    assert flavour is not None, name
    records = [(record, flavour.effects(record)) for record in vcf]
    vcf.close()
    return flavour, records


# --- VEP -----------------------------------------------------------------------------------------

def test_vep_deletion_allele_dash_and_insertion_without_anchor_base_find_their_alt():
    flavour, records = read("vep_indel_allele_trimming.vcf")
    assert isinstance(flavour, VepCsq) and flavour.tag == "CSQ"
    (_deletion, del_effects), (_insertion, ins_effects) = records
    [effect] = del_effects["A"]
    assert effect.allele == "A"
    assert effect.protein_change == "p.E746_A750del"
    assert effect.hgvsc == "c.2235_2249del"
    assert effect.transcript == "ENST00000275493"           # version removed
    assert effect.exon == 19
    assert effect.canonical is True and effect.mane_select is True and effect.picked is True
    assert effect.consequence is Consequence.INFRAME_DELETION
    [effect] = ins_effects["TG"]
    assert effect.consequence is Consequence.FRAMESHIFT
    assert effect.protein_change is None                     # VEP gave neither HGVSp nor residues


def test_vep_allele_num_decides_the_alt():
    _, [(_record, effects)] = read("vep_multiallelic_allele_num.vcf")
    # Both entries spell the allele "T", but ALLELE_NUM says the second belongs to ALT 2 ("A").
    assert [e.protein_change for e in effects["T"]] == ["p.G12D"]
    assert [e.protein_change for e in effects["A"]] == ["p.G12V"]
    assert effects["A"][0].allele == "A"


def test_vep_multiallelic_default_trim_and_minimal_spellings():
    _, [(_record, effects)] = read("vep_multiallelic_minimal_alleles.vcf")
    assert set(effects) == {"A", "AGTGT"}
    assert len(effects["A"]) == 1 and effects["A"][0].consequence is Consequence.FRAMESHIFT
    assert len(effects["AGTGT"]) == 1                        # the "GT" (--minimal) entry
    # "TTT" spells neither ALT of a multi-allelic record: left out, never guessed
    assert all(e.consequence is not Consequence.INTRONIC for es in effects.values() for e in es)


def test_vep_without_hgvs_builds_the_protein_change_from_residues():
    flavour, records = read("vep_no_hgvs_old_mane_field.vcf")
    assert flavour.fields[0] == "Feature"                    # order read from the header
    deletion = records[0][1]["A"][0]
    assert deletion.protein_change == "p.E746_A750del"
    assert deletion.mane_select is True                      # older "MANE" field
    synonymous = records[1][1]["A"][0]
    assert synonymous.protein_change == "p.Q787="
    assert synonymous.consequence is Consequence.SYNONYMOUS
    non_mane, mane = records[2][1]["A"]
    assert (non_mane.mane_select, non_mane.canonical, non_mane.exon) == (False, False, 2)
    assert (mane.mane_select, mane.canonical, mane.protein_change) == (True, True, "p.G12C")


# --- SnpEff ---------------------------------------------------------------------------------------

def test_snpeff_ann_keeps_plain_alts_and_ignores_cancer_pairs():
    flavour, [(_record, effects)] = read("snpeff_ann_multiallelic_cancer_pair.vcf")
    assert isinstance(flavour, SnpEffAnn)
    assert [e.protein_change for e in effects["T"]] == ["p.G12D"]
    assert [e.protein_change for e in effects["A"]] == ["p.G12V"]   # not p.D12V of the "A-T" pair
    assert effects["T"][0].hgvsc == "c.35G>A" and effects["T"][0].exon == 2
    assert effects["T"][0].canonical is None                        # SnpEff has no such flag


def test_snpeff_eff_legacy_one_letter_forms():
    flavour, records = read("snpeff_eff_legacy_forms.vcf")
    assert isinstance(flavour, SnpEffEff)
    [synonymous] = records[0][1]["A"]
    assert synonymous.protein_change == "p.Q787="               # "Q787" means unchanged
    assert synonymous.so_terms == ("synonymous_variant",)
    assert synonymous.exon == 20
    missense, intron = records[1][1]["T"]
    assert missense.protein_change == "p.E17K"
    assert missense.gene == "AKT1" and missense.transcript == "ENST00000407796"
    # rank numbers the intron
    assert intron.consequence is Consequence.INTRONIC and intron.exon is None
    # no genotype field on a multi-allelic record: the entry cannot be tied to an ALT
    assert records[2][1] == {"C": [], "A": []}


def test_snpeff_eff_genotype_numbers_and_three_letter_changes():
    _, [(_record, effects)] = read("snpeff_eff_genotype_numbers.vcf")
    assert [(e.protein_change, e.hgvsc) for e in effects["T"]] == [("p.G12D", "c.35G>A")]
    assert [(e.protein_change, e.hgvsc) for e in effects["A"]] == [("p.G12V", "c.35G>T")]


# --- bcftools csq ---------------------------------------------------------------------------------

def test_bcsq_back_references_downstream_of_stop_and_multiallelic():
    flavour, records = read("bcsq_compound_backrefs.vcf")
    assert isinstance(flavour, BcftoolsCsq)
    by_pos = {record.POS: effects for record, effects in records}
    # the compound entry is written at 55191822 and pointed at from 55191823 (@55191822)
    assert [e.protein_change for e in by_pos[55191822]["G"]] == ["p.L858R"]
    assert [e.protein_change for e in by_pos[55191823]["T"]] == ["p.L858R"]
    # "*missense": downstream of a premature stop on the same haplotype
    [after_stop] = by_pos[55191900]["T"]
    assert after_stop.consequence is Consequence.OTHER and after_stop.protein_change is None
    assert after_stop.so_terms == ("missense_variant", DOWNSTREAM_OF_STOP)
    # entries follow their dna_change; an entry without one (splice_region) applies to both ALTs
    multi = by_pos[25245347]
    assert [e.protein_change for e in multi["T"]] == ["p.G13D", None]
    assert [e.protein_change for e in multi["A"]] == ["p.G13V", None]
    assert multi["A"][1].consequence is Consequence.SPLICE_REGION
    # a pointer to a record not yet read (bcftools writes - strand compounds at the higher position)
    assert by_pos[25245350]["A"] == []
    assert [e.protein_change for e in by_pos[25245351]["A"]] == ["p.G12F"]
    assert by_pos[25245351]["A"][0].hgvsc is None and by_pos[25245351]["A"][0].gene == "KRAS"


def test_unannotated_file_has_no_flavour(tmp_path):
    path = tmp_path / "plain.vcf"
    path.write_text("##fileformat=VCFv4.2\n##contig=<ID=7,length=159138663>\n"
                    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n7\t55259515\t.\tT\tG\t.\tPASS\t.\n")
    assert detect_flavour(cyvcf2.VCF(str(path))) is None


def test_vep_written_to_ann_is_still_vep(tmp_path):
    path = tmp_path / "vep_in_ann.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=7,length=159138663>\n"
        '##INFO=<ID=ANN,Number=.,Type=String,Description="Consequence annotations from '
        'Ensembl VEP. Format: Allele|Consequence|SYMBOL|Feature|HGVSp">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        "7\t55259515\t.\tT\tG\t.\tPASS\tANN=G|missense_variant|EGFR|ENST00000275493|ENSP00000275493:p.Leu858Arg\n")
    vcf = cyvcf2.VCF(str(path))
    flavour = detect_flavour(vcf)
    assert (flavour.name, flavour.tag) == ("VEP CSQ", "ANN")
    assert flavour.effects(next(vcf))["G"][0].protein_change == "p.L858R"


# --- choose_effect --------------------------------------------------------------------------------

KRAS = PanelGene(symbol="KRAS", build="GRCh38", chrom="12", start=25205246, end=25250936,
                 strand="-",
                 transcript="ENST00000311936", refseq="NM_004985.5",
                 exons=(CodingExon(2, 25245274, 25245395, 25245274, 25245384, 1, 111),))


def effect(transcript, *, gene="KRAS", consequence=Consequence.MISSENSE, protein="p.G12C",
           canonical=None, mane=None, picked=None) -> TranscriptEffect:
    return TranscriptEffect(allele="A", gene=gene, transcript=transcript,
                            so_terms=("missense_variant",),
                            consequence=consequence, hgvsc=None, protein_change=protein, exon=None,
                            canonical=canonical, mane_select=mane, biotype="protein_coding",
                            picked=picked)


def test_choose_knowledge_base_transcript_over_annotator_flags():
    first = effect("ENST00000256078", canonical=True, mane=True, protein="p.G12C")
    kb = effect("ENST00000311936", canonical=False, mane=False, protein="p.G12C",
                consequence=Consequence.MISSENSE)
    chosen, reason = choose_effect([first, kb], KRAS)
    assert chosen is kb
    assert reason == "knowledge-base canonical transcript ENST00000311936"


def test_choose_refseq_transcript_of_the_knowledge_base():
    refseq = effect("NM_004985")
    chosen, reason = choose_effect([effect("NM_033360"), refseq], KRAS)
    assert chosen is refseq and "NM_004985.5" in reason


@pytest.mark.parametrize("flags, expected_reason", [
    ({"mane": True}, "MANE Select flag"),
    ({"canonical": True}, "annotator CANONICAL flag"),
    ({"picked": True}, "annotator PICK flag"),
])
def test_choose_annotator_flags_in_order(flags, expected_reason):
    plain = effect("ENST00000000001", consequence=Consequence.NONSENSE, protein="p.Q22*")
    flagged = effect("ENST00000000002", **flags)
    chosen, reason = choose_effect([plain, flagged], KRAS)
    assert chosen is flagged and reason == expected_reason


def test_choose_most_severe_without_any_canonical_information():
    intronic = effect("ENST00000000001", consequence=Consequence.INTRONIC, protein=None)
    missense = effect("ENST00000000002")
    other_gene = effect("ENST00000000003", gene="LYRM5", consequence=Consequence.NONSENSE)
    chosen, reason = choose_effect([intronic, other_gene, missense], KRAS)
    assert chosen is missense
    assert reason == "most severe effect on KRAS (no canonical transcript annotated)"


def test_choose_effect_without_an_entry_for_the_gene():
    chosen, reason = choose_effect([effect("ENST00000000003", gene="LYRM5")], KRAS)
    assert chosen is None and "KRAS" in reason
