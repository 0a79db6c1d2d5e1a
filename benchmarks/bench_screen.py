"""Benchmark of the whole ``hpdgenomics screen`` command on a VEP VCF (not part of the test suite).

The table of issue 10, item 6, medians of N runs (default 3), each a fresh process:

(a) a 1,000,000-record VEP-annotated VCF (GRCh38, ``chr`` contigs, tumour/normal), bgzipped
    without an index: ``hpdgenomics screen --vcf`` against ``bcftools view -H -T panel.bed``
    (pysam's bcftools, streaming the same file; the BED holds the knowledge base's GRCh38 panel
    gene spans);
(b) the same file with a tabix index, against a 10,000-record file holding the same panel records
    and indexed likewise (the index should make the large file cost what the small one does);
(c) start-up: the 10,000-record indexed screen is (b)'s small file, so (b) small is the start-up.

``--code DIR`` runs the command from another checkout (``PYTHONPATH=DIR``), e.g. main exported with
``git archive main | tar -x -C /tmp/before``, so before and after are timed on the same files.
``--keep DIR`` keeps (and reuses) the generated files there. Usage:

    python benchmarks/bench_screen.py [--records 1000000] [--repeats 3] [--code DIR] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pysam
import pysam.bcftools

from hpdgenomics.genome import CHROM_LENGTHS
from hpdgenomics.knowledge import load_knowledge

# (chrom, pos, ref, alt, gene, consequence, HGVSp) in GRCh38: hotspots and one intronic record
PANEL_RECORDS = [
    ("7", 55191822, "T", "G", "EGFR", "missense_variant", "p.Leu858Arg"),
    ("12", 25245350, "C", "A", "KRAS", "missense_variant", "p.Gly12Cys"),
    ("14", 104780214, "C", "T", "AKT1", "missense_variant", "p.Glu17Lys"),
    ("12", 25230000, "G", "A", "KRAS", "intron_variant", ""),
]
CSQ_FIELDS = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
              "HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
              "Existing_variation|DISTANCE|STRAND|FLAGS|VARIANT_CLASS|SYMBOL_SOURCE|HGNC_ID|"
              "CANONICAL|MANE_SELECT|BIOTYPE|gnomAD_AF")
TRANSCRIPTS = {"EGFR": "ENST00000275493", "KRAS": "ENST00000256078", "AKT1": "ENST00000649815"}


def _csq(alt: str, gene: str, consequence: str, hgvsp: str) -> str:
    transcript = TRANSCRIPTS.get(gene, "ENST00000000001")
    fields = [alt, consequence, "MODERATE" if hgvsp else "MODIFIER", gene, "ENSG00000000001",
              "Transcript", transcript + ".5", "protein_coding", "", "", "", hgvsp, "", "", "", "",
              "", "", "", "1", "", "SNV", "HGNC", "HGNC:1", "YES", "NM_000001.1",
              "protein_coding", "0.0001"]
    return "|".join(fields)


def write_vcf(path: Path, n_records: int, avoid: list[tuple[str, int, int]], seed: int = 10
              ) -> None:
    """``n_records`` background records outside the ``avoid`` spans, plus PANEL_RECORDS."""
    rng = random.Random(seed)
    lengths = CHROM_LENGTHS["GRCh38"]
    chroms = [str(c) for c in range(1, 23)]
    with open(path, "w") as out:
        out.write("##fileformat=VCFv4.2\n")
        out.writelines(f"##contig=<ID=chr{c},length={lengths[c]}>\n" for c in chroms + ["X", "Y"])
        out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
                  '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
                  '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">\n'
                  '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
                  '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
                  '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations '
                  f'from Ensembl VEP. Format: {CSQ_FIELDS}">\n'
                  '##VEP="v105" cache="vep_cache/homo_sapiens/105_GRCh38" assembly="GRCh38.p13"\n'
                  "##tumor_sample=TUMOUR\n"
                  "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOUR\n")
        for index, chrom in enumerate(chroms):
            per_chrom = n_records // len(chroms) + (index < n_records % len(chroms))
            step = (lengths[chrom] - 1_000_000) // max(per_chrom, 1)
            spans = [(start, end) for c, start, end in avoid if c == chrom]
            rows = []
            for i in range(per_chrom):
                pos = 1_000_000 + i * step
                pos = next((end + 1 + i for start, end in spans if start <= pos <= end), pos)
                ref = "ACGT"[rng.randrange(4)]
                alt = "ACGT"[("ACGT".index(ref) + 1 + rng.randrange(3)) % 4]
                rows.append((pos, ref, alt, f"GENE{rng.randrange(20000)}",
                             rng.choice(("intron_variant", "intergenic_variant",
                                         "synonymous_variant", "missense_variant")), ""))
            rows += [(p[1], p[2], p[3], p[4], p[5], p[6]) for p in PANEL_RECORDS if p[0] == chrom]
            for pos, ref, alt, gene, consequence, hgvsp in sorted(rows):
                depth = 60 + pos % 140
                alt_reads = 5 + pos % 40
                out.write(f"chr{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t"
                          f"DP={depth * 2};CSQ={_csq(alt, gene, consequence, hgvsp)}\t"
                          f"GT:AD:AF:DP\t0/0:{depth},0:0:{depth}\t"
                          f"0/1:{depth - alt_reads},{alt_reads}:"
                          f"{alt_reads / depth:.3f}:{depth}\n")


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class Timing:
    """Medians of wall time and of CPU time (user + system): on a shared machine the CPU time
    is the steadier of the two."""

    def __init__(self, walls: list[float], cpus: list[float]):
        self.wall, self.cpu = statistics.median(walls), statistics.median(cpus)

    def __str__(self) -> str:
        return f"{self.wall:.2f} s (CPU {self.cpu:.2f} s)"


def timed(command: list[str], env: dict, repeats: int, cwd: Path) -> Timing:
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
        # run from the data folder: 'python -m' puts the working folder first on sys.path,
        # which would shadow --code when run from a checkout
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=cwd)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu(resource.RUSAGE_CHILDREN) - cpu)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return Timing(walls, cpus)


def bcftools_stream(vcf: Path, bed: Path, repeats: int) -> Timing:
    """pysam's bcftools in this process (no interpreter start-up counted)."""
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        pysam.bcftools.view("-H", "-T", str(bed), str(vcf), catch_stdout=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu(resource.RUSAGE_SELF) - cpu)
    return Timing(walls, cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--small-records", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--code", help="checkout whose hpdgenomics is timed (PYTHONPATH)")
    parser.add_argument("--keep", help="folder to keep and reuse the generated files in")
    args = parser.parse_args()
    panel = load_knowledge().panels["GRCh38"]
    avoid = [(g.chrom, g.start, g.end) for g in panel.genes.values()]
    env = dict(os.environ)
    if args.code:
        env["PYTHONPATH"] = str(Path(args.code).resolve())

    temporary = None
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.TemporaryDirectory(prefix="hpd-bench-screen-")
        folder = Path(temporary.name)
    try:
        bed = folder / "panel.bed"
        bed.write_text("".join(f"chr{g.chrom}\t{g.start - 1}\t{g.end}\n"
                               for g in sorted(panel.genes.values(),
                                               key=lambda g: (g.chrom, g.start))))
        files = {}
        for name, records in (("large", args.records), ("small", args.small_records)):
            plain = folder / f"{name}_{records}.vcf"
            unindexed = folder / f"{name}_{records}.unindexed.vcf.gz"
            indexed = folder / f"{name}_{records}.indexed.vcf.gz"
            if not (unindexed.exists() and indexed.exists()
                    and Path(str(indexed) + ".tbi").exists()):
                start = time.perf_counter()
                write_vcf(plain, records, avoid)
                pysam.tabix_compress(str(plain), str(unindexed), force=True)
                pysam.tabix_compress(str(plain), str(indexed), force=True)
                pysam.tabix_index(str(indexed), preset="vcf", force=True)
                plain.unlink()
                print(f"generated {unindexed.name} in {time.perf_counter() - start:.1f} s "
                      f"({unindexed.stat().st_size / 1e6:.1f} MB bgzipped)", flush=True)
            files[name] = (unindexed, indexed)

        def screen(vcf: Path) -> list[str]:
            return [sys.executable, "-m", "hpdgenomics", "-q", "screen", "--vcf", str(vcf),
                    "-o", str(folder / "out")]

        # warm the page cache and check the outputs once
        for vcf in (*files["large"], *files["small"]):
            timed(screen(vcf), env, 1, folder)
        large_unindexed, large_indexed = files["large"]
        small_indexed = files["small"][1]
        t_bcf = bcftools_stream(large_unindexed, bed, args.repeats)
        t_stream = timed(screen(large_unindexed), env, args.repeats, folder)
        t_large = timed(screen(large_indexed), env, args.repeats, folder)
        t_small = timed(screen(small_indexed), env, args.repeats, folder)
        t_version = timed([sys.executable, "-m", "hpdgenomics", "--version"], env, args.repeats,
                          folder)
        done = subprocess.run([sys.executable, "-c",
                               "import hpdgenomics; print(hpdgenomics.__file__)"],
                              env=env, capture_output=True, text=True, cwd=folder)
        print(f"code: {done.stdout.strip()}; medians of {args.repeats}")
        print(f"(a) {args.records:,} records, no index: screen {t_stream}, bcftools view -H -T "
              f"panel.bed {t_bcf}: {t_stream.wall / t_bcf.wall:.2f}x wall, "
              f"{t_stream.cpu / t_bcf.cpu:.2f}x CPU")
        print(f"(b) indexed: {args.records:,} records {t_large}, {args.small_records:,} records "
              f"{t_small}: {t_large.wall / t_small.wall:.2f}x wall, "
              f"{t_large.cpu / t_small.cpu:.2f}x CPU")
        print(f"(c) start-up: screen of the {args.small_records:,}-record indexed file {t_small}; "
              f"'hpdgenomics --version' {t_version}")
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    main()
