"""PURPLE (Hartwig hmftools) somatic copy-number segments, gene copy numbers and purity/ploidy.

Formats (tab-separated, one header line):

* ``<tumor>.purple.cnv.somatic.tsv``: ``chromosome start end copyNumber ...
  minorAlleleCopyNumber majorAlleleCopyNumber`` (PURPLE 2.x: ``minorAllelePloidy``/
  ``majorAllelePloidy``); absolute, purity-adjusted copies per segment;
* ``<tumor>.purple.cnv.gene.tsv``: ``chromosome start end gene minCopyNumber maxCopyNumber ...
  minMinorAlleleCopyNumber`` (2.x: ``minMinorAllelePloidy``); one row per gene, or from PURPLE
  3.x one row per transcript with ``isCanonical``, of which only the canonical rows are used
  (``minCopyNumber`` is the value PURPLE's own amplification and deletion drivers use);
* ``<tumor>.purple.purity.tsv``: one row with ``purity``, ``ploidy``, ``gender`` (read by
  :func:`read_purple_purity`, and picked up automatically from beside the copy-number file).

Coordinates: 1-based closed (PURPLE writes its segments that way: a chromosome starts at 1 and
ends at its length). Chromosome names lose ``chr``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import InputError
from ..registry import register
from ._common import (
    CnvReadContext,
    CopyNumberData,
    finish,
    first_column,
    header_fields,
    normalise_chromosomes,
    read_table,
    require_columns,
)

_SEGMENT_SUFFIX = ".purple.cnv.somatic.tsv"
_GENE_SUFFIX = ".purple.cnv.gene.tsv"
_PURITY_SUFFIX = ".purple.purity.tsv"


def _is_somatic(fields: list[str]) -> bool:
    return fields[:4] == ["chromosome", "start", "end", "copynumber"]


def _is_gene(fields: list[str]) -> bool:
    return fields[:4] == ["chromosome", "start", "end", "gene"] and "mincopynumber" in fields


def _is_purity(fields: list[str]) -> bool:
    return "purity" in fields and "ploidy" in fields


@dataclass(frozen=True)
class PurpleFit:
    """PURPLE's purity, ploidy, sex and fit status, read from a ``.purple.purity.tsv``."""

    purity: float
    ploidy: float
    sex: str | None
    path: str
    status: str = ""                 # PURPLE fit status (NORMAL, HIGHLY_DIPLOID, NO_TUMOR, ...)
    warnings: tuple[str, ...] = ()


# PURPLE's fit statuses that mean its purity/ploidy (and so its copy numbers) are not a tumour
# fit: NO_TUMOR (no tumour evidence; purity is set to a floor), FAIL_* / FAILED from later
# versions and the QC file
_FAILED_STATUS = ("NO_TUMOR", "FAIL", "FAILED", "FAIL_NO_TUMOR", "FAIL_CONTAMINATION")
# below this purity a copy-number fit rests on very little tumour signal (PURPLE's own floor
# for a fit is 0.08, its default min purity)
_LOW_PURITY = 0.10


def read_purple_purity(path: str | Path) -> PurpleFit:
    """Purity, ploidy and sex from a ``.purple.purity.tsv``."""
    path = Path(path)
    table = read_table(path, _is_purity, what="PURPLE purity table")
    if len(table) != 1:
        raise InputError(f"expected one fit row, found {len(table)}", path=path)
    row = table.iloc[0]
    try:
        purity, ploidy = float(row["purity"]), float(row["ploidy"])
    except ValueError:
        raise InputError(f"purity {row['purity']!r} / ploidy {row['ploidy']!r} are not numbers",
                         path=path, where=f"line {row['source_line']}") from None
    if not (0 < purity <= 1) or ploidy <= 0:
        raise InputError(f"purity {purity} / ploidy {ploidy} out of range", path=path,
                         hint="purity must be in (0, 1] and ploidy positive")
    # the column is "gender" up to PURPLE 3.x and "sex" from later versions
    gender = str(row["gender"] if "gender" in row.index else row.get("sex", "")).strip().upper()
    sex = {"MALE": "male", "FEMALE": "female"}.get(gender)
    warnings = []
    if gender and sex is None:
        warnings.append(f"PURPLE sex {gender!r} (e.g. MALE_KLINEFELTER) is neither MALE nor "
                        "FEMALE: X/Y genes not called unless --sex is given")
    status = str(row.get("status", "")).strip().upper()
    if status and any(status == s or status.startswith("FAIL") for s in _FAILED_STATUS):
        warnings.append(f"PURPLE fit status {status} (purity {purity:g}): PURPLE found no "
                        "reliable tumour fit, so its copy numbers are not tumour copy numbers; "
                        "gene calls from this sample should not be trusted")
    elif purity < _LOW_PURITY:
        warnings.append(f"PURPLE purity {purity:g} is below {_LOW_PURITY:g}: the copy-number "
                        "fit rests on very little tumour signal")
    return PurpleFit(purity, ploidy, sex, str(path), status, tuple(warnings))


def _sibling_fit(path: Path, suffix: str, warnings: list[str]) -> PurpleFit | None:
    if not path.name.endswith(suffix):
        return None
    sibling = path.with_name(path.name[: -len(suffix)] + _PURITY_SUFFIX)
    if not sibling.exists():
        warnings.append(f"no {sibling.name} beside the file: purity and ploidy not taken from "
                        "PURPLE")
        return None
    return read_purple_purity(sibling)


