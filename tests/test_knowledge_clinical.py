"""The knowledge base's clinical rules (CLIN_*): the bundled six, their validation, extend/replace,
the sha256, and the ``knowledge show|validate`` commands.

The expected studies per rule are read off the review table in ``../shared/CLINICAL_FACTORS.md``
(Ding et al. 2022, Table 1, column "Factors reported with HPD").
"""
from __future__ import annotations

import copy
import dataclasses
import json
import logging
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.clinical.factors import FLAG_FACTORS, RULE_FACTORS
from hpdgenomics.errors import KnowledgeError
from hpdgenomics.knowledge import load_knowledge, validate_knowledge_file
from hpdgenomics.model import ClinicalCriterion, ClinicalRule

BUNDLED_YAML = Path(__file__).resolve().parents[1] / "annotations" / "knowledge.yaml"
CLINICAL_IDS = ["CLIN_METS_GT2", "CLIN_LIVER_METS", "CLIN_LDH_GT_ULN", "CLIN_ECOG_GE2",
                "CLIN_RMH_GE2", "CLIN_NLR_HIGH"]
DING_DOI = "10.20517/cdr.2021.104"

# rule -> the primary studies whose "Factors reported with HPD" cell names the rule's factor
# (by review reference number); the review itself is cited in every rule besides these
SUPPORTING_REFS = {
    "CLIN_METS_GT2": {"21", "17", "20", "9", "26", "110", "23", "118"},
    "CLIN_LIVER_METS": {"21", "17", "20", "23", "26"},
    "CLIN_LDH_GT_ULN": {"21", "20", "26", "23"},
    "CLIN_ECOG_GE2": {"20", "26", "112"},
    "CLIN_RMH_GE2": {"21", "26"},
    "CLIN_NLR_HIGH": {"14", "23", "116", "118"},
}
# Kas et al. [15] names these factors as tested and not predictive; Park et al. [22] reports none
KAS_TESTED = {"CLIN_METS_GT2", "CLIN_LDH_GT_ULN", "CLIN_RMH_GE2"}


def ref_number(citation) -> str | None:
    marker = "(ref. "
    if marker not in citation.reference:
        return None
    return citation.reference.split(marker)[1].split(" ")[0]


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


# --- the bundled six --------------------------------------------------------------------------

def test_bundled_version_and_the_six_clinical_rules(kb):
    declared = yaml.safe_load(BUNDLED_YAML.read_text(encoding="utf-8"))
    assert kb.version == declared["version"] == "2026.12.1"
    assert [r.id for r in kb.clinical_rules] == CLINICAL_IDS
    assert [r["id"] for r in declared["clinical_rules"]] == CLINICAL_IDS
    assert all(isinstance(r, ClinicalRule) for r in kb.clinical_rules)
    assert isinstance(kb.clinical_rules, tuple)
    # genomic rules are untouched and carry no CLIN_ id
    assert not any(r.id.startswith("CLIN_") for r in kb.rules)


@pytest.mark.parametrize("rule_id, factor, operator, threshold", [
    ("CLIN_METS_GT2", "metastatic_sites", ">", 2),
    ("CLIN_LIVER_METS", "liver_metastases", "==", True),
    ("CLIN_LDH_GT_ULN", "ldh_ratio", ">", 1),
    ("CLIN_ECOG_GE2", "ecog", ">=", 2),
    ("CLIN_RMH_GE2", "rmh_score", ">=", 2),
    ("CLIN_NLR_HIGH", "nlr", ">=", 5),
])
def test_bundled_criteria(kb, rule_id, factor, operator, threshold):
    criterion = kb.clinical_rule(rule_id).criterion
    assert (criterion.factor, criterion.operator, criterion.threshold) == \
        (factor, operator, threshold)
    assert type(criterion.threshold) is type(threshold)      # true stays a bool, 2 a number
    assert criterion.label
    if factor in FLAG_FACTORS:
        assert factor == "liver_metastases"
    elif not factor.endswith("_score"):
        assert factor in RULE_FACTORS


