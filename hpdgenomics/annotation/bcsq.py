"""bcftools csq annotations (INFO/BCSQ).

Header line read (bcftools csq; the wording varies between releases, the tag may be renamed
with ``-c``, and old releases wrote ``CSQ``; one line in the file, wrapped here)::

    ##INFO=<ID=BCSQ,Number=.,Type=String,Description="Haplotype-aware consequence annotation
        from BCFtools/csq, see http://samtools.github.io/bcftools/howtos/csq-calling.html for
        details. Format: Consequence|gene|transcript|biotype|strand|amino_acid_change|dna_change">

Layout (bcftools manual, csq section, and ``csq.c``): entries separated by ``,``; each entry is
``[*]consequence|gene|transcript|biotype[|strand|amino_acid_change|dna_change]`` - the last three
only for coding consequences - or a back-reference ``@POS`` saying that the consequence of this
record was written, jointly with other records of the same haplotype, at position POS (which may
lie before or after this record). Consequences are bcftools' own names joined by ``&``
(``missense``, ``stop_gained``, ``frameshift``, ``inframe_deletion``, ``splice_acceptor``...);
a ``*`` prefix marks a consequence downstream of a premature stop on the same haplotype.

* Alleles: ``dna_change`` spells each variant as ``<POS><REF>><ALT>`` (1-based, as in the VCF),
  several joined by ``+`` for a compound consequence (``122106101G>A+122106102G>A``). An entry
  belongs to the ALT it spells; entries without ``dna_change`` (intron, UTR, non-coding, splice
  region) belong to every ALT of the record.
* Back-references are resolved from the compound entries of records already seen on the same
  chromosome, matched by this record's ``<POS><REF>><ALT>``; a reference to a record not yet seen
  (bcftools writes the full entry at the 5'-most variant of the transcript, i.e. the highest
  position on the - strand) cannot be resolved while streaming and is logged and left out, so a
  caller falls back to coordinate classification for that record.
* ``amino_acid_change`` (``12G>12C``; also ``12G>C``; synonymous ``437T``; deletions
  ``74EDG>74D`` or ``746ELREA>746-``; frameshifts with the new sequence, or ``25E..329>25G..94``
  with ``--brief-predictions``) becomes one-letter HGVS by
  :func:`hpdgenomics.annotation.hgvs.protein_change_from_residues`, or None where the residues
  do not determine it.
* ``*``-prefixed consequences keep their SO terms plus ``downstream_of_premature_stop``, are classed
  ``other`` and carry no protein change: the protein already ends upstream on that haplotype.
* Per-sample ``FORMAT/BCSQ`` bitmasks are not read: entries are tied to alleles through
  ``dna_change``, which is enough for a tumour sample's own ALT alleles.
* ``dna_change`` is genomic, not c. notation, so ``hgvsc`` is None; there are no exon numbers or
  canonical flags in this format.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ..model import Consequence
from .effects import (
    RecordEffects,
    TranscriptEffect,
    empty_to_none,
    field_value,
    header_format_fields,
    versionless,
)
from .hgvs import protein_change_from_residues, so_name, so_to_consequence, split_terms

logger = logging.getLogger(__name__)

_DEFAULT_FIELDS = ["consequence", "gene", "transcript", "biotype", "strand", "amino_acid_change",
                   "dna_change"]
_SIDE = re.compile(r"^(\d+)?([A-Z*]+(?:\.\.\d+)?|-)?$")
DOWNSTREAM_OF_STOP = "downstream_of_premature_stop"


def _split_side(text: str) -> tuple[int | None, str | None]:
    match = _SIDE.match(text.strip())
    if not match:
        return None, None
    return (int(match.group(1)) if match.group(1) else None), match.group(2)


def bcsq_protein_change(change: str | None, consequence: Consequence) -> str | None:
    """One-letter HGVS from a bcftools ``amino_acid_change``, or None when not determinable."""
    change = empty_to_none(change)
    if not change:
        return None
    ref_text, arrow, alt_text = change.partition(">")
    start, ref = _split_side(ref_text)
    if start is None or not ref:
        return None
    alt: str | None
    if arrow:
        _, alt = _split_side(alt_text)
        if alt is None:
            return None
    else:
        alt = None          # "437T": unchanged residue
    if ".." in ref or (alt and ".." in alt):
        # --brief-predictions truncates the sequences: only the first residue is reliable.
        if consequence is Consequence.FRAMESHIFT:
            return f"p.{ref[0]}{start}fs"
        return None
    return protein_change_from_residues(ref, alt, start, consequence)


@dataclass
class BcftoolsCsq:
    """Parser of one file's bcftools csq layout; remembers compound entries for ``@POS``."""

    tag: str
    fields: list[str] = field(default_factory=lambda: list(_DEFAULT_FIELDS))
    name: str = "bcftools BCSQ"

    @classmethod
    def from_header(cls, tag: str, description: str) -> BcftoolsCsq:
        """The parser for INFO ``tag``, with the field names its header ``description`` lists
        (bcftools' default order when it lists none).
        """
        names = [name.lower() for name in header_format_fields(description)]
        if "consequence" not in names:
            names = list(_DEFAULT_FIELDS)
        return cls(tag=tag, fields=names)

    def __post_init__(self) -> None:
        self._index = {name.lower(): i for i, name in enumerate(self.fields)}
        for i, name in enumerate(_DEFAULT_FIELDS):
            self._index.setdefault(name, i)
        self._compound_chrom: str | None = None
        self._compound: dict[int, list[list[str]]] = {}

    def _get(self, values: list[str], name: str) -> str | None:
        return field_value(values, self._index[name])

    def effects(self, variant) -> dict[str, list[TranscriptEffect]]:
        """The record's BCSQ effects per ALT, resolving ``@POS`` references to compound (joint)
        consequences.
        """
        record = RecordEffects(variant, self.tag)
        if variant.CHROM != self._compound_chrom:
            self._compound_chrom, self._compound = variant.CHROM, {}
        if not record.raw:
            return record.by_alt
        spelled = {f"{variant.POS}{variant.REF}>{alt}".upper(): alt for alt in record.alts}
        for entry in str(record.raw).split(","):
            entry = entry.strip()
            if entry.startswith("@"):
                self._resolve(entry, record, spelled)
                continue
            values = entry.split("|")
            dna_change = self._get(values, "dna_change")
            if dna_change and "+" in dna_change:
                self._compound.setdefault(variant.POS, []).append(values)
            for alt in self._alts_of(dna_change, spelled, record.alts, record.where):
                record.by_alt[alt].append(self._effect(values, alt))
        return record.by_alt

    def _alts_of(self, dna_change: str | None, spelled: dict[str, str], alts: list[str],
                 where: str) -> list[str]:
        if not dna_change:
            return alts
        parts = {part.strip().upper() for part in dna_change.split("+")}
        matched = [alt for key, alt in spelled.items() if key in parts]
        if not matched:
            logger.debug("%s: BCSQ dna_change %r names none of this record's ALT alleles; not used",
                         where, dna_change)
        return matched

    def _resolve(self, entry: str, record: RecordEffects, spelled: dict[str, str]) -> None:
        position = entry[1:]
        if not position.isdigit():
            logger.debug("%s: BCSQ back-reference %r is not @POS; not used", record.where, entry)
            return
        stored = self._compound.get(int(position))
        if not stored:
            logger.debug("%s: BCSQ back-reference %s points at a record not yet read; "
                         "its consequence is not used here", record.where, entry)
            return
        for values in stored:
            for alt in self._alts_of(self._get(values, "dna_change"), spelled, record.alts,
                                     record.where):
                record.by_alt[alt].append(self._effect(values, alt))

    def _effect(self, values: list[str], alt: str) -> TranscriptEffect:
        raw_consequence = (values[self._index["consequence"]] if values else "").strip()
        downstream_of_stop = raw_consequence.startswith("*")
        raw_consequence = raw_consequence.lstrip("*")
        raw_consequence = raw_consequence.removeprefix("sv:")
        terms = split_terms(raw_consequence)
        so_terms = tuple(so_name(term) for term in terms)
        consequence = so_to_consequence(terms)
        protein = bcsq_protein_change(self._get(values, "amino_acid_change"), consequence)
        if downstream_of_stop:
            so_terms += (DOWNSTREAM_OF_STOP,)
            consequence, protein = Consequence.OTHER, None
        return TranscriptEffect(
            allele=alt,
            gene=self._get(values, "gene"),
            transcript=versionless(self._get(values, "transcript")),
            so_terms=so_terms,
            consequence=consequence,
            hgvsc=None,
            protein_change=protein,
            exon=None,
            canonical=None,
            mane_select=None,
            biotype=self._get(values, "biotype"),
        )
