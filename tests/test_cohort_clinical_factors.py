"""Patient factor columns of clinical tables (issue 12): one reader for ``cohort`` and
``hpd-classify``, the CLIN_* rules per patient, their association rows and their use as
covariates ("MDM2 amplification adjusted for > 2 metastatic sites and LDH")."""
from __future__ import annotations

import csv
import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from clinical_rules import RULES

from hpdgenomics.cli import cli
from hpdgenomics.clinical.evaluate import MET, NOT_ASSESSED, NOT_MET, evaluate_clinical
from hpdgenomics.clinical.factors import FactorProblems, build_factors
from hpdgenomics.cohort.clinical import rule_columns
from hpdgenomics.errors import ClinicalDataError, UsageError
from hpdgenomics.io.clinical import read_clinical
from hpdgenomics.io.patient import patient_factor_frame
from hpdgenomics.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "cohort_clinical_factors"
sys.path.insert(0, str(ROOT / "benchmarks"))
import genie_like  # noqa: E402 - after the sys.path line that finds it

#: the bundled CLIN_* rules (annotations/knowledge.yaml); the helper's are the same criteria
BUNDLED = tuple(load_knowledge().clinical_rules)
CLIN_IDS = [r.id for r in BUNDLED]


def test_the_bundled_rules_are_the_helpers_criteria():
    assert [(r.id, r.criterion.factor, r.criterion.operator, r.criterion.threshold,
             [(p.factor, p.operator, p.threshold) for p in r.score_parts]) for r in BUNDLED] == \
        [(r.id, r.criterion.factor, r.criterion.operator, r.criterion.threshold,
          [(p.factor, p.operator, p.threshold) for p in r.score_parts]) for r in RULES]


def _run(*args):
    return CliRunner().invoke(cli, [*map(str, args)])


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# --- reading -------------------------------------------------------------------------------------

