"""Cohort manifest reader.

Format: tab-separated text with one header row (comma-separated only when the file is named
``.csv``; a comma-separated header in any other file is refused with a message that says so).
Blank lines (also rows of empty values only, ``,,``) and lines starting with ``#`` are skipped;
line numbers in messages are the file's own. Rows are split by
:func:`hpdgenomics.io.table.split_rows`; a double quote left open is refused, naming its line.
Required: ``sample_id`` and at least one of ``vcf`` / ``cnv`` per row. Optional, as the
``hpdgenomics screen`` options of the same names:

* ``patient_id``, ``tumor_type``;
* ``panel`` (BED of the sample's assay);
* ``sample`` (tumour sample name inside a multi-sample VCF, and the copy-number file unless
  ``cnv_sample`` is given), ``cnv_sample`` (tumour sample name inside the copy-number file);
* ``build``, ``cnv_format`` (a registered copy-number format name), ``seg_log_base`` (2 or 10);
* ``purity`` (0.01-1), ``ploidy`` (0.5-10), ``sex`` (male/female).

Any other column is carried along into the cohort tables as a covariate candidate (``sex``,
``purity`` and ``ploidy`` are too). Relative paths are resolved against the manifest's folder.
Missing values are those of :mod:`hpdgenomics.io.vocabulary` (blank, ``NA``, ``N/A``, ``None``,
``null``, ``.``, ``[Not Available]``, ``unknown`` ..., any letter case), as in every other table.
Every problem of the file is collected and reported at once, each with its line number. Each
sample's reports are named from its ``sample_id`` by :func:`~hpdgenomics.outputs.safe_file_stem`;
two ids that would share a file name (``a/b`` and ``a_b``, or ``S1`` and ``s1`` on a
case-insensitive disk) are refused, because one sample's reports would overwrite the other's.

Read as a *sample sheet* (``read_manifest(path, sample_sheet=True)``, for ``cohort --reports``,
whose samples were screened elsewhere), only ``sample_id`` is required: the ``vcf``, ``cnv`` and
``panel`` columns may be absent, and their files are neither needed nor looked for.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from ..genome import normalize_build
from ..outputs import safe_file_stem
from .table import RowSplitError, SplitRows, refuse_binary, split_rows
from .text import open_text
from .vocabulary import is_missing

KNOWN_COLUMNS = ("sample_id", "patient_id", "vcf", "cnv", "panel", "tumor_type", "sample",
                 "cnv_sample", "build", "cnv_format", "seg_log_base", "purity", "ploidy", "sex")
#: manifest columns that are also offered to the cohort analysis as covariates
COVARIATE_COLUMNS = ("tumor_type", "sex", "purity", "ploidy")

# the limits of the ``screen`` options of the same names (cli/screen.py uses these too)
PURITY_RANGE = (0.01, 1.0)
PLOIDY_RANGE = (0.5, 10.0)
SEXES = ("male", "female")
SEG_LOG_BASES = (2.0, 10.0)


@dataclass
class ManifestRow:
    """One sample of a manifest or sample sheet: its files (resolved against the manifest's
    folder), its optional values, ``line`` in the file, and ``extra`` columns by name."""

    sample_id: str
    line: int
    patient_id: str | None = None
    vcf: Path | None = None
    cnv: Path | None = None
    panel: Path | None = None
    tumor_type: str | None = None
    sample: str | None = None
    build: str | None = None
    cnv_sample: str | None = None      # None: ``sample`` names the copy-number file's sample too
    cnv_format: str | None = None      # None: detected from the file
    seg_log_base: float | None = None
    purity: float | None = None
    ploidy: float | None = None
    sex: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def screen_options(self) -> dict[str, Any]:
        """The per-sample screen settings that change a report (used in the reuse key)."""
        return {"sample": self.sample, "cnv_sample": self.cnv_sample, "build": self.build,
                "cnv_format": self.cnv_format, "seg_log_base": self.seg_log_base,
                "purity": self.purity, "ploidy": self.ploidy, "sex": self.sex}

    def covariates(self) -> dict[str, object]:
        """Manifest values offered to the cohort analysis as covariate candidates."""
        values: dict[str, object] = dict(self.extra)
        for name in COVARIATE_COLUMNS:
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        return values


def _number_in(name: str, low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{name} {text!r} is not a number (expected {low:g} to {high:g})"
                             ) from None
        if not low <= value <= high:
            raise ValueError(f"{name} {text!r} is outside {low:g}-{high:g}")
        return value
    return parse


def _sex(text: str) -> str:
    if text.lower() not in SEXES:
        raise ValueError(f"sex {text!r} is not one of {', '.join(SEXES)}")
    return text.lower()


def _seg_log_base(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = None
    if value not in SEG_LOG_BASES:
        raise ValueError(f"seg_log_base {text!r} is not 2 or 10")
    return value


def _build(text: str) -> str:
    try:
        normalize_build(text)
    except UsageError:
        raise ValueError(f"build {text!r} is not GRCh37 (hg19) or GRCh38 (hg38)") from None
    return text


def _cnv_format(text: str) -> str:
    from . import cnv  # noqa: F401  (registers the copy-number readers)
    from .registry import formats

    names = sorted(formats("copy_number"))
    if text not in names:
        raise ValueError(f"cnv_format {text!r} is not a copy-number format "
                         f"(known: {', '.join(names)})")
    return text


#: optional columns checked per line: column -> parser (raises ValueError with the problem)
_VALUE_COLUMNS: dict[str, Callable[[str], object]] = {
    "purity": _number_in("purity", *PURITY_RANGE),
    "ploidy": _number_in("ploidy", *PLOIDY_RANGE),
    "sex": _sex,
    "seg_log_base": _seg_log_base,
    "cnv_format": _cnv_format,
    "build": _build,
}


def _text(record: dict[str, str], column: str) -> str | None:
    value = record.get(column, "")
    return None if is_missing(value) else value


def _split(path: Path, is_csv: bool) -> tuple[SplitRows, str]:
    """The manifest's rows split by :func:`~hpdgenomics.io.table.split_rows` (stripped fields,
    blank rows left out, each row's file line), and its header line as written."""
    refuse_binary(path, "manifest")
    with open_text(path) as handle:
        lines = list(handle)
    # Two of the manifest's rules differ from the shared reader's, so the text is prepared:
    # a '#' line is a comment wherever it is (the shared reader: only before the header), and
    # is emptied so that every later row keeps its file line; each line ends in one '\n' (an
    # old-Mac '\r' file has always been read line by line here, as the file iterator splits it).
    text = "".join("\n" if line.startswith("#") else line.rstrip("\r\n") + "\n"
                   for line in lines)
    # the separator is not sniffed: '.csv' names a comma-separated manifest, any other is
    # tab-separated (and a comma-separated header in it is refused, below)
    try:
        split = split_rows(text, path, skip_blank_lines=True, separator="," if is_csv else "\t")
    except RowSplitError as exc:
        # past 128 KiB the csv module gives up on a field ("field larger than field limit"):
        # when the row began on an earlier line, that is a quote left open there
        if exc.row_line < exc.line:
            raise _open_quote(path, exc.row_line) from None
        raise InputError(f"line cannot be split into fields ({exc.reason})", path=path,
                         where=f"line {exc.line}", hint="check the line's quotes and tabs"
                         ) from None
    if split is None:
        raise InputError("manifest is empty", path=path,
                         hint="write a header row with sample_id and vcf and/or cnv columns")
    # manifests hold no quoted multi-line fields: a quote left open would pull the following
    # lines into one field and drop their samples
    for first, last in zip(split.lines, split.last_lines, strict=True):
        if last > first:
            raise _open_quote(path, first)
    return split, lines[split.first_line - 1]


