"""Time the cohort stages after evaluation (clinical read, join, statistics, tables, figures, HTML)
at registry scale, without waiting for a fast evaluation engine.

A 2,000-sample GENIE-like study (``genie_like.py``) is evaluated once through the ordinary cohort
path (cached as a pickle next to the study, so reruns skip it). Its ``SampleCalls`` are then
replicated to the asked size: copy ``k`` of sample ``S`` is ``S-Rk`` of patient ``P-Rk``, sharing
the same status ``dict`` objects (as the columnar engine gives samples with identical inputs), and
the clinical patient and sample files are replicated to match. Then, per size:

* ``read_clinical`` of the replicated patient + sample files;
* ``analyse_cohort`` (matrices, join, Fisher/Firth/Cox/KM per rule, gene and exposure definition);
* ``CohortReport.to_dict`` (cohort.json content);
* ``write_cohort_outputs`` with plots (every TSV, cohort.json, cohort.html, PNG/SVG figures).

Peak RSS is the process's (``ru_maxrss``), so run one size per process for a clean number::

    python benchmarks/bench_cohort_outputs.py --samples 100000
    python benchmarks/bench_cohort_outputs.py --samples 200000 --profile 25
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import pickle
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from genie_like import write_study  # noqa: E402 - after the sys.path line that finds it

BASE_SAMPLES = 2000


def base_report(study: Path):
    """The evaluated 2,000-sample study (``CohortReport``), cached in ``study``."""
    from hpdgenomics.cohort.report import CohortConfig, run_cohort

    cache = study / "base_report.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes()), _paths(study)
    paths = write_study(study, BASE_SAMPLES)
    config = CohortConfig(maf=paths["maf"], cna=paths["cna"],
                          gene_panel_matrix=paths["gene_panel_matrix"],
                          gene_panels=tuple(paths["gene_panels"]), clinical=paths["clinical"],
                          clinical_samples=paths["clinical_samples"])
    started = time.perf_counter()
    report = run_cohort(config)
    print(f"evaluated the {BASE_SAMPLES}-sample study once in "
          f"{time.perf_counter() - started:.1f} s (cached in {cache})")
    cache.write_bytes(pickle.dumps(report))
    return report, paths


def _paths(study: Path) -> dict:
    return {"clinical": study / "data_clinical_patient.txt",
            "clinical_samples": study / "data_clinical_sample.txt"}


def _replicate_table(path: Path, out: Path, copies: int, id_columns: list[str]) -> None:
    """cBioPortal clinical file with every row repeated ``copies`` times, ids suffixed -Rk."""
    lines = path.read_text().splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#")]
    body = pd.read_csv(path, sep="\t", comment="#", dtype=str)
    parts = []
    for k in range(copies):
        part = body.copy()
        for column in id_columns:
            part[column] = part[column] + f"-R{k}"
        parts.append(part)
    out.write_text("".join(header) + pd.concat(parts).to_csv(sep="\t", index=False))


def replicate(report, paths: dict, samples: int, work: Path):
    """(samples, patient clinical path, sample clinical path) at the asked size."""
    base = report.analysis.samples
    copies = -(-samples // len(base))
    patient_of = dict(zip(report.analysis.join["sample_id"], report.analysis.join["patient_id"],
                          strict=True))
    out = []
    for k in range(copies):
        for s in base:
            patient = s.patient_id or patient_of.get(s.sample_id)
            out.append(dataclasses.replace(
                s, sample_id=f"{s.sample_id}-R{k}",
                patient_id=f"{patient}-R{k}" if patient else None))
    out = out[:samples]
    clinical, clinical_samples = work / "clinical_patient.txt", work / "clinical_sample.txt"
    _replicate_table(paths["clinical"], clinical, copies, ["PATIENT_ID"])
    _replicate_table(paths["clinical_samples"], clinical_samples, copies,
                     ["SAMPLE_ID", "PATIENT_ID"])
    return out, clinical, clinical_samples


def run(report, paths: dict, samples: int, work: Path, plots: bool) -> dict[str, float]:
    from hpdgenomics.cohort.analysis import analyse_cohort
    from hpdgenomics.cohort.report import write_cohort_outputs
    from hpdgenomics.io.clinical import read_clinical
    from hpdgenomics.knowledge import load_knowledge

    calls, clinical_path, samples_path = replicate(report, paths, samples, work)
    knowledge = load_knowledge(None)
    times: dict[str, float] = {}

    def timed(name, function, *args, **kwargs):
        started = time.perf_counter()
        value = function(*args, **kwargs)
        times[name] = time.perf_counter() - started
        return value

    clinical = timed("read_clinical", read_clinical, clinical_path, samples_path=samples_path)
    analysis = timed("analyse_cohort", analyse_cohort, calls, knowledge.rules, clinical=clinical,
                     options=report.analysis.options)
    scaled = dataclasses.replace(report, analysis=analysis)
    timed("to_dict (cohort.json content)", scaled.to_dict)
    timed("write_cohort_outputs" + (" (with plots)" if plots else ""), write_cohort_outputs,
          scaled, work / "out", plots=plots)
    sizes = {p.name: p.stat().st_size for p in (work / "out").glob("*.*")}
    print("  outputs: " + ", ".join(f"{name} {size / 1e6:.1f} MB"
                                     for name, size in sorted(sizes.items())))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[100000])
    parser.add_argument("--study", type=Path, default=Path(tempfile.gettempdir())
                        / "hpd_bench_cohort_outputs_study",
                        help="folder of the evaluated 2,000-sample study (kept, reused)")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print the N costliest functions (cumulative) under cProfile")
    ns = parser.parse_args()
    ns.study.mkdir(parents=True, exist_ok=True)
    report, paths = base_report(ns.study)
    for samples in ns.samples:
        with tempfile.TemporaryDirectory() as tmp:
            profiler = cProfile.Profile() if ns.profile else None
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            times = run(report, paths, samples, Path(tmp), plots=not ns.no_plots)
            total = time.perf_counter() - started
            if profiler:
                profiler.disable()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{samples} samples: " + "; ".join(f"{k} {v:.2f} s" for k, v in times.items())
                  + f"; total with replication {total:.1f} s; peak RSS so far {peak:.0f} MB")
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(ns.profile)


if __name__ == "__main__":
    main()
