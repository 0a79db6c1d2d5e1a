"""The example VCFs in example_vcfs/: true coordinates, valid headers, expected alterations.

Independent oracles: the panel tables in annotations/ (hotspot alleles and protein changes,
canonical transcripts, exon c. numbering) and the build's contig lengths; the expected alteration
list per file is the one published in example_vcfs/README.md.
"""
from __future__ import annotations

import gzip
import importlib.util
import sys
from pathlib import Path

import cyvcf2
import pandas as pd
import pysam
import pytest

from hpdgenomics.annotation import choose_effect, detect_flavour
from hpdgenomics.genome import CHROM_LENGTHS, build_from_text, normalize_chrom
from hpdgenomics.model import NON_SYNONYMOUS, PanelGene

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "example_vcfs"
ANNOTATIONS = ROOT / "annotations"

# file -> (build, flavour name or None, expected PASS panel alterations (gene, one-letter p.))
EXPECTED = {
    "vep_grch38.vcf": ("GRCh38", "VEP CSQ", {("AKT1", "p.E17K"), ("KRAS", "p.G12C"),
                                             ("EGFR", "p.L858R"), ("EGFR", "p.E746_A750del")}),
    "snpeff_ann_grch37.vcf": ("GRCh37", "SnpEff ANN",
                              {("KRAS", "p.G12D"), ("EGFR", "p.E746_A750del")}),
    "snpeff_eff_grch37.vcf": ("GRCh37", "SnpEff EFF", {("KRAS", "p.G13D"), ("AKT1", "p.E17K")}),
    "bcsq_grch38.vcf": ("GRCh38", "bcftools BCSQ", {("KRAS", "p.Q61H"), ("EGFR", "p.T790M")}),
    "unannotated_grch37.vcf": ("GRCh37", None, {("KRAS", "p.G12C"), ("EGFR", "p.L858R")}),
    "unannotated_grch38.vcf": ("GRCh38", None, {("AKT1", "p.E17K"), ("EGFR", "p.E746_A750del"),
                                                ("KRAS", "p.Q61H")}),
    "tumor_normal_grch38.vcf": ("GRCh38", None, {("KRAS", "p.G13D")}),
    "indexed_vep_grch38.vcf.gz": ("GRCh38", "VEP CSQ", {("KRAS", "p.G12D")}),
    "negative_grch38.vcf": ("GRCh38", "VEP CSQ", set()),
    "kras_stk11_grch37.vcf": ("GRCh37", "SnpEff ANN", {("KRAS", "p.G12C"), ("STK11", "p.Q220*")}),
}


