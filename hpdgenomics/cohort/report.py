"""The cohort report: run the analysis from its inputs, hold it as one model, render it.

:func:`run_cohort` is what ``hpdgenomics cohort`` calls: it reads and validates the clinical table
and the manifest, and checks that every ``--covariate``/``--strata`` column exists, first (so a bad
file or a typo fails before any sample is screened), then screens a manifest
(:func:`hpdgenomics.cohort.batch.screen_manifest`, per-sample reports in ``<out>/samples/``) or
evaluates cohort files (:func:`hpdgenomics.cohort.files.evaluate_cohort_files`), then runs
:func:`hpdgenomics.cohort.analysis.analyse_cohort`. It returns a :class:`CohortReport`;
:func:`write_cohort_outputs` writes its views:

=========================  ===================================================================
``calls.tsv``              one row per sample and alteration (rule match), with its grade
``matrix.tsv``             samples x rules, one block of rows per exposure definition
                           (``component``, ``grade``): 1 altered, 0 profiled and unaltered,
                           empty = not evaluable, ``n/a`` = the rule has no such component
``matrix_genes.tsv``       the same per gene
``association.tsv``        one row per rule and exposure definition
                           (:data:`~hpdgenomics.cohort.analysis.RULE_ASSOCIATION_COLUMNS`)
``association_genes.tsv``  the same per gene, q-values over the family of genes
``join_report.tsv``        every soft issue of the clinical join, one per line
``cohort.json``            everything above plus versions, input hashes, options, methods
``cohort.html``            self-contained (plots embedded as base64 PNG)
``plots/*.png|svg``        KM curves per altered rule, forest plot, oncoprint
``cbioportal/``            each sample's caution as cBioPortal clinical-sample attributes
                           (:mod:`hpdgenomics.cohort.cbioportal`)
=========================  ===================================================================

Every file is written atomically. Research use only: the report says what the numbers can and cannot
support.
"""
from __future__ import annotations

import csv
import io
import logging
import math
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import __version__
from ..clinical.evaluate import STATEMENT
from ..errors import UsageError
from ..io.text import sha256_file
from ..outputs import finite_json, write_file_set
from ..screen.exposures import ALL, ANY
from ..stats._result import json_safe
from .analysis import (
    DEFAULT_EXPOSURE,
    DURATION_COLUMN,
    EVENT_COLUMN,
    GENE_ASSOCIATION_COLUMNS,
    RULE_ASSOCIATION_COLUMNS,
    CohortAnalysis,
    CohortOptions,
    OutcomeSpec,
    SampleCalls,
    analyse_cohort,
    check_model_columns,
    parse_outcome,
)
from .clinical import rules_apply

if TYPE_CHECKING:
    from ..io.clinical import ClinicalTable
    from ..io.manifest import ManifestRow
    from ..knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)

DEFAULT_TIME_COLUMN, DEFAULT_STATUS_COLUMN = "TTF_MONTHS", "TTF_STATUS"

CALLS_COLUMNS = ("sample_id", "patient_id", "rule_id", "gene", "evidence_type", "criterion",
                 "grade", "caution_level", "evidence_level", "protein_change", "consequence",
                 "hgvsc", "chrom", "pos", "ref", "alt", "vaf", "hotspot", "copy_number_call",
                 "copy_number", "record", "source")

#: a matrix cell for a rule (gene) that has no criteria of the block's component
NOT_APPLICABLE = "n/a"

#: cohort.html shows per-sample rows (the screened samples' table) for at most this many samples;
#: above it, the first ones and a line saying how many more, linking samples.tsv (docs/cohort.md)
HTML_SAMPLE_LIMIT = 500

#: cohort.json embeds the per-sample tables (``calls``, ``matrix``, ``matrix_genes``) for at most
#: this many samples (the first ones, in input order); above it each table says so
#: (``truncated``, ``n_samples``, ``n_rows``, ``table``: the TSV holding every row). Counts,
#: statistics, the join report and the per-sample screening outcomes are always complete.
JSON_SAMPLE_LIMIT = 5000

SAMPLES_COLUMNS = ("sample_id", "status", "caution_level", "genome_build", "error", "report",
                   "manifest_line")

LIBRARIES = ("pandas", "numpy", "scipy", "statsmodels", "lifelines", "firthmodels", "matplotlib",
             "jinja2", "cyvcf2")

DISCLAIMER = (
    "Research use only. These are association statistics for hypothesis generation in a cohort; "
    "they are not validated predictors and say nothing certain about any one patient. Published "
    "evidence linking these alterations to hyper-progressive disease or early failure on immune "
    "checkpoint inhibitors is limited and mixed. Samples not evaluable for an alteration are "
    "excluded from its denominators, never counted as unaltered.")


