"""Classify a variant allele by its coordinates alone, for VCFs that carry no annotation.

Input: one VCF allele (1-based POS, REF, ALT as written, chromosome normalised without ``chr``)
and a panel gene with its canonical transcript's exons (1-based closed, :class:`~hpdgenomics.model.
CodingExon`). Output: one :class:`~hpdgenomics.annotation.effects.TranscriptEffect` on the gene's
canonical transcript.

Without a reference sequence the amino-acid change of a substitution cannot be derived, so the
classification is deliberately modest:

1. a knowledge-base hotspot at the same position with the same alleles gives its protein change
   (and the consequence implied by it: ``p.G12C`` missense, ``p.Q61*`` nonsense, ``...del``
   in-frame deletion, ...);
2. an allele touching the two intronic bases next to an internal exon boundary is a splice site;
3. an insertion/deletion overlapping the coding part of an exon is a frameshift when its length
   change is not a multiple of three, otherwise an in-frame deletion/insertion (a length-preserving
   or in-frame delins is "protein altering");
4. a substitution in the start codon is start-lost (any change of ATG loses it);
5. any other substitution in the coding part is ``CODING_UNDETERMINED`` ("coding SNV, protein effect
   not determined"): it is reported, never silently dropped and never guessed;
6. otherwise UTR (exon outside the coding part), intronic (inside the transcript), or non-coding.

Alleles are first reduced to their minimal form (shared suffix, then shared prefix removed, keeping
one anchor base for indels) so that ``CA>TA`` from a multi-allelic record is the SNV ``C>T``.
Indels are not left-aligned (that needs the reference sequence): a hotspot deletion written at a
different but equivalent position is not matched by coordinates.
"""
from __future__ import annotations

import re

from ..knowledge.panel import Panel, coding_part
from ..model import CodingExon, Consequence, PanelGene
from .effects import TranscriptEffect

_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")

# SO term of each consequence class this module can assign (for the report's "annotator terms")
_SO_TERM = {
    Consequence.MISSENSE: "missense_variant",
    Consequence.NONSENSE: "stop_gained",
    Consequence.FRAMESHIFT: "frameshift_variant",
    Consequence.INFRAME_DELETION: "inframe_deletion",
    Consequence.INFRAME_INSERTION: "inframe_insertion",
    Consequence.PROTEIN_ALTERING: "protein_altering_variant",
    Consequence.START_LOST: "start_lost",
    Consequence.STOP_LOST: "stop_lost",
    Consequence.SYNONYMOUS: "synonymous_variant",
    Consequence.CODING_UNDETERMINED: "coding_sequence_variant",
    Consequence.INTRONIC: "intron_variant",
    Consequence.NONCODING: "non_coding_transcript_variant",
    Consequence.OTHER: "sequence_variant",
}


