"""SnpEff annotations: the current ``ANN`` field and the legacy ``EFF`` field.

ANN - header line read (one line in the file, wrapped here)::

    ##INFO=<ID=ANN,...,Description="Functional annotations: 'Allele | Annotation |
        Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType |
        Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos /
        AA.length | Distance | ERRORS / WARNINGS / INFO' ">

Entries separated by ``,``, fields by ``|`` in the order the description lists (names matched
case-insensitively, the standard positions used when a name is missing). ``Annotation`` holds
SO terms joined by ``&`` (older releases used ``+``, e.g.
``5_prime_UTR_truncation+exon_loss_variant``).
``Allele`` is the ALT as written in the VCF; with ``-cancer`` SnpEff adds entries for
somatic-versus-germline allele pairs written ``ALT-REFERENCE`` (``G-C``): those compare two
samples, not the reference, and are ignored. An empty ``Allele`` on a single-ALT record belongs to
that ALT. ``Rank`` is an exon number except for intronic effects, where it numbers the intron
(not used as an exon then). ``HGVS.c``/``HGVS.p`` are used as given (``p.Gly12Asp`` -> ``p.G12D``).

EFF (SnpEff 4 with ``-classic``, SnpEff 2-3) - header line read (one line, wrapped here)::

    ##INFO=<ID=EFF,...,Description="Predicted effects for this variant.Format: 'Effect (
        Effect_Impact | Functional_Class | Codon_Change | Amino_Acid_Change| Amino_Acid_length |
        Gene_Name | Transcript_BioType | Gene_Coding | Transcript_ID | Exon_Rank  |
        Genotype_Number [ | ERRORS | WARNINGS ] )' ">

Each entry is ``EFFECT(f1|f2|...)``; the field names inside the brackets come from the
description (SnpEff 2 had no ``Amino_Acid_length``). ``Amino_Acid_Change`` may be one-letter
without ``p.`` (``E17K``; a synonymous change is written with the residue only, ``S60``),
one-letter with ``p.`` or three-letter HGVS (``p.Glu17Lys``, ``p.Gly12Asp/c.35G>A`` with
``-hgvs``). ``Genotype_Number`` is a 1-based ALT number in old releases and the ALT allele itself
(or a ``G-C`` cancer pair, ignored) in SnpEff 4; without it the entry belongs to a single ALT, and
on a multi-allelic record it is not used (the entry cannot be tied to an allele).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ..model import Consequence
from .effects import RecordEffects, TranscriptEffect, exon_number, field_value, versionless
from .hgvs import protein_to_one_letter, so_name, so_to_consequence, split_terms

logger = logging.getLogger(__name__)

_ANN_DEFAULT = ["Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type",
                "Feature_ID", "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p",
                "cDNA.pos / cDNA.length", "CDS.pos / CDS.length", "AA.pos / AA.length",
                "Distance", "ERRORS / WARNINGS / INFO"]
_INTRONIC_TERMS = {"intron_variant", "splice_acceptor_variant", "splice_donor_variant",
                   "conserved_intron_variant", "splice_branch_variant"}


def _quoted_fields(description: str) -> list[str]:
    """Field names between the quotes of a SnpEff description, ``|``-separated."""
    match = re.search(r"'([^']*)'", description)
    text = match.group(1) if match else description.partition(":")[2]
    return [name.strip() for name in text.split("|") if name.strip()]


def _is_cancer_pair(allele: str | None) -> bool:
    return allele is not None and "-" in allele.strip("-")


def _exon_from_rank(rank: str | None, so_terms: tuple[str, ...]) -> int | None:
    if any(term in _INTRONIC_TERMS for term in so_terms):
        return None
    return exon_number(rank)


@dataclass
class SnpEffAnn:
    """Parser of one file's SnpEff ANN layout."""

    tag: str
    fields: list[str]
    name: str = "SnpEff ANN"

    @classmethod
    def from_header(cls, tag: str, description: str) -> SnpEffAnn:
        """The parser for INFO ``tag``, with the field names its header ``description`` lists
        (SnpEff's default ANN order when it lists none).
        """
        fields = _quoted_fields(description)
        return cls(tag=tag, fields=fields or list(_ANN_DEFAULT))

    def __post_init__(self) -> None:
        self._index = {name.lower(): i for i, name in enumerate(self.fields)}
        for i, name in enumerate(_ANN_DEFAULT):
            self._index.setdefault(name.lower(), i)

    def _get(self, values: list[str], name: str) -> str | None:
        return field_value(values, self._index[name.lower()])

    def effects(self, variant) -> dict[str, list[TranscriptEffect]]:
        """The record's ANN effects per ALT; cancer-mode pairs (``ALT-REF``) are skipped."""
        record = RecordEffects(variant, self.tag)
        if not record.raw:
            return record.by_alt
        for entry in str(record.raw).split(","):
            values = [value.strip() for value in entry.split("|")]
            allele = values[self._index["allele"]] if values else ""
            if _is_cancer_pair(allele):
                continue
            index = record.alt_index(allele, self.name)
            if index is None:
                continue
            alt = record.alts[index]
            record.by_alt[alt].append(self._effect(values, alt))
        return record.by_alt

    def _effect(self, values: list[str], alt: str) -> TranscriptEffect:
        terms = split_terms(self._get(values, "Annotation") or "")
        so_terms = tuple(so_name(term) for term in terms)
        hgvsc = self._get(values, "HGVS.c")
        return TranscriptEffect(
            allele=alt,
            gene=self._get(values, "Gene_Name"),
            transcript=versionless(self._get(values, "Feature_ID"))
            if (self._get(values, "Feature_Type") or "transcript").lower() == "transcript"
            else None,
            so_terms=so_terms,
            consequence=so_to_consequence(terms),
            hgvsc=hgvsc if hgvsc and hgvsc.startswith(("c.", "n.")) else None,
            protein_change=protein_to_one_letter(self._get(values, "HGVS.p")),
            exon=_exon_from_rank(self._get(values, "Rank"), so_terms),
            canonical=None,
            mane_select=None,
            biotype=self._get(values, "Transcript_BioType"),
        )


