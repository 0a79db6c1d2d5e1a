"""Screen every sample of a manifest with the single-sample code, in parallel.

One bad sample is recorded as failed and never stops the others. A rerun into the same folder
reuses a sample's finished report when nothing that could change it has changed: the sample's input
files (by sha256), the knowledge base (by sha256), the tool version, the screen options and the
manifest row's screen settings (sample names, build, copy-number format, SEG log base, purity,
ploidy, sex). A sample that fails has the reports of any earlier run removed, so an old report is
never read as current.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
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


def _screen_one(row: ManifestRow, options: BatchOptions, out_dir: str) -> SampleOutcome:
    """Runs in a worker process; returns instead of raising so one sample cannot stop the batch."""
    from ..report.render import write_reports
    from ..screen import ScreenInputs, screen_sample

    try:
        kb = _knowledge(options.knowledge_path, options.knowledge_mode)
        key = cache_key(row, options, kb.sha256)
        paths = sample_output_paths(out_dir, row.sample_id)
        key_path = paths["key"]
        if key_path.is_file() and paths["json"].is_file() and key_path.read_text().strip() == key:
            report = json.loads(paths["json"].read_text(encoding="utf-8"))
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
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_screen_one, row, options, out_dir): row for row in rows}
            for future in as_completed(futures):
                outcome = future.result()
                outcomes[outcome.sample_id] = outcome
                if progress:
                    progress(outcome)
    for outcome in outcomes.values():
        if outcome.status == "failed":
            log.warning("sample %s skipped: %s", outcome.sample_id, outcome.error)
    return [outcomes[row.sample_id] for row in rows]
