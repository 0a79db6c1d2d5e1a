"""Read and validate the two tables the HPD classification needs.

Formats
-------
Both tables are delimited text (TSV, or CSV when the file name ends in ``.csv``; gzip allowed).
Lines that start with ``#`` before the header row are skipped (cBioPortal clinical style). Column
names are matched case-insensitively. Missing values: blank, ``NA``, ``N/A``, ``NaN``, ``null``,
``.``, ``[Not Available]``, ``[Not Applicable]``, ``[Unknown]``.

*Measurements* (one row per scan):

===================== ========= =====================================================================
column                required  meaning
===================== ========= =====================================================================
patient_id            yes       links to the patient table
date                  one of    ISO date of the scan (``2021-03-04``)
days_from_start       one of    days from ICI start (negative before, 0 = start day); if a row has
                                both, they must agree with ``ici_start``
target_sum_mm         yes       sum of the longest diameters of the RECIST target lesions, mm, >= 0
new_lesions           no        number of new lesions seen at this scan (integer >= 0)
new_lesion_organs     no        number of organs holding those new lesions (integer >= 0), or their
                                names separated by ``;`` (counted as distinct names)
new_organ_involved    no        true/false: disease spread to an organ not involved before
===================== ========= =====================================================================

*Patients* (one row per patient): ``patient_id``, ``ici_start`` (ISO date; may be blank only when
every scan of the patient is given as ``days_from_start``), ``TTF_MONTHS`` (>= 0, may be blank),
``TTF_STATUS`` (``1:...``/``0:...``, ``1``/``0``, ``true``/``false``, ``event``/``censored``,
``discontinued``; may be blank) and optional ``ecog_within_2mo`` (worst ECOG PS 0-5 in the first two
months, or true/false meaning "PS >= 2").

Normalised output
-----------------
:func:`read_hpd_inputs` returns :class:`HpdInputs` whose ``scans`` frame has one row per scan with
``patient_id``, ``day`` (float, days from ICI start; the time axis everything else uses),
``target_sum_mm`` and ``new_lesions``/``new_lesion_organs`` (nullable Int64) and
``new_organ_involved`` (nullable boolean), plus ``line`` (1-based line in the file). The
``patients`` frame holds ``patient_id``, ``ici_start`` (datetime.date or None), ``ttf_months``
(float, NaN when missing), ``ttf_event`` (nullable boolean), ``ecog_ps2_within_2mo`` (nullable
boolean) and ``line``.

Every problem in both files (missing columns, unparseable dates or numbers, unknown patients,
duplicate scans, duplicate patients) is collected first and raised together as one
:class:`~hpdgenomics.errors.ClinicalDataError` naming file and line.
"""
from __future__ import annotations

import csv
import datetime as dt
import logging
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from ..errors import ClinicalDataError
from ..io.text import open_text, sha256_file
from .definitions import THRESHOLDS

log = logging.getLogger(__name__)

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", ".", "[not available]",
                           "[not applicable]", "[unknown]", "[not evaluated]"})
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_EVENT = frozenset({"1", "true", "yes", "event", "discontinued", "progressed", "failed"})
_CENSORED = frozenset({"0", "false", "no", "censored", "ongoing"})


@dataclass(frozen=True)
class HpdInputs:
    """The validated measurement and patient tables, with the files they came from."""

    scans: pd.DataFrame
    patients: pd.DataFrame
    measurements_path: str
    patients_path: str
    measurements_sha256: str
    patients_sha256: str


def _is_missing(value: str) -> bool:
    return value.strip().lower() in MISSING_TOKENS


