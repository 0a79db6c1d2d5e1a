"""Streaming without an index: a byte-level prefilter below the per-record level.

:func:`_prefilter` looks at the decompressed bytes with numpy and hands htslib only the records
that may matter; :class:`_Stream` decides whether it applies, :func:`_picked_records` feeds the
picked records to the record loop with the file's own record numbers.

:func:`_prefilter` is the list of steps; each block of whole lines (:func:`_line_blocks`) goes
through :func:`_block`: :func:`_find_columns` (the byte checks, the lines and their first five
tabs, or give up), :func:`_parse_positions`, :func:`_mark_unusual_records` (column count, missing,
symbolic, INFO END), :func:`_mark_panel_records` (per run of one CHROM, :func:`_chromosome_runs`:
panel gene spans of both builds, chromosome ends, undeclared contigs), :func:`_off_panel_alleles`,
:func:`_keep_picked` and :func:`_too_many_picked`. The state of a pass is a :class:`_Pass`, a
block's columns a :class:`_Lines`; numpy is imported inside the functions (importing the package
stays cheap).
"""
from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..text import is_gzipped
from .result import VcfRecordCounts
from .scan import _is_bcf, _LineScanner, _Prescan

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .records import _ChromInfo, _RecordReader

# past this many records given to htslib, and a quarter of those seen, the prefilter is not
# paying for itself (a gVCF, a file of symbolic alleles): the whole file is read instead
_PREFILTER_MAX_CANDIDATES = 100_000


class _Stream:
    """What the streamed path needs to hand records over to :meth:`_RecordReader.run`."""

    def __init__(self, reader: _RecordReader, scratch: Path | None, samples: list[str],
                 header_lines: list[str], header_line_count: int, *,
                 prefilter: Callable[[Path, _Prescan, _Stream], _Picked | None] | None = None):
        self.reader, self.scratch = reader, scratch
        # :func:`_prefilter` (or a stand-in); None: every record through htslib
        self.prefilter = prefilter
        self.header_line_count = header_line_count      # lines before the first record
        self.n_columns = 8 + (1 + len(samples) if samples else 0)
        self.declared_contigs = {m.group(1) for line in header_lines
                                 if line.startswith("##contig=<")
                                 and (m := re.search(r"[<,]ID=([^,>]+)", line))}
        # htslib takes a record's end from INFO END only when the header declares END (an
        # undeclared one is read as a String and leaves the end at POS + len(REF) - 1)
        self.info_end = any(line.startswith("##INFO=<") and re.search(r"[<,]ID=END[,>]", line)
                            for line in header_lines)

    def records(self, path: Path, prescan: _Prescan) -> Iterable[Any] | None:
        """The records, prefiltered; None when the prefilter does not apply (read them all)."""
        if self.prefilter is None or self.scratch is None or prescan.whole_file or _is_bcf(path) \
                or prescan.header_end is None:
            return None
        picked = self.prefilter(path, prescan, self)
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


def _picked_records(picked: _Picked, counts: VcfRecordCounts) -> Iterator[Any]:
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


@dataclass
class _Pass:
    """The state of one :func:`_prefilter` pass, shared by its per-block steps."""

    path: Path
    stream: _Stream
    picked: _Picked
    out: BinaryIO                       # the picked records' text, for htslib
    limit: int                          # the longest line allowed (:data:`MAX_LINE_BYTES`)
    weights: npt.NDArray[np.int64]      # 10 ** place of each POS digit, from the right
    chrom_cache: dict[bytes, _ChromInfo | None] = field(default_factory=dict)
    contigs_seen: set[bytes] = field(default_factory=set)

    def line_scanner(self) -> _LineScanner:
        """A :class:`_LineScanner` whose first line is the next record's line."""
        header_lines = self.stream.header_line_count
        return _LineScanner(self.path, self.limit, header_lines=header_lines,
                            first_line=header_lines + self.picked.records + 1)


