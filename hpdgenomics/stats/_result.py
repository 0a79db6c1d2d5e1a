"""Common behaviour of every statistics result object.

Every result carries the method (what was computed, with which library and version), the assumptions
the numbers rest on, and the warnings that qualify them, so a report can print each warning next to
the number it affects. ``to_dict()`` gives a JSON-safe view: NaN and infinities become ``None``
(JSON has no NaN), numpy scalars and arrays become plain Python values.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd


def library_version(distribution: str) -> str:
    """``"scipy 1.11.4"``: the distribution name with its installed version, for ``method``
    strings."""
    try:
        return f"{distribution} {version(distribution)}"
    except PackageNotFoundError:
        return distribution


def json_safe(value: Any) -> Any:
    """Convert numpy/pandas values to plain Python; non-finite floats become ``None``."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return _json_safe_items(value)
    if isinstance(value, np.ndarray):
        return _json_safe_items(value.tolist())
    if isinstance(value, (pd.Series, pd.Index)):
        return _json_safe_items(value.tolist())
    if isinstance(value, StatResult):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_safe(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


_PLAIN = (str, int, type(None))


def _json_safe_items(items: Iterable[Any]) -> list[Any]:
    """``[json_safe(item) for item in items]``, with plain floats, ints, strings and None (the
    long arrays of Kaplan-Meier tables) converted inline."""
    out: list[Any] = []
    for item in items:
        kind = type(item)
        if kind is float:
            out.append(item if math.isfinite(item) else None)
        elif kind in _PLAIN:
            out.append(item)
        else:
            out.append(json_safe(item))
    return out


def safe_exp(value: float) -> float:
    """exp that gives infinity instead of raising OverflowError (then reported as not estimable)."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def flag_non_finite(result: StatResult, names: list[str], what: str) -> None:
    """After a fit ran, name the reported numbers that came out NaN or infinite.

    JSON has no NaN, so :func:`json_safe` writes them as ``null``: without this warning a number
    the fit could not produce would disappear from a report without a word. Call it only where a
    non-finite value is unexpected (not for the documented boundary cases, which carry their own
    warning).
    """
    bad = [name for name in names
           if isinstance(getattr(result, name), (float, np.floating))
           and not math.isfinite(getattr(result, name))]
    if bad:
        result.warnings.append(f"{', '.join(bad)} not estimable: {what} gave a non-finite value "
                               "(reported as empty); the data do not determine "
                               f"{'it' if len(bad) == 1 else 'them'}")


class StatResult:
    """Mixin for result dataclasses; ``method``, ``assumptions``, ``warnings`` are fields of
    each."""

    method: str
    assumptions: list[str]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain JSON-ready Python (numpy values unwrapped, non-finite floats as
        ``None``).
        """
        return {f.name: json_safe(getattr(self, f.name))
                for f in fields(self)}  # type: ignore[arg-type]  # a dataclass in every subclass

    def summary(self) -> pd.DataFrame:
        """One-row table of the scalar fields (arrays and nested results left out), for display."""
        scalars = {}
        for f in fields(self):  # type: ignore[arg-type]  # a dataclass in every subclass
            value = getattr(self, f.name)
            if isinstance(value, (str, bool, int, float, np.integer, np.floating)) or value is None:
                scalars[f.name] = value
        scalars["warnings"] = "; ".join(self.warnings)
        return pd.DataFrame([scalars])
