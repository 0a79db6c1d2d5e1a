"""The published HPD and early-failure definitions, one function each.

Each function takes a :class:`PatientMeasures` (the per-patient quantities) and returns a
:class:`Call`: true, false, or not evaluable (``value=None``), always with a reason. Definitions
that combine criteria use Kleene's three-valued logic: a conjunction is false as soon as one part is
false (even if another part cannot be evaluated), true only when every part is true, and otherwise
not evaluable; "at least k of n" is true when k parts are true and false when even counting every
unevaluable part as true could not reach k. Thresholds live in :data:`THRESHOLDS` and are written
into every output. The choices made where a paper is silent are in docs/hpd_definitions.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from .growth import Quantity

#: Published cut-offs; written into hpd_calls.json so a reader sees exactly what was applied.
THRESHOLDS: dict[str, float] = {
    "recist_pd_relative_increase_pct": 20.0,   # RECIST 1.1 (Eisenhauer 2009): >= 20 % and
    "recist_pd_absolute_increase_mm": 5.0,     # >= 5 mm over the nadir (= baseline here)
    "champiat_tgr_ratio_min": 2.0,             # TGR_exp / TGR_ref >= 2
    "ferrara_delta_tgr_gt": 50.0,              # ΔTGR > 50
    "kas_delta_tgr_gt": 100.0,                 # ΔTGR > 100
    "saada_bouzid_tgk_ratio_min": 2.0,         # TGK_exp / TGK_ref >= 2
    "kato_burden_increase_pct_gt": 50.0,       # > 50 % vs pre-ICI imaging
    "kato_pace_fold_gt": 2.0,                  # > 2-fold progression pace (TGK ratio, see docs)
    "lo_russo_burden_increase_pct_min": 50.0,  # >= 50 % baseline -> first evaluation
    "lo_russo_new_lesions_min": 2,             # >= 2 new lesions in an organ already involved
    "lo_russo_ecog_min": 2,                    # from PS < 2 at baseline to >= 2 within 2 months
    "lo_russo_criteria_min": 3,                # at least 3 of 5
    "matos_burden_increase_pct_gt": 40.0,      # > 40 % (provisional wording)
    "matos_burden_increase_with_new_pct_gt": 20.0,  # > 20 % with new lesions in >= 2 organs
    "matos_new_lesion_organs_min": 2,
    "early_failure_ttf_months_lt": 2.0,        # Kato 2017; also the TTF part of Kato and Lo Russo
}

NONPOSITIVE_REFERENCE_POLICIES = ("not_evaluable", "accelerated")


@dataclass(frozen=True)
class Call:
    """One definition's verdict for one patient: True, False or None (not evaluable)."""

    value: bool | None
    reason: str

    @property
    def evaluable(self) -> bool:
        """True when the call was decided (``value`` is not ``None``)."""
        return self.value is not None


@dataclass(frozen=True)
class HpdDefinition:
    """One published HPD definition: its name, output column, label, citation and summary."""

    name: str
    column: str
    label: str
    citation: str
    summary: str
    provisional: bool = False


DEFINITIONS: dict[str, HpdDefinition] = {d.name: d for d in (
    HpdDefinition("champiat_2017", "hpd_champiat_2017", "Champiat 2017",
                  "Champiat S et al., Clin Cancer Res 2017;23:1920-8",
                  "RECIST 1.1 progression at first evaluation and TGR_exp / TGR_ref >= 2"),
    HpdDefinition("ferrara_2018", "hpd_ferrara_2018", "Ferrara 2018",
                  "Ferrara R et al., JAMA Oncol 2018;4:1543-52",
                  "RECIST 1.1 progression at first evaluation and ΔTGR > 50"),
    HpdDefinition("kas_2020", "hpd_kas_2020", "Kas 2020",
                  "Kas B et al., JAMA Oncol 2020;6:1039-46",
                  "RECIST 1.1 progression at first evaluation and ΔTGR > 100"),
    HpdDefinition("saada_bouzid_2017", "hpd_saada_bouzid_2017", "Saâda-Bouzid 2017",
                  "Saâda-Bouzid E et al., Ann Oncol 2017;28:1605-11", "TGK_exp / TGK_ref >= 2"),
    HpdDefinition("kato_2017", "hpd_kato_2017", "Kato 2017",
                  "Kato S et al., Clin Cancer Res 2017;23:4242-50",
                  "TTF < 2 months, > 50 % increase of the target sum at first evaluation and "
                  "> 2-fold progression pace (TGK ratio)"),
    HpdDefinition("lo_russo_2019", "hpd_lo_russo_2019", "Lo Russo 2019",
                  "Lo Russo G et al., Clin Cancer Res 2019",
                  ">= 3 of: TTF < 2 months; >= 50 % target-sum increase; >= 2 new lesions in an "
                  "involved organ; spread to a new organ; deterioration to ECOG PS >= 2 within 2 "
                  "months (from PS < 2 at baseline)"),
    HpdDefinition("matos_2020", "hpd_matos_2020", "Matos 2020 (provisional)",
                  "Matos I et al., Clin Cancer Res 2020;26:1846-55",
                  "> 40 % target-sum increase, or > 20 % with new lesions in >= 2 organs, at first "
                  "evaluation (exact wording unverified)", provisional=True),
    HpdDefinition("early_failure", "early_failure", "Early failure (TTF < 2 months)",
                  "Kato S et al., Clin Cancer Res 2017;23:4242-50",
                  "time to treatment failure < 2 months; censored before 2 months = not evaluable"),
)}


