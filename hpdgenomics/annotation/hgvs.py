"""Protein-change notation and consequence terms shared by every annotation flavour.

Two jobs, both pure functions without I/O:

* :func:`protein_to_one_letter` turns the protein change an annotator wrote (VEP ``HGVSp``,
  SnpEff ``HGVS.p`` or the legacy EFF ``Amino_Acid_Change``) into one-letter HGVS, the single
  notation the knowledge base matches on (``p.E17K``, ``p.G12C``, ``p.E746_A750del``, ``p.Q220*``).
  :func:`protein_change_from_residues` builds the same notation from residue strings where an
  annotator gives residues and a position instead (VEP ``Amino_acids``/``Protein_position``,
  bcftools ``amino_acid_change``).
* :func:`so_to_consequence` maps consequence terms onto :class:`hpdgenomics.model.Consequence`
  using the table below, and :func:`so_name` gives the Sequence Ontology name of a term.

Consequence term table (:data:`TERM_TABLE`): keys are lower-cased, so one table serves
Sequence Ontology names as VEP and SnpEff ANN write them (``missense_variant``,
``conservative_inframe_deletion``, ``5_prime_UTR_variant``), the legacy SnpEff EFF names
(``NON_SYNONYMOUS_CODING``, ``FRAME_SHIFT``, ``CODON_DELETION``, ``SPLICE_SITE_ACCEPTOR``) and
bcftools/csq names (``missense``, ``inframe_deletion``, ``splice_acceptor``). Each key gives the
SO name reported in ``TranscriptEffect.so_terms`` and the project's class. Choices that are not
obvious:

* whole-feature losses (``transcript_ablation``, ``exon_loss_variant``, ``feature_truncation``,
  EFF ``EXON_DELETED``) are ``protein_altering``: non-synonymous, but not claimed as truncating
  because the annotator did not say how the protein ends;
* ``coding_sequence_variant`` (VEP/SnpEff could not tell the protein effect, EFF ``CDS``,
  bcftools ``coding_sequence``) is ``coding_undetermined``;
* ``initiator_codon_variant`` / EFF ``NON_SYNONYMOUS_START`` (SnpEff's LOW-impact change of a
  start codon to an alternative start codon) is ``missense``;
* amplification-type terms (``transcript_amplification``, ``feature_elongation``) are ``other``:
  copy number is read from copy-number files, not from variant annotations.

Unknown terms map to ``other`` with a debug log message; they are never dropped.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import unquote

from ..model import Consequence

logger = logging.getLogger(__name__)

C = Consequence

# Most severe first; follows the order of Ensembl VEP's consequence table (splice site before
# stop gained, in-frame before missense, UTR before intron before intergenic).
SEVERITY: tuple[Consequence, ...] = (
    C.SPLICE_SITE, C.NONSENSE, C.FRAMESHIFT, C.STOP_LOST, C.START_LOST, C.INFRAME_INSERTION,
    C.INFRAME_DELETION, C.PROTEIN_ALTERING, C.MISSENSE, C.CODING_UNDETERMINED, C.SPLICE_REGION,
    C.SYNONYMOUS, C.UTR, C.INTRONIC, C.NONCODING, C.OTHER,
)
_RANK = {consequence: i for i, consequence in enumerate(SEVERITY)}


def severity_rank(consequence: Consequence) -> int:
    """0 for the most severe class; larger is milder."""
    return _RANK[consequence]


def _rows(consequence: Consequence, *names: str) -> dict[str, tuple[str, Consequence]]:
    return {name.lower(): (name, consequence) for name in names}


def _aliases(so_name: str, consequence: Consequence,
             *names: str) -> dict[str, tuple[str, Consequence]]:
    return {name.lower(): (so_name, consequence) for name in names}


TERM_TABLE: dict[str, tuple[str, Consequence]] = {
    # --- Sequence Ontology names (VEP, SnpEff ANN) ---------------------------------------
    **_rows(C.SPLICE_SITE, "splice_acceptor_variant", "splice_donor_variant"),
    **_rows(C.NONSENSE, "stop_gained"),
    **_rows(C.FRAMESHIFT, "frameshift_variant"),
    **_rows(C.STOP_LOST, "stop_lost"),
    **_rows(C.START_LOST, "start_lost"),
    **_rows(C.INFRAME_INSERTION, "inframe_insertion", "conservative_inframe_insertion",
            "disruptive_inframe_insertion"),
    **_rows(C.INFRAME_DELETION, "inframe_deletion", "conservative_inframe_deletion",
            "disruptive_inframe_deletion"),
    **_rows(C.PROTEIN_ALTERING, "protein_altering_variant", "transcript_ablation",
            "exon_loss_variant", "feature_truncation", "rare_amino_acid_variant"),
    **_rows(C.MISSENSE, "missense_variant", "initiator_codon_variant"),
    **_rows(C.CODING_UNDETERMINED, "coding_sequence_variant"),
    **_rows(C.SPLICE_REGION, "splice_region_variant", "splice_donor_5th_base_variant",
            "splice_donor_region_variant", "splice_polypyrimidine_tract_variant",
            "splice_branch_variant"),
    **_rows(C.SYNONYMOUS, "synonymous_variant", "stop_retained_variant", "start_retained_variant"),
    **_rows(C.UTR, "5_prime_UTR_variant", "3_prime_UTR_variant", "5_prime_UTR_truncation",
            "3_prime_UTR_truncation", "5_prime_UTR_premature_start_codon_gain_variant"),
    **_rows(C.INTRONIC, "intron_variant", "conserved_intron_variant"),
    **_rows(C.NONCODING, "non_coding_transcript_exon_variant", "non_coding_transcript_variant",
            "non_coding_exon_variant", "nc_transcript_variant", "mature_miRNA_variant",
            "NMD_transcript_variant", "upstream_gene_variant", "downstream_gene_variant",
            "intergenic_variant", "intergenic_region", "conserved_intergenic_variant",
            "intragenic_variant", "regulatory_region_variant", "regulatory_region_ablation",
            "regulatory_region_amplification", "TF_binding_site_variant", "TFBS_ablation",
            "TFBS_amplification", "exon_variant", "gene_variant", "transcript_variant",
            "miRNA"),
    **_rows(C.OTHER, "transcript_amplification", "feature_elongation",
            "incomplete_terminal_codon_variant",
            "sequence_variant", "structural_interaction_variant", "protein_protein_contact",
            "sequence_feature", "gene_fusion", "bidirectional_gene_fusion", "feature_fusion",
            "duplication", "inversion", "chromosome_number_variation", "custom"),
    # --- legacy SnpEff EFF names ---------------------------------------------------------
    **_aliases("missense_variant", C.MISSENSE, "NON_SYNONYMOUS_CODING", "NON_SYNONYMOUS_START"),
    **_aliases("stop_gained", C.NONSENSE, "STOP_GAINED"),
    **_aliases("frameshift_variant", C.FRAMESHIFT, "FRAME_SHIFT"),
    **_aliases("inframe_deletion", C.INFRAME_DELETION, "CODON_DELETION",
               "CODON_CHANGE_PLUS_CODON_DELETION"),
    **_aliases("inframe_insertion", C.INFRAME_INSERTION, "CODON_INSERTION",
               "CODON_CHANGE_PLUS_CODON_INSERTION"),
    **_aliases("protein_altering_variant", C.PROTEIN_ALTERING, "CODON_CHANGE", "EXON_DELETED",
               "RARE_AMINO_ACID"),
    **_aliases("splice_acceptor_variant", C.SPLICE_SITE, "SPLICE_SITE_ACCEPTOR"),
    **_aliases("splice_donor_variant", C.SPLICE_SITE, "SPLICE_SITE_DONOR"),
    **_aliases("splice_region_variant", C.SPLICE_REGION, "SPLICE_SITE_REGION", "SPLICE_SITE_BRANCH",
               "SPLICE_SITE_BRANCH_U12"),
    **_aliases("synonymous_variant", C.SYNONYMOUS, "SYNONYMOUS_CODING", "SYNONYMOUS_START",
               "SYNONYMOUS_STOP"),
    **_aliases("start_lost", C.START_LOST, "START_LOST"),
    **_aliases("stop_lost", C.STOP_LOST, "STOP_LOST"),
    **_aliases("coding_sequence_variant", C.CODING_UNDETERMINED, "CDS"),
    **_aliases("5_prime_UTR_premature_start_codon_gain_variant", C.UTR, "START_GAINED"),
    **_aliases("5_prime_UTR_variant", C.UTR, "UTR_5_PRIME", "UTR_5_DELETED"),
    **_aliases("3_prime_UTR_variant", C.UTR, "UTR_3_PRIME", "UTR_3_DELETED"),
    **_aliases("intron_variant", C.INTRONIC, "INTRON", "INTRON_CONSERVED"),
    **_aliases("intergenic_variant", C.NONCODING, "INTERGENIC", "INTERGENIC_CONSERVED"),
    **_aliases("upstream_gene_variant", C.NONCODING, "UPSTREAM"),
    **_aliases("downstream_gene_variant", C.NONCODING, "DOWNSTREAM"),
    **_aliases("non_coding_transcript_exon_variant", C.NONCODING, "EXON"),
    **_aliases("regulatory_region_variant", C.NONCODING, "REGULATION"),
    **_aliases("TF_binding_site_variant", C.NONCODING, "MOTIF"),
    **_aliases("mature_miRNA_variant", C.NONCODING, "MICRO_RNA"),
    **_aliases("transcript_variant", C.NONCODING, "TRANSCRIPT"),
    **_aliases("gene_variant", C.NONCODING, "GENE"),
    **_aliases("sequence_feature", C.OTHER, "NEXT_PROT"),
    **_aliases("chromosome_number_variation", C.OTHER, "CHROMOSOME", "CHROMOSOME_LARGE_DELETION"),
    **_aliases("sequence_variant", C.OTHER, "NONE"),
    # --- bcftools/csq names (csq.c csq_strings) ----------------------------------------------
    **_aliases("synonymous_variant", C.SYNONYMOUS, "synonymous", "start_retained"),
    **_aliases("stop_retained_variant", C.SYNONYMOUS, "stop_retained"),
    **_aliases("missense_variant", C.MISSENSE, "missense"),
    **_aliases("inframe_deletion", C.INFRAME_DELETION, "inframe_deletion"),
    **_aliases("inframe_insertion", C.INFRAME_INSERTION, "inframe_insertion"),
    **_aliases("protein_altering_variant", C.PROTEIN_ALTERING, "inframe_altering"),
    **_aliases("frameshift_variant", C.FRAMESHIFT, "frameshift"),
    **_aliases("splice_acceptor_variant", C.SPLICE_SITE, "splice_acceptor"),
    **_aliases("splice_donor_variant", C.SPLICE_SITE, "splice_donor"),
    **_aliases("splice_region_variant", C.SPLICE_REGION, "splice_region"),
    **_aliases("5_prime_UTR_variant", C.UTR, "5_prime_utr"),
    **_aliases("3_prime_UTR_variant", C.UTR, "3_prime_utr"),
    **_aliases("non_coding_transcript_variant", C.NONCODING, "non_coding"),
    **_aliases("intron_variant", C.INTRONIC, "intron"),
    **_aliases("intergenic_variant", C.NONCODING, "intergenic"),
    **_aliases("coding_sequence_variant", C.CODING_UNDETERMINED, "coding_sequence"),
}

_TERM_SEPARATORS = re.compile(r"[&+,]")


def split_terms(terms: str | Iterable[str]) -> list[str]:
    """Individual terms from ``a&b`` (VEP, SnpEff ANN), ``a+b`` (older SnpEff) or an iterable."""
    if isinstance(terms, str):
        items: Iterable[str] = _TERM_SEPARATORS.split(terms)
    else:
        items = (part for term in terms for part in _TERM_SEPARATORS.split(term))
    return [item.strip() for item in items if item and item.strip()]


def so_name(term: str) -> str:
    """The Sequence Ontology name of an annotator's term; unknown terms come back unchanged."""
    row = TERM_TABLE.get(term.strip().lower())
    return row[0] if row else term.strip()


