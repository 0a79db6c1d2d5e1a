"""``screen --patient``: the clinical (CLIN_*) rules on a patient's pre-treatment factors, in a
section of their own (JSON ``clinical_factors``, ``<sample>.hpd.clinical.tsv``, HTML), never part
of the genomic caution level."""
from __future__ import annotations

import copy
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.clinical.evaluate import STATUSES
from hpdgenomics.errors import UsageError
from hpdgenomics.knowledge import load_knowledge
from hpdgenomics.schemas import load_schema
from hpdgenomics.screen import ScreenInputs, screen_sample

ROOT = Path(__file__).resolve().parents[1]
VCF = ROOT / "example_vcfs" / "vep_grch38.vcf"          # sample PT001_TUMOR; caution moderate
PATIENTS = Path(__file__).parent / "fixtures" / "patients"
# the bundled knowledge base's clinical rules
RULE_IDS = ("CLIN_METS_GT2", "CLIN_LIVER_METS", "CLIN_LDH_GT_ULN", "CLIN_ECOG_GE2", "CLIN_RMH_GE2",
            "CLIN_NLR_HIGH")
MALFORMED = Path(__file__).parent / "fixtures" / "malformed" / "patient"   # the corpus's too


def test_the_bundled_knowledge_base_has_the_six_clinical_rules():
    assert tuple(r.id for r in load_knowledge().clinical_rules) == RULE_IDS


def clinical(patient: str | None, **kwargs) -> dict:
    report = screen_sample(ScreenInputs(vcf=VCF, patient=PATIENTS / patient if patient else None,
                                        **kwargs))
    return report.to_dict()["clinical_factors"]


def statuses(section: dict) -> dict[str, str]:
    return {rule["rule_id"]: rule["status"] for rule in section["rules"]}


def rule(section: dict, rule_id: str) -> dict:
    return next(r for r in section["rules"] if r["rule_id"] == rule_id)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# --- each factor's call ----------------------------------------------------------------------

def test_every_criterion_met():
    section = clinical("all_criteria_met.yaml")
    assert section["provided"] is True
    assert statuses(section) == dict.fromkeys(RULE_IDS, "met")
    assert section["counts"] == {"met": 6, "not_met": 0, "not_assessed": 0}
    assert rule(section, "CLIN_METS_GT2")["value"] == 3
    assert rule(section, "CLIN_LIVER_METS")["value"] is True
    assert rule(section, "CLIN_LDH_GT_ULN")["value"] == pytest.approx(512 / 246, rel=1e-4)
    assert rule(section, "CLIN_ECOG_GE2")["value"] == 2
    assert rule(section, "CLIN_NLR_HIGH")["value"] == pytest.approx(7.0)
    assert section["patient"]["ici_regimen"] == "pembrolizumab 200 mg q3w"
    assert section["patient"]["measured_on"] == "2024-03-01"


def test_every_criterion_assessed_and_none_met():
    section = clinical("none_met.yaml")
    assert statuses(section) == dict.fromkeys(RULE_IDS, "not_met")
    rmh = rule(section, "CLIN_RMH_GE2")
    assert (rmh["score"]["points_min"], rmh["score"]["points_max"]) == (0, 0)


def test_values_from_a_spreadsheet_export_are_called_with_their_units():
    section = clinical("spreadsheet_export_key_value_crlf_bom_unit_column.tsv")
    # 3 sites, liver yes, LDH 1.24 x ULN, ECOG 1, NLR 3.81; albumin 3.2 g/dL = 32 g/L
    assert statuses(section) == {"CLIN_METS_GT2": "met", "CLIN_LIVER_METS": "met",
                                 "CLIN_LDH_GT_ULN": "met", "CLIN_ECOG_GE2": "not_met",
                                 "CLIN_RMH_GE2": "met", "CLIN_NLR_HIGH": "not_met"}
    assert rule(section, "CLIN_RMH_GE2")["score"]["points_min"] == 3
    albumin = next(f for f in section["factors"] if f["key"] == "albumin_g_l")
    assert albumin["value"] == pytest.approx(32.0) and albumin["given"] == "3.2 g/dL"


def test_missing_values_leave_their_rules_not_assessed():
    section = clinical("missing_values_na_not_available_blank.tsv")
    assert statuses(section) == {"CLIN_METS_GT2": "met", "CLIN_LIVER_METS": "not_assessed",
                                 "CLIN_LDH_GT_ULN": "not_assessed", "CLIN_ECOG_GE2": "met",
                                 "CLIN_RMH_GE2": "not_assessed", "CLIN_NLR_HIGH": "not_assessed"}
    assert rule(section, "CLIN_LDH_GT_ULN")["reason"] == "ldh_uln given without ldh"
    liver = next(f for f in section["factors"] if f["key"] == "liver_metastases")
    assert liver["status"] == "not_assessed" and liver["value"] is None
    assert "absent" not in json.dumps(section)


