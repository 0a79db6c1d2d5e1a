"""Property-based tests of HGVS protein-change normalisation (:mod:`hpdgenomics.annotation.hgvs`).

A hotspot in the knowledge base is written ``p.G12C``; annotators write ``p.Gly12Cys``,
``p.(Gly12Cys)``, ``ENSP...:p.Gly12Cys``, ``p.Gly12Cys/c.34G>T``. A spelling that normalises
differently is a hotspot silently missed, so every spelling of one change must give one string.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hpdgenomics.annotation.hgvs import protein_change_from_residues, protein_to_one_letter
from hpdgenomics.annotation.unannotated import consequence_of_protein_change
from hpdgenomics.model import Consequence

settings.register_profile("hpdgenomics-properties", derandomize=True, database=None,
                          deadline=None, max_examples=200, print_blob=False)
settings.load_profile("hpdgenomics-properties")

# IUPAC-IUBMB three-letter codes, written out here for the test (the oracle), stop as Ter
ONE_TO_THREE = {
    "A": "Ala", "C": "Cys", "D": "Asp", "E": "Glu", "F": "Phe", "G": "Gly", "H": "His",
    "I": "Ile", "K": "Lys", "L": "Leu", "M": "Met", "N": "Asn", "P": "Pro", "Q": "Gln",
    "R": "Arg", "S": "Ser", "T": "Thr", "V": "Val", "W": "Trp", "Y": "Tyr", "*": "Ter",
}
RESIDUE = st.sampled_from("ACDEFGHIKLMNPQRSTVWY")
POSITION = st.integers(1, 3000)


KINDS = ["missense", "nonsense", "synonymous", "del", "range_del", "dup", "ins", "delins", "fs",
         "fs_short", "fs_bare", "stop_lost", "stop_lost_unknown", "start_ext"]


@st.composite
def one_letter_change(draw, kind=None):
    """A protein change in the one-letter form the knowledge base uses."""
    kind = kind or draw(st.sampled_from(KINDS))
    a, b = draw(RESIDUE), draw(RESIDUE)
    pos = draw(POSITION)
    inserted = "".join(draw(st.lists(RESIDUE, min_size=1, max_size=4)))
    if kind == "missense":
        b = draw(RESIDUE.filter(lambda r: r != a))
        return f"p.{a}{pos}{b}"
    if kind == "nonsense":
        return f"p.{a}{pos}*"
    if kind == "synonymous":
        return f"p.{a}{pos}="
    if kind == "del":
        return f"p.{a}{pos}del"
    if kind == "range_del":
        return f"p.{a}{pos}_{b}{pos + draw(st.integers(1, 20))}del"
    if kind == "dup":
        return f"p.{a}{pos}dup"
    if kind == "ins":
        return f"p.{a}{pos}_{b}{pos + 1}ins{inserted}"
    if kind == "delins":
        return f"p.{a}{pos}delins{inserted}"
    if kind == "fs":
        return f"p.{a}{pos}{b}fs*{draw(st.integers(1, 200))}"
    if kind == "fs_short":
        return f"p.{a}{pos}fs*{draw(st.integers(1, 200))}"
    if kind == "fs_bare":
        return f"p.{a}{pos}fs"
    if kind == "stop_lost":
        return f"p.*{pos}{a}ext*{draw(st.integers(1, 100))}"
    if kind == "stop_lost_unknown":            # no new stop codon before the transcript ends
        return f"p.*{pos}{a}ext*?"
    return f"p.M1ext-{draw(st.integers(1, 30))}"


def three_letter(one: str) -> str:
    """The three-letter spelling of a one-letter change (the test's own translation: each
    capital letter or ``*`` that stands for a residue becomes its code)."""
    return "p." + "".join(ONE_TO_THREE.get(c, c) for c in one.removeprefix("p."))


@st.composite
def spelling(draw):
    """(one-letter change, one way an annotator writes it)."""
    one = draw(one_letter_change())
    text = draw(st.sampled_from([one, three_letter(one)]))
    for keyword in ("fs", "ext"):              # the new stop: Ter, *, or X (older annotators)
        stop = draw(st.sampled_from(["*", "Ter", "X"]))
        text = text.replace(f"{keyword}*", f"{keyword}{stop}").replace(f"{keyword}Ter",
                                                                       f"{keyword}{stop}")
    if text.endswith("="):                     # VEP escapes '=' in its CSQ field
        text = draw(st.sampled_from([text, text[:-1] + "%3D"]))
    if draw(st.booleans()):                    # predicted consequence, HGVS p.(...)
        text = f"p.({text.removeprefix('p.')})"
    text = draw(st.sampled_from(["", "ENSP00000256078.5:", "NP_004976.2:"])) + text
    text += draw(st.sampled_from(["", "/c.35G>A"]))   # SnpEff EFF: protein/cDNA
    return one, text


@given(spelling())
def test_every_spelling_gives_the_one_letter_change(case):
    one, text = case
    assert protein_to_one_letter(text) == one


@given(one_letter_change())
def test_legacy_spelling_without_p_dot(one):
    assert protein_to_one_letter(one.removeprefix("p.")) == one


@given(RESIDUE, POSITION)
def test_a_substitution_to_the_same_residue_is_synonymous(residue, pos):
    expected = f"p.{residue}{pos}="
    assert protein_to_one_letter(f"p.{residue}{pos}{residue}") == expected
    three = ONE_TO_THREE[residue]
    assert protein_to_one_letter(f"p.{three}{pos}{three}") == expected


# any text made of the characters protein changes use, to look for a non-idempotent corner
HGVS_LIKE = st.lists(st.sampled_from(list("ACDEGKLMRSTXYaelnrsy*=?_()/:.%3Dp0123456789")
                                     + ["Ter", "Gly", "Lys", "del", "ins", "fs", "ext", "p.",
                                        "dup"]),
                     max_size=12).map("".join)


@given(st.one_of(spelling().map(lambda c: c[1]), HGVS_LIKE))
def test_normalising_twice_is_normalising_once(text):
    once = protein_to_one_letter(text)
    if once is not None:
        assert protein_to_one_letter(once) == once


@given(st.sampled_from(["p.?", "p.=", "p.0", "p.(?)", "p.(=)", "p.0?", "", ".", "-", None]))
def test_no_protein_change_gives_none(text):
    assert protein_to_one_letter(text) is None


# --- changes built from residues (VEP Amino_acids, bcftools csq) ---------------------------------

RESIDUES = st.text("ACDEFGHIKLMNPQRSTVWY", min_size=1, max_size=6)


@given(RESIDUES, st.one_of(st.just("-"), RESIDUES, st.just(None)), POSITION,
       st.sampled_from([None, Consequence.MISSENSE, Consequence.FRAMESHIFT,
                        Consequence.INFRAME_DELETION, Consequence.INFRAME_INSERTION]))
def test_changes_built_from_residues_are_read_back_unchanged(ref, alt, start, consequence):
    """What the library writes from residues its own normaliser accepts as it is (a change it
    wrote but could not read back would be dropped before matching)."""
    change = protein_change_from_residues(ref, alt, start, consequence)
    if change is not None:
        assert protein_to_one_letter(change) == change


@given(st.text("ACDEFGHIKLMNPQRSTVWY", max_size=3), RESIDUE, RESIDUE,
       st.text("ACDEFGHIKLMNPQRSTVWY", max_size=3), POSITION)
def test_one_changed_residue_between_flanks_is_a_substitution(left, ref, alt, right, start):
    """Oracle: one residue differing, whatever flanks the annotator included, is that residue at
    its own position."""
    change = protein_change_from_residues(left + ref + right, left + alt + right, start)
    if ref == alt:
        expected = f"p.{ref}{start}=" if not left and not right else None
        assert change == expected or change is None
    else:
        assert change == f"p.{ref}{start + len(left)}{alt}"


# --- the consequence a protein change implies (coordinate-only classification of hotspots) -------

IMPLIED = {"missense": Consequence.MISSENSE, "nonsense": Consequence.NONSENSE,
           "synonymous": Consequence.SYNONYMOUS, "del": Consequence.INFRAME_DELETION,
           "range_del": Consequence.INFRAME_DELETION, "dup": Consequence.INFRAME_INSERTION,
           "ins": Consequence.INFRAME_INSERTION, "delins": Consequence.PROTEIN_ALTERING,
           "fs": Consequence.FRAMESHIFT, "fs_short": Consequence.FRAMESHIFT,
           "fs_bare": Consequence.FRAMESHIFT, "stop_lost": Consequence.STOP_LOST,
           "stop_lost_unknown": Consequence.STOP_LOST}


@given(st.sampled_from(sorted(IMPLIED)).flatmap(
    lambda kind: st.tuples(st.just(kind), one_letter_change(kind))))
def test_the_implied_consequence_follows_the_form_of_the_change(case):
    kind, change = case
    assert consequence_of_protein_change(change) is IMPLIED[kind]
    assert consequence_of_protein_change(f"p.({change.removeprefix('p.')})") is IMPLIED[kind]
