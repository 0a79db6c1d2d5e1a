"""The reader's result types: what :func:`~hpdgenomics.io.vcf.read_vcf` returns."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...model import VariantCall

NO_ANNOTATION = "none (coordinate matching)"


@dataclass
class VcfRecordCounts:
    """What happened to every ALT allele the reader looked at.

    Invariant: ``alleles_read == filtered + off_panel + rejected + screened``. The region test comes
    first: an allele outside every panel gene span is ``off_panel`` whatever its FILTER. With an
    index, only records in the panel regions are read, so ``records_read`` and ``off_panel`` count
    those alone.
    """

    records_read: int = 0
    alleles_read: int = 0
    filtered: int = 0
    off_panel: int = 0
    rejected: int = 0
    screened: int = 0
    index_used: bool = False


@dataclass
class VcfReadResult:
    path: str
    sha256: str
    sample: str
    sample_source: str
    samples: list[str]
    build: str
    build_source: str
    annotation: str
    variants: list[VariantCall]
    counts: VcfRecordCounts
    warnings: list[str] = field(default_factory=list)
    # the subset of ``warnings`` that is also logged (stderr): index not used, duplicates, build
    loud_warnings: list[str] = field(default_factory=list, repr=False)
