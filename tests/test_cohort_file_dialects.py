"""``hpdgenomics cohort`` on the file dialects users really hold (GDC, GENIE, cBioPortal, vcf2maf,
maftools, Oncotator MAFs; cBioPortal, GISTIC and log2 copy-number matrices; cBioPortal, GDC and
spreadsheet clinical tables).

Every count is checked against an independent computation with pandas on the fixture files
themselves (which variant classes count for a rule is written out here from the knowledge base's
criteria, not taken from the code). Fixtures: tests/fixtures/cohort_file_dialects/, one edge case
each; coordinates are the panel genes' true positions (annotations/genes_GRCh3*.tsv, hotspots.tsv).
"""
from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from cohort_fixtures import GENIE_COHORT_ARGS
from scipy.stats import fisher_exact

from hpdgenomics.cli import cli
from hpdgenomics.cohort.join import join_clinical
from hpdgenomics.errors import ClinicalDataError, InputError
from hpdgenomics.io.clinical import read_clinical
from hpdgenomics.io.maf import read_maf

FIXTURES = Path(__file__).parent / "fixtures" / "cohort_file_dialects"
DAYS_PER_MONTH = 30.4375

# MAF classes that change the protein (the knowledge base's "non-synonymous" consequences) and the
# truncating subset that STK11_LOSS needs; Splice_Region, Silent, IGR, RNA ... count for nothing
NON_SYNONYMOUS = {"Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins",
                  "In_Frame_Del", "In_Frame_Ins", "Splice_Site", "Translation_Start_Site",
                  "Nonstop_Mutation"}
TRUNCATING = {"Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site",
              "Translation_Start_Site"}

GDC_MAF = FIXTURES / "maf_gdc_masked_grch38_aliquot_barcodes.maf"
GDC_CLINICAL = FIXTURES / "clinical_gdc_one_row_per_treatment.tsv"
GDC_ARGS = ["--id-column", "case_submitter_id", "--time-column", "days_to_last_follow_up",
            "--status-column", "vital_status", "--time-unit", "days"]


def _run(args: list) -> object:
    return CliRunner().invoke(cli, ["cohort", *map(str, args)], catch_exceptions=False)


def _rows(path: Path) -> dict[str, dict]:
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    # the default exposure only (every criterion, strong-grade matches), one row per id
    rows = [r for r in rows if (r.get("component", "all"), r.get("grade", "strong")) ==
            ("all", "strong")]
    key = "rule_id" if "rule_id" in rows[0] and "sample_id" not in rows[0] else "sample_id"
    return {row[key]: row for row in rows}


def _all_rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _maf(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False)


def _altered(maf: pd.DataFrame, gene: str, classes: set[str]) -> set[str]:
    hits = maf[(maf["Hugo_Symbol"] == gene) & maf["Variant_Classification"].isin(classes)]
    return set(hits["Tumor_Sample_Barcode"])


def _check_association(row: dict, altered: set[str], evaluable: set[str],
                       early_failure: dict[str, bool | None]) -> None:
    """``row`` (association.tsv) against counts made here over the analysed patients' samples
    (``early_failure``: kept sample -> True/False/None = not evaluable)."""
    analysed = set(early_failure)
    exposed = analysed & evaluable & altered
    unexposed = (analysed & evaluable) - altered
    assert (int(row["n_altered"]), int(row["n_unaltered"]), int(row["n_not_evaluable"])) == \
        (len(exposed), len(unexposed), len(analysed - evaluable))
    table = [[sum(early_failure[s] is True for s in group),
              sum(early_failure[s] is False for s in group)]
             for group in (exposed, unexposed)]
    assert [[int(row["early_failure_altered"]),
             int(row["early_failure_evaluable_altered"]) - int(row["early_failure_altered"])],
            [int(row["early_failure_unaltered"]),
             int(row["early_failure_evaluable_unaltered"]) - int(row["early_failure_unaltered"])]] \
        == table
    if all(sum(line) for line in table) and row["fisher_p"]:
        assert float(row["fisher_p"]) == pytest.approx(fisher_exact(table)[1], rel=1e-5)


# --- GDC: masked somatic MAF (GRCh38, aliquot barcodes) + GDC clinical.tsv --------------------

