"""Ensembl VEP annotations (INFO/CSQ, or whatever tag VEP was told to write).

Header line read (one line in the file, wrapped here)::

    ##INFO=<ID=CSQ,...,Description="Consequence annotations from Ensembl VEP. Format:
        Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|...">

The field order is taken from that ``Format:`` list, never assumed. Entries are separated by
``,``, fields by ``|``; consequences inside an entry are joined by ``&``. Fields used:

* ``Allele`` - the ALT allele in VEP's spelling. VEP drops the first base when REF and every ALT
  share it and writes an empty allele as ``-`` (REF=AG ALT=A -> ``-``; REF=T ALT=TG -> ``G``);
  with ``--minimal`` each ALT is trimmed on its own. When ``ALLELE_NUM`` is present (1-based
  index into ALT) it decides, otherwise the spelling is matched (see
  :func:`hpdgenomics.annotation.effects.allele_lookup`).
* ``Consequence`` (SO terms), ``SYMBOL``, ``Feature`` (transcript id, version removed),
  ``BIOTYPE``, ``EXON`` (``19/28`` -> 19).
* ``HGVSc`` (``ENST...:c.2573T>G`` -> ``c.2573T>G``), ``HGVSp`` (``ENSP...:p.Leu858Arg`` ->
  ``p.L858R``; ``%3D`` is VEP's escape for ``=``). Without HGVSp (VEP run without ``--hgvs``),
  the protein change is built from ``Amino_acids`` and ``Protein_position``.
* ``CANONICAL`` (``YES``), ``MANE_SELECT`` or the older ``MANE`` (any value means the transcript
  is MANE Select; ``MANE_PLUS_CLINICAL`` does not count), ``PICK`` (``1``).

Positions are not read from CSQ; the record's own POS/REF/ALT (1-based) stay authoritative.

Entries that do not fit the header: an entry with more or fewer ``|`` fields than the header's
``Format:`` list is still read by position (VEP plugins append fields at the end) but reported by
:meth:`VepCsq.problems`; an entry whose ``Consequence`` holds not one known term, or whose
``Feature_type`` is not a VEP feature type, is a header from another VEP run (the columns are
shifted) and is not used, so the caller falls back to coordinates for that allele.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from ..model import Consequence
from .effects import (
    RecordEffects,
    TranscriptEffect,
    exon_number,
    field_value,
    header_format_fields,
    strip_transcript_prefix,
    versionless,
)
from .hgvs import (
    TERM_TABLE,
    protein_change_from_residues,
    protein_to_one_letter,
    so_name,
    so_to_consequence,
    split_terms,
)

logger = logging.getLogger(__name__)


@dataclass
class VepCsq:
    """Parser of one VEP-annotated file's CSQ layout."""

    tag: str
    fields: list[str]
    name: str = "VEP CSQ"

    @classmethod
    def from_header(cls, tag: str, description: str) -> VepCsq:
        """The parser for INFO ``tag``, with the field names its header ``description`` lists."""
        return cls(tag=tag, fields=header_format_fields(description))

    def __post_init__(self) -> None:
        self._index = {name.upper(): i for i, name in enumerate(self.fields)}
        self._field_counts: Counter[int] = Counter()    # entries whose field count differs
        self._misfits: list[str] = []                  # records with entries that were not used

    def problems(self) -> list[str]:
        """Warnings for the report: entries that did not fit the header's field list."""
        messages = []
        if self._field_counts:
            seen = ", ".join(f"{n} entries with {k} fields"
                             for k, n in sorted(self._field_counts.items()))
            messages.append(f"INFO/{self.tag}: the header lists {len(self.fields)} VEP fields but "
                            f"the records hold {seen}; values were read by the header's field "
                            "order (check that the header belongs to this VEP run)")
        if self._misfits:
            shown = "; ".join(self._misfits[:5]) + (f"; +{len(self._misfits) - 5} more"
                                                   if len(self._misfits) > 5 else "")
            messages.append(f"INFO/{self.tag}: entries whose Consequence/Feature_type values "
                            "do not fit the header's field list were not used (the header is "
                            "probably from another VEP run); those alleles were classified by "
                            f"coordinates ({shown})")
        return messages

    def _fits(self, values: list[str]) -> bool:
        terms = split_terms(self._get(values, "Consequence") or "")
        if not any(term.lower() in TERM_TABLE for term in terms):
            return False
        feature_type = self._get(values, "Feature_type") if "FEATURE_TYPE" in self._index else None
        return feature_type in (None, "Transcript", "RegulatoryFeature", "MotifFeature")

    def _get(self, values: list[str], name: str) -> str | None:
        return field_value(values, self._index.get(name.upper()))

    def effects(self, variant) -> dict[str, list[TranscriptEffect]]:
        """The record's CSQ effects per ALT; entries whose field count does not fit the header are
        not used and the record is remembered for a warning.
        """
        record = RecordEffects(variant, self.tag)
        if not record.raw:
            return record.by_alt
        misfit = False
        for entry in str(record.raw).split(","):
            values = entry.split("|")
            if len(values) != len(self.fields):
                self._field_counts[len(values)] += 1
            if not self._fits(values):
                misfit = True
                continue
            index = self._alt_index(values, record)
            if index is None:
                continue
            alt = record.alts[index]
            record.by_alt[alt].append(self._effect(values, alt))
        if misfit:
            self._misfits.append(record.where)
        return record.by_alt

    def _alt_index(self, values: list[str], record: RecordEffects) -> int | None:
        allele_num = self._get(values, "ALLELE_NUM")
        if allele_num and allele_num.isdigit() and 1 <= int(allele_num) <= len(record.alts):
            return int(allele_num) - 1
        i = self._index.get("ALLELE")
        # "-" is VEP's spelling of an empty allele, so the raw value is used here.
        allele = values[i].strip() if i is not None and i < len(values) else None
        return record.alt_index(allele, self.name)

    def _effect(self, values: list[str], alt: str) -> TranscriptEffect:
        terms = split_terms(self._get(values, "Consequence") or "")
        consequence = so_to_consequence(terms)
        protein = protein_to_one_letter(self._get(values, "HGVSp"))
        if protein is None and self._get(values, "HGVSp") is None:
            protein = self._protein_from_residues(values, consequence)
        mane_value = self._get(values, "MANE_SELECT")
        if mane_value is None and "MANE" in self._index:
            mane_value = self._get(values, "MANE")
        has_mane_field = "MANE_SELECT" in self._index or "MANE" in self._index
        # The older MANE field lists the MANE category; only MANE Select counts here.
        is_mane = bool(mane_value) and "plus_clinical" not in (mane_value or "").lower()
        return TranscriptEffect(
            allele=alt,
            gene=self._get(values, "SYMBOL"),
            transcript=versionless(self._get(values, "Feature")),
            so_terms=tuple(so_name(term) for term in terms),
            consequence=consequence,
            hgvsc=strip_transcript_prefix(self._get(values, "HGVSc")),
            protein_change=protein,
            exon=exon_number(self._get(values, "EXON")),
            canonical=(self._get(values, "CANONICAL") == "YES") if "CANONICAL" in self._index
            else None,
            mane_select=is_mane if has_mane_field else None,
            biotype=self._get(values, "BIOTYPE"),
            picked=(self._get(values, "PICK") == "1") if "PICK" in self._index else None,
        )

    def _protein_from_residues(self, values, consequence: Consequence) -> str | None:
        residues = self._get(values, "Amino_acids")
        position = self._get(values, "Protein_position")
        if not residues or not position:
            return None
        start = position.split("-")[0]
        if not start.isdigit():
            return None
        ref, _, alt = residues.partition("/")
        return protein_change_from_residues(ref, alt or None, int(start), consequence)