def resolve_definition(name: str) -> HpdDefinition:
    """Look a definition up by name (``kas_2020``) or by its column (``hpd_kas_2020``)."""
    key = name.strip().lower().replace("-", "_")
    for definition in DEFINITIONS.values():
        if key in (definition.name, definition.column):
            return definition
    raise KeyError(f"unknown HPD definition {name!r}; choose one of: {', '.join(DEFINITIONS)}")


@dataclass(frozen=True)
class PatientMeasures:
    """What the definitions read for one patient (built by :mod:`hpdgenomics.hpd.classify`)."""

    tgr_ref: Quantity
    tgr_exp: Quantity
    delta_tgr: Quantity
    tgr_ratio: Quantity
    tgk_ref: Quantity
    tgk_exp: Quantity
    tgk_ratio: Quantity
    pct_change_first_eval: Quantity
    d_baseline: float | None = None     # None: no baseline scan, or its sum is NE
    d_first_eval: float | None = None
    # both baseline and first-evaluation scans exist (their sums may be NE); None: both sums known
    paired_scans: bool | None = None
    first_eval_reason: str = ""
    # new-lesion findings at the first evaluation; None = not recorded
    new_lesions: int | None = None
    new_lesion_organs: int | None = None
    new_organ_involved: bool | None = None
    new_lesions_present: bool | None = None   # True: new lesions reported without a count
    ttf_months: float | None = None
    ttf_event: bool | None = None
    ecog_ps2_within_2mo: bool | None = None   # worst ECOG PS in the first 2 months >= 2
    ecog_baseline: int | None = None          # ECOG PS at ICI start; None = not recorded
    nonpositive_reference: str = "not_evaluable"


# --- three-valued logic --------------------------------------------------------------------

def _join(reasons: list[str]) -> str:
    """Join reasons, dropping repeats and any reason already contained in a longer one."""
    unique = list(dict.fromkeys(r for r in reasons if r))
    return "; ".join(r for r in unique if not any(r != other and r in other for other in unique))


def all_of(*parts: Call) -> Call:
    """True when every part is true, false when any is false, else not evaluable; reasons joined."""
    false = [p.reason for p in parts if p.value is False]
    if false:
        return Call(False, _join(false))
    unknown = [p.reason for p in parts if p.value is None]
    if unknown:
        return Call(None, _join(unknown))
    return Call(True, _join([p.reason for p in parts]))


def any_of(*parts: Call) -> Call:
    """True when any part is true, false when every part is false, else not evaluable; reasons
    joined.
    """
    true = [p.reason for p in parts if p.value is True]
    if true:
        return Call(True, _join(true))
    unknown = [p.reason for p in parts if p.value is None]
    if unknown:
        return Call(None, _join(unknown))
    return Call(False, _join([p.reason for p in parts]))


