"""Benchmark of ``hpdgenomics cohort --dask-scheduler`` against the local process pool (not part of
the test suite).

A manifest of N samples (default 1,000): the 24 VCF and copy-number files of ``examples/cohort``
copied under N sample ids (sample ``X0042`` gets the files of example ``S19``, and so on), into a
temporary folder. The same ``hpdgenomics cohort --manifest ... --no-plots`` command is then timed,
each into a fresh output folder (nothing reused), as a subprocess:

    pool   --workers W                                (the local ProcessPoolExecutor)
    local  --dask-scheduler local --workers W         (a LocalCluster of W worker processes,
                                                       started and closed inside the timed run)
    tcp    --dask-scheduler tcp://127.0.0.1:PORT      (a `dask scheduler` and `dask worker
                                                       --nworkers W --nthreads 1` started before
                                                       the timed run, as a cluster would be)

and matrix.tsv, matrix_genes.tsv and calls.tsv of every Dask run must equal the pool's. Besides
wall time, the CPU time (user + sys) of each command and the processes it started is reported: on a
machine shared with other jobs it shows the executor's own cost better than wall time does (the
workers of the tcp cluster are not the command's children, so only its client side is counted).
Usage:

    python benchmarks/bench_dask.py [--samples 1000] [--workers 2] [--repeats 1] [--keep DIR]
"""
from __future__ import annotations

import argparse
import csv
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cohort"
COMPARED = ("matrix.tsv", "matrix_genes.tsv", "calls.tsv")


def write_manifest(folder: Path, samples: int) -> Path:
    """``samples`` rows whose files are copies of the example cohort's, one copy per sample."""
    examples = list(csv.DictReader(open(EXAMPLE / "manifest.tsv"), delimiter="\t"))
    (folder / "vcf").mkdir(parents=True, exist_ok=True)
    (folder / "cnv").mkdir(exist_ok=True)
    lines = ["sample_id\tpatient_id\tvcf\tcnv\ttumor_type"]
    for index in range(samples):
        example = examples[index % len(examples)]
        sample = f"X{index:05d}"
        vcf = folder / "vcf" / f"{sample}.vcf"
        shutil.copyfile(EXAMPLE / example["vcf"], vcf)
        cnv = ""
        if example["cnv"]:
            cnv = folder / "cnv" / f"{sample}.call.cns"
            shutil.copyfile(EXAMPLE / example["cnv"], cnv)
        lines.append(f"{sample}\tP{index:05d}\t{vcf}\t{cnv}\t{example['tumor_type']}")
    manifest = folder / "manifest.tsv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_workers(address: str, workers: int, timeout: float = 60.0) -> None:
    from distributed import Client

    with Client(address, timeout=timeout, set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=timeout)


def start_tcp_cluster(workers: int) -> tuple[str, list[subprocess.Popen]]:
    """A `dask scheduler` and `dask worker` on 127.0.0.1, as separate processes."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--dashboard-address", ":0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen(
        [sys.executable, "-m", "dask", "worker", address, "--nworkers",
         str(workers), "--nthreads", "1", "--dashboard-address", ":0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_workers(address, workers)
    return address, [worker, scheduler]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:          # workers first, then the scheduler
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def timed_run(manifest: Path, out: Path, extra: list[str]) -> tuple[float, float]:
    """Wall time, and CPU time (user + sys) of the command and the processes it started (the
    workers of a tcp cluster are not among them)."""
    command = [sys.executable, "-m", "hpdgenomics", "cohort", "--manifest", str(manifest),
               "--no-plots", "-q", "-o", str(out), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write into this folder and keep it")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_dask_"))
    try:
        manifest = write_manifest(folder / "inputs", args.samples)
        address, cluster = start_tcp_cluster(args.workers)
        try:
            modes = {"pool": ["--workers", str(args.workers)],
                     "local": ["--dask-scheduler", "local", "--workers", str(args.workers)],
                     "tcp": ["--dask-scheduler", address]}
            times: dict[str, list[float]] = {mode: [] for mode in modes}
            cpus: dict[str, list[float]] = {mode: [] for mode in modes}
            for repeat in range(args.repeats):
                for mode, extra in modes.items():
                    out = folder / f"{mode}-{repeat}"
                    shutil.rmtree(out, ignore_errors=True)
                    elapsed, cpu = timed_run(manifest, out, extra)
                    times[mode].append(elapsed)
                    cpus[mode].append(cpu)
                    print(f"  {mode:5s} run {repeat + 1}: {elapsed:.1f} s wall, {cpu:.1f} s CPU",
                          flush=True)
        finally:
            stop(cluster)
        for mode in ("local", "tcp"):
            for name in COMPARED:
                same = (folder / f"{mode}-0" / name).read_bytes() == \
                    (folder / "pool-0" / name).read_bytes()
                if not same:
                    raise SystemExit(f"{mode}: {name} differs from the pool's")
        pool = statistics.median(times["pool"])
        print(f"\n{args.samples} samples, {args.workers} workers, median of {args.repeats}; "
              f"{', '.join(COMPARED)} identical in every mode")
        pool_cpu = statistics.median(cpus["pool"])
        print("| executor | wall time | vs pool | CPU time | vs pool |\n|---|---|---|---|---|")
        for mode in modes:
            value, cpu = statistics.median(times[mode]), statistics.median(cpus[mode])
            cpu_text = "(workers not counted)" if mode == "tcp" else f"{cpu:.1f} s"
            ratio = "" if mode == "tcp" else f"{cpu / pool_cpu:.2f}x"
            print(f"| {mode} | {value:.1f} s | {value / pool:.2f}x | {cpu_text} | {ratio} |")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
