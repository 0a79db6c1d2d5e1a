"""Render a :class:`~hpdgenomics.report.model.ScreenReport` as JSON, TSV, HTML and (optionally) PDF.

The files are views of one report model. The PDF is the HTML laid out for print by WeasyPrint
(optional extra ``hpdgenomics[pdf]``). All are serialised, then written to
temporary names and renamed together (:func:`hpdgenomics.outputs.write_file_set`), so a failed run
(a full disk, an interruption) never leaves a partial report, nor a new JSON beside an old HTML.
File names come from the sample id through :func:`hpdgenomics.outputs.safe_file_stem` (documented in
docs/report-schema.md). """
from __future__ import annotations

import csv
import io
import re
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

from ..errors import UsageError
from ..outputs import finite_json, safe_file_stem, write_file_set
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


#: ``<sample>.hpd.clinical.tsv``: one row per clinical (CLIN_*) rule, kept out of the
#: alteration rows of ``<sample>.hpd.tsv`` that pipelines count
CLINICAL_TSV_COLUMNS = [
    "sample_id", "rule_id", "title", "status", "value", "threshold", "reason", "evidence_level",
    "score_parts", "supporting_references", "neutral_or_contrary_references", "knowledge_version",
]


def safe_name(sample_id: str) -> str:
    """A file-name-safe form of a sample id (stable: the same id always gives the same name)."""
    return safe_file_stem(sample_id)


def output_paths(out_dir: str | Path, sample_id: str, *, pdf: bool = False) -> dict[str, Path]:
    """The report files of one sample: ``json``, ``tsv``, ``clinical_tsv``
    (``<sample>.hpd.clinical.tsv``), ``html`` (and ``pdf`` when asked)."""
    stem = Path(out_dir) / safe_name(sample_id)
    kinds = ("json", "tsv", "clinical_tsv", "html") + (("pdf",) if pdf else ())
    return {kind: stem.with_name(f"{stem.name}.hpd.{kind.replace('_', '.')}") for kind in kinds}


#: ``--paper`` choices and their CSS ``@page`` size names.
PAPER_SIZES = {"a4": "A4", "letter": "letter"}

PDF_INSTALL = "pip install 'hpdgenomics[pdf]'"


def template_environment() -> Environment:
    """The Jinja environment of the report templates (``hpdgenomics/report/templates``).

    HTML is autoescaped; the filters ``fmt``, ``flatten``, ``yesno``, ``pubmed_url`` and
    ``doi_url`` are registered. The single-sample report and the cohort report
    (:mod:`hpdgenomics.report.cohort_html`) both render through it.
    """
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


