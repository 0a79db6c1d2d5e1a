"""Property-based tests of time parsing and unit conversion: the cohort clinical reader's times
(:func:`hpdgenomics.io.clinical.parse_time`, ``time_unit`` days/weeks/months) and the HPD tables'
date reader and ``TTF_DAYS`` column (:mod:`hpdgenomics.hpd.tables`).

A month is 30.4375 days (365.25 / 12) and a week 7 days: the oracle below says so itself.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpdgenomics.hpd.growth import months_between
from hpdgenomics.hpd.tables import _DateReader, read_hpd_inputs
from hpdgenomics.io.clinical import parse_time, read_clinical
from hpdgenomics.io.vocabulary import MISSING_VALUES

settings.register_profile("hpdgenomics-properties", derandomize=True, database=None,
                          deadline=None, max_examples=200, print_blob=False)
settings.load_profile("hpdgenomics-properties")
# tests that write and read whole files run fewer examples
FILES = settings(max_examples=25)

DAYS_IN_A_MONTH = 365.25 / 12
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hpd"

TIMES = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)


# --- io.clinical.parse_time --------------------------------------------------------------------

@given(TIMES, st.sampled_from(["", " ", "\t"]), st.sampled_from(["", " ", "\r"]))
def test_a_written_time_reads_back_as_itself(value, before, after):
    assert parse_time(before + repr(value) + after) == value
    assert parse_time(f"{value:.4f}") == float(f"{value:.4f}")


@given(st.integers(0, 99999), st.integers(0, 999).map(lambda n: f"{n:03d}"))
def test_a_decimal_comma_is_read_only_when_allowed(whole, fraction):
    text = f"{whole},{fraction}"
    assert parse_time(text, decimal_comma=True) == float(f"{whole}.{fraction}")
    with pytest.raises(ValueError):
        parse_time(text)            # never read as 1 (or 1000) without the semicolon file's say


@given(st.floats(max_value=0.0, exclude_max=True, allow_nan=False, allow_infinity=False)
       .filter(lambda v: repr(v) != "-0.0"))
def test_a_negative_time_is_refused(value):
    with pytest.raises(ValueError):
        parse_time(repr(value))


@given(st.sampled_from(sorted(MISSING_VALUES)).flatmap(
    lambda word: st.sampled_from([word, word.upper(), word.title(), f" {word} "])))
def test_missing_words_are_missing_not_zero(text):
    assert parse_time(text) is None


# --- io.clinical.read_clinical: time_unit ------------------------------------------------------

MONTHS_PER = {"days": 1 / DAYS_IN_A_MONTH, "weeks": 7 / DAYS_IN_A_MONTH, "months": 1.0}


@FILES
@given(st.sampled_from(sorted(MONTHS_PER)),
       st.lists(st.floats(0.5, 40.0), min_size=3, max_size=12))
def test_times_are_converted_to_months_at_30_4375_days(unit, months):
    """Times written in days/weeks/months (plausible ones: 0.5 to 40 months) come out in months."""
    written = [round(m / MONTHS_PER[unit], 3) for m in months]
    rows = "".join(f"P{i}\t{value}\t1:PROGRESSED\n" for i, value in enumerate(written))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clinical.tsv"
        path.write_text(f"PATIENT_ID\tTTF\tTTF_STATUS\n{rows}")
        table = read_clinical(path, time_col="TTF", time_unit=unit)
    got = table.df.set_index("patient_id")["ttf_months"]
    for i, value in enumerate(written):
        assert got[f"P{i}"] == pytest.approx(value * MONTHS_PER[unit], rel=1e-12)


# --- hpd.tables: dates -------------------------------------------------------------------------

DATES = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def read_date(text: str, date_order: str | None = None) -> dt.date:
    return _DateReader(date_order)(text)


@given(DATES, st.sampled_from(["", "T00:00:00", "T13:45:10Z", " 08:30:00", "T08:30:00.250+01:00"]))
def test_iso_dates_read_back(date, time):
    assert read_date(date.isoformat() + time) == date


@given(DATES, st.sampled_from(["%Y%m%d", "%Y/%m/%d", "%Y.%m.%d"]))
def test_year_first_dates_read_back(date, form):
    assert read_date(date.strftime(form)) == date


@given(DATES, st.sampled_from(["{d.day}-{b}-{d.year}", "{d.day:02d} {B} {d.year}",
                               "{d.day}/{b}/{d.year}", "{B} {d.day}, {d.year}",
                               "{b}. {d.day} {d.year}", "{b} {d.day}th {d.year}"]),
       st.sampled_from([str, str.upper, str.lower]))
def test_dates_with_a_month_name_read_back(date, form, case):
    text = form.format(d=date, b=case(date.strftime("%b")), B=case(date.strftime("%B")))
    assert read_date(text) == date


def excel_serial(date: dt.date) -> int:
    """Excel's 1900 date system: 1900-01-01 is day 1, and day 60 is the 29 February 1900 that
    never was, so every later date is one day further on."""
    return (date - dt.date(1900, 1, 1)).days + 2


@given(st.dates(dt.date(1954, 10, 3), dt.date(2119, 1, 10)),
       st.sampled_from(["", ".0", ".5", ".999"]))
def test_excel_serial_days_read_back(date, time_of_day):
    assert read_date(f"{excel_serial(date)}{time_of_day}") == date


@given(DATES, st.sampled_from("/.-"))
def test_day_first_and_month_first_dates_with_the_order_given(date, sep):
    assert read_date(date.strftime(f"%d{sep}%m{sep}%Y"), "dmy") == date
    assert read_date(date.strftime(f"%m{sep}%d{sep}%Y"), "mdy") == date


@given(DATES, st.sampled_from("/.-"))
def test_numeric_dates_without_an_order_are_read_only_when_one_reading_exists(date, sep):
    """Without date_order, a numeric date is read when only one order makes it a date (or both
    orders give the same date), and is refused, never guessed, when the orders disagree."""
    reader = _DateReader(None)
    text = date.strftime(f"%d{sep}%m{sep}%Y")
    if date.day > 12 or date.day == date.month:
        assert reader(text) == date
    else:
        with pytest.raises(ValueError, match="ambiguous"):
            reader(text)


@given(DATES.filter(lambda d: d.day > 12), DATES.filter(lambda d: d.day > 12))
def test_a_file_mixing_day_first_and_month_first_dates_is_caught(day_first, month_first):
    reader = _DateReader(None)
    reader.line = 2
    assert reader(day_first.strftime("%d/%m/%Y")) == day_first
    reader.line = 3
    assert reader(month_first.strftime("%m/%d/%Y")) == month_first
    conflict = reader.conflict(Path("patients.tsv"))
    assert conflict is not None and "line 2" in conflict and "line 3" in conflict


@given(DATES.filter(lambda d: d.day > 12))
def test_a_date_that_contradicts_the_given_order_is_refused(date):
    with pytest.raises(ValueError, match="date_order mdy"):
        read_date(date.strftime("%d/%m/%Y"), "mdy")


# --- hpd.growth: scan intervals ----------------------------------------------------------------

SCAN_DAYS = st.floats(-3653.0, 3653.0)


@given(SCAN_DAYS, SCAN_DAYS, SCAN_DAYS)
def test_intervals_between_scans_are_days_over_30_4375_and_add_up(a, b, c):
    assert months_between(a, b) == pytest.approx((b - a) / DAYS_IN_A_MONTH, abs=1e-12)
    assert months_between(a, b) + months_between(b, c) == pytest.approx(months_between(a, c),
                                                                        abs=1e-9)
    assert months_between(a, b) == pytest.approx(-months_between(b, a), abs=1e-12)


# --- hpd.tables: TTF_DAYS ----------------------------------------------------------------------

@FILES
@given(st.floats(0.0, 3000.0).map(lambda v: round(v, 2)), st.sampled_from(["TTF_DAYS",
                                                                            "TTF_MONTHS"]))
def test_hpd_patient_time_to_failure_in_days_or_months(value, column):
    patients = ("patient_id\tici_start\t{column}\tTTF_STATUS\n"
                "P1\t2021-03-01\t{value}\t1:DISCONTINUED\nP2\t2021-04-01\t\t\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "patients.tsv"
        path.write_text(patients.format(column=column, value=value))
        inputs = read_hpd_inputs(FIXTURES / "measurements_days_from_start.csv", path)
    months = inputs.patients.set_index("patient_id")["ttf_months"]
    expected = value / DAYS_IN_A_MONTH if column == "TTF_DAYS" else value
    assert months["P1"] == pytest.approx(expected, rel=1e-12)
