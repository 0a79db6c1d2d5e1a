"""The patient-factor reader (``screen --patient FILE``): YAML, key/value tables as spreadsheets
export them, wide tables with one or several patients, missing values, units and unit mix-ups.
Every malformed file is refused naming the file, the line and the key."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from hpdgenomics.clinical.factors import FactorProblems, build_factors
from hpdgenomics.errors import ClinicalDataError
from hpdgenomics.io.patient import read_patient_factors

PATIENTS = Path(__file__).parent / "fixtures" / "patients"
MALFORMED = Path(__file__).parent / "fixtures" / "malformed" / "patient"   # the corpus's too


def read(name: str, **kwargs):
    folder = PATIENTS if (PATIENTS / name).is_file() else MALFORMED
    return read_patient_factors(folder / name, **kwargs)


def refused(name: str, **kwargs) -> str:
    with pytest.raises(ClinicalDataError) as caught:
        read(name, **kwargs)
    message = str(caught.value)
    assert name in message
    return message


def test_yaml_with_a_site_list_derives_liver_and_the_ratios():
    factors = read("all_criteria_met.yaml", sample_id="PT001_TUMOR")
    assert factors.values["metastatic_sites"] == 3
    assert factors.sites == ("liver", "bone", "adrenal")
    assert factors.value("liver_metastases") is True            # from the site list
    assert factors.value("ldh_ratio") == pytest.approx(512 / 246, rel=1e-4)
    assert factors.value("nlr") == pytest.approx(8.4 / 1.2, rel=1e-4)
    assert factors.values["measured_on"] == dt.date(2024, 3, 1)
    assert factors.values["tumor_type"] == "NSCLC (adenocarcinoma)"
    assert factors.warnings == []


def test_key_value_spreadsheet_export_with_crlf_bom_and_a_unit_column():
    factors = read("spreadsheet_export_key_value_crlf_bom_unit_column.tsv")
    assert factors.values["patient_id"] == "PT001"              # the BOM is not in the key
    assert factors.values["albumin_g_l"] == pytest.approx(32.0)  # "3.2" with unit g/dL
    assert "3.2 g/dL" in factors.notes["albumin_g_l"]
    assert factors.values["liver_metastases"] is True           # "Yes"
    assert factors.value("ldh_ratio") == pytest.approx(310 / 250)
    assert factors.value("nlr") == pytest.approx(6.1 / 1.6, rel=1e-4)


def test_wide_semicolon_table_with_decimal_commas():
    factors = read("wide_semicolon_decimal_comma.csv", sample_id="PT001_TUMOR")
    assert factors.values["ldh"] == pytest.approx(265.5)
    assert factors.values["albumin_g_l"] == pytest.approx(36.4)
    assert factors.values["nlr"] == pytest.approx(4.8)
    assert factors.values["age"] == pytest.approx(71.5)
    assert factors.values["liver_metastases"] is False


def test_multi_patient_table_picks_the_row_by_sample_then_by_patient_id():
    by_sample = read("multi_patient_wide.tsv", sample_id="PT001_TUMOR")
    assert by_sample.values["patient_id"] == "PT001" and by_sample.values["ecog"] == 2
    assert "line 3" in by_sample.source
    by_patient = read("multi_patient_wide.tsv", patient_id="PT003")
    assert by_patient.values["tumor_type"] == "RCC" and by_patient.values["metastatic_sites"] == 3
    message = refused("multi_patient_wide.tsv", patient_id="pt002")
    assert "no row has sample_id or patient_id 'pt002'" in message and "'PT002'" in message
    message = refused("multi_patient_wide.tsv")
    assert "3 patient rows" in message and "--patient-id" in message


def test_missing_values_are_not_assessed_never_absent():
    factors = read("missing_values_na_not_available_blank.tsv")
    assert factors.values == {"patient_id": "PT001", "metastatic_sites": 3, "ldh_uln": 250.0,
                              "ecog": 2, "age": 58.0}
    for key in ("liver_metastases", "ldh", "albumin_g_l", "neutrophils", "nlr"):
        assert factors.value(key) is None
    assert factors.reason("ldh_ratio") == "ldh_uln given without ldh"
    assert factors.reason("nlr") == "nlr (or neutrophils and lymphocytes) not given"


def test_counts_per_microlitre_with_their_unit_are_converted():
    factors = read("neutrophils_per_ul_with_unit.tsv")
    assert factors.values["neutrophils"] == pytest.approx(4.5)
    assert factors.values["lymphocytes"] == pytest.approx(0.9)
    assert factors.value("nlr") == pytest.approx(5.0)


@pytest.mark.parametrize("name, phrases", [
    ("albumin_g_dl_under_g_l_key.yaml", ["line 3: key 'albumin_g_l'", "what g/dL would give"]),
    ("neutrophils_per_ul_bare_number.tsv", ["line 2: key 'neutrophils'", "cells per microlitre",
                                            "line 3: key 'lymphocytes'"]),
    ("unknown_key_with_suggestion.yaml", ["line 2: key 'albumine_g_l'",
                                          "did you mean 'albumin_g_l'?"]),
    ("ecog_5_out_of_range.yaml", ["line 2: key 'ecog'", "outside the plausible range (0 to 4)"]),
    ("nlr_disagrees_with_counts.yaml", ["line 3: key 'nlr'", "disagrees with neutrophils"]),
    ("liver_contradicts_site_list.yaml", ["line 2: key 'liver_metastases'",
                                          "'yes' contradicts metastatic_sites"]),
])
def test_malformed_files_are_refused_naming_line_and_key(name, phrases):
    message = refused(name)
    for phrase in phrases:
        assert phrase in message, (phrase, message)


def test_a_file_of_another_sample_is_refused():
    message = refused("sample_id_of_another_sample.yaml", sample_id="PT001_TUMOR")
    assert "key 'sample_id' is 'PT002_TUMOR', but the screened sample is 'PT001_TUMOR'" in message


def test_measured_after_ici_start_is_a_warning():
    factors = read("measured_after_ici_start.yaml")
    assert factors.warnings == ["factors measured 21 day(s) after ICI start (2024-04-02 > "
                                "2024-03-12): they are not pre-treatment values"]


def test_every_problem_is_listed_at_once():
    with pytest.raises(FactorProblems) as caught:
        build_factors({"ecog": "5", "albumin_g_l": "3.1", "ldh_ul": "300"}, source="x")
    assert [key for key, _ in caught.value.problems] == ["ecog", "albumin_g_l", "ldh_ul"]


# --- docs/clinical.md documents the vocabulary, and nothing else ------------------------------

def _range(factor) -> str:
    if factor.minimum is None and factor.maximum is None:
        return ""
    low = f"above {factor.minimum:g}" if factor.minimum_exclusive else f"{factor.minimum:g}"
    return f"{low} to {factor.maximum:g}"


def test_the_key_table_of_docs_clinical_md_is_the_vocabulary():
    from hpdgenomics.clinical.factors import FACTORS, UNIT_KEYS

    text = (Path(__file__).resolve().parents[1] / "docs" / "clinical.md").read_text("utf-8")
    table = text.split("## Keys", 1)[1].split("\n\n")
    rows = next(block for block in table if block.startswith("| Key |")).splitlines()[2:]
    documented = {}
    for row in rows:
        key, label, kind, unit, span, aliases, _description = \
            [cell.strip() for cell in row.strip("|").split("|")]
        documented[key.strip("`")] = (label, kind, unit, span, aliases)
    assert list(documented) == list(FACTORS)
    for key, factor in FACTORS.items():
        label, kind, unit, span, aliases = documented[key]
        assert (label, kind, unit, span) == (factor.label, factor.kind, factor.unit,
                                             _range(factor)), key
        names = set(re.findall(r"`([a-z0-9_]+)`", aliases))
        assert names == set(factor.aliases) | {k for k, (to, _) in UNIT_KEYS.items()
                                               if to == key}, key
