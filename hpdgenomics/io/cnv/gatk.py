"""GATK ModelSegments / CallCopyRatioSegments outputs.

Formats (tab-separated, after a SAM-style ``@HD``/``@SQ``/``@RG`` header):

* ``.cr.seg`` (and ``CallCopyRatioSegments`` input): ``CONTIG START END NUM_POINTS_COPY_RATIO
  MEAN_LOG2_COPY_RATIO``;
* ``.called.seg``: the same plus ``CALL`` (``+``, ``-``, ``0``), which is kept only as a note:
  the project calls genes from the ratio with its own thresholds;
* ``.modelFinal.seg``: posterior deciles; the median ``LOG2_COPY_RATIO_POSTERIOR_50`` is used;
* ``.denoisedCR.tsv`` (DenoiseReadCounts, also ``.standardizedCR.tsv``): ``CONTIG START END
  LOG2_COPY_RATIO``, one row per interval, each treated as a segment (with a warning).

Coordinates: 1-based closed (GATK intervals). The sample is ``@RG SM:``; contig lengths in ``@SQ``
lines identify the build (see :func:`hpdgenomics.genome.build_from_contig_lengths`); detection
reads past a header of any length (a full GRCh38 reference has thousands of ``@SQ`` lines). Values
are log2 copy ratios (GATK's own convention: "LOG2"). Minor-allele fractions of ``.modelFinal.seg``
are not converted to allele copies (that needs purity), so no LOH is derived from them.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...genome import build_from_contig_lengths
from ..registry import register
from ..text import head_lines
from ._common import (
    CnvReadContext,
    CopyNumberData,
    choose_sample,
    finish,
    header_fields,
    lines_after_header,
    normalise_chromosomes,
    read_table,
    sam_header,
)


def _is_gatk(fields: list[str]) -> bool:
    return fields[:3] == ["contig", "start", "end"]


def _fields(path: Path, lines: list[str]) -> list[str]:
    return header_fields(lines_after_header(path, lines, prefix="@"), _is_gatk) or []


def _sniff_cr(path: Path, lines: list[str]) -> bool:
    fields = _fields(path, lines)
    return "mean_log2_copy_ratio" in fields and "call" not in fields


def _sniff_called(path: Path, lines: list[str]) -> bool:
    fields = _fields(path, lines)
    return "mean_log2_copy_ratio" in fields and "call" in fields


def _sniff_model(path: Path, lines: list[str]) -> bool:
    return "log2_copy_ratio_posterior_50" in _fields(path, lines)


def _sniff_denoised(path: Path, lines: list[str]) -> bool:
    return _fields(path, lines)[3:] == ["log2_copy_ratio"]


def _read(path: Path, fmt: str, value_col: str, sample: str | None,
          bins: bool = False) -> CopyNumberData:
    header = head_lines(path, 100_000)
    file_sample, lengths = sam_header(header)
    chosen, source = choose_sample([file_sample] if file_sample else [], sample, path=path,
                                   what="GATK file (@RG SM)")
    if chosen is None:
        chosen, source = sample, "--sample (file names no sample)" if sample else "none"
    table = read_table(path, _is_gatk, what="GATK segment table", search_lines=100_000)
    evidence = build_from_contig_lengths(lengths) if lengths else None
    warnings: list[str] = []
    if bins:
        warnings.append("per-interval copy ratios (DenoiseReadCounts .denoisedCR.tsv): each "
                        "interval is treated as a segment; ModelSegments' .cr.seg is more robust "
                        "to noise")
        if "standardized" in path.name.lower():
            warnings.append("the file name says standardizedCR: these ratios are not denoised "
                            "against a panel of normals, so they carry systematic noise")
    if "call" in table.columns:
        counts = table["call"].value_counts().to_dict()
        warnings.append("GATK CALL column (" + ", ".join(f"{k}: {v}" for k, v in counts.items())
                        + ") not used; genes are called from MEAN_LOG2_COPY_RATIO")
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(table["contig"]),
        "start": table["start"], "end": table["end"], "log2": table[value_col],
        "n_probes": table.get("num_points_copy_ratio"),
        "source_line": table["source_line"],
    })
    return finish(path, segments, CnvReadContext(
        format=fmt, level="segment", value_kind="log2", sample=chosen,
        samples=[file_sample] if file_sample else [], sample_source=source,
        records_read=len(table), warnings=warnings, caller="GATK ModelSegments",
        build=evidence.build if evidence else None,
        build_source=f"@SQ {evidence.source}" if evidence else ""))


@register("copy_number", "gatk-cr-seg", sniff=_sniff_cr,
          description="GATK ModelSegments .cr.seg (MEAN_LOG2_COPY_RATIO)")
def read_cr_seg(path: Path, *, sample: str | None = None, **_options: object) -> CopyNumberData:
    """Read a GATK ModelSegments ``.cr.seg`` (MEAN_LOG2_COPY_RATIO); the sample is the header's @RG
    SM.

    Raises :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    return _read(Path(path), "gatk-cr-seg", "mean_log2_copy_ratio", sample)


@register("copy_number", "gatk-called-seg", sniff=_sniff_called,
          description="GATK CallCopyRatioSegments .called.seg")
def read_called_seg(path: Path, *, sample: str | None = None, **_options: object) -> CopyNumberData:
    """Read a GATK CallCopyRatioSegments ``.called.seg``; genes are called from
    MEAN_LOG2_COPY_RATIO, not from its CALL column.

    Raises :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    return _read(Path(path), "gatk-called-seg", "mean_log2_copy_ratio", sample)


@register("copy_number", "gatk-modelfinal-seg", sniff=_sniff_model,
          description="GATK ModelSegments .modelFinal.seg (posterior median log2 ratio)")
def read_model_final(path: Path, *, sample: str | None = None,
                     **_options: object) -> CopyNumberData:
    """Read a GATK ModelSegments ``.modelFinal.seg`` (posterior median log2 ratio). Raises
    :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    return _read(Path(path), "gatk-modelfinal-seg", "log2_copy_ratio_posterior_50", sample)


@register("copy_number", "gatk-denoised-cr", sniff=_sniff_denoised,
          description="GATK DenoiseReadCounts .denoisedCR.tsv (per-interval LOG2_COPY_RATIO)")
def read_denoised_cr(path: Path, *, sample: str | None = None,
                     **_options: object) -> CopyNumberData:
    """Read a GATK DenoiseReadCounts ``.denoisedCR.tsv``, each interval taken as a segment, with a
    warning.

    Raises :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    return _read(Path(path), "gatk-denoised-cr", "log2_copy_ratio", sample, bins=True)
