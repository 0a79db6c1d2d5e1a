"""Which screened genes the assay covered, from ``--panel BED`` or ``--genes``.

A gene is variant-evaluable when the assay covers its canonical coding exons: all of them
(``full``), some (``partial``: evaluable, with a warning naming the share) or none (not evaluable).
Without either option every screened gene is assumed covered, and the report says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..knowledge.panel import Panel

if TYPE_CHECKING:       # pandas and pyranges load only when a --panel BED is given (start-up)
    import pyranges as pr


@dataclass
class AssayCoverage:
    source: str                                   # "panel BED <path>", "--genes", "assumed"
    covered_fraction: dict[str, float] = field(default_factory=dict)
    assumption: str | None = None

    def is_covered(self, gene: str | None) -> bool:
        """Whether the assay covers any coding base of ``gene`` (never for a gene-less call)."""
        return gene is not None and self.covered_fraction.get(gene, 0.0) > 0.0

    def describe(self, gene: str) -> str:
        if self.assumption:
            return "assumed covered (no --panel or --genes given)"
        fraction = self.covered_fraction.get(gene, 0.0)
        if self.source == "--genes":
            return "listed in --genes" if fraction else "not listed in --genes"
        if fraction == 0:
            return f"no coding exon covered by {self.source}"
        if fraction < 1:
            return f"{fraction:.0%} of coding bases covered by {self.source}"
        return f"all coding bases covered by {self.source}"


def _coding_ranges(panel: Panel, genes: list[str]) -> pr.PyRanges:
    rows = [(g.chrom, e.coding_start - 1, e.coding_end, g.symbol)
            for g in (panel.gene(s) for s in genes) for e in g.exons
            if e.coding_start is not None]
    import pandas as pd
    import pyranges as pr

    return pr.PyRanges(pd.DataFrame(rows, columns=["Chromosome", "Start", "End", "Name"]))


def coverage_from_bed(bed: pr.PyRanges, panel: Panel, genes: list[str],
                      label: str) -> AssayCoverage:
    import pandas as pd

    coding = _coding_ranges(panel, genes)
    totals = coding.df.assign(length=lambda d: d.End - d.Start).groupby("Name")["length"].sum()
    overlap = coding.intersect(bed.merge())
    covered = (overlap.df.assign(length=lambda d: d.End - d.Start).groupby("Name")["length"].sum()
               if len(overlap) else pd.Series(dtype=float))
    fractions = {gene: float(covered.get(gene, 0) / totals[gene]) if gene in totals else 0.0
                 for gene in genes}
    return AssayCoverage(source=f"panel BED {label}", covered_fraction=fractions)


def coverage_from_gene_list(assayed: list[str], genes: list[str]) -> AssayCoverage:
    wanted = {g.strip().upper() for g in assayed if g.strip()}
    return AssayCoverage(source="--genes",
                         covered_fraction={g: 1.0 if g.upper() in wanted else 0.0 for g in genes})


def assumed_coverage(genes: list[str]) -> AssayCoverage:
    return AssayCoverage(
        source="assumed", covered_fraction={g: 1.0 for g in genes},
        assumption=("No --panel or --genes was given: every screened gene is assumed to be covered "
                    "by the sequencing assay, so 'not detected' relies on that assumption."))
