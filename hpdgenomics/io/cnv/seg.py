"""SEG segment tables (IGV / DNAcopy / TCGA), one or many samples.

Format: tab-separated (comma-separated when the header line has no tab); a header whose first
four columns are sample, chromosome, start and end (names vary: ``ID``/``Sample``/``sampleName``/
``GDC_Aliquot``, ``chrom``/``Chromosome``, ``loc.start``/``Start``, ``loc.end``/``End``), an
optional probe-count column (``num.mark``, ``Num_Probes``, ``nbrOfLoci``) and the segment mean,
found by name (``seg.mean``, ``Segment_Mean``, ``mean``, ``log2``) and otherwise taken from the last
column. DNAcopy's ``segments.p()`` writes ``bstat pval lcl ucl`` after ``seg.mean``; those are not
used. Values may be quoted (R ``write.table``, whose row names give the data rows one field more
than the header: pandas takes that field as the index); lines before the header (R warnings) are
skipped. Tables that also carry FACETS (``tcn.em``), allele-specific (``nMajor``) or Sequenza
(``CNt``) columns are left to those readers.

Coordinates: 1-based closed, as DNAcopy and TCGA write them. Chromosome names lose ``chr``;
``23``/``24`` become ``X``/``Y``.

Values: the segment mean is a log copy ratio. SEG files do not state the base. They are read as
log2 (the IGV/DNAcopy/TCGA convention) unless the caller says ``seg_log_base=10``
(``--seg-log-base 10``), in which case they are converted (log2 = log10 x log2(10)). The base
assumed is always stated in the warnings, and a second warning says when the values look more
like the other base (see :func:`_base_warning`).
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ...errors import InputError, UsageError
from ..registry import register
from ._common import (
    CopyNumberData,
    choose_sample,
    finish,
    header_fields,
    normalise_chromosomes,
    read_table,
)

_SAMPLE = ("id", "sample", "samplename", "sample_id", "'id", "id_sample", "track", "gdc_aliquot",
           "sample_name", "sampleid", "tumor_sample_barcode", "biospecimen")
_CHROM = ("chrom", "chromosome", "chr")
_START = ("loc.start", "start", "startpos", "start_position")
_END = ("loc.end", "end", "endpos", "end_position")
_PROBES = ("num.mark", "num_probes", "nbrofloci", "num.probes", "probes", "num_markers")
# the segment mean, by name; DNAcopy's segments.p() adds bstat/pval/lcl/ucl after it, so the
# last column is only the fallback for files that name the value some other way
_VALUE = ("seg.mean", "segment_mean", "seg_mean", "mean", "log2", "log2ratio", "log2_ratio",
          "segment_mean_log2", "value")
# columns that make a table another format even though it starts sample, chrom, start, end:
# FACETS (facets-suite cncf), allele-specific tables (ASCAT), Sequenza,
# ichorCNA (seg.median.logR, copy.number: absolute copies and a call word in the last column)
_OTHER_FORMATS = {"tcn.em", "tcn", "cnlr.median", "nmajor", "nminor", "cnt", "copy.number",
                  "seg.median.logr", "corrected_copy_number"}


def _is_seg(fields: list[str]) -> bool:
    return (len(fields) >= 5 and fields[0] in _SAMPLE and fields[1] in _CHROM
            and fields[2] in _START and fields[3] in _END
            and not _OTHER_FORMATS.intersection(fields))


def _value_column(columns: list[str]) -> str:
    return next((c for c in _VALUE if c in columns[4:]), columns[-1])


def _sniff(path: Path, lines: list[str]) -> bool:
    return header_fields(lines, _is_seg) is not None


def _base_warning(values: pd.Series, base: float) -> str | None:
    """Say when the values look more like the other log base.

    Heuristic, stated so a reviewer can judge it: log10 ratios are log2 ratios shrunk by
    log10(2) = 0.30, so a one-copy loss in a pure diploid tumour is -1.0 in log2 but -0.30 in
    log10, and log10 files seldom leave +-1 while log2 files with any deep loss or amplification
    do. Values read as log2 that never reach +-1 although they vary are flagged; values read as
    log10 that exceed +-1.5 (a 30-fold ratio) are flagged too.
    """
    finite = values.dropna()
    if finite.empty:
        return None
    extreme = float(finite.abs().max())
    if base == 2 and extreme < 1.0 and float(finite.abs().median()) > 0.05:
        return (f"SEG values stay within +-{extreme:.2f}: that fits log10 ratios as well as "
                "log2; if the file is log10 (some DNAcopy/CNVkit outputs are), pass "
                "--seg-log-base 10")
    if base == 10 and extreme > 1.5:
        return (f"SEG values reach {extreme:.2f}, a {10 ** extreme:.0f}-fold ratio if log10; "
                "the file may hold log2 ratios (drop --seg-log-base 10)")
    return None


@register("copy_number", "seg", sniff=_sniff,
          description="SEG (IGV/DNAcopy/TCGA) segments, single or multi-sample; log2 by default")
def read_seg(path: Path, *, sample: str | None = None, seg_log_base: float | None = None,
             **_options) -> CopyNumberData:
    path = Path(path)
    if seg_log_base is not None:
        try:
            seg_log_base = float(seg_log_base)
        except (TypeError, ValueError):
            seg_log_base = -1.0
        if seg_log_base not in (2.0, 10.0):
            raise UsageError(f"--seg-log-base {seg_log_base:g} is not supported", hint="use 2 or 10")
    table = read_table(path, _is_seg, what="SEG")
    columns = list(table.columns.drop("source_line"))
    sample_col, chrom_col, start_col, end_col = columns[0], columns[1], columns[2], columns[3]
    value_col = _value_column(columns)
    probes_col = next((c for c in columns[4:] if c in _PROBES and c != value_col), None)
    samples = list(dict.fromkeys(table[sample_col]))
    chosen, source = choose_sample(samples, sample, path=path, what="SEG file")
    rows = table[table[sample_col] == chosen] if chosen is not None else table

    warnings: list[str] = []
    if value_col != columns[-1]:
        warnings.append(f"segment mean read from column {value_col!r}; the columns after it "
                        f"({', '.join(columns[columns.index(value_col) + 1:])}) are not used")
    raw = pd.to_numeric(rows[value_col], errors="coerce")
    if len(rows) and raw.isna().all():
        raise InputError(f"the segment-mean column {value_col!r} holds no numbers (first value "
                         f"{rows[value_col].iloc[0]!r}); columns: {', '.join(columns)}",
                         path=path, hint="this may be another caller's table that looks like "
                         "a SEG: pass --cnv-format with the right reader, or give a SEG whose "
                         "segment mean is named seg.mean/Segment_Mean")
    # DNAcopy never writes a segment without markers; a zero count means the value was not
    # measured (filled in by a converter), so the row cannot support a call
    unmeasured = pd.Series(False, index=rows.index)
    if probes_col:
        unmeasured = pd.to_numeric(rows[probes_col], errors="coerce") == 0
        if unmeasured.any():
            warnings.append(f"rejected {int(unmeasured.sum())} segment(s) with {probes_col} 0 "
                            f"(line {', '.join(str(x) for x in rows.loc[unmeasured, 'source_line'].head(8))}): "
                            "no probes, so no measured value")
            rows, raw = rows[~unmeasured], raw[~unmeasured]
    if seg_log_base is None:
        base = 2
        warnings.append("SEG files do not state their log base; values read as log2 "
                        "(pass --seg-log-base 10 for log10 ratios)")
    else:
        base = int(seg_log_base)
        warnings.append(f"SEG values read as log{base} (--seg-log-base {base})")
    doubt = _base_warning(raw, base)
    if doubt:
        warnings.append(doubt)
    log2 = raw * math.log2(10) if base == 10 else raw

    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(rows[chrom_col], numeric_sex=True, warnings=warnings),
        "start": rows[start_col], "end": rows[end_col], "log2": log2,
        "n_probes": rows[probes_col] if probes_col else None,
        "source_line": rows["source_line"],
    })
    flat = raw.dropna()
    if len(flat) > 1 and bool((flat == 0).all()):
        warnings.append("every segment mean is exactly 0: a flat profile (failed normalisation, "
                        "or a placeholder file) cannot show any change; genes are called "
                        "neutral only as far as this file can tell")
    return finish(path, "seg", segments, level="segment", value_kind="log2", sample=chosen,
                  samples=samples, sample_source=source,
                  records_read=len(rows) + int(unmeasured.sum()),
                  warnings=warnings, caller="SEG", extra_rejected=int(unmeasured.sum()))
