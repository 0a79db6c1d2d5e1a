"""Clinical tables: cBioPortal and plain TSV/CSV, time units, statuses, and every error at once."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.io.clinical import DAYS_PER_MONTH, parse_event, read_clinical

FIXTURES = Path(__file__).parent / "fixtures" / "cohort"


@pytest.mark.shared
def test_cbioportal_patients_with_os_columns(shared_data):
    clinical = shared_data / "clinical"
    table = read_clinical(clinical / "data_clinical_patients.txt", time_col="OS_MONTHS",
                          status_col="OS_STATUS",
                          samples_path=clinical / "data_clinical_samples.txt")
    assert table.level == "patient" and len(table.df) == 841
    assert table.columns_used == {"id": "PATIENT_ID", "time": "OS_MONTHS", "status": "OS_STATUS"}
    by_patient = table.df.set_index("patient_id")
    assert by_patient.loc["TCGA-A1-A0SK", "ttf_months"] == pytest.approx(31.77)
    assert bool(by_patient.loc["TCGA-A1-A0SK", "ttf_event"]) is True
    # "[Not Available]" and blanks are missing, not errors
    assert pd.isna(by_patient.loc["TCGA-A2-A04P", "ttf_months"])
    assert pd.isna(by_patient.loc["TCGA-A2-A04P", "ttf_event"])
    assert int(table.df["ttf_months"].notna().sum()) == 841 - 33
    assert int(table.df["ttf_event"].sum()) == 87                  # 1:DECEASED
    # the DFS pair is carried as covariates; DFS_MONTHS is all numbers or missing -> float
    assert table.df["DFS_MONTHS"].dtype == float
    assert table.sample_to_patient["TCGA-A1-A0SB-02"] == "TCGA-A1-A0SB"
    assert len(table.sample_to_patient) == 845
    assert table.sha256 and table.samples_sha256


@pytest.mark.shared
def test_cbioportal_patients_with_dfs_columns(shared_data):
    table = read_clinical(shared_data / "clinical" / "data_clinical_patients.txt",
                          time_col="DFS_MONTHS",
                          status_col="DFS_STATUS")
    # In this test study all 57 "1:Recurred/Progressed" rows lack DFS_MONTHS, and 10 censored
    # rows too: a status without a time is taken as missing, and said so.
    assert int(table.df["ttf_months"].notna().sum()) == 717
    assert int(table.df["ttf_event"].sum()) == 0
    assert any(w.startswith("67 row(s) have a time without a status") for w in table.warnings)


@pytest.mark.shared
def test_cbioportal_default_ttf_columns_absent_lists_what_exists(shared_data):
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(shared_data / "clinical" / "data_clinical_patients.txt")
    message = str(caught.value)
    assert "missing column(s) TTF_MONTHS, TTF_STATUS" in message
    assert "OS_MONTHS" in message and "DFS_MONTHS" in message


@pytest.mark.shared
def test_maftools_survival_in_days_with_minus_infinity(shared_data):
    path = shared_data / "clinical" / "maftools_laml_survival.tsv"
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(path, time_col="days_to_last_followup", status_col="Overall_Survival_Status",
                      time_unit="days")
    assert len(caught.value.problems) == 12
    assert all("'-Inf': not a finite number" in p for p in caught.value.problems)
    assert "line 86, column days_to_last_followup" in caught.value.problems[0]

    table = read_clinical(path, time_col="days_to_last_followup",
                          status_col="Overall_Survival_Status", time_unit="days",
                          on_invalid="missing")
    assert table.level == "sample" and len(table.df) == 200
    assert len(table.unparseable) == 12 and table.unparseable[0].line == 86
    first = table.df.iloc[0]
    assert first.sample_id == first.patient_id == "TCGA-AB-2802"
    assert first.ttf_months == pytest.approx(365 / 30.4375)
    assert int(table.df["ttf_months"].notna().sum()) == 188


def test_cbioportal_style_fixture_with_samples_and_binary_outcome():
    table = read_clinical(FIXTURES / "clinical_cbioportal_ttf_patients.txt",
                          samples_path=FIXTURES / "clinical_cbioportal_ttf_samples.txt",
                          binary_cols=["HPD"])
    df = table.df.set_index("patient_id")
    assert df["ttf_months"].tolist()[:3] == [1.5, 1.0, 7.25]
    assert df["ttf_event"].astype(object).tolist()[:4] == [True, False, True, pd.NA]
    assert df["HPD"].astype(object).tolist() == [True, False, pd.NA, pd.NA, False, True]
    assert df["AGE"].dtype == float and pd.isna(df.loc["P4", "AGE"])
    assert table.sample_to_patient == {"P1-T1": "P1", "P2-T1": "P2", "P3-T2": "P3",
                                       "P3-T1": "P3", "P4-T1": "P4", "P5-T1": "P5", "P6-T1": "P6"}
    assert table.columns_used["binary:HPD"] == "HPD"


def test_days_unit_and_status_vocabulary():
    table = read_clinical(FIXTURES / "clinical_days_and_status_words.tsv", time_col="ttf_days",
                          status_col="outcome", time_unit="days")
    months = dict(zip(table.df.patient_id, table.df.ttf_months, strict=True))
    assert months["A"] == pytest.approx(1.0) and months["B"] == pytest.approx(2.0)
    assert months["C"] == pytest.approx(3.0) and months["D"] == 0.0
    assert months["E"] == pytest.approx(15 / DAYS_PER_MONTH)
    events = dict(zip(table.df.patient_id, table.df.ttf_event.astype(bool), strict=True))
    assert events == {"A": True, "B": False, "C": True, "D": False, "E": True, "F": False,
                      "G": True, "H": False}


def test_weeks_unit(tmp_path):
    path = tmp_path / "weeks.tsv"
    path.write_text("PATIENT_ID\tTTF_WEEKS\tTTF_STATUS\nP1\t13.04464\t1\n")
    table = read_clinical(path, time_col="TTF_WEEKS", time_unit="weeks")
    assert table.df.ttf_months[0] == pytest.approx(13.04464 * 7 / 30.4375)


def test_every_problem_listed_in_one_error():
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(FIXTURES / "clinical_many_problems.tsv")
    problems = caught.value.problems
    text = "\n".join(problems)
    assert len(problems) == 5, problems
    assert "line 3, column TTF_MONTHS: 'one': not a number" in text
    assert "line 4, column TTF_MONTHS: '-2': negative time" in text
    assert "line 5, column TTF_STATUS: 'maybe': not a recognised event status" in text
    assert "line 7, column PATIENT_ID: blank identifier" in text
    assert "lines 2, 6, column PATIENT_ID: patient 'P1' appears 2 times" in text
    assert "clinical_many_problems.tsv" in str(caught.value)


def test_on_invalid_missing_drops_duplicated_patients():
    table = read_clinical(FIXTURES / "clinical_many_problems.tsv", on_invalid="missing")
    assert table.duplicate_patients == ["P1"]
    assert table.df.patient_id.tolist() == ["P2", "P3", "P4"]
    assert table.df.ttf_months.isna().all()
    assert {(u.line, u.column) for u in table.unparseable} == {
        (3, "TTF_MONTHS"), (4, "TTF_MONTHS"), (5, "TTF_STATUS")}


def test_missing_status_column_names_alternatives():
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(FIXTURES / "clinical_missing_status_column.tsv")
    message = str(caught.value)
    assert "missing column(s) TTF_STATUS" in message and "OS_MONTHS" in message


def test_bad_binary_value_is_a_problem():
    with pytest.raises(ClinicalDataError, match="line 3, column HPD: 'maybe'"):
        read_clinical(FIXTURES / "clinical_bad_binary_value.tsv", binary_cols=["HPD"])


def test_time_without_status_is_missing_and_warned():
    table = read_clinical(FIXTURES / "clinical_time_without_status.tsv")
    assert table.df.ttf_months.isna().tolist() == [True, True, False]
    assert any("2 row(s) have a time without a status" in w for w in table.warnings)


def test_comma_separated_sample_level_table():
    table = read_clinical(FIXTURES / "clinical_comma_separated.csv", id_col="sample_id")
    assert table.level == "sample"
    assert table.df.sample_id.tolist() == ["T1", "T2", "T3"]
    # blank patient id: the sample is its own patient, and the warnings say so
    assert table.df.patient_id.tolist() == ["P1", "P2", "T3"]
    assert any("taken as its own patient" in w for w in table.warnings)


def test_option_values_are_checked():
    with pytest.raises(UsageError, match="time_unit 'years'"):
        read_clinical(FIXTURES / "clinical_time_without_status.tsv", time_unit="years")


@pytest.mark.parametrize("value, expected", [
    ("1:PROGRESSED", True), ("0:CENSORED", False), ("1:DECEASED", True), ("0:LIVING", False),
    ("1", True), ("0", False), ("TRUE", True), ("false", False), ("event", True),
    ("censored", False), ("", None), ("[Not Available]", None), ("NA", None)])
def test_status_values(value, expected):
    assert parse_event(value) is expected


def test_unknown_status_raises():
    with pytest.raises(ValueError):
        parse_event("2:OTHER")


def test_samples_file_problems_join_the_same_error():
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(FIXTURES / "clinical_many_problems.tsv",
                      samples_path=FIXTURES / "clinical_samples_conflicting_patient.txt")
    problems = caught.value.problems
    assert len(problems) == 7
    assert any("line 3, column SAMPLE_ID: sample 'P1-T1' mapped to patient 'P2' here and to "
               "'P1' on line 2" in p for p in problems)
    assert any("clinical_samples_conflicting_patient.txt line 4, column PATIENT_ID: blank" in p
               for p in problems)


# --- a table with both PATIENT_ID and SAMPLE_ID: one row per sample ---------------------------

def test_combined_patient_and_sample_table_is_sample_level_with_its_own_mapping():
    table = read_clinical(FIXTURES / "clinical_combined_patient_and_sample_rows.txt",
                          binary_cols=["HPD"])
    assert table.level == "sample"
    assert table.sample_to_patient == {"P1-T1": "P1", "P2-T1": "P2", "P3-T1": "P3",
                                       "P3-T2": "P3", "P4-T1": "P4"}
    assert table.df.sample_id.tolist() == ["P1-T1", "P2-T1", "P3-T1", "P3-T2", "P4-T1"]
    assert table.columns_used == {"id": "SAMPLE_ID", "time": "TTF_MONTHS", "status": "TTF_STATUS",
                                  "patient_id": "PATIENT_ID", "binary:HPD": "HPD"}
    by_sample = table.df.set_index("sample_id")
    # the patient's outcome on both of its rows; sample attributes may differ between them
    assert by_sample.loc[["P3-T1", "P3-T2"], "ttf_months"].tolist() == [1.2, 1.2]
    assert by_sample.loc[["P3-T1", "P3-T2"], "SAMPLE_TYPE"].tolist() == ["Primary", "Metastasis"]
    assert table.inconsistent_patients == [] and table.duplicate_samples == []


def test_naming_the_patient_column_keeps_the_sample_rows():
    table = read_clinical(FIXTURES / "clinical_combined_patient_and_sample_rows.txt",
                          id_col="patient_id")
    assert table.level == "sample" and table.sample_to_patient["P3-T2"] == "P3"


def test_patient_outcome_differing_between_sample_rows_is_a_problem():
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(FIXTURES / "clinical_patient_outcome_differs_between_samples.tsv",
                      binary_cols=["HPD"])
    problems = caught.value.problems
    assert len(problems) == 2, problems
    assert ("lines 3, 4, column TTF_MONTHS: patient 'P2' has different values on its sample rows "
            "('3.0' on line 3, '8.0' on line 4)") in problems[0]
    assert "lines 5, 6, column HPD: patient 'P3'" in problems[1]
    assert "'true' on line 5, 'false' on line 6" in problems[1]


def test_patient_outcome_differing_between_sample_rows_becomes_missing_on_request():
    table = read_clinical(FIXTURES / "clinical_patient_outcome_differs_between_samples.tsv",
                          binary_cols=["HPD"], on_invalid="missing")
    assert table.inconsistent_patients == ["P2", "P3"]
    by_sample = table.df.set_index("sample_id")
    assert by_sample.loc[["P2-T1", "P2-T2"], "ttf_months"].isna().all()
    assert by_sample.loc[["P2-T1", "P2-T2"], "ttf_event"].isna().all()   # time and status together
    assert by_sample.loc[["P3-T1", "P3-T2"], "HPD"].isna().all()
    # only the value that disagrees is lost: P3's TTF agrees and stays, P1 is untouched
    assert by_sample.loc["P3-T1", "ttf_months"] == 1.0
    assert bool(by_sample.loc["P1-T1", "HPD"]) is True
    assert any("problem(s) treated as missing" in w for w in table.warnings)


# --- no time-to-event columns (binary or HPD outcome) -----------------------------------------

def test_no_time_to_event_columns_asked_for():
    table = read_clinical(FIXTURES / "clinical_binary_outcome_without_ttf_columns.tsv",
                          time_col=None, status_col=None, binary_cols=["HPD_LABEL"])
    assert not table.has_time_to_event and table.no_time_to_event
    assert table.df.ttf_months.isna().all() and table.df.ttf_event.isna().all()
    assert table.df.HPD_LABEL.astype(object).tolist() == [True, False, False, pd.NA, True]
    assert "time" not in table.columns_used and table.df.AGE.tolist()[0] == 61


def test_absent_time_to_event_columns_accepted_when_not_required():
    table = read_clinical(FIXTURES / "clinical_binary_outcome_without_ttf_columns.tsv",
                          binary_cols=["HPD_LABEL"], require_time_to_event=False)
    assert table.no_time_to_event == ("the clinical table lacks the time-to-event column(s) "
                                      "TTF_MONTHS, TTF_STATUS")
    assert any("not evaluable" in w for w in table.warnings)
    # where the columns are there they are used, required or not
    present = read_clinical(FIXTURES / "clinical_combined_patient_and_sample_rows.txt",
                            require_time_to_event=False)
    assert present.has_time_to_event and present.df.ttf_months.notna().sum() == 4


def test_absent_time_to_event_columns_required_names_what_the_file_has():
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(FIXTURES / "clinical_binary_outcome_without_ttf_columns.tsv",
                      binary_cols=["HPD_LABEL"])
    message = str(caught.value)
    assert "missing column(s) TTF_MONTHS, TTF_STATUS" in message
    assert "the file has PATIENT_ID, HPD_LABEL, AGE" in message
    assert "--time-column/--status-column" in message


def test_time_column_without_status_column_is_a_usage_error():
    with pytest.raises(UsageError, match="status_col given without time_col"):
        read_clinical(FIXTURES / "clinical_binary_outcome_without_ttf_columns.tsv",
                      time_col=None, status_col="TTF_STATUS")
