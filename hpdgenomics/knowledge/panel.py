"""The screened genes of one genome build: spans, canonical transcripts, coding exons, hotspots.

Coordinates are 1-based closed and chromosome names normalised (no ``chr``), like everything in
:mod:`hpdgenomics.model`. The tables behind a Panel are ``annotations/genes_<build>.tsv``,
``annotations/exons_<build>.tsv`` and ``annotations/hotspots.tsv`` (see annotations/SCHEMA.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import CodingExon, Hotspot, PanelGene


def coding_part(exon: CodingExon) -> tuple[int, int, int] | None:
    """``(coding_start, coding_end, cds_first)`` of ``exon``, or None for a wholly non-coding exon.

    The knowledge loader accepts an exon only with all of its coding fields given or all empty;
    one given without the others is a broken invariant, never read as "non-coding".
    """
    start, end, first = exon.coding_start, exon.coding_end, exon.cds_first
    if start is None and end is None and first is None:
        return None
    if start is None or end is None or first is None:
        raise RuntimeError(f"exon {exon.number} ({exon.start}-{exon.end}) has only part of its "
                           "coding fields (a bug: the knowledge loader rejects such an exon)")
    return start, end, first


@dataclass(frozen=True)
class Region:
    chrom: str
    start: int
    end: int
    gene: str


@dataclass
class Panel:
    build: str
    genes: dict[str, PanelGene]
    hotspots: tuple[Hotspot, ...] = ()
    _hotspot_index: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        for hotspot in self.hotspots:
            self._hotspot_index.setdefault((hotspot.chrom, hotspot.pos, hotspot.ref, hotspot.alt),
                                           []).append(hotspot)

    # --- genes ---------------------------------------------------------------------------
    def gene(self, symbol: str) -> PanelGene:
        return self.genes[symbol]

    def symbols(self) -> list[str]:
        return sorted(self.genes)

    def genes_at(self, chrom: str, pos: int, end: int | None = None) -> list[PanelGene]:
        """Panel genes whose span overlaps ``chrom:pos-end`` (``end`` defaults to ``pos``)."""
        end = pos if end is None else end
        return [g for g in self.genes.values()
                if g.chrom == chrom and g.start <= end and pos <= g.end]

    def regions(self, padding: int = 0) -> list[Region]:
        """Gene spans (padded) sorted by chromosome and start, for indexed region queries."""
        regions = [Region(g.chrom, max(1, g.start - padding), g.end + padding, g.symbol)
                   for g in self.genes.values()]
        return sorted(regions, key=lambda r: (_chrom_key(r.chrom), r.start))

    # --- transcript geometry ---------------------------------------------------------------
    @staticmethod
    def exon_at(gene: PanelGene, pos: int, end: int | None = None) -> CodingExon | None:
        """The canonical exon overlapping ``pos..end``, if any."""
        end = pos if end is None else end
        for exon in gene.exons:
            if exon.start <= end and pos <= exon.end:
                return exon
        return None

    @staticmethod
    def coding_exon_at(gene: PanelGene, pos: int, end: int | None = None) -> CodingExon | None:
        """The canonical exon whose *coding part* overlaps ``pos..end``, if any."""
        end = pos if end is None else end
        for exon in gene.exons:
            coding = coding_part(exon)
            if coding is not None and coding[0] <= end and pos <= coding[1]:
                return exon
        return None

    @staticmethod
    def splice_distance(gene: PanelGene, pos: int, end: int | None = None) -> int | None:
        """Smallest distance (bp) from the intronic side of a coding-transcript exon boundary.

        1 and 2 are the canonical splice donor/acceptor bases. Returns None when ``pos..end``
        lies inside an exon or no internal boundary is near. The transcript's outer ends (the
        first exon's start and the last exon's end) are not splice sites.
        """
        end = pos if end is None else end
        exons = sorted(gene.exons, key=lambda e: e.start)
        if not exons:
            return None
        best = None
        for i, exon in enumerate(exons):
            boundaries = []
            if i > 0:
                boundaries.append(("left", exon.start))
            if i < len(exons) - 1:
                boundaries.append(("right", exon.end))
            for side, boundary in boundaries:
                if side == "left":   # intron lies before exon.start
                    lo, hi = boundary - 2, boundary - 1
                else:                # intron lies after exon.end
                    lo, hi = boundary + 1, boundary + 2
                if pos <= hi and lo <= end:
                    d = min(abs(b - boundary) for b in range(max(pos, lo), min(end, hi) + 1))
                    best = d if best is None else min(best, d)
        return best

    @staticmethod
    def cds_position(gene: PanelGene, pos: int) -> int | None:
        """The c. number of genomic ``pos`` in the canonical CDS, or None outside the CDS."""
        for exon in gene.exons:
            coding = coding_part(exon)
            if coding is None or not (coding[0] <= pos <= coding[1]):
                continue
            coding_start, coding_end, cds_first = coding
            if gene.strand == "+":
                return cds_first + (pos - coding_start)
            return cds_first + (coding_end - pos)
        return None

    # --- hotspots ----------------------------------------------------------------------------
    def hotspots_at(self, chrom: str, pos: int, ref: str, alt: str) -> list[Hotspot]:
        return list(self._hotspot_index.get((chrom, pos, ref, alt), ()))

    def hotspots_of(self, gene: str) -> list[Hotspot]:
        return [h for h in self.hotspots if h.gene == gene]


def _chrom_key(chrom: str):
    return (0, int(chrom)) if chrom.isdigit() else (1, chrom)
