"""The per-patient report as a tumour board reads it: HTML content, JSON additions, TSV view.

Reports are produced in process from the bundled examples (real files, real knowledge base); the
assertions are on what a reader must be able to find, not on layout.
"""
from __future__ import annotations

import csv
import html as html_lib
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.report.model import copy_number_threshold
from hpdgenomics.report.render import (
    TSV_COLUMNS,
    doi_url,
    not_evaluable_causes,
    pubmed_url,
    render_html,
)
from hpdgenomics.screen.engine import ScreenInputs, screen_sample

ROOT = Path(__file__).resolve().parents[1]
S01_VCF = ROOT / "examples" / "cohort" / "vcf" / "S01.vcf"
S01_CNV = ROOT / "examples" / "cohort" / "cnv" / "S01.call.cns"
S04_VCF = ROOT / "examples" / "cohort" / "vcf" / "S04.vcf"
S04_CNV = ROOT / "examples" / "cohort" / "cnv" / "S04.call.cns"
KRAS_STK11 = ROOT / "example_vcfs" / "kras_stk11_grch37.vcf"
NEGATIVE = ROOT / "example_vcfs" / "negative_grch38.vcf"
UNDETERMINED = (ROOT / "tests" / "fixtures" / "vcf_caller_dialects"
                / "vep_csq_header_fields_shifted.vcf")


def screen(tmp_path: Path, *args: object) -> dict[str, object]:
    """Run `hpdgenomics screen`; return the HTML text, the JSON and the TSV rows."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["screen", "-q", *map(str, args), "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [html] = out.glob("*.hpd.html")
    [data] = out.glob("*.hpd.json")
    [tsv] = out.glob("*.hpd.tsv")
    with open(tsv, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        rows = list(reader)
        header = reader.fieldnames
    return {"html": html.read_text(encoding="utf-8"),
            "json": json.loads(data.read_text(encoding="utf-8")), "tsv": rows, "header": header}


def section(html: str, element_id: str) -> str:
    """The markup of the element with this id (up to its closing tag of the same name)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"', html)
    assert match, f"no element with id {element_id}"
    end = html.index(f"</{match.group(1)}>", match.end())
    return html[match.start():end]


def text(markup: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)))


# --- the summary comes first and says what was and was not looked at ---------------------------

def test_summary_precedes_findings_and_names_what_was_not_evaluable_and_why(tmp_path):
    report = screen(tmp_path, "--vcf", UNDETERMINED)
    html, data = report["html"], report["json"]
    assert html.index('id="caution-summary"') < html.index("<h2>Findings")
    summary = text(section(html, "caution-summary"))
    assert "SCREEN INCOMPLETE" in summary
    for rule_id in data["caution"]["rules_not_evaluable"]:
        assert rule_id in summary
    # causes, not only rule ids: missing copy-number input and the variant that needs annotation
    assert "no copy-number input" in summary
    assert "variants of STK11" in summary and "annotate the VCF" in summary
    assert "c.109C>T" in summary
    assert "KRAS p.G12C" in summary            # what was found, in the same box
    assert "not a contraindication" in summary


def test_negative_incomplete_screen_is_not_styled_as_all_clear(tmp_path):
    html = screen(tmp_path, "--vcf", NEGATIVE)["html"]
    opening = re.search(r'<section id="caution-summary" class="([^"]+)"', html).group(1)
    assert "caution-incomplete" in opening.split()
    assert "among the evaluable rules" in text(section(html, "caution-summary"))


def test_complete_screen_says_every_rule_was_evaluated(tmp_path):
    report = screen(tmp_path, "--vcf", S01_VCF, "--cnv", S01_CNV)
    summary = text(section(report["html"], "caution-summary"))
    assert report["json"]["caution"]["complete"] is True
    assert f"all {len(report['json']['rules'])} rules evaluated" in summary
    assert "SCREEN INCOMPLETE" not in summary


# --- each finding: CN with its threshold, citations with links, meaning -------------------------

def test_copy_number_finding_shows_cn_segment_caller_and_threshold(tmp_path):
    report = screen(tmp_path, "--vcf", S01_VCF, "--cnv", S01_CNV)
    [mdm2] = [a for a in report["json"]["alterations"] if a["rule_id"] == "MDM2_AMP"]
    assert mdm2["copy_number_threshold"] == {
        "call": "amplification", "gene_override": False,
        "values": {"min_copies": 6.0, "min_ploidy_ratio": 2.0, "focal_max_length": 10_000_000},
        "rule": "CN >= 6 and >= 2 x ploidy, on an event <= 10 Mb"}
    finding = text(section(report["html"], "finding-1"))
    assert "MDM2 amplification, CN 10.00" in finding
    assert "Threshold for amplification: CN >= 6 and >= 2 x ploidy" in finding
    assert mdm2["copy_number"]["segment"] in finding
    assert mdm2["copy_number"]["reason"] in finding          # how this gene met the threshold
    assert "CNVkit" in finding and "2.32" in finding          # caller and log2


