"""Screen one tumour: read its inputs, apply the rules, and build the report model.

:func:`screen_sample` is what ``hpdgenomics screen`` calls; the cohort command calls it once per
manifest row. It reads, matches and decides statuses; it writes nothing (see
:mod:`hpdgenomics.report.render`).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .. import __version__
from ..errors import UsageError
from ..genome import normalize_build
from ..io.text import sha256_file
from ..model import Consequence, GeneCopyNumber, GeneStatus, Rule, VariantCall, VariantCriterion
from ..report.model import (
    CAUTION_ORDER,
    GeneResult,
    InputSummary,
    RuleResult,
    ScreenReport,
    copy_number_dict,
    variant_dict,
)
from .coverage import AssayCoverage, assumed_coverage, coverage_from_bed, coverage_from_gene_list
from .exposures import (
    COMPONENT_EVIDENCE,
    COPY_NUMBER,
    STRONG,
    VARIANT,
    component_label,
    gene_component_label,
    gene_components,
    gene_is_whole,
    gene_rules,
    is_whole_rule,
    rule_components,
    rule_genes,
)
from .matching import GRADE_ORDER, describe_variant, match_rules

if TYPE_CHECKING:
    from ..knowledge import KnowledgeBase

log = logging.getLogger(__name__)

SPLICE_WINDOW_BP = 2   # canonical splice donor/acceptor bases used for unannotated variants


@dataclass
class ScreenInputs:
    """What one sample's screen reads; mirrors the ``screen`` command's options.

    At least one of ``vcf`` and ``cnv`` (paths, ``str`` or :class:`~pathlib.Path`). ``sample``
    picks the tumour column of a multi-sample VCF (and copy-number file unless ``cnv_sample``);
    ``sample_id`` names the report; ``build`` is ``GRCh37``/``GRCh38`` (``hg19``/``hg38``
    accepted), else read from the VCF header; ``panel_bed`` *or* ``genes`` (knowledge-base
    symbols, upper case) says what the assay covered. The copy-number settings (``cnv_format``,
    ``seg_log_base``, ``purity``, ``ploidy``, ``sex``) are those of ``hpdgenomics screen``.
    """

    vcf: Path | None = None
    cnv: Path | None = None
    sample: str | None = None
    sample_id: str | None = None          # report name; default: the VCF (or CN) sample name
    build: str | None = None
    panel_bed: Path | None = None
    genes: list[str] | None = None
    include_filtered: bool = False
    cnv_format: str | None = None
    seg_log_base: float | None = None
    purity: float | None = None
    ploidy: float | None = None
    sex: str | None = None                # "male"/"female": enables copy-number calls on X/Y
    cnv_sample: str | None = None         # sample in the copy-number file; default: sample
    patient: Path | None = None           # pre-treatment clinical factors (docs/clinical.md)
    patient_id: str | None = None         # row of a multi-patient table; default: the sample id


def screen_sample(inputs: ScreenInputs, knowledge: KnowledgeBase | None = None) -> ScreenReport:
    """Screen one tumour: the function behind ``hpdgenomics screen``.

    Inputs: a :class:`ScreenInputs` and the knowledge base to apply (default: the bundled one,
    :func:`~hpdgenomics.knowledge.load_knowledge`).

    Returns a :class:`~hpdgenomics.report.model.ScreenReport`: ``caution`` (``level``,
    ``complete``, ``rules_flagged``, ``rules_not_evaluable``, ``summary``), ``alterations``,
    ``rules`` and ``genes`` with their status (altered, not_detected, not_evaluable and why),
    record accounting in ``inputs``; ``to_dict()`` is the JSON report (docs/report-schema.md).
    Writes nothing (:func:`~hpdgenomics.report.render.write_reports` does), prints nothing.

    Raises :class:`~hpdgenomics.errors.UsageError` when there is nothing to screen, the genome
    build cannot be told or contradicts the VCF, ``panel_bed`` and ``genes`` are both given or
    ``genes`` names a gene the knowledge base does not know; :class:`~hpdgenomics.errors.InputError`
    when an input file cannot be read or is not what it claims (malformed VCF, copy-number file
    or BED, tumour sample not found, implausible values).
    """
    kb = _checked_knowledge(inputs, knowledge)
    screened_genes = kb.screened_genes()
    warnings: list[str] = []
    vcf = _read_variants(inputs, kb, warnings)
    panel = kb.panel(vcf.build)
    cn = _read_copy_numbers(inputs, kb, panel, warnings)
    coverage = _assay_coverage(inputs, panel, screened_genes)
    assumptions = _coverage_notes(inputs, coverage, warnings)

    # Variants in genes the assay did not cover are not screened (they cannot be trusted as
    # evidence of presence or absence); they are kept in the accounting as off-assay.
    off_assay = [v for v in vcf.variants if not coverage.is_covered(v.gene)]
    variants = [v for v in vcf.variants if coverage.is_covered(v.gene)]
    evaluation = _evaluate(inputs, kb, panel, screened_genes, coverage, variants, cn.genes)
    _note_undetermined(evaluation.undetermined, warnings)

    summaries = _input_summaries(inputs, vcf, cn, n_off_assay=len(off_assay),
                                 n_screened=len(variants),
                                 n_unmatched=len(evaluation.unmatched_variants))
    assumptions.extend(_missing_input_assumptions(inputs))
    sample_id = _sample_id(inputs, vcf.result, cn.data)
    clinical = _clinical(inputs, sample_id, tuple(kb.clinical_rules), summaries, warnings)
    return ScreenReport(
        tool_version=__version__,
        knowledge={"name": kb.name, "version": kb.version, "sha256": kb.sha256,
                   "sources": list(kb.sources)},
        sample_id=sample_id, genome_build=vcf.build, build_source=vcf.build_source,
        inputs=summaries, caution=_caution(evaluation.alterations, evaluation.rules),
        alterations=evaluation.alterations, rules=evaluation.rules, genes=evaluation.genes,
        unmatched_variants=evaluation.unmatched_variants,
        thresholds=_thresholds(inputs, kb, coverage, cn.thresholds), assumptions=assumptions,
        warnings=_dedupe(warnings), created=_now(), clinical=clinical)


class _VariantPart(NamedTuple):
    """What the VCF gave (``result`` None without one) and the genome build in use."""

    result: object
    variants: list[VariantCall]
    build: str
    build_source: str


class _CopyNumberPart(NamedTuple):
    """What the copy-number file gave (all None / empty without one)."""

    data: object
    thresholds: object
    genes: dict[str, GeneCopyNumber]


def _checked_knowledge(inputs: ScreenInputs, knowledge: KnowledgeBase | None) -> KnowledgeBase:
    """The knowledge base to apply, after the checks of ``inputs`` that need no file read."""
    if inputs.vcf is None and inputs.cnv is None:
        raise UsageError("nothing to screen", hint="give --vcf, --cnv, or both")
    if inputs.patient_id is not None and inputs.patient is None:
        raise UsageError("patient_id picks a row of a patient file; give patient (--patient FILE)"
                         " too, or leave patient_id out")
    if knowledge is None:
        from ..knowledge import load_knowledge

        knowledge = load_knowledge()
    if inputs.genes:
        # a typo must not make every rule silently "not evaluable" (the CLI checked already)
        from ..knowledge.validate import check_gene_list, knowledge_genes

        check_gene_list(inputs.genes, knowledge_genes(knowledge), option="genes")
    return knowledge


def _read_variants(inputs: ScreenInputs, kb: KnowledgeBase, warnings: list[str]) -> _VariantPart:
    """Read the VCF (when given) and settle the genome build; its warnings join ``warnings``."""
    build = normalize_build(inputs.build) if inputs.build else None
    build_source = "--build option" if build else ""
    vcf_result, variants = None, []
    if inputs.vcf is not None:
        from ..io.vcf import read_vcf  # imported here: cyvcf2 only when a VCF is screened

        vcf_result = read_vcf(inputs.vcf, kb.panels, sample=inputs.sample, build=inputs.build,
                              include_filtered=inputs.include_filtered)
        build, build_source = vcf_result.build, vcf_result.build_source
        variants = vcf_result.variants
        warnings.extend(vcf_result.warnings)
    if build is None:
        raise UsageError("the genome build cannot be told from a copy-number file alone",
                         path=inputs.cnv, hint="pass --build GRCh37 or --build GRCh38")
    return _VariantPart(vcf_result, variants, build, build_source)


def _read_copy_numbers(inputs: ScreenInputs, kb: KnowledgeBase, panel,
                       warnings: list[str]) -> _CopyNumberPart:
    """Read the copy-number file (when given) and call every panel gene; its warnings join
    ``warnings``."""
    if inputs.cnv is None:
        return _CopyNumberPart(None, None, {})
    from ..copynumber import call_genes, thresholds_from_knowledge
    from ..io.cnv import read_copy_number

    cn_data = read_copy_number(inputs.cnv, fmt=inputs.cnv_format,
                               sample=inputs.cnv_sample or inputs.sample,
                               seg_log_base=inputs.seg_log_base)
    cn_thresholds = thresholds_from_knowledge(kb.copy_number)
    calls = call_genes(cn_data, panel, cn_thresholds, purity=inputs.purity,
                       ploidy=inputs.ploidy, sex=inputs.sex)
    warnings.extend(cn_data.warnings)
    for call in calls:
        warnings.extend(f"{call.gene}: {w}" for w in call.warnings)
    return _CopyNumberPart(cn_data, cn_thresholds, {c.gene: c for c in calls})


def _coverage_notes(inputs: ScreenInputs, coverage: AssayCoverage, warnings: list[str]
                    ) -> list[str]:
    """The assumptions the assay coverage rests on; partly covered genes join ``warnings``."""
    assumptions = []
    if coverage.assumption and inputs.vcf is not None:
        assumptions.append(coverage.assumption)
    for gene, fraction in coverage.covered_fraction.items():
        if 0 < fraction < 1:
            warnings.append(f"{gene}: only {fraction:.0%} of its coding bases are in the assay "
                            "regions; variants outside them cannot be seen")
    return assumptions


def _evaluate(inputs: ScreenInputs, kb: KnowledgeBase, panel, screened_genes: list[str],
              coverage: AssayCoverage, variants: list[VariantCall],
              gene_copy_numbers: dict[str, GeneCopyNumber]) -> SampleEvaluation:
    """The rules applied to the on-assay variants and the copy-number calls, with what each
    gene lacked to be evaluable (no VCF, not covered, no copy-number call)."""
    variant_gaps = {g: ("no VCF" if inputs.vcf is None else coverage.describe(g))
                    for g in screened_genes if inputs.vcf is None or not coverage.is_covered(g)}
    cn_gaps = {g: ("no copy-number input" if inputs.cnv is None else
                   gene_copy_numbers[g].reason if g in gene_copy_numbers else
                   "gene not in copy-number output")
               for g in screened_genes
               if g not in gene_copy_numbers or gene_copy_numbers[g].call is None}
    evaluation = evaluate_sample(kb.rules, screened_genes, variants, gene_copy_numbers,
                                 variant_gaps, cn_gaps, hotspot_changes=_hotspot_changes(panel))
    if inputs.vcf is not None:
        for gene_result in evaluation.genes:
            gene_result.assay_coverage = coverage.describe(gene_result.gene)
    return evaluation


def _note_undetermined(undetermined: list[VariantCall], warnings: list[str]) -> None:
    """One warning per coding variant whose protein effect is unknown (unannotated VCF)."""
    for variant in undetermined:
        warnings.append(f"{describe_variant(variant)}: coding variant whose protein effect "
                        "cannot be determined without annotation; the rules it could meet are "
                        "not evaluable; annotate the VCF (VEP, SnpEff, bcftools csq or "
                        "Funcotator) to screen it")


def _input_summaries(inputs: ScreenInputs, vcf: _VariantPart, cn: _CopyNumberPart, *,
                     n_off_assay: int, n_screened: int, n_unmatched: int) -> list[InputSummary]:
    """The report's ``inputs``: each file read, its hash and record accounting."""
    summaries: list[InputSummary] = []
    if vcf.result is not None:
        summaries.append(_vcf_summary(inputs, vcf.result, n_off_assay=n_off_assay,
                                      n_screened=n_screened, n_unmatched=n_unmatched))
    if cn.data is not None:
        summaries.append(_copy_number_summary(inputs, cn.data, cn.genes))
    if inputs.panel_bed is not None:
        summaries.append(InputSummary(path=str(inputs.panel_bed), kind="panel_bed", format="BED",
                                      sha256=sha256_file(inputs.panel_bed), records={}))
    return summaries


