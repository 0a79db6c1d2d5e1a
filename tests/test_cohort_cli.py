"""``hpdgenomics cohort`` in-process: manifest path, cohort files, real public cohorts, bad input."""
from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from lifelines.statistics import logrank_test
from scipy.stats import fisher_exact

from hpdgenomics.cli import cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "cohort_run"
EXAMPLE = ROOT / "examples" / "cohort"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _run(args: list[str]):
    return CliRunner().invoke(cli, ["cohort", *map(str, args)], catch_exceptions=False)


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _small_manifest(tmp_path: Path) -> Path:
    """Three example samples (S01 MDM2-amplified, S07 EGFR L858R, S10 nothing) and a broken one."""
    shutil.copy(FIXTURES / "broken_sample_truncated_gzip.vcf.gz", tmp_path / "broken.vcf.gz")
    lines = ["sample_id\tpatient_id\tvcf\tcnv\ttumor_type"]
    for sample, patient in (("S01", "P01"), ("S07", "P07"), ("S10", "P10")):
        lines.append(f"{sample}\t{patient}\t{EXAMPLE / 'vcf' / f'{sample}.vcf'}\t"
                     f"{EXAMPLE / 'cnv' / f'{sample}.call.cns'}\tNSCLC")
    lines.append("BROKEN\tP11\tbroken.vcf.gz\t\tNSCLC")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def test_manifest_path_skips_a_broken_sample_and_reuses_finished_ones(tmp_path):
    manifest = _small_manifest(tmp_path)
    out = tmp_path / "out"
    args = ["--manifest", manifest, "--clinical", EXAMPLE / "clinical.tsv", "-o", out,
            "--workers", "2", "--no-plots"]
    first = _run(args)
    assert first.exit_code == 0, first.output
    data = json.loads((out / "cohort.json").read_text())
    status = {o["sample_id"]: o["status"] for o in data["samples"]["outcomes"]}
    assert status == {"S01": "screened", "S07": "screened", "S10": "screened", "BROKEN": "failed"}
    broken = next(o for o in data["samples"]["outcomes"] if o["sample_id"] == "BROKEN")
    assert "broken.vcf.gz" in broken["error"] and "truncated" in broken["error"]
    assert any("BROKEN" in w for w in data["warnings"])
    assert (out / "samples" / "S01.hpd.json").is_file()
    matrix = {r["sample_id"]: r for r in _tsv(out / "matrix.tsv")}
    assert set(matrix) == {"S01", "S07", "S10"}
    assert (matrix["S01"]["MDM2_AMP"], matrix["S07"]["EGFR_MUT"], matrix["S10"]["EGFR_MUT"]) == \
        ("1", "1", "0")
    mdm2 = next(r for r in _tsv(out / "association.tsv") if r["rule_id"] == "MDM2_AMP")
    assert (mdm2["n_altered"], mdm2["n_unaltered"], mdm2["early_failure_altered"]) == ("1", "2", "1")

    second = _run(args)
    assert second.exit_code == 0, second.output
    again = json.loads((out / "cohort.json").read_text())
    status = {o["sample_id"]: o["status"] for o in again["samples"]["outcomes"]}
    assert status == {"S01": "reused", "S07": "reused", "S10": "reused", "BROKEN": "failed"}
    assert _tsv(out / "matrix.tsv") == list(matrix.values())


def test_bad_clinical_file_lists_every_problem_and_exits_2(tmp_path):
    result = _run(["--manifest", _small_manifest(tmp_path),
                   "--clinical", FIXTURES / "clinical_three_bad_values.tsv", "-o", tmp_path / "o"])
    assert result.exit_code == 2
    message = result.output
    assert "3 problem(s)" in message
    for found in ("line 3", "'soon'", "line 4", "'maybe'", "line 5", "'-3'"):
        assert found in message
    assert not (tmp_path / "o" / "samples").exists()      # failed before any screening


def test_hpd_outcome_without_calls_is_a_usage_error(tmp_path):
    result = _run(["--manifest", _small_manifest(tmp_path), "--clinical", EXAMPLE / "clinical.tsv",
                   "--outcome", "hpd:kas_2020", "-o", tmp_path / "o"])
    assert result.exit_code == 2 and "--hpd-calls" in result.output


def test_manifest_and_cohort_files_together_are_refused(tmp_path):
    result = _run(["--manifest", _small_manifest(tmp_path), "--maf", FIXTURES / "gene_panels_full_and_no_kras.tsv",
                   "-o", tmp_path / "o"])
    assert result.exit_code == 2 and "not both" in result.output


@pytest.mark.skipif(not (SHARED / "maf" / "cbioportal_data_mutations_extended.maf").is_file(),
                    reason="../shared data not available")
