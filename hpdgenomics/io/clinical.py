"""Clinical tables: time-to-event outcome, patient-to-sample mapping and carried covariates.

Formats
-------
* Tab-separated text, plain or gzipped, with one header row. A header without a tab is
  comma-separated when it has commas (or the file is named ``.csv``), and semicolon-separated
  when it has semicolons and no comma (a spreadsheet's "CSV" in locales with a decimal comma;
  there, and only there, a time written ``1,5`` is read as 1.5). Double-quoted fields (R
  ``write.csv``) are unquoted. A UTF-8 byte-order mark and Windows line endings are accepted.
  Leading lines starting with ``#`` are skipped: cBioPortal clinical files carry four (or, in
  older studies, five) such lines (display name, description, datatype, priority) above the
  header row of stable column ids.
* Missing values: the words of :mod:`hpdgenomics.io.vocabulary` (shared with the HPD tables):
  blank, ``NA``, ``N/A``, ``NaN``, ``None``, ``.``, the cBioPortal markers ``[Not Available]``,
  ``[Not Applicable]``, ``[Unknown]``, ``[Not Evaluated]`` ... (any value in square brackets that
  starts with ``[Not`` or is ``[Unknown]``/``[Discrepancy]``), and the NCI GDC's ``'--``,
  ``not reported`` and ``unknown``.

Identifiers
-----------
The patient column is ``PATIENT_ID`` and the sample column the first of ``SAMPLE_ID``,
``Tumor_Sample_Barcode`` found (names compared ignoring case). ``id_col`` overrides one of them:
the sample column when it is one of those sample names, else the patient column.

* A table with a sample column is *sample-level*: one row per sample (a per-sample table, or a
  combined cBioPortal export with ``PATIENT_ID`` and ``SAMPLE_ID`` on every row).
  :attr:`ClinicalTable.sample_to_patient` comes from its own ``PATIENT_ID`` column; a sample with a
  blank patient, or every sample when there is no patient column, is taken as its own patient (said
  in :attr:`ClinicalTable.warnings`). The outcome is a patient's: time, status and binary outcome
  columns must hold the same value on every row of a patient, else each disagreement is a problem
  (with ``on_invalid="missing"`` that patient's value becomes missing, listed in
  :attr:`ClinicalTable.inconsistent_patients`). Other columns may differ between samples.
* A table with only a patient column is *patient-level*: one row per patient. A samples file
  (``samples_path``; cBioPortal ``data_clinical_samples.txt``: ``PATIENT_ID`` and ``SAMPLE_ID``)
  maps samples to patients; it takes the place of a sample-level table's own mapping when given.

Time and event
--------------
``time_col`` (default ``TTF_MONTHS``) holds a non-negative finite number in ``time_unit``
(``days``, ``weeks`` or ``months``; 1 month = 30.4375 days, 1 week = 7 days); the output is always
months (``ttf_months``). ``status_col`` (default ``TTF_STATUS``) is read as an event indicator:

====================================================  ======================
value (case-insensitive; :mod:`hpdgenomics.io.vocabulary`)  ``ttf_event``
====================================================  ======================
``1:<anything>`` (cBioPortal, e.g. ``1:PROGRESSED``)   True
``0:<anything>`` (e.g. ``0:CENSORED``, ``0:LIVING``)   False
``1``, ``true``, ``t``, ``yes``, ``y``, ``event``,     True
``progressed``, ``progression``, ``deceased``,
``dead``, ``died``, ``recurred``, ``failed``,
``discontinued``
``0``, ``false``, ``f``, ``no``, ``n``, ``censored``,  False
``living``, ``alive``, ``diseasefree``,
``disease free``, ``not progressed``, ``ongoing``
blank / missing marker                                missing (not evaluable)
====================================================  ======================

A row with a time but no status (or a status but no time) keeps both as missing and is named in
the warnings. A table may have no time-to-event outcome at all (for a binary or HPD outcome):
``time_col=None, status_col=None``, or ``require_time_to_event=False`` when the columns are absent;
then ``ttf_months``/``ttf_event`` are all missing and :attr:`ClinicalTable.no_time_to_event` says
why. Absent time/status columns are otherwise an error that lists the columns the file has.

Binary outcome columns (``binary_cols``, e.g. a user's HPD label) accept true/false, 1/0, yes/no
(blank = not evaluable).

Validation
----------
An identifier on several rows (GDC ``clinical.tsv`` repeats a case once per treatment) is one
record when the rows agree on time, status, binary outcome columns and (for samples) the
patient: the first row is kept and :attr:`ClinicalTable.repeated_rows` says so; rows that
disagree are a problem naming each row's values.

Every problem of a file (missing columns, unparseable or negative times, unparseable statuses or
binary values, blank identifiers, identifiers repeated with different outcomes, a sample mapped to two patients, a patient's
outcome differing between its sample rows) is collected and raised together as one :class:`~hpdgenomics.errors.ClinicalDataError`, each problem naming the
file, line and column. With ``on_invalid="missing"`` the offending values (or duplicated
patients) become missing instead and are listed in :attr:`ClinicalTable.unparseable` and
:attr:`ClinicalTable.duplicate_patients`; missing columns are always an error.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ClinicalDataError, UsageError
from ..model import DAYS_PER_MONTH
from . import vocabulary
from .table import (  # noqa: F401  (re-exported: the reader moved to hpdgenomics.io.table)
    BINARY_SNIFF_CHARS,
    DelimitedTable,
    binary_content,
    find_column,
    read_delimited,
    refuse_binary,
)
from .text import sha256_file

log = logging.getLogger(__name__)

MONTHS_PER_UNIT = {"days": 1.0 / DAYS_PER_MONTH, "weeks": 7.0 / DAYS_PER_MONTH, "months": 1.0}

# one vocabulary with the HPD tables (hpdgenomics.io.vocabulary); re-exported under these names
MISSING_VALUES = vocabulary.MISSING_VALUES
is_missing = vocabulary.is_missing
parse_event = vocabulary.parse_event

PATIENT_ID_COLUMNS = ("PATIENT_ID",)
SAMPLE_ID_COLUMNS = ("SAMPLE_ID", "Tumor_Sample_Barcode")
MULTI_SAMPLE_POLICIES = ("first", "error")


# --- generic delimited-table reading: hpdgenomics.io.table (re-exported here) -----------------

# --- values -----------------------------------------------------------------------------------

def parse_binary(value: str) -> bool | None:
    """true/false, 1/0, yes/no, y/n (case-insensitive); None when missing; ValueError otherwise."""
    return vocabulary.parse_flag(value)


_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")


def parse_time(value: str, *, decimal_comma: bool = False) -> float | None:
    """A finite non-negative number; None when missing; ValueError with the reason otherwise.

    ``decimal_comma``: also read ``1,5`` as 1.5 (only for semicolon-separated files, where a
    comma cannot be a field or thousands separator written by the same spreadsheet).
    """
    if is_missing(value):
        return None
    text = str(value).strip()
    if _DECIMAL_COMMA.match(text):
        if not decimal_comma:
            raise ValueError("not a number (a decimal comma? write 1.5, not 1,5, or export the "
                             "spreadsheet as semicolon-separated)")
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    if number < 0:
        raise ValueError("negative time")
    return number


# --- plausibility of the time unit ------------------------------------------------------------

#: (largest plausible median, largest plausible maximum) of a time column, in months. Time to
#: treatment failure on an immune checkpoint inhibitor has a median of a few months and rarely
#: exceeds ten years (DOMAIN.md section 6; Kato et al., Clin Cancer Res 2017: TTF < 2 months is
#: "early"); overall or disease-free survival from diagnosis reaches about 20 years in TCGA
#: (cBioPortal's test study: OS up to 223 months). Beyond these the values are in another unit.
TTF_PLAUSIBLE_MONTHS = (24.0, 180.0)
SURVIVAL_PLAUSIBLE_MONTHS = (60.0, 360.0)
#: a median below this many months (about 15 days: shorter than one ICI cycle) is implausible
SHORTEST_PLAUSIBLE_MEDIAN = 0.5
#: the medians above are judged only on this many values or more (the maximum on any number)
PLAUSIBILITY_MIN_VALUES = 3
_TTF_LIKE = re.compile(r"ttf|time.?to.?(treatment|failure)|treatment.?fail|discontinu",
                       re.IGNORECASE)
_UNIT_IN_NAME = re.compile(r"(?:^|[^a-z])(days?|weeks?|wks?|months?|mths?)(?:[^a-z]|$)",
                           re.IGNORECASE)


def unit_in_column_name(column: str) -> str | None:
    """``days``/``weeks``/``months`` when the column's name says so (``TTF_DAYS``,
    ``days_to_last_followup``, ``Time (weeks)``), else None."""
    found = _UNIT_IN_NAME.search(column)
    if not found:
        return None
    word = found.group(1).lower()
    return "days" if word.startswith("day") else "weeks" if word.startswith("w") else "months"


def _implausible_as(months: np.ndarray, ttf_like: bool) -> str | None:
    """Why times (in months) cannot be right, or None when they are plausible."""
    median_limit, maximum_limit = TTF_PLAUSIBLE_MONTHS if ttf_like else SURVIVAL_PLAUSIBLE_MONTHS
    what = ("time to treatment failure on an immune checkpoint inhibitor (medians of a few "
            "months, maxima rarely beyond 10 years)" if ttf_like else
            "a clinical time to event (medians of months to a few years, maxima within decades)")
    median, maximum = float(np.median(months)), float(months.max())
    if len(months) >= PLAUSIBILITY_MIN_VALUES and median > median_limit:
        return (f"a median of {median:.3g} months ({median / 12:.3g} years) is implausible for "
                f"{what}")
    if maximum > maximum_limit:
        return (f"a maximum of {maximum:.3g} months ({maximum / 12:.3g} years) is implausible for "
                f"{what}")
    return None


def _too_short(months: np.ndarray) -> str | None:
    median = float(np.median(months))
    if len(months) >= PLAUSIBILITY_MIN_VALUES and median < SHORTEST_PLAUSIBLE_MEDIAN:
        return (f"a median of {median:.3g} months ({median * DAYS_PER_MONTH:.3g} days) is shorter "
                "than one treatment cycle")
    return None


def check_time_unit(path: str | Path, column: str, values: list[float], time_unit: str | None
                    ) -> tuple[str, list[str]]:
    """The unit to read ``column`` in, and plausibility warnings; raises when it cannot be known.

    ``values`` are the column's numbers as written in the file; ``time_unit`` the unit the user
    stated, or None (months assumed). The whole column decides: its median and maximum read as
    months must be plausible for a clinical time (:data:`TTF_PLAUSIBLE_MONTHS` for a time to
    treatment failure, :data:`SURVIVAL_PLAUSIBLE_MONTHS` otherwise), and a column named in
    another unit (``TTF_DAYS``) is not read as months unstated. When the unit was not stated and
    months are implausible, ClinicalDataError names the column, the units in which the values
    are plausible and the ``--time-unit`` that settles it. When it was stated, implausible values
    are a warning (naming the unit the column's name says, if another): the user has decided.
    """
    unit = time_unit or "months"
    numbers = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    warnings: list[str] = []
    named = unit_in_column_name(column)
    if not len(numbers):
        return unit, warnings
    ttf_like = bool(_TTF_LIKE.search(column))
    as_given = numbers * MONTHS_PER_UNIT[unit]
    why = _implausible_as(as_given, ttf_like)
    plausible = [u for u in MONTHS_PER_UNIT if u != unit
                 and _implausible_as(numbers * MONTHS_PER_UNIT[u], ttf_like) is None
                 and _too_short(numbers * MONTHS_PER_UNIT[u]) is None]
    summary = (f"median {np.median(numbers):.4g}, maximum {numbers.max():.4g}, "
               f"{len(numbers)} value(s)")
    if time_unit is None and (why or named in ("days", "weeks")):
        reason = why or f"the column's name says {named}"
        if plausible:
            best = named if named in plausible else plausible[0]
            converted = numbers * MONTHS_PER_UNIT[best]
            suggestion = (f"read as {best} they are plausible (median {np.median(converted):.3g}, "
                          f"maximum {converted.max():.3g} months): give --time-unit {best}"
                          f" (time_unit='{best}'), or --time-unit months if they really are "
                          "months")
        else:
            suggestion = ("no unit makes them plausible: check the column, and give "
                          "--time-unit (days, weeks or months) to read it as it is")
        raise ClinicalDataError(
            f"column {column} ({summary}) read as months, the default: {reason}; {suggestion}",
            path=path, hint="the time unit cannot be known from the file")
    problems = [p for p in (why, _too_short(as_given)) if p]
    if problems and named and named != unit:
        problems.append(f"the column's name says {named}")
    if problems:
        hint = (f"; in {', '.join(plausible)} the values would be plausible" if plausible
                else "")
        how = "as --time-unit says" if time_unit is not None else "(the default)"
        warnings.append(f"column {column} ({summary}) read in {unit} {how}: "
                        + "; ".join(problems) + hint + ": check --time-unit")
    return unit, warnings


# --- clinical table ---------------------------------------------------------------------------

@dataclass(frozen=True)
class UnparseableValue:
    file: str
    line: int
    column: str
    value: str
    why: str

    def as_tuple(self) -> tuple[str, int, str, str, str]:
        return (self.file, self.line, self.column, self.value, self.why)

    def describe(self) -> str:
        return f"{self.file} line {self.line}, column {self.column}: {self.value!r}: {self.why}"


@dataclass
class ClinicalTable:
    """A validated clinical table; ``df`` has one row per patient (or per sample, if sample-level).

    ``df`` columns: ``patient_id``, ``sample_id`` (sample-level tables only), ``ttf_months``
    (float, NaN = missing), ``ttf_event`` (pandas nullable ``boolean``: True/False/<NA>), each
    binary column as ``boolean`` under its own name, then every other column carried under its
    own name (float when all its non-missing values are numbers, else strings with None).
    """

    path: str
    sha256: str
    df: pd.DataFrame
    columns_used: dict[str, str]            # role -> column name in the file
    time_unit: str
    level: str                              # "patient" or "sample"
    sample_to_patient: dict[str, str] | None = None   # from samples_path or the table itself
    samples_path: str | None = None
    samples_sha256: str | None = None
    unparseable: list[UnparseableValue] = field(default_factory=list)
    duplicate_patients: list[str] = field(default_factory=list)
    duplicate_samples: list[str] = field(default_factory=list)
    inconsistent_patients: list[str] = field(default_factory=list)  # rows of a patient disagree
    # identifiers listed on several rows with the same outcome, counted once (a sentence each)
    repeated_rows: list[str] = field(default_factory=list)
    no_time_to_event: str | None = None     # why there is no TTF outcome (None: there is one)
    warnings: list[str] = field(default_factory=list)
    time_unit_stated: bool = True           # False: months assumed, checked for plausibility
    # warnings that must reach the report's warnings and stderr (also in ``warnings``)
    plausibility_warnings: list[str] = field(default_factory=list)
    # patient factors (hpdgenomics.clinical.factors) parsed from the table into ``df`` columns
    # named by their key: key -> the file's column, key -> rows assessed, unit conversions
    factor_columns: dict[str, str] = field(default_factory=dict)
    factor_assessed: dict[str, int] = field(default_factory=dict)
    factor_conversions: list[str] = field(default_factory=list)

    @property
    def has_time_to_event(self) -> bool:
        """True when the table was read with time and status columns."""
        return self.no_time_to_event is None

    @property
    def carried_columns(self) -> list[str]:
        fixed = {"patient_id", "sample_id", "ttf_months", "ttf_event"}
        return [c for c in self.df.columns if c not in fixed]


def _check_choice(name: str, value: str, choices) -> None:
    if value not in choices:
        raise UsageError(f"{name} {value!r} is not one of {', '.join(choices)}")


def _identifier_columns(table: DelimitedTable,
                        id_col: str | None) -> tuple[str | None, str | None, str | None]:
    """(patient column, sample column, the name that could not be found or None).

    ``id_col`` names the sample column when it is one of :data:`SAMPLE_ID_COLUMNS` (any case),
    else the patient column; the other role is looked up among the usual names.
    """
    columns = list(table.df.columns)

    def first(candidates) -> str | None:
        return next((found for found in (find_column(columns, c) for c in candidates) if found),
                    None)

    if id_col:
        chosen = find_column(columns, id_col)
        if id_col.lower() in {c.lower() for c in SAMPLE_ID_COLUMNS}:
            return first(PATIENT_ID_COLUMNS), chosen, (None if chosen else id_col)
        return chosen, first(SAMPLE_ID_COLUMNS), (None if chosen else id_col)
    patient, sample = first(PATIENT_ID_COLUMNS), first(SAMPLE_ID_COLUMNS)
    lacking = None if (patient or sample) else "PATIENT_ID (or SAMPLE_ID / Tumor_Sample_Barcode)"
    return patient, sample, lacking


def _carry(series: pd.Series) -> pd.Series:
    values = series.where(~series.map(is_missing), None)
    present = values.dropna()
    numeric = pd.to_numeric(present, errors="coerce")
    if len(present) and numeric.notna().all():
        return pd.to_numeric(values, errors="coerce").astype(float)
    return values.astype(object)


def read_sample_map(path: str | Path, problems: list[str],
                    unparseable: list[UnparseableValue] | None = None) -> dict[str, str]:
    """SAMPLE_ID -> PATIENT_ID from a samples file; problems are appended, not raised."""
    table = read_delimited(path, what="samples file")
    sample_col = find_column(table.df.columns, "SAMPLE_ID")
    patient_col = find_column(table.df.columns, "PATIENT_ID")
    if sample_col is None or patient_col is None:
        lacking = [n for n, c in (("SAMPLE_ID", sample_col), ("PATIENT_ID", patient_col)) if c is None]
        problems.append(f"{table.path} line {table.header_line}: samples file lacks column(s) "
                        f"{', '.join(lacking)} (columns: {', '.join(table.df.columns)})")
        return {}
    mapping: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for index, (sample, patient) in enumerate(zip(table.df[sample_col], table.df[patient_col])):
        line = table.line_of(index)
        if not sample and not patient and not any(table.df.iloc[index]):
            continue                                  # blank line
        if is_missing(sample) or is_missing(patient):
            blank_column = sample_col if is_missing(sample) else patient_col
            problems.append(f"{table.path} line {line}, column {blank_column}: blank identifier")
            continue
        if sample in mapping and mapping[sample] != patient:
            problems.append(f"{table.path} line {line}, column {sample_col}: sample {sample!r} "
                            f"mapped to patient {patient!r} here and to {mapping[sample]!r} on "
                            f"line {first_line[sample]}")
            continue
        mapping.setdefault(sample, patient)
        first_line.setdefault(sample, line)
    return mapping


def _resolve_time_to_event(columns: list[str], time_col: str | None, status_col: str | None,
                           required: bool) -> tuple[str | None, str | None, list[str], str | None]:
    """(time column, status column, names lacking (an error), reason there is no TTF or None)."""
    if (time_col is None) != (status_col is None):
        given, other = ("time_col", "status_col") if status_col is None else ("status_col",
                                                                              "time_col")
        raise UsageError(f"{given} given without {other}: the time and the event status of the "
                         "time-to-event outcome go together",
                         hint="give both columns (--time-column and --status-column), or neither")
    if time_col is None:
        return None, None, [], "no time-to-event columns were asked for"
    time_found, status_found = find_column(columns, time_col), find_column(columns, status_col)
    absent = [wanted for wanted, found in ((time_col, time_found), (status_col, status_found))
              if found is None]
    if not absent:
        return time_found, status_found, [], None
    if required:
        return None, None, absent, None
    return None, None, [], ("the clinical table lacks the time-to-event column(s) "
                            + ", ".join(absent))


class _Row:
    """One row of a table as a tuple, read by column name."""

    __slots__ = ("values", "position")

    def __init__(self, values: tuple, position: dict[str, int]):
        self.values, self.position = values, position

    def __getitem__(self, column: str):
        return self.values[self.position[column]]


def _parsed_once(parse):
    """``parse`` with its result (or its ValueError) remembered per distinct value."""
    results: dict = {}

    def parsed(value):
        try:
            outcome = results.get(value, _UNSEEN)
        except TypeError:                 # unhashable: parse it every time
            return parse(value)
        if outcome is _UNSEEN:
            try:
                outcome = results[value] = (True, parse(value))
            except ValueError as exc:
                outcome = results[value] = (False, exc)
        if not outcome[0]:
            raise ValueError(*outcome[1].args)
        return outcome[1]

    return parsed


_UNSEEN = object()


def _patient_disagreements(out: pd.DataFrame, checked: list[tuple[str, str]],
                           raw: pd.DataFrame, path: Path) -> tuple[list[str], dict[str, set[str]]]:
    """Patient-level values that differ between the rows (samples) of one patient.

    ``checked`` pairs an output column with its file column. Returns the problem sentences and,
    per patient, the output columns that disagree.
    """
    problems: list[str] = []
    disagreeing: dict[str, set[str]] = {}
    several = out[out["patient_id"].duplicated(keep=False)]
    for patient, rows in several.groupby("patient_id", sort=False):
        for field_name, column in checked:
            values = {None if pd.isna(v) else v for v in rows[field_name]}
            if len(values) < 2:
                continue
            disagreeing.setdefault(patient, set()).add(field_name)
            shown = ", ".join(f"{raw.iloc[row][column]!r} on line {line}"
                              for row, line in zip(rows["_row"], rows["_line"]))
            problems.append(f"{path} lines {', '.join(map(str, rows['_line']))}, column {column}: "
                            f"patient {patient!r} has different values on its sample rows "
                            f"({shown}); a patient's outcome must be the same on every row")
    return problems, disagreeing


def read_clinical(path: str | Path, *, time_col: str | None = "TTF_MONTHS",
                  status_col: str | None = "TTF_STATUS", time_unit: str | None = None,
                  samples_path: str | Path | None = None,
                  binary_cols: tuple[str, ...] | list[str] = (), id_col: str | None = None,
                  on_invalid: str = "error", require_time_to_event: bool = True,
                  factor_mapping: dict[str, str] | None = None) -> ClinicalTable:
    """Read and validate a clinical table (see the module docstring for formats and rules).

    ``on_invalid``: ``"error"`` (default) raises one ClinicalDataError naming every bad value;
    ``"missing"`` turns bad values into missing ones and lists them in ``unparseable``.

    ``time_col=None`` and ``status_col=None`` read no time-to-event outcome; with
    ``require_time_to_event=False`` absent time/status columns are not an error either (for a
    binary or HPD outcome). Either way ``ttf_months``/``ttf_event`` are all missing and
    :attr:`ClinicalTable.no_time_to_event` says why.

    Patient factor columns (``ECOG``, ``LDH``, ``Albumin (g/dL)``, ... : the vocabulary of
    :mod:`hpdgenomics.clinical.factors`, or ``factor_mapping`` KEY -> COLUMN) are parsed by
    :func:`hpdgenomics.io.patient.patient_factor_frame` into float columns named by their key
    (plus the derived ``ldh_ratio``, ``nlr``, ``liver_metastases``); a bad value is a problem
    like a bad time. :attr:`ClinicalTable.factor_columns` says which column is which factor.
    """
    if time_unit is not None:
        _check_choice("time_unit", time_unit, tuple(MONTHS_PER_UNIT))
    _check_choice("on_invalid", on_invalid, ("error", "missing"))
    path = Path(path)
    table = read_delimited(path, what="clinical table")
    columns = list(table.df.columns)
    problems: list[str] = []
    header = f"{path} line {table.header_line}"

    patient_col, sample_col, lacking_id = _identifier_columns(table, id_col)
    level = "sample" if sample_col else "patient"
    id_column = sample_col or patient_col
    time_column, status_column, lacking, no_time_to_event = _resolve_time_to_event(
        columns, time_col, status_col, require_time_to_event)
    if lacking_id:
        lacking.insert(0, lacking_id)
    binary_resolved = {}
    for wanted in binary_cols:
        found = find_column(columns, wanted)
        if found is None:
            lacking.append(wanted)
        binary_resolved[wanted] = found
    if lacking:
        time_like = [c for c in columns if re.search(r"_(MONTHS|DAYS|WEEKS)$|days|months", c, re.IGNORECASE)]
        status_like = [c for c in columns if re.search(r"status", c, re.IGNORECASE)]
        found_text = "; ".join(filter(None, (
            "time-like columns present: " + ", ".join(time_like) if time_like else
            "no time-like columns found",
            "status-like columns present: " + ", ".join(status_like) if status_like else None)))
        problems.append(f"{header}: missing column(s) {', '.join(lacking)}; the file has "
                        f"{', '.join(columns)} ({found_text}; choose them with time_col=/status_col="
                        f", on the command line --time-column/--status-column)")
        raise ClinicalDataError("clinical table cannot be used", problems=problems, path=path,
                                hint="name the columns that hold the identifier, time and status "
                                     "(a binary or HPD outcome needs no time and status)")

    unparseable: list[UnparseableValue] = []
    warnings: list[str] = []
    decimal_comma = table.delimiter == ";"
    if decimal_comma:
        warnings.append("semicolon-separated file: times written with a decimal comma (1,5) are "
                        "read as decimal numbers (1.5)")
    if no_time_to_event and time_col is not None:
        warnings.append(f"{no_time_to_event}: time to treatment failure and early failure are "
                        "not evaluable")
    df = table.df
    ids: list[str | None] = []
    times: list[float] = []
    events: list[bool | None] = []
    binaries: dict[str, list[bool | None]] = {name: [] for name in binary_resolved}
    half_missing: list[int] = []
    blank_rows: list[int] = []

    def bad(line: int, column: str, value: str, why: str) -> None:
        item = UnparseableValue(str(path), line, column, value, why)
        unparseable.append(item)
        problems.append(item.describe())

    # rows as plain tuples (df.iloc per row costs more than the parsing), and each distinct text
    # parsed once: a registry's 200,000 rows hold a few thousand distinct times
    position = {column: at for at, column in enumerate(df.columns)}
    parse_time_once = _parsed_once(lambda text: parse_time(text, decimal_comma=decimal_comma))
    parse_event_once = _parsed_once(parse_event)
    parse_binary_once = _parsed_once(parse_binary)
    for index, values in enumerate(df.itertuples(index=False, name=None)):
        row = _Row(values, position)
        line = table.line_of(index)
        if not any(values):
            blank_rows.append(index)
            ids.append(None)
            times.append(np.nan)
            events.append(None)
            for name in binaries:
                binaries[name].append(None)
            continue
        identifier = row[id_column]
        if is_missing(identifier):
            problems.append(f"{path} line {line}, column {id_column}: blank identifier")
            identifier = None
        ids.append(identifier)
        months, event = None, None
        if time_column is not None:
            unreadable = False
            try:
                months = parse_time_once(row[time_column])
            except ValueError as exc:
                bad(line, time_column, row[time_column], str(exc))
                months, unreadable = None, True
            try:
                event = parse_event_once(row[status_column])
            except ValueError as exc:
                bad(line, status_column, row[status_column], str(exc))
                event, unreadable = None, True
            if (months is None) != (event is None):
                if not unreadable:
                    half_missing.append(line)
                months, event = None, None
        times.append(np.nan if months is None else months)
        events.append(event)
        for name, column in binary_resolved.items():
            try:
                binaries[name].append(parse_binary_once(row[column]))
            except ValueError as exc:
                bad(line, column, row[column], str(exc))
                binaries[name].append(None)

    # the unit is judged from the whole column (its median and maximum), then applied
    plausibility: list[str] = []
    stated_unit = time_unit
    time_unit = time_unit or "months"
    if time_column is not None:
        time_unit, plausibility = check_time_unit(
            path, time_column, [t for t, i in zip(times, ids) if i is not None], stated_unit)
    times = [t * MONTHS_PER_UNIT[time_unit] for t in times]
    warnings.extend(plausibility)
    for message in plausibility:
        log.warning("%s: %s", path, message)

    blank = set(blank_rows)
    keep = [i for i in range(len(df)) if i not in blank and ids[i] is not None]
    key = "sample_id" if level == "sample" else "patient_id"

    # An identifier on several rows: GDC clinical.tsv, for one, repeats a case on one row per
    # treatment or diagnosis with the same outcome. Rows that agree on every outcome value (and
    # on the patient, for a sample) are one record: the first row is kept and the report says
    # so. Rows that disagree leave no way to tell which is right: a problem.
    def outcome_of(i: int) -> tuple:
        values = [None if isinstance(times[i], float) and math.isnan(times[i]) else times[i],
                  events[i], *(binaries[name][i] for name in binaries)]
        if level == "sample" and patient_col is not None:
            values.append(None if is_missing(df.iloc[i][patient_col]) else df.iloc[i][patient_col])
        return tuple(values)

    rows_of: dict[str, list[int]] = {}
    for i in keep:
        rows_of.setdefault(ids[i], []).append(i)
    duplicated_ids: list[str] = []
    repeated_rows: list[str] = []
    dropped: set[int] = set()
    for identifier, indices in rows_of.items():
        if len(indices) < 2:
            continue
        lines = [table.line_of(i) for i in indices]
        if len({outcome_of(i) for i in indices}) == 1:
            differing = [c for c in columns if c not in (id_column,)
                         and len({df.iloc[i][c] for i in indices}) > 1]
            repeated_rows.append(
                f"{key.replace('_id', '')} {identifier} on lines {', '.join(map(str, lines))} "
                f"with the same outcome: line {lines[0]} kept"
                + (f" (its {', '.join(differing[:5])} used)" if differing else ""))
            dropped.update(indices[1:])
            continue
        duplicated_ids.append(identifier)
        outcome_columns = [c for c in (time_column, status_column, *binary_resolved.values(),
                                       patient_col if level == "sample" else None) if c]
        shown = "; ".join(f"line {table.line_of(i)}: " + ", ".join(
            f"{c}={df.iloc[i][c]!r}" for c in outcome_columns) for i in indices)
        problems.append(f"{path} lines {', '.join(map(str, lines))}, column {id_column}: "
                        f"{key.replace('_id', '')} {identifier!r} appears {len(lines)} times "
                        f"with different outcomes ({shown}); list it once")
    duplicated_ids.sort()
    if repeated_rows:
        warnings.append(f"{len(repeated_rows)} identifier(s) on several rows with the same "
                        "outcome, each counted once: " + "; ".join(repeated_rows[:5])
                        + (" ..." if len(repeated_rows) > 5 else ""))
    keep = [i for i in keep if i not in dropped]
    out = pd.DataFrame({"_row": keep, "_line": [table.line_of(i) for i in keep]})
    out[key] = [ids[i] for i in keep]

    if level == "sample":
        if patient_col is not None:
            out["patient_id"] = [None if is_missing(df.iloc[i][patient_col]) else
                                 df.iloc[i][patient_col] for i in keep]
            missing_patient = out["patient_id"].isna()
            if missing_patient.any():
                out.loc[missing_patient, "patient_id"] = out.loc[missing_patient, "sample_id"]
                warnings.append(f"{int(missing_patient.sum())} sample row(s) have a blank "
                                f"{patient_col}: each is taken as its own patient")
        else:
            out["patient_id"] = out["sample_id"]
            warnings.append(f"sample-level table keyed by {id_column} with no PATIENT_ID column: "
                            "each sample is taken as its own patient")
    out["ttf_months"] = pd.Series([times[i] for i in keep], dtype=float)
    out["ttf_event"] = pd.array([events[i] for i in keep], dtype="boolean")
    for name, column in binary_resolved.items():
        out[column] = pd.array([binaries[name][i] for i in keep], dtype="boolean")

    # One row per sample repeats its patient's outcome (a combined cBioPortal export, or a
    # sample-level table): rows of one patient that disagree leave no way to tell which is right.
    inconsistent_patients: list[str] = []
    if level == "sample" and patient_col is not None:
        checked = ([("ttf_months", time_column), ("ttf_event", status_column)]
                   if time_column is not None else [])
        checked += [(column, column) for column in binary_resolved.values()]
        disagreements, disagreeing = _patient_disagreements(out, checked, df, path)
        problems += disagreements
        inconsistent_patients = list(disagreeing)
        for patient, fields in disagreeing.items():
            rows = out["patient_id"] == patient
            if fields & {"ttf_months", "ttf_event"}:      # time and status only make sense together
                out.loc[rows, "ttf_months"] = np.nan
                out.loc[rows, "ttf_event"] = pd.NA
            for field_name in fields - {"ttf_months", "ttf_event"}:
                out.loc[rows, field_name] = pd.NA

    used = {id_column, time_column, status_column, *binary_resolved.values()} - {None}
    if patient_col:
        used.add(patient_col)
    reserved = {"patient_id", "sample_id", "ttf_months", "ttf_event", "_line", "_row"}
    for column in columns:
        if column in used:
            continue
        if column in reserved:
            warnings.append(f"column {column!r} not carried: the name is reserved for the output")
            continue
        carried = _carry(df[column].iloc[keep].reset_index(drop=True))
        if carried.dtype == float:
            # a covariate of inf (or 1e400) would reach the models; refused like a bad time
            for j in np.flatnonzero(np.isinf(carried.to_numpy())):
                bad(table.line_of(keep[j]), column, df[column].iloc[keep[j]],
                    "not a finite number")
                carried.iloc[j] = np.nan
        out[column] = carried.to_numpy() if carried.dtype == float else carried

    # patient factors: the one vocabulary (hpdgenomics.clinical.factors), parsed per column
    from .patient import patient_factor_frame

    factor_source = df.drop(columns=[c for c in used if c in df.columns]).iloc[keep]
    factors, factor_problems = patient_factor_frame(
        factor_source.reset_index(drop=True), path=path,
        lines=[table.line_of(i) for i in keep], decimal_comma=decimal_comma,
        mapping=factor_mapping)
    problems.extend(factor_problems)
    for key in factors.columns:
        out[key] = factors[key].to_numpy()
    factor_columns = dict(factors.attrs.get("factor_columns", {}))

    if half_missing:
        shown = ", ".join(map(str, half_missing[:10])) + (" ..." if len(half_missing) > 10 else "")
        warnings.append(f"{len(half_missing)} row(s) have a time without a status or a status "
                        f"without a time ({time_column}/{status_column}); their outcome "
                        f"is taken as missing (lines {shown})")

    sample_map: dict[str, str] | None = None
    samples_sha = None
    duplicate_samples: list[str] = []
    if samples_path is not None:
        sample_map = read_sample_map(samples_path, problems)
        samples_sha = sha256_file(samples_path)
    elif level == "sample":
        sample_map = dict(zip(out["sample_id"], out["patient_id"]))

    duplicate_patients: list[str] = []
    if problems and on_invalid == "error":
        raise ClinicalDataError("clinical data cannot be used", problems=problems, path=path,
                                hint="fix every value named, or pass on_invalid='missing' "
                                     "(--on-invalid missing) to treat them as missing")
    if problems:
        # on_invalid == "missing": values already set to missing; duplicated identifiers are
        # dropped entirely because no rule can say which of the rows is right.
        if duplicated_ids:
            out = out[~out[key].isin(duplicated_ids)]
            duplicate_patients = list(duplicated_ids) if key == "patient_id" else []
            duplicate_samples = list(duplicated_ids) if key == "sample_id" else []
        warnings.append(f"{len(problems)} problem(s) treated as missing values: "
                        + "; ".join(problems[:10]) + (" ..." if len(problems) > 10 else ""))
    order = ["patient_id"] + (["sample_id"] if level == "sample" else []) + ["ttf_months", "ttf_event"]
    out = out[order + [c for c in out.columns if c not in order and c not in ("_line", "_row")]]
    columns_used = {"id": id_column}
    if time_column is not None:
        columns_used.update({"time": time_column, "status": status_column})
    if level == "sample" and patient_col:
        columns_used["patient_id"] = patient_col
    columns_used.update({f"binary:{name}": column for name, column in binary_resolved.items()})
    for message in warnings:
        if message not in plausibility:
            log.info("%s: %s", path, message)
    return ClinicalTable(path=str(path), sha256=sha256_file(path), df=out.reset_index(drop=True),
                         columns_used=columns_used, time_unit=time_unit, level=level,
                         sample_to_patient=sample_map,
                         samples_path=str(samples_path) if samples_path is not None else None,
                         samples_sha256=samples_sha, unparseable=unparseable,
                         duplicate_patients=duplicate_patients,
                         duplicate_samples=duplicate_samples,
                         inconsistent_patients=inconsistent_patients,
                         repeated_rows=repeated_rows, no_time_to_event=no_time_to_event,
                         warnings=warnings, time_unit_stated=stated_unit is not None,
                         plausibility_warnings=plausibility, factor_columns=factor_columns,
                         factor_assessed=({key: int(out[key].notna().sum())
                                           for key in factors.columns} if factor_columns
                                          else {}),
                         factor_conversions=list(factors.attrs.get("conversions", [])))
