"""Cohort analysis: sample x alteration matrices, the clinical join, and association statistics.

Input is one :class:`SampleCalls` per sample, made either from a single-sample report (manifest
path, :meth:`SampleCalls.from_report`) or from :func:`hpdgenomics.screen.engine.evaluate_sample`
(cohort-file path, :meth:`SampleCalls.from_evaluation`), so both paths share one meaning of
``altered`` / ``not_detected`` / ``not_evaluable``.

Denominators
------------
Exposure per rule (and per gene) is coded 1 = altered, 0 = profiled and unaltered (a sample with
no calls at all is unaltered, not missing), missing = not evaluable (not profiled, or the screen
could not assess it). Not-evaluable samples are counted (``n_not_evaluable``) and left out of every
denominator. Only samples with a clinical row enter the statistics; the join report lists the rest.
A rule not evaluable in half or more of the samples gets a warning naming the count and the
commonest reason (:func:`not_evaluable_warnings`), since its counts say nothing about absence.

Exposure definitions (:class:`ExposureDefinition`)
--------------------------------------------------
Each rule (and gene) is tested under several labelled definitions of "altered", all taken from
the one per-sample evaluation (:mod:`hpdgenomics.screen.exposures`):

* ``component``: ``all`` (every criterion of the rule), ``variant`` (its variant criteria only:
  copy number not assessed) or ``copy_number`` (its copy-number criteria only); a component row
  exists when the rule has criteria of that kind. A MAF-only cohort cannot test STK11_LOSS
  (``all`` is not evaluable without copy number) but can test its ``variant`` component.
* ``grade``: ``strong`` (only strong-grade matches count as altered: the default, and the
  definition of ``rule_matrix``, the forest plot and the KM curves) or ``any`` (strong or
  supporting-grade matches, e.g. any non-synonymous EGFR variant, DNMT3A R882H); an ``any`` row
  exists when the rule has supporting-grade criteria in that component.

Benjamini-Hochberg q-values are computed within each family of rows sharing level, component and
grade.

Outcomes (:class:`OutcomeSpec`)
-------------------------------
* ``ttf`` (default): early failure (TTF < ``early_failure_months`` with an event; censored before
  the cut-off = not evaluable, :func:`hpdgenomics.cohort.join.join_clinical`) for the binary
  analyses, and TTF with its event status for Kaplan-Meier, log-rank and Cox.
* ``binary:<COLUMN>``: a true/false clinical column (for example a user's HPD label) replaces early
  failure in the binary analyses; TTF analyses still run when the clinical table has time and
  status columns.
* ``hpd:<definition>``: the calls of one HPD definition from ``hpd-classify``'s ``hpd_calls.tsv``,
  joined by patient id and used unchanged (not evaluable stays not evaluable); TTF analyses still
  run when the clinical table has time and status columns.

An analysis that cannot run (no time-to-event columns, or no evaluable patient) is skipped with the
reason in :attr:`CohortAnalysis.survival_skipped` / :attr:`CohortAnalysis.binary_skipped`, in the
warnings, and in the ``warnings`` of every association row.

Statistics per rule and per gene come from :func:`hpdgenomics.stats.associate` (docs/statistics.md):
crude always, and a second, adjusted model when covariates or strata are given (Firth and Cox only;
Fisher and log-rank are never adjusted). Benjamini-Hochberg q-values are computed over Fisher
p-values of the family of rules, and separately over the family of genes (for each exposure
definition, see above).
"""
from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError, UsageError
from ..model import GeneStatus, Rule
from ..screen.exposures import (
    ALL,
    ANY,
    STRONG,
    gene_components,
    gene_exposure_label,
    gene_is_whole,
    gene_supporting_criteria,
    is_whole_rule,
    rule_components,
    rule_exposure_label,
    supporting_criteria,
)
from ..stats import ROW_COLUMNS, AssociationResult, associate, bh_qvalues

if TYPE_CHECKING:
    from ..io.clinical import ClinicalTable
    from .join import JoinReport

log = logging.getLogger(__name__)

STATUS_CODE = {GeneStatus.ALTERED.value: 1.0, GeneStatus.NOT_DETECTED.value: 0.0,
               GeneStatus.NOT_EVALUABLE.value: math.nan}

#: fields of an alteration kept in the cohort tables (citations stay in the per-sample reports)
ALTERATION_FIELDS = ("rule_id", "gene", "evidence_type", "criterion", "grade", "caution_level",
                     "evidence_level", "protein_change", "consequence", "hgvsc", "chrom", "pos",
                     "ref", "alt", "vaf", "hotspot", "record")

ADJUSTED_COLUMNS = ("adjusted_firth_or", "adjusted_firth_ci_low", "adjusted_firth_ci_high",
                    "adjusted_firth_p", "adjusted_hazard_ratio", "adjusted_hr_ci_low",
                    "adjusted_hr_ci_high", "adjusted_cox_p", "adjusted_covariates",
                    "adjusted_strata", "adjusted_warnings")

#: columns naming which exposure definition a row (of a table or a matrix) holds
EXPOSURE_COLUMNS = ("component", "grade", "exposure")

#: association.tsv columns (rules); association_genes.tsv has ``gene`` in place of ``rule_id``,
#: ``title`` and ``evidence_level``
RULE_ASSOCIATION_COLUMNS = ("rule_id", *EXPOSURE_COLUMNS, "title", "evidence_level", "outcome",
                            *ROW_COLUMNS[1:], *ADJUSTED_COLUMNS)
GENE_ASSOCIATION_COLUMNS = ("gene", *EXPOSURE_COLUMNS, "outcome", *ROW_COLUMNS[1:],
                            *ADJUSTED_COLUMNS)

#: the default exposure: every criterion of the rule, strong-grade matches only
DEFAULT_EXPOSURE = (ALL, STRONG)

