"""Streaming without an index: a byte-level prefilter below the per-record level.

:func:`_prefilter` looks at the decompressed bytes with numpy and hands htslib only the records
that may matter; :class:`_Stream` decides whether it applies, :func:`_picked_records` feeds the
picked records to the record loop with the file's own record numbers.
"""
from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..text import is_gzipped
from .result import VcfRecordCounts
from .scan import _is_bcf, _LineScanner, _Prescan

if TYPE_CHECKING:
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

    limit = prescan.limit
    reader = stream.reader
    header_lines = stream.header_line_count
    try:
        handle = gzip.open(path, "rb") if is_gzipped(path) else open(path, "rb")
    except OSError:
        return None
    if stream.scratch is None:      # Stream.records does not call without one
        return None
    picked = _Picked(stream.scratch / "picked-records.vcf", [])
    expected_tabs = stream.n_columns - 1
    weights = 10 ** np.arange(10, dtype=np.int64)
    chrom_cache: dict[bytes, _ChromInfo | None] = {}
    contigs_seen: set[bytes] = set()
    chunk_size = 4 * prescan.chunk

    def chrom_info(raw: bytes) -> _ChromInfo | None:
        if raw not in chrom_cache:
            try:
                chrom_cache[raw] = reader._chrom_info(raw.decode("utf-8"))
            except UnicodeDecodeError:
                chrom_cache[raw] = None         # htslib and the reader name the record
        return chrom_cache[raw]

    def block(data: bytes, begin: int, stop: int, out: BinaryIO) -> bool:
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
        for run_start, run_end in zip(run_starts.tolist(), run_ends.tolist(), strict=True):
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
            for span_start, span_stop in (*spans, *other_spans):
                here |= (span_start <= e_) & (p <= span_stop)
        chosen = np.flatnonzero(pick)
        left = ~pick
        alleles = int(left.sum())
        for row in np.flatnonzero(left & (alt_width > 1)).tolist():
            alleles += data.count(b",", begin + int(t3[row]), begin + int(t4[row]))
        picked.off_panel_alleles += alleles
        for row in chosen.tolist():
            out.write(data[begin + starts[row]:begin + ends[row] + 1])
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