_EFF_ENTRY = re.compile(r"^\s*([A-Za-z0-9_+&]+)\s*\((.*)\)\s*$")
_EFF_ALIASES = {
    "amino_acid_change": ("amino_acid_change", "amino_acid_change"),
    "gene_name": ("gene_name",),
    "biotype": ("transcript_biotype", "gene_biotype"),
    "transcript": ("transcript_id", "transcript"),
    "exon": ("exon_rank", "exon"),
    "genotype": ("genotype_number", "genotype"),
    "codon_change": ("codon_change",),
}
_EFF_DEFAULT = ["Effect_Impact", "Functional_Class", "Codon_Change", "Amino_Acid_Change",
                "Amino_Acid_length", "Gene_Name", "Transcript_BioType", "Gene_Coding",
                "Transcript_ID", "Exon_Rank", "Genotype_Number", "ERRORS", "WARNINGS"]


@dataclass
class SnpEffEff:
    """Parser of one file's legacy SnpEff EFF layout."""

    tag: str
    fields: list[str]
    name: str = "SnpEff EFF"

    @classmethod
    def from_header(cls, tag: str, description: str) -> SnpEffEff:
        """The parser for INFO ``tag``, with the field names in the description's ``Effect(...)``
        (SnpEff's default EFF order when it has none).
        """
        match = re.search(r"Effect\s*\((.*)\)", description)
        names = []
        if match:
            names = [name.strip().strip("[] ") for name in match.group(1).split("|")]
            names = [name for name in names if name]
        return cls(tag=tag, fields=names or list(_EFF_DEFAULT))

    def __post_init__(self) -> None:
        lowered = [name.lower() for name in self.fields]
        self._index: dict[str, int] = {}
        for key, names in _EFF_ALIASES.items():
            for name in names:
                if name in lowered:
                    self._index[key] = lowered.index(name)
                    break

    def _get(self, values: list[str], key: str) -> str | None:
        return field_value(values, self._index.get(key))

    def effects(self, variant) -> dict[str, list[TranscriptEffect]]:
        """The record's legacy EFF effects per ALT, matched by genotype number or allele; entries
        that cannot be matched to one ALT are skipped (logged at debug level).
        """
        record = RecordEffects(variant, self.tag)
        if not record.raw:
            return record.by_alt
        for entry in str(record.raw).split(","):
            match = _EFF_ENTRY.match(entry)
            if not match:
                logger.debug("%s: EFF entry %r is not EFFECT(...); not used", record.where, entry)
                continue
            effect_name, inner = match.groups()
            values = [value.strip() for value in inner.split("|")]
            genotype = self._get(values, "genotype")
            if _is_cancer_pair(genotype):
                continue
            if genotype and genotype.isdigit():
                number = int(genotype)
                index = number - 1 if 1 <= number <= len(record.alts) else None
            elif genotype or len(record.alts) == 1:
                index = record.alt_index(genotype, self.name)
            else:
                logger.debug("%s: EFF entry without Genotype_Number on a multi-allelic record; "
                             "not used", record.where)
                index = None
            if index is None:
                continue
            alt = record.alts[index]
            record.by_alt[alt].append(self._effect(effect_name, values, alt))
        return record.by_alt

    def _effect(self, effect_name: str, values: list[str], alt: str) -> TranscriptEffect:
        terms = split_terms(effect_name)
        so_terms = tuple(so_name(term) for term in terms)
        consequence = so_to_consequence(terms)
        change = self._get(values, "amino_acid_change")
        if change and consequence is Consequence.SYNONYMOUS and re.fullmatch(r"[A-Z*]\d+", change):
            change += "="   # legacy EFF writes a synonymous change as the residue alone ("S60")
        codon = self._get(values, "codon_change") or ""
        hgvsc = next((part for part in (change or "").split("/") + [codon]
                      if part.startswith("c.")), None)
        return TranscriptEffect(
            allele=alt,
            gene=self._get(values, "gene_name"),
            transcript=versionless(self._get(values, "transcript")),
            so_terms=so_terms,
            consequence=consequence,
            hgvsc=hgvsc,
            protein_change=protein_to_one_letter(change),
            exon=_exon_from_rank(self._get(values, "exon"), so_terms),
            canonical=None,
            mane_select=None,
            biotype=self._get(values, "biotype"),
        )
