"""Copy-number readers, one module per format, behind the ``copy_number`` reader registry.

Every reader returns :class:`CopyNumberData` whose ``segments`` table follows the one schema of
:mod:`hpdgenomics.copynumber.schema` (chromosomes without ``chr``, 1-based closed coordinates).
Formats are detected from the file's first lines (see each module's ``sniff``) and can always be
named explicitly (``--cnv-format``); ``hpdgenomics.io.registry.formats("copy_number")`` lists them.
"""
from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ..registry import detect_format, get_reader
from . import allele_specific, cnvkit, facets, gatk, matrix, purple, seg, vcf  # noqa: F401  (register)
from ._common import CopyNumberData
from .matrix import duplicate_gene_rows, read_gene_matrix
from .purple import PurpleFit, read_purple_purity

__all__ = [
    "CopyNumberData",
    "PurpleFit",
    "duplicate_gene_rows",
    "read_copy_number",
    "read_gene_matrix",
    "read_purple_purity",
]


def read_copy_number(path: str | Path, *, fmt: str | None = None, sample: str | None = None,
                     seg_log_base: float | None = None) -> CopyNumberData:
    """Read one sample's copy-number file (format detected unless ``fmt`` names it).

    ``sample`` chooses a sample of a multi-sample file (required when there are several);
    ``seg_log_base`` (2 or 10) states the log base of a SEG file's values.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint="check the --cnv path")
    if fmt:
        entry = get_reader("copy_number", fmt)
    else:
        try:
            entry = detect_format("copy_number", path)
        except InputError:
            if path.name.endswith(".purple.purity.tsv"):
                raise InputError("this is a PURPLE purity/ploidy table, not copy-number segments",
                                 path=path, hint="give the .purple.cnv.somatic.tsv beside it; "
                                 "its purity and ploidy are read automatically") from None
            raise
    if seg_log_base is not None and entry.name != "seg":
        raise InputError(f"--seg-log-base applies to SEG files only; this file was read as "
                         f"{entry.name}", path=path, hint="drop --seg-log-base")
    return entry.read(path, sample=sample, seg_log_base=seg_log_base)
