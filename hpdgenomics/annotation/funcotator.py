"""GATK Funcotator annotations (INFO/FUNCOTATION), as Funcotator's VCF output writes them.

Header line read (GATK 4.x ``VcfOutputRenderer``; one line in the file, wrapped here)::

    ##INFO=<ID=FUNCOTATION,Number=A,Type=String,Description="Functional annotation from the
        Funcotator tool.  Funcotation fields are: Gencode_34_hugoSymbol|Gencode_34_ncbiBuild|...
        |Gencode_34_otherTranscripts|ClinVar_VCF_AF|...">

The field order is taken from the list after ``Funcotation fields are:``. The Gencode fields are
named ``Gencode_<release>_<field>`` and the release varies with the data-source bundle (19, 27,
28, 34, 43...), so they are matched by the part after the release number; fields of other data
sources (ClinVar, gnomAD, COSMIC...) are not read.

Layout of a record's value: one group per ALT allele, in ALT order, separated by ``,`` (the header
says ``Number=A``); a group is one ``[f1|f2|...]`` block per transcript, blocks joined by ``#``
(several blocks only with ``--transcript-selection-mode ALL``; otherwise one block, the "annotation
transcript" Funcotator chose). Inside a field Funcotator escapes its delimiters as ``_%XX_``
(``_%7C_`` ``|``, ``_%2C_`` ``,``, ``_%3B_`` ``;``, ``_%3D_`` ``=``, ``_%20_`` space,
``_%23_`` ``#``, ``_%09_`` tab, ``_%0A_`` newline); fields are split first, then decoded.

* Alleles: groups are assigned to ALTs by position when there are as many groups as ALTs
  (Funcotator writes them that way). Otherwise each block is matched on its
  ``tumorSeqAllele2``, which Funcotator rewrites for indels (insertion: inserted bases only;
  deletion: ``-``), i.e. VEP's spelling, see :func:`hpdgenomics.annotation.effects.allele_lookup`.
* ``variantClassification`` is mapped by :data:`CLASSIFICATION_TABLE` to a Sequence Ontology
  term and a :class:`~hpdgenomics.model.Consequence`. ``SPLICE_SITE`` means "within 2 bp of an
  exon boundary on either side"; ``secondaryVariantClassification`` says which: ``INTRON`` (or
  nothing) is a splice donor/acceptor change (``splice_site``), a coding class (``MISSENSE``,
  ``SILENT``...) is that exonic change next to the boundary, reported as that class plus
  ``splice_region_variant`` (as VEP would), so a synonymous change in the last base of an exon
  is not counted as truncating.
* ``proteinChange`` (already one-letter, ``p.G12C``, ``p.Q37*``, ``p.L747fs``) goes through
  :func:`~hpdgenomics.annotation.hgvs.protein_to_one_letter`; Oncotator-style forms the knowledge
  base cannot match (``p.X37_splice``, ``p.770_771insNPG`` without flanking residues) become None
  and the rule engine works from the consequence and exon.
* ``annotationTranscript`` loses its version; ``transcriptExon`` is the exon number;
  ``cDnaChange`` is ``hgvsc``; ``hugoSymbol`` is the gene. ``otherTranscripts`` (a one-line
  summary of the other transcripts' effects) is not read: it has no exon or c. change.
* Funcotator has no per-transcript canonical or MANE flag, so ``canonical`` and
  ``mane_select`` are None; the knowledge-base transcript, else the most severe block, is chosen
  by :func:`~hpdgenomics.annotation.effects.choose_effect`.

Positions are not read from the funcotation; the record's own POS/REF/ALT (1-based) stay
authoritative.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ..model import Consequence
from .effects import (
    RecordEffects,
    TranscriptEffect,
    exon_number,
    field_value,
    strip_transcript_prefix,
    versionless,
)
from .hgvs import protein_to_one_letter

logger = logging.getLogger(__name__)

C = Consequence

#: Funcotator ``variantClassification`` -> (Sequence Ontology term, project class).
#: Names follow GencodeFuncotation.VariantClassification in GATK 4.x.
CLASSIFICATION_TABLE: dict[str, tuple[str, Consequence]] = {
    "MISSENSE": ("missense_variant", C.MISSENSE),
    "NONSENSE": ("stop_gained", C.NONSENSE),
    "NONSTOP": ("stop_lost", C.STOP_LOST),
    "SILENT": ("synonymous_variant", C.SYNONYMOUS),
    "SPLICE_SITE": ("splice_site_variant", C.SPLICE_SITE),
    "IN_FRAME_DEL": ("inframe_deletion", C.INFRAME_DELETION),
    "IN_FRAME_INS": ("inframe_insertion", C.INFRAME_INSERTION),
    "FRAME_SHIFT_DEL": ("frameshift_variant", C.FRAMESHIFT),
    "FRAME_SHIFT_INS": ("frameshift_variant", C.FRAMESHIFT),
    # ATG has no synonymous codon, so any change overlapping it loses the start.
    "START_CODON_SNP": ("start_lost", C.START_LOST),
    "START_CODON_INS": ("start_lost", C.START_LOST),
    "START_CODON_DEL": ("start_lost", C.START_LOST),
    "DE_NOVO_START_IN_FRAME": ("5_prime_UTR_premature_start_codon_gain_variant", C.UTR),
    "DE_NOVO_START_OUT_FRAME": ("5_prime_UTR_premature_start_codon_gain_variant", C.UTR),
    "FIVE_PRIME_UTR": ("5_prime_UTR_variant", C.UTR),
    "THREE_PRIME_UTR": ("3_prime_UTR_variant", C.UTR),
    "INTRON": ("intron_variant", C.INTRONIC),
    "FIVE_PRIME_FLANK": ("upstream_gene_variant", C.NONCODING),
    "THREE_PRIME_FLANK": ("downstream_gene_variant", C.NONCODING),
    "IGR": ("intergenic_variant", C.NONCODING),
    "RNA": ("non_coding_transcript_exon_variant", C.NONCODING),
    "LINCRNA": ("non_coding_transcript_exon_variant", C.NONCODING),
}

_DESCRIPTION_MARK = "funcotation fields are"
_GENCODE_FIELD = re.compile(r"^gencode_\d+_(\w+)$", re.IGNORECASE)
_ESCAPE = re.compile(r"_%([0-9A-Fa-f]{2})_")


def is_funcotator_description(description: str) -> bool:
    """True when an INFO header description is GATK Funcotator's."""
    return _DESCRIPTION_MARK in description.lower()


