"""`screen --pdf`: the HTML report laid out for print by WeasyPrint, read back with pdfminer.six.

The PDF's text is taken glyph by glyph in drawing order (pdfminer without layout analysis), so a
table cell's wrapped lines stay together; each glyph's box is checked against the page box, so a
clipped column (text drawn past the paper's edge, invisible but still in the file) fails.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.genome import CHROM_LENGTHS

HERE = Path(__file__).parent
EXAMPLES = HERE.parent / "example_vcfs"
HOTSPOTS = HERE.parent / "annotations" / "hotspots.tsv"
CNV = HERE / "fixtures" / "screen" / "tumour_mdm2_amp_stk11_deepdel.call.cns"
PDF_INSTALL = "pip install 'hpdgenomics[pdf]'"

# points (1/72 in): A4 is 210 x 297 mm, Letter 8.5 x 11 in
PAGE_SIZES = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}


def _weasyprint_missing() -> str | None:
    try:
        import weasyprint  # noqa: F401 - importing is the check (pango must load)
    except (ImportError, OSError) as exc:   # OSError: installed but pango cannot be loaded
        return f"WeasyPrint unusable here ({exc}); install with {PDF_INSTALL}"
    return None


needs_weasyprint = pytest.mark.skipif(_weasyprint_missing() is not None,
                                      reason=_weasyprint_missing() or "")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


class Pdf:
    """Pages of a PDF: size in points, the drawn text (in drawing order) and the glyph boxes."""

    def __init__(self, path: Path):
        pdfminer = pytest.importorskip("pdfminer.high_level",
                                       reason="pdfminer.six (in the test extra) reads the PDF")
        from pdfminer.layout import LTChar

        def glyphs(item):
            if isinstance(item, LTChar):
                yield item
            elif hasattr(item, "__iter__"):
                for child in item:
                    yield from glyphs(child)

        self.pages = []
        for page in pdfminer.extract_pages(str(path), laparams=None):
            chars = list(glyphs(page))
            self.pages.append({"size": (page.width, page.height), "bbox": page.bbox,
                               "text": "".join(c.get_text() for c in chars), "chars": chars})

    @staticmethod
    def squeeze(text: str) -> str:
        """Text without whitespace: a wrapped line drops its space, so compare without any."""
        return re.sub(r"\s+", "", text)

    def page_texts(self) -> list[str]:
        return [self.squeeze(p["text"]) for p in self.pages]

    def text(self) -> str:
        return "".join(self.page_texts())


def screen_pdf(tmp_path: Path, vcf: Path, *options) -> tuple[dict, Pdf, Path]:
    result = run("screen", "--vcf", vcf, "-o", tmp_path, "--pdf", *options)
    assert result.exit_code == 0, (result.output, result.stderr)
    [json_path] = tmp_path.glob("*.hpd.json")
    pdf_path = json_path.with_name(json_path.name.replace(".hpd.json", ".hpd.pdf"))
    assert pdf_path.is_file()
    return json.loads(json_path.read_text()), Pdf(pdf_path), pdf_path


def assert_every_page_is_stamped(report: dict, pdf: Pdf) -> None:
    kb = report["knowledge_base"]
    squeeze = Pdf.squeeze
    total = len(pdf.pages)
    for number, text in enumerate(pdf.page_texts(), start=1):
        assert squeeze(f"Sample {report['sample']['id']}") in text, number
        knowledge_line = f"Knowledge base {kb['name']} {kb['version']} (sha256 {kb['sha256'][:12]})"
        assert squeeze(knowledge_line) in text, number
        assert "Researchuseonly" in text, number
        assert text.endswith(f"Page{number}of{total}"), text[-40:]


def assert_nothing_drawn_off_the_page(pdf: Pdf) -> None:
    for number, page in enumerate(pdf.pages, start=1):
        x0, y0, x1, y1 = page["bbox"]
        outside = [c for c in page["chars"]
                   if c.x0 < x0 - 0.5 or c.x1 > x1 + 0.5 or c.y0 < y0 - 0.5 or c.y1 > y1 + 0.5]
        assert not outside, (number, "".join(c.get_text() for c in outside)[:120])


def assert_page_size(pdf: Pdf, paper: str) -> None:
    for page in pdf.pages:
        assert page["size"] == pytest.approx(PAGE_SIZES[paper], abs=0.5)


# --- the example VCFs ----------------------------------------------------------------------------

@needs_weasyprint
@pytest.mark.parametrize("example, paper", [
    ("vep_grch38.vcf", "a4"),            # AKT1_E17K, KRAS_MUT, EGFR_MUT; moderate
    ("kras_stk11_grch37.vcf", "letter"),  # KRAS_MUT, STK11_LOSS, KRAS_STK11_CO
    ("negative_grch38.vcf", "a4"),        # nothing flagged
])
def test_pdf_holds_the_reports_summary_on_stamped_numbered_pages(tmp_path, example, paper):
    options = () if paper == "a4" else ("--paper", paper)
    report, pdf, pdf_path = screen_pdf(tmp_path, EXAMPLES / example, *options)
    text = pdf.text()
    flagged = sorted({a["rule_id"] for a in report["alterations"]})
    assert bool(flagged) == (example != "negative_grch38.vcf")
    assert Pdf.squeeze(f"Caution level: {report['caution']['level'].upper()}") in text
    for rule_id in flagged:
        assert rule_id in text
    # every flagged finding has its own section with the rule's title, as in the HTML
    for alteration in report["alterations"]:
        assert Pdf.squeeze(f"{alteration['rule_id']}: {alteration['rule_title']}") in text
    assert Pdf.squeeze(report["disclaimer"]) in text
    # the clinical section is there, apart, and says it was not assessed (no --patient)
    assert Pdf.squeeze("Clinical factors (beside, not part of, the genomic findings)") in text
    assert Pdf.squeeze("do not change the genomic caution level; no validated combined score "
                       "exists") in text
    if report["clinical_factors"]["rules"]:
        assert Pdf.squeeze("Clinical factors not assessed: no patient factors were given "
                           "(--patient FILE)") in text
    assert_every_page_is_stamped(report, pdf)
    assert_page_size(pdf, paper)
    assert_nothing_drawn_off_the_page(pdf)
    assert pdf_path.read_bytes().startswith(b"%PDF-")


@needs_weasyprint
def test_pdf_holds_the_clinical_factors_of_a_patient_file(tmp_path):
    patient = HERE / "fixtures" / "patients" / "all_criteria_met.yaml"
    report, pdf, _path = screen_pdf(tmp_path, EXAMPLES / "vep_grch38.vcf", "--patient", patient)
    text = pdf.text()
    for rule in report["clinical_factors"]["rules"]:
        assert rule["rule_id"] in text and rule["status"] == "met"
    assert Pdf.squeeze("6 clinical criteria: 6 met") in text
    # an RMH part with its point (the badge is drawn apart from the text around it)
    assert Pdf.squeeze("albumin < 35 g/L:") in text and Pdf.squeeze("1 point (31 g/L)") in text
    assert Pdf.squeeze("Score: 3 of 3 points") in text
    assert Pdf.squeeze("(not checked against the primary paper)") in text
    assert Pdf.squeeze("pembrolizumab 200 mg q3w") in text
    assert_every_page_is_stamped(report, pdf)
    assert_nothing_drawn_off_the_page(pdf)


@needs_weasyprint
def test_html_json_tsv_and_pdf_are_written_together(tmp_path):
    result = run("screen", "--vcf", EXAMPLES / "vep_grch38.vcf", "-o", tmp_path, "--pdf",
                 "--print-summary")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"PT001_TUMOR.hpd.{kind}" for kind in ("clinical.tsv", "html", "json", "pdf",
                                                             "tsv")]
    assert result.stdout.rstrip("\n").split("\t")[-1] == str(tmp_path / "PT001_TUMOR.hpd.pdf")


@needs_weasyprint
def test_a_sample_id_with_markup_and_quotes_is_printed_verbatim_in_every_page_header(tmp_path):
    fixture = HERE / "fixtures" / "screen" / "tumour_sample_name_with_html.vcf"
    sample = 'T"1\\ <b>&amp;</b>'                   # a quote and a backslash for the CSS string
    report, pdf, _path = screen_pdf(tmp_path, fixture, "--sample", "<b>T&1</b>",
                                    "--sample-id", sample)
    assert report["sample"]["id"] == sample
    assert_every_page_is_stamped(report, pdf)


# --- a wide, long report: many findings, a long unbroken allele, a long sample id -----------------

LONG_SAMPLE = "PATIENT-000123_TUMOUR_FFPE-BLOCK-A3_RESECTION_REPLICATE-2"
LONG_INSERTION = "GGCAGCCGTAGCTACCAATGCAGG" * 5   # 120 bases inserted into EGFR exon 20


def write_many_alterations_vcf(path: Path) -> None:
    """Every eighth GRCh38 hotspot of the knowledge base plus a 120-base EGFR exon 20 insertion:
    about 30 records, flagged and unmatched, in one unannotated tumour-only VCF."""
    with HOTSPOTS.open() as handle:
        rows = [r for r in csv.DictReader((line for line in handle if not line.startswith("#")),
                                          delimiter="\t") if r["build"] == "GRCh38"]
    records = {("chr" + r["chrom"].removeprefix("chr"), int(r["pos"]), r["ref"], r["alt"])
               for r in rows[::8]}
    records.add(("chr7", 55181320, "C", "C" + LONG_INSERTION))
    contigs = "".join(f"##contig=<ID=chr{c.removeprefix('chr')},length={n}>\n"
                      for c, n in CHROM_LENGTHS["GRCh38"].items())
    lines = [f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t.\tGT:AD:DP\t0/1:70,30:100\n"
             for c, p, r, a in sorted(records, key=lambda x: (x[0], x[1], x[3]))]
    path.write_text(
        "##fileformat=VCFv4.2\n##reference=GRCh38\n" + contigs +
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{LONG_SAMPLE}\n" + "".join(lines))


@pytest.fixture(scope="module")
def wide_long(tmp_path_factory):
    if _weasyprint_missing():
        pytest.skip(_weasyprint_missing())
    folder = tmp_path_factory.mktemp("wide_long")
    vcf = folder / "many_alterations_long_insertion_grch38.vcf"
    write_many_alterations_vcf(vcf)
    out = folder / "out"
    return screen_pdf(out, vcf, "--cnv", CNV)


def test_wide_long_report_has_every_finding_and_no_clipped_column(wide_long):
    report, pdf, _path = wide_long
    assert report["sample"]["id"] == LONG_SAMPLE
    assert len(report["alterations"]) >= 10 and len(report["unmatched_variants"]) >= 10
    assert report["caution"]["level"] == "high"   # MDM2 amplification from the copy number
    text = pdf.text()
    assert "Cautionlevel:HIGH" in text
    for rule_id in {a["rule_id"] for a in report["alterations"]}:
        assert rule_id in text
    # the longest cell of all, the insertion's record, appears whole (wrapped, not cut)
    [insertion] = [a for a in report["alterations"] if a["alt"] == "C" + LONG_INSERTION]
    assert len(insertion["record"]) > 120
    assert Pdf.squeeze(insertion["record"]) in text
    # and so does every unmatched variant's row, cell by cell
    for variant in report["unmatched_variants"]:
        assert Pdf.squeeze(f"{variant['chrom']}:{variant['pos']} {variant['ref']}>{variant['alt']}"
                           ) in text
        assert Pdf.squeeze(variant["why_not_matched"]) in text
    assert_nothing_drawn_off_the_page(pdf)
    assert_every_page_is_stamped(report, pdf)
    assert_page_size(pdf, "a4")


def text_lines(path: Path) -> list[list[tuple[float, str]]]:
    """Per page, the (top y, text) of every line pdfminer's layout analysis finds."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextLine

    def lines(item):
        if isinstance(item, LTTextLine):
            yield item.y1, item.get_text().strip()
        elif hasattr(item, "__iter__"):
            for child in item:
                yield from lines(child)

    return [list(lines(page)) for page in extract_pages(str(path), laparams=LAParams())]