# model column names appear in warnings ("separation ... for altered"), so they read as words
EXPOSURE_COLUMN, DURATION_COLUMN, EVENT_COLUMN = "altered", "ttf_months", "ttf_failure"


# --- per-sample calls ----------------------------------------------------------------------------

@dataclass
class SampleCalls:
    """One sample's rule and gene statuses and its alterations, whichever way it was screened."""

    sample_id: str
    rule_status: dict[str, str]
    gene_status: dict[str, str]
    alterations: list[dict] = field(default_factory=list)
    source: str = ""
    patient_id: str | None = None
    attributes: dict[str, object] = field(default_factory=dict)   # e.g. manifest tumor_type
    rule_reason: dict[str, str] = field(default_factory=dict)     # why each rule has its status
    # (level, component, grade) -> id -> status / reason, for every exposure definition; None
    # (calls built by hand from statuses alone) makes rule_status/gene_status stand for every
    # definition
    exposure_status: dict[tuple[str, str, str], dict[str, str]] | None = None
    exposure_reason: dict[tuple[str, str, str], dict[str, str]] | None = None

    def statuses(self, level: str, component: str = ALL, grade: str = ANY) -> dict[str, str]:
        """id -> status under one exposure definition (``all``/``any`` is the screen's status)."""
        if self.exposure_status is None or (component, grade) == (ALL, ANY):
            return self.rule_status if level == "rule" else self.gene_status
        return self.exposure_status.get((level, component, grade), {})

    def reasons(self, level: str, component: str = ALL, grade: str = ANY) -> dict[str, str]:
        """id -> why it has its status under one exposure definition (as :meth:`statuses`)."""
        if self.exposure_reason is None or (level, component, grade) == ("rule", ALL, ANY):
            return self.rule_reason if level == "rule" else {}
        return self.exposure_reason.get((level, component, grade), {})

    @classmethod
    def from_evaluation(cls, sample_id: str, evaluation, *, source: str = "",
                        patient_id: str | None = None,
                        attributes: dict | None = None) -> SampleCalls:
        """From a :class:`hpdgenomics.screen.engine.SampleEvaluation`."""
        from ..report.model import _plain

        rules, genes = _plain(evaluation.rules), _plain(evaluation.genes)
        status, reason = _exposures(rules, genes, where=f"sample {sample_id}")
        return cls(sample_id=sample_id,
                   rule_status={r["rule_id"]: r["status"] for r in rules},
                   gene_status={g["gene"]: g["status"] for g in genes},
                   alterations=[_compact(_plain(a)) for a in evaluation.alterations],
                   source=source, patient_id=patient_id, attributes=dict(attributes or {}),
                   rule_reason={r["rule_id"]: r["reason"] for r in rules},
                   exposure_status=status, exposure_reason=reason)

    @classmethod
    def from_report(cls, report: dict, *, source: str = "", patient_id: str | None = None,
                    attributes: dict | None = None) -> SampleCalls:
        """From a single-sample JSON report (``ScreenReport.to_dict()``)."""
        status, reason = _exposures(report["rules"], report["genes"],
                                    where=f"the report of sample {report['sample']['id']}")
        return cls(sample_id=report["sample"]["id"],
                   rule_status={r["rule_id"]: r["status"] for r in report["rules"]},
                   gene_status={g["gene"]: g["status"] for g in report["genes"]},
                   alterations=[_compact(a) for a in report["alterations"]],
                   source=source, patient_id=patient_id, attributes=dict(attributes or {}),
                   rule_reason={r["rule_id"]: r.get("reason") or "" for r in report["rules"]},
                   exposure_status=status, exposure_reason=reason)


def _exposures(rules: list[dict], genes: list[dict], *, where: str):
    """(level, component, grade) -> id -> status, and the same for reasons, from a report's
    ``rules[]`` and ``genes[]`` (``strong_grade`` and ``components`` of each)."""
    status: dict[tuple[str, str, str], dict[str, str]] = {}
    reason: dict[tuple[str, str, str], dict[str, str]] = {}

    def put(key, ident, entry):
        status.setdefault(key, {})[ident] = entry["status"]
        reason.setdefault(key, {})[ident] = entry.get("reason") or ""

    for level, entries, id_key in (("rule", rules, "rule_id"), ("gene", genes, "gene")):
        for entry in entries:
            if "strong_grade" not in entry or "components" not in entry:
                raise InputError(f"{where} has no strong-grade or per-component statuses: it was "
                                 "written by an older hpdgenomics",
                                 hint="screen the sample again (delete its .hpd.key file)")
            ident = entry[id_key]
            put((level, ALL, ANY), ident, entry)
            put((level, ALL, STRONG), ident, entry["strong_grade"])
            for component, part in entry["components"].items():
                put((level, component, ANY), ident, part)
                put((level, component, STRONG), ident, part["strong_grade"])
    return status, reason


def _compact(alteration: dict) -> dict:
    out = {k: alteration.get(k) for k in ALTERATION_FIELDS}
    cn = alteration.get("copy_number") or {}
    out["copy_number_call"] = cn.get("call")
    out["copy_number"] = cn.get("copy_number")
    return out


def status_matrix(samples: list[SampleCalls], level: str, ids: list[str],
                  component: str = ALL, grade: str = STRONG) -> pd.DataFrame:
    """samples x ids table of 1 (altered), 0 (not detected) and NaN (not evaluable) under one
    exposure definition (default: every criterion, strong-grade matches only)."""
    if level not in ("rule", "gene"):
        raise UsageError(f"level {level!r} is not rule or gene")
    # one row of codes per distinct statuses dict: samples with identical inputs may share the
    # same dict object (the columnar engine does), so the work is per signature, not per sample;
    # id() is a safe key here because every dict stays referenced by its sample meanwhile
    positions: dict[int, int] = {}
    distinct: list[list[float]] = []
    which = np.empty(len(samples), dtype=np.intp)
    for n, sample in enumerate(samples):
        statuses = sample.statuses(level, component, grade)
        at = positions.get(id(statuses))
        if at is None:
            at = positions[id(statuses)] = len(distinct)
            distinct.append([STATUS_CODE.get(statuses.get(i, GeneStatus.NOT_EVALUABLE.value),
                                             math.nan) for i in ids])
        which[n] = at
    codes = (np.asarray(distinct, dtype=float).reshape(len(distinct), len(ids))[which]
             if distinct else np.empty((0, len(ids)), dtype=float))
    return pd.DataFrame(codes, index=pd.Index([s.sample_id for s in samples], name="sample_id"),
                        columns=list(ids), dtype=float)


