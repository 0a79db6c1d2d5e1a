"""Apply the knowledge-base rules to one sample's variants and gene copy-number calls.

A rule's criteria are tried in the order the knowledge base lists them and the first that matches
wins, so a known activating EGFR mutation is reported as the strong match, not also as "other
non-synonymous". Within one criterion every stated constraint must hold.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import (
    NON_SYNONYMOUS,
    TRUNCATING,
    Consequence,
    CopyNumberCall,
    CopyNumberCriterion,
    GeneCopyNumber,
    Rule,
    VariantCall,
    VariantCriterion,
)
from ..report.model import CAUTION_ORDER, Alteration, citation_dict, copy_number_dict

LOH_QUALIFYING = TRUNCATING | {Consequence.MISSENSE}
GRADE_ORDER: dict[str | None, int] = {"strong": 2, "supporting": 1}   # no grade ranks 0


def _strip_p(change: str | None) -> str | None:
    if not change:
        return None
    return change[2:] if change.startswith("p.") else change


def variant_meets(variant: VariantCall, criterion: VariantCriterion) -> bool:
    """True when every constraint the criterion states holds for the variant."""
    if criterion.protein_changes:
        wanted = {_strip_p(p) for p in criterion.protein_changes}
        if _strip_p(variant.protein_change) not in wanted:
            return False
    if criterion.protein_pattern:
        change = variant.protein_change or ""
        if not re.fullmatch(criterion.protein_pattern, change):
            return False
    if criterion.consequences:
        if variant.consequence.value not in criterion.consequences:
            return False
    if criterion.exons:
        if variant.exon is None or variant.exon not in criterion.exons:
            return False
    if criterion.hotspot and not variant.hotspot:
        return False
    return True


def first_variant_criterion(variant: VariantCall, rule: Rule) -> VariantCriterion | None:
    if variant.gene not in rule.genes:
        return None
    for criterion in rule.variant_criteria:
        if variant_meets(variant, criterion):
            return criterion
    return None


def first_copy_number_criterion(gene_cn: GeneCopyNumber, rule: Rule) -> CopyNumberCriterion | None:
    if gene_cn.call is None:
        return None
    for criterion in rule.copy_number_criteria:
        genes = criterion.genes or rule.genes
        if gene_cn.gene in genes and gene_cn.call.value in criterion.calls:
            return criterion
    return None


def _base(rule: Rule, gene: str, criterion, evidence_type: str) -> dict:
    return dict(rule_id=rule.id, rule_title=rule.title, gene=gene, evidence_type=evidence_type,
                criterion=criterion.label, grade=criterion.grade,
                caution_level=criterion.caution_level, evidence_level=rule.evidence_level,
                supporting=[citation_dict(c) for c in rule.supporting],
                neutral_or_contrary=[citation_dict(c) for c in rule.neutral_or_contrary],
                meaning=rule.meaning, not_meaning=rule.not_meaning)


def _variant_fields(variant: VariantCall) -> dict:
    return dict(protein_change=variant.protein_change, consequence=variant.consequence.value,
                hgvsc=variant.hgvsc, transcript=variant.transcript,
                transcript_choice=variant.transcript_choice, chrom=variant.chrom, pos=variant.pos,
                ref=variant.ref, alt=variant.alt, vaf=variant.vaf, depth=variant.depth,
                filter=variant.filter, hotspot=variant.hotspot, record=variant.record,
                annotation_source=variant.annotation_source)


def _change_text(alteration: Alteration) -> str:
    """The protein change of a matched alteration, else its consequence in words."""
    if alteration.protein_change:
        return alteration.protein_change
    if alteration.consequence is None:   # every match above records its consequence
        raise RuntimeError(f"{alteration.rule_id}: {alteration.gene} alteration without a "
                           "consequence (a bug)")
    return alteration.consequence.replace("_", " ")


def describe_variant(variant: VariantCall) -> str:
    change = variant.protein_change or variant.hgvsc or variant.consequence.value
    if variant.pos is None:
        return f"{variant.gene} {change}"
    return f"{variant.gene} {change} ({variant.chrom}:{variant.pos} {variant.ref}>{variant.alt})"


@dataclass
class MatchOutcome:
    alterations: list[Alteration]
    matched_variant_ids: set[int]      # id() of variants that matched at least one rule


def match_rules(rules: tuple[Rule, ...], variants: list[VariantCall],
                gene_copy_numbers: dict[str, GeneCopyNumber]) -> MatchOutcome:
    """Every (rule, evidence) match, co-occurrence rules last."""
    alterations: list[Alteration] = []
    matched: set[int] = set()
    by_rule: dict[str, list[Alteration]] = {}

    for rule in rules:
        if rule.requires_all:
            continue
        found: list[Alteration] = []
        rule_matched: set[int] = set()
        for variant in variants:
            criterion = first_variant_criterion(variant, rule)
            if criterion is None or variant.gene is None:   # a gene-less variant matches no rule
                continue
            matched.add(id(variant))
            rule_matched.add(id(variant))
            alteration = Alteration(**_base(rule, variant.gene, criterion, "variant"),
                                    **_variant_fields(variant))
            gene_cn = gene_copy_numbers.get(variant.gene)
            if gene_cn is not None and gene_cn.loh and variant.consequence in LOH_QUALIFYING \
                    and rule.copy_number_criteria:
                alteration.note = ("with loss of heterozygosity at the gene: likely biallelic "
                                   "inactivation")
                alteration.copy_number = copy_number_dict(gene_cn)
            found.append(alteration)

        # A missense (not truncating) variant only counts for a loss rule together with LOH.
        loss_rule = any(CopyNumberCall.DEEP_DELETION.value in c.calls
                        for c in rule.copy_number_criteria)
        if loss_rule:
            for variant in variants:
                if variant.gene not in rule.genes or id(variant) in rule_matched:
                    continue
                gene_cn = gene_copy_numbers.get(variant.gene)
                if (gene_cn is not None and gene_cn.loh and variant.consequence in LOH_QUALIFYING
                        and variant.consequence in NON_SYNONYMOUS):
                    matched.add(id(variant))
                    strongest = rule.copy_number_criteria[0]
                    found.append(Alteration(
                        **{**_base(rule, variant.gene, strongest, "variant_with_loh"),
                           "criterion": "variant with loss of heterozygosity (biallelic loss)"},
                        **_variant_fields(variant), copy_number=copy_number_dict(gene_cn),
                        note="a heterozygous variant plus loss of the other allele"))

        for gene_cn in gene_copy_numbers.values():
            cn_criterion = first_copy_number_criterion(gene_cn, rule)
            if cn_criterion is None or gene_cn.call is None:   # no call matches no criterion
                continue
            found.append(Alteration(**_base(rule, gene_cn.gene, cn_criterion, "copy_number"),
                                    consequence=gene_cn.call.value,
                                    copy_number=copy_number_dict(gene_cn)))
        by_rule[rule.id] = found
        alterations.extend(found)

    for rule in rules:
        if not rule.requires_all:
            continue
        parts = [by_rule.get(rule_id, []) for rule_id in rule.requires_all]
        if all(parts):
            components = [f"{a.rule_id}: {a.gene} {_change_text(a)}"
                          for part in parts for a in part]
            genes = sorted({a.gene for part in parts for a in part})
            # Each component contributes its best match, and the combination is only as strong
            # as its weakest component. The rule's own caution (which may exceed a component's:
            # the combination is the evidence) holds when every component matched strongly;
            # a component matched only as "supporting" caps it at that component's level.
            best = [max(part, key=lambda a: (GRADE_ORDER.get(a.grade, 0),
                                             CAUTION_ORDER.get(a.caution_level, 0)))
                    for part in parts]
            grade = min((a.grade for a in best), key=lambda g: GRADE_ORDER.get(g, 0))
            weak = [a.caution_level for a in best if a.grade != "strong"]
            level = min([rule.caution_level, *weak], key=lambda lvl: CAUTION_ORDER.get(lvl, 0))
            alterations.append(Alteration(
                rule_id=rule.id, rule_title=rule.title, gene="+".join(genes),
                evidence_type="co_occurrence", criterion="all of " + ", ".join(rule.requires_all),
                grade=grade, caution_level=level,
                evidence_level=rule.evidence_level, components=components,
                supporting=[citation_dict(c) for c in rule.supporting],
                neutral_or_contrary=[citation_dict(c) for c in rule.neutral_or_contrary],
                meaning=rule.meaning, not_meaning=rule.not_meaning,
                note=None if level == rule.caution_level else
                f"caution lowered from the rule's {rule.caution_level} to {level}: a component "
                "matched only a supporting criterion"))
    return MatchOutcome(alterations, matched)
