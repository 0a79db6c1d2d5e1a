"""Render a :class:`~hpdgenomics.report.model.ScreenReport` as JSON, TSV and HTML.

The three files are views of one report model. All three are serialised, then written to
temporary names and renamed together (:func:`hpdgenomics.io.text.write_file_set`), so a failed run
(a full disk, an interruption) never leaves a partial report, nor a new JSON beside an old HTML. File names come from the sample id through
:func:`hpdgenomics.io.text.safe_file_stem` (documented in docs/report-schema.md).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

from ..io.text import atomic_write, finite_json, safe_file_stem, write_file_set
from ..screen.exposures import ALL, COMPONENT_EVIDENCE
from .model import ScreenReport

TSV_COLUMNS = [
    "sample_id", "rule_id", "gene", "caution_level", "grade", "criterion", "evidence_level",
    "evidence_type", "protein_change", "consequence", "hgvsc", "transcript", "chrom", "pos", "ref",
    "alt", "vaf", "depth", "copy_number", "copy_number_call", "record", "knowledge_version",
    # appended later; the earlier columns keep their positions for readers that index them
    "log2", "segment", "copy_number_threshold", "components", "note",
    "supporting_references", "neutral_or_contrary_references",
    # which component of its rule the finding is evidence for (rules[].components in the JSON)
    "rule_component",
]


def safe_name(sample_id: str) -> str:
    """A file-name-safe form of a sample id (stable: the same id always gives the same name)."""
    return safe_file_stem(sample_id)


def output_paths(out_dir: str | Path, sample_id: str) -> dict[str, Path]:
    stem = Path(out_dir) / safe_name(sample_id)
    return {kind: stem.with_name(f"{stem.name}.hpd.{kind}") for kind in ("json", "tsv", "html")}


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("hpdgenomics.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = _fmt
    env.filters["flatten"] = flatten
    env.filters["yesno"] = _yes_no
    env.filters["pubmed_url"] = pubmed_url
    env.filters["doi_url"] = doi_url
    return env


def pubmed_url(pmid) -> str | None:
    """A PubMed link for an all-digit PMID; None for anything else (never a link to free text)."""
    text = str(pmid or "").strip()
    return f"https://pubmed.ncbi.nlm.nih.gov/{text}/" if re.fullmatch(r"\d{1,9}", text) else None


def doi_url(doi) -> str | None:
    """A doi.org link for a DOI (``10.<registrant>/<suffix>``); None for anything else."""
    text = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", str(doi or "").strip(),
                  flags=re.IGNORECASE)
    if not re.fullmatch(r"10\.\d{4,9}/\S+", text):
        return None
    return "https://doi.org/" + quote(text, safe="/:;()._-")


def _yes_no(value) -> str:
    if value is None:
        return "—"
    return "yes" if value else "no"


def flatten(mapping: dict, prefix: str = "") -> list[tuple[str, object]]:
    """Nested settings as (dotted key, value) rows for a readable thresholds table."""
    rows: list[tuple[str, object]] = []
    for key, value in mapping.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            rows.extend(flatten(value, name))
        else:
            rows.append((name, value))
    return rows


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _references(citations: list[dict]) -> str:
    """Citations as one TSV cell: reference (PMID or DOI), separated by ' | '."""
    parts = []
    for citation in citations:
        ids = [f"PMID {citation['pmid']}" if citation.get("pmid") else "",
               f"doi:{citation['doi']}" if citation.get("doi") else ""]
        ids_text = ", ".join(i for i in ids if i)
        parts.append(citation["reference"] + (f" ({ids_text})" if ids_text else ""))
    return " | ".join(parts)


def tsv_rows(report: ScreenReport) -> list[dict]:
    """One row per alteration (the JSON's ``alterations[]``), flattened to :data:`TSV_COLUMNS`."""
    rows = []
    data = report.to_dict()
    for alteration in data["alterations"]:
        cn = alteration.get("copy_number") or {}
        threshold = alteration.get("copy_number_threshold") or {}
        rows.append({
            **{k: alteration.get(k) for k in TSV_COLUMNS if k in alteration},
            "sample_id": report.sample_id,
            "copy_number": cn.get("copy_number"),
            "copy_number_call": cn.get("call"),
            "knowledge_version": report.knowledge.get("version"),
            "log2": cn.get("log2"),
            "segment": cn.get("segment"),
            "copy_number_threshold": threshold.get("rule"),
            "components": "; ".join(alteration.get("components") or []),
            "supporting_references": _references(alteration.get("supporting") or []),
            "neutral_or_contrary_references":
                _references(alteration.get("neutral_or_contrary") or []),
            "rule_component": _rule_component(alteration.get("evidence_type")),
        })
    return rows


def _rule_component(evidence_type: str | None) -> str:
    """``variant`` / ``copy_number`` for single evidence, ``all`` for a co-occurrence (its parts
    may be of either kind; the rule's ``components`` say which)."""
    for component, kinds in COMPONENT_EVIDENCE.items():
        if evidence_type in kinds:
            return component
    return ALL


# "<GENE> variants (<why>)" / "<GENE> copy number (<why>)", as the screen words a rule's reason;
# the why may itself hold parentheses (a variant's coordinates), hence the greedy match.
_NOT_EVALUABLE_PART = re.compile(
    r"^(?P<gene>\S+) (?P<aspect>variants|copy number) \((?P<why>.+)\)$")


def not_evaluable_causes(rules: list[dict]) -> dict:
    """What was not looked at, grouped by cause, for the summary's 10-second read.

    Returns ``{"causes": [{"why", "aspect", "genes", "rules"}], "other": [rule dicts]}``. A rule
    whose reason is not worded as ``<gene> <aspect> (<why>)`` parts (a co-occurrence rule, or a
    knowledge-base extension) goes to ``other`` and is shown with its full reason, so nothing is
    dropped. Display only: the JSON keeps each rule's reason verbatim.
    """
    causes: dict[tuple[str, str], dict] = {}
    other: list[dict] = []
    for rule in rules:
        if rule.get("status") != "not_evaluable":
            continue
        reason = str(rule.get("reason") or "")
        if not reason.startswith("not evaluable: "):
            other.append(rule)
            continue
        # the tail names what *was* assessed; the summary lists only what was not
        body = reason[len("not evaluable: "):].split(". Assessed without a finding:")[0]
        parts = [_NOT_EVALUABLE_PART.match(part.strip())
                 for part in _split_outside_parentheses(body)]
        if not all(parts):
            other.append(rule)
            continue
        for part in parts:
            entry = causes.setdefault((part["why"], part["aspect"]),
                                      {"why": part["why"], "aspect": part["aspect"],
                                       "genes": [], "rules": []})
            if part["gene"] not in entry["genes"]:
                entry["genes"].append(part["gene"])
            if rule["rule_id"] not in entry["rules"]:
                entry["rules"].append(rule["rule_id"])
    return {"causes": list(causes.values()), "other": other}


def _split_outside_parentheses(text: str, separator: str = "; ") -> list[str]:
    """Split on ``separator`` only where no parenthesis is open (a why may contain "; ")."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i + len(separator)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


def render_html(report: ScreenReport) -> str:
    template = _environment().get_template("screen.html")
    css = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    data = report.to_dict()
    return template.render(r=data, css=css, not_looked_at=not_evaluable_causes(data["rules"]))


def render_tsv(report: ScreenReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TSV_COLUMNS, delimiter="\t", lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for row in tsv_rows(report):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def write_reports(report: ScreenReport, out_dir: str | Path) -> dict[str, Path]:
    """Write ``<sample>.hpd.json``, ``.tsv`` and ``.html`` into ``out_dir``; return their paths.

    Inputs: a :class:`~hpdgenomics.report.model.ScreenReport` (from
    :func:`~hpdgenomics.screen.screen_sample`) and the output folder (created when missing).
    Returns ``{"json": path, "tsv": path, "html": path}``; the file stem is the sample id made
    safe as a file name (docs/report-schema.md, "File names").

    The three are one set: all are rendered, then written to temporary names, then renamed
    together (:func:`~hpdgenomics.io.text.write_file_set`), so a full disk or an interruption
    leaves the earlier set whole, never a new JSON beside an old HTML.

    Raises :class:`~hpdgenomics.errors.OutputError` when the folder cannot be created or written
    (not a folder, not writable, disk full, name too long), with nothing half-written.
    """
    paths = output_paths(out_dir, report.sample_id)
    contents = {
        "json": finite_json(report.to_dict(), what=f"the JSON report of {report.sample_id}"),
        "tsv": render_tsv(report),
        "html": render_html(report),
    }
    write_file_set({path: contents[kind] for kind, path in paths.items()})
    return paths
