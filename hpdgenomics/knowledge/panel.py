"""The screened genes of one genome build: spans, canonical transcripts, coding exons, hotspots.

Coordinates are 1-based closed and chromosome names normalised (no ``chr``), like everything in
:mod:`hpdgenomics.model`. The tables behind a Panel are ``annotations/genes_<build>.tsv``,
``annotations/exons_<build>.tsv`` and ``annotations/hotspots.tsv`` (see annotations/SCHEMA.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import CodingExon, Hotspot, PanelGene


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
            if exon.coding_start is not None \
                    and exon.coding_start <= end and pos <= exon.coding_end:
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
            if exon.coding_start is None or not (exon.coding_start <= pos <= exon.coding_end):
                continue
            if gene.strand == "+":
                return exon.cds_first + (pos - exon.coding_start)
            return exon.cds_first + (exon.coding_end - pos)
        return None

    # --- hotspots ----------------------------------------------------------------------------
    def hotspots_at(self, chrom: str, pos: int, ref: str, alt: str) -> list[Hotspot]:
        return list(self._hotspot_index.get((chrom, pos, ref, alt), ()))

    def hotspots_of(self, gene: str) -> list[Hotspot]:
        return [h for h in self.hotspots if h.gene == gene]


def _chrom_key(chrom: str):
    return (0, int(chrom)) if chrom.isdigit() else (1, chrom)