@dataclass
class _Lines:
    """One block of whole lines, ``data[begin:stop]``: its bytes and where its columns start.

    Positions are relative to ``begin``; ``tabs`` are the first five tabs of each line (the
    columns CHROM|POS|ID|REF|ALT|QUAL end there).
    """

    data: bytes
    begin: int
    a: npt.NDArray[np.uint8]
    starts: npt.NDArray[np.intp]
    ends: npt.NDArray[np.intp]
    tab_counts: npt.NDArray[np.intp]
    tabs: tuple[npt.NDArray[np.intp], ...]


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
    declare, which htslib warns of record by record, too many records would be picked): the caller
    then reads every record as before, which reports those problems the usual way.
    """
    import numpy as np

    if stream.scratch is None:      # Stream.records does not call without one
        return None
    try:
        handle = gzip.open(path, "rb") if is_gzipped(path) else open(path, "rb")
    except OSError:
        return None
    picked = _Picked(stream.scratch / "picked-records.vcf", [])
    with handle, open(picked.path, "wb") as out:
        state = _Pass(path, stream, picked, out, prescan.limit,
                      10 ** np.arange(10, dtype=np.int64))
        try:
            out.write(handle.read(prescan.header_end))
            for data, begin, stop in _line_blocks(handle, state, 4 * prescan.chunk):
                if not _block(state, data, begin, stop):
                    return None
        except (OSError, EOFError, zlib.error):
            return None         # truncated or corrupt compression: htslib reports where
    return picked


def _line_blocks(handle: BinaryIO | gzip.GzipFile, state: _Pass, chunk_size: int
                 ) -> Iterator[tuple[bytes, int, int]]:
    """The records' bytes read a chunk at a time, as blocks of whole lines ``data[begin:stop]``."""
    carry = b""             # the start of a line that continues in the next chunk
    while True:
        data = handle.read(chunk_size)
        if not data:
            if carry:       # the last line, without its newline
                yield carry + b"\n", 0, len(carry) + 1
            return
        first = data.find(b"\n")
        if first == -1:
            carry += data
            if len(carry) > state.limit:        # a line longer than the limit, unfinished
                state.line_scanner().feed(carry)
            continue
        begin = 0
        if carry:
            line = carry + data[:first + 1]
            yield line, 0, len(line)
            begin = first + 1
        last = data.rfind(b"\n")
        if last + 1 > begin:
            yield data, begin, last + 1
        carry = data[last + 1:]


def _block(state: _Pass, data: bytes, begin: int, stop: int) -> bool:
    """Picks the records of one block of whole lines and counts the others; False: give up."""
    lines = _find_columns(state, data, begin, stop)
    if lines is None:
        return False
    pos, pick = _parse_positions(lines, state.weights)
    end, alt_width = _mark_unusual_records(state.stream, lines, pos, pick)
    if not _mark_panel_records(state, lines, pos, end, pick):
        return False
    state.picked.off_panel_alleles += _off_panel_alleles(lines, pick, alt_width)
    _keep_picked(state, lines, pick)
    return not _too_many_picked(state.picked)


def _find_columns(state: _Pass, data: bytes, begin: int, stop: int) -> _Lines | None:
    """The block's lines and their first five tabs, after the byte checks; None: give up."""
    import numpy as np

    a = np.frombuffer(data, dtype=np.uint8, count=stop - begin, offset=begin)
    ends = np.flatnonzero(a == 10)
    starts = np.empty(len(ends), dtype=np.intp)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    if data.find(b"\0", begin, stop) != -1 or int((ends - starts).max()) > state.limit:
        # the checks of _prescan, with its messages: a NUL byte or an over-long line
        state.line_scanner().feed(data[begin:stop])
    tabs = np.flatnonzero(a == 9)
    first = np.searchsorted(tabs, starts)
    tab_counts = np.searchsorted(tabs, ends) - first
    if (tab_counts < 7).any() or (a[starts] == 35).any():
        return None             # fewer than 8 columns, or a '#' line among the records
    return _Lines(data, begin, a, starts, ends, tab_counts,
                  tuple(tabs[first + k] for k in range(5)))


