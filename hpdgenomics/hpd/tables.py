"""Read and validate the two tables the HPD classification needs.

Formats
-------
Both tables are delimited text, as spreadsheets and EDC systems export them (gzip allowed). The
separator is taken from the header row: tab if it holds one, otherwise ``;`` or ``,`` whichever is
more frequent (so a ``.csv`` written by a European-locale spreadsheet with ``;`` is read as such).
A UTF-8 byte-order mark, CRLF line ends, quoted fields, trailing blank lines, trailing empty
columns (``a,b,c,,``) and lines starting with ``#`` before the header row (cBioPortal clinical
style) are accepted. Column names are matched ignoring case, spaces and punctuation, so
``Patient ID`` is ``patient_id`` and ``Target Sum (mm)`` is ``target_sum_mm``. Missing values are
those of :mod:`hpdgenomics.io.vocabulary`, the same as in the cohort's clinical table: blank,
``NA``, ``N/A``, ``NaN``, ``null``, ``none``, ``.``, ``[Not Available]``, ``[Not Applicable]``,
``[Unknown]``, any ``[Not ...]``, and GDC's ``'--``, ``not reported`` and ``unknown``. Numbers may
use a decimal comma (``45,5``) only in ``;``-separated files, where that is the locale's convention;
elsewhere ``45,5`` is an error.

Dates (``date``, ``ici_start``): ISO ``2021-03-04``, ISO date-times ``2021-03-04T10:30:00`` (the
time of day is dropped: intervals count calendar days), ``2021/03/04``, ``20210304``, month names in
English (``4-Mar-2021``, ``4 March 2021``, ``Mar 4, 2021``), Excel serial day numbers between 20000
and 80000 (1954-2119; the 1900 date system of Windows Excel and LibreOffice: serial 44259 is
2021-03-04; a workbook using the Mac 1904 system must be converted first), and ``dd/mm/yyyy`` or
``mm/dd/yyyy`` (also with ``.`` or ``-``). A numeric date whose first or second part exceeds 12,
or whose two parts are equal (``05/05/2021``), is unambiguous; ``04/03/2021`` is not, and is an
error naming the line unless ``date_order`` (``dmy`` or ``mdy``, CLI ``--date-order``) says which. A
file holding both day-first and month-first dates is an error. Two-digit years are refused.

*Measurements* (one row per scan, or one row per target lesion per scan):

===================== ========= ====================================================================
column                required  meaning
===================== ========= ====================================================================
patient_id            yes       links to the patient table (compared exactly, as text: ``007`` stays
                                ``007``)
date                  one of    date of the scan (see above)
days_from_start       one of    days from ICI start (negative before, 0 = start day); if a row has
                                both, they must agree with ``ici_start``
target_sum_mm         one of    sum of the longest diameters of the RECIST target lesions, mm,
target_sum_cm                   >= 0; or the same in cm (multiplied by 10). ``NE`` or ``not
                                evaluable`` marks a scan whose sum could not be assessed (kept:
                                its periods are not evaluable, its new-lesion findings count)
lesion_id             no        present: each row is one target lesion, its size in
                                ``diameter_mm``/``diameter_cm`` (or ``target_sum_*``); the rows of a
                                scan (patient and day) are summed, every scan of a patient must
                                list the same lesions (a disappeared lesion is 0, not left out),
                                one ``NE`` lesion makes the scan's sum NE, and the new-lesion
                                fields of the scan's rows must agree (blanks allowed)
new_lesions           no        number of new lesions seen at this scan (integer >= 0), or a
                                flag (yes/no, Y/N, true/false; ``none`` = 0). In a column holding
                                any such word, ``1``/``0`` are flags too; ``yes`` says there are
                                new lesions without saying how many
new_lesion_organs     no        number of organs holding those new lesions, their names separated
                                by ``;`` (distinct names counted), or a flag as above
                                (``no``/``none`` = 0)
new_organ_involved    no        yes/no, Y/N, true/false, 1/0: spread to an organ not involved before
===================== ========= ====================================================================

*Patients* (one row per patient): ``patient_id``, ``ici_start`` (a date; may be blank only when
every scan of the patient is given as ``days_from_start``), ``TTF_MONTHS`` (>= 0, may be blank) or
``TTF_DAYS`` (converted at 30.4375 days per month), ``TTF_STATUS`` (``1:...``/``0:...``,
``1``/``0``, ``true``/``false``, ``event``/``censored``, ``discontinued``/``ongoing``,
``dead``/``alive`` ...: the status words of :mod:`hpdgenomics.io.vocabulary`; may be blank) and
optional ``ecog_within_2mo`` (worst ECOG PS 0-5 in the first two months, or true/false meaning
"PS >= 2") and ``ecog_baseline`` (ECOG PS 0-5 at ICI start: Lo Russo's criterion is deterioration
to PS >= 2, so it needs the baseline). Two ids differing only by letter case are refused (they are
almost always one patient typed twice); an id in the measurements that is missing from the patient
table is reported with the patient it probably is (other case, or leading zeros a spreadsheet
dropped: ``7`` for ``007``).

Normalised output
-----------------
:func:`read_hpd_inputs` returns :class:`HpdInputs` whose ``scans`` frame has one row per scan with
``patient_id``, ``day`` (float, days from ICI start; the time axis everything else uses),
``target_sum_mm`` (float, NaN when NE), ``new_lesions``/``new_lesion_organs`` (nullable Int64),
``new_lesions_present`` (nullable boolean: True when a flag says "new lesions" without a count) and
``new_organ_involved`` (nullable boolean), plus ``line`` (1-based line in the file; the first line
of a scan given lesion by lesion). The ``patients`` frame holds ``patient_id``, ``ici_start``
(datetime.date or None), ``ttf_months`` (float, NaN when missing), ``ttf_event`` (nullable boolean),
``ecog_ps2_within_2mo`` (nullable boolean), ``ecog_baseline`` (nullable Int64) and ``line``.

Every problem in both files (missing columns, unparseable dates or numbers, unknown patients,
duplicate scans, duplicate patients) is collected first and raised together as one
:class:`~hpdgenomics.errors.ClinicalDataError` naming file and line.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import ClinicalDataError, UsageError
from ..io import vocabulary
from ..io.table import (  # noqa: F401  (canonical_column re-exported: it moved to io.table)
    TextTable,
    canonical_column,
    column_map,
    read_rows,
)
from ..io.text import sha256_file
from ..model import DAYS_PER_MONTH
from .definitions import THRESHOLDS

log = logging.getLogger(__name__)

#: one vocabulary with the cohort's clinical reader (hpdgenomics.io.vocabulary)
MISSING_TOKENS = vocabulary.MISSING_VALUES
#: a target sum that was looked for but could not be measured (RECIST "NE")
NOT_EVALUABLE_TOKENS = frozenset({"ne", "n.e.", "not evaluable", "not evaluated", "nev",
                                  "[not evaluated]"})
_TRUE = vocabulary.TRUE_WORDS
_FALSE = vocabulary.FALSE_WORDS
_FLAG_WORDS = (_TRUE | _FALSE) - {"1", "0"}
_NONE_WORDS = frozenset({"none", "no", "n", "false", "f", "0"})   # "no new lesions" as a count
DATE_ORDERS = ("dmy", "mdy")
SIZE_COLUMNS = {"target_sum_mm": 1.0, "target_sum_cm": 10.0, "diameter_mm": 1.0,
                "diameter_cm": 10.0}
_EXCEL_EPOCH = dt.date(1899, 12, 30)     # 1900 date system, with Lotus's 1900-02-29 folded in
_EXCEL_SERIAL_RANGE = (20000, 80000)     # 1954-10-03 .. 2119-01-10: nothing else looks like a scan
_MONTHS = {name.lower(): number for number, names in enumerate((
    (), ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december"))) for name in names}
ISO_EXPECTED = ("an ISO date like 2021-03-04 (or another unambiguous date: 4-Mar-2021, "
                "2021/03/04, an Excel serial day number)")


@dataclass(frozen=True)
class HpdInputs:
    """The validated measurement and patient tables, with the files they came from."""

    scans: pd.DataFrame
    patients: pd.DataFrame
    measurements_path: str
    patients_path: str
    measurements_sha256: str
    patients_sha256: str


class _Explained(ValueError):
    """A parse failure whose message replaces the generic "expected ..." text."""


def _is_missing(value: str) -> bool:
    return vocabulary.is_missing(value)


# --- cell parsers ------------------------------------------------------------------------------

@dataclass
class _DateReader:
    """Parses the dates of one file and remembers which numeric order each unambiguous one shows,
    so that a file mixing day-first and month-first dates is caught."""

    date_order: str | None = None
    evidence: dict[str, tuple[int, str]] = field(default_factory=dict)   # order -> (line, value)
    line: int = 0

    def __call__(self, value: str) -> dt.date:
        text = value.strip()
        iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", text)
        if iso:
            return dt.date(*map(int, iso.groups()))
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if re.fullmatch(r"\d{5}(\.\d+)?", text):
            serial = int(float(text))     # a fraction is the time of day
            low, high = _EXCEL_SERIAL_RANGE
            if low <= serial <= high:
                return _EXCEL_EPOCH + dt.timedelta(days=serial)
            raise ValueError("serial number out of range")
        ymd = re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", text)
        if ymd:
            return dt.date(*map(int, ymd.groups()))
        named = (re.fullmatch(r"(\d{1,2})[-\s/.]([A-Za-z]{3,9})\.?[-\s/.,]+(\d{4})", text)
                 or re.fullmatch(r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})",
                                 text))
        if named:
            first, second, year = named.groups()
            day, month = (first, second) if first.isdigit() else (second, first)
            if month.lower() not in _MONTHS:
                raise ValueError("unknown month name")
            return dt.date(int(year), _MONTHS[month.lower()], int(day))
        numeric = re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})", text)
        if numeric:
            first, _, second, year = numeric.groups()
            if len(year) == 2:
                raise _Explained(f"two-digit year in {text!r}: give the year in full (2021)")
            a, b = int(first), int(second)
            if a == b:
                return dt.date(int(year), a, b)   # 05/05/2021: both orders read the same date
            if a > 12 and b <= 12:
                order = "dmy"
            elif b > 12 and a <= 12:
                order = "mdy"
            elif a > 12 and b > 12:
                raise ValueError("neither part is a month")
            elif self.date_order is None:
                raise _Explained(
                    f"{text!r} is ambiguous: day/month or month/day? Give the order with "
                    "--date-order dmy or mdy (date_order), or write ISO dates (2021-03-04)")
            else:
                order = self.date_order
            if self.date_order is not None and order != self.date_order:
                raise _Explained(f"{text!r} cannot be read with date_order {self.date_order}: "
                                 f"it can only be {order}")
            self.evidence.setdefault(order, (self.line, text))
            day, month = (a, b) if order == "dmy" else (b, a)
            return dt.date(int(year), month, day)
        raise ValueError("not a date")

    def conflict(self, path: Path) -> str | None:
        if len(self.evidence) < 2:
            return None
        (dmy_line, dmy), (mdy_line, mdy) = self.evidence["dmy"], self.evidence["mdy"]
        return (f"{path}: line {dmy_line} has the day-first date {dmy!r} and line {mdy_line} the "
                f"month-first date {mdy!r}: a file must use one order; correct the odd dates or "
                "write ISO dates (2021-03-04)")


def _parse_number(value: str, *, minimum: float | None = None, decimal_comma: bool = False
                  ) -> float:
    if decimal_comma and re.fullmatch(r"[+-]?\d*,\d+", value):
        value = value.replace(",", ".")
    elif re.fullmatch(r"[+-]?\d+,\d+", value):
        raise _Explained(f"{value!r} has a decimal comma, which is read only in ';'-separated "
                         "files; write a decimal point")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError("not a finite number")
    if minimum is not None and number < minimum:
        raise ValueError(f"below {minimum:g}")
    return number


def _parse_count(value: str) -> int:
    number = float(value)
    if not number.is_integer() or number < 0:
        raise ValueError("not a whole number >= 0")
    return int(number)


def _parse_word(value: str, true_words: frozenset[str], false_words: frozenset[str],
                expected: str) -> bool:
    lowered = value.lower()
    if lowered in true_words:
        return True
    if lowered in false_words:
        return False
    raise ValueError(f"not {expected}")


def _parse_bool(value: str) -> bool:
    return _parse_word(value, _TRUE, _FALSE, "true/false")


def _parse_status(value: str) -> bool | None:
    return vocabulary.parse_event(value)


def _new_lesion_count(value: str, flags: bool, organs: bool) -> tuple[int | None, bool | None]:
    """(count, present) from a new_lesions or new_lesion_organs cell; None/None when missing.

    ``flags``: the column holds yes/no words, so 1/0 are flags too (a count cannot be read from
    "1" meaning "yes"). ``present`` is True only when there are new lesions of unknown number.
    """
    lowered = value.strip().lower()
    if lowered in _NONE_WORDS:
        return 0, None
    if lowered in _TRUE and (flags or lowered not in {"1"}):
        return None, True
    if vocabulary.is_missing(lowered):
        return None, None
    try:
        return _parse_count(value), None
    except ValueError:
        if not organs:
            raise
    names = {part.strip().lower() for part in value.replace(",", ";").split(";")}
    names.discard("")
    if not names:
        raise ValueError("neither a count nor organ names")
    return len(names), None


def _cell(frame: pd.DataFrame, row: int, columns: dict[str, str], name: str, path: Path, line: int,
          problems: list[str], parse: Callable[[str], object], expected: str,
          missing: frozenset[str] | None = None):
    """Parse one optional cell; None when missing; a problem (and None) when unparseable."""
    column = columns.get(name)
    if column is None:
        return None
    raw = frame.at[row, column]
    if vocabulary.is_missing(raw) if missing is None else raw.strip().lower() in missing:
        return None
    try:
        return parse(raw)
    except _Explained as exc:
        problems.append(f"{path}: line {line}: column {column}: found {raw!r}: {exc}")
    except (ValueError, OverflowError):
        problems.append(f"{path}: line {line}: column {column}: found {raw!r}, expected {expected}")
    return None


def _load(path: Path, problems: list[str], required: list[str], optional: list[str],
          one_of: tuple[str, ...] = (), missing_hint: str = ""
          ) -> tuple[TextTable, dict[str, str]] | None:
    """:func:`~hpdgenomics.io.table.read_rows` and :func:`~hpdgenomics.io.table.column_map` of one
    file; None (problems noted) when either fails."""
    table = read_rows(path, problems)
    if table is None:
        return None
    columns = column_map(table.frame.columns, path, required, optional, problems, one_of=one_of,
                          missing_hint=missing_hint)
    return None if columns is None else (table, columns)


def _patient_id(frame: pd.DataFrame, row: int, columns: dict[str, str], path: Path, line: int,
                problems: list[str]) -> str | None:
    """The row's patient id; None, with a problem, when the cell is empty."""
    patient = frame.at[row, columns["patient_id"]]
    if _is_missing(patient):
        problems.append(f"{path}: line {line}: column {columns['patient_id']} is empty, "
                        "expected a patient identifier")
        return None
    return patient