# --- exposure definitions ------------------------------------------------------------------------

@dataclass(frozen=True)
class ExposureDefinition:
    """One labelled definition of "altered" for a rule or gene (module docstring)."""

    level: str            # "rule" or "gene"
    id: str
    title: str
    evidence_level: str
    component: str        # "all", "variant" or "copy_number"
    grade: str            # "strong" or "any"
    label: str            # what counts and what was not assessed, in words
    distinct: bool = True  # False: a component that is the whole rule (same exposure as "all")

    @property
    def key(self) -> tuple[str, str]:
        """``(component, grade)``, the definition's key among a rule's or gene's definitions."""
        return self.component, self.grade

    @property
    def is_default(self) -> bool:
        """True for the default exposure (whole rule, strong grade)."""
        return self.key == DEFAULT_EXPOSURE

    def to_dict(self) -> dict:
        """The definition as ``cohort.json`` records it."""
        return {"level": self.level, "id": self.id, "component": self.component,
                "grade": self.grade, "label": self.label, "distinct": self.distinct}


def exposure_definitions(rules: Iterable[Rule]) -> tuple[list[ExposureDefinition],
                                                          list[ExposureDefinition]]:
    """(rule definitions, gene definitions), each id's default definition first.

    A component other than ``all`` exists when the rule (gene) has criteria of that kind; the
    ``any`` grade exists when the component has supporting-grade criteria (otherwise it would
    repeat ``strong``)."""
    rules = list(rules)
    by_id = {r.id: r for r in rules}
    rule_rows = []
    for rule in rules:
        for component in (ALL, *rule_components(rule, by_id)):
            supporting = supporting_criteria(rule, component, by_id)
            for grade in (STRONG, ANY) if supporting else (STRONG,):
                label = rule_exposure_label(rule, component, grade, by_id)
                rule_rows.append(ExposureDefinition(
                    "rule", rule.id, rule.title, rule.evidence_level, component, grade, label,
                    distinct=component == ALL or not is_whole_rule(rule, component, by_id)))
    gene_rows = []
    for gene in _rule_genes(rules):
        for component in (ALL, *gene_components(gene, rules)):
            supporting = gene_supporting_criteria(gene, component, rules)
            for grade in (STRONG, ANY) if supporting else (STRONG,):
                label = gene_exposure_label(gene, component, grade, rules)
                gene_rows.append(ExposureDefinition(
                    "gene", gene, gene, "", component, grade, label,
                    distinct=component == ALL or not gene_is_whole(gene, component, rules)))
    return rule_rows, gene_rows


def exposure_matrices(samples: list[SampleCalls], definitions: list[ExposureDefinition]
                      ) -> dict[tuple[str, str], pd.DataFrame]:
    """(component, grade) -> samples x ids matrix, one column per id that has the component.

    The ``any`` grade is defined for every id with the component (where there are no
    supporting-grade criteria it equals ``strong``), so its matrix has the same columns."""
    ids_by_component: dict[str, list[str]] = {}
    keys: list[tuple[str, str]] = []
    level = definitions[0].level if definitions else "rule"
    for definition in definitions:
        ids = ids_by_component.setdefault(definition.component, [])
        if definition.id not in ids:
            ids.append(definition.id)
        if definition.key not in keys:
            keys.append(definition.key)
    if DEFAULT_EXPOSURE not in keys:
        keys.insert(0, DEFAULT_EXPOSURE)
    order = [(c, g) for c in (ALL, "variant", "copy_number") for g in (STRONG, ANY)]
    keys.sort(key=order.index)
    return {key: status_matrix(samples, level, ids_by_component.get(key[0], []), *key)
            for key in keys}


# --- outcome and options -------------------------------------------------------------------------

@dataclass(frozen=True)
class OutcomeSpec:
    """The outcome the associations test: early failure (``ttf``), a binary clinical column or an
    HPD definition.
    """

    kind: str                      # "ttf", "binary" or "hpd"
    column: str | None = None      # the clinical column (binary) or HPD definition name (hpd)

    @property
    def label(self) -> str:
        """The outcome in words, for reports."""
        if self.kind == "ttf":
            return "early failure"
        if self.kind == "binary":
            return f"clinical column {self.column}"
        return f"HPD ({self.column})"

    def text(self) -> str:
        """The outcome as ``--outcome`` spells it (``ttf``, ``binary:COLUMN``, ``hpd:NAME``)."""
        return "ttf" if self.kind == "ttf" else f"{self.kind}:{self.column}"


def parse_outcome(text: str) -> OutcomeSpec:
    """``ttf``, ``binary:<COLUMN>`` or ``hpd:<definition>``."""
    value = (text or "ttf").strip()
    if value.lower() == "ttf":
        return OutcomeSpec("ttf")
    kind, sep, rest = value.partition(":")
    kind = kind.strip().lower()
    if sep and rest.strip() and kind == "binary":
        return OutcomeSpec("binary", rest.strip())
    if sep and rest.strip() and kind == "hpd":
        from ..hpd import resolve_definition

        try:
            return OutcomeSpec("hpd", resolve_definition(rest).name)
        except KeyError as exc:
            raise UsageError(f"--outcome {value}: {exc.args[0]}") from None
    raise UsageError(f"--outcome {value!r} not understood",
                     hint="use ttf, binary:<CLINICAL_COLUMN> or hpd:<definition> "
                          "(for example hpd:kas_2020)")