def _vcf_summary(inputs: ScreenInputs, vcf_result, *, n_off_assay: int, n_screened: int,
                 n_unmatched: int) -> InputSummary:
    """The VCF's entry in ``inputs``: records read, filtered, off panel or assay, matched."""
    counts = vcf_result.counts
    return InputSummary(
        path=str(inputs.vcf), kind="vcf", format=f"VCF; annotation: {vcf_result.annotation}",
        sha256=vcf_result.sha256,
        records={"records_read": counts.records_read, "alleles_read": counts.alleles_read,
                 "filtered": counts.filtered, "off_panel": counts.off_panel,
                 "rejected": counts.rejected, "off_assay": n_off_assay,
                 "screened": n_screened,
                 "matched": n_screened - n_unmatched, "unmatched": n_unmatched},
        details={"sample": vcf_result.sample, "sample_source": vcf_result.sample_source,
                 "samples": vcf_result.samples, "index_used": counts.index_used,
                 "include_filtered": inputs.include_filtered})


def _copy_number_summary(inputs: ScreenInputs, cn_data,
                         gene_copy_numbers: dict[str, GeneCopyNumber]) -> InputSummary:
    """The copy-number file's entry in ``inputs``: records read and used, genes called."""
    return InputSummary(
        path=str(inputs.cnv), kind="copy_number", format=cn_data.format, sha256=cn_data.sha256,
        records={"records_read": cn_data.records_read, "records_used": cn_data.records_used,
                 "rejected": cn_data.records_rejected,
                 "genes_called": sum(1 for c in gene_copy_numbers.values() if c.call),
                 "genes_not_covered": sum(1 for c in gene_copy_numbers.values()
                                          if c.call is None)},
        details={"sample": cn_data.sample, "sample_source": cn_data.sample_source,
                 "level": cn_data.level, "value_kind": cn_data.value_kind,
                 "purity": inputs.purity if inputs.purity is not None else cn_data.purity,
                 "ploidy": inputs.ploidy if inputs.ploidy is not None else cn_data.ploidy})


