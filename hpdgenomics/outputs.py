"""Writing output files: safe names, atomic writes, report sets, finite JSON.

Output files are named from sample ids with :func:`safe_file_stem` and written with
:func:`atomic_write` (one file) or :func:`write_file_set` (a report set: all new or all old) into a
folder checked beforehand by :func:`check_output_dir`; a failure to create or write them (a full
disk, a name over 255 bytes) is an :class:`~hpdgenomics.errors.OutputError` (exit code 2), never a
bare ``OSError``. JSON is written through :func:`finite_json`, which never emits ``NaN``.

This module sits below every subpackage (it imports only :mod:`hpdgenomics.errors`), so the
readers, the report writers, the HPD classifier, the cohort and the CLI all share it.
"""
from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError, OutputError

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
    hint = _OUTPUT_HINTS.get(exc.errno or 0, "check that the folder exists, is a folder and is "
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
            binary = "b" in mode
            with os.fdopen(fd, mode, encoding=None if binary else encoding,
                           newline=None if binary else "") as handle:
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
                earlier = backups.pop(path, None)
                if earlier:
                    os.replace(earlier, path)
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