@dataclass
class CohortConfig:
    """Everything ``hpdgenomics cohort`` accepts; mirrors its options (docs/cohort.md).

    Give one way in: ``manifest`` (per-sample VCF/copy-number files, screened into
    ``out_dir/samples/``, so ``out_dir`` is needed), ``reports`` (finished ``<sample>.hpd.json``
    files or folders; ``manifest`` is then the sample sheet only) or ``maf`` and/or ``cna``
    (cohort files, with ``gene_panel_matrix``/``gene_panels``). ``clinical`` and the column
    options give the outcome; ``outcome`` is ``ttf``, ``binary:<COLUMN>`` or
    ``hpd:<definition>`` (with ``hpd_calls``).
    """

    manifest: Path | None = None
    # finished single-sample reports (folders and/or files); with them a manifest is the sample
    # sheet only (patient ids, columns), nothing is screened (cohort.gather)
    reports: tuple[Path, ...] = ()
    maf: Path | None = None
    cna: Path | None = None
    cna_format: str | None = None
    gene_panel_matrix: Path | None = None
    gene_panels: tuple[Path, ...] = ()
    clinical: Path | None = None
    clinical_samples: Path | None = None
    id_column: str | None = None
    time_column: str | None = None     # None: TTF_MONTHS, optional for a binary/HPD outcome
    status_column: str | None = None   # None: TTF_STATUS, likewise
    time_unit: str | None = None      # None: months, checked for plausibility (io.clinical)
    on_invalid: str = "error"
    outcome: str = "ttf"
    hpd_calls: Path | None = None
    early_failure_months: float = 2.0
    covariates: tuple[str, ...] = ()
    strata: tuple[str, ...] = ()
    policy: str = "first"
    build: str | None = None
    knowledge_path: Path | None = None
    knowledge_mode: str = "extend"
    include_filtered: bool = False
    workers: int | None = None
    # manifest path: tcp://host:port of a Dask scheduler, or local
    dask_scheduler: str | None = None
    tcga_barcode_patients: bool = False
    # patient factor columns named explicitly: "KEY=COLUMN" (--clinical-factor), e.g.
    # "ldh=LDH_IU"; others are found by the vocabulary (hpdgenomics.clinical.factors)
    clinical_factors: tuple[str, ...] = ()
    out_dir: Path | None = None      # needed for the manifest path (per-sample reports)
    alpha: float = 0.05


