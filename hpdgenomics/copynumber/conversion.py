"""Conversion of log2 copy ratios to absolute copies, and single-value calls.

log2 -> copies uses CNVkit's purity rescaling (DOMAIN.md section 5):

    CN = (R * 2^log2 - 2 * (1 - p)) / p

with p the tumour purity and R the copy number the ratios are centred on. Assumptions, stated in
every gene's ``basis``: (1) autosomes; (2) the contaminating normal cells are diploid; (3) the
ratios are median-centred on the sample's mean copy number, which for a mixture of tumour of
ploidy P with diploid normal cells is R = p * P + 2 * (1 - p) (so log2 = 0 maps back to CN = P;
with P unknown or 2, R = 2 exactly as in CNVkit); (4) without purity, p = 1 (a pure tumour),
which under-estimates the size of every change in an impure sample.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..model import CopyNumberCall
from .thresholds import CopyNumberThresholds

DEFAULT_PLOIDY = 2.0
HALF_COPY = 0.5     # gain/loss tolerance: a copy number counts once half-way into the step
_TIE = 1e-9         # decimal inputs (3.1 - 2.6) must not miss an exact half by a rounding error


def reference_copies(purity: float, ploidy: float) -> float:
    """R: the mean copy number of the tumour/normal mixture the ratios are centred on."""
    return purity * ploidy + 2.0 * (1.0 - purity)


def log2_to_copies(log2, purity: float | None = None, ploidy: float | None = None):
    """Absolute tumour copies from log2 ratio(s) (scalar or array); negative results clip to 0."""
    p = 1.0 if purity is None else float(purity)
    if not 0 < p <= 1:
        raise InputError(f"purity {p} out of range", hint="purity must be in (0, 1]")
    ploidy_value = DEFAULT_PLOIDY if ploidy is None else float(ploidy)
    r = reference_copies(p, ploidy_value)
    copies = (r * np.power(2.0, np.asarray(log2, dtype=float)) - 2.0 * (1.0 - p)) / p
    copies = np.maximum(copies, 0.0)
    return float(copies) if np.ndim(copies) == 0 else copies


def conversion_basis(purity: float | None, ploidy: float | None, purity_source: str,
                     ploidy_source: str) -> str:
    """How log2 ratios were converted to copies, in words for the report: the formula, the purity
    and ploidy used with their sources (1 and 2 assumed when unknown) and the assumptions.
    """
    p = 1.0 if purity is None else purity
    ploidy_value = DEFAULT_PLOIDY if ploidy is None else ploidy
    r = reference_copies(p, ploidy_value)
    purity_text = (f"p = {p:g} ({purity_source})" if purity is not None
                   else "p = 1 assumed (purity unknown: changes in an impure sample look smaller)")
    ploidy_text = (f"P = {ploidy_value:g} ({ploidy_source})" if ploidy is not None
                   else "P = 2 assumed (ploidy unknown)")
    return (f"log2 ratio converted to copies: CN = (R*2^log2 - 2(1-p))/p with {purity_text}, "
            f"{ploidy_text}, R = p*P + 2(1-p) = {r:.3g}; assumes diploid normal contamination "
            "and ratios centred on the sample mean")


def call_from_copies(copies: float, ploidy: float = DEFAULT_PLOIDY,
                     thresholds: CopyNumberThresholds | None = None, *,
                     focal: bool | None = True) -> tuple[CopyNumberCall, str]:
    """Call one absolute copy number against absolute and ploidy-relative thresholds.

    Returns the call and the reason (the thresholds crossed). ``focal=False`` turns an
    amplification-level value into a gain (a broad high-level gain is not called amplification);
    ``focal=None`` (unknown, gene-level inputs) leaves the amplification standing.
    """
    t = thresholds or CopyNumberThresholds()
    if copies is None or (isinstance(copies, float) and math.isnan(copies)):
        raise ValueError("copies must be a number")
    if copies < t.deep_deletion_max_copies:
        return (CopyNumberCall.DEEP_DELETION,
                f"CN {copies:.2f} < {t.deep_deletion_max_copies:g} (deep deletion)")
    amp_floor = max(t.amplification_min_copies, t.amplification_min_ploidy_ratio * ploidy)
    if copies >= amp_floor:
        crossed = (f"CN {copies:.2f} >= {t.amplification_min_copies:g} and >= "
                   f"{t.amplification_min_ploidy_ratio:g} x ploidy {ploidy:.2f}")
        if focal is False:
            return CopyNumberCall.GAIN, crossed + ", but the event is broad (not focal): gain"
        return CopyNumberCall.AMPLIFICATION, crossed
    # Gain and loss are symmetric about the ploidy: a change counts once the copy number is at
    # least half a copy into the step (nearer ploidy + 1 than ploidy, a tie counting as the change).
    delta = copies - ploidy
    if delta >= t.gain_min_copies_above_ploidy - HALF_COPY - _TIE:
        reason = (f"CN {copies:.2f} is {delta:+.2f} from ploidy {ploidy:.2f} (gain from "
                  f"+{t.gain_min_copies_above_ploidy - HALF_COPY:g}), below the amplification "
                  f"floor {amp_floor:.2f}")
        return CopyNumberCall.GAIN, reason
    if -delta >= t.shallow_loss_max_copies_below_ploidy - HALF_COPY - _TIE:
        reason = (f"CN {copies:.2f} is {delta:+.2f} from ploidy {ploidy:.2f} (shallow loss from "
                  f"-{t.shallow_loss_max_copies_below_ploidy - HALF_COPY:g}), not below "
                  f"{t.deep_deletion_max_copies:g}")
        return CopyNumberCall.SHALLOW_LOSS, reason
    return CopyNumberCall.NEUTRAL, (f"CN {copies:.2f} is {delta:+.2f} from ploidy {ploidy:.2f} "
                                    "(within half a copy of a step)")


_DISCRETE = {2.0: CopyNumberCall.AMPLIFICATION, 1.0: CopyNumberCall.GAIN,
             0.0: CopyNumberCall.NEUTRAL, -1.0: CopyNumberCall.SHALLOW_LOSS,
             -1.5: CopyNumberCall.DEEP_DELETION, -2.0: CopyNumberCall.DEEP_DELETION}


def call_from_discrete(value) -> CopyNumberCall:
    """cBioPortal/GISTIC discrete value -> call (-1.5 as OncoKB's annotator: deletion)."""
    try:
        key = float(value)
    except (TypeError, ValueError):
        raise InputError(f"discrete copy-number value {value!r} is not a number",
                         hint="use -2, -1, 0, 1 or 2") from None
    if key not in _DISCRETE:
        raise InputError(f"discrete copy-number value {value!r} is not on the cBioPortal scale",
                         hint="use -2, -1.5, -1, 0, 1 or 2")
    return _DISCRETE[key]
