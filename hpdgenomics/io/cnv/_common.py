"""What every copy-number reader shares: the result object, header finding, sample choice.

Readers return :class:`CopyNumberData` whose ``segments`` follow the one schema in
:mod:`hpdgenomics.copynumber.schema` (1-based closed coordinates, chromosomes without ``chr``).
"""
from __future__ import annotations

import logging
import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...copynumber.schema import validate_segments
from ...errors import HpdError, InputError
from ...genome import normalize_chrom
from ..text import head_lines, is_gzipped, open_text, sha256_file

log = logging.getLogger(__name__)


@dataclass
class CopyNumberData:
    """One sample's copy-number input, normalised to the segment schema."""

    path: str
    sha256: str
    format: str                      # registry name, e.g. "cnvkit-cns"
    sample: str | None
    samples: list[str]
    sample_source: str               # how the sample was chosen ("only sample", "--sample", ...)
    level: str                       # "segment" or "gene"
    value_kind: str                  # "log2", "absolute" or "discrete"
    segments: pd.DataFrame
    purity: float | None = None
    ploidy: float | None = None
    purity_source: str = ""
    ploidy_source: str = ""
    records_read: int = 0
    records_used: int = 0
    records_rejected: int = 0
    warnings: list[str] = field(default_factory=list)
    caller: str = ""                 # the program that wrote the file, for the report
    sex: str | None = None           # "male"/"female" when the file says (PURPLE gender, gCNV)
    build: str | None = None         # build the file itself states (SAM @SQ / VCF contig lengths)
    build_source: str = ""
    # gene-level inputs: genes listed with a missing value (cBioPortal NA = not profiled)
    genes_without_value: list[str] = field(default_factory=list)
    # gene-level inputs: genes whose value cannot be called (off the discrete scale), and why
    genes_not_evaluable: dict[str, str] = field(default_factory=dict)
    # SEG without --seg-log-base whose values do not establish the base: the reason, else ""
    log_base_doubt: str = ""


# --- headers and tables ----------------------------------------------------------------------

def delimiter_of(line: str) -> str:
    """Tab, unless the line has no tab but has commas (a CSV export of a SEG or segment table)."""
    return "," if "\t" not in line and "," in line else "\t"


def split_fields(line: str) -> list[str]:
    """The fields of one line split on its delimiter (:func:`delimiter_of`), stripped of spaces and
    quotes.
    """
    return [f.strip().strip('"') for f in line.split(delimiter_of(line))]