@pytest.mark.parametrize("table, header", [
    ("rules", ("Rule", "Genes", "Status", "Reason")),
    ("unmatched_variants", ("Gene", "Variant", "Consequence", "HGVS c. / protein", "VAF")),
])
def test_a_table_broken_across_pages_repeats_its_header(wide_long, table, header):
    report, _pdf, path = wide_long
    if table == "rules":
        keys = {x["rule_id"] for x in report["rules"]}
        heading = f"Rules screened ({len(report['rules'])})"
    else:
        keys = {f"{v['chrom']}:{v['pos']} {v['ref']}>{v['alt']}"
                for v in report["unmatched_variants"]}
        heading = f"Screened variants that matched no rule ({len(keys)})"
    pages = text_lines(path)
    [(start, heading_y)] = [(n, y) for n, lines in enumerate(pages) for y, text in lines
                            if text == heading]
    # the table's own lines: from its heading on (a rule id is also named in the summary)
    pages = [[] for _ in pages[:start]] + [[(y, t) for y, t in pages[start] if y < heading_y]] \
        + pages[start + 1:]
    spanned = [n for n, lines in enumerate(pages) if any(text in keys for _y, text in lines)]
    assert len(spanned) >= 2, spanned                     # the table does break across pages
    for n in spanned:
        lines = pages[n]
        first_row = max(y for y, text in lines if text in keys)
        # a header row (every header cell at one height) drawn above the page's first row
        rows = [y for y, text in lines if text == header[0] and y > first_row
                and all(any(t == cell and abs(y2 - y) < 2 for y2, t in lines) for cell in header)]
        assert rows, (n + 1, [(y, t) for y, t in lines if t in header], first_row)


