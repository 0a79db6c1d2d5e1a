"""Which annotation flavour a VCF header declares (:func:`detect_flavour`).

Above the flavour modules (VEP, SnpEff, bcftools, Funcotator), which it imports at the top; they
import their shared pieces from :mod:`hpdgenomics.annotation.effects`, which imports none of them,
so the annotation modules form no import cycle.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .bcsq import BcftoolsCsq
from .effects import AnnotationFlavour
from .funcotator import Funcotator, is_funcotator_description
from .snpeff import SnpEffAnn, SnpEffEff
from .vep import VepCsq

if TYPE_CHECKING:  # pragma: no cover
    import cyvcf2

logger = logging.getLogger(__name__)


def _info_descriptions(vcf) -> list[tuple[str, str]]:
    found = []
    for record in vcf.header_iter():
        if record.type != "INFO":
            continue
        info = record.info()
        found.append((info.get("ID", ""), info.get("Description", "").strip().strip('"')))
    return found


def detect_flavour(vcf: cyvcf2.VCF) -> AnnotationFlavour | None:
    """The annotation flavour the VCF header declares, or None for an unannotated file.

    Recognised by the INFO description (see the module docstring); when several are present
    (a file run through two annotators) the first in the order VEP CSQ, SnpEff ANN, bcftools BCSQ,
    SnpEff EFF, GATK Funcotator is used and the others are logged. A FUNCOTATION header without
    Gencode fields (only other data sources) is not a flavour: it has no consequences to read.
    """
    candidates: list[AnnotationFlavour] = []
    for tag, description in _info_descriptions(vcf):
        lowered = description.lower()
        if "ensembl vep" in lowered and "format:" in lowered:
            candidates.append(VepCsq.from_header(tag, description))
        elif lowered.startswith("functional annotations:"):
            candidates.append(SnpEffAnn.from_header(tag, description))
        elif "bcftools/csq" in lowered:
            candidates.append(BcftoolsCsq.from_header(tag, description))
        elif ("predicted effects" in lowered
              and "effect (" in lowered.replace("effect(", "effect (")):
            candidates.append(SnpEffEff.from_header(tag, description))
        elif is_funcotator_description(description):
            funcotator = Funcotator.from_header(tag, description)
            if funcotator.has_gencode_fields():
                candidates.append(funcotator)
    if not candidates:
        return None
    order = ["VEP CSQ", "SnpEff ANN", "bcftools BCSQ", "SnpEff EFF", "GATK Funcotator"]
    candidates.sort(key=lambda flavour: order.index(flavour.name))
    if len(candidates) > 1:
        logger.info("several annotations in the header (%s); using %s (INFO/%s)",
                    ", ".join(f"{c.name} INFO/{c.tag}" for c in candidates),
                    candidates[0].name, candidates[0].tag)
    return candidates[0]


__all__ = ["detect_flavour"]
