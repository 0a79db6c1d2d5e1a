"""``hpdgenomics cohort --reports``: a cohort gathered from finished ``screen`` reports (the
scatter-gather of workflow engines) gives the outputs of ``--manifest``, and every inconsistency
between the reports is an error (exit 2) that names them."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics import __version__
from hpdgenomics.cli import cli
from hpdgenomics.cohort.gather import apply_sample_sheet, find_reports, load_reports
from hpdgenomics.errors import InputError, UsageError
from hpdgenomics.io.manifest import read_manifest
from hpdgenomics.io.text import sha256_file
from hpdgenomics.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cohort"
KNOWLEDGE_EXTENSION = Path(__file__).parent / "fixtures" / "knowledge" / "valid_extension.yaml"
COMPARED = ("matrix", "matrix_genes", "calls", "association", "association_genes")


def _invoke(args: list) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _manifest_rows() -> list[dict]:
    with open(EXAMPLE / "manifest.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def scattered(tmp_path_factory):
    """The example cohort run both ways: ``cohort --manifest`` (``manifest_out``), and one
    ``screen`` per manifest row (same options) into one folder (``reports``)."""
    base = tmp_path_factory.mktemp("scatter")
    manifest_out = base / "manifest_out"
    result = _invoke(["cohort", "--manifest", EXAMPLE / "manifest.tsv",
                      "--clinical", EXAMPLE / "clinical.tsv", "--no-plots", "-o", manifest_out])
    assert result.exit_code == 0, result.output
    reports = base / "reports"
    for row in _manifest_rows():
        args = ["screen", "--sample-id", row["sample_id"], "-o", reports,
                "--vcf", EXAMPLE / row["vcf"]]
        if row["cnv"]:
            args += ["--cnv", EXAMPLE / row["cnv"]]
        result = _invoke(args)
        assert result.exit_code == 0, result.output
    return {"manifest_out": manifest_out, "reports": reports}


def _copy_reports(scattered, folder: Path, *sample_ids: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for sample_id in sample_ids:
        shutil.copy(scattered["reports"] / f"{sample_id}.hpd.json", folder)
    return folder


def _edit(path: Path, change) -> Path:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


def _without_source(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "source"} for row in rows]


# --- the same outputs as --manifest --------------------------------------------------------------

def test_reports_with_the_manifest_as_sample_sheet_give_the_manifest_outputs(scattered, tmp_path):
    out = tmp_path / "gathered"
    result = _invoke(["cohort", "--reports", scattered["reports"],
                      "--manifest", EXAMPLE / "manifest.tsv",
                      "--clinical", EXAMPLE / "clinical.tsv", "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    for name in COMPARED:
        expected, gathered = (_tsv(d / f"{name}.tsv") for d in (scattered["manifest_out"], out))
        if name == "calls":
            # the one allowed difference: where the calls came from ("manifest" vs "reports")
            assert {r["source"] for r in expected} == {"manifest"}
            assert {r["source"] for r in gathered} == {"reports"}
            expected, gathered = _without_source(expected), _without_source(gathered)
        assert gathered == expected, name
    assert len(_tsv(out / "calls.tsv")) > 0
    data = json.loads((out / "cohort.json").read_text())
    # every report file is accounted for: path, sha256 and sample id
    reports = sorted(scattered["reports"].glob("*.hpd.json"))
    recorded = {i["path"]: i for i in data["inputs"] if i["kind"] == "report"}
    assert set(recorded) == {str(p) for p in reports} and len(reports) == 24
    for path in reports:
        assert recorded[str(path)]["sha256"] == sha256_file(path)
        assert recorded[str(path)]["sample_id"] == path.name.removesuffix(".hpd.json")
    assert [o["sample_id"] for o in data["samples"]["outcomes"]] == \
        [r["sample_id"] for r in _manifest_rows()]
    assert {o["status"] for o in data["samples"]["outcomes"]} == {"gathered"}
    assert not (out / "samples").exists()                  # nothing was screened


def test_report_files_after_one_option_equal_their_folder(scattered, tmp_path):
    files = sorted(scattered["reports"].glob("*.hpd.json"))
    args = ["--manifest", EXAMPLE / "manifest.tsv", "--clinical", EXAMPLE / "clinical.tsv",
            "--no-plots"]
    by_files = _invoke(["cohort", "--reports", *files, *args, "-o", tmp_path / "files"])
    assert by_files.exit_code == 0, by_files.output
    by_folder = _invoke(["cohort", *args, "--reports", scattered["reports"],
                         "-o", tmp_path / "folder"])
    assert by_folder.exit_code == 0, by_folder.output
    for name in COMPARED:
        assert _tsv(tmp_path / "files" / f"{name}.tsv") == \
            _tsv(tmp_path / "folder" / f"{name}.tsv"), name


def test_without_a_sample_sheet_the_clinical_samples_file_maps_patients(scattered, tmp_path):
    samples_file = tmp_path / "data_clinical_sample.txt"
    samples_file.write_text("SAMPLE_ID\tPATIENT_ID\n" + "".join(
        f"{r['sample_id']}\t{r['patient_id']}\n" for r in _manifest_rows()))
    out = tmp_path / "gathered"
    result = _invoke(["cohort", "--reports", scattered["reports"],
                      "--clinical", EXAMPLE / "clinical.tsv", "--clinical-samples", samples_file,
                      "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    # the manifest's patient ids, through the samples file instead: same tables
    for name in ("matrix", "association", "association_genes"):
        assert _tsv(out / f"{name}.tsv") == _tsv(scattered["manifest_out"] / f"{name}.tsv"), name


def test_without_any_mapping_a_sample_id_is_its_patient_id(scattered, tmp_path):
    clinical = tmp_path / "clinical_by_sample_id_as_patient.tsv"
    clinical.write_text((EXAMPLE / "clinical.tsv").read_text().replace("\nP", "\nS"))
    out = tmp_path / "gathered"
    result = _invoke(["cohort", "--reports", scattered["reports"], "--clinical", clinical,
                      "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    assert _tsv(out / "association.tsv") == _tsv(scattered["manifest_out"] / "association.tsv")
    matrix = _tsv(out / "matrix.tsv")
    assert {r["patient_id"] for r in matrix} == {r["sample_id"] for r in _manifest_rows()}


def test_a_sample_sheet_without_vcf_columns_is_enough(scattered, tmp_path):
    sheet = tmp_path / "sample_sheet_ids_patients_tumour_types.tsv"
    sheet.write_text("sample_id\tpatient_id\ttumor_type\n" + "".join(
        f"{r['sample_id']}\t{r['patient_id']}\t{r['tumor_type']}\n" for r in _manifest_rows()))
    out = tmp_path / "gathered"
    result = _invoke(["cohort", "--reports", scattered["reports"], "--manifest", sheet,
                      "--clinical", EXAMPLE / "clinical.tsv", "--strata", "tumor_type",
                      "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    expected = tmp_path / "by_manifest"
    result = _invoke(["cohort", "--manifest", EXAMPLE / "manifest.tsv", "--clinical",
                      EXAMPLE / "clinical.tsv", "--strata", "tumor_type", "--no-plots",
                      "-o", expected])
    assert result.exit_code == 0, result.output
    assert _tsv(out / "association.tsv") == _tsv(expected / "association.tsv")


# --- consistency errors --------------------------------------------------------------------------

def test_reports_of_two_knowledge_hashes_are_an_error_listing_the_groups(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S02", "S07")
    _edit(folder / "S07.hpd.json",
          lambda d: d["knowledge_base"].update(sha256="0" * 64))
    result = _invoke(["cohort", "--reports", folder, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    message = result.output
    assert "different knowledge bases or hpdgenomics versions (2 groups)" in message
    assert "sha256 000000000000... with hpdgenomics" in message
    assert "2 report(s), e.g. S01" in message and "1 report(s), e.g. S07" in message
    assert str(folder / "S07.hpd.json") in message


def test_reports_of_two_tool_versions_are_an_error(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S07")
    _edit(folder / "S01.hpd.json", lambda d: d["tool"].update(version="0.0.1"))
    result = _invoke(["cohort", "--reports", folder, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert "with hpdgenomics 0.0.1: 1 report(s), e.g. S01" in result.output
    assert f"with hpdgenomics {__version__}: 1 report(s), e.g. S07" in result.output


def test_a_knowledge_option_whose_hash_differs_from_the_reports_is_an_error(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S07")
    result = _invoke(["cohort", "--reports", folder, "--knowledge", KNOWLEDGE_EXTENSION,
                      "-o", tmp_path / "out"])
    assert result.exit_code == 2
    extended = load_knowledge(KNOWLEDGE_EXTENSION)
    assert "this run's knowledge base" in result.output
    assert extended.sha256[:12] in result.output and load_knowledge().sha256[:12] in result.output
    assert "give the --knowledge file" in result.output


def test_reports_screened_with_another_knowledge_need_it_for_the_gather(tmp_path):
    reports = tmp_path / "reports"
    result = _invoke(["screen", "--vcf", EXAMPLE / "vcf" / "S07.vcf", "--knowledge",
                      KNOWLEDGE_EXTENSION, "-o", reports])
    assert result.exit_code == 0, result.output
    without = _invoke(["cohort", "--reports", reports, "-o", tmp_path / "without"])
    assert without.exit_code == 2 and "give the --knowledge file" in without.output
    with_it = _invoke(["cohort", "--reports", reports, "--knowledge", KNOWLEDGE_EXTENSION,
                       "--no-plots", "-o", tmp_path / "with"])
    assert with_it.exit_code == 0, with_it.output
    data = json.loads((tmp_path / "with" / "cohort.json").read_text())
    assert data["knowledge_base"]["sha256"] == load_knowledge(KNOWLEDGE_EXTENSION).sha256


def test_a_stale_copy_of_a_sample_in_a_subfolder_is_an_error_naming_both(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S07")
    _copy_reports(scattered, folder / "old_run", "S07")
    result = _invoke(["cohort", "--reports", folder, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert "1 sample id(s) have more than one report" in result.output
    assert f"S07 in {folder / 'S07.hpd.json'} and {folder / 'old_run' / 'S07.hpd.json'}" \
        in result.output


def test_one_file_given_twice_or_linked_is_one_report(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S07")
    published = tmp_path / "published"            # a workflow engine's symlinked outputs
    published.mkdir()
    (published / "S07.hpd.json").symlink_to(folder / "S07.hpd.json")
    gathered = load_reports([folder, folder / "S07.hpd.json", published])
    assert [s.sample_id for s in gathered.samples] == ["S01", "S07"]
    assert [i["path"] for i in gathered.inputs] == [str(folder / "S01.hpd.json"),
                                                    str(folder / "S07.hpd.json")]


def test_a_folder_without_reports_is_an_error_naming_it(tmp_path):
    folder = tmp_path / "empty_screen_out"
    folder.mkdir()
    (folder / "S01.hpd.tsv").write_text("not json\n")
    result = _invoke(["cohort", "--reports", folder, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert str(folder) in result.output and "no report (*.hpd.json) found" in result.output


@pytest.mark.crafted_reports
@pytest.mark.parametrize("case, content, expected", [
    ("other_json", json.dumps({"sample": "S1", "calls": []}), "no tool name hpdgenomics"),
    ("truncated", None, "not valid JSON"),
    ("json_array", "[]", "its JSON is a list, not an object"),
])
def test_a_file_that_is_not_a_screen_report_is_an_error_naming_it(scattered, tmp_path, case,
                                                                  content, expected):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01")
    if content is None:
        content = (scattered["reports"] / "S07.hpd.json").read_text()[:3000]
    bad = folder / f"{case}.hpd.json"
    bad.write_text(content)
    result = _invoke(["cohort", "--reports", folder, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert str(bad) in result.output and expected in result.output
    assert "is not a hpdgenomics single-sample report" in result.output


def test_a_cohort_json_given_as_a_report_is_an_error_naming_it(scattered, tmp_path):
    cohort_json = scattered["manifest_out"] / "cohort.json"
    result = _invoke(["cohort", "--reports", scattered["reports"] / "S01.hpd.json", cohort_json,
                      "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert str(cohort_json) in result.output and "cohort report (cohort.json)" in result.output


@pytest.mark.crafted_reports
def test_a_report_status_word_that_is_not_a_status_is_an_error(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01")

    def bogus(data):
        data["rules"][0]["strong_grade"]["status"] = "absent"
    _edit(folder / "S01.hpd.json", bogus)
    with pytest.raises(InputError, match="status 'absent', not one of altered, "
                                         "not_detected, not_evaluable"):
        load_reports([folder])


@pytest.mark.crafted_reports
@pytest.mark.parametrize("case, edit, expected", [
    ("status_a_list", lambda d: d["rules"][0].update(status=[]), "has status [], not one of"),
    ("reason_an_object", lambda d: d["genes"][0]["strong_grade"].update(reason={"a": 1}),
     "the reason given for AKT1 is a dict, not text"),
    ("components_a_list", lambda d: d["rules"][0].update(components=[]),
     "a rule or gene entry is incomplete (AttributeError"),
    ("genome_build_a_number", lambda d: d["sample"].update(genome_build=38),
     "lacks or mangles sample.genome_build"),
    ("vaf_infinite", lambda d: d["alterations"][0].update(vaf=float("inf")),
     "it holds Infinity, which is not JSON"),
    ("rule_id_missing", lambda d: d["rules"][1].pop("rule_id"),
     "a rule or gene entry is incomplete (KeyError: 'rule_id')"),
])
def test_a_report_with_values_of_the_wrong_kind_is_an_error_naming_it(scattered, tmp_path, case,
                                                                     edit, expected):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S07")
    _edit(folder / "S07.hpd.json", edit)
    result = _invoke(["cohort", "--reports", folder, "-o", tmp_path / "out"])
    assert result.exit_code == 2, result.output
    assert str(folder / "S07.hpd.json") in result.output and expected in result.output


def test_a_report_with_a_rule_removed_under_the_same_hash_is_an_error(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01")
    _edit(folder / "S01.hpd.json", lambda d: d["rules"].pop())
    with pytest.raises(InputError, match=r"rules are not those of its knowledge base "
                                         r"\(sha256 [0-9a-f]{12}\.\.\.\): missing DNMT3A_ALT"):
        load_reports([folder], knowledge=load_knowledge())


def test_a_build_option_that_contradicts_the_reports_is_an_error(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01")
    with pytest.raises(UsageError, match=r"--build GRCh37 but 1 report\(s\).*S01 \(GRCh38\)"):
        load_reports([folder], build="GRCh37")
    assert load_reports([folder], build="hg38").builds == ["GRCh38"]


@pytest.mark.parametrize("sheet_ids, reported, expected", [
    (["S01", "S99"], ["S01"], "1 manifest sample(s) have no report: S99"),
    (["S01"], ["S01", "S07"], "1 report(s) have no manifest row: S07"),
])
def test_a_sample_sheet_and_reports_that_disagree_are_an_error_listing_them(
        scattered, tmp_path, sheet_ids, reported, expected):
    folder = _copy_reports(scattered, tmp_path / "reports", *reported)
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("sample_id\tpatient_id\n" + "".join(f"{s}\tP{s}\n" for s in sheet_ids))
    result = _invoke(["cohort", "--reports", folder, "--manifest", sheet, "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert expected in result.output and str(sheet) in result.output


def test_sample_sheet_rows_give_patients_and_columns_in_sheet_order(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S07")
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("sample_id\tpatient_id\ttumor_type\tline_of_therapy\n"
                     "S07\tP7\tNSCLC\t2\nS01\t\tmelanoma\t1\n")
    gathered = load_reports([folder])
    mapping = apply_sample_sheet(gathered, read_manifest(sheet, sample_sheet=True), sheet)
    assert mapping == {"S07": "P7"}
    assert [(s.sample_id, s.patient_id, s.attributes) for s in gathered.samples] == [
        ("S07", "P7", {"tumor_type": "NSCLC", "line_of_therapy": "2"}),
        ("S01", None, {"tumor_type": "melanoma", "line_of_therapy": "1"})]


def test_run_cohort_gathers_from_python_without_an_output_folder(scattered):
    from hpdgenomics.cohort.report import CohortConfig, run_cohort

    report = run_cohort(CohortConfig(reports=(scattered["reports"],),
                                     manifest=EXAMPLE / "manifest.tsv",
                                     clinical=EXAMPLE / "clinical.tsv"))
    assert [s.sample_id for s in report.analysis.samples] == \
        [r["sample_id"] for r in _manifest_rows()]
    assert report.patient_of()["S07"] == "P07"
    expected = _tsv(scattered["manifest_out"] / "association.tsv")
    mdm2 = next(r for r in report.association_rows("rule", default_only=True)
                if r["rule_id"] == "MDM2_AMP")
    row = next(r for r in expected if r["rule_id"] == "MDM2_AMP"
               and (r["component"], r["grade"]) == ("all", "strong"))
    assert (str(mdm2["n_altered"]), str(mdm2["n_unaltered"])) == \
        (row["n_altered"], row["n_unaltered"])


def test_progress_is_called_once_per_report(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S07", "S10")
    calls = []
    load_reports([folder], progress=lambda done, total, sample: calls.append((done, total, sample)))
    assert calls == [(1, 3, "S01"), (2, 3, "S07"), (3, 3, "S10")]


def test_a_sample_sheet_without_sample_id_is_an_error(tmp_path):
    sheet = tmp_path / "sheet_patient_ids_only.tsv"
    sheet.write_text("patient_id\ttumor_type\nP01\tNSCLC\n")
    with pytest.raises(InputError, match="sample sheet header .* lacks sample_id"):
        read_manifest(sheet, sample_sheet=True)


def test_reports_and_cohort_files_together_are_refused(scattered, tmp_path):
    result = _invoke(["cohort", "--reports", scattered["reports"], "--cna",
                      EXAMPLE / "clinical.tsv", "-o", tmp_path / "out"])
    assert result.exit_code == 2 and "not both" in result.output


def test_find_reports_searches_folders_recursively_in_sorted_order(scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports" / "b", "S01")
    _copy_reports(scattered, tmp_path / "reports" / "a", "S07")
    (tmp_path / "reports" / "a" / "S07.hpd.html").write_text("<html></html>")
    assert find_reports([tmp_path / "reports"]) == [tmp_path / "reports" / "a" / "S07.hpd.json",
                                                    folder / "S01.hpd.json"]


@pytest.mark.crafted_reports          # 1.0 reports: no clinical_factors, which 1.1 requires
def test_reports_of_schema_1_0_without_clinical_factors_are_read_and_newer_ones_refused(
        scattered, tmp_path):
    folder = _copy_reports(scattered, tmp_path / "reports", "S01", "S07")

    def as_1_0(data):
        data.update(schema_version="1.0")
        data.pop("clinical_factors")
    for sample in ("S01", "S07"):
        _edit(folder / f"{sample}.hpd.json", as_1_0)
    result = _invoke(["cohort", "--reports", folder, "--no-plots", "-o", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    _edit(folder / "S01.hpd.json", lambda d: d.update(schema_version="1.2"))
    result = CliRunner().invoke(cli, ["cohort", "--reports", str(folder), "--no-plots", "-o",
                                      str(tmp_path / "out2")])
    assert result.exit_code == 2
    assert "report schema version '1.2', this hpdgenomics reads '1.1'" in result.stderr