def read_manifest(path: str | Path, *, sample_sheet: bool = False) -> list[ManifestRow]:
    """Read a tab-separated manifest (comma-separated when named ``.csv``); see the module
    docstring. Every problem of every line is collected and raised as one InputError.
    ``sample_sheet``: only ``sample_id`` is required and files need not exist."""
    path = Path(path)
    is_csv = path.suffix.lower() == ".csv"
    split, header = _split(path, is_csv)
    header_number = split.first_line
    if not is_csv and "\t" not in header and "," in header:
        raise InputError("the manifest must be tab-separated; this file looks comma-separated "
                         f"(header: {header.strip()})", path=path, where=f"line {header_number}",
                         hint="save it as tab-separated text (a spreadsheet's 'Text (Tab "
                              "delimited)'), or name it .csv to have it read as comma-separated")
    columns = split.rows[0]
    if sample_sheet and "sample_id" not in columns:
        raise InputError(f"sample sheet header {columns} lacks sample_id", path=path,
                         where=f"line {header_number}",
                         hint="tab-separated header: sample_id, [patient_id, tumor_type, ...]")
    if not sample_sheet and ("sample_id" not in columns or not ({"vcf", "cnv"} & set(columns))):
        raise InputError(f"manifest header {columns} lacks sample_id and a vcf or cnv column",
                         path=path, where=f"line {header_number}",
                         hint="tab-separated header: sample_id, vcf, cnv, [patient_id, panel, ...]")
    rows: list[ManifestRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    file_stems: dict[str, tuple[str, int]] = {}    # casefolded report stem -> (sample_id, line)
    for index, fields in zip(split.lines[1:], split.rows[1:], strict=True):
        # values past the header's columns are ignored, missing ones are empty
        record = dict(zip(columns, fields + [""] * (len(columns) - len(fields)), strict=False))
        row = _manifest_row(record, index, path, sample_sheet, seen, file_stems, problems)
        if row is not None:
            rows.append(row)
    if problems:
        shown = "; ".join(problems[:15]) + (f" (+{len(problems) - 15} more)"
                                             if len(problems) > 15 else "")
        raise InputError(f"{len(problems)} problem(s) in the manifest: {shown}", path=path,
                         hint="fix every line named and rerun")
    return rows


def _open_quote(path: Path, line: int) -> InputError:
    """The error for a double quote opened on ``line`` and not closed on it."""
    return InputError("a double quote opened on this line is not closed on it, so the lines "
                      "after it would be read as one value", path=path, where=f"line {line}",
                      hint="remove the stray double quote (or close it on the same line)")


def _manifest_row(record: dict[str, str], index: int, path: Path, sample_sheet: bool,
                  seen: dict[str, int], file_stems: dict[str, tuple[str, int]],
                  problems: list[str]) -> ManifestRow | None:
    """One data line's ManifestRow; its problems appended (None when it has no usable id)."""
    sample_id = record.get("sample_id", "")
    if is_missing(sample_id):
        problems.append(f"line {index}: empty sample_id")
        return None
    if sample_id in seen:
        problems.append(f"line {index}: sample_id {sample_id!r} already on line {seen[sample_id]}")
        return None
    seen[sample_id] = index
    stem = safe_file_stem(sample_id)
    if stem.casefold() in file_stems:
        other, other_line = file_stems[stem.casefold()]
        problems.append(f"line {index}: sample_id {sample_id!r} gives the same report file "
                        f"name ({stem}.hpd.*) as {other!r} on line {other_line}; rename one")
    else:
        file_stems[stem.casefold()] = (sample_id, index)
    files: dict[str, Path | None] = {}
    for column in ("vcf", "cnv", "panel"):
        value = record.get(column, "")
        if is_missing(value):
            files[column] = None
            continue
        file_path = Path(value) if Path(value).is_absolute() else path.parent / value
        if not sample_sheet and not file_path.is_file():
            problems.append(f"line {index}: {column} file {value!r} not found "
                            f"(looked at {file_path})")
        files[column] = file_path
    if files["vcf"] is None and files["cnv"] is None and not sample_sheet:
        problems.append(f"line {index}: sample {sample_id!r} has neither vcf nor cnv")
    values: dict[str, Any] = {}     # column -> its parser's value (float, str or None)
    for column, parse in _VALUE_COLUMNS.items():
        text = record.get(column, "")
        if is_missing(text):
            values[column] = None
            continue
        try:
            values[column] = parse(text)
        except ValueError as exc:
            problems.append(f"line {index}: {exc}")
            values[column] = None
    return ManifestRow(
        sample_id=sample_id, line=index, patient_id=_text(record, "patient_id"),
        vcf=files["vcf"], cnv=files["cnv"], panel=files["panel"],
        tumor_type=_text(record, "tumor_type"), sample=_text(record, "sample"),
        cnv_sample=_text(record, "cnv_sample"), **values,
        extra={k: v for k, v in record.items() if k not in KNOWN_COLUMNS})


def manifest_columns(rows: list[ManifestRow]) -> list[str]:
    """Columns of the manifest that the cohort analysis can use as covariates or strata."""
    return sorted({name for row in rows for name in row.covariates()})
