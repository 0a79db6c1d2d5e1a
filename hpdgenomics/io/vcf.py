"""Read a somatic VCF into the panel genes' variant calls of the tumour sample.

Format: VCF 4.x, plain (``.vcf``), gzip or bgzip (``.vcf.gz``), or BCF (BGZF or uncompressed), read
with cyvcf2 (htslib).
Coordinates: VCF POS is 1-based; a record covers POS..POS+len(REF)-1 (or INFO END for symbolic
alleles), closed. Output: one :class:`~hpdgenomics.model.VariantCall` per ALT allele that lies in a
panel gene span, with the chromosome normalised without ``chr`` and the alleles reduced to their
minimal form (shared prefix/suffix removed, one anchor base kept for indels); ``record`` keeps the
file's own text (``record 12 (chr7:55191822 T>G)``) so a report can point back.

What the reader decides, and how:

* **Region filter first.** With a ``.tbi``/``.csi`` index beside the file only the panel gene spans
  are queried (using the file's own contig names, ``chr7`` or ``7``). Without one the file is
  streamed through :func:`_prefilter`: numpy looks at the decompressed bytes a block of lines at a
  time (CHROM, POS, REF and ALT widths from the tab positions) and only the records that may
  matter (in or near a panel gene span of either build, beyond a chromosome's end, symbolic, odd
  in any way) are parsed by htslib; the others are counted off-panel with their ALT alleles, so
  a million off-panel records cost about what decompressing them costs. Anything unusual (a short
  line, an undeclared contig, damaged compression) makes htslib read every record as before.
  htslib's own warnings then concern the records it parsed, as through an index (an INFO key the
  header does not declare, met only in records the prefilter left out, is not summarised).
  An index older than its file is not used (it may describe an earlier version and silently miss
  records), nor a newer one that does not tile the file exactly (:func:`~hpdgenomics.io.bgzf.
  index_problem`); the file is streamed and a warning (report and log) says so.
* **Bytes first:** before htslib or Python read a line, the decompressed bytes are scanned in
  bounded chunks: lines longer than :data:`MAX_LINE_BYTES` (``$HPDGENOMICS_MAX_LINE_BYTES``), NUL
  bytes and non-UTF-8 header lines are InputErrors naming the line (with an index: the header and
  the panel regions' chunks only; streamed, in the same pass as the prefilter).
* **Chromosome names:** ``chr7``/``7``/``NC_000007.14`` (RefSeq accessions of the primary
  chromosomes, see :func:`~hpdgenomics.genome.normalize_chrom`) are chromosome 7; alt, decoy,
  HLA, patch and other contigs keep their own names and are never in a panel gene.
* **Tumour sample:** ``sample`` argument, else the ``##tumor_sample=`` header, else the only sample,
  else the tumour as ``##SAMPLE=<...Genomes=Tumor>``, ``##PEDIGREE=<Derived=...>``, DRAGEN's
  ``--RGSM-tumor`` or Octopus's ``--normal-sample`` name it, else (two columns) the one named
  ``TUMOR``/``TUMOUR`` beside ``NORMAL`` (Strelka2 writes no header) or the column that
  ``##normal_sample=`` does not name; otherwise
  :class:`~hpdgenomics.errors.InputError` listing the samples. Files without sample
  columns are read from INFO alone.
* **Build:** ``build`` argument, else contig lengths in the header, else a build named in
  ``##reference``, ``##assembly``, the VEP header (``assembly=``/cache path) or the SnpEff
  database (``##SnpEffCmd``); contradictions are a :class:`~hpdgenomics.errors.UsageError`, as is a
  record beyond the end of its chromosome in the chosen build. The records' REF alleles at the
  hotspots of both builds then check the decision (:class:`_BuildCheck`): records that fit the other
  build stop the read, naming both builds; ``--build`` settles it.
* **Impossible values:** non-finite numbers, negative read counts and allele fractions outside
  0..1 in the fields used are InputErrors naming the record (:class:`ImplausibleValue`); an allele
  repeated by a later record is listed once and the copy counted as rejected, with a warning.
* **FILTER:** ``PASS`` or ``.`` only, and the tumour's own ``FORMAT/FT`` likewise, unless
  ``include_filtered``.
* **gVCF:** reference blocks (ALT only ``<NON_REF>``/``<*>``) and those symbolic alleles beside real
  ones are not variants: skipped, not counted as alleles, and named once in a warning.
* **VAF and depth** of the tumour sample, per ALT allele, from the callers' own FORMAT dialects
  (see :func:`allele_support`); INFO ``AF``/``DP`` only when the file has no FORMAT evidence and at
  most one sample (in multi-sample files INFO AF is usually a cohort AC/AN, not a VAF).
* **Effects:** an annotated file (VEP CSQ, SnpEff ANN/EFF, bcftools BCSQ, GATK Funcotator) goes through
  :mod:`hpdgenomics.annotation.effects`; an unannotated one, or a panel gene the annotation does
  not mention, through :func:`~hpdgenomics.annotation.unannotated.classify_by_coordinates`.
  Knowledge-base hotspots are always matched by coordinates as well.
* **Annotation not understood:** a declared annotation field no parser reads (a Funcotator
  ``FUNCOTATION`` without Gencode fields, a ``CSQ``/``ANN`` whose description is not
  VEP's/SnpEff's, Oncotator) or an annotation
  tag the records carry without a header line is named in a warning, and the file is classified
  by coordinates; VEP entries that do not fit the header's field list are reported likewise.
* **Malformed input** (empty file, truncated gzip, missing header, a record htslib cannot parse)
  is one InputError naming the file and the record/line; there is never a partial result.
  htslib's own stderr chatter is captured while the file is read and summarised in the result's
  warnings instead of being printed.
* **SnpEff examples and other hand-made files:** leading lines before the header (SnpEff's
  ``cancer.ann.vcf`` starts with a log line), a missing ``##fileformat`` line, and a missing
  ``#CHROM`` line in a sites-only file (records of exactly 8 columns, so the column line is known)
  are repaired in a temporary copy, each with a warning. A missing ``#CHROM`` line with sample
  columns cannot be repaired (the sample names are unknown) and is an error.
"""
from __future__ import annotations

import bisect
import codecs
import gzip
import logging
import math
import os
import re
import sys
import tempfile
import warnings as _pywarnings
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..annotation.hgvs import severity_rank
from ..annotation.unannotated import classify_by_coordinates, minimal_alleles
from ..errors import HpdError, InputError, KnowledgeError, UsageError
from ..genome import (
    CHROM_LENGTHS,
    BuildEvidence,
    build_from_contig_lengths,
    build_from_text,
    normalize_build,
    normalize_chrom,
    resolve_build,
)
from ..knowledge.panel import Panel
from ..model import PanelGene, VariantCall
from .bgzf import (BgzfFile, IndexFormatError, TabixIndex, index_problem, merge_chunks,
                   read_index)
from .text import is_gzipped, open_text, sha256_file, sha256_in_background

log = logging.getLogger(__name__)

NO_ANNOTATION = "none (coordinate matching)"
_VCF_COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"

#: Longest VCF line (bytes, newline excluded) read before htslib or Python allocate it; a longer
#: line is an InputError. Raise it with the environment variable named by MAX_LINE_BYTES_ENV.
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES_ENV = "HPDGENOMICS_MAX_LINE_BYTES"
_INT32_MAX = 2 ** 31 - 1        # VCF Integer values are 32-bit (VCF 4.3 specification, 1.3)


def max_line_bytes() -> int:
    """The line-length limit: ``$HPDGENOMICS_MAX_LINE_BYTES`` if set, else MAX_LINE_BYTES."""
    text = os.environ.get(MAX_LINE_BYTES_ENV, "").strip()
    if not text:
        return MAX_LINE_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(f"the environment variable {MAX_LINE_BYTES_ENV}={text!r} is not a "
                         "positive whole number of bytes",
                         hint=f"set it to e.g. {MAX_LINE_BYTES} (64 MiB, the default) or unset it")
    return value

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


@dataclass(frozen=True)
class AlleleSupport:
    vaf: float | None = None
    depth: int | None = None
    alt_depth: int | None = None
    basis: str = ""                 # which fields the numbers came from


# --- public entry point ------------------------------------------------------------------------