def _raw_table(path: Path, problems: list[str]) -> tuple[pd.DataFrame, list[int]] | None:
    """All cells as stripped strings, and the file line number of each data row."""
    try:
        with open_text(path) as handle:
            lines = handle.read().splitlines()
    except (OSError, EOFError, zlib.error) as exc:
        problems.append(f"{path}: cannot be read ({exc}); is it truncated or not really gzip?")
        return None
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    if skipped >= len(lines) or not lines[skipped].strip():
        problems.append(f"{path}: no header row found (expected a tab- or comma-separated header "
                        "after any '#' lines)")
        return None
    name = path.name.lower().removesuffix(".gz")
    header = lines[skipped]
    sep = "," if name.endswith(".csv") or ("\t" not in header and "," in header) else "\t"
    # csv rather than pandas here: pandas silently turns surplus leading fields into an index,
    # and every row must keep its file line number for the error messages.
    rows = csv.reader(lines[skipped:], delimiter=sep)
    columns = [c.strip() for c in next(rows)]
    records, line_numbers = [], []
    for offset, fields in enumerate(rows):
        line = skipped + 2 + offset
        fields = [f.strip() for f in fields]
        if not any(fields):
            continue
        if len(fields) > len(columns):
            problems.append(f"{path}: line {line}: {len(fields)} fields but the header has "
                            f"{len(columns)}; check the separator and stray tabs or commas")
            continue
        records.append(fields + [""] * (len(columns) - len(fields)))  # trailing blanks trimmed
        line_numbers.append(line)
    return pd.DataFrame(records, columns=columns, dtype=str), line_numbers


def _column_map(frame: pd.DataFrame, path: Path, required: list[str], optional: list[str],
                problems: list[str], one_of: tuple[str, ...] = ()) -> dict[str, str] | None:
    """Map canonical lower-case names onto the file's own column spelling."""
    by_lower: dict[str, str] = {}
    for column in frame.columns:
        if column.lower() in by_lower:
            problems.append(f"{path}: line header: column {column!r} appears twice")
        by_lower[column.lower()] = column
    missing = [c for c in required if c.lower() not in by_lower]
    if one_of and not any(c in by_lower for c in one_of):
        missing.append(" or ".join(one_of))
    if missing:
        problems.append(f"{path}: header lacks required column(s) {', '.join(missing)} "
                        f"(found: {', '.join(frame.columns)})")
        return None
    return {c.lower(): by_lower[c.lower()] for c in required + optional + list(one_of)
            if c.lower() in by_lower}


def _parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _parse_number(value: str, *, minimum: float | None = None) -> float:
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


def _parse_status(value: str) -> bool:
    head, colon, _ = value.partition(":")
    if colon and head.strip() in {"0", "1"}:
        return head.strip() == "1"
    return _parse_word(value, _EVENT, _CENSORED, "an event/censored status")


def _parse_organs(value: str) -> int:
    try:
        return _parse_count(value)
    except ValueError:
        names = {part.strip().lower() for part in value.replace(",", ";").split(";")}
        names.discard("")
        if not names:
            raise ValueError("neither a count nor organ names") from None
        return len(names)


def _cell(frame: pd.DataFrame, row: int, columns: dict[str, str], name: str, path: Path, line: int,
          problems: list[str], parse: Callable[[str], object], expected: str):
    """Parse one optional cell; None when missing; a problem (and None) when unparseable."""
    column = columns.get(name)
    if column is None:
        return None
    raw = frame.at[row, column]
    if _is_missing(raw):
        return None
    try:
        return parse(raw)
    except ValueError:
        problems.append(f"{path}: line {line}: column {column}: found {raw!r}, expected {expected}")
        return None


def _load(path: Path, problems: list[str], required: list[str], optional: list[str],
          one_of: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[int], dict[str, str]] | None:
    """:func:`_raw_table` and :func:`_column_map` of one file; None (problems noted) when either
    fails."""
    loaded = _raw_table(path, problems)
    if loaded is None:
        return None
    frame, lines = loaded
    columns = _column_map(frame, path, required, optional, problems, one_of=one_of)
    return None if columns is None else (frame, lines, columns)


