"""Cohort fixture sets shared by several test modules (one definition of each set's arguments)."""
from __future__ import annotations

from pathlib import Path

REALISTIC = Path(__file__).parent / "fixtures" / "cohort_file_dialects"

#: the AACR GENIE stand-in: data_mutations_extended, a CNA matrix with NA (not profiled), the
#: gene-panel matrix and two panel definitions (one without MDM2), patient and sample clinical files
GENIE_COHORT_ARGS = [
    "--maf", REALISTIC / "maf_genie_data_mutations_extended_grch37.txt",
    "--cna", REALISTIC / "data_CNA_genie_na_not_profiled.txt",
    "--gene-panel-matrix", REALISTIC / "data_gene_panel_genie_matrix.txt",
    "--gene-panel", REALISTIC / "data_gene_panel_genie_dfci_without_mdm2.txt",
    "--gene-panel", REALISTIC / "data_gene_panel_genie_impact468.txt",
    "--clinical", REALISTIC / "data_clinical_patient_genie_ttf.txt",
    "--clinical-samples", REALISTIC / "data_clinical_sample_genie.txt",
]
