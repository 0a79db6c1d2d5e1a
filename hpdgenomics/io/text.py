"""Small input-file helpers: opening plain or gzipped text, sniffing delimiters, hashing.

Inputs are opened with :func:`open_text`, which bounds what a reader can be made to hold (line
length, decompressed size, gzip ratio: :mod:`hpdgenomics.limits`). The writing helpers (safe
output names, atomic writes, report sets, finite JSON) are in :mod:`hpdgenomics.outputs`.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzipped(path: str | Path) -> bool:
    """True when the file starts with the gzip magic bytes (whatever its name)."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_text(path: str | Path, *, kind: str | None = "table") -> io.TextIOWrapper[Any]:
    """Open a plain or gzip/bgzip text file for reading (UTF-8, tolerant of stray bytes).

    A leading UTF-8 byte-order mark (Excel's "CSV UTF-8", PowerShell) is dropped here, once for
    every reader, so it never sticks to the first column name or hides a leading ``#``.

    Reading is bounded (:mod:`hpdgenomics.limits`): a line longer than
    ``HPDGENOMICS_MAX_LINE_BYTES``, more decompressed bytes than the size limit of ``kind``
    (``table``: clinical, samples, manifest, BED, gene panels, HPD tables; ``cnv``; ``maf``;
    ``vcf`` or None: no size limit), or a gzip file that decompresses more than
    ``HPDGENOMICS_MAX_GZIP_RATIO`` times its size raises :class:`InputError` from the read that
    crosses the limit, before the data is held in memory. The check sits below the text layer, so
    it holds for ``for line in handle`` and for ``pandas.read_csv(handle)`` alike.
    """
    from ..limits import SIZE_LIMITS

    if kind is not None and kind not in SIZE_LIMITS:
        raise ValueError(f"unknown input kind {kind!r} (one of {', '.join(SIZE_LIMITS)})")
    path = Path(path)
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise InputError("file not found", path=path, hint="check the path") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", path=path) from None
    try:
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        bounded = _BoundedReader(raw, path, kind, gzipped=gzipped)
        # newline=None (universal newlines, the default) for gzip; "" keeps a plain file's line ends
        handle = io.TextIOWrapper(
            bounded,  # type: ignore[type-var]  # a binary buffer; typeshed also wants .name
            encoding="utf-8-sig", errors="replace", newline=None if gzipped else "")
        # 64 KiB reads instead of 8 KiB: the limit checks then cost ~10 % of a bare line loop
        handle._CHUNK_SIZE = 1 << 16  # type: ignore[attr-defined]  # CPython's, not in typeshed
        return handle
    except BaseException:
        raw.close()
        raise


