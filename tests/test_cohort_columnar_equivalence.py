"""The columnar cohort-files engine gives exactly what the per-sample engine gives.

``evaluate_cohort_files(engine="per-sample")`` calls the rule engine once per sample and is the
reference; the default columnar engine evaluates each distinct input once and shares the result.
Every case runs both and requires equal per-sample calls (statuses, reasons under every exposure
definition, alterations with their MAF fields, in order) and equal warnings; a few also run the
whole ``cohort`` command with each engine and require byte-identical ``matrix.tsv``,
``matrix_genes.tsv`` and ``calls.tsv``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.cohort.files import ENGINE_VARIABLE, evaluate_cohort_files
from hpdgenomics.errors import UsageError
from hpdgenomics.io.gene_panel import ProfilingMap
from hpdgenomics.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import genie_like  # noqa: E402 - after the sys.path line that finds it

FIXTURES = Path(__file__).parent / "fixtures"
REALISTIC = FIXTURES / "cohort_file_dialects"
PLAUSIBILITY = FIXTURES / "cohort_plausibility"
EXPOSURES = FIXTURES / "cohort_exposures"

MAF_COLUMNS = ["Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position",
               "Variant_Classification", "Reference_Allele", "Tumor_Seq_Allele1",
               "Tumor_Seq_Allele2", "HGVSp_Short", "Exon_Number", "t_depth", "t_alt_count"]

#: MAF rows (GRCh37) reaching every variant criterion of the knowledge base, strong and
#: supporting grade, plus rows no rule counts
VARIANT_ROWS = [
    ("EGFR", "7", 55242465, "GGAATTAAGAGAAGC", "-", "p.E746_A750del", "In_Frame_Del", "19/28"),
    ("EGFR", "7", 55259515, "T", "G", "p.L858R", "Missense_Mutation", "21/28"),
    # in-frame deletions without a protein change: only the exon tells them apart
    ("EGFR", "7", 55242470, "AAGAGAAGC", "-", "", "In_Frame_Del", "19/28"),
    ("EGFR", "7", 55259400, "CTGGCC", "-", "", "In_Frame_Del", "21/28"),
    ("EGFR", "7", 55241708, "G", "C", "p.G719A", "Missense_Mutation", "18/28"),
    ("EGFR", "7", 55248998, "-", "GGT", "p.H773_V774insG", "In_Frame_Ins", "20/28"),
    ("EGFR", "7", 55233043, "G", "A", "p.G412D", "Missense_Mutation", "10/28"),
    ("EGFR", "7", 55233050, "C", "T", "p.P414P", "Silent", "10/28"),
    ("AKT1", "14", 105246551, "C", "T", "p.E17K", "Missense_Mutation", "3/14"),
    ("STK11", "19", 1207023, "C", "T", "p.Q37*", "Nonsense_Mutation", "1/10"),
    ("STK11", "19", 1220580, "C", "-", "p.Y280fs", "Frame_Shift_Del", "6/10"),
    ("STK11", "19", 1221220, "G", "A", "p.D343N", "Missense_Mutation", "8/10"),
    ("KRAS", "12", 25398285, "C", "A", "p.G12C", "Missense_Mutation", "2/6"),
    ("KRAS", "12", 25380275, "T", "G", "p.Q61H", "Missense_Mutation", "3/6"),
    ("KRAS", "12", 25378562, "C", "T", "p.A146T", "Missense_Mutation", "4/6"),
    ("KRAS", "12", 25378600, "G", "A", "p.A146T", "Missense_Mutation", "4/6"),
    ("KRAS", "12", 25380300, "C", "T", "p.D57N", "Missense_Mutation", "3/6"),
    ("TSC2", "16", 2134264, "C", "T", "p.R1743*", "Nonsense_Mutation", "41/42"),
    ("VHL", "3", 10183800, "C", "T", "p.R167W", "Missense_Mutation", "3/3"),
    ("VHL", "3", 10183700, "G", "T", "p.E134*", "Nonsense_Mutation", "2/3"),
    ("DNMT3A", "2", 25457242, "C", "T", "p.R882H", "Missense_Mutation", "23/23"),
    ("DNMT3A", "2", 25457300, "G", "A", "p.R863*", "Nonsense_Mutation", "23/23"),
    ("TP53", "17", 7577120, "C", "T", "p.R273H", "Missense_Mutation", "8/11"),
    ("BRAF", "7", 140453136, "A", "T", "p.V600E", "Missense_Mutation", "15/18"),
]
CN_GENES = ["MDM2", "MDM4", "EGFR", "MET", "CCND1", "FGF3", "FGF4", "FGF19", "STK11", "TSC2",
            "VHL", "KRAS", "AKT1", "DNMT3A", "TP53"]
NO_MDM_PANEL = [g for g in CN_GENES if g not in ("MDM2", "MDM4", "KRAS")] + ["BRAF"]


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


def _varied_cohort(folder: Path, seed: int, samples: int = 120, log2: bool = False) -> dict:
    """A seeded cohort holding every rule, both grades, NA cells, conflicting duplicate
    copy-number rows, duplicate MAF rows, panels without some genes, samples missing from the
    panel matrix or the copy-number matrix, and multi-sample patients."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    # every fourth patient has a second tumour sample (PT004-T1, PT004-T2)
    ids = [f"PT{i - 1:03d}-T2" if i % 4 == 1 else f"PT{i:03d}-T1" for i in range(samples)]
    rows = []
    for sample in ids:
        for _ in range(int(rng.integers(0, 4))):
            gene, chrom, pos, ref, alt, protein, klass, exon = \
                VARIANT_ROWS[int(rng.integers(len(VARIANT_ROWS)))]
            depth = int(rng.integers(50, 500))
            row = [gene, "GRCh37", chrom, pos, pos + max(len(ref), 1) - 1, klass, ref, ref, alt,
                   protein, exon, depth, int(depth * rng.uniform(0.05, 0.9))]
            rows.append([sample, *row])
            if rng.random() < 0.05:
                rows.append([sample, *row])                     # a duplicated MAF row
    maf = pd.DataFrame(rows, columns=["Tumor_Sample_Barcode", *MAF_COLUMNS])
    paths = {"maf": folder / "cohort.maf"}
    maf.to_csv(paths["maf"], sep="\t", index=False)

    cn_samples = [s for k, s in enumerate(ids) if k % 11 != 3]    # some only in the MAF
    if log2:
        values = rng.normal(0, 0.6, (len(CN_GENES), len(cn_samples))).round(3)
        values[rng.random(values.shape) < 0.05] = 2.7            # amplification-level
        values[rng.random(values.shape) < 0.03] = -3.2           # deep loss
        cells = values.astype(object)
    else:
        cells = rng.choice([-2, -1, 0, 1, 2], size=(len(CN_GENES), len(cn_samples)),
                           p=[0.06, 0.1, 0.6, 0.12, 0.12]).astype(object)
    cells[rng.random(cells.shape) < 0.08] = "NA"
    cna = pd.DataFrame(cells, columns=cn_samples)
    cna.insert(0, "Hugo_Symbol", CN_GENES)
    # a second MDM2 row: equal values agree, different ones conflict (not evaluable)
    second = cna.iloc[[0]].copy()
    for k in range(0, len(cn_samples), 4):
        second.iloc[0, k + 1] = 0 if cells[0, k] != 0 else 2
    cna = pd.concat([cna, second], ignore_index=True)
    paths["cna"] = folder / "data_cna.txt"
    cna.to_csv(paths["cna"], sep="\t", index=False)

    panel_ids = rng.choice(["FULL", "NO_MDM", "WES", "NA"], size=len(ids), p=[.5, .3, .1, .1])
    in_matrix = [s for k, s in enumerate(ids) if k % 13 != 5]    # some not in the matrix
    panel_of = dict(zip(ids, panel_ids, strict=True))
    matrix = pd.DataFrame({"SAMPLE_ID": in_matrix,
                           "mutations": [panel_of[s] for s in in_matrix],
                           "cna": [panel_of[s] if k % 7 else "NA"
                                   for k, s in enumerate(in_matrix)]})
    paths["gene_panel_matrix"] = folder / "gene_panel_matrix.txt"
    matrix.to_csv(paths["gene_panel_matrix"], sep="\t", index=False)
    paths["gene_panels"] = []
    for name, genes in (("FULL", CN_GENES + ["BRAF"]), ("NO_MDM", NO_MDM_PANEL)):
        path = folder / f"panel_{name.lower()}.txt"
        path.write_text(f"stable_id: {name}\ndescription: test\ngene_list:\t"
                        + "\t".join(genes) + "\n")
        paths["gene_panels"].append(path)

    patients = sorted({s.split("-")[0] for s in ids}) + ["PT999"]
    clinical = pd.DataFrame({"SAMPLE_ID": ids + ["PT999-T1", "PT998-T1"],
                             "PATIENT_ID": [s.split("-")[0] for s in ids] + ["PT999", "PT998"]})
    outcome = pd.DataFrame({"PATIENT_ID": patients + ["PT998"],
                            "TTF_MONTHS": np.round(rng.exponential(6, len(patients) + 1) + .1, 2),
                            "TTF_STATUS": rng.choice(["1:FAILED", "0:CENSORED"],
                                                     len(patients) + 1)})
    paths["clinical"] = folder / "clinical_patients.tsv"
    outcome.to_csv(paths["clinical"], sep="\t", index=False)
    paths["clinical_samples"] = folder / "clinical_samples.tsv"
    clinical.to_csv(paths["clinical_samples"], sep="\t", index=False)
    paths["extra_samples"] = list(clinical["SAMPLE_ID"])
    return paths