def read_vcf(path: str | Path, panels: Mapping[str, Panel], *, sample: str | None = None,
             build: str | None = None, include_filtered: bool = False) -> VcfReadResult:
    """Read ``path`` and return the tumour sample's variant calls in the panel genes.

    ``panels`` maps build name (``GRCh37``/``GRCh38``) to the :class:`Panel` of that build.
    Raises InputError for unreadable or malformed files and UsageError for a build or sample that
    cannot be decided or contradicts the file.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint="check the path")
    if path.is_dir():
        raise InputError("is a folder, not a VCF file", path=path)
    if path.stat().st_size == 0:
        raise InputError("empty file (0 bytes): no VCF header", path=path,
                         hint="re-create the VCF; a VCF without variants still has a header")
    limit = max_line_bytes()
    # the provenance hash of the file's bytes, computed while the file is read
    sha256 = sha256_in_background(path)
    # bytes first, before Python or htslib hold a line in memory: line lengths, NUL bytes, and the
    # header's encoding; with an index only the header here (the panel regions are checked later)
    prescan = _Prescan(path, limit)
    if _is_bcf(path):
        _check_bcf_header(path, limit)
    else:
        # the records' bytes are scanned later, in the pass that also picks the panel records
        # (_prefilter) or, with an index, in the panel regions' chunks
        prescan.header_end = _prescan(path, limit, header_only=True)
    scan = _scan_header(path)
    capture = _StderrCapture()
    with tempfile.TemporaryDirectory(prefix="hpdgenomics-vcf-") as scratch:
        source = _write_repaired_copy(path, scan, Path(scratch)) if scan.repairs else path
        try:
            with capture:
                result = _read(path, source, scan, panels, sample=sample, build=build,
                               include_filtered=include_filtered, prescan=prescan,
                               scratch=Path(scratch), sha256=sha256)
        except _ParseFailure as failure:
            htslib = capture.first_error()
            detail = failure.detail + (f" (htslib: {htslib})" if htslib else "")
            raise InputError(detail, path=path, where=failure.where, hint=failure.hint) from None
    result.warnings[:0] = scan.warnings
    summary = capture.summary()
    if summary:
        result.warnings.append(summary)
    for message in result.loud_warnings:
        # the report lists every warning; these few change what the screen could see, so they
        # are also logged (stderr under the CLI) rather than left to the report alone
        log.warning("%s: %s", path.name, message)
    return result


@dataclass
class _Prescan:
    path: Path
    limit: int
    header_end: int | None = None       # decompressed offset of the first record
    whole_file: bool = False            # every line already checked

    def ensure_whole_file(self) -> None:
        if not self.whole_file and not _is_bcf(self.path):
            _prescan(self.path, self.limit)
            self.whole_file = True


def _index_beside(path: Path) -> Path | None:
    return next((Path(str(path) + suffix) for suffix in (".tbi", ".csi")
                 if Path(str(path) + suffix).exists()), None)


# --- header scan and repairs -------------------------------------------------------------------

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


def _is_bcf(path: Path) -> bool:
    import gzip

    try:
        with open(path, "rb") as handle:
            magic = handle.read(3)
        if magic == b"BCF":          # 'bcftools view -Ou': a BCF stream without BGZF blocks
            return True
        if magic[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as handle:
                return handle.read(3) == b"BCF"
    except (OSError, EOFError, zlib.error):
        return False        # the text scan reports the unreadable file
    return False


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


# --- byte-level pre-scan: line lengths, NUL bytes, header encoding --------------------------------

class _LineScanner:
    """Checks decompressed VCF bytes as they stream past, in bounded memory.

    A line longer than ``limit`` bytes, or a NUL byte (htslib ends a record's text at a NUL, so the
    rest of the record would be silently lost), is an InputError naming the line. Chunks are
    searched with ``bytes.find``/``count`` (C speed); nothing is split into lines.
    """

    def __init__(self, path: Path, limit: int, *, first_line: int = 1, header_lines: int = 0,
                 where: str | None = None):
        self.path, self.limit = path, limit
        self.line = first_line          # number of the line being read
        self.header_lines = header_lines
        self.where = where              # for chunks read through an index (no line numbers)
        self.since_newline = 0          # bytes of the current line seen so far
        self.line_head = b""            # its first bytes, to name the record

    def feed(self, chunk: bytes) -> None:
        nul = chunk.find(b"\0")
        if nul != -1:
            self._fail_nul(chunk, nul)
        first = chunk.find(b"\n")
        if first == -1:
            if len(self.line_head) < 64:
                self.line_head += chunk[:64]
            self.since_newline += len(chunk)
            if self.since_newline > self.limit:
                self._fail_long()
            return
        if self.since_newline + first > self.limit:
            self._fail_long(chunk[:first])
        last = chunk.rfind(b"\n")
        if last > first and last - first > self.limit:
            # a long line inside this chunk (only when the limit is below the chunk size)
            at = first
            while at < last:
                following = chunk.find(b"\n", at + 1)
                if following - at - 1 > self.limit:
                    self.line += chunk.count(b"\n", 0, at + 1)
                    self.since_newline, self.line_head = 0, b""
                    self._fail_long(chunk[at + 1:following])
                at = following
        self.line += chunk.count(b"\n")
        self.since_newline = len(chunk) - last - 1
        self.line_head = chunk[last + 1:last + 65]

    def _record(self, head: bytes) -> str:
        fields = head.split(b"\t")
        if len(fields) >= 2 and not head.startswith(b"#"):
            text = (fields[0] + b":" + fields[1]).decode("utf-8", "replace")[:60]
            return f" (record {text})"
        return ""

    def _where(self) -> str:
        if self.where:
            return self.where
        record = self.line - self.header_lines
        return f"line {self.line}" + (f", record {record}" if record > 0 else "")

    def _fail_long(self, tail: bytes = b"") -> None:
        raise InputError(
            f"a line{self._record(self.line_head + tail)} is longer than the limit of "
            f"{self.limit:,} bytes; it was not read (reading it would need that much memory)",
            path=self.path, where=self._where(),
            hint=f"a VCF line this long is almost certainly corrupt; if the file is genuine, "
                 f"raise the limit with the environment variable {MAX_LINE_BYTES_ENV}=<bytes>")

    def _fail_nul(self, chunk: bytes, nul: int) -> None:
        before = chunk.rfind(b"\n", 0, nul)
        self.line += chunk.count(b"\n", 0, nul)
        head = chunk[before + 1:nul] if before != -1 else self.line_head + chunk[:nul]
        column = (nul - before) if before != -1 else self.since_newline + nul + 1
        raise InputError(
            f"a NUL byte (\\x00) at byte {column} of the line{self._record(head)}: htslib would "
            "silently cut the record short there", path=self.path, where=self._where(),
            hint="a NUL byte is never valid in a VCF: the file is corrupt (a failed copy or "
                 "disk); re-create it")


_SCAN_CHUNK = 1 << 20


def _prescan(path: Path, limit: int, *, header_only: bool = False) -> int | None:
    """Check the file's bytes before anything else reads them; return where the records start.

    The header lines (up to ``#CHROM``) must be UTF-8 (cyvcf2 decodes sample names and
    descriptions); every line must be at most ``limit`` bytes and free of NUL bytes. With
    ``header_only`` the records are left alone (an index will read just the panel regions, which
    are checked through the index). Returns the decompressed byte offset of the first record line,
    or None when the file ends or cannot be decompressed first (the readers report that).
    """
    try:
        handle = gzip.open(path, "rb") if is_gzipped(path) else open(path, "rb")
    except OSError:
        return None
    offset = 0
    number = 0
    header_lines = 0
    seen_hash = False
    header_end = None
    with handle:
        try:
            while True:             # the header, line by line (readline is bounded by limit)
                line = handle.readline(limit + 1)
                if not line:
                    return None
                number += 1
                in_header = line.startswith(b"#") or not seen_hash
                if len(line) > limit and not line.endswith(b"\n"):
                    scanner = _LineScanner(path, limit, first_line=number,
                                           header_lines=number if in_header else header_lines)
                    scanner.since_newline = len(line)
                    scanner.line_head = line[:64]
                    scanner._fail_long()
                if b"\0" in line:
                    _LineScanner(path, limit, first_line=number,
                                 header_lines=number if in_header else header_lines).feed(line)
                if line.startswith(b"#"):
                    seen_hash = True
                    _check_utf8(path, line, number)
                    offset += len(line)
                    header_lines = number
                    if line.startswith(b"#CHROM"):
                        header_end = offset
                        break
                    continue
                if seen_hash:           # a record right after the header (no #CHROM line)
                    header_end = offset
                    scanner = _LineScanner(path, limit, first_line=number,
                                           header_lines=header_lines)
                    scanner.feed(line)
                    offset += len(line)
                    break
                if line.count(b"\t") >= 7:
                    return None         # records without a header: _scan_header says so
                offset += len(line)     # leading junk before the header (repaired later)
            if header_only:
                return header_end
            if header_end == offset:
                scanner = _LineScanner(path, limit, first_line=number + 1,
                                       header_lines=header_lines)
            chunk_size = max(4096, min(_SCAN_CHUNK, limit))
            while True:
                chunk = handle.read(chunk_size)
                if not chunk:
                    break
                scanner.feed(chunk)
        except (OSError, EOFError, zlib.error):
            return header_end       # truncated or corrupt compression: the readers report it
    return header_end


def _check_utf8(path: Path, line: bytes, number: int) -> None:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = line[exc.start:exc.start + 1]
        raise InputError(
            f"header line {number} is not UTF-8 text (byte 0x{bad.hex()} at column "
            f"{exc.start + 1}: {line[:exc.start].decode('utf-8', 'replace')[-40:]!r}...)",
            path=path, where=f"line {number}",
            hint="VCF text, sample names included, must be UTF-8; convert the file, e.g. "
                 "'iconv -f latin1 -t utf-8' (bgzip it again afterwards)") from None


def _check_bcf_header(path: Path, limit: int) -> None:
    """The text header inside a BCF file: bounded in size and UTF-8 (cyvcf2 decodes it)."""
    try:
        handle = gzip.open(path, "rb") if is_gzipped(path) else open(path, "rb")
        with handle:
            magic = handle.read(9)
            if len(magic) < 9 or magic[:3] != b"BCF":
                return
            length = int.from_bytes(magic[5:9], "little")
            if length > limit:
                raise InputError(
                    f"the BCF header text is {length:,} bytes, over the limit of {limit:,}",
                    path=path, hint=f"if the file is genuine, raise the limit with the "
                                    f"environment variable {MAX_LINE_BYTES_ENV}=<bytes>")
            text = handle.read(length)
    except (OSError, EOFError, zlib.error):
        return                          # reported by the readers
    for number, line in enumerate(text.split(b"\n"), start=1):
        _check_utf8(path, line, number)


# --- htslib stderr -----------------------------------------------------------------------------

class _StderrCapture:
    """Redirect file descriptor 2 while htslib reads, so its messages do not reach the user raw.

    htslib writes warnings (undeclared contigs, INFO fields) and errors straight to fd 2; they are
    collected here and turned into one warning or into the InputError's text. Lines that are not
    htslib's are written back to stderr afterwards. Process-wide while active: fine for a CLI.
    """

    def __init__(self):
        self.text = ""

    def __enter__(self):
        sys.stderr.flush()
        self._file = tempfile.TemporaryFile(mode="w+b")
        self._saved = os.dup(2)
        os.dup2(self._file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._file.seek(0)
        self.text = self._file.read().decode("utf-8", "replace")
        self._file.close()
        other = [line for line in self.text.splitlines()
                 if line and not re.match(r"\[[EWIDW]::", line)]
        if other:
            sys.stderr.write("\n".join(other) + "\n")
        for line in self.htslib_lines():
            log.debug("htslib: %s", line)
        return False

    def htslib_lines(self) -> list[str]:
        return [line for line in self.text.splitlines() if re.match(r"\[[EWID]::", line)]

    def first_error(self) -> str | None:
        errors = [line for line in self.htslib_lines() if line.startswith("[E::")]
        return errors[0] if errors else None

    def summary(self) -> str | None:
        lines = [line for line in self.htslib_lines() if line.startswith("[W::")]
        if not lines:
            return None
        kinds = sorted({re.sub(r"'[^']*'|\S+:\d+|\d+", "…", line) for line in lines})
        return (f"htslib reported {len(lines)} warning(s) while reading, e.g. {lines[0]}"
                + (f" ({len(kinds)} kinds)" if len(kinds) > 1 else ""))


class _ParseFailure(Exception):
    def __init__(self, detail: str, where: str | None = None, hint: str | None = None):
        super().__init__(detail)
        self.detail, self.where, self.hint = detail, where, hint


# --- the reading proper ------------------------------------------------------------------------

def _read(path: Path, source: Path, scan: _HeaderScan, panels: Mapping[str, Panel], *,
          sample: str | None, build: str | None, include_filtered: bool,
          prescan: _Prescan | None = None, scratch: Path | None = None,
          sha256=None) -> VcfReadResult:
    import cyvcf2  # imported here so that a screen without a VCF never loads htslib

    try:
        vcf = cyvcf2.VCF(str(source), lazy=True)
    except Exception as exc:  # noqa: BLE001 - cyvcf2 raises bare Exception for a bad header
        raise _ParseFailure(f"not a readable VCF header ({exc})",
                            hint="check that the file is a complete VCF") from None
    warnings: list[str] = []
    header_lines = vcf.raw_header.splitlines()
    samples = list(vcf.samples)
    tumour, sample_source = _choose_sample(path, samples, sample, header_lines)
    tumour_index = samples.index(tumour) if tumour else None

    header_claim: list[BuildEvidence] = []
    evidence = _decide_build(path, header_lines, build, warnings, deferred=header_claim)
    if evidence.build not in panels:
        raise KnowledgeError(f"the knowledge base has no panel for {evidence.build}",
                             hint="available: " + ", ".join(sorted(panels)))
    panel = panels[evidence.build]
    other_build = next((b for b in panels if b != evidence.build), None)
    other_panel = panels.get(other_build) if other_build else None
    loud: list[str] = []

    flavour = _detect_flavour(vcf)
    declared_info = _declared_info(header_lines)
    if flavour is None:
        warnings.extend(_unread_annotation_warnings(declared_info))
    reader = _RecordReader(path=path, panel=panel, build=evidence.build, flavour=flavour,
                           tumour=tumour, tumour_index=tumour_index, n_samples=len(samples),
                           include_filtered=include_filtered, declared_info=set(declared_info),
                           other_panel=other_panel)
    try:
        records, index_used, other_records = _records(vcf, path, source, panel, scan, warnings,
                                                      prescan=prescan, loud=loud,
                                                      other_panel=other_panel,
                                                      stream=_Stream(reader, scratch, samples,
                                                                     header_lines,
                                                                     scan.header_lines))
        reader.counts.index_used = index_used
        reader.run(records, first_line=scan.header_lines)
        reader.tally_only(other_records)
    finally:
        vcf.close()
    build_warnings = reader.build_check.verdict(
        path, evidence, requested=normalize_build(build) if build else None,
        header=header_claim[0] if header_claim else None)
    warnings.extend(build_warnings)
    loud.extend(build_warnings)
    if reader.reference_blocks or reader.saw_reference_model_allele:
        warnings.append(
            f"the file is a gVCF (GATK/DeepVariant reference model): {reader.reference_blocks} "
            "reference block(s) and every '<NON_REF>'/'<*>' allele were skipped (they are not "
            "variants); a gVCF from a germline caller is not a somatic call set")
    warnings.extend(reader.annotation_notes)
    if flavour is not None and getattr(flavour, "problems", None):
        warnings.extend(flavour.problems())
    rejection_warnings = reader.rejection_warnings()
    warnings.extend(rejection_warnings)
    loud.extend(w for w in rejection_warnings if _DUPLICATE in w)
    return VcfReadResult(path=str(path), sha256=sha256() if sha256 else sha256_file(path),
                         sample=tumour or "",
                         sample_source=sample_source, samples=samples, build=evidence.build,
                         build_source=evidence.source,
                         annotation=flavour.name if flavour is not None else NO_ANNOTATION,
                         variants=reader.variants, counts=reader.counts, warnings=warnings,
                         loud_warnings=loud)


# INFO tags annotators write; a file carrying one the reader cannot use must say so in the report
_ANNOTATION_TAGS = {"CSQ": "VEP", "ANN": "SnpEff", "EFF": "SnpEff", "BCSQ": "bcftools csq",
                    "FUNCOTATION": "GATK Funcotator", "VEP": "VEP", "OncotatorFuncotation": "Oncotator"}
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
                        f"layout hpdgenomics reads (VEP CSQ, SnpEff ANN/EFF, bcftools BCSQ, Funcotator with "
                        f"Gencode fields), so it "
                        f"was not used: {_FALLBACK}")
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
        named = {name.upper(): name for name in samples}
        tumour_name = named.get("TUMOR") or named.get("TUMOUR")
        if tumour_name and "NORMAL" in named:
            return tumour_name, f"sample column named {tumour_name} (beside {named['NORMAL']})"
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
            if assembly and build_from_text(assembly.group(1)):
                texts.setdefault(build_from_text(assembly.group(1)), "##contig assembly")
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


# RefSeq chromosome accessions (NCBI's GRCh37/GRCh38 FASTA names): NC_000001-NC_000022, NC_000023 (X),
# NC_000024 (Y), NC_012920 (MT, rCRS). Other NC_ accessions (NC_007605 is the EBV decoy of hs37d5)
# are not human chromosomes and keep their names.
def _detect_flavour(vcf):
    from ..annotation.effects import detect_flavour

    return detect_flavour(vcf)


def _records(vcf, path: Path, source: Path, panel: Panel, scan: _HeaderScan,
             warnings: list[str], *, prescan: _Prescan | None = None,
             loud: list[str] | None = None, other_panel: Panel | None = None,
             stream: _Stream | None = None) -> tuple[Iterable, bool, Iterable]:
    """The records to look at: the panel regions through the index, or the whole stream.

    The third value holds the records of ``other_panel``'s regions that the first does not
    cover (read through the index for the build check only); empty when streaming. Streamed,
    the records come through :func:`_prefilter` when ``stream`` allows it (only the records a
    byte-level test cannot rule out are parsed by htslib), else straight from ``vcf``.
    """
    loud = [] if loud is None else loud
    prescan = prescan or _Prescan(path, max_line_bytes(), whole_file=True)

    def streamed():
        if stream is not None and source == path:
            records = stream.records(path, prescan)
            if records is not None:
                return records, False, ()
        prescan.ensure_whole_file()
        return vcf, False, ()

    index = _index_beside(path)
    if index is None or source != path:
        return streamed()
    if index.stat().st_mtime < path.stat().st_mtime:
        # An index older than its file may describe an earlier version of it; htslib only warns
        # and then reads the wrong blocks, silently losing records. Reading it all is always right.
        message = (f"the index {index.name} is older than the VCF, so it may not describe "
                   "this file; it was not used and the whole file was read (re-create it "
                   f"with: tabix -f -p vcf {path.name})")
        warnings.append(message)
        loud.append(message)
        return streamed()
    # A newer index can still be stale (a 'cp' of both files after the VCF was regenerated): it
    # must tile this file exactly before any region is trusted to it.
    parsed, problem = _check_index(path, index, prescan)
    if problem:
        message = (f"the index {index.name} does not describe this VCF ({problem}); it may "
                   "have been built for an earlier version of the file, so it was not used and "
                   "the whole file was read (re-create it with: tabix -f -p vcf "
                   f"{path.name})")
        warnings.append(message)
        loud.append(message)
        return streamed()
    names = {}
    try:
        for raw in vcf.seqnames:
            names.setdefault(normalize_chrom(raw), raw)
    except Exception:  # noqa: BLE001 - no contig names in header or index: nothing to query
        names = {}
    regions = _merged_regions([(names[r.chrom], r.start, r.end) for r in panel.regions()
                               if r.chrom in names])
    other_regions = [] if other_panel is None else _merged_regions(
        [(names[r.chrom], r.start, r.end) for r in other_panel.regions() if r.chrom in names])
    try:
        # one cheap query proves the index is usable before we commit to it
        if regions:
            with _pywarnings.catch_warnings():   # an empty probe region is not a problem
                _pywarnings.simplefilter("ignore", UserWarning)
                next(iter(vcf(f"{regions[0][0]}:{regions[0][1]}-{regions[0][1]}")), None)
    except Exception as exc:  # noqa: BLE001 - any failure means: do not trust the index
        message = (f"the index beside the VCF could not be used ({exc}); the whole file "
                   "was read")
        warnings.append(message)
        return streamed()
    if parsed is not None and not prescan.whole_file:
        _scan_index_chunks(path, parsed, regions + other_regions, prescan.limit)
    return (_region_records(vcf, regions), True,
            _region_records(vcf, other_regions, skip=regions))


def _check_index(path: Path, index: Path, prescan: _Prescan
                 ) -> tuple[TabixIndex | None, str | None]:
    """(parsed index, None) when it describes ``path``; (None, why) when it does not."""
    bcf = _is_bcf(path)
    try:
        parsed = read_index(index)
        with BgzfFile(path) as bgzf:
            if bcf:
                head = bgzf.read(0, 9)
                header_end = 9 + int.from_bytes(head[5:9], "little") if len(head) == 9 else 0
            elif prescan.header_end is None:
                return None, "the VCF's header could not be located"
            else:
                header_end = prescan.header_end
            return (parsed, None) if (problem := index_problem(
                bgzf, parsed, header_end=header_end, bcf=bcf)) is None else (None, problem)
    except IndexFormatError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot be read: {exc}"


def _scan_index_chunks(path: Path, index: TabixIndex, regions, limit: int) -> None:
    """The line-length and NUL checks on the blocks the region queries will read."""
    chunks = []
    for name, start, end in regions:
        chunks.extend(index.chunks_overlapping(name, start, end))
    try:
        with BgzfFile(path) as bgzf:
            for begin, end in merge_chunks(chunks):
                scanner = _LineScanner(path, limit, where="in the panel regions read through "
                                                          "the index")
                for piece in bgzf.chunks(begin, end):
                    scanner.feed(piece)
    except IndexFormatError:
        return          # the index was checked against the file just before; htslib reports


def _merged_regions(regions: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Overlapping or touching regions of one contig joined, so no record is queried twice.

    ``regions`` come sorted by contig and start (:meth:`Panel.regions`); that order is kept.
    """
    merged: list[list] = []
    for chrom, start, end in regions:
        if merged and merged[-1][0] == chrom and start <= merged[-1][2] + 1:
            merged[-1][2] = max(merged[-1][2], end)
        else:
            merged.append([chrom, start, end])
    return [tuple(r) for r in merged]


