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
p-values of the family of rules, and separately over the family of genes.
"""
from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..model import GeneStatus, Rule
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

#: association.tsv columns (rules); association_genes.tsv has ``gene`` in place of the first three
RULE_ASSOCIATION_COLUMNS = ("rule_id", "title", "evidence_level", "outcome",
                            *ROW_COLUMNS[1:], *ADJUSTED_COLUMNS)
GENE_ASSOCIATION_COLUMNS = ("gene", "outcome", *ROW_COLUMNS[1:], *ADJUSTED_COLUMNS)

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

    @classmethod
    def from_evaluation(cls, sample_id: str, evaluation, *, source: str = "",
                        patient_id: str | None = None,
                        attributes: dict | None = None) -> SampleCalls:
        """From a :class:`hpdgenomics.screen.engine.SampleEvaluation`."""
        from ..report.model import _plain

        return cls(sample_id=sample_id,
                   rule_status={r.rule_id: r.status for r in evaluation.rules},
                   gene_status={g.gene: g.status for g in evaluation.genes},
                   alterations=[_compact(_plain(a)) for a in evaluation.alterations],
                   source=source, patient_id=patient_id, attributes=dict(attributes or {}),
                   rule_reason={r.rule_id: r.reason for r in evaluation.rules})

    @classmethod
    def from_report(cls, report: dict, *, source: str = "", patient_id: str | None = None,
                    attributes: dict | None = None) -> SampleCalls:
        """From a single-sample JSON report (``ScreenReport.to_dict()``)."""
        return cls(sample_id=report["sample"]["id"],
                   rule_status={r["rule_id"]: r["status"] for r in report["rules"]},
                   gene_status={g["gene"]: g["status"] for g in report["genes"]},
                   alterations=[_compact(a) for a in report["alterations"]],
                   source=source, patient_id=patient_id, attributes=dict(attributes or {}),
                   rule_reason={r["rule_id"]: r.get("reason") or "" for r in report["rules"]})


def _compact(alteration: dict) -> dict:
    out = {k: alteration.get(k) for k in ALTERATION_FIELDS}
    cn = alteration.get("copy_number") or {}
    out["copy_number_call"] = cn.get("call")
    out["copy_number"] = cn.get("copy_number")
    return out


def status_matrix(samples: list[SampleCalls], level: str, ids: list[str]) -> pd.DataFrame:
    """samples x ids table of 1 (altered), 0 (not detected) and NaN (not evaluable)."""
    if level not in ("rule", "gene"):
        raise UsageError(f"level {level!r} is not rule or gene")
    rows = []
    for sample in samples:
        statuses = sample.rule_status if level == "rule" else sample.gene_status
        rows.append([STATUS_CODE.get(statuses.get(i, GeneStatus.NOT_EVALUABLE.value), math.nan)
                     for i in ids])
    return pd.DataFrame(rows, index=pd.Index([s.sample_id for s in samples], name="sample_id"),
                        columns=list(ids), dtype=float)


# --- outcome and options -------------------------------------------------------------------------

@dataclass(frozen=True)
class OutcomeSpec:
    kind: str                      # "ttf", "binary" or "hpd"
    column: str | None = None      # the clinical column (binary) or HPD definition name (hpd)

    @property
    def label(self) -> str:
        if self.kind == "ttf":
            return "early failure"
        if self.kind == "binary":
            return f"clinical column {self.column}"
        return f"HPD ({self.column})"

    def text(self) -> str:
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
    """Statistics for one rule or gene: the crude model and, with covariates/strata, the adjusted."""

    level: str                        # "rule" or "gene"
    id: str
    title: str
    evidence_level: str
    outcome: str
    crude: AssociationResult
    adjusted: AssociationResult | None = None
    fisher_q: float = math.nan

    def row(self) -> dict:
        base = self.crude.row()
        base.pop("rule_id")
        base["fisher_q"] = self.fisher_q
        head = ({"rule_id": self.id, "title": self.title, "evidence_level": self.evidence_level}
                if self.level == "rule" else {"gene": self.id})
        row = {**head, "outcome": self.outcome, **base}
        adjusted = self.adjusted.row() if self.adjusted is not None else {}
        for column in ADJUSTED_COLUMNS:
            source = column.removeprefix("adjusted_")
            row[column] = adjusted.get(source, math.nan if column not in (
                "adjusted_covariates", "adjusted_strata", "adjusted_warnings") else "")
        return row

    def to_dict(self) -> dict:
        from ..stats._result import json_safe

        return {"level": self.level, "id": self.id, "title": self.title,
                "evidence_level": self.evidence_level, "outcome": self.outcome,
                "row": json_safe(self.row()), "crude": self.crude.to_dict(),
                "crude_warnings": self.crude.all_warnings(),
                "adjusted": self.adjusted.to_dict() if self.adjusted is not None else None,
                "adjusted_warnings": (self.adjusted.all_warnings()
                                      if self.adjusted is not None else [])}


@dataclass
class CohortAnalysis:
    samples: list[SampleCalls]
    rules: list[dict]                         # rule_id, title, genes, evidence_level, caution_level
    rule_matrix: pd.DataFrame
    gene_matrix: pd.DataFrame
    options: CohortOptions
    patients: pd.DataFrame | None = None      # the joined table the statistics used
    join: pd.DataFrame | None = None          # every analysed sample's join row
    join_report: JoinReport | None = None
    rule_associations: list[AlterationAssociation] = field(default_factory=list)
    gene_associations: list[AlterationAssociation] = field(default_factory=list)
    hpd_overlap: pd.DataFrame | None = None
    survival_available: bool = False
    binary_available: bool = False
    survival_skipped: str | None = None      # why KM/log-rank/Cox were not run
    binary_skipped: str | None = None        # why Fisher/Firth were not run
    warnings: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    def counts(self, level: str = "rule") -> pd.DataFrame:
        """altered / not detected / not evaluable per rule (or gene) over all samples."""
        matrix = self.rule_matrix if level == "rule" else self.gene_matrix
        return pd.DataFrame({"altered": (matrix == 1).sum(), "not_detected": (matrix == 0).sum(),
                             "not_evaluable": matrix.isna().sum()}).astype(int)


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
    return pd.Series([math.nan if pd.isna(v) else float(bool(v)) for v in values],
                     index=values.index, dtype=float)


#: a rule not evaluable in at least this fraction of the samples gets a warning in the report
NOT_EVALUABLE_WARNING_FRACTION = 0.5


def _reason_text(reason: str) -> str:
    """The first clause of a rule's reason, without the status it restates."""
    text = (reason or "").strip().removeprefix("not evaluable:").strip()
    return text.split(". ")[0].rstrip(".") or "no reason given"