def term_consequence(term: str) -> Consequence:
    """The consequence class of an annotator's term (case-insensitive); ``OTHER`` for an unknown
    term.
    """
    row = TERM_TABLE.get(term.strip().lower())
    if row is None:
        logger.debug("consequence term %r is not in the term table; classed as 'other'", term)
        return Consequence.OTHER
    return row[1]


def so_to_consequence(terms: str | Iterable[str]) -> Consequence:
    """The most severe project class among ``terms`` (``OTHER`` when there are none)."""
    classes = [term_consequence(term) for term in split_terms(terms)]
    if not classes:
        return Consequence.OTHER
    return min(classes, key=severity_rank)


# --- protein notation ---------------------------------------------------------------------

THREE_TO_ONE = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Sec": "U",
    "Pyl": "O", "Asx": "B", "Glx": "Z", "Xaa": "X", "Ter": "*",
}
# Three-letter codes are capitalised and HGVS keywords (del, ins, dup, fs, ext) are lower-case,
# so a capitalised triple is always a residue.
_THREE_LETTER = re.compile("|".join(THREE_TO_ONE))

_AA = r"[ACDEFGHIKLMNPQRSTVWYUOBZX*]"
_ONE_LETTER_FORM = re.compile(
    rf"^p\.(?:"
    rf"{_AA}\d+(?:{_AA}|=|\?)"                                        # substitution, =, start ?
    rf"|{_AA}\d+(?:_{_AA}\d+)?(?:del|dup)"                              # deletion, duplication
    rf"|{_AA}\d+_{_AA}\d+ins{_AA}+"                                     # insertion
    rf"|{_AA}\d+(?:_{_AA}\d+)?delins{_AA}+"                             # deletion-insertion
    rf"|{_AA}\d+{_AA}?fs(?:\*(?:\d+|\?))?"                              # frameshift
    rf"|{_AA}\d+{_AA}?ext(?:-?\d+|\*\d*\??)?"                          # extension (stop/start lost)
    rf")$"
)


