"""One reader of delimited text tables, and one way of matching their column names.

Every table the package reads from a user (the cohort's clinical table and samples file, the HPD
measurement and patient tables, one patient's factors, the manifest's binary check, the gene-panel
files and the MAF) goes through this module, so the same file is read the same way everywhere:

* the separator is taken from the header row (:func:`hpdgenomics.io.text.sniff_delimiter`): tab
  if it holds one, otherwise ``;`` or ``,`` whichever is more frequent, ``,`` for a one-column
  ``.csv`` (also gzipped);
* lines starting with ``#`` before the header row (cBioPortal) are comments;
* a UTF-8 byte-order mark, CRLF line ends, quoted fields (also spanning lines), blank lines and
  trailing empty columns (``a,b,c,,``) are accepted; every row keeps its 1-based file line;
* a column without a name that holds values, a row with more values than the header, NUL bytes
  and other binary content (a spreadsheet workbook) are refused, naming file and line;
* reading goes through :func:`hpdgenomics.io.text.open_text` (gzip, size limits);
* a decimal comma (``45,5``) is read only in ``;``-separated files
  (:attr:`TextTable.decimal_comma`).

Two readers share those pieces: :func:`read_delimited` (pandas, every cell a string; fast on a
MAF's millions of cells, raises :class:`~hpdgenomics.errors.InputError`) and :func:`read_rows`
(csv module, collects problems so that every problem of a file is reported at once; used where
each row's line must survive quoted fields that span lines).

Column names are matched by :func:`find_column` and :func:`column_map`: the exact name, else the
one column equal to it ignoring case, else the one column with the same canonical form
(:func:`canonical_column`: ``Target Sum (mm)`` is ``target_sum_mm``). Two columns with the same
canonical form are reported. Missing values and clinical words are those of
:mod:`hpdgenomics.io.vocabulary`.
"""
from __future__ import annotations

import csv
import io
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .text import open_text, sniff_delimiter

if TYPE_CHECKING:           # pandas and numpy are imported where a table is read: a screen
    import numpy as np  # that reads only a patient file (split_rows) never loads them
    import numpy.typing as npt
    import pandas as pd

# --- pandas reader (every cell a string) -------------------------------------------------------

#: how much of a file is looked at to tell a text table from binary content
BINARY_SNIFF_CHARS = 65536


def binary_content(text: str) -> str | None:
    """Why ``text`` (a file's start, decoded with errors replaced) is not a text table, or None.

    NUL characters never occur in text tables; many undecodable bytes (U+FFFD) mean a binary
    file such as a spreadsheet workbook (``.xlsx`` is a zip file), a BAM or a compressed file
    other than gzip.
    """
    if "\x00" in text:
        return "binary content (NUL bytes)"
    if text and text.count("\ufffd") > max(8, len(text) // 20):
        return "binary content (bytes that are not UTF-8 text)"
    return None


def refuse_binary(path: str | Path, what: str, *, kind: str = "table") -> None:
    """InputError when ``path`` starts with binary content (see :func:`binary_content`); ``kind``
    names the size limit that applies (see :func:`hpdgenomics.io.text.open_text`)."""
    try:
        with open_text(path, kind=kind) as handle:
            start = handle.read(BINARY_SNIFF_CHARS)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{what} cannot be read ({exc})", path=path,
                         hint="is the file truncated or not really gzip? re-create it") from None
    why = binary_content(start)
    if why:
        raise InputError(f"{what} is not a text table: {why}", path=path,
                         hint="give the tab- or comma-separated text file (export a spreadsheet "
                              "as 'Text (Tab delimited)' or CSV)")


@dataclass
class DelimitedTable:
    """A text table read as strings ('' for an empty cell), with the line numbers of its rows."""

    path: Path
    df: pd.DataFrame
    header_line: int                 # 1-based line of the header row
    comments: list[str]              # the leading '#' lines, without '#'
    delimiter: str
    # line breaks inside quoted cells of the rows before each row (None: there are none)
    breaks_before: npt.NDArray[np.int64] | None = None

    def line_of(self, index: int) -> int:
        """1-based file line where data row ``index`` starts (blank lines count; rows are never
        skipped; a quoted cell spanning lines moves every later row down)."""
        extra = 0 if self.breaks_before is None else int(self.breaks_before[int(index)])
        return self.header_line + 1 + int(index) + extra

    def row_lines(self) -> npt.NDArray[np.int64]:
        """:meth:`line_of` of every row, as an array in row order."""
        import numpy as np

        lines = self.header_line + 1 + np.arange(len(self.df), dtype=np.int64)
        return lines if self.breaks_before is None else lines + self.breaks_before


