"""Cohort analysis: MAF variants, gene-panel profiling, clinical outcome, their join, the
association statistics and the cohort report.

Everything here is a library API; the ``hpdgenomics cohort`` command is built on top of it
(:func:`run_cohort` then :func:`write_cohort_outputs`). The analysis and report names are loaded
on first use, so importing this package for the readers does not import the statistics stack.
"""
from __future__ import annotations

from ..io.clinical import ClinicalTable, UnparseableValue, read_clinical
from ..io.gene_panel import ProfilingMap, read_gene_panel_matrix, read_gene_panels
from ..io.maf import MAF_SCHEMA, MafTable, maf_to_variant_calls, read_maf
from .join import JoinReport, join_clinical, sample_to_patient_from_manifest

__all__ = [
    "ClinicalTable", "JoinReport", "MAF_SCHEMA", "MafTable", "ProfilingMap", "UnparseableValue",
    "join_clinical", "maf_to_variant_calls", "read_clinical", "read_gene_panel_matrix",
    "read_gene_panels", "read_maf", "sample_to_patient_from_manifest",
    # analysis and report (lazy)
    "AlterationAssociation", "CohortAnalysis", "CohortConfig", "CohortFileEvaluation",
    "CohortOptions", "CohortReport", "SampleCalls", "analyse_cohort", "evaluate_cohort_files",
    "parse_outcome", "run_cohort", "screen_manifest", "status_matrix", "write_cohort_outputs",
]

_LAZY = {
    "AlterationAssociation": "analysis", "CohortAnalysis": "analysis", "CohortOptions": "analysis",
    "SampleCalls": "analysis", "analyse_cohort": "analysis", "parse_outcome": "analysis",
    "status_matrix": "analysis", "CohortFileEvaluation": "files",
    "evaluate_cohort_files": "files", "CohortConfig": "report", "CohortReport": "report",
    "run_cohort": "report", "write_cohort_outputs": "report", "screen_manifest": "batch",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
