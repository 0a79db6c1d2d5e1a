"""BED reader for assay (panel) regions.

Format: tab-separated ``chrom start end [name ...]``; ``track``/``browser``/``#`` lines skipped.
Coordinates in the file are 0-based half-open (UCSC BED); they are returned as a pyranges
object in the same convention (pyranges' own), chromosome names normalised without ``chr``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyranges as pr

from ..errors import InputError
from ..genome import normalize_chrom
from .text import open_text


def read_bed(path: str | Path) -> pr.PyRanges:
    """The regions of a BED file (0-based half-open, as PyRanges) with normalised chromosome names.

    Raises :class:`InputError` naming the bad lines (up to ten) or when there is no region.
    """
    path = Path(path)
    rows, problems = [], []
    with open_text(path) as handle:
        for line_no, line in enumerate(handle, 1):
            text = line.rstrip("\r\n")
            if not text.strip() or text.startswith(("#", "track", "browser")):
                continue
            fields = text.split("\t")
            if len(fields) < 3:
                problems.append(f"line {line_no}: {len(fields)} column(s), expected at least 3 "
                                "(chrom, start, end) separated by tabs")
                continue
            try:
                start, end = int(fields[1]), int(fields[2])
            except ValueError:
                problems.append(f"line {line_no}: start/end {fields[1]!r}/{fields[2]!r} are not "
                                "whole numbers")
                continue
            if start < 0 or end <= start:
                problems.append(f"line {line_no}: start {start} and end {end} do not describe a "
                                "region (BED is 0-based half-open: end must exceed start)")
                continue
            rows.append((normalize_chrom(fields[0]), start, end))
    if problems:
        shown = "; ".join(problems[:10]) + (f" (+{len(problems) - 10} more)"
                                             if len(problems) > 10 else "")
        raise InputError(f"not a valid BED file: {shown}", path=path,
                         hint="fix the lines named, or pass --genes instead")
    if not rows:
        raise InputError("BED file has no regions", path=path,
                         hint="give the assay's target regions, or pass --genes")
    frame = pd.DataFrame(rows, columns=["Chromosome", "Start", "End"])
    return pr.PyRanges(frame)
