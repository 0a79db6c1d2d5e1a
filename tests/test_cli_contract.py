"""The command-line contract that pipelines and tumour-board analysts rely on, attacked.

Quiet stdout, one-line errors with exit code 2 (1 for a bug, 130 for Ctrl-C), output files that
stay inside ``--out`` under safe and stable names, atomic writes, escaped HTML, and reruns that are
byte-identical. In process with click's runner wherever it shows the behaviour; a subprocess only
for a closed stdout pipe and for the C locale.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.errors import OutputError
from hpdgenomics.outputs import atomic_write, safe_file_stem

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "cli_contract"
SCREEN_VCF = HERE / "fixtures" / "screen" / "tumour_egfr_kras_unannotated_grch38.vcf"
INDEXED_VCF = HERE.parent / "example_vcfs" / "indexed_vep_grch38.vcf.gz"
HPD_EXAMPLES = HERE.parent / "examples" / "hpd"


def invoke(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def only_file_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def assert_one_line_error(result, code: int = 2, *phrases: str) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


def leftover_temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".part") or "write-test" in p.name]


# --- names that are unsafe as file names ----------------------------------------------------------

@pytest.mark.parametrize("fixture, sample, stem", [
    ("sample_named_dotdot_slash_evil.vcf", "../evil", "evil"),
    ("sample_named_with_slash.vcf", "a/b", "a_b"),
    ("sample_named_with_space.vcf", "TUMOR 1", "TUMOR_1"),
    ("sample_named_non_ascii.vcf", "ü-ñ", "u-n"),
    ("sample_named_script_tag.vcf", "<script>alert(1)</script>", "script_alert_1_script"),
    ("sample_named_like_an_option.vcf", "-rf", "rf"),
])
def test_vcf_sample_names_become_safe_stable_file_names_inside_out(tmp_path, fixture, sample, stem):
    out = tmp_path / "reports"
    result = invoke("screen", "--vcf", FIXTURES / fixture, "-o", out)
    assert result.exit_code == 0, result.stderr
    # nothing outside --out, and exactly the four reports inside it
    assert only_file_names(tmp_path) == ["reports"]
    assert only_file_names(out) == [f"{stem}.hpd.clinical.tsv", f"{stem}.hpd.html",
                                    f"{stem}.hpd.json", f"{stem}.hpd.tsv"]
    report = json.loads((out / f"{stem}.hpd.json").read_text(encoding="utf-8"))
    assert report["sample"]["id"] == sample            # the report keeps the real name
    html = (out / f"{stem}.hpd.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html


@pytest.mark.parametrize("sample_id, stem", [("../../x", "x"), ("Tümör 1/B", "Tumor_1_B"),
                                             ("<b>", "b"), ("...", "sample")])
def test_sample_id_option_is_mapped_the_same_way(tmp_path, sample_id, stem):
    result = invoke("screen", "--vcf", SCREEN_VCF, "--sample-id", sample_id, "-o", tmp_path / "o")
    assert result.exit_code == 0, result.stderr
    assert only_file_names(tmp_path / "o") == [f"{stem}.hpd.{k}" for k in
                                               ("clinical.tsv", "html", "json", "tsv")]


def test_blank_sample_id_is_a_usage_error(tmp_path):
    result = invoke("screen", "--vcf", SCREEN_VCF, "--sample-id", "  ", "-o", tmp_path / "o")
    assert_one_line_error(result, 2, "--sample-id", "blank")
    assert not (tmp_path / "o").exists()


def test_very_long_ids_are_cut_but_stay_distinct():
    first, second = "T" * 300 + "1", "T" * 300 + "2"
    assert len(safe_file_stem(first)) <= 100
    assert safe_file_stem(first) != safe_file_stem(second)
    assert safe_file_stem(first) == safe_file_stem(first)


def test_long_sample_id_still_writes_its_reports(tmp_path):
    result = invoke("screen", "--vcf", SCREEN_VCF, "--sample-id", "x" * 300, "-o", tmp_path)
    assert result.exit_code == 0, result.stderr
    assert len(list(tmp_path.glob("*.hpd.json"))) == 1


def test_cohort_refuses_sample_ids_that_share_a_report_file_name(tmp_path):
    manifest = FIXTURES / "manifest_sample_ids_sharing_a_file_name.tsv"
    result = invoke("cohort", "--manifest", manifest, "--workers", 1, "--no-plots", "-o",
                    tmp_path / "c")
    line = assert_one_line_error(result, 2, "line 3", "'a_b'", "'a/b' on line 2")
    assert "'s1'" in line and "'S1' on line 4" in line


def test_cohort_html_escapes_and_names_unsafe_sample_ids(tmp_path):
    out = tmp_path / "c"
    result = invoke("cohort", "--manifest", FIXTURES / "manifest_unsafe_sample_ids.tsv",
                    "--workers", 1, "--no-plots", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in (out / "samples").glob("*.hpd.json")) == [
        "Tumor_2.hpd.json", "script_alert_1_script.hpd.json"]
    cohort_html = (out / "cohort.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in cohort_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cohort_html
    assert "Tümör 2" in cohort_html


def test_hpd_classify_keeps_unsafe_patient_ids_as_values_only(tmp_path):
    out = tmp_path / "h"
    result = invoke("hpd-classify",
                    "--measurements", FIXTURES / "measurements_unsafe_patient_ids.tsv",
                    "--patients", FIXTURES / "patients_unsafe_patient_ids.tsv", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert only_file_names(tmp_path) == ["h"]
    assert only_file_names(out) == ["hpd_calls.json", "hpd_calls.tsv"]
    text = (out / "hpd_calls.tsv").read_text(encoding="utf-8")
    assert "../evil\t" in text and "<b>Ünïcode & co</b>\t" in text


# --- output folder problems -----------------------------------------------------------------------

def test_out_that_is_a_file_is_one_line_exit_2(tmp_path):
    existing = tmp_path / "report.txt"
    existing.write_text("keep me")
    assert_one_line_error(invoke("screen", "--vcf", SCREEN_VCF, "-o", existing), 2, "--out")
    assert existing.read_text() == "keep me"


@pytest.mark.parametrize("command", [
    ["screen", "--vcf", SCREEN_VCF],
    ["hpd-classify", "--measurements", HPD_EXAMPLES / "measurements.tsv",
     "--patients", HPD_EXAMPLES / "patients.tsv"],
])
def test_out_below_a_file_is_one_line_exit_2_not_a_bug(tmp_path, command):
    (tmp_path / "afile").write_text("")
    result = invoke(*command, "-o", tmp_path / "afile" / "reports")
    assert_one_line_error(result, 2, "afile", "cannot create the output folder")
    assert (tmp_path / "afile").is_file()


def test_out_that_is_not_writable_is_one_line_exit_2(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("permissions do not apply (running as root)")
        result = invoke("screen", "--vcf", SCREEN_VCF, "-o", locked)
        assert_one_line_error(result, 2, str(locked), "cannot write")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_atomic_write_into_a_path_below_a_file_raises_output_error(tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(OutputError, match="afile"), \
            atomic_write(tmp_path / "afile" / "x.json") as handle:
        handle.write("{}")


@pytest.mark.crafted_reports
def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "S.hpd.json"
    target.write_text("old complete report\n")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("half of a new rep")
        raise RuntimeError("failed in the middle of writing")
    assert target.read_text() == "old complete report\n"
    assert leftover_temporaries(tmp_path) == []


def test_a_report_that_cannot_be_rendered_leaves_the_earlier_set_intact(tmp_path):
    from hpdgenomics.report.render import write_reports
    from hpdgenomics.screen import ScreenInputs, screen_sample

    report = screen_sample(ScreenInputs(vcf=SCREEN_VCF))
    paths = write_reports(report, tmp_path)
    before = {kind: path.read_bytes() for kind, path in paths.items()}
    report.alterations[0].note = {1j}   # cannot be serialised: the write must fail as a whole
    with pytest.raises(TypeError):
        write_reports(report, tmp_path)
    assert {kind: path.read_bytes() for kind, path in paths.items()} == before
    assert leftover_temporaries(tmp_path) == []


# --- awkward input paths --------------------------------------------------------------------------

def test_relative_path_with_spaces_works(tmp_path, monkeypatch):
    folder = tmp_path / "my runs"
    folder.mkdir()
    shutil.copy(SCREEN_VCF, folder / "tumour A.vcf")
    monkeypatch.chdir(tmp_path)
    result = invoke("screen", "--vcf", "my runs/tumour A.vcf", "-o", "out dir")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out dir" / "TUMOUR_A.hpd.json").is_file()


def test_stdin_dash_is_a_clear_usage_error(tmp_path):
    result = invoke("screen", "--vcf", "-", "-o", tmp_path / "o")
    assert_one_line_error(result, 2, "--vcf", "stdin", "write it to a file")


def test_a_folder_given_as_a_file_is_one_line(tmp_path):
    assert_one_line_error(invoke("screen", "--cnv", tmp_path, "-o", tmp_path / "o"), 2,
                          "--cnv", "is a folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_as_a_pipe_not_read_as_an_empty_file(tmp_path):
    fifo = tmp_path / "tumour.vcf"
    os.mkfifo(fifo)
    result = invoke("screen", "--vcf", fifo, "-o", tmp_path / "o")
    assert_one_line_error(result, 2, "--vcf", "pipe")


def test_an_unreadable_file_is_one_line(tmp_path):
    locked = tmp_path / "tumour.vcf"
    shutil.copy(SCREEN_VCF, locked)
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("permissions do not apply (running as root)")
        assert_one_line_error(invoke("screen", "--vcf", locked, "-o", tmp_path / "o"), 2,
                              "not readable")
    finally:
        locked.chmod(0o644)


def alteration_keys(out: Path, stem: str) -> set:
    report = json.loads((out / f"{stem}.hpd.json").read_text())
    return {(a["rule_id"], a["protein_change"]) for a in report["alterations"]}


def test_plain_gzip_vcf_is_read_like_the_plain_file(tmp_path):
    compressed = tmp_path / "tumour.vcf.gz"
    compressed.write_bytes(gzip.compress(SCREEN_VCF.read_bytes()))
    assert invoke("screen", "--vcf", compressed, "-o", tmp_path / "gz").exit_code == 0
    assert invoke("screen", "--vcf", SCREEN_VCF, "-o", tmp_path / "plain").exit_code == 0
    assert alteration_keys(tmp_path / "gz", "TUMOUR_A") == \
        alteration_keys(tmp_path / "plain", "TUMOUR_A") != set()


def test_an_index_older_than_its_vcf_is_not_trusted(tmp_path):
    pysam = pytest.importorskip("pysam")
    # The same records, but 400 extra header lines move every block: the old index now points
    # at the wrong offsets. htslib only warns about the age and returns nothing.
    text = gzip.decompress(INDEXED_VCF.read_bytes()).decode()
    first, rest = text.split("\n", 1)
    padding = "".join(f"##comment{i}={'x' * 200}\n" for i in range(400))
    plain = tmp_path / "rewritten.vcf"
    plain.write_text(f"{first}\n{padding}{rest}")
    rewritten = tmp_path / "rewritten.vcf.gz"
    pysam.tabix_compress(str(plain), str(rewritten), force=True)
    stale_index = tmp_path / "rewritten.vcf.gz.tbi"
    shutil.copy(str(INDEXED_VCF) + ".tbi", stale_index)
    old = rewritten.stat().st_mtime - 3600
    os.utime(stale_index, (old, old))

    result = invoke("screen", "--vcf", rewritten, "-o", tmp_path / "stale")
    assert result.exit_code == 0, result.stderr
    report = json.loads(next((tmp_path / "stale").glob("*.hpd.json")).read_text())
    vcf_input = report["inputs"][0]
    assert vcf_input["records"]["records_read"] == 3
    assert vcf_input["details"]["index_used"] is False
    assert any("older than the VCF" in w for w in report["warnings"])
    assert "older than the VCF" in result.stderr        # said on stderr too, not only in the file
    assert invoke("screen", "--vcf", INDEXED_VCF, "-o", tmp_path / "fresh").exit_code == 0
    stem = next((tmp_path / "fresh").glob("*.hpd.json")).name.split(".hpd.")[0]
    assert alteration_keys(tmp_path / "stale", stem) == alteration_keys(tmp_path / "fresh", stem)


def test_a_csi_index_is_used(tmp_path):
    pysam = pytest.importorskip("pysam")
    copy = tmp_path / "csi.vcf.gz"
    shutil.copy(INDEXED_VCF, copy)
    pysam.tabix_index(str(copy), preset="vcf", csi=True, force=True)
    assert (tmp_path / "csi.vcf.gz.csi").is_file()
    result = invoke("screen", "--vcf", copy, "-o", tmp_path / "o")
    assert result.exit_code == 0, result.stderr
    report = json.loads(next((tmp_path / "o").glob("*.hpd.json")).read_text())
    assert report["inputs"][0]["details"]["index_used"] is True
    assert report["alterations"]


# --- stdout, stderr, exit codes -------------------------------------------------------------------

def test_default_runs_print_nothing_on_stdout(tmp_path):
    runs = [
        ["screen", "--vcf", SCREEN_VCF, "-o", tmp_path / "s"],
        ["hpd-classify", "--measurements", HPD_EXAMPLES / "measurements.tsv",
         "--patients", HPD_EXAMPLES / "patients.tsv", "-o", tmp_path / "h"],
    ]
    for args in runs:
        result = invoke(*args)
        assert result.exit_code == 0, result.stderr
        assert result.stdout == "", args


def test_print_summary_prints_exactly_one_line(tmp_path):
    result = invoke("screen", "--vcf", SCREEN_VCF, "--print-summary", "-o", tmp_path)
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    sample, level, *paths = line.split("\t")
    assert sample == "TUMOUR_A" and level in {"high", "moderate", "low", "none"}
    assert sorted(Path(p).name for p in paths) == ["TUMOUR_A.hpd.clinical.tsv",
                                                   "TUMOUR_A.hpd.html", "TUMOUR_A.hpd.json",
                                                   "TUMOUR_A.hpd.tsv"]


def test_usage_errors_are_one_line_with_exit_2():
    assert_one_line_error(invoke("screen", "--bogus"), 2, "--bogus", "screen --help'")
    assert_one_line_error(invoke("no-such-command"), 2, "no-such-command")
    assert_one_line_error(invoke("screen", "-o", "x"), 2, "--vcf, --cnv, or both")


def test_a_bare_command_shows_its_help_not_an_error_line():
    result = invoke()
    assert "Usage:" in result.output and "Commands:" in result.output
    assert "error:" not in result.output


def test_ctrl_c_exits_130_with_a_short_line(tmp_path, monkeypatch):
    import hpdgenomics.screen

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(hpdgenomics.screen, "screen_sample", interrupted)
    result = invoke("screen", "--vcf", SCREEN_VCF, "-o", tmp_path)
    assert result.exit_code == 130
    assert result.stderr.strip() == "hpdgenomics: interrupted"
    assert list(tmp_path.iterdir()) == []


def test_an_unexpected_exception_is_exit_1_and_says_it_is_a_bug(tmp_path, monkeypatch):
    import hpdgenomics.screen

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(hpdgenomics.screen, "screen_sample", broken)
    line = assert_one_line_error(invoke("screen", "--vcf", SCREEN_VCF, "-o", tmp_path), 1,
                                 "bug", "--debug", "ZeroDivisionError")
    assert line.startswith("hpdgenomics: internal error")
    debug = invoke("--debug", "screen", "--vcf", SCREEN_VCF, "-o", tmp_path)
    assert debug.exit_code == 1          # the same exit code, now with the traceback
    assert "Traceback" in debug.stderr and "in broken" in debug.stderr


def test_debug_shows_the_traceback_of_a_bad_input_and_keeps_exit_2(tmp_path):
    result = invoke("screen", "--debug", "--vcf", SCREEN_VCF, "--sample", "NOPE", "-o", tmp_path)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "InputError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("hpdgenomics: error:")


def test_quiet_silences_warnings_and_verbose_shows_info_in_repeated_runs(tmp_path):
    old_index = tmp_path / "t.vcf.gz"
    shutil.copy(INDEXED_VCF, old_index)
    shutil.copy(str(INDEXED_VCF) + ".tbi", str(old_index) + ".tbi")
    past = old_index.stat().st_mtime - 3600
    os.utime(str(old_index) + ".tbi", (past, past))
    # several invocations in one process: each must log to its own stderr, not a stale one
    for _ in range(2):
        default = invoke("screen", "--vcf", old_index, "-o", tmp_path / "a")
        assert "WARNING" in default.stderr and "INFO" not in default.stderr
        quiet = invoke("screen", "-q", "--vcf", old_index, "-o", tmp_path / "b")
        assert quiet.exit_code == 0 and quiet.stderr == ""
        verbose = invoke("-v", "screen", "--vcf", old_index, "-o", tmp_path / "c")
        assert "INFO" in verbose.stderr and "caution level" in verbose.stderr


def run_module(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "hpdgenomics", *map(str, args)],
                          capture_output=True, timeout=120, check=False, **kwargs)


def test_a_closed_stdout_pipe_ends_quietly_with_exit_0():
    read_end, write_end = os.pipe()
    os.close(read_end)     # like `| head -1` that has already exited: every write gets EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "hpdgenomics", "knowledge", "show"],
                                stdout=write_end, stderr=subprocess.PIPE, timeout=120,
                                check=False)
    finally:
        os.close(write_end)
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr and "Exception" not in stderr


def test_c_locale_with_non_ascii_names(tmp_path):
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONCOERCECLOCALE": "0", "NO_COLOR": "1"}
    ok = run_module("screen", "--vcf", FIXTURES / "sample_named_non_ascii.vcf", "--print-summary",
                    "-o", tmp_path, env=env)
    assert ok.returncode == 0, ok.stderr.decode()
    assert (tmp_path / "u-n.hpd.json").is_file()
    assert json.loads((tmp_path / "u-n.hpd.json").read_text("utf-8"))["sample"]["id"] == "ü-ñ"
    assert len(ok.stdout.splitlines()) == 1 and b"\x1b[" not in ok.stdout + ok.stderr
    bad = run_module("screen", "--vcf", FIXTURES / "sample_named_non_ascii.vcf", "--sample", "X",
                     "-o", tmp_path, env=env)
    assert bad.returncode == 2
    assert len(bad.stderr.decode("utf-8", "replace").strip().splitlines()) == 1
    assert b"Traceback" not in bad.stderr


# --- reruns ---------------------------------------------------------------------------------------

def test_reruns_are_byte_identical_with_source_date_epoch(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    first = invoke("screen", "--vcf", SCREEN_VCF, "-o", tmp_path / "one", env=env)
    second = invoke("screen", "--vcf", SCREEN_VCF, "-o", tmp_path / "one", env=env)
    assert first.exit_code == second.exit_code == 0
    third = invoke("screen", "--vcf", SCREEN_VCF, "-o", tmp_path / "two", env=env)
    assert third.exit_code == 0
    for kind in ("json", "tsv", "html"):
        name = f"TUMOUR_A.hpd.{kind}"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert json.loads((tmp_path / "one" / "TUMOUR_A.hpd.json").read_text())["created"] \
        .startswith("2023-11-14T22:13:20")
    assert leftover_temporaries(tmp_path) == []


def test_cohort_svg_figures_are_byte_identical_on_rerun(tmp_path):
    from matplotlib.figure import Figure

    from hpdgenomics.cohort.plots import _render

    def draw():
        fig = Figure()
        fig.add_subplot().plot([0, 1, 2], [1, 0.5, 0.25])
        return _render(fig, "km_TEST", "test").svg

    assert draw() == draw()
