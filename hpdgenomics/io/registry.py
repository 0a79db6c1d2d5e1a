"""A registry of input-format readers.

Each reader registers under a *kind* (today ``copy_number``: the CNV readers) and a format
name, with a ``sniff`` function that looks at the path and the first lines of the file. Format
detection is explicit and can always be overridden by naming the format (``--cnv-format``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InputError
from .text import head_lines


@dataclass(frozen=True)
class ReaderEntry:
    """One registered reader: its kind, format name, description, sniff and read functions."""

    kind: str
    name: str
    description: str
    sniff: Callable[[Path, list[str]], bool]
    read: Callable[..., Any]


_REGISTRY: dict[str, dict[str, ReaderEntry]] = {}


_Reader = TypeVar("_Reader", bound=Callable[..., Any])


def register(kind: str, name: str, *, sniff: Callable[[Path, list[str]], bool],
             description: str) -> Callable[[_Reader], _Reader]:
    """Decorator: register ``read`` as the reader of format ``name`` of ``kind``."""

    def decorate(read: _Reader) -> _Reader:
        _REGISTRY.setdefault(kind, {})[name] = ReaderEntry(kind, name, description, sniff, read)
        return read

    return decorate


def formats(kind: str) -> dict[str, ReaderEntry]:
    """The readers registered under ``kind``, by format name."""
    return dict(_REGISTRY.get(kind, {}))


def get_reader(kind: str, name: str) -> ReaderEntry:
    """The reader of format ``name`` of ``kind``; an unknown name is an InputError listing them."""
    known = _REGISTRY.get(kind, {})
    if name not in known:
        raise InputError(f"unknown {kind.replace('_', '-')} format {name!r}",
                         hint="choose one of: " + ", ".join(sorted(known)))
    return known[name]


def detect_format(kind: str, path: str | Path, *, n_lines: int = 60) -> ReaderEntry:
    """Return the single reader whose sniff accepts the file, or raise InputError."""
    path = Path(path)
    lines = head_lines(path, n_lines)
    matches = [entry for entry in _REGISTRY.get(kind, {}).values() if entry.sniff(path, lines)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(sorted(_REGISTRY.get(kind, {})))
    if not matches:
        raise InputError(f"format not recognised as any {kind.replace('_', ' ')} format",
                         path=path, hint=f"name it explicitly (one of: {names})")
    raise InputError("format is ambiguous between " + ", ".join(m.name for m in matches),
                     path=path, hint="name the format explicitly")
