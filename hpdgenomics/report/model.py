"""The single-sample report, built once as data; JSON, TSV and HTML are views of it.

``ScreenReport.to_dict()`` *is* the JSON schema (docs/report-schema.md documents each field; bump
``SCHEMA_VERSION`` on any incompatible change).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum

from ..model import Citation, GeneCopyNumber, VariantCall

SCHEMA_VERSION = "1.0"

CAUTION_ORDER = {"high": 3, "moderate": 2, "low": 1}

DISCLAIMER = (
    "Research use only. This report lists tumour genomic findings that published studies have "
    "reported in patients with hyper-progressive disease or early failure on immune checkpoint "
    "inhibitors. The evidence is limited and mixed (see the neutral and contrary studies listed with "
    "each finding). A flag is a prompt for discussion by a molecular tumour board; it is not a "
    "contraindication to immunotherapy, not a prediction for this patient, and not a diagnosis. "
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
    rule_id: str
    title: str
    genes: list[str]
    status: str                     # altered / not_detected / not_evaluable
    reason: str
    caution_level: str | None = None   # of the strongest match, when altered
    evidence_level: str = ""


@dataclass
class GeneResult:
    gene: str
    status: str
    reason: str
    variant_status: str | None = None        # None: no variant rule screens this gene
    copy_number_status: str | None = None    # None: no copy-number rule screens this gene
    rules: list[str] = field(default_factory=list)
    copy_number: dict | None = None          # the gene-level copy-number record, when available
    assay_coverage: str | None = None


@dataclass
class InputSummary:
    path: str
    kind: str                      # "vcf", "copy_number", "panel_bed", "knowledge"
    format: str
    sha256: str
    records: dict                  # accounting, e.g. read/filtered/off_panel/rejected/screened/matched
    details: dict = field(default_factory=dict)


@dataclass
class ScreenReport:
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

    def to_dict(self) -> dict:
        return _plain({
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
