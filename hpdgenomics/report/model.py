"""The single-sample report, built once as data; JSON, TSV and HTML are views of it.

``ScreenReport.to_dict()`` *is* the JSON schema (docs/report-schema.md documents each field; bump
``SCHEMA_VERSION`` on any incompatible change).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from ..model import Citation, GeneCopyNumber, VariantCall

if TYPE_CHECKING:
    from ..clinical.evaluate import ClinicalEvaluation

SCHEMA_VERSION = "1.1"   # 1.1: clinical_factors (additive)
#: report versions this hpdgenomics reads back (``cohort --reports``): additive minor versions
READABLE_SCHEMA_VERSIONS = ("1.0", "1.1")

CAUTION_ORDER = {"high": 3, "moderate": 2, "low": 1}

DISCLAIMER = (
    "Research use only. This report lists tumour genomic findings that published studies have "
    "reported in patients with hyper-progressive disease or early failure on immune checkpoint "
    "inhibitors. The evidence is limited and mixed (see the neutral and contrary studies listed "
    "with each finding). A flag is a prompt for discussion by a molecular tumour board; it is not "
    "a contraindication to immunotherapy, not a prediction for this patient, and not a diagnosis. "
    "A gene marked not evaluable was not assessed; it is not evidence of absence."
)


@dataclass
class Alteration:
    """One rule matched by one piece of evidence (a variant, a gene copy-number call, or both)."""

    rule_id: str
    rule_title: str
    gene: str
    evidence_type: str              # "variant", "copy_number", "variant_with_loh", "co_occurrence"
    criterion: str                  # the rule criterion that matched (its label)
    grade: str                      # "strong" or "supporting"
    caution_level: str
    evidence_level: str
    protein_change: str | None = None
    consequence: str | None = None
    hgvsc: str | None = None
    transcript: str | None = None
    transcript_choice: str | None = None
    chrom: str | None = None
    pos: int | None = None
    ref: str | None = None
    alt: str | None = None
    vaf: float | None = None
    depth: int | None = None
    filter: str | None = None
    hotspot: str | None = None
    record: str | None = None
    annotation_source: str | None = None
    copy_number: dict | None = None   # CN, log2, segment, caller, basis, thresholds
    components: list[str] = field(default_factory=list)   # for co-occurrence / biallelic
    note: str | None = None
    supporting: list[dict] = field(default_factory=list)
    neutral_or_contrary: list[dict] = field(default_factory=list)
    meaning: str = ""
    not_meaning: str = ""


@dataclass
class RuleResult:
    """One rule's status (altered, not_detected, not_evaluable) with its reason, per component
    and counting strong-grade matches only."""

    rule_id: str
    title: str
    genes: list[str]
    status: str                     # altered / not_detected / not_evaluable
    reason: str
    caution_level: str | None = None   # of the strongest match, when altered
    evidence_level: str = ""
    grade: str | None = None           # best grade among the matches, when altered
    # the status counting strong-grade matches only: {"status", "reason"}
    strong_grade: dict = field(default_factory=dict)
    # per kind of evidence the rule uses ("variant", "copy_number"): {"label", "status", "reason",
    # "grade", "strong_grade"}, from the same matches as ``status``
    components: dict = field(default_factory=dict)


@dataclass
class GeneResult:
    """One screened gene's status with its reason, per kind of evidence, and its copy number."""

    gene: str
    status: str
    reason: str
    variant_status: str | None = None        # None: no variant rule screens this gene
    copy_number_status: str | None = None    # None: no copy-number rule screens this gene
    rules: list[str] = field(default_factory=list)
    copy_number: dict | None = None          # the gene-level copy-number record, when available
    assay_coverage: str | None = None
    grade: str | None = None                 # best grade among the gene's matches, when altered
    strong_grade: dict = field(default_factory=dict)   # as RuleResult.strong_grade
    components: dict = field(default_factory=dict)     # as RuleResult.components


@dataclass
class InputSummary:
    """One input file: its kind, format, sha256 and record accounting."""

    path: str
    kind: str                      # "vcf", "copy_number", "panel_bed", "patient", "knowledge"
    format: str
    sha256: str
    # accounting, e.g. read/filtered/off_panel/rejected/screened/matched
    records: dict
    details: dict = field(default_factory=dict)


