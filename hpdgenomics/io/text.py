"""Small file helpers: opening plain or gzipped text, hashing, safe output names, atomic writes.

Inputs are opened with :func:`open_text`, which bounds what a reader can be made to hold (line
length, decompressed size, gzip ratio: :mod:`hpdgenomics.limits`).

Output files are named from sample ids with :func:`safe_file_stem` and written with
:func:`atomic_write` (one file) or :func:`write_file_set` (a report set: all new or all old) into a
folder checked beforehand by :func:`check_output_dir`; a failure to create or write them (a full
disk, a name over 255 bytes) is an :class:`~hpdgenomics.errors.OutputError` (exit code 2), never a
bare ``OSError``. JSON is written through :func:`finite_json`, which never emits ``NaN``.
"""
from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import math
import os
import re
import tempfile
import unicodedata
import zlib
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError, OutputError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzipped(path: str | Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_text(path: str | Path, *, kind: str | None = "table"):
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
        if gzipped:
            handle = io.TextIOWrapper(bounded, encoding="utf-8-sig", errors="replace")
        else:
            handle = io.TextIOWrapper(bounded, encoding="utf-8-sig", errors="replace", newline="")
        # 64 KiB reads instead of 8 KiB: the limit checks then cost ~10 % of a bare line loop
        handle._CHUNK_SIZE = 1 << 16
        return handle
    except BaseException:
        raw.close()
        raise


class _BoundedReader(io.BufferedIOBase):
    """The decompressed bytes of a file, refusing to go past the limits of :func:`open_text`.

    Counting is done on the chunks the text layer asks for: one ``rfind``/``count`` per chunk on
    the fast path, a scan for line ends only when a line could have crossed the limit.
    """

    def __init__(self, raw, path: Path, kind: str, *, gzipped: bool):
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
                self._refuse_size(size)

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

    def readinto(self, buffer) -> int:
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
            self._refuse_size(None)
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

    def _refuse_size(self, size: int | None) -> None:
        from ..limits import format_amount

        limit, maximum = self._size_limit, self._max_size
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
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_in_background(path: str | Path):
    """Start :func:`sha256_file` of ``path`` in a thread; return a function that waits for it.

    hashlib lets other threads run while it hashes a block, so the hash of a large input costs
    little wall time beside the reading that follows. The returned function gives the hex digest,
    or raises what hashing raised (an OSError of the file, as :func:`sha256_file` would).
    """
    import threading

    outcome: dict = {}

    def work():
        try:
            outcome["digest"] = sha256_file(path)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="hpdgenomics-sha256", daemon=True)
    thread.start()

    def result() -> str:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["digest"]
    return result


# Longest stem kept as is; file systems allow 255 bytes per name and ".hpd.json.<tmp>.part" and
# similar suffixes must still fit.
MAX_STEM = 100


