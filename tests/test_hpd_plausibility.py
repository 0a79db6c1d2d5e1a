"""Issue 9, HPD measurement tables: no silent wrong answer from the time axis or a binary file
given to ``hpd-classify``. Each test names the class of defect it guards against. (The fixtures
are shared with test_cohort_plausibility.py.)"""
from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cohort_plausibility"


def fixture(name: str) -> Path:
    return FIXTURES / name


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("hpdgenomics: error")]


def _classify(args: list, out: Path):
    from click.testing import CliRunner

    from hpdgenomics.cli import cli

    return CliRunner().invoke(cli, ["hpd-classify", *map(str, args), "-o", str(out)])


def _refusal(measurements: Path, out: Path) -> str:
    """hpd-classify of ``measurements`` with the three-patient table: exit 2, and its one
    error line."""
    result = _classify(["--measurements", measurements,
                        "--patients", fixture("hpd_patients_three.tsv")], out)
    assert result.exit_code == 2, result.stderr
    [line] = _error_lines(result.stderr)
    return line


def test_days_from_start_that_are_months_stop_hpd_classify(tmp_path):
    # on main: first evaluations "on day 2" gave growth rates over two days and HPD calls, exit 0
    line = _refusal(fixture("hpd_measurements_days_from_start_in_months.tsv"), tmp_path / "out")
    assert ("column days_from_start: the first scan after ICI start falls at a median of day 2 "
            "(3 patients), but RECIST first evaluations come 6-12 weeks after the start: these "
            "look like months or weeks, not days") in line
    assert not (tmp_path / "out").exists()


def test_scan_dated_ten_years_before_ici_start_is_named(tmp_path):
    line = _refusal(fixture("hpd_measurements_scan_date_wrong_year.tsv"), tmp_path / "out")
    assert ("hpd_measurements_scan_date_wrong_year.tsv: line 5: scan of 'P2' on day -3712 from "
            "ICI start (10.2 years before it): implausible for an HPD assessment") in line


def test_binary_measurements_table_is_exit_2_naming_the_file(tmp_path):
    # on main: "internal error (a bug): Error: new-line character seen in unquoted field", exit 1
    binary = tmp_path / "measurements.xlsx"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8)
    line = _refusal(binary, tmp_path / "out")
    assert "measurements.xlsx: is not a text table: binary content (NUL bytes)" in line
    carriage_return = tmp_path / "carriage_return_in_field.tsv"
    carriage_return.write_bytes(b"patient_id\tdays_from_start\ttarget_sum_mm\nP1\t0\t4\r5\n")
    result = _classify(["--measurements", carriage_return, "--patients",
                        fixture("hpd_patients_three.tsv")], tmp_path / "out")
    assert result.exit_code == 2 and "cannot be split into fields" in result.stderr