def test_shared_cbioportal_study_end_to_end(tmp_path):
    clinical_dir = SHARED / "clinical"
    out = tmp_path / "out"
    result = _run(["--maf", SHARED / "maf" / "cbioportal_data_mutations_extended.maf",
                   "--clinical", clinical_dir / "data_clinical_patients.txt",
                   "--clinical-samples", clinical_dir / "data_clinical_samples.txt",
                   "--gene-panel-matrix", clinical_dir / "data_gene_panel_matrix.txt",
                   "--gene-panel", FIXTURES / "cbioportal_testpanel1_definition.txt",
                   "--gene-panel", FIXTURES / "cbioportal_testpanel2_definition.txt",
                   "--time-column", "OS_MONTHS", "--status-column", "OS_STATUS", "--no-plots",
                   "-o", out])
    assert result.exit_code == 0, result.output

    # independent count of the same join: samples file -> patients present in the patients file,
    # one sample per patient (first id in sort order), EGFR on the sample's mutation panel
    samples = pd.read_csv(clinical_dir / "data_clinical_samples.txt", sep="\t", comment="#",
                          dtype=str)
    patients = set(pd.read_csv(clinical_dir / "data_clinical_patients.txt", sep="\t", comment="#",
                               dtype=str)["PATIENT_ID"])
    panel = pd.read_csv(clinical_dir / "data_gene_panel_matrix.txt", sep="\t", dtype=str,
                        keep_default_na=False).set_index("SAMPLE_ID")["mutations"]
    mapped = samples[samples["PATIENT_ID"].isin(patients)]
    kept = mapped.sort_values("SAMPLE_ID").groupby("PATIENT_ID")["SAMPLE_ID"].first()
    egfr_profiled = sum(panel.get(s) == "TESTPANEL1" for s in kept)     # TESTPANEL2 lacks EGFR
    row = next(r for r in _tsv(out / "association.tsv") if r["rule_id"] == "EGFR_MUT")
    assert int(row["n_altered"]) == 0                                 # no EGFR row in the MAF
    assert int(row["n_unaltered"]) == egfr_profiled > 0
    assert int(row["n_not_evaluable"]) == len(kept) - egfr_profiled
    data = json.loads((out / "cohort.json").read_text())
    assert data["join_report"]["multi_sample_patients"]               # stated, not hidden
    assert data["join_report"]["outcome_counts"]["with_clinical"] == len(kept)


@pytest.mark.skipif(not (SHARED / "maf" / "tcga_laml.maf.gz").is_file(),
                    reason="../shared data not available")