def clinical_tsv_rows(report: ScreenReport) -> list[dict]:
    """One row per clinical rule (the JSON's ``clinical_factors.rules[]``), flattened to
    :data:`CLINICAL_TSV_COLUMNS`; a score's parts as ``LDH > ULN: met; ...``."""
    section = report.clinical_dict()
    rows = []
    for rule in section["rules"]:
        parts = (rule.get("score") or {}).get("parts") or []
        rows.append({
            "sample_id": report.sample_id, "rule_id": rule["rule_id"], "title": rule["title"],
            "status": rule["status"], "value": rule.get("value_text"),
            "threshold": rule.get("threshold_text"), "reason": rule.get("reason"),
            "evidence_level": rule.get("evidence_level"),
            "score_parts": "; ".join(f"{p['label']}: {p['status']}" for p in parts),
            "supporting_references": _references(rule.get("supporting") or []),
            "neutral_or_contrary_references": _references(rule.get("neutral_or_contrary") or []),
            "knowledge_version": report.knowledge.get("version"),
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
        matches = [_NOT_EVALUABLE_PART.match(part.strip())
                   for part in _split_outside_parentheses(body)]
        parts = [match for match in matches if match is not None]
        if len(parts) < len(matches):
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


def stylesheet() -> str:
    """The reports' CSS (``templates/report.css``), read as package data with importlib.resources,
    so it is found in an installed wheel or zip as well as in the source tree."""
    return files("hpdgenomics.report").joinpath("templates").joinpath("report.css").read_text(
        encoding="utf-8")


def render_html(report: ScreenReport) -> str:
    """The self-contained HTML report of one sample (CSS inlined, no external fetches)."""
    template = template_environment().get_template("screen.html")
    css = stylesheet()
    data = report.to_dict()
    return template.render(r=data, css=css, not_looked_at=not_evaluable_causes(data["rules"]))


def render_tsv(report: ScreenReport) -> str:
    """``<sample>.hpd.tsv``: a header (:data:`TSV_COLUMNS`) and one row per alteration."""
    return _tsv(TSV_COLUMNS, tsv_rows(report))


def render_clinical_tsv(report: ScreenReport) -> str:
    """``<sample>.hpd.clinical.tsv``: a header and one row per clinical rule."""
    return _tsv(CLINICAL_TSV_COLUMNS, clinical_tsv_rows(report))


def _tsv(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter="\t", lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def _weasyprint():
    """The ``weasyprint`` module, or a :class:`UsageError` naming the install command."""
    try:
        import weasyprint
    except ImportError:
        raise UsageError(f"--pdf needs WeasyPrint, which is not installed; run {PDF_INSTALL}",
                         where="PDF report") from None
    except OSError as exc:   # installed, but its system libraries (pango) cannot be loaded
        raise UsageError(f"--pdf needs WeasyPrint's system libraries (pango), which could not "
                         f"be loaded ({exc})", where="PDF report",
                         hint="install pango (Debian: apt-get install libpango-1.0-0 "
                              f"libpangoft2-1.0-0), then {PDF_INSTALL}") from None
    return weasyprint


def check_pdf_support() -> None:
    """Raise :class:`UsageError` now (before any screening) when a PDF could not be rendered."""
    _weasyprint()


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string (for ``content:``); escaping left to tinycss2."""
    from tinycss2.serializer import serialize_string_value  # a WeasyPrint dependency

    return '"' + serialize_string_value(" ".join(str(text).split())) + '"'


def page_css(report: ScreenReport, paper: str = "a4") -> str:
    """The PDF's ``@page`` rules: paper size, and on every page the sample id, the knowledge
    base (name, version, short sha256), "research use only" and "Page N of M"."""
    if paper not in PAPER_SIZES:
        raise UsageError(f"paper {paper!r} is not one of {', '.join(PAPER_SIZES)}",
                         where="PDF report")
    kb = report.knowledge or {}
    stamp = (f"Knowledge base {kb.get('name') or '?'} {kb.get('version') or '?'} "
             f"(sha256 {(kb.get('sha256') or '?')[:12]})")
    box = 'font-family: Helvetica, Arial, sans-serif; font-size: 7.5pt; color: #444;'
    return (
        "@page {\n"
        # !important: these come before report.css's own print @page rule in the cascade
        f"  size: {PAPER_SIZES[paper]} !important;\n"
        "  margin: 16mm 11mm 15mm !important;\n"
        f"  @top-left {{ content: {_css_string('Sample ' + str(report.sample_id))}; {box}"
        " width: 40%; }\n"
        f"  @top-right {{ content: {_css_string(stamp)}; {box} width: 60%; }}\n"
        "  @bottom-left { content: \"Research use only: not for clinical decision-making\"; "
        f"{box} }}\n"
        f"  @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); {box} }}\n"
        "}\n"
    )


def _no_fetch(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher for the report: inline ``data:`` URLs only, never the network."""
    if not url.startswith("data:"):
        raise ValueError(f"the PDF report loads no external resource ({url})")
    import weasyprint

    return weasyprint.default_url_fetcher(url, *args, **kwargs)


def render_pdf(report: ScreenReport, paper: str = "a4", *, html: str | None = None) -> bytes:
    """The report as PDF bytes: the HTML (``html``, else :func:`render_html`) laid out for
    ``paper`` (``a4`` or ``letter``) with the running header and footer of :func:`page_css`.

    Raises :class:`UsageError` when WeasyPrint (``hpdgenomics[pdf]``) is missing.
    """
    weasyprint = _weasyprint()
    css = page_css(report, paper)
    document = weasyprint.HTML(string=html if html is not None else render_html(report),
                               url_fetcher=_no_fetch)
    return document.write_pdf(stylesheets=[weasyprint.CSS(string=css)])


def write_reports(report: ScreenReport, out_dir: str | Path, *, pdf: bool = False,
                  paper: str = "a4") -> dict[str, Path]:
    """Write ``<sample>.hpd.json``, ``.tsv``, ``.clinical.tsv`` and ``.html`` (and with ``pdf``,
    ``.pdf`` laid out for ``paper``) into ``out_dir``; return their paths by kind.

    Inputs: a :class:`~hpdgenomics.report.model.ScreenReport` (from
    :func:`~hpdgenomics.screen.screen_sample`), the output folder (created when missing), and
    optionally ``pdf=True`` with ``paper`` ``"a4"`` or ``"letter"``.
    Returns ``{"json": path, "tsv": path, "clinical_tsv": path, "html": path}`` (plus ``"pdf"``);
    the file stem is the sample id made safe as a file name (docs/report-schema.md, "File names").

    The files are one set: all are rendered, then written to temporary names, then renamed
    together (:func:`~hpdgenomics.outputs.write_file_set`), so a full disk or an interruption
    leaves the earlier set whole, never a new JSON beside an old HTML.

    Raises :class:`~hpdgenomics.errors.OutputError` when the folder cannot be created or written
    (not a folder, not writable, disk full, name too long), with nothing half-written, and
    :class:`~hpdgenomics.errors.UsageError` for ``pdf`` without WeasyPrint (nothing is written).
    """
    paths = output_paths(out_dir, report.sample_id, pdf=pdf)
    html = render_html(report)
    contents: dict[str, str | bytes] = {
        "json": finite_json(report.to_dict(), what=f"the JSON report of {report.sample_id}"),
        "tsv": render_tsv(report),
        "clinical_tsv": render_clinical_tsv(report),
        "html": html,
    }
    if pdf:
        contents["pdf"] = render_pdf(report, paper, html=html)
    write_file_set({path: contents[kind] for kind, path in paths.items()})
    return paths