def at_least(k: int, parts: list[Call]) -> Call:
    """True when at least ``k`` parts are true, false when even the undecided ones could not make
    ``k``, else not evaluable; the reason lists every part.
    """
    n_true = sum(p.value is True for p in parts)
    n_unknown = sum(p.value is None for p in parts)
    listing = "; ".join(f"{'yes' if p.value else 'no' if p.value is False else '?'}: {p.reason}"
                        for p in parts)
    if n_true >= k:
        return Call(True, f"{n_true} of {len(parts)} criteria met (>= {k}): {listing}")
    if n_true + n_unknown < k:
        return Call(False, f"{n_true} of {len(parts)} criteria met (< {k}): {listing}")
    return Call(None, f"{n_true} of {len(parts)} met and {n_unknown} not evaluable, so >= {k} "
                      f"cannot be decided: {listing}")


def compare(quantity: Quantity, name: str, op: str, threshold: float) -> Call:
    """``quantity op threshold`` as a call (``op`` is ``>``, ``>=`` or ``<``); not evaluable when
    the quantity is unknown, with its reason.
    """
    value = quantity.value
    if value is None:
        return Call(None, quantity.reason)
    met = {">": value > threshold, ">=": value >= threshold, "<": value < threshold}[op]
    negation = {">": "<=", ">=": "<", "<": ">="}[op]
    return Call(met, f"{name} {value:.4g} {op if met else negation} {threshold:g}")


# --- components shared by several definitions -------------------------------------------------

def _has_scan_pair(m: PatientMeasures) -> bool:
    if m.paired_scans is not None:
        return m.paired_scans
    return m.d_baseline is not None and m.d_first_eval is not None


def _without_scan_pair(m: PatientMeasures) -> Call | None:
    """New-lesion findings mean "new since baseline": without both scans they are not evaluable."""
    if not _has_scan_pair(m):
        return Call(None, m.first_eval_reason or "baseline or first evaluation missing")
    return None


def new_lesions_at_first_eval(m: PatientMeasures) -> Call:
    """Any new lesion at the first evaluation (RECIST 1.1 unequivocal new lesion)."""
    if (missing := _without_scan_pair(m)) is not None:
        return missing
    findings = [m.new_lesions is not None and m.new_lesions > 0,
                m.new_lesion_organs is not None and m.new_lesion_organs > 0,
                m.new_organ_involved is True, m.new_lesions_present is True]
    if any(findings):
        return Call(True, "new lesion(s) at first evaluation")
    if m.new_lesions is None and m.new_lesion_organs is None and m.new_organ_involved is None:
        return Call(None, "new lesions at first evaluation not recorded")
    return Call(False, "no new lesions at first evaluation")


def recist_progression_first_eval(m: PatientMeasures) -> Call:
    """RECIST 1.1 progression at the first evaluation (Eisenhauer EA et al., Eur J Cancer
    2009;45:228-47): the target sum rose by >= 20 % and >= 5 mm over the nadir, or a new lesion
    appeared. Before the first evaluation the nadir is the baseline sum.

    With a baseline sum of 0 mm the relative part (20 % of 0) is always met, so >= 5 mm of new
    target burden counts; non-target progression is not recorded in the table and not assessed.
    A target sum that is NE at either scan leaves the size criterion not evaluable; new lesions can
    still decide.
    """
    if (missing := _without_scan_pair(m)) is not None:
        return missing
    if m.d_baseline is None or m.d_first_eval is None:
        by_size = Call(None, m.pct_change_first_eval.reason or "target sum not evaluable")
        return any_of(by_size, new_lesions_at_first_eval(m))
    increase = m.d_first_eval - m.d_baseline
    relative_met = increase >= THRESHOLDS["recist_pd_relative_increase_pct"] / 100 * m.d_baseline
    absolute_met = increase >= THRESHOLDS["recist_pd_absolute_increase_mm"]
    if relative_met and absolute_met:
        pct = f" ({100 * increase / m.d_baseline:.4g} %)" if m.d_baseline > 0 else ""
        by_size = Call(True, f"target sum +{increase:g} mm{pct}: >= 20 % and >= 5 mm")
    else:
        by_size = Call(False, f"target sum change {increase:+g} mm: not >= 20 % and >= 5 mm")
    return any_of(by_size, new_lesions_at_first_eval(m))


def early_failure(m: PatientMeasures) -> Call:
    """TTF < 2 months (Kato 2017). TTF >= 2 months is false whatever the status; a patient
    censored (still on treatment at last contact) before 2 months is not evaluable."""
    cut = THRESHOLDS["early_failure_ttf_months_lt"]
    if m.ttf_months is None:
        return Call(None, "TTF_MONTHS missing")
    if m.ttf_months >= cut:
        return Call(False, f"TTF {m.ttf_months:.4g} months >= {cut:g}")
    if m.ttf_event is None:
        return Call(None, f"TTF {m.ttf_months:.4g} months < {cut:g} but TTF_STATUS missing")
    if not m.ttf_event:
        return Call(None, f"censored at {m.ttf_months:.4g} months, before {cut:g}: early failure "
                          "cannot be decided")
    return Call(True, f"treatment failed at {m.ttf_months:.4g} months < {cut:g}")


