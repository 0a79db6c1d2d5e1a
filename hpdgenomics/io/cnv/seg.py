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
assumed is always stated in the warnings. Without ``--seg-log-base``, the values themselves are
asked whether they establish log2 (:func:`log_base_evidence`); when they do not, a warning says
so and ``CopyNumberData.log_base_doubt`` holds why: the gene calls then refuse to go on (exit 2
naming ``--seg-log-base``) if any panel gene's call would differ between the two bases
(:func:`hpdgenomics.copynumber.genes.call_genes`).
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ...errors import InputError, UsageError
from ..registry import register
from ._common import (
    CnvReadContext,
    CopyNumberData,
    choose_sample,
    finish,
    finite_numbers,
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


# A segment this far from 0 (in either base) carries a change; nearer ones are the neutral
# background, which says nothing about the base.
OFF_ZERO = 0.1
# log2 is established by a peak no log10 file plausibly holds: +2.0 is a 100-fold ratio in log10
# (some 200 copies in a diploid tumour) but only 4-fold (8 copies) in log2 ...
LOG2_PEAK = 2.0
# ... or by the bulk of the changes: when at least MIN_CHANGES segments are off zero, the median
# of their |value| is >= 0.4 in log2 for one-copy changes at purity above ~0.6 (a pure one-copy
# loss is -1.0, a gain +0.58), while in log10 that is a 2.5-fold change, beyond any one-copy step
# (a pure one-copy loss is -0.30 and a gain +0.18 in log10)
LOG2_BULK = 0.4
MIN_CHANGES = 5
# the values look like log10 when that median is below a pure one-copy loss in log10 and no
# segment reaches +-1
LOG10_BULK = 0.3


def log_base_evidence(values: pd.Series) -> tuple[str, str]:
    """What a SEG's values say about their log base: ``(verdict, evidence)``.

    ``verdict`` is ``"log2"`` (established: a peak >= :data:`LOG2_PEAK`, or the median |value|
    of >= :data:`MIN_CHANGES` off-zero segments >= :data:`LOG2_BULK`), ``"flat"`` (no segment
    off zero: the base changes no call), ``"log10-like"`` (>= MIN_CHANGES off-zero segments, their
    median |value| below :data:`LOG10_BULK` and nothing beyond +-1) or ``"unknown"``. The check
    looks where the signal is, the segments clearly off zero, because a background near 0 says
    nothing about the base (a log10 file with one focal 8-copy MDM2 at +0.60 has a median of 0).
    """
    finite = values.dropna()
    changes = finite[finite.abs() >= OFF_ZERO].abs()
    if changes.empty:
        return "flat", f"no segment mean reaches +-{OFF_ZERO:g}"
    peak, low = float(finite.max()), float(finite.min())
    bulk = float(changes.median())
    evidence = (f"{len(changes)} segment(s) off zero (|value| >= {OFF_ZERO:g}) with median "
                f"|value| {bulk:.2f}; values from {low:.2f} to {peak:.2f}")
    if peak >= LOG2_PEAK:
        return "log2", evidence
    if len(changes) >= MIN_CHANGES and bulk >= LOG2_BULK:
        return "log2", evidence
    if len(changes) >= MIN_CHANGES and bulk < LOG10_BULK and float(finite.abs().max()) < 1.0:
        return "log10-like", evidence
    return "unknown", evidence


def _base_doubt(values: pd.Series) -> tuple[str | None, str]:
    """The warning for a SEG read as log2 without --seg-log-base, and the doubt to carry
    (empty when the values establish log2 or are flat)."""
    verdict, evidence = log_base_evidence(values)
    if verdict in ("log2", "flat"):
        return None, ""
    if verdict == "log10-like":
        return (f"the spread of the SEG values fits log10 ratios as well as log2 ({evidence}): "
                "a one-copy change is +-0.18..0.30 in log10 but +0.58/-1.0 in log2; if the file "
                "is log10 (some DNAcopy/CNVkit outputs are), pass --seg-log-base 10, else "
                "--seg-log-base 2", evidence)
    return (f"SEG log base not established by the values ({evidence}; log2 needs a peak >= "
            f"{LOG2_PEAK:g} or a median change >= {LOG2_BULK:g} over >= {MIN_CHANGES} segments): "
            "read as log2; pass --seg-log-base 2 or 10 to state it", evidence)


def _told_log10_doubt(values: pd.Series) -> str | None:
    """Say when values read as log10 (``--seg-log-base 10``) look like log2."""
    finite = values.dropna()
    if finite.empty:
        return None
    extreme = float(finite.abs().max())
    if extreme > 1.5:
        return (f"SEG values reach {extreme:.2f}, a {10 ** extreme:.0f}-fold ratio if log10; "
                "the file may hold log2 ratios (drop --seg-log-base 10)")
    return None


@register("copy_number", "seg", sniff=_sniff,
          description="SEG (IGV/DNAcopy/TCGA) segments, single or multi-sample; log2 by default")
def read_seg(path: Path, *, sample: str | None = None, seg_log_base: float | None = None,
             **_options: object) -> CopyNumberData:
    """Read a SEG file (IGV/DNAcopy/TCGA), single or multi-sample; values are log2 unless
    ``seg_log_base`` (2 or 10) says otherwise.

    ``sample`` chooses one sample of a multi-sample file; returns the normalised
    :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming the file and line
    when it is malformed. Raises :class:`UsageError` for a ``seg_log_base`` other than 2 or 10.
    """
    path = Path(path)
    if seg_log_base is not None:
        try:
            seg_log_base = float(seg_log_base)
        except (TypeError, ValueError):
            seg_log_base = -1.0
        if seg_log_base not in (2.0, 10.0):
            raise UsageError(f"--seg-log-base {seg_log_base:g} is not supported",
                             hint="use 2 or 10")
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
    raw = finite_numbers(rows[value_col], rows["source_line"], path=path, what=value_col)
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
        unmeasured = finite_numbers(rows[probes_col], rows["source_line"], path=path,
                                    what=probes_col) == 0
        if unmeasured.any():
            shown = ", ".join(str(x) for x in rows.loc[unmeasured, "source_line"].head(8))
            warnings.append(f"rejected {int(unmeasured.sum())} segment(s) with {probes_col} 0 "
                            f"(line {shown}): no probes, so no measured value")
            rows, raw = rows[~unmeasured], raw[~unmeasured]
    doubt = ""
    if seg_log_base is None:
        base = 2
        warnings.append("SEG files do not state their log base; values read as log2 "
                        "(pass --seg-log-base 10 for log10 ratios)")
        warning, doubt = _base_doubt(raw)
    else:
        base = int(seg_log_base)
        warnings.append(f"SEG values read as log{base} (--seg-log-base {base})")
        warning = _told_log10_doubt(raw) if base == 10 else None
    if warning:
        warnings.append(warning)
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
    data = finish(path, segments, CnvReadContext(
        format="seg", level="segment", value_kind="log2", sample=chosen, samples=samples,
        sample_source=source, records_read=len(rows) + int(unmeasured.sum()), warnings=warnings,
        caller="SEG", extra_rejected=int(unmeasured.sum())))
    data.log_base_doubt = doubt
    return data
