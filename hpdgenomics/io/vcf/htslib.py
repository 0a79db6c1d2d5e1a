"""htslib's messages: its stderr captured while a file is read; the parse failure they explain."""
from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from typing import Literal

log = logging.getLogger(__name__)


class _StderrCapture:
    """Redirect file descriptor 2 while htslib reads, so its messages do not reach the user raw.

    htslib writes warnings (undeclared contigs, INFO fields) and errors straight to fd 2; they are
    collected here and turned into one warning or into the InputError's text. Lines that are not
    htslib's are written back to stderr afterwards. Process-wide while active: fine for a CLI.
    """

    def __init__(self) -> None:
        self.text = ""

    def __enter__(self) -> _StderrCapture:
        sys.stderr.flush()
        self._file = tempfile.TemporaryFile(mode="w+b")
        self._saved = os.dup(2)
        os.dup2(self._file.fileno(), 2)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
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
