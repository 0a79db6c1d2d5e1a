"""Faults and resources (issue 9): bounded inputs, report sets all-new or all-old, exit 2 for a
full disk or an over-long name, workers that die with their parent, reused reports that no longer
read, gene lists with typos, JSON without NaN.

Each test names the behaviour of main it guards against. The malformed-input corpus
(tests/fixtures/malformed/faults/) holds the quick CLI cases; these are the ones that need an
environment variable, a patched write or real processes.
"""
from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hpdgenomics import limits
from hpdgenomics.cli import cli
from hpdgenomics.errors import InputError, KnowledgeError, OutputError, UsageError
from hpdgenomics.io.table import read_delimited
from hpdgenomics.io.text import open_text
from hpdgenomics.outputs import finite_json, write_file_set

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cohort"
HPD_EXAMPLE = ROOT / "examples" / "hpd"
CORPUS = Path(__file__).parent / "fixtures" / "malformed" / "faults"
S01_VCF = EXAMPLE / "vcf" / "S01.vcf"
S07_VCF = EXAMPLE / "vcf" / "S07.vcf"


def _invoke(args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_error_line(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("hpdgenomics: error")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# --- 1. resource limits of open_text -------------------------------------------------------------

def test_a_line_over_the_limit_is_refused_with_its_line_number_and_the_variable(tmp_path,
                                                                                 monkeypatch):
    table = tmp_path / "clinical.tsv"
    table.write_text("PATIENT_ID\tTTF_MONTHS\nP1\t" + "9" * 5000 + "\nP2\t3\n")
    monkeypatch.setenv("HPDGENOMICS_MAX_LINE_BYTES", "1000")
    with pytest.raises(InputError) as caught:
        read_delimited(table)               # pandas reads through the bounded handle
    message = str(caught.value)
    assert "clinical.tsv" in message and "line 2" in message
    assert "1000 bytes (HPDGENOMICS_MAX_LINE_BYTES)" in message or \
        "1,000 bytes (HPDGENOMICS_MAX_LINE_BYTES)" in message


def test_line_limit_holds_for_gzip_and_crlf_files_and_lets_lines_at_the_limit_through(
        tmp_path, monkeypatch):
    monkeypatch.setenv("HPDGENOMICS_MAX_LINE_BYTES", "100")
    at_limit = tmp_path / "at_limit.tsv.gz"
    with gzip.open(at_limit, "wt", newline="") as handle:
        handle.write(("a" * 100 + "\r\n") * 50)
    with open_text(at_limit) as handle:
        assert [len(line.rstrip("\r\n")) for line in handle] == [100] * 50
    over = tmp_path / "over.tsv.gz"
    with gzip.open(over, "wt") as handle:
        handle.write("short\n" * 3 + "b" * 101 + "\n")
    with pytest.raises(InputError, match=r"line 4 is longer"), open_text(over) as handle:
        handle.read()


def test_a_table_over_its_size_limit_is_exit_2_naming_the_variable(tmp_path, monkeypatch):
    """On main a 400 MB clinical table ran for minutes; the limit is checked before reading."""
    clinical = tmp_path / "clinical.tsv"
    clinical.write_text("PATIENT_ID\tTTF_MONTHS\tTTF_STATUS\n" +
                        "".join(f"P{i}\t{i % 20}.5\t1:progressed\n" for i in range(2000)))
    monkeypatch.setenv("HPDGENOMICS_MAX_TABLE_BYTES", "10000")
    result = _invoke(["cohort", "--maf", CORPUS / "maf_one_row.maf", "--clinical", clinical,
                      "--no-plots", "-o", tmp_path / "out"])
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert "clinical.tsv" in line and "HPDGENOMICS_MAX_TABLE_BYTES" in line
    assert f"at least {clinical.stat().st_size}" in line
    assert not (tmp_path / "out").exists()


def test_size_limits_are_per_kind_a_maf_is_not_held_to_the_table_limit(tmp_path, monkeypatch):
    maf = tmp_path / "cohort.maf"
    rows = (CORPUS / "maf_one_row.maf").read_text().splitlines()
    maf.write_text("\n".join([rows[0]] + [rows[1].replace("P1", f"P{i}") for i in range(300)])
                   + "\n")
    monkeypatch.setenv("HPDGENOMICS_MAX_TABLE_BYTES", "1000")
    assert len(read_delimited(maf, what="MAF", kind="maf").df) == 300
    monkeypatch.setenv("HPDGENOMICS_MAX_MAF_BYTES", "1000")
    with pytest.raises(InputError, match="HPDGENOMICS_MAX_MAF_BYTES"):
        read_delimited(maf, what="MAF", kind="maf")


def test_gzip_bomb_stops_at_the_ratio_limit_before_the_whole_file_is_decompressed(
        tmp_path, monkeypatch):
    """On main a 1.5 MB copy-number gzip bomb reached MemoryError; here the read stops once the
    ratio floor is passed (lowered to 1 MiB so the test stays small)."""
    monkeypatch.setattr(limits, "GZIP_RATIO_FLOOR", 1 << 20)
    bomb = tmp_path / "bomb.cns.gz"
    with gzip.open(bomb, "wt", compresslevel=9) as handle:
        handle.write("chromosome\tstart\tend\tgene\tlog2\n")
        handle.write("7\t55000000\t55300000\tEGFR\t0.1\n" * 300_000)   # ~9 MB
    result = _invoke(["screen", "--cnv", bomb, "--build", "GRCh38", "-o", tmp_path / "out"])
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert "bomb.cns.gz" in line and "HPDGENOMICS_MAX_GZIP_RATIO" in line
    # a raised ratio lets the same file through (the message's advice works)
    monkeypatch.setenv("HPDGENOMICS_MAX_GZIP_RATIO", "100000")
    with open_text(bomb, kind="cnv") as handle:
        assert sum(1 for _ in handle) == 300_001


def test_real_gzip_tables_are_far_below_the_ratio_limit(tmp_path, monkeypatch):
    """The limit is not a false alarm on ordinary compressed tables: the bundled example
    clinical table gzipped and read under a 1-byte floor."""
    monkeypatch.setattr(limits, "GZIP_RATIO_FLOOR", 1)
    source = EXAMPLE / "clinical.tsv"
    packed = tmp_path / "clinical.tsv.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    assert read_delimited(packed).df.equals(read_delimited(source).df)


def test_a_limit_variable_that_is_not_a_number_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HPDGENOMICS_MAX_TABLE_BYTES", "lots")
    with pytest.raises(UsageError, match="HPDGENOMICS_MAX_TABLE_BYTES='lots'"):
        read_delimited(EXAMPLE / "clinical.tsv")


def test_pandas_reading_through_open_text_gives_the_same_frame(tmp_path):
    with open_text(EXAMPLE / "clinical.tsv") as handle:
        bounded = pd.read_csv(handle, sep="\t", dtype=str)
    assert bounded.equals(pd.read_csv(EXAMPLE / "clinical.tsv", sep="\t", dtype=str))


# --- 2. knowledge files ---------------------------------------------------------------------------

def test_billion_laughs_is_refused_quickly_naming_the_limit():
    """On main: MemoryError after a gigabyte (exit 1)."""
    start = time.monotonic()
    result = _invoke(["knowledge", "validate", CORPUS / "knowledge_billion_laughs.yaml"])
    assert result.exit_code == 2
    assert "HPDGENOMICS_MAX_YAML_NODES" in _one_error_line(result)
    assert time.monotonic() - start < 10


def test_alias_count_and_file_size_limits(tmp_path, monkeypatch):
    from hpdgenomics.knowledge import validate_knowledge_file

    with_aliases = tmp_path / "aliases.yaml"
    with_aliases.write_text('schema_version: 1\nversion: "2026.12.0"\nname: aliases\n'
                            "description: &d text\nrules: []\n"
                            "copy_number: {focal_max_length: 10000000}\n"
                            + "".join(f"# {i}\n" for i in range(3)))
    monkeypatch.setenv("HPDGENOMICS_MAX_YAML_ALIASES", "2")
    text = with_aliases.read_text().replace("rules: []", "rules: []\nname_again: [*d, *d, *d]")
    with_aliases.write_text(text)
    with pytest.raises(KnowledgeError, match="HPDGENOMICS_MAX_YAML_ALIASES"):
        validate_knowledge_file(with_aliases)
    monkeypatch.setenv("HPDGENOMICS_MAX_KNOWLEDGE_BYTES", "50")
    with pytest.raises(KnowledgeError, match="over the limit.*HPDGENOMICS_MAX_KNOWLEDGE_BYTES"):
        validate_knowledge_file(with_aliases)


@pytest.mark.parametrize("fixture, field", [
    ("knowledge_threshold_inf.yaml", "rule MET_AMP_SITE: thresholds.amplification.min_copies"),
    ("knowledge_copy_number_nan.yaml", "copy_number.deep_deletion.max_copies"),
])
def test_non_finite_thresholds_are_knowledge_errors_naming_rule_and_field(fixture, field):
    """On main `.nan` in copy_number validated, and `.inf` was only "disagrees"."""
    from hpdgenomics.knowledge import validate_knowledge_file

    with pytest.raises(KnowledgeError) as caught:
        validate_knowledge_file(CORPUS / fixture)
    assert any(field in p and "not a finite number" in p for p in caught.value.problems), \
        caught.value.problems


# --- 3, 4. report sets all-new or all-old; ENOSPC and long names are exit 2 -----------------------

class _DiskFull:
    """os.fdopen whose n-th file (counting from 1) fails on write with ENOSPC."""

    def __init__(self, fail_at: int):
        self.fail_at, self.calls, self.real = fail_at, 0, os.fdopen

    def __call__(self, fd, *args, **kwargs):
        self.calls += 1
        handle = self.real(fd, *args, **kwargs)
        if self.calls != self.fail_at:
            return handle

        def write(_data):
            raise OSError(errno.ENOSPC, "No space left on device")
        handle.write = write
        return handle


def test_screen_report_set_stays_old_when_the_disk_fills_on_the_third_file(tmp_path,
                                                                          monkeypatch):
    """On main: exit 1, and a new JSON and TSV beside the old HTML."""
    out = tmp_path / "out"
    first = _invoke(["screen", "--vcf", S01_VCF, "--sample-id", "P1", "-o", out])
    assert first.exit_code == 0, first.stderr
    before = _snapshot(out)
    assert sorted(before) == ["P1.hpd.clinical.tsv", "P1.hpd.html", "P1.hpd.json", "P1.hpd.tsv"]
    disk_full = _DiskFull(fail_at=3)
    monkeypatch.setattr(os, "fdopen", disk_full)
    second = _invoke(["screen", "--vcf", S07_VCF, "--sample-id", "P1", "-o", out])
    assert second.exit_code == 2, second.stderr
    line = _one_error_line(second)
    assert "No space left on device" in line and "disk is full" in line
    assert disk_full.calls == 3
    assert _snapshot(out) == before          # all old, and no temporary left behind
    monkeypatch.setattr(os, "fdopen", disk_full.real)
    third = _invoke(["screen", "--vcf", S07_VCF, "--sample-id", "P1", "-o", out])
    assert third.exit_code == 0
    after = _snapshot(out)
    # the clinical TSV of two screens without --patient under one sample id is the same text
    assert sorted(after) == sorted(before) and all(after[k] != before[k] for k in after
                                                   if not k.endswith(".clinical.tsv"))


def _small_manifest(tmp_path: Path) -> Path:
    lines = ["sample_id\tpatient_id\tvcf\tcnv\ttumor_type"]
    for sample, patient in (("S01", "P01"), ("S07", "P07"), ("S10", "P10")):
        lines.append(f"{sample}\t{patient}\t{EXAMPLE / 'vcf' / f'{sample}.vcf'}\t"
                     f"{EXAMPLE / 'cnv' / f'{sample}.call.cns'}\tNSCLC")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def test_cohort_output_set_stays_old_when_the_disk_fills_mid_set(tmp_path, monkeypatch):
    manifest, out = _small_manifest(tmp_path), tmp_path / "out"
    args = ["cohort", "--manifest", manifest, "--clinical", EXAMPLE / "clinical.tsv",
            "--workers", "1", "--no-plots", "-o", out]
    assert _invoke(args).exit_code == 0
    before = {k: v for k, v in _snapshot(out).items() if not k.startswith("samples")}
    assert {"cohort.json", "cohort.html", "association.tsv", "matrix.tsv"} <= set(before)
    disk_full = _DiskFull(fail_at=4)     # the samples are reused: the 4th file is a cohort file
    monkeypatch.setattr(os, "fdopen", disk_full)
    second = _invoke(args[:-3] + ["--early-failure-months", "5", "--no-plots", "-o", out])
    assert second.exit_code == 2, second.stderr
    assert "disk is full" in _one_error_line(second)
    assert {k: v for k, v in _snapshot(out).items() if not k.startswith("samples")} == before


def test_a_failed_rename_puts_the_earlier_files_back(tmp_path, monkeypatch):
    old = {tmp_path / name: f"old {name}\n" for name in ("a.json", "b.tsv", "c.html")}
    write_file_set(old)
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match="cannot replace the file"):
        write_file_set({path: "new\n" for path in old})
    monkeypatch.setattr(os, "replace", real_replace)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == \
        {p.name: text for p, text in old.items()}


def test_an_output_name_over_255_bytes_is_exit_2(tmp_path):
    """On main: OSError 'File name too long', exit 1."""
    result = _invoke(["screen", "--vcf", S01_VCF, "-o", tmp_path / ("x" * 300) / "out"])
    assert result.exit_code == 2
    assert "255 bytes" in _one_error_line(result)


def test_environment_errors_outside_the_writers_are_exit_2(tmp_path, monkeypatch):
    import hpdgenomics.screen as screen_module

    def full_disk(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/scratch")

    monkeypatch.setattr(screen_module, "screen_sample", full_disk)
    result = _invoke(["screen", "--vcf", S01_VCF, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert "/tmp/scratch: No space left on device" in _one_error_line(result)

    def out_of_memory(*_args, **_kwargs):
        raise MemoryError()

    monkeypatch.setattr(screen_module, "screen_sample", out_of_memory)
    result = _invoke(["screen", "--vcf", S01_VCF, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert "out of memory" in _one_error_line(result)


# --- 8. JSON never holds NaN or Infinity ----------------------------------------------------------

def test_finite_json_names_where_a_non_finite_value_sits():
    data = {"alterations": [{"vaf": 0.5}, {"vaf": float("inf")}]}
    with pytest.raises(InputError, match=r"alterations\[1\]\.vaf = inf"):
        finite_json(data, what="the JSON report of S1")
    assert json.loads(finite_json({"vaf": 0.5}, what="x")) == {"vaf": 0.5}


def test_a_non_finite_value_reaching_the_screen_report_is_exit_2_and_writes_nothing(
        tmp_path, monkeypatch):
    """On main: ValueError 'Out of range float values', exit 1."""
    from hpdgenomics.report.model import ScreenReport

    real_to_dict = ScreenReport.to_dict

    def to_dict(self):
        data = real_to_dict(self)
        data["caution"]["nan_score"] = float("nan")
        return data

    monkeypatch.setattr(ScreenReport, "to_dict", to_dict)
    result = _invoke(["screen", "--vcf", S01_VCF, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert "caution.nan_score = nan" in _one_error_line(result)
    assert not (tmp_path / "out").exists()


# --- 6. a reused sample whose JSON is truncated is screened again ---------------------------------

def test_a_reused_sample_whose_report_is_truncated_is_screened_again(tmp_path):
    """On main: the sample was marked failed and dropped from the statistics."""
    manifest, out = _small_manifest(tmp_path), tmp_path / "out"
    args = ["cohort", "--manifest", manifest, "--clinical", EXAMPLE / "clinical.tsv",
            "--workers", "1", "--no-plots", "-v", "-o", out]
    assert _invoke(args).exit_code == 0
    report = out / "samples" / "S01.hpd.json"
    whole = report.read_bytes()
    report.write_bytes(whole[: len(whole) // 2])            # the key file stays intact
    second = _invoke(args)
    assert second.exit_code == 0, second.stderr
    status = {o["sample_id"]: o["status"]
              for o in json.loads((out / "cohort.json").read_text())["samples"]["outcomes"]}
    assert status == {"S01": "screened", "S07": "reused", "S10": "reused"}
    assert "S01: the earlier report cannot be read" in second.stderr
    assert json.loads(report.read_text())["sample"]["id"] == "S01"


# --- 7. gene lists --------------------------------------------------------------------------------

@pytest.mark.parametrize("genes, expected", [
    ("KRAS;EGFR;AKT1", "looks like a list separated by ';': separate genes with commas "
                       "(--genes KRAS,EGFR,AKT1)"),
    ("KRAS|EGFR", "separated by '|'"),
    ("kras,EGFR", "'kras': gene symbols are upper case; did you mean KRAS?"),
    ("EGRF", "'EGRF': did you mean EGFR?"),
])
def test_gene_list_typos_are_errors_listing_the_valid_genes(tmp_path, genes, expected):
    """On main every rule silently became not evaluable (or 'kras' was taken for KRAS)."""
    result = _invoke(["screen", "--vcf", S01_VCF, "--genes", genes, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert expected in line and "valid genes: AKT1, CCND1" in line
    assert not (tmp_path / "out").exists()


def test_a_correct_gene_list_still_screens(tmp_path):
    result = _invoke(["screen", "--vcf", S01_VCF, "--genes", " KRAS, AKT1 ,", "-o", tmp_path])
    assert result.exit_code == 0, result.stderr
    genes = {g["gene"]: g
             for g in json.loads(next(tmp_path.glob("*.hpd.json")).read_text())["genes"]}
    assert genes["KRAS"]["assay_coverage"] == genes["AKT1"]["assay_coverage"] == "listed in --genes"
    assert genes["EGFR"]["assay_coverage"] == "not listed in --genes"


# --- 5. workers die with their parent -------------------------------------------------------------

def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(entry.name))
    return kids


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie has exited; only its parent has not reaped it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_cohort_workers_do_not_outlive_a_killed_parent(tmp_path, how):
    """On main both left two workers running forever (reparented to pid 1)."""
    lines = ["sample_id\tpatient_id\tvcf\tcnv\ttumor_type"]
    rows = (EXAMPLE / "manifest.tsv").read_text().splitlines()[1:]
    for copy in range(4):                                     # ~100 samples: seconds of work
        for row in rows:
            fields = row.split("\t")
            fields[0] += f"_{copy}"
            for i in (2, 3):
                fields[i] = str(EXAMPLE / fields[i]) if fields[i] else ""
            lines.append("\t".join(fields))
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    with open(tmp_path / "stderr.txt", "w") as stderr:   # a pipe would be held open by orphans
        parent = subprocess.Popen(
            [sys.executable, "-m", "hpdgenomics", "cohort", "--manifest", str(manifest),
             "--clinical", str(EXAMPLE / "clinical.tsv"), "--workers", "2", "--no-plots",
             "-o", str(out)], stdout=subprocess.DEVNULL, stderr=stderr)
        workers: list[int] = []
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline and parent.poll() is None:
                workers = _children(parent.pid)
                if len(workers) >= 2 and list((out / "samples").glob("*.hpd.json")):
                    break
                time.sleep(0.05)
            assert len(workers) == 2 and parent.poll() is None, "the run ended before the kill"
            parent.send_signal(getattr(signal, how))
            code = parent.wait(30)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and any(_running(w) for w in workers):
                time.sleep(0.1)
            survivors = [w for w in workers if _running(w)]
        finally:
            for pid in [w for w in workers if _running(w)]:   # never leave them behind
                os.kill(pid, signal.SIGKILL)
            if parent.poll() is None:
                parent.kill()
    assert survivors == []
    message = (tmp_path / "stderr.txt").read_text()
    if how == "SIGTERM":
        assert code == 143, message
        assert "terminated (SIGTERM)" in message and "Traceback" not in message
        assert not (out / "cohort.json").exists()             # no partial cohort report set
    assert not [p for p in out.rglob("*") if p.name.endswith((".part", ".old"))]
    for sample_json in (out / "samples").glob("*.hpd.json"):  # finished samples are whole
        json.loads(sample_json.read_text())


def test_every_limit_is_documented():
    text = (ROOT / "docs" / "plausibility.md").read_text()
    for limit in limits.ALL_LIMITS:
        assert limit.env in text, limit.env

