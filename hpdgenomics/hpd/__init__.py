"""HPD and early-failure labels from tumour measurements.

Reads a per-scan measurement table and a patient table (:mod:`.tables`), computes Ferté's tumour
growth rate, tumour growth kinetics and the change at first evaluation (:mod:`.growth`), and calls
each published HPD definition as true, false or not evaluable with a reason (:mod:`.definitions`).
:func:`classify_hpd` is what ``hpdgenomics hpd-classify`` runs; :func:`load_hpd_calls`,
:data:`DEFINITIONS` and :func:`definition_overlap` serve the cohort analysis.
"""
from __future__ import annotations

from .classify import (
                       CALLS_JSON,
                       CALLS_TSV,
                       TSV_COLUMNS,
                       HpdClassification,
                       HpdOptions,
                       PatientHpdResult,
                       Scan,
                       ScanSelection,
                       classify_hpd,
                       classify_inputs,
                       definition_overlap,
                       load_hpd_calls,
                       measure_patient,
                       select_scans,
)
from .definitions import (
                       DEFINITIONS,
                       THRESHOLDS,
                       Call,
                       HpdDefinition,
                       PatientMeasures,
                       resolve_definition,
)
from .growth import (
                       DAYS_PER_MONTH,
                       Quantity,
                       percent_change,
                       tumour_growth_kinetics,
                       tumour_growth_rate,
)
from .tables import HpdInputs, read_hpd_inputs

__all__ = [
    "CALLS_JSON", "CALLS_TSV", "DAYS_PER_MONTH", "DEFINITIONS", "THRESHOLDS", "TSV_COLUMNS",
    "Call", "HpdClassification", "HpdDefinition", "HpdInputs", "HpdOptions", "PatientHpdResult",
    "PatientMeasures", "Quantity", "Scan", "ScanSelection", "classify_hpd", "classify_inputs",
    "definition_overlap", "load_hpd_calls", "measure_patient", "percent_change",
    "read_hpd_inputs", "resolve_definition", "select_scans", "tumour_growth_kinetics",
    "tumour_growth_rate",
]
