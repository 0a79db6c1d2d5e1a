"""Each published definition on hand-built per-patient measures: true, false and not evaluable.

Sources (DOMAIN.md section 4): RECIST 1.1 (Eisenhauer 2009); Champiat 2017 (PD and TGR ratio >= 2);
Ferrara 2018 (PD and ΔTGR > 50); Kas 2020 (PD and ΔTGR > 100: Kas B et al. assessed HPD among
progressors, RECIST > 20 % with ΔTGR > 100); Saâda-Bouzid 2017 (TGK ratio >= 2, no RECIST conjunct
in the paper's definition); Kato 2017 (TTF < 2 months, > 50 % increase, > 2-fold pace); Lo Russo
2019 (>= 3 of 5; the ECOG criterion is deterioration from PS < 2 to PS >= 2 within 2 months);
Matos 2020 (provisional: > 40 %, or > 20 % with new lesions in >= 2 organs).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.hpd import classify_hpd
from hpdgenomics.hpd.definitions import (
    DEFINITIONS,
    Call,
    PatientMeasures,
    all_of,
    any_of,
    at_least,
    early_failure,
    hpd_champiat_2017,
    hpd_ferrara_2018,
    hpd_kas_2020,
    hpd_kato_2017,
    hpd_lo_russo_2019,
    hpd_matos_2020,
    hpd_saada_bouzid_2017,
    lo_russo_ecog_deterioration,
    recist_progression_first_eval,
    resolve_definition,
)
from hpdgenomics.hpd.growth import Quantity, difference, growth_ratio

UNKNOWN = Quantity(None, "no pre-baseline scan")


def measures(*, tgr_ref=10.0, tgr_exp=30.0, tgk_ref=2.0, tgk_exp=6.0, d_baseline=50.0,
             d_first_eval=80.0, **kwargs) -> PatientMeasures:
    """Per-patient measures; ratios and ΔTGR derived the way the classifier derives them."""
    q = {name: value if isinstance(value, Quantity) else Quantity(value)
         for name, value in (("tgr_ref", tgr_ref), ("tgr_exp", tgr_exp), ("tgk_ref", tgk_ref),
                             ("tgk_exp", tgk_exp))}
    pct = (Quantity(100 * (d_first_eval - d_baseline) / d_baseline)
           if d_baseline and d_first_eval is not None else Quantity(None, "no baseline"))
    defaults = {"new_lesions": 0, "new_lesion_organs": 0, "new_organ_involved": False,
                "ttf_months": 1.0, "ttf_event": True, "ecog_ps2_within_2mo": False}
    defaults.update(kwargs)
    return PatientMeasures(
        tgr_ref=q["tgr_ref"], tgr_exp=q["tgr_exp"],
        delta_tgr=difference(q["tgr_exp"], q["tgr_ref"], "ΔTGR"),
        tgr_ratio=growth_ratio(q["tgr_exp"], q["tgr_ref"], "TGR ratio"),
        tgk_ref=q["tgk_ref"], tgk_exp=q["tgk_exp"],
        tgk_ratio=growth_ratio(q["tgk_exp"], q["tgk_ref"], "TGK ratio"),
        pct_change_first_eval=pct, d_baseline=d_baseline, d_first_eval=d_first_eval,
        first_eval_reason="" if d_first_eval is not None else "no first evaluation", **defaults)


# --- three-valued logic ------------------------------------------------------------------------

def test_conjunction_is_false_when_any_part_is_false_even_with_unknowns():
    assert all_of(Call(None, "a"), Call(False, "b")).value is False
    assert all_of(Call(True, "a"), Call(None, "b")).value is None
    assert all_of(Call(True, "a"), Call(True, "b")).value is True


def test_disjunction_is_true_when_any_part_is_true_even_with_unknowns():
    assert any_of(Call(None, "a"), Call(True, "b")).value is True
    assert any_of(Call(False, "a"), Call(None, "b")).value is None
    assert any_of(Call(False, "a"), Call(False, "b")).value is False


def test_at_least_decides_only_when_unknowns_cannot_change_the_answer():
    t, f, u = Call(True, "t"), Call(False, "f"), Call(None, "u")
    assert at_least(3, [t, t, t, f, u]).value is True
    assert at_least(3, [t, f, f, f, u]).value is False      # 1 + 1 unknown < 3
    assert at_least(3, [t, t, f, f, u]).value is None       # 2 + 1 unknown could reach 3


# --- RECIST 1.1 progression at first evaluation ---------------------------------------------------

@pytest.mark.parametrize("d_baseline, d_first_eval, expected", [
    (50.0, 60.0, True),    # +10 mm = +20 % exactly: both parts met (>=)
    (50.0, 59.9, False),   # +19.8 %
    (20.0, 24.0, False),   # +20 % but only +4 mm
    (20.0, 25.0, True),    # +25 %, +5 mm
    (0.0, 5.0, True),      # baseline 0 mm: 20 % of 0 is met, +5 mm is met
    (0.0, 4.0, False),
])
def test_recist_size_criterion(d_baseline, d_first_eval, expected):
    m = measures(d_baseline=d_baseline, d_first_eval=d_first_eval)
    assert recist_progression_first_eval(m).value is expected


def test_recist_new_lesions_only_is_progression():
    m = measures(d_baseline=50.0, d_first_eval=45.0, new_lesions=1, new_lesion_organs=1)
    call = recist_progression_first_eval(m)
    assert call.value is True and "new lesion" in call.reason


def test_recist_without_size_progression_and_unrecorded_new_lesions_is_not_evaluable():
    m = measures(d_baseline=50.0, d_first_eval=52.0, new_lesions=None, new_lesion_organs=None,
                 new_organ_involved=None)
    assert recist_progression_first_eval(m).value is None
    # but size progression decides it even without new-lesion data
    assert recist_progression_first_eval(replace(m, d_first_eval=70.0)).value is True


def test_recist_without_first_evaluation_is_not_evaluable():
    call = recist_progression_first_eval(measures(d_first_eval=None))
    assert call.value is None and "no first evaluation" in call.reason


# --- Champiat 2017 -----------------------------------------------------------------------------

def test_champiat_true_false_and_boundary():
    assert hpd_champiat_2017(measures(tgr_ref=10.0, tgr_exp=20.0)).value is True   # ratio 2.0
    assert hpd_champiat_2017(measures(tgr_ref=10.0, tgr_exp=19.9)).value is False
    # acceleration without RECIST progression is not Champiat HPD
    no_pd = measures(tgr_ref=10.0, tgr_exp=40.0, d_first_eval=55.0)
    assert hpd_champiat_2017(no_pd).value is False


def test_champiat_with_nonpositive_reference_follows_the_policy():
    shrinking = measures(tgr_ref=-20.0, tgr_exp=60.0)
    call = hpd_champiat_2017(shrinking)
    assert call.value is None and "not meaningful" in call.reason
    accelerated = replace(shrinking, nonpositive_reference="accelerated")
    assert hpd_champiat_2017(accelerated).value is True
    still_shrinking = measures(tgr_ref=-20.0, tgr_exp=-5.0, d_first_eval=49.0,
                               nonpositive_reference="accelerated")
    assert hpd_champiat_2017(still_shrinking).value is False


def test_champiat_not_evaluable_without_pre_baseline_unless_no_progression():
    assert hpd_champiat_2017(measures(tgr_ref=UNKNOWN)).value is None
    # no RECIST progression already decides "false" (Kleene conjunction)
    assert hpd_champiat_2017(measures(tgr_ref=UNKNOWN, d_first_eval=50.0)).value is False


# --- Ferrara 2018 and Kas 2020 -------------------------------------------------------------------

def test_ferrara_needs_progression_and_delta_tgr_above_50():
    assert hpd_ferrara_2018(measures(tgr_ref=10.0, tgr_exp=61.0)).value is True   # Δ 51
    assert hpd_ferrara_2018(measures(tgr_ref=10.0, tgr_exp=60.0)).value is False  # Δ 50, not > 50
    assert hpd_ferrara_2018(measures(tgr_ref=10.0, tgr_exp=90.0, d_first_eval=51.0)).value is False


def test_ferrara_and_kas_use_delta_tgr_with_shrinking_reference():
    # TGR_ref -20.91, TGR_exp 62.44: Δ 83.35 (ratio undefined, difference is not)
    m = measures(tgr_ref=-20.91, tgr_exp=62.44, d_baseline=60.0, d_first_eval=75.0)
    assert hpd_ferrara_2018(m).value is True
    assert hpd_kas_2020(m).value is False


def test_kas_threshold_is_strict():
    assert hpd_kas_2020(measures(tgr_ref=0.0, tgr_exp=100.0)).value is False
    assert hpd_kas_2020(measures(tgr_ref=0.0, tgr_exp=100.5)).value is True      # +60 %: PD
    assert hpd_kas_2020(measures(tgr_ref=UNKNOWN)).value is None


def test_kas_needs_recist_progression_stable_disease_is_not_hpd():
    """+16 % at first evaluation is stable disease; a steeply shrinking reference period
    (TGR_ref -80) puts ΔTGR above 100 all the same. Kas assessed HPD among progressors: not HPD."""
    m = measures(tgr_ref=-80.0, tgr_exp=25.0, d_baseline=50.0, d_first_eval=58.0)  # +16 %, Δ 105
    assert m.delta_tgr.value > 100
    assert recist_progression_first_eval(m).value is False
    call = hpd_kas_2020(m)
    assert call.value is False and "not >= 20 % and >= 5 mm" in call.reason
    # a new lesion makes it RECIST progression, and then ΔTGR > 100 is HPD by Kas
    assert hpd_kas_2020(replace(m, new_lesions=1)).value is True
    # no progression decides it even when ΔTGR cannot be computed
    assert hpd_kas_2020(replace(m, delta_tgr=UNKNOWN)).value is False
    # progression not evaluable (new lesions not recorded) with ΔTGR > 100: not evaluable
    unknown_new = replace(m, new_lesions=None, new_lesion_organs=None, new_organ_involved=None)
    assert hpd_kas_2020(unknown_new).value is None
    assert DEFINITIONS["kas_2020"].summary.startswith("RECIST 1.1 progression")


# --- Saâda-Bouzid 2017 ---------------------------------------------------------------------------

def test_saada_bouzid_tgk_ratio():
    assert hpd_saada_bouzid_2017(measures(tgk_ref=3.0, tgk_exp=6.0)).value is True
    assert hpd_saada_bouzid_2017(measures(tgk_ref=3.0, tgk_exp=5.9)).value is False
    call = hpd_saada_bouzid_2017(measures(tgk_ref=0.0, tgk_exp=5.0))
    assert call.value is None and "not meaningful" in call.reason


# --- Kato 2017 ------------------------------------------------------------------------------------

def test_kato_needs_all_three_criteria():
    # +52 %, pace 2.5
    base = {"tgk_ref": 2.0, "tgk_exp": 5.0, "d_baseline": 50.0, "d_first_eval": 76.0}
    assert hpd_kato_2017(measures(**base, ttf_months=1.5)).value is True
    assert hpd_kato_2017(measures(**base, ttf_months=2.0)).value is False     # TTF not < 2
    # +50 %: not > 50
    assert hpd_kato_2017(measures(**{**base, "d_first_eval": 75.0})).value is False
    assert hpd_kato_2017(measures(**{**base, "tgk_exp": 4.0})).value is False  # pace 2.0: not > 2


def test_kato_not_evaluable_when_censored_before_two_months():
    m = measures(tgk_ref=2.0, tgk_exp=5.0, d_first_eval=80.0, ttf_months=1.2, ttf_event=False)
    call = hpd_kato_2017(m)
    assert call.value is None and "censored" in call.reason


# --- Lo Russo 2019 --------------------------------------------------------------------------------

def test_lo_russo_three_of_five():
    # TTF < 2 (yes), +60 % (yes), 2 new lesions in involved organs (yes), no spread, ECOG < 2
    m = measures(d_first_eval=80.0, new_lesions=2, new_lesion_organs=1)
    call = hpd_lo_russo_2019(m)
    assert call.value is True and call.reason.startswith("3 of 5")
    assert hpd_lo_russo_2019(replace(m, new_lesions=1)).value is False     # only 2 of 5


def test_lo_russo_new_lesions_only_in_the_new_organ_do_not_count_twice():
    m = measures(d_first_eval=55.0, new_lesions=3, new_lesion_organs=1, new_organ_involved=True,
                 ttf_months=3.0, ecog_ps2_within_2mo=True, ecog_baseline=1)
    # spread (yes) + ECOG (yes); the 3 new lesions all lie in the new organ -> 2 of 5
    assert hpd_lo_russo_2019(m).value is False
    # organs not recorded: the in-involved-organ criterion is unknown and could make 3
    assert hpd_lo_russo_2019(replace(m, new_lesion_organs=None)).value is None


def test_lo_russo_ecog_and_ttf_unknown():
    m = measures(d_first_eval=80.0, new_lesions=0, ttf_months=None, ecog_ps2_within_2mo=None)
    assert hpd_lo_russo_2019(m).value is None   # 1 yes, 2 unknown: could reach 3
    m2 = measures(d_first_eval=55.0, new_lesions=0, ttf_months=None, ecog_ps2_within_2mo=None)
    assert hpd_lo_russo_2019(m2).value is False  # 0 yes, 2 unknown: cannot reach 3


@pytest.mark.parametrize("baseline, within_2mo, expected", [
    (1, True, True),       # PS 1 -> >= 2 within 2 months: deterioration
    (0, True, True),
    (2, True, False),      # already PS 2 at baseline: not a deterioration to PS >= 2
    (3, True, False),
    (None, True, None),    # baseline not recorded: cannot be decided
    (None, False, False),  # never reached PS >= 2: false whatever the baseline
    (1, False, False),
    (2, None, None),       # on-treatment PS not recorded
])
def test_lo_russo_ecog_is_deterioration_from_baseline(baseline, within_2mo, expected):
    m = measures(ecog_baseline=baseline, ecog_ps2_within_2mo=within_2mo)
    assert lo_russo_ecog_deterioration(m).value is expected


def test_lo_russo_patient_already_at_ps2_does_not_meet_the_ecog_criterion():
    # TTF < 2 (yes), +60 % (yes), no new lesions, no spread: the ECOG criterion decides
    m = measures(d_first_eval=80.0, new_lesions=0, ecog_ps2_within_2mo=True, ecog_baseline=2)
    call = hpd_lo_russo_2019(m)
    assert call.value is False and "already 2 at baseline" in call.reason
    assert hpd_lo_russo_2019(replace(m, ecog_baseline=1)).value is True
    assert hpd_lo_russo_2019(replace(m, ecog_baseline=None)).value is None


# --- Matos 2020 (provisional) ---------------------------------------------------------------------

def test_matos_provisional_rules():
    assert DEFINITIONS["matos_2020"].provisional is True
    assert hpd_matos_2020(measures(d_first_eval=70.5)).value is True              # +41 %
    assert hpd_matos_2020(measures(d_first_eval=70.0)).value is False             # +40 % not > 40
    with_new = measures(d_first_eval=61.0, new_lesions=2, new_lesion_organs=2)   # +22 %, 2 organs
    assert hpd_matos_2020(with_new).value is True
    assert hpd_matos_2020(replace(with_new, new_lesion_organs=1)).value is False
    assert hpd_matos_2020(replace(with_new, new_lesion_organs=None)).value is None
    assert hpd_matos_2020(replace(with_new, new_lesion_organs=None, new_lesions=1)).value is False


# --- early failure -------------------------------------------------------------------------------

@pytest.mark.parametrize("ttf, event, expected", [
    (1.9, True, True), (2.0, True, False), (5.0, False, False), (1.9, False, None),
    (None, True, None), (1.0, None, None), (3.0, None, False),
])
def test_early_failure(ttf, event, expected):
    assert early_failure(measures(ttf_months=ttf, ttf_event=event)).value is expected


def test_definitions_registry():
    assert [d.column for d in DEFINITIONS.values()] == [
        "hpd_champiat_2017", "hpd_ferrara_2018", "hpd_kas_2020", "hpd_saada_bouzid_2017",
        "hpd_kato_2017", "hpd_lo_russo_2019", "hpd_matos_2020", "early_failure"]
    assert [d.name for d in DEFINITIONS.values() if d.provisional] == ["matos_2020"]
    assert resolve_definition("hpd_kas_2020").name == "kas_2020"
    assert resolve_definition("Kas-2020").name == "kas_2020"
    with pytest.raises(KeyError, match="choose one of"):
        resolve_definition("smith_2099")


# --- end to end through the tables (hpd-classify) -------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "hpd_definitions"


def _classified(case: str):
    return classify_hpd(FIXTURES / f"{case}_measurements.tsv",
                        FIXTURES / f"{case}_patients.tsv").table().set_index("patient_id")


def test_kas_stable_disease_with_delta_tgr_over_100_is_not_hpd_end_to_end():
    """200 mm -> 50 mm over the 60 days before ICI, then +16 % (50 -> 58 mm) on ICI: stable
    disease. TGR_ref is about -88 and TGR_exp +25, so ΔTGR is about 113, above Kas's 100."""
    patient = _classified("kas_stable_disease_delta_tgr_over_100").loc["SD16"]
    assert patient["pct_change_first_eval"] == pytest.approx(16.0)
    assert patient["delta_tgr"] > 100
    assert not patient["recist_pd_first_eval"]
    assert patient["hpd_kas_2020"] == False  # noqa: E712 - nullable boolean False
    assert "not >= 20 % and >= 5 mm" in patient["hpd_kas_2020_reason"]


def test_lo_russo_ecog_needs_deterioration_end_to_end():
    """Three patients alike (TTF 1.5 months, +60 %, no new lesions, no spread; ECOG 3 within two
    months) except the baseline ECOG PS: 2 (already), 1, and not recorded."""
    table = _classified("ecog_already_ps2_at_baseline")
    assert table.loc["PS2", "hpd_lo_russo_2019"] == False  # noqa: E712 - 2 of 5
    assert "already 2 at baseline" in table.loc["PS2", "hpd_lo_russo_2019_reason"]
    assert table.loc["PS1", "hpd_lo_russo_2019"] == True  # noqa: E712 - 3 of 5
    assert pd.isna(table.loc["PSNA", "hpd_lo_russo_2019"])
    assert "baseline ECOG PS not recorded" in table.loc["PSNA", "hpd_lo_russo_2019_reason"]
