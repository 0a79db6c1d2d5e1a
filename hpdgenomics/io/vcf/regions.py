"""The records to read: the panel regions through a ``.tbi``/``.csi`` index, or the whole stream.

An index is used only when it is newer than the file and tiles it exactly; otherwise the file is
streamed (through the prefilter when :class:`~hpdgenomics.io.vcf.prefilter._Stream` allows it).
"""
from __future__ import annotations

import warnings as _pywarnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...genome import normalize_chrom
from ...knowledge.panel import Panel
from ..bgzf import BgzfFile, IndexFormatError, TabixIndex, index_problem, merge_chunks, read_index
from .header import _HeaderScan
from .scan import _is_bcf, _LineScanner, _Prescan, max_line_bytes

if TYPE_CHECKING:
    from .prefilter import _Stream


def _index_beside(path: Path) -> Path | None:
    return next((Path(str(path) + suffix) for suffix in (".tbi", ".csi")
                 if Path(str(path) + suffix).exists()), None)


_Records = tuple[Iterable[Any], bool, Iterable[Any]]


def _records(vcf: Any, path: Path, source: Path, panel: Panel, scan: _HeaderScan,
             warnings: list[str], *, prescan: _Prescan | None = None,
             loud: list[str] | None = None, other_panel: Panel | None = None,
             stream: _Stream | None = None) -> _Records:
    """The records to look at: the panel regions through the index, or the whole stream.

    The third value holds the records of ``other_panel``'s regions that the first does not
    cover (read through the index for the build check only); empty when streaming. Streamed,
    the records come through :func:`_prefilter` when ``stream`` allows it (only the records a
    byte-level test cannot rule out are parsed by htslib), else straight from ``vcf``.
    """
    loud = [] if loud is None else loud
    prescan = prescan or _Prescan(path, max_line_bytes(), whole_file=True)

    def streamed() -> _Records:
        if stream is not None and source == path:
            records = stream.records(path, prescan)
            if records is not None:
                return records, False, ()
        prescan.ensure_whole_file()
        return vcf, False, ()

    index = _index_beside(path)
    if index is None or source != path:
        return streamed()
    if index.stat().st_mtime < path.stat().st_mtime:
        # An index older than its file may describe an earlier version of it; htslib only warns
        # and then reads the wrong blocks, silently losing records. Reading it all is always right.
        message = (f"the index {index.name} is older than the VCF, so it may not describe "
                   "this file; it was not used and the whole file was read (re-create it "
                   f"with: tabix -f -p vcf {path.name})")
        warnings.append(message)
        loud.append(message)
        return streamed()
    # A newer index can still be stale (a 'cp' of both files after the VCF was regenerated): it
    # must tile this file exactly before any region is trusted to it.
    parsed, problem = _check_index(path, index, prescan)
    if problem:
        message = (f"the index {index.name} does not describe this VCF ({problem}); it may "
                   "have been built for an earlier version of the file, so it was not used and "
                   "the whole file was read (re-create it with: tabix -f -p vcf "
                   f"{path.name})")
        warnings.append(message)
        loud.append(message)
        return streamed()
    names: dict[str, str] = {}
    try:
        for raw in vcf.seqnames:
            names.setdefault(normalize_chrom(raw), raw)
    except Exception:  # noqa: BLE001 - no contig names in header or index: nothing to query
        names = {}
    regions = _merged_regions([(names[r.chrom], r.start, r.end) for r in panel.regions()
                               if r.chrom in names])
    other_regions = [] if other_panel is None else _merged_regions(
        [(names[r.chrom], r.start, r.end) for r in other_panel.regions() if r.chrom in names])
    try:
        # one cheap query proves the index is usable before we commit to it
        if regions:
            with _pywarnings.catch_warnings():   # an empty probe region is not a problem
                _pywarnings.simplefilter("ignore", UserWarning)
                next(iter(vcf(f"{regions[0][0]}:{regions[0][1]}-{regions[0][1]}")), None)
    except Exception as exc:  # noqa: BLE001 - any failure means: do not trust the index
        message = (f"the index beside the VCF could not be used ({exc}); the whole file "
                   "was read")
        warnings.append(message)
        return streamed()
    if parsed is not None and not prescan.whole_file:
        _scan_index_chunks(path, parsed, regions + other_regions, prescan.limit)
    return (_region_records(vcf, regions), True,
            _region_records(vcf, other_regions, skip=regions))


def _check_index(path: Path, index: Path, prescan: _Prescan
                 ) -> tuple[TabixIndex | None, str | None]:
    """(parsed index, None) when it describes ``path``; (None, why) when it does not."""
    bcf = _is_bcf(path)
    try:
        parsed = read_index(index)
        with BgzfFile(path) as bgzf:
            if bcf:
                head = bgzf.read(0, 9)
                header_end = 9 + int.from_bytes(head[5:9], "little") if len(head) == 9 else 0
            elif prescan.header_end is None:
                return None, "the VCF's header could not be located"
            else:
                header_end = prescan.header_end
            return (parsed, None) if (problem := index_problem(
                bgzf, parsed, header_end=header_end, bcf=bcf)) is None else (None, problem)
    except IndexFormatError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot be read: {exc}"


def _scan_index_chunks(path: Path, index: TabixIndex, regions: list[tuple[str, int, int]],
                       limit: int) -> None:
    """The line-length and NUL checks on the blocks the region queries will read."""
    chunks = []
    for name, start, end in regions:
        chunks.extend(index.chunks_overlapping(name, start, end))
    try:
        with BgzfFile(path) as bgzf:
            for begin, end in merge_chunks(chunks):
                scanner = _LineScanner(path, limit, where="in the panel regions read through "
                                                          "the index")
                for piece in bgzf.chunks(begin, end):
                    scanner.feed(piece)
    except IndexFormatError:
        return          # the index was checked against the file just before; htslib reports


def _merged_regions(regions: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Overlapping or touching regions of one contig joined, so no record is queried twice.

    ``regions`` come sorted by contig and start (:meth:`Panel.regions`); that order is kept.
    """
    merged: list[tuple[str, int, int]] = []
    for chrom, start, end in regions:
        if merged and merged[-1][0] == chrom and start <= merged[-1][2] + 1:
            merged[-1] = (chrom, merged[-1][1], max(merged[-1][2], end))
        else:
            merged.append((chrom, start, end))
    return merged


def _region_records(vcf: Any, regions: list[tuple[str, int, int]],
                    skip: Iterable[tuple[str, int, int]] = ()) -> Iterator[Any]:
    """Records overlapping ``regions`` (merged), each once, and none overlapping ``skip``.

    A record spanning two regions is returned by both queries: it is kept by the first region it
    overlaps. Two identical records in the file are two records (the reader counts duplicates).
    """
    done: list[tuple[str, int, int]] = list(skip)
    for chrom, start, end in regions:
        with _pywarnings.catch_warnings():   # cyvcf2 warns about every empty region
            _pywarnings.filterwarnings("ignore", message="no intervals found")
            in_region = list(vcf(f"{chrom}:{start}-{end}"))
        for variant in in_region:
            if any(c == chrom and s <= variant.end and variant.POS <= e for c, s, e in done):
                continue
            yield variant
        done.append((chrom, start, end))
