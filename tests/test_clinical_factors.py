"""The patient-factor vocabulary (hpdgenomics.clinical.factors) and the CLIN_* rule evaluation
(hpdgenomics.clinical.evaluate), on values as clinics write them."""
from __future__ import annotations

import datetime as dt

import pytest

from hpdgenomics.clinical.evaluate import MET, NOT_ASSESSED, NOT_MET, evaluate_clinical
from hpdgenomics.clinical.factors import (
    FACTORS,
    FactorProblems,
    build_factors,
    factor_key,
    parse_value,
)
from hpdgenomics.model import ClinicalCriterion as C
from hpdgenomics.model import ClinicalRule

RMH = ClinicalRule("CLIN_RMH_GE2", "RMH score >= 2", "secondary source", C("rmh_score", ">=", 2),
                   score_parts=(C("ldh_ratio", ">", 1, "LDH > ULN"),
                                C("albumin_g_l", "<", 35, "albumin < 35 g/L"),
                                C("metastatic_sites", ">", 2, "> 2 metastatic sites")))
RULES = [
    ClinicalRule("CLIN_METS_GT2", "> 2 sites", "secondary source", C("metastatic_sites", ">", 2)),
    ClinicalRule("CLIN_LIVER_METS", "liver", "secondary source",
                 C("liver_metastases", "==", True)),
    ClinicalRule("CLIN_LDH_GT_ULN", "LDH > ULN", "secondary source", C("ldh_ratio", ">", 1)),
    ClinicalRule("CLIN_ECOG_GE2", "ECOG >= 2", "secondary source", C("ecog", ">=", 2)),
    RMH,
    ClinicalRule("CLIN_NLR_HIGH", "NLR >= 5", "secondary source", C("nlr", ">=", 5)),
]


def statuses(raw: dict) -> dict[str, str]:
    evaluation = evaluate_clinical(build_factors(raw, source="test"), RULES)
    return {rule["rule_id"]: rule["status"] for rule in evaluation.rules}


# --- values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "raw", "expected"), [
    ("albumin_g_l", "34", 34.0),
    ("Albumin (g/L)", "34.5", 34.5),
    ("albumin_g_l", "3.4 g/dL", 34.0),            # a stated unit is converted
    ("Albumin (g/dL)", "3.4", 34.0),              # so is a unit in the column name
    ("neutrophils", "4500 /uL", 4.5),
    ("neutrophils", "4.5 x10^9/L", 4.5),
    ("ldh", "5.2 ukat/L", 312.0),
    ("ecog", "2", 2),
    ("ecog", 1.0, 1),                             # a spreadsheet's 1.0
    ("liver_metastases", "Yes", True),
    ("liver_metastases", "N", False),
    ("age", "67 years", 67.0),
    ("measured_on", "2024-03-01", dt.date(2024, 3, 1)),
    ("ldh", "NA", None),
    ("ldh", "[Not Available]", None),
    ("ecog", "", None),
])
def test_values_are_parsed_to_the_factor_unit(name, raw, expected):
    assert parse_value(name, raw) == expected


def test_decimal_comma_only_where_the_file_uses_semicolons():
    assert parse_value("albumin_g_l", "34,5", decimal_comma=True) == 34.5
    with pytest.raises(ValueError, match="decimal comma"):
        parse_value("albumin_g_l", "34,5")


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("albumin_g_l", "3.4", "g/dL"),               # the unit mix-up the issue names
    ("albumin_g_dl", "34", "g/L"),                # and its mirror image
    ("neutrophils", "4500", "per microlitre"),
    ("lymphocytes", "1200", "per microlitre"),
    ("age", "1956", "year of birth"),
    ("ecog", "5", "ECOG 5 means dead"),
    ("ecog", "1.5", "whole number"),
    ("ldh", "-20", "plausible range"),
    ("metastatic_sites", "45", "plausible range"),
    ("lymphocytes", "0", "plausible range"),      # NLR would divide by zero
    ("albumin_g_l", "34 mmol/L", "unit 'mmol/L'"),
    ("neutrophils", "65%", "percentage"),
    ("ldh", "inf", "not a number"),
    ("liver_metastases", "maybe", "not yes/no"),
    ("measured_on", "04/03/2021", "YYYY-MM-DD"),
])
def test_implausible_values_are_refused_with_the_reason(name, raw, message):
    with pytest.raises(ValueError, match=message):
        parse_value(name, raw)


def test_every_alias_and_key_maps_to_one_factor():
    for key, factor in FACTORS.items():
        assert factor_key(key) == key
        for alias in factor.aliases:
            assert factor_key(alias) == key, alias
    assert factor_key("LDH (U/L)") == "ldh"
    assert factor_key("ECOG PS") == "ecog"
    assert factor_key("albumn") is None


def test_site_list_counts_distinct_sites_and_implies_liver():
    factors = build_factors({"metastatic_sites": ["Liver", "bone", "liver", "adrenal"]},
                            source="t")
    assert factors.values["metastatic_sites"] == 3
    assert factors.sites == ("liver", "bone", "adrenal")
    assert factors.value("liver_metastases") is True
    factors = build_factors({"metastatic_sites": "lung; bone"}, source="t")
    assert factors.values["metastatic_sites"] == 2
    assert factors.value("liver_metastases") is False     # a full enumeration without liver


