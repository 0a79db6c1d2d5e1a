"""Property-based tests of chromosome-name and genome-build normalisation
(:mod:`hpdgenomics.genome`).

Every spelling of one chromosome (``chr7``, ``CHR7``, ``7``, ``NC_000007.14``) must give one name,
and normalising twice must give what normalising once gives: a reader and the panel both normalise.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpdgenomics.errors import UsageError
from hpdgenomics.genome import CHROM_LENGTHS, normalize_build, normalize_chrom

settings.register_profile("hpdgenomics-properties", derandomize=True, database=None,
                          deadline=None, max_examples=200, print_blob=False)
settings.load_profile("hpdgenomics-properties")

PRIMARY = [*map(str, range(1, 23)), "X", "Y"]
# the RefSeq accession number of each primary chromosome (NC_000001 .. NC_000024), written out
REFSEQ_NUMBER = {name: i for i, name in enumerate(PRIMARY, start=1)}
CHR_PREFIXES = st.sampled_from(["", "chr", "Chr", "CHR", "cHr"])
MITO_SPELLINGS = ["M", "MT", "m", "mt", "Mt", "mT"]


def any_case(text: str):
    """Strategy: ``text`` with each letter in upper or lower case."""
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flags: "".join(c.upper() if up else c.lower()
                              for c, up in zip(text, flags, strict=True)))


@st.composite
def primary_spelling(draw):
    """(canonical name, a spelling of it a VCF, BED or segment file may use)."""
    name = draw(st.sampled_from(PRIMARY + ["MT"]))
    kind = draw(st.sampled_from(["plain", "refseq", "padded"]))
    if kind == "refseq":
        if name == "MT":
            spelling = f"NC_012920.{draw(st.integers(1, 3))}"
        else:
            spelling = f"NC_{REFSEQ_NUMBER[name]:06d}.{draw(st.integers(1, 14))}"
    else:
        core = draw(st.sampled_from(MITO_SPELLINGS)) if name == "MT" else draw(any_case(name))
        spelling = draw(CHR_PREFIXES) + core
    if kind == "padded":
        spelling = (draw(st.sampled_from(["", " ", "\t"])) + spelling
                    + draw(st.sampled_from(["", " "])))
    return name, spelling


@given(primary_spelling())
def test_every_spelling_of_a_primary_chromosome_gives_its_name(case):
    name, spelling = case
    assert normalize_chrom(spelling) == name


# other contig names a file may carry: decoys, alt and unplaced contigs, HLA, GenBank accessions
OTHER_CONTIGS = st.one_of(
    st.from_regex(r"(chr)?(Un|[1-9]|1[0-9]|2[0-2])_(GL|KI|JH)\d{6}v1(_random|_alt)?",
                  fullmatch=True),
    st.from_regex(r"(GL|KI)\d{6}\.1", fullmatch=True),
    st.from_regex(r"HLA-[A-C]\*\d{2}:\d{2}", fullmatch=True),
    st.sampled_from(["hs37d5", "chrEBV", "NC_007605", "NC_000099.1"]),
)


@given(st.one_of(primary_spelling().map(lambda c: c[1]), OTHER_CONTIGS))
def test_normalising_twice_is_normalising_once(name):
    once = normalize_chrom(name)
    assert normalize_chrom(once) == once


@given(OTHER_CONTIGS, CHR_PREFIXES)
def test_non_primary_contigs_keep_their_name_apart_from_chr(name, prefix):
    bare = name.removeprefix("chr")
    result = normalize_chrom(prefix + bare)
    assert result == bare
    assert result not in CHROM_LENGTHS["GRCh38"] and result != "MT"


BUILD_SPELLINGS = {"GRCh37": ["GRCh37", "hg19", "b37", "hs37d5", "37"],
                   "GRCh38": ["GRCh38", "hg38", "b38", "38"]}


@given(st.sampled_from([(b, s) for b, names in BUILD_SPELLINGS.items() for s in names])
       .flatmap(lambda pair: st.tuples(st.just(pair[0]), any_case(pair[1]))),
       st.sampled_from(["", " ", "\t"]), st.sampled_from(["", " ", "\n"]))
def test_every_build_alias_in_any_case_gives_its_build(case, before, after):
    build, spelling = case
    assert normalize_build(before + spelling + after) == build
    assert normalize_build(normalize_build(spelling)) == build


KNOWN_BUILD_WORDS = {s.lower() for names in BUILD_SPELLINGS.values() for s in names}


@given(st.text(max_size=12).filter(lambda t: t.strip().lower() not in KNOWN_BUILD_WORDS))
def test_anything_else_is_refused_not_guessed(text):
    with pytest.raises(UsageError):
        normalize_build(text)
