"""The one definition of the copy-number segment table every copy-number reader produces.

Columns (one row per segment, or per gene for gene-level inputs):

=============  =======  ===========================================================================
column         dtype    meaning
=============  =======  ===========================================================================
chrom          str      chromosome, normalised without ``chr`` (``7``, ``X``); ``""`` when unknown
start, end     int64    1-based closed coordinates (0 when a gene-level input gives none)
gene           str      gene symbol of gene-level inputs (``""`` for segments)
log2           float    log2 copy ratio (tumour / reference); NaN where the input has none
copy_number    float    absolute total copy number of the tumour cells; NaN where absent
major_cn       float    major-allele copy number (allele-specific inputs); NaN where absent
minor_cn       float    minor-allele copy number; NaN where absent
discrete       float    cBioPortal/GISTIC discrete value (-2, -1.5, -1, 0, 1, 2); NaN where absent
n_probes       float    probes / bins / points supporting the segment; NaN where absent
copy_number_max float   gene-level inputs that give a range (PURPLE gene table: maxCopyNumber)
source_line    int64    line (or VCF record number) of the input the row came from, for messages
=============  =======  ===========================================================================

:func:`validate_segments` checks a reader's table against this schema and reports every bad row
at once (rejected rows are counted, with their line numbers, never dropped silently).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError

SEGMENT_COLUMNS: dict[str, str] = {
    "chrom": "object",
    "start": "int64",
    "end": "int64",
    "gene": "object",
    "log2": "float64",
    "copy_number": "float64",
    "major_cn": "float64",
    "minor_cn": "float64",
    "discrete": "float64",
    "n_probes": "float64",
    "copy_number_max": "float64",
    "source_line": "int64",
}

VALUE_COLUMNS = ("log2", "copy_number", "discrete")
DISCRETE_VALUES = frozenset({-2.0, -1.5, -1.0, 0.0, 1.0, 2.0})


def _lines(rows: pd.DataFrame, limit: int = 8) -> str:
    lines = [str(int(x)) for x in rows["source_line"].head(limit)]
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return ", ".join(lines) + more


def validate_segments(table: pd.DataFrame, *, path: str, level: str = "segment"
                      ) -> tuple[pd.DataFrame, list[str]]:
    """Coerce ``table`` to the schema; return the valid rows and one message per rejection reason.

    Rows whose coordinates cannot be read, whose end lies before the start, or that carry no
    copy-number value are rejected; the reasons name the input lines. A table missing a schema
    column is a programming error of the reader, so it raises rather than warns.
    """
    missing = [c for c in ("chrom", "source_line") if c not in table.columns]
    if missing:
        raise InputError(f"internal reader error: missing columns {missing}", path=path)
    table = table.copy()
    for name, dtype in SEGMENT_COLUMNS.items():
        if name not in table.columns:
            table[name] = "" if dtype == "object" else (0 if dtype == "int64" else np.nan)
    for name in ("start", "end"):
        table[name] = pd.to_numeric(table[name], errors="coerce")
    for name in ("log2", "copy_number", "major_cn", "minor_cn", "discrete", "n_probes",
                 "copy_number_max"):
        table[name] = pd.to_numeric(table[name], errors="coerce").astype("float64")
    table["chrom"] = table["chrom"].fillna("").astype(str)
    table["gene"] = table["gene"].fillna("").astype(str)

    problems: list[str] = []
    bad_coords = table["start"].isna() | table["end"].isna()
    if level == "gene":
        # gene-level tables may lack coordinates: 0 means "not given"
        table.loc[bad_coords, ["start", "end"]] = 0
        bad_coords = pd.Series(False, index=table.index)
    if bad_coords.any():
        problems.append(f"{int(bad_coords.sum())} row(s) without readable start/end "
                        f"(line {_lines(table[bad_coords])})")
    reversed_ = ~bad_coords & (table["end"] < table["start"])
    if reversed_.any():
        problems.append(f"{int(reversed_.sum())} row(s) whose end lies before the start "
                        f"(line {_lines(table[reversed_])}); such rows are segmentation "
                        "artefacts with no extent")
    no_value = ~bad_coords & ~reversed_ & table[list(VALUE_COLUMNS)].isna().all(axis=1)
    if no_value.any():
        problems.append(f"{int(no_value.sum())} row(s) without a copy-number value "
                        f"(line {_lines(table[no_value])})")
    keep = ~(bad_coords | reversed_ | no_value)
    table = table[keep].copy()
    table["start"] = table["start"].astype("int64")
    table["end"] = table["end"].astype("int64")
    table["source_line"] = table["source_line"].astype("int64")
    return table[list(SEGMENT_COLUMNS)].reset_index(drop=True), problems
