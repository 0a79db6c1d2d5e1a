"""The cohort-file way in: a MAF and/or a gene-level copy-number matrix, with optional gene panels.

Each sample is evaluated with :func:`hpdgenomics.screen.engine.evaluate_sample`, the same function
the single-sample screen uses, so ``altered`` / ``not_detected`` / ``not_evaluable`` mean the same
thing in a cohort as in a single-sample report. The default (columnar) engine calls it once per
distinct input of each group of genes no rule spans, not once per sample, and shares the result
(:func:`_evaluate_columnar`); ``engine="per-sample"`` (or ``HPDGENOMICS_COHORT_ENGINE=per-sample``)
calls it once per sample, the reference the columnar engine is tested against.

Which samples are in the cohort
-------------------------------
The union of: the MAF's samples, the copy-number matrix's samples, the gene-panel matrix's samples
and the samples named by the clinical table (``extra_samples``). A MAF lists alterations only, so a
sample with no MAF row is *profiled and unaltered* for mutations, unless a gene-panel matrix says
its assay did not cover the gene (then *not evaluable*). A copy-number matrix, by contrast, lists a
value for every profiled sample and gene: a sample or gene missing from it (or given as ``NA``) is
*not evaluable* for copy number.

What is evaluable
-----------------
* Mutations: not evaluable when no MAF was given; otherwise as the gene-panel matrix's
  ``mutations`` profile says (:meth:`ProfilingMap.profiled`); with no matrix every sample is taken
  as profiled for every gene, and :attr:`CohortFileEvaluation.assumptions` says so.
* Copy number: not evaluable when no matrix was given or the matrix lacks the sample or gene; with a
  gene-panel matrix that has a copy-number profile column (``cna``, ``gistic`` or ``copy_number``)
  that column's panel must also cover the gene.
* A variant reported in a gene its panel does not cover is still used (the data says it is there)
  and a warning names it, since it points at a wrong matrix or panel definition.
* Samples found in only one of the MAF and the copy-number matrix are counted in a warning (without
  a gene-panel matrix a copy-number-only sample is mutation-unaltered by the rule above), and a
  tumour named by two TCGA aliquot barcodes (sequencing ``-08`` in the MAF, SNP array ``-01`` in
  GISTIC output) is named: nothing joins the two, because which aliquot stands for the tumour is
  the user's decision.

Copy-number values
------------------
Discrete (cBioPortal/GISTIC -2..2) values are read with
:func:`hpdgenomics.copynumber.call_from_discrete` exactly as stated. Continuous log2 values are
converted with :func:`hpdgenomics.copynumber.log2_to_copies` assuming a pure, diploid tumour
(purity 1, ploidy 2; a matrix carries neither) and called with the knowledge base's thresholds
(:func:`~hpdgenomics.copynumber.call_from_copies`, ``focal=None``: gene-level values cannot tell
focal from broad events). Conflicting duplicate values for one sample and gene make that gene not
evaluable in that sample.

Hotspots
--------
MAF rows carry their own annotation (protein change, classification). The knowledge-base hotspot
flag is set by coordinates for SNVs and MNVs when the build is known (``NCBI_Build`` or ``build``),
and by gene and protein change otherwise.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError, UsageError
from ..genome import normalize_build
from ..io.gene_panel import ProfilingMap
from ..model import GeneCopyNumber, VariantCall
from ..screen.engine import evaluate_sample
from .analysis import SampleCalls

if TYPE_CHECKING:
    from ..copynumber.thresholds import CopyNumberThresholds
    from ..io.maf import MafTable
    from ..knowledge import KnowledgeBase

log = logging.getLogger(__name__)

#: a status or reason field of SampleCalls: (field, exposure key or None for the plain fields)
_FieldKey = tuple[str, "tuple[str, str, str] | None"]

#: gene-panel matrix columns read as the copy-number profile, first found wins
CN_PROFILES = ("cna", "gistic", "copy_number")
MUTATION_PROFILE = "mutations"


@dataclass
class CohortFileEvaluation:
    """Per-sample calls from cohort files, plus the accounting a report needs."""

    samples: list[SampleCalls]
    inputs: list[dict] = field(default_factory=list)      # path, kind, format, sha256, counts
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    build: str | None = None


def _mark_hotspots(variants: list[VariantCall], kb: KnowledgeBase, build: str | None) -> None:
    """Set ``hotspot`` on MAF variants: by the panel's coordinates when the build is known, else
    (and for indels, whose "-" alleles cannot be matched without the reference) by protein
    change."""
    panels = [kb.panel(build)] if build else list(kb.panels.values())
    by_protein = {(h.gene, h.protein_change) for panel in panels for h in panel.hotspots}
    for variant in variants:
        if build and variant.chrom is not None and variant.pos is not None and variant.ref \
                and variant.alt and \
                "-" not in (variant.ref, variant.alt):
            hits = panels[0].hotspots_at(variant.chrom, variant.pos, variant.ref, variant.alt)
            variant.hotspot = hits[0].protein_change if hits else None
        if not variant.hotspot and (variant.gene, variant.protein_change) in by_protein:
            variant.hotspot = variant.protein_change


def _cn_from_value(gene: str, values: list[float], kind: str | None,
                   thresholds: CopyNumberThresholds) -> GeneCopyNumber:
    """The call of one gene of one sample from its matrix value(s) (``kind``: discrete, log2)."""
    from ..copynumber import call_from_copies, call_from_discrete, log2_to_copies

    if kind not in ("discrete", "log2"):     # never silently read an unknown scale as log2
        raise RuntimeError(f"copy-number matrix of unknown value kind {kind!r} (a bug)")

    distinct = sorted(set(values))
    if len(distinct) > 1:
        return GeneCopyNumber(gene=gene, call=None, caller="gene-level matrix",
                              reason=f"conflicting values {distinct} for {gene} in the "
                                     "copy-number matrix")
    value = distinct[0]
    if kind == "discrete":
        call = call_from_discrete(value)
        return GeneCopyNumber(gene=gene, call=call, fraction_covered=1.0,
                              caller="gene-level matrix",
                              basis=f"discrete value {value:g} from the matrix (cBioPortal scale)",
                              reason=f"discrete {value:g} = {call.value}")
    copies = log2_to_copies(value)
    call, reason = call_from_copies(copies, 2.0, thresholds.for_gene(gene), focal=None)
    return GeneCopyNumber(gene=gene, call=call, copy_number=copies, log2=value,
                          fraction_covered=1.0, caller="gene-level matrix",
                          basis="log2 converted with purity 1 and ploidy 2 assumed (a matrix "
                                "carries neither): CN = 2 * 2^log2",
                          reason=reason,
                          warnings=["gene-level input: focal and broad events cannot be told "
                                    "apart"])


#: the tumour-sample part of a TCGA barcode (participant, sample type, vial): TCGA-05-4244-01A
_TCGA_SAMPLE = re.compile(r"^(TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}-\d{2}[A-Z]?)(?:-|$)", re.IGNORECASE)


def _sample_set_warnings(maf_samples: list[str], cn_samples: list[str],
                         profiling: ProfilingMap) -> list[str]:
    """Warnings about samples found in only one of the MAF and the copy-number matrix.

    A sample absent from the MAF counts as profiled and unaltered for mutations (unless the
    gene-panel matrix says otherwise), so a copy-number-only sample that is really a MAF sample
    under another name would be counted wrongly. TCGA files name DNA aliquots, and the MAF's
    (``...-01D-1105-08``, sequencing) and the copy-number matrix's (``...-01D-1105-01``, SNP
    array) aliquots of one tumour differ: those pairs are named.
    """
    maf_only = sorted(set(maf_samples) - set(cn_samples))
    cn_only = sorted(set(cn_samples) - set(maf_samples))
    if not maf_only or not cn_only:
        return []
    warnings = []
    by_tumour: dict[str, list[str]] = {}
    for sample in maf_only:
        found = _TCGA_SAMPLE.match(sample)
        if found:
            by_tumour.setdefault(found.group(1).upper(), []).append(sample)
    pairs = [(maf_sample, sample) for sample in cn_only
             if (found := _TCGA_SAMPLE.match(sample))
             for maf_sample in by_tumour.get(found.group(1).upper(), [])]
    if pairs:
        shown = ", ".join(f"MAF {a} / copy number {b}" for a, b in pairs[:5])
        warnings.append(
            f"{len(pairs)} tumour sample(s) appear under different TCGA aliquot barcodes in the "
            f"MAF and in the copy-number matrix ({shown}{' ...' if len(pairs) > 5 else ''}); "
            "they are analysed as different samples, and the copy-number-only one counts as "
            "profiled and unaltered for mutations. Rename them to one id (e.g. the 15-character "
            "sample barcode) in both files")
    if profiling.matrix is None:
        warnings.append(
            f"{len(cn_only)} sample(s) are in the copy-number matrix but not in the MAF (e.g. "
            f"{cn_only[0]}) and {len(maf_only)} in the MAF but not in the copy-number matrix "
            f"(e.g. {maf_only[0]}); without a gene-panel matrix the former count as profiled and "
            "unaltered for mutations and the latter are not evaluable for copy number")
    return warnings


def _loud(result: CohortFileEvaluation, message: str) -> None:
    """A warning for the report that is also said on stderr (the CLI logs warnings there)."""
    result.warnings.append(message)
    log.warning("%s", message)


def evaluate_cohort_files(knowledge: KnowledgeBase, *, maf: str | Path | None = None,
                          cna: str | Path | None = None, cna_format: str | None = None,
                          profiling: ProfilingMap | None = None, build: str | None = None,
                          extra_samples: Iterable[str] = (),
                          maf_on_invalid: str = "error", engine: str | None = None,
                          progress: Callable[[int, int], None] | None = None
                          ) -> CohortFileEvaluation:
    """Evaluate every cohort sample from a MAF and/or a gene-level copy-number matrix.

    ``extra_samples`` (for example the clinical table's samples) are added to the cohort; with no
    MAF rows they are profiled-and-unaltered for mutations (subject to ``profiling``).

    ``engine``: ``columnar`` (default) or ``per-sample`` (one rule-engine call per sample: the
    reference the columnar engine is tested against, and slow); when None, the environment
    variable ``HPDGENOMICS_COHORT_ENGINE`` (a benchmark and debugging knob) may name it. Both
    give the same calls (see :func:`_evaluate_columnar`).

    ``progress``: called as ``progress(done, total)`` while samples are evaluated, a few hundred
    times at most, and once with ``done == total`` at the end.
    """
    from ..copynumber import thresholds_from_knowledge

    engine = _engine(engine)
    if maf is None and cna is None:
        raise UsageError("no cohort file given", hint="pass --maf, --cna, or both")
    profiling = profiling or ProfilingMap()
    build = normalize_build(build) if build else None
    screened = knowledge.screened_genes()
    profiling.check_genes(screened)
    result = CohortFileEvaluation(samples=[])
    maf_table = _read_maf_input(maf, maf_on_invalid, build, result)
    cn_long, cn_kind, cn_all_samples = _read_matrix_input(cna, cna_format, screened, result)
    _note_profiling(profiling, result)
    thresholds = thresholds_from_knowledge(knowledge.copy_number)
    cn_profile = next((p for p in CN_PROFILES if p in profiling.profiles), None)
    has_mutation_profile = profiling.matrix is None or MUTATION_PROFILE in profiling.profiles
    if profiling.matrix is not None and not has_mutation_profile:
        result.warnings.append("the gene-panel matrix has no 'mutations' column: every sample is "
                               "taken as profiled for mutations in every gene")
    sample_ids, clinical_only = _cohort_samples(maf_table, cn_all_samples, profiling,
                                                extra_samples, result)
    no_variant_data = _no_variant_data(maf, maf_table, result)
    if maf_table is not None and cn_long is not None:
        result.warnings.extend(_sample_set_warnings(maf_table.samples, cn_all_samples,
                                                    profiling))
    inputs = _Inputs(knowledge=knowledge, screened=screened, sample_ids=sample_ids,
                     clinical_only=clinical_only, maf_table=maf_table,
                     no_variant_data=no_variant_data, cn_long=cn_long, cn_kind=cn_kind,
                     cn_samples=set(cn_all_samples), profiling=profiling, cn_profile=cn_profile,
                     has_mutation_profile=has_mutation_profile,
                     thresholds=thresholds, build=result.build)
    evaluate = _evaluate_columnar if engine == COLUMNAR else _evaluate_per_sample
    result.samples, (off_panel_count, off_panel) = evaluate(inputs, _Progress(progress,
                                                                                len(sample_ids)))
    _note_off_panel(off_panel_count, off_panel, result)
    if not result.samples:
        raise InputError("no samples found in the cohort files",
                         hint="check that the MAF or copy-number matrix has data rows")
    return result


def _engine(engine: str | None) -> str:
    """The engine asked for: the argument, else ``HPDGENOMICS_COHORT_ENGINE``, else columnar."""
    engine = engine or os.environ.get(ENGINE_VARIABLE) or COLUMNAR
    if engine not in ENGINES:
        raise UsageError(f"cohort engine {engine!r} is not one of {', '.join(ENGINES)}",
                         hint=f"check the engine argument or {ENGINE_VARIABLE}")
    return engine


def _read_maf_input(maf: str | Path | None, on_invalid: str, build: str | None,
                    result: CohortFileEvaluation):
    """Read the MAF (None without one) and settle ``result.build`` from ``build`` (normalised)
    and the MAF's NCBI_Build; the MAF's accounting, warnings and assumption join ``result``."""
    if maf is None:
        result.assumptions.append("no MAF: mutation rules are not evaluable")
        result.build = build
        return None
    from ..io.maf import read_maf

    maf_table = read_maf(maf, on_invalid=on_invalid, build_for_rows=build)
    if build and maf_table.build and maf_table.build != build:
        raise UsageError(f"--build {build} disagrees with the MAF's NCBI_Build "
                         f"{maf_table.build}", path=maf,
                         hint="drop --build or check the file")
    result.build = build or maf_table.build
    result.inputs.append({"kind": "maf", "path": str(maf), "format": "MAF",
                          "sha256": maf_table.sha256,
                          **{k: v for k, v in maf_table.accounting().items()
                             if k not in ("path", "sha256")}})
    result.warnings.extend(maf_table.warnings)
    result.assumptions.append("MAF rows are used as called (the MAF is taken as the final call "
                              "set; FILTER values are not re-applied); a sample with no MAF "
                              "row is profiled and unaltered unless a gene-panel matrix says "
                              "otherwise")
    return maf_table


def _read_matrix_input(cna: str | Path | None, cna_format: str | None, screened: list[str],
                       result: CohortFileEvaluation
                       ) -> tuple[pd.DataFrame | None, str | None, list[str]]:
    """Read the gene-level copy-number matrix: (its values of the screened genes, its value
    kind, every sample it names); all empty without one. Its accounting joins ``result``."""
    if cna is None:
        result.assumptions.append("no copy-number matrix: amplification and deep-deletion rules "
                                  "are not evaluable")
        return None, None, []
    from ..io.cnv import read_gene_matrix
    from ..io.text import sha256_file

    cn_all = read_gene_matrix(cna, fmt=cna_format)
    result.warnings.extend(cn_all.attrs.get("warnings", []))
    cn_kind = cn_all["value_kind"].iloc[0] if len(cn_all) else "discrete"
    cn_all_samples = list(dict.fromkeys(cn_all["sample"].astype(str)))
    cn_long = cn_all[cn_all["gene"].isin(screened)]
    result.inputs.append({"kind": "copy_number_matrix", "path": str(cna),
                          "format": f"gene-level matrix ({cn_kind})",
                          "sha256": sha256_file(cna), "samples": len(cn_all_samples),
                          "values_read": len(cn_all),
                          "values_of_screened_genes": len(cn_long)})
    if cn_kind == "log2":
        result.assumptions.append("log2 copy-number matrix: values converted to copies "
                                  "assuming purity 1 and ploidy 2 (CN = 2 * 2^log2), then "
                                  "called with the knowledge-base thresholds; focal and broad "
                                  "events cannot be told apart")
    return cn_long, cn_kind, cn_all_samples


def _note_profiling(profiling: ProfilingMap, result: CohortFileEvaluation) -> None:
    """The gene-panel files join ``result.inputs``, their assumption its assumptions."""
    if profiling.assumption:
        result.assumptions.append(profiling.assumption)
    for path, digest in profiling.sources.items():
        result.inputs.append({"kind": "gene_panel", "path": path, "format": "gene panel",
                              "sha256": digest})


def _cohort_samples(maf_table, cn_all_samples: list[str], profiling: ProfilingMap,
                    extra_samples: Iterable[str], result: CohortFileEvaluation
                    ) -> tuple[list[str], list[str]]:
    """Every sample of the cohort in file order (MAF, matrix, gene-panel matrix, then the
    clinical-only ones), and the clinical-only ones, which are said aloud."""
    sample_ids: list[str] = []
    if maf_table is not None:
        sample_ids += maf_table.samples
    sample_ids += cn_all_samples
    if profiling.matrix is not None:
        sample_ids += list(profiling.matrix.index)
    sample_ids = list(dict.fromkeys(str(s) for s in sample_ids))
    # Samples the clinical files name but no genomic file does: nothing says they were
    # sequenced, so every rule is not evaluable for them (never "unaltered"). One spelled in
    # another letter case is a genomic sample: the clinical join matches it (and says so).
    genomic = set(sample_ids)
    genomic_folds = {s.casefold() for s in genomic}
    clinical_only = [s for s in dict.fromkeys(str(s) for s in extra_samples)
                     if s not in genomic and s.casefold() not in genomic_folds]
    sample_ids += clinical_only
    if clinical_only:
        _loud(result, f"{len(clinical_only)} sample(s) named only by the clinical files have no "
                      f"genomic data (no MAF row, no copy-number value, not in a gene-panel "
                      f"matrix; e.g. {', '.join(clinical_only[:3])}): not evaluable for every "
                      "rule. A sample profiled without any mutation is told apart only by a "
                      "gene-panel matrix listing it")
    return sample_ids, clinical_only


def _no_variant_data(maf: str | Path | None, maf_table, result: CohortFileEvaluation) -> bool:
    """True when a MAF was given but holds no usable row (said aloud): no variant data at all."""
    no_variant_data = maf_table is not None and maf_table.df.empty
    if no_variant_data:
        _loud(result, f"the MAF {maf} has no usable variant rows ({maf_table.rows_read} read, "
                      f"{len(maf_table.rejected)} rejected): no variant data, so every variant "
                      "criterion is not evaluable (a header-only MAF cannot say that the samples "
                      "are unaltered)")
    return no_variant_data


def _note_off_panel(count: int, examples: list[str], result: CohortFileEvaluation) -> None:
    """A warning naming the variants in genes their sample's panel does not cover."""
    if count:
        shown = ", ".join(examples[:10]) + (" ..." if count > 10 else "")
        result.warnings.append(f"{count} variant(s) lie in genes the sample's panel does "
                               f"not cover; they are counted as altered (check the gene-panel "
                               f"matrix and panel definitions): {shown}")

# --- the two engines -----------------------------------------------------------------------------

ENGINE_VARIABLE = "HPDGENOMICS_COHORT_ENGINE"
COLUMNAR, PER_SAMPLE = "columnar", "per-sample"
ENGINES = (COLUMNAR, PER_SAMPLE)
SOURCE = "cohort files"
#: off-panel variants named in the warning (all are counted)
OFF_PANEL_EXAMPLES = 10
#: progress reports per run, at most (plus the final one)
PROGRESS_STEPS = 200

NO_GENOMIC_DATA = "no genomic data (sample only in the clinical files)"


@dataclass
class _Inputs:
    """What both engines read: the cohort's files as read, and which samples they hold."""

    knowledge: KnowledgeBase
    screened: list[str]
    sample_ids: list[str]
    clinical_only: list[str]
    maf_table: MafTable | None
    no_variant_data: bool
    cn_long: pd.DataFrame | None             # sample, gene, value of the screened genes
    cn_kind: str | None
    cn_samples: set[str]
    profiling: ProfilingMap
    cn_profile: str | None
    has_mutation_profile: bool
    thresholds: CopyNumberThresholds
    build: str | None


class _Progress:
    """Calls ``progress(done, total)`` every ``total / PROGRESS_STEPS`` samples and at the end."""

    def __init__(self, callback: Callable[[int, int], None] | None, total: int):
        self.callback, self.total = callback, total
        self.step = max(1, -(-total // PROGRESS_STEPS))
        self.next = self.step

    def __call__(self, done: int) -> None:
        if self.callback is not None and (done >= self.next or done == self.total):
            self.callback(done, self.total)
            self.next = (done // self.step + 1) * self.step


def _evaluate_per_sample(inputs: _Inputs, progress: _Progress
                         ) -> tuple[list[SampleCalls], tuple[int, list[str]]]:
    """One :func:`evaluate_sample` call per sample: the reference for the columnar engine."""
    from ..io.maf import maf_to_variant_calls

    knowledge, screened, maf_table = inputs.knowledge, inputs.screened, inputs.maf_table
    clinical_only = set(inputs.clinical_only)
    cn_by_sample = (dict(tuple(inputs.cn_long.groupby("sample")))
                    if inputs.cn_long is not None else {})
    maf_samples = set(maf_table.samples) if maf_table is not None else set()
    samples: list[SampleCalls] = []
    off_panel: list[str] = []
    for done, sample_id in enumerate(inputs.sample_ids, start=1):
        variants: list[VariantCall] = []
        if maf_table is not None and sample_id in maf_samples:
            variants = maf_to_variant_calls(maf_table.df, sample_id)
            _mark_hotspots(variants, knowledge, inputs.build)
        variant_gaps = {gene: gap for gene in screened
                        if (gap := _variant_gap(inputs, sample_id, gene, clinical_only))}
        off_panel += [f"{sample_id} {v.gene} {v.protein_change or ''}".strip()
                      for v in variants if v.gene in variant_gaps and v.gene in screened]
        gene_cns, cn_gaps = _sample_copy_numbers(inputs, sample_id, cn_by_sample.get(sample_id),
                                                 clinical_only)
        evaluation = evaluate_sample(knowledge.rules, screened, variants, gene_cns, variant_gaps,
                                     cn_gaps)
        samples.append(SampleCalls.from_evaluation(sample_id, evaluation, source=SOURCE))
        progress(done)
    return samples, (len(off_panel), off_panel[:OFF_PANEL_EXAMPLES])


def _variant_gap(inputs: _Inputs, sample_id: str, gene: str, clinical_only: set[str]
                 ) -> str | None:
    """Why variant criteria on ``gene`` cannot be evaluated in ``sample_id`` (None: they can)."""
    profiling = inputs.profiling
    if inputs.maf_table is None:
        return "no MAF"
    if inputs.no_variant_data:
        return "the MAF has no variant rows"
    if sample_id in clinical_only:
        return NO_GENOMIC_DATA
    if not (inputs.has_mutation_profile and profiling.matrix is not None):
        return None
    covered = profiling.profiled(sample_id, gene, MUTATION_PROFILE)
    if covered is None:
        return "sample not in the gene-panel matrix"
    if not covered:
        panel = profiling.panel_of(sample_id, MUTATION_PROFILE)
        return (f"not on the sample's mutation panel {panel}" if panel
                else "sample not profiled for mutations")
    return None


def _sample_copy_numbers(inputs: _Inputs, sample_id: str, rows: pd.DataFrame | None,
                         clinical_only: set[str]
                         ) -> tuple[dict[str, GeneCopyNumber], dict[str, str]]:
    """One sample's copy-number calls per screened gene, and why each gene without one has none."""
    gene_cns: dict[str, GeneCopyNumber] = {}
    cn_gaps: dict[str, str] = {}
    for gene in inputs.screened:
        gap = _copy_number_gap(inputs, sample_id, gene, clinical_only)
        if gap is not None:
            cn_gaps[gene] = gap
            continue
        values = rows.loc[rows["gene"] == gene, "value"].tolist() if rows is not None else []
        if not values:
            cn_gaps[gene] = "gene not in the copy-number matrix (or NA)"
            continue
        gene_cn = _cn_from_value(gene, values, inputs.cn_kind, inputs.thresholds)
        gene_cns[gene] = gene_cn
        if gene_cn.call is None:
            cn_gaps[gene] = gene_cn.reason
    return gene_cns, cn_gaps


def _copy_number_gap(inputs: _Inputs, sample_id: str, gene: str, clinical_only: set[str]
                     ) -> str | None:
    """Why ``gene`` has no copy-number value to read in ``sample_id`` before looking at its
    values (no matrix, sample not in it, gene not on its panel); None: read the values."""
    if inputs.cn_long is None:
        return "no copy-number matrix"
    if sample_id not in inputs.cn_samples:
        return (NO_GENOMIC_DATA if sample_id in clinical_only else
                "sample not in the copy-number matrix")
    if inputs.cn_profile is not None:
        covered = inputs.profiling.profiled(sample_id, gene, inputs.cn_profile)
        if not covered:
            return ("sample not in the gene-panel matrix" if covered is None
                    else f"not on the sample's {inputs.cn_profile} panel")
    return None


def _rule_clusters(rules, screened: list[str]) -> list[tuple[list[str], tuple]]:
    """The screened genes split into groups no rule spans, each with its rules.

    The rule engine decides a rule's status from the data of the rule's own genes (and of the
    rules a co-occurrence rule requires), and a gene's status from the rules that screen it, so
    each group can be evaluated on its own and the results put side by side. Splitting matters
    for speed: a sample's whole input varies a lot (five copy-number levels in 14 genes), one
    group's input very little.
    """
    parent = {gene: gene for gene in screened}

    def root(gene):
        while parent[gene] != gene:
            parent[gene] = parent[parent[gene]]
            gene = parent[gene]
        return gene

    by_id = {rule.id: rule for rule in rules}

    def genes_of(rule) -> list[str]:
        genes = list(rule.genes)
        for criterion in rule.copy_number_criteria:
            genes += list(criterion.genes or ())
        for required in rule.requires_all:
            if required in by_id:
                genes += genes_of(by_id[required])
        return [g for g in dict.fromkeys(genes) if g in parent]

    for rule in rules:
        genes = genes_of(rule)
        for gene in genes[1:]:
            parent[root(gene)] = root(genes[0])
    groups: dict[str, list[str]] = {}
    for gene in screened:
        groups.setdefault(root(gene), []).append(gene)
    clusters = []
    for genes in groups.values():
        members = set(genes)
        clusters.append((genes, tuple(r for r in rules if set(genes_of(r)) & members)))
    unplaced = [r.id for r in rules if not genes_of(r)]
    if unplaced:
        raise UsageError(f"rule(s) {', '.join(unplaced)} name no screened gene",
                         hint="use engine='per-sample' for this knowledge base")
    return clusters


#: alteration fields that come from the sample's own MAF row (everything else an alteration
#: holds is decided by the rule, the criterion and the evaluation signature)
_ROW_FIELDS = ("hgvsc", "chrom", "pos", "ref", "alt", "vaf", "record")


def _hotspot_column(rows: pd.DataFrame, kb: KnowledgeBase, build: str | None) -> list:
    """:func:`_mark_hotspots` for many MAF rows at once: each row's hotspot protein change, or
    None (coordinates when the build is known and the alleles are not MAF-style indels, then
    gene and protein change)."""
    panels = [kb.panel(build)] if build else list(kb.panels.values())
    by_protein = {(h.gene, h.protein_change) for panel in panels for h in panel.hotspots}
    by_position: dict[tuple, str | None] = {}
    marks = []
    for gene, chrom, pos, ref, alt, protein in zip(
            rows["gene"], rows["chrom"], rows["pos"], rows["ref"], rows["alt"],
            rows["protein_change"], strict=True):
        gene, protein = _none(gene), _none(protein)
        mark = None
        pos, ref, alt = _none(pos), _none(ref) or "", _none(alt) or ""
        if build and pos is not None and ref and alt and "-" not in (ref, alt):
            key = (_none(chrom), int(pos), ref, alt)
            if key not in by_position:
                hits = panels[0].hotspots_at(*key)
                by_position[key] = hits[0].protein_change if hits else None
            mark = by_position[key]
        if not mark and (gene, protein) in by_protein:
            mark = protein
        marks.append(mark)
    return marks


def _none(value):
    is_nan = isinstance(value, float) and value != value
    return None if value is None or value is pd.NA or is_nan else value


class _Codes:
    """Distinct values numbered in order of first appearance."""

    def __init__(self):
        self.values: list = []
        self.index: dict = {}

    def __call__(self, value) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.values)
            self.values.append(value)
        return found


def _row_codes(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number among the distinct rows of an integer table (numbered in order of
    first appearance), and the index of each distinct row's first appearance."""
    if table.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if table.shape[1] == 0:
        return np.zeros(table.shape[0], dtype=np.int64), np.zeros(1, dtype=np.int64)
    frame = pd.DataFrame(table)
    codes = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy(dtype=np.int64)
    _distinct, first = np.unique(codes, return_index=True)
    return codes, first


def _merged(parts: list[dict], order: list[str]) -> dict:
    """Dicts of disjoint ids as one, in ``order`` (the order one whole-sample evaluation gives)."""
    pooled = {}
    for part in parts:
        pooled.update(part)
    return {ident: pooled[ident] for ident in order if ident in pooled}


def _evaluate_columnar(inputs: _Inputs, progress: _Progress
                       ) -> tuple[list[SampleCalls], tuple[int, list[str]]]:
    """Every sample's calls from one rule-engine call per distinct *signature*, not per sample.

    The inputs of the rules (each screened gene's variant gap, copy-number call or gap, and the
    rule-relevant attributes of its MAF rows: gene, protein change, consequence, exon, hotspot)
    are computed for all samples at once with pandas/numpy. Within each group of genes no rule
    spans (:func:`_rule_clusters`) samples with equal inputs get equal results, so
    :func:`evaluate_sample` (the one implementation of the rules) runs once per distinct group
    input. A sample's statuses and reasons are the groups' results put side by side, shared (not
    copied) by every sample with the same ones; its alterations are the groups' alterations with
    the fields of its own MAF rows (position, alleles, VAF, record) and copy number filled in.
    """
    knowledge, screened = inputs.knowledge, inputs.screened
    sample_ids = inputs.sample_ids
    n_samples = len(sample_ids)
    samples_index = pd.Index(sample_ids, dtype=object)
    gene_index = {gene: j for j, gene in enumerate(screened)}
    clinical_only = np.zeros(n_samples, dtype=bool)
    if inputs.clinical_only:
        clinical_only[samples_index.get_indexer(inputs.clinical_only)] = True

    variant_gap, gaps = _variant_gap_codes(inputs, clinical_only)

    copy_numbers = _CopyNumberCodes(inputs, samples_index, gene_index, clinical_only)
    cn, gene_copy_number = copy_numbers.cn, copy_numbers.gene_copy_number

    rows, row_sample, row_gene, row_key = _variant_rows(inputs, samples_index, gene_index)
    off_panel_rows, off_panel = _off_panel_rows(inputs, gaps, rows, row_sample, row_gene)

    # --- evaluate each cluster once per distinct input ---------------------------------------
    clusters = _rule_clusters(knowledge.rules, screened)
    sample_rows = _sample_rows(clusters, gene_index, row_sample, row_gene)
    variant_of = _row_variants(rows).__getitem__
    key_order, rule_order, gene_order = _reference_order(knowledge, screened)
    # the fields of SampleCalls that hold statuses and reasons, each a dict of rule or gene ids
    fields: list[_FieldKey] = [("rule_status", None), ("rule_reason", None),
                               ("gene_status", None)]
    fields += [(what, key) for key in key_order for what in ("status", "reason")]
    part_dicts = _Codes()                          # distinct dicts of every cluster's parts
    # field -> per cluster: id -> part (-1: none)
    part_of: dict[_FieldKey, list[np.ndarray]] = {field: [] for field in fields}

    rows_of_cluster: list[dict[int, list[int]]] = [{} for _ in clusters]
    for (i, c), positions in sample_rows.items():
        rows_of_cluster[c][i] = positions
    cluster_ids = np.zeros((n_samples, len(clusters)), dtype=np.int64)
    templates: list[dict[int, list]] = []          # per cluster: id -> alteration templates
    for c, (genes, cluster_rules) in enumerate(clusters):
        columns = [gene_index[g] for g in genes]
        table = np.concatenate([gaps[:, columns], cn[:, columns]], axis=1)
        base, _first = _row_codes(table)
        ids = base.copy()
        extra = _Codes()
        for i, positions in rows_of_cluster[c].items():
            ids[i] = len(_first) + extra((int(base[i]), tuple(row_key[r] for r in positions)))
        cluster_ids[:, c] = ids
        distinct, first = np.unique(ids, return_index=True)
        size = int(distinct.max()) + 1 if len(distinct) else 0
        for status_field in fields:
            part_of[status_field].append(np.full(size, -1, dtype=np.int64))
        cluster_templates: dict[int, list] = {}
        for ident, i in zip(distinct, first, strict=True):
            positions = rows_of_cluster[c].get(int(i), [])
            variants = [variant_of(r) for r in positions]
            gene_cns, variant_gaps, cn_gaps = _cell_inputs(
                int(i), genes, columns, gaps, variant_gap, copy_numbers)
            evaluation = evaluate_sample(cluster_rules, genes, variants, gene_cns, variant_gaps,
                                         cn_gaps)
            part = SampleCalls.from_evaluation(sample_ids[i], evaluation, source=SOURCE)
            for status_field, value in _held_parts(part).items():
                if value:
                    part_of[status_field][c][ident] = part_dicts(tuple(value.items()))
            if part.alterations:
                cluster_templates[int(ident)] = _alteration_templates(part, variants, gene_index)
        templates.append(cluster_templates)

    combos, shared = _merged_fields(fields, key_order, part_of, part_dicts, cluster_ids,
                                    len(clusters), rule_order, gene_order)
    result = _assembled_samples(sample_ids, combos, shared, templates, cluster_ids, sample_rows,
                                variant_of, gene_copy_number, progress)
    return result, (len(off_panel_rows), off_panel)


def _variant_gap_codes(inputs: _Inputs, clinical_only: np.ndarray) -> tuple[_Codes, np.ndarray]:
    """Variant gaps of every sample and gene: (the reasons' codes, a samples x genes array of
    codes, 0 where variant criteria can be evaluated)."""
    sample_ids, screened, profiling = inputs.sample_ids, inputs.screened, inputs.profiling
    n_samples, n_genes = len(sample_ids), len(screened)
    variant_gap = _Codes()
    variant_gap(None)
    gaps = np.zeros((n_samples, n_genes), dtype=np.int64)
    if inputs.maf_table is None:
        gaps[:] = variant_gap("no MAF")
    elif inputs.no_variant_data:
        gaps[:] = variant_gap("the MAF has no variant rows")
    else:
        if inputs.has_mutation_profile and profiling.matrix is not None:
            codes, panels, covered = profiling.panel_coverage(sample_ids, screened,
                                                              MUTATION_PROFILE)
            table = np.zeros((len(panels) + 1, n_genes), dtype=np.int64)
            for k, panel in enumerate(panels):
                text = (f"not on the sample's mutation panel {panel}" if panel
                        else "sample not profiled for mutations")
                table[k, ~covered[k]] = variant_gap(text)
            table[-1] = variant_gap("sample not in the gene-panel matrix")   # codes of -1
            gaps = table[codes]
        gaps[clinical_only] = variant_gap(NO_GENOMIC_DATA)
    return variant_gap, gaps


class _CopyNumberCodes:
    """Copy number of every sample and gene as codes of a descriptor (``descriptor``, ``cn``).

    A descriptor is ``("gap", reason)``: no value; ``("bad", reason)``: values that give no
    call; ``("call", call)``. :meth:`gene_copy_number` gives a cell's GeneCopyNumber, called once
    per distinct (gene, value); a cell with several values (``conflicts``) is called from all.
    """

    def __init__(self, inputs: _Inputs, samples_index: pd.Index, gene_index: dict[str, int],
                 clinical_only: np.ndarray):
        n_samples, n_genes = len(inputs.sample_ids), len(inputs.screened)
        self.inputs = inputs
        self.descriptor = _Codes()
        self.cn = np.zeros((n_samples, n_genes), dtype=np.int64)
        self.cn_value = np.full((n_samples, n_genes), np.nan)
        self.conflicts: dict[tuple[int, int], GeneCopyNumber] = {}
        self.value_calls: dict[tuple[int, float], GeneCopyNumber] = {}
        if inputs.cn_long is None:
            self.cn[:] = self.descriptor(("gap", "no copy-number matrix"))
        else:
            self.cn[:] = self.descriptor(("gap", "gene not in the copy-number matrix (or NA)"))
            self._read_values(inputs.cn_long, samples_index, gene_index)
            self._mark_gaps(samples_index, clinical_only)

    def _call(self, j: int, values: list[float]) -> GeneCopyNumber:
        return _cn_from_value(self.inputs.screened[j], values, self.inputs.cn_kind,
                              self.inputs.thresholds)

    def _code_of(self, gene_cn: GeneCopyNumber) -> int:
        return self.descriptor(("call", gene_cn.call.value) if gene_cn.call is not None
                               else ("bad", gene_cn.reason))

    def _read_values(self, long: pd.DataFrame, samples_index: pd.Index,
                     gene_index: dict[str, int]) -> None:
        """Each cell's value of ``long`` (the inputs' ``cn_long``) and its descriptor; one call
        per distinct (gene, value)."""
        cn, value_calls = self.cn, self.value_calls
        cells = pd.DataFrame({"i": samples_index.get_indexer(long["sample"].astype(str)),
                              "j": long["gene"].map(gene_index).to_numpy(),
                              "value": long["value"].to_numpy(dtype=float)})
        cells = cells[(cells["i"] >= 0) & cells["j"].notna()].drop_duplicates()
        cells["j"] = cells["j"].astype(np.int64)
        repeated = cells.duplicated(["i", "j"], keep=False)
        single = cells[~repeated]
        rows_i, rows_j = single["i"].to_numpy(), single["j"].to_numpy()
        values = single["value"].to_numpy()
        self.cn_value[rows_i, rows_j] = values
        pairs = pd.DataFrame({"j": rows_j, "value": values})
        distinct = pairs.drop_duplicates()
        pair_code = {}
        for j, value in zip(distinct["j"].to_numpy(), distinct["value"].to_numpy(), strict=True):
            gene_cn = value_calls.setdefault((int(j), float(value)),
                                             self._call(j, [float(value)]))
            pair_code[(int(j), float(value))] = self._code_of(gene_cn)
        if len(pairs):
            keyed = pd.MultiIndex.from_arrays([rows_j, values])
            lookup = pd.Series(list(pair_code.values()),
                               index=pd.MultiIndex.from_tuples(list(pair_code)))
            cn[rows_i, rows_j] = lookup.reindex(keyed).to_numpy(dtype=np.int64)
        for (i, j), group in cells[repeated].groupby(["i", "j"])["value"]:
            gene_cn = self._call(j, group.tolist())
            self.conflicts[(int(i), int(j))] = gene_cn
            cn[i, j] = self._code_of(gene_cn)

    def _mark_gaps(self, samples_index: pd.Index, clinical_only: np.ndarray) -> None:
        """Cells off the sample's copy-number panel, and samples absent from the matrix."""
        inputs, cn, descriptor = self.inputs, self.cn, self.descriptor
        if inputs.cn_profile is not None:
            codes, panels, covered = inputs.profiling.panel_coverage(
                inputs.sample_ids, inputs.screened, inputs.cn_profile)
            not_on_panel = descriptor(("gap", f"not on the sample's {inputs.cn_profile} panel"))
            n_genes = len(inputs.screened)
            uncovered = np.vstack([~covered, np.ones((1, n_genes), dtype=bool)])[codes]
            cn[uncovered] = not_on_panel
            cn[codes == -1] = descriptor(("gap", "sample not in the gene-panel matrix"))
        absent = ~samples_index.isin(list(inputs.cn_samples))
        cn[absent & ~clinical_only] = descriptor(("gap", "sample not in the copy-number matrix"))
        cn[absent & clinical_only] = descriptor(("gap", NO_GENOMIC_DATA))

    def gene_copy_number(self, i: int, j: int) -> GeneCopyNumber | None:
        """The GeneCopyNumber of sample ``i`` and gene ``j`` (None: no value)."""
        if (i, j) in self.conflicts:
            return self.conflicts[(i, j)]
        value = self.cn_value[i, j]
        if value != value:
            return None
        key = (j, float(value))
        if key not in self.value_calls:
            self.value_calls[key] = self._call(j, [float(value)])
        return self.value_calls[key]


def _variant_rows(inputs: _Inputs, samples_index: pd.Index, gene_index: dict[str, int]):
    """The MAF rows of screened genes, in MAF order (None without variant data), with each
    row's sample and gene index and the code of what the rules read of it."""
    rows = None
    row_sample = row_gene = np.zeros(0, dtype=np.int64)
    row_key: list[int] = []
    if inputs.maf_table is None or inputs.no_variant_data:
        return rows, row_sample, row_gene, row_key
    variant_key = _Codes()
    df = inputs.maf_table.df
    rows = df[df["gene"].isin(inputs.screened)].reset_index(drop=True)
    rows["hotspot"] = _hotspot_column(rows, inputs.knowledge, inputs.build)
    row_sample = samples_index.get_indexer(rows["sample_id"].astype(str))
    row_gene = rows["gene"].map(gene_index).to_numpy(dtype=np.int64)
    # what the rules read of a variant; a coding variant of undetermined effect is also
    # described by position in a rule reason, so its position joins the key
    for gene, protein, consequence, exon, hotspot, chrom, pos, ref, alt, hgvsc in zip(
            rows["gene"], rows["protein_change"], rows["consequence"], rows["exon"],
            rows["hotspot"], rows["chrom"], rows["pos"], rows["ref"], rows["alt"],
            rows["hgvsc"], strict=True):
        key: tuple[object, ...] = (gene, _none(protein), consequence, _none(exon), hotspot)
        if consequence == "coding_undetermined":
            key += (_none(chrom), _none(pos), _none(ref), _none(alt), _none(hgvsc))
        row_key.append(variant_key(key))
    return rows, row_sample, row_gene, row_key


def _off_panel_rows(inputs: _Inputs, gaps: np.ndarray, rows, row_sample: np.ndarray,
                    row_gene: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The rows whose gene the sample's panel does not cover (by sample), and the first
    :data:`OFF_PANEL_EXAMPLES` of them named."""
    off_panel_rows = np.flatnonzero(gaps[row_sample, row_gene] != 0) if len(row_sample) else \
        np.zeros(0, dtype=np.int64)
    off_panel_rows = off_panel_rows[np.argsort(row_sample[off_panel_rows], kind="stable")]
    off_panel = [f"{inputs.sample_ids[row_sample[r]]} {inputs.screened[row_gene[r]]} "
                 f"{_none(rows['protein_change'].iat[r]) or ''}".strip()
                 for r in off_panel_rows[:OFF_PANEL_EXAMPLES]]
    return off_panel_rows, off_panel


def _merged_fields(fields: list, key_order: list, part_of: dict, part_dicts: _Codes,
                   cluster_ids: np.ndarray, n_clusters: int, rule_order: list[str],
                   gene_order: list[str]) -> tuple[np.ndarray, list[tuple]]:
    """Each field of a sample: its clusters' parts put together, once per distinct set.

    Returns each sample's code and, per code, the shared (rule_status, gene_status,
    rule_reason, exposure_status, exposure_reason) dicts.
    """
    n_samples = cluster_ids.shape[0]
    parts_as_dicts = [dict(items) for items in part_dicts.values]
    field_codes = np.zeros((n_samples, len(fields)), dtype=np.int64)
    merged: list[list[dict | None]] = []
    for f, status_field in enumerate(fields):
        level = status_field[1][0] if status_field[1] else status_field[0].split("_")[0]
        order = rule_order if level == "rule" else gene_order
        chosen = np.stack([part_of[status_field][c][cluster_ids[:, c]]
                           for c in range(n_clusters)], axis=1)
        codes, first = _row_codes(chosen)
        field_codes[:, f] = codes
        values = []
        for i in first:
            found = [parts_as_dicts[n] for n in chosen[i] if n >= 0]
            values.append(None if not found else found[0] if len(found) == 1 else
                          _merged(found, order))
        merged.append(values)
    combos, first = _row_codes(field_codes)
    shared = []
    for i in first:
        picked = {field: merged[f][field_codes[i, f]] for f, field in enumerate(fields)}
        shared.append((
            picked[("rule_status", None)] or {}, picked[("gene_status", None)] or {},
            picked[("rule_reason", None)] or {},
            {key: picked[("status", key)] for key in key_order
             if picked[("status", key)] is not None},
            {key: picked[("reason", key)] for key in key_order
             if picked[("reason", key)] is not None}))

    return combos, shared


def _assembled_samples(sample_ids: list[str], combos: np.ndarray, shared: list[tuple],
                       templates: list[dict[int, list]], cluster_ids: np.ndarray,
                       sample_rows: dict[tuple[int, int], list[int]], variant_of,
                       gene_copy_number, progress: _Progress) -> list[SampleCalls]:
    """One SampleCalls per sample: its shared statuses and reasons, and its clusters'
    alteration templates filled with the fields of its own MAF rows and copy number."""
    from ..report.model import CAUTION_ORDER

    n_samples = len(sample_ids)
    has_templates = np.zeros(n_samples, dtype=bool)
    for c, cluster_templates in enumerate(templates):
        if cluster_templates:
            has_templates |= np.isin(cluster_ids[:, c], list(cluster_templates))

    def order_key(a: dict) -> tuple:
        return -CAUTION_ORDER.get(a["caution_level"], 0), a["rule_id"], a["gene"]

    result: list[SampleCalls] = []
    for i, sample_id in enumerate(sample_ids):
        rule_status, gene_status, rule_reason, status, reason = shared[combos[i]]
        alterations: list[dict] = []
        if has_templates[i]:
            for c, cluster_templates in enumerate(templates):
                found = cluster_templates.get(int(cluster_ids[i, c]))
                if found:
                    alterations += _filled_alterations(found, i, sample_rows.get((i, c), []),
                                                       variant_of, gene_copy_number)
            alterations.sort(key=order_key)
        result.append(SampleCalls(
            sample_id=sample_id, rule_status=rule_status, gene_status=gene_status,
            alterations=alterations, source=SOURCE, attributes={},
            rule_reason=rule_reason, exposure_status=status, exposure_reason=reason))
        progress(i + 1)
    return result



def _filled_alterations(found: list, i: int, positions: list[int], variant_of,
                        gene_copy_number) -> list[dict]:
    """A cluster's alteration templates for sample ``i``, with the position, alleles, VAF and
    record of the sample's own MAF row and its copy number filled in."""
    from ..report.model import _plain

    alterations = []
    for template, variant_number, gene_number in found:
        alteration = dict(template)
        if variant_number is not None:
            variant = variant_of(positions[variant_number])
            for name in _ROW_FIELDS:        # str, int, float or None
                alteration[name] = getattr(variant, name)
        if gene_number is not None:
            gene_cn = gene_copy_number(i, gene_number)
            alteration["copy_number"] = _plain(gene_cn.copy_number)
        alterations.append(alteration)
    return alterations



def _cell_inputs(i: int, genes: list[str], columns: list[int], gaps: np.ndarray,
                 variant_gap: _Codes, copy_numbers: _CopyNumberCodes
                 ) -> tuple[dict[str, GeneCopyNumber], dict[str, str], dict[str, str]]:
    """What the rules of one cluster read of sample ``i`` besides its variants: the genes'
    copy-number calls, variant gaps and copy-number gaps."""
    gene_cns, variant_gaps, cn_gaps = {}, {}, {}
    for g, j in zip(genes, columns, strict=True):
        if gaps[i, j]:
            variant_gaps[g] = variant_gap.values[gaps[i, j]]
        kind, what = copy_numbers.descriptor.values[copy_numbers.cn[i, j]]
        if kind == "gap":
            cn_gaps[g] = what
            continue
        gene_cn = copy_numbers.gene_copy_number(i, j)
        if gene_cn is None:     # a "call" or "bad" descriptor always has a value or a conflict
            raise RuntimeError(f"copy-number cell ({i}, {j}) of kind {kind!r} has no value (a bug)")
        gene_cns[g] = gene_cn
        if kind == "bad":
            cn_gaps[g] = what
    return gene_cns, variant_gaps, cn_gaps


def _held_parts(part: SampleCalls) -> dict[_FieldKey, dict[str, str]]:
    """The status and reason dicts of a cluster's SampleCalls, keyed by (field, exposure key)."""
    held: dict[_FieldKey, dict[str, str]] = {("rule_status", None): part.rule_status,
            ("rule_reason", None): part.rule_reason,
            ("gene_status", None): part.gene_status}
    for key, value in (part.exposure_status or {}).items():
        held[("status", key)] = value
    for key, value in (part.exposure_reason or {}).items():
        held[("reason", key)] = value
    return held


def _alteration_templates(part: SampleCalls, variants: list[VariantCall],
                          gene_index: dict[str, int]) -> list[tuple]:
    """A cluster's alterations as templates: (alteration, index of its variant among the
    cluster's variants or None, index of its copy-number gene or None)."""
    records = {v.record: n for n, v in enumerate(variants)}
    return [(alteration, records.get(alteration["record"])
             if alteration["evidence_type"] in ("variant", "variant_with_loh") else None,
             gene_index[alteration["gene"]]
             if alteration["evidence_type"] == "copy_number" else None)
            for alteration in part.alterations]



def _sample_rows(clusters: list, gene_index: dict[str, int], row_sample: np.ndarray,
                 row_gene: np.ndarray) -> dict[tuple[int, int], list[int]]:
    """Per (sample, cluster), its rows (positions in the variant rows) in MAF order."""
    cluster_of_gene = np.zeros(len(gene_index), dtype=np.int64)
    for c, (genes, _rules) in enumerate(clusters):
        cluster_of_gene[[gene_index[g] for g in genes]] = c
    sample_rows: dict[tuple[int, int], list[int]] = {}
    for r in np.argsort(row_sample, kind="stable"):
        sample_rows.setdefault((int(row_sample[r]), int(cluster_of_gene[row_gene[r]])),
                               []).append(int(r))
    return sample_rows


def _row_variants(rows) -> list[VariantCall]:
    """The variant rows as VariantCalls, with their hotspot flags (none without rows)."""
    from ..io.maf import variant_calls_from_rows

    if rows is None:
        return []
    row_variants = variant_calls_from_rows(rows)
    for variant, hotspot in zip(row_variants, rows["hotspot"], strict=True):
        variant.hotspot = hotspot
    return row_variants


def _reference_order(knowledge: KnowledgeBase, screened: list[str]
                     ) -> tuple[list, list[str], list[str]]:
    """The order of the exposure keys, rule ids and gene ids, from one evaluation of every
    rule with nothing evaluable."""
    reference = SampleCalls.from_evaluation("", evaluate_sample(
        knowledge.rules, screened, [], {}, {g: "-" for g in screened},
        {g: "-" for g in screened}))
    return (list(reference.exposure_status or {}), list(reference.rule_status),
            list(reference.gene_status))


__all__ = ["CN_PROFILES", "CohortFileEvaluation", "evaluate_cohort_files"]