def _missing_input_assumptions(inputs: ScreenInputs) -> list[str]:
    """What cannot be evaluated because the VCF or the copy-number file is missing."""
    assumptions = []
    if inputs.cnv is None:
        assumptions.append("No copy-number input: amplification and deep-deletion rules are not "
                           "evaluable.")
    if inputs.vcf is None:
        assumptions.append("No VCF: mutation rules are not evaluable.")
    return assumptions


def _sample_id(inputs: ScreenInputs, vcf_result, cn_data) -> str:
    """The report's sample id: as given, else the VCF's sample, the copy-number file's, or the
    file name."""
    named = inputs.sample_id or (vcf_result.sample if vcf_result else None) or \
        (cn_data.sample if cn_data and cn_data.sample else None)
    if named:
        return named
    source = inputs.vcf or inputs.cnv
    if source is None:    # screen_sample refuses inputs without a VCF and a copy-number file
        raise RuntimeError("no VCF and no copy-number file to name the sample after (a bug)")
    return Path(source).name.split(".")[0]


def _thresholds(inputs: ScreenInputs, kb: KnowledgeBase, coverage: AssayCoverage,
                cn_thresholds) -> dict:
    """The report's ``thresholds``: the FILTER policy, splice window, coverage, copy number."""
    thresholds: dict[str, object] = {
        "vcf_filter": "all FILTER values" if inputs.include_filtered else "PASS (or '.') only",
        "unannotated_splice_window_bp": SPLICE_WINDOW_BP,
        "assay_coverage": coverage.source,
    }
    if cn_thresholds is not None:
        thresholds["copy_number"] = cn_thresholds.to_dict()
    elif kb.copy_number:
        thresholds["copy_number"] = {"not_applied": "no copy-number input",
                                     "configured": kb.copy_number}
    return thresholds


