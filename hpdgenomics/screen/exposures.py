"""Which kinds of evidence and which grades of match a rule (or a gene) can be altered by.

A rule's **components** are the kinds of evidence its criteria use: ``variant`` (its variant
criteria; a variant that counts only together with loss of heterozygosity is variant evidence
too) and ``copy_number`` (its copy-number criteria). A co-occurrence rule (``requires_all``) has a
component when every rule it requires has it. ``all`` is the rule as written, every criterion.

A rule's criteria each have a **grade**, ``strong`` or ``supporting`` (for example "other
non-synonymous EGFR variant", or a DNMT3A missense variant such as the clonal-haematopoiesis
hotspot R882H). An exposure counts either ``strong``-grade matches only, or ``any`` grade (strong or
supporting).

This module only describes the rules; the statuses themselves come from the one evaluation in
:func:`hpdgenomics.screen.engine.evaluate_sample`, which uses :data:`COMPONENT_EVIDENCE` to split
its matches by component.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..model import CopyNumberCall, Rule

ALL = "all"
VARIANT, COPY_NUMBER = "variant", "copy_number"
COMPONENTS = (VARIANT, COPY_NUMBER)
STRONG, ANY = "strong", "any"

#: the ``evidence_type`` values of the alterations each component counts
COMPONENT_EVIDENCE: dict[str, frozenset[str]] = {
    VARIANT: frozenset({"variant", "variant_with_loh"}),
    COPY_NUMBER: frozenset({"copy_number"}),
}


def is_loss_rule(rule: Rule) -> bool:
    """A rule with a deep-deletion criterion: a missense variant with LOH also counts for it."""
    return any(CopyNumberCall.DEEP_DELETION.value in c.calls for c in rule.copy_number_criteria)


def _own_components(rule: Rule) -> tuple[str, ...]:
    return tuple(c for c, criteria in ((VARIANT, rule.variant_criteria),
                                       (COPY_NUMBER, rule.copy_number_criteria)) if criteria)


def _required(rule: Rule, rules_by_id: Mapping[str, Rule]) -> list[Rule]:
    return [rules_by_id[r] for r in rule.requires_all if r in rules_by_id]


def rule_components(rule: Rule, rules_by_id: Mapping[str, Rule]) -> tuple[str, ...]:
    """The components ``rule`` has (``variant``, ``copy_number``), in that order."""
    if not rule.requires_all:
        return _own_components(rule)
    required = _required(rule, rules_by_id)
    return tuple(c for c in COMPONENTS
                 if required and all(c in _own_components(r) for r in required))


def _graded_criteria(rule: Rule, component: str):
    """The criteria whose grade a match of this component can carry."""
    if component == VARIANT:
        # a missense variant with LOH is graded by the rule's first copy-number criterion
        extra = rule.copy_number_criteria[:1] if is_loss_rule(rule) else ()
        return (*rule.variant_criteria, *extra)
    if component == COPY_NUMBER:
        return rule.copy_number_criteria
    return (*rule.variant_criteria, *rule.copy_number_criteria)


def supporting_criteria(rule: Rule, component: str,
                        rules_by_id: Mapping[str, Rule]) -> list[str]:
    """Labels of the supporting-grade criteria a match of ``component`` (or ``all``) can use."""
    rules = _required(rule, rules_by_id) if rule.requires_all else [rule]
    labels = [c.label for r in rules for c in _graded_criteria(r, component)
              if c.grade != STRONG]
    return list(dict.fromkeys(labels))


def _calls_text(rules: Iterable[Rule]) -> str:
    calls = [call for r in rules for c in r.copy_number_criteria for call in c.calls]
    return " or ".join(dict.fromkeys(call.replace("_", " ") for call in calls)) or "copy number"


def _kinds(rule: Rule, rules_by_id: Mapping[str, Rule]) -> tuple[list[Rule], set[str]]:
    # a co-occurrence rule's kinds of evidence are its required rules' kinds together
    rules = _required(rule, rules_by_id) if rule.requires_all else [rule]
    return rules, {c for r in rules for c in _own_components(r)}


def is_whole_rule(rule: Rule, component: str, rules_by_id: Mapping[str, Rule]) -> bool:
    """True when the component is all the rule has (its exposure is the same as ``all``)."""
    return component == ALL or _kinds(rule, rules_by_id)[1] == {component}


def component_label(rule: Rule, component: str, rules_by_id: Mapping[str, Rule]) -> str:
    """What a component counts and what it leaves out, e.g. "variants only: deep deletion not
    assessed"."""
    if component == ALL:
        return "all criteria"
    rules, kinds = _kinds(rule, rules_by_id)
    if kinds == set(COMPONENTS):
        if component == VARIANT:
            return f"variants only: {_calls_text(rules)} not assessed"
        return "copy number only: variants not assessed"
    what = "variants" if component == VARIANT else "copy number"
    return f"{what} (the rule's only kind of criteria: same as all)"