@dataclass
class CohortReport:
    """What :func:`run_cohort` returns: the :class:`~hpdgenomics.cohort.analysis.CohortAnalysis`
    with versions, inputs (with sha256), options, per-sample outcomes, assumptions and warnings.
    ``to_dict()`` is ``cohort.json``; the ``*_rows`` methods are the TSV tables."""

    tool_version: str
    created: str
    knowledge: dict
    config: dict
    inputs: list[dict]
    analysis: CohortAnalysis
    sample_outcomes: list[dict] = field(default_factory=list)   # manifest path: per-sample status
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    build: str | None = None
    disclaimer: str = DISCLAIMER

    # --- tables --------------------------------------------------------------------------------
    def patient_of(self) -> dict[str, str | None]:
        """sample id -> patient id, from the clinical join when there is one, else the manifest."""
        join = self.analysis.join
        mapped = {} if join is None else dict(zip(join["sample_id"], join["patient_id"],
                                                  strict=True))
        return {s.sample_id: mapped.get(s.sample_id, s.patient_id) for s in self.analysis.samples}

    def calls_rows(self, limit: int | None = None) -> list[dict]:
        """One record per sample and alteration; ``limit``: of the first ``limit`` samples."""
        patients = self.patient_of()
        return [{**{k: a.get(k) for k in CALLS_COLUMNS if k in a}, "sample_id": s.sample_id,
                 "patient_id": patients.get(s.sample_id), "source": s.source}
                for s in self.analysis.samples[:limit] for a in s.alterations]

    def calls_tsv(self) -> str:
        """calls.tsv: the text of ``_tsv_text(CALLS_COLUMNS, calls_rows())``, each distinct
        alteration list formatted once (samples with identical inputs may share one)."""
        patients = self.patient_of()
        middle = CALLS_COLUMNS[2:-1]
        formatted: dict[int, list[tuple[str, ...]]] = {}
        rows: list[tuple[str, ...]] = []
        for sample in self.analysis.samples:
            if not sample.alterations:
                continue
            cells = formatted.get(id(sample.alterations))
            if cells is None:
                cells = formatted[id(sample.alterations)] = [
                    tuple(_cell(a.get(k)) for k in middle) for a in sample.alterations]
            head = (_cell(sample.sample_id), _cell(patients.get(sample.sample_id)))
            tail = (_cell(sample.source),)
            rows.extend(head + middle_cells + tail for middle_cells in cells)
        return _tsv_lines(CALLS_COLUMNS, rows)

    def _matrix_blocks(self, level: str):
        analysis = self.analysis
        default = analysis.rule_matrix if level == "rule" else analysis.gene_matrix
        matrices = (analysis.rule_matrices if level == "rule" else analysis.gene_matrices) or \
            {DEFAULT_EXPOSURE: default}
        return list(default.columns), matrices

    def matrix_tsv(self, level: str = "rule") -> str:
        """matrix.tsv (matrix_genes.tsv): the text of ``_tsv_text(*matrix_rows(level))``, built
        column-wise."""
        ids, matrices = self._matrix_blocks(level)
        patients = self.patient_of()
        columns = ["sample_id", "patient_id", "component", "grade", *ids]
        blocks = []
        for (component, grade), matrix in matrices.items():
            sample_ids = matrix.index.to_numpy(dtype=object)
            block = {"sample_id": [_cell(v) for v in sample_ids],
                     "patient_id": [_cell(patients.get(v)) for v in sample_ids],
                     "component": np.full(len(matrix), _cell(component), dtype=object),
                     "grade": np.full(len(matrix), _cell(grade), dtype=object)}
            for k in ids:
                if k in matrix.columns:
                    values = matrix[k].to_numpy(dtype=float)
                    text = np.where(values == 1, "1", "0").astype(object)
                    other = ~np.isnan(values) & (values != 1) & (values != 0)
                    if other.any():     # never from status codes; formatted as any cell is
                        text[other] = [_cell(int(v)) for v in values[other]]
                    text[np.isnan(values)] = ""
                    block[k] = text
                else:
                    block[k] = np.full(len(matrix), NOT_APPLICABLE, dtype=object)
            blocks.append(pd.DataFrame(block, columns=columns))
        frame = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=columns)
        return _tsv_lines(columns, frame.itertuples(index=False, name=None))

    def matrix_rows(self, level: str = "rule", limit: int | None = None
                    ) -> tuple[list[str], list[dict]]:
        """One block of rows per exposure definition (``component``, ``grade``), the default
        (``all``, ``strong``) first; a rule without criteria of the block's component is
        :data:`NOT_APPLICABLE`. ``limit``: the rows of the first ``limit`` samples of each
        block."""
        ids, matrices = self._matrix_blocks(level)
        patients = self.patient_of()
        columns = ["sample_id", "patient_id", "component", "grade", *ids]
        rows = []
        for (component, grade), matrix in matrices.items():
            for sample_id, values in matrix.iloc[:limit].iterrows():
                row = {"sample_id": sample_id, "patient_id": patients.get(sample_id),
                       "component": component, "grade": grade}
                row.update({k: NOT_APPLICABLE for k in ids})
                row.update({k: (None if math.isnan(v) else int(v)) for k, v in values.items()})
                rows.append(row)
        return columns, rows

    def association_rows(self, level: str = "rule", *, default_only: bool = False) -> list[dict]:
        """Association rows; ``default_only``: only the default exposure (all criteria, strong
        grade), one row per rule (gene)."""
        return [a.row() for a in self.analysis.associations(level, default_only=default_only)]

    def other_exposure_rows(self, level: str = "rule") -> list[dict]:
        """The rows of exposure definitions other than the default that differ from it: the
        ``any`` grade, and components of rules with both variant and copy-number criteria."""
        definitions = (self.analysis.rule_exposures if level == "rule"
                       else self.analysis.gene_exposures)
        distinct = {(d.id, d.component, d.grade) for d in definitions if d.distinct}
        return [a.row() for a in self.analysis.associations(level)
                if not a.is_default and (a.id, a.component, a.grade) in distinct]

    def methods(self) -> list[str]:
        """The methods actually used, from the result objects themselves, de-duplicated."""
        texts: list[str] = []
        for association in self.analysis.rule_associations[:1]:
            for result in filter(None, (association.crude, association.adjusted)):
                for name, component in result.components().items():
                    texts.append(f"{name.replace('_', ' ')}: {component.method}")
        texts.append("Benjamini-Hochberg q-values over the Fisher p-values of the family of rules "
                     "(and, separately, of genes) tested under the same exposure definition "
                     "(component and grade)")
        texts.append("Exposure: by default a rule counts as altered on a strong-grade match of any "
                     "of its criteria (component all, grade strong); rows with grade any also "
                     "count supporting-grade matches, and rows with component variant or "
                     "copy_number count only that kind of evidence (the other is not assessed)")
        return list(dict.fromkeys(texts))

    def stat_assumptions(self) -> list[str]:
        """The assumptions of the statistics used (from the first rule's crude and adjusted
        results), each once, in order."""
        seen: list[str] = []
        for association in self.analysis.rule_associations[:1]:
            for result in filter(None, (association.crude, association.adjusted)):
                seen += result.assumptions
                for component in result.components().values():
                    seen += component.assumptions
        return list(dict.fromkeys(seen))

    def sample_tables_truncated(self) -> bool:
        """True when cohort.json carries the per-sample tables of only the first samples."""
        return len(self.analysis.samples) > JSON_SAMPLE_LIMIT

    def to_dict(self) -> dict:
        """``cohort.json``: the whole report as JSON-ready data (schema: ``cohort.schema.json``);
        the per-sample tables are cut to the first :data:`JSON_SAMPLE_LIMIT` samples."""
        analysis = self.analysis
        limit = JSON_SAMPLE_LIMIT if self.sample_tables_truncated() else None
        n_samples = len(analysis.samples)
        columns, matrix = self.matrix_rows("rule", limit)
        gene_columns, gene_matrix = self.matrix_rows("gene", limit)
        calls = self.calls_rows(limit)

        def shown(table: str, rows: list, n_rows: int) -> dict:
            """How much of a per-sample table this JSON holds (all of it, or the first samples')."""
            return {"truncated": limit is not None, "n_samples": n_samples,
                    "n_samples_included": min(n_samples, limit or n_samples),
                    "n_rows": n_rows, "n_rows_included": len(rows), "table": table,
                    "limit": JSON_SAMPLE_LIMIT}

        n_calls = sum(len(s.alterations) for s in analysis.samples)
        n_blocks = {level: len(self._matrix_blocks(level)[1]) for level in ("rule", "gene")}
        # the association views are JSON-safe already and share the views of shared fits:
        # converted once each, and set in after the walk over the rest
        results: dict[int, dict] = {}
        associations = {
            "association": [a.to_dict(results) for a in analysis.rule_associations],
            "association_genes": [a.to_dict(results) for a in analysis.gene_associations],
            "association_clinical": [a.to_dict(results)
                                     for a in analysis.clinical_associations]}
        data = json_safe({
            "schema_version": "1.0",
            "tool": {"name": "hpdgenomics", "version": self.tool_version},
            "versions": _versions(),
            "created": self.created,
            "knowledge_base": self.knowledge,
            "genome_build": self.build,
            "options": self.config,
            "inputs": self.inputs,
            "outcome": {"spec": analysis.options.outcome.text(),
                        "binary_outcome": analysis.options.outcome.label,
                        "early_failure_months": analysis.options.early_failure_months,
                        "survival_available": analysis.survival_available,
                        "survival_skipped": analysis.survival_skipped,
                        "binary_available": analysis.binary_available,
                        "binary_skipped": analysis.binary_skipped},
            "samples": {"n": len(analysis.samples), "outcomes": self.sample_outcomes},
            "rules": analysis.rules,
            "exposures": {"rules": [d.to_dict() for d in analysis.rule_exposures],
                          "genes": [d.to_dict() for d in analysis.gene_exposures]},
            "counts": {"rules": analysis.count_rows("rule"),
                       "genes": analysis.count_rows("gene")},
            "calls": calls,
            "calls_included": shown("calls.tsv", calls, n_calls),
            "matrix": {"columns": columns, "rows": matrix,
                       **shown("matrix.tsv", matrix, n_blocks["rule"] * n_samples)},
            "matrix_genes": {"columns": gene_columns, "rows": gene_matrix,
                             **shown("matrix_genes.tsv", gene_matrix,
                                     n_blocks["gene"] * n_samples)},
            "association": None,
            "association_genes": None,
            "association_clinical": None,
            "clinical_factors": _clinical_factors(self),
            "join_report": (analysis.join_report.to_dict()
                            if analysis.join_report is not None else None),
            "join_problems": (analysis.join_report.problems()
                              if analysis.join_report is not None else []),
            "hpd_definition_overlap": (analysis.hpd_overlap.reset_index().to_dict("records")
                                       if analysis.hpd_overlap is not None else None),
            "methods": self.methods(),
            "statistical_assumptions": self.stat_assumptions(),
            "assumptions": self.assumptions + analysis.assumptions,
            "warnings": self.warnings + analysis.warnings,
            "disclaimer": self.disclaimer,
        })
        data.update(associations)      # the same keys: their place in the document is kept
        return data


