"""Cohort analysis inputs: MAF variants, gene-panel profiling, clinical outcome and their join.

Everything here is a library API; the ``hpdgenomics cohort`` command is built on top of it.
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
]