def test_tcga_laml_dnmt3a_matches_an_independent_computation(tmp_path):
    out = tmp_path / "out"
    survival = SHARED / "clinical" / "maftools_laml_survival.tsv"
    result = _run(["--maf", SHARED / "maf" / "tcga_laml.maf.gz", "--clinical", survival,
                   "--time-column", "days_to_last_followup",
                   "--status-column", "Overall_Survival_Status", "--time-unit", "days",
                   "--on-invalid", "missing", "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output

    maf = pd.read_csv(SHARED / "maf" / "tcga_laml.maf.gz", sep="\t", dtype=str)
    qualifying = {"Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins",
                  "Splice_Site", "Translation_Start_Site"}
    altered = set(maf.loc[(maf["Hugo_Symbol"] == "DNMT3A")
                          & maf["Variant_Classification"].isin(qualifying),
                          "Tumor_Sample_Barcode"])
    clinical = pd.read_csv(survival, sep="\t")
    days = pd.to_numeric(clinical["days_to_last_followup"], errors="coerce")
    clinical = clinical[days.notna() & days.abs().lt(math.inf)].copy()      # '-Inf' is unusable
    clinical["months"] = clinical["days_to_last_followup"].astype(float) / 30.4375
    clinical["event"] = clinical["Overall_Survival_Status"].astype(int)
    clinical["altered"] = clinical["Tumor_Sample_Barcode"].isin(altered)
    early = clinical[(clinical["months"] >= 2) | (clinical["event"] == 1)]
    early_failure = (early["months"] < 2) & (early["event"] == 1)
    table = [[int((early_failure & early["altered"]).sum()), int((~early_failure & early["altered"]).sum())],
             [int((early_failure & ~early["altered"]).sum()), int((~early_failure & ~early["altered"]).sum())]]
    a, b = clinical[clinical["altered"]], clinical[~clinical["altered"]]
    expected_logrank = logrank_test(a["months"], b["months"], a["event"], b["event"]).p_value

    row = next(r for r in _tsv(out / "association.tsv") if r["rule_id"] == "DNMT3A_ALT")
    all_samples = set(pd.read_csv(survival, sep="\t")["Tumor_Sample_Barcode"])
    assert int(row["n_altered"]) == len(altered & all_samples)
    assert int(row["n_altered"]) + int(row["n_unaltered"]) == len(all_samples)
    assert [[int(row["early_failure_altered"]),
             int(row["early_failure_evaluable_altered"]) - int(row["early_failure_altered"])],
            [int(row["early_failure_unaltered"]),
             int(row["early_failure_evaluable_unaltered"]) - int(row["early_failure_unaltered"])]
            ] == table
    assert float(row["fisher_p"]) == pytest.approx(fisher_exact(table)[1], rel=1e-5)
    assert float(row["logrank_p"]) == pytest.approx(expected_logrank, rel=1e-5)


def test_binary_outcome_runs_without_ttf_columns_and_says_survival_was_skipped(tmp_path):
    out = tmp_path / "out"
    result = _run(["--manifest", _small_manifest(tmp_path),
                   "--clinical", FIXTURES / "clinical_hpd_label_without_ttf_columns.tsv",
                   "--outcome", "binary:HPD_LABEL", "--workers", "1", "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "cohort.json").read_text())
    assert data["outcome"]["survival_available"] is False
    assert "TTF_MONTHS, TTF_STATUS" in data["outcome"]["survival_skipped"]
    assert any("survival statistics (Kaplan-Meier, log-rank, Cox) not run" in w
               for w in data["warnings"])
    mdm2 = next(r for r in _tsv(out / "association.tsv") if r["rule_id"] == "MDM2_AMP")
    # S01/P01 MDM2-amplified and labelled; P07, P10 unaltered and not labelled
    assert (mdm2["early_failure_altered"], mdm2["early_failure_unaltered"]) == ("1", "0")
    assert float(mdm2["fisher_p"]) == pytest.approx(fisher_exact([[1, 0], [0, 2]])[1], rel=1e-5)
    assert mdm2["hazard_ratio"] == "" and "survival statistics not run" in mdm2["warnings"]
    assert "survival statistics (Kaplan-Meier, log-rank, Cox) not run" in \
        (out / "cohort.html").read_text()


def test_ttf_outcome_without_ttf_columns_names_the_columns_and_the_options(tmp_path):
    result = _run(["--manifest", _small_manifest(tmp_path),
                   "--clinical", FIXTURES / "clinical_hpd_label_without_ttf_columns.tsv",
                   "-o", tmp_path / "o"])
    assert result.exit_code == 2
    assert "missing column(s) TTF_MONTHS, TTF_STATUS" in result.output
    assert "PATIENT_ID, HPD_LABEL, tumor_type" in result.output
    assert "--time-column/--status-column" in result.output
    assert not (tmp_path / "o" / "samples").exists()


def test_named_ttf_columns_must_exist_even_for_a_binary_outcome(tmp_path):
    result = _run(["--manifest", _small_manifest(tmp_path),
                   "--clinical", FIXTURES / "clinical_hpd_label_without_ttf_columns.tsv",
                   "--outcome", "binary:HPD_LABEL", "--time-column", "PFS_MONTHS",
                   "--status-column", "PFS_STATUS", "-o", tmp_path / "o"])
    assert result.exit_code == 2 and "missing column(s) PFS_MONTHS, PFS_STATUS" in result.output


def test_cohort_files_with_a_combined_patient_and_sample_table(tmp_path):
    out = tmp_path / "out"
    result = _run(["--maf", Path(__file__).parent / "fixtures" / "cohort"
                   / "maf_vcf2maf_version_header.maf",
                   "--clinical", FIXTURES / "clinical_combined_patient_and_sample_rows_hpd_label.tsv",
                   "--outcome", "binary:HPD_LABEL", "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "cohort.json").read_text())
    # the table's own SAMPLE_ID -> PATIENT_ID rows map every sample, the MAF's and the others
    assert data["join_report"]["mapping"] == {"clinical table": 5}
    assert data["join_report"]["multi_sample_patients"] == {"P3": ["S3", "S3b"]}
    assert {r["sample_id"] for r in _tsv(out / "matrix.tsv")} == {"S1", "S2", "S3", "S3b", "S4"}
    egfr = next(r for r in _tsv(out / "association.tsv") if r["rule_id"] == "EGFR_MUT")
    # S1 altered and labelled; S2, S3, S4 unaltered (S3b left out), of which S4 is labelled
    assert (egfr["n_altered"], egfr["n_unaltered"]) == ("1", "3")
    assert (egfr["early_failure_altered"], egfr["early_failure_unaltered"]) == ("1", "1")
    assert data["outcome"]["survival_skipped"]