def _versions() -> dict:
    found = {"python": platform.python_version(), "hpdgenomics": __version__}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def _now() -> str:
    """UTC timestamp; SOURCE_DATE_EPOCH pins it for reproducible outputs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat()


def knowledge_clinical_rules(knowledge) -> tuple:
    """The knowledge base's CLIN_* rules (``KnowledgeBase.clinical_rules``)."""
    return tuple(knowledge.clinical_rules)


def factor_mapping(items) -> dict[str, str]:
    """``("ldh=LDH_IU", ...)`` (``--clinical-factor``) as KEY -> COLUMN; a malformed item or a
    KEY given twice is a UsageError (unknown keys and columns are checked when the table is
    read: :func:`hpdgenomics.io.patient.factor_columns_of`)."""
    mapping: dict[str, str] = {}
    for item in items:
        key, sep, column = str(item).partition("=")
        if not sep or not key.strip() or not column.strip():
            raise UsageError(f"--clinical-factor {item!r}: expected KEY=COLUMN",
                             hint="for example --clinical-factor ldh=LDH_IU_L "
                                  "(docs/clinical.md lists the keys)")
        if key.strip() in mapping:
            raise UsageError(f"--clinical-factor: {key.strip()} given twice")
        mapping[key.strip()] = column.strip()
    return mapping


def _clinical_factors(report: CohortReport) -> dict | None:
    """cohort.json ``clinical_factors``: which column was read as which factor, how many
    analysed patients have each assessed, every unit conversion, and the CLIN_* counts."""
    analysis = report.analysis
    info = analysis.clinical_factor_info
    if info is None:
        return None
    patients = analysis.patients
    assessed = ({key: int(patients[key].notna().sum()) for key in info["assessed_in_table"]
                 if key in patients.columns} if patients is not None else {})
    return {**info, "assessed_in_analysis": assessed,
            "n_patients_analysed": int(len(patients)) if patients is not None else 0,
            "rules": analysis.clinical_rules, "counts": analysis.clinical_counts(),
            "statement": STATEMENT}


def _config_dict(config: CohortConfig) -> dict:
    return {k: (str(v) if isinstance(v, Path) else [str(x) for x in v] if isinstance(v, tuple)
                else v) for k, v in vars(config).items()}


# --- running --------------------------------------------------------------------------------------

