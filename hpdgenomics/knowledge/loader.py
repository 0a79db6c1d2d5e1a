"""Readers of a knowledge file (bounded YAML) and of the panel tables behind a
:class:`~hpdgenomics.knowledge.panel.Panel`.

A knowledge file is read only up to ``HPDGENOMICS_MAX_KNOWLEDGE_BYTES`` and parsed with YAML's
safe loader under two more limits (:mod:`hpdgenomics.limits`): at most
``HPDGENOMICS_MAX_YAML_ALIASES`` aliases, and at most ``HPDGENOMICS_MAX_YAML_NODES`` nodes once
every alias is expanded. A 1 KB "billion laughs" (nine levels of ten aliases) stays small while
parsed, since an alias is a reference, but expands to 10^9 nodes as soon as anything walks it
(validation, hashing, JSON): it is refused before that, with the limit named.

Format: tab-separated, UTF-8, ``#`` lines first (provenance), then one header row.  Coordinates are
1-based closed, chromosome names without ``chr``; exon rows are listed in transcript order (5'->3').
Columns are defined once in :data:`TABLE_COLUMNS` (documented in annotations/SCHEMA.md).  The
readers normalise to :class:`~hpdgenomics.model.PanelGene`, :class:`~hpdgenomics.model.CodingExon`
and :class:`~hpdgenomics.model.Hotspot`, and report every problem of every table together.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import KnowledgeError
from ..genome import BUILDS, CHROM_LENGTHS, normalize_chrom
from ..model import CodingExon, Hotspot, PanelGene
from .frozen import FrozenDict
from .panel import Panel
from .validate import Problems

# column -> type ("str", "int", "opt_int", "opt_str")
TABLE_COLUMNS = {
    "genes": {"symbol": "str", "chrom": "str", "start": "int", "end": "int", "strand": "str",
              "transcript": "str", "transcript_version": "opt_str", "refseq": "opt_str",
              "msk_impact_transcript": "opt_str", "msk_impact_refseq": "opt_str",
              "cds_length": "int", "protein_length": "int", "exon_count": "int"},
    "exons": {"symbol": "str", "exon": "int", "start": "int", "end": "int",
              "coding_start": "opt_int", "coding_end": "opt_int", "cds_first": "opt_int",
              "cds_last": "opt_int"},
    "hotspots": {"gene": "str", "protein_change": "str", "build": "str", "chrom": "str",
                 "pos": "int", "ref": "str", "alt": "str", "variant_class": "str",
                 "source": "opt_str"},
}
HOTSPOT_CLASSES = ("missense", "nonsense", "mnv", "inframe_deletion", "inframe_insertion",
                   "frameshift", "splice_site", "other")
ALLELE_RE = re.compile(r"^[ACGT]+$")
CODON_RE = re.compile(r"^p\.[A-Z*](\d+)[A-Z*]$")


def read_knowledge_text(path: Path, what: str = "knowledge file") -> str:
    """The text of a knowledge YAML or of a table it names, refused above the size limit."""
    from ..limits import KNOWLEDGE_BYTES

    limit = KNOWLEDGE_BYTES.value()
    try:
        size = path.stat().st_size
        if size > limit:
            raise KnowledgeError(f"{what} is {size:,} bytes, over the limit on the size of a "
                                 f"knowledge file of {KNOWLEDGE_BYTES.describe(limit)}",
                                 path=path, hint="is this the right file? if it is, raise the "
                                                 f"limit: set {KNOWLEDGE_BYTES.env} to at least "
                                                 f"{size}")
        with open(path, encoding="utf-8") as handle:
            return handle.read(limit + 1)[:limit]   # a file growing meanwhile stays bounded
    except FileNotFoundError:
        raise KnowledgeError(f"{what} not found", path=path, hint="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{what} cannot be read ({exc})", path=path) from None


def parse_yaml(text: str, source: str, problems: Problems) -> Any:
    """One YAML document, parsed safely under the alias and expansion limits.

    Problems (not YAML, too many aliases, too large once expanded, nested too deeply) go to
    ``problems``, each naming the file (and the line where YAML knows it); the result is then
    ``{}``.
    """
    import yaml  # local: keep `import hpdgenomics` cheap

    from ..limits import YAML_ALIASES, YAML_NODES

    max_aliases, max_nodes = YAML_ALIASES.value(), YAML_NODES.value()

    class BoundedLoader(yaml.SafeLoader):
        aliases = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > max_aliases:
                    mark = self.peek_event().start_mark
                    raise _YamlLimit(f"more than {max_aliases:,} YAML aliases (*name), over the "
                                     f"limit of {YAML_ALIASES.describe(max_aliases)}",
                                     mark, YAML_ALIASES.env)
            return super().compose_node(parent, index)

    loader = BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        expanded = _expanded_size(node, max_nodes)
        if expanded > max_nodes:
            raise _YamlLimit(f"expands to more than {max_nodes:,} nodes once its aliases are "
                             f"resolved (a 'billion laughs'?), over the limit of "
                             f"{YAML_NODES.describe(max_nodes)}", None, YAML_NODES.env)
        return loader.construct_document(node)
    except _YamlLimit as exc:
        where = f"line {exc.mark.line + 1}" if exc.mark is not None else ""
        problems.add(source, where, f"{exc.message}; if the file is genuine, set {exc.env} "
                                    "to a larger number")
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.add(source, where, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")
        return {}
    except RecursionError:
        problems.add(source, "", "YAML nested too deeply to be a knowledge file")
        return {}
    finally:
        loader.dispose()


class _YamlLimit(Exception):
    def __init__(self, message: str, mark, env: str):
        super().__init__(message)
        self.message, self.mark, self.env = message, mark, env


def _expanded_size(root, cap: int) -> int:
    """Nodes of the document with every alias expanded, counted without expanding anything:
    each distinct node's size is computed once (iteratively, so depth is no limit) and reused
    wherever an alias points at it. A node that contains itself counts as over ``cap``."""
    import yaml

    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node, yaml))
            sizes[key] = min(total, cap + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            return cap + 1        # a recursive alias: infinite once expanded
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node, yaml):
            if id(child) not in sizes:
                if id(child) in on_path:
                    return cap + 1
                stack.append((child, False))
    return sizes[id(root)]


def _children(node, yaml) -> list:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def read_table(text: str, kind: str, source: str, problems: Problems) -> list[tuple[int, dict]]:
    """Rows of one table as (line number, typed dict); typing problems go to ``problems``."""
    columns = TABLE_COLUMNS[kind]
    lines = text.splitlines()
    body_start = 0
    while body_start < len(lines) and lines[body_start].startswith("#"):
        body_start += 1
    reader = csv.reader(io.StringIO("\n".join(lines[body_start:])), delimiter="\t")
    header = next(reader, None)
    if header is None:
        problems.add(source, "", "no header row")
        return []
    missing = [c for c in columns if c not in header]
    if missing:
        problems.add(source, f"line {body_start + 1}", f"missing column(s) {', '.join(missing)} "
                                                       f"(expected: {', '.join(columns)})")
        return []
    unknown = [c for c in header if c not in columns]
    if unknown:
        problems.add(source, f"line {body_start + 1}", f"unknown column(s) {', '.join(unknown)}")
    rows = []
    for offset, fields in enumerate(reader, start=body_start + 2):
        if not fields or all(not f for f in fields):
            continue
        if len(fields) != len(header):
            problems.add(source, f"line {offset}",
                         f"{len(fields)} fields, header has {len(header)}")
            continue
        raw = dict(zip(header, fields, strict=True))
        row: dict[str, int | str | None] = {}
        ok = True
        for column, kind_ in columns.items():
            value = raw[column].strip()
            if kind_ in ("int", "opt_int"):
                if value == "" and kind_ == "opt_int":
                    row[column] = None
                    continue
                try:
                    row[column] = int(value)
                except ValueError:
                    problems.add(source, f"line {offset}", f"column {column}: {value!r} is not "
                                                           "an integer")
                    ok = False
            else:
                if value == "" and kind_ == "str":
                    problems.add(source, f"line {offset}", f"column {column} is empty")
                    ok = False
                row[column] = (value or None) if kind_ == "opt_str" else value
        if ok:
            rows.append((offset, row))
    return rows


def build_panels(texts: dict[str, tuple[str, str]], problems: Problems) -> dict[str, Panel]:
    """Panels per build from the table texts: ``texts[name] = (source, text)``.

    ``name`` is one of genes_GRCh37, genes_GRCh38, exons_GRCh37, exons_GRCh38, hotspots.
    """
    genes_by_build: dict[str, dict[str, PanelGene]] = {}
    hotspot_source, hotspot_text = texts["hotspots"]
    hotspot_rows = read_table(hotspot_text, "hotspots", hotspot_source, problems)
    for build in BUILDS:
        gene_source, gene_text = texts[f"genes_{build}"]
        exon_source, exon_text = texts[f"exons_{build}"]
        genes = _genes(read_table(gene_text, "genes", gene_source, problems), build, gene_source,
                       problems)
        exons = _exons(read_table(exon_text, "exons", exon_source, problems), genes, exon_source,
                       problems)
        genes_by_build[build] = {
            symbol: PanelGene(symbol=symbol, build=build, chrom=g["chrom"], start=g["start"],
                              end=g["end"], strand=g["strand"], transcript=g["transcript"],
                              refseq=g["refseq"], exons=tuple(exons.get(symbol, ())),
                              alternate_transcripts=tuple(
                                  t for t in (g.get("msk_impact_transcript"),
                                              g.get("msk_impact_refseq"))
                                  if t and t.split(".")[0] not in
                                  {(x or "").split(".")[0]
                                   for x in (g["transcript"], g["refseq"])}))
            for symbol, g in genes.items()}
    if set(genes_by_build["GRCh37"]) != set(genes_by_build["GRCh38"]):
        problems.add(texts["genes_GRCh37"][0], "",
                     "the GRCh37 and GRCh38 gene tables list different genes: "
                     f"{sorted(set(genes_by_build['GRCh37']) ^ set(genes_by_build['GRCh38']))}")
    hotspots = _hotspots(hotspot_rows, genes_by_build, hotspot_source, problems)

    return {build: Panel(build=build, genes=FrozenDict(genes_by_build[build]),
                         hotspots=tuple(hotspots[build]))
            for build in BUILDS}


def _genes(rows, build, source, problems) -> dict[str, dict]:
    genes = {}
    for line, row in rows:
        where = f"line {line} ({row['symbol']})"
        chrom = normalize_chrom(row["chrom"])
        if chrom != row["chrom"]:
            problems.add(source, where, f"chrom {row['chrom']!r}: write it without 'chr' ({chrom})")
        length = CHROM_LENGTHS[build].get(chrom)
        if length is None:
            problems.add(source, where, f"chrom {chrom!r} is not a primary {build} chromosome")
        elif not 1 <= row["start"] <= row["end"] <= length:
            problems.add(source, where, f"span {row['start']}-{row['end']} is not inside "
                                        f"chromosome {chrom} (1-{length})")
        if row["strand"] not in ("+", "-"):
            problems.add(source, where, f"strand {row['strand']!r}, expected + or -")
        if row["cds_length"] != 3 * (row["protein_length"] + 1):
            problems.add(source, where,
                         f"cds_length {row['cds_length']} is not 3 x (protein_length "
                                        f"{row['protein_length']} + 1 stop codon)")
        if row["symbol"] in genes:
            problems.add(source, where, "duplicate gene")
            continue
        row["chrom"] = chrom
        genes[row["symbol"]] = row
    return genes


def _exons(rows, genes, source, problems) -> dict[str, list[CodingExon]]:
    by_gene: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for line, row in rows:
        if row["symbol"] not in genes:
            problems.add(source, f"line {line}", f"exon of {row['symbol']!r}, which is not in the "
                                                 "gene table")
            continue
        by_gene[row["symbol"]].append((line, row))
    exons_out = {}
    for symbol, gene in genes.items():
        items = by_gene.get(symbol, [])
        if len(items) != gene["exon_count"]:
            problems.add(source, symbol, f"{len(items)} exon rows, the gene table says "
                                         f"exon_count {gene['exon_count']}")
        exons, next_c, previous = [], 1, None
        for expected, (line, row) in enumerate(items, start=1):
            where = f"line {line} ({symbol} exon {row['exon']})"
            if row["exon"] != expected:
                problems.add(source, where, f"exon number {row['exon']}, expected {expected} "
                                            "(rows in transcript order, numbered from 1)")
            if not gene["start"] <= row["start"] <= row["end"] <= gene["end"]:
                problems.add(source, where, f"exon {row['start']}-{row['end']} outside the gene "
                                            f"span {gene['start']}-{gene['end']}")
            if previous is not None:
                ascending = row["start"] > previous["end"]
                descending = row["end"] < previous["start"]
                if (gene["strand"] == "+" and not ascending) or \
                        (gene["strand"] == "-" and not descending):
                    problems.add(source, where, f"exons overlap or are out of transcript order "
                                                f"for a {gene['strand']} strand gene")
            previous = row
            coding = [row[k] for k in ("coding_start", "coding_end", "cds_first", "cds_last")]
            if any(v is not None for v in coding):
                if any(v is None for v in coding):
                    problems.add(source, where, "coding_start, coding_end, cds_first and cds_last "
                                                "must be all given or all empty")
                else:
                    cs, ce, first, last = coding
                    if not row["start"] <= cs <= ce <= row["end"]:
                        problems.add(source, where, f"coding part {cs}-{ce} outside the exon")
                    if first != next_c or last - first != ce - cs:
                        problems.add(source, where, f"c. numbering {first}-{last} does not "
                                                    f"continue the CDS (expected c.{next_c}-"
                                                    f"{next_c + ce - cs})")
                    next_c = last + 1
            exons.append(CodingExon(number=row["exon"], start=row["start"], end=row["end"],
                                    coding_start=row["coding_start"],
                                    coding_end=row["coding_end"], cds_first=row["cds_first"],
                                    cds_last=row["cds_last"]))
        if items and next_c - 1 != gene["cds_length"]:
            problems.add(source, symbol, f"coding parts add up to {next_c - 1} bp, the gene "
                                         f"table says cds_length {gene['cds_length']}")
        exons_out[symbol] = exons
    return exons_out


def _hotspots(rows, genes_by_build, source, problems) -> dict[str, list[Hotspot]]:
    out: dict[str, list[Hotspot]] = {build: [] for build in BUILDS}
    seen = set()
    for line, row in rows:
        where = f"line {line} ({row['gene']} {row['protein_change']} {row['build']})"
        build = row["build"]
        if build not in BUILDS:
            problems.add(source, where, f"build {build!r}, expected GRCh37 or GRCh38")
            continue
        gene = genes_by_build.get(build, {}).get(row["gene"])
        if gene is None:
            problems.add(source, where, f"gene {row['gene']!r} is not a panel gene")
            continue
        chrom = normalize_chrom(row["chrom"])
        if chrom != gene.chrom or not gene.start <= row["pos"] <= gene.end:
            problems.add(source, where, f"{row['chrom']}:{row['pos']} is not inside the "
                                        f"{row['gene']} span {gene.chrom}:{gene.start}-{gene.end}")
            continue
        if not (ALLELE_RE.match(row["ref"]) and ALLELE_RE.match(row["alt"])) or \
                row["ref"] == row["alt"]:
            problems.add(source, where, f"alleles {row['ref']}>{row['alt']}: expected VCF-style "
                                        "A/C/G/T alleles (indels left-anchored)")
            continue
        if not row["protein_change"].startswith("p."):
            problems.add(source, where, f"protein_change {row['protein_change']!r} must be "
                                        "one-letter HGVS p. (p.E17K)")
            continue
        if row["variant_class"] not in HOTSPOT_CLASSES:
            problems.add(source, where, f"variant_class {row['variant_class']!r} (expected one "
                                        f"of: {', '.join(HOTSPOT_CLASSES)})")
            continue
        codon = CODON_RE.match(row["protein_change"])
        if codon and len(row["ref"]) == 1:
            c_number = Panel.cds_position(gene, row["pos"])
            if c_number is None or (c_number - 1) // 3 + 1 != int(codon.group(1)):
                problems.add(source, where, f"position {row['pos']} is c.{c_number} of "
                                            f"{gene.transcript}, not in codon {codon.group(1)}")
                continue
        key = (build, row["gene"], row["protein_change"], chrom, row["pos"], row["ref"], row["alt"])
        if key in seen:
            problems.add(source, where, "duplicate hotspot row")
            continue
        seen.add(key)
        out[build].append(Hotspot(gene=row["gene"], protein_change=row["protein_change"],
                                  build=build, chrom=chrom, pos=row["pos"], ref=row["ref"],
                                  alt=row["alt"], source=row["source"] or ""))
    return out
