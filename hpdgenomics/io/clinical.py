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
``Tumor_Sample_Barcode`` found (every column name, these and ``time_col``/``status_col``/...,
is found as :func:`hpdgenomics.io.table.find_column` finds it: exactly, else ignoring case, else
ignoring case, spaces and punctuation, so ``Patient ID`` is ``PATIENT_ID``). ``id_col`` overrides
one of them: the sample column when it is one of those sample names, else the patient column.

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
binary values, blank identifiers, identifiers repeated with different outcomes, a sample mapped
to two patients, a patient's outcome differing between its sample rows) is collected and raised
together as one :class:`~hpdgenomics.errors.ClinicalDataError`, each problem naming the file,
line and column. With ``on_invalid="missing"`` the offending values (or duplicated
patients) become missing instead and are listed in :attr:`ClinicalTable.unparseable` and
:attr:`ClinicalTable.duplicate_patients`; missing columns are always an error.
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

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
    """A clinical value that could not be read: file, line, column, the value and why."""

    file: str
    line: int
    column: str
    value: str
    why: str

    def as_tuple(self) -> tuple[str, int, str, str, str]:
        """(file, line, column, value, why), as the join report lists it."""
        return (self.file, self.line, self.column, self.value, self.why)

    def describe(self) -> str:
        """One sentence naming file, line, column, the value and why it is unreadable."""
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
        """The columns of ``df`` beyond the identifiers and the time-to-event outcome."""
        fixed = {"patient_id", "sample_id", "ttf_months", "ttf_event"}
        return [c for c in self.df.columns if c not in fixed]


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise UsageError(f"{name} {value!r} is not one of {', '.join(choices)}")


def _identifier_columns(table: DelimitedTable,
                        id_col: str | None) -> tuple[str | None, str | None, str | None]:
    """(patient column, sample column, the name that could not be found or None).

    ``id_col`` names the sample column when it is one of :data:`SAMPLE_ID_COLUMNS` (any case),
    else the patient column; the other role is looked up among the usual names.
    """
    columns = list(table.df.columns)

    def first(candidates: Iterable[str]) -> str | None:
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
        lacking = [n for n, c in (("SAMPLE_ID", sample_col), ("PATIENT_ID", patient_col))
                   if c is None]
        problems.append(f"{table.path} line {table.header_line}: samples file lacks column(s) "
                        f"{', '.join(lacking)} (columns: {', '.join(table.df.columns)})")
        return {}
    mapping: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for index, (sample, patient) in enumerate(zip(table.df[sample_col], table.df[patient_col],
                                                  strict=True)):
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
    if time_col is None or status_col is None:      # both None: checked just above
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

    def __init__(self, values: tuple[Any, ...], position: dict[str, int]) -> None:
        self.values, self.position = values, position

    def __getitem__(self, column: str) -> Any:
        return self.values[self.position[column]]


_Parsed = TypeVar("_Parsed")