# a character split_fields would strip from a field: whitespace other than the tab delimiter,
# or a quote (the comma delimiter: any whitespace)
_STRIPPED_IN_TSV = re.compile(r'[^\S\t]|"')
_STRIPPED_IN_CSV = re.compile(r'\s|"')
_ASCII_STRIPPED = (" ", '"', "\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def _lowered_fields(line: str) -> list[str]:
    """``[f.lower() for f in split_fields(line)]``, without a Python step per field when no
    field needs stripping (a wide matrix's lines hold one field per sample: 200,000 in GENIE)."""
    sep = delimiter_of(line)
    line = line.rstrip("\r\n")
    if line.isascii():
        # a few C-speed scans for the ASCII characters str.strip() removes, and quotes
        stripped = any(c in line for c in _ASCII_STRIPPED) or (sep != "\t" and "\t" in line)
    else:
        stripped = (_STRIPPED_IN_TSV if sep == "\t" else _STRIPPED_IN_CSV).search(line) is not None
    if not stripped:
        return line.lower().split(sep)
    return [f.lower() for f in split_fields(line)]


def find_header(lines: list[str], accept: Callable[[list[str]], bool]) -> int | None:
    """Index of the first line whose tab-separated, lower-cased fields satisfy ``accept``."""
    for index, line in enumerate(lines):
        if line.strip() and accept(_lowered_fields(line.lstrip("#"))):
            return index
    return None


def header_fields(lines: list[str], accept: Callable[[list[str]], bool]) -> list[str] | None:
    """The lower-cased fields of the first header line ``accept`` takes (see :func:`find_header`),
    or ``None``.
    """
    index = find_header(lines, accept)
    return None if index is None else _lowered_fields(lines[index].lstrip("#"))


def read_table(path: Path, accept: Callable[[list[str]], bool], *, what: str,
               search_lines: int = 200) -> pd.DataFrame:
    """Read a tab- (or, when the header has no tab, comma-) separated table whose header line
    satisfies ``accept``.

    Lines before the header (SAM-style ``@`` headers, R warnings, ``#`` comments) are skipped.
    Every value is kept as text; the column ``source_line`` holds the 1-based file line.
    Column names are lower-cased.
    """
    lines = head_lines(path, search_lines)
    index = find_header(lines, accept)
    if index is None:
        raise InputError(f"no {what} header line found in the first {search_lines} lines",
                         path=path, hint="check the file is the format named, or pass "
                                         "--cnv-format to choose another reader")
    # the header line decides the delimiter: tab-separated, or comma-separated when it has no tab
    sep = delimiter_of(lines[index])
    try:
        # through open_text, never pandas' own opener: the content (not a ".gz" name) decides
        # whether the file is decompressed, and open_text's size and line-length limits apply
        with open_text(path, kind="cnv") as handle:   # bounded: see hpdgenomics.limits
            table = pd.read_csv(handle, sep=sep, skiprows=index, dtype=str,
                                keep_default_na=False, skip_blank_lines=False, quotechar='"',
                                comment=None)
    except HpdError:
        raise
    except (OSError, EOFError, zlib.error) as exc:   # also a gzip truncated past the lines sniffed
        raise InputError(f"cannot be read ({exc})", path=path,
                         hint="is the file truncated or not really gzip? re-create it") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        # pandas counts lines from the header it was given and ends its message with a newline
        detail = " ".join(str(exc).split())
        detail = re.sub(r"\bline (\d+)\b", lambda m: f"line {int(m.group(1)) + index} of the file",
                        detail)
        hint = "rows must have as many fields as the header"
        if sep == ",":
            hint += ("; a comma-separated file whose values hold commas (CNVkit's gene lists) "
                     "cannot be read: keep the caller's tab-separated output")
        raise InputError(f"cannot be parsed as a {'comma' if sep == ',' else 'tab'}-separated "
                         f"{what} ({detail})", path=path, hint=hint) from None
    table.columns = [str(c).strip().strip('"').lstrip("#").lower() for c in table.columns]
    table["source_line"] = range(index + 2, index + 2 + len(table))
    values = table.drop(columns="source_line")
    blank = ((values == "").all(axis=1) if len(values.columns)
             else pd.Series(False, index=table.index))
    return table[~blank].reset_index(drop=True)


def require_columns(table: pd.DataFrame, columns: list[str], *, path: Path, what: str) -> None:
    """Raise :class:`InputError` naming the columns of ``columns`` missing from ``table`` (``what``
    names it).
    """
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{what} lacks column(s) {', '.join(missing)}; found "
                         f"{', '.join(c for c in table.columns if c != 'source_line')}",
                         path=path, hint="pass --cnv-format to choose the right reader")


def first_column(table: pd.DataFrame, *names: str) -> str | None:
    """The first of ``names`` that is a column of ``table``, or ``None`` when none is."""
    for name in names:
        if name in table.columns:
            return name
    return None


# --- companion files -------------------------------------------------------------------------

def companion_file(path: Path, suffixes: tuple[str, ...], companion_suffix: str,
                   warnings: list[str], *, what: str) -> Path | None:
    """The fit file a caller writes beside its segments (``<prefix><companion_suffix>``).

    ``<prefix>`` is ``path``'s name without the first of ``suffixes`` it ends with. None when the
    name has none of them, or when the companion is absent: then a warning says that ``what``
    (e.g. "FACETS purity and ploidy") was not read and to pass ``--ploidy``.
    """
    name = path.name
    prefix = next((name[: -len(s)] for s in suffixes if name.endswith(s)), None)
    if prefix is None:
        return None
    companion = path.with_name(prefix + companion_suffix)
    if not companion.exists():
        warnings.append(f"no {companion.name} beside the file: {what} not read (pass --ploidy)")
        return None
    return companion