def run_cohort(config: CohortConfig,
               progress: _Progress | None = None) -> CohortReport:
    """Read, screen or evaluate, join and analyse: the function behind ``hpdgenomics cohort``.

    Inputs: a :class:`CohortConfig`; ``progress(done, total, sample_id)``, when given, is called
    after each manifest sample (or gathered report); ``sample_id`` is None for the steps of the
    cohort files, which are not one sample each.

    Returns a :class:`CohortReport`: ``analysis`` (a
    :class:`~hpdgenomics.cohort.analysis.CohortAnalysis`: samples, status matrices, counts and
    association results per rule and gene), ``sample_outcomes``, ``warnings``; ``to_dict()`` is
    ``cohort.json``. Writes nothing but the per-sample reports of the manifest path (use
    :func:`write_cohort_outputs`); prints nothing. A manifest sample that cannot be screened is
    left out with its error in ``sample_outcomes`` and ``warnings``, not raised.

    Raises :class:`~hpdgenomics.errors.UsageError` for options that contradict each other or
    nothing to analyse, :class:`~hpdgenomics.errors.ClinicalDataError` for a clinical table
    that cannot be used (every problem listed), :class:`~hpdgenomics.errors.InputError` for an
    unreadable or malformed manifest, report, MAF, copy-number or panel file, and
    :class:`~hpdgenomics.errors.KnowledgeError` for a bad ``knowledge_path``.
    """
    from ..knowledge import load_knowledge

    outcome = _checked_outcome(config)
    knowledge = load_knowledge(config.knowledge_path, mode=config.knowledge_mode)
    inputs: list[dict] = []
    clinical = _read_clinical_input(config, outcome, inputs)
    clinical_rules = knowledge_clinical_rules(knowledge)
    hpd_calls = _read_hpd_calls(config, outcome, inputs)
    manifest = _read_manifest(config)
    if clinical is not None and (config.covariates or config.strata):
        _check_model_columns_early(config, clinical, manifest, clinical_rules)
    gathered = _gather_samples(config, knowledge, clinical, manifest, progress)
    inputs.extend(gathered.inputs)
    options = CohortOptions(outcome=outcome, early_failure_months=config.early_failure_months,
                            covariates=tuple(config.covariates), strata=tuple(config.strata),
                            policy=config.policy, alpha=config.alpha,
                            tcga_barcode_patients=config.tcga_barcode_patients)
    analysis = analyse_cohort(gathered.samples, knowledge.rules, clinical=clinical,
                              options=options,
                              sample_to_patient=gathered.sample_to_patient or None,
                              profiling_assumption=gathered.profiling_assumption,
                              hpd_calls=hpd_calls, clinical_rules=clinical_rules)
    assumptions = list(gathered.assumptions)
    if gathered.profiling_assumption and clinical is None:
        assumptions.append(gathered.profiling_assumption)
    return CohortReport(
        tool_version=__version__, created=_now(),
        knowledge={"name": knowledge.name, "version": knowledge.version,
                   "sha256": knowledge.sha256, "sources": list(knowledge.sources)},
        config=_config_dict(config), inputs=inputs, analysis=analysis,
        sample_outcomes=gathered.outcomes, assumptions=assumptions,
        warnings=list(dict.fromkeys(gathered.warnings)), build=gathered.build)


def _checked_outcome(config: CohortConfig) -> OutcomeSpec:
    """The parsed outcome, after refusing options that contradict each other or name nothing."""
    if config.reports and (config.maf is not None or config.cna is not None):
        raise UsageError("give either --reports or cohort files (--maf/--cna), not both")
    if config.manifest is not None and (config.maf is not None or config.cna is not None):
        raise UsageError("give either --manifest or cohort files (--maf/--cna), not both")
    if config.manifest is None and config.maf is None and config.cna is None \
            and not config.reports:
        raise UsageError("nothing to analyse",
                         hint="give --manifest, --reports, or --maf and/or --cna")
    if config.dask_scheduler is not None and (config.manifest is None or config.reports):
        raise UsageError("--dask-scheduler distributes the screening of --manifest samples; "
                         "--reports (finished reports) and cohort files (--maf/--cna, whole "
                         "tables) are read in this process",
                         hint="drop --dask-scheduler, or give a --manifest of per-sample files "
                              "without --reports")
    outcome = parse_outcome(config.outcome)
    if outcome.kind == "hpd" and config.hpd_calls is None:
        raise UsageError(f"--outcome {config.outcome} needs --hpd-calls",
                         hint="pass the hpd_calls.tsv (or its folder) from "
                              "hpdgenomics hpd-classify")
    if outcome.kind != "ttf" and config.clinical is None:
        raise UsageError(f"--outcome {config.outcome} needs --clinical")
    if (config.covariates or config.strata) and config.clinical is None:
        raise UsageError("--covariate/--strata need --clinical")
    return outcome


