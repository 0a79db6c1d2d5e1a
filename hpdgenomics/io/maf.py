"""Mutation Annotation Format (MAF) reader for cohort inputs.

Format
------
Tab-separated text, plain or gzipped, one header row; leading ``#`` lines (``#version 2.4``,
``#version gdc-1.0.0`` and the GDC's further ``#annotation.spec`` ... lines) are skipped and kept
as :attr:`MafTable.comments`. A UTF-8 byte-order mark and Windows line endings are accepted. The
flavours written by vcf2maf, the NCI GDC, cBioPortal (``data_mutations_extended.txt``), AACR
GENIE, the Broad/WUSTL TCGA releases (maftools' ``tcga_laml.maf.gz``) and OncoKB's annotator
examples are all read by column name, as :func:`hpdgenomics.io.table.find_column` matches every
table's columns: exactly, else ignoring case (``End_position`` = ``End_Position``), else ignoring
case, spaces and punctuation. Missing values are
:data:`hpdgenomics.io.vocabulary.MAF_MISSING_VALUES` (not the clinical words: a MAF's ``Unknown``
Hugo_Symbol is an intergenic variant, not a blank).

Required columns: ``Hugo_Symbol``, ``Tumor_Sample_Barcode``, ``Variant_Classification``.
Coordinates (``Chromosome``, ``Start_Position``, ``End_Position``, ``Reference_Allele``,
``Tumor_Seq_Allele1/2``) are optional per row: OncoKB-style MAFs list some variants by protein
change alone, and those rows get missing coordinates rather than being dropped.

Coordinates: MAF positions are 1-based and closed; kept as they are (``pos`` = Start_Position,
``end`` = End_Position). Indel alleles stay in MAF style (``-`` for the empty allele, insertion
``pos`` = the base before the insertion); converting them to VCF style needs the reference genome.

Normalised to :data:`MAF_SCHEMA` (one row per sample and variant):

* ``chrom``: without ``chr``; ``23``/``24`` become ``X``/``Y`` (the TCGA/WUSTL numeric convention).
* ``alt``: ``Tumor_Seq_Allele2``, or ``Tumor_Seq_Allele1`` when Allele2 equals the reference.
* ``consequence``: a :class:`hpdgenomics.model.Consequence` value from Variant_Classification
  (table :data:`CLASSIFICATION_TO_CONSEQUENCE`: the MAF 2.4 / GDC / vcf2maf classes, plus the
  Oncotator/Funcotator ``Start_Codon_*``/``Stop_Codon_*`` classes and older TCGA spellings).
* ``protein_change``: one-letter HGVS p. from ``HGVSp_Short``, else ``HGVSp``, ``Protein_Change``,
  ``Amino_Acid_Change``, ``AAChange``, ``AA_Change``, the first non-missing per row (three-letter
  forms converted by :func:`hpdgenomics.annotation.hgvs.protein_to_one_letter`; a missing ``p.``
  prefix is added).
* ``transcript``: ``Transcript_ID`` / ``Feature`` / ``Annotation_Transcript`` /
  ``i_transcript_name``, without version.
* ``vaf`` = t_alt_count / t_depth (t_depth from t_ref_count + t_alt_count when absent);
  ``depth`` = t_depth. Counts and positions written as ``12.0`` (pandas/R output of an integer
  column with missing values) are read as whole numbers; ``12.5`` is refused.
* ``build``: from ``NCBI_Build`` (GRCh37/hg19/37 -> GRCh37; GRCh38/hg38/38 -> GRCh38).
* ``exon``: the number before ``/`` in ``Exon_Number`` (or VEP ``EXON``), e.g. ``19/28`` -> 19.
* ``source_line``: the 1-based line of the row in the file.

Validation: missing required columns raise InputError naming them. Row problems (blank sample or
gene, unknown Variant_Classification, non-integer positions, end before start, a position past the
end of its chromosome in the row's build (``NCBI_Build``, else ``build_for_rows``, else both
builds; the lengths the VCF reader checks, :data:`hpdgenomics.genome.CHROM_LENGTHS`), unsupported
build, non-integer or inconsistent read counts) are all collected; with ``on_invalid="error"``
(default) one InputError lists them, with ``"skip"`` those rows are rejected and listed in
:attr:`MafTable.rejected`. Values of optional fields that cannot be read (an ``Exon_Number`` that a
spreadsheet turned into a date, ``11-Jun``) become missing with a warning, never a guess.
A row whose tumour alleles all equal ``Reference_Allele`` describes no variant (whatever its
protein change says): it is always left out, listed in :attr:`MafTable.rejected` and warned of.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, UsageError
from ..genome import CHROM_LENGTHS, normalize_build, normalize_chrom
from ..model import Consequence, VariantCall
from .table import DelimitedTable, find_column, read_delimited
from .text import sha256_file
from .vocabulary import MAF_MISSING_VALUES

log = logging.getLogger(__name__)

#: The one definition of the normalised MAF table: column -> pandas dtype.
MAF_SCHEMA: dict[str, str] = {
    "sample_id": "string",
    "gene": "string",
    "chrom": "string",
    "pos": "Int64",
    "end": "Int64",
    "ref": "string",
    "alt": "string",
    "variant_classification": "string",
    "consequence": "string",
    "protein_change": "string",
    "hgvsc": "string",
    "transcript": "string",
    "exon": "Int64",
    "vaf": "float64",
    "depth": "Int64",
    "alt_depth": "Int64",
    "build": "string",
    "filter": "string",
    "source_line": "int64",
}

REQUIRED_COLUMNS = ("Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification")

#: MAF Variant_Classification (compared case-insensitively) -> Consequence.
CLASSIFICATION_TO_CONSEQUENCE: dict[str, Consequence] = {
    "Missense_Mutation": Consequence.MISSENSE,
    "Nonsense_Mutation": Consequence.NONSENSE,
    "Frame_Shift_Del": Consequence.FRAMESHIFT,
    "Frame_Shift_Ins": Consequence.FRAMESHIFT,
    "In_Frame_Del": Consequence.INFRAME_DELETION,
    "In_Frame_Ins": Consequence.INFRAME_INSERTION,
    "Splice_Site": Consequence.SPLICE_SITE,
    "Translation_Start_Site": Consequence.START_LOST,
    "Nonstop_Mutation": Consequence.STOP_LOST,
    "Silent": Consequence.SYNONYMOUS,
    "Splice_Region": Consequence.SPLICE_REGION,
    "Intron": Consequence.INTRONIC,
    "3'UTR": Consequence.UTR,
    "5'UTR": Consequence.UTR,
    # GDC: a new upstream start codon created in the 5' UTR
    "De_novo_Start_InFrame": Consequence.UTR,
    "De_novo_Start_OutOfFrame": Consequence.UTR,
    "RNA": Consequence.NONCODING,
    "lincRNA": Consequence.NONCODING,
    "IGR": Consequence.NONCODING,
    "3'Flank": Consequence.NONCODING,
    "5'Flank": Consequence.NONCODING,
    "Targeted_Region": Consequence.OTHER,
    "Unknown": Consequence.OTHER,
    # older cBioPortal mutation files carried fusions as mutation rows
    "Fusion": Consequence.OTHER,
    # Oncotator / GATK Funcotator classes (Broad TCGA MAFs, Firehose): a variant in the start
    # codon loses it; one in the stop codon loses the stop
    "Start_Codon_SNP": Consequence.START_LOST,
    "Start_Codon_Del": Consequence.START_LOST,
    "Start_Codon_Ins": Consequence.START_LOST,
    "Stop_Codon_Del": Consequence.STOP_LOST,
    "Stop_Codon_Ins": Consequence.STOP_LOST,
    # older TCGA MAF 1.0-2.2 spellings
    "Frame_Shift": Consequence.FRAMESHIFT,
    "Splice_Site_SNP": Consequence.SPLICE_SITE,
    "Splice_Site_Del": Consequence.SPLICE_SITE,
    "Splice_Site_Ins": Consequence.SPLICE_SITE,
    "Read-through": Consequence.STOP_LOST,
    # Funcotator leaves this when it cannot classify a variant
    "Could_Not_Determine": Consequence.OTHER,
}
_CLASSIFICATION_LOOKUP = {k.lower(): v.value for k, v in CLASSIFICATION_TO_CONSEQUENCE.items()}

_PROTEIN_COLUMNS = ("HGVSp_Short", "HGVSp", "Protein_Change", "Amino_Acid_Change",
                    # maftools' annovarToMaf and many hand-made minimal MAFs
                    "AAChange", "AA_Change")
_TRANSCRIPT_COLUMNS = ("Transcript_ID", "Feature", "Annotation_Transcript", "i_transcript_name",
                       "transcript_name")
_EXON_COLUMNS = ("Exon_Number", "EXON")
_THREE_LETTER = re.compile(r"(Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|"
                           r"Thr|Trp|Tyr|Val|Ter|Sec|Xaa)\d")
_EXON = re.compile(r"^\s*(\d{1,6})\s*(?:/\s*\d{1,6})?\s*$")
_EXCEL_DATE = re.compile(r"^\d{1,2}-[A-Za-z]{3}$|^[A-Za-z]{3}-\d{1,2}$")
# whole numbers; "12.0" too, which pandas and R write for integer columns holding a missing value
# (at most 15 digits: exact in a double, and beyond any chromosome or read depth)
_INTEGER = re.compile(r"^\s*\d{1,15}(?:\.0*)?\s*$")


@dataclass
class MafTable:
    """A read MAF: the normalised table plus the accounting of what was read and rejected."""

    path: str
    sha256: str
    df: pd.DataFrame                                 # columns and dtypes of MAF_SCHEMA
    # the one build of every row, None if no row says
    build: str | None
    comments: list[str] = field(default_factory=list)
    rows_read: int = 0                               # data rows (blank lines not counted)
    rejected: list[tuple[int, str]] = field(default_factory=list)    # (line, reasons)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_per_sample(self) -> dict[str, int]:
        """Kept rows per sample id, by sample id."""
        return {str(k): int(v) for k, v in self.df["sample_id"].value_counts().sort_index().items()}

    @property
    def samples(self) -> list[str]:
        """The sample ids with at least one kept row, sorted."""
        return sorted(self.df["sample_id"].unique())

    def accounting(self) -> dict[str, Any]:
        """Record accounting for the report: read, kept, rejected with reasons, per sample."""
        return {"path": self.path, "sha256": self.sha256, "rows_read": self.rows_read,
                "rows_kept": len(self.df), "rows_rejected": len(self.rejected),
                "rejected": [{"line": line, "reason": why} for line, why in self.rejected],
                "rows_per_sample": self.rows_per_sample, "build": self.build,
                "warnings": list(self.warnings)}


def _column(raw: pd.DataFrame, name: str) -> str | None:
    """The MAF's column for ``name`` (:func:`hpdgenomics.io.table.find_column`)."""
    return find_column(raw.columns, name)


