"""The knowledge base's CLIN_* rules evaluated per patient of a cohort, vectorised.

The same calls as :func:`hpdgenomics.clinical.evaluate.evaluate_clinical` makes for one patient
(its :data:`~hpdgenomics.clinical.evaluate.OPERATORS`; a points score is a range from the parts
met to the parts met or not assessed, and the rule is decided only when both ends give the same
answer), made on the parsed factor columns of the clinical table
(:func:`hpdgenomics.io.patient.patient_factor_frame`): one column per rule, named by its id,
1.0 met, 0.0 not met, NaN not assessed (never "absent").
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..clinical.evaluate import OPERATORS

#: the label of a clinical exposure (association rows, component ``clinical``)
CLINICAL_COMPONENT = "clinical"
CLINICAL_GRADE = "met"
CLINICAL_EXPOSURE = "criterion met vs not met (not assessed left out)"


def _criterion_column(frame: pd.DataFrame, criterion) -> np.ndarray:
    """1.0 / 0.0 / NaN for one criterion on a factor column (absent column: all NaN)."""
    if criterion.factor not in frame.columns:
        return np.full(len(frame), np.nan)
    values = frame[criterion.factor].to_numpy(dtype=float)
    threshold = float(criterion.threshold)     # a flag's ``true`` compares with 1.0
    with np.errstate(invalid="ignore"):
        met = OPERATORS[criterion.operator](values, threshold)
    return np.where(np.isnan(values), np.nan, met.astype(float))


def rule_column(frame: pd.DataFrame, rule) -> np.ndarray:
    """One CLIN_* rule per row of ``frame``: 1.0 met, 0.0 not met, NaN not assessed."""
    if not rule.score_parts:
        return _criterion_column(frame, rule.criterion)
    parts = np.column_stack([_criterion_column(frame, part) for part in rule.score_parts])
    low = (parts == 1.0).sum(axis=1)
    high = low + np.isnan(parts).sum(axis=1)
    compare = OPERATORS[rule.criterion.operator]
    at_low = compare(low, rule.criterion.threshold)
    at_high = compare(high, rule.criterion.threshold)
    return np.where(at_low & at_high, 1.0, np.where(~at_low & ~at_high, 0.0, np.nan))


def rule_columns(frame: pd.DataFrame, rules: Iterable) -> pd.DataFrame:
    """Every rule's column (named by its id) for the rows of ``frame``."""
    return pd.DataFrame({rule.id: rule_column(frame, rule) for rule in rules}, index=frame.index)


def rules_apply(rules: Iterable, factor_assessed: dict[str, int]) -> bool:
    """True when some rule tests a factor the clinical table has values of (a table with only
    AGE, say, gets no CLIN_* rows)."""
    tested = {c.factor for r in rules for c in (r.score_parts or (r.criterion,))}
    return any(factor_assessed.get(key) for key in tested)


def rule_counts(columns: pd.DataFrame) -> list[dict]:
    """met / not met / not assessed per rule column."""
    return [{"rule_id": rule_id, "met": int((values == 1).sum()),
             "not_met": int((values == 0).sum()), "not_assessed": int(values.isna().sum())}
            for rule_id, values in columns.items()]


__all__ = ["CLINICAL_COMPONENT", "CLINICAL_EXPOSURE", "CLINICAL_GRADE", "rule_column",
           "rule_columns", "rule_counts", "rules_apply"]