def _delimiter_for(path: Path, header: str) -> str:
    return sniff_delimiter(header, csv_name=csv_name(path))


def _header_names(header: str, delimiter: str) -> list[str]:
    """Column names of a header line; surrounding double quotes (R ``write.csv``/``write.table``,
    spreadsheet exports) are removed."""
    fields = next(csv.reader([header], delimiter=delimiter)) if delimiter != "\t" else \
        header.split("\t")
    return [name.strip().strip('"').strip() for name in fields]


def read_delimited(path: str | Path, *, what: str = "table",
                   kind: str = "table") -> DelimitedTable:
    """Read a '#'-commented, tab- or comma-separated text table with one header row.

    Every cell is a string (no type guessing, no missing-value conversion), blank lines are kept
    as rows of empty strings so that :meth:`DelimitedTable.line_of` stays exact; short rows are
    padded with empty strings; rows with more fields than the header raise InputError.
    ``kind`` names the size limit of :func:`~hpdgenomics.io.text.open_text` (``maf`` for a MAF).
    """
    import pandas as pd

    path = Path(path)
    refuse_binary(path, what, kind=kind)
    comments: list[str] = []
    header: str | None = None
    with open_text(path, kind=kind) as handle:
        for line in handle:
            if line.startswith("#"):
                comments.append(line[1:].rstrip())
                continue
            header = line.rstrip("\r\n")
            break
    if header is None or not header.strip():
        raise InputError(f"{what} has no header row", path=path,
                         where=f"line {len(comments) + 1}",
                         hint="the first line that does not start with '#' must name the columns")
    delimiter = _delimiter_for(path, header)
    names = _header_names(header, delimiter)
    # a tab-separated file whose header is quoted (R write.table) has quoted values too
    quoted_tsv = delimiter == "\t" and all(len(f) > 1 and f.strip().startswith('"')
                                           and f.strip().endswith('"')
                                           for f in header.split("\t"))
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"{what} header names column(s) {duplicated} more than once", path=path,
                         where=f"line {len(comments) + 1}", hint="give every column a unique name")
    if "" in names:
        raise InputError(f"{what} header has an empty column name (column "
                         f"{names.index('') + 1})", path=path, where=f"line {len(comments) + 1}",
                         hint="name every column or remove the stray delimiter"
                              + ("; a first column without a name is R's row names: write the "
                                 "file with row.names = FALSE" if names[0] == "" else ""))
    quoting = csv.QUOTE_NONE if delimiter == "\t" and not quoted_tsv else csv.QUOTE_MINIMAL
    try:
        with open_text(path, kind=kind) as handle:
            df = pd.read_csv(handle, sep=delimiter, dtype=str, skiprows=len(comments),
                             keep_default_na=False, na_filter=False, skip_blank_lines=False,
                             quoting=quoting)
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        where = f"line {int(found.group(1)) + len(comments)}" if found else None
        raise InputError(f"{what} row has more fields than the header ({exc})", path=path,
                         where=where, hint="check for stray delimiters in that row") from None
    except (OSError, EOFError, UnicodeError) as exc:
        raise InputError(f"{what} cannot be read ({exc})", path=path) from None
    df.columns = names
    df = df.reset_index(drop=True)
    breaks = _breaks_before(df) if quoting != csv.QUOTE_NONE else None
    df = df.apply(_stripped) if len(df) else df
    return DelimitedTable(path, df, len(comments) + 1, comments, delimiter, breaks)


def _breaks_before(df: pd.DataFrame) -> npt.NDArray[np.int64] | None:
    """Per row, the line breaks inside quoted cells of the rows before it; None when no cell
    holds one (the usual case, checked column by column without counting)."""
    import numpy as np

    spanning = [column for column in df.columns
                if df[column].str.contains("\n", regex=False).any()]
    if not spanning:
        return None
    per_row = sum(df[column].str.count("\n").to_numpy(dtype=np.int64) for column in spanning)
    before: npt.NDArray[np.int64] = np.concatenate(([0], np.cumsum(per_row)[:-1]))
    return before


