"""Copy-number records in VCF files: GATK gCNV segment VCFs, DELLY/Manta/CNVkit ``<DEL>``/
``<DUP>``/``<CNV>`` records with a ``CN`` value.

Format: VCF 4.x read with cyvcf2. A record is a copy-number record when its ALT is ``<DEL>``,
``<DUP>`` or ``<CNV>`` (or a gCNV ``.``/``<DEL>``/``<DUP>`` with an ``END``), or INFO ``SVTYPE``
is ``DEL``/``DUP``/``CNV``; other structural variants (BND, INV, INS) are counted and skipped.
The copy number is FORMAT ``CN`` of the chosen sample, else INFO ``CN``. A record without a
usable CN is rejected (a ``<DEL>`` alone does not say whether one or both copies are lost); a CN
that is not one number (several values, text) is refused with the record.
Records whose FILTER is not PASS/``.`` (or whose sample FT is not PASS) are skipped and counted.
CNVkit's ``export vcf`` writes losses without CN (FORMAT ``GT:GQ``); its genotype ``1/1`` is
written only for 0 copies, so such a record is read as 0 copies, and ``0/1`` losses are rejected
with a warning.

Coordinates: VCF 1-based. For symbolic ALT alleles POS is the padding base before the event, so
the segment is POS+1..END; GATK gCNV records (ALT ``.`` or ``<DEL>,<DUP>``) cover POS..END as
GATK writes them (its IDs, ``CNV_<contig>_<POS>_<END>``, say so).
Contig lengths in the header give the build.

:func:`read_cnv_vcf` is the list of steps: :func:`_open_vcf`, :func:`_contig_lengths`,
:func:`_read_header` (the caller's dialect, a :class:`_Header`), :func:`_segment_rows` (per
record :func:`_copies`, :func:`_cnvkit_loss`, :func:`_check_plausible`, :func:`_row`, counting
what it skips in a :class:`_Tally`) and :func:`_warnings`.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputError
from ...genome import build_from_contig_lengths
from ..registry import register
from ..text import open_text
from ._common import (
    CnvReadContext,
    CopyNumberData,
    choose_sample,
    finish,
    lines_after_header,
    normalise_chromosomes,
)

_CN_TYPES = {"DEL", "DUP", "CNV"}


def _sniff(path: Path, lines: list[str]) -> bool:
    """A VCF whose header declares a FORMAT or INFO ``CN`` field."""
    if not lines or not lines[0].startswith("##fileformat=VCF"):
        return False
    # Manta/DRAGEN write thousands of ##contig lines before ##FORMAT: read the whole header
    lines = lines_after_header(path, lines, prefix="##", extra=1)
    header = "\n".join(line for line in lines if line.startswith("##"))
    # a CN field is what makes a VCF usable as copy-number input; SNV VCFs do not carry one
    return "##FORMAT=<ID=CN," in header or "##INFO=<ID=CN," in header


def _read_through(path: Path) -> None:
    """Read the file once through :func:`~hpdgenomics.io.text.open_text` before cyvcf2 does.

    cyvcf2 (htslib) opens the file itself, so the decompressed-size and line-length limits that
    every other copy-number reader gets from ``open_text`` would not apply to it; a copy-number
    VCF is small (one record per segment), so the extra pass costs little.
    """
    try:
        with open_text(path) as handle:
            for _line in handle:
                pass
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read ({exc})", path=path,
                         hint="is the file truncated or not really gzip? re-create it") from None


def _sv_type(variant: Any) -> str | None:
    """INFO ``SVTYPE``, else the symbolic ALT's type, else ``CNV`` for a gCNV segment (or None)."""
    svtype = variant.INFO.get("SVTYPE")
    if svtype:
        return str(svtype).upper()
    alts: list[str] = variant.ALT or []
    for alt in alts:
        if alt.startswith("<") and alt.endswith(">"):
            return alt[1:-1].split(":")[0].upper()
    if variant.INFO.get("END") is not None and (not alts or alts == ["."]):
        return "CNV"   # gCNV reference-state segment: a copy-number interval without an ALT
    return None


@register("copy_number", "vcf-copy-number", sniff=_sniff,
          description="copy-number records in VCF (<DEL>/<DUP>/<CNV>, SVTYPE, FORMAT/INFO CN, "
                      "GATK gCNV)")