# --- chromosomes -----------------------------------------------------------------------------

_NUMERIC_SEX = {"23": "X", "24": "Y"}


def normalise_chromosomes(raw: pd.Series, *, numeric_sex: bool = False,
                          warnings: list[str] | None = None) -> pd.Series:
    """``chr7`` -> ``7``; with ``numeric_sex`` (FACETS, some SEG), ``23``/``24`` -> ``X``/``Y``.

    A bare ``chr`` (GATK test contigs) is kept as written rather than becoming an empty name.
    """
    def one(name: str) -> str:
        text = normalize_chrom(name)
        if not text:
            return str(name).strip()
        if numeric_sex and text in _NUMERIC_SEX:
            return _NUMERIC_SEX[text]
        return text

    result = raw.astype(str).map(one)
    if numeric_sex and warnings is not None and raw.astype(str).isin(list(_NUMERIC_SEX)).any():
        warnings.append("chromosomes 23/24 read as X/Y (numeric sex-chromosome convention)")
    return result


# --- samples ---------------------------------------------------------------------------------

#: how a user names the copy-number file's sample: ``screen --cnv-sample`` (default ``--sample``),
#: or the manifest's ``cnv_sample`` (default ``sample``) column
SAMPLE_OPTION = "--cnv-sample (or --sample; manifest column cnv_sample)"
REQUESTED = "requested (--cnv-sample/--sample)"

def choose_sample(samples: list[str], requested: str | None, *, path: Path,
                  what: str = "file") -> tuple[str | None, str]:
    """The sample to read and how it was chosen; a multi-sample file needs ``--sample``."""
    unique = list(dict.fromkeys(s for s in samples if s != ""))
    if requested is not None:
        if requested in unique:
            return requested, REQUESTED
        shown = ", ".join(unique[:10]) + (f" (+{len(unique) - 10} more)" if len(unique) > 10
                                          else "")
        raise InputError(f"sample {requested!r} is not in this {what}; it holds: {shown or 'none'}",
                         path=path, hint=f"pass {SAMPLE_OPTION} with one of the names listed")
    if len(unique) == 1:
        return unique[0], "only sample in the file"
    if not unique:
        return None, "file names no sample"
    shown = ", ".join(unique[:10]) + (f" (+{len(unique) - 10} more)" if len(unique) > 10 else "")
    raise InputError(f"multi-sample {what} ({len(unique)} samples: {shown})", path=path,
                     hint=f"pass {SAMPLE_OPTION} to choose one")


# --- numbers ---------------------------------------------------------------------------------

#: a fitted copy number this far below 0 is 0 copies within the fit's noise (PURPLE writes values
#: such as -0.01 for homozygously deleted segments); anything lower is a broken file. Half a copy
#: is the step the calls themselves use: such a value rounds to 0 copies.
NEGATIVE_COPY_TOLERANCE = 0.5

# Plausible ranges, beyond which a value is a broken file rather than a measurement. A log2 ratio
# of 100 is 2^100-fold (real files stay within about +-30; 2^1024 overflows a double), a million
# copies is far beyond any amplicon, and coordinates must fit a 64-bit integer.
_RANGES = {
    "start": ("start", -(2 ** 62), 2 ** 62),
    "end": ("end", -(2 ** 62), 2 ** 62),
    "log2": ("log2 ratio", -100.0, 100.0),
    "copy_number": ("copy number", -NEGATIVE_COPY_TOLERANCE, 1e6),
    "major_cn": ("major-allele copy number", -NEGATIVE_COPY_TOLERANCE, 1e6),
    "minor_cn": ("minor-allele copy number", -NEGATIVE_COPY_TOLERANCE, 1e6),
    "copy_number_max": ("maximum copy number", -NEGATIVE_COPY_TOLERANCE, 1e6),
    "discrete": ("discrete value", -1e6, 1e6),
    "n_probes": ("probe count", 0.0, 1e12),
}


