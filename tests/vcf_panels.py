"""Small test panels for the VCF reader tests, with true coordinates (1-based, closed).

Sources: EGFR exons 18-21, the KRAS/AKT1/EGFR hotspots and their positions from shared DOMAIN.md
section 3; gene spans, KRAS exons 2-4 and AKT1 exon 4 from the GENCODE CDS/exon tables and the MANE
Select exon BED in shared/reference (looked up once by hand; the tests do not need that folder).
"""
from __future__ import annotations

from hpdgenomics.knowledge.panel import Panel
from hpdgenomics.model import CodingExon, Hotspot, PanelGene


def _egfr(build: str) -> PanelGene:
    if build == "GRCh37":
        span, exons = (55086714, 55324313), [(18, 55241614, 55241736, 2062, 2184),
                                             (19, 55242415, 55242513, 2185, 2283),
                                             (20, 55248986, 55249171, 2284, 2469),
                                             (21, 55259412, 55259567, 2470, 2625)]
    else:
        span, exons = (55019017, 55211628), [(18, 55173921, 55174043, 2062, 2184),
                                             (19, 55174722, 55174820, 2185, 2283),
                                             (20, 55181293, 55181478, 2284, 2469),
                                             (21, 55191719, 55191874, 2470, 2625)]
    return PanelGene("EGFR", build, "7", span[0], span[1], "+", "ENST00000275493", "NM_005228",
                     tuple(CodingExon(n, s, e, s, e, first, last)
                           for n, s, e, first, last in exons))


def _kras(build: str) -> PanelGene:
    if build == "GRCh37":
        span = (25357723, 25403870)
        exons = (CodingExon(2, 25398208, 25398329, 25398208, 25398318, 1, 111),
                 CodingExon(3, 25380168, 25380346, 25380168, 25380346, 112, 290),
                 CodingExon(4, 25378548, 25378707, 25378548, 25378707, 291, 450))
    else:
        span = (25205246, 25250936)
        exons = (CodingExon(2, 25245274, 25245395, 25245274, 25245384, 1, 111),
                 CodingExon(3, 25227234, 25227412, 25227234, 25227412, 112, 290),
                 CodingExon(4, 25225614, 25225773, 25225614, 25225773, 291, 450))
    return PanelGene("KRAS", build, "12", span[0], span[1], "-", "ENST00000311936", "NM_004985",
                     exons)


def _akt1(build: str) -> PanelGene:
    if build == "GRCh37":
        span, exon = (105235686, 105262088), CodingExon(4, 105246425, 105246553, 105246425,
                                                        105246553, 47, 175)
    else:
        span, exon = (104769349, 104795751), CodingExon(4, 104780088, 104780216, 104780088,
                                                        104780216, 47, 175)
    return PanelGene("AKT1", build, "14", span[0], span[1], "-", "ENST00000649815", "NM_005163",
                     (exon,))


HOTSPOTS = {
    "GRCh37": [("AKT1", "p.E17K", "14", 105246551, "C", "T"),
               ("KRAS", "p.G12C", "12", 25398285, "C", "A"),
               ("KRAS", "p.G12D", "12", 25398284, "C", "T"),
               ("KRAS", "p.Q61H", "12", 25380275, "T", "G"),
               ("EGFR", "p.L858R", "7", 55259515, "T", "G"),
               ("EGFR", "p.T790M", "7", 55249071, "C", "T"),
               ("EGFR", "p.E746_A750del", "7", 55242464, "AGGAATTAAGAGAAGC", "A")],
    "GRCh38": [("AKT1", "p.E17K", "14", 104780214, "C", "T"),
               ("KRAS", "p.G12C", "12", 25245351, "C", "A"),
               ("KRAS", "p.G12D", "12", 25245350, "C", "T"),
               ("KRAS", "p.Q61H", "12", 25227341, "T", "G"),
               ("EGFR", "p.L858R", "7", 55191822, "T", "G"),
               ("EGFR", "p.T790M", "7", 55181378, "C", "T"),
               ("EGFR", "p.E746_A750del", "7", 55174771, "AGGAATTAAGAGAAGC", "A")],
}


def test_panel(build: str) -> Panel:
    genes = {g.symbol: g for g in (_egfr(build), _kras(build), _akt1(build))}
    hotspots = tuple(Hotspot(gene, change, build, chrom, pos, ref, alt, "DOMAIN.md")
                     for gene, change, chrom, pos, ref, alt in HOTSPOTS[build])
    return Panel(build, genes, hotspots)


test_panel.__test__ = False     # a helper, not a pytest test


def test_panels() -> dict[str, Panel]:
    return {build: test_panel(build) for build in ("GRCh37", "GRCh38")}


test_panels.__test__ = False
