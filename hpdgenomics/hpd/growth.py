"""Tumour growth quantities from two measurements of the RECIST target-lesion sum.

D is the sum of the longest diameters of the target lesions (mm); time is in months of
:data:`DAYS_PER_MONTH` days. Every function returns a :class:`Quantity`: a value, or ``None`` with
the reason it cannot be computed, so that "not evaluable" travels with its cause.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..model import DAYS_PER_MONTH


@dataclass(frozen=True)
class Quantity:
    """A computed value, or ``value=None`` with ``reason`` saying why it is undefined."""

    value: float | None
    reason: str = ""

    @property
    def known(self) -> bool:
        """True when the quantity has a value."""
        return self.value is not None


def undefined(reason: str) -> Quantity:
    """A quantity without a value, for ``reason``."""
    return Quantity(None, reason)


def finite(value: float, what: str) -> Quantity:
    """``value`` as a Quantity, or not evaluable when it overflowed to an infinity or NaN (which
    the TSV would print as ``inf``/``nan`` and strict JSON cannot hold)."""
    if math.isfinite(value):
        return Quantity(value)
    return undefined(f"{what} too large to represent ({value})")


def months_between(day_start: float, day_end: float) -> float:
    """The months from ``day_start`` to ``day_end`` (days / ``DAYS_PER_MONTH``)."""
    return (day_end - day_start) / DAYS_PER_MONTH


def tumour_growth_rate(d_start: float, d_end: float, months: float) -> Quantity:
    """Ferté's tumour growth rate, percent change of tumour *volume* per month.

    TG = 3 ln(D_end / D_start) / t and TGR = 100 (exp(TG) - 1) (Ferté C et al., Clin Cancer Res
    2014;20:246-52; public code chferte/TumorGrowthRate). The factor 3 turns diameters into volume
    under a spherical, exponential-growth model.

    Undefined when t <= 0 (equal dates) or D_start = 0 (log of a ratio to zero). When D_end = 0
    and D_start > 0 the limit exp(-inf) = 0 gives TGR = -100 (complete disappearance). Over very
    short intervals TG explodes (ratio 1.2 in one day is about 1.7e9 % per month); a value beyond
    the float range is undefined rather than infinite.
    """
    if months <= 0:
        return undefined(f"interval of {months * DAYS_PER_MONTH:g} days between the scans: "
                         "growth rate needs t > 0")
    if d_start <= 0:
        return undefined("target sum is 0 mm at the start of the period: growth rate undefined")
    if d_end == 0:
        return Quantity(-100.0)
    growth_exponent = 3.0 * math.log(d_end / d_start) / months
    try:
        growth = 100.0 * math.expm1(growth_exponent)
    except OverflowError:
        growth = math.inf
    if not math.isfinite(growth):
        return undefined(f"growth rate too large to represent (TG = {growth_exponent:.4g} per "
                         "month, e.g. a very short interval or a sum in the wrong unit)")
    return Quantity(growth)


def tumour_growth_kinetics(d_start: float, d_end: float, months: float) -> Quantity:
    """Tumour growth kinetics, change of the target sum in mm per month: (D_end - D_start) / t.

    Saâda-Bouzid E et al., Ann Oncol 2017;28:1605-11. Undefined when t <= 0.
    """
    if months <= 0:
        return undefined(f"interval of {months * DAYS_PER_MONTH:g} days between the scans: "
                         "growth kinetics needs t > 0")
    return finite((d_end - d_start) / months, "growth kinetics")


def percent_change(d_start: float, d_end: float) -> Quantity:
    """100 (D_end - D_start) / D_start; undefined when D_start = 0."""
    if d_start <= 0:
        return undefined("target sum is 0 mm at baseline: percent change undefined")
    return finite(100.0 * (d_end - d_start) / d_start, "percent change")


def difference(experimental: Quantity, reference: Quantity, name: str) -> Quantity:
    """experimental - reference (ΔTGR); defined whenever both are, whatever their signs."""
    if reference.value is None:
        return undefined(f"{name} needs the reference value: {reference.reason}")
    if experimental.value is None:
        return undefined(f"{name} needs the experimental value: {experimental.reason}")
    return finite(experimental.value - reference.value, name)


def growth_ratio(experimental: Quantity, reference: Quantity, name: str) -> Quantity:
    """experimental / reference, reported only for a growing reference period (reference > 0).

    A ratio to a zero or negative pre-treatment rate is not a measure of acceleration (it is
    infinite, or its sign flips), so it is left undefined; each definition then states how it treats
    a non-growing reference period.
    """
    if reference.value is None:
        return undefined(f"{name} needs the reference value: {reference.reason}")
    if experimental.value is None:
        return undefined(f"{name} needs the experimental value: {experimental.reason}")
    if reference.value <= 0:
        return undefined(f"{name} not meaningful: reference rate {reference.value:.4g} <= 0 "
                         "(tumour not growing before ICI)")
    return finite(experimental.value / reference.value, name)