def _clinical(inputs: ScreenInputs, sample_id: str, rules: tuple,
              summaries: list[InputSummary], warnings: list[str]):
    """The clinical rules evaluated on the patient file (every rule not assessed without one).

    Read after the sample id is known: a ``sample_id`` in the file must equal it. The patient file
    joins ``inputs`` with its record accounting and its warnings join the report's. Never feeds the
    genomic caution level.
    """
    from ..clinical.evaluate import NOT_ASSESSED, evaluate_clinical

    if inputs.patient is None:
        return evaluate_clinical(None, rules)
    from ..io.patient import read_patient_factors

    factors = read_patient_factors(inputs.patient, patient_id=inputs.patient_id,
                                   sample_id=sample_id)
    evaluation = evaluate_clinical(factors, rules)
    assessed = [row for row in evaluation.factors if row["status"] != NOT_ASSESSED]
    summaries.append(InputSummary(
        path=str(inputs.patient), kind="patient", format="patient factors",
        sha256=sha256_file(inputs.patient),
        records={"keys_read": len(factors.given), "factors_assessed": len(assessed),
                 "factors_not_assessed": len(evaluation.factors) - len(assessed),
                 "rules_met": evaluation.counts["met"],
                 "rules_not_met": evaluation.counts["not_met"],
                 "rules_not_assessed": evaluation.counts["not_assessed"]},
        details={"source": factors.source, "patient_id": inputs.patient_id}))
    warnings.extend(f"patient factors: {w}" for w in evaluation.warnings)
    return evaluation