def _ratio_at_least(m: PatientMeasures, ratio: Quantity, reference: Quantity,
                    experimental: Quantity, name: str, threshold: float, strict: bool) -> Call:
    """A growth-ratio criterion, with the chosen treatment of a non-growing reference period."""
    if (not ratio.known and reference.value is not None and experimental.value is not None
            and reference.value <= 0):
        if m.nonpositive_reference == "accelerated":
            grows = experimental.value > 0
            return Call(grows, f"reference rate {reference.value:.4g} <= 0 and experimental rate "
                               f"{experimental.value:.4g} {'>' if grows else '<='} 0 "
                               "(policy 'accelerated': growth after no growth counts as "
                               "acceleration)")
        return Call(None, f"{ratio.reason} (policy 'not_evaluable')")
    return compare(ratio, name, ">" if strict else ">=", threshold)


# --- the definitions -----------------------------------------------------------------------

def hpd_champiat_2017(m: PatientMeasures) -> Call:
    """Champiat 2017: RECIST progression at first evaluation and TGR_exp / TGR_ref >= 2."""
    return all_of(recist_progression_first_eval(m),
                  _ratio_at_least(m, m.tgr_ratio, m.tgr_ref, m.tgr_exp, "TGR ratio",
                                  THRESHOLDS["champiat_tgr_ratio_min"], strict=False))


def hpd_ferrara_2018(m: PatientMeasures) -> Call:
    """Ferrara 2018: RECIST progression at first evaluation and ΔTGR > 50."""
    return all_of(recist_progression_first_eval(m),
                  compare(m.delta_tgr, "ΔTGR", ">", THRESHOLDS["ferrara_delta_tgr_gt"]))


def hpd_kas_2020(m: PatientMeasures) -> Call:
    """Kas 2020: RECIST 1.1 progression at first evaluation and ΔTGR > 100.

    Kas et al. assessed HPD among progressors: the proposed definition is progression by RECIST
    (a > 20 % increase of the target sum) with ΔTGR > 100. ΔTGR alone is not enough: with a
    shrinking reference period (TGR_ref very negative) a stable tumour (+16 %) can have
    ΔTGR > 100."""
    return all_of(recist_progression_first_eval(m),
                  compare(m.delta_tgr, "ΔTGR", ">", THRESHOLDS["kas_delta_tgr_gt"]))


def hpd_saada_bouzid_2017(m: PatientMeasures) -> Call:
    """Saâda-Bouzid 2017: TGK_exp / TGK_ref >= 2."""
    return _ratio_at_least(m, m.tgk_ratio, m.tgk_ref, m.tgk_exp, "TGK ratio",
                           THRESHOLDS["saada_bouzid_tgk_ratio_min"], strict=False)


def hpd_kato_2017(m: PatientMeasures) -> Call:
    """Kato 2017: TTF < 2 months, > 50 % burden increase versus the pre-ICI (baseline) scan, and a
    > 2-fold increase in progression pace, read here as TGK_exp / TGK_ref > 2."""
    return all_of(early_failure(m),
                  compare(m.pct_change_first_eval, "target-sum change %", ">",
                          THRESHOLDS["kato_burden_increase_pct_gt"]),
                  _ratio_at_least(m, m.tgk_ratio, m.tgk_ref, m.tgk_exp,
                                  "progression pace (TGK ratio)",
                                  THRESHOLDS["kato_pace_fold_gt"], strict=True))