def _stripped(column: pd.Series) -> pd.Series:
    """``column.str.strip()``, stripping each distinct value once (a MAF column of 1.6 million
    cells holds far fewer distinct ones), and the column itself when nothing changes."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    stripped = np.array([value.strip() if isinstance(value, str) else value
                         for value in uniques], dtype=object)
    if all(a is b for a, b in zip(stripped, uniques, strict=True)):
        return column
    return pd.Series(stripped[codes], index=column.index, name=column.name)


# --- column matching ----------------------------------------------------------------------------

def canonical_column(name: str) -> str:
    """``Target Sum (mm)`` -> ``target_sum_mm``: lower case, every run of other characters one
    ``_``, none at either end."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def find_column(columns: Iterable[str], wanted: str) -> str | None:
    """The column meant by ``wanted``: itself, else the one column equal to it ignoring case, else
    the one column with its canonical form (:func:`canonical_column`); None if none or several."""
    columns = list(columns)
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.lower() == wanted.lower()]
    if folded:
        return folded[0] if len(folded) == 1 else None
    key = canonical_column(wanted)
    same = [c for c in columns if canonical_column(c) == key] if key else []
    return same[0] if len(same) == 1 else None


def column_map(columns: Iterable[str], path: Path, required: list[str], optional: list[str],
               problems: list[str], one_of: tuple[str, ...] = (), missing_hint: str = ""
               ) -> dict[str, str] | None:
    """Canonical name -> the file's own spelling, for the ``required``, ``optional`` and
    ``one_of`` names (given in canonical form). Two columns with one canonical form, and absent
    required columns (or none of ``one_of``), are appended to ``problems``; None when a required
    column is absent."""
    columns = list(columns)
    by_canonical: dict[str, str] = {}
    for column in columns:
        key = canonical_column(column)
        if key in by_canonical:
            same = f" (as {by_canonical[key]!r})" if column != by_canonical[key] else ""
            problems.append(f"{path}: line header: column {column!r} appears twice{same}")
        by_canonical[key] = column
    missing = [c for c in required if c not in by_canonical]
    if one_of and not any(c in by_canonical for c in one_of):
        missing.append(" or ".join(one_of))
    if missing:
        problems.append(f"{path}: header lacks required column(s) {', '.join(missing)} "
                        f"(found: {', '.join(columns)}){missing_hint}")
        return None
    return {c: by_canonical[c] for c in required + optional + list(one_of) if c in by_canonical}


# --- rows with their line numbers (csv module) ---------------------------------------------------

class RowSplitError(ValueError):
    """A line that the csv module cannot split into fields (a stray quote, a bare carriage return
    inside a field); ``line`` is its 1-based file line, ``reason`` the csv module's words,
    ``row_line`` the line where the row being split starts (before ``line`` when a quoted field
    has pulled in the lines after it)."""

    def __init__(self, line: int, reason: str, row_line: int | None = None):
        super().__init__(f"line {line}: cannot be split into fields ({reason})")
        self.line, self.reason = line, reason
        self.row_line = line if row_line is None else row_line


@dataclass
class SplitRows:
    """The rows of a text table: stripped fields, blank rows left out, each row's file line."""

    rows: list[list[str]]
    lines: list[int]                 # 1-based file line where each row starts
    separator: str
    comments: list[str]              # the leading '#' lines, without '#'
    first_line: int                  # 1-based line of the first row (the header, if any)
    # 1-based line where each row ends: after its start when a quoted field spans lines
    last_lines: list[int] = field(default_factory=list)


def csv_name(path: Path) -> bool:
    """True for a file named ``.csv`` or ``.csv.gz`` (a one-column table is then
    comma-separated)."""
    return path.name.lower().removesuffix(".gz").endswith(".csv")


