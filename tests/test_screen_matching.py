"""The rule-matching engine on hand-built rules: ordering of graded criteria, AND within a
criterion, loss rules with LOH, copy-number criteria and co-occurrence."""
from __future__ import annotations

from hpdgenomics.model import (
    Consequence,
    CopyNumberCall,
    CopyNumberCriterion,
    GeneCopyNumber,
    Rule,
    VariantCall,
    VariantCriterion,
)
from hpdgenomics.screen.coverage import AssayCoverage
from hpdgenomics.screen.matching import match_rules, variant_meets

EGFR = Rule(
    id="EGFR_MUT", title="EGFR", genes=("EGFR",), caution_level="high", evidence_level="cohort",
    variant_criteria=(
        VariantCriterion("exon 19 in-frame deletion", "strong", "high",
                         consequences=("inframe_deletion",), exons=(19,)),
        VariantCriterion("known activating", "strong", "high",
                         protein_changes=("p.L858R", "p.T790M"), protein_pattern=None),
        VariantCriterion("G719X", "strong", "high", protein_pattern=r"p\.G719[A-Z]"),
        VariantCriterion("other non-synonymous", "supporting", "low",
                         consequences=("missense", "inframe_deletion", "nonsense")),
    ))
STK11 = Rule(
    id="STK11_LOSS", title="STK11 loss", genes=("STK11",), caution_level="moderate",
    evidence_level="small cohort",
    variant_criteria=(VariantCriterion("truncating", "strong", "moderate",
                                       consequences=("nonsense", "frameshift", "splice_site")),),
    copy_number_criteria=(CopyNumberCriterion("deep deletion", "strong", "moderate",
                                              calls=("deep_deletion",)),))
KRAS = Rule(id="KRAS_MUT", title="KRAS", genes=("KRAS",), caution_level="low",
            evidence_level="small cohort",
            variant_criteria=(VariantCriterion("hotspot", "strong", "low", hotspot=True),))
CO = Rule(id="KRAS_STK11_CO", title="co", genes=("KRAS", "STK11"), caution_level="moderate",
          evidence_level="cohort subgroup", requires_all=("KRAS_MUT", "STK11_LOSS"))
MDM2 = Rule(id="MDM2_AMP", title="MDM2 amp", genes=("MDM2",), caution_level="high",
            evidence_level="cohort",
            copy_number_criteria=(CopyNumberCriterion("amplification", "strong", "high",
                                                      calls=("amplification",)),))
RULES = (EGFR, STK11, KRAS, CO, MDM2)


def variant(gene, change, consequence, exon=None, hotspot=None):
    return VariantCall(chrom="7", pos=1, ref="A", alt="T", gene=gene, protein_change=change,
                       consequence=Consequence(consequence), exon=exon, hotspot=hotspot)


def test_first_matching_criterion_wins_so_known_mutation_is_strong():
    outcome = match_rules(RULES, [variant("EGFR", "p.L858R", "missense", exon=21)], {})
    [alteration] = outcome.alterations
    assert (alteration.criterion, alteration.grade, alteration.caution_level) == \
        ("known activating", "strong", "high")


def test_other_missense_is_supporting_with_lower_caution():
    [alteration] = match_rules(RULES, [variant("EGFR", "p.A289V", "missense", exon=7)],
                               {}).alterations
    assert alteration.grade == "supporting" and alteration.caution_level == "low"


def test_every_constraint_of_a_criterion_must_hold():
    exon20_deletion = variant("EGFR", "p.D770del", "inframe_deletion", exon=20)
    assert not variant_meets(exon20_deletion, EGFR.variant_criteria[0])
    [alteration] = match_rules(RULES, [exon20_deletion], {}).alterations
    assert alteration.criterion == "other non-synonymous"


def test_protein_pattern_is_anchored():
    assert variant_meets(variant("EGFR", "p.G719S", "missense"), EGFR.variant_criteria[2])
    assert not variant_meets(variant("EGFR", "p.G7190S", "missense"), EGFR.variant_criteria[2])


def test_synonymous_and_other_genes_do_not_match():
    outcome = match_rules(RULES, [variant("EGFR", "p.T790=", "synonymous"),
                                  variant("TP53", "p.R175H", "missense")], {})
    assert outcome.alterations == [] and outcome.matched_variant_ids == set()