def grade_label(supporting: list[str], grade: str) -> str:
    """What an exposure of ``grade`` counts, given the supporting criteria it could meet."""
    if grade == STRONG:
        if not supporting:
            return "strong-grade matches (the only grade)"
        return f"strong-grade matches only; supporting-grade ({'; '.join(supporting)}) not counted"
    if not supporting:
        return "strong or supporting-grade matches (no supporting criteria: same as strong)"
    return f"strong or supporting-grade matches (supporting: {'; '.join(supporting)})"


def rule_exposure_label(rule: Rule, component: str, grade: str,
                        rules_by_id: Mapping[str, Rule]) -> str:
    return (f"{component_label(rule, component, rules_by_id)}; "
            f"{grade_label(supporting_criteria(rule, component, rules_by_id), grade)}")


# --- genes ----------------------------------------------------------------------------------------

def rule_genes(rule: Rule) -> tuple[list[str], list[str]]:
    """(genes the rule's variant criteria screen, genes its copy-number criteria screen)."""
    variant_genes = list(rule.genes) if rule.variant_criteria else []
    cn_genes: list[str] = []
    for criterion in rule.copy_number_criteria:
        cn_genes.extend(g for g in (criterion.genes or rule.genes) if g not in cn_genes)
    return variant_genes, cn_genes


def gene_rules(gene: str, rules: Iterable[Rule]) -> list[Rule]:
    """The single-gene-evidence rules (not co-occurrence) that screen ``gene``."""
    return [r for r in rules if not r.requires_all and
            (gene in rule_genes(r)[0] or gene in rule_genes(r)[1])]


def gene_components(gene: str, rules: Iterable[Rule]) -> tuple[str, ...]:
    rules = gene_rules(gene, rules)
    return tuple(c for c, index in ((VARIANT, 0), (COPY_NUMBER, 1))
                 if any(gene in rule_genes(r)[index] for r in rules))


def gene_supporting_criteria(gene: str, component: str, rules: Iterable[Rule]) -> list[str]:
    labels = []
    for rule in gene_rules(gene, rules):
        variant_genes, cn_genes = rule_genes(rule)
        if component in (ALL, VARIANT) and gene in variant_genes:
            labels += [c.label for c in _graded_criteria(rule, VARIANT) if c.grade != STRONG]
        if component in (ALL, COPY_NUMBER) and gene in cn_genes:
            labels += [c.label for c in rule.copy_number_criteria
                       if c.grade != STRONG and gene in (c.genes or rule.genes)]
    return list(dict.fromkeys(labels))


def gene_is_whole(gene: str, component: str, rules: Iterable[Rule]) -> bool:
    """As :func:`is_whole_rule`, for a gene."""
    return component == ALL or set(gene_components(gene, rules)) == {component}


def gene_component_label(gene: str, component: str, rules: Iterable[Rule]) -> str:
    """As :func:`component_label`, for a gene over the rules that screen it."""
    if component == ALL:
        return "all rules' criteria"
    if set(gene_components(gene, rules)) == set(COMPONENTS):
        return ("variants only: copy number not assessed" if component == VARIANT
                else "copy number only: variants not assessed")
    what = "variants" if component == VARIANT else "copy number"
    return f"{what} (the only kind of evidence screened: same as all)"


def gene_exposure_label(gene: str, component: str, grade: str, rules: Iterable[Rule]) -> str:
    rules = list(rules)
    return (f"{gene_component_label(gene, component, rules)}; "
            f"{grade_label(gene_supporting_criteria(gene, component, rules), grade)}")


__all__ = ["ALL", "ANY", "COMPONENTS", "COMPONENT_EVIDENCE", "COPY_NUMBER", "STRONG", "VARIANT",
           "component_label", "gene_component_label", "gene_components", "gene_exposure_label",
           "gene_rules", "gene_is_whole", "gene_supporting_criteria", "grade_label", "is_loss_rule",
           "is_whole_rule", "rule_components",
           "rule_exposure_label", "rule_genes", "supporting_criteria"]
