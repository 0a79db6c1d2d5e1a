#!/usr/bin/env python
"""Derive the panel tables in ``annotations/`` from the reference files in ``../shared/reference``.

Run by a developer when the reference release changes, never at install or test time::

    python scripts/derive_panel.py [--reference ../shared/reference] [--out annotations]

Writes ``genes_<build>.tsv``, ``exons_<build>.tsv`` (GRCh37 and GRCh38) and ``hotspots.tsv``.
Each file starts with ``#`` lines naming the source files (and their sha256) it was derived from.

How each table is derived (details and caveats in annotations/SCHEMA.md):

* Canonical transcript: the MANE Select transcript of ``hg38_canonical_exons_targetgenes.bed``
  (RefSeq id from ``isoform_overrides_mane_grch38``; MDM2 is absent there and keeps no RefSeq id).
  GRCh37 uses the same Ensembl transcript; the MSK-IMPACT choice (``isoform_overrides_at_mskcc``)
  is recorded beside it.
* GRCh38 exons: the bed rows (0-based half-open) converted to 1-based closed.
* GRCh37 exons: the MANE exons are matched, in order and by length, against the hg19 GENCODE exon
  rows of the same gene after a constant per-gene offset (the intron/exon structure of these genes
  is identical between builds).  The first and last exon may differ in their outer (UTR) end; the
  hg19 row sharing the inner boundary is used and the difference is logged.
* Coding parts: the CDS is chosen among the GENCODE CDS rows of the gene such that it is one
  contiguous stretch of the canonical exons (start inside the first coding exon, the exon's 3' end
  covered, every internal exon fully coding, end inside the last coding exon) with a length
  divisible by 3.  The CDS rows of these tables include the stop codon (checked: EGFR 3633 = 3 x
  (1210 + 1), AKT1, STK11, VHL likewise), so the c. numbering ends with the stop codon.  Where
  several CDS choices remain, the one whose codon numbering agrees with the most cancerhotspots SNV
  protein positions wins, then the longest; an unresolved tie stops the script.  GRCh37 coding parts
  must be the GRCh38 ones shifted by the same offset and be present among the hg19 CDS rows;
  otherwise the script stops.
* Hotspots: panel-gene SNV/MNV rows of ``cancerhotspots_v2_*.tsv`` plus the checked DOMAIN.md
  section 3 table.  MAF-style indel rows are left out (see SCHEMA.md: VCF-style indels need a
  reference base the tables do not carry, and their protein labels name the hotspot group, not the
  exact change).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import logging
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("derive_panel")

PANEL_GENES = ("MDM2", "MDM4", "EGFR", "AKT1", "STK11", "KRAS", "TSC2", "VHL", "MET", "CCND1",
               "FGF3", "FGF4", "FGF19", "DNMT3A")
UCSC = {"GRCh37": "hg19", "GRCh38": "hg38"}

# DOMAIN.md section 3 (checked against GENCODE CDS tables and cancerhotspots v2); 1-based, + strand.
# (gene, protein change, GRCh37 pos, GRCh38 pos, ref, alt, chrom)
DOMAIN_SNVS = [
    ("AKT1", "p.E17K", 105246551, 104780214, "C", "T", "14"),
    ("KRAS", "p.G12C", 25398285, 25245351, "C", "A", "12"),
    ("KRAS", "p.G12D", 25398284, 25245350, "C", "T", "12"),
    ("KRAS", "p.G12V", 25398284, 25245350, "C", "A", "12"),
    ("KRAS", "p.G13D", 25398281, 25245347, "C", "T", "12"),
    ("KRAS", "p.Q61H", 25380275, 25227341, "T", "G", "12"),
    ("KRAS", "p.Q61H", 25380275, 25227341, "T", "A", "12"),
    ("KRAS", "p.Q61L", 25380276, 25227342, "T", "A", "12"),
    ("EGFR", "p.L858R", 55259515, 55191822, "T", "G", "7"),
    ("EGFR", "p.T790M", 55249071, 55181378, "C", "T", "7"),
]
# E746_A750del, c.2235_2249del, deleted bases chr7:55242465-55242479 (GRCh37) /
# 55174772-55174786 (GRCh38).  The deleted sequence GGAATTAAGAGAAGC is the cancerhotspots v2 row
# at the same position.  VCF needs the base before it (c.2234): c.2233_2235 is codon K745 and
# c.2235 is G (first deleted base), so the codon is AAG and c.2234 is A.  The deletion cannot be
# shifted left (the anchor A differs from the last deleted base C), so this is the normalised form.
DOMAIN_DEL = ("EGFR", "p.E746_A750del", {"GRCh37": 55242464, "GRCh38": 55174771},
              "AGGAATTAAGAGAAGC", "A", "7")

VARIANT_CLASS = {"Missense_Mutation": "missense", "Nonsense_Mutation": "nonsense"}
THREE_TO_ONE_OK = re.compile(r"^[A-Z*]\d+[A-Z*]$")


@dataclass
class Row:
    chrom: str
    start: int
    end: int
    gene: str
    strand: str


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_gencode(path: Path, genes=PANEL_GENES) -> list[Row]:
    """GENCODE-derived tables: header row, 1-based closed, chrom with 'chr'."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        idx = {name: i for i, name in enumerate(header)}
        for line in handle:
            f = line.rstrip("\n").split("\t")
            if f[idx["gene_name"]] in genes:
                rows.append(Row(f[idx["chrom"]].removeprefix("chr"), int(f[idx["start"]]),
                                int(f[idx["end"]]), f[idx["gene_name"]], f[idx["strand"]]))
    return rows