@dataclass
class ScreenReport:
    """One sample's screen: caution summary, alterations, every rule's and gene's status,
    inputs, thresholds, assumptions and warnings. ``to_dict()`` is the JSON report
    (docs/report-schema.md, ``load_schema("report")``); the TSV and HTML are views of it."""

    tool_version: str
    knowledge: dict                # name, version, sha256, sources
    sample_id: str
    genome_build: str
    build_source: str
    inputs: list[InputSummary]
    caution: dict                  # level, complete, summary
    alterations: list[Alteration]
    rules: list[RuleResult]
    genes: list[GeneResult]
    unmatched_variants: list[dict]  # screened panel variants that matched no rule, with why
    thresholds: dict
    assumptions: list[str]
    warnings: list[str]
    created: str
    disclaimer: str = DISCLAIMER
    #: the CLIN_* rules on the patient's factors, beside (never inside) the genomic caution;
    #: None only for a report built by hand: screen_sample always sets it
    clinical: ClinicalEvaluation | None = None

    def to_dict(self) -> dict:
        data = _plain({
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "hpdgenomics", "version": self.tool_version},
            "knowledge_base": self.knowledge,
            "sample": {"id": self.sample_id, "genome_build": self.genome_build,
                       "genome_build_source": self.build_source},
            "created": self.created,
            "inputs": self.inputs,
            "caution": self.caution,
            "alterations": self.alterations,
            "rules": self.rules,
            "genes": self.genes,
            "unmatched_variants": self.unmatched_variants,
            "thresholds": self.thresholds,
            "assumptions": self.assumptions,
            "warnings": self.warnings,
            "disclaimer": self.disclaimer,
        })
        data["clinical_factors"] = _plain(self.clinical_dict())
        for alteration in data["alterations"]:
            # Derived from `thresholds` so that a reader of one finding sees the cut it passed,
            # including a gene override (MET amplifies at 5 copies, not 6).
            alteration["copy_number_threshold"] = copy_number_threshold(
                data["thresholds"], alteration["gene"], alteration.get("copy_number"))
        return data


    def clinical_dict(self) -> dict:
        """The ``clinical_factors`` section (every rule not assessed when no patient was given)."""
        if self.clinical is None:
            from ..clinical.evaluate import evaluate_clinical

            return evaluate_clinical(None, ()).to_dict()
        return self.clinical.to_dict()


_CALLS_WITH_THRESHOLDS = ("amplification", "gain", "shallow_loss", "deep_deletion")


def copy_number_threshold(thresholds: dict, gene: str, copy_number: dict | None) -> dict | None:
    """The copy-number cut a gene's call passed: ``{call, values, rule, gene_override}``.

    ``None`` when there is no copy-number record or the call is neutral (nothing to justify).
    Calls read from a discrete (cBioPortal-scale) file passed no numeric threshold of ours; their
    ``values`` are empty and ``rule`` names the scale.
    """
    if not copy_number or copy_number.get("call") not in _CALLS_WITH_THRESHOLDS:
        return None
    call = copy_number["call"]
    settings = thresholds.get("copy_number") or {}
    settings = settings.get("configured", settings)
    rules = settings.get("rules") or {}
    if str(copy_number.get("basis") or "").startswith("discrete value"):
        return {"call": call, "values": {}, "gene_override": False,
                "rule": rules.get("discrete_inputs", "discrete value from the file")}
    override = ((settings.get("gene_overrides") or {}).get(gene) or {}).get(call) or {}
    values = {**(settings.get(call) or {}), **override}
    if call == "amplification" and settings.get("focal_max_length") is not None:
        values["focal_max_length"] = settings["focal_max_length"]
    return {"call": call, "values": values, "gene_override": bool(override),
            "rule": _threshold_rule(call, values) or rules.get(call)}


def _threshold_rule(call: str, values: dict) -> str | None:
    """The rule in words, from the values actually applied (the knowledge base's own text
    states the defaults, which a gene override changes)."""
    try:
        if call == "amplification":
            text = (f"CN >= {values['min_copies']:g} and >= {values['min_ploidy_ratio']:g} x "
                    f"ploidy")
            if values.get("focal_max_length") is not None:
                text += f", on an event <= {values['focal_max_length'] / 1e6:g} Mb"
            return text
        if call == "gain":
            return f"CN >= ploidy + {values['min_copies_above_ploidy'] - 0.5:g}"
        if call == "shallow_loss":
            return f"CN <= ploidy - {values['max_copies_below_ploidy'] - 0.5:g}"
        if call == "deep_deletion":
            return f"minimum CN over the gene < {values['max_copies']:g}"
    except (KeyError, TypeError):
        return None
    return None


def citation_dict(citation: Citation) -> dict:
    return {"reference": citation.reference, "summary": citation.summary, "pmid": citation.pmid,
            "doi": citation.doi, "verified": citation.verified}


def variant_dict(variant: VariantCall) -> dict:
    return _plain(asdict(variant))


def copy_number_dict(gene_cn: GeneCopyNumber) -> dict:
    return _plain(asdict(gene_cn))


def _plain(value):
    """Dataclasses, enums, tuples and NaN made JSON-ready (NaN -> None)."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and callable(value.item):   # numpy scalars
        return _plain(value.item())
    return value