def _region_records(vcf, regions, skip=()) -> Iterator:
    """Records overlapping ``regions`` (merged), each once, and none overlapping ``skip``.

    A record spanning two regions is returned by both queries: it is kept by the first region it
    overlaps. Two identical records in the file are two records (the reader counts duplicates).
    """
    done: list[tuple[str, int, int]] = list(skip)
    for chrom, start, end in regions:
        with _pywarnings.catch_warnings():   # cyvcf2 warns about every empty region
            _pywarnings.filterwarnings("ignore", message="no intervals found")
            in_region = list(vcf(f"{chrom}:{start}-{end}"))
        for variant in in_region:
            if any(c == chrom and s <= variant.end and variant.POS <= e for c, s, e in done):
                continue
            yield variant
        done.append((chrom, start, end))


# --- streaming without an index: a byte-level prefilter below the per-record level -------------

#: Streamed files go through :func:`_prefilter` (False: every record through htslib, as before).
_PREFILTER = True
# past this many records given to htslib, and a quarter of those seen, the prefilter is not
# paying for itself (a gVCF, a file of symbolic alleles): the whole file is read instead
_PREFILTER_MAX_CANDIDATES = 100_000



class _Stream:
    """What the streamed path needs to hand records over to :meth:`_RecordReader.run`."""

    def __init__(self, reader: _RecordReader, scratch: Path | None, samples: list[str],
                 header_lines: list[str], header_line_count: int):
        self.reader, self.scratch = reader, scratch
        self.header_line_count = header_line_count      # lines before the first record
        self.n_columns = 8 + (1 + len(samples) if samples else 0)
        self.declared_contigs = {m.group(1) for line in header_lines
                                 if line.startswith("##contig=<")
                                 and (m := re.search(r"[<,]ID=([^,>]+)", line))}
        # htslib takes a record's end from INFO END only when the header declares END (an
        # undeclared one is read as a String and leaves the end at POS + len(REF) - 1)
        self.info_end = any(line.startswith("##INFO=<") and re.search(r"[<,]ID=END[,>]", line)
                            for line in header_lines)

    def records(self, path: Path, prescan: _Prescan) -> Iterable | None:
        """The records, prefiltered; None when the prefilter does not apply (read them all)."""
        if not _PREFILTER or self.scratch is None or prescan.whole_file or _is_bcf(path) \
                or prescan.header_end is None:
            return None
        picked = _prefilter(path, prescan, self)
        if picked is None:
            return None
        prescan.whole_file = True
        return _picked_records(picked, self.reader.counts)


