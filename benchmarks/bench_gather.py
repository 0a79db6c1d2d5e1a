"""Gathering finished screen reports: ``hpdgenomics cohort --reports`` on N reports.

Screens the 24 example samples once (``hpdgenomics screen``), then writes N reports by giving
copies of them new sample ids (``G000001`` ...), a patient-level clinical table for them (times and
statuses cycled from the example's), and times ``cohort --reports DIR --clinical ... --no-plots``
in a child process, reporting wall time and the child's peak RSS. Run by hand::

    python benchmarks/bench_gather.py [--samples 2000 10000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cohort"


def _hpdgenomics(*args) -> list[str]:
    return [sys.executable, "-m", "hpdgenomics", *map(str, args)]


def screen_examples(folder: Path) -> list[dict]:
    """The example samples' reports, screened by the CLI as a workflow job would."""
    with open(EXAMPLE / "manifest.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for row in rows:
        args = ["screen", "-q", "--sample-id", row["sample_id"], "-o", folder,
                "--vcf", EXAMPLE / row["vcf"]]
        if row["cnv"]:
            args += ["--cnv", EXAMPLE / row["cnv"]]
        subprocess.run(_hpdgenomics(*args), check=True)
    return [json.loads((folder / f"{r['sample_id']}.hpd.json").read_text()) for r in rows]


def write_study(folder: Path, templates: list[dict], samples: int) -> Path:
    """``samples`` reports under ``folder/reports`` (100 per subfolder, as per-job folders would
    be) and ``folder/clinical.tsv``; returns the clinical table."""
    with open(EXAMPLE / "clinical.tsv", newline="") as handle:
        outcomes = list(csv.DictReader(handle, delimiter="\t"))
    lines = ["PATIENT_ID\tTTF_MONTHS\tTTF_STATUS"]
    for index in range(samples):
        sample_id = f"G{index + 1:06d}"
        report = templates[index % len(templates)]
        report["sample"]["id"] = sample_id
        job = folder / "reports" / f"job{index // 100:05d}"
        job.mkdir(parents=True, exist_ok=True)
        (job / f"{sample_id}.hpd.json").write_text(json.dumps(report))
        outcome = outcomes[index % len(outcomes)]
        lines.append(f"{sample_id}\t{outcome['TTF_MONTHS']}\t{outcome['TTF_STATUS']}")
    clinical = folder / "clinical.tsv"
    clinical.write_text("\n".join(lines) + "\n")
    return clinical


def time_gather(folder: Path, clinical: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one ``cohort --reports`` run in a child process."""
    start = time.perf_counter()
    subprocess.run(_hpdgenomics("cohort", "-q", "--reports", folder / "reports", "--clinical",
                                clinical, "--no-plots", "-o", folder / "cohort"), check=True)
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[2000])
    parser.add_argument("--keep", type=Path, help="write the studies here and keep them")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = options.keep or Path(scratch)
        templates = screen_examples(base / "examples")
        print("samples\twall_s\tpeak_rss_mb\treports_mb")
        for samples in options.samples:
            folder = base / f"study_{samples}"
            clinical = write_study(folder, templates, samples)
            size = sum(p.stat().st_size for p in (folder / "reports").rglob("*.hpd.json"))
            wall, peak = time_gather(folder, clinical)
            # RUSAGE_CHILDREN is the largest child so far: run sizes in increasing order
            print(f"{samples}\t{wall:.1f}\t{peak:.0f}\t{size / 2**20:.0f}", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    main()