def _read_patients(path: Path, problems: list[str], date_order: str | None
                   ) -> pd.DataFrame | None:
    loaded = _load(path, problems, ["patient_id", "ici_start", "ttf_status"],
                   ["ecog_within_2mo", "ecog_baseline"], one_of=("ttf_months", "ttf_days"),
                   missing_hint="; TTF_MONTHS (or TTF_DAYS) and TTF_STATUS may hold blanks but "
                                "the columns must be there")
    if loaded is None:
        return None
    table, columns = loaded
    frame = table.frame
    if "ttf_months" in columns and "ttf_days" in columns:
        problems.append(f"{path}: header has both {columns['ttf_months']} and "
                        f"{columns['ttf_days']}; keep one of them")
        return None
    ttf_column, ttf_scale = (("ttf_months", 1.0) if "ttf_months" in columns
                             else ("ttf_days", 1.0 / DAYS_PER_MONTH))
    dates = _DateReader(date_order)
    records = []
    first_line: dict[str, int] = {}
    by_folded: dict[str, tuple[str, int]] = {}
    for row, line in enumerate(table.lines):
        patient = _patient_id(frame, row, columns, path, line, problems)
        if patient is None:
            continue
        if not _first_listing(patient, line, first_line, by_folded, path, problems):
            continue
        args = (frame, row, columns)
        where = (path, line, problems)
        dates.line = line
        ici_start = _cell(*args, "ici_start", *where, dates, ISO_EXPECTED)
        ttf = _cell(*args, ttf_column, *where,
                    lambda v: _parse_number(v, minimum=0, decimal_comma=table.decimal_comma),
                    f"a number of {ttf_column.split('_')[1]} >= 0")
        event = _cell(*args, "ttf_status", *where, _parse_status,
                      "a status such as 1:DISCONTINUED, 0:CENSORED, 1, 0, event or censored")
        ecog = _cell(*args, "ecog_within_2mo", *where,
                     lambda v: _parse_ecog(v), "an ECOG PS 0-5 or true/false")
        ecog_baseline = _cell(*args, "ecog_baseline", *where, _parse_ecog_score,
                              "an ECOG PS 0-5 (a whole number)")
        records.append({"patient_id": patient, "ici_start": ici_start,
                        "ttf_months": float("nan") if ttf is None else ttf * ttf_scale,
                        "ttf_event": event, "ecog_ps2_within_2mo": ecog,
                        "ecog_baseline": ecog_baseline, "line": line})
    if (conflict := dates.conflict(path)) is not None:
        problems.append(conflict)
    _check_factor_columns(table, columns, path, problems)
    patients = pd.DataFrame.from_records(
        records, columns=["patient_id", "ici_start", "ttf_months", "ttf_event",
                          "ecog_ps2_within_2mo", "ecog_baseline", "line"])
    patients["ttf_event"] = patients["ttf_event"].astype("boolean")
    patients["ecog_ps2_within_2mo"] = patients["ecog_ps2_within_2mo"].astype("boolean")
    patients["ecog_baseline"] = patients["ecog_baseline"].astype("Int64")
    patients["ttf_months"] = patients["ttf_months"].astype(float)
    return patients