def _patient_id(frame: pd.DataFrame, row: int, columns: dict[str, str], path: Path, line: int,
                problems: list[str]) -> str | None:
    """The row's patient id; None, with a problem, when the cell is empty."""
    patient = frame.at[row, columns["patient_id"]]
    if _is_missing(patient):
        problems.append(f"{path}: line {line}: column {columns['patient_id']} is empty, "
                        "expected a patient identifier")
        return None
    return patient


def _read_patients(path: Path, problems: list[str]) -> pd.DataFrame | None:
    loaded = _load(path, problems, ["patient_id", "ici_start", "ttf_months", "ttf_status"],
                   ["ecog_within_2mo"])
    if loaded is None:
        return None
    frame, lines, columns = loaded
    records = []
    first_line: dict[str, int] = {}
    for row, line in enumerate(lines):
        patient = _patient_id(frame, row, columns, path, line, problems)
        if patient is None:
            continue
        if patient in first_line:
            problems.append(f"{path}: line {line}: patient {patient!r} already listed on line "
                            f"{first_line[patient]}; keep one row per patient")
            continue
        first_line[patient] = line
        args = (frame, row, columns)
        where = (path, line, problems)
        ici_start = _cell(*args, "ici_start", *where, _parse_date, "an ISO date like 2021-03-04")
        ttf = _cell(*args, "ttf_months", *where, lambda v: _parse_number(v, minimum=0),
                    "a number of months >= 0")
        event = _cell(*args, "ttf_status", *where, _parse_status,
                      "a status such as 1:DISCONTINUED, 0:CENSORED, 1, 0, event or censored")
        ecog = _cell(*args, "ecog_within_2mo", *where,
                     lambda v: _parse_ecog(v), "an ECOG PS 0-5 or true/false")
        records.append({"patient_id": patient, "ici_start": ici_start,
                        "ttf_months": float("nan") if ttf is None else ttf,
                        "ttf_event": event, "ecog_ps2_within_2mo": ecog, "line": line})
    patients = pd.DataFrame.from_records(
        records, columns=["patient_id", "ici_start", "ttf_months", "ttf_event",
                          "ecog_ps2_within_2mo", "line"])
    patients["ttf_event"] = patients["ttf_event"].astype("boolean")
    patients["ecog_ps2_within_2mo"] = patients["ecog_ps2_within_2mo"].astype("boolean")
    patients["ttf_months"] = patients["ttf_months"].astype(float)
    return patients


def _parse_ecog(value: str) -> bool:
    """Lo Russo's criterion is "ECOG PS >= 2 within the first 2 months"; a score or a flag."""
    try:
        score = _parse_count(value)
    except ValueError:
        return _parse_bool(value)
    if score > 5:
        raise ValueError("ECOG PS above 5")
    return score >= THRESHOLDS["lo_russo_ecog_min"]


