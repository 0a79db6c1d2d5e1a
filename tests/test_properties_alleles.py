"""Property-based tests of VCF allele minimisation (:func:`minimal_alleles`) and of the allele
spellings annotators use (:func:`allele_lookup`).

The invariant that matters: the minimised alleles describe the same change. Applying the original
REF>ALT and the minimised REF>ALT to the same random reference must give the same sequence.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hpdgenomics.annotation.effects import allele_lookup
from hpdgenomics.annotation.unannotated import minimal_alleles

# deterministic and database-less so CI runs the same examples every time
settings.register_profile("hpdgenomics-properties", derandomize=True, database=None,
                          deadline=None, max_examples=200, print_blob=False)
settings.load_profile("hpdgenomics-properties")

BASES = st.sampled_from("ACGT")


@st.composite
def vcf_alleles(draw):
    """A reference sequence, a 1-based POS on it, REF as the reference has it there, and an ALT."""
    reference = draw(st.text("ACGT", min_size=1, max_size=30))
    start = draw(st.integers(0, len(reference) - 1))
    end = draw(st.integers(start + 1, len(reference)))
    ref = reference[start:end]
    alt = draw(st.text("ACGT", min_size=1, max_size=12).filter(lambda a: a != ref))
    return reference, start + 1, ref, alt


def apply_allele(reference: str, pos: int, ref: str, alt: str) -> str:
    """The sequence after replacing REF at 1-based POS with ALT (written here, not the
    library's)."""
    assert reference[pos - 1:pos - 1 + len(ref)] == ref, "REF does not match the reference"
    return reference[:pos - 1] + alt + reference[pos - 1 + len(ref):]


@given(vcf_alleles())
def test_minimised_alleles_describe_the_same_change(case):
    reference, pos, ref, alt = case
    new_pos, new_ref, new_alt = minimal_alleles(pos, ref, alt)
    # the minimised REF is still what the reference holds at the new position ...
    assert reference[new_pos - 1:new_pos - 1 + len(new_ref)] == new_ref
    # ... and applying it gives the same edited sequence as the record as written
    assert apply_allele(reference, new_pos, new_ref, new_alt) \
        == apply_allele(reference, pos, ref, alt)


@given(vcf_alleles())
def test_minimisation_is_idempotent_and_keeps_an_anchor_base(case):
    _, pos, ref, alt = case
    once = minimal_alleles(pos, ref, alt)
    assert minimal_alleles(*once) == once
    _, new_ref, new_alt = once
    assert new_ref and new_alt                     # never an empty allele: the anchor stays
    assert len(new_ref) - len(new_alt) == len(ref) - len(alt)   # the length change is kept


@given(vcf_alleles())
def test_minimised_alleles_cannot_be_trimmed_further(case):
    _, pos, ref, alt = case
    _, r, a = minimal_alleles(pos, ref, alt)
    if len(r) > 1 and len(a) > 1:
        assert r[0] != a[0] and r[-1] != a[-1]


@given(vcf_alleles())
def test_indels_of_records_with_a_padding_base_stay_left_anchored(case):
    """VCF writes an indel with the base before it, shared by REF and ALT; after minimisation a
    pure insertion or deletion still starts with that kind of anchor (the shorter allele is the
    first base of the longer), which the coordinate classifier relies on."""
    _, pos, ref, alt = case
    if ref[0] != alt[0] or len(ref) == len(alt):
        return
    _, r, a = minimal_alleles(pos, ref, alt)
    shorter, longer = sorted((r, a), key=len)
    if len(shorter) == 1 and (longer.startswith(shorter) or longer.endswith(shorter)):
        assert longer[0] == shorter


@given(vcf_alleles(), st.integers(1, 10))
def test_minimisation_moves_with_the_position(case, shift):
    _, pos, ref, alt = case
    p, r, a = minimal_alleles(pos, ref, alt)
    assert minimal_alleles(pos + shift, ref, alt) == (p + shift, r, a)


@given(vcf_alleles())
def test_minimisation_ignores_letter_case(case):
    _, pos, ref, alt = case
    assert minimal_alleles(pos, ref.lower(), alt.lower()) == minimal_alleles(pos, ref, alt)


@given(vcf_alleles())
def test_snv_written_with_padding_is_the_snv(case):
    """An SNV padded with the same bases on either side (multi-allelic records) minimises to it."""
    reference, pos, ref, alt = case
    left = reference[:pos - 1]
    right = reference[pos - 1 + len(ref):]
    if len(ref) == 1 and len(alt) == 1:
        padded = minimal_alleles(pos - len(left), left + ref + right, left + alt + right)
        assert padded == (pos, ref, alt)


@st.composite
def multiallelic(draw):
    ref = draw(st.text("ACGT", min_size=1, max_size=6))
    alts = draw(st.lists(st.text("ACGT", min_size=1, max_size=6).filter(lambda a: a != ref),
                         min_size=1, max_size=4, unique=True))
    return ref, alts


def oracle_minimal_spelling(ref: str, alt: str) -> str:
    """VEP --minimal: shared leading then trailing bases removed, an empty allele written ``-``."""
    i = 0
    while i < min(len(ref), len(alt)) and ref[i] == alt[i]:
        i += 1
    r, a = ref[i:], alt[i:]
    j = 0
    while j < min(len(r), len(a)) and r[len(r) - 1 - j] == a[len(a) - 1 - j]:
        j += 1
    return a[:len(a) - j] or "-"


@given(multiallelic())
def test_allele_lookup_maps_each_spelling_to_an_alt_that_spells_it(case):
    """Whatever the lookup claims, the ALT it names can be spelled that way: VEP's default
    (shared first base dropped), as written, or minimal. No spelling is tied to a wrong ALT."""
    ref, alts = case
    lookup = allele_lookup(ref, alts)
    shared_first = len({a[:1] for a in [ref, *alts]}) == 1
    for spelling, index in lookup.items():
        alt = alts[index]
        spellings = {alt, oracle_minimal_spelling(ref, alt)}
        if shared_first:
            spellings.add(alt[1:] or "-")
        assert spelling in spellings
    # every ALT is found under its own spelling
    for index, alt in enumerate(alts):
        assert lookup[alt] == index or (shared_first and alt in {a[1:] or "-" for a in alts})