class _BoundedReader(io.BufferedIOBase):
    """The decompressed bytes of a file, refusing to go past the limits of :func:`open_text`.

    Counting is done on the chunks the text layer asks for: one ``rfind``/``count`` per chunk on
    the fast path, a scan for line ends only when a line could have crossed the limit.
    """

    def __init__(self, raw: io.BufferedReader, path: Path, kind: str | None, *,
                 gzipped: bool) -> None:
        from ..limits import GZIP_RATIO, GZIP_RATIO_FLOOR, LINE_BYTES, SIZE_LIMITS

        super().__init__()
        self._raw = raw
        self._path = path
        self._kind = kind
        self._gzipped = gzipped
        self._inner = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
        self._line_limit = LINE_BYTES
        self._max_line = LINE_BYTES.value()
        self._size_limit = SIZE_LIMITS[kind] if kind is not None else None
        self._max_size = self._size_limit.value() if self._size_limit else None
        self._ratio_limit = GZIP_RATIO
        self._max_ratio = GZIP_RATIO.value() if gzipped else None
        self._ratio_floor = GZIP_RATIO_FLOOR
        self._total = 0          # decompressed bytes handed out
        self._line = 0           # bytes of the current (unfinished) line
        self._lines = 0          # line ends seen
        if not gzipped and self._max_size is not None:
            size = os.fstat(raw.fileno()).st_size
            if size > self._max_size:
                self._refuse_size(size, self._max_size)

    # -- io.BufferedIOBase --------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        # in chunks, so that even read() of a gzip bomb stops at the limit instead of at the end
        parts, wanted = [], -1 if size is None or size < 0 else size
        while wanted != 0:
            chunk = self.read1(_CHUNK if wanted < 0 else min(wanted, _CHUNK))
            if not chunk:
                break
            parts.append(chunk)
            if wanted > 0:
                wanted -= len(chunk)
        return b"".join(parts)

    def read1(self, size: int = -1) -> bytes:
        try:
            chunk = self._inner.read1(size)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            # every reader, pandas included, gets one InputError for a damaged gzip
            raise InputError(f"cannot be read as gzip after {self._total:,} bytes ({exc})",
                             path=self._path, where=f"line {self._lines + 1}",
                             hint="is the file truncated or not really gzip? re-create it"
                             ) from None
        return self._checked(chunk)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                if self._inner is not self._raw:
                    self._inner.close()
            finally:
                self._raw.close()
                super().close()

    # -- the limits ---------------------------------------------------------------------------
    def _checked(self, chunk: bytes) -> bytes:
        if not chunk:
            return chunk
        self._total += len(chunk)
        if self._max_size is not None and self._total > self._max_size:
            self._refuse_size(None, self._max_size)
        if self._max_ratio is not None and self._total > self._ratio_floor:
            consumed = max(self._raw.tell(), 1)
            if self._total > self._max_ratio * consumed:
                self._refuse_ratio(consumed)
        if self._line + len(chunk) <= self._max_line:
            # no line in this chunk can be over the limit: only track where the last one ends
            end = chunk.rfind(b"\n")
            if end < 0:
                end = chunk.rfind(b"\r")
            self._line = self._line + len(chunk) if end < 0 else len(chunk) - end - 1
            self._lines += chunk.count(b"\n")
            return chunk
        start = 0
        for found in _LINE_END.finditer(chunk):
            if self._line + found.start() - start > self._max_line:
                self._refuse_line()
            self._line = 0
            self._lines += found.group() != b"\r"
            start = found.end()
        self._line += len(chunk) - start
        if self._line > self._max_line:
            self._refuse_line()
        return chunk

    def _refuse_line(self) -> None:
        limit = self._line_limit
        raise InputError(f"line {self._lines + 1} is longer than the limit on one line of "
                         f"{limit.describe(self._max_line)}",
                         path=self._path,
                         hint="is this the right file (not binary, not one huge line)? if it is, "
                              f"raise the limit: set {limit.env} to a larger number of bytes")

    def _refuse_size(self, size: int | None, maximum: int) -> None:
        from ..limits import format_amount

        limit = self._size_limit
        assert limit is not None and self._kind is not None  # set whenever a size limit is
        found = (f"is {format_amount(size, 'bytes')}" if size is not None else
                 f"decompresses to more than {format_amount(maximum, 'bytes')}")
        raise InputError(f"{found}, over the limit on {_KIND_NAMES[self._kind]} of "
                         f"{limit.describe(maximum)}",
                         path=self._path,
                         hint="is this the right file? if it is, raise the limit: set "
                              f"{limit.env} to at least "
                              f"{size if size is not None else 4 * maximum}")

    def _refuse_ratio(self, consumed: int) -> None:
        limit = self._ratio_limit
        raise InputError(f"decompresses to more than {self._max_ratio} times its compressed size "
                         f"({self._total:,} bytes from the first {consumed:,}), over the limit on "
                         f"the gzip decompression ratio of {limit.describe(self._max_ratio)}; "
                         "real tables compress 3-20x, a gzip bomb several hundred times",
                         path=self._path,
                         hint="is this the right file? if it is, give it uncompressed or raise "
                              f"the limit: set {limit.env} to a larger number")


_CHUNK = 1 << 20
_LINE_END = re.compile(rb"\r\n|\n|\r")
_KIND_NAMES = {
    "table": "the size of a table (clinical, samples, manifest, BED, gene panel, HPD)",
    "cnv": "the size of a copy-number file",
    "maf": "the size of a MAF",
    "vcf": "the size of a VCF",
}


def sniff_delimiter(header: str, *, csv_name: bool = False) -> str:
    """The field separator of a delimited text table, from its header line.

    Tab when the header has one; semicolon when semicolons outnumber commas (a spreadsheet's
    "CSV" in locales whose decimal mark is a comma); comma when the header has commas or the file
    is named ``.csv`` (``csv_name``); otherwise tab (a one-column table).
    """
    if "\t" in header:
        return "\t"
    if header.count(";") > header.count(","):
        return ";"
    if "," in header or csv_name:
        return ","
    return "\t"


def head_lines(path: str | Path, n: int) -> list[str]:
    """The first ``n`` lines (without newlines); raises InputError on an unreadable gzip."""
    lines: list[str] = []
    try:
        with open_text(path, kind=None) as handle:   # reads the head only: no size limit
            for line in handle:
                lines.append(line.rstrip("\r\n"))
                if len(lines) >= n:
                    break
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read ({exc})", path=path,
                         hint="is the file truncated or not really gzip? re-create it") from None
    return lines


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """The sha256 hex digest of the file's bytes, read in blocks of ``chunk`` bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_in_background(path: str | Path) -> Callable[[], str]:
    """Start :func:`sha256_file` of ``path`` in a thread; return a function that waits for it.

    hashlib lets other threads run while it hashes a block, so the hash of a large input costs
    little wall time beside the reading that follows. The returned function gives the hex digest,
    or raises what hashing raised (an OSError of the file, as :func:`sha256_file` would).
    """
    import threading

    digest: list[str] = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            digest.append(sha256_file(path))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            error.append(exc)

    thread = threading.Thread(target=work, name="hpdgenomics-sha256", daemon=True)
    thread.start()

    def result() -> str:
        thread.join()
        if error:
            raise error[0]
        return digest[0]
    return result