@dataclass
class CohortOptions:
    """The analysis settings: outcome, early-failure cut-off, covariates, strata, sample policy,
    alpha.
    """

    outcome: OutcomeSpec = field(default_factory=lambda: OutcomeSpec("ttf"))
    early_failure_months: float = 2.0
    covariates: tuple[str, ...] = ()
    strata: tuple[str, ...] = ()
    policy: str = "first"
    alpha: float = 0.05
    tcga_barcode_patients: bool = False   # map TCGA barcodes to patients by their first 12 chars


# --- results -------------------------------------------------------------------------------------

@dataclass
class AlterationAssociation:
    """Statistics for one rule or gene: the crude model and, with covariates/strata, the
    adjusted."""

    level: str                        # "rule" or "gene"
    id: str
    title: str
    evidence_level: str
    outcome: str
    crude: AssociationResult
    adjusted: AssociationResult | None = None
    fisher_q: float = math.nan
    component: str = ALL
    grade: str = STRONG
    exposure: str = ""               # the definition's label (ExposureDefinition.label)

    @property
    def is_default(self) -> bool:
        """True for the default exposure (whole rule, strong grade)."""
        return (self.component, self.grade) == DEFAULT_EXPOSURE

    def row(self) -> dict:
        """The association as one ``association.tsv`` row: crude results, q value and adjusted
        results.
        """
        base = self.crude.row()
        base.pop("rule_id")
        base["fisher_q"] = self.fisher_q
        head = ({"gene": self.id} if self.level == "gene" else {"rule_id": self.id})
        head.update(component=self.component, grade=self.grade, exposure=self.exposure)
        if self.level in ("rule", "clinical"):
            head.update(title=self.title, evidence_level=self.evidence_level)
        row = {**head, "outcome": self.outcome, **base}
        adjusted = self.adjusted.row() if self.adjusted is not None else {}
        for column in ADJUSTED_COLUMNS:
            source = column.removeprefix("adjusted_")
            row[column] = adjusted.get(source, math.nan if column not in (
                "adjusted_covariates", "adjusted_strata", "adjusted_warnings") else "")
        return row

    def to_dict(self, results: dict[int, dict] | None = None) -> dict:
        """JSON-safe view. ``results``: result id -> its ``to_dict()``, shared by the
        associations that share one fit (definitions with the same exposure), so that each
        result is converted once; the caller keeps the results alive meanwhile."""
        from ..stats._result import json_safe

        def converted(result):
            if results is None:
                return result.to_dict()
            if id(result) not in results:
                results[id(result)] = result.to_dict()
            return results[id(result)]

        return {"level": self.level, "id": self.id, "title": self.title,
                "evidence_level": self.evidence_level, "component": self.component,
                "grade": self.grade, "exposure": self.exposure, "outcome": self.outcome,
                "row": json_safe(self.row()), "crude": converted(self.crude),
                "crude_warnings": self.crude.all_warnings(),
                "adjusted": converted(self.adjusted) if self.adjusted is not None else None,
                "adjusted_warnings": (self.adjusted.all_warnings()
                                      if self.adjusted is not None else [])}


@dataclass
class CohortAnalysis:
    """A cohort's calls and statistics: per-sample calls, the status matrices of every exposure
    definition (1 altered, 0 profiled and unaltered, NaN not evaluable), the clinical join and
    the association results per rule and per gene (:meth:`counts`, :meth:`associations`)."""

    samples: list[SampleCalls]
    rules: list[dict]                         # rule_id, title, genes, evidence_level, caution_level
    rule_matrix: pd.DataFrame                 # the default exposure (all criteria, strong grade)
    gene_matrix: pd.DataFrame
    options: CohortOptions
    rule_exposures: list[ExposureDefinition] = field(default_factory=list)
    gene_exposures: list[ExposureDefinition] = field(default_factory=list)
    # (component, grade) -> matrix, for rules and for genes; the default one is rule_matrix
    rule_matrices: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    gene_matrices: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    patients: pd.DataFrame | None = None      # the joined table the statistics used
    join: pd.DataFrame | None = None          # every analysed sample's join row
    join_report: JoinReport | None = None
    rule_associations: list[AlterationAssociation] = field(default_factory=list)
    gene_associations: list[AlterationAssociation] = field(default_factory=list)
    # the CLIN_* rules (level ``clinical``): per analysed patient 1 met / 0 not met / NaN not
    # assessed, their counts, and their associations (their own BH family)
    clinical_rules: list[dict] = field(default_factory=list)
    clinical_matrix: pd.DataFrame | None = None
    clinical_associations: list[AlterationAssociation] = field(default_factory=list)
    # which clinical column was read as which factor, rows assessed, unit conversions
    clinical_factor_info: dict | None = None
    hpd_overlap: pd.DataFrame | None = None
    survival_available: bool = False
    binary_available: bool = False
    survival_skipped: str | None = None      # why KM/log-rank/Cox were not run
    binary_skipped: str | None = None        # why Fisher/Firth were not run
    warnings: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    def counts(self, level: str = "rule", component: str = ALL,
               grade: str = STRONG) -> pd.DataFrame:
        """altered / not detected / not evaluable per rule (or gene) over all samples, under one
        exposure definition (default: all criteria, strong grade)."""
        matrices = self.rule_matrices if level == "rule" else self.gene_matrices
        default = self.rule_matrix if level == "rule" else self.gene_matrix
        matrix = matrices.get((component, grade), default if (component, grade) ==
                              DEFAULT_EXPOSURE else None)
        if matrix is None:
            raise UsageError(f"no {level} has the exposure {component}/{grade}")
        return pd.DataFrame({"altered": (matrix == 1).sum(), "not_detected": (matrix == 0).sum(),
                             "not_evaluable": matrix.isna().sum()}).astype(int)

    def count_rows(self, level: str = "rule") -> list[dict]:
        """One record per exposure definition: id, component, grade, label and its counts."""
        definitions = self.rule_exposures if level == "rule" else self.gene_exposures
        key = "rule_id" if level == "rule" else "gene"
        matrices = self.rule_matrices if level == "rule" else self.gene_matrices
        rows = []
        for definition in definitions:
            column = matrices[definition.key][definition.id]
            rows.append({key: definition.id, "component": definition.component,
                         "grade": definition.grade, "exposure": definition.label,
                         "distinct": definition.distinct,
                         "altered": int((column == 1).sum()),
                         "not_detected": int((column == 0).sum()),
                         "not_evaluable": int(column.isna().sum())})
        return rows

    def clinical_counts(self) -> list[dict]:
        """met / not met / not assessed per CLIN_* rule over the patients with clinical data."""
        if self.clinical_matrix is None:
            return []
        from .clinical import rule_counts

        return rule_counts(self.clinical_matrix)

    def associations(self, level: str = "rule", *, default_only: bool = False
                     ) -> list[AlterationAssociation]:
        """The associations of ``level`` (``rule``, ``gene`` or ``clinical``); only the default
        exposure's with ``default_only``.
        """
        family = {"rule": self.rule_associations, "gene": self.gene_associations,
                  "clinical": self.clinical_associations}[level]
        return [a for a in family if a.is_default] if default_only else list(family)


