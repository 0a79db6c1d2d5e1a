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
deletion. There are no coordinates (start = end = 0): the genes are matched by symbol.

Scale: whether a wide matrix is discrete or continuous log2 is decided from every value in it
(:func:`matrix_scale`), never from one: a matrix with at most 5 % of its values off the discrete
scale is discrete, and its strays (a 3, a 0.4, a word) are named in a warning and left not
evaluable, never re-scaled; a matrix in which at least half the values have a fractional part is
continuous; anything between cannot be told apart and is an error naming ``--cna-format``
(``--cnv-format`` for ``screen``), which settles it. Non-finite numbers (``inf``, ``1e400``) are
input errors with their line.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from ...copynumber.schema import DISCRETE_VALUES
from ...errors import InputError
from ..registry import get_reader, register
from ._common import (
    CnvReadContext,
    CopyNumberData,
    choose_sample,
    find_header,
    finish,
    finite_numbers,
    first_column,
    header_fields,
    read_table,
    split_fields,
)

log = logging.getLogger(__name__)

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


def _sniff_wide_discrete(path: Path, lines: list[str]) -> bool:
    return header_fields(lines, _is_wide) is not None and _file_scale(path) == "discrete"


def _sniff_wide_log2(path: Path, lines: list[str]) -> bool:
    return header_fields(lines, _is_wide) is not None and _file_scale(path) == "log2"


def _long_table(path: Path) -> pd.DataFrame:
    table = read_table(path, _is_long, what="long copy-number table")
    gene = first_column(table, *_GENE)
    sample = first_column(table, *_LONG_SAMPLE)
    value = first_column(table, *_LONG_VALUE) or _LONG_VALUE[0]   # _is_long found one
    return _with_numbers(pd.DataFrame({"sample": table[sample], "gene": table[gene],
                                       "text": table[value], "source_line": table["source_line"]}),
                         path, what=value)


#: the long table of the last wide matrix read by a format sniffer, kept for the reader that
#: follows (one entry, handed over once): sniffing a wide matrix's scale reads the whole file
_SNIFFED_TABLE: dict[tuple[str, int, int], pd.DataFrame] = {}