def _shown_lines(lines: pd.Series, limit: int = 5) -> str:
    shown = ", ".join(str(int(x)) for x in lines.head(limit))
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def _more(lines: pd.Series) -> str:
    """" (3 such values: lines 4, 9, 12)" when more than one line is at fault, else ""."""
    return f" ({len(lines)} such values: lines {_shown_lines(lines)})" if len(lines) > 1 else ""


def finite_numbers(values: Any, lines: pd.Series, *, path: Path | str, what: str) -> pd.Series:
    """``values`` (the file's text, or numbers) as floats, refusing non-finite numbers.

    Blank, ``NA`` and other text that is not a number become NaN: the schema check rejects rows
    without a value and names their lines, and gene matrices read NA as "not profiled". A value
    that *is* a number but not a finite one (``inf``, ``-Infinity``, ``nan``, or a number that
    overflows a double such as ``1e400``, which pandas would quietly make NaN) is an InputError
    naming the file, the line(s) and ``what`` (the column), since no call can rest on it.
    This is the one such check of every copy-number reader (:func:`finish` applies it to every
    numeric column; readers that compute with a column first call it themselves).
    """
    if values is None:
        return pd.Series(np.nan, index=lines.index, dtype="float64")
    series = values if isinstance(values, pd.Series) else pd.Series(values, index=lines.index)
    if pd.api.types.is_numeric_dtype(series):
        numbers = series.astype("float64")
        bad = pd.Series(np.isinf(numbers.to_numpy()), index=series.index)
        text = numbers.astype(str)
    else:
        text = series.astype(str).str.strip()
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = pd.Series(np.isinf(numbers.to_numpy()), index=series.index)
        unread = numbers.isna() & (text != "")
        if unread.any():
            # pandas makes "nan" and overflowing numbers NaN like "NA"; float() tells them apart
            bad |= text[unread].map(_non_finite_number).reindex(series.index, fill_value=False)
    if bad.any():
        first = text[bad].iloc[0]
        raise InputError(f"{what} {first!r} is not a finite number{_more(lines[bad])}", path=path,
                         where=f"line {int(lines[bad].iloc[0])}",
                         hint="infinite, NaN or overflowing values cannot be called: fix or "
                              "re-create the file (a missing value is NA or blank)")
    return numbers