def _first_listing(patient: str, line: int, first_line: dict[str, int],
                   by_folded: dict[str, tuple[str, int]], path: Path,
                   problems: list[str]) -> bool:
    """True (and remembered) for a patient's first row; False, with a problem, for a repeated
    id or one differing from an earlier id only by letter case."""
    if patient in first_line:
        problems.append(f"{path}: line {line}: patient {patient!r} already listed on line "
                        f"{first_line[patient]}; keep one row per patient")
        return False
    if patient.casefold() in by_folded:
        other, other_line = by_folded[patient.casefold()]
        problems.append(f"{path}: line {line}: patient {patient!r} differs only by letter "
                        f"case from {other!r} on line {other_line}; ids are compared exactly, "
                        "so write one patient's id one way")
        return False
    first_line[patient] = line
    by_folded[patient.casefold()] = (patient, line)
    return True


def _check_factor_columns(table: TextTable, columns: dict[str, str], path: Path,
                          problems: list[str]) -> None:
    """Validate the other patient factor columns (ECOG, LDH, albumin, ...) with the one reader
    of patient factors (the cohort's too); nothing of them is added to the outputs."""
    from ..io.patient import patient_factor_frame

    frame = table.frame
    used = set(columns.values())
    _, factor_problems = patient_factor_frame(
        frame[[c for c in frame.columns if c not in used]], path=path, lines=table.lines,
        decimal_comma=table.decimal_comma)
    problems.extend(factor_problems)


