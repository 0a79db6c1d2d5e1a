"""Cohort association statistics as result objects.

Each function takes plain counts, arrays or a patient DataFrame and returns a dataclass carrying the
numbers, the method (name, library and version), its assumptions and the warnings that qualify the
numbers (tiny groups, zero cells, separation, no events, non-proportional hazards). Degenerate data
give NaN with a warning rather than an exception; wrongly coded input raises the HpdError family.
Methods, tolerances against published reference values and sources: ``docs/statistics.md``.
"""
from __future__ import annotations

from hpdgenomics.stats.association import ROW_COLUMNS, AssociationResult, associate
from hpdgenomics.stats.contingency import FisherResult, bh_qvalues, fisher_test
from hpdgenomics.stats.firth import FirthResult, FirthTerm, firth_logistic
from hpdgenomics.stats.proportions import ProportionResult, proportion_with_wilson
from hpdgenomics.stats.survival import (
                                        CoxResult,
                                        CoxTerm,
                                        KaplanMeierResult,
                                        LogRankResult,
                                        cox_ph,
                                        kaplan_meier,
                                        logrank,
)

__all__ = [
    "ROW_COLUMNS", "AssociationResult", "CoxResult", "CoxTerm", "FirthResult", "FirthTerm",
    "FisherResult", "KaplanMeierResult", "LogRankResult", "ProportionResult", "associate",
    "bh_qvalues", "cox_ph", "firth_logistic", "fisher_test", "kaplan_meier", "logrank",
    "proportion_with_wilson",
]
