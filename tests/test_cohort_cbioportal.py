"""cbioportal/data_clinical_sample_hpd.txt and its meta file.

The format checks are those cBioPortal's validator (``validateData.py``, ClinicalValidator and the
meta-file checks) applies to a clinical-sample file, written out here rather than run: four ``#``
header lines with as many columns as the attribute-id line, datatypes from STRING/NUMBER/BOOLEAN,
integer priorities, attribute ids upper-case ``[A-Z0-9_]``, SAMPLE_ID and PATIENT_ID present and
never empty, no duplicate SAMPLE_ID, NUMBER cells numeric or NA, BOOLEAN cells TRUE/FALSE or NA, no
cell with a tab or line break (a row of the wrong width). The values are checked against other
outputs: each sample's own ``.hpd.json`` (manifest path), ``matrix.tsv``/``calls.tsv`` (cohort
files).
"""
from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from cohort_fixtures import GENIE_COHORT_ARGS

from hpdgenomics.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cohort"
FIXTURES = Path(__file__).parent / "fixtures" / "cohort_file_dialects"
CAUTION_ORDER = {"none": 0, "low": 1, "moderate": 2, "high": 3}


def _run(args):
    return CliRunner().invoke(cli, ["cohort", *map(str, args)], catch_exceptions=False)