def _present(series: pd.Series) -> pd.Series:
    return ~_per_value(series, lambda v: isinstance(v, str) and
                       v.strip().lower() in MAF_MISSING_VALUES).astype(bool)


def _numbers(series: pd.Series) -> pd.Series:
    """``pd.to_numeric(series, errors="coerce")``, each distinct text converted once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    numbers = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(float)
    numbers = np.append(numbers, np.nan)          # code -1 (missing) takes the last: NaN
    return pd.Series(numbers[codes], index=series.index)


def _per_value(series: pd.Series, convert: Callable[[Any], Any]) -> pd.Series:
    """``series.map(convert)`` computed once per distinct value: a MAF of 200,000 samples has
    1.6 million rows but few distinct chromosomes, classifications or protein changes."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    converted = np.empty(len(uniques), dtype=object)
    # factorize gives None as NaN: hand it back as None
    converted[:] = [convert(None if value is None or value is pd.NA or
                            (isinstance(value, float) and value != value) else value)
                    for value in uniques]
    return pd.Series(converted[codes], index=series.index, dtype=object)


def _first_present(raw: pd.DataFrame, names: Iterable[str]) -> pd.Series:
    """Per row, the first non-missing value among ``names`` (in order); None when none is."""
    result = pd.Series([None] * len(raw), index=raw.index, dtype=object)
    for name in names:
        column = _column(raw, name)
        if column is None:
            continue
        values = raw[column]
        fill = result.isna() & _present(values)
        result[fill] = values[fill]
    return result