def minimal_alleles(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Remove the shared suffix, then the shared prefix, keeping at least one base in each allele.

    ``(100, "CA", "TA") -> (100, "C", "T")``; ``(100, "CTT", "CT") -> (100, "CT", "C")``;
    ``(100, "ACG", "ATT") -> (101, "CG", "TT")``. Symbolic alleles are returned unchanged.
    """
    if alt.startswith("<") or "[" in alt or "]" in alt or alt in ("*", "."):
        return pos, ref, alt
    ref_u, alt_u = ref.upper(), alt.upper()
    while len(ref_u) > 1 and len(alt_u) > 1 and ref_u[-1] == alt_u[-1]:
        ref_u, alt_u = ref_u[:-1], alt_u[:-1]
    while len(ref_u) > 1 and len(alt_u) > 1 and ref_u[0] == alt_u[0]:
        ref_u, alt_u, pos = ref_u[1:], alt_u[1:], pos + 1
    return pos, ref_u, alt_u


def consequence_of_protein_change(change: str) -> Consequence:
    """The consequence class a one-letter HGVS protein change implies (``p.G12C`` -> missense)."""
    body = change.removeprefix("p.")
    body = body.strip("()")
    if "fs" in body:
        return Consequence.FRAMESHIFT
    if "delins" in body:
        return Consequence.PROTEIN_ALTERING
    if "del" in body:
        return Consequence.INFRAME_DELETION
    if "ins" in body or "dup" in body:
        return Consequence.INFRAME_INSERTION
    if re.fullmatch(r"M1\?|M1[A-Z]", body):
        return Consequence.START_LOST
    if re.fullmatch(r"\*\d+(?:[A-Z]\w*|ext\w*)(?:\*(?:\d+|\?))?", body):   # p.*110Qext*17
        return Consequence.STOP_LOST
    if body.endswith("*"):
        return Consequence.NONSENSE
    if body.endswith("="):
        return Consequence.SYNONYMOUS
    if re.fullmatch(r"[A-Z]\d+[A-Z]", body):
        return Consequence.MISSENSE
    return Consequence.PROTEIN_ALTERING


def classify_by_coordinates(chrom: str, pos: int, ref: str, alt: str, gene: PanelGene,
                            panel: Panel) -> TranscriptEffect:
    """Classify one allele on ``gene``'s canonical transcript from coordinates (see module doc)."""
    pos, ref, alt = minimal_alleles(pos, ref, alt)

    def effect(consequence: Consequence, *, terms: tuple[str, ...] | None = None,
               protein: str | None = None, exon: CodingExon | None = None,
               hgvsc: str | None = None) -> TranscriptEffect:
        return TranscriptEffect(
            allele=alt, gene=gene.symbol, transcript=gene.transcript,
            so_terms=terms or (_SO_TERM.get(consequence, "sequence_variant"),),
            consequence=consequence, hgvsc=hgvsc, protein_change=protein,
            exon=exon.number if exon is not None else None, canonical=True, mane_select=None,
            biotype="protein_coding")

    hotspots = [h for h in panel.hotspots_at(chrom, pos, ref, alt) if h.gene == gene.symbol]
    if hotspots:
        protein_change = hotspots[0].protein_change
        consequence = consequence_of_protein_change(protein_change)
        return effect(consequence, protein=protein_change,
                      exon=Panel.exon_at(gene, pos, pos + len(ref) - 1),
                      hgvsc=_hgvsc_substitution(gene, pos, ref, alt))

    if not gene.exons:
        # no exon structure in the knowledge base for this gene: nothing can be said
        return effect(Consequence.OTHER)

    is_indel = len(ref) != len(alt)
    if is_indel and len(ref) < len(alt) and len(ref) == 1:
        # a pure insertion sits between POS and POS+1: both flanks must be inside a feature
        first, last = pos, pos + 1
    elif is_indel and len(alt) == 1 and len(ref) > 1:
        first, last = pos + 1, pos + len(ref) - 1      # the deleted bases (after the anchor)
    else:
        first, last = pos, pos + len(ref) - 1

    splice = _splice_site_distance(gene, first, last, insertion=is_indel and len(ref) == 1)
    if splice is not None:
        return effect(Consequence.SPLICE_SITE, terms=(_splice_term(gene, first, last),),
                      exon=_nearest_exon(gene, first))

    coding_exon = Panel.coding_exon_at(gene, first, last)
    if is_indel and len(ref) == 1:
        coding_exon = coding_exon if (Panel.coding_exon_at(gene, first) is not None and
                                      Panel.coding_exon_at(gene, last) is not None) else None
    if coding_exon is not None:
        if is_indel:
            change = len(alt) - len(ref)
            if change % 3:
                return effect(Consequence.FRAMESHIFT, exon=coding_exon)
            if len(alt) == 1:
                return effect(Consequence.INFRAME_DELETION, exon=coding_exon)
            if len(ref) == 1:
                return effect(Consequence.INFRAME_INSERTION, exon=coding_exon)
            return effect(Consequence.PROTEIN_ALTERING, exon=coding_exon)
        cds = [Panel.cds_position(gene, p) for p in range(first, last + 1)]
        if any(c is not None and 1 <= c <= 3 for c in cds):
            return effect(Consequence.START_LOST, exon=coding_exon,
                          hgvsc=_hgvsc_substitution(gene, pos, ref, alt))
        return effect(Consequence.CODING_UNDETERMINED,
                      exon=coding_exon, hgvsc=_hgvsc_substitution(gene, pos, ref, alt))

    exon = Panel.exon_at(gene, first, last)
    if exon is not None:
        return effect(Consequence.UTR, terms=(_utr_term(gene, first),), exon=exon)
    lo = min(e.start for e in gene.exons)
    hi = max(e.end for e in gene.exons)
    if lo <= first and last <= hi:
        return effect(Consequence.INTRONIC)
    upstream = (first < lo) == (gene.strand == "+")
    return effect(Consequence.NONCODING,
                  terms=("upstream_gene_variant" if upstream else "downstream_gene_variant",))


def _splice_site_distance(gene: PanelGene, first: int, last: int, *, insertion: bool) -> int | None:
    if insertion:
        # an insertion disrupts the canonical dinucleotide only when both flanks lie within it
        d1 = Panel.splice_distance(gene, first)
        d2 = Panel.splice_distance(gene, last)
        return max(d1, d2) if d1 is not None and d2 is not None else None
    return Panel.splice_distance(gene, first, last)


def _splice_term(gene: PanelGene, first: int, last: int) -> str:
    """Donor or acceptor, from the strand and which side of the exon the intron lies on."""
    for exon in gene.exons:
        if exon.start - 2 <= last and first <= exon.start - 1:      # intron before exon.start
            return "splice_acceptor_variant" if gene.strand == "+" else "splice_donor_variant"
        if exon.end + 1 <= last and first <= exon.end + 2:          # intron after exon.end
            return "splice_donor_variant" if gene.strand == "+" else "splice_acceptor_variant"
    return "splice_site_variant"


def _nearest_exon(gene: PanelGene, pos: int) -> CodingExon | None:
    return min(gene.exons, key=lambda e: min(abs(e.start - pos), abs(e.end - pos)), default=None)


def _utr_term(gene: PanelGene, pos: int) -> str:
    coding_starts = [part[0] for e in gene.exons if (part := coding_part(e)) is not None]
    if not coding_starts:
        return "non_coding_transcript_exon_variant"
    cds_lo = min(coding_starts)
    before = pos < cds_lo
    five_prime = before if gene.strand == "+" else not before
    return "5_prime_UTR_variant" if five_prime else "3_prime_UTR_variant"


def _hgvsc_substitution(gene: PanelGene, pos: int, ref: str, alt: str) -> str | None:
    """``c.<n><ref>><alt>`` for a single-base substitution in the CDS (transcript strand)."""
    if len(ref) != 1 or len(alt) != 1:
        return None
    number = Panel.cds_position(gene, pos)
    if number is None:
        return None
    if gene.strand == "-":
        ref, alt = ref.translate(_COMPLEMENT), alt.translate(_COMPLEMENT)
    return f"c.{number}{ref.upper()}>{alt.upper()}"