def _validate_clinical_sample_file(path: Path) -> list[dict]:
    """The rules cBioPortal's validator enforces; returns the data rows as dicts."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "", "the file ends with a line break"
    lines = lines[:-1]
    header, body = lines[:4], lines[4:]
    assert all(line.startswith("#") for line in header)
    assert not body[0].startswith("#"), "exactly four header lines"
    names, descriptions, datatypes, priorities = (line[1:].split("\t") for line in header)
    attributes = body[0].split("\t")
    assert len(names) == len(descriptions) == len(datatypes) == len(priorities) == len(attributes)
    assert set(datatypes) <= {"STRING", "NUMBER", "BOOLEAN"}
    assert all(re.fullmatch(r"-?\d+", p) for p in priorities)
    assert all(re.fullmatch(r"[A-Z0-9_]+", a) for a in attributes)
    assert len(set(attributes)) == len(attributes)
    assert attributes[:2] == ["SAMPLE_ID", "PATIENT_ID"]
    rows = []
    for line in body[1:]:
        cells = line.split("\t")
        assert len(cells) == len(attributes), line
        assert "\r" not in line
        row = dict(zip(attributes, cells, strict=True))
        assert row["SAMPLE_ID"].strip() and row["PATIENT_ID"].strip()
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", row["SAMPLE_ID"])
        for attribute, datatype in zip(attributes, datatypes, strict=True):
            value = row[attribute]
            if datatype == "NUMBER" and value != "NA":
                assert math.isfinite(float(value)), (attribute, value)
            if datatype == "BOOLEAN":
                assert value in {"TRUE", "FALSE", "NA"}, (attribute, value)
        rows.append(row)
    sample_ids = [row["SAMPLE_ID"] for row in rows]
    assert len(set(sample_ids)) == len(sample_ids), "duplicate SAMPLE_ID"
    return rows


def _read_meta(path: Path) -> dict[str, str]:
    pairs = [line.split(": ", 1) for line in path.read_text(encoding="utf-8").splitlines()]
    return dict(pairs)


def _split(cell: str) -> list[str]:
    return [] if cell == "none" else cell.split(";")


def test_example_cohort_rows_match_each_samples_screen_report(tmp_path):
    out = tmp_path / "out"
    result = _run(["--manifest", EXAMPLE / "manifest.tsv", "--clinical", EXAMPLE / "clinical.tsv",
                   "--no-plots", "--cbioportal-study-id", "nsclc_ici_2026", "-o", out])
    assert result.exit_code == 0, result.output

    rows = _validate_clinical_sample_file(out / "cbioportal" / "data_clinical_sample_hpd.txt")
    meta = _read_meta(out / "cbioportal" / "meta_clinical_sample_hpd.txt")
    assert meta == {"cancer_study_identifier": "nsclc_ici_2026",
                    "genetic_alteration_type": "CLINICAL", "datatype": "SAMPLE_ATTRIBUTES",
                    "data_filename": "data_clinical_sample_hpd.txt"}

    with open(EXAMPLE / "manifest.tsv", newline="") as handle:
        manifest = list(csv.DictReader(handle, delimiter="\t"))
    assert [row["SAMPLE_ID"] for row in rows] == [m["sample_id"] for m in manifest]
    levels = set()
    for row, entry in zip(rows, manifest, strict=True):
        caution = json.loads((out / "samples" / f"{entry['sample_id']}.hpd.json")
                             .read_text())["caution"]
        assert row["PATIENT_ID"] == entry["patient_id"]
        assert row["HPD_CAUTION_LEVEL"] == caution["level"]
        assert _split(row["HPD_FLAGGED_RULES"]) == caution["rules_flagged"]
        assert int(row["HPD_FLAGGED_COUNT"]) == len(caution["rules_flagged"])
        assert _split(row["HPD_NOT_EVALUABLE_RULES"]) == caution["rules_not_evaluable"]
        assert int(row["HPD_NOT_EVALUABLE_COUNT"]) == len(caution["rules_not_evaluable"])
        assert row["HPD_SCREEN_COMPLETE"] == ("TRUE" if caution["complete"] else "FALSE")
        levels.add(caution["level"])
    # the example covers every level and an incomplete screen, so the comparison means something
    assert levels == {"none", "low", "moderate", "high"}
    assert any(row["HPD_SCREEN_COMPLETE"] == "FALSE" for row in rows)


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_genie_cohort_files_rows_match_matrix_and_calls(tmp_path):
    out = tmp_path / "out"
    result = _run([*GENIE_COHORT_ARGS, "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    rows = _validate_clinical_sample_file(out / "cbioportal" / "data_clinical_sample_hpd.txt")
    assert _read_meta(out / "cbioportal" / "meta_clinical_sample_hpd.txt")[
        "cancer_study_identifier"] == "hpdgenomics_cohort"

    # the screen's statuses: the (all, any) block of matrix.tsv; 1 altered, empty not evaluable
    matrix = [r for r in _tsv(out / "matrix.tsv")
              if (r["component"], r["grade"]) == ("all", "any")]
    rules = [c for c in matrix[0] if c not in ("sample_id", "patient_id", "component", "grade")]
    calls = _tsv(out / "calls.tsv")
    assert [row["SAMPLE_ID"] for row in rows] == [m["sample_id"] for m in matrix]
    for row, statuses in zip(rows, matrix, strict=True):
        sample = statuses["sample_id"]
        # a sample the clinical files do not map to a patient is its own patient, as in the join
        assert row["PATIENT_ID"] == (statuses["patient_id"] or sample)
        assert _split(row["HPD_FLAGGED_RULES"]) == sorted(r for r in rules if statuses[r] == "1")
        assert _split(row["HPD_NOT_EVALUABLE_RULES"]) == [r for r in rules if statuses[r] == ""]
        levels = [c["caution_level"] for c in calls if c["sample_id"] == sample]
        assert row["HPD_CAUTION_LEVEL"] == max(levels, key=CAUTION_ORDER.get, default="none")
    assert "GENIE-MSK-P-0000001-T02-IM5" in {r["PATIENT_ID"] for r in rows}
    assert {r["HPD_CAUTION_LEVEL"] for r in rows} == {"none", "low", "moderate", "high"}


@pytest.mark.parametrize("study_id", ["my study", "brca:2013", ""])
def test_unreadable_study_id_is_a_usage_error_before_screening(tmp_path, study_id):
    result = CliRunner().invoke(cli, ["cohort", "--manifest", str(EXAMPLE / "manifest.tsv"),
                                       "--cbioportal-study-id", study_id,
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "--cbioportal-study-id" in result.output
    assert "letters, digits" in result.output
    assert not (tmp_path / "out" / "samples").exists()


def test_ids_cbioportal_refuses_are_written_and_warned(tmp_path, caplog):
    maf = tmp_path / "ids_with_space_and_slash.maf"
    text = (FIXTURES / "maf_maftools_minimal_aachange.maf").read_text()
    maf.write_text(text.replace("\tS1\t", "\tS 1\t").replace("\tS2\t", "\tS/2\t"))
    out = tmp_path / "out"
    with caplog.at_level("WARNING", logger="hpdgenomics"):
        result = _run(["--maf", maf, "--build", "GRCh37", "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    lines = (out / "cbioportal" / "data_clinical_sample_hpd.txt").read_text().splitlines()
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[5:]}
    # without a clinical file the patient is the sample itself, as in the join
    assert rows["S 1"][:5] == ["S 1", "S 1", "low", "KRAS_MUT", "1"]
    assert rows["S/2"][1] == "S/2"
    assert any(message.startswith("cbioportal/data_clinical_sample_hpd.txt: 2 sample or patient "
                                  "id(s) have characters cBioPortal's validator refuses")
               and "'S 1'" in message for message in caplog.messages)
