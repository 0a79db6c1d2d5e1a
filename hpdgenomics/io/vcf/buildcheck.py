"""The records' REF alleles and positions against both builds' hotspots and coding exons."""
from __future__ import annotations

import bisect
import math
from collections import defaultdict
from pathlib import Path

from ...errors import UsageError
from ...genome import BuildEvidence, resolve_build
from ...knowledge.panel import Panel


class _BuildCheck:
    """Do the records' REF alleles and positions fit the build the file is read as?

    A CrossMap-lifted file keeps its old ``##contig`` header, so the header can name one build while
    the positions are the other's; every hotspot is then off-panel and the screen says "caution:
    none". The knowledge base knows the reference base at each hotspot in both builds
    (``annotations/hotspots.tsv``) and the coding exons of each build: every record inside a panel
    gene span of either build is tallied (all of them, whatever their FILTER) and
    :meth:`verdict` decides from the counts, never from one record.
    """

    def __init__(self, panel: Panel, other: Panel | None):
        self.build = panel.build
        self.other = other.build if other is not None else None
        panels = [p for p in (panel, other) if p is not None]
        self.bases = {p.build: _hotspot_bases(p) for p in panels}
        self.exons = {p.build: _coding_exons(p) for p in panels}
        self.agree: dict[str, list[str]] = {p.build: [] for p in panels}
        self.disagree: dict[str, list[str]] = {p.build: [] for p in panels}
        self.exonic_only: dict[str, list[str]] = {p.build: [] for p in panels}

    def tally(self, chrom: str, pos: int, end: int, ref: str, label: str) -> None:
        ref = ref.upper()
        for build, bases in self.bases.items():
            known = bases.get(chrom)
            if not known or pos > max(known) or pos + len(ref) <= min(known):
                continue
            pairs = [(known[pos + i], base) for i, base in enumerate(ref) if pos + i in known]
            if pairs:
                (self.agree if all(a == b for a, b in pairs) else self.disagree)[build] \
                    .append(label)
        if self.other is None:
            return
        inside = {build: _overlaps_any(exons.get(chrom), pos, end)
                  for build, exons in self.exons.items()}
        if inside[self.build] != inside[self.other]:
            self.exonic_only[self.build if inside[self.build] else self.other].append(label)

    def verdict(self, path: Path, evidence: BuildEvidence, *, requested: str | None,
                header: BuildEvidence | None) -> list[str]:
        """Warnings to add; raises UsageError when the records contradict the build decisively.

        ``header`` is the header's own claim when ``--build`` (``requested``) overrules it.
        """
        this, other = self.build, self.other
        if other is None:
            return []
        for_other = len(self.agree[other]) + len(self.disagree[this])
        for_this = len(self.agree[this]) + len(self.disagree[other])
        counts = self._counts(other)
        if header is not None:
            # --build overrules the header: only when the records themselves say it is right
            if self.agree[this] and for_this > for_other:
                return [f"the header's {header.source} says {header.build}, but the records' "
                        f"REF alleles fit {this} ({counts}); read as {this} as --build asked"]
            if header.source.startswith("contig lengths"):
                resolve_build(requested, header, path=str(path))  # raises the contradiction
            raise UsageError(f"--build {requested} contradicts the file, whose {header.source} "
                             f"names {header.build}", path=path,
                             hint="check the file or drop --build to use the named build")
        warnings = []
        if self.agree[other] and for_other > for_this:
            if requested is None:
                raise UsageError(
                    f"the header says {this} ({evidence.source}) but the records' REF alleles "
                    f"say {other}: {counts}; the positions are probably {other} under a {this} "
                    f"header (CrossMap, for one, keeps the old header)", path=path,
                    hint=f"pass --build {other} to read the records as {other} (or --build "
                         f"{this} if they really are {this}), or fix the ##contig header")
            warnings.append(f"--build {this} was given, but the records' REF alleles fit "
                            f"{other}: {counts}; read as {this} as asked; if the positions are "
                            f"{other}, variants in panel genes were missed")
        elif self.disagree[this]:
            warnings.append(f"{len(self.disagree[this])} record(s) carry a REF allele that "
                            f"differs from the {this} reference at a knowledge-base hotspot "
                            f"position ({_examples(self.disagree[this])}); check these records "
                            "and the file's reference")
        near, far = len(self.exonic_only[other]), len(self.exonic_only[this])
        if not warnings and near and _binomial_tail(near, near + far) < 0.05:
            warnings.append(
                f"{near} record(s) lie in panel-gene coding exons at {other} positions but "
                f"outside them at {this} positions ({_examples(self.exonic_only[other])}), "
                f"against {far} the other way round: the positions may be {other} under a "
                f"{this} header; check the file's reference, and pass --build to settle")
        return warnings

    def _counts(self, other: str) -> str:
        this = self.build
        parts = []
        for build in (other, this):
            agree, disagree = self.agree[build], self.disagree[build]
            parts.append(f"{len(agree)} record(s) at {build} hotspot positions carry {build}'s "
                         f"reference base" + (f" ({_examples(agree)})" if agree else "")
                         + (f", {len(disagree)} do not" if disagree else ""))
        return "; ".join(parts)


def _examples(labels: list[str], shown: int = 3) -> str:
    return "; ".join(labels[:shown]) + (f"; +{len(labels) - shown} more"
                                        if len(labels) > shown else "")


def _binomial_tail(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2): how often chance alone puts k of n records one side."""
    return sum(math.comb(n, i) for i in range(k, n + 1)) / float(2 ** n)


def _hotspot_bases(panel: Panel) -> dict[str, dict[int, str]]:
    """chrom -> {position: reference base} at the panel's hotspots (+ strand, VCF REF)."""
    bases: dict[str, dict[int, str]] = defaultdict(dict)
    conflicts = set()
    for hotspot in panel.hotspots:
        for offset, base in enumerate(hotspot.ref.upper()):
            at = hotspot.pos + offset
            if bases[hotspot.chrom].setdefault(at, base) != base:
                conflicts.add((hotspot.chrom, at))
    for chrom, at in conflicts:          # a table that contradicts itself decides nothing
        del bases[chrom][at]
    return {chrom: known for chrom, known in bases.items() if known}


def _coding_exons(panel: Panel) -> dict[str, tuple[list[int], list[int]]]:
    """chrom -> (coding exon starts, sorted; the largest end among each start and those before).

    :func:`_overlaps_any` then tests a record against all exons of its chromosome by bisection.
    """
    exons: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for gene in panel.genes.values():
        for exon in gene.exons:
            # the knowledge loader sets the coding bounds together or not at all
            if exon.coding_start is not None and exon.coding_end is not None:
                exons[gene.chrom].append((exon.coding_start, exon.coding_end))
    prepared = {}
    for chrom, spans in exons.items():
        spans.sort()
        reach, furthest = [], 0
        for _start, stop in spans:
            furthest = max(furthest, stop)
            reach.append(furthest)
        prepared[chrom] = ([start for start, _stop in spans], reach)
    return prepared


def _overlaps_any(exons: tuple[list[int], list[int]] | None, pos: int, end: int) -> bool:
    """Does closed ``pos..end`` overlap any of the (closed) exons prepared by _coding_exons?"""
    if not exons:
        return False
    starts, reach = exons
    last = bisect.bisect_right(starts, end) - 1      # the exons starting at or before ``end``
    return last >= 0 and reach[last] >= pos
