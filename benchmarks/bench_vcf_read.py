"""Benchmark of hpdgenomics.io.vcf.read_vcf (not part of the test suite).

(a) An unindexed bgzipped VCF of N records (default 1,000,000) streamed through read_vcf, against
    bare cyvcf2 iteration over the same file (the floor any cyvcf2-based reader can reach).
(b) The same large file with a tabix index, read through the index (panel regions only), against
    a small indexed file (1,000 records) with the same panel-gene records: the index should make
    the large file cost about as much as the small one.

Synthetic files are written into a temporary folder and deleted afterwards. GRCh37, tumour/normal,
FORMAT GT:AD:AF:DP; records spread over chromosomes 1-22 with a handful inside panel genes
(EGFR L858R, KRAS G12C, AKT1 E17K). Usage:

    python benchmarks/bench_vcf_read.py [--records 1000000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import cyvcf2
import pysam

from hpdgenomics.genome import CHROM_LENGTHS
from hpdgenomics.io.vcf import read_vcf
from hpdgenomics.knowledge import load_knowledge

PANEL_RECORDS = [("7", 55259515, "T", "G"), ("12", 25398285, "C", "A"), ("14", 105246551, "C", "T")]


def write_vcf(path: Path, n_records: int, avoid: list[tuple[str, int, int]]) -> None:
    """``n_records`` background records outside the ``avoid`` spans, plus PANEL_RECORDS."""
    lengths = CHROM_LENGTHS["GRCh37"]
    chroms = [str(c) for c in range(1, 23)]
    bases = "ACGT"
    with open(path, "w") as out:
        out.write("##fileformat=VCFv4.2\n")
        out.writelines(f"##contig=<ID={chrom},length={lengths[chrom]}>\n"
                       for chrom in chroms + ["X", "Y"])
        out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
                  '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
                  '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">\n'
                  '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
                  '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
                  "##tumor_sample=TUMOUR\n"
                  "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOUR\n")
        for index, chrom in enumerate(chroms):
            per_chrom = n_records // len(chroms) + (index < n_records % len(chroms))
            step = (lengths[chrom] - 1_000_000) // max(per_chrom, 1)
            panel_here = sorted(p for p in PANEL_RECORDS if p[0] == chrom)
            spans = [(start, end) for c, start, end in avoid if c == chrom]
            rows = [(1_000_000 + i * step, None) for i in range(per_chrom)]
            # moved just past any panel gene span, so both files hold the same panel records
            rows = [(next((end + 1 + i for start, end in spans if start <= pos <= end), pos), None)
                    for i, (pos, _) in enumerate(rows)]
            rows += [(p[1], p) for p in panel_here]
            for pos, panel_record in sorted(rows, key=lambda r: r[0]):
                ref, alt = (panel_record[2], panel_record[3]) if panel_record else \
                    (bases[pos % 4], bases[(pos + 1) % 4])
                out.write(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\tDP=180\tGT:AD:AF:DP\t"
                          f"0/0:80,0:0:80\t0/1:70,30:0.3:100\n")


def timed(function, repeats: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    panels = load_knowledge().panels
    avoid = [(g.chrom, g.start, g.end) for g in panels["GRCh37"].genes.values()]

    with tempfile.TemporaryDirectory(prefix="hpd-bench-") as folder:
        folder = Path(folder)
        start = time.perf_counter()
        write_vcf(folder / "large.vcf", args.records, avoid)
        pysam.tabix_compress(str(folder / "large.vcf"), str(folder / "large.vcf.gz"))
        write_vcf(folder / "small.vcf", 1000, avoid)
        small = pysam.tabix_index(str(folder / "small.vcf"), preset="vcf")
        (folder / "large.vcf").unlink()
        print(f"generated files in {time.perf_counter() - start:.1f} s "
              f"(large: {(folder / 'large.vcf.gz').stat().st_size / 1e6:.1f} MB bgzipped)")
        large = folder / "large.vcf.gz"

        def bare_iteration():
            count = sum(1 for _ in cyvcf2.VCF(str(large)))
            assert count >= args.records

        def bare_iteration_chrom_pos():
            touched = 0
            for variant in cyvcf2.VCF(str(large), lazy=True):
                touched += variant.POS > 0 and bool(variant.CHROM)
            return touched

        def streamed():
            result = read_vcf(large, panels)
            assert not result.counts.index_used
            assert {"p.L858R", "p.G12C", "p.E17K"} <= {v.hotspot for v in result.variants}
            return result

        baseline, _ = timed(bare_iteration, args.repeats)
        baseline_cp, _ = timed(bare_iteration_chrom_pos, args.repeats)
        reader, result = timed(streamed, args.repeats)
        print(f"(a) {args.records:,} records, no index")
        print(f"    bare cyvcf2 iteration:                 {baseline:6.2f} s")
        print(f"    bare cyvcf2 iteration, CHROM+POS read: {baseline_cp:6.2f} s")
        print(f"    read_vcf (streamed):                   {reader:6.2f} s  "
              f"({reader / baseline:.2f}x bare iteration; {result.counts.screened} alleles "
              f"screened, {result.counts.off_panel:,} off-panel)")

        indexed_large = Path(pysam.tabix_index(str(large), preset="vcf", force=True))

        def indexed(path):
            def run():
                result = read_vcf(path, panels)
                assert result.counts.index_used
                assert {"p.L858R", "p.G12C", "p.E17K"} <= {v.hotspot for v in result.variants}
                return result
            return run

        t_large, r_large = timed(indexed(indexed_large), args.repeats)
        t_small, r_small = timed(indexed(Path(small)), args.repeats)
        regions = [f"{r.chrom}:{r.start}-{r.end}" for r in panels["GRCh37"].regions()]

        def bare_queries(path):
            def run():
                vcf = cyvcf2.VCF(str(path), lazy=True)
                return sum(1 for region in regions for _ in vcf(region))
            return run

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # cyvcf2 warns for every empty region
            q_large, _ = timed(bare_queries(indexed_large), args.repeats)
            q_small, _ = timed(bare_queries(Path(small)), args.repeats)
        print("(b) indexed, panel regions only")
        print(f"    bare cyvcf2 open + region queries: large {q_large:6.3f} s, "
              f"small {q_small:6.3f} s")
        print(f"    large ({args.records:,} records): {t_large:6.3f} s "
              f"({r_large.counts.records_read} records read)")
        print(f"    small (1,000 records):   {t_small:6.3f} s "
              f"({r_small.counts.records_read} records read)")


if __name__ == "__main__":
    main()