def unescape_field(value: str) -> str:
    """Undo Funcotator's ``_%XX_`` escaping (``p.A_%3D_`` -> ``p.A=``, ``_%20_`` -> space)."""
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)


def funcotation_fields(description: str) -> list[str]:
    """Field names listed after ``Funcotation fields are:`` in the header description."""
    text = description.strip().strip('"')
    start = text.lower().find(_DESCRIPTION_MARK)
    tail = text[start + len(_DESCRIPTION_MARK):].lstrip(" :")
    return [name.strip() for name in tail.split("|") if name.strip()]


def classification_effect(primary: str | None,
                          secondary: str | None) -> tuple[tuple[str, ...], Consequence]:
    """SO terms and project class of a Funcotator (primary, secondary) classification pair."""
    key = (primary or "").strip().upper()
    if key == "SPLICE_SITE":
        second = (secondary or "").strip().upper()
        if second and second not in ("INTRON", "SPLICE_SITE") and second in CLASSIFICATION_TABLE:
            term, consequence = CLASSIFICATION_TABLE[second]
            # exonic side of the boundary: the coding change, next to a splice site
            if consequence is C.SYNONYMOUS or consequence is C.UTR:
                consequence = C.SPLICE_REGION
            return (term, "splice_region_variant"), consequence
    row = CLASSIFICATION_TABLE.get(key)
    if row is None:
        logger.debug("Funcotator variantClassification %r is not in the table; classed as 'other'",
                     primary)
        return ((primary or "").strip(),) if primary else (), C.OTHER
    return (row[0],), row[1]


@dataclass
class Funcotator:
    """Parser of one Funcotator-annotated file's FUNCOTATION layout."""

    tag: str
    fields: list[str]
    name: str = "GATK Funcotator"

    @classmethod
    def from_header(cls, tag: str, description: str) -> Funcotator:
        """The parser for INFO ``tag``, with the field names its header ``description`` lists."""
        return cls(tag=tag, fields=funcotation_fields(description))

    def __post_init__(self) -> None:
        self._index: dict[str, int] = {}
        for i, name in enumerate(self.fields):
            match = _GENCODE_FIELD.match(name)
            # several Gencode sources are not expected; the first listed wins
            if match:
                self._index.setdefault(match.group(1).lower(), i)

    def has_gencode_fields(self) -> bool:
        """True when the header lists Funcotator's Gencode fields (a variant classification)."""
        return "variantclassification" in self._index

    def _get(self, values: list[str], name: str) -> str | None:
        return field_value(values, self._index.get(name.lower()))

    def effects(self, variant) -> dict[str, list[TranscriptEffect]]:
        """The record's FUNCOTATION effects per ALT (one group per ALT, else matched by tumour
        allele).
        """
        record = RecordEffects(variant, self.tag)
        raw = record.raw
        if not raw:
            return record.by_alt
        # cyvcf2 returns a tuple for some Number=A strings, a single string for others
        groups = list(raw) if isinstance(raw, tuple) else str(raw).split(",")
        positional = len(groups) == len(record.alts)
        for group_number, group in enumerate(groups):
            for block in group.split("#"):
                values = [unescape_field(v) for v in block.strip().strip("[]").split("|")]
                if len(values) < 2:
                    continue
                if positional:
                    index: int | None = group_number
                else:
                    index = record.alt_index(self._get(values, "tumorSeqAllele2") or "-", self.name)
                if index is None:
                    continue
                alt = record.alts[index]
                record.by_alt[alt].append(self._effect(values, alt))
        return record.by_alt

    def _effect(self, values: list[str], alt: str) -> TranscriptEffect:
        so_terms, consequence = classification_effect(
            self._get(values, "variantClassification"),
            self._get(values, "secondaryVariantClassification"))
        biotype = self._get(values, "transcriptType") or self._get(values, "geneTranscriptType")
        return TranscriptEffect(
            allele=alt,
            gene=self._get(values, "hugoSymbol"),
            transcript=versionless(self._get(values, "annotationTranscript")),
            so_terms=so_terms,
            consequence=consequence,
            hgvsc=strip_transcript_prefix(self._get(values, "cDnaChange")),
            protein_change=protein_to_one_letter(self._get(values, "proteinChange")),
            exon=exon_number(self._get(values, "transcriptExon")),
            canonical=None,
            mane_select=None,
            biotype=biotype,
        )