def _parse_ecog(value: str) -> bool:
    """Lo Russo's criterion is "ECOG PS >= 2 within the first 2 months"; a score or a flag."""
    try:
        score = _parse_count(value)
    except ValueError:
        return _parse_bool(value)
    if score > 5:
        raise ValueError("ECOG PS above 5")
    return score >= THRESHOLDS["lo_russo_ecog_min"]


def _parse_ecog_score(value: str) -> int:
    """ECOG PS at ICI start, read as the patient-factor vocabulary reads ``ecog`` (one range and
    one set of errors with ``screen --patient`` and the cohort's clinical columns)."""
    from ..clinical.factors import parse_value

    try:
        return int(parse_value("ecog", value))
    except ValueError as exc:
        raise _Explained(f"{exc}; expected an ECOG PS 0-4 (a whole number; the factor ecog, "
                         "docs/clinical.md)") from None


def _unknown_patient(patient: str, known: dict[str, object]) -> str:
    """Why ``patient`` may be missing from the patient table: another case, lost leading zeros."""
    same_case = [p for p in known if p.casefold() == patient.casefold()]
    if same_case:
        return f" (it differs only by letter case from {same_case[0]!r} there)"
    if patient.isdigit():
        zeros = [p for p in known if p.isdigit() and p.lstrip("0") == patient.lstrip("0")]
        if zeros:
            return (f" ({zeros[0]!r} there matches but for leading zeros, which a spreadsheet "
                    "drops from numbers: format the id column as text before exporting)")
    return ""