def _assay_coverage(inputs: ScreenInputs, panel, genes: list[str]) -> AssayCoverage:
    if inputs.panel_bed is not None and inputs.genes:
        raise UsageError("give --panel or --genes, not both")
    if inputs.panel_bed is not None:
        from ..io.bed import read_bed

        return coverage_from_bed(read_bed(inputs.panel_bed), panel, genes,
                                 Path(inputs.panel_bed).name)
    if inputs.genes:
        return coverage_from_gene_list(inputs.genes, genes)
    return assumed_coverage(genes)


def _why_not_matched(variant: VariantCall) -> str:
    consequence = variant.consequence
    if consequence == Consequence.CODING_UNDETERMINED:
        return "coding variant, protein effect not determined (unannotated); no rule applied"
    if consequence in (Consequence.SYNONYMOUS, Consequence.INTRONIC, Consequence.UTR,
                       Consequence.NONCODING, Consequence.SPLICE_REGION, Consequence.OTHER):
        return f"{consequence.value}: not a class any rule for {variant.gene} screens"
    return f"{consequence.value} in {variant.gene}: no rule criterion for this change"


@dataclass
class SampleEvaluation:
    """The rules applied to one sample: alterations, rule and gene results, the variants
    no rule matched and those whose effect could not be determined."""

    alterations: list
    rules: list[RuleResult]
    genes: list[GeneResult]
    unmatched_variants: list[dict]
    undetermined: list[VariantCall]     # coding variants whose effect could not be determined


def _hotspot_changes(panel) -> dict[str, set[str]]:
    """Gene -> protein changes the panel's hotspot table matches by exact coordinates and allele."""
    changes: dict[str, set[str]] = {}
    for hotspot in panel.hotspots:
        changes.setdefault(hotspot.gene, set()).add(hotspot.protein_change)
    return changes


# Classes a substitution (SNV/MNV) of undetermined effect inside a coding exon might turn out to
# be once annotated; indels are always classified from coordinates, never left undetermined.
_UNDETERMINED_COULD_BE = {Consequence.MISSENSE.value, Consequence.NONSENSE.value,
                          Consequence.SYNONYMOUS.value, Consequence.START_LOST.value,
                          Consequence.STOP_LOST.value}


def could_meet(variant: VariantCall, criterion: VariantCriterion,
               hotspot_changes: dict[str, set[str]] | None = None) -> bool:
    """Whether a coding variant of undetermined effect might meet the criterion once annotated.

    Conservative: only what is certain rules a criterion out. Knowledge-base hotspots are matched
    by coordinates and allele, so a criterion on hotspots (or on protein changes that are all
    hotspots of the gene) cannot be met by a variant those coordinates did not match; a criterion
    on classes an SNV cannot have (indels) or on other exons cannot be met either.
    """
    if criterion.hotspot:
        return False
    if criterion.protein_changes and not criterion.protein_pattern and hotspot_changes is not None:
        if variant.gene is not None and \
                set(criterion.protein_changes) <= hotspot_changes.get(variant.gene, set()):
            return False
    if criterion.consequences and not _UNDETERMINED_COULD_BE & set(criterion.consequences):
        return False
    if criterion.exons and variant.exon is not None and variant.exon not in criterion.exons:
        return False
    return True


