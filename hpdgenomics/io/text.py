"""Small file helpers: opening plain or gzipped text, hashing, safe output names, atomic writes.

Output files are named from sample ids with :func:`safe_file_stem` and written with
:func:`atomic_write` into a folder checked beforehand by :func:`check_output_dir`; a failure to
create or write them is an :class:`~hpdgenomics.errors.OutputError` (exit code 2), never a bare
``OSError``.
"""
from __future__ import annotations

import gzip
import hashlib
import io
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


def open_text(path: str | Path):
    """Open a plain or gzip/bgzip text file for reading (UTF-8, tolerant of stray bytes).

    A leading UTF-8 byte-order mark (Excel's "CSV UTF-8", PowerShell) is dropped here, once for
    every reader, so it never sticks to the first column name or hides a leading ``#``.
    """
    path = Path(path)
    try:
        if is_gzipped(path):
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="replace")
        return open(path, encoding="utf-8-sig", errors="replace", newline="")
    except FileNotFoundError:
        raise InputError("file not found", path=path, hint="check the path") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", path=path) from None


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
        with open_text(path) as handle:
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


def check_output_dir(path: str | Path) -> Path:
    """Prove that reports can be written into ``path`` without creating it yet.

    Called before any work is done, so a run with an unusable ``--out`` fails at once with one
    line instead of after minutes of screening; and a run that then fails on its input leaves no
    empty folder behind. An existing folder is probed with a temporary file; for a missing one,
    its nearest existing parent must be a folder we may write into.
    """
    path = Path(path)
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


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8"):
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    Readers see either the old file or the complete new one, never a partial file; the temporary
    file is removed when the write fails or is interrupted. Failing to create the folder, the
    temporary file or to rename it raises :class:`OutputError`.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write the file ({_os_reason(exc)})", path=path,
                          hint="check that its folder exists, is a folder and is writable"
                          ) from None
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None,
                       **({"newline": ""} if "b" not in mode else {})) as handle:
            yield handle
        try:
            os.replace(tmp, path)
        except IsADirectoryError:
            raise OutputError("a folder of that name is in the way", path=path,
                              hint="remove or rename the folder") from None
        except OSError as exc:
            raise OutputError(f"cannot replace the file ({_os_reason(exc)})", path=path,
                              hint="check the folder's permissions") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