def _file_fields(path: Path, suffix: str, warnings: list[str]) -> dict[str, Any]:
    """:class:`CnvReadContext` fields PURPLE's file naming gives: the sample (the tumour name
    before ``suffix``) and the purity, ploidy and sex of the ``.purple.purity.tsv`` beside it."""
    named = path.name.endswith(suffix)
    fields: dict[str, Any] = {"sample": path.name[: -len(suffix)] if named else None, "samples": [],
              "sample_source": "PURPLE file name", "caller": "PURPLE"}
    fit = _sibling_fit(path, suffix, warnings)
    if fit is not None:
        warnings.extend(fit.warnings)
        source = f"PURPLE {Path(fit.path).name}"
        fields.update(purity=fit.purity, ploidy=fit.ploidy, purity_source=source,
                      ploidy_source=source, sex=fit.sex)
    return fields


_GERMLINE_NAMES = (".purple.cnv.germline.tsv", ".purple.germline.deletion.tsv",
                   ".purple.cnv.germline.tsv.gz")


def _reject_germline(path: Path) -> None:
    """PURPLE's germline outputs look like (or are) its somatic table; they must never be screened
    as tumour copy number. Older PURPLE writes ``.purple.cnv.germline.tsv`` with exactly the
    somatic header, so only the file name tells them apart."""
    name = path.name.lower()
    if any(name.endswith(suffix) for suffix in _GERMLINE_NAMES) or ".germline." in name:
        raise InputError("this is a PURPLE germline copy-number file, not the tumour's somatic "
                         "copy number", path=path,
                         hint="give <tumor>.purple.cnv.somatic.tsv (segments) or "
                              "<tumor>.purple.cnv.gene.tsv (genes)")


def _optional_column(table: pd.DataFrame, *names: str) -> pd.Series | None:
    column = first_column(table, *names)
    return table[column] if column else None


@register("copy_number", "purple-somatic",
          sniff=lambda p, lines: header_fields(lines, _is_somatic) is not None,
          description="PURPLE .purple.cnv.somatic.tsv (absolute copies, allele-specific)")
def read_purple_somatic(path: Path, **_options: object) -> CopyNumberData:
    """Read a PURPLE ``.purple.cnv.somatic.tsv`` (absolute, allele-specific copies), with the fit
    from the ``.purple.purity.tsv`` beside it; germline files are refused.

    Raises :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    path = Path(path)
    _reject_germline(path)
    table = read_table(path, _is_somatic, what="PURPLE somatic copy-number table")
    warnings: list[str] = []
    from_file = _file_fields(path, _SEGMENT_SUFFIX, warnings)
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(table["chromosome"]),
        "start": table["start"], "end": table["end"], "copy_number": table["copynumber"],
        # PURPLE 2.x named the allele copies ...Ploidy; 3.x renamed them ...CopyNumber
        "major_cn": _optional_column(table, "majorallelecopynumber", "majoralleleploidy"),
        "minor_cn": _optional_column(table, "minorallelecopynumber", "minoralleleploidy"),
        "n_probes": table.get("depthwindowcount"),
        "source_line": table["source_line"],
    })
    return finish(path, segments, CnvReadContext(
        format="purple-somatic", level="segment", value_kind="absolute", records_read=len(table),
        warnings=warnings, **from_file))


@register("copy_number", "purple-gene",
          sniff=lambda p, lines: header_fields(lines, _is_gene) is not None,
          description="PURPLE .purple.cnv.gene.tsv (gene-level minimum/maximum copies)")
def read_purple_gene(path: Path, **_options: object) -> CopyNumberData:
    """Read a PURPLE ``.purple.cnv.gene.tsv`` (gene-level minimum/maximum copies, canonical
    transcripts only), with the fit from the ``.purple.purity.tsv`` beside it; germline files are
    refused.

    Raises :class:`~hpdgenomics.errors.InputError` naming the file and line when it is malformed.
    """
    path = Path(path)
    _reject_germline(path)
    table = read_table(path, _is_gene, what="PURPLE gene copy-number table")
    require_columns(table, ["gene", "mincopynumber", "maxcopynumber"], path=path,
                    what="PURPLE gene table")
    warnings: list[str] = []
    from_file = _file_fields(path, _GENE_SUFFIX, warnings)
    if "iscanonical" in table.columns:
        # PURPLE 3.x+ lists every transcript of a gene; its drivers use the canonical one
        canonical = table["iscanonical"].str.strip().str.lower() == "true"
        dropped = int((~canonical).sum())
        if dropped:
            warnings.append(f"{dropped} non-canonical transcript row(s) (isCanonical false) not "
                            "used; genes are called on their canonical transcript")
        table = table[canonical]
    segments = pd.DataFrame({
        "chrom": normalise_chromosomes(table["chromosome"]),
        "start": table["start"], "end": table["end"], "gene": table["gene"],
        "copy_number": table["mincopynumber"], "copy_number_max": table["maxcopynumber"],
        "minor_cn": _optional_column(table, "minminorallelecopynumber", "minminoralleleploidy"),
        "source_line": table["source_line"],
    })
    return finish(path, segments, CnvReadContext(
        format="purple-gene", level="gene", value_kind="absolute", records_read=len(table),
        warnings=warnings, **from_file))