def _risk_times(durations: pd.Series) -> list[float]:
    """Times for the numbers-at-risk table: 0 and about six round steps to the longest follow-up."""
    finite = durations.dropna()
    if finite.empty:
        return []
    top = float(finite.max())
    if top <= 0:
        return [0.0]
    raw = top / 6
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [round(float(t), 6) for t in np.arange(0.0, top + 1e-9, step)]


def _rule_genes(rules: Iterable[Rule]) -> list[str]:
    return sorted({g for rule in rules if not rule.requires_all for g in rule.genes})


def _binary_column(values: pd.Series) -> pd.Series:
    """nullable boolean / 0-1 values -> float 1/0/NaN."""
    missing = values.isna().to_numpy(dtype=bool)
    out = np.full(len(values), math.nan)
    out[~missing] = values[~missing].to_numpy(dtype=object).astype(bool)
    return pd.Series(out, index=values.index, dtype=float)


#: a rule not evaluable in at least this fraction of the samples gets a warning in the report
NOT_EVALUABLE_WARNING_FRACTION = 0.5


def _reason_text(reason: str) -> str:
    """The first clause of a rule's reason, without the status it restates."""
    text = (reason or "").strip().removeprefix("not evaluable:").strip()
    return text.split(". ")[0].rstrip(".") or "no reason given"


def not_evaluable_warnings(samples: list[SampleCalls], rule_matrix: pd.DataFrame, *,
                           rule_matrices: dict[tuple[str, str], pd.DataFrame] | None = None,
                           definitions: Iterable[ExposureDefinition] = ()) -> list[str]:
    """One warning per rule that is not evaluable in half or more of the samples.

    Such a rule's counts and tests rest on the few samples that could be assessed; the warning
    names the rule, the count and the commonest reason so that nobody reads its low altered count
    as evidence that the alteration is absent. ``rule_matrix`` is the default exposure (all
    criteria, strong grade). When a component of the rule (``rule_matrices`` and
    ``definitions``, e.g. its variants alone in a cohort without copy number) is evaluable in
    more samples, the warning points to that component's rows.
    """
    total = len(rule_matrix.index)
    if not total:
        return []
    reasons = {s.sample_id: s.reasons("rule", *DEFAULT_EXPOSURE) for s in samples}
    # the matrix rows' reasons, counted per distinct reasons dict (samples with identical inputs
    # may share one), so a rule's commonest reason costs per signature, not per sample
    positions: dict[int, int] = {}
    distinct: list[dict[str, str]] = []
    which = np.empty(total, dtype=np.intp)
    for n, sample_id in enumerate(rule_matrix.index):
        sample_reasons = reasons.get(sample_id, {})
        at = positions.get(id(sample_reasons))
        if at is None:
            at = positions[id(sample_reasons)] = len(distinct)
            distinct.append(sample_reasons)
        which[n] = at
    components: dict[str, list[ExposureDefinition]] = {}
    for definition in definitions:
        if definition.component != ALL and definition.grade == STRONG:
            components.setdefault(definition.id, []).append(definition)
    found = []
    for rule_id in rule_matrix.columns:
        missing = rule_matrix[rule_id].isna().to_numpy()
        if missing.sum() < NOT_EVALUABLE_WARNING_FRACTION * total:
            continue
        present, first, count = np.unique(which[missing], return_index=True, return_counts=True)
        why: Counter = Counter()
        for at in np.argsort(first, kind="stable"):   # in the order the rows meet them
            why[_reason_text(distinct[present[at]].get(rule_id, ""))] += int(count[at])
        commonest = why.most_common(1)[0][0]     # ties: the reason met first (Counter keeps order)
        # square brackets: the reasons carry their own parentheses
        missing = int(missing.sum())
        text = (f"{rule_id} not evaluable in {missing}/{total} samples [commonest "
                f"reason: {commonest}]; its counts and tests say nothing about absence")
        for definition in components.get(rule_id, []):
            column = (rule_matrices or {}).get(definition.key, pd.DataFrame()).get(rule_id)
            if column is None:
                continue
            evaluable = int(column.notna().sum())
            if evaluable > total - missing:
                text += (f"; its {definition.component} component ("
                         f"{definition.label.split('; ')[0]}) is evaluable in {evaluable}/{total}"
                         f" samples: see the rows with component {definition.component}")
        found.append(text)
    return found


