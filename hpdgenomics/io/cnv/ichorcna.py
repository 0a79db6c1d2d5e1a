"""ichorCNA segment outputs (``<id>.seg.txt``, ``<id>.seg``) and bin-level ``<id>.cna.seg``.

Formats (tab-separated, one header line, written by ichorCNA's ``outputHMM``):

* ``<id>.seg.txt``: ``ID chrom start end num.mark seg.median.logR copy.number call
  subclone.status``, and with ichorCNA's copy-number correction (runIchorCNA.R, ichorCNA >= 0.2)
  ``logR_Copy_Number Corrected_Copy_Number Corrected_Call``;
* ``<id>.seg``: ``sample chr start end event copy.number bins median``;
* ``<id>.cna.seg``: one row per bin, ``chr start end`` then per sample ``<id>.copy.number
  <id>.event <id>.logR <id>.subclone.status`` (and the corrected columns).

The SEG-looking header of ``.seg.txt`` must not be read as a plain SEG: its last column is a call
word (``Corrected_Call``) and its log ratio is named ``seg.median.logR``. The values used are the
absolute tumour copies ichorCNA reports: ``Corrected_Copy_Number`` when present, which undoes the
cap of the HMM's highest state (``--maxCN``), else ``copy.number`` (with a warning: a
high-level amplification sits at the cap, so its size is not known). ``seg.median.logR`` (log2)
is kept as the log2 column. Coordinates: 1-based closed (ichorCNA bins start at 1 and end at the
bin size). Chromosome names lose ``chr``.

Tumour fraction (purity), ploidy and sex come from ``<id>.params.txt`` beside the file when it
is there (its first table: ``Sample  Tumor Fraction  Ploidy``; a ``Gender:`` line).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import InputError
from ..registry import register
from ..text import head_lines
from ._common import (
    CnvReadContext,
    CopyNumberData,
    choose_sample,
    companion_file,
    finish,
    finite_numbers,
    first_column,
    header_fields,
    normalise_chromosomes,
    read_table,
)

_SUFFIXES = (".seg.txt", ".cna.seg", ".seg")


def _is_ichor_segments(fields: list[str]) -> bool:
    return ("copy.number" in fields and ("seg.median.logr" in fields or "median" in fields)
            and any(c in fields for c in ("chrom", "chr")) and "start" in fields
            and "end" in fields)


def _is_ichor_bins(fields: list[str]) -> bool:
    return fields[:3] == ["chr", "start", "end"] and any(
        f.endswith(".copy.number") for f in fields[3:])


def _sniff(path: Path, lines: list[str]) -> bool:
    return (header_fields(lines, _is_ichor_segments) is not None
            or header_fields(lines, _is_ichor_bins) is not None)


def _params(path: Path, sample: str | None, warnings: list[str]) -> dict[str, Any]:
    """Purity, ploidy and sex from ``<id>.params.txt`` beside the file, if present."""
    sibling = companion_file(path, _SUFFIXES, ".params.txt", warnings,
                             what="ichorCNA's tumour fraction and ploidy")
    if sibling is None:
        return {}
    lines = head_lines(sibling, 200)
    fields: dict[str, Any] = {}
    if lines:
        header = [h.strip().lower() for h in lines[0].split("\t")]
        rows = [line.split("\t") for line in lines[1:] if line.strip() and "\t" in line
                and not line.rstrip().endswith(":")]
        table = [dict(zip(header, r, strict=True)) for r in rows if len(r) == len(header)]
        chosen = next((r for r in table if sample is None or r.get("sample") == sample), None)
        if chosen is not None and "tumor fraction" in chosen and "ploidy" in chosen:
            try:
                purity, ploidy = float(chosen["tumor fraction"]), float(chosen["ploidy"])
            except ValueError:
                raise InputError(f"tumour fraction {chosen['tumor fraction']!r} / ploidy "
                                 f"{chosen['ploidy']!r} are not numbers", path=sibling) from None
            source = f"ichorCNA {sibling.name}"
            fields.update(ploidy=ploidy, ploidy_source=source)
            if 0 < purity <= 1:
                fields.update(purity=purity, purity_source=source)
            if purity < 0.03:
                # ichorCNA's stated limit of detection is about 3 % tumour fraction
                warnings.append(f"ichorCNA tumour fraction {purity:g} is below ~0.03, its limit "
                                "of detection: copy-number calls are not reliable")
    for line in lines:
        if line.lower().startswith("gender:"):
            gender = line.split("\t", 1)[-1].strip().lower()
            if gender in ("male", "female"):
                fields["sex"] = gender
    return fields


@register("copy_number", "ichorcna", sniff=_sniff,
          description="ichorCNA <id>.seg.txt / <id>.seg / <id>.cna.seg (Corrected_Copy_Number "
                      "or copy.number)")
def read_ichorcna(path: Path, *, sample: str | None = None, **_options: object) -> CopyNumberData:
    """Read ichorCNA segments (``<id>.seg.txt``/``<id>.seg``) or its bin table (``<id>.cna.seg``).

    ``sample`` chooses one sample of a multi-sample file; returns the normalised
    :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming the file and line
    when it is malformed.
    """
    path = Path(path)
    lines = head_lines(path, 5)
    warnings: list[str] = []
    # the columns each layout names (the header check guarantees chrom in the segment table)
    chrom_col: str | None
    probes: str | None
    log2_col: str | None
    if header_fields(lines, _is_ichor_bins) is not None:
        table = read_table(path, _is_ichor_bins, what="ichorCNA bin table (.cna.seg)")
        samples = list(dict.fromkeys(c[: -len(".copy.number")] for c in table.columns
                                     if c.endswith(".copy.number")))
        chosen, source = choose_sample(samples, sample.lower() if sample else None, path=path,
                                       what="ichorCNA .cna.seg (sample names lower-cased)")
        # column names were lower-cased by read_table; the sample prefix keeps its case there
        prefix = f"{chosen}."
        rows = table.rename(columns={c: c[len(prefix):] for c in table.columns
                                     if c.startswith(prefix)})
        chrom_col, probes = "chr", None
        warnings.append("bin-level ichorCNA table (.cna.seg): each bin is treated as a segment; "
                        "the segmented <id>.seg.txt is more robust to noise")
        log2_col = "logr"
    else:
        table = read_table(path, _is_ichor_segments, what="ichorCNA segment table")
        sample_col = first_column(table, "id", "sample")
        samples = list(dict.fromkeys(table[sample_col])) if sample_col else []
        chosen, source = (choose_sample(samples, sample, path=path, what="ichorCNA segments")
                          if samples else (None, "file names no sample"))
        rows = table[table[sample_col] == chosen] if sample_col else table
        chrom_col = first_column(rows, "chrom", "chr")
        probes = first_column(rows, "num.mark", "bins")
        log2_col = first_column(rows, "seg.median.logr", "median")
    if "corrected_copy_number" in rows.columns:
        copies = finite_numbers(rows["corrected_copy_number"], rows["source_line"], path=path,
                                what="Corrected_Copy_Number")
        warnings.append("copies read from Corrected_Copy_Number (ichorCNA's integer copy number "
                        "with the HMM's top-state cap undone)")
    else:
        copies = finite_numbers(rows["copy.number"], rows["source_line"], path=path,
                                what="copy.number")
        call_col = first_column(rows, "call", "event")
        capped = int(rows[call_col].astype(str).str.upper().str.startswith("HLAMP").sum()) \
            if call_col else 0
        warnings.append("no Corrected_Copy_Number column: copies read from copy.number, which "
                        "ichorCNA caps at its highest HMM state (--maxCN)"
                        + (f"; {capped} HLAMP segment(s) may hold more copies than stated"
                           if capped else ""))
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(rows[chrom_col]),
        "start": rows["start"], "end": rows["end"], "copy_number": copies,
        "log2": rows[log2_col] if log2_col else None,
        "n_probes": rows[probes] if probes else None,
        "source_line": rows["source_line"],
    })
    fit = _params(path, chosen, warnings)
    return finish(path, segments, CnvReadContext(
        format="ichorcna", level="segment", value_kind="absolute", sample=chosen, samples=samples,
        sample_source=source, records_read=len(rows), warnings=warnings, caller="ichorCNA", **fit))