def test_rmh_score_has_its_three_parts(kb):
    rule = kb.clinical_rule("CLIN_RMH_GE2")
    assert rule.score_parts == (
        ClinicalCriterion("ldh_ratio", ">", 1, "LDH > ULN"),
        ClinicalCriterion("albumin_g_l", "<", 35, "albumin < 35 g/L"),
        ClinicalCriterion("metastatic_sites", ">", 2, "> 2 metastatic sites"),
    )
    assert "Arkenau" in rule.threshold_source and "Ding" in rule.threshold_source
    assert all(not r.score_parts for r in kb.clinical_rules if r.id != "CLIN_RMH_GE2")


@pytest.mark.parametrize("rule_id", CLINICAL_IDS)
def test_bundled_citations_are_honest_about_the_review(kb, rule_id):
    rule = kb.clinical_rule(rule_id)
    assert rule.evidence_level == "secondary source"
    ding = [c for c in rule.supporting if c.doi == DING_DOI]
    assert len(ding) == 1 and ding[0].verified and "Ding P" in ding[0].reference
    primaries = [c for c in rule.supporting + rule.neutral_or_contrary if c.doi != DING_DOI]
    for citation in primaries:
        assert citation.verified is False, citation.reference
        assert citation.summary.startswith("As tabulated by Ding et al. 2022"), citation.reference
        assert citation.pmid is None and citation.doi is None   # none of them was checked
    assert {ref_number(c) for c in rule.supporting if c.doi != DING_DOI} == \
        SUPPORTING_REFS[rule_id]
    contrary = {ref_number(c): c for c in rule.neutral_or_contrary}
    assert rule.neutral_or_contrary and set(contrary) <= {"15", "22"}
    assert "22" in contrary and "no clinical factor" in contrary["22"].summary
    if rule_id in KAS_TESTED:
        assert "not predictive" in contrary["15"].summary or \
            "none of the clinical factors" in contrary["15"].summary
        assert "Kas" in rule.not_meaning or "Kas" in contrary["15"].reference


@pytest.mark.parametrize("rule_id", CLINICAL_IDS)
def test_bundled_meaning_and_not_meaning(kb, rule_id):
    rule = kb.clinical_rule(rule_id)
    assert rule.title and rule.threshold_source
    assert "contraindicat" not in rule.meaning.lower()
    text = " ".join(rule.not_meaning.split())
    assert "general prognostic" in text and "not specific to immunotherapy" in text
    assert "never a contraindication" in text


def test_nlr_threshold_source_says_the_cut_is_the_projects(kb):
    source = " ".join(kb.clinical_rule("CLIN_NLR_HIGH").threshold_source.split())
    assert "varying cuts" in source
    assert "chosen by this project" in source and "NOT taken from the cited studies" in source
    assert "Override" in source


