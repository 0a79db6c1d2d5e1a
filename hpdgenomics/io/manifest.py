"""Cohort manifest reader.

Format: TSV (or CSV by extension) with a header row. Required: ``sample_id`` and at least one of
``vcf`` / ``cnv`` per row. Optional: ``patient_id``, ``panel`` (BED of the sample's assay),
``tumor_type``, ``sample`` (tumour sample name inside a multi-sample file), ``build``; any other
column is carried along into the cohort tables as a covariate candidate. Relative paths are
resolved against the manifest's folder. Every problem is reported at once.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .text import open_text

KNOWN_COLUMNS = ("sample_id", "patient_id", "vcf", "cnv", "panel", "tumor_type", "sample", "build")
MISSING = {"", "NA", "na", "N/A", "[Not Available]", "None"}


@dataclass
class ManifestRow:
    sample_id: str
    line: int
    patient_id: str | None = None
    vcf: Path | None = None
    cnv: Path | None = None
    panel: Path | None = None
    tumor_type: str | None = None
    sample: str | None = None
    build: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def read_manifest(path: str | Path) -> list[ManifestRow]:
    path = Path(path)
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    with open_text(path) as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    if not lines:
        raise InputError("manifest is empty", path=path,
                         hint="write a header row with sample_id and vcf and/or cnv columns")
    reader = csv.DictReader(lines, delimiter=delimiter)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if "sample_id" not in columns or not ({"vcf", "cnv"} & set(columns)):
        raise InputError(f"manifest header {columns} lacks sample_id and a vcf or cnv column",
                         path=path, where="line 1",
                         hint="tab-separated header: sample_id, vcf, cnv, [patient_id, panel, ...]")
    rows, problems, seen = [], [], {}
    for index, raw in enumerate(reader, start=2):
        record = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        sample_id = record.get("sample_id", "")
        if sample_id in MISSING:
            problems.append(f"line {index}: empty sample_id")
            continue
        if sample_id in seen:
            problems.append(f"line {index}: sample_id {sample_id!r} already on line {seen[sample_id]}")
            continue
        seen[sample_id] = index
        files = {}
        for column in ("vcf", "cnv", "panel"):
            value = record.get(column, "")
            if value in MISSING:
                files[column] = None
                continue
            file_path = Path(value) if Path(value).is_absolute() else path.parent / value
            if not file_path.is_file():
                problems.append(f"line {index}: {column} file {value!r} not found "
                                f"(looked at {file_path})")
            files[column] = file_path
        if files["vcf"] is None and files["cnv"] is None:
            problems.append(f"line {index}: sample {sample_id!r} has neither vcf nor cnv")
        rows.append(ManifestRow(
            sample_id=sample_id, line=index,
            patient_id=None if record.get("patient_id", "") in MISSING else record["patient_id"],
            vcf=files["vcf"], cnv=files["cnv"], panel=files["panel"],
            tumor_type=None if record.get("tumor_type", "") in MISSING else record["tumor_type"],
            sample=None if record.get("sample", "") in MISSING else record["sample"],
            build=None if record.get("build", "") in MISSING else record["build"],
            extra={k: v for k, v in record.items() if k not in KNOWN_COLUMNS}))
    if problems:
        shown = "; ".join(problems[:15]) + (f" (+{len(problems) - 15} more)"
                                             if len(problems) > 15 else "")
        raise InputError(f"{len(problems)} problem(s) in the manifest: {shown}", path=path,
                         hint="fix every line named and rerun")
    return rows
