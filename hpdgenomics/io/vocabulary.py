"""The one vocabulary of missing values, event and censoring words, and yes/no flags.

Both table readers that take clinical words use it: the cohort's clinical table
(:mod:`hpdgenomics.io.clinical`) and the HPD classification's patient and measurement tables
(:mod:`hpdgenomics.hpd.tables`), so a word accepted by one is accepted, with the same meaning, by
the other. Words are compared after stripping, lower-casing and collapsing inner white space.

Missing values
    blank, ``NA``, ``N/A``, ``NaN``, ``None``, ``null``, ``.``, the cBioPortal markers in square
    brackets (``[Not Available]``, ``[Not Applicable]``, ``[Unknown]``, ``[Discrepancy]``,
    ``[Completed]``, and any ``[Not ...]``), and the NCI GDC's ``'--`` (the quote keeps
    spreadsheets from reading it as a formula), ``--``, ``not reported`` and ``unknown``.

Event status (time-to-event outcomes)
    ``1:<label>`` / ``0:<label>`` (cBioPortal, e.g. ``1:PROGRESSED``, ``0:CENSORED``), and the words
    in :data:`EVENT_WORDS` (an event: treatment failed, disease progressed, patient died) and
    :data:`CENSORED_WORDS` (no event yet: treatment ongoing, patient alive).

Flags
    :data:`TRUE_WORDS` and :data:`FALSE_WORDS` (true/false, t/f, yes/no, y/n, 1/0).
"""
from __future__ import annotations

import math
import re

#: values that mean "no value"; see the module docstring
MISSING_VALUES = frozenset({
    "", "na", "n/a", "nan", "none", "null", ".",
    "[not available]", "[not applicable]", "[unknown]", "[not evaluated]", "[discrepancy]",
    "[completed]", "[not reported]",
    "'--", "--", "not reported", "unknown"})

#: missing values in a MAF's fields: fewer than in clinical tables, because the MAF format gives
#: ``Unknown`` a meaning (the Hugo_Symbol of an intergenic variant) and ``-`` is an allele
MAF_MISSING_VALUES = frozenset({"", "na", "n/a", "nan", ".", "null", "none", "[not available]"})

#: a time-to-event status meaning the event happened (treatment failure, progression, death)
EVENT_WORDS = frozenset({
    "1", "true", "t", "yes", "y", "event", "progressed", "progression", "deceased", "dead",
    "died", "recurred", "failed", "discontinued"})

#: a time-to-event status meaning the patient was censored (no event by the last follow-up)
CENSORED_WORDS = frozenset({
    "0", "false", "f", "no", "n", "censored", "living", "alive", "diseasefree", "disease free",
    "not progressed", "ongoing"})

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})

_CBIOPORTAL_STATUS = re.compile(r"^\s*([01])\s*:")

EXPECTED_STATUS = ("a status: 1:<label>/0:<label> (cBioPortal), 1/0, true/false, yes/no, or a "
                   "word such as event, progressed, dead, discontinued / censored, alive, ongoing")
EXPECTED_FLAG = "true/false, 1/0, yes/no or y/n (blank = not evaluable)"


def normalise_word(value: object) -> str:
    """Stripped, lower-cased, inner white space collapsed: how vocabulary words are compared."""
    return " ".join(str(value).strip().lower().split())


def is_missing(value: object) -> bool:
    """True for None, NaN and the missing-value words above."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    text = normalise_word(value)
    return text in MISSING_VALUES or (text.startswith("[not ") and text.endswith("]"))


def parse_event(value: object) -> bool | None:
    """True (event), False (censored) or None (missing); ValueError for any other word."""
    if is_missing(value):
        return None
    found = _CBIOPORTAL_STATUS.match(str(value))
    if found:
        return found.group(1) == "1"
    text = normalise_word(value)
    if text in EVENT_WORDS:
        return True
    if text in CENSORED_WORDS:
        return False
    raise ValueError(f"not a recognised event status (expected {EXPECTED_STATUS})")


def parse_flag(value: object) -> bool | None:
    """True, False or None (missing); ValueError for any other word."""
    if is_missing(value):
        return None
    text = normalise_word(value)
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"expected {EXPECTED_FLAG}")
