"""Copy-number records in VCF files: GATK gCNV segment VCFs, DELLY/Manta/CNVkit ``<DEL>``/
``<DUP>``/``<CNV>`` records with a ``CN`` value.

Format: VCF 4.x read with cyvcf2. A record is a copy-number record when its ALT is ``<DEL>``,
``<DUP>`` or ``<CNV>`` (or a gCNV ``.``/``<DEL>``/``<DUP>`` with an ``END``), or INFO ``SVTYPE``
is ``DEL``/``DUP``/``CNV``; other structural variants (BND, INV, INS) are counted and skipped.
The copy number is FORMAT ``CN`` of the chosen sample, else INFO ``CN``. A record without a
usable CN is rejected (a ``<DEL>`` alone does not say whether one or both copies are lost).
Records whose FILTER is not PASS/``.`` (or whose sample FT is not PASS) are skipped and counted.
CNVkit's ``export vcf`` writes losses without CN (FORMAT ``GT:GQ``); its genotype ``1/1`` is
written only for 0 copies, so such a record is read as 0 copies, and ``0/1`` losses are rejected
with a warning.

Coordinates: VCF 1-based. For symbolic ALT alleles POS is the padding base before the event, so
the segment is POS+1..END; GATK gCNV records (ALT ``.`` or ``<DEL>,<DUP>``) cover POS..END as
GATK writes them (its IDs, ``CNV_<contig>_<POS>_<END>``, say so).
Contig lengths in the header give the build.
"""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputError
from ...genome import build_from_contig_lengths
from ..registry import register
from ..text import open_text
from ._common import (
    CnvReadContext,
    CopyNumberData,
    choose_sample,
    finish,
    lines_after_header,
    normalise_chromosomes,
)

_CN_TYPES = {"DEL", "DUP", "CNV"}


def _sniff(path: Path, lines: list[str]) -> bool:
    if not lines or not lines[0].startswith("##fileformat=VCF"):
        return False
    # Manta/DRAGEN write thousands of ##contig lines before ##FORMAT: read the whole header
    lines = lines_after_header(path, lines, prefix="##", extra=1)
    header = "\n".join(line for line in lines if line.startswith("##"))
    # a CN field is what makes a VCF usable as copy-number input; SNV VCFs do not carry one
    return "##FORMAT=<ID=CN," in header or "##INFO=<ID=CN," in header


def _read_through(path: Path) -> None:
    """Read the file once through :func:`~hpdgenomics.io.text.open_text` before cyvcf2 does.

    cyvcf2 (htslib) opens the file itself, so the decompressed-size and line-length limits that
    every other copy-number reader gets from ``open_text`` would not apply to it; a copy-number
    VCF is small (one record per segment), so the extra pass costs little.
    """
    try:
        with open_text(path) as handle:
            for _line in handle:
                pass
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read ({exc})", path=path,
                         hint="is the file truncated or not really gzip? re-create it") from None


def _sv_type(variant: Any) -> str | None:
    svtype = variant.INFO.get("SVTYPE")
    if svtype:
        return str(svtype).upper()
    alts: list[str] = variant.ALT or []
    for alt in alts:
        if alt.startswith("<") and alt.endswith(">"):
            return alt[1:-1].split(":")[0].upper()
    if variant.INFO.get("END") is not None and (not alts or alts == ["."]):
        return "CNV"   # gCNV reference-state segment: a copy-number interval without an ALT
    return None


@register("copy_number", "vcf-copy-number", sniff=_sniff,
          description="copy-number records in VCF (<DEL>/<DUP>/<CNV>, SVTYPE, FORMAT/INFO CN, "
                      "GATK gCNV)")
