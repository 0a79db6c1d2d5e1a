"""Schema of a knowledge YAML file and its validation into :class:`hpdgenomics.model.Rule` objects.

The schema is defined once here (and documented in annotations/SCHEMA.md).  Validation never stops
at the first problem: every problem is collected in a :class:`Problems` list, each naming the file,
the rule id and the field, and the caller raises one :class:`~hpdgenomics.errors.KnowledgeError`
listing all of them.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from ..errors import KnowledgeError
from ..model import (
    Citation,
    ClinicalCriterion,
    ClinicalRule,
    Consequence,
    CopyNumberCall,
    CopyNumberCriterion,
    Rule,
    VariantCriterion,
)
from .frozen import freeze

SCHEMA_VERSION = 1
CAUTION_LEVELS = ("low", "moderate", "high")          # weakest first
GRADES = ("strong", "supporting")
# Controlled evidence vocabulary, strongest first (SCHEMA.md explains each phrase).
EVIDENCE_LEVELS = ("multivariate cohort association", "cohort association", "small cohort",
                   "case report", "secondary source", "unverified abstract")
CONSEQUENCES = tuple(c.value for c in Consequence)
CALLS = tuple(c.value for c in CopyNumberCall)

TOP_LEVEL_KEYS = {"schema_version", "version", "name", "description", "rules", "clinical_rules",
                  "copy_number", "tables"}
TABLE_KEYS = ("genes_GRCh37", "genes_GRCh38", "exons_GRCh37", "exons_GRCh38", "hotspots")
RULE_REQUIRED = ("id", "title", "genes", "caution_level", "evidence_level", "supporting",
                 "meaning", "not_meaning")
RULE_KEYS = set(RULE_REQUIRED) | {"variant_criteria", "copy_number_criteria", "requires_all",
                                  "thresholds", "neutral_or_contrary"}
VARIANT_CRITERION_KEYS = {"label", "grade", "caution_level", "protein_changes", "protein_pattern",
                          "consequences", "exons", "hotspot"}
VARIANT_CONSTRAINTS = ("protein_changes", "protein_pattern", "consequences", "exons", "hotspot")
CN_CRITERION_KEYS = {"label", "grade", "caution_level", "calls", "genes"}
CITATION_KEYS = {"reference", "summary", "pmid", "doi", "verified"}
# clinical rules (CLIN_*): pre-treatment patient factors, shown beside the genomic findings
CLINICAL_RULE_REQUIRED = ("id", "title", "evidence_level", "criterion", "threshold_source",
                          "supporting", "neutral_or_contrary", "meaning", "not_meaning")
CLINICAL_RULE_KEYS = set(CLINICAL_RULE_REQUIRED) | {"score_parts"}
CLINICAL_CRITERION_KEYS = ("factor", "operator", "threshold", "label")
OPERATORS = (">", ">=", "<", "<=", "==")
CLINICAL_PREFIX = "CLIN_"
SCORE_SUFFIX = "_score"

# copy_number section: call block -> its numeric keys (exactly these, see SCHEMA.md)
CN_BLOCKS = {
    "amplification": ("min_copies", "min_ploidy_ratio"),
    "gain": ("min_copies_above_ploidy",),
    "shallow_loss": ("max_copies_below_ploidy",),
    "deep_deletion": ("max_copies",),
}
CN_KEYS = set(CN_BLOCKS) | {"focal_max_length", "gene_overrides"}

VERSION_RE = re.compile(r"^\d{4}\.\d{2}\.\d+$")
RULE_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9_]*$")
CLINICAL_RULE_ID_RE = re.compile(r"^CLIN_[A-Z0-9_]+$")
PROTEIN_CHANGE_RE = re.compile(r"^p\.[A-Z*]\d+\S*$")
THREE_LETTER_RE = re.compile(r"^p\.[A-Z][a-z]{2}\d")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
CONTRAINDICATION_RE = re.compile(r"contraindicat", re.IGNORECASE)


class Problems:
    """Collects problems of one load; each entry already names file, rule and field."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, source: str, where: str, message: str) -> None:
        """Record one problem of ``source`` at ``where`` (a repeated one is kept once)."""
        text = f"{source}: {where}: {message}" if where else f"{source}: {message}"
        if text not in self.items:   # a merged section may be checked twice
            self.items.append(text)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, path: str | None = None) -> None:
        """Raise one KnowledgeError listing every problem collected, if there is any."""
        if not self.items:
            return
        shown = "; ".join(self.items)
        raise KnowledgeError(f"{len(self.items)} problem(s) in the knowledge base: {shown}",
                             path=path, problems=self.items,
                             hint="fix every listed field (schema: annotations/SCHEMA.md) and "
                                  "check with `hpdgenomics knowledge validate FILE`")


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


