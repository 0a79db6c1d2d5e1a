"""``hpdgenomics cohort --dask-scheduler``: manifest samples screened on a real Dask cluster.

A scheduler and two worker processes run on 127.0.0.1 for the module (dask's LocalCluster, the
same scheduler and workers as ``dask scheduler``/``dask worker``); the outputs must be those of the
local process pool, with the same reuse of finished samples and the same per-sample failures.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics import __version__
from hpdgenomics.cli import cli
from hpdgenomics.cohort.batch import BatchOptions, _knowledge, _worker_problem, screen_manifest
from hpdgenomics.io.manifest import read_manifest

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cohort"
BROKEN_VCF = (Path(__file__).parent / "fixtures" / "cohort_run"
              / "broken_sample_truncated_gzip.vcf.gz")
OUTPUTS = ("matrix.tsv", "matrix_genes.tsv", "calls.tsv", "association.tsv")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0") as local:
        yield local


def _run(args, **env):
    return CliRunner(env=env or None).invoke(cli, ["cohort", *map(str, args)],
                                             catch_exceptions=False)


def _manifest_with_a_broken_sample(tmp_path: Path) -> Path:
    """12 example samples (absolute paths) and one whose VCF is a truncated gzip."""
    shutil.copy(BROKEN_VCF, tmp_path / "broken.vcf.gz")
    rows = list(csv.DictReader(open(EXAMPLE / "manifest.tsv"), delimiter="\t"))[:12]
    lines = ["sample_id\tpatient_id\tvcf\tcnv\ttumor_type"]
    for row in rows:
        cnv = str(EXAMPLE / row["cnv"]) if row["cnv"] else ""
        lines.append(f"{row['sample_id']}\t{row['patient_id']}\t{EXAMPLE / row['vcf']}\t{cnv}\t"
                     f"{row['tumor_type']}")
    lines.append("BROKEN\tP99\tbroken.vcf.gz\t\tNSCLC")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def _statuses(out: Path) -> dict[str, str]:
    data = json.loads((out / "cohort.json").read_text())
    return {o["sample_id"]: o["status"] for o in data["samples"]["outcomes"]}


def test_dask_cluster_gives_the_outputs_of_the_local_pool_and_reuses_them(tmp_path, cluster):
    manifest = _manifest_with_a_broken_sample(tmp_path)
    common = ["--manifest", manifest, "--clinical", EXAMPLE / "clinical.tsv", "--no-plots"]
    pool = _run([*common, "--workers", "2", "-o", tmp_path / "pool"])
    assert pool.exit_code == 0, pool.output
    dask_run = _run([*common, "--dask-scheduler", cluster.scheduler_address,
                     "-o", tmp_path / "dask"])
    assert dask_run.exit_code == 0, dask_run.output
    for name in OUTPUTS:
        assert (tmp_path / "dask" / name).read_text() == (tmp_path / "pool" / name).read_text(), \
            name
    statuses = _statuses(tmp_path / "dask")
    # the broken sample fails alone, with its reason, and the 12 others are screened
    assert statuses.pop("BROKEN") == "failed"
    assert set(statuses.values()) == {"screened"} and len(statuses) == 12
    assert "BROKEN" in dask_run.output and "skipped" in dask_run.output
    # the per-sample reports were written by the workers, into --out, named as the pool names them
    outcomes = json.loads((tmp_path / "dask" / "cohort.json").read_text())["samples"]["outcomes"]
    s01 = next(o for o in outcomes if o["sample_id"] == "S01")
    assert s01["report"] == str(tmp_path / "dask" / "samples" / "S01.hpd.json")
    assert json.loads(Path(s01["report"]).read_text())["sample"]["id"] == "S01"

    rerun = _run([*common, "--dask-scheduler", cluster.scheduler_address,
                  "-o", tmp_path / "dask"])
    assert rerun.exit_code == 0, rerun.output
    statuses = _statuses(tmp_path / "dask")
    assert statuses.pop("BROKEN") == "failed"
    assert set(statuses.values()) == {"reused"}
    for name in OUTPUTS:
        assert (tmp_path / "dask" / name).read_text() == (tmp_path / "pool" / name).read_text()


def test_dask_local_cluster_gives_the_same_outputs(tmp_path):
    manifest = tmp_path / "manifest.tsv"
    lines = (EXAMPLE / "manifest.tsv").read_text().splitlines()[:5]   # header and 4 samples
    manifest.write_text("\n".join(lines).replace("vcf/", f"{EXAMPLE}/vcf/")
                        .replace("cnv/", f"{EXAMPLE}/cnv/") + "\n")
    common = ["--manifest", manifest, "--no-plots", "--workers", "2"]
    local = _run([*common, "-o", tmp_path / "pool"])
    dask_run = _run([*common, "--dask-scheduler", "local", "-o", tmp_path / "dask"])
    assert local.exit_code == 0 and dask_run.exit_code == 0, dask_run.output
    for name in OUTPUTS:
        assert (tmp_path / "dask" / name).read_text() == (tmp_path / "pool" / name).read_text()
    assert set(_statuses(tmp_path / "dask").values()) == {"screened"}


def test_an_interruption_cancels_the_queued_dask_tasks(tmp_path, cluster):
    rows = read_manifest(_manifest_with_a_broken_sample(tmp_path))
    seen = []

    def interrupt(outcome):
        seen.append(outcome.sample_id)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        screen_manifest(rows, tmp_path / "samples", BatchOptions(), progress=interrupt,
                        dask_scheduler=cluster.scheduler_address)
    assert len(seen) == 1
    deadline = time.monotonic() + 10
    while cluster.scheduler.tasks and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not cluster.scheduler.tasks          # nothing left queued or held on the cluster
    written = list((tmp_path / "samples").glob("*.hpd.json"))
    assert 1 <= len(written) < len(rows)


def test_worker_check_names_another_version_or_knowledge_base(tmp_path):
    options = BatchOptions()
    sha256 = _knowledge(None, "extend").sha256
    assert _worker_problem(options, str(tmp_path), (__version__, sha256)) is None
    assert _worker_problem(options, str(tmp_path), ("0.0.0-other", sha256)) == \
        f"it runs hpdgenomics {__version__}, this run 0.0.0-other"
    assert "knowledge base differs" in _worker_problem(options, str(tmp_path),
                                                        (__version__, "0" * 64))
    assert _worker_problem(options, str(tmp_path / "absent"), (__version__, sha256)) == \
        f"it cannot write the output folder {tmp_path / 'absent'}"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_exit_2_within_the_timeout(tmp_path):
    address = f"tcp://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "hpdgenomics", "cohort", "--manifest", EXAMPLE / "manifest.tsv",
         "--dask-scheduler", address, "-o", tmp_path / "out"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "HPDGENOMICS_DASK_TIMEOUT": "1"})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"hpdgenomics: error: cannot reach a Dask scheduler at "
                                    f"'{address}'")
    assert time.monotonic() - started < 30
    assert not (tmp_path / "out" / "samples").exists() or \
        not list((tmp_path / "out" / "samples").iterdir())


def test_without_distributed_the_option_names_the_extra_to_install(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None\n"
            "from hpdgenomics.cli import main\n"
            f"main(['cohort', '--manifest', {str(EXAMPLE / 'manifest.tsv')!r}, "
            f"'--dask-scheduler', 'local', '-o', {str(tmp_path / 'out')!r}])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "pip install 'hpdgenomics[dask]'" in result.stderr


def test_dask_scheduler_with_cohort_files_is_a_usage_error(tmp_path):
    maf = Path(__file__).parent / "fixtures" / "cohort" / "maf_vcf2maf_version_header.maf"
    result = _run(["--maf", maf, "--dask-scheduler", "local", "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert "--dask-scheduler distributes the screening of --manifest samples" in result.output


def test_dask_scheduler_with_gathered_reports_is_a_usage_error(tmp_path):
    result = _run(["--reports", tmp_path, "--manifest", EXAMPLE / "manifest.tsv",
                   "--dask-scheduler", "local", "-o", tmp_path / "out"])
    assert result.exit_code == 2
    assert "--reports (finished reports) and cohort files" in result.output


def test_a_bad_timeout_setting_is_a_usage_error(tmp_path):
    result = _run(["--manifest", EXAMPLE / "manifest.tsv", "--dask-scheduler", "local",
                   "-o", tmp_path / "out"], HPDGENOMICS_DASK_TIMEOUT="soon")
    assert result.exit_code == 2
    assert "HPDGENOMICS_DASK_TIMEOUT='soon' is not a positive number" in result.output


def _task_dies(row, options, out_dir):
    """Stands for a task whose Dask worker dies each time it runs it (distributed's
    KilledWorker)."""
    if row.sample_id == "S02":
        raise RuntimeError("Attempted to run task on 3 different workers, but all died")
    from hpdgenomics.cohort.batch import SampleOutcome
    return SampleOutcome(row.sample_id, "screened", {"sample": {"id": row.sample_id}})


def test_a_task_the_executor_cannot_run_fails_its_sample_alone(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from hpdgenomics.cohort.batch import _Executor, _outcomes

    rows = read_manifest(EXAMPLE / "manifest.tsv")[:3]
    (tmp_path / "S02.hpd.json").write_text("{}")        # an earlier run's report of S02
    with ThreadPoolExecutor(2) as pool:
        outcomes = {o.sample_id: o for o in _outcomes(
            _Executor(pool, _task_dies, lambda: None, lambda: None), rows, BatchOptions(),
            str(tmp_path))}
    assert {k: o.status for k, o in outcomes.items()} == \
        {"S01": "screened", "S02": "failed", "S03": "screened"}
    assert outcomes["S02"].error.startswith("its task failed on the executor (RuntimeError: "
                                            "Attempted to run task on 3 different workers")
    assert not (tmp_path / "S02.hpd.json").exists()      # never read as current