def _read_clinical_input(config: CohortConfig, outcome: OutcomeSpec,
                         inputs: list[dict]) -> ClinicalTable | None:
    """Read the clinical table (first: a bad one fails before any screening); adds its inputs."""
    from ..io.clinical import read_clinical

    if config.clinical is None:
        if config.clinical_factors:
            raise UsageError("--clinical-factor needs --clinical")
        return None
    # the TTF columns a user named, or any outcome that needs them, must be there; the
    # default names are only looked for when the outcome is binary or HPD
    named = config.time_column is not None or config.status_column is not None
    clinical = read_clinical(
        config.clinical, time_col=config.time_column or DEFAULT_TIME_COLUMN,
        status_col=config.status_column or DEFAULT_STATUS_COLUMN,
        time_unit=config.time_unit, samples_path=config.clinical_samples,
        binary_cols=[outcome.column] if outcome.kind == "binary" and outcome.column else [],
        id_col=config.id_column, on_invalid=config.on_invalid,
        require_time_to_event=outcome.kind == "ttf" or named,
        factor_mapping=factor_mapping(config.clinical_factors))
    inputs.append({"kind": "clinical", "path": str(config.clinical), "sha256": clinical.sha256,
                   "level": clinical.level, "columns_used": clinical.columns_used,
                   "time_unit": clinical.time_unit})
    if clinical.samples_path:
        inputs.append({"kind": "clinical_samples", "path": clinical.samples_path,
                       "sha256": clinical.samples_sha256})
    return clinical


def _read_hpd_calls(config: CohortConfig, outcome: OutcomeSpec,
                    inputs: list[dict]) -> pd.DataFrame | None:
    """The HPD calls of an ``hpd:`` outcome (None for another outcome); adds their input."""
    if outcome.kind != "hpd":
        return None
    from ..hpd import load_hpd_calls

    if config.hpd_calls is None:     # _checked_outcome refused an hpd outcome without them
        raise RuntimeError("an hpd outcome without --hpd-calls (a bug)")
    hpd_calls = load_hpd_calls(config.hpd_calls)
    calls_path = Path(config.hpd_calls)
    calls_path = calls_path / "hpd_calls.tsv" if calls_path.is_dir() else calls_path
    inputs.append({"kind": "hpd_calls", "path": str(calls_path),
                   "sha256": sha256_file(calls_path)})
    return hpd_calls


def _read_manifest(config: CohortConfig) -> _Manifest | None:
    """The manifest (per-sample files, or the sample sheet of --reports), if given."""
    if config.manifest is None:
        return None
    from ..io.manifest import read_manifest

    if config.out_dir is None and not config.reports:
        raise UsageError("the manifest path needs an output folder for the per-sample reports")
    return _Manifest(config.manifest,
                     read_manifest(config.manifest, sample_sheet=bool(config.reports)))


def _check_model_columns_early(config: CohortConfig, clinical: ClinicalTable,
                               manifest: _Manifest | None,
                               clinical_rules: tuple) -> None:
    """Covariates and strata must name a column: checked before the run, so a typo costs none."""
    from ..io.manifest import manifest_columns

    # manifest columns usable as covariates or strata
    model_columns = manifest_columns(manifest.rows) if manifest is not None else []
    check_model_columns(config.covariates, config.strata,
                        [*clinical.carried_columns, *model_columns,
                         *(r.id for r in clinical_rules
                           if rules_apply(clinical_rules, clinical.factor_assessed))],
                        path=clinical.path)


#: progress(done, total, sample_id or None)
_Progress = Callable[[int, int, "str | None"], None]


@dataclass
class _Manifest:
    """The manifest given (per-sample files, or the sample sheet of --reports) and its rows."""

    path: str | Path               # as given (the report names it so)
    rows: list[ManifestRow]


@dataclass
class _Gathered:
    """The samples of one way in, with what that way adds to the report."""

    samples: list[SampleCalls]
    build: str | None
    outcomes: list[dict] = field(default_factory=list)
    sample_to_patient: dict[str, str] = field(default_factory=dict)
    profiling_assumption: str | None = None
    inputs: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


def _gather_samples(config: CohortConfig, knowledge: KnowledgeBase,
                    clinical: ClinicalTable | None, manifest: _Manifest | None,
                    progress: _Progress | None) -> _Gathered:
    """The samples from finished reports, the manifest's files or the cohort files."""
    if config.reports:
        return _from_reports(config, knowledge, manifest, progress)
    if manifest is not None:
        return _from_manifest(config, manifest, progress)
    return _from_cohort_files(config, knowledge, clinical, progress)


def _from_reports(config: CohortConfig, knowledge: KnowledgeBase,
                  manifest: _Manifest | None,
                  progress: _Progress | None) -> _Gathered:
    """Finished single-sample reports, with the manifest as their sample sheet if given."""
    from .gather import apply_sample_sheet, load_reports

    gathered = load_reports(config.reports, knowledge=knowledge, build=config.build,
                            progress=progress)
    result = _Gathered(gathered.samples, ", ".join(gathered.builds) or config.build,
                       outcomes=gathered.outcomes)
    if manifest is not None:
        result.sample_to_patient = apply_sample_sheet(gathered, manifest.rows, manifest.path)
        result.inputs.append({"kind": "sample_sheet", "path": str(manifest.path),
                              "sha256": sha256_file(manifest.path)})
    result.inputs.extend(gathered.inputs)
    result.warnings.extend(gathered.warnings)
    result.warnings.extend(f"{option} is not used with --reports (the samples were screened "
                           "already)" for option, value in (
                               ("--gene-panel-matrix", config.gene_panel_matrix),
                               ("--gene-panel", config.gene_panels),
                               ("--cna-format", config.cna_format),
                               ("--include-filtered", config.include_filtered)) if value)
    return result