def _known(values: Iterable, allowed: tuple[str, ...], field: str, bad, *,
           what: str = "value") -> bool:
    """Report each of ``values`` that is not in ``allowed``; True when there is none."""
    ok = True
    for value in values:
        if value not in allowed:
            bad(field, f"unknown {what} {value!r} (expected one of: {_choices(allowed)})")
            ok = False
    return ok


def _is_number(value: Any) -> bool:
    """An int or a finite float (YAML's ``.inf`` and ``.nan`` are floats, and not thresholds)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _not_finite(value: Any) -> str:
    """`` (not a finite number)`` for YAML's .inf/.nan, so the message says why it is refused."""
    return " (not a finite number)" if isinstance(value, float) and not math.isfinite(value) \
        else ""


def check_document(doc: Any, source: str, problems: Problems, *, bundled: bool) -> dict:
    """Top-level keys of one YAML document; returns the document (or {} when unusable)."""
    if not isinstance(doc, dict):
        problems.add(source, "", f"expected a mapping at the top level, found "
                                 f"{type(doc).__name__}")
        return {}
    for key in sorted(set(doc) - TOP_LEVEL_KEYS):
        problems.add(source, key,
                     f"unknown top-level key (allowed: {_choices(sorted(TOP_LEVEL_KEYS))})")
    if doc.get("schema_version") != SCHEMA_VERSION:
        problems.add(source, "schema_version",
                     f"found {doc.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    version = doc.get("version")
    if not isinstance(version, str) or not VERSION_RE.match(version):
        problems.add(source, "version",
                     f"found {version!r}, expected a quoted \"YYYY.MM.N\" string")
    if not isinstance(doc.get("name"), str) or not doc.get("name"):
        problems.add(source, "name", "missing or empty")
    if "rules" in doc and not isinstance(doc["rules"], list):
        problems.add(source, "rules", "expected a list of rules")
    if "clinical_rules" in doc and not isinstance(doc["clinical_rules"], list):
        problems.add(source, "clinical_rules", "expected a list of clinical rules")
    if bundled:
        for key in ("rules", "copy_number"):
            if key not in doc:
                problems.add(source, key, "missing (required in the bundled knowledge base)")
    tables = doc.get("tables")
    if tables is not None:
        if not isinstance(tables, dict):
            problems.add(source, "tables", "expected a mapping of table name to file")
        else:
            for key in sorted(set(tables) - set(TABLE_KEYS)):
                problems.add(source, f"tables.{key}",
                             f"unknown table (allowed: {_choices(TABLE_KEYS)})")
    return doc


# --- rules -------------------------------------------------------------------------------------

def parse_rules(raw_rules: list, source: str, problems: Problems) -> list[Rule]:
    """Rule objects of one file (rules with problems are left out, their problems recorded)."""
    rules = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules or []):
        rule = _parse_rule(raw, index, source, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.add(source, f"rule {rule.id}", "duplicate rule id in this file")
            continue
        seen.add(rule.id)
        rules.append(rule)
    return rules


def _parse_rule(raw: Any, index: int, source: str, problems: Problems) -> Rule | None:
    if not isinstance(raw, dict):
        problems.add(source, f"rules[{index}]", "expected a mapping")
        return None
    rule_id = raw.get("id")
    where = f"rule {rule_id}" if isinstance(rule_id, str) and rule_id else f"rules[{index}]"
    before = len(problems.items)

    def bad(field: str, message: str) -> None:
        problems.add(source, f"{where}: {field}", message)

    for key in sorted(set(raw) - RULE_KEYS):
        bad(key, f"unknown field (allowed: {_choices(sorted(RULE_KEYS))})")
    for key in RULE_REQUIRED:
        if key not in raw or raw[key] in (None, ""):
            bad(key, "missing required field")
    if isinstance(rule_id, str) and not RULE_ID_RE.match(rule_id):
        bad("id", f"{rule_id!r} is not an upper-case identifier such as MDM2_AMP")
    if isinstance(rule_id, str) and rule_id.startswith(CLINICAL_PREFIX):
        bad("id", f"{rule_id!r}: ids starting with {CLINICAL_PREFIX} are reserved for clinical "
                  "rules (put it under clinical_rules:, or rename the genomic rule)")
    genes = raw.get("genes")
    if genes is not None and (not isinstance(genes, list) or not genes
                              or not all(isinstance(g, str) for g in genes)):
        bad("genes", "expected a non-empty list of gene symbols")
        genes = None
    caution = raw.get("caution_level")
    if caution is not None:
        _known([caution], CAUTION_LEVELS, "caution_level", bad)
    evidence = raw.get("evidence_level")
    if evidence is not None:
        _known([evidence], EVIDENCE_LEVELS, "evidence_level", bad)
    for key in ("title", "meaning", "not_meaning"):
        if key in raw and raw[key] is not None and not isinstance(raw[key], str):
            bad(key, "expected text")
    if isinstance(raw.get("meaning"), str) and CONTRAINDICATION_RE.search(raw["meaning"]):
        bad("meaning", "must not speak of contraindication (say what the flag does NOT mean "
                       "in not_meaning)")

    variant_criteria = tuple(
        c for i, item in enumerate(_as_list(raw.get("variant_criteria"), "variant_criteria", bad))
        if (c := _variant_criterion(item, f"variant_criteria[{i}]", bad)) is not None)
    cn_criteria = tuple(
        cn for i, item in enumerate(_as_list(raw.get("copy_number_criteria"),
                                            "copy_number_criteria", bad))
        if (cn := _cn_criterion(item, f"copy_number_criteria[{i}]", genes or [], bad)) is not None)
    requires_all = raw.get("requires_all") or []
    if not isinstance(requires_all, list) or not all(isinstance(r, str) for r in requires_all):
        bad("requires_all", "expected a list of rule ids")
        requires_all = []
    if not (raw.get("variant_criteria") or raw.get("copy_number_criteria") or requires_all):
        bad("variant_criteria", "a rule needs variant_criteria, copy_number_criteria or "
                                "requires_all")
    levels = [c.caution_level for c in variant_criteria + cn_criteria
              if c.caution_level in CAUTION_LEVELS]
    if levels and caution in CAUTION_LEVELS:
        highest = max(levels, key=CAUTION_LEVELS.index)
        if highest != caution:
            bad("caution_level", f"{caution!r} but the highest criterion level is {highest!r} "
                                 "(the rule's level must be its highest criterion's)")
    thresholds = raw.get("thresholds") or {}
    if thresholds:
        check_cn_blocks(thresholds, source, f"{where}: thresholds", problems,
                        allowed=set(CN_BLOCKS) | {"focal_max_length"})
    supporting = _citations(raw.get("supporting"), "supporting", bad, required=True)
    contrary = _citations(raw.get("neutral_or_contrary"), "neutral_or_contrary", bad,
                          required=False)

    if not (isinstance(rule_id, str) and rule_id and genes):
        return None
    if len(problems.items) > before:
        # keep what parsed, so the cross-checks (panel genes, exons, requires_all) still report
        # their problems in the same error; a rule with problems is never used
        thresholds = thresholds if isinstance(thresholds, dict) else {}

    return Rule(id=rule_id, title=str(raw.get("title") or ""), genes=tuple(genes),
                caution_level=str(caution), evidence_level=str(evidence),
                variant_criteria=variant_criteria, copy_number_criteria=cn_criteria,
                requires_all=tuple(requires_all), thresholds=freeze(thresholds),
                supporting=supporting, neutral_or_contrary=contrary,
                meaning=str(raw.get("meaning") or "").strip(),
                not_meaning=str(raw.get("not_meaning") or "").strip())


def _as_list(value, field, bad) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        bad(field, "expected a list")
        return []
    return value


def _common_criterion(item, field, bad, allowed) -> bool:
    if not isinstance(item, dict):
        bad(field, "expected a mapping")
        return False
    ok = True
    for key in sorted(set(item) - allowed):
        bad(f"{field}.{key}", f"unknown field (allowed: {_choices(sorted(allowed))})")
        ok = False
    for key in ("label", "grade", "caution_level"):
        if not item.get(key):
            bad(f"{field}.{key}", "missing required field")
            ok = False
    if item.get("grade"):
        ok &= _known([item["grade"]], GRADES, f"{field}.grade", bad)
    if item.get("caution_level"):
        ok &= _known([item["caution_level"]], CAUTION_LEVELS, f"{field}.caution_level", bad)
    return ok


def _variant_criterion(item, field, bad) -> VariantCriterion | None:
    ok = _common_criterion(item, field, bad, VARIANT_CRITERION_KEYS)
    if not isinstance(item, dict):
        return None
    if not any(item.get(k) for k in VARIANT_CONSTRAINTS):
        bad(field, f"states no constraint (give one of: {_choices(VARIANT_CONSTRAINTS)})")
        ok = False
    changes = item.get("protein_changes") or []
    if not isinstance(changes, list):
        bad(f"{field}.protein_changes", "expected a list")
        ok, changes = False, []
    for change in changes:
        if not isinstance(change, str) or not PROTEIN_CHANGE_RE.match(change):
            hint = (" (use one-letter amino acids, e.g. p.E17K)"
                    if isinstance(change, str) and THREE_LETTER_RE.match(change)
                    else " (expected one-letter HGVS p., e.g. p.E17K)")
            bad(f"{field}.protein_changes", f"{change!r} is not a protein change{hint}")
            ok = False
    pattern = item.get("protein_pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            bad(f"{field}.protein_pattern", "expected a regular expression")
            ok = False
        else:
            try:
                re.compile(pattern)
            except re.error as exc:
                bad(f"{field}.protein_pattern", f"bad regular expression {pattern!r}: {exc}")
                ok = False
            else:
                if not pattern.startswith("p\\."):
                    bad(f"{field}.protein_pattern",
                        f"{pattern!r} must start with 'p\\.' (it is matched against the whole "
                        "change, e.g. p.G12C)")
                    ok = False
    consequences = item.get("consequences") or []
    if not isinstance(consequences, list):
        bad(f"{field}.consequences", "expected a list")
        ok, consequences = False, []
    ok &= _known(consequences, CONSEQUENCES, f"{field}.consequences", bad, what="consequence")
    exons = item.get("exons") or []
    if not isinstance(exons, list) or not all(isinstance(e, int) and not isinstance(e, bool)
                                              and e > 0 for e in exons):
        bad(f"{field}.exons", f"expected a list of exon numbers, found {exons!r}")
        ok, exons = False, []
    hotspot = item.get("hotspot", False)
    if not isinstance(hotspot, bool):
        bad(f"{field}.hotspot", f"expected true or false, found {hotspot!r}")
        ok = False
    if not ok:
        return None
    return VariantCriterion(label=item["label"], grade=item["grade"],
                            caution_level=item["caution_level"], protein_changes=tuple(changes),
                            protein_pattern=pattern, consequences=tuple(consequences),
                            exons=tuple(exons), hotspot=hotspot)


def _cn_criterion(item, field, rule_genes, bad) -> CopyNumberCriterion | None:
    ok = _common_criterion(item, field, bad, CN_CRITERION_KEYS)
    if not isinstance(item, dict):
        return None
    calls = item.get("calls")
    if not isinstance(calls, list) or not calls:
        bad(f"{field}.calls", "missing: give a list of copy-number calls")
        ok, calls = False, []
    ok &= _known(calls, CALLS, f"{field}.calls", bad, what="copy-number call")
    genes = item.get("genes") or []
    for gene in genes:
        if gene not in rule_genes:
            bad(f"{field}.genes",
                f"{gene!r} is not one of the rule's genes ({_choices(rule_genes)})")
            ok = False
    if not ok:
        return None
    return CopyNumberCriterion(label=item["label"], grade=item["grade"],
                               caution_level=item["caution_level"], calls=tuple(calls),
                               genes=tuple(genes))


def _citations(value, field, bad, *, required: bool) -> tuple[Citation, ...]:
    items = _as_list(value, field, bad)
    if required and not items and value is not None:
        bad(field, "at least one citation is required")
    out = []
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        if not isinstance(item, dict):
            bad(where, "expected a mapping with reference and summary")
            continue
        for key in sorted(set(item) - CITATION_KEYS):
            bad(f"{where}.{key}", f"unknown field (allowed: {_choices(sorted(CITATION_KEYS))})")
        if not item.get("reference"):
            bad(f"{where}.reference", "missing required field")
            continue
        if not item.get("summary"):
            bad(f"{where}.summary", "missing required field (say what the study found)")
        pmid = item.get("pmid")
        if pmid is not None and not str(pmid).isdigit():
            bad(f"{where}.pmid", f"{pmid!r} is not a PubMed id (digits only)")
        doi = item.get("doi")
        if doi is not None and not DOI_RE.match(str(doi)):
            bad(f"{where}.doi", f"{doi!r} is not a DOI (10.NNNN/...)")
        verified = item.get("verified", True)
        if not isinstance(verified, bool):
            bad(f"{where}.verified", f"expected true or false, found {verified!r}")
            verified = True
        out.append(Citation(reference=str(item["reference"]).strip(),
                            summary=str(item.get("summary") or "").strip(),
                            pmid=str(pmid) if pmid is not None else None,
                            doi=str(doi) if doi is not None else None, verified=verified))
    return tuple(out)


# --- clinical rules -----------------------------------------------------------------------------

def parse_clinical_rules(raw_rules: Any, source: str, problems: Problems, *,
                         genomic_ids: Iterable[str] = ()) -> list[ClinicalRule]:
    """ClinicalRule objects of one file's ``clinical_rules:`` list (annotations/SCHEMA.md,
    "Clinical rules"); rules with problems are left out, their problems recorded, each naming
    the file, the rule id and the field. ``genomic_ids``: the ids of the file's genomic rules, so
    an id used by both is reported."""
    if not isinstance(raw_rules, list):
        return []          # check_document reports a clinical_rules that is not a list
    taken = set(genomic_ids)
    rules = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        rule = _parse_clinical_rule(raw, index, source, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.add(source, f"clinical rule {rule.id}: id", "duplicate rule id in this file")
            continue
        if rule.id in taken:
            problems.add(source, f"clinical rule {rule.id}: id", "already used by a genomic rule")
            continue
        seen.add(rule.id)
        rules.append(rule)
    return rules


def _parse_clinical_rule(raw: Any, index: int, source: str,
                         problems: Problems) -> ClinicalRule | None:
    from ..clinical.factors import FLAG_FACTORS, RULE_FACTORS

    if not isinstance(raw, dict):
        problems.add(source, f"clinical_rules[{index}]", "expected a mapping")
        return None
    rule_id = raw.get("id")
    where = (f"clinical rule {rule_id}" if isinstance(rule_id, str) and rule_id
             else f"clinical_rules[{index}]")
    before = len(problems.items)

    def bad(field: str, message: str) -> None:
        problems.add(source, f"{where}: {field}", message)

    for key in sorted(set(raw) - CLINICAL_RULE_KEYS):
        bad(key, f"unknown field (allowed: {_choices(sorted(CLINICAL_RULE_KEYS))})")
    for key in CLINICAL_RULE_REQUIRED:
        if key not in raw or raw[key] in (None, "", []):
            bad(key, "missing required field" + (
                " (clinical rules must cite the studies that found no association, "
                "e.g. Kas et al. 2020)" if key == "neutral_or_contrary" else ""))
    if rule_id is not None and (not isinstance(rule_id, str)
                                or not CLINICAL_RULE_ID_RE.match(rule_id)):
        bad("id", f"{rule_id!r} is not a clinical rule id: upper case, starting with "
                  f"{CLINICAL_PREFIX} (CLIN_LDH_GT_ULN)")
    evidence = raw.get("evidence_level")
    if evidence is not None:
        _known([evidence], EVIDENCE_LEVELS, "evidence_level", bad)
    for key in ("title", "threshold_source", "meaning", "not_meaning"):
        if key in raw and raw[key] is not None and not isinstance(raw[key], str):
            bad(key, "expected text")
    if isinstance(raw.get("meaning"), str) and CONTRAINDICATION_RE.search(raw["meaning"]):
        bad("meaning", "must not speak of contraindication (say what the factor does NOT mean "
                       "in not_meaning)")

    parts_raw = raw.get("score_parts")
    parts: list[ClinicalCriterion] = []
    if parts_raw is not None:
        if not isinstance(parts_raw, list) or not parts_raw:
            bad("score_parts", "expected a non-empty list of criteria (one point each)")
        else:
            for i, item in enumerate(parts_raw):
                part = _clinical_criterion(item, f"score_parts[{i}]", bad, RULE_FACTORS,
                                           FLAG_FACTORS, score_parts=None)
                if part is not None:
                    parts.append(part)
    criterion = None
    if raw.get("criterion") is not None:
        criterion = _clinical_criterion(raw["criterion"], "criterion", bad, RULE_FACTORS,
                                        FLAG_FACTORS,
                                        score_parts=len(parts_raw) if isinstance(parts_raw, list)
                                        and parts_raw else None)
    # both lists are required: an empty one is reported above as a missing field
    supporting = _citations(raw.get("supporting"), "supporting", bad, required=False)
    contrary = _citations(raw.get("neutral_or_contrary"), "neutral_or_contrary", bad,
                          required=False)
    if len(problems.items) > before or criterion is None:
        return None          # a clinical rule with problems is never used
    if not isinstance(rule_id, str) or not isinstance(evidence, str):
        # both are required fields checked above: a missing or non-text one is a problem already
        raise RuntimeError(f"{where}: id or evidence_level passed unchecked (a bug)")
    return ClinicalRule(id=rule_id, title=str(raw["title"]).strip(), evidence_level=evidence,
                        criterion=criterion, score_parts=tuple(parts),
                        threshold_source=str(raw["threshold_source"]).strip(),
                        supporting=supporting, neutral_or_contrary=contrary,
                        meaning=str(raw["meaning"]).strip(),
                        not_meaning=str(raw["not_meaning"]).strip())


def _clinical_criterion(item: Any, field: str, bad, rule_factors, flag_factors, *,
                        score_parts: int | None) -> ClinicalCriterion | None:
    """One ``{factor, operator, threshold, label}`` mapping. ``score_parts``: None for a score
    part or a rule without parts; else the number of parts the rule's score adds up."""
    if not isinstance(item, dict):
        bad(field, "expected a mapping with factor, operator, threshold and label")
        return None
    ok = True
    for key in sorted(set(item) - set(CLINICAL_CRITERION_KEYS)):
        bad(f"{field}.{key}", f"unknown field (allowed: {_choices(CLINICAL_CRITERION_KEYS)})")
        ok = False
    for key in CLINICAL_CRITERION_KEYS:
        if key not in item or item[key] is None or item[key] == "":
            bad(f"{field}.{key}", "missing required field")
            ok = False
    factor, operator, threshold = item.get("factor"), item.get("operator"), item.get("threshold")
    is_part = field.startswith("score_parts")
    is_score = isinstance(factor, str) and factor.endswith(SCORE_SUFFIX)
    if factor is not None and factor != "":
        if not isinstance(factor, str):
            bad(f"{field}.factor", f"{factor!r} is not a factor name")
            ok = False
        elif is_score and is_part:
            bad(f"{field}.factor", f"{factor!r}: a score part may not itself be a score (give "
                                   f"one of: {_choices(rule_factors)})")
            ok = False
        elif is_score and score_parts is None:
            bad(f"{field}.factor", f"{factor!r} is a score but the rule has no score_parts "
                                   "(list the parts, one point each)")
            ok = False
        elif not is_score and factor not in rule_factors:
            allowed = _choices(rule_factors) + ("" if is_part else
                                                ", or <name>_score with score_parts")
            bad(f"{field}.factor", f"unknown factor {factor!r} (expected one of: {allowed})")
            ok = False
        elif not is_score and score_parts is not None:
            bad(f"{field}.factor", f"{factor!r}: a rule with score_parts tests the score they "
                                   f"add up, so its criterion factor must end in {SCORE_SUFFIX} "
                                   "(rmh_score)")
            ok = False
    if operator is not None and operator not in OPERATORS:
        bad(f"{field}.operator", f"unknown operator {operator!r} (expected one of: "
                                 f"{_choices(OPERATORS)})")
        ok = False
    is_flag = isinstance(factor, str) and factor in flag_factors
    if threshold is not None:
        if is_flag:
            if not isinstance(threshold, bool):
                bad(f"{field}.threshold", f"{threshold!r}: {factor} is a yes/no factor; give "
                                          "true or false")
                ok = False
            if operator is not None and operator != "==":
                bad(f"{field}.operator", f"{operator!r}: {factor} is a yes/no factor; use ==")
                ok = False
        elif isinstance(threshold, bool):
            bad(f"{field}.threshold", f"{threshold!r}: true/false is only for yes/no factors "
                                      f"({_choices(flag_factors)}); give a number")
            ok = False
        elif not _is_number(threshold):
            bad(f"{field}.threshold", f"expected a number, found {threshold!r}"
                                      f"{_not_finite(threshold)}")
            ok = False
        elif is_score and score_parts is not None and operator in OPERATORS:
            reachable = [s for s in range(score_parts + 1)
                         if _compare(s, operator, threshold)]
            if not 0 <= threshold <= score_parts or not reachable:
                bad(f"{field}.threshold", f"{operator} {threshold!r} cannot be reached: the "
                                          f"score of {score_parts} part(s) is 0 to "
                                          f"{score_parts}")
                ok = False
    if not ok:
        return None
    if factor is None or operator is None or threshold is None:
        # required fields: each missing one set ok = False above
        raise RuntimeError(f"{field}: a missing factor, operator or threshold passed unchecked "
                           "(a bug)")
    return ClinicalCriterion(factor=factor, operator=operator, threshold=threshold,
                             label=str(item["label"]).strip())


def _compare(value, operator: str, threshold) -> bool:
    return {">": value > threshold, ">=": value >= threshold, "<": value < threshold,
            "<=": value <= threshold, "==": value == threshold}[operator]


# --- copy-number section ------------------------------------------------------------------------

def check_cn_blocks(section: Any, source: str, where: str, problems: Problems, *,
                    allowed: set[str]) -> None:
    """Call blocks (amplification, gain, ...) with their numeric keys; focal_max_length."""
    if not isinstance(section, dict):
        problems.add(source, where, "expected a mapping")
        return
    for key, value in section.items():
        if key not in allowed:
            problems.add(source, f"{where}.{key}",
                         f"unknown key (allowed: {_choices(sorted(allowed))})")
            continue
        if key == "focal_max_length":
            if not _is_number(value) or value <= 0:
                problems.add(source, f"{where}.{key}", f"expected a positive length in bp, found "
                                                       f"{value!r}{_not_finite(value)}")
            continue
        if key == "gene_overrides":
            continue
        if not isinstance(value, dict):
            problems.add(source, f"{where}.{key}", "expected a mapping")
            continue
        for sub, number in value.items():
            if sub not in CN_BLOCKS[key]:
                problems.add(source, f"{where}.{key}.{sub}", f"unknown key (allowed: "
                                                            f"{_choices(CN_BLOCKS[key])})")
            elif not _is_number(number) or number < 0:
                problems.add(source, f"{where}.{key}.{sub}", f"expected a non-negative number, "
                                                            f"found {number!r}"
                                                            f"{_not_finite(number)}")


def check_copy_number(section: Any, source: str, problems: Problems, *, complete: bool) -> None:
    """The copy_number section; ``complete``: every key must be present (the merged result)."""
    check_cn_blocks(section, source, "copy_number", problems, allowed=CN_KEYS)
    if not isinstance(section, dict):
        return
    if complete:
        for key in sorted(CN_KEYS - {"gene_overrides"}):
            if key not in section:
                problems.add(source, f"copy_number.{key}", "missing required key")
                continue
            if key in CN_BLOCKS and isinstance(section[key], dict):
                for sub in CN_BLOCKS[key]:
                    if sub not in section[key]:
                        problems.add(source, f"copy_number.{key}.{sub}", "missing required key")
    overrides = section.get("gene_overrides") or {}
    if not isinstance(overrides, dict):
        problems.add(source, "copy_number.gene_overrides", "expected a mapping gene -> blocks")
        return
    for gene, blocks in overrides.items():
        check_cn_blocks(blocks, source, f"copy_number.gene_overrides.{gene}", problems,
                        allowed=set(CN_BLOCKS) | {"focal_max_length"})


def effective_cn_value(copy_number: dict, gene: str, block: str, key: str | None):
    """The copy-number threshold the caller applies to ``gene`` (gene override first)."""
    override = (copy_number.get("gene_overrides") or {}).get(gene) or {}
    if key is None:
        return override.get(block, copy_number.get(block))
    if key in (override.get(block) or {}):
        return override[block][key]
    return (copy_number.get(block) or {}).get(key)


# --- gene lists given on the command line ---------------------------------------------------------

# separators a user may have typed instead of the comma, most telling first
_LIST_SEPARATORS = (";", "|", "\t", " ", "/", ":")


def check_gene_list(items: Iterable[str], known: Iterable[str], *, option: str) -> list[str]:
    """The gene symbols of a list option, each one a gene the knowledge base knows.

    Symbols are case-sensitive (HGNC symbols are upper case): ``kras`` is refused with "did you
    mean KRAS?", never silently taken for it. An item that is several known genes joined by
    another separator (``KRAS;EGFR``) is refused with the separator named. Raises one
    :class:`~hpdgenomics.errors.UsageError` naming every unknown item and listing the valid ones.
    """
    import difflib

    from ..errors import UsageError

    valid = sorted(set(known))
    names = [item.strip() for item in items if item.strip()]
    problems = []
    for name in names:
        if name in valid:
            continue
        problems.append(f"{name!r}{_gene_suggestion(name, valid, option, difflib)}")
    if problems:
        raise UsageError(f"{option} names {len(problems)} gene(s) the knowledge base does not "
                         f"know: {'; '.join(problems)}",
                         hint=f"valid genes: {', '.join(valid)}")
    if not names:
        raise UsageError(f"{option} is empty", hint=f"list genes separated by commas, or leave "
                                                    f"{option} out")
    return names


def _gene_suggestion(name: str, valid: list[str], option: str, difflib) -> str:
    for separator in _LIST_SEPARATORS:
        parts = [p.strip() for p in name.split(separator) if p.strip()]
        if len(parts) > 1 and any(p.upper() in valid for p in parts):
            parts = [p.upper() if p.upper() in valid else p for p in parts]
            shown = "space" if separator == " " else "tab" if separator == "\t" else \
                repr(separator)
            return (f" looks like a list separated by {shown}: separate genes with commas "
                    f"({option} {','.join(parts)})")
    if name.upper() in valid:
        return f": gene symbols are upper case; did you mean {name.upper()}?"
    close = difflib.get_close_matches(name.upper(), valid, n=2, cutoff=0.6)
    return f": did you mean {' or '.join(close)}?" if close else ""


def knowledge_genes(kb) -> list[str]:
    """Every gene of a loaded knowledge base's panels (the valid names of a gene list option)."""
    return sorted({symbol for panel in kb.panels.values() for symbol in panel.genes})
