"""Screen every sample of a manifest with the single-sample code, in parallel.

One bad sample is recorded as failed and never stops the others. A rerun into the same folder
reuses a sample's finished report when nothing that could change it has changed: the sample's input
files (by sha256), the knowledge base (by sha256), the tool version, the screen options and the
manifest row's screen settings (sample names, build, copy-number format, SEG log base, purity,
ploidy, sex). A reused report that no longer parses (a truncated JSON under an intact key) is
screened again. A sample that fails has the reports of any earlier run removed, so an old report
is never read as current.

Worker processes die with the run: each watches the process that started it (Linux's
``PR_SET_PDEATHSIG``, and a thread polling the parent's pid elsewhere or in case the signal is
missed) and exits when it is gone, so a ``kill -9`` of ``hpdgenomics cohort`` leaves no worker
behind. An interruption (Ctrl-C, SIGTERM) in the parent cancels the queued samples and stops the
workers before it propagates; a sample interrupted mid-write leaves its earlier report set whole.

With a Dask scheduler (``dask_scheduler``) the samples run as Dask tasks on its workers through the
same submit/collect/reuse/failure code as the local pool. The run first checks that the scheduler
answers and has workers, and that every worker has this hpdgenomics version and knowledge base and
can write the output folder (each task checks this again, for workers that join later). Input and
output paths are handed to the workers as absolute paths: they must see the same files there (a
shared file system). An interruption cancels the queued tasks; a sample already running on a
remote worker finishes there (its reports are written whole or not at all), and a LocalCluster
started for the run is closed with it.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

from .. import __version__
from ..errors import HpdError, UsageError
from ..io.manifest import ManifestRow
from ..io.text import sha256_file
from ..outputs import atomic_write

log = logging.getLogger(__name__)


@dataclass
class SampleOutcome:
    """One manifest sample's result: screened, reused from the cache, or failed (and why)."""

    sample_id: str
    status: str                  # "screened", "reused" or "failed"
    report: dict | None = None   # the sample's JSON report
    error: str | None = None
    json_path: str | None = None


@dataclass(frozen=True)
class BatchOptions:
    """The screen options shared by every sample of a manifest run (part of the cache key)."""

    build: str | None = None
    knowledge_path: str | None = None
    knowledge_mode: str = "extend"
    include_filtered: bool = False


@lru_cache(maxsize=4)
def _knowledge(path: str | None, mode: str):
    from ..knowledge import load_knowledge

    return load_knowledge(path, mode=mode)


