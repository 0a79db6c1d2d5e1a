"""Gene-level copy-number matrices: cBioPortal / GISTIC discrete calls and continuous log2 values.

Formats (tab-separated):

* wide (``data_cna.txt``, GISTIC ``all_thresholded.by_genes.txt``, ``data_log2CNA.txt``): a gene
  column (``Hugo_Symbol`` or ``Gene Symbol``), optional ``Entrez_Gene_Id``/``Locus ID``/
  ``Cytoband`` columns, then one column per sample;
* long (cBioPortal ``data_cna_discrete`` long format, OncoKB annotator individual CNA): a gene
  column, a sample column (``Sample_Id``/``Tumor_Sample_Barcode``) and a value column
  (``Value``/``Copy_Number_Alteration``), plus optional annotation columns that are ignored.

Values: discrete files hold -2, -1, 0, 1, 2 as cBioPortal defines them (-2 deep loss, -1 shallow
loss, 0 neutral, 1 gain, 2 high-level amplification); -1.5 (OncoKB annotator) is read as a
deletion. A wide matrix whose values are not all of those is a continuous log2 matrix. There are
no coordinates (start = end = 0): the genes are matched by symbol.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...copynumber.schema import DISCRETE_VALUES
from ...errors import InputError
from ..registry import get_reader, register
from ._common import (
    CopyNumberData,
    choose_sample,
    finish,
    first_column,
    header_fields,
    is_number,
    read_table,
    split_fields,
)

_GENE = ("hugo_symbol", "gene symbol", "gene", "gene_symbol")
_META = {"hugo_symbol", "gene symbol", "gene", "gene_symbol", "entrez_gene_id", "locus id",
         "cytoband", "gene id", "entrez gene id"}
_LONG_SAMPLE = ("sample_id", "tumor_sample_barcode", "sample")
_LONG_VALUE = ("value", "copy_number_alteration", "cna", "alteration")


def _is_long(fields: list[str]) -> bool:
    return (any(f in fields for f in _GENE) and any(f in fields for f in _LONG_SAMPLE)
            and any(f in fields for f in _LONG_VALUE))


# a gene matrix has one column per sample and no coordinates; a gene-first table with
# coordinate columns is some tool's per-gene report (CNVkit genemetrics, PURPLE germline
# deletions), whose columns must not be taken for sample names
_COORDINATES = {"chromosome", "chrom", "chr", "start", "end", "regionstart", "regionend"}


def _is_wide(fields: list[str]) -> bool:
    return (bool(fields) and fields[0] in _META and not _is_long(fields)
            and any(f not in _META for f in fields)
            and any(f in _GENE for f in fields)
            and not _COORDINATES.intersection(fields))


def _wide_values(lines: list[str]) -> list[float] | None:
    for index, line in enumerate(lines):
        fields = [f.lower() for f in split_fields(line)]
        if _is_wide(fields):
            sample_idx = [i for i, f in enumerate(fields) if f not in _META]
            values = []
            for data in lines[index + 1:]:
                parts = split_fields(data)
                values += [float(parts[i]) for i in sample_idx if i < len(parts) and is_number(parts[i])]
            return values
    return None


def _sniff_wide_discrete(path: Path, lines: list[str]) -> bool:
    values = _wide_values(lines)
    return values is not None and all(v in DISCRETE_VALUES for v in values)


def _sniff_wide_log2(path: Path, lines: list[str]) -> bool:
    values = _wide_values(lines)
    return values is not None and any(v not in DISCRETE_VALUES for v in values)


def _long_table(path: Path) -> pd.DataFrame:
    table = read_table(path, _is_long, what="long copy-number table")
    gene = first_column(table, *_GENE)
    sample = first_column(table, *_LONG_SAMPLE)
    value = first_column(table, *_LONG_VALUE)
    return pd.DataFrame({"sample": table[sample], "gene": table[gene],
                         "value": pd.to_numeric(table[value].replace({"NA": None}), errors="coerce"),
                         "source_line": table["source_line"]})


def _wide_table(path: Path) -> pd.DataFrame:
    table = read_table(path, _is_wide, what="gene copy-number matrix")
    gene = first_column(table, *_GENE)
    samples = [c for c in table.columns if c not in _META and c != "source_line"]
    # read_table lower-cases names; sample ids are case-sensitive, so take them from the header
    original = _original_header(path, len(table.columns) - 1)
    rename = dict(zip(table.columns[:-1], original))
    long = table.melt(id_vars=[gene, "source_line"], value_vars=samples, var_name="sample",
                      value_name="value")
    long["sample"] = long["sample"].map(rename)
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    return long.rename(columns={gene: "gene"})[["sample", "gene", "value", "source_line"]]


def _original_header(path: Path, width: int) -> list[str]:
    from ..text import head_lines
    for line in head_lines(path, 200):
        fields = split_fields(line)
        if _is_wide([f.lower() for f in fields]):
            return fields[:width]
    return []


def _check_discrete(long: pd.DataFrame, path: Path) -> None:
    bad = long[long["value"].notna() & ~long["value"].isin(DISCRETE_VALUES)]
    if len(bad):
        shown = ", ".join(f"{v:g} (line {int(line)})" for v, line in
                          zip(bad["value"].head(5), bad["source_line"].head(5)))
        raise InputError(f"{len(bad)} value(s) outside the discrete scale -2..2: {shown}",
                         path=path, hint="a continuous matrix needs --cnv-format cna-log2-wide")


_MATRIX_FORMATS = {"cna-discrete-long": ("discrete", _long_table),
                   "cna-discrete-wide": ("discrete", _wide_table),
                   "cna-log2-wide": ("log2", _wide_table)}


def _read_long(path: Path, fmt: str) -> tuple[str, pd.DataFrame]:
    """The value kind of matrix format ``fmt`` and the file as a long table (discrete values
    checked against the scale)."""
    kind, reader = _MATRIX_FORMATS[fmt]
    long = reader(path)
    if kind == "discrete":
        _check_discrete(long, path)
    return kind, long


def _read_sample(path: Path, fmt: str, sample: str | None) -> CopyNumberData:
    kind, long = _read_long(path, fmt)
    samples = list(dict.fromkeys(long["sample"]))
    chosen, source = choose_sample(samples, sample, path=path, what="gene matrix")
    rows = long[long["sample"] == chosen]
    segments = pd.DataFrame({"chrom": "", "start": 0, "end": 0, "gene": rows["gene"],
                             "source_line": rows["source_line"]})
    segments["discrete" if kind == "discrete" else "log2"] = rows["value"].to_numpy()
    warnings = []
    if kind == "discrete":
        warnings.append("discrete gene-level calls: the calls are taken as the file states them "
                        "(cBioPortal scale); copy-number thresholds are not re-applied")
    data = finish(path, fmt, segments, level="gene", value_kind=kind, sample=chosen,
                  samples=samples, sample_source=source, records_read=len(rows),
                  warnings=warnings, caller="gene-level matrix")
    data.genes_without_value = sorted(set(rows.loc[rows["value"].isna(), "gene"]))
    return data


@register("copy_number", "cna-discrete-long",
          sniff=lambda p, lines: header_fields(lines, _is_long) is not None,
          description="long gene table of discrete calls (cBioPortal long, OncoKB individual CNA)")
def read_discrete_long(path: Path, *, sample: str | None = None, **_options) -> CopyNumberData:
    return _read_sample(Path(path), "cna-discrete-long", sample)


@register("copy_number", "cna-discrete-wide", sniff=_sniff_wide_discrete,
          description="wide gene x sample matrix of discrete calls (cBioPortal data_cna, GISTIC)")
def read_discrete_wide(path: Path, *, sample: str | None = None, **_options) -> CopyNumberData:
    return _read_sample(Path(path), "cna-discrete-wide", sample)


@register("copy_number", "cna-log2-wide", sniff=_sniff_wide_log2,
          description="wide gene x sample matrix of continuous log2 ratios (data_log2CNA)")
def read_log2_wide(path: Path, *, sample: str | None = None, **_options) -> CopyNumberData:
    return _read_sample(Path(path), "cna-log2-wide", sample)


def read_gene_matrix(path: str | Path, *, fmt: str | None = None) -> pd.DataFrame:
    """A cohort's gene-level matrix as a long table: ``sample, gene, value, value_kind``.

    Wide or long, discrete or log2; the format is detected (or named with ``fmt``). Rows with a
    missing value (``NA``, blank) are dropped: in cBioPortal they mean "not profiled", which the
    cohort code takes from the gene-panel matrix instead. Duplicated (sample, gene) pairs are
    kept as they are; the caller decides (see :func:`duplicate_gene_rows`).
    """
    from ..registry import detect_format

    path = Path(path)
    name = fmt or detect_format("copy_number", path).name
    if name not in _MATRIX_FORMATS:
        get_reader("copy_number", name)   # unknown names raise with the list of formats
        raise InputError(f"format {name!r} is not a gene-level matrix", path=path,
                         hint="use one of: " + ", ".join(_MATRIX_FORMATS))
    kind, long = _read_long(path, name)
    long = long[long["value"].notna()].copy()
    long["value"] = long["value"].astype(float)
    long["value_kind"] = kind
    return long[["sample", "gene", "value", "value_kind"]].reset_index(drop=True)


def duplicate_gene_rows(matrix: pd.DataFrame) -> pd.DataFrame:
    """(sample, gene) pairs that occur more than once with different values."""
    grouped = matrix.groupby(["sample", "gene"])["value"].nunique()
    conflicting = grouped[grouped > 1].index
    return matrix.set_index(["sample", "gene"]).loc[conflicting].reset_index()
