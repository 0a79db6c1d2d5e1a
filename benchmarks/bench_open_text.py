"""Cost of the bounded reader (hpdgenomics.io.text.open_text) against a bare ``open``.

A synthetic MAF-like table (default 1.3 million rows, about 220 MB) is written plain and gzipped
into a temporary folder; each is read (a) line by line and (b) by ``pandas.read_csv`` from the
handle, through a bare text handle and through ``open_text(kind="maf")``. Medians of the repeats.

    python benchmarks/bench_open_text.py [--rows 1300000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import gzip
import io
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import pandas as pd

from hpdgenomics.io.text import open_text

HEADER = ("Hugo_Symbol\tTumor_Sample_Barcode\tVariant_Classification\tChromosome\t"
          "Start_Position\tEnd_Position\tReference_Allele\tTumor_Seq_Allele2\tHGVSp_Short\tNote\n")


def bare(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="replace")
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def bounded(path: Path):
    return open_text(path, kind="maf")


def loop(opener, path: Path) -> None:
    with opener(path) as handle:
        for _ in handle:
            pass


def frame(opener, path: Path) -> None:
    with opener(path) as handle:
        pd.read_csv(handle, sep="\t", dtype=str, keep_default_na=False, na_filter=False, quoting=3)


def median_time(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_300_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "cohort.maf"
        with open(plain, "w") as handle:
            handle.write(HEADER)
            for i in range(args.rows):
                handle.write(f"KRAS\tSAMPLE-{i}\tMissense_Mutation\t12\t{25245350 + i % 997}\t"
                             f"{25245350 + i % 997}\tC\tA\tp.G12V\tnote {i * 7919 % 104729}\n")
        packed = plain.with_name("cohort.maf.gz")
        with open(plain, "rb") as source, gzip.open(packed, "wb", compresslevel=6) as target:
            target.write(source.read())
        print(f"{plain.stat().st_size / 1e6:.0f} MB plain, "
              f"{packed.stat().st_size / 1e6:.0f} MB gzip")
        for path in (plain, packed):
            for what, work in (("line loop", loop), ("pandas", frame)):
                old = median_time(partial(work, bare, path), args.repeats)
                new = median_time(partial(work, bounded, path), args.repeats)
                print(f"{path.name:12} {what:9}  bare {old:6.2f} s   open_text {new:6.2f} s   "
                      f"({new / old:.2f}x)")


if __name__ == "__main__":
    main()
