"""Issue 9, cohort inputs: no silent wrong answer from clinical tables, MAFs, gene panels, cohort
joins and HPD measurement tables. Each test names the class of defect it guards against."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.hpd.tables import read_hpd_inputs
from hpdgenomics.io import vocabulary
from hpdgenomics.io.clinical import read_clinical

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cohort_plausibility"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def fixture(name: str) -> Path:
    return FIXTURES / name


def shared(relative: str) -> Path:
    path = SHARED / relative
    if not path.is_file():
        pytest.skip(f"shared data {relative} absent")
    return path


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# --- one vocabulary for cohort and hpd-classify ---------------------------------------------------

def _expected_events() -> dict[str, bool | None]:
    return {row["patient_id"]: {"True": True, "False": False, "": None}[row["expected_event"]]
            for row in _tsv(fixture("vocabulary_expected_events.tsv"))}


def _events(frame: pd.DataFrame) -> dict[str, bool | None]:
    return {p: (None if pd.isna(e) else bool(e))
            for p, e in zip(frame["patient_id"], frame["ttf_event"])}


def test_cohort_and_hpd_classify_read_every_status_and_missing_word_the_same():
    # on main, hpd-classify refused y/n/dead/alive/deceased and GDC's '--/unknown, and cohort
    # refused discontinued/ongoing
    expected = _expected_events()
    clinical = read_clinical(fixture("vocabulary_clinical_status_words.tsv"))
    hpd = read_hpd_inputs(fixture("vocabulary_hpd_measurements.tsv"),
                          fixture("vocabulary_hpd_patients_status_words.tsv"))
    assert _events(clinical.df) == expected
    assert _events(hpd.patients) == expected
    assert sum(v is None for v in expected.values()) == 8


def test_one_vocabulary_module_is_what_both_readers_use():
    from hpdgenomics.hpd import tables
    from hpdgenomics.io import clinical

    assert clinical.MISSING_VALUES is vocabulary.MISSING_VALUES is tables.MISSING_TOKENS
    for word in vocabulary.EVENT_WORDS | vocabulary.CENSORED_WORDS:
        assert clinical.parse_event(word) is tables._parse_status(word) is \
            (word in vocabulary.EVENT_WORDS)
    assert not vocabulary.EVENT_WORDS & vocabulary.CENSORED_WORDS
    assert not (vocabulary.EVENT_WORDS | vocabulary.CENSORED_WORDS) & vocabulary.MISSING_VALUES