def read_cnv_vcf(path: Path, *, sample: str | None = None, **_options: object) -> CopyNumberData:
    """Read copy-number records from a VCF (<DEL>/<DUP>/<CNV>, SVTYPE, FORMAT or INFO CN, GATK
    gCNV).

    ``sample`` chooses one sample of a multi-sample file; returns the normalised
    :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming the file and line
    when it is malformed.
    """
    path = Path(path)
    vcf = _open_vcf(path)
    samples = list(vcf.samples)
    chosen, source = choose_sample(samples, sample, path=path, what="VCF")
    lengths = _contig_lengths(vcf.raw_header)
    evidence = build_from_contig_lengths(lengths) if lengths else None
    header = _read_header(vcf.raw_header, samples.index(chosen) if chosen is not None else None)
    tally = _Tally()
    rows = _segment_rows(vcf, header, tally, path)
    vcf.close()

    table = pd.DataFrame(rows, columns=["chrom", "start", "end", "copy_number", "source_line"])
    table["chrom"] = normalise_chromosomes(table["chrom"]) if len(table) else table["chrom"]
    return finish(path, table, CnvReadContext(
        format="vcf-copy-number", level="segment", value_kind="absolute", sample=chosen,
        samples=samples, sample_source=source, records_read=tally.records,
        warnings=_warnings(tally, chosen), caller=header.caller,
        build=evidence.build if evidence else None,
        build_source=f"VCF {evidence.source}" if evidence else "",
        extra_rejected=tally.no_cn + tally.filtered))


@dataclass(frozen=True)
class _Header:
    """How the header says the records are read: the chosen sample's column and the caller."""

    sample_index: int | None            # the chosen sample's column, None without samples
    has_format_cn: bool
    gcnv: bool                          # GATK gCNV: POS is the segment's first base
    cnvkit: bool                        # CNVkit: losses without CN, read from the genotype
    caller: str


@dataclass
class _Tally:
    """The records read, and those skipped or rejected by reason (for the warnings)."""

    records: int = 0
    skipped_types: dict[str, int] = field(default_factory=dict)
    filtered: int = 0                   # FILTER or the sample's FT not PASS
    no_cn: int = 0
    homozygous_from_gt: int = 0         # CNVkit <DEL> 1/1 without CN, read as 0 copies
    partial_loss: int = 0               # CNVkit <DEL> 0/1 without CN, not evaluable


def _open_vcf(path: Path) -> Any:
    """The file read through once by :func:`_read_through`, then opened with cyvcf2."""
    from cyvcf2 import VCF

    _read_through(path)
    try:
        return VCF(str(path))
    except Exception as exc:  # noqa: BLE001  (cyvcf2 raises bare Exception on malformed headers)
        raise InputError(f"cannot be opened as a VCF ({exc})", path=path) from None


def _contig_lengths(raw_header: str) -> dict[str, int]:
    """The ``##contig`` lines' lengths by contig ID (those with a length in digits)."""
    lengths = {}
    for raw in raw_header.splitlines():
        if raw.startswith("##contig=<"):
            fields = dict(part.split("=", 1) for part in raw[len("##contig=<"):-1].split(",")
                          if "=" in part)
            if fields.get("length", "").isdigit():
                lengths[fields["ID"]] = int(fields["length"])
    return lengths


def _read_header(raw_header: str, sample_index: int | None) -> _Header:
    """The caller's dialect, from the header's fields and source lines."""
    # GATK gCNV writes POS as the segment's first base even with symbolic <DEL>,<DUP> ALTs (its
    # record IDs read CNV_<contig>_<POS>_<END>); other callers follow the VCF padding-base rule
    gcnv = any(mark in raw_header
               for mark in ("GermlineCNVCaller", "PostprocessGermlineCNVCalls",
                            "##FORMAT=<ID=QSS,"))
    cnvkit = "##source=CNVkit" in raw_header
    caller = "GATK gCNV" if gcnv else "CNVkit" if cnvkit else \
        "DELLY" if "DELLY" in raw_header.upper() else "VCF"
    return _Header(sample_index=sample_index,
                   has_format_cn="CN" in raw_header and "##FORMAT=<ID=CN," in raw_header,
                   gcnv=gcnv, cnvkit=cnvkit, caller=caller)


def _segment_rows(vcf: Any, header: _Header, tally: _Tally, path: Path) -> list[dict[str, Any]]:
    """The table rows of the usable copy-number records; every other record counted in ``tally``."""
    rows = []
    for number, variant in enumerate(vcf, start=1):
        tally.records += 1
        svtype = _sv_type(variant)
        if svtype not in _CN_TYPES:
            kind = svtype or "small variant"
            tally.skipped_types[kind] = tally.skipped_types.get(kind, 0) + 1
            continue
        if variant.FILTER not in (None, "PASS"):
            tally.filtered += 1
            continue
        where = f"record {number} ({variant.CHROM}:{variant.POS})"
        copies = _copies(variant, svtype, header, tally, where, path)
        if copies is None:
            tally.filtered += 1
            continue
        _check_plausible(copies, where, path)
        # DELLY writes CN=-1 where it has no read-depth estimate (translocations, insertions)
        if np.isnan(copies) or copies < 0:
            tally.no_cn += 1
            continue
        rows.append(_row(variant, copies, number, header.gcnv))
    return rows