def _parsed_once(parse: Callable[[Any], _Parsed]) -> Callable[[Any], _Parsed]:
    """``parse`` with its result (or its ValueError) remembered per distinct value."""
    results: dict[Any, tuple[bool, Any]] = {}

    def parsed(value: Any) -> _Parsed:
        try:
            # (parsed?, the value or the ValueError), None when not seen yet
            outcome: tuple[bool, Any] | None = results.get(value)
        except TypeError:                 # unhashable: parse it every time
            return parse(value)
        if outcome is None:
            try:
                fresh: tuple[bool, Any] = (True, parse(value))
            except ValueError as exc:
                fresh = (False, exc)
            outcome = results[value] = fresh
        if not outcome[0]:
            raise ValueError(*outcome[1].args)
        result: _Parsed = outcome[1]
        return result

    return parsed


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
                              for row, line in zip(rows["_row"], rows["_line"], strict=True))
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
    reading = _Reading(Path(path), read_delimited(path, what="clinical table"))
    roles = _resolve_roles(reading, id_col, time_col, status_col, binary_cols,
                           require_time_to_event)
    if reading.decimal_comma:
        reading.warnings.append("semicolon-separated file: times written with a decimal comma "
                                "(1,5) are read as decimal numbers (1.5)")
    if roles.no_time_to_event and time_col is not None:
        reading.warnings.append(f"{roles.no_time_to_event}: time to treatment failure and early "
                                "failure are not evaluable")
    values = _parse_values(reading, roles)
    unit, plausibility = _apply_time_unit(reading, roles, values, time_unit)
    keep, duplicated_ids, repeated_rows = _one_row_per_identifier(reading, roles, values)
    out = _output_frame(reading, roles, values, keep)
    inconsistent_patients = _check_patients(reading, roles, out)
    _carry_other_columns(reading, roles, out, keep)
    factors = _factor_frame(reading, roles, out, keep, factor_mapping)
    if values.half_missing:
        half = values.half_missing
        shown = ", ".join(map(str, half[:10])) + (" ..." if len(half) > 10 else "")
        reading.warnings.append(
            f"{len(half)} row(s) have a time without a status or a status without a time "
            f"({roles.time}/{roles.status}); their outcome is taken as missing (lines {shown})")
    sample_map, samples_sha = _sample_map(reading, roles, out, samples_path)
    out, duplicate_patients, duplicate_samples = _settle_problems(reading, roles, out,
                                                                  duplicated_ids, on_invalid)
    for message in reading.warnings:
        if message not in plausibility:
            log.info("%s: %s", reading.path, message)
    factor_columns = dict(factors.attrs.get("factor_columns", {}))
    return ClinicalTable(
        path=str(reading.path), sha256=sha256_file(reading.path),
        df=_ordered(out, roles.level).reset_index(drop=True),
        columns_used=roles.columns_used(), time_unit=unit, level=roles.level,
        sample_to_patient=sample_map,
        samples_path=str(samples_path) if samples_path is not None else None,
        samples_sha256=samples_sha, unparseable=reading.unparseable,
        duplicate_patients=duplicate_patients, duplicate_samples=duplicate_samples,
        inconsistent_patients=inconsistent_patients, repeated_rows=repeated_rows,
        no_time_to_event=roles.no_time_to_event, warnings=reading.warnings,
        time_unit_stated=time_unit is not None, plausibility_warnings=plausibility,
        factor_columns=factor_columns,
        factor_assessed=({key: int(out[key].notna().sum()) for key in factors.columns}
                         if factor_columns else {}),
        factor_conversions=list(factors.attrs.get("conversions", [])))


# --- read_clinical's jobs ------------------------------------------------------------------------

@dataclass
class _Reading:
    """One clinical table being read: the raw cells and what has been found wrong so far."""

    path: Path
    table: DelimitedTable
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unparseable: list[UnparseableValue] = field(default_factory=list)

    @property
    def df(self) -> pd.DataFrame:
        return self.table.df

    @property
    def decimal_comma(self) -> bool:
        return self.table.delimiter == ";"

    def bad(self, line: int, column: str, value: str, why: str) -> None:
        """Record an unparseable value (a problem, and an entry of ``unparseable``)."""
        item = UnparseableValue(str(self.path), line, column, value, why)
        self.unparseable.append(item)
        self.problems.append(item.describe())


@dataclass
class _Roles:
    """Which file column plays which role."""

    patient: str | None
    sample: str | None
    time: str | None
    status: str | None
    binary: dict[str, str]                 # wanted name -> file column
    no_time_to_event: str | None
    identifier: str                        # the sample column, else the patient column

    @property
    def level(self) -> str:
        return "sample" if self.sample else "patient"

    @property
    def key(self) -> str:
        return "sample_id" if self.level == "sample" else "patient_id"

    def used(self) -> set[str]:
        """The file columns read for a role (not carried as covariates)."""
        return {column for column in (self.identifier, self.time, self.status, self.patient,
                                      *self.binary.values()) if column is not None}

    def columns_used(self) -> dict[str, str]:
        """Role -> file column, as :attr:`ClinicalTable.columns_used` reports them."""
        used = {"id": self.identifier}
        if self.time is not None and self.status is not None:    # set together
            used.update({"time": self.time, "status": self.status})
        if self.level == "sample" and self.patient:
            used["patient_id"] = self.patient
        used.update({f"binary:{name}": column for name, column in self.binary.items()})
        return used


