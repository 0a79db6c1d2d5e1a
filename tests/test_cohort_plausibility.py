"""Issue 9, cohort inputs: no silent wrong answer from clinical tables, MAFs, gene panels and
cohort joins. Each test names the class of defect it guards against. (The HPD measurement tables'
counterparts are in test_hpd_plausibility.py.)"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.errors import ClinicalDataError
from hpdgenomics.hpd.tables import read_hpd_inputs
from hpdgenomics.io import vocabulary
from hpdgenomics.io.clinical import read_clinical

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cohort_plausibility"


def fixture(name: str) -> Path:
    return FIXTURES / name


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# --- one vocabulary for cohort and hpd-classify ---------------------------------------------------

def _expected_events() -> dict[str, bool | None]:
    return {row["patient_id"]: {"True": True, "False": False, "": None}[row["expected_event"]]
            for row in _tsv(fixture("vocabulary_expected_events.tsv"))}


def _events(frame: pd.DataFrame) -> dict[str, bool | None]:
    return {p: (None if pd.isna(e) else bool(e))
            for p, e in zip(frame["patient_id"], frame["ttf_event"], strict=True)}


def test_cohort_and_hpd_classify_read_every_status_and_missing_word_the_same():
    # on main, hpd-classify refused y/n/dead/alive/deceased and GDC's '--/unknown, and cohort
    # refused discontinued/ongoing
    expected = _expected_events()
    clinical = read_clinical(fixture("vocabulary_clinical_status_words.tsv"))
    hpd = read_hpd_inputs(fixture("vocabulary_hpd_measurements.tsv"),
                          fixture("vocabulary_hpd_patients_status_words.tsv"))
    assert _events(clinical.df) == expected
    assert _events(hpd.patients) == expected
    assert sum(v is None for v in expected.values()) == 8


def test_one_vocabulary_module_is_what_both_readers_use():
    from hpdgenomics.hpd import tables
    from hpdgenomics.io import clinical

    assert clinical.MISSING_VALUES is vocabulary.MISSING_VALUES is tables.MISSING_TOKENS
    for word in vocabulary.EVENT_WORDS | vocabulary.CENSORED_WORDS:
        assert clinical.parse_event(word) is tables._parse_status(word) is \
            (word in vocabulary.EVENT_WORDS)
    assert not vocabulary.EVENT_WORDS & vocabulary.CENSORED_WORDS
    assert not (vocabulary.EVENT_WORDS | vocabulary.CENSORED_WORDS) & vocabulary.MISSING_VALUES


# --- clinical times: days read as months ----------------------------------------------------------

def _cohort(args: list, out: Path):
    from click.testing import CliRunner

    from hpdgenomics.cli import cli

    return CliRunner().invoke(cli, ["cohort", *map(str, args), "--no-plots", "-o", str(out)])


def _association(out: Path, rule: str) -> dict:
    return next(r for r in _tsv(out / "association.tsv") if r["rule_id"] == rule)


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("hpdgenomics: error")]


DAYS_AS_MONTHS = fixture("clinical_ttf_days_in_ttf_months_column.tsv")
KRAS_MAF = fixture("maf_kras_g12c_in_three_of_twelve.maf")


def test_days_in_a_months_column_stop_the_run_naming_the_column_and_the_option(tmp_path):
    # on main: median TTF 91 "months", the three early failures of KRAS G12C became 0, exit 0
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(DAYS_AS_MONTHS)
    message = str(caught.value)
    assert "column TTF_MONTHS (median 91, maximum 700, 12 value(s))" in message
    assert "a median of 91 months (7.58 years) is implausible" in message
    assert "give --time-unit days" in message and "--time-unit months if they really" in message

    result = _cohort(["--maf", KRAS_MAF, "--clinical", DAYS_AS_MONTHS], tmp_path / "out")
    assert result.exit_code == 2
    [line] = _error_lines(result.stderr)
    assert "clinical_ttf_days_in_ttf_months_column.tsv" in line and "--time-unit days" in line
    assert not (tmp_path / "out").exists()


def test_days_read_as_days_give_the_three_early_failures(tmp_path):
    table = read_clinical(DAYS_AS_MONTHS, time_unit="days")
    assert table.plausibility_warnings == [] and table.time_unit == "days"
    assert table.df.set_index("patient_id").loc["S01", "ttf_months"] == pytest.approx(35 / 30.4375)
    result = _cohort(["--maf", KRAS_MAF, "--clinical", DAYS_AS_MONTHS, "--time-unit", "days"],
                     tmp_path / "out")
    assert result.exit_code == 0, result.output
    kras = _association(tmp_path / "out", "KRAS_MUT")
    assert (kras["n_altered"], kras["n_unaltered"]) == ("3", "9")
    assert (kras["early_failure_altered"], kras["early_failure_evaluable_altered"]) == ("3", "3")
    # S09: censored at 30 days, before the 2-month cut-off: not evaluable
    assert kras["early_failure_evaluable_unaltered"] == "8"


def test_months_confirmed_for_implausible_values_runs_with_a_warning_in_report_and_stderr(
        tmp_path):
    result = _cohort(["--maf", KRAS_MAF, "--clinical", DAYS_AS_MONTHS, "--time-unit", "months"],
                     tmp_path / "out")
    assert result.exit_code == 0, result.output
    expected = ("column TTF_MONTHS (median 91, maximum 700, 12 value(s)) read in months as "
                "--time-unit says: a median of 91 months (7.58 years) is implausible")
    warnings = json.loads((tmp_path / "out" / "cohort.json").read_text())["warnings"]
    assert any(w.startswith(expected) and "in days, weeks the values would be plausible" in w
               for w in warnings), warnings
    assert expected in result.stderr
    assert expected in (tmp_path / "out" / "cohort.html").read_text()
    assert _association(tmp_path / "out", "KRAS_MUT")["early_failure_altered"] == "0"


def test_a_column_named_in_days_is_not_read_as_months_unstated():
    # every value (10-21) would pass as months; the name says days
    path = fixture("clinical_ttf_days_column_short_values.tsv")
    with pytest.raises(ClinicalDataError, match="column TTF_DAYS .*the column's name says days; "
                                                "read as days they are plausible"):
        read_clinical(path, time_col="TTF_DAYS")
    assert read_clinical(path, time_col="TTF_DAYS", time_unit="days").df["ttf_months"].max() == \
        pytest.approx(21 / 30.4375)


def test_months_stated_as_days_warn_that_the_median_is_shorter_than_a_cycle():
    table = read_clinical(fixture("clinical_ttf_months_values.tsv"), time_col="TTF",
                          time_unit="days")
    [warning] = table.plausibility_warnings
    assert warning.startswith("column TTF (median 3.55, maximum 14, 8 value(s)) read in days as "
                              "--time-unit says: a median of 0.117 months (3.55 days) is shorter "
                              "than one treatment cycle; in weeks, months the values would be "
                              "plausible")
    assert warning in table.warnings
    # months, unstated: plausible, so no warning and no error
    assert read_clinical(fixture("clinical_ttf_months_values.tsv"),
                         time_col="TTF").plausibility_warnings == []


def test_shared_cbioportal_months_pass_and_maftools_days_need_the_unit(shared_data):
    patients = shared_data / "clinical/data_clinical_patients.txt"
    for column, status in (("OS_MONTHS", "OS_STATUS"), ("DFS_MONTHS", "DFS_STATUS")):
        table = read_clinical(patients, time_col=column, status_col=status)
        assert table.plausibility_warnings == [] and not table.time_unit_stated
    survival = shared_data / "clinical/maftools_laml_survival.tsv"
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(survival, time_col="days_to_last_followup",
                      status_col="Overall_Survival_Status", on_invalid="missing")
    assert "column days_to_last_followup (median 365, maximum 2861, 188 value(s))" in \
        str(caught.value)
    assert "give --time-unit days" in str(caught.value)
    table = read_clinical(survival, time_col="days_to_last_followup",
                          status_col="Overall_Survival_Status", time_unit="days",
                          on_invalid="missing")
    assert table.plausibility_warnings == []


# --- identifiers: letter case, and clinical ids without genomic data ------------------------------

UPPER_MAF = fixture("maf_upper_case_sample_ids.maf")


def test_ids_differing_only_by_case_are_matched_one_to_one_and_said_loudly(tmp_path):
    # on main: PT-01/PT-02 (KRAS G12C) had no clinical data and pt-01..pt-04 counted as four
    # profiled-and-unaltered samples: 0 altered, 4 unaltered
    out = tmp_path / "out"
    result = _cohort(["--maf", UPPER_MAF, "--clinical",
                      fixture("clinical_lower_case_sample_ids.tsv")],
                     out)
    assert result.exit_code == 0, result.output
    kras = _association(out, "KRAS_MUT")
    assert (kras["n_altered"], kras["n_unaltered"], kras["n_not_evaluable"]) == ("2", "2", "0")
    assert (kras["early_failure_altered"], kras["early_failure_unaltered"]) == ("2", "0")
    data = json.loads((out / "cohort.json").read_text())
    assert data["join_report"]["case_only_matches"] == {f"PT-0{i}": f"pt-0{i}" for i in range(1, 5)}
    assert data["join_report"]["outcome_counts"]["with_clinical"] == 4
    expected = ("4 sample id(s) match the clinical table only when letter case is ignored "
                "('PT-01' = clinical 'pt-01'")
    assert any(w.startswith(expected) for w in data["warnings"])
    assert expected in result.stderr
    assert {r["sample_id"] for r in _tsv(out / "matrix.tsv")} == {f"PT-0{i}" for i in range(1, 5)}


def test_ids_that_match_ignoring_case_in_two_ways_stop_the_run(tmp_path):
    result = _cohort(["--maf", UPPER_MAF,
                      "--clinical", fixture("clinical_two_spellings_of_one_sample.tsv")],
                     tmp_path / "out")
    assert result.exit_code == 2
    [line] = _error_lines(result.stderr)
    assert "clinical_two_spellings_of_one_sample.tsv" in line
    assert "sample id(s) PT-01 vs clinical Pt-01, pt-01" in line


def test_clinical_samples_without_any_genomic_data_are_not_evaluable(tmp_path):
    # on main the two samples known only from --clinical-samples counted as unaltered (4, not 2)
    out = tmp_path / "out"
    result = _cohort(["--maf", UPPER_MAF, "--clinical", fixture("clinical_patients_six.tsv"),
                      "--clinical-samples",
                      fixture("clinical_samples_two_without_genomic_data.tsv")],
                     out)
    assert result.exit_code == 0, result.output
    counts = {rule: tuple(_association(out, rule)[f"n_{k}"]
                          for k in ("altered", "unaltered", "not_evaluable"))
              for rule in ("KRAS_MUT", "EGFR_MUT", "MDM2_AMP")}
    assert counts == {"KRAS_MUT": ("2", "2", "2"), "EGFR_MUT": ("0", "4", "2"),
                      "MDM2_AMP": ("0", "0", "6")}          # no copy-number data at all
    assert _association(out, "KRAS_MUT")["n_not_evaluable"] == "2"
    matrix = {r["sample_id"]: r for r in _tsv(out / "matrix.tsv")
              if (r["component"], r["grade"]) == ("all", "strong")}
    assert matrix["PT-05"]["KRAS_MUT"] == matrix["PT-06"]["EGFR_MUT"] == ""
    warning = ("2 sample(s) named only by the clinical files have no genomic data (no MAF row, "
               "no copy-number value, not in a gene-panel matrix; e.g. PT-05, PT-06)")
    assert warning in result.stderr
    assert any(w.startswith(warning) for w in json.loads((out / "cohort.json").read_text())
               ["warnings"])


def test_case_only_matches_decides_from_the_whole_input():
    from hpdgenomics.cohort.join import case_only_matches

    assert case_only_matches(["A1", "b2", "C3"], ["a1", "b2", "c3", "D4"]) == {"A1": "a1",
                                                                               "C3": "c3"}
    # an exact match wins: the MAF's a1 simply has no clinical row
    assert case_only_matches(["A1", "a1"], ["A1"]) == {}
    with pytest.raises(ClinicalDataError, match="sample id.s. AB1, Ab1 vs clinical ab1"):
        case_only_matches(["Ab1", "AB1"], ["ab1"])
    with pytest.raises(ClinicalDataError, match="sample id.s. AB1 vs clinical Ab1, ab1"):
        case_only_matches(["AB1"], ["ab1", "Ab1"])
    # is the clinical 'Ab' the MAF's 'ab', or a second spelling of 'AB', matched exactly?
    with pytest.raises(ClinicalDataError, match="and one of them matches exactly"):
        case_only_matches(["AB", "ab"], ["AB", "Ab"])


# --- MAF: minor nonsense ------------------------------------------------------------------------

def test_maf_row_with_alt_equal_to_ref_is_dropped_counted_and_warned(tmp_path):
    # on main the row (C>C, "p.G12C") made sample A1 KRAS G12C
    from hpdgenomics.io.maf import read_maf

    maf = read_maf(fixture("maf_kras_g12c_row_with_alt_equal_ref.maf"))
    assert maf.rows_read == 3 and len(maf.df) == 2 and "A1" not in set(maf.df["sample_id"])
    assert maf.rejected == [(2, "no alternative allele: Tumor_Seq_Allele1/2 equal "
                                "Reference_Allele")]
    assert maf.warnings[0].startswith("1 row(s) have no alternative allele (Tumor_Seq_Allele1/2 "
                                      "equal Reference_Allele, e.g. line 2: KRAS C>C p.G12C)")
    out = tmp_path / "out"
    result = _cohort(["--maf", fixture("maf_kras_g12c_row_with_alt_equal_ref.maf")], out)
    assert result.exit_code == 0, result.output
    assert "1 row(s) have no alternative allele" in result.stderr
    data = json.loads((out / "cohort.json").read_text())
    assert any(w.startswith("1 row(s) have no alternative allele") for w in data["warnings"])
    [maf_input] = [i for i in data["inputs"] if i["kind"] == "maf"]
    assert (maf_input["rows_read"], maf_input["rows_kept"], maf_input["rows_rejected"]) == (3, 2, 1)
    matrix = {r["sample_id"]: r for r in _tsv(out / "matrix.tsv")
              if (r["component"], r["grade"]) == ("all", "strong")}
    assert set(matrix) == {"B1", "C1"} and matrix["B1"]["KRAS_MUT"] == "1"


def test_maf_position_past_the_chromosome_end_is_refused_like_the_vcf(tmp_path):
    from hpdgenomics.errors import InputError
    from hpdgenomics.io.maf import read_maf

    with pytest.raises(InputError, match="line 3: position 140,000,000 lies beyond the end of "
                                         "chromosome 12 in GRCh37 .length 133,851,895."):
        read_maf(fixture("maf_position_past_chromosome_end.maf"))
    result = _cohort(["--maf", fixture("maf_position_past_chromosome_end.maf")], tmp_path / "o")
    assert result.exit_code == 2
    [line] = _error_lines(result.stderr)
    assert "maf_position_past_chromosome_end.maf" in line and "line 3" in line

    no_build = fixture("maf_position_past_chromosome_end_no_build.maf")
    skipped = read_maf(no_build, on_invalid="skip")           # 47 Mb fits chr21 of GRCh37 only
    assert skipped.rejected == [(4, "position 50,000,000 lies beyond the end of chromosome 21 in "
                                    "both GRCh37 and GRCh38 (lengths 48,129,895 and 46,709,983)")]
    as_grch38 = read_maf(no_build, on_invalid="skip", build_for_rows="GRCh38")
    assert [line for line, _ in as_grch38.rejected] == [3, 4]
    result = _cohort(["--maf", no_build, "--build", "GRCh38"], tmp_path / "o2")
    assert result.exit_code == 2 and "in GRCh38 (length 46,709,983)" in result.stderr


def test_header_only_maf_makes_variant_rules_not_evaluable_not_unaltered(tmp_path):
    # on main: S1-S3 (profiled by the WXS matrix) were "unaltered" for every variant rule, silently
    out = tmp_path / "out"
    result = _cohort(["--maf", fixture("maf_header_only.maf"), "--gene-panel-matrix",
                      fixture("gene_panel_matrix_three_wxs_samples.txt")], out)
    assert result.exit_code == 0, result.output
    warning = "has no usable variant rows (0 read, 0 rejected): no variant data"
    assert warning in result.stderr
    assert any(warning in w for w in json.loads((out / "cohort.json").read_text())["warnings"])
    counts = {r["rule_id"]: r for r in json.loads((out / "cohort.json").read_text())
              ["counts"]["rules"]}
    for rule in ("KRAS_MUT", "EGFR_MUT", "AKT1_E17K"):
        assert (counts[rule]["altered"], counts[rule]["not_detected"],
                counts[rule]["not_evaluable"]) == (0, 0, 3), rule


# --- gene panels: lists typed into one cell, symbols in the wrong case, several files -------------

PANEL_MATRIX = fixture("gene_panel_matrix_panels_a_and_b.txt")


def test_gene_panel_cell_holding_a_semicolon_list_names_the_genes_and_the_separator(tmp_path):
    # on main 'KRAS;EGFR' was one unknown gene: KRAS and EGFR silently not profiled
    from hpdgenomics.errors import InputError
    from hpdgenomics.io.gene_panel import read_gene_panels

    with pytest.raises(InputError) as caught:
        read_gene_panels(fixture("gene_panel_kras_semicolon_egfr.txt"))
    assert ("gene panel 'PANEL_A': line 3: 'KRAS;EGFR' is not one gene symbol but the genes "
            "KRAS, EGFR separated by ';'; separate genes with tabs after 'gene_list:'") in \
        str(caught.value)
    with pytest.raises(InputError) as caught:
        read_gene_panels(fixture("gene_panels_semicolons_in_gene_cell.tsv"))
    assert ("line 2: 'KRAS;EGFR;AKT1' is not one gene symbol but the genes KRAS, EGFR, AKT1 "
            "separated by ';'; separate genes with commas (or give one row per gene)") in \
        str(caught.value)
    result = _cohort(["--maf", UPPER_MAF, "--gene-panel-matrix", PANEL_MATRIX, "--gene-panel",
                      fixture("gene_panel_kras_semicolon_egfr.txt"), "--gene-panel",
                      fixture("gene_panels/panel_b.txt")], tmp_path / "out")
    assert result.exit_code == 2
    [line] = _error_lines(result.stderr)
    assert "gene_panel_kras_semicolon_egfr.txt" in line and "'KRAS;EGFR'" in line


def test_gene_panel_symbol_of_a_screened_gene_in_the_wrong_case_is_refused(tmp_path):
    result = _cohort(["--maf", UPPER_MAF, "--gene-panel-matrix", PANEL_MATRIX, "--gene-panel",
                      fixture("gene_panel_lower_case_kras.txt"),
                      fixture("gene_panels/panel_b.txt")],
                     tmp_path / "out")
    assert result.exit_code == 2
    [line] = _error_lines(result.stderr)
    assert "panel PANEL_A (" in line and "gene_panel_lower_case_kras.txt) lists 'kras', which " \
                                         "is KRAS but for letter case" in line
    assert "the screened genes are AKT1, " in line


def test_readme_form_several_panel_files_after_one_gene_panel_option(tmp_path):
    # README: --gene-panel gene_panels/*.txt; on main the second file was an "unexpected extra
    # argument" (exit 2)
    import glob

    panels = sorted(glob.glob(str(FIXTURES / "gene_panels" / "*.txt")))
    assert len(panels) == 2
    out = tmp_path / "out"
    result = _cohort(["--maf", UPPER_MAF, "--gene-panel-matrix", PANEL_MATRIX,
                      "--gene-panel", *panels, "--clinical",
                      fixture("clinical_lower_case_sample_ids.tsv")], out)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "cohort.json").read_text())
    assert sorted(i["path"] for i in data["inputs"] if i["kind"] == "gene_panel") == \
        sorted([str(PANEL_MATRIX), *panels])
    egfr = _association(out, "EGFR_MUT")          # PANEL_B lacks EGFR: PT-02, PT-04
    assert (egfr["n_altered"], egfr["n_unaltered"], egfr["n_not_evaluable"]) == ("0", "2", "2")
    kras = _association(out, "KRAS_MUT")
    assert (kras["n_altered"], kras["n_unaltered"], kras["n_not_evaluable"]) == ("2", "2", "0")
    # the option's '=' form and a later option end the list
    result = _cohort(["--gene-panel=" + panels[0], panels[1], "--maf", UPPER_MAF,
                      "--gene-panel-matrix", PANEL_MATRIX], tmp_path / "out2")
    assert result.exit_code == 0, result.output


def test_binary_clinical_maf_and_panel_files_are_exit_2_naming_the_file(tmp_path):
    binary = tmp_path / "export.xlsx"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8)
    for args, what in ((["--maf", binary], "MAF"),
                       (["--maf", UPPER_MAF, "--clinical", binary], "clinical table"),
                       (["--maf", UPPER_MAF, "--gene-panel-matrix", binary], "gene-panel matrix"),
                       (["--maf", UPPER_MAF, "--gene-panel-matrix", PANEL_MATRIX,
                         "--gene-panel", binary], "gene panel file"),
                       (["--manifest", binary], "manifest")):
        result = _cohort(args, tmp_path / "out")
        assert result.exit_code == 2, (what, result.stderr)
        [line] = _error_lines(result.stderr)
        assert f"export.xlsx: {what} is not a text table: binary content" in line, line


def test_non_finite_covariate_and_oversized_maf_numbers_are_input_errors(tmp_path):
    # on main: exit 1 (ValueError in the model; int64 overflow in the MAF reader)
    covariate = tmp_path / "clinical_age_inf.tsv"
    covariate.write_text("PATIENT_ID\tTTF_MONTHS\tTTF_STATUS\tAGE\nPT-01\t1\t1\tinf\n"
                         "PT-02\t3\t1\t50\nPT-03\t5\t0\t60\nPT-04\t1\t1\t70\n")
    result = _cohort(["--maf", UPPER_MAF, "--clinical", covariate, "--covariate", "AGE"],
                     tmp_path / "out")
    assert result.exit_code == 2
    assert "clinical_age_inf.tsv line 2, column AGE: 'inf': not a finite number" in result.stderr
    huge = tmp_path / "maf_huge_numbers.maf"
    huge.write_text(UPPER_MAF.read_text().splitlines()[0] + "\tt_depth\tExon_Number\n"
                    "KRAS\tGRCh37\t12\t99999999999999999999\t99999999999999999999\t"
                    "Missense_Mutation\tC\tC\tA\tS1\tp.G12C\t999999999999999999999\t"
                    "99999999999999999999/2\n")
    result = _cohort(["--maf", huge], tmp_path / "out")
    assert result.exit_code == 2
    assert ("line 2: Start_Position '99999999999999999999' is not a whole number of at most 15 "
            "digits") in result.stderr


def test_every_cohort_warning_reaches_stderr_once(tmp_path):
    # a MAF-only cohort with ids matched across letter case: every warning of cohort.json (the
    # join's, the analysis's) is on stderr too, once (issue 9: "in the report and on stderr")
    out = tmp_path / "out"
    result = _cohort(["--maf", UPPER_MAF, "--clinical",
                      fixture("clinical_lower_case_sample_ids.tsv")],
                     out)
    assert result.exit_code == 0, result.output
    warnings = json.loads((out / "cohort.json").read_text())["warnings"]
    assert warnings
    for warning in warnings:
        assert result.stderr.count(warning) == 1, warning