def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(ANNOTATIONS / name, sep="\t", comment="#", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def panel_genes() -> dict[str, dict[str, PanelGene]]:
    genes = {}
    for build in ("GRCh37", "GRCh38"):
        table = _table(f"genes_{build}.tsv")
        genes[build] = {row.symbol: PanelGene(symbol=row.symbol, build=build, chrom=row.chrom,
                                              start=int(row.start), end=int(row.end),
                                              strand=row.strand,
                                              transcript=row.transcript, refseq=row.refseq or None)
                        for row in table.itertuples()}
    return genes


@pytest.fixture(scope="module")
def hotspots() -> dict[tuple, str]:
    table = _table("hotspots.tsv")
    return {(row.build, row.chrom, int(row.pos), row.ref, row.alt): (row.gene, row.protein_change)
            for row in table.itertuples()}


def _gene_at(genes: dict[str, PanelGene], chrom: str, pos: int) -> PanelGene | None:
    found = [g for g in genes.values() if g.chrom == chrom and g.start <= pos <= g.end]
    return found[0] if found else None


def _records(name: str):
    vcf = cyvcf2.VCF(str(EXAMPLES / name))
    return vcf, list(vcf)


def test_readme_lists_every_example_file():
    readme = (EXAMPLES / "README.md").read_text()
    on_disk = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".vcf", ".gz")}
    assert on_disk == set(EXPECTED)
    for name in EXPECTED:
        assert f"`{name}`" in readme


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_header_declares_the_build_by_contig_lengths_and_reference(name):
    build, flavour_name, _ = EXPECTED[name]
    vcf, _ = _records(name)
    lengths = {normalize_chrom(seq): length
               for seq, length in zip(vcf.seqnames, vcf.seqlens, strict=True)}
    assert lengths == CHROM_LENGTHS[build]
    reference = [line for line in vcf.raw_header.splitlines() if line.startswith("##reference=")]
    assert len(reference) == 1 and build_from_text(reference[0]) == build
    flavour = detect_flavour(vcf)
    assert (flavour.name if flavour else None) == flavour_name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_panel_variants_are_true_and_give_the_expected_alterations(name, panel_genes, hotspots):
    build, _, expected = EXPECTED[name]
    vcf, records = _records(name)
    flavour = detect_flavour(vcf)
    exons = _table(f"exons_{build}.tsv")
    found = set()
    for record in records:
        chrom = normalize_chrom(record.CHROM)
        gene = _gene_at(panel_genes[build], chrom, record.POS)
        if gene is None:
            continue
        key = (build, chrom, record.POS, record.REF, record.ALT[0])
        if key in hotspots:
            assert hotspots[key][0] == gene.symbol
            truth = hotspots[key][1]
        else:
            # only the synonymous EGFR c.2361G>A is not a hotspot: check its c. position instead
            exon20 = exons[(exons.symbol == "EGFR") & (exons.exon == "20")].iloc[0]
            assert record.POS - int(exon20.coding_start) + int(exon20.cds_first) == 2361
            truth = "p.Q787="
        if flavour is not None:
            effect, reason = choose_effect(flavour.effects(record)[record.ALT[0]], gene)
            assert effect is not None, (name, record.POS)
            assert effect.protein_change == truth, (name, record.POS, reason)
            if truth.endswith("="):
                assert effect.consequence not in NON_SYNONYMOUS
                continue
        if record.FILTER is None:                                  # PASS
            found.add((gene.symbol, truth))
    assert found == expected


def test_vep_example_lists_a_non_canonical_transcript_first(panel_genes):
    vcf, records = _records("vep_grch38.vcf")
    flavour = detect_flavour(vcf)
    kras = next(r for r in records if r.POS == 25245351)
    effects = flavour.effects(kras)["A"]
    assert effects[0].canonical is False and effects[0].transcript == "ENST00000256078"
    chosen, reason = choose_effect(effects, panel_genes["GRCh38"]["KRAS"])
    assert chosen.transcript == "ENST00000311936" and chosen.mane_select
    assert reason.startswith("knowledge-base canonical transcript")


def test_tumor_normal_file_names_its_tumour_and_the_normal_is_clean():
    vcf, records = _records("tumor_normal_grch38.vcf")
    assert vcf.samples == ["PT002_NORMAL", "PT002_TUMOR"]
    assert "##tumor_sample=PT002_TUMOR" in vcf.raw_header
    kras = next(r for r in records if r.POS == 25245347)
    normal_ad, tumour_ad = kras.format("AD")
    assert normal_ad[1] == 0 and tumour_ad[1] > 0


def test_indexed_file_can_be_queried_by_region():
    path = EXAMPLES / "indexed_vep_grch38.vcf.gz"
    assert (EXAMPLES / "indexed_vep_grch38.vcf.gz.tbi").is_file()
    with pysam.TabixFile(str(path)) as tabix:
        rows = list(tabix.fetch("chr12", 25205245, 25250936))      # KRAS span, 0-based start
    assert [row.split("\t")[1] for row in rows] == ["25245350"]


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_example_vcfs",
                                                  ROOT / "scripts" / "make_example_vcfs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up while defining
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


def test_committed_examples_are_what_the_generator_writes(tmp_path):
    written = _load_generator().write_examples(tmp_path)
    assert {p.name for p in written} == {p.name for p in EXAMPLES.iterdir()
                                         if p.name != "README.md"}
    for path in written:
        if path.name.endswith(".tbi"):
            continue
        fresh, committed = path, EXAMPLES / path.name
        if path.name.endswith(".gz"):
            assert gzip.decompress(fresh.read_bytes()) == gzip.decompress(committed.read_bytes())
        else:
            assert fresh.read_text() == committed.read_text(), path.name