def test_finding_lists_neutral_citations_with_doi_and_pubmed_links(tmp_path):
    html = screen(tmp_path, "--vcf", KRAS_STK11)["html"]
    finding = re.compile(r'<section class="alteration[^"]*" id="finding-\d+">\s*<h3>(.*?)</h3>'
                         r".*?</section>", flags=re.DOTALL)
    findings = {text(m.group(1)).strip(): m.group(0) for m in finding.finditer(html)}
    kras = next(markup for title, markup in findings.items() if title.startswith("low KRAS p.G12C"))
    neutral = kras[kras.index("Neutral or contrary evidence"):]
    assert "Neutral or contrary evidence (1)" in neutral
    assert '<a href="https://doi.org/10.1186/s12885-020-07206-4">' in neutral
    mdm2_html = screen(tmp_path / "s01", "--vcf", S01_VCF, "--cnv", S01_CNV)["html"]
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/28351930/">28351930</a>' in mdm2_html


def test_every_finding_says_it_is_not_a_contraindication(tmp_path):
    report = screen(tmp_path, "--vcf", KRAS_STK11)
    for index, _ in enumerate(report["json"]["alterations"], start=1):
        finding = text(section(report["html"], f"finding-{index}"))
        assert "What it does not mean:" in finding
        assert "contraindication" in finding


def test_co_occurrence_finding_names_both_components(tmp_path):
    report = screen(tmp_path, "--vcf", S04_VCF, "--cnv", S04_CNV)
    co = next(i for i, a in enumerate(report["json"]["alterations"], start=1)
              if a["evidence_type"] == "co_occurrence")
    markup = section(report["html"], f"finding-{co}")
    heading = re.search(r"<h3>(.*?)</h3>", markup, flags=re.DOTALL).group(1)
    assert "KRAS p.G12C + STK11 deep deletion" in text(heading)


# --- gene status: readable copy number ----------------------------------------------------------

def test_gene_status_shows_copy_number_call_and_value_not_raw_records(tmp_path):
    html = screen(tmp_path, "--vcf", S04_VCF, "--cnv", S04_CNV)["html"]
    gene_table = html[html.index("<h2>Gene status</h2>"):html.index("<h2>Gene-level copy number")]
    stk11_row = next(row for row in gene_table.split("<tr>") if row.startswith("<td>STK11</td>"))
    assert "deep deletion, CN 0.00" in text(stk11_row)
    assert "{" not in text(gene_table) and "&#39;" not in gene_table


# --- escaping, TSV/JSON consistency, print structure --------------------------------------------

def test_values_from_the_input_and_the_knowledge_base_are_escaped():
    report = screen_sample(ScreenInputs(vcf=KRAS_STK11, sample_id="<b>x</b>"))
    first = report.alterations[0]
    hostile = {"reference": "<img src=x onerror=alert(1)>", "summary": "a & b", "pmid": "1 OR 1",
               "doi": "javascript:alert(1)", "verified": False}
    report.alterations[0] = replace(first, neutral_or_contrary=[hostile])
    html = render_html(report)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "javascript:" not in html.replace("doi:javascript:alert(1)", "")
    assert 'href="javascript' not in html and "pubmed.ncbi.nlm.nih.gov/1 OR 1" not in html


def test_tsv_is_one_row_per_alteration_consistent_with_the_json(tmp_path):
    report = screen(tmp_path, "--vcf", S04_VCF, "--cnv", S04_CNV)
    alterations = report["json"]["alterations"]
    assert report["header"] == TSV_COLUMNS
    assert [row["rule_id"] for row in report["tsv"]] == [a["rule_id"] for a in alterations]
    stk11 = next(row for row in report["tsv"] if row["rule_id"] == "STK11_LOSS")
    assert stk11["copy_number_call"] == "deep_deletion"
    assert float(stk11["copy_number"]) == 0.0 and float(stk11["log2"]) == -5.0
    assert stk11["copy_number_threshold"] == "minimum CN over the gene < 0.5"
    assert "Krishnamurthy" in stk11["neutral_or_contrary_references"]
    co = next(row for row in report["tsv"] if row["rule_id"] == "KRAS_STK11_CO")
    assert co["components"] == "; ".join(alterations[0]["components"])