def _flag_column(frame: pd.DataFrame, column: str | None) -> bool:
    """A new-lesion column written with yes/no words: its 1 and 0 are flags too."""
    return column is not None and bool(frame[column].str.lower().isin(_FLAG_WORDS).any())


def _read_measurements(path: Path, patients: pd.DataFrame | None, patients_path: Path,
                       problems: list[str], date_order: str | None) -> pd.DataFrame | None:
    table = read_rows(path, problems)
    if table is None:
        return None
    frame = table.frame
    found = _size_column(frame, path, problems)
    if found is None:
        return None
    size, lesion_rows = found
    columns = column_map(frame.columns, path, ["patient_id", size],
                         ["new_lesions", "new_lesion_organs", "new_organ_involved", "lesion_id"],
                         problems, one_of=("date", "days_from_start"),
                         missing_hint="; sums in centimetres go in a target_sum_cm column, and "
                                      "one row per lesion needs lesion_id and diameter_mm")
    if columns is None:
        return None
    reader = _ScanReader(
        path=path, patients_path=patients_path, table=table, columns=columns, size=size,
        lesion_rows=lesion_rows, problems=problems, dates=_DateReader(date_order),
        starts=(dict(zip(patients["patient_id"], patients["ici_start"], strict=True))
                if patients is not None else None),
        flags={name: _flag_column(frame, columns.get(name))
               for name in ("new_lesions", "new_lesion_organs")})
    records = [record for row, line in enumerate(table.lines)
               if (record := reader.record(row, line)) is not None]
    if (conflict := reader.dates.conflict(path)) is not None:
        problems.append(conflict)
    problems.extend(_implausible_time_axis(records, path, columns.get("days_from_start")))
    return _scans_frame(records, lesion_rows, path, problems)