def protein_to_one_letter(text: str | None) -> str | None:
    """One-letter HGVS protein change, or None when ``text`` carries none.

    Accepts what annotators write: ``ENSP00000256078.5:p.Gly12Cys``, ``p.(Gly12Cys)``,
    ``p.Glu17Lys``, ``p.E17K``, ``E17K`` (legacy EFF), ``p.Gly12Asp/c.35G>A`` (EFF with HGVS),
    ``p.Thr190%3D`` (VEP escapes ``=``). Stop codons become ``*`` (``Ter`` and the old ``X`` after
    ``fs``), a same-residue substitution becomes ``=`` (``p.T190T`` -> ``p.T190=``), frameshifts
    keep what the annotator gave (``p.Lys898ArgfsTer38`` -> ``p.K898Rfs*38``,
    ``p.Leu5fs`` -> ``p.L5fs``). ``p.?``, ``p.=``, ``p.0`` and anything that does not parse as a
    protein change give None.
    """
    if text is None:
        return None
    value = unquote(str(text)).strip()
    if not value or value in (".", "-"):
        return None
    value = value.split("/")[0]                       # EFF "p.Gly12Asp/c.35G>A"
    value = value.rsplit(":", 1)[-1]                  # "ENSP...:p.Gly12Cys"
    value = value.removeprefix("p.")
    if value.startswith("(") and value.endswith(")"):
        value = value[1:-1]
    value = _THREE_LETTER.sub(lambda m: THREE_TO_ONE[m.group(0)], value)
    value = re.sub(r"fsX", "fs*", value)
    value = re.sub(r"ext(X)", "ext*", value)
    if value in ("?", "=", "0", "0?"):
        return None
    same = re.fullmatch(rf"({_AA})(\d+)({_AA})", value)
    if same and same.group(1) == same.group(3):
        value = f"{same.group(1)}{same.group(2)}="
    result = "p." + value
    if not _ONE_LETTER_FORM.match(result):
        logger.debug("protein change %r is not in a form this parser knows; left out", text)
        return None
    return result


