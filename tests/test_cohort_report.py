"""The cohort report model and its views: TSV, JSON, self-contained HTML and the figures."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.cohort.report import CohortConfig, run_cohort, write_cohort_outputs

REQUIRED_ASSOCIATION_COLUMNS = (
    "rule_id", "n_altered", "n_unaltered", "n_not_evaluable", "early_failure_altered",
    "early_failure_unaltered", "odds_ratio", "or_ci_low", "or_ci_high", "fisher_p", "fisher_q",
    "hazard_ratio", "hr_ci_low", "hr_ci_high", "cox_p", "logrank_p", "median_ttf_altered",
    "median_ttf_unaltered", "evidence_level")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A 12-sample cohort from a discrete CNA matrix: MDM2 amplified in S1-S3 (early failures),
    MDM2 not in the matrix for S12 (not evaluable)."""
    folder = tmp_path_factory.mktemp("cohort_report")
    samples = [f"S{i}" for i in range(1, 13)]
    frame = pd.DataFrame({"Hugo_Symbol": ["MDM2", "STK11"],
                          **{s: [2 if s in ("S1", "S2", "S3") else 0, 0] for s in samples}},
                         dtype=object)
    frame.loc[0, "S12"] = "NA"
    frame.to_csv(folder / "data_cna.txt", sep="\t", index=False)
    months = [1.0, 1.5, 0.8, 5.0, 7.2, 1.2, 9.9, 12.0, 3.3, 6.1, 2.4, 4.0]
    status = ["1:F"] * 7 + ["0:C", "1:F", "1:F", "0:C", "1:F"]
    pd.DataFrame({"SAMPLE_ID": samples, "TTF_MONTHS": months, "TTF_STATUS": status,
                  "tumor_type": ["a", "b"] * 6}).to_csv(folder / "clinical.tsv", sep="\t",
                                                        index=False)
    config = CohortConfig(cna=folder / "data_cna.txt", clinical=folder / "clinical.tsv",
                          build="GRCh38")
    report = run_cohort(config)
    paths = write_cohort_outputs(report, folder / "out")
    return report, paths


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_association_tsv_has_the_issue_columns_and_the_model_values(written):
    report, paths = written
    rows = _tsv(paths["association"])
    assert set(REQUIRED_ASSOCIATION_COLUMNS) <= set(rows[0])
    mdm2 = next(r for r in rows if r["rule_id"] == "MDM2_AMP")
    model = next(a.row() for a in report.analysis.rule_associations if a.id == "MDM2_AMP")
    assert (int(mdm2["n_altered"]), int(mdm2["n_unaltered"]), int(mdm2["n_not_evaluable"])) == \
        (3, 8, 1)
    assert float(mdm2["fisher_p"]) == pytest.approx(model["fisher_p"], rel=1e-5)
    assert mdm2["odds_ratio"] == "inf"                  # written as inf, not as a blank
    assert mdm2["evidence_level"] == "multivariate cohort association"
    genes = _tsv(paths["association_genes"])
    assert "gene" in genes[0] and {g["gene"] for g in genes} >= {"MDM2", "KRAS"}


def test_matrix_tsv_writes_not_evaluable_as_empty(written):
    _, paths = written
    rows = _tsv(paths["matrix"])
    matrix = {r["sample_id"]: r for r in rows
              if (r["component"], r["grade"]) == ("all", "strong")}      # the default exposure
    assert matrix["S1"]["MDM2_AMP"] == "1" and matrix["S4"]["MDM2_AMP"] == "0"
    assert matrix["S12"]["MDM2_AMP"] == ""
    assert matrix["S4"]["KRAS_MUT"] == ""                # no MAF: mutations not evaluable
    calls = _tsv(paths["calls"])
    assert sorted(r["sample_id"] for r in calls if r["rule_id"] == "MDM2_AMP") == ["S1", "S2", "S3"]


