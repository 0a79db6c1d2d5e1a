"""The cohort-file way in: a MAF and/or a gene-level copy-number matrix, with optional gene panels.

Each sample is evaluated with :func:`hpdgenomics.screen.engine.evaluate_sample`, the same function
the single-sample screen uses, so ``altered`` / ``not_detected`` / ``not_evaluable`` mean the same
thing in a cohort as in a single-sample report.

Which samples are in the cohort
-------------------------------
The union of: the MAF's samples, the copy-number matrix's samples, the gene-panel matrix's samples
and the samples named by the clinical table (``extra_samples``). A MAF lists alterations only, so a
sample with no MAF row is *profiled and unaltered* for mutations, unless a gene-panel matrix says its
assay did not cover the gene (then *not evaluable*). A copy-number matrix, by contrast, lists a
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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, UsageError
from ..genome import normalize_build
from ..io.gene_panel import ProfilingMap
from ..model import GeneCopyNumber, VariantCall
from ..screen.engine import evaluate_sample
from .analysis import SampleCalls

if TYPE_CHECKING:
    from ..knowledge import KnowledgeBase

log = logging.getLogger(__name__)

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
        if build and variant.pos is not None and variant.ref and variant.alt and \
                "-" not in (variant.ref, variant.alt):
            hits = panels[0].hotspots_at(variant.chrom, variant.pos, variant.ref, variant.alt)
            variant.hotspot = hits[0].protein_change if hits else None
        if not variant.hotspot and (variant.gene, variant.protein_change) in by_protein:
            variant.hotspot = variant.protein_change


def _cn_from_value(gene: str, values: list[float], kind: str, thresholds) -> GeneCopyNumber:
    from ..copynumber import call_from_copies, call_from_discrete, log2_to_copies

    distinct = sorted(set(values))
    if len(distinct) > 1:
        return GeneCopyNumber(gene=gene, call=None, caller="gene-level matrix",
                              reason=f"conflicting values {distinct} for {gene} in the "
                                     "copy-number matrix")
    value = distinct[0]
    if kind == "discrete":
        call = call_from_discrete(value)
        return GeneCopyNumber(gene=gene, call=call, fraction_covered=1.0, caller="gene-level matrix",
                              basis=f"discrete value {value:g} from the matrix (cBioPortal scale)",
                              reason=f"discrete {value:g} = {call.value}")
    copies = log2_to_copies(value)
    call, reason = call_from_copies(copies, 2.0, thresholds.for_gene(gene), focal=None)
    return GeneCopyNumber(gene=gene, call=call, copy_number=copies, log2=value,
                          fraction_covered=1.0, caller="gene-level matrix",
                          basis="log2 converted with purity 1 and ploidy 2 assumed (a matrix "
                                "carries neither): CN = 2 * 2^log2",
                          reason=reason,
                          warnings=["gene-level input: focal and broad events cannot be told apart"])


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
                          maf_on_invalid: str = "error") -> CohortFileEvaluation:
    """Evaluate every cohort sample from a MAF and/or a gene-level copy-number matrix.

    ``extra_samples`` (for example the clinical table's samples) are added to the cohort; with no
    MAF rows they are profiled-and-unaltered for mutations (subject to ``profiling``).
    """
    from ..copynumber import thresholds_from_knowledge
    from ..io.cnv import read_gene_matrix
    from ..io.maf import maf_to_variant_calls, read_maf
    from ..io.text import sha256_file

    if maf is None and cna is None:
        raise UsageError("no cohort file given", hint="pass --maf, --cna, or both")
    profiling = profiling or ProfilingMap()
    build = normalize_build(build) if build else None
    screened = knowledge.screened_genes()
    profiling.check_genes(screened)
    result = CohortFileEvaluation(samples=[])

    maf_table = None
    if maf is not None:
        maf_table = read_maf(maf, on_invalid=maf_on_invalid, build_for_rows=build)
        if build and maf_table.build and maf_table.build != build:
            raise UsageError(f"--build {build} disagrees with the MAF's NCBI_Build "
                             f"{maf_table.build}", path=maf,
                             hint="drop --build or check the file")
        build = build or maf_table.build
        result.inputs.append({"kind": "maf", "path": str(maf), "format": "MAF",
                              "sha256": maf_table.sha256, **{k: v for k, v in
                                                             maf_table.accounting().items()
                                                             if k not in ("path", "sha256")}})
        result.warnings.extend(maf_table.warnings)
        result.assumptions.append("MAF rows are used as called (the MAF is taken as the final call "
                                  "set; FILTER values are not re-applied); a sample with no MAF "
                                  "row is profiled and unaltered unless a gene-panel matrix says "
                                  "otherwise")
    else:
        result.assumptions.append("no MAF: mutation rules are not evaluable")
    result.build = build

    cn_long = None
    cn_kind = None
    cn_all_samples: list[str] = []
    if cna is not None:
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
    else:
        result.assumptions.append("no copy-number matrix: amplification and deep-deletion rules "
                                  "are not evaluable")
    if profiling.assumption:
        result.assumptions.append(profiling.assumption)
    for path, digest in profiling.sources.items():
        result.inputs.append({"kind": "gene_panel", "path": path, "format": "gene panel",
                              "sha256": digest})

    thresholds = thresholds_from_knowledge(knowledge.copy_number)
    cn_profile = next((p for p in CN_PROFILES if p in profiling.profiles), None)
    has_mutation_profile = profiling.matrix is None or MUTATION_PROFILE in profiling.profiles
    if profiling.matrix is not None and not has_mutation_profile:
        result.warnings.append("the gene-panel matrix has no 'mutations' column: every sample is "
                               "taken as profiled for mutations in every gene")

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
    genomic_folds = {s.casefold() for s in sample_ids}
    clinical_only = [s for s in dict.fromkeys(str(s) for s in extra_samples)
                     if s not in sample_ids and s.casefold() not in genomic_folds]
    sample_ids += clinical_only
    if clinical_only:
        _loud(result, f"{len(clinical_only)} sample(s) named only by the clinical files have no "
                      f"genomic data (no MAF row, no copy-number value, not in a gene-panel "
                      f"matrix; e.g. {', '.join(clinical_only[:3])}): not evaluable for every "
                      "rule. A sample profiled without any mutation is told apart only by a "
                      "gene-panel matrix listing it")
    no_variant_data = maf_table is not None and maf_table.df.empty
    if no_variant_data:
        _loud(result, f"the MAF {maf} has no usable variant rows ({maf_table.rows_read} read, "
                      f"{len(maf_table.rejected)} rejected): no variant data, so every variant "
                      "criterion is not evaluable (a header-only MAF cannot say that the samples "
                      "are unaltered)")
    cn_samples = set(cn_all_samples)
    if maf_table is not None and cn_long is not None:
        result.warnings.extend(_sample_set_warnings(maf_table.samples, cn_all_samples,
                                                    profiling))
    cn_by_sample = dict(tuple(cn_long.groupby("sample"))) if cn_long is not None else {}
    maf_samples = set(maf_table.samples) if maf_table is not None else set()

    off_panel: list[str] = []
    for sample_id in sample_ids:
        variants: list[VariantCall] = []
        if maf_table is not None and sample_id in maf_samples:
            variants = maf_to_variant_calls(maf_table.df, sample_id)
            _mark_hotspots(variants, knowledge, build)
        variant_gaps: dict[str, str] = {}
        for gene in screened:
            if maf_table is None:
                variant_gaps[gene] = "no MAF"
            elif no_variant_data:
                variant_gaps[gene] = "the MAF has no variant rows"
            elif sample_id in clinical_only:
                variant_gaps[gene] = "no genomic data (sample only in the clinical files)"
            elif has_mutation_profile and profiling.matrix is not None:
                covered = profiling.profiled(sample_id, gene, MUTATION_PROFILE)
                if covered is None:
                    variant_gaps[gene] = "sample not in the gene-panel matrix"
                elif not covered:
                    panel = profiling.panel_of(sample_id, MUTATION_PROFILE)
                    variant_gaps[gene] = (f"not on the sample's mutation panel {panel}" if panel
                                          else "sample not profiled for mutations")
        for variant in variants:
            if variant.gene in variant_gaps and variant.gene in screened:
                off_panel.append(f"{sample_id} {variant.gene} {variant.protein_change or ''}".strip())

        gene_cns: dict[str, GeneCopyNumber] = {}
        cn_gaps: dict[str, str] = {}
        rows = cn_by_sample.get(sample_id)
        for gene in screened:
            if cn_long is None:
                cn_gaps[gene] = "no copy-number matrix"
                continue
            if sample_id not in cn_samples:
                cn_gaps[gene] = ("no genomic data (sample only in the clinical files)"
                                 if sample_id in clinical_only else
                                 "sample not in the copy-number matrix")
                continue
            if cn_profile is not None:
                covered = profiling.profiled(sample_id, gene, cn_profile)
                if not covered:
                    cn_gaps[gene] = ("sample not in the gene-panel matrix" if covered is None
                                     else f"not on the sample's {cn_profile} panel")
                    continue
            values = rows.loc[rows["gene"] == gene, "value"].tolist() if rows is not None else []
            if not values:
                cn_gaps[gene] = "gene not in the copy-number matrix (or NA)"
                continue
            gene_cn = _cn_from_value(gene, values, cn_kind, thresholds)
            gene_cns[gene] = gene_cn
            if gene_cn.call is None:
                cn_gaps[gene] = gene_cn.reason
        evaluation = evaluate_sample(knowledge.rules, screened, variants, gene_cns, variant_gaps,
                                     cn_gaps)
        result.samples.append(SampleCalls.from_evaluation(sample_id, evaluation,
                                                          source="cohort files"))
    if off_panel:
        shown = ", ".join(off_panel[:10]) + (" ..." if len(off_panel) > 10 else "")
        result.warnings.append(f"{len(off_panel)} variant(s) lie in genes the sample's panel does "
                               f"not cover; they are counted as altered (check the gene-panel "
                               f"matrix and panel definitions): {shown}")
    if not result.samples:
        raise InputError("no samples found in the cohort files",
                         hint="check that the MAF or copy-number matrix has data rows")
    return result


__all__ = ["CN_PROFILES", "CohortFileEvaluation", "evaluate_cohort_files"]
