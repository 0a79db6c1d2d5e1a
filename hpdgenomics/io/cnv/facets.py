"""FACETS segment tables (``cncf``, e.g. ``*_cncf.tsv`` written from ``fit$cncf``).

Format: tab-separated with ``chrom seg num.mark nhet cnlr.median mafR segclust cnlr.median.clust
mafR.clust start end cf.em tcn.em lcn.em`` (the EM estimates; ``cf``/``tcn``/``lcn`` without
``.em`` are accepted when the EM columns are absent). ``tcn.em`` is the total and ``lcn.em`` the
lesser (minor) allele copy number of the tumour cells; ``lcn.em`` is NA where it cannot be
estimated.

facets-suite's ``*.cncf.txt`` adds a sample column ``ID`` first and names the coordinates
``loc.start``/``loc.end``; both spellings are read (a file with several IDs needs ``--sample``).

Coordinates: 1-based closed SNP positions. FACETS numbers chromosome X as ``23``; it is read as
``X``. ``cnlr.median`` is FACETS' log-ratio on its own centring, so it is not reported as a log2
ratio; the calls use ``tcn.em``. Purity and ploidy live in the FACETS fit, not in this table:
they are read from the run's ``<prefix>.out`` beside ``<prefix>.cncf.txt`` when it is there
(``# Purity =`` / ``# Ploidy =`` lines), else pass them with --purity/--ploidy.
"""
from __future__ import annotations

import math
import re
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
    require_columns,
)


def _is_cncf(fields: list[str]) -> bool:
    return "chrom" in fields and ("tcn.em" in fields or "tcn" in fields) and "cnlr.median" in fields


@register("copy_number", "facets-cncf",
          sniff=lambda p, lines: header_fields(lines, _is_cncf) is not None,
          description="FACETS cncf segment table (tcn.em / lcn.em)")
def read_facets(path: Path, *, sample: str | None = None, **_options: object) -> CopyNumberData:
    """Read a FACETS cncf table (``tcn.em``/``lcn.em``, or facets-suite's column names), with purity
    and ploidy from the run's ``<prefix>.out`` beside it when present.

    ``sample`` chooses one sample of a multi-sample file; returns the normalised
    :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming the file and line
    when it is malformed.
    """
    path = Path(path)
    table = read_table(path, _is_cncf, what="FACETS cncf table")
    # facets-suite writes loc.start/loc.end (DNAcopy names) where FACETS' own cncf has start/end
    start, end = first_column(table, "start", "loc.start"), first_column(table, "end", "loc.end")
    require_columns(table, ["chrom", start or "start", end or "end"], path=path,
                    what="FACETS cncf table")
    total = first_column(table, "tcn.em", "tcn") or "tcn"   # _is_cncf found one
    lesser = first_column(table, "lcn.em", "lcn")
    warnings: list[str] = []
    lines = table["source_line"]
    copy_number = finite_numbers(table[total], lines, path=path, what=total)
    minor = finite_numbers(table[lesser], lines, path=path, what=lesser) if lesser else None
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(table["chrom"], numeric_sex=True, warnings=warnings),
        "start": table[start], "end": table[end], "copy_number": copy_number,
        "minor_cn": minor, "major_cn": copy_number - minor if minor is not None else None,
        "n_probes": table.get("num.mark"), "source_line": table["source_line"],
    })
    if minor is not None and minor.isna().any():
        warnings.append(f"{int(minor.isna().sum())} segment(s) without {lesser}: LOH not "
                        "assessable there")
    samples = list(dict.fromkeys(table["id"])) if "id" in table.columns else []
    chosen, source = (choose_sample(samples, sample, path=path, what="FACETS cncf table")
                      if samples else (None, "FACETS tables hold one sample"))
    if samples:
        keep = (table["id"] == chosen).to_numpy()
        segments = segments[keep]
        table = table[keep]
    fit = _facets_fit(path, warnings)
    return finish(path, segments, CnvReadContext(
        format="facets-cncf", level="segment", value_kind="absolute", sample=chosen,
        samples=samples, sample_source=source, records_read=len(table), warnings=warnings,
        caller="FACETS", **fit))


_CNCF_SUFFIXES = (".cncf.txt", ".cncf.tsv", "_cncf.txt", "_cncf.tsv", ".cncf")


def _facets_fit(path: Path, warnings: list[str]) -> dict[str, Any]:
    """Purity and ploidy from the FACETS run's ``<prefix>.out`` beside ``<prefix>.cncf.txt``.

    The ``.out`` file (doFacets / facets-suite legacy output) holds ``# Purity = 0.45`` and
    ``# Ploidy = 3.1`` lines; Purity is ``NA`` when FACETS found no tumour (a diploid fit), which
    is said, not guessed.
    """
    sibling = companion_file(path, _CNCF_SUFFIXES, ".out", warnings,
                             what="FACETS purity and ploidy")
    if sibling is None:
        return {}
    values = {}
    for line in head_lines(sibling, 200):
        match = re.match(r"#\s*(Purity|Ploidy)\s*=\s*(\S*)", line)
        if match:
            values[match.group(1).lower()] = match.group(2)
    fit: dict[str, Any] = {}
    source = f"FACETS {sibling.name}"
    for key in ("purity", "ploidy"):
        text = values.get(key)
        if text is None:
            continue
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if math.isnan(value):
            warnings.append(f"FACETS {key} is {text or 'empty'} in {sibling.name}"
                            + (": no tumour fit (diploid or failed), so copy numbers may not be "
                               "tumour copy numbers" if key == "purity" else ""))
            continue
        if (key == "purity" and not 0 < value <= 1) or (key == "ploidy" and value <= 0):
            raise InputError(f"FACETS {key} {value:g} out of range", path=sibling)
        fit[key] = value
        fit[f"{key}_source"] = source
    return fit