def _size_column(frame: pd.DataFrame, path: Path, problems: list[str]
                 ) -> tuple[str, bool] | None:
    """(the one size column's canonical name, whether rows are single lesions); None, with a
    problem, for two size columns or lesion diameters without ``lesion_id``."""
    present = {canonical_column(c) for c in frame.columns}
    lesion_rows = "lesion_id" in present
    sizes = [c for c in SIZE_COLUMNS if c in present]
    size_problem = None
    if len(sizes) > 1:
        size_problem = (f"{path}: header has {' and '.join(sizes)}; keep one size column")
    elif sizes and sizes[0].startswith("diameter") and not lesion_rows:
        size_problem = (f"{path}: column {sizes[0]} holds one lesion per row, but there is no "
                        "lesion_id column: add lesion_id so the lesions of a scan are summed, or "
                        "give one row per scan with target_sum_mm")
    if size_problem:
        problems.append(size_problem)
        return None
    return (sizes[0] if sizes else "target_sum_mm"), lesion_rows


@dataclass
class _ScanReader:
    """Reads the measurement rows of one file into scan records, noting every problem."""

    path: Path
    patients_path: Path
    table: TextTable
    columns: dict[str, str]
    size: str
    lesion_rows: bool
    problems: list[str]
    dates: _DateReader
    starts: dict | None                      # patient -> ici_start; None without patient table
    flags: dict[str, bool]

    def _number(self, value: str) -> float:
        return _parse_number(value, decimal_comma=self.table.decimal_comma)

    def _size_number(self, value: str) -> float:
        return _parse_number(value, minimum=0, decimal_comma=self.table.decimal_comma)

    def record(self, row: int, line: int) -> dict | None:
        """The scan record of data row ``row`` (file line ``line``); None when it has a problem."""
        path, frame, columns, size, problems = (self.path, self.table.frame, self.columns,
                                                self.size, self.problems)
        patient = _patient_id(frame, row, columns, path, line, problems)
        if patient is None:
            return None
        if self.starts is not None and patient not in self.starts:
            problems.append(f"{path}: line {line}: patient {patient!r} is not in the patient table "
                            f"{self.patients_path}{_unknown_patient(patient, self.starts)}; add "
                            "the patient there or remove the scan")
            return None
        args = (frame, row, columns)
        where = (path, line, problems)
        n_before = len(problems)
        self.dates.line = line
        date = _cell(*args, "date", *where, self.dates, ISO_EXPECTED)
        days = _cell(*args, "days_from_start", *where, self._number, "a number of days")
        raw_size = frame.at[row, columns[size]]
        size_ne = raw_size.strip().lower() in NOT_EVALUABLE_TOKENS
        target = None if size_ne else _cell(
            *args, size, *where, self._size_number,
            f"a {'diameter' if size.startswith('diameter') else 'sum of diameters'} in "
            f"{size[-2:]} >= 0, or NE when not evaluable")
        lesions = _cell(*args, "new_lesions", *where,
                        lambda v: _new_lesion_count(v, self.flags["new_lesions"], organs=False),
                        "a count >= 0 or yes/no", missing=frozenset())
        organs = _cell(*args, "new_lesion_organs", *where,
                       lambda v: _new_lesion_count(v, self.flags["new_lesion_organs"],
                                                   organs=True),
                       "a count >= 0, organ names separated by ';', or yes/no",
                       missing=frozenset())
        new_organ = _cell(*args, "new_organ_involved", *where, _parse_bool, "true or false")
        lesion_id = _cell(*args, "lesion_id", *where, str, "a lesion identifier")
        if len(problems) > n_before or not self._complete(line, target, size_ne, lesion_id):
            return None
        days = self._day(patient, line, date, days)
        if days is None:
            return None
        new_lesions, lesions_present = lesions if lesions is not None else (None, None)
        new_organs, organs_present = organs if organs is not None else (None, None)
        if size_ne:
            target_sum_mm = float("nan")
        elif target is None:     # _complete has noted an empty size that is not NE
            raise RuntimeError(f"{self.path}: line {line}: empty size passed unchecked (a bug)")
        else:
            target_sum_mm = target * SIZE_COLUMNS[size]
        return {"patient_id": patient, "day": days, "from_date": date is not None,
                "target_sum_mm": target_sum_mm,
                "new_lesions": new_lesions, "new_lesion_organs": new_organs,
                "new_lesions_present": True if lesions_present or organs_present else None,
                "new_organ_involved": new_organ, "lesion_id": lesion_id, "line": line}

    def _complete(self, line: int, target, size_ne: bool, lesion_id) -> bool:
        """False, with a problem, for a row without its size or (lesion rows) its lesion id."""
        if target is None and not size_ne:
            what = "lesion diameter" if self.lesion_rows else "sum of target-lesion diameters"
            self.problems.append(
                f"{self.path}: line {line}: column {self.columns[self.size]} is empty, expected "
                f"the {what} in {self.size[-2:]} (or NE when it could not be assessed)")
            return False
        if self.lesion_rows and lesion_id is None:
            self.problems.append(f"{self.path}: line {line}: column {self.columns['lesion_id']} "
                                 "is empty, expected the target lesion's identifier")
            return False
        return True

    def _day(self, patient: str, line: int, date: dt.date | None,
             days: float | None) -> float | None:
        """Days from ICI start, from the date (checked against ``days_from_start`` when both
        are given) or ``days_from_start``; None, with a problem when one is due, otherwise."""
        path = self.path
        start = self.starts.get(patient) if self.starts is not None else None
        if date is None and days is None:
            self.problems.append(f"{path}: line {line}: neither date nor days_from_start is "
                                 "given; give one of them")
            return None
        if date is None:
            return days
        if start is None:
            if self.starts is not None:
                self.problems.append(
                    f"{path}: line {line}: scan of {patient!r} is dated but the patient's "
                    f"ici_start is empty in {self.patients_path}; give the ICI start date or "
                    "days_from_start")
            return None
        from_date = float((date - start).days)
        if days is not None and days != from_date:
            self.problems.append(
                f"{path}: line {line}: days_from_start {days:g} disagrees with date "
                f"{date.isoformat()} ({from_date:g} days from ici_start {start.isoformat()}); "
                "correct one of them")
            return None
        return from_date