def check_model_columns(covariates: Iterable[str], strata: Iterable[str],
                        available: Iterable[str], *, path=None) -> None:
    """Every covariate and stratum must name an available column (clinical or manifest)."""
    named = [*covariates, *strata]
    if EXPOSURE_COLUMN in named:
        raise UsageError(f"{EXPOSURE_COLUMN!r} cannot be a covariate or stratum: the name is "
                         "the exposure's", hint="rename that clinical column")
    available = list(dict.fromkeys(available))
    missing = [c for c in named if c not in available]
    if missing:
        raise UsageError(f"covariate/stratum column(s) {', '.join(missing)} not found in the "
                         "clinical table or the manifest", path=path,
                         hint="available: " + (", ".join(available) or "none"))


def analyse_cohort(samples: list[SampleCalls], rules: Iterable[Rule], *,
                   clinical: ClinicalTable | None = None, options: CohortOptions | None = None,
                   sample_to_patient: dict[str, str] | None = None,
                   profiling_assumption: str | None = None,
                   hpd_calls: pd.DataFrame | None = None,
                   clinical_rules: Iterable = ()) -> CohortAnalysis:
    """Build the matrices, join the clinical table and compute every association.

    Without ``clinical`` only the matrices are built. ``sample_to_patient`` (for example from the
    manifest) takes precedence over the clinical table's own mapping. ``clinical_rules`` (the
    knowledge base's CLIN_* rules) are evaluated on the clinical table's patient factor columns
    when it has any: a column per rule named by its id (usable as a covariate, like the factors
    themselves) and association rows of level ``clinical``.
    """
    options = options or CohortOptions()
    rules = list(rules)
    if not samples:
        raise UsageError("no sample could be analysed", hint="see the per-sample errors above")
    analysis = _matrices(samples, rules, options)
    if clinical is None:
        analysis.assumptions.append("no clinical table: alteration counts only, no statistics")
        return analysis
    if options.outcome.kind == "hpd" and hpd_calls is None:
        raise UsageError(f"--outcome {options.outcome.text()} needs the HPD calls",
                         hint="pass --hpd-calls PATH (hpd_calls.tsv from hpdgenomics hpd-classify)")
    patients = _join_patients(analysis, clinical, sample_to_patient, profiling_assumption)
    _add_sample_attributes(patients, samples)
    _add_clinical_rules(analysis, patients, clinical, list(clinical_rules))
    binary = _add_outcome_columns(analysis, patients, clinical, hpd_calls)
    check_model_columns(options.covariates, options.strata,
                        [c for c in patients.columns if not c.startswith("_") and c not in (
                            "sample_id", "patient_id", "has_clinical", "ttf_months", "ttf_event",
                            "early_failure", EVENT_COLUMN)], path=clinical.path)
    analysis.patients = patients
    if not _note_available_outcomes(analysis, patients, clinical, binary):
        return analysis
    if options.covariates or options.strata:
        analysis.assumptions.append(
            "adjusted models (Firth, Cox) include covariates "
            f"{', '.join(options.covariates) or 'none'} and strata "
            f"{', '.join(options.strata) or 'none'}; Fisher and log-rank are unadjusted")
    fits = _Fits(analysis, patients, binary)
    if analysis.clinical_matrix is not None:
        _clinical_associations(analysis, analysis.clinical_matrix, fits)
    _exposure_associations(analysis, fits)
    return analysis


def _matrices(samples: list[SampleCalls], rules: list[Rule],
              options: CohortOptions) -> CohortAnalysis:
    """The analysis with its status matrices and not-evaluable warnings, before clinical data."""
    rule_info = [{"rule_id": r.id, "title": r.title, "genes": list(r.genes),
                  "evidence_level": r.evidence_level, "caution_level": r.caution_level}
                 for r in rules]
    rule_exposures, gene_exposures = exposure_definitions(rules)
    rule_matrices = exposure_matrices(samples, rule_exposures)
    gene_matrices = exposure_matrices(samples, gene_exposures)
    analysis = CohortAnalysis(samples=samples, rules=rule_info,
                              rule_matrix=status_matrix(samples, "rule", [r.id for r in rules]),
                              gene_matrix=status_matrix(samples, "gene", _rule_genes(rules)),
                              options=options, rule_exposures=rule_exposures,
                              gene_exposures=gene_exposures, rule_matrices=rule_matrices,
                              gene_matrices=gene_matrices)
    analysis.warnings.extend(not_evaluable_warnings(samples, analysis.rule_matrix,
                                                    rule_matrices=rule_matrices,
                                                    definitions=rule_exposures))
    return analysis


def _join_patients(analysis: CohortAnalysis, clinical: ClinicalTable,
                   sample_to_patient: dict[str, str] | None,
                   profiling_assumption: str | None) -> pd.DataFrame:
    """Join the samples to the clinical table; returns the rows with clinical data."""
    from .join import join_clinical

    samples, options = analysis.samples, analysis.options
    # join_clinical applies the clinical table's own sample mapping; these take precedence
    mapping = dict(sample_to_patient or {})
    mapping.update({s.sample_id: s.patient_id for s in samples
                    if s.patient_id and s.sample_id not in mapping})
    joined, report = join_clinical([s.sample_id for s in samples], mapping or None, clinical,
                                   policy=options.policy,
                                   tcga_barcode_patients=options.tcga_barcode_patients,
                                   early_failure_months=options.early_failure_months,
                                   profiling_assumption=profiling_assumption)
    analysis.join, analysis.join_report = joined, report
    analysis.warnings.extend(report.warnings)     # plausibility and id-case: the loud ones
    return joined[joined["has_clinical"]].copy().reset_index(drop=True)


