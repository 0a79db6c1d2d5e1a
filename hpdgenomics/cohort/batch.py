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
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..errors import HpdError
from ..io.manifest import ManifestRow
from ..io.text import atomic_write, sha256_file

log = logging.getLogger(__name__)


@dataclass
class SampleOutcome:
    sample_id: str
    status: str                  # "screened", "reused" or "failed"
    report: dict | None = None   # the sample's JSON report
    error: str | None = None
    json_path: str | None = None


@dataclass(frozen=True)
class BatchOptions:
    build: str | None = None
    knowledge_path: str | None = None
    knowledge_mode: str = "extend"
    include_filtered: bool = False


@lru_cache(maxsize=4)
def _knowledge(path: str | None, mode: str):
    from ..knowledge import load_knowledge

    return load_knowledge(path, mode=mode)


def cache_key(row: ManifestRow, options: BatchOptions, knowledge_sha256: str) -> str:
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
        report = _reusable_report(paths, key, row.sample_id)
        if report is not None:
            return SampleOutcome(row.sample_id, "reused", report, json_path=str(paths["json"]))
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


def screen_manifest(rows: list[ManifestRow], out_dir: str | Path, options: BatchOptions,
                    *, workers: int | None = None,
                    progress: Callable[[SampleOutcome], None] | None = None) -> list[SampleOutcome]:
    """Screen every row; results come back in manifest order."""
    out_dir = str(out_dir)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    workers = max(1, min(workers or os.cpu_count() or 1, len(rows) or 1))
    outcomes: dict[str, SampleOutcome] = {}
    if workers == 1:
        for row in rows:
            outcomes[row.sample_id] = _screen_one(row, options, out_dir)
            if progress:
                progress(outcomes[row.sample_id])
    else:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                                   initargs=(os.getpid(),))
        try:
            futures = {pool.submit(_screen_one_in_worker, row, options, out_dir): row
                       for row in rows}
            for future in as_completed(futures):
                outcome = future.result()
                outcomes[outcome.sample_id] = outcome
                if progress:
                    progress(outcome)
        except BaseException:
            # Ctrl-C, SIGTERM, a broken pool: no worker may outlive the run
            _stop_workers(pool)
            raise
        pool.shutdown(wait=True)
    for outcome in outcomes.values():
        if outcome.status == "failed":
            log.warning("sample %s skipped: %s", outcome.sample_id, outcome.error)
    return [outcomes[row.sample_id] for row in rows]
