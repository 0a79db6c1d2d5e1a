"""Reading and validating the measurement and patient tables; every problem reported at once."""
from __future__ import annotations

from pathlib import Path

import pytest

from hpdgenomics.errors import ClinicalDataError
from hpdgenomics.hpd.tables import read_hpd_inputs

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hpd"


def fixture(name: str) -> Path:
    return FIXTURES / name


def test_csv_with_days_from_start_and_organ_names():
    inputs = read_hpd_inputs(fixture("measurements_days_from_start.csv"),
                             fixture("patients_valid.tsv"))
    scans = inputs.scans
    assert list(scans["patient_id"]) == ["P1", "P1", "P1", "P2"]
    assert list(scans["day"]) == [-60.0, 0.0, 56.0, -30.0]
    first_eval = scans.iloc[2]
    assert first_eval["new_lesions"] == 3
    assert first_eval["new_lesion_organs"] == 2        # "liver; bone;liver" = 2 distinct organs
    assert bool(first_eval["new_organ_involved"]) is True
    assert scans["new_lesions"].isna().tolist() == [True, False, False, True]
    assert len(inputs.measurements_sha256) == 64


def test_patient_table_values():
    inputs = read_hpd_inputs(fixture("measurements_days_from_start.csv"),
                             fixture("patients_valid.tsv"))
    patients = inputs.patients.set_index("patient_id")
    assert patients.loc["P1", "ttf_months"] == 1.5
    assert bool(patients.loc["P1", "ttf_event"]) is True
    assert bool(patients.loc["P2", "ttf_event"]) is False
    assert bool(patients.loc["P1", "ecog_ps2_within_2mo"]) is True    # ECOG 2 >= 2
    assert bool(patients.loc["P2", "ecog_ps2_within_2mo"]) is False
    assert patients["ttf_event"].isna()["P3"]


def test_cbioportal_style_patient_file(tmp_path):
    measurements = tmp_path / "scans.tsv"
    measurements.write_text("patient_id\tdate\ttarget_sum_mm\nP1\t2021-02-01\t40\n"
                            "P1\t2021-03-31\t60\n")
    inputs = read_hpd_inputs(measurements, fixture("patients_cbioportal_header.txt"))
    patients = inputs.patients.set_index("patient_id")
    assert list(patients.index) == ["P1", "P2", "P3"]
    assert patients["line"].tolist() == [6, 7, 8]          # after four '#' lines and the header
    assert patients["ecog_ps2_within_2mo"].isna()["P1"]   # [Not Available]
    assert patients["ttf_months"].isna()["P2"]
    assert bool(patients.loc["P3", "ecog_ps2_within_2mo"]) is True
    # dates become days from ICI start 2021-03-01
    assert inputs.scans["day"].tolist() == [-28.0, 30.0]


def test_every_problem_is_listed_with_file_and_line():
    with pytest.raises(ClinicalDataError) as caught:
        read_hpd_inputs(fixture("measurements_many_problems.tsv"), fixture("patients_valid.tsv"))
    problems = caught.value.problems
    text = "\n".join(problems)
    assert len(problems) == 7, text
    assert "line 3: column date: found '2021-31-01', expected an ISO date" in text
    assert "line 4: column target_sum_mm: found 'forty'" in text
    assert "line 5: column target_sum_mm: found '-3'" in text
    assert "line 6: patient 'P9' is not in the patient table" in text
    assert "line 7: column new_lesions: found 'two'" in text
    assert "line 7: column new_organ_involved: found 'maybe'" in text
    assert "line 8: neither date nor days_from_start" in text
    assert all("measurements_many_problems.tsv" in p for p in problems)
    assert "\n" not in str(caught.value)


def test_same_day_scans_are_rejected_naming_both_lines():
    with pytest.raises(ClinicalDataError, match=r"lines 3, 4: patient 'P1' has 2 scans on the "
                                                r"same day \(0 days from ICI start\)"):
        read_hpd_inputs(fixture("measurements_same_day_scans.tsv"), fixture("patients_valid.tsv"))


def test_missing_required_column_names_what_was_found():
    with pytest.raises(ClinicalDataError, match=r"lacks required column\(s\) target_sum_mm "
                                                r"\(found: patient_id, date, sum_mm\)"):
        read_hpd_inputs(fixture("measurements_missing_target_column.tsv"),
                        fixture("patients_valid.tsv"))


def test_duplicate_patient_rows():
    with pytest.raises(ClinicalDataError, match=r"line 4: patient 'P1' already listed on line 2"):
        read_hpd_inputs(fixture("measurements_same_day_scans.tsv"),
                        fixture("patients_duplicate_patient.tsv"))


def test_date_and_days_that_disagree():
    with pytest.raises(ClinicalDataError) as caught:
        read_hpd_inputs(fixture("measurements_days_disagree_with_date.tsv"),
                        fixture("patients_valid.tsv"))
    assert len(caught.value.problems) == 1
    assert "line 4: days_from_start 30 disagrees with date 2021-04-01 (31 days" in \
        caught.value.problems[0]


def test_dated_scan_needs_the_ici_start(tmp_path):
    measurements = tmp_path / "scans.tsv"
    measurements.write_text("patient_id\tdate\ttarget_sum_mm\nP3\t2021-05-20\t30\n")
    patients = tmp_path / "patients.tsv"
    patients.write_text("patient_id\tici_start\tTTF_MONTHS\tTTF_STATUS\nP3\t\t3\t1\n")
    with pytest.raises(ClinicalDataError, match="ici_start is empty"):
        read_hpd_inputs(measurements, patients)


def test_bad_patient_values_and_missing_file(tmp_path):
    patients = tmp_path / "patients.tsv"
    patients.write_text("patient_id\tici_start\tTTF_MONTHS\tTTF_STATUS\tecog_within_2mo\n"
                        "P1\t01/03/2021\t-1\tmaybe\t7\n")
    measurements = tmp_path / "scans.tsv"
    measurements.write_text("patient_id\tdays_from_start\ttarget_sum_mm\nP1\t0\t30\n")
    with pytest.raises(ClinicalDataError) as caught:
        read_hpd_inputs(measurements, patients)
    columns = [p.split("column ")[1].split(":")[0] for p in caught.value.problems]
    assert columns == ["ici_start", "TTF_MONTHS", "TTF_STATUS", "ecog_within_2mo"]
    with pytest.raises(ClinicalDataError, match="file not found"):
        read_hpd_inputs(tmp_path / "absent.tsv", patients)


def test_row_with_surplus_fields_is_reported_not_shifted():
    with pytest.raises(ClinicalDataError) as caught:
        read_hpd_inputs(fixture("measurements_surplus_fields.tsv"), fixture("patients_valid.tsv"))
    assert caught.value.problems == [
        f"{fixture('measurements_surplus_fields.tsv')}: line 2: 5 fields but the header has 3; "
        "check the separator and stray tabs or commas"]


def test_trailing_blank_fields_may_be_trimmed(tmp_path):
    patients = tmp_path / "patients.tsv"
    patients.write_text("patient_id\tici_start\tTTF_MONTHS\tTTF_STATUS\nP1\t2021-03-01\n")
    measurements = tmp_path / "scans.tsv"
    measurements.write_text("patient_id\tdays_from_start\ttarget_sum_mm\nP1\t0\t30\n\n")
    inputs = read_hpd_inputs(measurements, patients)
    assert inputs.patients["ttf_months"].isna().all()
    assert inputs.scans["target_sum_mm"].tolist() == [30.0]
