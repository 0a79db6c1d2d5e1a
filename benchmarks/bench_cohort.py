"""Time ``hpdgenomics cohort`` on synthetic GENIE-like studies: columnar vs per-sample engine.

For each size (default 10,000, 100,000 and 200,000 samples) a study is written with
:func:`genie_like.write_study` (MAF, 30-gene discrete CNA matrix, gene-panel matrix and panels,
patient and sample clinical files), then, for each engine:

* **command**: the real ``hpdgenomics cohort`` command in a subprocess (``--no-plots`` with
  ``--no-plots``), wall time and peak RSS of that process;
* **stage**: :func:`hpdgenomics.cohort.files.evaluate_cohort_files` alone (reading the MAF,
  copy-number matrix and gene panels, and evaluating every sample), in a fresh subprocess, wall
  time and peak RSS: the part the cohort-files engine owns, apart from statistics and plots.

The engine is chosen with the environment variable ``HPDGENOMICS_COHORT_ENGINE`` (``columnar``,
the default, or ``per-sample``, the reference implementation, about 100 times slower: run only up
to ``--per-sample-max`` samples).

With ``--factors`` the clinical table also holds patient factor columns (ECOG, LDH, albumin,
metastatic sites, ...: ``genie_like.write_study(factors=True)``), so the factor parsing and the
CLIN_* rules (issue 12) are timed as part of the command.

    python benchmarks/bench_cohort.py [SIZES ...] [--no-plots] [--per-sample-max 10000]
                                      [--stage-only] [--factors] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import genie_like  # noqa: E402 - after the sys.path line that finds it

ENGINE_VARIABLE = "HPDGENOMICS_COHORT_ENGINE"

STAGE = """
import json, resource, sys, time
from pathlib import Path
from hpdgenomics.cohort.files import evaluate_cohort_files
from hpdgenomics.io.gene_panel import ProfilingMap
from hpdgenomics.knowledge import load_knowledge
paths = json.loads(sys.argv[1])
knowledge = load_knowledge()
start = time.perf_counter()
profiling = ProfilingMap.from_files(paths["gene_panel_matrix"], paths["gene_panels"])
evaluation = evaluate_cohort_files(knowledge, maf=paths["maf"], cna=paths["cna"],
                                   profiling=profiling)
print(json.dumps({"seconds": time.perf_counter() - start, "samples": len(evaluation.samples)}))
"""


def _measured(command: list[str], env: dict) -> dict:
    """Run a command; its wall time, peak RSS (MB) and exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode:
        sys.stderr.write(done.stderr[-2000:])
    # ru_maxrss of children is the largest of any child so far: a run that peaks lower than an
    # earlier one shows as unknown, so runs go smallest first and each stage in its own process
    return {"seconds": seconds, "peak_mb": peak / 1024 if peak > before else None,
            "exit": done.returncode, "stdout": done.stdout}


def _measure_alone(command: list[str], env: dict) -> dict:
    """:func:`_measured` in a child of its own, so that its peak RSS is its own."""
    helper = [sys.executable, __file__, "--measure", json.dumps(command)]
    done = subprocess.run(helper, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr[-2000:])
        return {"seconds": None, "peak_mb": None, "exit": done.returncode, "stdout": ""}
    return json.loads(done.stdout)


def run(sizes: list[int], *, plots: bool, per_sample_max: int, stage_only: bool,
        workdir: Path, factors: bool = False) -> list[dict]:
    rows = []
    for size in sizes:
        folder = workdir / f"study_{size}"
        start = time.perf_counter()
        paths = genie_like.write_study(folder, size, factors=factors)
        written = time.perf_counter() - start
        print(f"{size:,} samples: study written in {written:.1f} s", file=sys.stderr)
        serial = {k: ([str(p) for p in v] if isinstance(v, list) else str(v))
                  for k, v in paths.items()}
        engines = ["columnar"] + (["per-sample"] if size <= per_sample_max else [])
        for engine in engines:
            env = {**os.environ, ENGINE_VARIABLE: engine}
            stage = _measure_alone([sys.executable, "-c", STAGE, json.dumps(serial)], env)
            row = {"samples": size, "engine": engine + (" + factors" if factors else ""),
                   "stage_s": stage["seconds"],
                   "stage_peak_mb": stage["peak_mb"]}
            if not stage_only:
                out = folder / f"out_{engine}"
                command = [sys.executable, "-m", "hpdgenomics", "cohort",
                           *genie_like.cohort_args(paths), "-o", str(out)]
                if not plots:
                    command.append("--no-plots")
                whole = _measure_alone(command, env)
                row.update(command_s=whole["seconds"], command_peak_mb=whole["peak_mb"],
                           command_exit=whole["exit"])
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    return rows


def _table(rows: list[dict]) -> str:
    def fmt(value, unit=""):
        return "-" if value is None else f"{value:,.1f}{unit}"

    lines = ["| samples | engine | evaluate_cohort_files | its peak RSS | `cohort` command | "
             "its peak RSS |", "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['samples']:,} | {row['engine']} | {fmt(row['stage_s'], ' s')} | "
                     f"{fmt(row['stage_peak_mb'], ' MB')} | {fmt(row.get('command_s'), ' s')} | "
                     f"{fmt(row.get('command_peak_mb'), ' MB')} |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        command = json.loads(sys.argv[2])
        result = _measured(command, dict(os.environ))
        if result["exit"] == 0 and result["stdout"].strip().startswith("{"):
            result["seconds"] = json.loads(result["stdout"])["seconds"]     # the stage's own
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 200_000])
    parser.add_argument("--no-plots", action="store_true", help="run cohort with --no-plots")
    parser.add_argument("--per-sample-max", type=int, default=10_000,
                        help="largest study the per-sample engine is run on")
    parser.add_argument("--stage-only", action="store_true",
                        help="time evaluate_cohort_files only, not the whole command")
    parser.add_argument("--workdir", type=Path, help="keep the studies and outputs here")
    parser.add_argument("--factors", action="store_true",
                        help="write patient factor columns into the clinical table")
    ns = parser.parse_args()
    if ns.workdir:
        ns.workdir.mkdir(parents=True, exist_ok=True)
        rows = run(sorted(ns.sizes), plots=not ns.no_plots, per_sample_max=ns.per_sample_max,
                   stage_only=ns.stage_only, workdir=ns.workdir, factors=ns.factors)
    else:
        with tempfile.TemporaryDirectory(prefix="bench_cohort_") as folder:
            rows = run(sorted(ns.sizes), plots=not ns.no_plots,
                       per_sample_max=ns.per_sample_max, stage_only=ns.stage_only,
                       workdir=Path(folder), factors=ns.factors)
    print(_table(rows))


if __name__ == "__main__":
    main()
