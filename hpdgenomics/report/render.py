"""Render a :class:`~hpdgenomics.report.model.ScreenReport` as JSON, TSV and HTML.

The three files are views of one report model. All three are serialised before the first is
written, and each is written atomically (temporary file, then rename), so a failed run never leaves
a partial report, nor a new JSON beside an old HTML. File names come from the sample id through
:func:`hpdgenomics.io.text.safe_file_stem` (documented in docs/report-schema.md).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..io.text import atomic_write, safe_file_stem
from .model import ScreenReport

TSV_COLUMNS = [
    "sample_id", "rule_id", "gene", "caution_level", "grade", "criterion", "evidence_level",
    "evidence_type", "protein_change", "consequence", "hgvsc", "transcript", "chrom", "pos", "ref",
    "alt", "vaf", "depth", "copy_number", "copy_number_call", "record", "knowledge_version",
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
    return env


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


def tsv_rows(report: ScreenReport) -> list[dict]:
    rows = []
    data = report.to_dict()
    for alteration in data["alterations"]:
        cn = alteration.get("copy_number") or {}
        rows.append({
            **{k: alteration.get(k) for k in TSV_COLUMNS if k in alteration},
            "sample_id": report.sample_id,
            "copy_number": cn.get("copy_number"),
            "copy_number_call": cn.get("call"),
            "knowledge_version": report.knowledge.get("version"),
        })
    return rows


def render_html(report: ScreenReport) -> str:
    template = _environment().get_template("screen.html")
    css = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    return template.render(r=report.to_dict(), css=css)


def render_tsv(report: ScreenReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TSV_COLUMNS, delimiter="\t", lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for row in tsv_rows(report):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def write_reports(report: ScreenReport, out_dir: str | Path) -> dict[str, Path]:
    """Write ``<sample>.hpd.json``, ``.tsv`` and ``.html`` into ``out_dir``; return their paths."""
    paths = output_paths(out_dir, report.sample_id)
    # everything is rendered before anything is written: an error leaves the earlier set intact
    contents = {
        "json": json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n",
        "tsv": render_tsv(report),
        "html": render_html(report),
    }
    for kind, path in paths.items():
        with atomic_write(path) as handle:
            handle.write(contents[kind])
    return paths