def _file_version(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns


def _wide_table(path: Path) -> pd.DataFrame:
    sniffed = _SNIFFED_TABLE.pop(_file_version(path), None)
    if sniffed is not None:
        return sniffed
    split = _split_wide(path)
    if split is not None:
        names, sample_names, genes, cells, lines = split
    else:
        table = read_table(path, _is_wide, what="gene copy-number matrix")
        gene = first_column(table, *_GENE)
        columns = list(table.columns)
        samples = [c for c in columns if c not in _META and c != "source_line"]
        # read_table lower-cases names; sample ids are case-sensitive: taken from the header
        original = _original_header(path, len(columns) - 1)
        # strict=False: no header line found gives no original names (the names stay as read)
        rename = dict(zip(columns[:-1], original, strict=False))
        sample_names = [rename.get(c, c) for c in samples]
        genes = table[gene].to_numpy(dtype=object)
        cells = table[samples].to_numpy(dtype=object)
        lines = table["source_line"].to_numpy()
    # the wide block as one array, sample by sample (the order DataFrame.melt gives)
    n_genes, n_samples = cells.shape
    long = pd.DataFrame({
        "sample": np.repeat(np.array(sample_names, dtype=object), n_genes),
        "gene": np.tile(genes, n_samples),
        "text": cells.ravel(order="F"),
        "source_line": np.tile(lines, n_samples)})
    return _with_numbers(long, path, what="value")


def _split_wide(path: Path) -> tuple[list[str], list[str], npt.NDArray[np.object_],
                                     npt.NDArray[np.object_], npt.NDArray[np.int64]] | None:
    """A plain tab-separated wide matrix (no quotes) split by ``str.split``: pandas builds one
    column object per sample, which takes minutes at 200,000 samples. None when the file is not
    that simple (quotes, commas, rows longer than the header): :func:`read_table` reads it then,
    and words the errors. Returns the lower-cased header names, the sample names as written, the
    genes, the genes x samples cells and each row's file line."""
    from ..text import open_text

    with open_text(path, kind="cnv") as handle:   # bounded: see hpdgenomics.limits
        text = handle.read()
    if '"' in text:
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    index = find_header([line.rstrip("\r") for line in lines[:200]], _is_wide)
    if index is None or "\t" not in lines[index]:
        return None
    header = lines[index].rstrip("\r").split("\t")
    names = [f.strip().lstrip("#").lower() for f in header]
    gene = next((names.index(g) for g in _GENE if g in names), None)
    samples = [k for k, name in enumerate(names) if name not in _META]
    if gene is None or len(set(names)) != len(names):
        return None                       # duplicate names: pandas' renaming decides
    width = len(header)
    rows, numbers = [], []
    for number, line in enumerate(lines[index + 1:], start=index + 2):
        fields = line.rstrip("\r").split("\t")
        if len(fields) > width:
            return None
        if not any(fields):
            continue                      # a blank line (read_table drops it too)
        if len(fields) < width:
            fields += [""] * (width - len(fields))
        rows.append(fields)
        numbers.append(number)
    block = np.array(rows, dtype=object).reshape(len(rows), width)
    original = [f.strip().strip('"') for f in header]
    return (names, [original[k] for k in samples], block[:, gene], block[:, samples],
            np.array(numbers, dtype=np.int64))


# what cBioPortal, GISTIC and R/pandas write for a gene not profiled in a sample
_MISSING = {"", "na", "nan", "n/a", "[not available]", "null", "none"}


def _with_numbers(long: pd.DataFrame, path: Path, *, what: str) -> pd.DataFrame:
    """``long`` with ``value`` (float; NaN where the cell is empty or NA) and ``unreadable``
    (text that is neither a number nor a missing-value word, e.g. ``amp``)."""
    # each distinct text once (a discrete matrix of 200,000 samples holds a handful), then
    # spread back over the cells
    codes, texts = pd.factorize(long["text"].fillna("").astype(str), use_na_sentinel=False)
    text = pd.Series(texts, dtype=object).str.strip()
    # a "nan" word is a missing value in a matrix (pandas writes it for NA); infinite and
    # overflowing numbers are refused by finite_numbers
    as_missing = text.str.lower().isin(_MISSING).to_numpy()
    numbers = np.full(len(text), np.nan)
    if (~as_missing).any():
        try:
            numbers[~as_missing] = finite_numbers(
                text[~as_missing], pd.Series(0, index=text.index[~as_missing]),
                path=path, what=what).to_numpy()
        except InputError:
            # said again over the cells, for the message's line numbers
            cells = long["text"].fillna("").astype(str).str.strip()
            keep = ~as_missing[codes]
            finite_numbers(cells[keep], long.loc[keep, "source_line"], path=path, what=what)
            raise
    long = long.copy()
    long["value"] = numbers[codes]
    long["unreadable"] = ~as_missing[codes] & np.isnan(long["value"].to_numpy())
    return long


def _original_header(path: Path, width: int) -> list[str]:
    from ..text import head_lines
    for line in head_lines(path, 200):
        fields = split_fields(line)
        if _is_wide([f.lower() for f in fields]):
            return fields[:width]
    return []


#: a matrix is discrete when at most this share of its values lies off the cBioPortal scale
STRAY_SHARE = 0.05
#: and continuous when at least this share of its values has a fractional part: log2 ratios are
#: almost never whole numbers, discrete calls always are (but -1.5)
CONTINUOUS_SHARE = 0.5
_SCREEN_OPTION = "--cna-format (screen: --cnv-format)"


@dataclass(frozen=True)
class MatrixScale:
    """What the values of a whole gene matrix say about its scale (see :func:`matrix_scale`)."""

    kind: str                  # "discrete", "log2" or "ambiguous"
    values: int                # numeric values (NA and blank cells not counted)
    off_scale: int             # numeric values not in -2, -1.5, -1, 0, 1, 2
    fractional: int            # off-scale values with a fractional part
    strays: pd.DataFrame       # off-scale cells and unreadable text: sample, gene, text, line

    def counts(self) -> str:
        """The off-scale counts in words, for warnings and error messages."""
        return (f"{self.off_scale} of {self.values} values are outside the discrete scale "
                f"-2..2, {self.fractional} of them with a fractional part")


def matrix_scale(long: pd.DataFrame) -> MatrixScale:
    """Decide discrete vs continuous from every value of a matrix (its long table).

    Discrete: at most :data:`STRAY_SHARE` of the values off the discrete scale (the strays are
    returned, to be named and left not evaluable). Continuous log2: at least
    :data:`CONTINUOUS_SHARE` of the values with a fractional part. Anything else (for example
    whole numbers 0..8, which look like absolute copies) is ambiguous.
    """
    values = long["value"]
    numeric = values.notna()
    off = numeric & ~values.isin(DISCRETE_VALUES)
    fractional = off & (values != np.round(values))
    n, n_off, n_fractional = int(numeric.sum()), int(off.sum()), int(fractional.sum())
    if n_off <= STRAY_SHARE * n:
        kind = "discrete"
    elif n_fractional >= CONTINUOUS_SHARE * n:
        kind = "log2"
    else:
        kind = "ambiguous"
    return MatrixScale(kind, n, n_off, n_fractional, long[off | long["unreadable"]])


@lru_cache(maxsize=4)
def _cached_scale(path: str, size: int, mtime_ns: int) -> str:
    # both wide sniffers ask and the whole file is read: one answer per version of the file,
    # and the table read is handed to the reader that follows
    _SNIFFED_TABLE.clear()
    table = _wide_table(Path(path))
    scale = matrix_scale(table)
    if scale.kind == "ambiguous":
        raise InputError(f"the gene matrix's scale is ambiguous: {scale.counts()} (e.g. "
                         f"{_stray_examples(scale.strays, 3)}); it is neither mostly discrete "
                         "(-2..2) nor mostly continuous", path=path,
                         hint=f"name the scale with {_SCREEN_OPTION} cna-discrete-wide or "
                              "cna-log2-wide; off-scale cells of a discrete matrix are then "
                              "reported and not evaluable")
    _SNIFFED_TABLE[(path, size, mtime_ns)] = table
    return scale.kind


def _file_scale(path: Path) -> str:
    return _cached_scale(*_file_version(path))


def _stray_examples(strays: pd.DataFrame, limit: int = 5) -> str:
    shown = "; ".join(f"{gene} in {sample}: {text!r} (line {int(line)})"
                      for sample, gene, text, line in
                      strays[["sample", "gene", "text", "source_line"]].head(limit)
                      .itertuples(index=False))
    return shown + (f"; and {len(strays) - limit} more" if len(strays) > limit else "")


def _left_out_warning(cells: pd.DataFrame, kind: str) -> str:
    what = "off the discrete scale -2..2 or not a number" if kind == "discrete" \
        else "not a number"
    return (f"{len(cells)} cell(s) {what}, left not evaluable (never re-scaled or guessed): "
            f"{_stray_examples(cells)}")


def _scaled(long: pd.DataFrame, fmt: str, path: Path) -> tuple[str, pd.DataFrame, list[str]]:
    """The value kind of ``fmt``, the long table without the cells that cannot be called, and
    the warnings that name them; an InputError when the values contradict a discrete format."""
    kind = _MATRIX_FORMATS[fmt][0]
    scale = matrix_scale(long)
    if kind == "log2":
        warnings = []
        if scale.kind != "log2" and scale.values:
            warnings.append(f"read as continuous log2 as the format {fmt} says, but "
                            f"{scale.values - scale.off_scale} of {scale.values} values are on "
                            "the discrete scale -2..2: if this is a discrete matrix, pass "
                            f"{_SCREEN_OPTION} cna-discrete-wide")
        left_out = long[long["unreadable"]]
    else:
        if scale.kind == "log2" or (scale.kind == "ambiguous" and fmt == "cna-discrete-long"):
            raise InputError(f"{scale.counts()}: this is not a discrete matrix (e.g. "
                             f"{_stray_examples(scale.strays, 3)})", path=path,
                             hint=(f"a continuous matrix needs {_SCREEN_OPTION} cna-log2-wide"
                                   if scale.kind == "log2" else
                                   "a long table holds discrete calls only: fix the values"))
        warnings = []
        left_out = scale.strays
    if len(left_out):
        warnings.append(_left_out_warning(left_out, kind))
    return kind, long.drop(index=left_out.index), warnings


_MATRIX_FORMATS = {"cna-discrete-long": ("discrete", _long_table),
                   "cna-discrete-wide": ("discrete", _wide_table),
                   "cna-log2-wide": ("log2", _wide_table)}


def _read_long(path: Path, fmt: str) -> tuple[str, pd.DataFrame, list[str], pd.DataFrame]:
    """The value kind of matrix format ``fmt``, the file as a long table without the cells that
    cannot be called, the warnings naming those, and the whole table as read."""
    whole = _MATRIX_FORMATS[fmt][1](path)
    kind, usable, warnings = _scaled(whole, fmt, path)
    return kind, usable, warnings, whole


def _read_sample(path: Path, fmt: str, sample: str | None) -> CopyNumberData:
    kind, long, matrix_warnings, whole = _read_long(path, fmt)
    samples = list(dict.fromkeys(whole["sample"]))
    chosen, source = choose_sample(samples, sample, path=path, what="gene matrix")
    own = whole[whole["sample"] == chosen]
    rows = long[long["sample"] == chosen]
    left_out = own.drop(index=rows.index)
    segments = pd.DataFrame({"chrom": "", "start": 0, "end": 0, "gene": rows["gene"],
                             "source_line": rows["source_line"]})
    segments["discrete" if kind == "discrete" else "log2"] = rows["value"].to_numpy()
    warnings = []
    if kind == "discrete":
        warnings.append("discrete gene-level calls: the calls are taken as the file states them "
                        "(cBioPortal scale); copy-number thresholds are not re-applied")
    # of the whole-matrix warnings, the report of one sample carries what concerns it
    if len(left_out):
        warnings.append(_left_out_warning(left_out, kind))
    warnings += [w for w in matrix_warnings if w.startswith("read as continuous")]
    data = finish(path, segments, CnvReadContext(
        format=fmt, level="gene", value_kind=kind, sample=chosen, samples=samples,
        sample_source=source, records_read=len(own), warnings=warnings, caller="gene-level matrix",
        extra_rejected=len(left_out)))
    data.genes_without_value = sorted(set(rows.loc[rows["value"].isna(), "gene"]))
    data.genes_not_evaluable = {
        gene: (f"{gene} has the value {text!r} in the copy-number matrix (line {int(line)}), "
               + ("off the discrete scale -2..2 or not a number" if kind == "discrete"
                  else "not a number") + ": not evaluable")
        for gene, text, line in left_out[["gene", "text", "source_line"]].itertuples(index=False)}
    return data


@register("copy_number", "cna-discrete-long",
          sniff=lambda p, lines: header_fields(lines, _is_long) is not None,
          description="long gene table of discrete calls (cBioPortal long, OncoKB individual CNA)")
def read_discrete_long(path: Path, *, sample: str | None = None,
                       **_options: object) -> CopyNumberData:
    """One sample's discrete calls (-2..2) from a long gene table (cBioPortal long, OncoKB).

    ``sample`` chooses one sample of a multi-sample file; returns the normalised
    :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming the file and line
    when it is malformed.
    """
    return _read_sample(Path(path), "cna-discrete-long", sample)


@register("copy_number", "cna-discrete-wide", sniff=_sniff_wide_discrete,
          description="wide gene x sample matrix of discrete calls (cBioPortal data_cna, GISTIC)")
def read_discrete_wide(path: Path, *, sample: str | None = None,
                       **_options: object) -> CopyNumberData:
    """One sample's column of a wide gene x sample matrix of discrete calls (cBioPortal data_cna).

    ``sample`` chooses one sample of a multi-sample file; returns the normalised
    :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming the file and line
    when it is malformed.
    """
    return _read_sample(Path(path), "cna-discrete-wide", sample)


@register("copy_number", "cna-log2-wide", sniff=_sniff_wide_log2,
          description="wide gene x sample matrix of continuous log2 ratios (data_log2CNA)")
def read_log2_wide(path: Path, *, sample: str | None = None, **_options: object) -> CopyNumberData:
    """One sample's column of a wide gene x sample matrix of log2 ratios (data_log2CNA).

    ``sample`` chooses one sample of a multi-sample file; returns the normalised
    :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming the file and line
    when it is malformed.
    """
    return _read_sample(Path(path), "cna-log2-wide", sample)


def read_gene_matrix(path: str | Path, *, fmt: str | None = None) -> pd.DataFrame:
    """A cohort's gene-level matrix as a long table: ``sample, gene, value, value_kind``.

    ``attrs["warnings"]`` names the cells left out because they cannot be called (off the
    discrete scale of a discrete matrix, or text that is not a number), by gene, sample and line.

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
    kind, long, warnings, _whole = _read_long(path, name)
    long = long[long["value"].notna()].copy()
    long["value"] = long["value"].astype(float)
    long["value_kind"] = kind
    matrix = long[["sample", "gene", "value", "value_kind"]].reset_index(drop=True)
    # the cells left out (off the discrete scale, not a number) are named on stderr and here,
    # for the caller's report (the cohort's)
    matrix.attrs["warnings"] = warnings
    for text in warnings:
        log.warning("%s: %s", path, text)
    return matrix


def duplicate_gene_rows(matrix: pd.DataFrame) -> pd.DataFrame:
    """(sample, gene) pairs that occur more than once with different values."""
    grouped = matrix.groupby(["sample", "gene"])["value"].nunique()
    conflicting = grouped[grouped > 1].index
    return matrix.set_index(["sample", "gene"]).loc[conflicting].reset_index()