@dataclass
class _Picked:
    """The outcome of :func:`_prefilter`: records for htslib, and the tally of the others."""

    path: Path                          # header + the records htslib must parse, as plain text
    numbers: list[int]                  # their record numbers in the original file
    records: int = 0                    # every record of the file
    off_panel_alleles: int = 0          # ALT alleles of the records left out (all off-panel)


def _picked_records(picked: _Picked, counts: VcfRecordCounts) -> Iterator:
    """The picked records as cyvcf2 variants, ``counts.records_read`` kept at the file's numbers.

    :meth:`_RecordReader.run` counts each record it receives and names records by that count, so
    before each one the count is set to the number of records before it in the original file;
    at the end the records left out are added, with their alleles counted off-panel.
    """
    import cyvcf2

    vcf = cyvcf2.VCF(str(picked.path), lazy=True)
    try:
        iterator = iter(vcf)
        for number in picked.numbers:
            counts.records_read = number - 1
            variant = next(iterator, None)
            if variant is None:         # htslib read fewer records than lines picked: a bug
                raise RuntimeError(f"the prefilter picked record {number} of {picked.path.name}"
                                   " but htslib found no record there")
            yield variant
        counts.records_read = picked.records
        counts.alleles_read += picked.off_panel_alleles
        counts.off_panel += picked.off_panel_alleles
    finally:
        vcf.close()