def cache_key(row: ManifestRow, options: BatchOptions, knowledge_sha256: str) -> str:
    """A sha256 of everything a sample's report depends on: tool and knowledge versions,
    the options, the manifest row and the input files' hashes. Equal keys: the report can be
    reused."""
    parts = {
        "tool": __version__, "knowledge": knowledge_sha256, "options": options.__dict__,
        "row": row.screen_options(),
        "files": {k: sha256_file(p) for k, p in (("vcf", row.vcf), ("cnv", row.cnv),
                                                 ("panel", row.panel)) if p is not None},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def sample_output_paths(out_dir: str | Path, sample_id: str) -> dict[str, Path]:
    """A sample's report files (``json``, ``tsv``, ``html``) and its reuse key (``key``)."""
    from ..report.render import output_paths

    paths = dict(output_paths(out_dir, sample_id))
    paths["key"] = paths["json"].with_name(paths["json"].name.replace(".hpd.json", ".hpd.key"))
    return paths


def _remove_stale_outputs(out_dir: str, sample_id: str) -> list[str]:
    """Delete an earlier run's reports of a sample that now fails, so none is read as current."""
    removed = []
    try:
        for path in sample_output_paths(out_dir, sample_id).values():
            if path.is_file():
                path.unlink()
                removed.append(path.name)
    except OSError as exc:
        log.warning("sample %s: could not remove its earlier reports: %s", sample_id, exc)
    return removed


def _failed(row: ManifestRow, out_dir: str, error: str) -> SampleOutcome:
    removed = _remove_stale_outputs(out_dir, row.sample_id)
    if removed:
        error += f" (reports of an earlier run removed: {', '.join(removed)})"
    return SampleOutcome(row.sample_id, "failed", error=error)


def _reusable_report(paths: dict[str, Path], key: str, sample_id: str) -> dict | None:
    """The earlier run's report of the sample when its key matches and it still reads whole."""
    try:
        if not (paths["key"].is_file() and paths["json"].is_file()) or \
                paths["key"].read_text(encoding="utf-8").strip() != key:
            return None
        report = json.loads(paths["json"].read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.info("sample %s: the earlier report cannot be read (%s); screening it again",
                 sample_id, exc)
        return None
    from ..report.model import SCHEMA_VERSION

    if not (isinstance(report, dict) and report.get("schema_version") == SCHEMA_VERSION
            and isinstance(report.get("sample"), dict)
            and report["sample"].get("id") == sample_id
            and isinstance(report.get("rules"), list)
            and isinstance(report.get("caution"), dict) and "level" in report["caution"]):
        log.info("sample %s: the earlier report is incomplete or of another version; screening "
                 "it again", sample_id)
        return None
    return report


def _screen_one(row: ManifestRow, options: BatchOptions, out_dir: str) -> SampleOutcome:
    """Runs in a worker process; returns instead of raising so one sample cannot stop the batch."""
    from ..report.render import write_reports
    from ..screen import ScreenInputs, screen_sample

    try:
        kb = _knowledge(options.knowledge_path, options.knowledge_mode)
        key = cache_key(row, options, kb.sha256)
        paths = sample_output_paths(out_dir, row.sample_id)
        key_path = paths["key"]
        reused = _reusable_report(paths, key, row.sample_id)
        if reused is not None:
            return SampleOutcome(row.sample_id, "reused", reused, json_path=str(paths["json"]))
        inputs = ScreenInputs(vcf=row.vcf, cnv=row.cnv, sample=row.sample,
                              cnv_sample=row.cnv_sample, sample_id=row.sample_id,
                              build=row.build or options.build, panel_bed=row.panel,
                              include_filtered=options.include_filtered,
                              cnv_format=row.cnv_format, seg_log_base=row.seg_log_base,
                              purity=row.purity, ploidy=row.ploidy, sex=row.sex)
        report = screen_sample(inputs, kb)
        written = write_reports(report, out_dir)
        with atomic_write(key_path) as handle:
            handle.write(key + "\n")
        return SampleOutcome(row.sample_id, "screened", report.to_dict(),
                             json_path=str(written["json"]))
    except HpdError as exc:
        return _failed(row, out_dir, str(exc))
    except Exception as exc:  # a bug on one sample must not lose the others' work
        log.debug("sample %s failed", row.sample_id, exc_info=True)
        return _failed(row, out_dir, f"internal error {type(exc).__name__}: {exc}")


class _WorkerStopped(SystemExit):
    """Raised in a worker by SIGTERM (from the parent's clean-up, or its death): unwinds the
    sample in progress (removing its temporary files) and ends the worker process."""


def _worker_stop(_signum, _frame):
    # One stop is enough: the parent's clean-up, its death signal and the watching thread may each
    # send SIGTERM, and a second one landing while the first unwinds (inside a clean-up handler)
    # would skip that handler and leave a temporary file behind. Later ones are ignored; the
    # grace-time kill still ends a worker stuck in C code.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _WorkerStopped(143)


_PR_SET_PDEATHSIG = 1
_PARENT_POLL_SECONDS = 0.5
_STOP_GRACE_SECONDS = 5.0


def _worker_init(parent_pid: int) -> None:
    """Tie a worker's life to the cohort process that started it (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _worker_stop)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass                                     # the watching thread still covers it
    if os.getppid() != parent_pid:                   # the parent died before the line above
        os._exit(143)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="hpdgenomics-parent-watch").start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_PARENT_POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)             # unwind the sample in progress ...
    time.sleep(_STOP_GRACE_SECONDS)
    os._exit(143)                                    # ... or go, if it is stuck in C code


def _screen_one_in_worker(row: ManifestRow, options: BatchOptions, out_dir: str) -> SampleOutcome:
    try:
        return _screen_one(row, options, out_dir)
    except _WorkerStopped:
        # the executor would send a SystemExit back as a result and carry on: end here instead
        os._exit(143)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel queued samples and end every worker (SIGTERM, then SIGKILL after a grace time)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)


# --- executors ------------------------------------------------------------------------------------
# One code path submits the samples, collects their outcomes and handles failures for every
# executor: in this process (one worker), a local process pool, or a Dask cluster. The executors
# differ only in how they start, which function a worker runs, and how they stop.

#: seconds to wait for a Dask scheduler to answer and to have a worker (HPDGENOMICS_DASK_TIMEOUT)
DASK_TIMEOUT_SECONDS = 10.0
DASK_INSTALL = "pip install 'hpdgenomics[dask]'"


@dataclass
class _Executor:
    executor: Executor | None              # None: in this process, one sample after another
    task: Callable[..., SampleOutcome]     # what a worker runs: task(row, options, out_dir)
    stop: Callable[[], None]               # an interruption: cancel queued samples, end workers
    close: Callable[[], None]              # the normal end
    remote: bool = False                   # workers may not share this process's folder


def _pool_executor(workers: int) -> _Executor:
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                               initargs=(os.getpid(),))
    return _Executor(pool, _screen_one_in_worker, lambda: _stop_workers(pool),
                     lambda: pool.shutdown(wait=True))


def _dask_timeout() -> float:
    text = os.environ.get("HPDGENOMICS_DASK_TIMEOUT")
    try:
        value = float(text) if text else DASK_TIMEOUT_SECONDS
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UsageError(f"HPDGENOMICS_DASK_TIMEOUT={text!r} is not a positive number of seconds",
                         hint=f"unset it or give e.g. {DASK_TIMEOUT_SECONDS:g}")
    return value


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise UsageError(f"--dask-scheduler needs Dask's distributed scheduler, which cannot be "
                         f"imported ({exc})", hint=f"install it with {DASK_INSTALL}") from None
    return distributed


def _check_reachable(address: str, timeout: float) -> None:
    """Fail fast, with one line, when nothing answers at ``address`` (the Client would leave
    tracebacks on stderr from its clean-up)."""
    import asyncio

    from distributed.comm import connect

    async def probe() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    try:
        asyncio.run(probe())
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot reach a Dask scheduler at {address!r} ({exc})",
                         hint="give the tcp://host:port of a running `dask scheduler` that this "
                              "machine can reach, or 'local' to start one here") from None


def _worker_problem(options: BatchOptions, out_dir: str, expected: tuple[str, str]) -> str | None:
    """What keeps this Dask worker from screening samples as this run would, or None.

    ``expected`` is the run's (tool version, knowledge sha256): a worker with another version or
    knowledge base would write reports the run cannot mix with the others."""
    version, knowledge_sha256 = expected
    if __version__ != version:
        return f"it runs hpdgenomics {__version__}, this run {version}"
    try:
        worker_sha256 = _knowledge(options.knowledge_path, options.knowledge_mode).sha256
    except HpdError as exc:
        return f"it cannot load the knowledge base ({exc})"
    if worker_sha256 != knowledge_sha256:
        return (f"its knowledge base differs (sha256 {worker_sha256[:12]}..., this run "
                f"{knowledge_sha256[:12]}...)")
    if not os.path.isdir(out_dir) or not os.access(out_dir, os.W_OK):
        return f"it cannot write the output folder {out_dir}"
    return None


def _screen_on_dask_worker(row: ManifestRow, options: BatchOptions, out_dir: str,
                           expected: tuple[str, str]) -> SampleOutcome:
    """A Dask task: one sample, after checking that this worker screens as the run expects (a
    worker may join an adaptive cluster after the run's first check)."""
    problem = _worker_problem(options, out_dir, expected)
    if problem is not None:
        return SampleOutcome(row.sample_id, "failed",
                             error=f"Dask worker {_this_dask_worker()} cannot screen it: {problem}")
    return _screen_one(row, options, out_dir)


def _this_dask_worker() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "(unknown)"


def _absolute(row: ManifestRow) -> ManifestRow:
    """``row`` with its input paths made absolute (a Dask worker may run in another folder)."""
    def absolute(path: Path | None) -> Path | None:
        return None if path is None else Path(os.path.abspath(path))

    return replace(row, vcf=absolute(row.vcf), cnv=absolute(row.cnv), panel=absolute(row.panel))


@contextmanager
def _dask_executor(address: str, workers: int | None, n_samples: int, options: BatchOptions,
                   out_dir: str) -> Iterator[_Executor]:
    """Connect to the Dask scheduler at ``address`` (``local``: start a LocalCluster of worker
    processes here), check its workers, and hand out an executor that runs samples there."""
    distributed = _import_distributed()
    timeout = _dask_timeout()
    expected = (__version__, _knowledge(options.knowledge_path, options.knowledge_mode).sha256)
    cluster = None
    if address == "local":
        # processes, one thread each: cyvcf2/htslib readers are not shared between threads
        n_workers = max(1, min(workers or os.cpu_count() or 1, n_samples or 1))
        import dask

        # the workers' statistical profiler only feeds the dashboard: a few % of the CPU saved
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                               processes=True, host="127.0.0.1",
                                               dashboard_address=":0",   # any free port
                                               silence_logs=logging.ERROR)
        address = cluster.scheduler_address
    else:
        if workers:
            log.warning("--workers is not used with a running Dask scheduler: its workers "
                        "screen the samples")
        _check_reachable(address, timeout)
    client = None
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise UsageError(f"the Dask scheduler at {address} has no worker after {timeout:g} s",
                             hint="start workers for it (dask worker ADDRESS --nthreads 1) or "
                                  "check that they can reach it") from None
        try:
            problems = client.run(_worker_problem, options, out_dir, expected)
        except Exception as exc:   # e.g. a worker that cannot import hpdgenomics
            raise UsageError(f"a worker of the Dask scheduler at {address} cannot run "
                             f"hpdgenomics ({type(exc).__name__}: {exc})",
                             hint=f"install hpdgenomics {__version__} on every worker") from None
        bad = {worker: problem for worker, problem in sorted(problems.items()) if problem}
        if bad:
            raise UsageError(
                f"{len(bad)} of {len(problems)} Dask worker(s) at {address} cannot screen for "
                "this run: " + "; ".join(f"{w}: {p}" for w, p in bad.items()),
                hint="workers need the same hpdgenomics and knowledge base, and must see the "
                     "input files and --out at the same paths (a shared file system)")
    except BaseException:
        _close_dask(client, cluster)
        raise
    executor = client.get_executor(pure=False)   # every run screens anew (or reuses by key)

    def stop() -> None:
        executor.shutdown(wait=False)            # cancels the queued samples
        _close_dask(client, cluster)

    yield _Executor(executor, partial(_screen_on_dask_worker, expected=expected), stop,
                    lambda: _close_dask(client, cluster), remote=True)


def _close_dask(client, cluster) -> None:
    for thing in (client, cluster):
        if thing is not None:
            try:
                thing.close()
            except Exception as exc:   # noqa: BLE001 - closing must not hide the run's outcome
                log.debug("closing %s: %s", type(thing).__name__, exc)


@contextmanager
def _open_executor(rows: list[ManifestRow], workers: int | None, dask_scheduler: str | None,
                   options: BatchOptions, out_dir: str) -> Iterator[_Executor]:
    if dask_scheduler is not None:
        with _dask_executor(dask_scheduler, workers, len(rows), options, out_dir) as executor:
            yield executor
        return
    workers = max(1, min(workers or os.cpu_count() or 1, len(rows) or 1))
    if workers == 1:
        yield _Executor(None, _screen_one, lambda: None, lambda: None)
    else:
        yield _pool_executor(workers)


def _outcomes(executor: _Executor, rows: list[ManifestRow], options: BatchOptions,
              out_dir: str) -> Iterator[SampleOutcome]:
    """Each sample's outcome, as it finishes."""
    if executor.executor is None:
        for row in rows:
            yield executor.task(row, options, out_dir)
        return
    futures = {executor.executor.submit(executor.task, row, options, out_dir): row
               for row in rows}
    for future in as_completed(futures):
        try:
            yield future.result()
        except BrokenExecutor:
            raise                       # the pool is gone: no sample after this one can run
        except Exception as exc:        # the task itself could not run, e.g. its Dask worker died
            row = futures[future]       # each time it tried the sample (KilledWorker)
            yield _failed(row, out_dir, f"its task failed on the executor "
                                        f"({type(exc).__name__}: {exc})")


def screen_manifest(rows: list[ManifestRow], out_dir: str | Path, options: BatchOptions,
                    *, workers: int | None = None,
                    progress: Callable[[SampleOutcome], None] | None = None,
                    dask_scheduler: str | None = None) -> list[SampleOutcome]:
    """Screen every row; results come back in manifest order.

    ``workers`` processes screen the samples here (default: all cores), or, with
    ``dask_scheduler`` (``tcp://host:port`` of a running Dask scheduler, or ``local`` for a
    LocalCluster of ``workers`` processes), the Dask workers do. Dask workers read the input files
    and write the reports at the paths this process gives them (made absolute): both must be on a
    file system they share with this process."""
    out_dir = str(out_dir)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    outcomes: dict[str, SampleOutcome] = {}
    with _open_executor(rows, workers, dask_scheduler, options, out_dir) as executor:
        task_rows, task_out_dir = rows, out_dir
        if executor.remote:
            task_rows, task_out_dir = [_absolute(row) for row in rows], os.path.abspath(out_dir)
        try:
            for outcome in _outcomes(executor, task_rows, options, task_out_dir):
                if executor.remote and outcome.json_path is not None:
                    # named as the local executors name it
                    outcome.json_path = str(sample_output_paths(out_dir,
                                                                outcome.sample_id)["json"])
                outcomes[outcome.sample_id] = outcome
                if progress:
                    progress(outcome)
        except BaseException:
            # Ctrl-C, SIGTERM, a broken pool: no worker may outlive the run
            executor.stop()
            raise
        executor.close()
    for outcome in outcomes.values():
        if outcome.status == "failed":
            log.warning("sample %s skipped: %s", outcome.sample_id, outcome.error)
    return [outcomes[row.sample_id] for row in rows]