def _scans_frame(records: list[dict], lesion_rows: bool, path: Path,
                 problems: list[str]) -> pd.DataFrame:
    """The scans frame (one row per scan, lesion rows summed, typed, sorted); two scans of a
    patient on one day are a problem."""
    columns_out = ["patient_id", "day", "target_sum_mm", "new_lesions", "new_lesion_organs",
                   "new_lesions_present", "new_organ_involved", "line"]
    scans = pd.DataFrame.from_records([{k: v for k, v in r.items() if k != "from_date"}
                                       for r in records], columns=columns_out + ["lesion_id"])
    if lesion_rows:
        scans = _sum_lesions(scans, path, problems)
    for duplicated in scans[scans.duplicated(["patient_id", "day"], keep=False)].groupby(
            ["patient_id", "day"], sort=True):
        (patient, day), group = duplicated
        problems.append(f"{path}: lines {', '.join(str(n) for n in group['line'])}: patient "
                        f"{patient!r} has {len(group)} scans on the same day ({day:g} days from "
                        "ICI start); keep one scan per day, or, if the file has one row per "
                        "target lesion, add a lesion_id column so the rows of a scan are summed")
    scans = scans[columns_out].copy()
    scans["day"] = scans["day"].astype(float)
    scans["target_sum_mm"] = scans["target_sum_mm"].astype(float)
    scans["new_lesions"] = scans["new_lesions"].astype("Int64")
    scans["new_lesion_organs"] = scans["new_lesion_organs"].astype("Int64")
    scans["new_lesions_present"] = scans["new_lesions_present"].astype("boolean")
    scans["new_organ_involved"] = scans["new_organ_involved"].astype("boolean")
    return scans.sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)


#: RECIST first evaluations on an immune checkpoint inhibitor come 6-12 weeks after the start: a
#: median first scan after the start earlier than this many days means the numbers are not days
EARLIEST_PLAUSIBLE_FIRST_EVAL_DAY = 14
#: a scan further than this many days (10 years) from ICI start is a wrong year, or a day and
#: month swapped, not part of an HPD assessment
FARTHEST_PLAUSIBLE_SCAN_DAYS = 3653
#: the median first-evaluation day is judged only over this many patients or more
PLAUSIBILITY_MIN_PATIENTS = 3