def test_every_header_row_is_a_thead_so_print_repeats_it(tmp_path):
    html = screen(tmp_path, "--vcf", S04_VCF, "--cnv", S04_CNV)["html"]
    tables = re.findall(r"<table[^>]*>(.*?)</table>", html, flags=re.DOTALL)
    assert tables
    for table in tables:
        if "<th>" in table.split("</tr>")[0] and "<td" not in table.split("</tr>")[0]:
            assert table.lstrip().startswith("<thead>"), table[:80]


def test_report_footer_carries_versions_hashes_and_research_use(tmp_path):
    report = screen(tmp_path, "--vcf", S01_VCF, "--cnv", S01_CNV)
    html, data = report["html"], report["json"]
    assert data["knowledge_base"]["sha256"] in html
    for item in data["inputs"]:
        assert item["sha256"] in html
    assert html.count(data["disclaimer"]) == 2             # after the summary and at the end
    assert "Research use only" in html[:html.index('id="caution-summary"')]


# --- helpers ------------------------------------------------------------------------------------

def test_gene_override_threshold_is_the_one_reported():
    thresholds = {"copy_number": {"amplification": {"min_copies": 6.0, "min_ploidy_ratio": 2.0},
                                  "focal_max_length": 10_000_000,
                                  "gene_overrides": {"MET": {"amplification": {"min_copies": 5.0}}},
                                  "rules": {"amplification": "length-weighted CN >= 6 ..."}}}
    met = copy_number_threshold(thresholds, "MET", {"call": "amplification", "basis": "absolute"})
    assert met["gene_override"] is True and met["values"]["min_copies"] == 5.0
    assert met["rule"].startswith("CN >= 5 ")
    egfr = copy_number_threshold(thresholds, "EGFR", {"call": "amplification", "basis": "x"})
    assert egfr["gene_override"] is False and egfr["rule"].startswith("CN >= 6 ")
    assert copy_number_threshold(thresholds, "MET", {"call": "neutral"}) is None
    discrete = copy_number_threshold(
        {"copy_number": {"rules": {"discrete_inputs": "cBioPortal scale"}}}, "MDM2",
        {"call": "amplification", "basis": "discrete value 2 from the file (cBioPortal scale)"})
    assert discrete == {"call": "amplification", "values": {}, "gene_override": False,
                        "rule": "cBioPortal scale"}


def test_not_evaluable_causes_group_by_reason_and_keep_unparsed_rules():
    rules = [
        {"rule_id": "A", "status": "not_evaluable",
         "reason": "not evaluable: MDM2 copy number (no copy-number input)"},
        {"rule_id": "B", "status": "not_evaluable",
         "reason": "not evaluable: STK11 variants (coding variant of undetermined protein effect: "
                   "STK11 c.109C>T (19:1207022 C>T); annotate the VCF to screen it); STK11 copy "
                   "number (no copy-number input). Assessed without a finding: STK11 x"},
        {"rule_id": "C", "status": "not_evaluable", "reason": "components not evaluable: B"},
        {"rule_id": "D", "status": "not_detected", "reason": "assessed"},
    ]
    grouped = not_evaluable_causes(rules)
    by_why = {(c["why"], c["aspect"]): c for c in grouped["causes"]}
    assert by_why[("no copy-number input", "copy number")]["genes"] == ["MDM2", "STK11"]
    assert by_why[("no copy-number input", "copy number")]["rules"] == ["A", "B"]
    undetermined = [c for c in grouped["causes"] if c["aspect"] == "variants"]
    assert len(undetermined) == 1 and "(19:1207022 C>T); annotate" in undetermined[0]["why"]
    assert [r["rule_id"] for r in grouped["other"]] == ["C"]


@pytest.mark.parametrize("value, url", [
    ("28351930", "https://pubmed.ncbi.nlm.nih.gov/28351930/"),
    (" 28351930 ", "https://pubmed.ncbi.nlm.nih.gov/28351930/"),
    ("PMC123", None), ("1 OR 1", None), (None, None),
])
def test_pubmed_links_only_for_numeric_pmids(value, url):
    assert pubmed_url(value) == url


@pytest.mark.parametrize("value, url", [
    ("10.1186/s12885-020-07206-4", "https://doi.org/10.1186/s12885-020-07206-4"),
    ("doi:10.1158/1078-0432.CCR-16-2575", "https://doi.org/10.1158/1078-0432.CCR-16-2575"),
    ("https://doi.org/10.1000/xyz", "https://doi.org/10.1000/xyz"),
    ("10.1000/a\"b", "https://doi.org/10.1000/a%22b"),
    ("javascript:alert(1)", None), ("", None),
])
def test_doi_links_only_for_dois(value, url):
    assert doi_url(value) == url