def read_mane_bed(path: Path) -> dict[str, list[tuple[int, int, int, str]]]:
    """gene -> [(exon number, start, end, transcript)] converted from 0-based half-open."""
    exons = defaultdict(list)
    with open(path) as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            _chrom, start, end, _exon_id, gene, number, transcript = line.rstrip("\n").split("\t")
            if gene in PANEL_GENES:
                exons[gene].append((int(number), int(start) + 1, int(end), transcript))
    return {gene: sorted(rows) for gene, rows in exons.items()}


def read_overrides(path: Path) -> dict[str, tuple[str, str]]:
    table = {}
    with open(path) as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            enst, gene, refseq = line.rstrip("\n").split("\t")[:3]
            if gene in PANEL_GENES:
                table[gene] = (enst, refseq)
    return table


def read_hotspots(path: Path) -> list[tuple]:
    rows = []
    with open(path) as handle:
        for line in handle:
            f = line.rstrip("\n").split("\t")
            if len(f) >= 7 and f[4] in PANEL_GENES:
                rows.append((f[0], int(f[1]), f[2], f[3], f[4], f[5], f[6]))
    return rows


# --- transcript geometry ----------------------------------------------------------------------

def transcript_order(exons: list[tuple[int, int]], strand: str) -> list[tuple[int, int]]:
    return sorted(exons, reverse=(strand == "-"))


