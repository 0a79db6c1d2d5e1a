"""Coordinate-only classification of unannotated VCF alleles on the canonical transcript.

Positions are true GRCh37/GRCh38 coordinates (DOMAIN.md section 3; KRAS/AKT1 exons from GENCODE),
so an off-by-one in the exon or splice logic changes the class and fails a test.
"""
from __future__ import annotations

import pytest
from vcf_panels import test_panel

from hpdgenomics.annotation.unannotated import (
    classify_by_coordinates,
    consequence_of_protein_change,
    minimal_alleles,
)
from hpdgenomics.model import Consequence, PanelGene

C = Consequence


@pytest.fixture(scope="module")
def panel37():
    return test_panel("GRCh37")


def classify(panel, gene, chrom, pos, ref, alt):
    return classify_by_coordinates(chrom, pos, ref, alt, panel.gene(gene), panel)


@pytest.mark.parametrize("pos, ref, alt, expected", [
    (100, "CA", "TA", (100, "C", "T")),           # SNV written with a shared suffix
    (100, "CTT", "CT", (100, "CT", "C")),         # deletion keeps its anchor base
    (100, "ACG", "ATT", (101, "CG", "TT")),       # shared prefix removed
    (100, "A", "ATTT", (100, "A", "ATTT")),       # plain insertion unchanged
    (100, "N", "<DEL>", (100, "N", "<DEL>")),     # symbolic untouched
])
def test_minimal_alleles(pos, ref, alt, expected):
    assert minimal_alleles(pos, ref, alt) == expected


@pytest.mark.parametrize("change, expected", [
    ("p.G12C", C.MISSENSE), ("p.E746_A750del", C.INFRAME_DELETION), ("p.Q61*", C.NONSENSE),
    ("p.L747_P753delinsS", C.PROTEIN_ALTERING), ("p.D770_N771insSVD", C.INFRAME_INSERTION),
    ("p.L5fs", C.FRAMESHIFT), ("p.M1?", C.START_LOST), ("p.T190=", C.SYNONYMOUS),
])
def test_consequence_of_protein_change(change, expected):
    assert consequence_of_protein_change(change) is expected


def test_hotspot_gives_protein_change_and_cdna(panel37):
    effect = classify(panel37, "KRAS", "12", 25398285, "C", "A")
    assert (effect.protein_change, effect.consequence, effect.exon) == ("p.G12C", C.MISSENSE, 2)
    assert effect.hgvsc == "c.34G>T"          # minus strand: genomic C>A is c. G>T
    assert effect.transcript == "ENST00000311936" and effect.gene == "KRAS"


def test_hotspot_in_grch38():
    panel = test_panel("GRCh38")
    effect = classify(panel, "EGFR", "7", 55191822, "T", "G")
    assert (effect.protein_change, effect.hgvsc, effect.exon) == ("p.L858R", "c.2573T>G", 21)


def test_exon19_deletion_hotspot(panel37):
    effect = classify(panel37, "EGFR", "7", 55242464, "AGGAATTAAGAGAAGC", "A")
    assert (effect.protein_change, effect.consequence, effect.exon) == \
        ("p.E746_A750del", C.INFRAME_DELETION, 19)


def test_non_hotspot_coding_snv_is_undetermined_not_guessed(panel37):
    effect = classify(panel37, "EGFR", "7", 55259520, "C", "T")
    assert effect.consequence is C.CODING_UNDETERMINED
    assert effect.protein_change is None
    assert effect.hgvsc == "c.2578C>T"        # 2470 + (55259520 - 55259412)
    assert effect.exon == 21


@pytest.mark.parametrize("pos, ref, alt, consequence, exon", [
    (55249010, "C", "CGGCGGCGGC", C.INFRAME_INSERTION, 20),   # 9 bp exon 20 insertion
    (55242470, "AG", "A", C.FRAMESHIFT, 19),                   # 1 bp deletion
    (55259450, "T", "TAG", C.FRAMESHIFT, 21),                  # 2 bp insertion
    (55242470, "AGA", "TTTTTT", C.PROTEIN_ALTERING, 19),       # in-frame delins
    (55259515, "TG", "GT", C.CODING_UNDETERMINED, 21),         # MNV
])
def test_indels_and_mnvs_in_coding_exons(panel37, pos, ref, alt, consequence, exon):
    effect = classify(panel37, "EGFR", "7", pos, ref, alt)
    assert (effect.consequence, effect.exon) == (consequence, exon)


def test_splice_sites_by_strand(panel37):
    # EGFR (+): the two bases before exon 19 (starts 55242415) are the acceptor
    acceptor = classify(panel37, "EGFR", "7", 55242414, "A", "G")
    assert acceptor.consequence is C.SPLICE_SITE
    assert acceptor.so_terms == ("splice_acceptor_variant",)
    assert classify(panel37, "EGFR", "7", 55242413, "A", "G").consequence is C.SPLICE_SITE
    # the third intronic base is not a splice site
    assert classify(panel37, "EGFR", "7", 55242412, "A", "G").consequence is C.INTRONIC
    # KRAS (-): the bases just left of exon 2 (starts 25398208) are the donor of intron 2
    donor = classify(panel37, "KRAS", "12", 25398207, "C", "T")
    assert donor.consequence is C.SPLICE_SITE and donor.so_terms == ("splice_donor_variant",)


def test_deletion_across_exon_boundary_is_splice_site(panel37):
    # deletes 55242411-55242416: the acceptor dinucleotide and the first exon-19 bases
    effect = classify(panel37, "EGFR", "7", 55242410, "AAAAAAA", "A")
    assert effect.consequence is C.SPLICE_SITE


def test_insertion_inside_splice_dinucleotide(panel37):
    assert classify(panel37, "EGFR", "7", 55242413, "A", "AT").consequence is C.SPLICE_SITE
    # an insertion between the last intronic base and the exon is not inside the dinucleotide
    assert classify(panel37, "EGFR", "7", 55242414, "A", "AT").consequence is not C.SPLICE_SITE


def test_start_codon_utr_intron_and_outside(panel37):
    # KRAS c.1-3 are 25398318..25398316 on the minus strand
    assert classify(panel37, "KRAS", "12", 25398317, "A", "G").consequence is C.START_LOST
    utr = classify(panel37, "KRAS", "12", 25398325, "G", "A")
    assert utr.consequence is C.UTR and utr.so_terms == ("5_prime_UTR_variant",)
    assert classify(panel37, "EGFR", "7", 55245000, "G", "A").consequence is C.INTRONIC
    assert classify(panel37, "EGFR", "7", 55300000, "G", "A").consequence is C.NONCODING


def test_gene_without_exon_structure(panel37):
    bare = PanelGene("STK11", "GRCh37", "19", 1189406, 1228428, "+", "ENST00000326873")
    effect = classify_by_coordinates("19", 1200000, "C", "T", bare, panel37)
    assert effect.consequence is C.OTHER
