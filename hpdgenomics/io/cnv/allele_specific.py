"""Allele-specific segment tables with ``nMajor``/``nMinor`` (PCGR ``--input_cna`` style, also
ASCAT/Battenberg-derived tables).

Format: tab-separated; header with chromosome, start and end columns (``Chromosome``/``chrom``,
``Start``/``startpos``, ``End``/``endpos``), ``nMajor`` and ``nMinor``, optionally a sample column
(``sample``/``Sample``/``ID``). Total copy number = nMajor + nMinor.

Coordinates: 1-based closed. Chromosome names lose ``chr``; ``23`` becomes ``X``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..registry import register
from ._common import (
    CopyNumberData,
    choose_sample,
    finish,
    first_column,
    header_fields,
    normalise_chromosomes,
    read_table,
)

_CHROM = ("chromosome", "chrom", "chr")
_START = ("start", "startpos", "segment_start")
_END = ("end", "endpos", "segment_end")
_SAMPLE = ("sample", "sample_id", "id", "tumor_sample_barcode")


def _is_allelic(fields: list[str]) -> bool:
    return ("nmajor" in fields and "nminor" in fields and any(c in fields for c in _CHROM)
            and any(c in fields for c in _START) and any(c in fields for c in _END))


@register("copy_number", "allele-specific",
          sniff=lambda p, lines: header_fields(lines, _is_allelic) is not None,
          description="allele-specific segments with nMajor/nMinor (PCGR, ASCAT style)")
def read_allele_specific(path: Path, *, sample: str | None = None, **_options) -> CopyNumberData:
    path = Path(path)
    table = read_table(path, _is_allelic, what="allele-specific segment table")
    sample_col = first_column(table, *_SAMPLE)
    samples = list(dict.fromkeys(table[sample_col])) if sample_col else []
    chosen, source = (choose_sample(samples, sample, path=path, what="segment table")
                      if sample_col else (sample, "--sample" if sample else "file names no sample"))
    rows = table[table[sample_col] == chosen] if sample_col else table
    warnings: list[str] = []
    major = pd.to_numeric(rows["nmajor"], errors="coerce")
    minor = pd.to_numeric(rows["nminor"], errors="coerce")
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(rows[first_column(rows, *_CHROM)], numeric_sex=True,
                                       warnings=warnings),
        "start": rows[first_column(rows, *_START)], "end": rows[first_column(rows, *_END)],
        "copy_number": major + minor, "major_cn": major, "minor_cn": minor,
        "source_line": rows["source_line"],
    })
    return finish(path, "allele-specific", segments, level="segment", value_kind="absolute",
                  sample=chosen, samples=samples, sample_source=source, records_read=len(rows),
                  warnings=warnings, caller="allele-specific table (nMajor/nMinor)")
