"""Allele-specific segment tables: ``nMajor``/``nMinor`` (PCGR ``--input_cna`` style, ASCAT
``segments``/``segments_raw``) and Sequenza ``_segments.txt`` (``CNt``/``A``/``B``).

Format: tab-separated; header with chromosome, start and end columns (``Chromosome``/``chrom``,
``Start``/``startpos``, ``End``/``endpos``), ``nMajor`` and ``nMinor``, optionally a sample column
(``sample``/``Sample``/``ID``). Total copy number = nMajor + nMinor.

ASCAT writes ``sample chr startpos endpos nMajor nMinor`` (``segments_raw`` adds the unrounded
``nAraw``/``nBraw``, which are not used: the integer state is the call). ASCAT's purity and ploidy
are not in the segment table: pass them with --purity/--ploidy.

Coordinates: 1-based closed. Chromosome names lose ``chr``; ``23`` becomes ``X``.
The Sequenza reader is described where it is defined, below.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import InputError
from ..registry import register
from ._common import (
    REQUESTED,
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
def read_allele_specific(path: Path, *, sample: str | None = None,
                         **_options: object) -> CopyNumberData:
    """Read an allele-specific segment table (nMajor/nMinor columns, PCGR or ASCAT style).

    Total copies are nMajor + nMinor. ``sample`` chooses one sample of a multi-sample file; returns
    the normalised :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming
    the file and line when it is malformed.
    """
    path = Path(path)
    table = read_table(path, _is_allelic, what="allele-specific segment table")
    sample_col = first_column(table, *_SAMPLE)
    samples = list(dict.fromkeys(table[sample_col])) if sample_col else []
    chosen, source = (choose_sample(samples, sample, path=path, what="segment table")
                      if sample_col else (sample, REQUESTED if sample else "file names no sample"))
    rows = table[table[sample_col] == chosen] if sample_col else table
    warnings: list[str] = []
    major = finite_numbers(rows["nmajor"], rows["source_line"], path=path, what="nMajor")
    minor = finite_numbers(rows["nminor"], rows["source_line"], path=path, what="nMinor")
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(rows[first_column(rows, *_CHROM)], numeric_sex=True,
                                       warnings=warnings),
        "start": rows[first_column(rows, *_START)], "end": rows[first_column(rows, *_END)],
        "copy_number": major + minor, "major_cn": major, "minor_cn": minor,
        "source_line": rows["source_line"],
    })
    return finish(path, segments, CnvReadContext(
        format="allele-specific", level="segment", value_kind="absolute", sample=chosen,
        samples=samples, sample_source=source, records_read=len(rows), warnings=warnings,
        caller="allele-specific table (nMajor/nMinor)"))


# --- Sequenza ---------------------------------------------------------------------------------
#
# ``<sample>_segments.txt`` from ``sequenza.results()``: tab-separated, quoted header
# ``chromosome start.pos end.pos Bf N.BAF sd.BAF depth.ratio N.ratio sd.ratio CNt A B LPP``;
# ``CNt`` is the total tumour copy number and ``A``/``B`` the major/minor allele copies (NA where
# no heterozygous SNP informs the B-allele frequency). Coordinates 1-based closed.
# Purity (``cellularity``) and ploidy come from ``<sample>_alternative_solutions.txt`` beside it,
# whose first row is the solution Sequenza chose (highest posterior); that is said in the warnings.

_SEQUENZA_SEGMENTS = "_segments.txt"
_SEQUENZA_SOLUTIONS = "_alternative_solutions.txt"


def _is_sequenza(fields: list[str]) -> bool:
    return {"chromosome", "start.pos", "end.pos", "cnt", "a", "b"} <= set(fields)


def _is_solutions(fields: list[str]) -> bool:
    return "cellularity" in fields and "ploidy" in fields


def _sequenza_fit(path: Path, warnings: list[str]) -> dict[str, Any]:
    if not path.name.endswith(_SEQUENZA_SEGMENTS):
        warnings.append("Sequenza file not named <sample>_segments.txt: purity and ploidy not "
                        "looked up (pass --ploidy)")
        return {}
    sibling = companion_file(path, (_SEQUENZA_SEGMENTS,), _SEQUENZA_SOLUTIONS, warnings,
                             what="Sequenza purity and ploidy")
    if sibling is None:
        return {}
    solutions = read_table(sibling, _is_solutions, what="Sequenza alternative solutions")
    if solutions.empty:
        raise InputError("no solution rows", path=sibling,
                         hint="re-run sequenza.results() or pass --purity/--ploidy")
    row = solutions.iloc[0]
    try:
        purity, ploidy = float(row["cellularity"]), float(row["ploidy"])
    except ValueError:
        raise InputError(f"cellularity {row['cellularity']!r} / ploidy {row['ploidy']!r} are not "
                         "numbers", path=sibling, where=f"line {row['source_line']}") from None
    if not (0 < purity <= 1) or ploidy <= 0:
        raise InputError(f"cellularity {purity} / ploidy {ploidy} out of range", path=sibling,
                         where=f"line {row['source_line']}")
    source = f"Sequenza {sibling.name} (first row: the chosen solution)"
    return {"purity": purity, "ploidy": ploidy, "purity_source": source, "ploidy_source": source}


@register("copy_number", "sequenza-segments",
          sniff=lambda p, lines: header_fields(lines, _is_sequenza) is not None,
          description="Sequenza <sample>_segments.txt (CNt, A, B) with purity/ploidy from "
                      "<sample>_alternative_solutions.txt")
def read_sequenza(path: Path, *, sample: str | None = None, **_options: object) -> CopyNumberData:
    """Read a Sequenza ``<sample>_segments.txt``, with purity and ploidy from the
    ``<sample>_alternative_solutions.txt`` beside it when present.

    The sample is the file name's prefix (else ``sample``). Raises
    :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    path = Path(path)
    table = read_table(path, _is_sequenza, what="Sequenza segment table")
    warnings: list[str] = []
    fit = _sequenza_fit(path, warnings)
    major = finite_numbers(table["a"], table["source_line"], path=path, what="A")
    minor = finite_numbers(table["b"], table["source_line"], path=path, what="B")
    if minor.isna().any():
        warnings.append(f"{int(minor.isna().sum())} segment(s) without allele copies (A/B NA): "
                        "LOH not assessable there")
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(table["chromosome"], numeric_sex=True, warnings=warnings),
        "start": table["start.pos"], "end": table["end.pos"],
        "copy_number": table["cnt"],
        "major_cn": major, "minor_cn": minor,
        "n_probes": table.get("n.ratio"), "source_line": table["source_line"],
    })
    file_sample = (path.name[: -len(_SEQUENZA_SEGMENTS)] if path.name.endswith(_SEQUENZA_SEGMENTS)
                   else sample)
    return finish(path, segments, CnvReadContext(
        format="sequenza-segments", level="segment", value_kind="absolute", sample=file_sample,
        samples=[], sample_source="Sequenza file name", records_read=len(table), warnings=warnings,
        caller="Sequenza", **fit))