# --- the RMH score -------------------------------------------------------------------------------

@pytest.mark.parametrize("patient, points, status", [
    ("all_criteria_met.yaml", (3, 3), "met"),              # complete
    ("rmh_partial_decided_met.yaml", (2, 3), "met"),       # sites not given: met either way
    ("rmh_partial_decided_not_met.yaml", (0, 1), "not_met"),
    ("rmh_undecided.yaml", (1, 3), "not_assessed"),        # 1 or more: undecided
])
def test_rmh_score_complete_partial_and_undecided(patient, points, status):
    rmh = rule(clinical(patient), "CLIN_RMH_GE2")
    assert (rmh["score"]["points_min"], rmh["score"]["points_max"]) == points
    assert rmh["status"] == status
    assert [p["label"] for p in rmh["score"]["parts"]] == ["LDH > ULN", "albumin < 35 g/L",
                                                          "> 2 metastatic sites"]
    if points[0] != points[1]:
        assert rmh["value"] is None and rmh["value_text"] == f"{points[0]}-{points[1]}"
    if status == "not_assessed":
        assert "undecided" in rmh["reason"] and "albumin_g_l" in rmh["reason"]


def test_without_a_patient_file_every_rule_is_not_assessed():
    section = clinical(None)
    assert section["provided"] is False and section["source"] is None
    assert statuses(section) == dict.fromkeys(RULE_IDS, "not_assessed")
    assert {r["reason"] for r in section["rules"]} == {
        "no patient factors were given (screen --patient FILE)"}
    assert all(f["status"] == "not_assessed" for f in section["factors"])


# --- the genomic caution level is never changed ----------------------------------------------

def test_clinical_factors_never_change_the_genomic_report():
    without = screen_sample(ScreenInputs(vcf=VCF)).to_dict()
    with_all = screen_sample(ScreenInputs(vcf=VCF, patient=PATIENTS / "all_criteria_met.yaml"))
    with_all = with_all.to_dict()
    assert with_all["clinical_factors"]["counts"]["met"] == 6
    assert without["caution"]["level"] == "moderate"

    def genomic(report: dict) -> dict:
        report = copy.deepcopy(report)
        for key in ("clinical_factors", "inputs", "created"):
            report.pop(key)
        return report
    assert genomic(with_all) == genomic(without)
    for key in ("caution", "alterations", "rules", "genes"):
        assert with_all[key] == without[key]
    assert with_all["inputs"][:-1] == without["inputs"]


# --- the CLI: JSON, TSVs, HTML, inputs, warnings -------------------------------------------------