def _copies(variant: Any, svtype: str, header: _Header, tally: _Tally, where: str,
            path: Path) -> float | None:
    """The record's copy number: FORMAT CN, else INFO CN, else a CNVkit loss's genotype; NaN when
    none gives one, None when the sample's FT is not PASS."""
    copies = np.nan
    if header.has_format_cn and header.sample_index is not None:
        values = variant.format("CN")
        if values is not None:
            # a String CN is one text per sample (1-D), a number one row of values per sample
            value = values[header.sample_index]
            copies = _one_number(value if values.ndim == 1 else value[0], "FORMAT CN", where, path)
            if "FT" in variant.FORMAT and \
                    str(variant.format("FT")[header.sample_index]) not in ("PASS", ".", ""):
                return None
    if np.isnan(copies) and variant.INFO.get("CN") is not None:
        copies = _one_number(variant.INFO.get("CN"), "INFO CN", where, path)
    if np.isnan(copies) and header.cnvkit and svtype == "DEL" and header.sample_index is not None:
        copies = _cnvkit_loss(variant, header.sample_index, tally)
    return copies


def _one_number(value: Any, name: str, where: str, path: Path) -> float:
    """A CN value as a float ('.' is NaN); several values or text (also 'nan') raise
    :class:`InputError`."""
    if isinstance(value, str) and value.strip() in (".", ""):
        return np.nan
    try:
        number = float(value)
        if isinstance(value, str) and np.isnan(number):   # the text 'nan' is not a missing CN
            raise ValueError(value)
        return number
    except (TypeError, ValueError):
        shown = ",".join(map(str, value)) if isinstance(value, tuple | list) else str(value)
        raise InputError(f"{name} {shown!r} is not one copy number", path=path, where=where,
                         hint="give one number per record (a missing CN is '.')") from None


def _cnvkit_loss(variant: Any, sample_index: int, tally: _Tally) -> float:
    """A CNVkit <DEL> without CN: 0 copies for genotype 1/1, else NaN (counted either way)."""
    # CNVkit's export writes losses as GT:GQ without CN; its genotype 1/1 is written
    # exactly when the rounded copy number is 0 (0/1 means some copies remain)
    alleles = variant.genotypes[sample_index][:-1]
    if alleles and all(a == 1 for a in alleles):
        tally.homozygous_from_gt += 1
        return 0.0
    tally.partial_loss += 1
    return np.nan


def _check_plausible(copies: float, where: str, path: Path) -> None:
    """Raise :class:`InputError` for an infinite or overflowing copy number."""
    if np.isinf(copies) or copies > 1e6:
        raise InputError(f"CN {copies:g} is not a finite, plausible copy number",
                         path=path, where=where,
                         hint="infinite or overflowing values cannot be called: fix or "
                              "re-create the file (a missing CN is '.')")


def _row(variant: Any, copies: float, number: int, gcnv: bool) -> dict[str, Any]:
    """One segment's table row; a symbolic ALT's POS is the padding base (not for GATK gCNV)."""
    symbolic = any(a.startswith("<") for a in (variant.ALT or []))
    end = variant.INFO.get("END")
    start = variant.POS + 1 if symbolic and not gcnv else variant.POS
    return {"chrom": variant.CHROM, "start": start,
            "end": int(end) if end is not None else variant.POS + len(variant.REF) - 1,
            "copy_number": copies, "source_line": number}


def _warnings(tally: _Tally, chosen: str | None) -> list[str]:
    """The reader's warnings: records skipped or rejected, and what a VCF cannot say."""
    warnings: list[str] = []
    if tally.skipped_types:
        warnings.append("records that are not copy-number changes skipped: " + ", ".join(
            f"{k} {v}" for k, v in sorted(tally.skipped_types.items())))
    if tally.filtered:
        warnings.append(f"{tally.filtered} copy-number record(s) skipped for FILTER/FT not PASS")
    if tally.no_cn:
        warnings.append(f"{tally.no_cn} copy-number record(s) rejected: no usable CN for sample "
                        f"{chosen or '(none)'}")
    if tally.homozygous_from_gt:
        warnings.append(f"{tally.homozygous_from_gt} CNVkit <DEL> record(s) without CN read as 0 "
                        "copies from genotype 1/1 (CNVkit writes 1/1 only for 0 copies)")
    if tally.partial_loss:
        warnings.append(f"{tally.partial_loss} CNVkit <DEL> record(s) with genotype 0/1 carry no "
                        "CN (CNVkit's VCF export omits it for losses): those losses are not "
                        "evaluable; give the .cns/.call.cns instead")
    warnings.append("a VCF lists copy-number events only where the caller reported them; genes "
                    "without a record are not evaluable, not neutral")
    return warnings
