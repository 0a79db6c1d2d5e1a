"""Every problem in a knowledge file is reported, naming the file, the rule and the field.

One fixture per error case in tests/fixtures/knowledge/, each named for the problem it holds.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from hpdgenomics.errors import KnowledgeError
from hpdgenomics.knowledge import load_knowledge, validate_knowledge_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "knowledge"

# fixture -> text fragments every one of which must appear in one problem
CASES = {
    "unknown_rule_key.yaml": ["rule MDM2_GAIN_SITE", "evidence_levl", "unknown field"],
    "missing_not_meaning.yaml": ["rule MDM2_GAIN_SITE", "not_meaning", "missing required field"],
    "unknown_call.yaml": ["rule MDM2_GAIN_SITE", "copy_number_criteria[0].calls", "'amplified'",
                          "deep_deletion"],
    "unknown_caution_level.yaml": ["rule MDM2_GAIN_SITE", "caution_level", "'severe'"],
    "unknown_evidence_level.yaml": ["rule MDM2_GAIN_SITE", "evidence_level", "'strong evidence'",
                                    "case report"],
    "gene_not_in_panel.yaml": ["rule MDM2_GAIN_SITE", "genes", "'TP53' is not a panel gene"],
    "unknown_top_level_key.yaml": ["copy_numbers", "unknown top-level key"],
    "unknown_copy_number_key.yaml": ["copy_number.amplification.min_copy", "min_copies"],
    "caution_above_criteria.yaml": ["rule MDM2_GAIN_SITE", "caution_level", "'high'",
                                    "highest criterion level is 'low'"],
    "duplicate_rule_id.yaml": ["rule MDM2_GAIN_SITE", "duplicate rule id"],
    "contraindication_in_meaning.yaml": ["rule MDM2_GAIN_SITE", "meaning", "contraindication"],
    "requires_unknown_rule.yaml": ["rule KRAS_STK11_SITE", "requires_all", "'KRAS_MUTATION'"],
    "threshold_disagrees.yaml": ["rule MET_AMP_SITE", "thresholds.amplification.min_copies",
                                 "applies 5.0 to MET"],
    "invalid_yaml.yaml": ["line 6", "not valid YAML"],
    "missing_table_file.yaml": ["tables.hotspots", "no_such_hotspots.tsv"],
    "hotspot_outside_gene.yaml": ["hotspot_outside_gene.tsv", "line 3", "KRAS p.G12C GRCh37",
                                  "not inside the KRAS span"],
}


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_each_error_case_is_reported_with_file_rule_and_field(fixture):
    path = FIXTURES / fixture
    with pytest.raises(KnowledgeError) as caught:
        validate_knowledge_file(path)
    error = caught.value
    assert error.path == str(path)
    matching = [p for p in error.problems if all(part in p for part in CASES[fixture])]
    assert matching, error.problems
    # the file the problem lies in is named in the problem itself
    assert any(Path(p.split(": ")[0]).name in (fixture, "hotspot_outside_gene.tsv")
               for p in matching)
    assert "hpdgenomics knowledge validate" in str(error)


def test_all_problems_of_one_rule_are_reported_together():
    with pytest.raises(KnowledgeError) as caught:
        validate_knowledge_file(FIXTURES / "variant_criterion_errors.yaml")
    problems = caught.value.problems
    expected = [
        ("consequences", "'missens'"),
        ("protein_pattern", "bad regular expression"),
        ("protein_changes", "'p.Leu858Arg'", "one-letter"),
        ("exons", "[31]", "EGFR's 28 canonical exons (GRCh37)"),
        ("exons", "[31]", "EGFR's 28 canonical exons (GRCh38)"),
    ]
    for parts in expected:
        assert any(all(p in problem for p in parts) and "rule EGFR_SITE" in problem
                   for problem in problems), (parts, problems)
    assert len(problems) == len(expected)
    assert str(len(expected)) + " problem(s)" in str(caught.value)


def test_valid_files_pass_validation():
    for name in ("valid_extension.yaml", "valid_override_bundled_rule.yaml",
                 "replace_minimal.yaml"):
        kb = validate_knowledge_file(FIXTURES / name)
        assert str(FIXTURES / name) in kb.sources


def test_missing_file_is_a_knowledge_error(tmp_path):
    with pytest.raises(KnowledgeError, match="not found"):
        load_knowledge(tmp_path / "absent.yaml")


def test_bundled_knowledge_file_is_valid_as_a_user_file():
    # the bundled YAML given as a user file overrides every rule with itself: same content
    from hpdgenomics.knowledge import bundled_annotations_dir

    bundled = load_knowledge()
    again = validate_knowledge_file(Path(str(bundled_annotations_dir() / "knowledge.yaml")))
    assert again.sha256 == bundled.sha256