def test_problems_are_collected_and_name_each_key():
    with pytest.raises(FactorProblems) as caught:
        build_factors({"albumn": "30", "ecog": "7", "nlr": "2", "neutrophils": "6",
                       "lymphocytes": "1", "metastatic_sites": "liver; bone",
                       "liver_metastases": "no"}, source="t")
    keys = [key for key, _ in caught.value.problems]
    assert keys == ["albumn", "ecog", "liver_metastases", "nlr"]
    assert "did you mean 'albumin'" in str(caught.value)


def test_an_unknown_key_is_ignored_only_when_not_strict():
    factors = build_factors({"OS_MONTHS": "12", "ecog": "1"}, source="t", strict=False)
    assert factors.values == {"ecog": 1}


def test_the_same_factor_twice_is_refused():
    with pytest.raises(FactorProblems, match="given twice"):
        build_factors({"albumin_g_l": "34", "Albumin (g/dL)": "3.4"}, source="t")


def test_dates_before_and_after_ici_start():
    late = build_factors({"measured_on": "2024-03-10", "ici_start": "2024-03-08"}, source="t")
    assert any("after ICI start" in w for w in late.warnings)
    old = build_factors({"measured_on": "2023-01-10", "ici_start": "2024-03-08"}, source="t")
    assert any("days before ICI start" in w for w in old.warnings)
    with pytest.raises(FactorProblems, match="future"):
        build_factors({"measured_on": "2024-03-10"}, source="t", today=dt.date(2024, 1, 1))


# --- rules ----------------------------------------------------------------------------------------

def test_each_rule_met_not_met_and_not_assessed():
    assert statuses({"metastatic_sites": "3", "liver_metastases": "yes", "ldh": "300",
                     "ldh_uln": "250", "ecog": "2", "albumin_g_l": "30", "nlr": "5"}) == \
        dict.fromkeys([r.id for r in RULES], MET)
    assert statuses({"metastatic_sites": "2", "liver_metastases": "no", "ldh": "250",
                     "ldh_uln": "250", "ecog": "1", "albumin_g_l": "35", "nlr": "4.99"}) == \
        dict.fromkeys([r.id for r in RULES], NOT_MET)
    assert statuses({}) == dict.fromkeys([r.id for r in RULES], NOT_ASSESSED)


def test_ldh_needs_its_upper_limit_of_normal():
    evaluation = evaluate_clinical(build_factors({"ldh": "400"}, source="t"), RULES)
    ldh = next(r for r in evaluation.rules if r["rule_id"] == "CLIN_LDH_GT_ULN")
    assert ldh["status"] == NOT_ASSESSED and "ldh_uln" in ldh["reason"]


def test_nlr_is_computed_from_the_counts():
    evaluation = evaluate_clinical(build_factors({"neutrophils": "6.0", "lymphocytes": "1.2"},
                                                 source="t"), RULES)
    nlr = next(r for r in evaluation.rules if r["rule_id"] == "CLIN_NLR_HIGH")
    assert nlr["status"] == MET and nlr["value"] == pytest.approx(5.0)


@pytest.mark.parametrize(("raw", "status", "points"), [
    # complete: the Royal Marsden score is the number of parts met
    ({"ldh": "300", "ldh_uln": "250", "albumin_g_l": "30", "metastatic_sites": "1"}, MET, (2, 2)),
    ({"ldh": "200", "ldh_uln": "250", "albumin_g_l": "30", "metastatic_sites": "1"}, NOT_MET,
     (1, 1)),
    # partial but decided: two points already, or at most one whatever is missing
    ({"ldh": "300", "ldh_uln": "250", "albumin_g_l": "30"}, MET, (2, 3)),
    ({"albumin_g_l": "40", "metastatic_sites": "2"}, NOT_MET, (0, 1)),
    # partial and undecided
    ({"albumin_g_l": "30", "metastatic_sites": "2"}, NOT_ASSESSED, (1, 2)),
])
def test_rmh_score_with_its_parts(raw, status, points):
    evaluation = evaluate_clinical(build_factors(raw, source="t"), [RMH])
    rule = evaluation.rules[0]
    assert rule["status"] == status
    assert (rule["score"]["points_min"], rule["score"]["points_max"]) == points
    assert [p["label"] for p in rule["score"]["parts"]] == \
        ["LDH > ULN", "albumin < 35 g/L", "> 2 metastatic sites"]


def test_without_patient_factors_every_rule_is_not_assessed():
    evaluation = evaluate_clinical(None, RULES)
    assert not evaluation.provided
    assert {r["status"] for r in evaluation.rules} == {NOT_ASSESSED}
    assert evaluation.counts == {MET: 0, NOT_MET: 0, NOT_ASSESSED: len(RULES)}
    assert "not assessed" in evaluation.summary()
    data = evaluation.to_dict()
    assert "do not change the genomic caution level" in data["statement"]
    assert all(f["status"] == NOT_ASSESSED for f in data["factors"])