def _parse_positions(lines: _Lines, weights: npt.NDArray[np.int64]
                     ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """POS of each line from its 1-10 plain digits (read from the right), and the lines picked
    because POS is not that, or below 1."""
    import numpy as np

    a, (t0, t1) = lines.a, lines.tabs[:2]
    width = t1 - t0 - 1
    places = np.arange(10)
    used = places < width[:, None]
    digits = a[np.where(used, t1[:, None] - 1 - places, t1[:, None] - 1)].astype(np.int64) - 48
    pick = (width < 1) | (width > 10) | (((digits < 0) | (digits > 9)) & used).any(axis=1)
    pos = (np.where(used, digits, 0) * weights).sum(axis=1)
    pick |= pos < 1
    return pos, pick


def _mark_unusual_records(stream: _Stream, lines: _Lines, pos: npt.NDArray[np.int64],
                          pick: npt.NDArray[np.bool_]
                          ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """Picks lines of an unusual column count, a missing REF/ALT, a symbolic ALT or INFO END;
    returns each record's end and its ALT column's width."""
    import numpy as np

    a, (_t0, _t1, t2, t3, t4) = lines.a, lines.tabs
    pick |= lines.tab_counts != stream.n_columns - 1
    ref_width = t3 - t2 - 1
    alt_width = t4 - t3 - 1
    pick |= (ref_width < 1) | (alt_width < 1) | ((ref_width == 1) & (a[t2 + 1] == 46)) \
        | ((alt_width == 1) & (a[t3 + 1] == 46))
    data, begin, stop = lines.data, lines.begin, lines.begin + len(a)
    if data.find(b"<", begin, stop) != -1:                                   # a symbolic ALT
        marks = np.flatnonzero(a == 60)
        line = np.searchsorted(lines.starts, marks, side="right") - 1
        pick[line[(marks > t3[line]) & (marks < t4[line])]] = True
    if stream.info_end and data.find(b"END=", begin, stop) != -1:  # INFO END: the end
        marks = np.flatnonzero(a[:-3] == 69)
        marks = marks[(a[marks + 1] == 78) & (a[marks + 2] == 68) & (a[marks + 3] == 61)]
        pick[np.searchsorted(lines.starts, marks, side="right") - 1] = True
    return pos + ref_width - 1, alt_width


def _chromosome_runs(lines: _Lines) -> list[tuple[int, int]]:
    """The runs of consecutive lines with the same CHROM, as (first line, line after the run)."""
    import numpy as np

    a, starts, t0 = lines.a, lines.starts, lines.tabs[0]
    chrom_width = t0 - starts
    columns = np.arange(int(chrom_width.max()))
    names = np.where(columns < chrom_width[:, None],
                     a[np.minimum(starts[:, None] + columns, len(a) - 1)], 0)
    change = np.ones(len(starts), dtype=bool)
    change[1:] = (chrom_width[1:] != chrom_width[:-1]) | (names[1:] != names[:-1]).any(axis=1)
    run_starts = np.flatnonzero(change)
    run_ends = np.append(run_starts[1:], len(starts))
    return list(zip(run_starts.tolist(), run_ends.tolist(), strict=True))


def _mark_panel_records(state: _Pass, lines: _Lines, pos: npt.NDArray[np.int64],
                        end: npt.NDArray[np.int64], pick: npt.NDArray[np.bool_]) -> bool:
    """Picks the records in a panel gene span of either build, beyond their chromosome's end,
    or on a name the reader does not know; False: an undeclared contig (give up)."""
    begin, starts, t0 = lines.begin, lines.starts, lines.tabs[0]
    for run_start, run_end in _chromosome_runs(lines):
        raw = lines.data[begin + starts[run_start]:begin + t0[run_start]]
        info = _chrom_info(state, raw) if raw else None
        if info is None:
            pick[run_start:run_end] = True
            continue
        if raw not in state.contigs_seen:
            if raw.decode("utf-8") not in state.stream.declared_contigs:
                return False        # htslib warns of each such record: let it read them all
            state.contigs_seen.add(raw)
        _chrom, length, spans, other_spans = info
        p, e_ = pos[run_start:run_end], end[run_start:run_end]
        here = pick[run_start:run_end]
        if length is not None:
            here |= p > length
        for span_start, span_stop in (*spans, *other_spans):
            here |= (span_start <= e_) & (p <= span_stop)
    return True


def _chrom_info(state: _Pass, raw: bytes) -> _ChromInfo | None:
    """The reader's facts about a CHROM name, cached by its bytes; None: not UTF-8."""
    if raw not in state.chrom_cache:
        try:
            state.chrom_cache[raw] = state.stream.reader._chrom_info(raw.decode("utf-8"))
        except UnicodeDecodeError:
            state.chrom_cache[raw] = None       # htslib and the reader name the record
    return state.chrom_cache[raw]


def _off_panel_alleles(lines: _Lines, pick: npt.NDArray[np.bool_],
                       alt_width: npt.NDArray[np.intp]) -> int:
    """The ALT alleles of the records not picked: one each, plus the commas of their ALT."""
    import numpy as np

    left = ~pick
    alleles = int(left.sum())
    t3, t4 = lines.tabs[3], lines.tabs[4]
    for row in np.flatnonzero(left & (alt_width > 1)).tolist():
        alleles += lines.data.count(b",", lines.begin + int(t3[row]), lines.begin + int(t4[row]))
    return alleles


def _keep_picked(state: _Pass, lines: _Lines, pick: npt.NDArray[np.bool_]) -> None:
    """Writes the picked lines for htslib, notes their record numbers, counts the block's."""
    import numpy as np

    picked, data, begin = state.picked, lines.data, lines.begin
    chosen = np.flatnonzero(pick)
    for row in chosen.tolist():
        state.out.write(data[begin + lines.starts[row]:begin + lines.ends[row] + 1])
    picked.numbers.extend((chosen + picked.records + 1).tolist())
    picked.records += len(lines.starts)


def _too_many_picked(picked: _Picked) -> bool:
    """Whether so many records were picked that reading the whole file is cheaper."""
    return len(picked.numbers) > _PREFILTER_MAX_CANDIDATES \
        and len(picked.numbers) * 4 > picked.records
