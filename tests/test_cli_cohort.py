"""``hpdgenomics cohort`` in-process: manifest path, cohort files, real public cohorts, bad
input."""
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


def _run(args: list[str]):
    return CliRunner().invoke(cli, ["cohort", *map(str, args)], catch_exceptions=False)


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _default_exposure(rows: list[dict]) -> list[dict]:
    """The matrix rows of the default exposure (every criterion, strong-grade matches)."""
    return [r for r in rows if (r["component"], r["grade"]) == ("all", "strong")]


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
    first_matrix = _tsv(out / "matrix.tsv")
    matrix = {r["sample_id"]: r for r in _default_exposure(first_matrix)}
    assert set(matrix) == {"S01", "S07", "S10"}
    assert (matrix["S01"]["MDM2_AMP"], matrix["S07"]["EGFR_MUT"], matrix["S10"]["EGFR_MUT"]) == \
        ("1", "1", "0")
    mdm2 = next(r for r in _tsv(out / "association.tsv") if r["rule_id"] == "MDM2_AMP")
    assert (mdm2["n_altered"], mdm2["n_unaltered"], mdm2["early_failure_altered"]) \
        == ("1", "2", "1")

    second = _run(args)
    assert second.exit_code == 0, second.output
    again = json.loads((out / "cohort.json").read_text())
    status = {o["sample_id"]: o["status"] for o in again["samples"]["outcomes"]}
    assert status == {"S01": "reused", "S07": "reused", "S10": "reused", "BROKEN": "failed"}
    assert _tsv(out / "matrix.tsv") == first_matrix


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
    result = _run(["--manifest", _small_manifest(tmp_path), "--maf",
                   FIXTURES / "gene_panels_full_and_no_kras.tsv",
                   "-o", tmp_path / "o"])
    assert result.exit_code == 2 and "not both" in result.output