def lo_russo_new_lesions_in_involved_organ(m: PatientMeasures) -> Call:
    """>= 2 new lesions in an organ already involved. The table records counts, not their organs:
    with no spread to a new organ every new lesion lies in an involved organ (documented
    approximation: they may be spread over several involved organs); with spread and a single
    organ holding new lesions, that organ is the new one; otherwise it cannot be decided."""
    need = THRESHOLDS["lo_russo_new_lesions_min"]
    if (missing := _without_scan_pair(m)) is not None:
        return missing
    if m.new_lesions is None:
        return Call(None, "number of new lesions at first evaluation not recorded")
    if m.new_lesions < need:
        return Call(False, f"{m.new_lesions} new lesion(s) < {need:g}")
    if m.new_organ_involved is False:
        return Call(True, f"{m.new_lesions} new lesions, no new organ involved")
    if m.new_organ_involved is True and m.new_lesion_organs == 1:
        return Call(False, f"{m.new_lesions} new lesions, all in the one newly involved organ")
    return Call(None, f"{m.new_lesions} new lesions but their organs are not recorded "
                      "(some may be in a newly involved organ)")


def lo_russo_ecog_deterioration(m: PatientMeasures) -> Call:
    """Clinical deterioration to ECOG PS >= 2 within the first 2 months: PS < 2 at baseline and
    >= 2 within 2 months. A patient already at PS >= 2 at ICI start has not deteriorated to it.

    Three-valued like every conjunction here: PS < 2 throughout the 2 months is false whatever the
    baseline; PS >= 2 within 2 months with the baseline PS not recorded is not evaluable."""
    need = THRESHOLDS["lo_russo_ecog_min"]
    if m.ecog_ps2_within_2mo is None:
        return Call(None, "ECOG PS within 2 months not recorded")
    if not m.ecog_ps2_within_2mo:
        return Call(False, f"ECOG PS < {need:g} within 2 months")
    if m.ecog_baseline is None:
        return Call(None, f"ECOG PS >= {need:g} within 2 months but baseline ECOG PS not recorded: "
                          "deterioration cannot be decided")
    if m.ecog_baseline >= need:
        return Call(False, f"ECOG PS already {m.ecog_baseline} at baseline: no deterioration to "
                           f">= {need:g}")
    return Call(True, f"ECOG PS {m.ecog_baseline} at baseline, >= {need:g} within 2 months")


def hpd_lo_russo_2019(m: PatientMeasures) -> Call:
    """Lo Russo 2019: at least 3 of 5 criteria."""
    if m.new_organ_involved is None:
        spread = _without_scan_pair(m) or Call(None, "spread to a new organ not recorded")
    else:
        spread = Call(m.new_organ_involved, "spread to a new organ" if m.new_organ_involved
                      else "no spread to a new organ")
    criteria = [early_failure(m),
                compare(m.pct_change_first_eval, "target-sum change %", ">=",
                        THRESHOLDS["lo_russo_burden_increase_pct_min"]),
                lo_russo_new_lesions_in_involved_organ(m), spread, lo_russo_ecog_deterioration(m)]
    return at_least(int(THRESHOLDS["lo_russo_criteria_min"]), criteria)


def hpd_matos_2020(m: PatientMeasures) -> Call:
    """Matos 2020 (provisional): > 40 % increase of the target sum at first evaluation, or > 20 %
    with new lesions in at least two organs."""
    organs_need = THRESHOLDS["matos_new_lesion_organs_min"]
    if (missing := _without_scan_pair(m)) is not None:
        organs = missing
    elif m.new_lesion_organs is not None:
        organs = Call(m.new_lesion_organs >= organs_need,
                      f"new lesions in {m.new_lesion_organs} organ(s) "
                      f"{'>=' if m.new_lesion_organs >= organs_need else '<'} {organs_need:g}")
    elif m.new_lesions == 0:
        organs = Call(False, "no new lesions")
    elif m.new_lesions == 1:
        organs = Call(False, "a single new lesion cannot lie in two organs")
    else:
        organs = Call(None, "number of organs with new lesions not recorded")
    return any_of(compare(m.pct_change_first_eval, "target-sum change %", ">",
                          THRESHOLDS["matos_burden_increase_pct_gt"]),
                  all_of(compare(m.pct_change_first_eval, "target-sum change %", ">",
                                 THRESHOLDS["matos_burden_increase_with_new_pct_gt"]), organs))


#: definition name -> function computing its call
DEFINITION_FUNCTIONS = {
    "champiat_2017": hpd_champiat_2017,
    "ferrara_2018": hpd_ferrara_2018,
    "kas_2020": hpd_kas_2020,
    "saada_bouzid_2017": hpd_saada_bouzid_2017,
    "kato_2017": hpd_kato_2017,
    "lo_russo_2019": hpd_lo_russo_2019,
    "matos_2020": hpd_matos_2020,
    "early_failure": early_failure,
}