def _prefilter(path: Path, prescan: _Prescan, stream: _Stream) -> _Picked | None:
    """One pass over the decompressed records: the byte checks, and the records htslib must read.

    Each block of whole lines is looked at with numpy, never one Python call per record: the
    columns are found from the tab positions, POS is parsed from its digits, and a record goes to
    htslib (is *picked*) when anything about it could matter: it may overlap a panel gene span of
    the build read or of the other build (the build check tallies those), its POS lies beyond its
    chromosome's end, it has a symbolic or missing ALT, an ``END=`` in its line, an unusual number
    of columns, or POS that is not plain digits. Every other record is off-panel for certain: it is
    counted, with its ALT alleles (commas + 1), exactly as :meth:`_RecordReader.run` would count it.
    (``END=`` is looked for only when the header declares INFO END: htslib ignores it otherwise.)
    The line-length and NUL checks run over the same bytes (:class:`_LineScanner`).

    Returns None when the file is better read whole by htslib (its compression fails, a line
    has fewer than 8 columns or starts with '#', a record names a contig the header does not
    declare, which htslib warns of record by record, too many records would be picked): the caller then
    reads every record as before, which reports those problems the usual way.
    """
    import numpy as np

    limit = prescan.limit
    reader = stream.reader
    header_lines = stream.header_line_count
    try:
        handle = gzip.open(path, "rb") if is_gzipped(path) else open(path, "rb")
    except OSError:
        return None
    picked = _Picked(stream.scratch / "picked-records.vcf", [])
    expected_tabs = stream.n_columns - 1
    weights = 10 ** np.arange(10, dtype=np.int64)
    chrom_cache: dict[bytes, tuple | None] = {}
    contigs_seen: set[bytes] = set()
    chunk_size = 4 * _SCAN_CHUNK

    def chrom_info(raw: bytes):
        if raw not in chrom_cache:
            try:
                chrom_cache[raw] = reader._chrom_info(raw.decode("utf-8"))
            except UnicodeDecodeError:
                chrom_cache[raw] = None         # htslib and the reader name the record
        return chrom_cache[raw]

    def block(data: bytes, begin: int, stop: int, out) -> bool:
        # the whole lines data[begin:stop]; positions in the arrays are relative to begin
        a = np.frombuffer(data, dtype=np.uint8, count=stop - begin, offset=begin)
        ends = np.flatnonzero(a == 10)
        n = len(ends)
        starts = np.empty(n, dtype=np.int64)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        if data.find(b"\0", begin, stop) != -1 or int((ends - starts).max()) > limit:
            # the checks of _prescan, with its messages: a NUL byte or an over-long line
            _LineScanner(path, limit, first_line=header_lines + picked.records + 1,
                         header_lines=header_lines).feed(data[begin:stop])
        tabs = np.flatnonzero(a == 9)
        first = np.searchsorted(tabs, starts)
        n_tabs = np.searchsorted(tabs, ends) - first
        if (n_tabs < 7).any() or (a[starts] == 35).any():
            return False
        t0, t1, t2, t3, t4 = (tabs[first + k] for k in range(5))
        pick = n_tabs != expected_tabs
        # POS: 1-10 plain digits, read from the right
        width = t1 - t0 - 1
        places = np.arange(10)
        used = places < width[:, None]
        digits = a[np.where(used, t1[:, None] - 1 - places, t1[:, None] - 1)].astype(np.int64) - 48
        pick |= ((width < 1) | (width > 10) | (((digits < 0) | (digits > 9)) & used).any(axis=1))
        pos = (np.where(used, digits, 0) * weights).sum(axis=1)
        pick |= pos < 1
        ref_width = t3 - t2 - 1
        end = pos + ref_width - 1
        alt_width = t4 - t3 - 1
        pick |= (ref_width < 1) | (alt_width < 1) | ((ref_width == 1) & (a[t2 + 1] == 46)) \
            | ((alt_width == 1) & (a[t3 + 1] == 46))
        if data.find(b"<", begin, stop) != -1:                                   # a symbolic ALT
            marks = np.flatnonzero(a == 60)
            line = np.searchsorted(starts, marks, side="right") - 1
            pick[line[(marks > t3[line]) & (marks < t4[line])]] = True
        if stream.info_end and data.find(b"END=", begin, stop) != -1:  # INFO END: the end
            marks = np.flatnonzero(a[:-3] == 69)
            marks = marks[(a[marks + 1] == 78) & (a[marks + 2] == 68) & (a[marks + 3] == 61)]
            pick[np.searchsorted(starts, marks, side="right") - 1] = True
        # CHROM: runs of lines with the same name, each looked up once
        chrom_width = t0 - starts
        widest = int(chrom_width.max())
        columns = np.arange(widest)
        names = np.where(columns < chrom_width[:, None],
                         a[np.minimum(starts[:, None] + columns, len(a) - 1)], 0)
        change = np.ones(n, dtype=bool)
        change[1:] = (chrom_width[1:] != chrom_width[:-1]) | (names[1:] != names[:-1]).any(axis=1)
        run_starts = np.flatnonzero(change)
        run_ends = np.append(run_starts[1:], n)
        for run_start, run_end in zip(run_starts.tolist(), run_ends.tolist()):
            raw = data[begin + starts[run_start]:begin + t0[run_start]]
            info = chrom_info(raw) if raw else None
            if info is None:
                pick[run_start:run_end] = True
                continue
            if raw not in contigs_seen:
                if raw.decode("utf-8") not in stream.declared_contigs:
                    return False        # htslib warns of each such record: let it read them all
                contigs_seen.add(raw)
            _chrom, length, spans, other_spans = info
            p, e_ = pos[run_start:run_end], end[run_start:run_end]
            here = pick[run_start:run_end]
            if length is not None:
                here |= p > length
            for start, stop in (*spans, *other_spans):
                here |= (start <= e_) & (p <= stop)
        chosen = np.flatnonzero(pick)
        left = ~pick
        alleles = int(left.sum())
        for line in np.flatnonzero(left & (alt_width > 1)).tolist():
            alleles += data.count(b",", begin + int(t3[line]), begin + int(t4[line]))
        picked.off_panel_alleles += alleles
        for line in chosen.tolist():
            out.write(data[begin + starts[line]:begin + ends[line] + 1])
        picked.numbers.extend((chosen + picked.records + 1).tolist())
        picked.records += n
        return not (len(picked.numbers) > _PREFILTER_MAX_CANDIDATES
                    and len(picked.numbers) * 4 > picked.records)

    with handle, open(picked.path, "wb") as out:
        try:
            out.write(handle.read(prescan.header_end))
            carry = b""             # the start of a line that continues in the next chunk
            while True:
                data = handle.read(chunk_size)
                if not data:
                    if carry and not block(carry + b"\n", 0, len(carry) + 1, out):
                        return None
                    break
                first = data.find(b"\n")
                if first == -1:
                    carry += data
                    if len(carry) > limit:          # a line longer than the limit, unfinished
                        _LineScanner(path, limit, first_line=header_lines + picked.records + 1,
                                     header_lines=header_lines).feed(carry)
                    continue
                begin = 0
                if carry:
                    line = carry + data[:first + 1]
                    if not block(line, 0, len(line), out):
                        return None
                    begin = first + 1
                last = data.rfind(b"\n")
                if last + 1 > begin and not block(data, begin, last + 1, out):
                    return None
                carry = data[last + 1:]
        except (OSError, EOFError, zlib.error):
            return None         # truncated or corrupt compression: htslib reports where
    return picked


class _BuildCheck:
    """Do the records' REF alleles and positions fit the build the file is read as?

    A CrossMap-lifted file keeps its old ``##contig`` header, so the header can name one build while
    the positions are the other's; every hotspot is then off-panel and the screen says "caution:
    none". The knowledge base knows the reference base at each hotspot in both builds
    (``annotations/hotspots.tsv``) and the coding exons of each build: every record inside a panel
    gene span of either build is tallied (all of them, whatever their FILTER) and
    :meth:`verdict` decides from the counts, never from one record.
    """

    def __init__(self, panel: Panel, other: Panel | None):
        self.build = panel.build
        self.other = other.build if other is not None else None
        panels = [p for p in (panel, other) if p is not None]
        self.bases = {p.build: _hotspot_bases(p) for p in panels}
        self.exons = {p.build: _coding_exons(p) for p in panels}
        self.agree: dict[str, list[str]] = {p.build: [] for p in panels}
        self.disagree: dict[str, list[str]] = {p.build: [] for p in panels}
        self.exonic_only: dict[str, list[str]] = {p.build: [] for p in panels}

    def tally(self, chrom: str, pos: int, end: int, ref: str, label: str) -> None:
        ref = ref.upper()
        for build, bases in self.bases.items():
            known = bases.get(chrom)
            if not known or pos > max(known) or pos + len(ref) <= min(known):
                continue
            pairs = [(known[pos + i], base) for i, base in enumerate(ref) if pos + i in known]
            if pairs:
                (self.agree if all(a == b for a, b in pairs) else self.disagree)[build] \
                    .append(label)
        if self.other is None:
            return
        inside = {build: _overlaps_any(exons.get(chrom), pos, end)
                  for build, exons in self.exons.items()}
        if inside[self.build] != inside[self.other]:
            self.exonic_only[self.build if inside[self.build] else self.other].append(label)

    def verdict(self, path: Path, evidence: BuildEvidence, *, requested: str | None,
                header: BuildEvidence | None) -> list[str]:
        """Warnings to add; raises UsageError when the records contradict the build decisively.

        ``header`` is the header's own claim when ``--build`` (``requested``) overrules it.
        """
        this, other = self.build, self.other
        if other is None:
            return []
        for_other = len(self.agree[other]) + len(self.disagree[this])
        for_this = len(self.agree[this]) + len(self.disagree[other])
        counts = self._counts()
        if header is not None:
            # --build overrules the header: only when the records themselves say it is right
            if self.agree[this] and for_this > for_other:
                return [f"the header's {header.source} says {header.build}, but the records' "
                        f"REF alleles fit {this} ({counts}); read as {this} as --build asked"]
            if header.source.startswith("contig lengths"):
                resolve_build(requested, header, path=str(path))  # raises the contradiction
            raise UsageError(f"--build {requested} contradicts the file, whose {header.source} "
                             f"names {header.build}", path=path,
                             hint="check the file or drop --build to use the named build")
        warnings = []
        if self.agree[other] and for_other > for_this:
            if requested is None:
                raise UsageError(
                    f"the header says {this} ({evidence.source}) but the records' REF alleles "
                    f"say {other}: {counts}; the positions are probably {other} under a {this} "
                    f"header (CrossMap, for one, keeps the old header)", path=path,
                    hint=f"pass --build {other} to read the records as {other} (or --build "
                         f"{this} if they really are {this}), or fix the ##contig header")
            warnings.append(f"--build {this} was given, but the records' REF alleles fit "
                            f"{other}: {counts}; read as {this} as asked; if the positions are "
                            f"{other}, variants in panel genes were missed")
        elif self.disagree[this]:
            warnings.append(f"{len(self.disagree[this])} record(s) carry a REF allele that "
                            f"differs from the {this} reference at a knowledge-base hotspot "
                            f"position ({_examples(self.disagree[this])}); check these records "
                            "and the file's reference")
        near, far = len(self.exonic_only[other]), len(self.exonic_only[this])
        if not warnings and near and _binomial_tail(near, near + far) < 0.05:
            warnings.append(
                f"{near} record(s) lie in panel-gene coding exons at {other} positions but "
                f"outside them at {this} positions ({_examples(self.exonic_only[other])}), "
                f"against {far} the other way round: the positions may be {other} under a "
                f"{this} header; check the file's reference, and pass --build to settle")
        return warnings

    def _counts(self) -> str:
        this, other = self.build, self.other
        parts = []
        for build in (other, this):
            agree, disagree = self.agree[build], self.disagree[build]
            parts.append(f"{len(agree)} record(s) at {build} hotspot positions carry {build}'s "
                         f"reference base" + (f" ({_examples(agree)})" if agree else "")
                         + (f", {len(disagree)} do not" if disagree else ""))
        return "; ".join(parts)