def _add_sample_attributes(patients: pd.DataFrame, samples: list[SampleCalls]) -> None:
    """Sample attributes (manifest columns such as tumor_type) fill columns the clinical lacks."""
    attributes = {s.sample_id: s.attributes for s in samples}
    for name in sorted({k for s in samples for k in s.attributes}):
        if name not in patients.columns:
            values = pd.Series([attributes[s].get(name) for s in patients["sample_id"]],
                               dtype=object)
            numeric = pd.to_numeric(values.dropna(), errors="coerce")
            patients[name] = (pd.to_numeric(values, errors="coerce")
                              if len(numeric) and numeric.notna().all() else values)


def _add_clinical_rules(analysis: CohortAnalysis, patients: pd.DataFrame,
                        clinical: ClinicalTable, clinical_rules: list) -> None:
    """The CLIN_* rules on the parsed factor columns: a column each, named by the rule id."""
    from .clinical import rule_columns, rules_apply

    analysis.clinical_factor_info = {"columns": dict(clinical.factor_columns),
                                     "assessed_in_table": dict(clinical.factor_assessed),
                                     "conversions": list(clinical.factor_conversions)}
    # only a table with a factor some rule tests (not, say, AGE alone) gets the CLIN rows
    if clinical_rules and rules_apply(clinical_rules, clinical.factor_assessed):
        analysis.clinical_rules = [{"rule_id": r.id, "title": r.title,
                                    "evidence_level": r.evidence_level} for r in clinical_rules]
        analysis.clinical_matrix = rule_columns(patients, clinical_rules)
        for rule_id in analysis.clinical_matrix.columns:
            patients[rule_id] = analysis.clinical_matrix[rule_id]


def _add_outcome_columns(analysis: CohortAnalysis, patients: pd.DataFrame,
                         clinical: ClinicalTable, hpd_calls: pd.DataFrame | None) -> str:
    """The duration, event and binary outcome columns; returns the binary column's name."""
    patients[DURATION_COLUMN] = patients["ttf_months"].astype(float)
    patients[EVENT_COLUMN] = _binary_column(patients["ttf_event"])
    outcome = analysis.options.outcome
    if outcome.kind == "ttf":
        patients["early_failure"] = _binary_column(patients["early_failure"])
        return "early_failure"
    column = outcome.column
    if column is None:         # OutcomeSpec.parse gives binary and hpd outcomes a column
        raise RuntimeError(f"outcome {outcome.kind} without a column (a bug)")
    if outcome.kind == "binary":
        if column not in patients.columns:
            raise UsageError(f"--outcome binary:{column}: no such clinical column",
                             path=clinical.path,
                             hint="name a true/false column of the clinical table")
        patients[column] = _binary_column(patients[column])
        return column
    if hpd_calls is None:      # analyse_cohort raised a UsageError without them
        raise RuntimeError("an hpd outcome without HPD calls (a bug)")
    return _add_hpd_labels(analysis, patients, hpd_calls, column)


def _add_hpd_labels(analysis: CohortAnalysis, patients: pd.DataFrame,
                    hpd_calls: pd.DataFrame, name: str) -> str:
    """The outcome column of HPD definition ``name``, its warning, overlap and assumption;
    returns the column's name."""
    from ..hpd import DEFINITIONS, definition_overlap

    outcome = analysis.options.outcome
    definition = DEFINITIONS[name]
    labels = hpd_calls.set_index("patient_id")[definition.column]
    binary = definition.column
    patients[binary] = _binary_column(patients["patient_id"].map(labels))
    absent = patients.loc[~patients["patient_id"].isin(labels.index), "patient_id"]
    if len(absent):
        analysis.warnings.append(f"{len(absent)} patient(s) have no row in the HPD calls and "
                                 f"are not evaluable for {outcome.label}: "
                                 + ", ".join(map(str, absent.head(10))))
    analysed_calls = hpd_calls[hpd_calls["patient_id"].isin(set(patients["patient_id"]))]
    analysis.hpd_overlap = definition_overlap(analysed_calls)
    analysis.assumptions.append(f"HPD labels ({definition.label}: {definition.summary}; "
                                f"{definition.citation}) are used as hpd-classify wrote them")
    return binary


def _note_available_outcomes(analysis: CohortAnalysis, patients: pd.DataFrame,
                             clinical: ClinicalTable, binary: str) -> bool:
    """Record which statistics can run and warn about the others; False when none can."""
    analysis.survival_available = bool(patients[DURATION_COLUMN].notna().any())
    analysis.binary_available = bool(patients[binary].notna().any())
    if not analysis.survival_available:
        analysis.survival_skipped = (
            f"{clinical.no_time_to_event}" if not clinical.has_time_to_event else
            "no analysed patient with clinical data has a usable time and status")
        analysis.warnings.append("survival statistics (Kaplan-Meier, log-rank, Cox) not run: "
                                 + analysis.survival_skipped)
    if not analysis.binary_available:
        analysis.binary_skipped = (f"no analysed patient with clinical data is evaluable for "
                                   f"{analysis.options.outcome.label}")
        analysis.warnings.append("binary statistics (Fisher, Firth) not run: "
                                 + analysis.binary_skipped)
    if not analysis.survival_available and not analysis.binary_available:
        analysis.warnings.append("no sample with clinical data has a usable outcome: no statistics")
        return False
    return True


def _exposure_key(exposure: pd.Series) -> bytes:
    """An exposure's bytes (NaN written as -1, so every NaN compares equal): a cache key."""
    values = exposure.to_numpy()
    return np.where(np.isnan(values), -1.0, values).tobytes()