def _both(knowledge, **kwargs):
    """Both engines' evaluations of the same inputs, after checking they agree."""
    profiling_args = kwargs.pop("profiling_files", None)
    runs = []
    for engine in ("per-sample", "columnar"):
        profiling = ProfilingMap.from_files(*profiling_args) if profiling_args else None
        runs.append(evaluate_cohort_files(knowledge, profiling=profiling, engine=engine,
                                          **kwargs))
    reference, columnar = runs
    assert [s.sample_id for s in columnar.samples] == [s.sample_id for s in reference.samples]
    for ours, theirs in zip(columnar.samples, reference.samples, strict=True):
        for name in ("rule_status", "gene_status", "rule_reason", "exposure_status",
                     "exposure_reason", "alterations", "source", "patient_id", "attributes"):
            assert getattr(ours, name) == getattr(theirs, name), (ours.sample_id, name)
        assert list(ours.rule_status) == list(theirs.rule_status)
        assert list(ours.exposure_status) == list(theirs.exposure_status)
    assert columnar.warnings == reference.warnings
    assert columnar.assumptions == reference.assumptions
    assert columnar.inputs == reference.inputs
    return reference, columnar


def _statuses(evaluation) -> set[tuple[str, str]]:
    return {(rule, status) for s in evaluation.samples for rule, status in s.rule_status.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_varied_cohort_maf_cna_and_panels(knowledge, tmp_path, seed):
    paths = _varied_cohort(tmp_path, seed)
    reference, _ = _both(knowledge, maf=paths["maf"], cna=paths["cna"],
                         profiling_files=(paths["gene_panel_matrix"], paths["gene_panels"]),
                         extra_samples=paths["extra_samples"])
    # the cohort reaches what it is meant to: every rule altered somewhere, every status seen
    altered = {rule for rule, status in _statuses(reference) if status == "altered"}
    assert altered == {rule.id for rule in knowledge.rules}
    assert {status for _, status in _statuses(reference)} == \
        {"altered", "not_detected", "not_evaluable"}
    grades = {a["grade"] for s in reference.samples for a in s.alterations}
    assert grades == {"strong", "supporting"}
    reasons = " ".join(r for s in reference.samples for r in s.rule_reason.values())
    for text in ("conflicting values", "not on the sample's mutation panel NO_MDM",
                 "sample not in the gene-panel matrix", "sample not profiled for mutations",
                 "not on the sample's cna panel", "sample not in the copy-number matrix",
                 "gene not in the copy-number matrix (or NA)",
                 "no genomic data (sample only in the clinical files)"):
        assert text in reasons, text
    assert any("variant(s) lie in genes the sample's panel does not cover" in w
               for w in reference.warnings)


def test_varied_log2_cohort(knowledge, tmp_path):
    paths = _varied_cohort(tmp_path, seed=4, log2=True)
    reference, _ = _both(knowledge, maf=paths["maf"], cna=paths["cna"],
                         profiling_files=(paths["gene_panel_matrix"], paths["gene_panels"]))
    copies = [a["copy_number"] for s in reference.samples for a in s.alterations
              if a["evidence_type"] == "copy_number"]
    assert copies and all(c is not None for c in copies)


@pytest.mark.parametrize("what", ["maf only", "cna only", "header-only maf"])
def test_one_kind_of_file(knowledge, tmp_path, what):
    paths = _varied_cohort(tmp_path, seed=5, samples=40)
    maf = {"maf only": paths["maf"], "cna only": None,
           "header-only maf": PLAUSIBILITY / "maf_header_only.maf"}[what]
    cna = None if what == "maf only" else paths["cna"]
    reference, columnar = _both(knowledge, maf=maf, cna=cna,
                                extra_samples=paths["extra_samples"][:5])
    assert columnar.samples and _statuses(columnar) == _statuses(reference)
    # the kind of file left out (or empty) makes its rules not evaluable, never unaltered
    if what in ("cna only", "header-only maf"):
        assert ("KRAS_MUT", "not_evaluable") in _statuses(columnar)
        assert ("KRAS_MUT", "not_detected") not in _statuses(columnar)
    else:
        assert ("MDM2_AMP", "not_evaluable") in _statuses(columnar)
        assert ("MDM2_AMP", "not_detected") not in _statuses(columnar)


@pytest.mark.parametrize("case", [
    dict(maf=EXPOSURES / "maf_only_stk11_truncating_dnmt3a_r882h_egfr_other_missense.maf",
         cna=EXPOSURES / "data_cna_stk11_deep_deletion_two_samples.txt"),
    dict(maf=PLAUSIBILITY / "maf_kras_g12c_in_three_of_twelve.maf",
         profiling_files=(PLAUSIBILITY / "gene_panel_matrix_panels_a_and_b.txt",
                          sorted((PLAUSIBILITY / "gene_panels").iterdir()))),
    dict(maf=PLAUSIBILITY / "maf_kras_g12c_in_three_of_twelve.maf",
         profiling_files=(PLAUSIBILITY / "gene_panel_matrix_three_wxs_samples.txt", [])),
    dict(maf=PLAUSIBILITY / "maf_upper_case_sample_ids.maf",
         extra_samples=["pt-01", "PT-99"]),
    dict(maf=REALISTIC / "maf_genie_data_mutations_extended_grch37.txt",
         cna=REALISTIC / "data_CNA_genie_na_not_profiled.txt",
         profiling_files=(REALISTIC / "data_gene_panel_genie_matrix.txt",
                          [REALISTIC / "data_gene_panel_genie_dfci_without_mdm2.txt",
                           REALISTIC / "data_gene_panel_genie_impact468.txt"])),
    dict(maf=REALISTIC / "maf_gdc_masked_grch38_aliquot_barcodes.maf",
         cna=REALISTIC / "gistic_all_thresholded_by_genes_aliquot_barcodes.txt"),
    dict(cna=REALISTIC / "data_cna_entrez_duplicated_symbols.txt"),
    dict(cna=REALISTIC / "data_log2_cna_na_not_profiled.txt"),
    dict(maf=REALISTIC / "maf_oncotator_start_stop_codon_classes.maf"),
    dict(maf=REALISTIC / "maf_maftools_minimal_aachange.maf"),
], ids=["exposures", "panels-a-b", "wxs", "letter-case", "genie", "gdc-aliquots",
        "duplicate-symbols", "log2", "oncotator", "maftools"])
def test_fixture_cohorts(knowledge, case):
    reference, columnar = _both(knowledge, **case)
    assert columnar.samples
    assert _statuses(columnar) == _statuses(reference)


@pytest.mark.parametrize("seed", [7, 11])
def test_genie_like_study(knowledge, tmp_path, seed):
    paths = genie_like.write_study(tmp_path, 200, seed=seed)
    reference, columnar = _both(
        knowledge, maf=paths["maf"], cna=paths["cna"],
        profiling_files=(paths["gene_panel_matrix"], paths["gene_panels"]))
    assert len(columnar.samples) == 200
    # samples with equal statuses share the same objects (not copies)
    shared = {id(s.rule_status) for s in columnar.samples}
    assert len(shared) < len(columnar.samples) / 3


def _cohort_tables(args: list, out: Path, engine: str, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv(ENGINE_VARIABLE, engine)
    result = CliRunner().invoke(cli, ["cohort", *map(str, args), "--no-plots", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {name: (out / name).read_text()
            for name in ("matrix.tsv", "matrix_genes.tsv", "calls.tsv")}


@pytest.mark.parametrize("study", ["varied", "genie-like"])
def test_cohort_command_tables_identical(tmp_path, monkeypatch, study):
    if study == "varied":
        paths = _varied_cohort(tmp_path / "in", seed=6, samples=80)
    else:
        paths = genie_like.write_study(tmp_path / "in", 150, seed=3)
    args = genie_like.cohort_args(paths)
    reference = _cohort_tables(args, tmp_path / "per_sample", "per-sample", monkeypatch)
    columnar = _cohort_tables(args, tmp_path / "columnar", "columnar", monkeypatch)
    for name, text in reference.items():
        assert columnar[name] == text, name
    assert reference["calls.tsv"].count("\n") > 50


def test_progress_is_reported_in_bounded_steps(knowledge, tmp_path):
    paths = genie_like.write_study(tmp_path, 1000, seed=5)
    for engine in ("columnar", "per-sample"):
        seen: list[tuple[int, int]] = []
        if engine == "per-sample":
            # the reference engine reports the same way; a smaller cohort keeps the test short
            paths = genie_like.write_study(tmp_path / "small", 120, seed=5)
        evaluate_cohort_files(knowledge, maf=paths["maf"], cna=paths["cna"], engine=engine,
                              progress=lambda done, total, seen=seen: seen.append((done, total)))
        total = 1000 if engine == "columnar" else 120
        assert seen[-1] == (total, total)
        assert all(t == total for _, t in seen)
        assert [d for d, _ in seen] == sorted({d for d, _ in seen})     # increasing
        assert 1 < len(seen) <= 201


def test_unknown_engine_is_a_usage_error(knowledge, monkeypatch):
    with pytest.raises(UsageError, match="cohort engine 'fast' is not one of columnar, per-sample"):
        evaluate_cohort_files(knowledge, maf=PLAUSIBILITY / "maf_header_only.maf", engine="fast")
    monkeypatch.setenv(ENGINE_VARIABLE, "quick")
    with pytest.raises(UsageError, match="HPDGENOMICS_COHORT_ENGINE"):
        evaluate_cohort_files(knowledge, maf=PLAUSIBILITY / "maf_header_only.maf")