def _examples(labels: list[str], shown: int = 3) -> str:
    return "; ".join(labels[:shown]) + (f"; +{len(labels) - shown} more"
                                        if len(labels) > shown else "")


def _binomial_tail(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2): how often chance alone puts k of n records one side."""
    return sum(math.comb(n, i) for i in range(k, n + 1)) / 2 ** n


def _hotspot_bases(panel: Panel) -> dict[str, dict[int, str]]:
    """chrom -> {position: reference base} at the panel's hotspots (+ strand, VCF REF)."""
    bases: dict[str, dict[int, str]] = defaultdict(dict)
    conflicts = set()
    for hotspot in panel.hotspots:
        for offset, base in enumerate(hotspot.ref.upper()):
            at = hotspot.pos + offset
            if bases[hotspot.chrom].setdefault(at, base) != base:
                conflicts.add((hotspot.chrom, at))
    for chrom, at in conflicts:          # a table that contradicts itself decides nothing
        del bases[chrom][at]
    return {chrom: known for chrom, known in bases.items() if known}


def _coding_exons(panel: Panel) -> dict[str, tuple[list[int], list[int]]]:
    """chrom -> (coding exon starts, sorted; the largest end among each start and those before).

    :func:`_overlaps_any` then tests a record against all exons of its chromosome by bisection.
    """
    exons: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for gene in panel.genes.values():
        for exon in gene.exons:
            if exon.coding_start is not None:
                exons[gene.chrom].append((exon.coding_start, exon.coding_end))
    prepared = {}
    for chrom, spans in exons.items():
        spans.sort()
        reach, furthest = [], 0
        for _start, stop in spans:
            furthest = max(furthest, stop)
            reach.append(furthest)
        prepared[chrom] = ([start for start, _stop in spans], reach)
    return prepared


def _overlaps_any(exons: tuple[list[int], list[int]] | None, pos: int, end: int) -> bool:
    """Does closed ``pos..end`` overlap any of the (closed) exons prepared by _coding_exons?"""
    if not exons:
        return False
    starts, reach = exons
    last = bisect.bisect_right(starts, end) - 1      # the exons starting at or before ``end``
    return last >= 0 and reach[last] >= pos