def _from_manifest(config: CohortConfig, manifest: _Manifest,
                   progress: _Progress | None) -> _Gathered:
    """The manifest's samples, screened into ``out_dir/samples``; failures become a warning."""
    if config.out_dir is None:     # _read_manifest refused a manifest without --out
        raise RuntimeError("a manifest to screen without an output folder (a bug)")
    samples, outcomes, sample_to_patient = _manifest_samples(config, manifest.rows,
                                                             Path(config.out_dir), progress)
    builds = sorted({o["genome_build"] for o in outcomes if o.get("genome_build")})
    result = _Gathered(samples, ", ".join(builds) if builds else config.build,
                       outcomes=outcomes, sample_to_patient=sample_to_patient)
    result.inputs.append({"kind": "manifest", "path": str(manifest.path),
                          "sha256": sha256_file(manifest.path)})
    failed = [o for o in outcomes if o["status"] == "failed"]
    if failed:
        result.warnings.append(f"{len(failed)} sample(s) could not be screened and are left out: "
                               + "; ".join(f"{o['sample_id']}: {o['error']}" for o in failed))
    if config.gene_panel_matrix is not None:
        result.warnings.append("--gene-panel-matrix is not used with --manifest: each sample's "
                               "assay is its manifest 'panel' BED (or taken as covering every "
                               "gene)")
    return result


def _from_cohort_files(config: CohortConfig, knowledge: KnowledgeBase,
                       clinical: ClinicalTable | None,
                       progress: _Progress | None) -> _Gathered:
    """The samples of the cohort files (MAF and/or copy-number matrix, gene panels)."""
    from ..io.gene_panel import ProfilingMap
    from .files import evaluate_cohort_files

    profiling = ProfilingMap.from_files(config.gene_panel_matrix, config.gene_panels)
    # samples only the clinical files name: not evaluable (cohort.files says so)
    extra = list(clinical.sample_to_patient or {}) if clinical is not None else []
    evaluation = evaluate_cohort_files(knowledge, maf=config.maf, cna=config.cna,
                                       cna_format=config.cna_format, profiling=profiling,
                                       build=config.build, extra_samples=extra,
                                       progress=(lambda done, total:
                                                 progress(done, total, None))
                                       if progress else None)
    return _Gathered(evaluation.samples, evaluation.build,
                     profiling_assumption=profiling.assumption,
                     inputs=list(evaluation.inputs), warnings=list(evaluation.warnings),
                     assumptions=[a for a in evaluation.assumptions
                                  if a != profiling.assumption])


def _manifest_samples(config: CohortConfig, rows: list[ManifestRow], out_dir: Path,
                      progress: _Progress | None
                      ) -> tuple[list[SampleCalls], list[dict], dict[str, str]]:
    """Screen the manifest's rows into ``out_dir/samples``: the samples, one outcome entry per
    row, and the manifest's sample-to-patient mapping."""
    from .batch import BatchOptions, screen_manifest

    done = [0]

    def step(outcome) -> None:
        done[0] += 1
        if progress:
            progress(done[0], len(rows), outcome.sample_id)

    options = BatchOptions(build=config.build,
                           knowledge_path=str(config.knowledge_path) if config.knowledge_path
                           else None,
                           knowledge_mode=config.knowledge_mode,
                           include_filtered=config.include_filtered)
    outcomes = screen_manifest(rows, out_dir / "samples", options,
                               workers=config.workers, progress=step,
                               dask_scheduler=config.dask_scheduler)
    samples, summary = [], []
    for row, outcome in zip(rows, outcomes, strict=True):
        entry = {"sample_id": row.sample_id, "status": outcome.status, "error": outcome.error,
                 "report": outcome.json_path, "manifest_line": row.line}
        if outcome.report is not None:
            entry["genome_build"] = outcome.report["sample"]["genome_build"]
            entry["caution_level"] = outcome.report["caution"]["level"]
            samples.append(SampleCalls.from_report(outcome.report, source="manifest",
                                                   patient_id=row.patient_id,
                                                   attributes=row.covariates()))
        summary.append(entry)
    mapping = {row.sample_id: row.patient_id for row in rows if row.patient_id}
    return samples, summary, mapping


# --- writing --------------------------------------------------------------------------------------

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.6g}"
    return str(value)


def _tsv_text(columns, rows) -> str:
    return _tsv_lines(columns, ([_cell(row.get(c)) for c in columns] for row in rows))


