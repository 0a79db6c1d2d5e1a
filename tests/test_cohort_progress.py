"""The progress bar of ``hpdgenomics cohort``: on a terminal's stderr only, with done/total."""
from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.cli.progress import FORCE_ENV, progress_wanted

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cohort"


def _four_sample_manifest(tmp_path: Path) -> Path:
    manifest = tmp_path / "manifest.tsv"
    lines = (EXAMPLE / "manifest.tsv").read_text().splitlines()[:5]
    manifest.write_text("\n".join(lines).replace("vcf/", f"{EXAMPLE}/vcf/")
                        .replace("cnv/", f"{EXAMPLE}/cnv/") + "\n")
    return manifest


def _run(tmp_path, **env):
    args = ["cohort", "--manifest", str(_four_sample_manifest(tmp_path)), "--workers", "1",
            "--no-plots", "-o", str(tmp_path / "out")]
    return CliRunner(env={FORCE_ENV: None, **env}).invoke(cli, args, catch_exceptions=False)


def test_no_bar_when_stderr_is_not_a_terminal(tmp_path):
    result = _run(tmp_path)
    assert result.exit_code == 0, result.output
    assert "screening" not in result.output and "4/4" not in result.output
    assert "\r" not in result.output


def test_forced_bar_shows_samples_done_of_total_and_rate(tmp_path):
    result = _run(tmp_path, **{FORCE_ENV: "1"})
    assert result.exit_code == 0, result.output
    assert "screening" in result.output
    assert "4/4" in result.output
    assert "sample/s" in result.output or "s/sample" in result.output


def test_progress_wanted_follows_the_terminal_quiet_ci_and_the_override(monkeypatch):
    monkeypatch.delenv(FORCE_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert progress_wanted() is True
    assert progress_wanted(quiet=True) is False
    monkeypatch.setenv("CI", "true")
    assert progress_wanted() is False
    monkeypatch.setenv(FORCE_ENV, "1")
    assert progress_wanted(quiet=True) is True
    monkeypatch.setenv(FORCE_ENV, "0")
    monkeypatch.delenv("CI")
    assert progress_wanted() is False


def _stderr_on_a_terminal(args: list[str]) -> str:
    """Run the CLI with stderr on a pseudo-terminal; return what it drew there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24x100
    env = {k: v for k, v in os.environ.items() if k not in ("CI", FORCE_ENV)}
    process = subprocess.Popen([sys.executable, "-m", "hpdgenomics", *args],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=slave, env=env)
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                data = os.read(master, 4096)
            except OSError:          # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        process.wait(timeout=60)
    assert process.returncode == 0, b"".join(chunks)
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_a_terminal_gets_the_bar_and_quiet_removes_it(tmp_path):
    args = ["cohort", "--manifest", str(_four_sample_manifest(tmp_path)), "--workers", "1",
            "--no-plots", "-o", str(tmp_path / "out")]
    drawn = _stderr_on_a_terminal(args)
    assert "screening" in drawn and "4/4" in drawn
    assert "screening" not in _stderr_on_a_terminal([*args, "-q"])


def test_forced_bar_follows_the_cohort_files_evaluation(tmp_path):
    maf = Path(__file__).parent / "fixtures" / "cohort_plausibility" / \
        "maf_kras_g12c_in_three_of_twelve.maf"
    args = ["cohort", "--maf", str(maf), "--no-plots", "-o", str(tmp_path / "out")]
    result = CliRunner(env={FORCE_ENV: "1"}).invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "evaluating" in result.output
    rows = (tmp_path / "out" / "matrix.tsv").read_text().splitlines()[1:]
    n = len({row.split("\t")[0] for row in rows})           # the cohort's samples
    assert f"{n}/{n}" in result.output