class _RecordReader:
    def __init__(self, *, path: Path, panel: Panel, build: str, flavour, tumour: str | None,
                 tumour_index: int | None, n_samples: int, include_filtered: bool,
                 declared_info: set[str] | None = None, other_panel: Panel | None = None):
        self.path, self.panel, self.build, self.flavour = path, panel, build, flavour
        self.other_panel = other_panel
        self.build_check = _BuildCheck(panel, other_panel)
        self._first_of_allele: dict[tuple, str] = {}
        self.tumour, self.tumour_index, self.n_samples = tumour, tumour_index, n_samples
        self.include_filtered = include_filtered
        self.counts = VcfRecordCounts()
        self.variants: list[VariantCall] = []
        self.rejections: dict[str, list[str]] = defaultdict(list)
        self._chrom_cache: dict[str, tuple[str, int | None, list[tuple[int, int]]]] = {}
        self._by_index = False
        self._declared_info = declared_info or set()
        self.annotation_notes: list[str] = []
        self._undeclared_seen: set[str] = set()
        self.reference_blocks = 0
        self.saw_reference_model_allele = False

    # ----- the loop ---------------------------------------------------------------------------
    def run(self, records: Iterable, first_line: int) -> None:
        counts = self.counts
        self._by_index = counts.index_used
        iterator = iter(records)
        while True:
            try:
                variant = next(iterator)
            except StopIteration:
                break
            except HpdError:
                raise
            except Exception as exc:  # noqa: BLE001 - htslib read errors arrive as bare Exception
                number = counts.records_read + 1
                where = (f"record {number}, line {first_line + number}" if not self._by_index
                         else "reading the panel regions through the index")
                raise _ParseFailure(f"cannot read the record ({exc})", where=where,
                                    hint="the file may be truncated or the record malformed; "
                                         "check it with 'bcftools view'") from None
            counts.records_read += 1
            try:
                raw_chrom = variant.CHROM
                cached = self._chrom_cache.get(raw_chrom)
                if cached is None:
                    cached = self._chrom_info(raw_chrom)
                chrom, length, spans, other_spans = cached
                pos = variant.POS
                if length is not None and pos > length:
                    raise UsageError(
                        f"{self._label(variant, counts.records_read)} lies beyond the end of "
                        f"chromosome {chrom} in {self.build} (length {length:,})",
                        path=self.path, hint=f"the file is not {self.build}: check --build and "
                                             "the file's reference")
                alleles = sum(1 for alt in variant.ALT if alt not in _REFERENCE_MODEL_ALTS)
                if alleles != len(variant.ALT):
                    self.saw_reference_model_allele = True
                if not alleles and variant.ALT:
                    self.reference_blocks += 1      # a gVCF reference block: no variant at all
                    continue
                end = variant.end
                if not any(start <= end and pos <= stop for start, stop in spans):
                    counts.alleles_read += alleles
                    counts.off_panel += alleles
                    if other_spans and any(start <= end and pos <= stop
                                           for start, stop in other_spans):
                        self.build_check.tally(chrom, pos, end, variant.REF,
                                               self._label(variant, counts.records_read))
                    continue
                self.build_check.tally(chrom, pos, end, variant.REF,
                                       self._label(variant, counts.records_read))
            except UnicodeDecodeError as exc:
                raise self._undecodable(exc, first_line) from None
            try:
                self._on_panel(variant, chrom)
            except HpdError:
                raise
            except UnicodeDecodeError as exc:
                raise self._undecodable(exc, first_line) from None
            except ImplausibleValue as exc:
                label = self._label(variant, counts.records_read)
                raise InputError(f"{label}: {exc}", path=self.path,
                                 where=None if self._by_index else
                                 f"line {first_line + counts.records_read}",
                                 hint="the caller's output is corrupt or was edited by hand; "
                                      "fix or remove the record") from None
            except Exception as exc:  # noqa: BLE001 - a malformed value must not become a traceback
                label = self._label(variant, counts.records_read)
                raise _ParseFailure(f"cannot interpret {label} ({type(exc).__name__}: {exc})",
                                    where=None if self._by_index else
                                    f"line {first_line + counts.records_read}",
                                    hint="check the record's FORMAT/INFO values") from None

    def tally_only(self, records: Iterable) -> None:
        """Records read through the index for the build check alone (not screened, not counted)."""
        iterator = iter(records)
        while True:
            try:
                variant = next(iterator)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - htslib read errors arrive as bare Exception
                raise _ParseFailure(f"cannot read the record ({exc})",
                                    where="reading the other build's panel regions through the "
                                          "index",
                                    hint="the file may be truncated or the record malformed; "
                                         "check it with 'bcftools view'") from None
            try:
                self.build_check.tally(normalize_chrom(variant.CHROM), variant.POS, variant.end,
                                       variant.REF, self._label(variant, 0))
            except UnicodeDecodeError as exc:
                raise self._undecodable(exc, 0) from None

    def _undecodable(self, exc: UnicodeDecodeError, first_line: int) -> InputError:
        number = self.counts.records_read
        bad = exc.object[exc.start:exc.start + 1].hex() if exc.object else "?"
        return InputError(f"record {number} is not UTF-8 text (byte 0x{bad})", path=self.path,
                          where=None if self._by_index else f"line {first_line + number}",
                          hint="VCF text must be UTF-8; convert the file, e.g. 'iconv -f latin1 "
                               "-t utf-8' (bgzip it again afterwards)")

    def _chrom_info(self, raw: str):
        chrom = normalize_chrom(raw)
        length = CHROM_LENGTHS[self.build].get(chrom)
        spans = [(g.start, g.end) for g in self.panel.genes.values() if g.chrom == chrom]
        other_spans = [] if self.other_panel is None else \
            [(g.start, g.end) for g in self.other_panel.genes.values() if g.chrom == chrom]
        info = (chrom, length, spans, other_spans)
        self._chrom_cache[raw] = info
        return info

    def _label(self, variant, number: int) -> str:
        text = f"{variant.CHROM}:{variant.POS} {variant.REF}>{','.join(variant.ALT) or '.'}"
        return f"record at {text}" if self._by_index else f"record {number} ({text})"

    # ----- one on-panel record ----------------------------------------------------------------
    def _on_panel(self, variant, chrom: str) -> None:
        counts = self.counts
        alts = list(variant.ALT)
        # '<NON_REF>'/'<*>' stand for "any other allele" in gVCF records: not variants, not counted
        variant_alts = [alt for alt in alts if alt not in _REFERENCE_MODEL_ALTS]
        counts.alleles_read += len(variant_alts)
        filter_value = variant.FILTER
        if filter_value is not None and not self.include_filtered:
            counts.filtered += len(variant_alts)
            return
        fields = str(variant).rstrip("\n").split("\t")
        tumour_format: dict[str, str] = {}
        if self.tumour_index is not None and len(fields) > 9 + self.tumour_index:
            keys = fields[8].split(":")
            values = fields[9 + self.tumour_index].split(":")
            tumour_format = dict(zip(keys, values))
        effects = None
        if self.flavour is None:
            self._note_undeclared_annotation(fields[7])
        sample_filter = tumour_format.get("FT", ".")
        if sample_filter not in (".", "", "PASS") and not self.include_filtered:
            # FORMAT/FT is the tumour's own filter (Octopus, GATK): a failed call in this sample is
            # filtered here even when the record's FILTER passes because another sample passed
            counts.filtered += len(variant_alts)
            return
        for index, alt in enumerate(alts):
            if alt in _REFERENCE_MODEL_ALTS:
                continue
            label = self._allele_label(variant, alt)
            reason = _unscreenable(alt)
            if reason:
                self._reject(reason, label)
                continue
            pos, ref, alt_min = minimal_alleles(variant.POS, variant.REF, alt)
            genes = self.panel.genes_at(chrom, pos, pos + len(ref) - 1)
            if not genes:
                counts.off_panel += 1
                continue
            allele_key = (chrom, pos, ref.upper(), alt_min.upper())
            first = self._first_of_allele.get(allele_key)
            if first is not None:
                # the same allele twice (a concatenation of two call sets, a caller run twice):
                # listed once, the copy counted as rejected and named in a warning
                self._reject(_DUPLICATE, f"{label} repeats {first}")
                continue
            support = allele_support(tumour_format, index, len(alts), variant.REF, alt,
                                     info=_info_values(fields[7]), n_samples=self.n_samples)
            absent = _absent_in_tumour(tumour_format, index, support)
            if absent:
                self._reject(f"{absent} in tumour sample {self.tumour}", label)
                continue
            if self.flavour is not None and effects is None:
                effects = self.flavour.effects(variant)
            chosen = self._choose(genes, chrom, variant.POS, variant.REF, alt,
                                  (effects or {}).get(alt, []) if self.flavour else None)
            gene, effect, choice, source = chosen
            hotspot = next((h.protein_change for h in self.panel.hotspots_at(chrom, pos, ref,
                                                                             alt_min)
                            if h.gene == gene.symbol), None)
            self.variants.append(VariantCall(
                chrom=chrom, pos=pos, ref=ref, alt=alt_min,
                filter="PASS" if filter_value is None else filter_value,
                gene=gene.symbol, transcript=effect.transcript, transcript_choice=choice,
                consequence=effect.consequence, so_terms=",".join(effect.so_terms),
                hgvsc=effect.hgvsc, protein_change=effect.protein_change, exon=effect.exon,
                vaf=support.vaf, depth=support.depth, alt_depth=support.alt_depth,
                annotation_source=source, record=label, hotspot=hotspot))
            counts.screened += 1
            self._first_of_allele[allele_key] = label

    def _note_undeclared_annotation(self, info: str) -> None:
        for key in _info_values(info):
            if key in _ANNOTATION_TAGS and key not in self._declared_info \
                    and key not in self._undeclared_seen:
                self._undeclared_seen.add(key)
                self.annotation_notes.append(
                    f"the records carry INFO/{key} ({_ANNOTATION_TAGS[key]} annotation) but the "
                    f"header does not declare it, so its field layout is unknown and it was not "
                    f"used: {_FALLBACK}; re-annotate, or restore the ##INFO=<ID={key},...> line")

    def _allele_label(self, variant, alt: str) -> str:
        text = f"{variant.CHROM}:{variant.POS} {variant.REF}>{alt}"
        return f"record at {text}" if self._by_index else \
            f"record {self.counts.records_read} ({text})"

    def _reject(self, reason: str, label: str) -> None:
        self.counts.rejected += 1
        self.rejections[reason].append(label)

    def _choose(self, genes: list[PanelGene], chrom: str, pos: int, ref: str, alt: str,
                allele_effects):
        """(gene, effect, transcript_choice, annotation_source) for one allele."""
        candidates = []
        for gene in genes:
            effect, choice, source = None, "", "coordinate"
            if allele_effects is not None:
                from ..annotation.effects import choose_effect
                effect, choice = choose_effect(allele_effects, gene)
                source = self.flavour.name
                if effect is None:
                    choice = (f"no {self.flavour.name} entry for {gene.symbol}; classified by "
                              f"coordinates on the canonical transcript {gene.transcript}")
                    source = "coordinate"
            if effect is None:
                effect = classify_by_coordinates(chrom, pos, ref, alt, gene, self.panel)
                choice = choice or (f"coordinates on the knowledge-base canonical transcript "
                                    f"{gene.transcript}")
            candidates.append((gene, effect, choice, source))
        if len(candidates) > 1:
            candidates.sort(key=lambda c: severity_rank(c[1].consequence))
            gene, effect, choice, source = candidates[0]
            others = ", ".join(c[0].symbol for c in candidates[1:])
            candidates[0] = (gene, effect, choice + f" (also overlaps {others}; the most severe "
                                                   "effect was kept)", source)
        return candidates[0]

    def rejection_warnings(self) -> list[str]:
        messages = []
        for reason, labels in sorted(self.rejections.items()):
            shown = "; ".join(labels[:5]) + (f"; +{len(labels) - 5} more" if len(labels) > 5
                                             else "")
            messages.append(f"{len(labels)} allele(s) in panel genes not screened: {reason} "
                            f"({shown})")
        return messages


_REFERENCE_MODEL_ALTS = frozenset({"<NON_REF>", "<*>"})
_DUPLICATE = ("duplicate of an earlier record (same CHROM, POS, REF and ALT once minimised); "
              "the allele is listed once")


def _info_values(info: str) -> dict[str, str]:
    """INFO column text -> {key: value text} (flags omitted)."""
    if info in (".", ""):
        return {}
    return dict(item.split("=", 1) for item in info.split(";") if "=" in item)


def _unscreenable(alt: str) -> str | None:
    if alt.startswith("<"):
        return f"symbolic ALT {alt} (structural/copy-number record; use a copy-number input)"
    if "[" in alt or "]" in alt:
        return "breakend ALT (structural variant)"
    if alt == "*":
        return "'*' ALT (allele spanning an upstream deletion)"
    if alt in (".", "") or not re.fullmatch(r"[ACGTNacgtn]+", alt):
        return f"ALT {alt!r} is not a sequence"
    return None


def _absent_in_tumour(tumour_format: dict[str, str], index: int,
                      support: AlleleSupport) -> str | None:
    """Why the allele is not in the tumour sample, or None when it is (or may be)."""
    if support.alt_depth == 0 and not support.vaf:
        return "no reads support the ALT allele"
    if support.alt_depth is None and support.vaf == 0:
        return "ALT allele fraction 0"
    if support.alt_depth is None and support.vaf is None and "GT" in tumour_format:
        called = re.split(r"[/|]", tumour_format["GT"])
        if all(a in (".", "") for a in called):
            return "no call (GT missing)"
        if str(index + 1) not in called:
            return f"genotype {tumour_format['GT']} does not carry the allele"
    return None