def _tsv_lines(columns, rows) -> str:
    """TSV text of already formatted (:func:`_cell`) rows, written by the csv module in C."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def cohort_figures(report: CohortReport) -> dict:
    """The report's figures:
    ``{"oncoprint": Figure|None, "forest": Figure|None, "km": [Figure]}``."""
    from .plots import forest_figure, km_figure, oncoprint_figure

    analysis = report.analysis
    figures: dict = {"oncoprint": oncoprint_figure(
                         analysis.rule_matrix, supporting=analysis.rule_matrices.get((ALL, ANY)),
                         title="HPD-associated alterations by sample (strong-grade matches)"),
                     "forest": forest_figure(report.association_rows("rule", default_only=True)),
                     "km": []}
    patients = analysis.patients
    for association in analysis.associations("rule", default_only=True):
        crude = association.crude
        if crude.km_altered is None or crude.km_unaltered is None or crude.n_altered == 0 \
                or crude.km_altered.n == 0:
            continue
        censored = {}
        if patients is not None:
            exposure = patients["sample_id"].map(analysis.rule_matrix[association.id])
            for label, code in (("altered", 1.0), ("unaltered", 0.0)):
                rows = patients[(exposure == code) & (patients[EVENT_COLUMN] == 0)]
                censored[label] = rows[DURATION_COLUMN].dropna().tolist()
        logrank = crude.logrank.p_value if crude.logrank is not None else math.nan
        title = (f"{association.id}: altered vs profiled-and-unaltered"
                 + (f" (log-rank p = {logrank:.3g})" if math.isfinite(logrank) else ""))
        figures["km"].append(km_figure(f"km_{association.id}", title,
                                       crude.km_altered.to_dict(), crude.km_unaltered.to_dict(),
                                       censored))
    return figures


def write_cohort_outputs(report: CohortReport, out_dir: str | Path, *,
                         plots: bool = True,
                         cbioportal_study_id: str | None = None) -> dict[str, Path]:
    """Write every output file into ``out_dir``; returns name -> path.

    Inputs: the :class:`CohortReport` of :func:`run_cohort`, the output folder (created when
    missing), ``plots`` (False skips the figures, faster) and ``cbioportal_study_id`` (the
    ``cancer_study_identifier`` of ``cbioportal/meta_*``; default
    :data:`hpdgenomics.cohort.cbioportal.DEFAULT_STUDY_ID`). Writes ``calls.tsv``,
    ``matrix.tsv``, ``matrix_genes.tsv``, ``association.tsv``, ``association_genes.tsv``,
    ``join_report.tsv`` (with a clinical table), ``cohort.json``, ``cohort.html``, ``plots/``
    and ``cbioportal/``, all rendered first and then renamed into place together.

    Raises :class:`~hpdgenomics.errors.OutputError` when the folder cannot be written, and
    :class:`~hpdgenomics.errors.UsageError` when cBioPortal could not read the study id.
    """
    from . import cbioportal

    meta = cbioportal.meta_text(cbioportal_study_id or cbioportal.DEFAULT_STUDY_ID)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = report.to_dict()
    figures = cohort_figures(report) if plots else {"oncoprint": None, "forest": None, "km": []}
    html = render_cohort_html(report, data, figures)   # before any write: no partial sets on error
    # every file is rendered first, then the set is written to temporary names and renamed
    # together: a full disk or an interruption leaves the earlier set whole (all old or all new)
    paths: dict[str, Path] = {}
    contents: dict[Path, str | bytes] = {}

    def add(name: str, path: Path, content: str | bytes) -> None:
        paths[name] = path
        contents[path] = content

    add("calls", out / "calls.tsv", report.calls_tsv())
    for level, name in (("rule", "matrix"), ("gene", "matrix_genes")):
        add(name, out / f"{name}.tsv", report.matrix_tsv(level))
    if report.sample_outcomes:
        add("samples", out / "samples.tsv", _tsv_text(SAMPLES_COLUMNS, report.sample_outcomes))
    add("association", out / "association.tsv",
        _tsv_text(RULE_ASSOCIATION_COLUMNS,
                  report.association_rows("rule") + report.association_rows("clinical")))
    add("association_genes", out / "association_genes.tsv",
        _tsv_text(GENE_ASSOCIATION_COLUMNS, report.association_rows("gene")))
    if report.analysis.join_report is not None:
        add("join_report", out / "join_report.tsv",
            _tsv_text(["issue"], [{"issue": text}
                                  for text in report.analysis.join_report.problems()]))
    add("json", out / "cohort.json", finite_json(data, what="cohort.json"))
    all_figures = [f for f in (figures["oncoprint"], figures["forest"], *figures["km"]) if f]
    for figure in all_figures:
        add(f"plot_{figure.name}", out / "plots" / f"{figure.name}.png", figure.png)
        contents[out / "plots" / f"{figure.name}.svg"] = figure.svg
    add("html", out / "cohort.html", html)
    add("cbioportal_data", out / "cbioportal" / cbioportal.DATA_FILENAME,
        cbioportal.clinical_sample_text(report))
    add("cbioportal_meta", out / "cbioportal" / cbioportal.META_FILENAME, meta)
    write_file_set(contents)
    return paths


def render_cohort_html(report: CohortReport, data: dict | None = None,
                       figures: dict | None = None) -> str:
    """``cohort.html`` of ``report``: gathers its data and rows for
    :func:`hpdgenomics.report.cohort_html.render_cohort_html`, which renders them.

    ``data`` is ``report.to_dict()`` when already computed; ``figures`` as from
    :func:`cohort_figures` (None: no figures).
    """
    from ..report import cohort_html

    return cohort_html.render_cohort_html(
        data if data is not None else report.to_dict(), figures,
        sample_limit=HTML_SAMPLE_LIMIT,
        rows=report.association_rows("rule", default_only=True),
        gene_rows=report.association_rows("gene", default_only=True),
        clinical_rows=report.association_rows("clinical"),
        other_rows=report.other_exposure_rows("rule"),
        other_gene_rows=report.other_exposure_rows("gene"))


__all__ = ["CALLS_COLUMNS", "HTML_SAMPLE_LIMIT", "JSON_SAMPLE_LIMIT", "CohortConfig",
           "CohortReport", "cohort_figures", "render_cohort_html", "run_cohort",
           "write_cohort_outputs"]