def read_cnv_vcf(path: Path, *, sample: str | None = None, **_options: object) -> CopyNumberData:
    """Read copy-number records from a VCF (<DEL>/<DUP>/<CNV>, SVTYPE, FORMAT or INFO CN, GATK
    gCNV).

    ``sample`` chooses one sample of a multi-sample file; returns the normalised
    :class:`CopyNumberData`. Raises :class:`~hpdgenomics.errors.InputError` naming the file and line
    when it is malformed.
    """
    from cyvcf2 import VCF

    path = Path(path)
    _read_through(path)
    try:
        vcf = VCF(str(path))
    except Exception as exc:  # noqa: BLE001  (cyvcf2 raises bare Exception on malformed headers)
        raise InputError(f"cannot be opened as a VCF ({exc})", path=path) from None
    samples = list(vcf.samples)
    chosen, source = choose_sample(samples, sample, path=path, what="VCF")
    sample_index = samples.index(chosen) if chosen is not None else None
    lengths = {}
    for raw in vcf.raw_header.splitlines():
        if raw.startswith("##contig=<"):
            fields = dict(part.split("=", 1) for part in raw[len("##contig=<"):-1].split(",")
                          if "=" in part)
            if fields.get("length", "").isdigit():
                lengths[fields["ID"]] = int(fields["length"])
    evidence = build_from_contig_lengths(lengths) if lengths else None
    has_format_cn = "CN" in vcf.raw_header and "##FORMAT=<ID=CN," in vcf.raw_header
    # GATK gCNV writes POS as the segment's first base even with symbolic <DEL>,<DUP> ALTs (its
    # record IDs read CNV_<contig>_<POS>_<END>); other callers follow the VCF padding-base rule
    gcnv = any(mark in vcf.raw_header
               for mark in ("GermlineCNVCaller", "PostprocessGermlineCNVCalls",
                            "##FORMAT=<ID=QSS,"))

    cnvkit = "##source=CNVkit" in vcf.raw_header
    homozygous_from_gt = partial_loss = 0
    rows = []
    skipped_types: dict[str, int] = {}
    filtered = no_cn = 0
    records = 0
    for number, variant in enumerate(vcf, start=1):
        records += 1
        svtype = _sv_type(variant)
        if svtype not in _CN_TYPES:
            kind = svtype or "small variant"
            skipped_types[kind] = skipped_types.get(kind, 0) + 1
            continue
        if variant.FILTER not in (None, "PASS"):
            filtered += 1
            continue
        copies = np.nan
        if has_format_cn and sample_index is not None:
            values = variant.format("CN")
            if values is not None:
                copies = float(values[sample_index][0])
                if "FT" in variant.FORMAT:
                    ft = variant.format("FT")[sample_index]
                    if str(ft) not in ("PASS", ".", ""):
                        filtered += 1
                        continue
        if np.isnan(copies) and variant.INFO.get("CN") is not None:
            copies = float(variant.INFO.get("CN"))
        if np.isnan(copies) and cnvkit and svtype == "DEL" and sample_index is not None:
            # CNVkit's export writes losses as GT:GQ without CN; its genotype 1/1 is written
            # exactly when the rounded copy number is 0 (0/1 means some copies remain)
            alleles = variant.genotypes[sample_index][:-1]
            if alleles and all(a == 1 for a in alleles):
                copies = 0.0
                homozygous_from_gt += 1
            else:
                partial_loss += 1
        if np.isinf(copies) or copies > 1e6:
            raise InputError(f"CN {copies:g} is not a finite, plausible copy number",
                             path=path, where=f"record {number} ({variant.CHROM}:{variant.POS})",
                             hint="infinite or overflowing values cannot be called: fix or "
                                  "re-create the file (a missing CN is '.')")
        # DELLY writes CN=-1 where it has no read-depth estimate (translocations, insertions)
        if np.isnan(copies) or copies < 0:
            no_cn += 1
            continue
        symbolic = any(a.startswith("<") for a in (variant.ALT or []))
        end = variant.INFO.get("END")
        start = variant.POS + 1 if symbolic and not gcnv else variant.POS
        rows.append({"chrom": variant.CHROM, "start": start,
                     "end": int(end) if end is not None else variant.POS + len(variant.REF) - 1,
                     "copy_number": copies, "source_line": number})
    vcf.close()

    warnings: list[str] = []
    if skipped_types:
        warnings.append("records that are not copy-number changes skipped: " + ", ".join(
            f"{k} {v}" for k, v in sorted(skipped_types.items())))
    if filtered:
        warnings.append(f"{filtered} copy-number record(s) skipped for FILTER/FT not PASS")
    if no_cn:
        warnings.append(f"{no_cn} copy-number record(s) rejected: no usable CN for sample "
                        f"{chosen or '(none)'}")
    if homozygous_from_gt:
        warnings.append(f"{homozygous_from_gt} CNVkit <DEL> record(s) without CN read as 0 copies "
                        "from genotype 1/1 (CNVkit writes 1/1 only for 0 copies)")
    if partial_loss:
        warnings.append(f"{partial_loss} CNVkit <DEL> record(s) with genotype 0/1 carry no CN "
                        "(CNVkit's VCF export omits it for losses): those losses are not "
                        "evaluable; give the .cns/.call.cns instead")
    warnings.append("a VCF lists copy-number events only where the caller reported them; genes "
                    "without a record are not evaluable, not neutral")
    table = pd.DataFrame(rows, columns=["chrom", "start", "end", "copy_number", "source_line"])
    table["chrom"] = normalise_chromosomes(table["chrom"]) if len(table) else table["chrom"]
    caller = "GATK gCNV" if gcnv else "CNVkit" if cnvkit else \
        "DELLY" if "DELLY" in vcf.raw_header.upper() else "VCF"
    return finish(path, table, CnvReadContext(
        format="vcf-copy-number", level="segment", value_kind="absolute", sample=chosen,
        samples=samples, sample_source=source, records_read=records, warnings=warnings,
        caller=caller, build=evidence.build if evidence else None,
        build_source=f"VCF {evidence.source}" if evidence else "", extra_rejected=no_cn + filtered))