def test_cli_writes_the_clinical_section_everywhere(tmp_path):
    patient = PATIENTS / "all_criteria_met.yaml"
    result = run("screen", "--vcf", VCF, "--patient", patient, "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "PT001_TUMOR.hpd.json").read_text())
    assert data["schema_version"] == "1.1"
    [entry] = [i for i in data["inputs"] if i["kind"] == "patient"]
    import hashlib
    assert entry["sha256"] == hashlib.sha256(patient.read_bytes()).hexdigest()
    assert entry["records"] == {"keys_read": 14, "factors_assessed": 11,
                                "factors_not_assessed": 0, "rules_met": 6, "rules_not_met": 0,
                                "rules_not_assessed": 0}
    # the clinical TSV: one row per rule; the genomic TSV keeps only alterations
    with open(tmp_path / "PT001_TUMOR.hpd.clinical.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert [r["rule_id"] for r in rows] == list(RULE_IDS)
    assert {r["status"] for r in rows} == {"met"}
    rmh = next(r for r in rows if r["rule_id"] == "CLIN_RMH_GE2")
    assert rmh["score_parts"] == "LDH > ULN: met; albumin < 35 g/L: met; > 2 metastatic sites: met"
    assert rmh["value"] == "3" and rmh["threshold"] == ">= 2"
    assert "Kas" in rmh["neutral_or_contrary_references"]
    assert rmh["knowledge_version"] == data["knowledge_base"]["version"]
    with open(tmp_path / "PT001_TUMOR.hpd.tsv", newline="") as handle:
        genomic = list(csv.DictReader(handle, delimiter="\t"))
    assert len(genomic) == len(data["alterations"])
    assert not any(r["rule_id"].startswith("CLIN_") for r in genomic)
    html = (tmp_path / "PT001_TUMOR.hpd.html").read_text()
    section = html.split('<section id="clinical-factors"', 1)[1].split("</section>", 1)[0]
    assert "do not change the genomic caution level; no validated combined score exists" in section
    assert html.index('id="clinical-factors"') > html.index("<h2>Gene status</h2>")
    assert section.count('clinical-badge clinical-met"') == 6 + 3      # rules + RMH parts
    assert "(not checked against the primary paper)" in section
    assert "pembrolizumab 200 mg q3w" in section and "2024-03-12" in section
    assert "<details" not in section


def test_cli_without_patient_says_not_assessed_and_collapses_the_rules(tmp_path):
    result = run("screen", "--vcf", VCF, "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "PT001_TUMOR.hpd.html").read_text()
    assert ("Clinical factors not assessed: no patient factors were given (--patient FILE)"
            in html)
    assert '<details class="clinical-collapsed">' in html
    with open(tmp_path / "PT001_TUMOR.hpd.clinical.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert [(r["rule_id"], r["status"]) for r in rows] == [(i, "not_assessed") for i in RULE_IDS]


def test_factor_warnings_join_the_report_warnings(tmp_path):
    result = run("screen", "--vcf", VCF, "--patient", PATIENTS / "measured_after_ici_start.yaml",
                 "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "PT001_TUMOR.hpd.json").read_text())
    expected = ("factors measured 21 day(s) after ICI start (2024-04-02 > 2024-03-12): they are "
                "not pre-treatment values")
    assert data["clinical_factors"]["warnings"] == [expected]
    assert f"patient factors: {expected}" in data["warnings"]


def test_patient_id_picks_the_row_of_a_multi_patient_table(tmp_path):
    result = run("screen", "--vcf", VCF, "--patient", PATIENTS / "multi_patient_wide.tsv",
                 "--patient-id", "PT003", "--sample-id", "PT003_TUMOR", "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "PT003_TUMOR.hpd.json").read_text())
    assert data["clinical_factors"]["patient"]["tumor_type"] == "RCC"
    assert statuses(data["clinical_factors"])["CLIN_METS_GT2"] == "met"          # 3 sites
    # without --patient-id the screened sample's id picks the row
    result = run("screen", "--vcf", VCF, "--patient", PATIENTS / "multi_patient_wide.tsv",
                 "-o", tmp_path / "b")
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "b" / "PT001_TUMOR.hpd.json").read_text())
    assert data["clinical_factors"]["patient"]["patient_id"] == "PT001"


@pytest.mark.parametrize("patient, phrases", [
    ("albumin_g_dl_under_g_l_key.yaml", ["line 3: key 'albumin_g_l'", "g/dL"]),
    ("neutrophils_per_ul_bare_number.tsv", ["line 2: key 'neutrophils'", "cells per microlitre"]),
    ("unknown_key_with_suggestion.yaml", ["key 'albumine_g_l'", "did you mean 'albumin_g_l'?"]),
    ("ecog_5_out_of_range.yaml", ["line 2: key 'ecog'", "ECOG 5 means dead"]),
    ("nlr_disagrees_with_counts.yaml", ["key 'nlr'", "disagrees"]),
    ("liver_contradicts_site_list.yaml", ["key 'liver_metastases'", "contradicts"]),
    ("sample_id_of_another_sample.yaml", ["key 'sample_id' is 'PT002_TUMOR'", "'PT001_TUMOR'"]),
])
def test_malformed_patient_files_are_exit_2_naming_file_line_and_key(tmp_path, patient, phrases):
    result = run("screen", "--vcf", VCF, "--patient", MALFORMED / patient, "-o", tmp_path)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert patient in lines[0]
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])
    assert not any(tmp_path.glob("*.hpd.*"))


def test_patient_id_without_patient_is_a_usage_error(tmp_path):
    result = run("screen", "--vcf", VCF, "--patient-id", "PT001", "-o", tmp_path)
    assert result.exit_code == 2
    assert "--patient-id" in result.stderr and "--patient FILE" in result.stderr
    with pytest.raises(UsageError, match="patient_id"):
        screen_sample(ScreenInputs(vcf=VCF, patient_id="PT001"))


def test_a_real_process_prints_one_error_line_and_no_traceback(tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "hpdgenomics", "screen", "--vcf", str(VCF), "--patient",
         str(MALFORMED / "albumin_g_dl_under_g_l_key.yaml"), "-o", str(tmp_path)],
        capture_output=True, text=True, timeout=120)
    assert process.returncode == 2
    assert process.stdout == ""
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in process.stderr, process.stderr
    assert "albumin_g_dl_under_g_l_key.yaml" in lines[0] and "key 'albumin_g_l'" in lines[0]


def test_the_schema_statuses_are_the_evaluators():
    defs = load_schema("report")["$defs"]
    assert tuple(defs["clinical_status"]["enum"]) == STATUSES
    assert "patient" in defs["input"]["properties"]["kind"]["enum"]
