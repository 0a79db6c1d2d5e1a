"""BGZF blocks and tabix/CSI indexes, read directly, to decide whether an index describes its file.

Formats (SAM/BAM and tabix specifications, hts-specs ``SAMv1.pdf`` section 4.1 and ``tabix.pdf``,
``CSIv1.pdf``): a BGZF file is a series of gzip members ("blocks") of at most 64 KiB of data each,
whose extra field ``BC`` holds the compressed block size. A *virtual offset* is
``block_file_offset << 16 | offset_in_block_data``. A ``.tbi``/``.csi`` index (itself BGZF) lists,
per reference sequence, bins of chunks ``[begin, end)`` of virtual offsets, and a pseudo-bin whose
first chunk is ``[first record, end of last record)`` of that sequence.

An index built for an earlier version of the file (a plain ``cp`` of both after the VCF was
regenerated gives the old index a newer time stamp) makes htslib read the wrong blocks and silently
lose records. :func:`index_problem` checks that the index tiles the file exactly: its first record
starts where the header ends, each sequence's records start with that sequence's name (BCF: its
id) and end where the next sequence's begin, and nothing but the end-of-file block follows the last
indexed record. Cost: a few block reads per sequence, never the whole file.
"""
from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np
    import numpy.typing as npt

_BLOCK_HEADER = struct.Struct("<4BI2BH")    # ID1 ID2 CM FLG MTIME XFL OS XLEN
_CHUNK = struct.Struct("<QQ")


class IndexFormatError(Exception):
    """The index or the file is not what the index format says (not BGZF, bad magic, cut short)."""


@dataclass
class IndexedSequence:
    """One reference sequence of a tabix/CSI index: its bins and the span of its records."""

    tid: int
    name: str
    begin: int | None = None            # virtual offset of the first record
    end: int | None = None              # virtual offset just past the last record
    # bins of one chunk each, as numpy arrays (bin numbers, offsets of their chunk in the index
    # data), parsed without a Python call per bin; the dict ``bins`` is built when first asked for
    single_chunk_bins: list[tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]] = field(
        default_factory=list, repr=False)
    other_bins: dict[int, tuple[int, int]] = field(default_factory=dict, repr=False)
    _bins: dict[int, tuple[int, int]] | None = field(default=None, repr=False)

    def find_bins(self, wanted: list[int]) -> list[tuple[int, int]]:
        """(offset, number of chunks) of those of ``wanted`` bins the sequence has."""
        if self._bins is not None:
            return [self._bins[b] for b in wanted if b in self._bins]
        import numpy as np

        found = [self.other_bins[b] for b in wanted if b in self.other_bins]
        wanted_array = np.asarray(wanted, dtype=np.uint32)
        for numbers, offsets in self.single_chunk_bins:
            hits = np.flatnonzero(np.isin(numbers, wanted_array))
            found.extend((int(offsets[i]), 1) for i in hits)
        return found

    @property
    def bins(self) -> dict[int, tuple[int, int]]:
        """bin -> (offset of its chunk list in the index data, number of chunks)."""
        if self._bins is None:
            bins: dict[int, tuple[int, int]] = {}
            for numbers, offsets in self.single_chunk_bins:
                # one offset per bin number, one chunk each
                bins.update(zip(numbers.tolist(),
                                zip(offsets.tolist(), [1] * len(numbers), strict=True),
                                strict=True))
            bins.update(self.other_bins)
            self._bins = bins
        return self._bins