def protein_change_from_residues(ref: str, alt: str | None, start: int,
                                 consequence: Consequence | None = None) -> str | None:
    """One-letter HGVS from reference and variant residues starting at protein position ``start``.

    ``ref``/``alt`` are one-letter residue strings as VEP ``Amino_acids`` or bcftools
    ``amino_acid_change`` give them (``G``/``C``; ``ELREA``/``-``; ``KELREA``/``K``); ``alt`` None
    or equal to ``ref`` means unchanged (synonymous). Residues shared at either end are trimmed
    first (VEP and bcftools include a flanking residue for in-frame indels). Frameshifts give
    ``p.<first changed residue><position>fs``; a changed start codon with ``start_lost`` gives
    ``p.M1?``. Returns None when the change cannot be written without residues that were not
    given (an insertion without both flanks, a multi-residue synonymous change).
    """
    ref = "" if ref in (None, "-") else ref.upper()
    alt = ref if alt is None else ("" if alt == "-" else alt.upper())
    if not ref or not re.fullmatch(rf"{_AA}+", ref) or (alt and not re.fullmatch(rf"{_AA}+", alt)):
        return None
    if consequence is Consequence.FRAMESHIFT:
        i = 0
        while i < min(len(ref), len(alt)) and ref[i] == alt[i]:
            i += 1
        i = min(i, len(ref) - 1)
        return f"p.{ref[i]}{start + i}fs"
    if consequence is Consequence.START_LOST and start == 1 and ref[0] == "M":
        return "p.M1?"
    if ref == alt:
        return f"p.{ref}{start}=" if len(ref) == 1 else None
    prefix = 0
    while prefix < min(len(ref), len(alt)) and ref[prefix] == alt[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(ref), len(alt)) - prefix
           and ref[len(ref) - 1 - suffix] == alt[len(alt) - 1 - suffix]):
        suffix += 1
    left_flank = ref[prefix - 1] if prefix else None
    right_flank = ref[len(ref) - suffix] if suffix else None
    ref_core = ref[prefix:len(ref) - suffix]
    alt_core = alt[prefix:len(alt) - suffix]
    pos = start + prefix
    end = pos + len(ref_core) - 1
    if len(ref_core) == 1 and len(alt_core) == 1:
        if ref_core == "*":
            return f"p.*{pos}{alt_core}ext*?"
        return f"p.{ref_core}{pos}{alt_core}"
    if ref_core and not alt_core:
        span = f"{ref_core}{pos}" if len(ref_core) == 1 else \
            f"{ref_core[0]}{pos}_{ref_core[-1]}{end}"
        return f"p.{span}del"
    if alt_core and not ref_core:
        if left_flank is None or right_flank is None:
            return None
        return f"p.{left_flank}{pos - 1}_{right_flank}{pos}ins{alt_core}"
    span = f"{ref_core}{pos}" if len(ref_core) == 1 else f"{ref_core[0]}{pos}_{ref_core[-1]}{end}"
    return f"p.{span}delins{alt_core}"
