"""Gene-level copy number: thresholds, log2 -> copies conversion, and calls for panel genes.

Public API: :class:`CopyNumberThresholds`, :func:`thresholds_from_knowledge`, :func:`call_genes`,
:func:`call_from_copies`, :func:`call_from_discrete`, :func:`log2_to_copies`. The segment table
schema every reader produces is in :mod:`hpdgenomics.copynumber.schema`; the reasoning behind
each default is in docs/copy_number.md.
"""
from __future__ import annotations

from .conversion import (
                         DEFAULT_PLOIDY,
                         call_from_copies,
                         call_from_discrete,
                         conversion_basis,
                         log2_to_copies,
)
from .genes import call_genes
from .thresholds import CopyNumberThresholds, thresholds_from_knowledge

__all__ = [
                         "DEFAULT_PLOIDY",
                         "CopyNumberThresholds",
                         "call_from_copies",
                         "call_from_discrete",
                         "call_genes",
                         "conversion_basis",
                         "log2_to_copies",
                         "thresholds_from_knowledge",
]