def test_cohort_json_is_strict_json_with_versions_inputs_and_join_report(written):
    _, paths = written
    data = json.loads(paths["json"].read_text(), parse_constant=lambda name: pytest.fail(name))
    assert data["versions"]["lifelines"] and data["versions"]["hpdgenomics"]
    kinds = {i["kind"]: i for i in data["inputs"]}
    assert len(kinds["copy_number_matrix"]["sha256"]) == 64
    assert len(kinds["clinical"]["sha256"]) == 64
    assert data["join_report"]["outcome_counts"]["samples_analysed"] == 12
    assert any("no gene-panel matrix" in p for p in data["join_problems"])
    mdm2 = next(a for a in data["association"] if a["id"] == "MDM2_AMP")
    assert mdm2["row"]["odds_ratio"] is None             # infinite in the model, null in JSON
    assert any(w.startswith("fisher: zero cell") for w in mdm2["crude_warnings"])
    assert data["methods"] and data["disclaimer"].startswith("Research use only")


def test_html_is_self_contained_and_shows_every_section(written):
    _, paths = written
    html = paths["html"].read_text()
    assert "data:image/png;base64," in html
    assert "src=\"http" not in html and "<link" not in html and "<script" not in html
    for heading in ("Summary by rule", "Forest plot", "Kaplan-Meier", "Alterations by sample",
                    "Clinical join", "Methods"):
        assert heading in html
    assert "∞" in html                                   # MDM2 OR shown as infinite
    assert "zero cell" in html                           # warning next to its row


def test_plots_are_written_as_png_and_svg(written):
    _, paths = written
    plots = paths["html"].parent / "plots"
    for stem in ("oncoprint", "forest", "km_MDM2_AMP"):
        assert (plots / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (plots / f"{stem}.svg").read_text()[:2000]


def test_km_numbers_at_risk_match_the_durations(written):
    report, _ = written
    km = next(a for a in report.analysis.rule_associations if a.id == "MDM2_AMP").crude.km_unaltered
    durations = [5.0, 7.2, 1.2, 9.9, 12.0, 3.3, 6.1, 2.4]      # S4-S11 (S12 not evaluable)
    for entry in km.at_risk:
        assert entry["n_at_risk"] == sum(d >= entry["time"] for d in durations)
    assert not math.isnan(km.median)


def test_rules_mostly_not_evaluable_carry_a_warning_in_json_and_html(written):
    _, paths = written
    warnings = json.loads(paths["json"].read_text())["warnings"]
    html = paths["html"].read_text()
    # no MAF in this cohort: every mutation rule is not evaluable in all 12 samples
    kras = ("KRAS_MUT not evaluable in 12/12 samples [commonest reason: KRAS variants (no MAF)]; "
            "its counts and tests say nothing about absence")
    assert kras in warnings and kras in html
    # MDM2 is missing for S12 only (1/12): below half, no warning
    assert not any(w.startswith("MDM2_AMP not evaluable") for w in warnings)


def _calls(sample_id: str, status: str, reason: str):
    from hpdgenomics.cohort.analysis import SampleCalls

    return SampleCalls(sample_id, {"MDM2_AMP": status}, {}, rule_reason={"MDM2_AMP": reason})


@pytest.mark.parametrize("n_not_evaluable, warned", [(1, False), (2, True), (3, True)])
def test_the_not_evaluable_warning_starts_at_half_the_samples(n_not_evaluable, warned):
    from hpdgenomics.cohort.analysis import not_evaluable_warnings, status_matrix

    reasons = ["not evaluable: MDM2 copy number (no copy-number input)",
               "not evaluable: MDM2 copy number (gene not in copy-number output)",
               "not evaluable: MDM2 copy number (no copy-number input)"]
    samples = [_calls(f"S{i}", "not_evaluable", reasons[i]) for i in range(n_not_evaluable)]
    samples += [_calls(f"S{i}", "not_detected", "assessed")
                for i in range(n_not_evaluable, 4)]
    found = not_evaluable_warnings(samples, status_matrix(samples, "rule", ["MDM2_AMP"]))
    if not warned:
        assert found == []
        return
    [text] = found
    assert text.startswith(f"MDM2_AMP not evaluable in {n_not_evaluable}/4 samples")
    # three samples: two give the first reason; two samples: a tie, the reason met first wins
    assert "[commonest reason: MDM2 copy number (no copy-number input)]" in text