def _resolve_roles(reading: _Reading, id_col: str | None, time_col: str | None,
                   status_col: str | None, binary_cols: Iterable[str], required: bool
                   ) -> _Roles:
    """The identifier, time-to-event and binary columns; ClinicalDataError naming every one
    that is absent."""
    columns = list(reading.df.columns)
    patient_col, sample_col, lacking_id = _identifier_columns(reading.table, id_col)
    time_column, status_column, lacking, no_time_to_event = _resolve_time_to_event(
        columns, time_col, status_col, required)
    if lacking_id:
        lacking.insert(0, lacking_id)
    binary_resolved: dict[str, str] = {}
    for wanted in binary_cols:
        found = find_column(columns, wanted)
        if found is None:
            lacking.append(wanted)
        else:
            binary_resolved[wanted] = found
    if lacking:
        _raise_lacking(reading, columns, lacking)
    identifier = sample_col or patient_col
    assert identifier is not None       # else lacking_id is set and _raise_lacking has raised
    return _Roles(patient_col, sample_col, time_column, status_column, binary_resolved,
                  no_time_to_event, identifier)


def _raise_lacking(reading: _Reading, columns: list[str], lacking: list[str]) -> NoReturn:
    """ClinicalDataError: the columns asked for that the file lacks, with likely candidates."""
    time_like = [c for c in columns
                 if re.search(r"_(MONTHS|DAYS|WEEKS)$|days|months", c, re.IGNORECASE)]
    status_like = [c for c in columns if re.search(r"status", c, re.IGNORECASE)]
    found_text = "; ".join(filter(None, (
        "time-like columns present: " + ", ".join(time_like) if time_like else
        "no time-like columns found",
        "status-like columns present: " + ", ".join(status_like) if status_like else None)))
    reading.problems.append(
        f"{reading.path} line {reading.table.header_line}: missing column(s) "
        f"{', '.join(lacking)}; the file has {', '.join(columns)} ({found_text}; choose them "
        "with time_col=/status_col=, on the command line --time-column/--status-column)")
    raise ClinicalDataError("clinical table cannot be used", problems=reading.problems,
                            path=reading.path,
                            hint="name the columns that hold the identifier, time and status "
                                 "(a binary or HPD outcome needs no time and status)")


@dataclass
class _Values:
    """The parsed values of every row, by row index (None / NaN for a blank row)."""

    ids: list[str | None] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    events: list[bool | None] = field(default_factory=list)
    binaries: dict[str, list[bool | None]] = field(default_factory=dict)
    half_missing: list[int] = field(default_factory=list)     # lines
    blank_rows: list[int] = field(default_factory=list)       # row indices

    def outcome(self, i: int) -> tuple[Any, ...]:
        """Row ``i``'s outcome values (NaN as None), for telling repeated rows apart."""
        time = self.times[i]
        return (None if isinstance(time, float) and math.isnan(time) else time, self.events[i],
                *(self.binaries[name][i] for name in self.binaries))


def _parse_values(reading: _Reading, roles: _Roles) -> _Values:
    """Identifier, time, status and binary values of every row; bad values recorded."""
    # rows as plain tuples (df.iloc per row costs more than the parsing), and each distinct text
    # parsed once: a registry's 200,000 rows hold a few thousand distinct times
    values = _Values(binaries={name: [] for name in roles.binary})
    position = {column: at for at, column in enumerate(reading.df.columns)}
    decimal_comma = reading.decimal_comma
    parse_time_once = _parsed_once(lambda text: parse_time(text, decimal_comma=decimal_comma))
    parse_event_once = _parsed_once(parse_event)
    parse_binary_once = _parsed_once(parse_binary)
    for index, cells in enumerate(reading.df.itertuples(index=False, name=None)):
        row = _Row(cells, position)
        line = reading.table.line_of(index)
        if not any(cells):
            values.blank_rows.append(index)
            values.ids.append(None)
            values.times.append(np.nan)
            values.events.append(None)
            for name in values.binaries:
                values.binaries[name].append(None)
            continue
        identifier = row[roles.identifier]
        if is_missing(identifier):
            reading.problems.append(f"{reading.path} line {line}, column {roles.identifier}: "
                                    "blank identifier")
            identifier = None
        values.ids.append(identifier)
        months, event = _time_and_event(reading, roles, row, line, values,
                                        parse_time_once, parse_event_once)
        values.times.append(np.nan if months is None else months)
        values.events.append(event)
        for name, column in roles.binary.items():
            try:
                values.binaries[name].append(parse_binary_once(row[column]))
            except ValueError as exc:
                reading.bad(line, column, row[column], str(exc))
                values.binaries[name].append(None)
    return values