def not_evaluable_warnings(samples: list[SampleCalls], rule_matrix: pd.DataFrame) -> list[str]:
    """One warning per rule that is not evaluable in half or more of the samples.

    Such a rule's counts and tests rest on the few samples that could be assessed; the warning
    names the rule, the count and the commonest reason so that nobody reads its low altered count
    as evidence that the alteration is absent.
    """
    total = len(rule_matrix.index)
    if not total:
        return []
    reasons = {s.sample_id: s.rule_reason for s in samples}
    found = []
    for rule_id in rule_matrix.columns:
        missing = rule_matrix.index[rule_matrix[rule_id].isna()]
        if len(missing) < NOT_EVALUABLE_WARNING_FRACTION * total:
            continue
        why = Counter(_reason_text(reasons.get(s, {}).get(rule_id, "")) for s in missing)
        commonest = why.most_common(1)[0][0]     # ties: the reason met first (Counter keeps order)
        # square brackets: the reasons carry their own parentheses
        found.append(f"{rule_id} not evaluable in {len(missing)}/{total} samples [commonest "
                     f"reason: {commonest}]; its counts and tests say nothing about absence")
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
                   hpd_calls: pd.DataFrame | None = None) -> CohortAnalysis:
    """Build the matrices, join the clinical table and compute every association.

    Without ``clinical`` only the matrices are built. ``sample_to_patient`` (for example from the
    manifest) takes precedence over the clinical table's own mapping.
    """
    options = options or CohortOptions()
    rules = list(rules)
    if not samples:
        raise UsageError("no sample could be analysed", hint="see the per-sample errors above")
    rule_ids = [r.id for r in rules]
    rule_info = [{"rule_id": r.id, "title": r.title, "genes": list(r.genes),
                  "evidence_level": r.evidence_level, "caution_level": r.caution_level}
                 for r in rules]
    genes = _rule_genes(rules)
    analysis = CohortAnalysis(samples=samples, rules=rule_info,
                              rule_matrix=status_matrix(samples, "rule", rule_ids),
                              gene_matrix=status_matrix(samples, "gene", genes), options=options)
    analysis.warnings.extend(not_evaluable_warnings(samples, analysis.rule_matrix))
    if clinical is None:
        analysis.assumptions.append("no clinical table: alteration counts only, no statistics")
        return analysis
    if options.outcome.kind == "hpd" and hpd_calls is None:
        raise UsageError(f"--outcome {options.outcome.text()} needs the HPD calls",
                         hint="pass --hpd-calls PATH (hpd_calls.tsv from hpdgenomics hpd-classify)")
    from .join import join_clinical

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
    patients = joined[joined["has_clinical"]].copy().reset_index(drop=True)

    # sample attributes (manifest columns such as tumor_type) fill covariates the clinical lacks
    attributes = {s.sample_id: s.attributes for s in samples}
    for name in sorted({k for s in samples for k in s.attributes}):
        if name not in patients.columns:
            values = pd.Series([attributes[s].get(name) for s in patients["sample_id"]],
                               dtype=object)
            numeric = pd.to_numeric(values.dropna(), errors="coerce")
            patients[name] = (pd.to_numeric(values, errors="coerce")
                              if len(numeric) and numeric.notna().all() else values)

    patients[DURATION_COLUMN] = patients["ttf_months"].astype(float)
    patients[EVENT_COLUMN] = _binary_column(patients["ttf_event"])
    outcome = options.outcome
    if outcome.kind == "ttf":
        binary = "early_failure"
        patients[binary] = _binary_column(patients["early_failure"])
    elif outcome.kind == "binary":
        if outcome.column not in patients.columns:
            raise UsageError(f"--outcome binary:{outcome.column}: no such clinical column",
                             path=clinical.path,
                             hint="name a true/false column of the clinical table")
        binary = outcome.column
        patients[binary] = _binary_column(patients[outcome.column])
    else:
        from ..hpd import DEFINITIONS, definition_overlap

        definition = DEFINITIONS[outcome.column]
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

    check_model_columns(options.covariates, options.strata,
                        [c for c in patients.columns if not c.startswith("_") and c not in (
                            "sample_id", "patient_id", "has_clinical", "ttf_months", "ttf_event",
                            "early_failure", EVENT_COLUMN)], path=clinical.path)

    analysis.patients = patients
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
                                   f"{outcome.label}")
        analysis.warnings.append("binary statistics (Fisher, Firth) not run: "
                                 + analysis.binary_skipped)
    if not analysis.survival_available and not analysis.binary_available:
        analysis.warnings.append("no sample with clinical data has a usable outcome: no statistics")
        return analysis
    risk_times = _risk_times(patients[DURATION_COLUMN])
    adjusted = bool(options.covariates or options.strata)
    if adjusted:
        analysis.assumptions.append(
            "adjusted models (Firth, Cox) include covariates "
            f"{', '.join(options.covariates) or 'none'} and strata "
            f"{', '.join(options.strata) or 'none'}; Fisher and log-rank are unadjusted")

    def run(matrix: pd.DataFrame, key: str) -> tuple[AssociationResult, AssociationResult | None]:
        frame = patients.copy()
        frame[EXPOSURE_COLUMN] = frame["sample_id"].map(matrix[key])
        kwargs = {"exposure": EXPOSURE_COLUMN,
                  "early_failure": binary if analysis.binary_available else None,
                  "duration": DURATION_COLUMN if analysis.survival_available else None,
                  "event": EVENT_COLUMN if analysis.survival_available else None,
                  "alpha": options.alpha, "km_at_times": risk_times}
        crude = associate(frame, **kwargs)
        adjusted_result = (associate(frame, covariates=options.covariates,
                                     strata=options.strata, **kwargs) if adjusted else None)
        for result in filter(None, (crude, adjusted_result)):   # an empty cell says why
            result.warnings += skipped
        return crude, adjusted_result

    skipped = [f"{what} not run: {why}" for what, why in (
        ("survival statistics", analysis.survival_skipped),
        ("binary statistics", analysis.binary_skipped)) if why]

    for info in rule_info:
        crude, adjusted_result = run(analysis.rule_matrix, info["rule_id"])
        analysis.rule_associations.append(AlterationAssociation(
            "rule", info["rule_id"], info["title"], info["evidence_level"], outcome.text(),
            crude, adjusted_result))
    for gene in genes:
        crude, adjusted_result = run(analysis.gene_matrix, gene)
        analysis.gene_associations.append(AlterationAssociation(
            "gene", gene, gene, "", outcome.text(), crude, adjusted_result))
    for family in (analysis.rule_associations, analysis.gene_associations):
        pvalues = [a.crude.fisher.p_value if a.crude.fisher is not None else math.nan
                   for a in family]
        if family:
            for association, q in zip(family, bh_qvalues(np.asarray(pvalues, dtype=float))):
                association.fisher_q = float(q)
    return analysis


__all__ = [
    "ADJUSTED_COLUMNS",
    "GENE_ASSOCIATION_COLUMNS",
    "RULE_ASSOCIATION_COLUMNS",
    "AlterationAssociation",
    "CohortAnalysis",
    "CohortOptions",
    "OutcomeSpec",
    "SampleCalls",
    "analyse_cohort",
    "check_model_columns",
    "not_evaluable_warnings",
    "parse_outcome",
    "status_matrix",
]
