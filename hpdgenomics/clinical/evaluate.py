"""Evaluate the knowledge base's CLIN_* rules on one patient's factors.

Each rule is ``met``, ``not_met`` or ``not_assessed``; a factor that was not given leaves its
rules not assessed (never "absent"). A points score (the RMH score: one point each for LDH > ULN,
albumin < 35 g/L and more than two metastatic sites) is computed with its parts; with parts not
assessed it is a range (``1-2``), and the rule is decided only when every value in the range
gives the same answer.

The result, :class:`ClinicalEvaluation`, is the report's ``clinical_factors`` section. It never
feeds the genomic caution level: there is no validated score combining clinical and genomic
factors, and the section says so.
"""
from __future__ import annotations

import operator as op
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import Citation, ClinicalCriterion, ClinicalRule
from .factors import DERIVED_LABELS, FACTOR_KEYS, FACTORS, PatientFactors

MET, NOT_MET, NOT_ASSESSED = "met", "not_met", "not_assessed"
STATUSES = (MET, NOT_MET, NOT_ASSESSED)

OPERATORS = {">": op.gt, ">=": op.ge, "<": op.lt, "<=": op.le, "==": op.eq}

STATEMENT = (
    "Clinical factors are shown beside the genomic findings and do not change the genomic "
    "caution level. No validated score combining clinical and genomic factors exists. These "
    "factors were reported with HPD in some cohorts and not in others (Kas et al. found none of "
    "them predictive), and several (ECOG performance status, LDH, metastatic burden) are general "
    "prognostic factors on any treatment, not specific to immunotherapy.")

NO_PATIENT = "no patient factors were given (screen --patient FILE)"


@dataclass
class ClinicalEvaluation:
    """Every clinical rule's status for one patient, with the factors behind it."""

    provided: bool
    source: str | None
    factors: list[dict]
    rules: list[dict]
    warnings: list[str] = field(default_factory=list)
    patient: dict = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """The number of clinical rules with each status (met, not met, not assessed)."""
        return {status: sum(r["status"] == status for r in self.rules) for status in STATUSES}

    def summary(self) -> str:
        """One line: how many criteria are met, not met and not assessed, by id."""
        if not self.rules:
            return "the knowledge base has no clinical rules"
        if not self.provided:
            return f"not assessed: {NO_PATIENT}"
        parts = []
        for status, words in ((MET, "met"), (NOT_ASSESSED, "not assessed")):
            ids = [r["rule_id"] for r in self.rules if r["status"] == status]
            if ids:
                parts.append(f"{len(ids)} {words} ({', '.join(ids)})")
        not_met = self.counts[NOT_MET]
        if not_met:
            parts.append(f"{not_met} not met")
        return f"{len(self.rules)} clinical criteria: " + "; ".join(parts)

    def to_dict(self) -> dict:
        """The report's ``clinical_factors`` section (docs/report-schema.md)."""
        return {"provided": self.provided, "source": self.source, "statement": STATEMENT,
                "summary": self.summary(), "counts": self.counts, "patient": dict(self.patient),
                "factors": self.factors, "rules": self.rules, "warnings": list(self.warnings)}


def evaluate_clinical(factors: PatientFactors | None,
                      rules: Iterable[ClinicalRule]) -> ClinicalEvaluation:
    """Each rule of ``rules`` evaluated on ``factors`` (None: nothing given, all not assessed)."""
    rules = list(rules)
    used_by: dict[str, list[str]] = {}
    for rule in rules:
        for criterion in _criteria(rule):
            used_by.setdefault(criterion.factor, []).append(rule.id)
    return ClinicalEvaluation(
        provided=factors is not None, source=factors.source if factors is not None else None,
        factors=_factor_rows(factors, used_by), rules=[_rule(rule, factors) for rule in rules],
        warnings=list(factors.warnings) if factors is not None else [],
        patient={key: _plain(factors.values.get(key)) for key in
                 ("patient_id", "sample_id", "tumor_type", "ici_regimen", "measured_on",
                  "ici_start", "comment")} if factors is not None else {})


def _criteria(rule: ClinicalRule) -> list[ClinicalCriterion]:
    return list(rule.score_parts) if rule.score_parts else [rule.criterion]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _label(key: str) -> tuple[str, str]:
    if key in FACTORS:
        return FACTORS[key].label, FACTORS[key].unit
    return DERIVED_LABELS.get(key, (key, ""))


