"""Helpers for tests that run ``hpdgenomics screen`` on one VCF and read its JSON report."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hpdgenomics.cli import cli


def screen_vcf(vcf: Path, out: Path, *options: str) -> dict:
    """Screen ``vcf`` into ``out`` (exit 0 asserted) and return the JSON report."""
    result = CliRunner().invoke(cli, ["screen", "--vcf", str(vcf), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    [report] = out.glob("*.hpd.json")
    return json.loads(report.read_text())


def findings(report: dict) -> set[tuple[str, str, str | None]]:
    """(rule id, gene, protein change) of every alteration."""
    return {(a["rule_id"], a["gene"], a["protein_change"]) for a in report["alterations"]}


def unmatched(report: dict) -> set[tuple[str, str]]:
    """(gene, consequence) of every screened variant no rule matched."""
    return {(u["gene"], u["consequence"]) for u in report["unmatched_variants"]}
