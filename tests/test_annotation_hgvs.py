"""Protein notation and consequence terms (hpdgenomics.annotation.hgvs)."""
from __future__ import annotations

import logging

import pytest

from hpdgenomics.annotation.bcsq import bcsq_protein_change
from hpdgenomics.annotation.hgvs import (
    TERM_TABLE,
    protein_change_from_residues,
    protein_to_one_letter,
    so_name,
    so_to_consequence,
)
from hpdgenomics.model import NON_SYNONYMOUS, TRUNCATING, Consequence


@pytest.mark.parametrize("text, expected", [
    ("ENSP00000256078.5:p.Gly12Cys", "p.G12C"),       # VEP HGVSp with protein prefix
    ("p.(Gly12Cys)", "p.G12C"),                        # predicted-change parentheses
    ("p.Glu17Lys", "p.E17K"),
    ("p.E17K", "p.E17K"),                              # already one-letter
    ("E17K", "p.E17K"),                                # legacy EFF, no "p."
    ("p.Gly12Asp/c.35G>A", "p.G12D"),                  # EFF with -hgvs
    ("p.Gln220Ter", "p.Q220*"),
    ("p.Gln220*", "p.Q220*"),
    ("ENSP00000329982.2:p.Thr190%3D", "p.T190="),      # VEP escapes "="
    ("p.Thr190=", "p.T190="),
    ("p.T190T", "p.T190="),
    ("p.Lys898ArgfsTer38", "p.K898Rfs*38"),
    ("p.Leu5fs", "p.L5fs"),
    ("p.Lys898fsX38", "p.K898fs*38"),
    ("p.Glu746_Ala750del", "p.E746_A750del"),
    ("p.Leu747del", "p.L747del"),
    ("p.Ala767_Val769dup", "p.A767_V769dup"),
    ("p.Ala48_Pro49insAlaAlaAlaProPro", "p.A48_P49insAAAPP"),
    ("p.Leu747_Pro753delinsSer", "p.L747_P753delinsS"),
    ("p.Glu1016_Glu1017insTer", "p.E1016_E1017ins*"),
    ("p.Met1?", "p.M1?"),
    ("p.Ter189TrpextTer?", "p.*189Wext*?"),
])
def test_protein_to_one_letter(text, expected):
    assert protein_to_one_letter(text) == expected


@pytest.mark.parametrize("text", [None, "", ".", "p.?", "p.=", "p.0", "c.35G>A", "not a change"])
def test_protein_to_one_letter_gives_none_without_a_protein_change(text):
    assert protein_to_one_letter(text) is None


@pytest.mark.parametrize("ref, alt, start, consequence, expected", [
    ("G", "C", 12, Consequence.MISSENSE, "p.G12C"),
    ("Q", "*", 220, Consequence.NONSENSE, "p.Q220*"),
    ("T", None, 790, Consequence.SYNONYMOUS, "p.T790="),
    ("ELREA", "-", 746, Consequence.INFRAME_DELETION, "p.E746_A750del"),
    # flanking residue kept by VEP/bcftools
    ("KELREA", "K", 745, Consequence.INFRAME_DELETION, "p.E746_A750del"),
    ("AL", "ASVL", 100, Consequence.INFRAME_INSERTION, "p.A100_L101insSV"),
    ("S", "SX", 10, Consequence.FRAMESHIFT, "p.S10fs"),
    ("M", "V", 1, Consequence.START_LOST, "p.M1?"),
    ("*", "W", 189, Consequence.STOP_LOST, "p.*189Wext*?"),
    ("QE", "H", 61, Consequence.PROTEIN_ALTERING, "p.Q61_E62delinsH"),
])
def test_protein_change_from_residues(ref, alt, start, consequence, expected):
    assert protein_change_from_residues(ref, alt, start, consequence) == expected


def test_an_insertion_without_both_flanks_is_not_written():
    assert protein_change_from_residues("A", "AS", 100, Consequence.INFRAME_INSERTION) is None