def _non_finite_number(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return False


def check_numbers(table: pd.DataFrame, path: Path | str) -> pd.DataFrame:
    """The numeric schema columns of ``table`` as floats, each finite and in its plausible range.

    Copy numbers below 0 by at most :data:`NEGATIVE_COPY_TOLERANCE` are kept (fit noise around 0
    copies: still a deep deletion); clearly negative ones, like values beyond the ranges above,
    are an InputError naming the file and lines.
    """
    table = table.copy()
    lines = table["source_line"]
    for column, (what, low, high) in _RANGES.items():
        if column not in table.columns:
            continue
        numbers = finite_numbers(table[column], lines, path=path, what=what)
        below, above = numbers < low, numbers > high
        if below.any() or above.any():
            outside = below | above
            value = float(numbers[outside].iloc[0])
            negative = column in ("copy_number", "major_cn", "minor_cn", "copy_number_max") \
                and bool(below.any())
            problem = (f"negative {what} {value:g}: copies cannot be below 0 (values down to "
                       f"-{NEGATIVE_COPY_TOLERANCE:g} are read as fit noise around 0 copies)"
                       if negative else
                       f"{what} {value:g} is outside the plausible range {low:g} to {high:g}")
            raise InputError(f"{problem}{_more(lines[outside])}", path=path,
                             where=f"line {int(lines[outside].iloc[0])}",
                             hint="the file is damaged or not the format it was read as "
                                  "(--cnv-format chooses the reader)")
        if column not in ("start", "end"):
            table[column] = numbers
    return table


# --- result ----------------------------------------------------------------------------------

@dataclass
class CnvReadContext:
    """What a copy-number reader found besides its segment table, handed to :func:`finish`.

    ``warnings`` are the reader's own (``finish`` adds the schema's rejections to a copy);
    ``extra_rejected`` counts rows the reader left out before the schema check (rows without a
    measurement, filtered records, other samples' rows of a matrix).
    """

    format: str                      # registry name, e.g. "cnvkit-cns"
    level: str                       # "segment" or "gene"
    value_kind: str                  # "log2", "absolute" or "discrete"
    caller: str                      # the program that wrote the file, for the report
    sample: str | None
    samples: list[str]
    sample_source: str
    records_read: int
    warnings: list[str] = field(default_factory=list)
    purity: float | None = None
    ploidy: float | None = None
    purity_source: str = ""
    ploidy_source: str = ""
    sex: str | None = None
    build: str | None = None
    build_source: str = ""
    extra_rejected: int = 0


def finish(path: Path, table: pd.DataFrame, found: CnvReadContext) -> CopyNumberData:
    """Validate ``table`` against the schema and wrap it, with ``found``, in CopyNumberData.

    Every numeric column passes :func:`check_numbers` first (non-finite numbers and clearly
    negative copy numbers are input errors, with the file and line).
    """
    table = check_numbers(table, path)
    segments, problems = validate_segments(table, path=str(path), level=found.level)
    rejected = len(table) - len(segments) + found.extra_rejected
    warnings = list(found.warnings) + [f"rejected {p}" for p in problems]
    if path.name.lower().endswith(".gz") and not is_gzipped(path):
        warnings.append("the file is named .gz but is not gzip-compressed: read as plain text")
    if found.records_read and not len(segments):
        warnings.append("no usable copy-number rows: every gene will be not evaluable")
    for text in warnings:
        log.warning("%s: %s", path, text)
    return CopyNumberData(
        path=str(path), sha256=sha256_file(path), format=found.format, sample=found.sample,
        samples=found.samples, sample_source=found.sample_source, level=found.level,
        value_kind=found.value_kind, segments=segments, purity=found.purity,
        ploidy=found.ploidy, purity_source=found.purity_source,
        ploidy_source=found.ploidy_source, records_read=found.records_read,
        records_used=len(segments), records_rejected=rejected, warnings=warnings,
        caller=found.caller, sex=found.sex, build=found.build, build_source=found.build_source)


def lines_after_header(path: Path, lines: list[str], *, prefix: str, extra: int = 5) -> list[str]:
    """``lines`` or, when they are all header lines starting with ``prefix``, the file's lines up
    to ``extra`` lines past its header.

    Format detection sees only the first few dozen lines; a GATK ``.seg`` on a full GRCh38
    reference has ~3,400 ``@SQ`` lines and a VCF as many ``##contig`` lines before the line that
    tells the format, so the sniffers of those formats read on to the end of the header.
    """
    if not lines or not all(line.startswith(prefix) for line in lines):
        return lines
    found: list[str] = []
    past = 0
    with open_text(path, kind="cnv") as handle:
        for raw in handle:
            line = raw.rstrip("\r\n")
            found.append(line)
            if not line.startswith(prefix):
                past += 1
                if past >= extra:
                    break
    return found


def sam_header(lines: list[str]) -> tuple[str | None, dict[str, int]]:
    """Sample name (``@RG SM:``) and contig lengths (``@SQ SN:/LN:``) of a SAM-style header."""
    sample = None
    lengths: dict[str, int] = {}
    for line in lines:
        if not line.startswith("@"):
            break
        tags = dict(part.split(":", 1) for part in line.split("\t")[1:] if ":" in part)
        if line.startswith("@RG") and "SM" in tags:
            sample = tags["SM"]
        elif line.startswith("@SQ") and "SN" in tags and tags.get("LN", "").isdigit():
            lengths[tags["SN"]] = int(tags["LN"])
    return sample, lengths


def is_number(text: str) -> bool:
    """True when ``text`` parses as a float that is not NaN (infinities count as numbers)."""
    try:
        return not math.isnan(float(text))
    except (TypeError, ValueError):
        return False