def test_cbioportal_table_with_not_available_is_parsed_per_factor():
    table = read_clinical(FIXTURES / "cbioportal_patient_factors.txt")
    assert table.factor_columns == {
        "ecog": "ECOG_PS", "ldh": "LDH", "ldh_uln": "LDH_ULN", "albumin_g_l": "ALBUMIN",
        "metastatic_sites": "METASTATIC_SITES", "liver_metastases": "LIVER_METS",
        "neutrophils": "ANC", "lymphocytes": "ALC"}
    df = table.df.set_index("patient_id")
    assert df["ecog"].tolist()[:2] == [2.0, 0.0] and math.isnan(df.at["P03", "ecog"])
    assert df["metastatic_sites"].tolist()[:2] == [3.0, 1.0]
    assert df.at["P04", "metastatic_sites"] == 2.0
    # a site list is a full enumeration: liver derived from it; P03 says yes itself
    assert df["liver_metastases"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert df.at["P01", "ldh_ratio"] == round(480 / 250, 4)
    assert df.at["P04", "ldh_ratio"] == round(300 / 250, 4)          # '300 U/L'
    assert math.isnan(df.at["P03", "ldh_ratio"])                      # no ULN: not assessed
    assert df.at["P04", "neutrophils"] == 4.5                         # '4500 /uL'
    assert df["nlr"].tolist()[:2] == [6.0, 2.0] and df.at["P04", "nlr"] == 3.0
    assert table.factor_assessed["ecog"] == 3 and table.factor_assessed["ldh_ratio"] == 3
    assert any("ANC: 1 value(s) written with a unit" in c for c in table.factor_conversions)
    # the raw columns are still carried as they were
    assert df.at["P04", "LDH"] == "300 U/L"


def test_spreadsheet_csv_with_semicolons_decimal_commas_and_units_in_headers():
    table = read_clinical(FIXTURES / "spreadsheet_semicolon_decimal_comma.csv")
    df = table.df.set_index("patient_id")
    assert table.factor_columns["albumin_g_l"] == "Albumin (g/dL)"
    assert table.factor_columns["ldh"] == "LDH (U/L)"
    assert df["albumin_g_l"].tolist()[:2] == [31.5, 41.0] and df.at["P04", "albumin_g_l"] == 38.0
    assert df["nlr"].tolist()[:2] == [6.0, 2.0]
    assert any("Albumin (g/dL) read as albumin_g_l in g/L (x10" in c
               for c in table.factor_conversions)
    calls = rule_columns(table.df, BUNDLED).set_index(table.df["patient_id"])
    # a count of sites says nothing about the liver: CLIN_LIVER_METS not assessed (-1)
    assert calls.loc["P01"].fillna(-1).tolist() == [1.0, -1.0, 1.0, 1.0, 1.0, 1.0]
    # P03: ECOG blank and no ULN: not assessed, never "not met"
    assert calls.loc["P03"].isna().all()


def test_per_rule_calls_and_the_rmh_score_on_the_cbioportal_table():
    table = read_clinical(FIXTURES / "cbioportal_patient_factors.txt")
    calls = rule_columns(table.df, BUNDLED).set_index(table.df["patient_id"]).fillna(-1)
    # columns: METS_GT2, LIVER_METS, LDH_GT_ULN, ECOG_GE2, RMH_GE2, NLR_HIGH; -1 not assessed
    assert calls.loc["P01"].tolist() == [1, 1, 1, 1, 1, 1]     # RMH 3 of 3
    assert calls.loc["P02"].tolist() == [0, 0, 0, 0, 0, 0]     # RMH 0
    assert calls.loc["P03"].tolist() == [-1, 1, -1, -1, -1, -1]   # RMH 0-3: undecided
    assert calls.loc["P04"].tolist() == [0, 0, 1, 0, 0, 0]     # RMH 1 (LDH only)


def _random_raw(rng: np.random.Generator) -> dict[str, str]:
    """One patient's factors as a clinic writes them: blanks, units, site lists."""
    def maybe(text):
        return text if rng.random() > 0.3 else rng.choice(["", "NA", "[Not Available]"])

    sites = ["liver", "lung", "bone", "brain", "adrenal", "lymph node"]
    chosen = rng.choice(sites, int(rng.integers(0, 5)), replace=False)
    as_list = rng.random() < 0.5
    mets = "; ".join(chosen) if as_list else str(int(rng.integers(0, 6)))
    raw = {"ecog": maybe(str(int(rng.integers(0, 5)))),
           "ldh": maybe(f"{rng.uniform(120, 700):.0f}"),
           "ldh_uln": maybe(str(rng.choice([225, 246, 250]))),
           "albumin_g_l": maybe(f"{rng.uniform(22, 50):.1f}"),
           "metastatic_sites": maybe(mets),
           "neutrophils": maybe(f"{rng.uniform(1.5, 12):.2f}"),
           "lymphocytes": maybe(f"{rng.uniform(0.3, 3):.2f}")}
    if rng.random() < 0.5 and not as_list:      # a flag beside a site list must agree
        raw["liver_metastases"] = maybe(str(rng.choice(["yes", "no"])))
    else:
        raw["liver_metastases"] = ""
    return raw


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_rule_calls_equal_evaluate_clinical_on_every_row(seed):
    rng = np.random.default_rng(seed)
    raws = [_random_raw(rng) for _ in range(300)]
    frame = pd.DataFrame(raws)
    parsed, problems = patient_factor_frame(frame, path="seeded.tsv",
                                            lines=range(2, 2 + len(frame)))
    assert problems == []
    vectorised = rule_columns(parsed, BUNDLED)
    code = {MET: 1.0, NOT_MET: 0.0}
    compared = 0
    for row, raw in enumerate(raws):
        one = build_factors(raw, source="row", strict=False)
        expected = {r["rule_id"]: r["status"] for r in evaluate_clinical(one, BUNDLED).rules}
        for rule_id, status in expected.items():
            value = vectorised.at[row, rule_id]
            if status == NOT_ASSESSED:
                assert math.isnan(value), (row, rule_id, raw)
            else:
                assert value == code[status], (row, rule_id, raw)
            compared += 1
        for key in ("ldh_ratio", "nlr", "liver_metastases", "metastatic_sites"):
            value = one.value(key)
            got = parsed.at[row, key] if key in parsed.columns else math.nan
            assert (value is None and math.isnan(got)) or float(value) == got, (row, key, raw)
    # the seeded cohort holds every status of every rule (a varied cohort, not a trivial one)
    for rule_id in vectorised.columns:
        assert set(vectorised[rule_id].fillna(-1)) == {-1.0, 0.0, 1.0}, rule_id
    assert compared == 300 * len(BUNDLED)


def test_the_frame_and_the_row_reader_share_their_cross_checks():
    raw = {"nlr": "9", "neutrophils": "6", "lymphocytes": "2"}
    with pytest.raises(FactorProblems) as row_error:
        build_factors(raw, source="row")
    _, problems = patient_factor_frame(pd.DataFrame([raw]), path="t.tsv", lines=[7])
    assert len(problems) == 1 and problems[0].startswith("t.tsv line 7, column nlr: ")
    assert row_error.value.problems[0][1] in problems[0]


# --- whole-column plausibility and exit 2 --------------------------------------------------------

def test_albumin_column_all_below_10_is_g_dl_and_named():
    with pytest.raises(ClinicalDataError) as error:
        read_clinical(FIXTURES / "albumin_all_g_dl_in_g_l_column.tsv")
    text = str(error.value)
    assert "column albumin: every value is implausible as g/L" in text
    assert "g/dL" in text and "albumin_g_dl" in text


def test_albumin_on_two_scales_lists_the_lines():
    with pytest.raises(ClinicalDataError) as error:
        read_clinical(FIXTURES / "albumin_mixed_scales.tsv")
    assert "column albumin_g_l: values on two scales: 2 plausible as g/L, 2 not (lines 3, 5" \
        in str(error.value)


def test_cli_exit_2_names_file_line_and_column(tmp_path):
    result = _run("cohort", "--maf",
                  ROOT / "tests/fixtures/malformed/stats/cohort_twelve_samples.maf",
                  "--clinical", FIXTURES / "ecog_dead_and_ldh_implausible.tsv", "--no-plots",
                  "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "ecog_dead_and_ldh_implausible.tsv line 2, column ECOG: '5': 5 is outside the " \
           "plausible range (0 to 4); ECOG 5 means dead" in result.output
    assert "line 3, column LDH: 19000 is 317 x ldh_uln 60: implausible" in result.output


def test_clinical_factor_option_maps_columns_and_checks_them(tmp_path):
    table = read_clinical(FIXTURES / "ldh_under_its_own_name.tsv",
                          factor_mapping={"ldh": "LDH_IU"})
    assert table.factor_columns == {"ldh": "LDH_IU", "ecog": "PS"}
    assert table.df["ldh"].tolist() == [480.0, 190.0]
    with pytest.raises(UsageError, match="unknown factor 'ldh_level'"):
        read_clinical(FIXTURES / "ldh_under_its_own_name.tsv",
                      factor_mapping={"ldh_level": "LDH_IU"})
    with pytest.raises(UsageError, match="has no column 'LDH_U'"):
        read_clinical(FIXTURES / "ldh_under_its_own_name.tsv", factor_mapping={"ldh": "LDH_U"})
    maf = ROOT / "tests/fixtures/malformed/stats/cohort_twelve_samples.maf"
    for mapping, words in (("ldh:LDH_IU", "expected KEY=COLUMN"),
                           ("ldh_level=LDH_IU", "unknown factor")):
        result = _run("cohort", "--maf", maf, "--clinical", FIXTURES / "ldh_under_its_own_name.tsv",
                      "--clinical-factor", mapping, "--no-plots", "-o", tmp_path / "o")
        assert result.exit_code == 2 and words in result.output, result.output


# --- the cohort: association rows, counts, covariates --------------------------------------------

@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("genie_factors")
    return genie_like.write_study(folder, 1200, seed=11, factors=True)


def _own_clinical_calls(path: Path) -> pd.DataFrame:
    """CLIN_METS_GT2 / CLIN_LDH_GT_ULN computed here from the raw file (NaN: not assessed)."""
    raw = pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False)
    def number(column):
        return pd.to_numeric(raw[column].replace("[Not Available]", np.nan))
    sites, ldh, uln = number("METASTATIC_SITES"), number("LDH"), number("LDH_ULN")
    ratio = ldh / uln
    return pd.DataFrame({
        "patient_id": raw["PATIENT_ID"],
        "CLIN_METS_GT2": np.where(sites.isna(), np.nan, (sites > 2).astype(float)),
        "CLIN_LDH_GT_ULN": np.where(ratio.isna(), np.nan, (ratio.round(4) > 1).astype(float))})


def test_cohort_writes_a_clinical_row_per_rule_with_its_counts(tmp_path, study):
    out = tmp_path / "out"
    result = _run("cohort", *genie_like.cohort_args(study), "--no-plots", "-o", out)
    assert result.exit_code == 0, result.output
    rows = [r for r in _tsv(out / "association.tsv") if r["component"] == "clinical"]
    assert [r["rule_id"] for r in rows] == CLIN_IDS
    data = json.loads((out / "cohort.json").read_text())
    factors = data["clinical_factors"]
    assert factors["columns"]["metastatic_sites"] == "METASTATIC_SITES"
    assert factors["columns"]["ecog"] == "ECOG_PS" and factors["columns"]["age"] == "AGE"
    counts = {c["rule_id"]: c for c in factors["counts"]}
    # the counts are the analysed patients' calls: met + not met + not assessed = patients
    own = _own_clinical_calls(study["clinical"]).set_index("patient_id")
    n = factors["n_patients_analysed"]
    for rule_id in ("CLIN_METS_GT2", "CLIN_LDH_GT_ULN"):
        row = next(r for r in rows if r["rule_id"] == rule_id)
        c = counts[rule_id]
        assert c["met"] + c["not_met"] + c["not_assessed"] == n
        assert (int(row["n_altered"]), int(row["n_unaltered"]), int(row["n_not_evaluable"])) == \
            (c["met"], c["not_met"], c["not_assessed"])
        assert 0 < c["not_assessed"] < n and c["met"] > 0 and c["not_met"] > 0
        assert own[rule_id].notna().sum() >= c["met"] + c["not_met"]
    clinical = [a for a in data["association_clinical"]]
    assert {a["level"] for a in clinical} == {"clinical"}
    # their own family of q-values: BH over the six Fisher p-values only
    from hpdgenomics.stats import bh_qvalues
    p = np.array([a["row"]["fisher_p"] for a in clinical], dtype=float)
    assert np.allclose([a["row"]["fisher_q"] for a in clinical], bh_qvalues(p), equal_nan=True)
    html = (out / "cohort.html").read_text()
    assert "<h2>Clinical factors</h2>" in html and "CLIN_RMH_GE2" in html


def test_mdm2_adjusted_for_metastatic_sites_and_ldh_matches_direct_fits(tmp_path, study):
    from firthmodels import FirthLogisticRegression
    from lifelines import CoxPHFitter

    from hpdgenomics.cohort.report import CohortConfig, run_cohort

    config = CohortConfig(maf=study["maf"], cna=study["cna"],
                          gene_panel_matrix=study["gene_panel_matrix"],
                          gene_panels=tuple(study["gene_panels"]), clinical=study["clinical"],
                          clinical_samples=study["clinical_samples"],
                          covariates=("CLIN_METS_GT2", "CLIN_LDH_GT_ULN"))
    report = run_cohort(config)
    analysis = report.analysis
    patients = analysis.patients.copy()
    # the CLIN columns the models used equal those computed here from the raw file
    own = _own_clinical_calls(study["clinical"]).set_index("patient_id")
    for rule_id in ("CLIN_METS_GT2", "CLIN_LDH_GT_ULN"):
        expected = patients["patient_id"].map(own[rule_id]).to_numpy(dtype=float)
        assert np.array_equal(patients[rule_id].to_numpy(dtype=float), expected, equal_nan=True)
    mdm2 = next(a for a in analysis.rule_associations
                if a.id == "MDM2_AMP" and a.is_default).row()
    assert mdm2["adjusted_covariates"] == "CLIN_METS_GT2,CLIN_LDH_GT_ULN"
    patients["MDM2"] = patients["sample_id"].map(analysis.rule_matrix["MDM2_AMP"])
    terms = ["MDM2", "CLIN_METS_GT2", "CLIN_LDH_GT_ULN"]
    binary = patients[[*terms, "early_failure"]].dropna().astype(float)
    survival = patients[[*terms, "ttf_months", "ttf_event"]].dropna().astype(float)
    assert binary["MDM2"].sum() >= 3 and survival["MDM2"].sum() >= 3
    assert 0 < binary["CLIN_METS_GT2"].mean() < 1 and 0 < survival["CLIN_LDH_GT_ULN"].mean() < 1
    firth = FirthLogisticRegression(max_iter=100, xtol=1e-8, gtol=1e-8).fit(
        binary[terms].to_numpy(), binary["early_failure"].to_numpy())
    assert mdm2["adjusted_firth_or"] == pytest.approx(math.exp(firth.coef_[0]), rel=1e-5)
    cox = CoxPHFitter().fit(survival, "ttf_months", "ttf_event")
    assert mdm2["adjusted_hazard_ratio"] == pytest.approx(cox.hazard_ratios_["MDM2"], rel=1e-5)
    # a factor itself is a covariate too (LDH / ULN as a number)
    report = run_cohort(dataclasses.replace(config, covariates=("ldh_ratio", "ecog")))
    row = next(a for a in report.analysis.rule_associations
               if a.id == "MDM2_AMP" and a.is_default).row()
    assert row["adjusted_covariates"] == "ldh_ratio,ecog" and math.isfinite(
        row["adjusted_hazard_ratio"])


def test_a_clin_covariate_needs_factor_columns(tmp_path):
    result = _run("cohort", "--maf",
                  ROOT / "tests/fixtures/malformed/stats/cohort_twelve_samples.maf",
                  "--clinical",
                  ROOT / "tests/fixtures/malformed/stats/clinical_covariate_1e308_scale.tsv",
                  "--covariate", "CLIN_METS_GT2", "--no-plots", "-o", tmp_path / "o")
    assert result.exit_code == 2
    assert "CLIN_METS_GT2 not found" in result.output


# --- hpd-classify: the same reader ----------------------------------------------------------------

def test_hpd_classify_patient_table_factor_columns_fail_as_in_cohort(tmp_path):
    examples = ROOT / "examples" / "hpd"
    lines = (examples / "patients.tsv").read_text().splitlines()
    lines = [lines[0] + "\talbumin_g_l"] + [line + ("\t120" if i == 1 else "\t38")
                                            for i, line in enumerate(lines[1:])]
    patients = tmp_path / "patients_albumin.tsv"
    patients.write_text("\n".join(lines) + "\n")
    result = _run("hpd-classify", "--measurements", examples / "measurements.tsv",
                  "--patients", patients, "-o", tmp_path / "labels")
    assert result.exit_code == 2, result.output
    message = "line 3, column albumin_g_l: '120': 120 g/L is outside the plausible range " \
              "(10 to 70 g/L)"
    assert message in result.output
    clinical = tmp_path / "clinical.tsv"
    clinical.write_text("PATIENT_ID\tTTF_MONTHS\tTTF_STATUS\talbumin_g_l\n"
                        "P1\t1.0\t1\t38\nP2\t2.0\t0\t120\n")
    with pytest.raises(ClinicalDataError, match=r"line 3, column albumin_g_l: '120': 120 g/L is "
                                                r"outside the plausible range \(10 to 70 g/L\)"):
        read_clinical(clinical)


def test_hpd_classify_ecog_baseline_is_the_factor_ecog(tmp_path):
    examples = ROOT / "examples" / "hpd"
    table = pd.read_csv(examples / "patients.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert table.columns[-1] == "ecog_baseline"
    table.loc[0, "ecog_baseline"] = "5"
    patients = tmp_path / "patients_ecog.tsv"
    table.to_csv(patients, sep="\t", index=False)
    result = _run("hpd-classify", "--measurements", examples / "measurements.tsv",
                  "--patients", patients, "-o", tmp_path / "labels")
    assert result.exit_code == 2
    assert "column ecog_baseline: found '5': 5 is outside the plausible range (0 to 4); " \
           "ECOG 5 means dead" in result.output
