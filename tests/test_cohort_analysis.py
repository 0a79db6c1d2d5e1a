"""Cohort analysis: denominators, outcomes and statistics checked against independent computations.

The Kato-like cohort (Kato S et al., Clin Cancer Res 2017: 155 patients, 6 with MDM2/MDM4
amplification, all failing before 2 months) is built here from pre-made per-sample calls; the
expected 2 x 2 tables are counted by hand in the test and the statistics recomputed with SciPy and
lifelines directly on them.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test
from scipy.stats import fisher_exact
from scipy.stats.contingency import odds_ratio

from hpdgenomics.cohort.analysis import (
    CohortOptions,
    SampleCalls,
    analyse_cohort,
    parse_outcome,
    status_matrix,
)
from hpdgenomics.errors import UsageError
from hpdgenomics.io.clinical import read_clinical
from hpdgenomics.knowledge import load_knowledge

FIXTURES = Path(__file__).parent / "fixtures" / "cohort"


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


def _calls(kb, sample_id, altered=(), not_evaluable=()):
    status = {r.id: "not_detected" for r in kb.rules}
    status.update({r: "not_evaluable" for r in not_evaluable})
    status.update({r: "altered" for r in altered})
    genes = {g: "not_detected" for g in kb.screened_genes()}
    return SampleCalls(sample_id, status, genes,
                       alterations=[{"rule_id": r, "gene": r.split("_")[0]} for r in altered])


def _kato_cohort(kb, tmp_path):
    """155 patients: S000-S003 MDM2-amplified, S004-S005 MDM4-amplified, all failing < 2 months;
    S150-S154 not evaluable for copy number; 20 of the others fail early; S140-S141 censored at
    1 month (not evaluable for early failure)."""
    rng = np.random.default_rng(2017)
    samples, rows = [], []
    for i in range(155):
        sample = f"S{i:03d}"
        altered = ["MDM2_AMP"] if i < 4 else ["MDM4_AMP"] if i < 6 else []
        not_evaluable = ["MDM2_AMP", "MDM4_AMP"] if i >= 150 else []
        samples.append(_calls(kb, sample, altered, not_evaluable))
        if i < 6:
            months, event = 0.5 + 0.2 * i, 1
        elif 6 <= i < 26:
            months, event = round(0.3 + 0.07 * (i - 6), 2), 1
        elif i in (140, 141):
            months, event = 1.0, 0
        else:
            months, event = round(float(2.1 + rng.exponential(8)), 2), int(rng.random() < 0.75)
        rows.append((sample, f"P{i:03d}", months, f"{event}:{'FAILED' if event else 'CENSORED'}",
                     "lung" if i % 3 else "melanoma"))
    clinical_path = tmp_path / "kato_clinical.tsv"
    pd.DataFrame(rows, columns=["SAMPLE_ID", "PATIENT_ID", "TTF_MONTHS", "TTF_STATUS",
                                "tumor_type"]).to_csv(clinical_path, sep="\t", index=False)
    return samples, read_clinical(clinical_path), rows


def test_kato_like_counts_and_fisher_match_scipy_on_the_hand_counted_table(knowledge, tmp_path):
    samples, clinical, _ = _kato_cohort(knowledge, tmp_path)
    analysis = analyse_cohort(samples, knowledge.rules, clinical=clinical)
    by_rule = {a.id: a.row() for a in analysis.rule_associations}
    mdm2 = by_rule["MDM2_AMP"]
    # by hand: 4 altered; 150 - 4 - 2 (MDM4) ... every non-MDM2 evaluable sample is unaltered
    assert (mdm2["n_altered"], mdm2["n_unaltered"], mdm2["n_not_evaluable"]) == (4, 146, 5)
    # early failure: altered 4/4; unaltered: MDM4 2 + S006-S025 20 = 22 of 146 - 2 censored early
    assert (mdm2["early_failure_altered"], mdm2["early_failure_evaluable_altered"]) == (4, 4)
    assert (mdm2["early_failure_unaltered"], mdm2["early_failure_evaluable_unaltered"]) == (22, 144)
    table = [[4, 0], [22, 144 - 22]]
    expected_p = fisher_exact(table)[1]
    expected_or = odds_ratio(table, kind="conditional")
    assert mdm2["fisher_p"] == pytest.approx(expected_p, rel=1e-9)
    assert mdm2["odds_ratio"] == math.inf                          # zero cell: boundary estimate
    assert mdm2["or_ci_low"] == pytest.approx(expected_or.confidence_interval().low, rel=1e-6)
    assert "zero cell" in mdm2["warnings"]
    assert math.isfinite(mdm2["firth_or"]) and mdm2["firth_or"] > 1
    assert "separation" in mdm2["warnings"]


def test_log_rank_and_km_median_match_lifelines_on_the_same_join(knowledge, tmp_path):
    samples, clinical, rows = _kato_cohort(knowledge, tmp_path)
    analysis = analyse_cohort(samples, knowledge.rules, clinical=clinical)
    row = next(a.row() for a in analysis.rule_associations if a.id == "MDM4_AMP")
    frame = pd.DataFrame(rows, columns=["sample", "patient", "months", "status", "type"])
    frame["event"] = frame["status"].str.startswith("1").astype(int)
    index = frame.index.to_numpy()
    altered = frame[(index >= 4) & (index < 6)]
    unaltered = frame[(index >= 6) & (index < 150) | (index < 4)]
    expected = logrank_test(altered["months"], unaltered["months"], altered["event"],
                            unaltered["event"])
    assert row["logrank_p"] == pytest.approx(expected.p_value, rel=1e-9)
    # two events at 1.3 and 1.5 months: the product-limit estimate is exactly 0.5 from 1.3 to 1.5,
    # so the median is the midpoint (R survfit's rule, docs/statistics.md)
    assert row["median_ttf_altered"] == pytest.approx(1.4)


def test_q_values_are_benjamini_hochberg_over_the_family_of_rules(knowledge, tmp_path):
    samples, clinical, _ = _kato_cohort(knowledge, tmp_path)
    analysis = analyse_cohort(samples, knowledge.rules, clinical=clinical)
    # the family of the default exposure (all criteria, strong grade): one row per rule
    rows = [a.row() for a in analysis.associations("rule", default_only=True)]
    assert [r["rule_id"] for r in rows] == [r.id for r in knowledge.rules]
    tested = [(r["rule_id"], r["fisher_p"]) for r in rows if not math.isnan(r["fisher_p"])]
    assert len(tested) == 2          # only MDM2 and MDM4 have altered samples
    m = len(tested)
    ordered = sorted(tested, key=lambda item: item[1])
    # BH by hand: q_(i) = min over j >= i of p_(j) * m / j
    expected = {}
    running = 1.0
    for rank in range(m, 0, -1):
        rule_id, p = ordered[rank - 1]
        running = min(running, p * m / rank)
        expected[rule_id] = running
    for row in rows:
        if row["rule_id"] in expected:
            assert row["fisher_q"] == pytest.approx(expected[row["rule_id"]], rel=1e-12)


def test_samples_without_any_call_count_as_unaltered_not_missing(knowledge, tmp_path):
    samples = [_calls(knowledge, "A", altered=["KRAS_MUT"]), _calls(knowledge, "B"),
               _calls(knowledge, "C", not_evaluable=["KRAS_MUT"])]
    matrix = status_matrix(samples, "rule", ["KRAS_MUT"])
    assert matrix.loc["A", "KRAS_MUT"] == 1 and matrix.loc["B", "KRAS_MUT"] == 0
    assert math.isnan(matrix.loc["C", "KRAS_MUT"])
    analysis = analyse_cohort(samples, knowledge.rules)
    counts = analysis.counts().loc["KRAS_MUT"]
    assert (counts["altered"], counts["not_detected"], counts["not_evaluable"]) == (1, 1, 1)
    assert analysis.rule_associations == []      # no clinical table: counts only


def test_binary_outcome_column_replaces_early_failure(knowledge, tmp_path):
    path = tmp_path / "clinical_with_label.tsv"
    pd.DataFrame({"SAMPLE_ID": ["A", "B", "C", "D", "E"],
                  "TTF_MONTHS": [1, 3, 5, 7, 9], "TTF_STATUS": ["1:X"] * 5,
                  "HPD_LABEL": ["true", "true", "false", "", "false"]}).to_csv(path, sep="\t",
                                                                              index=False)
    clinical = read_clinical(path, binary_cols=["HPD_LABEL"])
    samples = [_calls(knowledge, s, altered=["EGFR_MUT"] if s in "AB" else [])
               for s in "ABCDE"]
    analysis = analyse_cohort(samples, knowledge.rules, clinical=clinical,
                              options=CohortOptions(outcome=parse_outcome("binary:HPD_LABEL")))
    row = next(a.row() for a in analysis.rule_associations if a.id == "EGFR_MUT")
    assert row["outcome"] == "binary:HPD_LABEL"
    assert (row["early_failure_altered"], row["early_failure_evaluable_altered"]) == (2, 2)
    # D has no label: not evaluable for the binary outcome, still in the survival analysis
    assert (row["early_failure_unaltered"], row["early_failure_evaluable_unaltered"]) == (0, 2)
    assert row["fisher_p"] == pytest.approx(fisher_exact([[2, 0], [0, 2]])[1])


def test_hpd_outcome_uses_the_labels_unchanged_and_reports_definition_overlap(knowledge, tmp_path):
    from hpdgenomics.hpd import DEFINITIONS

    path = tmp_path / "clinical.tsv"
    pd.DataFrame({"PATIENT_ID": ["P1", "P2", "P3", "P4"], "TTF_MONTHS": [1, 2.5, 6, 8],
                  "TTF_STATUS": ["1:X", "1:X", "0:Y", "1:X"]}).to_csv(path, sep="\t", index=False)
    calls = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P9"]})
    for definition in DEFINITIONS.values():
        calls[definition.column] = pd.array([False, False, False, True], dtype="boolean")
    calls["hpd_kas_2020"] = pd.array([True, None, False, True], dtype="boolean")
    samples = [_calls(knowledge, p, altered=["MDM2_AMP"] if p == "P1" else [])
               for p in ("P1", "P2", "P3", "P4")]
    analysis = analyse_cohort(samples, knowledge.rules, clinical=read_clinical(path),
                              options=CohortOptions(outcome=parse_outcome("hpd:kas_2020")),
                              hpd_calls=calls)
    row = next(a.row() for a in analysis.rule_associations if a.id == "MDM2_AMP")
    assert (row["early_failure_altered"], row["early_failure_evaluable_altered"]) == (1, 1)
    # P2 not evaluable in the calls, P4 absent from them: only P3 counts among the unaltered
    assert (row["early_failure_unaltered"], row["early_failure_evaluable_unaltered"]) == (0, 1)
    assert any("no row in the HPD calls" in w for w in analysis.warnings)
    overlap = analysis.hpd_overlap
    assert overlap.loc["kas_2020", "labelled"] == 1          # P9 is not in the cohort
    assert overlap.loc["kas_2020", "not_evaluable"] == 1


def test_unknown_covariate_is_a_usage_error_naming_the_available_columns(knowledge, tmp_path):
    samples, clinical, _ = _kato_cohort(knowledge, tmp_path)
    with pytest.raises(UsageError, match=r"stage.*available: .*tumor_type"):
        analyse_cohort(samples, knowledge.rules, clinical=clinical,
                       options=CohortOptions(covariates=("stage",)))


def test_adjusted_models_fill_the_adjusted_columns(knowledge, tmp_path):
    samples, clinical, _ = _kato_cohort(knowledge, tmp_path)
    analysis = analyse_cohort(samples, knowledge.rules, clinical=clinical,
                              options=CohortOptions(covariates=("tumor_type",)))
    row = next(a.row() for a in analysis.rule_associations if a.id == "MDM2_AMP")
    assert row["adjusted_covariates"] == "tumor_type"
    assert math.isfinite(row["adjusted_firth_or"]) and row["adjusted_firth_or"] > 1
    assert row["covariates"] == ""                  # the crude columns stay crude


@pytest.mark.parametrize("text, kind, column", [("ttf", "ttf", None),
                                                ("binary:HPD", "binary", "HPD"),
                                                ("hpd:hpd_kas_2020", "hpd", "kas_2020")])
def test_parse_outcome(text, kind, column):
    spec = parse_outcome(text)
    assert (spec.kind, spec.column) == (kind, column)


@pytest.mark.parametrize("text", ["survival", "binary:", "hpd:nobody_2099"])
def test_parse_outcome_rejects_what_it_cannot_use(text):
    with pytest.raises(UsageError, match="--outcome"):
        parse_outcome(text)


def test_kato_like_table_with_patient_and_sample_columns_maps_by_its_own_rows(knowledge, tmp_path):
    samples, clinical, _ = _kato_cohort(knowledge, tmp_path)
    assert clinical.level == "sample"
    analysis = analyse_cohort(samples, knowledge.rules, clinical=clinical)
    assert analysis.join_report.mapping == {"clinical table": 155}
    assert analysis.patients["patient_id"].tolist()[:2] == ["P000", "P001"]


def test_binary_outcome_without_time_to_event_skips_survival_with_a_reason(knowledge):
    clinical = read_clinical(FIXTURES / "clinical_binary_outcome_without_ttf_columns.tsv",
                             binary_cols=["HPD_LABEL"], require_time_to_event=False)
    samples = [_calls(knowledge, p, altered=["EGFR_MUT"] if p in ("P1", "P5", "P2") else [])
               for p in ("P1", "P2", "P3", "P4", "P5")]
    analysis = analyse_cohort(samples, knowledge.rules, clinical=clinical,
                              options=CohortOptions(outcome=parse_outcome("binary:HPD_LABEL")))
    assert not analysis.survival_available and analysis.binary_available
    assert "TTF_MONTHS, TTF_STATUS" in analysis.survival_skipped
    assert analysis.binary_skipped is None
    assert any(w.startswith("survival statistics (Kaplan-Meier, log-rank, Cox) not run: ")
               for w in analysis.warnings)
    row = next(a.row() for a in analysis.rule_associations if a.id == "EGFR_MUT")
    # altered P1 (true), P2 (false), P5 (true); unaltered P3 (false); P4 has no label
    assert (row["early_failure_altered"], row["early_failure_evaluable_altered"]) == (2, 3)
    assert (row["early_failure_unaltered"], row["early_failure_evaluable_unaltered"]) == (0, 1)
    assert row["fisher_p"] == pytest.approx(fisher_exact([[2, 1], [0, 1]])[1])
    assert math.isnan(row["hazard_ratio"]) and math.isnan(row["logrank_p"])
    assert "survival statistics not run: the clinical table lacks" in row["warnings"]