def _read_measurements(path: Path, patients: pd.DataFrame | None, patients_path: Path,
                       problems: list[str]) -> pd.DataFrame | None:
    loaded = _load(path, problems, ["patient_id", "target_sum_mm"],
                   ["new_lesions", "new_lesion_organs", "new_organ_involved"],
                   one_of=("date", "days_from_start"))
    if loaded is None:
        return None
    frame, lines, columns = loaded
    starts = dict(zip(patients["patient_id"], patients["ici_start"])) if patients is not None else None
    records = []
    for row, line in enumerate(lines):
        patient = _patient_id(frame, row, columns, path, line, problems)
        if patient is None:
            continue
        if starts is not None and patient not in starts:
            problems.append(f"{path}: line {line}: patient {patient!r} is not in the patient table "
                            f"{patients_path}; add the patient there or remove the scan")
            continue
        args = (frame, row, columns)
        where = (path, line, problems)
        n_before = len(problems)
        date = _cell(*args, "date", *where, _parse_date, "an ISO date like 2021-03-04")
        days = _cell(*args, "days_from_start", *where, _parse_number, "a number of days")
        target = _cell(*args, "target_sum_mm", *where, lambda v: _parse_number(v, minimum=0),
                       "a sum of diameters in mm >= 0")
        new_lesions = _cell(*args, "new_lesions", *where, _parse_count, "a count >= 0")
        organs = _cell(*args, "new_lesion_organs", *where, _parse_organs,
                       "a count >= 0 or organ names separated by ';'")
        new_organ = _cell(*args, "new_organ_involved", *where, _parse_bool, "true or false")
        if len(problems) > n_before:
            continue
        if target is None:
            problems.append(f"{path}: line {line}: column {columns['target_sum_mm']} is empty, "
                            "expected the sum of target-lesion diameters in mm")
            continue
        start = starts.get(patient) if starts is not None else None
        if date is None and days is None:
            problems.append(f"{path}: line {line}: neither date nor days_from_start is given; "
                            "give one of them")
            continue
        if date is not None:
            if start is None:
                if starts is not None:
                    problems.append(f"{path}: line {line}: scan of {patient!r} is dated but the "
                                    f"patient's ici_start is empty in {patients_path}; give the "
                                    "ICI start date or days_from_start")
                continue
            from_date = float((date - start).days)
            if days is not None and days != from_date:
                problems.append(f"{path}: line {line}: days_from_start {days:g} disagrees with "
                                f"date {date.isoformat()} ({from_date:g} days from ici_start "
                                f"{start.isoformat()}); correct one of them")
                continue
            days = from_date
        records.append({"patient_id": patient, "day": days, "target_sum_mm": target,
                        "new_lesions": new_lesions, "new_lesion_organs": organs,
                        "new_organ_involved": new_organ, "line": line})
    scans = pd.DataFrame.from_records(
        records, columns=["patient_id", "day", "target_sum_mm", "new_lesions",
                          "new_lesion_organs", "new_organ_involved", "line"])
    for duplicated in scans[scans.duplicated(["patient_id", "day"], keep=False)].groupby(
            ["patient_id", "day"], sort=True):
        (patient, day), group = duplicated
        problems.append(f"{path}: lines {', '.join(str(n) for n in group['line'])}: patient "
                        f"{patient!r} has {len(group)} scans on the same day ({day:g} days from "
                        "ICI start); keep one scan per day")
    scans["day"] = scans["day"].astype(float)
    scans["target_sum_mm"] = scans["target_sum_mm"].astype(float)
    scans["new_lesions"] = scans["new_lesions"].astype("Int64")
    scans["new_lesion_organs"] = scans["new_lesion_organs"].astype("Int64")
    scans["new_organ_involved"] = scans["new_organ_involved"].astype("boolean")
    return scans.sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)


def read_hpd_inputs(measurements: str | Path, patients: str | Path) -> HpdInputs:
    """Read, validate and normalise the measurement and patient tables (see module docstring).

    Raises :class:`ClinicalDataError` listing every problem found in either file.
    """
    measurements, patients = Path(measurements), Path(patients)
    problems: list[str] = []
    for path in (measurements, patients):
        if not path.is_file():
            problems.append(f"{path}: file not found")
    if problems:
        raise ClinicalDataError("HPD input tables cannot be read", problems=problems,
                                hint="check the --measurements and --patients paths")
    patient_table = _read_patients(patients, problems)
    scans = _read_measurements(measurements, patient_table, patients, problems)
    if problems:
        raise ClinicalDataError("HPD input tables cannot be used", problems=problems,
                                hint="fix the listed lines and rerun")
    log.info("read %d scans of %d patients from %s and %d patients from %s", len(scans),
             scans["patient_id"].nunique(), measurements, len(patient_table), patients)
    return HpdInputs(scans=scans, patients=patient_table, measurements_path=str(measurements),
                     patients_path=str(patients), measurements_sha256=sha256_file(measurements),
                     patients_sha256=sha256_file(patients))