@pytest.mark.parametrize("change, consequence, expected", [
    ("12G>12C", Consequence.MISSENSE, "p.G12C"),
    ("12G>C", Consequence.MISSENSE, "p.G12C"),
    ("437T", Consequence.SYNONYMOUS, "p.T437="),
    ("141W>141*", Consequence.NONSENSE, "p.W141*"),
    ("746ELREA>746-", Consequence.INFRAME_DELETION, "p.E746_A750del"),
    ("745KELREA>745K", Consequence.INFRAME_DELETION, "p.E746_A750del"),
    ("453IYNTQ>453LQYSTL*", Consequence.FRAMESHIFT, "p.I453fs"),
    ("25E..329>25G..94", Consequence.FRAMESHIFT, "p.E25fs"),             # --brief-predictions
    # truncated: not determinable
    ("25E..329>25G..94", Consequence.INFRAME_DELETION, None),
    ("garbage", Consequence.MISSENSE, None),
    ("", Consequence.MISSENSE, None),
])
def test_bcsq_amino_acid_change(change, consequence, expected):
    assert bcsq_protein_change(change, consequence) == expected


@pytest.mark.parametrize("terms, expected", [
    ("missense_variant", Consequence.MISSENSE),
    ("stop_gained&splice_region_variant", Consequence.NONSENSE),
    ("splice_region_variant&intron_variant", Consequence.SPLICE_REGION),
    ("frameshift_variant", Consequence.FRAMESHIFT),
    ("conservative_inframe_deletion", Consequence.INFRAME_DELETION),
    ("disruptive_inframe_insertion", Consequence.INFRAME_INSERTION),
    ("splice_acceptor_variant", Consequence.SPLICE_SITE),
    ("5_prime_UTR_truncation+exon_loss_variant", Consequence.PROTEIN_ALTERING),  # older SnpEff "+"
    ("NON_SYNONYMOUS_CODING", Consequence.MISSENSE),
    ("STOP_GAINED", Consequence.NONSENSE),
    ("FRAME_SHIFT", Consequence.FRAMESHIFT),
    ("CODON_DELETION", Consequence.INFRAME_DELETION),
    ("CODON_INSERTION", Consequence.INFRAME_INSERTION),
    ("SPLICE_SITE_ACCEPTOR", Consequence.SPLICE_SITE),
    ("SYNONYMOUS_CODING", Consequence.SYNONYMOUS),
    ("missense", Consequence.MISSENSE),
    ("stop_gained", Consequence.NONSENSE),
    ("frameshift", Consequence.FRAMESHIFT),
    ("inframe_deletion", Consequence.INFRAME_DELETION),
    ("splice_acceptor", Consequence.SPLICE_SITE),
    ("inframe_deletion&start_lost&splice_region", Consequence.START_LOST),
    (["intron_variant", "non_coding_transcript_variant"], Consequence.INTRONIC),
    ("", Consequence.OTHER),
])
def test_so_to_consequence(terms, expected):
    assert so_to_consequence(terms) == expected


def test_unknown_terms_are_other_and_logged_never_dropped(caplog):
    with caplog.at_level(logging.DEBUG, logger="hpdgenomics.annotation.hgvs"):
        assert so_to_consequence("brand_new_term") == Consequence.OTHER
        # an unknown term beside a known one does not hide the known one
        assert so_to_consequence("brand_new_term&missense_variant") == Consequence.MISSENSE
    assert "brand_new_term" in caplog.text


def test_terms_of_other_annotators_are_reported_under_their_so_name():
    assert so_name("NON_SYNONYMOUS_CODING") == "missense_variant"
    assert so_name("missense") == "missense_variant"
    assert so_name("splice_acceptor") == "splice_acceptor_variant"
    assert so_name("conservative_inframe_deletion") == "conservative_inframe_deletion"
    assert so_name("brand_new_term") == "brand_new_term"


def test_every_term_class_agrees_with_the_truncating_and_non_synonymous_sets():
    # Truncating classes are a subset of non-synonymous ones, and the table only uses known classes.
    assert TRUNCATING <= NON_SYNONYMOUS
    for so, consequence in TERM_TABLE.values():
        assert isinstance(consequence, Consequence), so
    assert TERM_TABLE["stop_gained"][1] in TRUNCATING
    assert TERM_TABLE["synonymous_variant"][1] not in NON_SYNONYMOUS