def safe_file_stem(name: str, fallback: str = "sample") -> str:
    """The file-name form of a sample or patient id: stable, and safe in any folder and shell.

    Accents are dropped (``Tümör`` -> ``Tumor``), every run of characters other than ``A-Z a-z
    0-9 . _ -`` becomes one ``_`` (so ``/``, ``..``, spaces and ``<>`` never reach a path), and
    leading or trailing ``. _ -`` are removed (no hidden files, nothing a shell reads as an option).
    An id with nothing left becomes ``fallback``; one longer than 100 characters is cut and given
    the first 8 hex digits of its sha256, so long ids stay distinct. Different ids can share a stem
    (``a/b`` and ``a_b``): callers that write several samples into one folder must check for that.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", without_marks).strip("._-") or fallback
    if len(stem) > MAX_STEM:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"{stem[:MAX_STEM - 9].rstrip('._-')}-{digest}"
    return stem


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


# what to do about the operating-system errors a write can meet, by errno
_OUTPUT_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or choose another --out",
    errno.EDQUOT: "the disk quota is used up: free some space or choose another --out",
    errno.EFBIG: "the file is larger than the file system allows: choose another --out",
    errno.ENAMETOOLONG: "a file or folder name is longer than the file system allows (255 bytes "
                        "per name on most): choose a shorter --out",
    errno.EROFS: "the file system is read-only: choose another --out",
    errno.EACCES: "permission denied: choose another --out or fix the permissions",
    errno.EPERM: "not permitted: choose another --out or fix the permissions",
}


def output_error(exc: OSError, path: str | Path, doing: str = "cannot write the file"
                 ) -> OutputError:
    """An :class:`OutputError` for an OSError met while writing ``path``, with what to do."""
    hint = _OUTPUT_HINTS.get(exc.errno, "check that the folder exists, is a folder and is "
                                        "writable, or choose another --out")
    return OutputError(f"{doing} ({_os_reason(exc)})", path=path, hint=hint)


def check_output_dir(path: str | Path) -> Path:
    """Prove that reports can be written into ``path`` without creating it yet.

    Called before any work is done, so a run with an unusable ``--out`` fails at once with one
    line instead of after minutes of screening; and a run that then fails on its input leaves no
    empty folder behind. An existing folder is probed with a temporary file; for a missing one,
    its nearest existing parent must be a folder we may write into.
    """
    path = Path(path)
    try:
        return _check_output_dir(path)
    except OSError as exc:    # e.g. a folder name over 255 bytes: stat() itself fails
        raise output_error(exc, path, "cannot use the output folder") from None


def _check_output_dir(path: Path) -> Path:
    if path.exists():
        if not path.is_dir():
            raise OutputError("exists and is not a folder", path=path,
                              hint="give --out a folder path (it is created when missing)")
        try:
            fd, probe = tempfile.mkstemp(prefix=".hpdgenomics-write-test.", dir=path)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise OutputError(f"cannot write into the output folder ({_os_reason(exc)})",
                              path=path, hint="choose another --out or make the folder writable"
                              ) from None
        return path
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot create the output folder: {parent} is a file, not a folder",
                          path=path, hint="choose another --out") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot create the output folder: {parent} is not writable",
                          path=path, hint="choose another --out or fix the permissions") from None
    return path


def _move_into_place(tmp: str | Path, path: Path) -> None:
    """Rename a finished temporary file onto ``path``; failures are one-line OutputErrors."""
    try:
        os.replace(tmp, path)
    except IsADirectoryError:
        raise OutputError("a folder of that name is in the way", path=path,
                          hint="remove or rename the folder") from None
    except OSError as exc:
        raise output_error(exc, path, "cannot replace the file") from None


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8"):
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    Readers see either the old file or the complete new one, never a partial file; the temporary
    file is removed when the write fails or is interrupted. Failing to create the folder, the
    temporary file or to rename it raises :class:`OutputError`.
    """
    path = Path(path)
    fd, tmp = _temporary_beside(path)
    try:
        try:
            with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None,
                           **({"newline": ""} if "b" not in mode else {})) as handle:
                yield handle
        except OSError as exc:
            if exc.errno not in _OUTPUT_HINTS:
                raise
            raise output_error(exc, path) from None     # a full disk: one line, exit 2
        _move_into_place(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _temporary_beside(path: Path) -> tuple[int, str]:
    """A new temporary file in ``path``'s folder (created when missing): (fd, its path)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the temporary's name is cut so that it stays under 255 bytes whatever the target's
        return tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise output_error(exc, path) from None


def write_file_set(contents: dict[Path, str | bytes]) -> list[Path]:
    """Write several files (a report set) so that a reader sees all of them new or all old.

    Every file is first written in full to a temporary name beside its target; only when all are
    written are they renamed into place. A failure while writing (a full disk) removes the
    temporaries and leaves every earlier file untouched. A failure while renaming (rare: the
    names are in place and the data on disk) puts the earlier files back from hard links kept
    until the end. Text is written as UTF-8 with the line ends given. Raises
    :class:`OutputError` for any operating-system error; an interruption (Ctrl-C, SIGTERM)
    also removes the temporaries.
    """
    staged: list[tuple[Path, str]] = []
    try:
        for path, content in contents.items():
            path = Path(path)
            fd, tmp = _temporary_beside(path)
            staged.append((path, tmp))
            data = content.encode("utf-8") if isinstance(content, str) else content
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
            except OSError as exc:
                raise output_error(exc, path) from None
        _commit(staged)
    except BaseException:
        for _path, tmp in staged:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            except OSError:
                pass
        raise
    return [path for path, _tmp in staged]


def _commit(staged: list[tuple[Path, str]]) -> None:
    """Rename every temporary into place; on a failure, restore the earlier files."""
    backups: dict[Path, str | None] = {}     # target -> hard link to its earlier content
    done: list[Path] = []
    try:
        for path, _tmp in staged:
            backups[path] = _keep_earlier(path)
        for path, tmp in staged:
            _move_into_place(tmp, path)
            done.append(path)
    except BaseException:
        for path in done:
            try:
                if backups.get(path):
                    os.replace(backups.pop(path), path)
                else:
                    os.unlink(path)
            except OSError:
                pass
        raise
    finally:
        for backup in backups.values():
            if backup:
                try:
                    os.unlink(backup)
                except OSError:
                    pass


def _keep_earlier(path: Path) -> str | None:
    """A hard link to ``path``'s current content (None when there is none to keep)."""
    if not path.is_file():
        return None
    for attempt in range(100):
        backup = str(path.with_name(f".{path.name[:200]}.{os.getpid()}.{attempt}.old"))
        try:
            os.link(path, backup)
            return backup
        except FileExistsError:
            continue
        except OSError as exc:
            raise output_error(exc, path, "cannot keep the earlier file while replacing it"
                               ) from None
    raise OutputError("cannot keep the earlier file while replacing it (no free backup name)",
                      path=path, hint="remove the .old files beside it")


def finite_json(data, *, what: str, indent: int | None = 2, **options) -> str:
    """``data`` as JSON text, never with ``NaN`` or ``Infinity`` (which JSON does not have).

    Readers refuse non-finite numbers with the file and line; should one slip through, this
    raises :class:`InputError` naming where in ``what`` (e.g. ``alterations[0].vaf``) it sits,
    instead of writing invalid JSON or failing with a traceback.
    """
    try:
        return json.dumps(data, indent=indent, allow_nan=False, **options) + "\n"
    except ValueError:
        where = _non_finite_at(data) or "a value"
        raise InputError(f"{what} would hold a number that is not finite at {where}",
                         hint="an input holds inf, nan or a number too large for a double; "
                              "correct that value in the input (the report is not written)"
                         ) from None


def _non_finite_at(value, where: str = "") -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where or '(top)'} = {value}"
    if isinstance(value, dict):
        for key, item in value.items():
            found = _non_finite_at(item, f"{where}.{key}" if where else str(key))
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _non_finite_at(item, f"{where}[{index}]")
            if found:
                return found
    return None
