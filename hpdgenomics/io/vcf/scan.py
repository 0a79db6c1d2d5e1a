"""Bytes first: the checks on a VCF's decompressed bytes before htslib or Python read a line.

The line-length limit (:data:`MAX_LINE_BYTES`, ``$HPDGENOMICS_MAX_LINE_BYTES``), NUL bytes and the
header's UTF-8 (:func:`_prescan`, :class:`_LineScanner`, :func:`_check_bcf_header`), the BCF test,
and :class:`_Prescan`, which remembers how much of a file has been checked.
"""
from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError, UsageError
from ..text import is_gzipped

#: Longest VCF line (bytes, newline excluded) read before htslib or Python allocate it; a longer
#: line is an InputError. Raise it with the environment variable named by MAX_LINE_BYTES_ENV.
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES_ENV = "HPDGENOMICS_MAX_LINE_BYTES"


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


_SCAN_CHUNK = 1 << 20


@dataclass
class _Prescan:
    path: Path
    limit: int
    header_end: int | None = None       # decompressed offset of the first record
    whole_file: bool = False            # every line already checked
    chunk: int = _SCAN_CHUNK            # bytes read at a time (tests make it small)

    def ensure_whole_file(self) -> None:
        if not self.whole_file and not _is_bcf(self.path):
            _prescan(self.path, self.limit, chunk=self.chunk)
            self.whole_file = True



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
        """Check the next bytes of the stream; raise InputError on the first problem in them."""
        nul = chunk.find(b"\0")
        if nul != -1:
            # the whole lines before the NUL's line first: a long one among them comes first
            start = chunk.rfind(b"\n", 0, nul) + 1
            self._advance(chunk[:start])
            if self.since_newline + (nul - start) > self.limit:
                self._fail_long(chunk[start:nul])
            self._fail_nul(chunk[start:], nul - start)
        self._advance(chunk)

    def _advance(self, chunk: bytes) -> None:
        """Count the lines of ``chunk`` (no NUL in it); raise InputError on a line over the
        limit."""
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



def _prescan(path: Path, limit: int, *, header_only: bool = False,
             chunk: int = _SCAN_CHUNK) -> int | None:
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
            chunk_size = max(4096, min(chunk, limit))
            while True:
                data = handle.read(chunk_size)
                if not data:
                    break
                scanner.feed(data)
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
