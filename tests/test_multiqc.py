"""The MultiQC plugin, run for real: ``multiqc`` over a folder of screen reports.

The reports are written by ``hpdgenomics screen`` on every file of ``example_vcfs/`` (each under
its file stem) and on the example cohort's S01 (VCF and copy number: caution level high), so the
table covers every caution level. What MultiQC wrote to ``multiqc_data/`` is checked against the
JSON reports themselves.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli

pytest.importorskip("multiqc",
                    reason="multiqc is not installed: pip install 'hpdgenomics[multiqc]'")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
MULTIQC = Path(sys.executable).with_name("multiqc")


def _screen(args: list) -> None:
    result = CliRunner().invoke(cli, ["-q", "screen", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def multiqc_run(tmp_path_factory, _schema_ledger):
    reports = tmp_path_factory.mktemp("screen_reports")
    for vcf in sorted((ROOT / "example_vcfs").glob("*.vcf*")):
        if vcf.name.endswith(".tbi"):
            continue
        _screen(["--vcf", vcf, "--sample-id", vcf.name.split(".")[0], "-o", reports / "vcfs"])
    cohort = ROOT / "examples" / "cohort"
    _screen(["--vcf", cohort / "vcf" / "S01.vcf", "--cnv", cohort / "cnv" / "S01.call.cns",
             "--sample-id", "S01", "-o", reports / "cohort_sample"])
    # a file the search pattern matches that is no screen report: skipped with a warning (its
    # folder is left out of the conftest's end-of-session schema scan, as crafted reports are)
    (reports / "foreign").mkdir()
    (reports / "foreign" / "not_a_report.hpd.json").write_text('{"tool": {"name": "other"}}')
    _schema_ledger.crafted.append(reports / "foreign")

    out = tmp_path_factory.mktemp("multiqc")
    run = subprocess.run([str(MULTIQC), "--no-ansi", "-o", str(out), "--data-format", "json",
                          str(reports)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr + run.stdout
    expected = {}
    for path in sorted(reports.rglob("*.hpd.json")):
        data = json.loads(path.read_text())
        if data["tool"]["name"] == "hpdgenomics":
            expected[data["sample"]["id"]] = data
    return out / "multiqc_data", expected, run.stdout + run.stderr


def test_section_has_one_row_per_report_with_its_caution(multiqc_run):
    data_dir, expected, _log = multiqc_run
    data = json.loads((data_dir / "multiqc_data.json").read_text())
    table = json.loads((data_dir / "hpdgenomics_caution_table.json").read_text())
    rows = data["report_saved_raw_data"]["multiqc_hpdgenomics"]

    # sample names are the reports' sample ids, uncut by MultiQC's file-name cleaning
    assert set(rows) == set(table) == set(expected)
    assert "indexed_vep_grch38" in rows
    for sample_id, report in expected.items():
        caution = report["caution"]
        row, shown = rows[sample_id], table[sample_id]
        assert row["caution_level"] == shown["Caution level"] == caution["level"]
        assert row["rules_flagged"] == shown["Flagged rules"] == (
            ", ".join(caution["rules_flagged"]) or "none")
        assert row["n_flagged"] == shown["Flagged"] == len(caution["rules_flagged"])
        assert row["n_not_evaluable"] == shown["Not evaluable"] == len(
            caution["rules_not_evaluable"])
        assert row["complete"] == ("yes" if caution["complete"] else "no")
        assert shown["Knowledge base"] == report["knowledge_base"]["version"]
    assert {r["caution"]["level"] for r in expected.values()} == {"none", "low", "moderate",
                                                                   "high"}


def test_general_statistics_column_hpd_caution(multiqc_run):
    data_dir, expected, _log = multiqc_run
    data = json.loads((data_dir / "multiqc_data.json").read_text())
    headers = data["report_general_stats_headers"]["hpdgenomics"]
    assert headers["caution_level"]["title"] == "HPD caution"
    column = data["report_general_stats_data"]["hpdgenomics"]
    assert {s: v["caution_level"] for s, v in column.items()} == {
        s: r["caution"]["level"] for s, r in expected.items()}


def test_report_html_has_the_section_and_a_foreign_file_is_skipped_with_a_warning(multiqc_run):
    data_dir, _expected, log = multiqc_run
    html = (data_dir.parent / "multiqc_report.html").read_text()
    assert 'id="hpdgenomics-caution"' in html
    assert "not_a_report.hpd.json: not an hpdgenomics report" in log


def test_plugin_imports_nothing_else_of_hpdgenomics_at_multiqc_start_up():
    code = ("import sys, hpdgenomics.multiqc.hooks, hpdgenomics.multiqc.module; "
            "print(sorted(m for m in sys.modules if m.startswith('hpdgenomics')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    # hpdgenomics.errors is the package's one eager import (the error family, no dependencies)
    assert json.loads(run.stdout.strip().replace("'", '"')) == [
        "hpdgenomics", "hpdgenomics.errors", "hpdgenomics.multiqc", "hpdgenomics.multiqc.hooks",
        "hpdgenomics.multiqc.module"]