def _time_and_event(reading: _Reading, roles: _Roles, row: _Row, line: int, values: _Values,
                    parse_time_once: Callable[[Any], float | None],
                    parse_event_once: Callable[[Any], bool | None]
                    ) -> tuple[float | None, bool | None]:
    """One row's time and status; both missing when either is (a half-missing row noted)."""
    if roles.time is None or roles.status is None:      # set together
        return None, None
    months, event, unreadable = None, None, False
    try:
        months = parse_time_once(row[roles.time])
    except ValueError as exc:
        reading.bad(line, roles.time, row[roles.time], str(exc))
        unreadable = True
    try:
        event = parse_event_once(row[roles.status])
    except ValueError as exc:
        reading.bad(line, roles.status, row[roles.status], str(exc))
        event, unreadable = None, True
    if (months is None) != (event is None):
        if not unreadable:
            values.half_missing.append(line)
        return None, None
    return months, event


def _apply_time_unit(reading: _Reading, roles: _Roles, values: _Values,
                     time_unit: str | None) -> tuple[str, list[str]]:
    """Judge the unit from the whole column (median and maximum), then convert to months.
    Returns the unit and the plausibility warnings (also logged and added to the warnings)."""
    plausibility: list[str] = []
    unit = time_unit or "months"
    if roles.time is not None:
        unit, plausibility = check_time_unit(
            reading.path, roles.time,
            [t for t, i in zip(values.times, values.ids, strict=True) if i is not None],
            time_unit)
    values.times = [t * MONTHS_PER_UNIT[unit] for t in values.times]
    reading.warnings.extend(plausibility)
    for message in plausibility:
        log.warning("%s: %s", reading.path, message)
    return unit, plausibility


def _one_row_per_identifier(reading: _Reading, roles: _Roles, values: _Values
                            ) -> tuple[list[int], list[str], list[str]]:
    """The rows kept, the identifiers on several rows with different outcomes (problems), and
    a sentence per identifier repeated with the same outcome (its first row kept).

    GDC clinical.tsv, for one, repeats a case on one row per treatment or diagnosis with the
    same outcome: rows agreeing on every outcome value (and on the patient, for a sample) are
    one record. Rows that disagree leave no way to tell which is right: a problem.
    """
    df = reading.df
    blank = set(values.blank_rows)
    keep = [i for i in range(len(df)) if i not in blank and values.ids[i] is not None]

    def outcome_of(i: int) -> tuple[Any, ...]:
        if roles.level == "sample" and roles.patient is not None:
            patient = df.iloc[i][roles.patient]
            return (*values.outcome(i), None if is_missing(patient) else patient)
        return values.outcome(i)

    rows_of: dict[str, list[int]] = {}
    for i in keep:
        kept_id = values.ids[i]
        if kept_id is not None:         # always: keep holds rows with an identifier
            rows_of.setdefault(kept_id, []).append(i)
    duplicated_ids: list[str] = []
    repeated_rows: list[str] = []
    dropped: set[int] = set()
    for identifier, indices in rows_of.items():
        if len(indices) < 2:
            continue
        if len({outcome_of(i) for i in indices}) == 1:
            repeated_rows.append(_repeated_sentence(reading, roles, identifier, indices))
            dropped.update(indices[1:])
            continue
        duplicated_ids.append(identifier)
        reading.problems.append(_duplicate_problem(reading, roles, identifier, indices))
    duplicated_ids.sort()
    if repeated_rows:
        reading.warnings.append(
            f"{len(repeated_rows)} identifier(s) on several rows with the same outcome, each "
            "counted once: " + "; ".join(repeated_rows[:5])
            + (" ..." if len(repeated_rows) > 5 else ""))
    return [i for i in keep if i not in dropped], duplicated_ids, repeated_rows