# --- VAF and depth -----------------------------------------------------------------------------

class ImplausibleValue(ValueError):
    """A FORMAT/INFO number the reader uses is not finite or cannot be true (negative reads)."""


def _numbers(text: str | None, name: str = "") -> list[float | None]:
    """Comma-separated numbers; '.' and non-numbers are None, ``inf``/``nan``/overflow raise."""
    if text is None:
        return []
    values = []
    for item in text.split(","):
        item = item.strip()
        if item in (".", ""):
            values.append(None)
            continue
        percent = item.endswith("%")
        try:
            number = float(item.rstrip("%"))
        except ValueError:
            values.append(None)
            continue
        if not math.isfinite(number):
            raise ImplausibleValue(f"{name or 'a value'}={text} holds {item!r}, which is not a "
                                   "finite number")
        values.append(number / 100 if percent else number)
    return values


def _counts(text: str | None, name: str) -> list[float | None]:
    """Read counts or depths: finite, not negative, within a VCF Integer (32-bit)."""
    values = _numbers(text, name)
    for value in values:
        if value is not None and not 0 <= value <= _INT32_MAX:
            raise ImplausibleValue(f"{name}={text} holds an impossible read count {value:g} "
                                   + ("(negative)" if value < 0 else
                                      f"(beyond a VCF Integer, {_INT32_MAX:,})"))
    return values


def _fraction(value: float | None, name: str, text: str | None = None) -> float | None:
    if value is not None and not 0 <= value <= 1:
        raise ImplausibleValue(f"{name}{'=' + text if text else ''} gives an allele fraction "
                               f"of {value:g}, outside 0..1")
    return value


def _per_allele(values: list[float | None], index: int, n_alts: int) -> float | None:
    """Pick the value of ALT ``index`` from a Number=A, Number=R or single value list."""
    if not values:
        return None
    if len(values) == n_alts + 1:          # one per allele, REF first (Number=R; RADIA's AF)
        return values[index + 1]
    if len(values) == n_alts:              # one per ALT (Number=A)
        return values[index]
    if len(values) == 1 and n_alts == 1:
        return values[0]
    return None


def _as_int(value: float | None) -> int | None:
    return None if value is None else round(value)


def allele_support(fmt: dict[str, str], index: int, n_alts: int, ref: str, alt: str, *,
                   info: dict[str, str] | None = None, n_samples: int = 1) -> AlleleSupport:
    """VAF, depth and ALT read count of ALT ``index`` in one sample's FORMAT values.

    Dialects, tried in this order:

    * Strelka2 SNV: tier-1 counts ``<base>U`` (first value); VAF = ALT / (REF + ALT) as Strelka's
      documentation recommends, depth = ``DP``.
    * Strelka2 indel: ``TIR`` / (``TAR`` + ``TIR``) tier 1, depth = ``DP``.
    * ``AD`` with one value per allele (GATK, VarDict, SAGE, Mutect1, RADIA): ALT count, and VAF =
      ALT / sum(AD) when no allele fraction field is given; VarScan's ``AD`` is the ALT count alone
      and ``RD`` the REF count.
    * Platypus: ``NV`` / ``NR`` (reads carrying / covering each ALT).
    * Allele fraction: ``AF`` (Mutect2, VarDict, SAGE, varlociraptor; RADIA's per-allele AF with REF
      first), Mutect1 ``FA``, VarScan ``FREQ`` ("12.5%"), DeepVariant/DeepSomatic ``VAF``, Pisces ``VF``.
    * INFO ``TVAF``/``TDP`` (the tumour's values as PCGR expects them) when FORMAT gives nothing.
    * Depth: ``DP`` (per ALT when there is one value per ALT, as in varlociraptor), else sum(AD).
    * INFO ``AF``/``DP`` when nothing in FORMAT gives a fraction and the file has at most one sample.

    Every number used must be finite, read counts not negative and fractions within 0..1: an
    impossible value raises :class:`ImplausibleValue` (never a VAF above 1 or below 0).
    """
    vaf = alt_depth = None
    basis = []
    dp_values = _counts(fmt.get("DP"), "FORMAT/DP")
    dp = _per_allele(dp_values, index, n_alts) if len(dp_values) == n_alts > 1 else \
        (dp_values[0] if dp_values else None)
    if len(ref) == 1 and len(alt) == 1 and f"{alt.upper()}U" in fmt and f"{ref.upper()}U" in fmt:
        alt_name, ref_name = f"{alt.upper()}U", f"{ref.upper()}U"
        alt_count = (_counts(fmt[alt_name], f"FORMAT/{alt_name}") or [None])[0]
        ref_count = (_counts(fmt[ref_name], f"FORMAT/{ref_name}") or [None])[0]
        if alt_count is not None and ref_count is not None:
            alt_depth = alt_count
            vaf = alt_count / (alt_count + ref_count) if alt_count + ref_count else None
            basis.append("Strelka2 tier-1 base counts")
    elif "TIR" in fmt and "TAR" in fmt:
        tir = (_counts(fmt["TIR"], "FORMAT/TIR") or [None])[0]
        tar = (_counts(fmt["TAR"], "FORMAT/TAR") or [None])[0]
        if tir is not None and tar is not None:
            alt_depth = tir
            vaf = tir / (tir + tar) if tir + tar else None
            basis.append("Strelka2 tier-1 TIR/TAR")
    if alt_depth is None and "AD" in fmt:
        ad = _counts(fmt["AD"], "FORMAT/AD")
        if len(ad) == n_alts + 1:
            alt_depth = ad[index + 1]
            total = sum(v for v in ad if v is not None)
        elif "RD" in fmt and len(ad) == n_alts:           # VarScan: AD = ALT reads, RD = REF
            alt_depth = ad[index]
            total = sum(v for v in ad if v is not None) + \
                ((_counts(fmt["RD"], "FORMAT/RD") or [0])[0] or 0)
        else:
            total = None
        if alt_depth is not None:
            basis.append("AD")
            fraction = _allele_fraction(fmt, index, n_alts)
            if fraction is not None:
                vaf, name = fraction
                basis.append(name)
            elif total:
                vaf = alt_depth / total
            if dp is None and total:
                dp = total
    if alt_depth is None and "NV" in fmt and "NR" in fmt:
        # Platypus: NV reads carrying each ALT, NR reads covering each ALT's position (Number=.)
        supporting = _per_allele(_counts(fmt["NV"], "FORMAT/NV"), index, n_alts)
        covering = _per_allele(_counts(fmt["NR"], "FORMAT/NR"), index, n_alts)
        if supporting is not None and covering:
            if supporting > covering:
                raise ImplausibleValue(f"FORMAT/NV={fmt['NV']} exceeds FORMAT/NR={fmt['NR']}: "
                                       "more reads carry the allele than cover its position")
            alt_depth, dp = supporting, covering
            vaf = supporting / covering
            basis.append("Platypus NV/NR")
    if vaf is None and alt_depth is None:
        fraction = _allele_fraction(fmt, index, n_alts)
        if fraction is not None:
            vaf, name = fraction
            basis.append(name)
    if vaf is None and alt_depth is None and info and ("TVAF" in info or "TDP" in info):
        # PCGR/CPSR input convention: the tumour's VAF and depth copied into INFO TVAF/TDP
        vaf = _fraction(_per_allele(_numbers(info.get("TVAF"), "INFO/TVAF"), index, n_alts),
                        "INFO/TVAF", info.get("TVAF"))
        tdp = _counts(info.get("TDP"), "INFO/TDP")
        if dp is None and tdp:
            dp = tdp[0]
        basis.append("INFO TVAF/TDP")
    if vaf is None and alt_depth is None and n_samples <= 1 and info:
        # the text values, not htslib's float32 copies (0.12 stays 0.12)
        info_af = _fraction(_per_allele(_numbers(info.get("AF"), "INFO/AF"), index, n_alts),
                            "INFO/AF", info.get("AF"))
        if info_af is not None:
            vaf = info_af
            basis.append("INFO AF")
        info_dp = _counts(info.get("DP"), "INFO/DP")
        if dp is None and info_dp:
            dp = info_dp[0]
            basis.append("INFO DP")
    if dp is not None and "DP" in fmt:
        basis.append("DP")
    if vaf is not None and not (math.isfinite(vaf) and 0 <= vaf <= 1):
        raise ImplausibleValue(f"the allele fraction works out at {vaf:g} ({', '.join(basis)}), "
                               "outside 0..1")
    return AlleleSupport(vaf=vaf, depth=_as_int(dp), alt_depth=_as_int(alt_depth),
                         basis=", ".join(basis))


def _allele_fraction(fmt: dict[str, str], index: int, n_alts: int) -> tuple[float, str] | None:
    # DeepVariant/DeepSomatic write VAF, Illumina Pisces VF
    for name in ("AF", "FA", "FREQ", "VAF", "VF"):
        if name in fmt:
            value = _per_allele(_numbers(fmt[name], f"FORMAT/{name}"), index, n_alts)
            if value is not None:
                return _fraction(value, f"FORMAT/{name}", fmt[name]), name
    return None