@dataclass
class TabixIndex:
    """A parsed ``.tbi`` or ``.csi`` index: its binning scheme and its sequences."""

    kind: str                           # "tbi" or "csi"
    min_shift: int
    depth: int
    sequences: list[IndexedSequence]
    data: bytes = b""

    def chunks_of(self, sequence: IndexedSequence, bin_number: int) -> list[tuple[int, int]]:
        """The chunks (begin, end virtual offsets) of one bin of ``sequence``; empty when it has
        none.
        """
        offset, n_chunk = sequence.bins.get(bin_number, (0, 0))
        return self._chunks_at(offset, n_chunk)

    def _chunks_at(self, offset: int, n_chunk: int) -> list[tuple[int, int]]:
        return [_CHUNK.unpack_from(self.data, offset + 16 * i) for i in range(n_chunk)]

    def by_name(self, name: str) -> IndexedSequence | None:
        """The indexed sequence called ``name``, or ``None`` when the index does not list it."""
        return next((s for s in self.sequences if s.name == name), None)

    def chunks_overlapping(self, name: str, start: int, end: int) -> list[tuple[int, int]]:
        """Chunks (virtual offsets) of the bins overlapping 1-based closed ``start..end``."""
        sequence = self.by_name(name)
        if sequence is None:
            return []
        found = []
        for offset, n_chunk in sequence.find_bins(_region_bins(start - 1, end, self.min_shift,
                                                               self.depth)):
            found.extend(self._chunks_at(offset, n_chunk))
        return merge_chunks(found)


def _region_bins(begin: int, end: int, min_shift: int, depth: int) -> list[int]:
    """Bins overlapping 0-based half-open ``[begin, end)`` (htslib's reg2bins)."""
    bins: list[int] = []
    end = max(end - 1, begin)
    shift, first = min_shift + 3 * depth, 0
    for level in range(depth + 1):
        bins.extend(range(first + (begin >> shift), first + (end >> shift) + 1))
        shift -= 3
        first += 1 << (3 * level)
    return bins