def _factor_rows(factors: PatientFactors | None, used_by: dict[str, list[str]]) -> list[dict]:
    keys = [k for k in FACTOR_KEYS if FACTORS[k].kind not in ("text", "date")]
    keys += [k for k in used_by if k not in keys and not k.endswith("_score")]
    rows = []
    for key in keys:
        label, unit = _label(key)
        value = factors.value(key) if factors is not None else None
        row = {"key": key, "label": label, "unit": unit,
               "status": "assessed" if value is not None else NOT_ASSESSED,
               "value": _plain(value), "given": None, "note": None, "reason": None,
               "used_by": used_by.get(key, [])}
        if factors is not None:
            row["given"] = factors.given.get(key)
            row["note"] = factors.notes.get(key)
            if key == "metastatic_sites" and factors.sites is not None:
                row["note"] = "sites: " + ", ".join(factors.sites)
        if value is None:
            row["reason"] = factors.reason(key) if factors is not None else NO_PATIENT
        rows.append(row)
    return rows


def threshold_text(criterion: ClinicalCriterion) -> str:
    """``>= 2``, ``== yes``: the criterion's cut in words (with its unit)."""
    if isinstance(criterion.threshold, bool):
        return f"{criterion.operator} {'yes' if criterion.threshold else 'no'}"
    _, unit = _label(criterion.factor)
    unit = f" {unit}" if unit and unit not in ("organs",) else ""
    return f"{criterion.operator} {criterion.threshold:g}{unit}"


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    _, unit = _label(key)
    # three significant digits for a derived ratio (2.08 x ULN, NLR 5.64), whole numbers as such
    number = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{number}{f' {unit}' if unit and unit != 'organs' else ''}"


def _check(criterion: ClinicalCriterion, factors: PatientFactors | None) -> dict:
    value = factors.value(criterion.factor) if factors is not None else None
    row = {"factor": criterion.factor, "label": criterion.label or criterion.factor,
           "operator": criterion.operator, "threshold": criterion.threshold,
           "threshold_text": threshold_text(criterion), "value": _plain(value),
           "value_text": None}
    if value is None:
        row.update(status=NOT_ASSESSED,
                   reason=factors.reason(criterion.factor) if factors is not None else NO_PATIENT)
        return row
    met = OPERATORS[criterion.operator](value, criterion.threshold)
    row["value_text"] = _value_text(criterion.factor, value)
    row.update(status=MET if met else NOT_MET,
               reason=f"{criterion.factor} {row['value_text']} "
                      f"{'meets' if met else 'does not meet'}"
                      f" {row['threshold_text']}")
    return row


def _rule(rule: ClinicalRule, factors: PatientFactors | None) -> dict:
    row: dict[str, Any] = {"rule_id": rule.id, "title": rule.title,
                           "evidence_level": rule.evidence_level,
                           "threshold_source": rule.threshold_source, "score": None}
    if not rule.score_parts:
        row.update(_check(rule.criterion, factors))
    else:
        parts = [_check(part, factors) for part in rule.score_parts]
        low = sum(p["status"] == MET for p in parts)
        high = low + sum(p["status"] == NOT_ASSESSED for p in parts)
        compare = OPERATORS[rule.criterion.operator]
        at_low, at_high = compare(low, rule.criterion.threshold), \
            compare(high, rule.criterion.threshold)
        points = f"{low}" if low == high else f"{low}-{high}"
        missing = [p["factor"] for p in parts if p["status"] == NOT_ASSESSED]
        criterion = rule.criterion
        row.update({"factor": criterion.factor, "label": criterion.label or criterion.factor,
                    "operator": criterion.operator, "threshold": criterion.threshold,
                    "threshold_text": threshold_text(criterion),
                    "value": low if low == high else None, "value_text": points,
                    "score": {"points_min": low, "points_max": high, "parts": parts}})
        if at_low and at_high:
            status = MET
            reason = f"{criterion.factor} {points} {criterion.operator} {criterion.threshold:g}"
        elif not at_low and not at_high:
            status = NOT_MET
            reason = f"{criterion.factor} {points}: not {criterion.operator} " \
                     f"{criterion.threshold:g}"
        else:
            status = NOT_ASSESSED
            reason = (f"{criterion.factor} {points}: undecided, {', '.join(missing)} not given"
                      if factors is not None else NO_PATIENT)
        if missing and status != NOT_ASSESSED and factors is not None:
            reason += f" whatever {', '.join(missing)} would add"
        row.update(status=status, reason=reason)
    row.update(supporting=[_citation(c) for c in rule.supporting],
               neutral_or_contrary=[_citation(c) for c in rule.neutral_or_contrary],
               meaning=rule.meaning, not_meaning=rule.not_meaning)
    return row


def _citation(citation: Citation) -> dict:
    return {"reference": citation.reference, "summary": citation.summary, "pmid": citation.pmid,
            "doi": citation.doi, "verified": citation.verified}
