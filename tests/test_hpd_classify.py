"""Scan selection, per-patient quantities against an independent computation, the written
table and JSON, reading the labels back, and the definition overlap.

The oracle below computes the published formulas in a different algebraic form from the library
(TGR via (D_t/D_0) ** (3/t) rather than exp(3 ln(D_t/D_0)/t)), from raw days.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.errors import ClinicalDataError, InputError, UsageError
from hpdgenomics.hpd import (
    DEFINITIONS,
    TSV_COLUMNS,
    HpdOptions,
    Scan,
    classify_hpd,
    definition_overlap,
    load_hpd_calls,
    select_scans,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "hpd"


def oracle_tgr(d0: float, d1: float, days: float) -> float:
    """Ferté TGR (percent volume change per month), months of 365.25/12 days."""
    months = days / (365.25 / 12)
    return 100.0 * ((d1 / d0) ** (3.0 / months) - 1.0)


def oracle_tgk(d0: float, d1: float, days: float) -> float:
    return (d1 - d0) / (days / (365.25 / 12))


def value(row: pd.Series, column: str) -> bool | None:
    """A call cell as True, False or None (not evaluable)."""
    cell = row[column]
    return None if pd.isna(cell) else bool(cell)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture()
def cohort(tmp_path):
    """Four constructed patients, days from ICI start (baseline on day -3 for B)."""
    measurements = write(tmp_path / "scans.tsv", "\n".join([
        "patient_id\tdays_from_start\ttarget_sum_mm\tnew_lesions\tnew_lesion_organs\tnew_organ_involved",
        "A\t-61\t40\t\t\t", "A\t0\t44\t0\t0\tfalse", "A\t45\t90\t2\t1\tfalse", "A\t100\t120\t\t\t",
        "B\t-120\t30\t\t\t", "B\t-50\t31\t\t\t", "B\t-3\t28\t0\t0\tfalse", "B\t40\t36\t0\t0\tfalse",
        "C\t-30\t50\t\t\t", "C\t0\t50\t\t\t", "C\t60\t50\t\t\t",
        "D\t-20\t25\t\t\t", "D\t35\t20\t0\t0\tfalse",
    ]) + "\n")
    patients = write(tmp_path / "patients.tsv", "\n".join([
        "patient_id\tici_start\tTTF_MONTHS\tTTF_STATUS\tecog_within_2mo",
        "A\t\t1.6\t1:DISCONTINUED\t1", "B\t\t4\t1:DISCONTINUED\t0", "C\t\t1.1\t0:CENSORED\t",
        "D\t\t0.5\t1\t2",
    ]) + "\n")
    return measurements, patients


def test_quantities_match_an_independent_computation(cohort):
    table = classify_hpd(*cohort).table().set_index("patient_id")
    # A: pre-baseline -61 (40 mm), baseline 0 (44 mm), first evaluation day 45 (90 mm)
    a = table.loc["A"]
    assert a["tgr_ref"] == pytest.approx(oracle_tgr(40, 44, 61), rel=1e-9)
    assert a["tgr_exp"] == pytest.approx(oracle_tgr(44, 90, 45), rel=1e-9)
    assert a["delta_tgr"] == pytest.approx(oracle_tgr(44, 90, 45) - oracle_tgr(40, 44, 61))
    assert a["tgr_ratio"] == pytest.approx(oracle_tgr(44, 90, 45) / oracle_tgr(40, 44, 61))
    assert a["tgk_ref"] == pytest.approx(oracle_tgk(40, 44, 61))
    assert a["tgk_exp"] == pytest.approx(oracle_tgk(44, 90, 45))
    assert a["tgk_ratio"] == pytest.approx(oracle_tgk(44, 90, 45) / oracle_tgk(40, 44, 61))
    assert a["pct_change_first_eval"] == pytest.approx(100 * 46 / 44)
    # hand check of the magnitude: t_ref = 2.0041 months, 1.1 ** 1.4969 = 1.1533 -> TGR_ref 15.33
    assert a["tgr_ref"] == pytest.approx(15.33, abs=0.01)
    # B: baseline is the last scan before start (day -3), pre-baseline the one before (day -50)
    b = table.loc["B"]
    assert (b["prebaseline_day"], b["baseline_day"], b["first_eval_day"]) == (-50, -3, 40)
    assert b["tgr_ref"] == pytest.approx(oracle_tgr(31, 28, 47)) and b["tgr_ref"] < 0
    assert b["delta_tgr"] == pytest.approx(oracle_tgr(28, 36, 43) - oracle_tgr(31, 28, 47))
    assert math.isnan(b["tgr_ratio"]) and math.isnan(b["tgk_ratio"])   # shrinking before ICI
    # C: stable disease: every rate is 0 and the ratios are undefined
    c = table.loc["C"]
    assert c["tgr_ref"] == 0 and c["tgr_exp"] == 0 and c["delta_tgr"] == 0
    assert math.isnan(c["tgr_ratio"])


def test_calls_follow_the_definitions(cohort):
    table = classify_hpd(*cohort).table().set_index("patient_id")
    a = table.loc["A"]
    # +104.5 %, new lesions: RECIST PD; Δ and ratios far above every cut; TTF 1.6 months
    assert a["recist_pd_first_eval"] and a["hpd_champiat_2017"] and a["hpd_ferrara_2018"]
    assert a["hpd_kas_2020"] and a["hpd_saada_bouzid_2017"] and a["hpd_kato_2017"]
    # Lo Russo: TTF < 2, >= 50 %, 2 new lesions with no new organ = 3 of 5
    assert a["hpd_lo_russo_2019"] and a["hpd_matos_2020"] and a["early_failure"]
    b = table.loc["B"]
    # +8 mm = +28.6 %: PD; TGR_ref < 0 so Champiat / Saâda-Bouzid not evaluable (default policy)
    assert b["recist_pd_first_eval"]
    assert pd.isna(b["hpd_champiat_2017"]) and pd.isna(b["hpd_saada_bouzid_2017"])
    assert "not meaningful" in b["hpd_champiat_2017_reason"]
    # ΔTGR = 70.5 - (-17.9) = 88.4: above Ferrara's 50, below Kas's 100
    assert 50 < b["delta_tgr"] < 100
    assert value(b, "hpd_ferrara_2018") is True and value(b, "hpd_kas_2020") is False
    assert value(b, "early_failure") is False
    c = table.loc["C"]
    # no size change and new lesions not recorded: PD not evaluable; censored at 1.1 months
    assert pd.isna(c["recist_pd_first_eval"]) and pd.isna(c["early_failure"])
    assert value(c, "hpd_kas_2020") is False and value(c, "hpd_matos_2020") is False
    d = table.loc["D"]
    # no pre-baseline: TGR quantities not evaluable, with the reason; but no RECIST PD decides
    # the definitions that require progression (Champiat, Ferrara, Kas) without TGR_ref
    assert pd.isna(d["tgr_ref"]) and pd.isna(d["delta_tgr"])
    assert pd.isna(d["hpd_saada_bouzid_2017"])
    assert d["hpd_saada_bouzid_2017_reason"].endswith("no pre-baseline scan before the "
                                                      "baseline scan")
    assert value(d, "early_failure") is True and value(d, "recist_pd_first_eval") is False
    assert value(d, "hpd_champiat_2017") is False
    assert value(d, "hpd_kas_2020") is False


def test_nonpositive_reference_policy_accelerated(cohort):
    table = classify_hpd(*cohort, HpdOptions(nonpositive_reference="accelerated")).table()
    b = table.set_index("patient_id").loc["B"]
    assert b["hpd_champiat_2017"] and b["hpd_saada_bouzid_2017"]


def test_missing_new_lesions_as_none(cohort):
    table = classify_hpd(*cohort, HpdOptions(missing_new_lesions="none")).table()
    c = table.set_index("patient_id").loc["C"]
    assert value(c, "recist_pd_first_eval") is False


def test_scan_selection_windows():
    scans = [Scan(-90, 30), Scan(-40, 35), Scan(2, 36), Scan(50, 60)]
    default = select_scans(scans, HpdOptions())
    assert (default.pre_baseline.day, default.baseline.day, default.first_eval.day) == (-90, -40, 2)
    grace = select_scans(scans, HpdOptions(baseline_grace_days=3))
    assert (grace.pre_baseline.day, grace.baseline.day, grace.first_eval.day) == (-40, 2, 50)
    too_old = select_scans(scans, HpdOptions(max_baseline_age_days=30))
    assert too_old.baseline is None
    assert "older than max_baseline_age_days 30" in too_old.baseline_reason
    late = select_scans(scans, HpdOptions(baseline_grace_days=3, max_first_eval_day=42))
    assert late.first_eval is None and "later than max_first_eval_day 42" in late.first_eval_reason
    assert select_scans([], HpdOptions()).baseline_reason.startswith("no scans")


def test_options_are_validated():
    with pytest.raises(UsageError, match="nonpositive_reference"):
        HpdOptions(nonpositive_reference="ignore")
    with pytest.raises(UsageError, match="baseline_grace_days"):
        HpdOptions(baseline_grace_days=-1)


def test_tsv_and_json_outputs_round_trip(cohort, tmp_path):
    result = classify_hpd(*cohort)
    tsv = tmp_path / "hpd_calls.tsv"
    tsv.write_text(result.to_tsv())
    header = tsv.read_text().splitlines()[0].split("\t")
    assert tuple(header) == TSV_COLUMNS
    rows = {line.split("\t")[0]: line.split("\t") for line in tsv.read_text().splitlines()[1:]}
    kas = header.index("hpd_kas_2020")
    assert rows["A"][kas] == "true" and rows["D"][kas] == "false"
    saada = header.index("hpd_saada_bouzid_2017")
    assert rows["D"][saada] == ""                # not evaluable: empty
    loaded = load_hpd_calls(tmp_path)          # the folder works as well as the file
    assert loaded["hpd_kas_2020"].dtype == "boolean"
    assert loaded.set_index("patient_id")["tgr_exp"]["A"] == pytest.approx(
        oracle_tgr(44, 90, 45), rel=1e-5)      # 6 significant digits in the TSV
    document = json.loads(result.to_json())
    assert document["schema_version"] == "1.0"
    assert document["inputs"]["measurements"]["sha256"] == result.inputs["measurements"]["sha256"]
    assert document["thresholds"]["kas_delta_tgr_gt"] == 100
    assert document["definitions"]["matos_2020"]["provisional"] is True
    counts = document["counts"]["kas_2020"]
    assert counts == {"true": int(loaded["hpd_kas_2020"].sum()),
                      "false": int((~loaded["hpd_kas_2020"]).sum()),
                      "not_evaluable": int(loaded["hpd_kas_2020"].isna().sum())}
    assert sum(counts.values()) == 4


def test_load_hpd_calls_reports_bad_cells(tmp_path, cohort):
    text = classify_hpd(*cohort).to_tsv().replace("\ttrue\t", "\tyes\t", 1)
    bad = write(tmp_path / "bad.tsv", text)
    with pytest.raises(ClinicalDataError, match=r"line 2: column \w+: found 'yes', expected true"):
        load_hpd_calls(bad)
    with pytest.raises(InputError, match="run `hpdgenomics hpd-classify` first"):
        load_hpd_calls(tmp_path / "nowhere.tsv")
    missing = write(tmp_path / "short.tsv", "patient_id\thpd_kas_2020\nA\ttrue\n")
    with pytest.raises(ClinicalDataError, match="lacks column"):
        load_hpd_calls(missing)


def test_definition_overlap():
    calls = pd.DataFrame({
        "patient_id": ["p1", "p2", "p3", "p4"],
        "hpd_kas_2020": pd.array([True, True, False, None], dtype="boolean"),
        "hpd_ferrara_2018": pd.array([True, False, True, True], dtype="boolean"),
        "early_failure": pd.array([None, None, True, False], dtype="boolean"),
    })
    overlap = definition_overlap(calls)
    assert list(overlap.index) == ["ferrara_2018", "kas_2020", "early_failure"]
    assert overlap.loc["kas_2020", ["labelled", "not_labelled", "not_evaluable"]].tolist() \
        == [2, 1, 1]
    assert overlap.loc["kas_2020", "ferrara_2018"] == 1          # only p1 under both
    assert overlap.loc["ferrara_2018", "early_failure"] == 1     # p3
    assert overlap.loc["ferrara_2018", "ferrara_2018"] == 3


def test_example_cohort_covers_every_outcome_of_every_definition():
    """The README demo cohort holds a true, a false and a not-evaluable patient per definition."""
    table = classify_hpd(EXAMPLES / "measurements.tsv", EXAMPLES / "patients.tsv").table()
    for definition in DEFINITIONS.values():
        column = table[definition.column]
        outcomes = {"true": int(column.sum()), "false": int((~column).sum()),
                    "not_evaluable": int(column.isna().sum())}
        assert all(outcomes.values()), (definition.name, outcomes)