def choose_cds(exons: list[tuple[int, int]], strand: str, cds_rows: set[tuple[int, int]],
               hotspot_codons: list[tuple[int, int]]):
    """Coding parts (transcript order, stop codon included), or None."""
    order = transcript_order(exons, strand)
    candidates = []
    for i in range(len(order)):
        for j in range(i, len(order)):
            for parts in _cds_choices(order, strand, cds_rows, i, j):
                if sum(e - s + 1 for s, e in parts if s is not None) % 3 == 0:
                    candidates.append(parts)
    if not candidates:
        return None

    def score(parts):
        agree = sum(1 for pos, codon in hotspot_codons
                    if (c := _c_number(parts, strand, pos)) is not None
                    and (c - 1) // 3 + 1 == codon)
        return agree, sum(e - s + 1 for s, e in parts if s is not None)

    candidates.sort(key=score, reverse=True)
    best = score(candidates[0])
    if len(candidates) > 1 and score(candidates[1]) == best and candidates[1] != candidates[0]:
        raise SystemExit(f"two CDS choices tie ({candidates[0]} / {candidates[1]})")
    log.info("  %d CDS candidate(s); chosen: %d of %d hotspot codons agree, length %d",
             len(candidates), best[0], len(hotspot_codons), best[1])
    return candidates[0]


def _cds_choices(order, strand, cds_rows, i, j):
    """Every CDS-row choice with first coding exon i and last j (transcript order)."""
    def inside(k):
        s, e = order[k]
        return [(cs, ce) for cs, ce in cds_rows if s <= cs <= ce <= e]

    for k in range(i + 1, j):
        if order[k] not in cds_rows:
            return
    if i == j:
        firsts, lasts = inside(i), [None]
    else:
        s_i, e_i = order[i]
        s_j, e_j = order[j]
        # first exon coding up to its 3' end; last exon coding from its 5' end
        firsts = [r for r in inside(i) if (r[1] == e_i if strand == "+" else r[0] == s_i)]
        lasts = [r for r in inside(j) if (r[0] == s_j if strand == "+" else r[1] == e_j)]
    for first in firsts:
        for last in lasts:
            parts = [(None, None)] * len(order)
            parts[i] = first
            for k in range(i + 1, j):
                parts[k] = order[k]
            if last is not None:
                parts[j] = last
            yield parts


def _c_number(parts, strand, pos):
    c = 0
    for s, e in parts:
        if s is None:
            continue
        if s <= pos <= e:
            return c + (pos - s + 1 if strand == "+" else e - pos + 1)
        c += e - s + 1
    return None


# --- GRCh37 recovery --------------------------------------------------------------------------

def recover_grch37(gene: str, mane: list[tuple[int, int]], strand: str, hg19_rows: list[Row]):
    """Map MANE exons (genomic order) onto hg19 exon rows; returns (exons, offset)."""
    rows = {(r.start, r.end) for r in hg19_rows}
    offsets = Counter()
    for s, e in mane[1:-1] or mane:
        for rs, re_ in rows:
            if re_ - rs == e - s:
                offsets[rs - s] += 1
    if not offsets:
        raise SystemExit(f"{gene}: no hg19 exon row has the length of any MANE exon")
    offset, _votes = offsets.most_common(1)[0]
    mapped = []
    for idx, (s, e) in enumerate(mane):
        target = (s + offset, e + offset)
        if target in rows:
            mapped.append(target)
            continue
        first, last = idx == 0, idx == len(mane) - 1
        if not (first or last):
            raise SystemExit(f"{gene}: internal MANE exon {s}-{e} has no hg19 row at "
                             f"offset {offset}")
        # outer (UTR) end may differ: keep the inner boundary, take the closest hg19 row
        if first and not last:
            options = [r for r in rows if r[1] == target[1] and r[0] <= target[1]]
        elif last and not first:
            options = [r for r in rows if r[0] == target[0]]
        else:
            options = [r for r in rows if r[0] <= target[1] and target[0] <= r[1]]
        if not options:
            raise SystemExit(f"{gene}: terminal MANE exon {s}-{e} has no hg19 row sharing its "
                             "inner boundary")
        chosen = min(options, key=lambda r: abs(r[0] - target[0]) + abs(r[1] - target[1]))
        log.info("  %s GRCh37 terminal exon %s: hg19 row %s (lifted %s)", gene, idx + 1,
                 chosen, target)
        mapped.append(chosen)
    return mapped, offset


# --- main ---------------------------------------------------------------------------------------

def derive(reference: Path, out: Path) -> None:
    files = {
        "bed": reference / "hg38_canonical_exons_targetgenes.bed",
        "mane": reference / "isoform_overrides_mane_grch38",
        "msk": reference / "isoform_overrides_at_mskcc",
        "hg19_genes": reference / "hg19_gencode_genes.tsv.gz",
        "hg38_genes": reference / "hg38_gencode_genes.tsv.gz",
        "hg19_exons": reference / "hg19_exons_targetgenes.tsv",
        "hg38_exons": reference / "hg38_exons_targetgenes.tsv",
        "hg19_cds": reference / "hg19_CDSs_targetgenes.tsv",
        "hg38_cds": reference / "hg38_CDSs_targetgenes.tsv",
        "hot37": reference / "cancerhotspots_v2_GRCh37.tsv",
        "hot38": reference / "cancerhotspots_v2_GRCh38.tsv",
    }
    provenance = {k: f"{p.name} sha256:{sha256(p)[:16]}" for k, p in files.items()}
    mane_bed = read_mane_bed(files["bed"])
    mane_ids = read_overrides(files["mane"])
    msk_ids = read_overrides(files["msk"])
    spans = {b: {r.gene: r for r in read_gencode(files[f"{UCSC[b]}_genes"])} for b in UCSC}
    exon_rows = {b: read_gencode(files[f"{UCSC[b]}_exons"]) for b in UCSC}
    cds_rows = {b: read_gencode(files[f"{UCSC[b]}_cds"]) for b in UCSC}
    hotspot_rows = {"GRCh37": read_hotspots(files["hot37"]),
                    "GRCh38": read_hotspots(files["hot38"])}

    genes_out = {b: [] for b in UCSC}
    exons_out = {b: [] for b in UCSC}
    for gene in PANEL_GENES:
        log.info("%s", gene)
        span38 = spans["GRCh38"][gene]
        strand = span38.strand
        bed = mane_bed[gene]
        transcript_versioned = bed[0][3]
        transcript = transcript_versioned.split(".")[0]
        numbers = [n for n, *_ in bed]
        if numbers != list(range(1, len(bed) + 1)):
            raise SystemExit(f"{gene}: MANE exon numbers are not 1..{len(bed)}")
        mane38 = sorted((s, e) for _n, s, e, _t in bed)
        refseq = mane_ids.get(gene, (None, None))
        if refseq[0] not in (None, transcript):
            raise SystemExit(f"{gene}: MANE override {refseq[0]} differs from the bed {transcript}")
        msk_enst, msk_refseq = msk_ids.get(gene, ("", ""))

        hot_codons = {}
        for build in UCSC:
            hot_codons[build] = [
                (pos, int(m.group(1)))
                for chrom, pos, ref, alt, g, cls, change in hotspot_rows[build]
                if g == gene and len(ref) == 1 and len(alt) == 1 and ref != "-" and alt != "-"
                and (m := re.match(r"^[A-Z](\d+)", change))]

        exons_by_build = {"GRCh38": mane38}
        mane37, offset = recover_grch37(gene, mane38, strand,
                                        [r for r in exon_rows["GRCh37"] if r.gene == gene])
        exons_by_build["GRCh37"] = mane37
        log.info("  GRCh37 offset %+d", offset)

        cds38 = {(r.start, r.end) for r in cds_rows["GRCh38"] if r.gene == gene}
        chosen = choose_cds(mane38, strand, cds38, hot_codons["GRCh38"])
        if chosen is None:
            raise SystemExit(f"{gene}: no CDS choice fits the MANE exons (GRCh38)")
        parts38 = chosen
        # GRCh37: the same CDS rows shifted by the exon offset must exist among the hg19 CDS rows
        order37 = transcript_order(mane37, strand)
        cds37 = {(r.start, r.end) for r in cds_rows["GRCh37"] if r.gene == gene}
        parts37 = [(None, None) if s is None else (s + offset, e + offset) for s, e in parts38]
        missing = [r for r in parts37 if r[0] is not None and r not in cds37]
        if missing:
            raise SystemExit(f"{gene}: GRCh37 coding parts {missing} are not hg19 CDS rows")
        if any(not (s <= cs <= ce <= e) for (s, e), (cs, ce) in zip(order37, parts37, strict=True)
               if cs is not None):
            raise SystemExit(f"{gene}: GRCh37 coding parts fall outside the recovered exons")

        for build in UCSC:
            span = spans[build][gene]
            order = transcript_order(exons_by_build[build], strand)
            parts = parts38 if build == "GRCh38" else parts37
            cds_length = sum(e - s + 1 for s, e in parts if s is not None)
            genes_out[build].append({
                "symbol": gene, "chrom": span.chrom, "start": span.start, "end": span.end,
                "strand": span.strand, "transcript": transcript,
                "transcript_version": transcript_versioned, "refseq": refseq[1] or "",
                "msk_impact_transcript": msk_enst, "msk_impact_refseq": msk_refseq,
                "cds_length": cds_length, "protein_length": cds_length // 3 - 1,
                "exon_count": len(order),
            })
            c = 0
            for number, ((s, e), (cs, ce)) in enumerate(zip(order, parts, strict=True), start=1):
                row = {"symbol": gene, "exon": number, "start": s, "end": e,
                       "coding_start": "", "coding_end": "", "cds_first": "", "cds_last": ""}
                if cs is not None and ce >= cs:
                    row.update(coding_start=cs, coding_end=ce, cds_first=c + 1,
                               cds_last=c + (ce - cs + 1))
                    c += ce - cs + 1
                exons_out[build].append(row)
            if build == "GRCh38":
                for n, s, e, _t in bed:
                    if (s, e) != order[n - 1]:
                        raise SystemExit(f"{gene}: exon {n} order mismatch with the bed")

    out.mkdir(parents=True, exist_ok=True)
    for build in UCSC:
        _write(out / f"genes_{build}.tsv", genes_out[build],
               [f"panel genes, {build}: spans from {provenance[UCSC[build] + '_genes']}",
                (f"canonical transcript: MANE Select from {provenance['bed']}, RefSeq from "
                f"{provenance['mane']}; MSK-IMPACT choice from {provenance['msk']}"),
                f"CDS from {provenance[UCSC[build] + '_cds']} (rows include the stop codon)"])
        _write(out / f"exons_{build}.tsv", exons_out[build],
               [f"canonical exons, {build}, 1-based closed, transcript order (5'->3')",
                (("exons from " + provenance["bed"] + " (0-based half-open, converted)") if
                 build == "GRCh38" else
                 ("MANE exons recovered from " + provenance["hg19_exons"]
                  + " by order and length")),
                (f"coding parts from {provenance[UCSC[build] + '_cds']}; c. numbering includes "
                "the stop codon")])
    hotspots = _hotspot_table(hotspot_rows, spans)
    _write(out / "hotspots.tsv", hotspots,
           [(f"hotspots of the panel genes: SNV/MNV rows of {provenance['hot37']} and "
            f"{provenance['hot38']} (maftools inst/extdata, cancerhotspots.org v2)"),
            "plus the DOMAIN.md section 3 table; 1-based, + strand alleles, VCF style",
            "MAF indel rows are not included (no reference bases to anchor them; see SCHEMA.md)"])


def _hotspot_table(hotspot_rows, spans):
    table: dict[tuple, dict] = {}
    skipped = Counter()
    for build, rows in hotspot_rows.items():
        for chrom, pos, ref, alt, gene, cls, change in rows:
            if "-" in (ref, alt) or len(ref) != len(alt) or cls not in VARIANT_CLASS:
                skipped[(build, cls)] += 1
                continue
            key = (gene, "p." + change, build, chrom, pos, ref, alt)
            table[key] = {"gene": gene, "protein_change": "p." + change, "build": build,
                          "chrom": chrom, "pos": pos, "ref": ref, "alt": alt,
                          "variant_class": VARIANT_CLASS[cls] if len(ref) == 1 else "mnv",
                          "source": "cancerhotspots_v2"}
    for gene, change, pos37, pos38, ref, alt, chrom in DOMAIN_SNVS:
        for build, pos in (("GRCh37", pos37), ("GRCh38", pos38)):
            key = (gene, change, build, chrom, pos, ref, alt)
            if key in table:
                table[key]["source"] += ";DOMAIN.md_s3"
            else:
                table[key] = {"gene": gene, "protein_change": change, "build": build,
                              "chrom": chrom, "pos": pos, "ref": ref, "alt": alt,
                              "variant_class": "missense", "source": "DOMAIN.md_s3"}
    gene, change, positions, ref, alt, chrom = DOMAIN_DEL
    for build, pos in positions.items():
        table[(gene, change, build, chrom, pos, ref, alt)] = {
            "gene": gene, "protein_change": change, "build": build, "chrom": chrom, "pos": pos,
            "ref": ref, "alt": alt, "variant_class": "inframe_deletion",
            "source": "DOMAIN.md_s3;cancerhotspots_v2(deleted bases)"}
    for (build, cls), count in sorted(skipped.items()):
        log.info("hotspots %s: %d %s row(s) left out", build, count, cls)
    for row in table.values():
        span = spans[row["build"]][row["gene"]]
        if not (span.chrom == row["chrom"] and span.start <= row["pos"] <= span.end):
            raise SystemExit(f"hotspot {row} outside the gene span")
    return sorted(table.values(), key=lambda r: (r["build"], r["gene"], r["pos"], r["ref"],
                                                 r["alt"], r["protein_change"]))


def _write(path: Path, rows: list[dict], comments: list[str]) -> None:
    columns = list(rows[0])
    with open(path, "w", newline="") as handle:
        handle.writelines(f"# {comment}\n" for comment in comments)
        handle.write("# derived by scripts/derive_panel.py; do not edit by hand\n")
        handle.write("\t".join(columns) + "\n")
        handle.writelines("\t".join(str(row[c]) for c in columns) + "\n" for row in rows)
    log.info("wrote %s (%d rows)", path, len(rows))


def main(argv=None) -> int:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, default=here.parent / "shared" / "reference")
    parser.add_argument("--out", type=Path, default=here / "annotations")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(message)s", stream=sys.stderr)
    derive(args.reference, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