def _one_letter(text: str) -> str | None:
    text = text.strip()
    if not text.startswith("p."):
        text = "p." + text
    if _THREE_LETTER.search(text):
        from ..annotation.hgvs import protein_to_one_letter
        return protein_to_one_letter(text)
    return text


@dataclass
class _Rows:
    """The MAF's data rows (blank rows left out) and what reading them found: per row index the
    reasons to reject it (in the order found), and the file's warnings."""

    raw: pd.DataFrame
    lines: pd.Series                                 # 1-based file line of each row
    reasons: dict[int, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def reject(self, mask: pd.Series, why: str | Callable[[int], str]) -> None:
        """Add ``why`` (text, or made from the row index) to the reasons of each row in ``mask``."""
        for index in mask[mask].index:
            self.reasons.setdefault(index, []).append(why(index) if callable(why) else why)

    def text(self, name: str) -> pd.Series:
        """The column meant by ``name`` as text; empty strings when the MAF has no such column."""
        column = _column(self.raw, name)
        if column is None:
            return pd.Series([""] * len(self.raw), index=self.raw.index, dtype=object)
        return self.raw[column]


@dataclass
class _Coordinates:
    """Each row's normalised chromosome and whole positions (missing where not given)."""

    chrom: pd.Series
    pos: pd.Series
    end: pd.Series


@dataclass
class _Alleles:
    """Each row's reference and tumour alleles, its alternative allele and whether it has none."""

    ref: pd.Series
    allele2: pd.Series
    alt: pd.Series
    no_alt: pd.Series


@dataclass
class _Counts:
    """Each row's read depth, alternative read count and VAF."""

    depth: pd.Series
    alt_depth: pd.Series
    vaf: pd.Series


@dataclass
class _Annotations:
    """Each row's optional annotations: never reasons to reject a row."""

    protein_text: pd.Series
    protein: pd.Series
    transcript: pd.Series
    exon: pd.Series
    hgvsc: pd.Series
    filter: pd.Series


def read_maf(path: str | Path, *, on_invalid: str = "error",
             build_for_rows: str | None = None) -> MafTable:
    """Read a MAF into :data:`MAF_SCHEMA` (see the module docstring for every rule).

    ``build_for_rows``: the genome build of rows without ``NCBI_Build`` (for example ``--build``),
    used to check that positions lie within their chromosome.
    """
    if on_invalid not in ("error", "skip"):
        raise UsageError(f"on_invalid {on_invalid!r} is not one of error, skip")
    path = Path(path)
    table = read_delimited(path, what="MAF", kind="maf")
    _require_columns(table, path)
    rows = _data_rows(table)
    sample, gene = _sample_and_gene(rows)
    classification, consequence = _classification(rows)
    coordinates = _coordinates(rows)
    alleles = _alleles(rows)
    build = _builds(rows)
    _check_chromosome_ends(rows, coordinates, build, build_for_rows)
    counts = _read_counts(rows)
    annotations = _annotations(rows)
    df = pd.DataFrame({
        "sample_id": sample.str.strip(), "gene": gene.str.strip(), "chrom": coordinates.chrom,
        "pos": coordinates.pos, "end": coordinates.end, "ref": alleles.ref, "alt": alleles.alt,
        "variant_classification": classification.str.strip(), "consequence": consequence,
        "protein_change": annotations.protein, "hgvsc": annotations.hgvsc,
        "transcript": annotations.transcript, "exon": annotations.exon, "vaf": counts.vaf,
        "depth": counts.depth, "alt_depth": counts.alt_depth, "build": build,
        "filter": annotations.filter, "source_line": rows.lines,
    }, index=rows.raw.index)
    no_variant = _no_variant_rows(rows, path, gene, alleles, annotations.protein_text)
    rejected = _apply_policy(rows, path, on_invalid, no_variant)
    df = df.drop(index=list(rows.reasons) + no_variant)
    file_build = _one_build(df, path)
    _warn_duplicates(rows, df)
    df = df.astype(MAF_SCHEMA).reset_index(drop=True)
    for message in rows.warnings:
        if not (no_variant and message.startswith(f"{len(no_variant)} row(s) have no alt")):
            log.info("%s: %s", path, message)
    return MafTable(path=str(path), sha256=sha256_file(path), df=df, build=file_build,
                    comments=table.comments, rows_read=int(len(rows.raw)), rejected=rejected,
                    warnings=rows.warnings)


def _require_columns(table: DelimitedTable, path: Path) -> None:
    """InputError naming the :data:`REQUIRED_COLUMNS` the MAF lacks."""
    lacking = [name for name in REQUIRED_COLUMNS if _column(table.df, name) is None]
    if lacking:
        raise InputError(f"MAF lacks required column(s) {', '.join(lacking)}", path=path,
                         where=f"header, line {table.header_line}",
                         hint="a MAF needs Hugo_Symbol, Tumor_Sample_Barcode and "
                              "Variant_Classification; is this a MAF?")


def _data_rows(table: DelimitedTable) -> _Rows:
    """The table's rows without its blank ones, each with its file line."""
    raw = table.df
    raw = raw[~(raw == "").all(axis=1)]
    return _Rows(raw, pd.Series(table.row_lines()[raw.index.to_numpy()], index=raw.index))


def _sample_and_gene(rows: _Rows) -> tuple[pd.Series, pd.Series]:
    """Tumor_Sample_Barcode and Hugo_Symbol; rows with either blank are rejected."""
    sample = rows.text("Tumor_Sample_Barcode")
    gene = rows.text("Hugo_Symbol")
    rows.reject(~_present(sample), "blank Tumor_Sample_Barcode")
    rows.reject(~_present(gene), "blank Hugo_Symbol")
    return sample, gene


def _classification(rows: _Rows) -> tuple[pd.Series, pd.Series]:
    """Variant_Classification and its Consequence value; unknown classes are rejected."""
    classification = rows.text("Variant_Classification")
    consequence = _per_value(classification, lambda v: _CLASSIFICATION_LOOKUP.get(
        v.strip().lower()) if isinstance(v, str) else None)
    rows.reject(consequence.isna(),
                lambda i: f"Variant_Classification {classification[i]!r} is not a MAF "
                          "classification")
    return classification, consequence


def _coordinates(rows: _Rows) -> _Coordinates:
    """Chromosome and positions: optional, but what is given must be whole and in order."""
    chrom_raw = rows.text("Chromosome")
    start_raw = rows.text("Start_Position")
    end_raw = rows.text("End_Position")
    has_chrom, has_start, has_end = _present(chrom_raw), _present(start_raw), _present(end_raw)
    rows.reject(has_chrom != has_start, "Chromosome and Start_Position must be given together")
    start_whole, end_whole = start_raw.str.match(_INTEGER), end_raw.str.match(_INTEGER)
    rows.reject(has_start & ~start_whole,
                lambda i: f"Start_Position {start_raw[i]!r} is not a whole number of at most 15 "
                          "digits")
    rows.reject(has_end & ~end_whole,
                lambda i: f"End_Position {end_raw[i]!r} is not a whole number of at most 15 "
                          "digits")
    pos = pd.to_numeric(start_raw.where(has_start & start_whole),
                        errors="coerce").astype("Int64")
    end = pd.to_numeric(end_raw.where(has_end & end_whole), errors="coerce").astype("Int64")
    rows.reject((end < pos).fillna(False).astype(bool),
                lambda i: f"End_Position {end[i]} is before Start_Position {pos[i]}")
    rows.reject((pos < 1).fillna(False).astype(bool), "Start_Position below 1 (MAF is 1-based)")
    chrom = _per_value(chrom_raw.where(has_chrom),
                       lambda c: None if c is None or c != c else
                       {"23": "X", "24": "Y"}.get(normalize_chrom(c), normalize_chrom(c)))
    if has_chrom.any() and chrom_raw[has_chrom].str.strip().isin(["23", "24"]).any():
        rows.warnings.append("chromosomes 23/24 read as X/Y (TCGA numeric convention)")
    return _Coordinates(chrom, pos, end)


def _alleles(rows: _Rows) -> _Alleles:
    """Reference, alternative (Allele2, else Allele1) and the rows whose tumour alleles all
    equal the reference."""
    ref = rows.text("Reference_Allele").where(lambda s: _present(s))
    allele1 = rows.text("Tumor_Seq_Allele1")
    allele2 = rows.text("Tumor_Seq_Allele2")
    alt = allele2.where(_present(allele2) & (allele2 != ref), allele1)
    alt = alt.where(_present(alt.fillna("")) & (alt != ref))
    # A row whose tumour alleles all equal the reference describes no variant, whatever its
    # protein change says: it is dropped (with on_invalid="error" too), counted and warned of.
    upper = {value: value.upper() for value in
             pd.unique(pd.concat([ref.fillna(""), allele1, allele2]).to_numpy(dtype=object))}
    upper_ref = ref.fillna("").map(upper)
    allele_given = _present(allele1) | _present(allele2)
    no_alt = ref.notna() & allele_given & \
        (~_present(allele1) | (allele1.map(upper) == upper_ref)) & \
        (~_present(allele2) | (allele2.map(upper) == upper_ref))
    return _Alleles(ref, allele2, alt, no_alt)


def _builds(rows: _Rows) -> pd.Series:
    """Each row's NCBI_Build as GRCh37/GRCh38 (None when not given); other builds are
    rejected."""
    build_raw = rows.text("NCBI_Build")
    builds: dict[str, str | None] = {}
    for value in build_raw[_present(build_raw)].unique():
        try:
            builds[value] = normalize_build(value)
        except UsageError:
            builds[value] = None
    build = _per_value(build_raw, builds.get)
    rows.reject(_present(build_raw) & build.isna(),
                lambda i: f"NCBI_Build {build_raw[i]!r} is not GRCh37 or GRCh38")
    return build


def _check_chromosome_ends(rows: _Rows, coordinates: _Coordinates, build: pd.Series,
                           build_for_rows: str | None) -> None:
    """Reject a position past the end of its chromosome (the VCF reader's check,
    genome.CHROM_LENGTHS): in the row's build, else the given one, else in both builds."""
    chrom = coordinates.chrom
    default_build = normalize_build(build_for_rows) if build_for_rows else None
    last = coordinates.end.fillna(coordinates.pos)
    placed = last.notna() & chrom.notna()
    limit = _chromosome_limits(chrom, build.where(build.notna(), default_build))
    past = placed & (last.astype(float) > limit)
    for index in past[past].index:
        row_build = build[index] or default_build
        lengths = ([CHROM_LENGTHS[row_build].get(chrom[index])] if row_build else
                   [CHROM_LENGTHS[b].get(chrom[index]) for b in CHROM_LENGTHS])
        rows.reasons.setdefault(index, []).append(
            f"position {int(last[index]):,} lies beyond the end of chromosome {chrom[index]} "
            + (f"in {row_build} (length {lengths[0]:,})" if row_build else
               f"in both GRCh37 and GRCh38 (lengths {lengths[0]:,} and {lengths[1]:,})"))


def _chromosome_limits(chrom: pd.Series, row_builds: pd.Series) -> pd.Series:
    """The longest each row's chromosome may be: in its build, else in every build (unknown
    chromosomes and builds: no limit)."""
    limit = pd.Series(np.inf, index=chrom.index)
    for known in CHROM_LENGTHS:
        lengths = chrom.map(CHROM_LENGTHS[known]).astype(float)
        in_build = (row_builds == known).fillna(False).astype(bool)
        limit[in_build] = lengths[in_build].fillna(np.inf)
    unbuilt = row_builds.isna()
    if unbuilt.any():
        each = pd.concat([chrom[unbuilt].map(CHROM_LENGTHS[b]).astype(float)
                          for b in CHROM_LENGTHS], axis=1)
        limit[unbuilt] = each.max(axis=1).where(each.notna().all(axis=1), np.inf)
    return limit


def _read_counts(rows: _Rows) -> _Counts:
    """t_depth, t_ref_count, t_alt_count as whole numbers, and the VAF; counts that are not
    whole, or more alternative reads than the depth, are rejected."""
    counts = {}
    for name in ("t_depth", "t_ref_count", "t_alt_count"):
        values = rows.text(name)
        given = _present(values)
        # read counts repeat a lot: each distinct text is matched once
        whole = _per_value(values, lambda v: bool(isinstance(v, str) and _INTEGER.match(v))
                           ).astype(bool)

        def not_whole(index: int, name: str = name, values: pd.Series = values) -> str:
            return f"{name} {values[index]!r} is not a whole number of at most 15 digits"

        rows.reject(given & ~whole, not_whole)
        counts[name] = _numbers(values.where(given & whole)).astype("Int64")
    depth = counts["t_depth"].fillna(counts["t_ref_count"] + counts["t_alt_count"])
    alt_depth = counts["t_alt_count"]
    rows.reject((alt_depth > depth).fillna(False).astype(bool),
                lambda i: f"t_alt_count {alt_depth[i]} exceeds t_depth {depth[i]}")
    with np.errstate(divide="ignore", invalid="ignore"):
        vaf = (alt_depth.astype(float) / depth.astype(float)).where(depth > 0)
    return _Counts(depth, alt_depth, vaf)


def _annotations(rows: _Rows) -> _Annotations:
    """Protein change, transcript, exon, HGVSc and FILTER; unreadable values become missing
    with a warning."""
    raw = rows.raw
    protein_text = _first_present(raw, _PROTEIN_COLUMNS)
    unique = {value: _one_letter(value) for value in protein_text.dropna().unique()}
    protein = _per_value(protein_text, lambda v: None if v is None else unique[v])
    unconverted = [v for v, converted in unique.items() if converted is None]
    if unconverted:
        rows.warnings.append(f"{len(unconverted)} protein change(s) could not be converted to "
                             f"one-letter HGVS and are left empty (e.g. {unconverted[0]!r})")
    transcript = _per_value(_first_present(raw, _TRANSCRIPT_COLUMNS),
                            lambda v: None if v is None else v.split(".")[0].strip())
    hgvsc = _per_value(_first_present(raw, ("HGVSc",)),
                       lambda v: None if v is None else v.split(":")[-1].strip())
    return _Annotations(protein_text, protein, transcript, _exons(rows), hgvsc,
                        _first_present(raw, ("FILTER",)))


def _exons(rows: _Rows) -> pd.Series:
    """The exon number before ``/`` (Exon_Number, else EXON); an unreadable one (a spreadsheet
    date) becomes missing with a warning."""
    exon_text = _first_present(rows.raw, _EXON_COLUMNS)
    exon_match = _per_value(exon_text, lambda v: None if v is None else _EXON.match(v))
    exon = _per_value(exon_match, lambda m: None if m is None else int(m.group(1))).astype("Int64")
    bad_exon = exon_text.notna() & exon_match.isna()
    if bad_exon.any():
        dates = exon_text[bad_exon].str.match(_EXCEL_DATE)
        example = exon_text[bad_exon].iloc[0]
        rows.warnings.append(
            f"{int(bad_exon.sum())} exon number(s) unreadable and left empty (e.g. "
            f"{example!r} at line {int(rows.lines[bad_exon].iloc[0])}"
            + (f"; {int(dates.sum())} look like spreadsheet dates made from 'n/N'"
               if dates.any() else "") + ")")
    return exon


def _no_variant_rows(rows: _Rows, path: Path, gene: pd.Series, alleles: _Alleles,
                     protein_text: pd.Series) -> list[int]:
    """The rows, not otherwise rejected, that describe no variant; warned of (also logged)."""
    no_alt = alleles.no_alt
    no_variant = [i for i in no_alt[no_alt].index if i not in rows.reasons]
    if no_variant:
        first = no_variant[0]
        rows.warnings.append(
            f"{len(no_variant)} row(s) have no alternative allele (Tumor_Seq_Allele1/2 "
            f"equal Reference_Allele, e.g. line {int(rows.lines[first])}: "
            f"{gene[first]} {alleles.ref[first]}>{alleles.allele2[first]}"
            f"{' ' + protein_text[first] if protein_text[first] else ''}); they "
            "describe no variant and are left out")
        log.warning("%s: %s", path, rows.warnings[-1])
    return no_variant


def _apply_policy(rows: _Rows, path: Path, on_invalid: str,
                  no_variant: list[int]) -> list[tuple[int, str]]:
    """``on_invalid="error"``: one InputError listing the rejected rows; else every row left
    out (rejected, or describing no variant) as (line, reasons), by line."""
    rejected = sorted((int(rows.lines[i]), "; ".join(why)) for i, why in rows.reasons.items())
    if rejected and on_invalid == "error":
        shown = "; ".join(f"line {line}: {why}" for line, why in rejected[:20])
        more = f" (+{len(rejected) - 20} more)" if len(rejected) > 20 else ""
        raise InputError(f"{len(rejected)} row(s) cannot be read: {shown}{more}", path=path,
                         hint="fix the rows named, or read with on_invalid='skip' to leave them "
                              "out (they are then listed in the record accounting)")
    dropped = [(int(rows.lines[i]), "no alternative allele: Tumor_Seq_Allele1/2 equal "
                                    "Reference_Allele") for i in no_variant]
    return sorted(rejected + dropped)


def _one_build(df: pd.DataFrame, path: Path) -> str | None:
    """The one build of the kept rows (None if no row says); InputError when they mix builds."""
    file_builds = sorted(set(df["build"].dropna()))
    if len(file_builds) > 1:
        per_build = Counter(df["build"].dropna())
        listed = ", ".join(f"{b}: {n} rows" for b, n in sorted(per_build.items()))
        raise InputError(f"MAF mixes genome builds ({listed})", path=path,
                         hint="split the file by NCBI_Build or lift it over to one build")
    return str(file_builds[0]) if file_builds else None


def _warn_duplicates(rows: _Rows, df: pd.DataFrame) -> None:
    """Warn of kept rows that repeat a sample's variant listed before them (they are kept)."""
    duplicated = df.duplicated(subset=["sample_id", "chrom", "pos", "ref", "alt"], keep="first") \
        & df["pos"].notna()
    if duplicated.any():
        rows.warnings.append(f"{int(duplicated.sum())} row(s) repeat a sample's variant already "
                             f"listed (e.g. line {int(df.loc[duplicated, 'source_line'].iloc[0])}"
                             "); kept")


def _none(value: Any) -> Any:
    """``value``, with None, pandas NA and float NaN as None."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
    return None if missing else value


def maf_to_variant_calls(df: pd.DataFrame, sample_id: str, *,
                         source: str = "MAF") -> list[VariantCall]:
    """One sample's rows as VariantCalls for the single-sample rule engine.

    ``chrom``/``pos`` are None for rows listed without coordinates; indel alleles stay in MAF
    style. The MAF's own annotation is used as it is (``transcript_choice`` says so).
    """
    rows = df[df["sample_id"] == sample_id]
    if rows.empty and sample_id not in set(df["sample_id"]):
        raise InputError(f"sample {sample_id!r} has no rows in the MAF",
                         hint="check the Tumor_Sample_Barcode spelling")
    return variant_calls_from_rows(rows, source=source)


def variant_calls_from_rows(rows: pd.DataFrame, *, source: str = "MAF") -> list[VariantCall]:
    """Rows of a :data:`MAF_SCHEMA` table as VariantCalls, in their order (the one conversion
    :func:`maf_to_variant_calls` and the columnar cohort engine share)."""
    calls = []
    columns = ("chrom", "pos", "ref", "alt", "filter", "gene", "transcript", "consequence",
               "variant_classification", "hgvsc", "protein_change", "exon", "vaf", "depth",
               "alt_depth", "source_line")
    # column by column as Python objects (NA as None): far faster than row tuples of a frame
    values = [[_none(v) for v in rows[name].astype(object)] for name in columns]
    rows_of_values = zip(*values, strict=True)   # columns of one frame: equal lengths
    for (chrom, pos, ref, alt, filter_value, gene, transcript, consequence, classification,
         hgvsc, protein_change, exon, vaf, depth, alt_depth, source_line) in rows_of_values:
        calls.append(VariantCall(
            chrom=chrom, pos=None if pos is None else int(pos),
            ref=ref or "", alt=alt or "",
            filter=filter_value or "PASS", gene=gene,
            transcript=transcript,
            transcript_choice="as annotated in the MAF",
            consequence=Consequence(consequence),
            so_terms=classification, hgvsc=hgvsc,
            protein_change=protein_change,
            exon=None if exon is None else int(exon),
            vaf=None if vaf is None else float(vaf),
            depth=None if depth is None else int(depth),
            alt_depth=None if alt_depth is None else int(alt_depth),
            annotation_source=f"{source} Variant_Classification",
            record=f"{source} line {source_line}"))
    return calls