def test_clinical_rule_lookup_and_to_dict(kb):
    with pytest.raises(KnowledgeError, match="no clinical rule with id 'CLIN_AGE'"):
        kb.clinical_rule("CLIN_AGE")
    data = json.loads(json.dumps(kb.to_dict()))
    assert [r["id"] for r in data["clinical_rules"]] == CLINICAL_IDS
    rmh = data["clinical_rules"][4]
    assert rmh["criterion"] == {"factor": "rmh_score", "operator": ">=", "threshold": 2,
                                "label": "RMH score >= 2"}
    assert [p["label"] for p in rmh["score_parts"]] == ["LDH > ULN", "albumin < 35 g/L",
                                                        "> 2 metastatic sites"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        kb.clinical_rules[0].criterion.threshold = 99


# --- validation: each problem names the file, the rule and the field ----------------------------

def valid_rule(**changes) -> dict:
    rule = {
        "id": "CLIN_AGE_GE75",
        "title": "Age 75 or older",
        "evidence_level": "secondary source",
        "criterion": {"factor": "age", "operator": ">=", "threshold": 75, "label": "age >= 75"},
        "threshold_source": "a test cut",
        "supporting": [{"reference": "Example A et al. 2020", "summary": "found it"}],
        "neutral_or_contrary": [{"reference": "Example B et al. 2021", "summary": "did not"}],
        "meaning": "The patient was 75 or older.",
        "not_meaning": "Age is a general prognostic factor; never a contraindication.",
    }
    rule.update(changes)
    return rule


def rmh_like(**changes) -> dict:
    """A valid three-part score rule (the RMH score's shape), with ``changes`` applied."""
    score = {"id": "CLIN_SCORE_TEST",
             "criterion": {"factor": "test_score", "operator": ">=", "threshold": 2,
                           "label": "score >= 2"},
             "score_parts": [
                 {"factor": "ldh_ratio", "operator": ">", "threshold": 1, "label": "LDH"},
                 {"factor": "albumin_g_l", "operator": "<", "threshold": 35, "label": "alb"},
                 {"factor": "metastatic_sites", "operator": ">", "threshold": 2,
                  "label": "sites"}]}
    return valid_rule(**{**score, **changes})


def user_file(tmp_path, clinical_rules, rules=None, name="clinical_case.yaml") -> Path:
    doc = {"schema_version": 1, "version": "2026.12.5", "name": "clinical-test",
           "clinical_rules": clinical_rules}
    if rules is not None:
        doc["rules"] = rules
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def without(key):
    rule = valid_rule()
    del rule[key]
    return rule


def with_criterion(**changes):
    return valid_rule(criterion={**valid_rule()["criterion"], **changes})


def genomic_rule(rule_id):
    return {"id": rule_id, "title": "AKT1 E17K", "genes": ["AKT1"], "caution_level": "low",
            "evidence_level": "case report",
            "variant_criteria": [{"label": "E17K", "grade": "strong", "caution_level": "low",
                                  "protein_changes": ["p.E17K"]}],
            "supporting": [{"reference": "Example C 2019", "summary": "a case"}],
            "meaning": "AKT1 E17K.", "not_meaning": "Not a contraindication."}


# case -> (clinical_rules, genomic rules or None, fragments that must all be in one problem)
CASES = {
    "missing_threshold_source": ([without("threshold_source")], None,
                                 ["clinical rule CLIN_AGE_GE75: threshold_source",
                                  "missing required field"]),
    "missing_criterion": ([without("criterion")], None,
                          ["clinical rule CLIN_AGE_GE75: criterion", "missing required field"]),
    "missing_not_meaning": ([without("not_meaning")], None,
                            ["clinical rule CLIN_AGE_GE75: not_meaning", "missing"]),
    "missing_supporting": ([valid_rule(supporting=[])], None,
                           ["clinical rule CLIN_AGE_GE75: supporting", "missing required field"]),
    "empty_neutral_or_contrary": ([valid_rule(neutral_or_contrary=[])], None,
                                  ["clinical rule CLIN_AGE_GE75: neutral_or_contrary",
                                   "missing required field", "Kas"]),
    "unknown_field": ([valid_rule(caution_level="high")], None,
                      ["clinical rule CLIN_AGE_GE75: caution_level", "unknown field"]),
    "id_without_prefix": ([valid_rule(id="AGE_GE75")], None,
                          ["clinical rule AGE_GE75: id", "not a clinical rule id", "CLIN_"]),
    "id_lower_case": ([valid_rule(id="CLIN_age")], None,
                      ["clinical rule CLIN_age: id", "not a clinical rule id"]),
    "duplicate_id": ([valid_rule(), valid_rule(title="again")], None,
                     ["clinical rule CLIN_AGE_GE75: id", "duplicate rule id"]),
    "genomic_rule_with_clin_prefix": ([valid_rule()], [genomic_rule("CLIN_AKT1")],
                                      ["rule CLIN_AKT1: id", "reserved for clinical rules"]),
    "id_shared_with_a_genomic_rule": ([valid_rule()], [genomic_rule("CLIN_AGE_GE75")],
                                      ["clinical rule CLIN_AGE_GE75: id",
                                       "already used by a genomic rule"]),
    "unknown_operator": ([with_criterion(operator="=>")], None,
                         ["clinical rule CLIN_AGE_GE75: criterion.operator",
                          "unknown operator '=>'", ">="]),
    "unknown_factor": ([with_criterion(factor="ldh")], None,
                       ["clinical rule CLIN_AGE_GE75: criterion.factor", "unknown factor 'ldh'",
                        "ldh_ratio"]),
    "score_without_parts": ([with_criterion(factor="rmh_score")], None,
                            ["clinical rule CLIN_AGE_GE75: criterion.factor", "'rmh_score'",
                             "no score_parts"]),
    "parts_but_criterion_not_a_score": (
        [rmh_like(criterion={"factor": "age", "operator": ">=", "threshold": 2, "label": "x"})],
        None, ["clinical rule CLIN_SCORE_TEST: criterion.factor", "must end in _score"]),
    "score_part_is_a_score": (
        [rmh_like(score_parts=[{"factor": "other_score", "operator": ">=", "threshold": 1,
                                "label": "nested"}] + rmh_like()["score_parts"][1:])],
        None, ["clinical rule CLIN_SCORE_TEST: score_parts[0].factor",
               "may not itself be a score"]),
    "score_part_unknown_factor": (
        [rmh_like(score_parts=rmh_like()["score_parts"][:2] + [
            {"factor": "sites", "operator": ">", "threshold": 2, "label": "sites"}])],
        None, ["clinical rule CLIN_SCORE_TEST: score_parts[2].factor", "unknown factor 'sites'"]),
    "score_parts_empty": ([rmh_like(score_parts=[])], None,
                          ["clinical rule CLIN_SCORE_TEST: score_parts", "non-empty list"]),
    "score_threshold_above_the_parts": (
        [rmh_like(criterion={"factor": "test_score", "operator": ">=", "threshold": 4,
                             "label": "score >= 4"})],
        None, ["clinical rule CLIN_SCORE_TEST: criterion.threshold", "cannot be reached",
               "0 to 3"]),
    "score_greater_than_all_parts": (
        [rmh_like(criterion={"factor": "test_score", "operator": ">", "threshold": 3,
                             "label": "score > 3"})],
        None, ["clinical rule CLIN_SCORE_TEST: criterion.threshold", "cannot be reached"]),
    "score_threshold_negative": (
        [rmh_like(criterion={"factor": "test_score", "operator": ">=", "threshold": -1,
                             "label": "score >= -1"})],
        None, ["clinical rule CLIN_SCORE_TEST: criterion.threshold", "cannot be reached"]),
    "threshold_text": ([with_criterion(threshold="seventy")], None,
                       ["clinical rule CLIN_AGE_GE75: criterion.threshold",
                        "expected a number, found 'seventy'"]),
    "threshold_infinite": ([with_criterion(threshold=float("inf"))], None,
                           ["clinical rule CLIN_AGE_GE75: criterion.threshold",
                            "not a finite number"]),
    "boolean_threshold_for_a_number": ([with_criterion(threshold=True)], None,
                                       ["clinical rule CLIN_AGE_GE75: criterion.threshold",
                                        "only for yes/no factors"]),
    "flag_with_a_number": ([with_criterion(factor="liver_metastases", operator="==",
                                           threshold=1)], None,
                           ["clinical rule CLIN_AGE_GE75: criterion.threshold",
                            "liver_metastases is a yes/no factor"]),
    "flag_with_an_order_operator": ([with_criterion(factor="liver_metastases", operator=">=",
                                                    threshold=True)], None,
                                    ["clinical rule CLIN_AGE_GE75: criterion.operator",
                                     "use =="]),
    "criterion_without_label": ([with_criterion(label="")], None,
                                ["clinical rule CLIN_AGE_GE75: criterion.label",
                                 "missing required field"]),
    "criterion_unknown_key": ([with_criterion(unit="years")], None,
                              ["clinical rule CLIN_AGE_GE75: criterion.unit", "unknown field"]),
    "unknown_evidence_level": ([valid_rule(evidence_level="strong")], None,
                               ["clinical rule CLIN_AGE_GE75: evidence_level", "'strong'",
                                "secondary source"]),
    "citation_without_summary": ([valid_rule(supporting=[{"reference": "Example A 2020"}])],
                                 None, ["clinical rule CLIN_AGE_GE75: supporting[0].summary",
                                        "missing required field"]),
    "citation_bad_doi": ([valid_rule(neutral_or_contrary=[
        {"reference": "Example B 2021", "summary": "did not", "doi": "cdr.2021.104"}])],
        None, ["clinical rule CLIN_AGE_GE75: neutral_or_contrary[0].doi", "is not a DOI"]),
    "contraindication_in_meaning": ([valid_rule(meaning="Checkpoint inhibitors are "
                                                        "contraindicated.")], None,
                                    ["clinical rule CLIN_AGE_GE75: meaning", "contraindication"]),
    "clinical_rules_not_a_list": ({"id": "CLIN_X"}, None,
                                  ["clinical_rules", "expected a list of clinical rules"]),
    "rule_not_a_mapping": (["CLIN_X"], None, ["clinical_rules[0]", "expected a mapping"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_clinical_problem_names_file_rule_and_field(tmp_path, case):
    clinical, genomic, fragments = CASES[case]
    path = user_file(tmp_path, clinical, genomic, name=f"{case}.yaml")
    with pytest.raises(KnowledgeError) as caught:
        validate_knowledge_file(path)
    problems = caught.value.problems
    matching = [p for p in problems if all(f in p for f in fragments)]
    assert matching, problems
    assert all(p.startswith(f"{path}: ") for p in matching)
    assert caught.value.path == str(path)


def test_every_problem_of_one_clinical_rule_is_reported_together(tmp_path):
    rule = valid_rule(evidence_level="strong", neutral_or_contrary=[],
                      criterion={"factor": "ldh", "operator": "=>", "threshold": "high",
                                 "label": "LDH"})
    with pytest.raises(KnowledgeError) as caught:
        validate_knowledge_file(user_file(tmp_path, [rule]))
    fields = ["evidence_level", "neutral_or_contrary", "criterion.factor", "criterion.operator",
              "criterion.threshold"]
    for field in fields:
        assert any(f"clinical rule CLIN_AGE_GE75: {field}:" in p for p in caught.value.problems), \
            (field, caught.value.problems)
    assert len(caught.value.problems) == len(fields)


@pytest.mark.parametrize("criterion", [
    {"factor": "test_score", "operator": "<=", "threshold": 1, "label": "score <= 1"},
    {"factor": "test_score", "operator": "==", "threshold": 3, "label": "score == 3"},
    {"factor": "test_score", "operator": ">", "threshold": 0, "label": "score > 0"},
])
def test_reachable_score_thresholds_are_valid(tmp_path, criterion):
    kb = validate_knowledge_file(user_file(tmp_path, [rmh_like(criterion=criterion)]))
    assert kb.clinical_rule("CLIN_SCORE_TEST").criterion == ClinicalCriterion(**criterion)
    assert len(kb.clinical_rule("CLIN_SCORE_TEST").score_parts) == 3


def test_a_flag_rule_with_false_is_valid(tmp_path):
    rule = with_criterion(factor="liver_metastases", operator="==", threshold=False,
                          label="no liver metastases")
    kb = validate_knowledge_file(user_file(tmp_path, [rule]))
    assert kb.clinical_rule("CLIN_AGE_GE75").criterion.threshold is False


# --- extend / replace -------------------------------------------------------------------------

def test_extend_overrides_a_bundled_clinical_rule_by_id(tmp_path, kb, caplog):
    nlr = yaml.safe_load(BUNDLED_YAML.read_text(encoding="utf-8"))["clinical_rules"][5]
    assert nlr["id"] == "CLIN_NLR_HIGH"
    nlr["criterion"] = {**nlr["criterion"], "threshold": 3, "label": "NLR >= 3"}
    nlr["threshold_source"] = "our centre's cut"
    with caplog.at_level(logging.INFO, logger="hpdgenomics.knowledge.base"):
        extended = load_knowledge(user_file(tmp_path, [nlr]), mode="extend")
    assert [r.id for r in extended.clinical_rules] == CLINICAL_IDS       # same place
    assert extended.clinical_rule("CLIN_NLR_HIGH").criterion.threshold == 3
    assert kb.clinical_rule("CLIN_NLR_HIGH").criterion.threshold == 5
    for rule_id in CLINICAL_IDS[:5]:
        assert extended.clinical_rule(rule_id) == kb.clinical_rule(rule_id)
    assert extended.rules == kb.rules
    assert "replaces bundled clinical rule CLIN_NLR_HIGH" in caplog.text


def test_extend_adds_a_new_clinical_rule_after_the_bundled_ones(tmp_path, kb):
    extended = load_knowledge(user_file(tmp_path, [valid_rule()]))
    assert [r.id for r in extended.clinical_rules] == CLINICAL_IDS + ["CLIN_AGE_GE75"]
    assert extended.clinical_rule("CLIN_AGE_GE75").criterion == \
        ClinicalCriterion("age", ">=", 75, "age >= 75")


def test_extend_with_a_file_without_clinical_rules_keeps_the_bundled_ones(kb):
    fixture = Path(__file__).parent / "fixtures" / "knowledge" / "valid_extension.yaml"
    assert "clinical_rules" not in yaml.safe_load(fixture.read_text())
    assert load_knowledge(fixture).clinical_rules == kb.clinical_rules


def test_replace_uses_only_the_files_clinical_rules(tmp_path):
    fixture = Path(__file__).parent / "fixtures" / "knowledge" / "replace_minimal.yaml"
    assert load_knowledge(fixture, mode="replace").clinical_rules == ()
    replaced = load_knowledge(user_file(tmp_path, [valid_rule()], [genomic_rule("AKT1_E17K")]),
                              mode="replace")
    assert [r.id for r in replaced.clinical_rules] == ["CLIN_AGE_GE75"]
    assert [r.id for r in replaced.rules] == ["AKT1_E17K"]


# --- sha256 -------------------------------------------------------------------------------------

def test_sha256_follows_a_clinical_threshold(tmp_path, kb):
    doc = yaml.safe_load(BUNDLED_YAML.read_text(encoding="utf-8"))
    same = tmp_path / "same.yaml"
    same.write_text("# reformatted copy\n" + yaml.safe_dump(doc, sort_keys=False,
                                                           allow_unicode=True), encoding="utf-8")
    assert load_knowledge(same, mode="replace").sha256 == kb.sha256
    changed_doc = copy.deepcopy(doc)
    changed_doc["clinical_rules"][3]["criterion"]["threshold"] = 3      # ECOG >= 3
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(changed_doc, sort_keys=False, allow_unicode=True),
                       encoding="utf-8")
    loaded = load_knowledge(changed, mode="replace")
    assert loaded.clinical_rule("CLIN_ECOG_GE2").criterion.threshold == 3
    assert loaded.rules == kb.rules and loaded.copy_number == kb.copy_number
    assert loaded.sha256 != kb.sha256


# --- the CLI ------------------------------------------------------------------------------------

def test_cli_validate_refuses_a_bad_clinical_rule_with_the_field_named(tmp_path):
    path = user_file(tmp_path, [with_criterion(operator="=>")])
    result = CliRunner().invoke(cli, ["knowledge", "validate", str(path)])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "clinical rule CLIN_AGE_GE75: criterion.operator" in lines[0]
    assert "'=>'" in lines[0]


def test_cli_validate_counts_the_clinical_rules(tmp_path):
    result = CliRunner().invoke(cli, ["knowledge", "validate",
                                      str(user_file(tmp_path, [valid_rule()]))])
    assert result.exit_code == 0, result.stderr
    assert "7 clinical rules" in result.stdout


def test_cli_show_lists_the_clinical_rules(kb):
    result = CliRunner().invoke(cli, ["knowledge", "show"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    genomic, clinical = text.split("\nClinical rules", 1)
    assert "MDM2_AMP" in genomic and "CLIN_" not in genomic
    assert "never change the genomic caution level" in clinical.splitlines()[0]
    lines = clinical.splitlines()[1:]
    for rule in kb.clinical_rules:
        line = next(line for line in lines if line.startswith(rule.id + "\t"))
        assert rule.title in line and "evidence: secondary source" in line
    assert any(line.startswith("CLIN_LIVER_METS\tliver_metastases == true\t") for line in lines)
    assert any(line.startswith("CLIN_NLR_HIGH\tnlr >= 5\t") for line in lines)
    parts = [line.strip() for line in lines if "1 point:" in line]
    assert parts == ["1 point: LDH > ULN (ldh_ratio > 1)",
                     "1 point: albumin < 35 g/L (albumin_g_l < 35)",
                     "1 point: > 2 metastatic sites (metastatic_sites > 2)"]


def test_cli_show_json_has_the_clinical_rules(kb):
    result = CliRunner().invoke(cli, ["knowledge", "show", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sha256"] == kb.sha256
    assert [r["id"] for r in data["clinical_rules"]] == CLINICAL_IDS
    assert data["clinical_rules"][1]["criterion"]["threshold"] is True
