"""Transcript effects of an annotated VCF: what the flavour parsers share, and transcript choice.

An annotated VCF carries one entry per (ALT allele, transcript) in an INFO field whose layout the
header describes. Each flavour module parses one layout into :class:`TranscriptEffect` objects:

========================  ============================  =========================================
flavour (``name``)        INFO header it reads          module
========================  ============================  =========================================
``VEP CSQ``               ``Consequence annotations     :mod:`hpdgenomics.annotation.vep`
                          from Ensembl VEP. Format:``
``SnpEff ANN``            ``Functional annotations:``   :mod:`hpdgenomics.annotation.snpeff`
``SnpEff EFF``            ``Predicted effects ...       :mod:`hpdgenomics.annotation.snpeff`
                          Format: 'Effect ( ...``
``bcftools BCSQ``         ``consequence annotation      :mod:`hpdgenomics.annotation.bcsq`
                          from BCFtools/csq``
``GATK Funcotator``       ``Functional annotation from  :mod:`hpdgenomics.annotation.funcotator`
                          the Funcotator tool.
                          Funcotation fields are:``
========================  ============================  =========================================

The flavour is recognised from the header *description*, not the tag name: VEP may write to
``ANN`` and old bcftools wrote ``CSQ``. :func:`hpdgenomics.annotation.flavours.detect_flavour`
returns the first present in the order of the table. :func:`choose_effect` picks the one effect
that represents a panel gene. This module holds what the flavour modules share
(:class:`TranscriptEffect`, :class:`RecordEffects`, the field helpers) and imports none of them;
flavour detection, which needs them all, sits above them in :mod:`hpdgenomics.annotation.flavours`.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, runtime_checkable

from ..model import Consequence, PanelGene
from .hgvs import severity_rank

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscriptEffect:
    """The effect of one VCF ALT allele on one transcript, as one annotator reported it."""

    # the VCF ALT allele this entry belongs to, as written in the VCF ALT
    allele: str
    gene: str | None             # HGNC symbol as annotated
    transcript: str | None       # versionless Ensembl/RefSeq id (ENST00000275493)
    so_terms: tuple[str, ...]    # Sequence Ontology names (SnpEff EFF / bcftools terms mapped)
    consequence: Consequence     # the most severe class of so_terms
    hgvsc: str | None            # "c.2573T>G" (without transcript prefix)
    protein_change: str | None   # one-letter HGVS "p.L858R"; None if none
    exon: int | None             # exon number on this transcript when the annotator gave one
    canonical: bool | None       # VEP CANONICAL=YES (None: the annotator has no such field)
    mane_select: bool | None     # VEP MANE_SELECT / MANE field present
    biotype: str | None
    picked: bool | None = None   # VEP PICK=1 (None: no PICK field)


@runtime_checkable
class AnnotationFlavour(Protocol):
    """One annotation layout; ``effects`` works on a ``cyvcf2.Variant`` of the file it came from."""

    name: str
    tag: str

    def effects(self, variant) -> dict[str, list[TranscriptEffect]]:
        """Effects keyed by each ALT allele of ``variant`` (every ALT is a key, possibly empty)."""
        ...  # pragma: no cover


# --- helpers shared by the flavour modules --------------------------------------------------

def versionless(identifier: str | None) -> str | None:
    """``ENST00000275493.7`` -> ``ENST00000275493``; ``NM_005228.5`` -> ``NM_005228``."""
    if not identifier:
        return None
    identifier = identifier.strip()
    if not identifier or identifier in (".", "-"):
        return None
    return re.sub(r"\.\d+$", "", identifier)


def exon_number(rank: str | None) -> int | None:
    """``19/28`` -> 19; ``2-3/28`` (an indel over two exons) -> 2; empty -> None."""
    if not rank:
        return None
    match = re.match(r"\s*(\d+)", rank)
    return int(match.group(1)) if match else None


def empty_to_none(value: str | None) -> str | None:
    """The stripped value, or None when it is missing, empty, ``.`` or ``-``."""
    if value is None:
        return None
    value = value.strip()
    return value if value and value not in (".", "-") else None


def strip_transcript_prefix(hgvs: str | None) -> str | None:
    """``ENST00000275493.7:c.2573T>G`` -> ``c.2573T>G``."""
    value = empty_to_none(hgvs)
    return value.rsplit(":", 1)[-1] if value else None


def header_format_fields(description: str) -> list[str]:
    """Field names of a ``... Format: A|B|C`` (VEP, bcftools) header description."""
    text = description.strip().strip('"')
    _, _, tail = text.partition("Format:")
    tail = tail.strip().strip("'\"")
    names = [name.strip().strip("'\"[]*") for name in tail.split("|")]
    # bcftools' newer description continues after the field list: keep the list only.
    if names:
        names[-1] = re.split(r"[\]'\s]", names[-1])[0]
    return [name for name in names if name]


def allele_lookup(ref: str, alts: Sequence[str]) -> dict[str, int]:
    """Map the allele spellings annotators use to the index of each VCF ALT.

    Tried in order, the first spelling to claim a string keeps it:
    1. VEP's default: when REF and every ALT share their first base, that base is dropped from
       all of them and an empty allele is written ``-`` (REF=AG ALT=A -> ``-``);
    2. the ALT as written in the VCF (SnpEff, VEP for SNVs);
    3. per-ALT minimal form, shared leading and trailing bases removed (VEP ``--minimal``); a
       minimal spelling two ALTs share (REF=CC ALT=AC,CA: both ``A``) is left out, so such entries
       are not used and those alleles are classified by coordinates.
    """
    lookup: dict[str, int] = {}
    ref = ref.upper()
    upper = [alt.upper() for alt in alts]
    alleles = [ref, *upper]
    if len(alleles) > 1 and len({a[:1] for a in alleles}) == 1 and all(alleles):
        for i, alt in enumerate(upper):
            lookup.setdefault(alt[1:] or "-", i)
    for i, alt in enumerate(upper):
        lookup.setdefault(alt, i)
    minimal: dict[str, set[int]] = {}
    for i, alt in enumerate(upper):
        r, a = ref, alt
        while r and a and r[0] == a[0]:
            r, a = r[1:], a[1:]
        while r and a and r[-1] == a[-1]:
            r, a = r[:-1], a[:-1]
        minimal.setdefault(a or "-", set()).add(i)
    for spelling, indices in minimal.items():
        # REF=CC ALT=AC,CA: both minimise to "A"; such an entry cannot be tied to one ALT (VEP
        # --minimal without --allele_number), so the spelling is left out and the entry not used
        if len(indices) == 1:
            lookup.setdefault(spelling, next(iter(indices)))
    return lookup


def assign_to_alt(annotated_allele: str | None, alts: Sequence[str], lookup: dict[str, int],
                  *, where: str, flavour: str) -> int | None:
    """Index of the ALT an entry belongs to, or None when it cannot be told (entry dropped)."""
    key = (annotated_allele or "").strip().upper()
    if key in lookup:
        return lookup[key]
    if len(alts) == 1:
        # One ALT: every entry is about it whatever spelling the annotator used.
        if key:
            logger.debug("%s: %s allele %r does not spell ALT %r; assigned to the only ALT",
                         where, flavour, annotated_allele, alts[0])
        return 0
    logger.debug("%s: %s allele %r matches none of ALT %s; entry not used",
                 where, flavour, annotated_allele, ",".join(alts))
    return None


def record_label(variant) -> str:
    """``chrom:pos REF>ALT[,ALT]`` of a cyvcf2 record, for log and warning lines."""
    return f"{variant.CHROM}:{variant.POS} {variant.REF}>{','.join(variant.ALT)}"


def field_value(values: Sequence[str], index: int | None) -> str | None:
    """``values[index]`` as :func:`empty_to_none` gives it; None when the layout has no such field
    (``index`` None) or the entry is too short to hold it."""
    return empty_to_none(values[index]) if index is not None and index < len(values) else None


class RecordEffects:
    """One record's raw annotation value and the per-ALT effects a flavour parser collects.

    ``by_alt`` has every ALT of the record as a key from the start, which is what
    :meth:`AnnotationFlavour.effects` returns. ``where`` and ``lookup`` are worked out on first use.
    """

    def __init__(self, variant, tag: str):
        self.variant = variant
        self.alts: list[str] = list(variant.ALT)
        self.by_alt: dict[str, list[TranscriptEffect]] = {alt: [] for alt in self.alts}
        self.raw = variant.INFO.get(tag)

    @cached_property
    def where(self) -> str:
        """The record's label (:func:`record_label`), for log lines."""
        return record_label(self.variant)

    @cached_property
    def lookup(self) -> dict[str, int]:
        """Each spelling of each ALT allele -> its index (:func:`allele_lookup`)."""
        return allele_lookup(self.variant.REF, self.alts)

    def alt_index(self, annotated_allele: str | None, flavour: str) -> int | None:
        """:func:`assign_to_alt` for this record."""
        return assign_to_alt(annotated_allele, self.alts, self.lookup, where=self.where,
                             flavour=flavour)


