"""Genome builds, chromosome naming and build detection.

Chromosome lengths are those of the primary assemblies (Genome Reference Consortium GRCh37.p13 and
GRCh38.p14 assembly reports); they are identical in UCSC hg19/hg38 for chr1-22, X and Y.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import UsageError

BUILDS = ("GRCh37", "GRCh38")

_BUILD_ALIASES = {
    "grch37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37", "hs37d5": "GRCh37", "37": "GRCh37",
    "grch38": "GRCh38", "hg38": "GRCh38", "b38": "GRCh38", "38": "GRCh38",
}

CHROM_LENGTHS = {
    "GRCh37": {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
        "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
        "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
        "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
        "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
    },
    "GRCh38": {
        "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
        "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
        "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
        "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
        "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
    },
}

SEX_CHROMOSOMES = frozenset({"X", "Y"})


# RefSeq accessions of the primary assembly's chromosomes (NC_000001-NC_000024 are 1-22, X, Y in
# both GRCh37 and GRCh38; only the version suffix differs) and of the mitochondrion (NC_012920)
_REFSEQ_CHROMOSOME = re.compile(r"NC_0000(\d\d)\.\d+")
_REFSEQ_MITOCHONDRION = re.compile(r"NC_012920\.\d+")


def normalize_chrom(name: str) -> str:
    """``chr7`` -> ``7``, ``chrM``/``M``/``mt`` (any case) -> ``MT``, RefSeq ``NC_000007.14`` ->
    ``7`` and ``NC_012920.1`` -> ``MT``; other names are returned without ``chr``."""
    text = str(name).strip()
    if text.startswith("NC_"):
        match = _REFSEQ_CHROMOSOME.fullmatch(text)
        if match and 1 <= int(match.group(1)) <= 24:
            return {23: "X", 24: "Y"}.get(int(match.group(1)), str(int(match.group(1))))
        if _REFSEQ_MITOCHONDRION.fullmatch(text):
            return "MT"
        return text
    if text[:3].lower() == "chr":
        text = text[3:]
    if text.upper() in ("M", "MT"):
        return "MT"
    if text.lower() in ("x", "y"):
        return text.upper()
    return text


def normalize_build(name: str) -> str:
    """Accept GRCh37/hg19/b37/37 and GRCh38/hg38/38 in any case; raise UsageError otherwise."""
    key = str(name).strip().lower()
    if key in _BUILD_ALIASES:
        return _BUILD_ALIASES[key]
    raise UsageError(f"unknown genome build {name!r}", hint="use GRCh37 (hg19) or GRCh38 (hg38)")


@dataclass(frozen=True)
class BuildEvidence:
    """The genome build a file points to (``None`` when undecided) and what that rests on."""

    build: str | None
    source: str            # what the decision rests on, for the report


_REFERENCE_PATTERNS = [
    (re.compile(r"grch38|hg38|assembly38|b38|hs38|GCA_000001405\.15", re.I), "GRCh38"),
    (re.compile(r"grch37|hg19|b37|hs37|human_g1k_v37|assembly19|GCA_000001405\.1\b", re.I),
     "GRCh37"),
]


def build_from_text(text: str) -> str | None:
    """Build named in a free-text header value (##reference, VEP assembly, SnpEff database)."""
    found = {build for pattern, build in _REFERENCE_PATTERNS if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


def build_from_contig_lengths(lengths: dict[str, int]) -> BuildEvidence:
    """Decide the build from contig lengths; contradictory lengths give ``build=None``."""
    votes = {build: 0 for build in BUILDS}
    checked = []
    for raw, length in lengths.items():
        chrom = normalize_chrom(raw)
        if length is None or chrom not in CHROM_LENGTHS["GRCh37"]:
            continue
        for build in BUILDS:
            if CHROM_LENGTHS[build][chrom] == int(length):
                votes[build] += 1
        checked.append(chrom)
    if not checked:
        return BuildEvidence(None, "no contig lengths in the header")
    winners = [b for b, v in votes.items() if v > 0]
    if len(winners) == 1:
        return BuildEvidence(winners[0], f"contig lengths ({votes[winners[0]]} of {len(checked)} "
                                         f"primary contigs match {winners[0]})")
    if not winners:
        return BuildEvidence(None, "contig lengths match neither GRCh37 nor GRCh38")
    return BuildEvidence(None, "contig lengths match both GRCh37 and GRCh38 (mixed header)")


def resolve_build(requested: str | None, detected: BuildEvidence, *, path: str | None = None,
                  text_hint: str | None = None) -> BuildEvidence:
    """Combine ``--build`` with what the file says.

    Contig lengths outrank header text; a requested build that contradicts the contig lengths is a
    UsageError, as is a file whose build cannot be told when none was requested.
    """
    if requested:
        build = normalize_build(requested)
        if detected.build and detected.build != build:
            raise UsageError(f"--build {build} contradicts the file, which is {detected.build} by "
                             f"{detected.source}", path=path,
                             hint="check the file or drop --build to use the detected build")
        return BuildEvidence(build, "--build option" + (f"; agrees with {detected.source}"
                                                         if detected.build else ""))
    if detected.build:
        return detected
    if text_hint:
        return BuildEvidence(text_hint, "reference named in the header")
    raise UsageError(f"cannot tell the genome build ({detected.source})", path=path,
                     hint="pass --build GRCh37 or --build GRCh38")