# --- without WeasyPrint, and option errors -------------------------------------------------------

def test_pdf_without_weasyprint_is_one_line_naming_the_install_and_writes_nothing(
        tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)   # `import weasyprint` now fails
    result = run("screen", "--vcf", EXAMPLES / "vep_grch38.vcf", "-o", tmp_path, "--pdf")
    assert result.exit_code == 2, (result.output, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and PDF_INSTALL in lines[0] and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_write_reports_without_weasyprint_raises_usage_error_and_keeps_the_old_set(
        tmp_path, monkeypatch):
    from hpdgenomics.errors import UsageError
    from hpdgenomics.report.render import write_reports
    from hpdgenomics.screen import ScreenInputs, screen_sample

    report = screen_sample(ScreenInputs(vcf=EXAMPLES / "vep_grch38.vcf"))
    paths = write_reports(report, tmp_path)
    before = {path.name: path.read_bytes() for path in paths.values()}
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(UsageError, match=re.escape(PDF_INSTALL)):
        write_reports(report, tmp_path, pdf=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_paper_without_pdf_is_a_usage_error(tmp_path):
    result = run("screen", "--vcf", EXAMPLES / "vep_grch38.vcf", "-o", tmp_path,
                 "--paper", "letter")
    assert result.exit_code == 2
    assert "--pdf" in result.stderr.strip().splitlines()[-1]
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_paper_size_is_refused(tmp_path):
    result = run("screen", "--vcf", EXAMPLES / "vep_grch38.vcf", "-o", tmp_path, "--pdf",
                 "--paper", "a3")
    assert result.exit_code == 2
    assert "a4" in result.stderr and "letter" in result.stderr