def _implausible_time_axis(records: list[dict], path: Path, days_column: str | None
                           ) -> list[str]:
    """Problems for scan days that cannot be days from ICI start (whole file considered)."""
    problems = []
    far = [r for r in records if abs(r["day"]) > FARTHEST_PLAUSIBLE_SCAN_DAYS]
    for record in far[:10]:
        day = record["day"]
        problems.append(
            f"{path}: line {record['line']}: scan of {record['patient_id']!r} on day {day:g} "
            f"from ICI start ({abs(day) / 365.25:.1f} years {'before' if day < 0 else 'after'} "
            "it): implausible for an HPD assessment; check the year (and the day/month order, "
            "--date-order) or leave the scan out")
    first_after: dict[str, float] = {}
    for record in records:
        if not record["from_date"] and record["day"] > 0:
            patient = record["patient_id"]
            first_after[patient] = min(first_after.get(patient, math.inf), record["day"])
    if days_column and len(first_after) >= PLAUSIBILITY_MIN_PATIENTS:
        median = float(pd.Series(list(first_after.values())).median())
        if median < EARLIEST_PLAUSIBLE_FIRST_EVAL_DAY:
            problems.append(
                f"{path}: column {days_column}: the first scan after ICI start falls at a median "
                f"of day {median:g} ({len(first_after)} patients), but RECIST first evaluations "
                "come 6-12 weeks after the start: these look like months or weeks, not days; "
                "give days (months x 30.4375, weeks x 7) or dates")
    return problems


def _sum_lesions(lesions: pd.DataFrame, path: Path, problems: list[str]) -> pd.DataFrame:
    """One row per scan from one row per target lesion; problems for inconsistent scans."""
    scan_fields = ("new_lesions", "new_lesion_organs", "new_lesions_present", "new_organ_involved")
    scans = []
    for patient, visits in lesions.groupby("patient_id", sort=False):
        expected = set(visits["lesion_id"])
        for day, rows in visits.groupby("day", sort=True):
            lines = rows["line"].tolist()
            where = f"{path}: line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}"
            twice = sorted(rows.loc[rows["lesion_id"].duplicated(), "lesion_id"])
            absent = sorted(expected - set(rows["lesion_id"]))
            if twice:
                problems.append(f"{where}: patient {patient!r}, scan on day {day:g}: lesion(s) "
                                f"{', '.join(map(repr, twice))} measured twice; keep one row per "
                                "lesion and scan")
            if absent:
                problems.append(f"{where}: patient {patient!r}, scan on day {day:g}: target "
                                f"lesion(s) {', '.join(map(repr, absent))} measured at other scans "
                                "are missing; give 0 for a lesion that disappeared or NE when it "
                                "was not assessed")
            record = {"patient_id": patient, "day": day, "line": lines[0],
                      # one NE lesion leaves the sum unknown (pandas' sum would skip it)
                      "target_sum_mm": rows["target_sum_mm"].sum(min_count=len(rows))}
            for name in scan_fields:
                values = set(rows[name].dropna())
                if len(values) > 1:
                    problems.append(f"{where}: patient {patient!r}, scan on day {day:g}: the "
                                    f"lesion rows disagree on {name} ({sorted(values, key=str)}); "
                                    "it describes the scan, so give one value")
                record[name] = values.pop() if values else None
            scans.append(record)
    return pd.DataFrame.from_records(scans, columns=list(lesions.columns.drop("lesion_id")))


def read_hpd_inputs(measurements: str | Path, patients: str | Path, *,
                    date_order: str | None = None) -> HpdInputs:
    """Read, validate and normalise the measurement and patient tables (see module docstring).

    ``date_order`` (``"dmy"`` or ``"mdy"``) reads numeric dates such as ``04/03/2021`` that would
    otherwise be ambiguous. Raises :class:`ClinicalDataError` listing every problem found in either
    file.
    """
    if date_order is not None and date_order not in DATE_ORDERS:
        raise UsageError(f"date_order {date_order!r} is not one of {', '.join(DATE_ORDERS)}")
    measurements, patients = Path(measurements), Path(patients)
    problems: list[str] = []
    for path in (measurements, patients):
        if not path.is_file():
            problems.append(f"{path}: file not found")
    if problems:
        raise ClinicalDataError("HPD input tables cannot be read", problems=problems,
                                hint="check the --measurements and --patients paths")
    patient_table = _read_patients(patients, problems, date_order)
    scans = _read_measurements(measurements, patient_table, patients, problems, date_order)
    if problems:
        raise ClinicalDataError("HPD input tables cannot be used", problems=problems,
                                hint="fix the listed lines and rerun")
    if patient_table is None or scans is None:   # each reader notes why it returns no table
        raise RuntimeError(f"{patients} or {measurements} gave no table and no problem (a bug)")
    log.info("read %d scans of %d patients from %s and %d patients from %s", len(scans),
             scans["patient_id"].nunique(), measurements, len(patient_table), patients)
    return HpdInputs(scans=scans, patients=patient_table, measurements_path=str(measurements),
                     patients_path=str(patients), measurements_sha256=sha256_file(measurements),
                     patients_sha256=sha256_file(patients))