def evaluate_sample(rules: tuple[Rule, ...], screened_genes: list[str],
                    variants: list[VariantCall], gene_copy_numbers: dict[str, GeneCopyNumber],
                    variant_gaps: dict[str, str], cn_gaps: dict[str, str],
                    hotspot_changes: dict[str, set[str]] | None = None) -> SampleEvaluation:
    """Match the rules and decide every rule's and gene's status for one sample.

    ``variant_gaps``/``cn_gaps`` map a gene to the reason its variants / copy number could not be
    assessed; a gene absent from a map was assessed. Shared by ``screen`` and the cohort paths
    (MAF and copy-number matrices), so a status means the same everywhere.

    A coding variant whose protein effect could not be determined (unannotated, not a hotspot)
    makes every unmatched rule it :func:`could meet` not evaluable for its gene: "not detected"
    would claim the variant was looked at and found harmless. ``hotspot_changes`` (gene ->
    hotspot protein changes matched by coordinates) lets rules on those changes stay evaluable.
    """
    outcome = match_rules(rules, variants, gene_copy_numbers)
    alterations = sorted(outcome.alterations,
                         key=lambda a: (-CAUTION_ORDER.get(a.caution_level, 0), a.rule_id, a.gene))
    unmatched, undetermined = [], []
    for variant in variants:
        if id(variant) in outcome.matched_variant_ids:
            continue
        entry = variant_dict(variant)
        entry["why_not_matched"] = _why_not_matched(variant)
        unmatched.append(entry)
        if variant.consequence == Consequence.CODING_UNDETERMINED:
            undetermined.append(variant)
    rule_gaps = _undetermined_gaps(rules, undetermined, variant_gaps, hotspot_changes)
    by_id = {r.id: r for r in rules}
    rule_results = [_rule_result(rule, alterations, rule_gaps, cn_gaps, by_id) for rule in rules]
    gene_results = [_gene_result(gene, rules, alterations, rule_gaps, cn_gaps, gene_copy_numbers)
                    for gene in screened_genes]
    return SampleEvaluation(alterations, rule_results, gene_results, unmatched, undetermined)


def _undetermined_gaps(rules, undetermined: list[VariantCall], variant_gaps: dict[str, str],
                       hotspot_changes) -> dict[str, dict[str, str]]:
    """Rule id -> (gene -> why its variants could not be assessed), undetermined ones included."""
    gaps = {}
    for rule in rules:
        these = dict(variant_gaps)
        for gene in rule.genes:
            if gene in these:
                continue
            open_variants = [v for v in undetermined if v.gene == gene and
                             any(could_meet(v, c, hotspot_changes) for c in rule.variant_criteria)]
            if open_variants:
                listed = ", ".join(describe_variant(v) for v in open_variants[:3])
                more = f" and {len(open_variants) - 3} more" if len(open_variants) > 3 else ""
                these[gene] = (f"coding variant of undetermined protein effect: {listed}{more}; "
                               "annotate the VCF to screen it")
        gaps[rule.id] = these
    return gaps


def _rule_genes(rule: Rule) -> tuple[list[str], list[str]]:
    return rule_genes(rule)


class _Status(NamedTuple):
    status: str
    reason: str
    grade: str | None = None            # best grade among the counted matches, when altered
    caution_level: str | None = None    # of the strongest counted match, when altered


def _best_grade(alterations) -> str | None:
    grades = [a.grade for a in alterations]
    return max(grades, key=lambda g: GRADE_ORDER.get(g, 0)) if grades else None


