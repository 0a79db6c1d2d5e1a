"""The library never prints and never exits: results are returned, problems raised as HpdError.

Checked in this process at the file-descriptor level (capfd) and in a fresh interpreter with no
logging configured, as a user's script runs it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import hpdgenomics as hpd

ROOT = Path(__file__).resolve().parents[1]


def _raised(call) -> BaseException:
    try:
        call()
    except BaseException as exc:   # noqa: BLE001 - SystemExit must be seen, not let through
        return exc
    raise AssertionError("no exception")


FAILING_CALLS = {   # each takes a folder it may use
    "missing VCF": lambda tmp: hpd.screen_sample(
        hpd.ScreenInputs(vcf=ROOT / "example_vcfs/none.vcf")),
    "nothing to screen": lambda tmp: hpd.screen_sample(hpd.ScreenInputs()),
    "gene typo": lambda tmp: hpd.screen_sample(hpd.ScreenInputs(
        vcf=ROOT / "example_vcfs/kras_stk11_grch37.vcf", genes=["STK-11"])),
    "bad knowledge mode": lambda tmp: hpd.load_knowledge(mode="merge"),
    "cohort without input": lambda tmp: hpd.run_cohort(hpd.CohortConfig()),
    "HPD tables missing": lambda tmp: hpd.classify_hpd(ROOT / "none.tsv", ROOT / "none2.tsv"),
    "report into a file": lambda tmp: hpd.write_reports(
        hpd.screen_sample(hpd.ScreenInputs(vcf=ROOT / "example_vcfs/negative_grch38.vcf")),
        _a_file(tmp)),
}


def _a_file(folder: Path) -> Path:
    (folder / "taken").write_text("a file where the output folder should be\n")
    return folder / "taken"


EXPECTED_ERRORS = {"missing VCF": hpd.InputError, "nothing to screen": hpd.UsageError,
                   "gene typo": hpd.UsageError, "bad knowledge mode": hpd.UsageError,
                   "cohort without input": hpd.UsageError,
                   "HPD tables missing": hpd.ClinicalDataError,
                   "report into a file": hpd.OutputError}


@pytest.mark.parametrize("what", list(FAILING_CALLS))
def test_a_failing_call_raises_an_hpd_error_and_prints_nothing(what, tmp_path, capfd):
    error = _raised(lambda: FAILING_CALLS[what](tmp_path))
    assert not isinstance(error, SystemExit)
    assert isinstance(error, EXPECTED_ERRORS[what]), repr(error)
    assert str(error)   # a message naming what was wrong
    assert capfd.readouterr() == ("", "")


def test_a_screen_with_data_warnings_prints_nothing(tmp_path, capfd):
    report = hpd.screen_sample(hpd.ScreenInputs(vcf=ROOT / "examples/cohort/vcf/S01.vcf",
                                                cnv=ROOT / "examples/cohort/cnv/S01.call.cns"))
    assert report.warnings   # there was something to say: it is in the report, not on a stream
    paths = hpd.write_reports(report, tmp_path)
    assert paths["json"].is_file()
    assert capfd.readouterr() == ("", "")


SCRIPT = """
import sys
import hpdgenomics as hpd
root = sys.argv[1]
report = hpd.screen_sample(hpd.ScreenInputs(vcf=root + "/examples/cohort/vcf/S01.vcf",
                                            cnv=root + "/examples/cohort/cnv/S01.call.cns"))
assert report.warnings
hpd.write_reports(report, sys.argv[2])
try:
    hpd.screen_sample(hpd.ScreenInputs(vcf=root + "/example_vcfs/none.vcf"))
except hpd.InputError:
    pass
labels = hpd.classify_hpd(root + "/examples/hpd/measurements.tsv",
                          root + "/examples/hpd/patients.tsv")
assert labels.patients
"""


@pytest.mark.slow
def test_a_script_using_the_library_has_empty_stdout_and_stderr(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert len(list((tmp_path / "out").glob("*.hpd.json"))) == 1


@pytest.mark.slow
def test_import_loads_no_heavy_module():
    code = ("import sys, hpdgenomics; "
            "print(sorted(m for m in ('pandas', 'numpy', 'cyvcf2', 'pysam', 'scipy', "
            "'matplotlib', 'jinja2', 'click') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
