"""Variant annotations: VEP CSQ, SnpEff ANN/EFF, bcftools BCSQ, Funcotator parsers; HGVS notation.

Public API: :class:`TranscriptEffect`, :class:`AnnotationFlavour`, :func:`detect_flavour`,
:func:`choose_effect`, :func:`protein_to_one_letter`, :func:`so_to_consequence`; the flavour
classes :class:`VepCsq`, :class:`SnpEffAnn`, :class:`SnpEffEff`, :class:`BcftoolsCsq`,
:class:`Funcotator`.
Coordinate-only classification of unannotated records lives in
:mod:`hpdgenomics.annotation.unannotated`.
"""
from .bcsq import BcftoolsCsq
from .effects import (
    AnnotationFlavour,
    TranscriptEffect,
    choose_effect,
    most_severe,
)
from .flavours import detect_flavour
from .funcotator import Funcotator
from .hgvs import protein_change_from_residues, protein_to_one_letter, so_to_consequence
from .snpeff import SnpEffAnn, SnpEffEff
from .vep import VepCsq

__all__ = [
    "AnnotationFlavour", "BcftoolsCsq", "Funcotator", "SnpEffAnn", "SnpEffEff", "TranscriptEffect",
    "VepCsq",
    "choose_effect", "detect_flavour", "most_severe", "protein_change_from_residues",
    "protein_to_one_letter", "so_to_consequence",
]
