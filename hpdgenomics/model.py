"""Domain objects shared by readers, the knowledge base, the screen and the reports.

Defined once here so that every reader produces the same shapes and every renderer consumes them.
Coordinates are 1-based and closed throughout (VCF convention); chromosome names are normalised
without a ``chr`` prefix (``7``, ``X``, ``MT``) by :func:`hpdgenomics.genome.normalize_chrom`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class GeneStatus(str, Enum):  # noqa: UP042 - StrEnum would change str() and format() of members
    """Screen status of one gene: the three outcomes are never merged."""

    ALTERED = "altered"
    NOT_DETECTED = "not_detected"
    NOT_EVALUABLE = "not_evaluable"


class Consequence(str, Enum):  # noqa: UP042 - StrEnum would change str() and format() of members
    """The project's consequence classes; annotation parsers map SO terms onto these.

    Rules in the knowledge base match on these names (see annotations/SCHEMA.md).
    """

    MISSENSE = "missense"
    NONSENSE = "nonsense"
    FRAMESHIFT = "frameshift"
    INFRAME_DELETION = "inframe_deletion"
    INFRAME_INSERTION = "inframe_insertion"
    PROTEIN_ALTERING = "protein_altering"          # delins/MNV changing protein, other
    SPLICE_SITE = "splice_site"                    # splice donor/acceptor (+-1,2)
    START_LOST = "start_lost"
    STOP_LOST = "stop_lost"
    SYNONYMOUS = "synonymous"
    SPLICE_REGION = "splice_region"
    # unannotated coding SNV/MNV: effect not determined
    CODING_UNDETERMINED = "coding_undetermined"
    INTRONIC = "intronic"
    UTR = "utr"
    # intergenic, up/downstream, non-coding transcript
    NONCODING = "noncoding"
    OTHER = "other"


#: The project-wide month: 365.25 / 12 days (DOMAIN.md section 6); TTF and tumour-growth
#: intervals given in days or weeks are converted with it.
DAYS_PER_MONTH = 30.4375

TRUNCATING = frozenset({Consequence.NONSENSE, Consequence.FRAMESHIFT, Consequence.SPLICE_SITE,
                        Consequence.START_LOST})
NON_SYNONYMOUS = frozenset({Consequence.MISSENSE, Consequence.NONSENSE, Consequence.FRAMESHIFT,
                            Consequence.INFRAME_DELETION, Consequence.INFRAME_INSERTION,
                            Consequence.PROTEIN_ALTERING, Consequence.SPLICE_SITE,
                            Consequence.START_LOST, Consequence.STOP_LOST})


class CopyNumberCall(str, Enum):  # noqa: UP042 - StrEnum would change str() and format() of members
    AMPLIFICATION = "amplification"
    GAIN = "gain"
    NEUTRAL = "neutral"
    SHALLOW_LOSS = "shallow_loss"
    DEEP_DELETION = "deep_deletion"


# --- panel -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CodingExon:
    """One exon of a gene's canonical transcript, genomic 1-based closed.

    ``coding_start``/``coding_end`` are the genomic bounds of the coding part (None for a wholly
    non-coding exon); ``cds_first``/``cds_last`` the c. numbers of the coding part (5'->3' of the
    transcript, so on the - strand ``cds_first`` sits at ``coding_end``).
    """

    number: int
    start: int
    end: int
    coding_start: int | None = None
    coding_end: int | None = None
    cds_first: int | None = None
    cds_last: int | None = None


@dataclass(frozen=True)
class PanelGene:
    symbol: str
    build: str                 # "GRCh37" or "GRCh38"
    chrom: str                 # normalised, no "chr"
    start: int                 # gene span, 1-based closed
    end: int
    strand: str                # "+" or "-"
    transcript: str            # Ensembl transcript id of the canonical transcript (versionless)
    refseq: str | None = None
    exons: tuple[CodingExon, ...] = ()
    # Other accepted transcripts (e.g. the MSK-IMPACT choice), used when an annotation lacks the
    # canonical one: GRCh37 annotations predate AKT1's MANE transcript.
    alternate_transcripts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hotspot:
    gene: str
    protein_change: str        # one-letter HGVS p., e.g. "p.E17K"
    build: str
    chrom: str
    pos: int
    ref: str                   # VCF-style alleles (left-anchored for indels)
    alt: str
    source: str = ""


# --- variants --------------------------------------------------------------------------------

@dataclass
class VariantCall:
    """One ALT allele of one input record in the tumour sample, with its chosen annotation.

    ``chrom``/``pos`` are None only for cohort inputs that give a protein change without
    coordinates (some MAF flavours).
    """

    chrom: str | None
    pos: int | None
    ref: str
    alt: str
    filter: str = "PASS"
    gene: str | None = None
    transcript: str | None = None
    transcript_choice: str = ""      # how the transcript was chosen (knowledge-base canonical, ...)
    consequence: Consequence = Consequence.OTHER
    so_terms: str = ""               # the annotator's own consequence terms, for the report
    hgvsc: str | None = None
    protein_change: str | None = None  # one-letter HGVS p., e.g. "p.E17K"
    exon: int | None = None
    vaf: float | None = None
    depth: int | None = None
    alt_depth: int | None = None
    annotation_source: str = ""      # "VEP CSQ", "SnpEff ANN", "bcftools BCSQ", "coordinate" ...
    record: str = ""                 # where in the input, e.g. "record 12 (chr7:55191822)"
    hotspot: str | None = None       # protein change of a coordinate-matched hotspot


# --- copy number -----------------------------------------------------------------------------

@dataclass
class GeneCopyNumber:
    """Copy number of one panel gene, derived from segments (or a gene-level input)."""

    gene: str
    call: CopyNumberCall | None      # None: not evaluable (no coverage)
    copy_number: float | None = None         # the value the call used (see ``basis``)
    cn_min: float | None = None
    cn_max: float | None = None
    cn_weighted: float | None = None
    log2: float | None = None
    fraction_covered: float = 0.0
    n_segments: int = 0
    segment: str | None = None       # e.g. "12:68000000-69500000 (1.5 Mb)"
    segment_length: int | None = None
    focal: bool | None = None
    loh: bool | None = None
    minor_cn: float | None = None
    basis: str = ""                  # how the copy number was derived (formula, purity, ploidy)
    caller: str = ""
    reason: str = ""                 # why this call (thresholds crossed), or why not evaluable
    warnings: list[str] = field(default_factory=list)


# --- knowledge -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Citation:
    reference: str
    summary: str = ""
    pmid: str | None = None
    doi: str | None = None
    verified: bool = True


@dataclass(frozen=True)
class VariantCriterion:
    """One way a variant can match a rule; criteria are tried in order, the first match wins."""

    label: str
    grade: str                                  # "strong" or "supporting"
    caution_level: str
    protein_changes: tuple[str, ...] = ()       # exact one-letter HGVS p.
    protein_pattern: str | None = None          # regular expression on one-letter HGVS p.
    consequences: tuple[str, ...] = ()          # Consequence values
    exons: tuple[int, ...] = ()                 # canonical-transcript exon numbers
    hotspot: bool = False                       # any knowledge-base hotspot of the gene


@dataclass(frozen=True)
class CopyNumberCriterion:
    label: str
    grade: str
    caution_level: str
    calls: tuple[str, ...]                      # CopyNumberCall values
    genes: tuple[str, ...] = ()                 # default: the rule's genes


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    genes: tuple[str, ...]
    caution_level: str                          # the rule's highest level
    evidence_level: str
    variant_criteria: tuple[VariantCriterion, ...] = ()
    copy_number_criteria: tuple[CopyNumberCriterion, ...] = ()
    # co-occurrence rule: ids of rules that must all match
    requires_all: tuple[str, ...] = ()
    thresholds: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    supporting: tuple[Citation, ...] = ()
    neutral_or_contrary: tuple[Citation, ...] = ()
    meaning: str = ""
    not_meaning: str = ""


# --- clinical factors ------------------------------------------------------------------------

@dataclass(frozen=True)
class ClinicalCriterion:
    """One patient factor against a threshold: ``factor operator threshold`` (``ecog >= 2``).

    ``factor`` is a key of :data:`hpdgenomics.clinical.factors.FACTORS` (an input such as
    ``metastatic_sites``), a derived factor (``ldh_ratio``, ``nlr``), or, for a rule's own
    criterion, the name of the score its ``score_parts`` add up (``rmh_score``).
    ``threshold`` is a number, or ``true`` for a yes/no factor (``liver_metastases == true``).
    """

    factor: str
    operator: str                               # ">", ">=", "<", "<=", "=="
    threshold: float | bool
    label: str = ""                             # the criterion in words, "LDH > ULN"


@dataclass(frozen=True)
class ClinicalRule:
    """A pre-treatment clinical factor reported with HPD (CLIN_* rules of the knowledge base).

    Either one ``criterion`` on one factor, or a points score: ``score_parts`` each worth one
    point when met, and ``criterion`` on their sum (``rmh_score >= 2``). Clinical rules are shown
    beside the genomic findings and never change the genomic caution level.
    """

    id: str
    title: str
    evidence_level: str
    criterion: ClinicalCriterion
    score_parts: tuple[ClinicalCriterion, ...] = ()
    threshold_source: str = ""                  # where the cut comes from, in words
    supporting: tuple[Citation, ...] = ()
    neutral_or_contrary: tuple[Citation, ...] = ()
    meaning: str = ""
    not_meaning: str = ""
