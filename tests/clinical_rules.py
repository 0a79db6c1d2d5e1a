"""The six CLIN_* rules as ClinicalRule objects, for tests written before the bundled knowledge
base carried them (branch i12-kb). Criteria as decided for issue 12; citations are the review the
facts come from (../shared/CLINICAL_FACTORS.md) and primary studies marked not verified.

``use_rules(monkeypatch)`` makes ``screen_sample`` apply them: it replaces the engine's accessor
``hpdgenomics.screen.engine.clinical_rules``.
"""
from __future__ import annotations

from hpdgenomics.model import Citation, ClinicalCriterion, ClinicalRule

REVIEW = Citation("Ding P et al. Cancer Drug Resist 2022;5:147-64 (review, Table 1)",
                  "review of factors reported with HPD", doi="10.20517/cdr.2021.104")
KAS = Citation("Kas B et al. 2020 (NSCLC, 406 patients)",
               "none of age, LDH, albumin, > 2 metastatic sites, RMH score predicted HPD",
               verified=False)


def _rule(rule_id, title, criterion, parts=()):
    return ClinicalRule(
        id=rule_id, title=title, evidence_level="cohort association (limited, mixed)",
        criterion=criterion, score_parts=tuple(parts), threshold_source="as reported in cohorts",
        supporting=(REVIEW,), neutral_or_contrary=(KAS,),
        meaning="reported with HPD in some cohorts",
        not_meaning="not a contraindication, not specific to immunotherapy")


RULES = (
    _rule("CLIN_METS_GT2", "More than two metastatic sites",
          ClinicalCriterion("metastatic_sites", ">", 2, "> 2 metastatic sites")),
    _rule("CLIN_LIVER_METS", "Liver metastases",
          ClinicalCriterion("liver_metastases", "==", True, "liver metastases")),
    _rule("CLIN_LDH_GT_ULN", "LDH above the upper limit of normal",
          ClinicalCriterion("ldh_ratio", ">", 1, "LDH > ULN")),
    _rule("CLIN_ECOG_GE2", "ECOG performance status 2 or more",
          ClinicalCriterion("ecog", ">=", 2, "ECOG >= 2")),
    _rule("CLIN_RMH_GE2", "Royal Marsden Hospital score 2 or more",
          ClinicalCriterion("rmh_score", ">=", 2, "RMH score >= 2"),
          parts=(ClinicalCriterion("ldh_ratio", ">", 1, "LDH > ULN"),
                 ClinicalCriterion("albumin_g_l", "<", 35, "albumin < 35 g/L"),
                 ClinicalCriterion("metastatic_sites", ">", 2, "> 2 metastatic sites"))),
    _rule("CLIN_NLR_HIGH", "High neutrophil-to-lymphocyte ratio",
          ClinicalCriterion("nlr", ">=", 5, "NLR >= 5")),
)
RULE_IDS = tuple(rule.id for rule in RULES)


def use_rules(monkeypatch, rules=RULES) -> None:
    """``screen_sample`` applies ``rules`` as the knowledge base's clinical rules."""
    from hpdgenomics.screen import engine

    monkeypatch.setattr(engine, "clinical_rules", lambda kb: tuple(rules))