def test_shared_cbioportal_study_end_to_end(tmp_path, shared_data):
    clinical_dir = shared_data / "clinical"
    out = tmp_path / "out"
    result = _run(["--maf", shared_data / "maf" / "cbioportal_data_mutations_extended.maf",
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


def test_tcga_laml_dnmt3a_matches_an_independent_computation(tmp_path, shared_data):
    out = tmp_path / "out"
    survival = shared_data / "clinical" / "maftools_laml_survival.tsv"
    result = _run(["--maf", shared_data / "maf" / "tcga_laml.maf.gz", "--clinical", survival,
                   "--time-column", "days_to_last_followup",
                   "--status-column", "Overall_Survival_Status", "--time-unit", "days",
                   "--on-invalid", "missing", "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output

    maf = pd.read_csv(shared_data / "maf" / "tcga_laml.maf.gz", sep="\t", dtype=str)
    truncating = {"Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site",
                  "Translation_Start_Site"}
    clinical = pd.read_csv(survival, sep="\t")
    all_samples = set(clinical["Tumor_Sample_Barcode"])
    days = pd.to_numeric(clinical["days_to_last_followup"], errors="coerce")
    # '-Inf' is unusable; a survival row without any MAF row has no genomic data: not evaluable
    sequenced = set(maf["Tumor_Sample_Barcode"])
    clinical = clinical[days.notna() & days.abs().lt(math.inf)
                        & clinical["Tumor_Sample_Barcode"].isin(sequenced)].copy()
    clinical["months"] = clinical["days_to_last_followup"].astype(float) / 30.4375
    clinical["event"] = clinical["Overall_Survival_Status"].astype(int)
    rows = _tsv(out / "association.tsv")
    # default exposure: strong-grade (truncating) DNMT3A variants only; the labelled "any" grade
    # adds the supporting-grade missense variants, R882H (clonal haematopoiesis) among them
    for grade, classes in (("strong", truncating), ("any", truncating | {"Missense_Mutation"})):
        altered = set(maf.loc[(maf["Hugo_Symbol"] == "DNMT3A")
                              & maf["Variant_Classification"].isin(classes),
                              "Tumor_Sample_Barcode"])
        clinical["altered"] = clinical["Tumor_Sample_Barcode"].isin(altered)
        early = clinical[(clinical["months"] >= 2) | (clinical["event"] == 1)]
        early_failure = (early["months"] < 2) & (early["event"] == 1)
        table = [[int((early_failure & early["altered"]).sum()),
                  int((~early_failure & early["altered"]).sum())],
                 [int((early_failure & ~early["altered"]).sum()),
                  int((~early_failure & ~early["altered"]).sum())]]
        a, b = clinical[clinical["altered"]], clinical[~clinical["altered"]]
        expected_logrank = logrank_test(a["months"], b["months"], a["event"], b["event"]).p_value

        row = next(r for r in rows if (r["rule_id"], r["component"], r["grade"]) ==
                   ("DNMT3A_ALT", "all", grade))
        assert int(row["n_altered"]) == len(altered & all_samples)
        assert int(row["n_altered"]) + int(row["n_unaltered"]) == len(all_samples & sequenced)
        assert int(row["n_not_evaluable"]) == len(all_samples - sequenced) == 7
        assert [[int(row["early_failure_altered"]),
                 int(row["early_failure_evaluable_altered"]) - int(row["early_failure_altered"])],
                [int(row["early_failure_unaltered"]),
                 int(row["early_failure_evaluable_unaltered"])
                 - int(row["early_failure_unaltered"])]] == table
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
                   "--clinical",
                   FIXTURES / "clinical_combined_patient_and_sample_rows_hpd_label.tsv",
                   "--outcome", "binary:HPD_LABEL", "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "cohort.json").read_text())
    # the table's own SAMPLE_ID -> PATIENT_ID rows map every sample, the MAF's and the others
    assert data["join_report"]["mapping"] == {"clinical table": 5}
    assert data["join_report"]["multi_sample_patients"] == {"P3": ["S3", "S3b"]}
    assert {r["sample_id"] for r in _tsv(out / "matrix.tsv")} == {"S1", "S2", "S3", "S3b", "S4"}
    egfr = next(r for r in _tsv(out / "association.tsv") if r["rule_id"] == "EGFR_MUT")
    # S1 altered and labelled; S2, S3 unaltered (S3b left out); S4, only in the clinical table,
    # has no genomic data at all: not evaluable, never unaltered (issue 9)
    assert (egfr["n_altered"], egfr["n_unaltered"], egfr["n_not_evaluable"]) == ("1", "2", "1")
    assert (egfr["early_failure_altered"], egfr["early_failure_unaltered"]) == ("1", "0")
    assert data["outcome"]["survival_skipped"]


def _genes(report_path: Path) -> dict[str, dict]:
    return {g["gene"]: g for g in json.loads(report_path.read_text())["genes"]}


def _log2_to_copies(log2: float, purity: float) -> float:
    """CNVkit's purity rescaling for a diploid reference (DOMAIN.md section 5)."""
    return (2 * 2 ** log2 - 2 * (1 - purity)) / purity


def test_manifest_purity_changes_the_copy_number_and_forces_a_rescreen(tmp_path):
    # the example .call.cns holds both the log2 ratio and an absolute cn; cnv_format cnvkit-cns
    # reads the log2 ratio, which purity rescales
    header = "sample_id\tvcf\tcnv\tcnv_format\tpurity"
    s01 = f"S01\t{EXAMPLE / 'vcf' / 'S01.vcf'}\t{EXAMPLE / 'cnv' / 'S01.call.cns'}\tcnvkit-cns"
    s10 = f"S10\t{EXAMPLE / 'vcf' / 'S10.vcf'}\t{EXAMPLE / 'cnv' / 'S10.call.cns'}\tcnvkit-cns\t"
    manifest, out = tmp_path / "manifest.tsv", tmp_path / "out"
    args = ["--manifest", manifest, "--workers", "1", "--no-plots", "-o", out]

    manifest.write_text(f"{header}\n{s01}\t\n{s10}\n")
    assert _run(args).exit_code == 0
    pure = _genes(out / "samples" / "S01.hpd.json")["MDM2"]["copy_number"]

    manifest.write_text(f"{header}\n{s01}\t0.5\n{s10}\n")
    result = _run(args)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "cohort.json").read_text())
    status = {o["sample_id"]: o["status"] for o in data["samples"]["outcomes"]}
    assert status == {"S01": "screened", "S10": "reused"}     # only the changed row re-screened
    impure = _genes(out / "samples" / "S01.hpd.json")["MDM2"]["copy_number"]
    log2 = 2.3219                                             # MDM2 segment of S01.call.cns
    assert pure["copy_number"] == pytest.approx(_log2_to_copies(log2, 1.0), abs=0.01)
    assert impure["copy_number"] == pytest.approx(_log2_to_copies(log2, 0.5), abs=0.01)
    assert impure["copy_number"] > pure["copy_number"] + 5
    assert "p = 0.5" in impure["basis"]


def test_manifest_bad_purity_is_reported_with_its_line_before_screening(tmp_path):
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("sample_id\tvcf\tpurity\n"
                        f"S01\t{EXAMPLE / 'vcf' / 'S01.vcf'}\t0.5\n"
                        f"S07\t{EXAMPLE / 'vcf' / 'S07.vcf'}\t45\n")
    result = _run(["--manifest", manifest, "-o", tmp_path / "o"])
    assert result.exit_code == 2
    assert "line 3: purity '45' is outside 0.01-1" in result.output
    assert str(manifest) in result.output
    assert not (tmp_path / "o").exists()


def test_manifest_cnv_sample_picks_the_sample_of_a_multi_sample_copy_number_file(tmp_path):
    matrix = ROOT / "tests" / "fixtures" / "cnv_caller_dialects" / \
        "cbioportal_data_cna_wide_na_two_samples.txt"
    vcf = ROOT / "tests" / "fixtures" / "screen" / "tumour_egfr_kras_unannotated_grch38.vcf"
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("sample_id\tvcf\tcnv\tsample\tcnv_sample\n"
                        f"PT1\t{vcf}\t{matrix}\tTUMOUR_A\tTCGA-XX-0001-01\n"
                        f"PT2\t{vcf}\t{matrix}\tTUMOUR_A\tTCGA-XX-0002-01\n")
    out = tmp_path / "out"
    result = _run(["--manifest", manifest, "--workers", "1", "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    matrix_rows = {r["sample_id"]: r for r in _default_exposure(_tsv(out / "matrix.tsv"))}
    assert (matrix_rows["PT1"]["MDM2_AMP"], matrix_rows["PT2"]["MDM2_AMP"]) == ("1", "0")
    assert matrix_rows["PT1"]["KRAS_MUT"] == matrix_rows["PT2"]["KRAS_MUT"] == "1"   # the VCF
    details = json.loads((out / "samples" / "PT2.hpd.json").read_text())["inputs"][1]["details"]
    assert details["sample"] == "TCGA-XX-0002-01"


@pytest.mark.parametrize("option, name", [("--covariate", "tumour_type"), ("--strata", "stage")])
def test_unknown_covariate_or_stratum_fails_before_any_screening(tmp_path, option, name):
    out = tmp_path / "o"
    result = _run(["--manifest", _small_manifest(tmp_path), "--clinical", EXAMPLE / "clinical.tsv",
                   option, name, "-o", out])
    assert result.exit_code == 2
    assert f"covariate/stratum column(s) {name} not found" in result.output
    # available: the clinical table's columns and the manifest's
    assert "available: " in result.output and "tumor_type" in result.output
    assert not out.exists()                                  # nothing screened, nothing written


def test_a_sample_that_now_fails_loses_its_earlier_reports(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for sample in ("S01", "S07"):
        shutil.copy(EXAMPLE / "vcf" / f"{sample}.vcf", inputs / f"{sample}.vcf")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("sample_id\tvcf\nS01\tinputs/S01.vcf\nS07\tinputs/S07.vcf\n")
    out = tmp_path / "out"
    args = ["--manifest", manifest, "--workers", "1", "--no-plots", "-o", out]
    assert _run(args).exit_code == 0
    stale = [out / "samples" / f"S07.hpd.{kind}" for kind in ("json", "tsv", "html", "key")]
    assert all(p.is_file() for p in stale)

    # the VCF is replaced by one that cannot be read: the earlier report must not look current
    (inputs / "S07.vcf").write_text("##fileformat=VCFv4.2\nthis is not a VCF record line\n")
    result = _run(args)
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in stale)
    assert (out / "samples" / "S01.hpd.json").is_file()
    data = json.loads((out / "cohort.json").read_text())
    s07 = next(o for o in data["samples"]["outcomes"] if o["sample_id"] == "S07")
    assert s07["status"] == "failed" and "S07.vcf" in s07["error"]
    assert "reports of an earlier run removed" in s07["error"]
    assert any("S07" in w for w in data["warnings"])
    assert {r["sample_id"] for r in _tsv(out / "matrix.tsv")} == {"S01"}


def test_rules_not_evaluable_in_most_samples_are_named_in_json_and_html(tmp_path):
    manifest = tmp_path / "manifest.tsv"       # VCFs only: no copy-number rule is evaluable
    manifest.write_text("sample_id\tvcf\n" + "".join(
        f"{s}\t{EXAMPLE / 'vcf' / f'{s}.vcf'}\n" for s in ("S01", "S07", "S10")))
    out = tmp_path / "out"
    assert _run(["--manifest", manifest, "--workers", "1", "--no-plots", "-o", out]).exit_code == 0
    expected = ("MDM2_AMP not evaluable in 3/3 samples [commonest reason: MDM2 copy number "
                "(no copy-number input)]; its counts and tests say nothing about absence")
    warnings = json.loads((out / "cohort.json").read_text())["warnings"]
    assert expected in warnings
    assert not any(w.startswith("EGFR_MUT not evaluable") for w in warnings)
    assert "MDM2_AMP not evaluable in 3/3 samples" in (out / "cohort.html").read_text()
