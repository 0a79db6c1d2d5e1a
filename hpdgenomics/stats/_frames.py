"""Turn a caller's patient table into the numeric model frame a regression needs.

Shared by the Firth logistic and Cox models so that both check columns, codes and missing values the
same way: named columns must exist, binary columns hold 0/1 (booleans accepted), durations are
non-negative numbers, rows with a missing value in any column the model uses are dropped and counted
(complete-case analysis), and text covariates become 0/1 indicator columns (first level, in sorted
order, is the reference).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hpdgenomics.errors import ClinicalDataError, UsageError


@dataclass
class ModelFrame:
    """Complete cases, numerically coded, plus what was done to get there."""

    data: pd.DataFrame
    covariate_terms: list[str]
    n_input: int
    n_dropped_missing: int
    notes: list[str] = field(default_factory=list)


def require_columns(df: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise :class:`UsageError` naming every column of ``columns`` not in the patient table
    ``df``.
    """
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise UsageError(f"column(s) {', '.join(map(repr, missing))} not in the patient table",
                         hint=f"available columns: {', '.join(map(str, df.columns))}")


def binary_problems(values: pd.Series, role: str) -> list[str]:
    """Rows whose non-missing value is not 0/1, named by index label (at most 20 listed by
    callers)."""
    present = values.dropna()
    if present.dtype == bool:
        return []
    numeric = pd.to_numeric(present, errors="coerce")
    bad = present[numeric.isna() | ~numeric.isin([0, 1])]
    return [f"row {label!r}: {role} column {values.name!r} is {value!r}, expected 1, 0 or missing"
            for label, value in bad.items()]


def duration_problems(values: pd.Series) -> list[str]:
    """One message per present value of ``values`` that is not a non-negative finite number.

    Missing values are not problems; an empty list means the column is usable as a duration.
    """
    present = values.dropna()
    numeric = pd.to_numeric(present, errors="coerce")
    bad = present[numeric.isna() | (numeric < 0) | ~np.isfinite(numeric.fillna(0))]
    return [f"row {label!r}: duration column {values.name!r} is {value!r}, expected a non-negative "
            "number" for label, value in bad.items()]


def non_finite_problems(values: pd.Series) -> list[str]:
    """Rows of a covariate holding inf or -inf, as a number or as text such as "Inf" (NaN is
    missing, handled as such): no model can use them, and a text column would take "inf" for a
    category."""
    if pd.api.types.is_bool_dtype(values):
        return []
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    bad = values[np.isinf(numeric.to_numpy())]
    return [f"row {label!r}: covariate column {values.name!r} is {value!r}, expected a finite "
            "number (or missing)" for label, value in bad.items()]


def build_model_frame(df: pd.DataFrame, *, binary: dict[str, str], durations: Iterable[str] = (),
                      covariates: Iterable[str] = (), strata: Iterable[str] = ()) -> ModelFrame:
    """Check and code the columns a model uses; ``binary`` maps column -> role for messages.

    Raises :class:`UsageError` for absent columns and :class:`ClinicalDataError` (listing every bad
    row at once) for values of the wrong kind.
    """
    durations, covariates, strata = list(durations), list(covariates), list(strata)
    used = list(dict.fromkeys([*binary, *durations, *covariates, *strata]))
    require_columns(df, used)
    overlap = set(covariates) & set(strata)
    if overlap:
        raise UsageError(f"column(s) {sorted(overlap)} given both as covariate and as stratum",
                         hint="a column is either adjusted for (covariate) or stratified on, "
                              "not both")
    problems: list[str] = []
    for column, role in binary.items():
        problems += binary_problems(df[column], role)
    for column in durations:
        problems += duration_problems(df[column])
    for column in covariates:
        problems += non_finite_problems(df[column])
    if problems:
        raise ClinicalDataError("values a model cannot use", problems=problems,
                                hint="recode binary columns as 1/0, give covariates as finite "
                                     "numbers and unknown values as missing (NaN/None)")

    frame = df[used].copy()
    complete = frame.notna().all(axis=1)
    n_dropped = int((~complete).sum())
    frame = frame.loc[complete]
    notes = []
    if n_dropped:
        notes.append(f"{n_dropped} of {len(df)} patient(s) left out for a missing value in "
                     f"{', '.join(c for c in used if df[c].isna().any())} (complete-case analysis)")
    for column in [*binary, *durations]:
        frame[column] = frame[column].astype(float)

    covariate_terms: list[str] = []
    for column in covariates:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            frame[column] = values.astype(float)
            covariate_terms.append(column)
            continue
        levels = sorted(values.astype(str).unique())
        indicators = pd.get_dummies(values.astype(str), prefix=column, prefix_sep="=", dtype=float)
        indicators = indicators.drop(columns=f"{column}={levels[0]}")
        frame = pd.concat([frame.drop(columns=column), indicators], axis=1)
        covariate_terms += list(indicators.columns)
        notes.append(f"covariate {column!r} coded as indicators with reference level {levels[0]!r}")
    return ModelFrame(data=frame, covariate_terms=covariate_terms, n_input=len(df),
                      n_dropped_missing=n_dropped, notes=notes)