# --- choosing the effect that represents a gene ------------------------------------------------

def most_severe(effects: Iterable[TranscriptEffect]) -> TranscriptEffect | None:
    """Most severe class first; ties go to an effect with a protein change, then to file order."""
    ranked = sorted(enumerate(effects),
                    key=lambda item: (severity_rank(item[1].consequence),
                                      item[1].protein_change is None, item[0]))
    return ranked[0][1] if ranked else None


def _names_gene(effect: TranscriptEffect, gene: PanelGene, kb_transcripts: set[str]) -> bool:
    if effect.gene and effect.gene.upper() == gene.symbol.upper():
        return True
    return effect.transcript is not None and effect.transcript in kb_transcripts


def choose_effect(effects: list[TranscriptEffect],
                  gene: PanelGene) -> tuple[TranscriptEffect | None, str]:
    """The effect that represents ``gene``, and why it was chosen.

    Among effects naming the gene (by symbol, or by the knowledge-base transcript id): the
    knowledge-base canonical transcript (versionless Ensembl id, or the RefSeq id for RefSeq
    annotations); else the annotator's MANE Select flag; else its CANONICAL flag; else its PICK
    flag; else the most severe effect on the gene.
    """
    kb_transcripts = {t for t in (versionless(gene.transcript), versionless(gene.refseq)) if t}
    alternates = {v for t in gene.alternate_transcripts if (v := versionless(t))}
    on_gene = [e for e in effects if _names_gene(e, gene, kb_transcripts | alternates)]
    if not on_gene:
        return None, f"no annotation names {gene.symbol}"
    steps = (
        (lambda e: e.transcript in kb_transcripts,
         f"knowledge-base canonical transcript {gene.transcript}"),
        (lambda e: e.transcript in alternates,
         f"alternate transcript from the knowledge base ({', '.join(gene.alternate_transcripts)}; "
         "the canonical one is not annotated)"),
        (lambda e: bool(e.mane_select), "MANE Select flag"),
        (lambda e: bool(e.canonical), "annotator CANONICAL flag"),
        (lambda e: bool(e.picked), "annotator PICK flag"),
    )
    for accept, reason in steps:
        chosen = most_severe(e for e in on_gene if accept(e))
        if chosen is not None:
            if reason.startswith("knowledge-base") \
                    and chosen.transcript != versionless(gene.transcript):
                reason = f"knowledge-base canonical transcript {gene.refseq} (RefSeq)"
            return chosen, reason
    return most_severe(on_gene), (f"most severe effect on {gene.symbol} "
                                   "(no canonical transcript annotated)")