def _repeated_sentence(reading: _Reading, roles: _Roles, identifier: str,
                       indices: list[int]) -> str:
    """An identifier on several rows with one outcome: which line is kept."""
    df = reading.df
    lines = [reading.table.line_of(i) for i in indices]
    differing = [c for c in df.columns if c not in (roles.identifier,)
                 and len({df.iloc[i][c] for i in indices}) > 1]
    return (f"{roles.key.replace('_id', '')} {identifier} on lines "
            f"{', '.join(map(str, lines))} with the same outcome: line {lines[0]} kept"
            + (f" (its {', '.join(differing[:5])} used)" if differing else ""))


def _duplicate_problem(reading: _Reading, roles: _Roles, identifier: str,
                       indices: list[int]) -> str:
    """An identifier on several rows with different outcomes: the problem sentence."""
    df = reading.df
    lines = [reading.table.line_of(i) for i in indices]
    outcome_columns = [c for c in (roles.time, roles.status, *roles.binary.values(),
                                   roles.patient if roles.level == "sample" else None) if c]
    shown = "; ".join(f"line {reading.table.line_of(i)}: " + ", ".join(
        f"{c}={df.iloc[i][c]!r}" for c in outcome_columns) for i in indices)
    return (f"{reading.path} lines {', '.join(map(str, lines))}, column {roles.identifier}: "
            f"{roles.key.replace('_id', '')} {identifier!r} appears {len(lines)} times "
            f"with different outcomes ({shown}); list it once")


def _output_frame(reading: _Reading, roles: _Roles, values: _Values,
                  keep: list[int]) -> pd.DataFrame:
    """One row per kept identifier: ids, ``ttf_months``, ``ttf_event``, binary columns, and
    ``_row``/``_line`` (the file row and line; dropped at the end)."""
    df = reading.df
    out = pd.DataFrame({"_row": keep, "_line": [reading.table.line_of(i) for i in keep]})
    out[roles.key] = [values.ids[i] for i in keep]
    if roles.level == "sample":
        if roles.patient is not None:
            out["patient_id"] = [None if is_missing(df.iloc[i][roles.patient]) else
                                 df.iloc[i][roles.patient] for i in keep]
            missing_patient = out["patient_id"].isna()
            if missing_patient.any():
                out.loc[missing_patient, "patient_id"] = out.loc[missing_patient, "sample_id"]
                reading.warnings.append(
                    f"{int(missing_patient.sum())} sample row(s) have a blank "
                    f"{roles.patient}: each is taken as its own patient")
        else:
            out["patient_id"] = out["sample_id"]
            reading.warnings.append(
                f"sample-level table keyed by {roles.identifier} with no PATIENT_ID column: "
                "each sample is taken as its own patient")
    out["ttf_months"] = pd.Series([values.times[i] for i in keep], dtype=float)
    out["ttf_event"] = pd.array([values.events[i] for i in keep], dtype="boolean")
    for name, column in roles.binary.items():
        out[column] = pd.array([values.binaries[name][i] for i in keep], dtype="boolean")
    return out


def _check_patients(reading: _Reading, roles: _Roles, out: pd.DataFrame) -> list[str]:
    """Patients whose sample rows disagree on an outcome (problems; the values set missing).

    One row per sample repeats its patient's outcome (a combined cBioPortal export, or a
    sample-level table): rows of one patient that disagree leave no way to tell which is right.
    """
    if roles.level != "sample" or roles.patient is None:
        return []
    checked = ([("ttf_months", roles.time), ("ttf_event", roles.status)]
               if roles.time is not None and roles.status is not None else [])
    checked += [(column, column) for column in roles.binary.values()]
    disagreements, disagreeing = _patient_disagreements(out, checked, reading.df, reading.path)
    reading.problems.extend(disagreements)
    for patient, fields in disagreeing.items():
        rows = out["patient_id"] == patient
        if fields & {"ttf_months", "ttf_event"}:      # time and status only make sense together
            out.loc[rows, "ttf_months"] = np.nan
            out.loc[rows, "ttf_event"] = pd.NA
        for field_name in fields - {"ttf_months", "ttf_event"}:
            out.loc[rows, field_name] = pd.NA
    return list(disagreeing)


