"""The VCF header: repairs of hand-made headers, the tumour sample, the build, annotation fields.

:func:`_scan_header` and :func:`_write_repaired_copy` (leading junk, a missing ``##fileformat``
or ``#CHROM`` line); :func:`_choose_sample` and :func:`_tumour_named_in_header` (which column is
the tumour); :func:`_decide_build` (contig lengths, named builds, ``--build``);
:func:`_declared_info` and :func:`_unread_annotation_warnings` (annotation fields no parser reads).
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import InputError, UsageError
from ...genome import (
    BuildEvidence,
    build_from_contig_lengths,
    build_from_text,
    normalize_build,
    normalize_chrom,
    resolve_build,
)
from ..text import open_text
from .scan import _is_bcf

if TYPE_CHECKING:
    from ...annotation.flavours import AnnotationFlavour

_VCF_COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"


@dataclass
class _HeaderScan:
    header_lines: int = 0               # lines before the first record in the original file
    leading_junk: int = 0               # non-header lines before the first '#' line
    has_fileformat: bool = True
    has_column_line: bool = True
    binary: bool = False                # BCF: nothing to scan or repair
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _scan_header(path: Path) -> _HeaderScan:
    """Look at the text header (not the records) to decide whether it needs repairing."""
    scan = _HeaderScan()
    if _is_bcf(path):
        scan.binary = True
        return scan
    try:
        with open_text(path, kind="vcf") as handle:
            lines = iter(handle)
            seen_hash = False
            first_record_columns = None
            for number, line in enumerate(lines, start=1):
                if line.startswith("#"):
                    if not seen_hash and not line.startswith("##fileformat"):
                        scan.has_fileformat = False
                    seen_hash = True
                    if line.startswith("#CHROM"):
                        scan.header_lines = number
                        break
                    continue
                if not seen_hash:
                    if _looks_like_record(line):
                        raise InputError("no VCF header: the file starts with a data line",
                                         path=path, where="line 1",
                                         hint="a VCF needs its '##fileformat' and '#CHROM' "
                                              "header lines")
                    scan.leading_junk = number
                    continue
                # a data line before any '#CHROM' line
                scan.has_column_line = False
                scan.header_lines = number - 1
                first_record_columns = len(line.rstrip("\r\n").split("\t"))
                break
            else:
                if not seen_hash:
                    raise InputError("not a VCF: no header lines ('##fileformat', '#CHROM')",
                                     path=path, hint="check that this is a VCF file")
                if scan.header_lines == 0:
                    raise InputError("the header has no '#CHROM' column line", path=path,
                                     hint="the file may be cut short; re-create it")
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read ({exc})", path=path,
                         hint="is the file truncated or not really gzip? re-create it") from None
    if scan.leading_junk:
        scan.repairs.append("junk")
        scan.warnings.append(f"skipped {scan.leading_junk} line(s) before the VCF header "
                             "(for example a program's log line)")
    if not scan.has_fileformat:
        scan.repairs.append("fileformat")
        scan.warnings.append("the header lacks its '##fileformat' line; read as VCFv4.2")
    if not scan.has_column_line:
        if first_record_columns != 8:
            raise InputError(
                f"the header has no '#CHROM' column line before the first record, which has "
                f"{first_record_columns} columns", path=path,
                where=f"line {scan.header_lines + 1}",
                hint="sample names are unknown without it; add the '#CHROM ... FORMAT <samples>' "
                     "line")
        scan.repairs.append("columns")
        scan.warnings.append("the header lacks its '#CHROM' column line; the records have 8 "
                             "columns (no samples), so the standard column line was assumed")
    return scan


def _looks_like_record(line: str) -> bool:
    fields = line.split("\t")
    return len(fields) >= 8 and fields[1].strip().isdigit()


def _write_repaired_copy(path: Path, scan: _HeaderScan, scratch: Path) -> Path:
    repaired = scratch / "repaired.vcf"
    try:
        with open_text(path, kind="vcf") as handle, open(repaired, "w", encoding="utf-8") as out:
            if not scan.has_fileformat:
                out.write("##fileformat=VCFv4.2\n")
            for number, line in enumerate(handle, start=1):
                if number <= scan.leading_junk:
                    continue
                if not scan.has_column_line and number == scan.header_lines + 1:
                    out.write(_VCF_COLUMNS + "\n")
                out.write(line if line.endswith("\n") else line + "\n")
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read ({exc})", path=path,
                         hint="is the file truncated or not really gzip? re-create it") from None
    return repaired


# INFO tags annotators write; a file carrying one the reader cannot use must say so in the report
_ANNOTATION_TAGS = {"CSQ": "VEP", "ANN": "SnpEff", "EFF": "SnpEff", "BCSQ": "bcftools csq",
                    "FUNCOTATION": "GATK Funcotator", "VEP": "VEP",
                    "OncotatorFuncotation": "Oncotator"}
_FALLBACK = ("its panel-gene variants were classified by coordinates instead (knowledge-base "
             "hotspots by exact alleles, indels and splice sites by position; other coding SNVs "
             "are reported as not determined)")


def _declared_info(header_lines: list[str]) -> dict[str, str]:
    """INFO ID -> Description, from the header text."""
    declared = {}
    for line in header_lines:
        if line.startswith("##INFO=<"):
            ident = re.search(r"[<,]ID=([^,>]+)", line)
            description = re.search(r'Description="((?:[^"\\]|\\.)*)"', line)
            if ident:
                declared[ident.group(1)] = description.group(1) if description else ""
    return declared


def _unread_annotation_warnings(declared_info: dict[str, str]) -> list[str]:
    """One warning per declared annotation field whose layout no flavour parser recognised."""
    messages = []
    for tag, description in declared_info.items():
        tool = _ANNOTATION_TAGS.get(tag)
        if tool is None and "funcotat" in description.lower():
            tool = "GATK Funcotator"
        if tool is None:
            continue
        shown = description if len(description) <= 80 else description[:77] + "..."
        messages.append(f"the annotation in INFO/{tag} ({tool}; header: \"{shown}\") is not a "
                        "layout hpdgenomics reads (VEP CSQ, SnpEff ANN/EFF, bcftools BCSQ, "
                        f"Funcotator with Gencode fields), so it was not used: {_FALLBACK}")
    return messages


def _choose_sample(path: Path, samples: list[str], requested: str | None,
                   header_lines: list[str]) -> tuple[str | None, str]:
    listed = ", ".join(samples)
    if requested:
        if not samples:
            raise InputError(f"--sample {requested} given, but the VCF has no sample columns",
                             path=path, hint="drop --sample: the file is read from INFO fields")
        if requested not in samples:
            raise InputError(f"sample {requested!r} is not in the VCF (samples: {listed})",
                             path=path, hint="pass --sample with one of the names listed")
        return requested, "--sample"
    header_tumour = next((line.split("=", 1)[1].strip() for line in header_lines
                          if line.startswith("##tumor_sample=")), None)
    if header_tumour:
        if header_tumour not in samples:
            raise InputError(f"the ##tumor_sample header names {header_tumour!r}, which is not a "
                             f"sample of the VCF (samples: {listed})", path=path,
                             hint="pass --sample with the tumour's column name")
        return header_tumour, "##tumor_sample header"
    if len(samples) == 1:
        return samples[0], "only sample"
    if not samples:
        return None, "no sample columns (INFO fields only)"
    named = _tumour_named_in_header(samples, header_lines)
    if named:
        return named
    if len(samples) == 2:
        # Strelka2 (and the callers modelled on it) always name its columns NORMAL and TUMOR and
        # write no ##tumor_sample header; the names say which is which, so no --sample is needed.
        by_upper = {name.upper(): name for name in samples}
        tumour_name = by_upper.get("TUMOR") or by_upper.get("TUMOUR")
        if tumour_name and "NORMAL" in by_upper:
            return tumour_name, f"sample column named {tumour_name} (beside {by_upper['NORMAL']})"
        header_normal = next((line.split("=", 1)[1].strip() for line in header_lines
                              if line.startswith("##normal_sample=")), None)
        if header_normal in samples:
            other = next(name for name in samples if name != header_normal)
            return other, "##normal_sample header (the other column)"
    raise InputError(f"{len(samples)} samples ({listed}) and no ##tumor_sample header: cannot "
                     "tell which is the tumour", path=path,
                     hint="pass --sample with the tumour sample's name")


def _tumour_named_in_header(samples: list[str], header_lines: list[str]) -> tuple[str, str] | None:
    """The tumour column as other header conventions name it, when the name is a sample column.

    * ``##SAMPLE=<ID=x,Genomes=Tumor,...>`` (VCF 4.1+ specification; bcbio);
    * ``##PEDIGREE=<Derived=tumour,Original=normal>`` (VCF specification; SnpEff ``-cancer``);
    * DRAGEN's command line in ``##DRAGENCommandLine``: ``--RGSM-tumor x`` or
      ``--tumor-fastq-list-sample-id x`` (DRAGEN writes no ##tumor_sample line);
    * Octopus's command line in ``##octopus``: ``--normal-sample x`` in a two-sample file names the
      normal, so the other column is the tumour.
    """
    tumours, sources = [], []
    for line in header_lines:
        if line.startswith("##SAMPLE=<"):
            ident = re.search(r"[<,]ID=([^,>]+)", line)
            genomes = re.search(r"[<,]Genomes=([^,>]+)", line)
            if ident and genomes and re.search(r"tumou?r", genomes.group(1), re.IGNORECASE) \
                    and ident.group(1) in samples:
                tumours.append(ident.group(1))
                sources.append("##SAMPLE header (Genomes=Tumor)")
        elif line.startswith("##PEDIGREE=<"):
            derived = re.search(r"[<,]Derived=([^,>]+)", line)
            if derived and derived.group(1) in samples:
                tumours.append(derived.group(1))
                sources.append("##PEDIGREE header (Derived sample)")
        elif line.startswith("##DRAGENCommandLine"):
            for option in ("--RGSM-tumor", "--tumor-fastq-list-sample-id"):
                found = re.search(rf"{option}[ =]([^\s\",>]+)", line)
                if found and found.group(1) in samples:
                    tumours.append(found.group(1))
                    sources.append(f"DRAGEN command line ({option})")
        elif line.startswith("##octopus") and len(samples) == 2:
            found = re.search(r"--normal-sample[ =]([^\s\",>]+)", line)
            if found and found.group(1) in samples:
                tumours.append(next(name for name in samples if name != found.group(1)))
                sources.append("Octopus command line (--normal-sample names the other column)")
    if len(set(tumours)) == 1:
        return tumours[0], sources[0]
    return None


def _decide_build(path: Path, header_lines: list[str], requested: str | None,
                  warnings: list[str], deferred: list[BuildEvidence] | None = None
                  ) -> BuildEvidence:
    """The build to read the file as.

    A ``--build`` that contradicts the header is not refused here when ``deferred`` is given: the
    header's claim is appended to it and the records' REF alleles decide after reading
    (:meth:`_BuildCheck.verdict`); a CrossMap-lifted file keeps its old header, so ``--build``
    must be able to overrule a header that the records themselves contradict.
    """
    lengths: dict[str, int] = {}
    texts: dict[str, str] = {}        # build -> where it was named
    for line in header_lines:
        if line.startswith("##contig=<"):
            ident = re.search(r"[<,]ID=([^,>]+)", line)
            length = re.search(r"[<,]length=(\d+)", line)
            if ident and length:
                lengths[normalize_chrom(ident.group(1))] = int(length.group(1))
            assembly = re.search(r"[<,]assembly=([^,>]+)", line)
            assembly_build = build_from_text(assembly.group(1)) if assembly else None
            if assembly_build:
                texts.setdefault(assembly_build, "##contig assembly")
        elif line.startswith(("##reference=", "##assembly=")):
            named = build_from_text(line.split("=", 1)[1])
            if named:
                texts.setdefault(named, line.split("=", 1)[0])
        elif line.startswith("##VEP"):
            assembly = re.search(r"assembly=\"?([^\s\"]+)", line)
            named = build_from_text(assembly.group(1) if assembly else line)
            if named:
                texts.setdefault(named, "##VEP header")
        elif line.startswith("##SnpEffCmd"):
            named = _snpeff_database_build(line)
            if named:
                texts.setdefault(named, "SnpEff database in ##SnpEffCmd")
    detected = build_from_contig_lengths(lengths)
    text_hint = None
    if len(texts) == 1:
        text_hint = next(iter(texts))
    elif len(texts) > 1:
        warnings.append("the header names both builds (" + "; ".join(
            f"{b} in {where}" for b, where in sorted(texts.items())) + "); ignoring those names")
    if detected.build and text_hint and text_hint != detected.build:
        warnings.append(f"{texts[text_hint]} names {text_hint} but the contig lengths are "
                        f"{detected.build}; the contig lengths were believed")
    if requested and deferred is not None:
        claimed = detected if detected.build else BuildEvidence(
            text_hint, f"{texts[text_hint]}" if text_hint else "")
        if claimed.build and claimed.build != normalize_build(requested):
            deferred.append(claimed)
            return BuildEvidence(normalize_build(requested),
                                 f"--build option; the header's {claimed.source} says "
                                 f"{claimed.build}")
    if requested and not detected.build and text_hint and normalize_build(requested) != text_hint:
        raise UsageError(f"--build {normalize_build(requested)} contradicts the file, whose "
                         f"{texts[text_hint]} names {text_hint}", path=path,
                         hint="check the file or drop --build to use the named build")
    if not requested and not detected.build and text_hint:
        return BuildEvidence(text_hint, f"{texts[text_hint]} ({detected.source})")
    return resolve_build(requested, detected, path=str(path))


def _snpeff_database_build(line: str) -> str | None:
    # the database is the first bare word after the options (GRCh37.75, hg19, GRCh38.86 ...)
    words = line.split("=", 1)[1].strip().strip('"').split()
    for word in words[1:]:
        if word.startswith("-") or "/" in word:
            continue
        named = build_from_text(word)
        if named:
            return named
    return None



def _detect_flavour(vcf: Any) -> AnnotationFlavour | None:
    from ...annotation.flavours import detect_flavour

    return detect_flavour(vcf)
