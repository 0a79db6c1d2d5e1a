"""CNVkit segment (``.cns``), called segment (``.call.cns``) and bin-level ratio (``.cnr``) tables.

Format: tab-separated with a header ``chromosome start end gene log2 ...``; ``.cns`` adds
``probes`` (and often ``depth``/``weight``); ``.call.cns`` adds the integer absolute copy number
``cn`` (and ``cn1``/``cn2`` allele copies and ``baf`` when SNP allele frequencies were given);
``.cnr`` has one row per target/antitarget bin and no ``probes`` column.

Coordinates: CNVkit writes BED-style 0-based half-open intervals; they are normalised to 1-based
closed (start + 1). Chromosome names lose any ``chr`` prefix. ``log2`` is the log2 copy ratio
(always base 2 in CNVkit). ``cn`` from ``cnvkit call`` is already purity/ploidy-adjusted when the
user gave them to CNVkit, so a ``.call.cns`` is read as absolute copies.

Rows whose end lies before their start occur in CNVkit test outputs (zero-probe segments); they
are rejected and counted, never used.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..registry import register
from ._common import (
    CnvReadContext,
    CopyNumberData,
    finish,
    finite_numbers,
    header_fields,
    normalise_chromosomes,
    read_table,
)

_CORE = ("chromosome", "start", "end", "gene", "log2")


def _is_cnvkit(fields: list[str]) -> bool:
    # by name after the coordinates: CNVkit versions differ in where depth/log2 sit (.cnr files
    # of some versions put depth before log2), and segmetrics/call add columns anywhere
    return tuple(fields[:3]) == _CORE[:3] and {"gene", "log2"} <= set(fields)


def _fields(lines: list[str]) -> list[str] | None:
    return header_fields(lines, _is_cnvkit)


def _sniff_cns(path: Path, lines: list[str]) -> bool:
    fields = _fields(lines) or []
    return bool(fields) and "probes" in fields and "cn" not in fields


def _sniff_call_cns(path: Path, lines: list[str]) -> bool:
    fields = _fields(lines) or []
    return bool(fields) and "cn" in fields


def _sniff_cnr(path: Path, lines: list[str]) -> bool:
    fields = _fields(lines) or []
    return bool(fields) and "probes" not in fields and "cn" not in fields


def _read(path: Path, fmt: str, *, absolute: bool, bins: bool) -> CopyNumberData:
    table = read_table(path, _is_cnvkit, what="CNVkit table")
    warnings: list[str] = []
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(table["chromosome"]),
        # 0-based half-open -> 1-based closed
        "start": finite_numbers(table["start"], table["source_line"], path=path,
                                what="start") + 1,
        "end": table["end"],
        "log2": table["log2"],
        "n_probes": table["probes"] if "probes" in table.columns else None,
        "source_line": table["source_line"],
    })
    value_kind = "log2"
    if absolute:
        if "cn" not in table.columns:
            from ...errors import InputError
            raise InputError("a CNVkit .call.cns needs the column cn", path=path,
                             hint="use --cnv-format cnvkit-cns for uncalled segments")
        segments["copy_number"] = table["cn"]
        if "cn1" in table.columns and "cn2" in table.columns:
            segments["major_cn"] = table["cn1"]
            segments["minor_cn"] = table["cn2"]
        value_kind = "absolute"
    if bins:
        warnings.append("bin-level ratios (.cnr): each bin is treated as a segment; a segmented "
                        ".cns is more robust to noise")
    return finish(path, segments, CnvReadContext(
        format=fmt, level="segment", value_kind=value_kind, sample=None, samples=[],
        sample_source="CNVkit files hold one sample", caller="CNVkit", records_read=len(table),
        warnings=warnings))


@register("copy_number", "cnvkit-cns", sniff=_sniff_cns,
          description="CNVkit segments (.cns): log2 copy ratios")
def read_cns(path: Path, **_options: object) -> CopyNumberData:
    """Read CNVkit segments (``.cns``) as log2 copy ratios. Raises
    :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    return _read(Path(path), "cnvkit-cns", absolute=False, bins=False)


@register("copy_number", "cnvkit-call-cns", sniff=_sniff_call_cns,
          description="CNVkit called segments (.call.cns): integer copy number cn")
def read_call_cns(path: Path, **_options: object) -> CopyNumberData:
    """Read CNVkit called segments (``.call.cns``) as absolute copies (its ``cn`` column). Raises
    :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    return _read(Path(path), "cnvkit-call-cns", absolute=True, bins=False)


@register("copy_number", "cnvkit-cnr", sniff=_sniff_cnr,
          description="CNVkit bin-level copy ratios (.cnr)")
def read_cnr(path: Path, **_options: object) -> CopyNumberData:
    """Read CNVkit bin-level copy ratios (``.cnr``), each bin taken as a segment, with a warning.

    Raises :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    return _read(Path(path), "cnvkit-cnr", absolute=False, bins=True)