def _rule_status(rule: Rule, alterations, rule_gaps, cn_gaps, rules_by_id, *,
                 component: str | None = None, strong_only: bool = False) -> _Status:
    """A rule's status from the sample's matches, counting only the matches of one component
    (``variant`` / ``copy_number``; None: every match) and, with ``strong_only``, only
    strong-grade matches. Whatever is not counted, the gaps of what is still decide between
    not detected and not evaluable."""
    evidence = COMPONENT_EVIDENCE[component] if component else None
    if rule.requires_all and component is not None:
        # a co-occurrence rule's component: every required rule altered in that component
        parts = {rid: _rule_status(rules_by_id[rid], alterations, rule_gaps, cn_gaps, rules_by_id,
                                   component=component, strong_only=strong_only)
                 for rid in rule.requires_all if rid in rules_by_id}
        if len(parts) == len(rule.requires_all) and \
                all(p.status == GeneStatus.ALTERED.value for p in parts.values()):
            grade = min((p.grade for p in parts.values()), key=lambda g: GRADE_ORDER.get(g, 0))
            return _Status(GeneStatus.ALTERED.value,
                           "; ".join(f"{rid}: {p.reason}" for rid, p in parts.items()), grade)
        return _not_all_present(parts)
    matches = [a for a in alterations if a.rule_id == rule.id and
               (evidence is None or a.evidence_type in evidence)]
    hits = [a for a in matches if a.grade == STRONG] if strong_only else matches
    if hits:
        best = max(hits, key=lambda a: CAUTION_ORDER.get(a.caution_level, 0))
        return _Status(GeneStatus.ALTERED.value,
                       "; ".join(f"{a.gene}: {a.criterion}" for a in hits), _best_grade(hits),
                       best.caution_level)
    not_counted = ("; supporting-grade match not counted: "
                   + "; ".join(f"{a.gene}: {a.criterion}" for a in matches)) if matches else ""
    if rule.requires_all:
        parts = {rid: _rule_status(rules_by_id[rid], alterations, rule_gaps, cn_gaps, rules_by_id,
                                   strong_only=strong_only)
                 for rid in rule.requires_all if rid in rules_by_id}
        status = _not_all_present(parts)
        return status._replace(reason=status.reason + not_counted)
    variant_gaps = rule_gaps[rule.id]
    variant_genes, cn_genes = _rule_genes(rule)
    if component == VARIANT:
        cn_genes = []
    elif component == COPY_NUMBER:
        variant_genes = []
    missing = [f"{g} variants ({variant_gaps[g]})" for g in variant_genes if g in variant_gaps]
    missing += [f"{g} copy number ({cn_gaps[g]})" for g in cn_genes if g in cn_gaps]
    assessed = [f"{g} variants" for g in variant_genes if g not in variant_gaps]
    assessed += [f"{g} copy number" for g in cn_genes if g not in cn_gaps]
    if missing:
        reason = "not evaluable: " + "; ".join(missing)
        if assessed:
            reason += ". Assessed without a finding: " + ", ".join(assessed)
        return _Status(GeneStatus.NOT_EVALUABLE.value, reason + not_counted)
    return _Status(GeneStatus.NOT_DETECTED.value,
                   "assessed, nothing qualifying: " + ", ".join(assessed) + not_counted)


def _not_all_present(parts: dict[str, _Status]) -> _Status:
    listing = "; ".join(f"{rid} {s.status.replace('_', ' ')}" for rid, s in parts.items())
    if any(s.status == GeneStatus.NOT_DETECTED.value for s in parts.values()):
        return _Status(GeneStatus.NOT_DETECTED.value, "not all components present: " + listing)
    return _Status(GeneStatus.NOT_EVALUABLE.value, "components not evaluable: " + listing)


def _rule_result(rule: Rule, alterations, rule_gaps, cn_gaps, rules_by_id) -> RuleResult:
    def status(**kwargs) -> _Status:
        return _rule_status(rule, alterations, rule_gaps, cn_gaps, rules_by_id, **kwargs)

    overall, strong = status(), status(strong_only=True)
    components = {}
    for component in rule_components(rule, rules_by_id):
        part, part_strong = status(component=component), \
            status(component=component, strong_only=True)
        components[component] = {
            "label": component_label(rule, component, rules_by_id),
            "partial": not is_whole_rule(rule, component, rules_by_id),
            "status": part.status, "reason": part.reason, "grade": part.grade,
            "strong_grade": {"status": part_strong.status, "reason": part_strong.reason}}
    return RuleResult(rule.id, rule.title, list(rule.genes), overall.status, overall.reason,
                      overall.caution_level, rule.evidence_level, grade=overall.grade,
                      strong_grade={"status": strong.status, "reason": strong.reason},
                      components=components)


