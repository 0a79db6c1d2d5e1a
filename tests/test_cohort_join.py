"""Joining analysed samples to clinical outcome: mapping, multi-sample policy, early failure."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.cohort import (
    ProfilingMap,
    join_clinical,
    read_clinical,
    read_maf,
    sample_to_patient_from_manifest,
)
from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.io.manifest import ManifestRow

FIXTURES = Path(__file__).parent / "fixtures" / "cohort"


@pytest.fixture
def clinical():
    return read_clinical(FIXTURES / "clinical_cbioportal_ttf_patients.txt",
                         samples_path=FIXTURES / "clinical_cbioportal_ttf_samples.txt",
                         binary_cols=["HPD"])


def test_early_failure_and_multi_sample_policy(clinical):
    samples = ["P1-T1", "P2-T1", "P3-T2", "P3-T1", "P4-T1", "P5-T1", "P6-T1", "X-T1", "P1-T1"]
    joined, report = join_clinical(samples, None, clinical)
    assert joined.sample_id.tolist() == ["P1-T1", "P2-T1", "P3-T1", "P4-T1", "P5-T1", "P6-T1",
                                         "X-T1"]
    by_sample = joined.set_index("sample_id")
    early = by_sample["early_failure"].astype(object)
    assert early["P1-T1"] is True             # 1.5 months, progressed
    assert early["P2-T1"] is pd.NA            # censored at 1.0 month: not evaluable
    assert early["P3-T1"] is False            # 7.25 months
    assert early["P4-T1"] is pd.NA            # no time
    assert early["P5-T1"] is False            # exactly 2.0 months is not < 2
    assert early["P6-T1"] is False            # censored after the cut-off
    assert early["X-T1"] is pd.NA and not by_sample.loc["X-T1", "has_clinical"]
    assert bool(by_sample.loc["P1-T1", "HPD"]) is True and by_sample.loc["P1-T1", "AGE"] == 61
    assert by_sample.loc["P3-T1", "patient_id"] == "P3"

    assert report.multi_sample_patients == {"P3": ["P3-T1", "P3-T2"]}
    assert report.samples_left_out == ["P3-T2"]
    assert report.samples_without_clinical == ["X-T1"]
    assert report.samples_without_outcome == ["P4-T1"]
    assert report.duplicate_samples == ["P1-T1"]
    assert report.patients_without_samples == []
    assert report.outcome_counts["early_failure"] == 1
    assert report.outcome_counts["no_early_failure"] == 3
    assert report.outcome_counts["censored_before_cutoff"] == 1
    problems = "\n".join(report.problems())
    assert "P3 (kept P3-T1; left out P3-T2)" in problems and "X-T1" in problems
    assert "sorts first" in report.policy_text
    json.dumps(report.to_dict())              # the report model must serialise


def test_error_policy_names_every_multi_sample_patient(clinical):
    with pytest.raises(ClinicalDataError, match="patient P3: samples P3-T1, P3-T2"):
        join_clinical(["P3-T1", "P3-T2", "P1-T1"], None, clinical, policy="error")
    with pytest.raises(UsageError):
        join_clinical(["P1-T1"], None, clinical, policy="last")


def test_cut_off_is_an_option(clinical):
    joined, report = join_clinical(["P1-T1", "P2-T1", "P3-T1"], None, clinical,
                                   early_failure_months=8.0)
    assert joined.early_failure.astype(object).tolist() == [True, pd.NA, True]
    assert report.early_failure_months == 8.0


def test_manifest_mapping_wins_and_conflicts_are_reported(clinical):
    rows = [ManifestRow(sample_id="tumourA", line=2, patient_id="P1"),
            ManifestRow(sample_id="P2-T1", line=3, patient_id="P6"),
            ManifestRow(sample_id="P5-T1", line=4)]
    mapping = sample_to_patient_from_manifest(rows)
    assert mapping == {"tumourA": "P1", "P2-T1": "P6"}
    joined, report = join_clinical(["tumourA", "P2-T1", "P5-T1"], mapping, clinical)
    assert joined.patient_id.tolist() == ["P1", "P6", "P5"]
    assert report.mapping == {"given mapping (manifest patient_id)": 2, "clinical samples file": 1}
    assert len(report.mapping_conflicts) == 1 and "P2-T1" in report.mapping_conflicts[0]
    assert sorted(report.patients_without_samples) == ["P2", "P3", "P4"]


def test_sample_ids_equal_to_patient_ids_without_mapping():
    table = read_clinical(FIXTURES / "clinical_days_and_status_words.tsv", time_col="ttf_days",
                          status_col="outcome", time_unit="days")
    joined, report = join_clinical(["A", "B", "Z"], None, table)
    assert joined.has_clinical.tolist() == [True, True, False]
    assert report.mapping["sample id equals a clinical patient id (no mapping given)"] == 2
    assert joined.early_failure.astype(object).tolist() == [True, False, pd.NA]


def test_profiling_assumption_travels_into_the_report(clinical):
    _, report = join_clinical(["P1-T1"], None, clinical,
                              profiling_assumption=ProfilingMap().assumption)
    assert "every sample is taken as profiled for every gene" in report.problems()[-1]


@pytest.mark.shared
def test_cbioportal_study_mutations_to_clinical(shared_data):
    maf = read_maf(shared_data / "maf/cbioportal_data_mutations_extended.maf")
    clinical = read_clinical(shared_data / "clinical/data_clinical_patients.txt",
                             time_col="OS_MONTHS",
                             status_col="OS_STATUS",
                             samples_path=shared_data / "clinical/data_clinical_samples.txt")
    joined, report = join_clinical(maf.samples, None, clinical)
    assert len(maf.samples) == 21 and len(joined) == 18
    assert report.multi_sample_patients == {
        "TCGA-A1-A0SB": ["TCGA-A1-A0SB-01", "TCGA-A1-A0SB-02"],
        "TEST_PATIENT_NAMESPACE": ["TEST_SAMPLE_SOMATIC_HETEROZYGOUS",
                                   "TEST_SAMPLE_SOMATIC_HOMOZYGOUS",
                                   "TEST_SAMPLE_SOMATIC_UNDEFINED"]}
    assert report.samples_without_clinical == []
    assert report.outcome_counts["with_ttf"] == 11
    a0sb = joined.set_index("sample_id").loc["TCGA-A1-A0SB-01"]
    assert a0sb.ttf_months == pytest.approx(8.51) and bool(a0sb.ttf_event) is False


@pytest.mark.shared
def test_tcga_laml_maf_to_survival_table(shared_data):
    maf = read_maf(shared_data / "maf/tcga_laml.maf.gz")
    clinical = read_clinical(shared_data / "clinical/maftools_laml_survival.tsv",
                             time_col="days_to_last_followup",
                             status_col="Overall_Survival_Status", time_unit="days",
                             on_invalid="missing")
    joined, report = join_clinical(maf.samples, None, clinical)
    assert len(joined) == 193 and report.samples_without_clinical == []
    assert len(report.patients_without_samples) == 7
    assert len(report.unparseable_values) == 12
    assert report.outcome_counts["with_ttf"] == 182
    # TCGA-AB-2810: 31 days, died -> early failure; TCGA-AB-2809: 62 days (2.04 months) -> not
    by_sample = joined.set_index("sample_id")
    assert bool(by_sample.loc["TCGA-AB-2810", "early_failure"]) is True
    assert bool(by_sample.loc["TCGA-AB-2809", "early_failure"]) is False


def test_combined_patient_and_sample_table_joins_by_its_own_sample_ids():
    table = read_clinical(FIXTURES / "clinical_combined_patient_and_sample_rows.txt",
                          binary_cols=["HPD"])
    joined, report = join_clinical(["P1-T1", "P3-T2", "P3-T1", "P2-T1", "Z-T1"], None, table)
    assert report.mapping == {"clinical table": 4, "not mapped": 1}
    assert report.multi_sample_patients == {"P3": ["P3-T1", "P3-T2"]}
    by_sample = joined.set_index("sample_id")
    assert by_sample.loc["P3-T1", "patient_id"] == "P3"
    assert by_sample.loc["P3-T1", "SAMPLE_TYPE"] == "Primary"      # the kept sample's own row
    assert bool(by_sample.loc["P3-T1", "early_failure"]) is True
    assert bool(by_sample.loc["P2-T1", "early_failure"]) is False
    assert report.samples_without_clinical == ["Z-T1"]
    assert report.patients_without_samples == ["P4"]


def test_inconsistent_patients_are_named_in_the_join_report():
    table = read_clinical(FIXTURES / "clinical_patient_outcome_differs_between_samples.tsv",
                          binary_cols=["HPD"], on_invalid="missing")
    joined, report = join_clinical(["P2-T1", "P3-T1"], None, table)
    assert report.inconsistent_patients == ["P2", "P3"]
    assert any("differs between their sample rows" in p and "P2, P3" in p
               for p in report.problems())
    assert pd.isna(joined.set_index("sample_id").loc["P2-T1", "ttf_months"])


def test_table_without_time_to_event_does_not_list_every_sample_as_lacking_an_outcome():
    table = read_clinical(FIXTURES / "clinical_binary_outcome_without_ttf_columns.tsv",
                          time_col=None, status_col=None, binary_cols=["HPD_LABEL"])
    joined, report = join_clinical(["P1", "P2", "P9"], None, table)
    assert report.samples_without_outcome == [] and report.time_to_event is False
    assert report.samples_without_clinical == ["P9"]
    assert joined.early_failure.isna().all()
    assert joined.HPD_LABEL.astype(object).tolist() == [True, False, pd.NA]
