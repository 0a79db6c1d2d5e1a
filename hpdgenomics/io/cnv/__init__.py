"""Copy-number readers, one module per format, behind the ``copy_number`` reader registry.

Every reader returns :class:`CopyNumberData` whose ``segments`` table follows the one schema of
:mod:`hpdgenomics.copynumber.schema` (chromosomes without ``chr``, 1-based closed coordinates).
Formats are detected from the file's first lines (see each module's ``sniff``) and can always be
named explicitly (``--cnv-format``); ``hpdgenomics.io.registry.formats("copy_number")`` lists them.
"""
from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ..registry import detect_format, formats, get_reader
from ..text import head_lines
from . import allele_specific, cnvkit, facets, gatk, ichorcna, matrix, purple, seg, vcf  # noqa: F401  (register)
from ._common import CopyNumberData, is_number, lines_after_header, split_fields
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
        except InputError as exc:
            if path.name.endswith(".purple.purity.tsv"):
                raise InputError("this is a PURPLE purity/ploidy table, not copy-number segments",
                                 path=path, hint="give the .purple.cnv.somatic.tsv beside it; "
                                 "its purity and ploidy are read automatically") from None
            # only "not recognised" is explained below; an ambiguity, or a sniffer's own
            # finding (a gene matrix whose scale is ambiguous or holds inf), stands as it is
            if "format not recognised" not in str(exc):
                raise
            raise InputError("format not recognised as any copy number format; found "
                             + _describe_unrecognised(path), path=path,
                             hint="supported (--cnv-format NAME): " + "; ".join(
                                 f"{name} = {entry.description}"
                                 for name, entry in sorted(formats("copy_number").items()))
                             ) from None
    if seg_log_base is not None and entry.name != "seg":
        raise InputError(f"--seg-log-base applies to SEG files only; this file was read as "
                         f"{entry.name}", path=path, hint="drop --seg-log-base")
    data: CopyNumberData = entry.read(path, sample=sample, seg_log_base=seg_log_base)
    return data


_FREEC_STATUS = {"gain", "loss", "normal", "neutral", "amp", "del"}


def _describe_unrecognised(path: Path) -> str:
    """What the file looks like, for the error that lists the supported formats."""
    lines = head_lines(path, 60)
    if lines and lines[0].startswith("##fileformat=VCF"):
        header = lines_after_header(path, lines, prefix="##", extra=1)
        return ("a VCF without a CN field (FORMAT or INFO): structural-variant calls such as "
                "Manta's say a region is deleted or duplicated, not how many copies remain; give "
                "the copy-number caller's output (e.g. DRAGEN CNV, gCNV, CNVkit export vcf)"
                if any(line.startswith("#CHROM") for line in header) else
                "a VCF header without a #CHROM line")
    content = [line for line in lines if line.strip() and not line.startswith(("#", "@"))]
    if not content:
        return "no table found in the first lines (empty, or only comment lines)"
    fields = split_fields(content[0])
    if len(fields) >= 3 and is_number(fields[1]) and is_number(fields[2]):
        shown = ", ".join(fields[:6])
        if len(fields) >= 5 and fields[4].lower() in _FREEC_STATUS:
            return (f"a table without a header line whose rows read chrom, start, end, copy "
                    f"number, status ({shown}): this looks like a Control-FREEC _CNVs file, "
                    "which is not supported (it lists altered regions only, with no header and "
                    "no stated coordinate convention); give Control-FREEC's output converted to "
                    "SEG, or another caller's segments")
        return f"a table without a header line (first row: {shown})"
    shown = ", ".join(fields[:15]) + (f" (+{len(fields) - 15} more)" if len(fields) > 15 else "")
    lowered = {f.lower() for f in fields}
    for columns, what in _KNOWN_UNSUPPORTED:
        if columns <= lowered:
            return f"header columns {shown}: {what}"
    return f"header columns {shown}"


# tables that are recognisably some tool's output but not tumour copy number this package reads
_KNOWN_UNSUPPORTED = (
    ({"germlinestatus", "tumorstatus"},
     ("this is a PURPLE germline deletion table (.purple.germline.deletion.tsv), germline, not "
     "the tumour's somatic copy number; give <tumor>.purple.cnv.somatic.tsv")),
    ({"gene", "chromosome", "start", "end", "log2"},
     ("this looks like CNVkit genemetrics output (gene-level log2 over segments or bins), which "
     "is not read; give the .cns segments it was computed from")),
    ({"nmaj1_a", "nmin1_a", "frac1_a"},
     ("this is a Battenberg subclones.txt (clonal and subclonal allele states), which is not read; "
     "give the clonal state as an nMajor/nMinor table (--cnv-format allele-specific) or another "
     "caller's segments")),
    ({"position", "ref_count", "alt_count"},
     ("this is a GATK allelic-counts table (per-SNP read counts), not copy-number segments; "
     "give ModelSegments' .cr.seg/.modelFinal.seg or CallCopyRatioSegments' .called.seg")),
)
