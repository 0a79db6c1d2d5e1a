"""`hpdgenomics screen` end to end, in process, with the bundled knowledge base."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.knowledge import load_knowledge

FIXTURES = Path(__file__).parent / "fixtures" / "screen"
UNANNOTATED = FIXTURES / "tumour_egfr_kras_unannotated_grch38.vcf"
CNV = FIXTURES / "tumour_mdm2_amp_stk11_deepdel.call.cns"


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)


def report(out: Path, sample: str = "TUMOUR_A") -> dict:
    return json.loads((out / f"{sample}.hpd.json").read_text())


def test_vcf_screen_writes_three_reports_and_keeps_stdout_empty(tmp_path):
    result = run("screen", "--vcf", UNANNOTATED, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "TUMOUR_A.hpd.clinical.tsv", "TUMOUR_A.hpd.html", "TUMOUR_A.hpd.json", "TUMOUR_A.hpd.tsv"]
    data = report(tmp_path)
    kb = load_knowledge()
    assert data["schema_version"] == "1.1"
    assert data["knowledge_base"]["version"] == kb.version
    assert data["knowledge_base"]["sha256"] == kb.sha256
    assert data["sample"] == {"id": "TUMOUR_A", "genome_build": "GRCh38",
                              "genome_build_source": data["sample"]["genome_build_source"]}
    found = {(a["rule_id"], a["protein_change"]) for a in data["alterations"]}
    # AKT1 E17K is in the file but FILTER=LowQual, so it is counted, not screened.
    assert found == {("EGFR_MUT", "p.L858R"), ("KRAS_MUT", "p.G12C")}
    assert "research use only" in data["disclaimer"].lower()


def test_every_allele_is_accounted_for(tmp_path):
    run("screen", "--vcf", UNANNOTATED, "-o", tmp_path)
    records = report(tmp_path)["inputs"][0]["records"]
    assert records["alleles_read"] == 4
    assert records["filtered"] == 1 and records["off_panel"] == 1
    assert records["alleles_read"] == sum(records[k] for k in
                                          ("filtered", "off_panel", "rejected", "off_assay",
                                           "screened"))
    assert records["screened"] == records["matched"] + records["unmatched"]


def test_include_filtered_screens_the_filtered_akt1_e17k(tmp_path):
    run("screen", "--vcf", UNANNOTATED, "--include-filtered", "-o", tmp_path)
    data = report(tmp_path)
    [akt1] = [a for a in data["alterations"] if a["rule_id"] == "AKT1_E17K"]
    assert akt1["protein_change"] == "p.E17K" and akt1["filter"] == "LowQual"
    assert akt1["vaf"] == pytest.approx(0.10)


def test_gene_statuses_keep_not_evaluable_apart_from_not_detected(tmp_path):
    run("screen", "--vcf", UNANNOTATED, "-o", tmp_path)
    status = {g["gene"]: g for g in report(tmp_path)["genes"]}
    assert status["EGFR"]["variant_status"] == "altered"
    assert status["EGFR"]["copy_number_status"] == "not_evaluable"
    assert status["AKT1"]["status"] == "not_detected"            # variant-only rule, screened
    assert status["MDM2"]["status"] == "not_evaluable"           # copy-number rule, no CN input
    assert "no copy-number input" in status["MDM2"]["reason"]
    assert set(status) == set(load_knowledge().screened_genes())


def test_genes_option_marks_unassayed_genes_not_evaluable(tmp_path):
    run("screen", "--vcf", UNANNOTATED, "--genes", "KRAS,AKT1", "-o", tmp_path)
    data = report(tmp_path)
    assert {a["rule_id"] for a in data["alterations"]} == {"KRAS_MUT"}
    egfr = next(g for g in data["genes"] if g["gene"] == "EGFR")
    assert egfr["variant_status"] == "not_evaluable" and "not listed in --genes" in egfr["reason"]
    assert data["inputs"][0]["records"]["off_assay"] == 1


def test_panel_bed_coverage(tmp_path):
    bed = tmp_path / "assay.bed"
    # KRAS exon 2 only (GRCh38, 0-based half-open), covering codon 12.
    bed.write_text("chr12\t25245270\t25245400\tKRAS_ex2\n")
    run("screen", "--vcf", UNANNOTATED, "--panel", bed, "-o", tmp_path / "out")
    data = report(tmp_path / "out")
    kras = next(g for g in data["genes"] if g["gene"] == "KRAS")
    assert kras["status"] == "altered" and "%" in kras["assay_coverage"]
    assert any("KRAS: only" in w for w in data["warnings"])
    assert data["inputs"][-1]["kind"] == "panel_bed"


def test_vcf_with_copy_number_flags_amplification_deletion_and_co_occurrence(tmp_path):
    result = run("screen", "--vcf", UNANNOTATED, "--cnv", CNV, "-o", tmp_path)
    assert result.exit_code == 0
    data = report(tmp_path)
    rules = {a["rule_id"] for a in data["alterations"]}
    assert {"MDM2_AMP", "STK11_LOSS", "KRAS_STK11_CO", "KRAS_MUT", "EGFR_MUT"} <= rules
    assert data["caution"]["level"] == "high"
    mdm2 = next(a for a in data["alterations"] if a["rule_id"] == "MDM2_AMP")
    assert mdm2["copy_number"]["call"] == "amplification"
    assert mdm2["copy_number"]["copy_number"] >= 6
    assert "copy_number" in data["thresholds"]
    assert data["thresholds"]["copy_number"]["amplification"]["min_copies"] == 6.0


def test_tsv_has_one_row_per_alteration(tmp_path):
    run("screen", "--vcf", UNANNOTATED, "--cnv", CNV, "-o", tmp_path)
    with open(tmp_path / "TUMOUR_A.hpd.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == len(report(tmp_path)["alterations"])
    assert {r["rule_id"] for r in rows} >= {"MDM2_AMP", "KRAS_MUT"}


def test_html_escapes_values_from_the_input(tmp_path):
    result = run("screen", "--vcf", FIXTURES / "tumour_sample_name_with_html.vcf",
                 "--sample", "<b>T&1</b>", "-o", tmp_path)
    assert result.exit_code == 0
    [html] = list(tmp_path.glob("*.hpd.html"))
    text = html.read_text()
    assert "<b>T&1</b>" not in text
    assert "&lt;b&gt;T&amp;1&lt;/b&gt;" in text
    assert html.name == "b_T_1_b.hpd.html"


def test_knowledge_extension_changes_the_stamped_hash(tmp_path):
    extension = Path(__file__).parent / "fixtures" / "knowledge" / "valid_extension.yaml"
    run("screen", "--vcf", UNANNOTATED, "-o", tmp_path / "a")
    run("screen", "--vcf", UNANNOTATED, "--knowledge", extension, "-o", tmp_path / "b")
    assert report(tmp_path / "a")["knowledge_base"]["sha256"] != \
        report(tmp_path / "b")["knowledge_base"]["sha256"]


VCF_FIXTURES = Path(__file__).parent / "fixtures" / "vcf"


@pytest.mark.parametrize("args, expected", [
    (["--vcf", FIXTURES / "empty.vcf"], "empty.vcf"),
    (["--vcf", VCF_FIXTURES / "truncated_bgzip.vcf.gz"], "truncated_bgzip.vcf.gz"),
    (["--vcf", VCF_FIXTURES / "headerless_records.vcf"], "headerless_records.vcf"),
    (["--vcf", VCF_FIXTURES / "broken_record_position.vcf"], "record"),
    (["--vcf", VCF_FIXTURES / "multi_sample_without_tumour_header.vcf"], "--sample"),
    (["--vcf", VCF_FIXTURES / "build_mismatch_grch37_contigs.vcf", "--build", "GRCh38"], "GRCh37"),
    (["--vcf", VCF_FIXTURES / "no_build_information.vcf"], "--build"),
    (["--vcf", UNANNOTATED, "--build", "GRCh37"], "GRCh38"),
    (["--vcf", UNANNOTATED, "--sample", "NOPE"], "NOPE"),
    (["--cnv", CNV], "--build"),
])
def test_bad_input_gives_one_line_exit_2_and_no_report(tmp_path, args, expected):
    result = CliRunner().invoke(cli, ["screen", *map(str, args), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hpdgenomics: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_debug_shows_the_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["screen", "--vcf", str(FIXTURES / "empty.vcf"),
                                      "-o", str(tmp_path), "--debug"])
    assert result.exit_code == 2          # --debug adds the traceback, the exit code stays
    assert "Traceback" in result.stderr and "InputError" in result.stderr


def test_version_and_help():
    assert run("--version").output.startswith("hpdgenomics, version ")
    help_text = run("--help").output
    for name in ("screen", "knowledge", "hpd-classify"):
        assert name in help_text


def test_knowledge_show_json_lists_every_rule():
    result = run("knowledge", "show", "--format", "json")
    data = json.loads(result.stdout)
    ids = {r["id"] for r in data["rules"]}
    assert {"MDM2_AMP", "EGFR_MUT", "AKT1_E17K", "KRAS_STK11_CO", "DNMT3A_ALT"} <= ids


def test_knowledge_validate_reports_every_problem(tmp_path):
    bad = Path(__file__).parent / "fixtures" / "knowledge" / "variant_criterion_errors.yaml"
    result = CliRunner().invoke(cli, ["knowledge", "validate", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "variant_criterion_errors.yaml" in result.stderr


def test_grch37_annotation_without_the_mane_transcript_uses_the_alternate(tmp_path):
    # AKT1's MANE transcript (ENST00000649815) does not exist in GRCh37 annotations; the example
    # is annotated on the MSK-IMPACT transcript ENST00000407796, which the knowledge base accepts.
    example = Path(__file__).parents[1] / "example_vcfs" / "snpeff_eff_grch37.vcf"
    run("screen", "--vcf", example, "--sample-id", "eff", "-o", tmp_path)
    [akt1] = [a for a in report(tmp_path, "eff")["alterations"] if a["gene"] == "AKT1"]
    assert akt1["transcript"] == "ENST00000407796" and akt1["protein_change"] == "p.E17K"
    assert akt1["transcript_choice"].startswith("alternate transcript from the knowledge base")


def test_json_report_matches_the_documented_schema(tmp_path):
    import re

    run("screen", "--vcf", UNANNOTATED, "-o", tmp_path)
    data = report(tmp_path)
    doc = (Path(__file__).parents[1] / "docs" / "report-schema.md").read_text()

    def first_cells(section: str) -> set[str]:
        table = doc.split(f"### {section}\n", 1)[1].split("\n### ", 1)[0]
        return {name for cell in re.findall(r"^\| (`[^|]+)\|", table, re.M)
                for name in re.findall(r"`([^`]+)`", cell)}

    assert set(data) == first_cells("Top level")
    alteration_fields = first_cells("`alterations[]`")
    for field in data["alterations"][0]:
        assert field in alteration_fields, field


TWO_SAMPLE_MATRIX = (Path(__file__).parent / "fixtures" / "cnv_caller_dialects"
                     / "cbioportal_data_cna_wide_na_two_samples.txt")


def test_cnv_sample_names_the_copy_number_sample_apart_from_the_vcf_sample(tmp_path):
    # the VCF's tumour is TUMOUR_A; the matrix names its samples TCGA-XX-0001-01 (MDM2 = 2,
    # amplified) and TCGA-XX-0002-01 (MDM2 = 1, gain)
    without = run("screen", "--vcf", UNANNOTATED, "--cnv", TWO_SAMPLE_MATRIX, "-o", tmp_path / "a")
    assert without.exit_code == 2 and "multi-sample gene matrix" in without.output
    for cnv_sample, mdm2_call in (("TCGA-XX-0001-01", "amplification"),
                                  ("TCGA-XX-0002-01", "gain")):
        out = tmp_path / cnv_sample
        result = run("screen", "--vcf", UNANNOTATED, "--sample", "TUMOUR_A", "--cnv",
                     TWO_SAMPLE_MATRIX, "--cnv-sample", cnv_sample, "-o", out)
        assert result.exit_code == 0, result.output
        data = report(out)
        vcf_input, cn_input = data["inputs"][0], data["inputs"][1]
        assert vcf_input["details"]["sample"] == "TUMOUR_A"
        assert cn_input["details"]["sample"] == cnv_sample
        mdm2 = next(g for g in data["genes"] if g["gene"] == "MDM2")
        assert mdm2["copy_number"]["call"] == mdm2_call
        assert ("MDM2_AMP" in {a["rule_id"] for a in data["alterations"]}) == \
            (mdm2_call == "amplification")