def test_missense_with_loh_counts_as_biallelic_loss_but_not_alone():
    missense = variant("STK11", "p.D194Y", "missense")
    assert match_rules(RULES, [missense], {}).alterations == []
    loh = GeneCopyNumber(gene="STK11", call=CopyNumberCall.SHALLOW_LOSS, copy_number=1.0, loh=True)
    [alteration] = match_rules(RULES, [missense], {"STK11": loh}).alterations
    assert alteration.evidence_type == "variant_with_loh"
    assert alteration.copy_number["loh"] is True


def test_deep_deletion_and_amplification_match_copy_number_criteria():
    calls = {"STK11": GeneCopyNumber("STK11", CopyNumberCall.DEEP_DELETION, copy_number=0.1),
             "MDM2": GeneCopyNumber("MDM2", CopyNumberCall.AMPLIFICATION, copy_number=24.0),
             "EGFR": GeneCopyNumber("EGFR", CopyNumberCall.GAIN, copy_number=4.0)}
    found = {(a.rule_id, a.gene, a.consequence) for a in match_rules(RULES, [], calls).alterations}
    assert found == {("STK11_LOSS", "STK11", "deep_deletion"),
                     ("MDM2_AMP", "MDM2", "amplification")}


def test_a_gene_less_variant_or_an_uncalled_gene_matches_nothing():
    # a MAF row without Hugo_Symbol, and copy number not evaluable (no coverage)
    geneless = variant(None, "p.L858R", "missense", exon=21, hotspot="p.L858R")
    uncalled = {"MDM2": GeneCopyNumber("MDM2", None)}
    assert match_rules(RULES, [geneless], uncalled).alterations == []
    assert AssayCoverage("--genes", {"EGFR": 1.0}).is_covered(None) is False


def test_co_occurrence_needs_every_component():
    kras = variant("KRAS", "p.G12C", "missense", hotspot="p.G12C")
    stop = variant("STK11", "p.Q37*", "nonsense")
    assert "KRAS_STK11_CO" not in {a.rule_id for a in match_rules(RULES, [kras], {}).alterations}
    both = match_rules(RULES, [kras, stop], {}).alterations
    [co] = [a for a in both if a.rule_id == "KRAS_STK11_CO"]
    assert co.gene == "KRAS+STK11" and len(co.components) == 2
    # both components matched strongly: the rule's own level holds, above KRAS_MUT's "low"
    assert (co.grade, co.caution_level, co.note) == ("strong", "moderate", None)


KRAS_GRADED = Rule(
    id="KRAS_MUT", title="KRAS", genes=("KRAS",), caution_level="low", evidence_level="cohort",
    variant_criteria=(VariantCriterion("hotspot", "strong", "low", hotspot=True),
                      VariantCriterion("other missense", "supporting", "low",
                                       consequences=("missense",))))
STK11_HIGH = Rule(
    id="STK11_LOSS", title="STK11 loss", genes=("STK11",), caution_level="high",
    evidence_level="cohort",
    variant_criteria=(VariantCriterion("truncating", "strong", "high",
                                       consequences=("nonsense",)),))
CO_HIGH = Rule(id="KRAS_STK11_CO", title="co", genes=("KRAS", "STK11"), caution_level="high",
               evidence_level="cohort", requires_all=("KRAS_MUT", "STK11_LOSS"))


def test_co_occurrence_with_a_supporting_component_is_capped_at_that_component():
    other_kras = variant("KRAS", "p.A146X", "missense")          # matches only "other missense"
    stop = variant("STK11", "p.Q37*", "nonsense")
    found = match_rules((KRAS_GRADED, STK11_HIGH, CO_HIGH), [other_kras, stop], {}).alterations
    [co] = [a for a in found if a.rule_id == "KRAS_STK11_CO"]
    assert co.grade == "supporting"
    assert co.caution_level == "low"                 # KRAS component's level, below the rule's high
    assert "lowered from the rule's high to low" in co.note


def test_co_occurrence_of_strong_components_takes_the_rule_level():
    kras = variant("KRAS", "p.G12C", "missense", hotspot="p.G12C")
    stop = variant("STK11", "p.Q37*", "nonsense")
    low_rule = Rule(id="KRAS_STK11_CO", title="co", genes=("KRAS", "STK11"), caution_level="low",
                    evidence_level="cohort", requires_all=("KRAS_MUT", "STK11_LOSS"))
    found = match_rules((KRAS_GRADED, STK11_HIGH, low_rule), [kras, stop], {}).alterations
    [co] = [a for a in found if a.rule_id == "KRAS_STK11_CO"]
    assert (co.grade, co.caution_level) == ("strong", "low")