def _gdc_early_failure() -> dict[str, bool | None]:
    """Kept sample -> early failure, from the GDC table: one row per case (its rows repeat the
    case per treatment), "'--" missing, TTF in days, event = Dead."""
    clinical = pd.read_csv(GDC_CLINICAL, sep="\t", dtype=str).drop_duplicates("case_submitter_id")
    samples = pd.read_csv(FIXTURES / "clinical_gdc_aliquot_to_case_samples.tsv", sep="\t",
                          dtype=str)
    outcome = {}
    for row in clinical.itertuples():
        sample = samples.loc[samples["PATIENT_ID"] == row.case_submitter_id, "SAMPLE_ID"].iloc[0]
        if row.days_to_last_follow_up == "'--":
            outcome[sample] = None
            continue
        months = float(row.days_to_last_follow_up) / DAYS_PER_MONTH
        died = row.vital_status == "Dead"
        outcome[sample] = True if months < 2 and died else (False if months >= 2 else None)
    return outcome


def test_gdc_masked_maf_and_gdc_clinical_match_an_independent_join(tmp_path):
    out = tmp_path / "out"
    result = _run(["--maf", GDC_MAF, "--clinical", GDC_CLINICAL, *GDC_ARGS,
                   "--clinical-samples", FIXTURES / "clinical_gdc_aliquot_to_case_samples.tsv",
                   "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output

    maf = _maf(GDC_MAF)
    samples = set(pd.read_csv(FIXTURES / "clinical_gdc_aliquot_to_case_samples.tsv", sep="\t")
                  ["SAMPLE_ID"])
    early_failure = _gdc_early_failure()
    association = _rows(out / "association.tsv")
    # no gene-panel matrix: every MAF sample is profiled for every gene; the sample only the
    # samples file names has no genomic data at all, so it is not evaluable (issue 9);
    # the default exposure counts strong-grade matches only
    evaluable = set(maf["Tumor_Sample_Barcode"])
    assert samples - evaluable == {"TCGA-44-2655-01A-01D-A273-08"}
    for rule, altered in {
        "EGFR_MUT": set(maf.loc[maf["HGVSp_Short"] == "p.L858R", "Tumor_Sample_Barcode"]),
        "KRAS_MUT": _altered(maf, "KRAS", NON_SYNONYMOUS),       # G12C; not the Splice_Region row
        "AKT1_E17K": set(maf.loc[maf["HGVSp_Short"] == "p.E17K", "Tumor_Sample_Barcode"]),
        "DNMT3A_ALT": _altered(maf, "DNMT3A", NON_SYNONYMOUS),
    }.items():
        _check_association(association[rule], altered, evaluable, early_failure)
    # the labelled broader exposure adds the supporting-grade Translation_Start_Site EGFR variant
    egfr_any = next(r for r in _all_rows(out / "association.tsv")
                    if (r["rule_id"], r["component"], r["grade"]) == ("EGFR_MUT", "all", "any"))
    _check_association(egfr_any, _altered(maf, "EGFR", NON_SYNONYMOUS), evaluable, early_failure)
    matrix = _rows(out / "matrix.tsv")
    assert matrix["TCGA-05-4250-01A-01D-1105-08"]["KRAS_MUT"] == "0"     # Splice_Region only
    assert matrix["TCGA-44-2655-01A-01D-A273-08"]["EGFR_MUT"] == ""      # no data: not evaluable
    calls = pd.read_csv(out / "calls.tsv", sep="\t", dtype=str)
    assert "Unknown" not in set(calls["gene"]) and "MALAT1" not in set(calls["gene"])
    assert set(calls.loc[calls["rule_id"] == "STK11_LOSS", "sample_id"]) == \
        _altered(maf, "STK11", TRUNCATING)                                # Nonstop_Mutation is not
    issues = (out / "join_report.tsv").read_text()
    assert "3 identifier(s) on several clinical rows with the same outcome" in issues
    assert "TCGA-05-4244 on lines 2, 3" in issues


def test_tcga_aliquot_barcodes_against_patient_barcodes_are_reported_not_guessed(tmp_path):
    out = tmp_path / "out"
    result = _run(["--maf", GDC_MAF, "--clinical", GDC_CLINICAL, *GDC_ARGS, "--no-plots", "-o",
                   out])
    assert result.exit_code == 0, result.output
    issues = (out / "join_report.tsv").read_text()
    assert ("4 sample(s) are TCGA barcodes whose first 12 characters are patient ids of the "
            "clinical table (e.g. TCGA-05-4244-01A-01D-1105-08 -> TCGA-05-4244)") in issues
    assert "--clinical-samples" in issues
    counts = json.loads((out / "cohort.json").read_text())["join_report"]["outcome_counts"]
    assert (counts["samples_analysed"], counts["with_clinical"]) == (4, 0)

    # from Python the participant-prefix mapping can be asked for
    clinical = read_clinical(GDC_CLINICAL, id_col="case_submitter_id",
                             time_col="days_to_last_follow_up", status_col="vital_status",
                             time_unit="days")
    aliquots = sorted(set(_maf(GDC_MAF)["Tumor_Sample_Barcode"]))
    joined, report = join_clinical(aliquots, None, clinical, tcga_barcode_patients=True)
    assert dict(zip(joined["sample_id"], joined["patient_id"], strict=True)) \
        == {a: a[:12] for a in aliquots}
    assert joined["has_clinical"].all()
    assert report.mapping == {"TCGA barcode's participant prefix (asked for)": 4}

    # and from the command line
    asked = tmp_path / "asked"
    result = _run(["--maf", GDC_MAF, "--clinical", GDC_CLINICAL, *GDC_ARGS,
                   "--tcga-barcodes-to-patients", "--no-plots", "-o", asked])
    assert result.exit_code == 0, result.output
    counts = json.loads((asked / "cohort.json").read_text())["join_report"]["outcome_counts"]
    assert (counts["samples_analysed"], counts["with_clinical"]) == (4, 4)


@pytest.mark.parametrize("dialect", ["gzip", "windows_line_endings", "utf8_byte_order_mark"])
def test_gdc_maf_in_other_encodings_gives_the_same_outputs(tmp_path, dialect):
    raw = GDC_MAF.read_bytes()
    variant = tmp_path / "input.maf"
    if dialect == "gzip":
        variant = tmp_path / "input.maf.gz"
        variant.write_bytes(gzip.compress(raw))
    elif dialect == "windows_line_endings":
        variant.write_bytes(raw.replace(b"\n", b"\r\n"))
    else:
        variant.write_bytes(b"\xef\xbb\xbf" + raw)
    outputs = {}
    for name, maf in (("plain", GDC_MAF), (dialect, variant)):
        result = _run(["--maf", maf, "--no-plots", "-o", tmp_path / name])
        assert result.exit_code == 0, result.output
        outputs[name] = [(tmp_path / name / f).read_text() for f in ("calls.tsv", "matrix.tsv")]
    assert outputs["plain"] == outputs[dialect]
    assert "TCGA-38-4625-01A-01D-1265-08\tAKT1_E17K" in outputs["plain"][0].replace(
        "\t\tAKT1_E17K", "\tAKT1_E17K")


def test_maf_and_copy_number_naming_one_tumour_by_two_tcga_aliquots_is_warned(tmp_path):
    out = tmp_path / "out"
    result = _run(["--maf", GDC_MAF, "--cna",
                   FIXTURES / "gistic_all_thresholded_by_genes_aliquot_barcodes.txt",
                   "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    warnings = " ".join(json.loads((out / "cohort.json").read_text())["warnings"])
    assert ("3 tumour sample(s) appear under different TCGA aliquot barcodes in the MAF and in the "
            "copy-number matrix (MAF TCGA-05-4244-01A-01D-1105-08 / copy number "
            "TCGA-05-4244-01A-01D-1105-01") in warnings


# --- AACR GENIE: data_mutations_extended + gene-panel matrix + panel definitions + data_CNA ---

def _genie_profiled(profile: str, gene: str) -> set[str]:
    matrix = pd.read_csv(FIXTURES / "data_gene_panel_genie_matrix.txt", sep="\t", dtype=str,
                         keep_default_na=False)
    panels = {}
    for name in ("data_gene_panel_genie_dfci_without_mdm2.txt",
                 "data_gene_panel_genie_impact468.txt"):
        lines = dict(line.split(":", 1) for line in (FIXTURES / name).read_text().splitlines())
        panels[lines["stable_id"].strip()] = set(lines["gene_list"].split())
    return {row["SAMPLE_ID"] for _, row in matrix.iterrows()
            if row[profile] != "NA" and gene in panels[row[profile]]}


def test_genie_panel_samples_lacking_mdm2_are_not_evaluable_and_counts_match(tmp_path):
    out = tmp_path / "out"
    result = _run([*GENIE_COHORT_ARGS, "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output

    maf = _maf(FIXTURES / "maf_genie_data_mutations_extended_grch37.txt")
    cna = pd.read_csv(FIXTURES / "data_CNA_genie_na_not_profiled.txt", sep="\t",
                      index_col="Hugo_Symbol")
    patients = pd.read_csv(FIXTURES / "data_clinical_patient_genie_ttf.txt", sep="\t",
                           comment="#", dtype=str).set_index("PATIENT_ID")
    samples = pd.read_csv(FIXTURES / "data_clinical_sample_genie.txt", sep="\t", comment="#",
                          dtype=str)
    kept = samples.sort_values("SAMPLE_ID").groupby("PATIENT_ID")["SAMPLE_ID"].first()
    early_failure = {}
    for patient, sample in kept.items():
        months = float(patients.at[patient, "TTF_MONTHS"])
        event = patients.at[patient, "TTF_STATUS"].startswith("1:")
        early_failure[sample] = True if months < 2 and event else (False if months >= 2 else None)

    association = _rows(out / "association.tsv")
    mdm2_values = cna.loc["MDM2"]
    mdm2_evaluable = _genie_profiled("cna", "MDM2") & set(mdm2_values[mdm2_values.notna()].index)
    _check_association(association["MDM2_AMP"], set(mdm2_values[mdm2_values == 2].index),
                       mdm2_evaluable, early_failure)
    _check_association(association["KRAS_MUT"], _altered(maf, "KRAS", NON_SYNONYMOUS),
                       _genie_profiled("mutations", "KRAS"), early_failure)
    _check_association(association["AKT1_E17K"],
                       set(maf.loc[maf["HGVSp_Short"] == "p.E17K", "Tumor_Sample_Barcode"]),
                       _genie_profiled("mutations", "AKT1"), early_failure)
    matrix = _rows(out / "matrix.tsv")
    for sample in ("GENIE-DFCI-000001-1", "GENIE-DFCI-000002-1", "GENIE-DFCI-000003-1"):
        assert matrix[sample]["MDM2_AMP"] == ""          # not on the panel: not "unaltered"
    assert matrix["GENIE-MSK-P-0000002-T01-IM5"]["MDM2_AMP"] == "0"
    # GENIE's -1.5 (deep loss with a caveat) with a frameshift: STK11 lost
    assert matrix["GENIE-MSK-P-0000001-T01-IM3"]["STK11_LOSS"] == "1"


# --- other MAF dialects ----------------------------------------------------------------------

def test_cbioportal_maf_without_hgvsp_short_takes_protein_change(tmp_path):
    path = FIXTURES / "maf_cbioportal_protein_change_without_hgvsp_short.txt"
    table = read_maf(path)        # Start_Codon_SNP (Oncotator class in cBioPortal files) is read
    expected = _maf(path)
    protein = expected["Protein_Change"].where(expected["Protein_Change"] != "",
                                               expected["amino_acid_change"])
    assert list(table.df["protein_change"]) == ["p." + p for p in protein]
    out = tmp_path / "out"
    result = _run(["--maf", path, "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    calls = pd.read_csv(out / "calls.tsv", sep="\t", dtype=str)
    egfr = calls[(calls["rule_id"] == "EGFR_MUT") & (calls["sample_id"] == "P-0001-T01")]
    assert list(egfr["grade"]) == ["strong"]              # L858R, known from Protein_Change
    kras = calls[(calls["rule_id"] == "KRAS_MUT") & (calls["sample_id"] == "P-0002-T01")]
    assert list(kras["grade"]) == ["strong"]              # G12D from amino_acid_change


def test_maftools_minimal_maf_reads_aachange():
    table = read_maf(FIXTURES / "maf_maftools_minimal_aachange.maf")
    assert dict(zip(table.df["sample_id"], table.df["protein_change"], strict=True)) == \
        {"S1": "p.G12C", "S2": "p.T790M"}


def test_oncotator_start_and_stop_codon_classes_are_read(tmp_path):
    path = FIXTURES / "maf_oncotator_start_stop_codon_classes.maf"
    out = tmp_path / "out"
    result = _run(["--maf", path, "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    matrix = _rows(out / "matrix.tsv")
    maf = _maf(path)
    start_codon = _altered(maf, "STK11", {"Start_Codon_SNP", "Start_Codon_Del"})
    assert {s for s, row in matrix.items() if row["STK11_LOSS"] == "1"} == start_codon
    # a lost stop codon is not a truncating variant: no call (and without copy number the
    # deep-deletion criterion leaves the rule not evaluable rather than unaltered)
    assert matrix["TCGA-05-4389-01"]["STK11_LOSS"] == ""
    assert matrix["TCGA-05-4390-01"]["KRAS_MUT"] == "1"


def test_maf_read_counts_written_as_floats_are_whole_numbers():
    table = read_maf(FIXTURES / "maf_genie_data_mutations_extended_grch37.txt")
    akt1 = table.df[table.df["gene"] == "AKT1"].iloc[0]
    assert (akt1["depth"], akt1["alt_depth"]) == (201, 51)


# --- copy-number matrices --------------------------------------------------------------------

@pytest.mark.parametrize("fixture, expected", [
    # duplicated MDM2 rows agree (amplified in P-0001-T01); the P-0004-T01 NA is not profiled
    ("data_cna_entrez_duplicated_symbols.txt",
     {"P-0001-T01": "1", "P-0002-T01": "0", "P-0003-T01": "0", "P-0004-T01": ""}),
    ("gistic_all_thresholded_by_genes_aliquot_barcodes.txt",
     {"TCGA-05-4244-01A-01D-1105-01": "1", "TCGA-05-4249-01A-01D-1105-01": "0",
      "TCGA-05-4250-01A-01D-1105-01": "0"}),
    # log2 3.1 is 17 copies at purity 1 and ploidy 2; NA is not profiled
    ("data_log2_cna_na_not_profiled.txt", {"S1": "1", "S2": "0", "S3": ""}),
    ("data_cna_excel_bom_crlf.txt", {"S1": "1", "S2": "0"}),
])
def test_copy_number_matrix_dialects_give_mdm2_status(tmp_path, fixture, expected):
    out = tmp_path / "out"
    result = _run(["--cna", FIXTURES / fixture, "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    matrix = _rows(out / "matrix.tsv")
    assert {sample: row["MDM2_AMP"] for sample, row in matrix.items()} == expected


def test_conflicting_duplicate_gene_rows_make_the_gene_not_evaluable(tmp_path):
    out = tmp_path / "out"
    result = _run(["--cna", FIXTURES / "data_cna_entrez_duplicated_symbols.txt", "--no-plots",
                   "-o", out])
    assert result.exit_code == 0, result.output
    genes = _rows(out / "matrix_genes.tsv")
    assert genes["P-0001-T01"]["CCND1"] == "1"           # 2 and 2: agree
    assert genes["P-0003-T01"]["CCND1"] == ""            # 2 and 0: cannot tell
    assert genes["P-0001-T01"]["STK11"] == "1"           # -2: deep deletion


# --- clinical dialects -----------------------------------------------------------------------

def test_cbioportal_five_header_lines_and_status_labels():
    clinical = read_clinical(FIXTURES / "clinical_cbioportal_five_header_lines_status_labels.txt",
                             time_col="PFS_MONTHS", status_col="PFS_STATUS")
    assert dict(zip(clinical.df["patient_id"], clinical.df["ttf_event"], strict=True)) == \
        {"P-0001": True, "P-0002": False, "P-0003": True, "P-0004": False}
    os_table = read_clinical(FIXTURES / "clinical_cbioportal_five_header_lines_status_labels.txt",
                             time_col="OS_MONTHS", status_col="OS_STATUS")
    events = dict(zip(os_table.df["patient_id"], os_table.df["ttf_event"], strict=True))
    assert events["P-0001"] == True and events["P-0002"] == False  # noqa: E712 (numpy bools)
    assert pd.isna(events["P-0003"])


def test_cbioportal_maf_cna_and_clinical_end_to_end(tmp_path):
    out = tmp_path / "out"
    result = _run(["--maf", FIXTURES / "maf_cbioportal_protein_change_without_hgvsp_short.txt",
                   "--cna", FIXTURES / "data_cna_entrez_duplicated_symbols.txt",
                   "--clinical",
                   FIXTURES / "clinical_cbioportal_five_header_lines_status_labels.txt",
                   "--clinical-samples", FIXTURES / "data_clinical_sample_cbioportal.txt",
                   "--time-column", "PFS_MONTHS", "--status-column", "PFS_STATUS",
                   "--no-plots", "-o", out])
    assert result.exit_code == 0, result.output
    clinical = pd.read_csv(FIXTURES / "clinical_cbioportal_five_header_lines_status_labels.txt",
                           sep="\t", comment="#", dtype=str)
    early_failure = {}
    for row in clinical.itertuples():
        months, event = float(row.PFS_MONTHS), row.PFS_STATUS.startswith("1:")
        early_failure[row.PATIENT_ID + "-T01"] = True if months < 2 and event else (
            False if months >= 2 else None)
    cna = pd.read_csv(FIXTURES / "data_cna_entrez_duplicated_symbols.txt", sep="\t", dtype=str,
                      keep_default_na=False).drop_duplicates().set_index("Hugo_Symbol")
    mdm2 = cna.loc["MDM2"]
    _check_association(_rows(out / "association.tsv")["MDM2_AMP"],
                       {s for s in early_failure if mdm2[s] == "2"},
                       {s for s in early_failure if mdm2[s] not in ("NA", "")}, early_failure)


def test_excel_semicolon_csv_with_bom_and_decimal_commas_is_read():
    clinical = read_clinical(FIXTURES / "clinical_excel_semicolon_decimal_comma_bom.csv")
    assert dict(zip(clinical.df["patient_id"], clinical.df["ttf_months"], strict=True)) == \
        {"P-0001": 1.5, "P-0002": 12.25, "P-0003": 0.9}
    assert any("decimal comma" in w for w in clinical.warnings)


def test_r_write_csv_quoted_file_is_read():
    clinical = read_clinical(FIXTURES / "clinical_r_write_csv_quoted.csv")
    assert list(clinical.df["patient_id"]) == ["P-0001", "P-0002"]
    assert list(clinical.df["ttf_months"]) == [1.5, 4.0]


@pytest.mark.parametrize("fixture, expected", [
    ("clinical_tab_separated_decimal_comma.tsv",
     ["line 2, column TTF_MONTHS: '1,5'", "decimal comma"]),
    ("clinical_patient_twice_with_different_outcomes.tsv",
     ["lines 2, 4, column PATIENT_ID: patient 'P-0001' appears 2 times with different outcomes",
      "line 2: TTF_MONTHS='1.5', TTF_STATUS='1:PROGRESSED'; line 4: TTF_MONTHS='6.0'",
      "line 5, column TTF_MONTHS: 'soon'", "2 problem(s)"]),
    ("clinical_r_write_csv_row_names.csv", ["empty column name (column 1)", "row.names = FALSE"]),
])
def test_bad_clinical_files_give_one_line_naming_every_problem_and_exit_2(tmp_path, fixture,
                                                                          expected):
    result = _run(["--maf", GDC_MAF, "--clinical", FIXTURES / fixture, "--no-plots",
                   "-o", tmp_path / "out"])
    assert result.exit_code == 2
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert fixture in message
    for text in expected:
        assert text in message
    assert not (tmp_path / "out" / "association.tsv").exists()


def test_gdc_missing_marker_and_repeated_case_rows():
    clinical = read_clinical(GDC_CLINICAL, id_col="case_submitter_id",
                             time_col="days_to_last_follow_up", status_col="vital_status",
                             time_unit="days")
    raw = pd.read_csv(GDC_CLINICAL, sep="\t", dtype=str)
    assert len(clinical.df) == raw["case_submitter_id"].nunique()
    row = clinical.df.set_index("patient_id").loc["TCGA-38-4625"]
    assert pd.isna(row["ttf_months"]) and pd.isna(row["ttf_event"])   # "'--": missing, not an error
    assert pd.isna(clinical.df.set_index("patient_id").loc["TCGA-05-4249", "days_to_death"])
    assert len(clinical.repeated_rows) == 3


def test_repeated_identifier_rows_that_disagree_stay_an_error():
    with pytest.raises(ClinicalDataError) as caught:
        read_clinical(FIXTURES / "clinical_patient_twice_with_different_outcomes.tsv")
    assert "'P-0001' appears 2 times with different outcomes" in str(caught.value)


def test_unknown_maf_class_is_still_refused_with_its_line(tmp_path):
    bad = tmp_path / "bad.maf"
    bad.write_text("Hugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\n"
                   "KRAS\tS1\tMissense_Mutation\nKRAS\tS2\tMissense\n")
    with pytest.raises(InputError) as caught:
        read_maf(bad)
    assert "line 3: Variant_Classification 'Missense' is not a MAF classification" \
        in str(caught.value)