def merge_chunks(chunks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping (virtual-offset) chunks joined, in file order, so no block is read twice."""
    merged: list[list[int]] = []
    for begin, end in sorted(chunks):
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    return [(b, e) for b, e in merged]


def read_index(path: str | Path) -> TabixIndex:
    """Parse a ``.tbi`` or ``.csi`` file (raises IndexFormatError)."""
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise IndexFormatError(f"the index cannot be decompressed ({exc})") from None
    try:
        return _parse_index(data)
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise IndexFormatError(f"the index is cut short or malformed ({exc})") from None


def _parse_index(data: bytes) -> TabixIndex:
    import numpy as np  # here: importing this module stays cheap

    magic = data[:4]
    offset = 4
    names: list[str] = []

    def tabix_header(at: int) -> int:
        # format, col_seq, col_beg, col_end, meta, skip, l_nm, names
        l_nm: int = struct.unpack_from("<i", data, at + 24)[0]
        blob = data[at + 28: at + 28 + l_nm]
        names.extend(n.decode("utf-8") for n in blob.split(b"\0") if n)
        return at + 28 + l_nm

    if magic == b"TBI\1":
        (n_ref,) = struct.unpack_from("<i", data, offset)
        offset = tabix_header(offset + 4)
        kind, min_shift, depth = "tbi", 14, 5
    elif magic == b"CSI\1":
        min_shift, depth, l_aux = struct.unpack_from("<3i", data, offset)
        offset += 12
        if l_aux >= 28:
            tabix_header(offset)
        offset += l_aux
        (n_ref,) = struct.unpack_from("<i", data, offset)
        offset += 4
        kind = "csi"
    else:
        raise IndexFormatError("not a tabix (.tbi) or CSI (.csi) index (bad magic bytes)")
    pseudo_bin = ((1 << (3 * (depth + 1))) - 1) // 7 + 1
    # tbi bin: bin uint32, n_chunk int32; csi bin: bin uint32, loffset uint64, n_chunk int32
    bin_header = struct.Struct("<Ii" if kind == "tbi" else "<IQi")
    size = bin_header.size
    record = size + 16              # a bin with one chunk
    sequences = []
    for tid in range(n_ref):
        sequence = IndexedSequence(tid, names[tid] if tid < len(names) else str(tid))
        (n_bin,) = struct.unpack_from("<i", data, offset)
        offset += 4
        left = n_bin
        # a whole-genome index has ~200,000 bins, nearly all with one chunk: runs of those are
        # read with numpy, the others (and the pseudo-bin, which has two) one by one
        while left > 0:
            run = _single_chunk_run(data, offset, min(left, 8192), record, size)
            if run:
                sequence.single_chunk_bins.append(
                    (np.frombuffer(data, dtype="<u4", count=run * record // 4, offset=offset)
                     [::record // 4].copy(), offset + size + record * np.arange(run)))
                offset += run * record
                left -= run
                continue
            fields = bin_header.unpack_from(data, offset)
            n_chunk = fields[-1]
            if fields[0] == pseudo_bin:
                sequence.begin, sequence.end = _CHUNK.unpack_from(data, offset + size)
            else:
                sequence.other_bins[fields[0]] = (offset + size, n_chunk)
            offset += size + 16 * n_chunk
            left -= 1
        if kind == "tbi":
            (n_intv,) = struct.unpack_from("<i", data, offset)
            offset += 4 + 8 * n_intv
        sequences.append(sequence)
    if offset > len(data):
        raise IndexFormatError("the index is cut short")
    index = TabixIndex(kind, min_shift, depth, sequences, data)
    for sequence in sequences:
        if sequence.begin is None and sequence.bins:      # old indexes without the pseudo-bin
            every = [c for b in sequence.bins for c in index.chunks_of(sequence, b)]
            sequence.begin = min(b for b, _ in every)
            sequence.end = max(e for _, e in every)
    return index


def _single_chunk_run(data: bytes, offset: int, most: int, record: int, size: int) -> int:
    """How many bins from ``offset`` on (at most ``most``) have exactly one chunk."""
    import numpy as np

    most = min(most, (len(data) - offset) // record)
    if most <= 0:
        return 0
    rows = np.frombuffer(data, dtype=np.uint8, count=most * record, offset=offset)
    n_chunks = rows.reshape(most, record)[:, size - 4:size].copy().view("<i4").ravel()
    others = np.flatnonzero(n_chunks != 1)
    return int(others[0]) if len(others) else most


class BgzfFile:
    """Random access to the decompressed data of a BGZF file by virtual offset."""

    def __init__(self, path: str | Path):
        self.handle = open(path, "rb")
        self.handle.seek(0, 2)
        self.size = self.handle.tell()
        self._cache: dict[int, tuple[bytes, int]] = {}

    def close(self) -> None:
        """Close the underlying file."""
        self.handle.close()

    def __enter__(self) -> BgzfFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def block(self, coffset: int) -> tuple[bytes, int]:
        """(data, file offset of the next block) of the block starting at ``coffset``."""
        cached = self._cache.get(coffset)
        if cached is not None:
            return cached
        if coffset >= self.size:
            raise IndexFormatError(f"offset {coffset} is past the end of the file "
                                   f"({self.size} bytes)")
        self.handle.seek(coffset)
        header = self.handle.read(_BLOCK_HEADER.size)
        if len(header) < _BLOCK_HEADER.size:
            raise IndexFormatError(f"no BGZF block at offset {coffset}")
        id1, id2, method, flags, _mtime, _xfl, _os, xlen = _BLOCK_HEADER.unpack(header)
        if (id1, id2, method) != (31, 139, 8) or not flags & 4:
            raise IndexFormatError(f"no BGZF block at offset {coffset}")
        extra = self.handle.read(xlen)
        size = None
        at = 0
        while at + 4 <= len(extra):
            si1, si2, slen = extra[at], extra[at + 1], struct.unpack_from("<H", extra, at + 2)[0]
            if (si1, si2, slen) == (66, 67, 2):
                size = struct.unpack_from("<H", extra, at + 4)[0] + 1
            at += 4 + slen
        if size is None:
            raise IndexFormatError(f"the gzip member at offset {coffset} is not a BGZF block")
        rest = self.handle.read(size - _BLOCK_HEADER.size - xlen)
        if len(rest) < size - _BLOCK_HEADER.size - xlen:
            raise IndexFormatError(f"the BGZF block at offset {coffset} is cut short")
        try:
            data = zlib.decompress(rest[:-8], -15)
        except zlib.error as exc:
            raise IndexFormatError(f"the BGZF block at offset {coffset} is corrupt ({exc})"
                                   ) from None
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[coffset] = (data, coffset + size)
        return data, coffset + size

    def normalise(self, voffset: int) -> int:
        """The same position, moved to the start of the next block when it is a block's end."""
        coffset, uoffset = voffset >> 16, voffset & 0xFFFF
        data, following = self.block(coffset)
        while uoffset >= len(data) and following < self.size:
            if uoffset > len(data):
                raise IndexFormatError(f"virtual offset {coffset}:{uoffset} lies beyond its "
                                       f"block's {len(data)} bytes")
            coffset, uoffset = following, 0
            data, following = self.block(coffset)
        return coffset << 16 | uoffset

    def chunks(self, begin: int, end: int | None = None) -> Iterator[bytes]:
        """Decompressed data from virtual offset ``begin`` up to ``end`` (or the end of file)."""
        coffset, uoffset = begin >> 16, begin & 0xFFFF
        end_c, end_u = (end >> 16, end & 0xFFFF) if end is not None else (None, None)
        while coffset < self.size:
            data, following = self.block(coffset)
            if uoffset > len(data):
                raise IndexFormatError(f"virtual offset {coffset}:{uoffset} lies beyond its "
                                       f"block's {len(data)} bytes")
            if end_c is not None and coffset >= end_c:
                if coffset == end_c:
                    yield data[uoffset:end_u]
                return
            yield data[uoffset:]
            coffset, uoffset = following, 0

    def read(self, voffset: int, length: int) -> bytes:
        """Up to ``length`` decompressed bytes starting at virtual offset ``voffset`` (fewer at the
        end).
        """
        out = bytearray()
        for piece in self.chunks(voffset):
            out += piece
            if len(out) >= length:
                break
        return bytes(out[:length])

    def voffset_of(self, position: int) -> int:
        """Virtual offset of the ``position``-th decompressed byte (walking from the start)."""
        coffset = 0
        while True:
            data, following = self.block(coffset)
            if position < len(data) or following >= self.size:
                return coffset << 16 | min(position, len(data))
            position -= len(data)
            coffset = following


def index_problem(bgzf: BgzfFile, index: TabixIndex, *, header_end: int, bcf: bool) -> str | None:
    """Why ``index`` does not describe the file, or None when it tiles the file exactly.

    ``header_end`` is the decompressed byte offset where the first record starts.
    """
    try:
        return _index_problem(bgzf, index, header_end=header_end, bcf=bcf)
    except IndexFormatError as exc:
        return str(exc)


def _index_problem(bgzf: BgzfFile, index: TabixIndex, *, header_end: int,
                   bcf: bool) -> str | None:
    # (sequence, begin, end) of the sequences with records: the parser sets both or neither
    sequences = sorted(((s, s.begin, s.end) for s in index.sequences
                        if s.begin is not None and s.end is not None),
                       key=lambda item: item[1])
    first_record = bgzf.normalise(bgzf.voffset_of(header_end))
    if not sequences:
        tail = bgzf.read(first_record, 1024)
        return ("the index lists no records but the file has some"
                if tail.strip() else None)
    if bgzf.normalise(sequences[0][1]) != first_record:
        return (f"its first record ({sequences[0][0].name}) does not start where the file's "
                "header ends")
    for number, (sequence, begin, sequence_end) in enumerate(sequences):
        head = bgzf.read(begin, 12 if bcf else len(sequence.name.encode()) + 1)
        if bcf:
            if len(head) < 12 or struct.unpack_from("<i", head, 8)[0] != sequence.tid:
                return f"its records of sequence {sequence.tid} are not where it says"
        elif head != sequence.name.encode() + b"\t":
            return f"its first {sequence.name} record is not where it says"
        end = bgzf.normalise(sequence_end)
        if number + 1 < len(sequences):
            if end != bgzf.normalise(sequences[number + 1][1]):
                return (f"its {sequence.name} records do not end where the next sequence's "
                        "begin (records were added, removed or changed)")
        else:
            for piece in bgzf.chunks(end):
                if piece.strip():
                    return ("the file continues after the last record the index knows of "
                            "(records were added)")
        if not bcf and sequence_end & 0xFFFF:
            before = bgzf.block(sequence_end >> 16)[0][(sequence_end & 0xFFFF) - 1:
                                                       sequence_end & 0xFFFF]
            if before not in (b"\n", b""):
                return f"its last {sequence.name} record does not end at a line end"
    return None
