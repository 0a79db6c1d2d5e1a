"""``hpdgenomics hpd-classify`` in process: outputs written, stdout empty, bad input -> exit 2."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hpdgenomics.cli import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "hpd"
FIXTURES = REPO / "tests" / "fixtures" / "hpd"


def run(*args: str):
    return CliRunner().invoke(cli, ["hpd-classify", *args])


def test_writes_tsv_and_json_and_nothing_on_stdout(tmp_path):
    out = tmp_path / "labels"
    result = run("--measurements", str(EXAMPLES / "measurements.tsv"),
                 "--patients", str(EXAMPLES / "patients.tsv"), "-o", str(out),
                 "--baseline-grace-days", "1", "--nonpositive-reference", "accelerated")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    lines = (out / "hpd_calls.tsv").read_text().splitlines()
    assert lines[0].startswith("patient_id\ttgr_ref\ttgr_exp\tdelta_tgr\ttgr_ratio")
    assert len(lines) == 1 + 11
    document = json.loads((out / "hpd_calls.json").read_text())
    assert document["options"]["baseline_grace_days"] == 1
    assert document["options"]["nonpositive_reference"] == "accelerated"
    assert document["n_patients"] == 11
    assert not list(out.glob(".*.part"))       # atomic writes leave no temporary files


def test_bad_measurements_give_exit_2_and_one_line(tmp_path):
    result = run("--measurements", str(FIXTURES / "measurements_many_problems.tsv"),
                 "--patients", str(FIXTURES / "patients_valid.tsv"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message
    assert message.startswith("hpdgenomics: error: HPD input tables cannot be used: 7 problem(s)")
    assert "measurements_many_problems.tsv: line 6: patient 'P9'" in message
    assert not (tmp_path / "out" / "hpd_calls.tsv").exists()


def test_command_is_listed():
    result = CliRunner().invoke(cli, ["--help"])
    assert "hpd-classify" in result.output
