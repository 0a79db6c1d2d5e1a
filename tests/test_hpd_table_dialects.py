"""``hpd-classify`` on measurement and patient tables as clinical groups export them.

Each fixture in tests/fixtures/hpd_table_dialects/ holds one export habit (BOM, semicolons and
decimal commas, day-first dates, Excel serials, sums in cm, one row per lesion, NE sums, yes/no
flags, TTF in days, ids with leading zeros) or one awkward course of disease (1-day interval, growth
that overflows, pre-baseline years back, zero sums). Values are checked against the published
formulas written out below, not against the library's functions.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.errors import ClinicalDataError
from hpdgenomics.hpd import HpdOptions, classify_hpd, load_hpd_calls, read_hpd_inputs

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hpd_table_dialects"
DAYS_PER_MONTH = 365.25 / 12


def fixture(name: str) -> Path:
    return FIXTURES / name


def ferte_tgr(d0: float, d1: float, days: float) -> float:
    """Ferté 2014: TGR = 100 (exp(3 ln(D1/D0) / t) - 1), t in months."""
    return 100.0 * (math.exp(3.0 * math.log(d1 / d0) / (days / DAYS_PER_MONTH)) - 1.0)


def tgk(d0: float, d1: float, days: float) -> float:
    """Saâda-Bouzid 2017: (D1 - D0) / t, mm per month."""
    return (d1 - d0) / (days / DAYS_PER_MONTH)


def by_patient(result) -> dict:
    return {r.patient_id: r for r in result.patients}


def problems_of(measurements: str, patients: str = "patients_standard.tsv", **kwargs) -> list[str]:
    with pytest.raises(ClinicalDataError) as caught:
        read_hpd_inputs(fixture(measurements), fixture(patients), **kwargs)
    return caught.value.problems


# --- file dialects ----------------------------------------------------------------------------

STANDARD_DAYS = [-56.0, 0.0, 42.0]      # 2021-01-04, 2021-03-01, 2021-04-12 against 2021-03-01


@pytest.mark.parametrize("name", ["measurements_utf8_bom_crlf_quoted.csv",
                                  "measurements_edc_column_labels.csv",
                                  "measurements_excel_trailing_empty_columns.csv"])
def test_spreadsheet_exports_read_like_a_plain_tsv(name):
    scans = read_hpd_inputs(fixture(name), fixture("patients_standard.tsv")).scans
    assert scans["patient_id"].tolist() == ["P1"] * 3
    assert scans["day"].tolist() == STANDARD_DAYS
    assert scans["target_sum_mm"].tolist() == [40.0, 50.0, 80.0]


def test_semicolon_csv_with_decimal_commas():
    inputs = read_hpd_inputs(fixture("measurements_semicolon_decimal_comma.csv"),
                             fixture("patients_semicolon_decimal_comma.csv"))
    assert inputs.scans["target_sum_mm"].tolist() == [40.5, 50.25, 80.0]
    assert inputs.scans["day"].tolist() == STANDARD_DAYS
    assert inputs.patients["ttf_months"].tolist() == [1.5]


def test_unambiguous_date_formats_all_land_on_the_same_days():
    scans = read_hpd_inputs(fixture("measurements_date_formats.tsv"),
                            fixture("patients_standard.tsv")).scans
    # 4-Jan-2021, ISO datetime at midnight, Excel serial 44298 (= 2021-04-12, 1900 system)
    assert scans.loc[scans.patient_id == "P1", "day"].tolist() == STANDARD_DAYS
    # 2021/01/18, 13/03/2021 and 28/04/2021 (day first: 13 and 28 cannot be months)
    assert scans.loc[scans.patient_id == "P2", "day"].tolist() == [-42.0, 12.0, 58.0]


def test_ambiguous_slash_dates_are_errors_naming_each_line_unless_an_order_is_given():
    problems = problems_of("measurements_date_slash_ambiguous.tsv")
    assert len(problems) == 3
    for line, value in ((2, "04/01/2021"), (3, "01/03/2021"), (4, "12/04/2021")):
        assert any(f"line {line}: column date: found {value!r}" in p and "date_order" in p
                   for p in problems), problems
    scans = read_hpd_inputs(fixture("measurements_date_slash_ambiguous.tsv"),
                            fixture("patients_standard.tsv"), date_order="dmy").scans
    assert scans["day"].tolist() == STANDARD_DAYS


def test_day_first_and_month_first_dates_in_one_file_are_an_error():
    problems = problems_of("measurements_date_orders_conflict.tsv")
    assert len(problems) == 1
    assert "13/01/2021" in problems[0] and "04/28/2021" in problems[0]
    assert "line 2" in problems[0] and "line 4" in problems[0]


# --- units and lesion rows ----------------------------------------------------------------------

def test_target_sum_in_cm_is_converted_to_mm():
    result = classify_hpd(fixture("measurements_target_sum_cm.tsv"),
                          fixture("patients_standard.tsv"), HpdOptions(missing_new_lesions="none"))
    p1 = by_patient(result)["P1"]
    assert p1.scans.baseline.target_sum_mm == pytest.approx(50.0)
    # 5.0 -> 5.4 cm is +4 mm (+8 %): RECIST's absolute 5 mm rule is checked in mm
    assert p1.calls["recist_pd_first_eval"].value is False
    assert "+4 mm" in p1.calls["recist_pd_first_eval"].reason
    assert p1.measures.tgk_exp.value == pytest.approx(tgk(50, 54, 42))
    assert p1.measures.tgr_ref.value == pytest.approx(ferte_tgr(40, 50, 56))


def test_target_sum_without_unit_is_an_error_that_names_both_units():
    (problem,) = problems_of("measurements_target_sum_without_unit.tsv")
    assert "target_sum_mm" in problem and "target_sum_cm" in problem


def test_one_row_per_lesion_is_summed_per_scan():
    result = classify_hpd(fixture("measurements_one_row_per_lesion.tsv"),
                          fixture("patients_standard.tsv"))
    p1 = by_patient(result)["P1"]
    assert [p1.scans.pre_baseline.target_sum_mm, p1.scans.baseline.target_sum_mm,
            p1.scans.first_eval.target_sum_mm] == [40.0, 50.0, 80.0]
    assert p1.scans.first_eval.new_lesions == 2
    assert p1.measures.tgr_exp.value == pytest.approx(ferte_tgr(50, 80, 42))
    assert p1.measures.tgr_ref.value == pytest.approx(ferte_tgr(40, 50, 56))


def test_a_target_lesion_missing_from_a_scan_is_an_error():
    (problem,) = problems_of("measurements_lesion_missing_at_follow_up.tsv")
    assert "line 4" in problem and "'L2'" in problem


def test_lesion_rows_without_lesion_id_are_not_taken_for_scans():
    (problem,) = problems_of("measurements_lesion_rows_without_lesion_id.tsv")
    assert "lines 2, 3" in problem and "add a lesion_id column" in problem


# --- not evaluable and zero sums ------------------------------------------------------------

def test_ne_target_sum_makes_its_periods_not_evaluable_but_keeps_new_lesions():
    result = classify_hpd(fixture("measurements_target_sum_not_evaluable.tsv"),
                          fixture("patients_standard.tsv"))
    p1, p2 = by_patient(result)["P1"], by_patient(result)["P2"]
    assert p1.measures.tgr_ref.value == pytest.approx(ferte_tgr(40, 50, 56))
    assert p1.measures.tgr_exp.value is None
    assert "not evaluable" in p1.measures.tgr_exp.reason and "day 42" in p1.measures.tgr_exp.reason
    assert p1.calls["recist_pd_first_eval"].value is True        # new lesions decide it
    assert p2.measures.tgr_ref.value is None and "day -56" in p2.measures.tgr_ref.reason
    assert p2.measures.tgr_exp.value == pytest.approx(ferte_tgr(50, 60, 42))
    assert p2.measures.pct_change_first_eval.value == pytest.approx(20.0)
    assert p2.calls["recist_pd_first_eval"].value is True        # +20 % and +10 mm


def test_zero_sums_give_reasons_not_infinities():
    result = classify_hpd(fixture("measurements_complete_response_zero_sums.tsv"),
                          fixture("patients_standard.tsv"))
    p1, p2 = by_patient(result)["P1"], by_patient(result)["P2"]
    assert p1.measures.tgr_ref.value == -100.0                   # shrank to nothing
    assert p1.measures.tgr_exp.value is None and "0 mm" in p1.measures.tgr_exp.reason
    assert p1.measures.tgk_exp.value == pytest.approx(tgk(0, 12, 42))
    assert p1.calls["recist_pd_first_eval"].value is True        # +12 mm from a 0 mm baseline
    assert p2.measures.tgr_exp.value == -100.0
    assert p2.measures.delta_tgr.value == pytest.approx(-100.0 - ferte_tgr(40, 30, 56))
    cells = {c for line in result.to_tsv().splitlines() for c in line.split("\t")}
    assert not cells & {"inf", "-inf", "nan"}


# --- flags and patient table ---------------------------------------------------------------------

def test_new_lesion_flags_as_words():
    result = by_patient(classify_hpd(fixture("measurements_new_lesions_as_words.tsv"),
                                     fixture("patients_eight.tsv")))
    recist = {p: result[p].calls["recist_pd_first_eval"].value for p in result}
    # the target sum only grew 50 -> 52 mm, so new lesions alone decide RECIST progression
    assert recist == {"P1": True, "P2": False, "P3": True, "P4": False, "P5": None, "P6": True,
                      "P7": True, "P8": None}
    # "yes" (or 1 in a yes/no column) says there are new lesions, not how many
    assert result["P1"].measures.new_lesions is None
    assert result["P7"].measures.new_lesions is None
    assert result["P6"].measures.new_lesions == 3
    assert result["P1"].measures.new_organ_involved is True
    assert result["P4"].measures.new_organ_involved is False


def test_yes_without_a_count_is_not_filled_with_zero_by_missing_new_lesions_none():
    result = by_patient(classify_hpd(fixture("measurements_new_lesions_as_words.tsv"),
                                     fixture("patients_eight.tsv"),
                                     HpdOptions(missing_new_lesions="none")))
    assert result["P1"].measures.new_lesions is None           # "yes": how many is unknown
    assert result["P1"].calls["recist_pd_first_eval"].value is True
    assert result["P5"].measures.new_lesions == 0               # blank: "none" applies
    assert result["P5"].calls["recist_pd_first_eval"].value is False


def test_decimal_comma_outside_semicolon_files_is_explained(tmp_path):
    measurements = tmp_path / "scans.tsv"
    measurements.write_text("patient_id\tdays_from_start\ttarget_sum_mm\nP1\t0\t45,5\n")
    (problem,) = problems_of(str(measurements))
    assert "line 2: column target_sum_mm: found '45,5': '45,5' has a decimal comma" in problem


def test_no_or_none_in_new_lesion_organs_means_zero_organs_not_an_organ_called_no():
    result = by_patient(classify_hpd(fixture("measurements_new_lesion_organs_no.tsv"),
                                     fixture("patients_standard.tsv")))
    assert result["P1"].measures.new_lesion_organs == 0
    assert result["P1"].calls["recist_pd_first_eval"].value is False
    assert result["P2"].measures.new_lesions == 0
    assert result["P2"].calls["recist_pd_first_eval"].value is False


def test_ttf_in_days():
    result = by_patient(classify_hpd(fixture("measurements_new_lesion_organs_no.tsv"),
                                     fixture("patients_ttf_in_days.tsv")))
    assert result["P1"].measures.ttf_months == pytest.approx(45 / DAYS_PER_MONTH)
    assert result["P1"].calls["early_failure"].value is True
    assert result["P2"].calls["early_failure"].value is False     # 61 days = 2.004 months


def test_patient_ids_that_differ_only_by_case():
    problems = problems_of("measurements_id_case_differs.tsv", "patients_ids_differ_by_case.tsv")
    assert any("line 3" in p and "'p1'" in p and "'P1'" in p and "case" in p for p in problems)
    (problem,) = problems_of("measurements_id_case_differs.tsv")
    assert "'p1'" in problem and "'P1'" in problem and "case" in problem


def test_leading_zeros_are_kept_and_lost_ones_are_pointed_out(tmp_path):
    problems = problems_of("measurements_leading_zeros_lost.tsv", "patients_leading_zeros.tsv")
    assert len(problems) == 2
    assert "'7'" in problems[0] and "'007'" in problems[0] and "leading zero" in problems[0]
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["hpd-classify", "--measurements",
                                   str(fixture("measurements_leading_zeros_kept.tsv")),
                                   "--patients", str(fixture("patients_leading_zeros.tsv")),
                                   "-o", str(out)])
    assert run.exit_code == 0, run.output
    calls = load_hpd_calls(out)
    assert calls["patient_id"].tolist() == ["007", "010"]
    assert calls["tgr_exp"].iloc[0] == pytest.approx(ferte_tgr(50, 80, 42), rel=1e-5)


# --- awkward courses of disease ------------------------------------------------------------------

def test_one_day_interval_is_computed_exactly_and_can_be_excluded():
    p1 = by_patient(classify_hpd(fixture("measurements_one_day_interval.tsv"),
                                 fixture("patients_standard.tsv")))["P1"]
    expected = ferte_tgr(50, 60, 1)          # about 1.7e9 % per month: real, if absurd
    assert p1.measures.tgr_exp.value == pytest.approx(expected)
    assert p1.measures.delta_tgr.value == pytest.approx(expected - ferte_tgr(40, 50, 56))
    p1 = by_patient(classify_hpd(fixture("measurements_one_day_interval.tsv"),
                                 fixture("patients_standard.tsv"),
                                 HpdOptions(min_interval_days=7)))["P1"]
    assert p1.measures.tgr_exp.value is None
    assert "min_interval_days" in p1.measures.tgr_exp.reason
    assert p1.measures.tgr_ref.value == pytest.approx(ferte_tgr(40, 50, 56))


def test_growth_too_large_to_represent_is_not_evaluable(tmp_path):
    # 1 -> 2300 mm in one day: exp(3 ln 2300 * 30.4375) ~ 1e307, times 100 overflows to inf
    result = classify_hpd(fixture("measurements_growth_overflow.tsv"),
                          fixture("patients_standard.tsv"))
    p1 = by_patient(result)["P1"]
    assert p1.measures.tgr_exp.value is None and "too large" in p1.measures.tgr_exp.reason
    assert p1.measures.delta_tgr.value is None
    table = result.to_tsv()
    assert "inf" not in table and "nan" not in table


def test_pre_baseline_years_before_start_and_its_window():
    p1 = by_patient(classify_hpd(fixture("measurements_prebaseline_years_before.tsv"),
                                 fixture("patients_standard.tsv")))["P1"]
    days = (pd.Timestamp("2021-03-01") - pd.Timestamp("2018-02-01")).days
    assert p1.measures.tgr_ref.value == pytest.approx(ferte_tgr(30, 50, days))
    p1 = by_patient(classify_hpd(fixture("measurements_prebaseline_years_before.tsv"),
                                 fixture("patients_standard.tsv"),
                                 HpdOptions(max_prebaseline_age_days=365)))["P1"]
    assert p1.scans.pre_baseline is None
    assert "max_prebaseline_age_days" in p1.measures.tgr_ref.reason
    assert p1.measures.tgr_exp.value == pytest.approx(ferte_tgr(50, 80, 42))


def test_start_day_scan_is_baseline_and_post_start_only_has_none():
    result = by_patient(classify_hpd(fixture("measurements_start_day_scan_and_post_start_only.tsv"),
                                     fixture("patients_standard.tsv")))
    assert result["P1"].scans.baseline.day == 0.0
    assert result["P1"].measures.pct_change_first_eval.value == pytest.approx(60.0)
    assert result["P2"].scans.baseline is None
    assert "no baseline" in result["P2"].measures.pct_change_first_eval.reason
    assert result["P3"].scans.baseline is None          # in the patient table only
    assert "no scans" in result["P3"].measures.tgr_exp.reason


def test_shrinking_then_growing_burden():
    p1 = by_patient(classify_hpd(fixture("measurements_shrink_then_grow.tsv"),
                                 fixture("patients_standard.tsv")))["P1"]
    ref, exp = ferte_tgr(60, 50, 56), ferte_tgr(50, 80, 42)
    assert ref < 0
    assert p1.measures.delta_tgr.value == pytest.approx(exp - ref)
    assert p1.measures.tgr_ratio.value is None
    assert p1.calls["ferrara_2018"].value is (exp - ref > 50)


# --- outputs stay parseable whatever the input ---------------------------------------------------

def test_cli_takes_the_date_order_and_the_windows(tmp_path):
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, [
        "hpd-classify", "--measurements", str(fixture("measurements_date_slash_ambiguous.tsv")),
        "--patients", str(fixture("patients_standard.tsv")), "-o", str(out),
        "--date-order", "dmy", "--min-interval-days", "45"])
    assert run.exit_code == 0, run.output
    document = json.loads((out / "hpd_calls.json").read_text())
    assert document["options"]["date_order"] == "dmy"
    p1 = document["patients"][0]
    assert p1["scans"]["first_evaluation"]["day"] == 42
    assert p1["quantities"]["tgr_ref"]["value"] == pytest.approx(ferte_tgr(40, 50, 56))
    assert "min_interval_days 45" in p1["quantities"]["tgr_exp"]["reason"]   # 42 days < 45
    run = CliRunner().invoke(cli, [
        "hpd-classify", "--measurements", str(fixture("measurements_date_slash_ambiguous.tsv")),
        "--patients", str(fixture("patients_standard.tsv")), "-o", str(tmp_path / "no")])
    assert run.exit_code == 2 and "--date-order" in run.stderr


def test_ne_sum_is_null_in_json(tmp_path):
    result = classify_hpd(fixture("measurements_target_sum_not_evaluable.tsv"),
                          fixture("patients_standard.tsv"))
    document = json.loads(result.to_json())
    p1 = document["patients"][0]
    assert p1["scans"]["first_evaluation"]["target_sum_mm"] is None
    assert p1["scans"]["first_evaluation"]["new_lesions"] == 2


@pytest.mark.parametrize("measurements,patients", [
    ("measurements_growth_overflow.tsv", "patients_standard.tsv"),
    ("measurements_complete_response_zero_sums.tsv", "patients_standard.tsv"),
    ("measurements_target_sum_not_evaluable.tsv", "patients_standard.tsv"),
    ("measurements_one_day_interval.tsv", "patients_standard.tsv"),
])
def test_cli_outputs_hold_no_inf_or_nan(tmp_path, measurements, patients):
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["hpd-classify", "--measurements", str(fixture(measurements)),
                                   "--patients", str(fixture(patients)), "-o", str(out)])
    assert run.exit_code == 0, run.output
    for cell in (c for line in (out / "hpd_calls.tsv").read_text().splitlines()
                 for c in line.split("\t")):
        assert cell.lower() not in {"inf", "-inf", "nan"}, cell

    def reject(constant):
        raise AssertionError(f"JSON holds {constant}")

    json.loads((out / "hpd_calls.json").read_text(), parse_constant=reject)