class _Fits:
    """The crude and adjusted fits of one analysis, cached by exposure: definitions with the same
    exposure over the analysed patients (a component of a rule with one kind of criteria, a grade
    with nothing supporting-grade in the cohort) share one fit."""

    def __init__(self, analysis: CohortAnalysis, patients: pd.DataFrame, binary: str) -> None:
        options = analysis.options
        self.patients = patients
        self.options = options
        self.adjusted = bool(options.covariates or options.strata)
        self.risk_times = _risk_times(patients[DURATION_COLUMN])
        self.binary = binary if analysis.binary_available else None
        self.survival = analysis.survival_available
        self.skipped = [f"{what} not run: {why}" for what, why in (
            ("survival statistics", analysis.survival_skipped),
            ("binary statistics", analysis.binary_skipped)) if why]
        self.fitted: dict[bytes, tuple[AssociationResult, AssociationResult | None]] = {}
        # every matrix has the samples' index: the patients' rows in it, looked up once
        self.sample_index = analysis.rule_matrix.index
        self.rows_of_patients = (self.sample_index.get_indexer(patients["sample_id"])
                                 if self.sample_index.is_unique else None)

    def of_matrix(self, matrix: pd.DataFrame, key: str
                  ) -> tuple[AssociationResult, AssociationResult | None]:
        """The fits of one matrix column as the exposure over the analysed patients."""
        rows = self.rows_of_patients
        if rows is not None and matrix.index.equals(self.sample_index):
            values = matrix[key].to_numpy(dtype=float)
            values = np.where(rows >= 0, values[rows], math.nan)
            exposure = pd.Series(values, index=self.patients.index, dtype=float)
        else:
            exposure = self.patients["sample_id"].map(matrix[key]).astype(float)
        cache_key = _exposure_key(exposure)
        if cache_key not in self.fitted:
            self.fitted[cache_key] = self.fit(exposure)
        return self.fitted[cache_key]

    def of_clinical_rule(self, rule_id: str, exposure: pd.Series
                         ) -> tuple[AssociationResult, AssociationResult | None]:
        """The fits of a clinical rule's column (not adjusted for itself)."""
        cache_key = rule_id.encode() + _exposure_key(exposure)
        if cache_key not in self.fitted:
            self.fitted[cache_key] = self.fit(exposure, itself=rule_id)
        return self.fitted[cache_key]

    def fit(self, exposure: pd.Series, itself: str | None = None
            ) -> tuple[AssociationResult, AssociationResult | None]:
        """The crude and (with covariates or strata) adjusted association of one exposure."""
        options = self.options
        # a clinical rule named as a covariate is not adjusted for itself (its own row)
        covariates = tuple(c for c in options.covariates if c != itself)
        frame = self.patients.copy()
        frame[EXPOSURE_COLUMN] = exposure
        of_frame = partial(associate, frame, exposure=EXPOSURE_COLUMN, early_failure=self.binary,
                           duration=DURATION_COLUMN if self.survival else None,
                           event=EVENT_COLUMN if self.survival else None,
                           alpha=options.alpha, km_at_times=self.risk_times)
        crude = of_frame()
        adjusted_result = (of_frame(covariates=covariates, strata=options.strata)
                           if self.adjusted else None)
        for result in filter(None, (crude, adjusted_result)):   # an empty cell says why
            result.warnings += self.skipped
        return crude, adjusted_result


def _set_fisher_q(family: list[AlterationAssociation]) -> None:
    """Benjamini-Hochberg q-values of the crude Fisher p-values over one family of rows."""
    pvalues = [a.crude.fisher.p_value if a.crude.fisher is not None else math.nan
               for a in family]
    for association, q in zip(family, bh_qvalues(np.asarray(pvalues, dtype=float)), strict=True):
        association.fisher_q = float(q)


def _clinical_associations(analysis: CohortAnalysis, matrix: pd.DataFrame, fits: _Fits) -> None:
    """The association rows of level ``clinical``: one per CLIN_* rule, their own BH family."""
    from .clinical import CLINICAL_COMPONENT, CLINICAL_EXPOSURE, CLINICAL_GRADE

    titles = {r["rule_id"]: r for r in analysis.clinical_rules}
    for rule_id in matrix.columns:
        crude, adjusted_result = fits.of_clinical_rule(rule_id, matrix[rule_id].astype(float))
        analysis.clinical_associations.append(AlterationAssociation(
            "clinical", rule_id, titles[rule_id]["title"], titles[rule_id]["evidence_level"],
            analysis.options.outcome.text(), crude, adjusted_result,
            component=CLINICAL_COMPONENT, grade=CLINICAL_GRADE, exposure=CLINICAL_EXPOSURE))
    _set_fisher_q(analysis.clinical_associations)


def _exposure_associations(analysis: CohortAnalysis, fits: _Fits) -> None:
    """The rule and gene association rows, one per exposure definition, BH per definition."""
    outcome = analysis.options.outcome.text()
    for definitions, matrices, associations in (
            (analysis.rule_exposures, analysis.rule_matrices, analysis.rule_associations),
            (analysis.gene_exposures, analysis.gene_matrices, analysis.gene_associations)):
        for definition in definitions:
            crude, adjusted_result = fits.of_matrix(matrices[definition.key], definition.id)
            associations.append(AlterationAssociation(
                definition.level, definition.id, definition.title, definition.evidence_level,
                outcome, crude, adjusted_result, component=definition.component,
                grade=definition.grade, exposure=definition.label))
        # one family per exposure definition: the rules (genes) tested under it
        families: dict[tuple[str, str], list[AlterationAssociation]] = {}
        for association in associations:
            families.setdefault((association.component, association.grade), []).append(association)
        for family in families.values():
            _set_fisher_q(family)


__all__ = [
    "ADJUSTED_COLUMNS",
    "DEFAULT_EXPOSURE",
    "EXPOSURE_COLUMNS",
    "ExposureDefinition",
    "GENE_ASSOCIATION_COLUMNS",
    "RULE_ASSOCIATION_COLUMNS",
    "AlterationAssociation",
    "CohortAnalysis",
    "CohortOptions",
    "OutcomeSpec",
    "SampleCalls",
    "analyse_cohort",
    "check_model_columns",
    "exposure_definitions",
    "exposure_matrices",
    "not_evaluable_warnings",
    "parse_outcome",
    "status_matrix",
]
