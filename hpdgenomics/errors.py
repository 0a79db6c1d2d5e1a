"""The one error family of hpdgenomics.

Library code raises these; only the CLI catches them (once, at its edge) and turns them into a
one-line message and exit code 2. Every message names the file, the line or record, what was found,
what was expected, and what to do.
"""
from __future__ import annotations

from pathlib import Path


class HpdError(Exception):
    """Base class of every error hpdgenomics raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | Path | None = None, where: str | None = None,
                 hint: str | None = None):
        self.path = str(path) if path is not None else None
        self.where = where
        self.hint = hint
        self.detail = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = []
        if self.path:
            parts.append(self.path + (f" ({self.where})" if self.where else ""))
        elif self.where:
            parts.append(self.where)
        text = ": ".join(parts + [self.detail]) if parts else self.detail
        if self.hint:
            text += f"; {self.hint}"
        return text


class InputError(HpdError):
    """An input file (VCF, copy-number, MAF, panel, manifest) cannot be used as given."""


class KnowledgeError(HpdError):
    """The knowledge base (rules, panel genes, hotspots) is malformed or inconsistent.

    ``problems`` lists each problem of a load on its own (the message joins them all).
    """

    def __init__(self, message: str, *, problems: list[str] | None = None, **kwargs):
        self.problems = list(problems or [])
        super().__init__(message, **kwargs)


class ClinicalDataError(HpdError):
    """Clinical or measurement tables are malformed; may carry many problems at once."""

    def __init__(self, message: str, *, problems: list[str] | None = None, **kwargs):
        self.problems = list(problems or [])
        if self.problems:
            shown = "; ".join(self.problems[:20])
            more = f" (+{len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
            message = f"{message}: {len(self.problems)} problem(s): {shown}{more}"
        super().__init__(message, **kwargs)


class OutputError(HpdError):
    """An output folder or file cannot be written (not a folder, not writable, name too long)."""


class UsageError(HpdError):
    """Options that contradict each other or the data (for example --build against the header)."""