def split_rows(text: str, path: Path, *, skip_blank_lines: bool = False,
               separator: str | None = None) -> SplitRows | None:
    """``text`` split into rows of stripped fields, with the file line of each row.

    Leading ``#`` lines are comments (and, with ``skip_blank_lines``, blank lines too); the
    separator is ``separator``, else sniffed from the first remaining line. Rows whose fields
    are all empty are left
    out. None when nothing is left after the comments; :class:`RowSplitError` for a line the csv
    module cannot split.
    """
    # the lines the csv module counts (\n, \r\n, \r); str.splitlines would also split at
    # U+2028, form feeds and the like, shifting every row's line
    lines = io.StringIO(text, newline="").readlines()
    skipped = 0
    comments: list[str] = []
    while skipped < len(lines) and (lines[skipped].startswith("#") or
                                    (skip_blank_lines and not lines[skipped].strip())):
        if lines[skipped].startswith("#"):
            comments.append(lines[skipped][1:].rstrip())
        skipped += 1
    if skipped >= len(lines) or not lines[skipped].strip():
        return None
    if separator is None:
        separator = sniff_delimiter(lines[skipped].rstrip("\r\n"), csv_name=csv_name(path))
    reader = csv.reader(io.StringIO("".join(lines[skipped:])), delimiter=separator)
    rows, numbers, ends = [], [], []
    last = 0
    try:
        for fields in reader:
            line, last = skipped + last + 1, reader.line_num
            fields = [f.strip() for f in fields]
            if any(fields):
                rows.append(fields)
                numbers.append(line)
                ends.append(skipped + last)
    except csv.Error as exc:
        raise RowSplitError(skipped + reader.line_num, str(exc), skipped + last + 1) from None
    return SplitRows(rows, numbers, separator, comments, skipped + 1, ends)


@dataclass
class TextTable:
    """A table read by :func:`read_rows`: every cell a stripped string, one row per non-blank
    data row, ``lines`` the 1-based file line of each."""

    frame: pd.DataFrame
    lines: list[int]
    separator: str

    @property
    def decimal_comma(self) -> bool:
        """True when numbers may use a decimal comma: only in ``;``-separated files."""
        return self.separator == ";"


def read_text(path: Path, problems: list[str]) -> str | None:
    """The whole text of ``path`` through :func:`~hpdgenomics.io.text.open_text` (bounded, gzip);
    None, with a problem appended, when it cannot be read or is binary."""
    try:
        with open_text(path) as handle:
            text = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        problems.append(f"{path}: cannot be read ({exc}); is it truncated or not really gzip?")
        return None
    if (why := binary_content(text[:BINARY_SNIFF_CHARS])) is not None:
        problems.append(f"{path}: is not a text table: {why}; give the tab- or comma-separated "
                        "text file (export a spreadsheet as 'Text (Tab delimited)' or CSV)")
        return None
    return text


def _fit_to_header(rows: list[list[str]], lines: list[int], width: int, path: Path,
                   problems: list[str]) -> tuple[list[list[str]], list[int]]:
    """Rows padded to the header's width; surplus empty fields (trailing separators, as
    spreadsheets write them) dropped; a row with surplus values is a problem and left out."""
    records, kept = [], []
    for fields, line in zip(rows, lines, strict=True):
        if len(fields) > width:
            if any(fields[width:]):
                problems.append(f"{path}: line {line}: {len(fields)} fields but the header has "
                                f"{width}; check the separator and stray tabs or commas")
                continue
            fields = fields[:width]
        records.append(fields + [""] * (width - len(fields)))
        kept.append(line)
    return records, kept


def read_rows(path: Path, problems: list[str]) -> TextTable | None:
    """Read a header row and its data rows with every row's file line (see the module docstring).

    Problems (unreadable or binary file, no header, a line that cannot be split, a row with more
    values than the header, an unnamed column holding values) are appended to ``problems``; None
    when the table cannot be read at all. Unnamed empty columns are dropped.
    """
    import pandas as pd

    text = read_text(path, problems)
    if text is None:
        return None
    try:
        split = split_rows(text, path)
    except RowSplitError as exc:
        # a bare carriage return inside a field (old Mac line ends), a NUL byte ...
        problems.append(f"{path}: line {exc.line}: cannot be split into fields "
                        f"({exc.reason}); check the line's quotes and line ends")
        return None
    if split is None:
        problems.append(f"{path}: no header row found (expected a tab-, comma- or semicolon-"
                        "separated header after any '#' lines)")
        return None
    columns, body, body_lines = split.rows[0], split.rows[1:], split.lines[1:]
    records, line_numbers = _fit_to_header(body, body_lines, len(columns), path, problems)
    frame = pd.DataFrame(records, columns=columns, dtype=str)
    unnamed = [i for i, c in enumerate(columns) if not c]
    for i in unnamed:
        filled = [n for n, v in zip(line_numbers, frame.iloc[:, i], strict=True) if v]
        if filled:
            problems.append(f"{path}: line {filled[0]}: column {i + 1} has no name in the header "
                            "but holds values; name it or delete it")
    frame = frame.iloc[:, [i for i in range(len(columns)) if i not in unnamed]]
    return TextTable(frame, line_numbers, split.separator)
