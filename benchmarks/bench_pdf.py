"""Time `screen --pdf`'s extra work: WeasyPrint layout of the report HTML, against the HTML alone.

    python benchmarks/bench_pdf.py [--repeats 3]

Two reports: example_vcfs/vep_grch38.vcf (4 findings) and the wide/long report of
tests/test_report_pdf.py (every eighth GRCh38 hotspot + a 120-base EGFR insertion + the MDM2/STK11
copy-number fixture). Prints medians of wall and CPU time and the page count.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from pdfminer.pdfpage import PDFPage  # the test extra's PDF reader

from hpdgenomics.report.render import render_html, render_pdf
from hpdgenomics.screen import ScreenInputs, screen_sample

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))     # main() imports test_report_pdf's fixture writer


def timed(function, repeats):
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from test_report_pdf import CNV, write_many_alterations_vcf

    with tempfile.TemporaryDirectory() as folder:
        wide = Path(folder) / "many_alterations_long_insertion_grch38.vcf"
        write_many_alterations_vcf(wide)
        cases = {"vep_grch38.vcf": ScreenInputs(vcf=ROOT / "example_vcfs" / "vep_grch38.vcf"),
                 "wide/long report": ScreenInputs(vcf=wide, cnv=CNV)}
        print("| report | findings | pages | HTML wall / CPU | PDF wall / CPU |")
        print("|---|---|---|---|---|")
        for name, inputs in cases.items():
            report = screen_sample(inputs)
            html_wall, html_cpu, html = timed(partial(render_html, report), args.repeats)
            pdf_wall, pdf_cpu, pdf = timed(partial(render_pdf, report, html=html),
                                             args.repeats)
            pages = sum(1 for _page in PDFPage.get_pages(io.BytesIO(pdf)))
            print(f"| {name} | {len(report.alterations)} | {pages} | {html_wall:.3f} s / "
                  f"{html_cpu:.3f} s | {pdf_wall:.2f} s / {pdf_cpu:.2f} s |")


if __name__ == "__main__":
    main()