def _carry_other_columns(reading: _Reading, roles: _Roles, out: pd.DataFrame,
                         keep: list[int]) -> None:
    """Every column not read for a role, carried into ``out`` under its own name (float when
    all its values are numbers); a non-finite number is a bad value."""
    df = reading.df
    used = roles.used()
    reserved = {"patient_id", "sample_id", "ttf_months", "ttf_event", "_line", "_row"}
    for column in df.columns:
        if column in used:
            continue
        if column in reserved:
            reading.warnings.append(f"column {column!r} not carried: the name is reserved for "
                                    "the output")
            continue
        carried = _carry(df[column].iloc[keep].reset_index(drop=True))
        if carried.dtype == float:
            # a covariate of inf (or 1e400) would reach the models; refused like a bad time
            for j in np.flatnonzero(np.isinf(carried.to_numpy())):
                reading.bad(reading.table.line_of(keep[j]), column, df[column].iloc[keep[j]],
                            "not a finite number")
                carried.iloc[j] = np.nan
        out[column] = carried.to_numpy() if carried.dtype == float else carried


def _factor_frame(reading: _Reading, roles: _Roles, out: pd.DataFrame, keep: list[int],
                  factor_mapping: dict[str, str] | None) -> pd.DataFrame:
    """Patient factors (the one vocabulary of :mod:`hpdgenomics.clinical.factors`) parsed per
    column into ``out``; returns the factor frame (its ``attrs`` name columns and conversions)."""
    from .patient import patient_factor_frame

    df = reading.df
    source = df.drop(columns=[c for c in roles.used() if c in df.columns]).iloc[keep]
    factors, factor_problems = patient_factor_frame(
        source.reset_index(drop=True), path=reading.path,
        lines=[reading.table.line_of(i) for i in keep], decimal_comma=reading.decimal_comma,
        mapping=factor_mapping)
    reading.problems.extend(factor_problems)
    for key in factors.columns:
        out[key] = factors[key].to_numpy()
    return factors


def _sample_map(reading: _Reading, roles: _Roles, out: pd.DataFrame,
                samples_path: str | Path | None) -> tuple[dict[str, str] | None, str | None]:
    """SAMPLE_ID -> PATIENT_ID from the samples file, else from a sample-level table; and the
    samples file's SHA-256."""
    if samples_path is not None:
        return read_sample_map(samples_path, reading.problems), sha256_file(samples_path)
    if roles.level == "sample":
        return dict(zip(out["sample_id"], out["patient_id"], strict=True)), None
    return None, None


def _settle_problems(reading: _Reading, roles: _Roles, out: pd.DataFrame,
                     duplicated_ids: list[str], on_invalid: str
                     ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Raise every problem at once (``on_invalid="error"``), or keep them as missing values:
    identifiers duplicated with different outcomes are then dropped, as no rule can say which
    row is right. Returns ``out`` and the dropped patient and sample identifiers."""
    problems = reading.problems
    if problems and on_invalid == "error":
        raise ClinicalDataError("clinical data cannot be used", problems=problems,
                                path=reading.path,
                                hint="fix every value named, or pass on_invalid='missing' "
                                     "(--on-invalid missing) to treat them as missing")
    if not problems:
        return out, [], []
    duplicate_patients: list[str] = []
    duplicate_samples: list[str] = []
    if duplicated_ids:
        out = out[~out[roles.key].isin(duplicated_ids)]
        duplicate_patients = list(duplicated_ids) if roles.key == "patient_id" else []
        duplicate_samples = list(duplicated_ids) if roles.key == "sample_id" else []
    reading.warnings.append(f"{len(problems)} problem(s) treated as missing values: "
                            + "; ".join(problems[:10]) + (" ..." if len(problems) > 10 else ""))
    return out, duplicate_patients, duplicate_samples


def _ordered(out: pd.DataFrame, level: str) -> pd.DataFrame:
    """Identifier and outcome columns first, then the others; ``_row``/``_line`` dropped."""
    order = (["patient_id"] + (["sample_id"] if level == "sample" else [])
             + ["ttf_months", "ttf_event"])
    return out[order + [c for c in out.columns if c not in order and c not in ("_line", "_row")]]