def _gene_result(gene, rules, alterations, rule_gaps, cn_gaps, gene_cns) -> GeneResult:
    rules_of_gene = gene_rules(gene, rules)
    # the gene's variants are not evaluable when any of its variant rules cannot assess them
    variant_gaps: dict[str, str] = {}
    for rule in rules_of_gene:
        if gene in _rule_genes(rule)[0] and gene in rule_gaps[rule.id]:
            variant_gaps.setdefault(gene, rule_gaps[rule.id][gene])
    components = gene_components(gene, rules_of_gene)
    hits = [a for a in alterations if a.gene == gene]

    def part(component: str, strong_only: bool) -> _Status:
        matches = [a for a in hits if a.evidence_type in COMPONENT_EVIDENCE[component]]
        found = [a for a in matches if a.grade == STRONG] if strong_only else matches
        not_counted = ""
        if matches and not found:
            not_counted = ", supporting-grade match not counted: " + ", ".join(
                a.protein_change or a.consequence or "?" for a in matches)
        if component == VARIANT:
            if found:
                return _Status(GeneStatus.ALTERED.value, "variant: " + ", ".join(
                    a.protein_change or a.consequence or "?" for a in found), _best_grade(found))
            if gene not in variant_gaps:
                return _Status(GeneStatus.NOT_DETECTED.value, "no qualifying variant" + not_counted)
            return _Status(GeneStatus.NOT_EVALUABLE.value,
                           f"variants not evaluable ({variant_gaps[gene]})" + not_counted)
        if found:
            return _Status(GeneStatus.ALTERED.value, "copy number: " + ", ".join(
                a.consequence for a in found), _best_grade(found))
        if gene not in cn_gaps:
            return _Status(GeneStatus.NOT_DETECTED.value,
                           f"copy number {gene_cns[gene].call.value}" + not_counted)
        return _Status(GeneStatus.NOT_EVALUABLE.value,
                       f"copy number not evaluable ({cn_gaps[gene]})" + not_counted)

    def combined(parts: list[_Status]) -> _Status:
        statuses = [p.status for p in parts]
        if GeneStatus.ALTERED.value in statuses:
            status = GeneStatus.ALTERED.value
        elif statuses and all(s == GeneStatus.NOT_DETECTED.value for s in statuses):
            status = GeneStatus.NOT_DETECTED.value
        else:
            # Conservative: "not detected" claims every screened alteration type was looked for.
            status = GeneStatus.NOT_EVALUABLE.value
        grades = [p.grade for p in parts if p.grade]
        return _Status(status, "; ".join(p.reason for p in parts),
                       max(grades, key=lambda g: GRADE_ORDER.get(g, 0)) if grades else None)

    parts = {c: part(c, False) for c in components}
    strong_parts = {c: part(c, True) for c in components}
    overall, strong = combined(list(parts.values())), combined(list(strong_parts.values()))
    return GeneResult(
        gene=gene, status=overall.status, reason=overall.reason,
        variant_status=parts[VARIANT].status if VARIANT in parts else None,
        copy_number_status=parts[COPY_NUMBER].status if COPY_NUMBER in parts else None,
        rules=[r.id for r in rules_of_gene],
        copy_number=copy_number_dict(gene_cns[gene]) if gene in gene_cns else None,
        grade=overall.grade, strong_grade={"status": strong.status, "reason": strong.reason},
        components={c: {"label": gene_component_label(gene, c, rules_of_gene),
                        "partial": not gene_is_whole(gene, c, rules_of_gene),
                        "status": parts[c].status, "reason": parts[c].reason,
                        "grade": parts[c].grade,
                        "strong_grade": {"status": strong_parts[c].status,
                                         "reason": strong_parts[c].reason}}
                    for c in components})


def _caution(alterations, rule_results) -> dict:
    complete = all(r.status != GeneStatus.NOT_EVALUABLE.value for r in rule_results)
    not_evaluable = [r.rule_id for r in rule_results if r.status == GeneStatus.NOT_EVALUABLE.value]
    if alterations:
        level = max((a.caution_level for a in alterations),
                    key=lambda lvl: CAUTION_ORDER.get(lvl, 0))
        flagged = sorted({a.rule_id for a in alterations})
        summary = (f"{len(flagged)} HPD-associated finding(s) ({', '.join(flagged)}); highest "
                   f"caution level: {level}.")
    else:
        level = "none"
        summary = "No HPD-associated alteration was detected among the evaluable rules."
    if not complete:
        summary += f" Not evaluable: {', '.join(not_evaluable)}."
    return {"level": level, "complete": complete, "summary": summary,
            "rules_flagged": sorted({a.rule_id for a in alterations}),
            "rules_not_evaluable": not_evaluable}


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _now() -> str:
    """UTC timestamp; SOURCE_DATE_EPOCH (reproducible-builds convention) pins it for golden
    files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat()
