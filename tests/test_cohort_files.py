"""The MAF / copy-number matrix / gene-panel way into the cohort analysis."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import fisher_exact

from hpdgenomics.cohort.analysis import analyse_cohort
from hpdgenomics.cohort.files import evaluate_cohort_files
from hpdgenomics.errors import UsageError
from hpdgenomics.io.clinical import read_clinical
from hpdgenomics.io.gene_panel import ProfilingMap
from hpdgenomics.knowledge import load_knowledge

FIXTURES = Path(__file__).parent / "fixtures" / "cohort_run"
MAF_COLUMNS = ["Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position",
               "Variant_Classification", "Reference_Allele", "Tumor_Seq_Allele1",
               "Tumor_Seq_Allele2", "Tumor_Sample_Barcode", "HGVSp_Short"]


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


def _write_maf(path: Path, rows: list[list]) -> Path:
    pd.DataFrame(rows, columns=MAF_COLUMNS).to_csv(path, sep="\t", index=False)
    return path


def _write_discrete_cna(path: Path, samples: list[str], values: dict[tuple[str, str], int],
                        genes=("MDM2", "MDM4", "STK11", "EGFR")) -> Path:
    frame = pd.DataFrame({"Hugo_Symbol": list(genes),
                          **{s: [values.get((s, g), 0) for g in genes] for s in samples}})
    frame.to_csv(path, sep="\t", index=False)
    return path


KRAS_G12C_GRCH38 = ["KRAS", "GRCh38", "12", 25245351, 25245351, "Missense_Mutation", "C", "C", "A"]


def test_kato_like_cohort_from_maf_and_cna_matrix(knowledge, tmp_path):
    """155 samples; MDM2 amplified in 4 and MDM4 in 2 (matrix value 2), all failing early."""
    samples = [f"T{i:03d}" for i in range(155)]
    amplified = {("T000", "MDM2"): 2, ("T001", "MDM2"): 2, ("T002", "MDM2"): 2,
                 ("T003", "MDM2"): 2, ("T004", "MDM4"): 2, ("T005", "MDM4"): 2,
                 ("T010", "MDM2"): 1}                                 # a gain is not amplification
    cna = _write_discrete_cna(tmp_path / "data_cna.txt", samples, amplified)
    maf = _write_maf(tmp_path / "cohort.maf",
                     [KRAS_G12C_GRCH38 + ["T020", "p.G12C"], KRAS_G12C_GRCH38 + ["T021", "p.G12C"]])
    clinical_rows = [(s, 1.0 if i < 6 or 20 <= i < 40 else 7.5, "1:FAILED")
                     for i, s in enumerate(samples)]
    clinical_path = tmp_path / "clinical.tsv"
    pd.DataFrame(clinical_rows, columns=["SAMPLE_ID", "TTF_MONTHS", "TTF_STATUS"]).to_csv(
        clinical_path, sep="\t", index=False)
    clinical = read_clinical(clinical_path)

    evaluation = evaluate_cohort_files(knowledge, maf=maf, cna=cna, extra_samples=samples)
    assert len(evaluation.samples) == 155                 # samples with no MAF row are kept
    analysis = analyse_cohort(evaluation.samples, knowledge.rules, clinical=clinical)
    rows = {a.id: a.row() for a in analysis.rule_associations}
    mdm_amp = [[rows["MDM2_AMP"]["n_altered"], rows["MDM4_AMP"]["n_altered"]]]
    assert mdm_amp == [[4, 2]]
    assert rows["MDM2_AMP"]["n_unaltered"] == 151 and rows["MDM2_AMP"]["n_not_evaluable"] == 0
    # independent 2 x 2: MDM2-amplified 4/4 early; others: T004-T005 + T020-T039 = 22 of 151
    expected = fisher_exact([[4, 0], [22, 151 - 22]])
    assert rows["MDM2_AMP"]["fisher_p"] == pytest.approx(expected[1], rel=1e-9)
    assert rows["KRAS_MUT"]["n_altered"] == 2 and rows["KRAS_MUT"]["n_unaltered"] == 153
    # the matrix lacks KRAS: KRAS is evaluable for mutations only (variant rules)
    assert rows["STK11_LOSS"]["n_not_evaluable"] == 0


def test_hotspot_is_flagged_by_maf_coordinates(knowledge, tmp_path):
    maf = _write_maf(tmp_path / "one.maf", [KRAS_G12C_GRCH38 + ["T1", "p.G12C"]])
    sample = evaluate_cohort_files(knowledge, maf=maf).samples[0]
    kras = [a for a in sample.alterations if a["rule_id"] == "KRAS_MUT"]
    assert kras and kras[0]["hotspot"] == "p.G12C"
    assert sample.rule_status["MDM2_AMP"] == "not_evaluable"        # no copy-number matrix


def test_gene_panel_matrix_keeps_not_profiled_apart_from_unaltered(knowledge, tmp_path):
    profiling = ProfilingMap.from_files(FIXTURES / "gene_panel_matrix_one_panel_without_kras.txt",
                                        [FIXTURES / "gene_panels_full_and_no_kras.tsv"])
    maf = _write_maf(tmp_path / "egfr.maf", [["EGFR", "GRCh38", "7", 55191822, 55191822,
                                               "Missense_Mutation", "T", "T", "G", "S1",
                                               "p.L858R"]])
    evaluation = evaluate_cohort_files(knowledge, maf=maf, profiling=profiling,
                                       extra_samples=["S5"])
    status = {s.sample_id: s.rule_status["KRAS_MUT"] for s in evaluation.samples}
    assert status == {"S1": "not_detected",       # FULL panel, no KRAS row: profiled, unaltered
                      "S2": "not_evaluable",      # NO_KRAS panel
                      "S3": "not_evaluable",      # not profiled for mutations (NA)
                      "S4": "not_detected",
                      "S5": "not_evaluable"}      # not in the gene-panel matrix: unknown
    egfr = {s.sample_id: s.rule_status["EGFR_MUT"] for s in evaluation.samples}
    assert egfr["S1"] == "altered" and egfr["S2"] == "not_detected"
    analysis = analyse_cohort(evaluation.samples, knowledge.rules)
    counts = analysis.counts().loc["KRAS_MUT"]
    assert (counts["not_detected"], counts["not_evaluable"]) == (2, 3)


def test_log2_matrix_is_converted_and_conflicting_rows_are_not_evaluable(knowledge, tmp_path):
    cna = tmp_path / "data_log2CNA.txt"
    cna.write_text("Hugo_Symbol\tA\tB\n"
                   "MDM2\t2.1\t0.05\n"         # A: 2 * 2^2.1 = 8.6 copies; B neutral
                   "MDM4\t0.1\t-0.2\n"
                   "STK11\t-4.0\t0.0\n"        # A: 0.125 copies: deep deletion
                   "MDM4\t0.1\t0.9\n")         # B: conflicting MDM4 values
    evaluation = evaluate_cohort_files(knowledge, cna=cna)
    by_sample = {s.sample_id: s for s in evaluation.samples}
    assert by_sample["A"].rule_status["MDM2_AMP"] == "altered"
    # a deep deletion is enough for the rule, though STK11 variants are unknown (no MAF)
    assert by_sample["A"].rule_status["STK11_LOSS"] == "altered"
    assert by_sample["B"].rule_status["STK11_LOSS"] == "not_evaluable"
    assert by_sample["B"].rule_status["MDM2_AMP"] == "not_detected"
    assert by_sample["B"].rule_status["MDM4_AMP"] == "not_evaluable"
    assert by_sample["A"].rule_status["EGFR_MUT"] == "not_evaluable"
    assert any("purity 1 and ploidy 2" in a for a in evaluation.assumptions)


def test_sample_missing_from_the_cna_matrix_is_not_evaluable_for_copy_number(knowledge, tmp_path):
    cna = _write_discrete_cna(tmp_path / "cna.txt", ["A"], {("A", "MDM2"): 2})
    maf = _write_maf(tmp_path / "b.maf", [KRAS_G12C_GRCH38 + ["B", "p.G12C"]])
    by_sample = {s.sample_id: s for s in evaluate_cohort_files(knowledge, maf=maf, cna=cna).samples}
    assert by_sample["A"].rule_status["MDM2_AMP"] == "altered"
    assert by_sample["A"].rule_status["KRAS_MUT"] == "not_detected"   # no MAF row: unaltered
    assert by_sample["B"].rule_status["MDM2_AMP"] == "not_evaluable"
    assert by_sample["B"].rule_status["KRAS_MUT"] == "altered"


def test_build_option_contradicting_the_maf_is_refused(knowledge, tmp_path):
    maf = _write_maf(tmp_path / "one.maf", [KRAS_G12C_GRCH38 + ["T1", "p.G12C"]])
    with pytest.raises(UsageError, match="GRCh37 disagrees with the MAF"):
        evaluate_cohort_files(knowledge, maf=maf, build="GRCh37")


def test_nothing_to_evaluate_is_a_usage_error(knowledge):
    with pytest.raises(UsageError, match="no cohort file"):
        evaluate_cohort_files(knowledge)
