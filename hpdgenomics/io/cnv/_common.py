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

import pandas as pd

from ...copynumber.schema import validate_segments
from ...errors import InputError
from ...genome import normalize_chrom
from ..text import head_lines, open_text, sha256_file

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


# --- headers and tables ----------------------------------------------------------------------

def delimiter_of(line: str) -> str:
    """Tab, unless the line has no tab but has commas (a CSV export of a SEG or segment table)."""
    return "," if "\t" not in line and "," in line else "\t"


def split_fields(line: str) -> list[str]:
    return [f.strip().strip('"') for f in line.split(delimiter_of(line))]


def find_header(lines: list[str], accept: Callable[[list[str]], bool]) -> int | None:
    """Index of the first line whose tab-separated, lower-cased fields satisfy ``accept``."""
    for index, line in enumerate(lines):
        if line.strip() and accept([f.lower() for f in split_fields(line.lstrip("#"))]):
            return index
    return None


def header_fields(lines: list[str], accept: Callable[[list[str]], bool]) -> list[str] | None:
    index = find_header(lines, accept)
    return None if index is None else [f.lower() for f in split_fields(lines[index].lstrip("#"))]


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
        with open_text(path, kind="cnv") as handle:   # bounded: see hpdgenomics.limits
            table = pd.read_csv(handle, sep=sep, skiprows=index, dtype=str,
                                keep_default_na=False, skip_blank_lines=False, quotechar='"',
                                comment=None)
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
    except (OSError, EOFError, zlib.error) as exc:   # a gzip truncated past the lines sniffed
        raise InputError(f"cannot be read ({exc})", path=path,
                         hint="is the file truncated or not really gzip? re-create it") from None
    table.columns = [str(c).strip().strip('"').lstrip("#").lower() for c in table.columns]
    table["source_line"] = range(index + 2, index + 2 + len(table))
    values = table.drop(columns="source_line")
    blank = (values == "").all(axis=1) if len(values.columns) else pd.Series(False, index=table.index)
    return table[~blank].reset_index(drop=True)


def require_columns(table: pd.DataFrame, columns: list[str], *, path: Path, what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{what} lacks column(s) {', '.join(missing)}; found "
                         f"{', '.join(c for c in table.columns if c != 'source_line')}",
                         path=path, hint="pass --cnv-format to choose the right reader")


def first_column(table: pd.DataFrame, *names: str) -> str | None:
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
        shown = ", ".join(unique[:10]) + (f" (+{len(unique) - 10} more)" if len(unique) > 10 else "")
        raise InputError(f"sample {requested!r} is not in this {what}; it holds: {shown or 'none'}",
                         path=path, hint=f"pass {SAMPLE_OPTION} with one of the names listed")
    if len(unique) == 1:
        return unique[0], "only sample in the file"
    if not unique:
        return None, "file names no sample"
    shown = ", ".join(unique[:10]) + (f" (+{len(unique) - 10} more)" if len(unique) > 10 else "")
    raise InputError(f"multi-sample {what} ({len(unique)} samples: {shown})", path=path,
                     hint=f"pass {SAMPLE_OPTION} to choose one")


# --- result ----------------------------------------------------------------------------------

def finish(path: Path, fmt: str, table: pd.DataFrame, *, level: str, value_kind: str,
           sample: str | None, samples: list[str], sample_source: str, records_read: int,
           warnings: list[str], caller: str, purity: float | None = None,
           ploidy: float | None = None, purity_source: str = "", ploidy_source: str = "",
           sex: str | None = None, build: str | None = None, build_source: str = "",
           extra_rejected: int = 0) -> CopyNumberData:
    """Validate ``table`` against the schema and wrap it in :class:`CopyNumberData`."""
    segments, problems = validate_segments(table, path=str(path), level=level)
    rejected = len(table) - len(segments) + extra_rejected
    warnings = list(warnings) + [f"rejected {p}" for p in problems]
    if records_read and not len(segments):
        warnings.append("no usable copy-number rows: every gene will be not evaluable")
    for text in warnings:
        log.warning("%s: %s", path, text)
    return CopyNumberData(
        path=str(path), sha256=sha256_file(path), format=fmt, sample=sample, samples=samples,
        sample_source=sample_source, level=level, value_kind=value_kind, segments=segments,
        purity=purity, ploidy=ploidy, purity_source=purity_source, ploidy_source=ploidy_source,
        records_read=records_read, records_used=len(segments), records_rejected=rejected,
        warnings=warnings, caller=caller, sex=sex, build=build, build_source=build_source)


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
    try:
        return not math.isnan(float(text))
    except (TypeError, ValueError):
        return False
