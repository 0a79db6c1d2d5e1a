"""The bundled panel tables checked against the facts of DOMAIN.md section 3 (both builds).

The expected values below are copied from DOMAIN.md section 3 (checked against GENCODE and
cancerhotspots) and from the protein lengths of the canonical proteins, not from the tables.
"""
from __future__ import annotations

import filecmp
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from shared import SHARED

from hpdgenomics.knowledge import load_knowledge
from hpdgenomics.knowledge.panel import Panel, coding_part

REPO = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = SHARED / "reference"

# exon: (c. first, c. last, GRCh37 start, end, GRCh38 start, end)
EGFR_EXONS = {
    18: (2062, 2184, 55241614, 55241736, 55173921, 55174043),
    19: (2185, 2283, 55242415, 55242513, 55174722, 55174820),
    20: (2284, 2469, 55248986, 55249171, 55181293, 55181478),
    21: (2470, 2625, 55259412, 55259567, 55191719, 55191874),
}
# gene, c. number, GRCh37 position, GRCh38 position
CDS_POSITIONS = [
    ("AKT1", 49, 105246551, 104780214),
    ("KRAS", 34, 25398285, 25245351),
    ("KRAS", 35, 25398284, 25245350),
    ("KRAS", 38, 25398281, 25245347),
    ("KRAS", 182, 25380276, 25227342),
    ("KRAS", 183, 25380275, 25227341),
    ("EGFR", 2573, 55259515, 55191822),
    ("EGFR", 2369, 55249071, 55181378),
    ("EGFR", 2235, 55242465, 55174772),   # first base of E746_A750del
    ("EGFR", 2249, 55242479, 55174786),   # last base
]
# DOMAIN.md section 3 SNVs: gene, protein change, GRCh37 pos, GRCh38 pos, ref, alt
DOMAIN_SNVS = [
    ("AKT1", "p.E17K", 105246551, 104780214, "C", "T"),
    ("KRAS", "p.G12C", 25398285, 25245351, "C", "A"),
    ("KRAS", "p.G12D", 25398284, 25245350, "C", "T"),
    ("KRAS", "p.G12V", 25398284, 25245350, "C", "A"),
    ("KRAS", "p.G13D", 25398281, 25245347, "C", "T"),
    ("KRAS", "p.Q61H", 25380275, 25227341, "T", "G"),
    ("KRAS", "p.Q61H", 25380275, 25227341, "T", "A"),
    ("KRAS", "p.Q61L", 25380276, 25227342, "T", "A"),
    ("EGFR", "p.L858R", 55259515, 55191822, "T", "G"),
    ("EGFR", "p.T790M", 55249071, 55181378, "C", "T"),
]
# canonical protein lengths (amino acids); KRAS: the MANE transcript NM_004985 encodes KRAS4B,
# 188 aa (the 189 aa protein is KRAS4A, NM_033360, which has a different exon 4).
PROTEIN_LENGTHS = {"EGFR": 1210, "KRAS": 188, "AKT1": 480, "STK11": 433, "VHL": 213}
BUILDS = ("GRCh37", "GRCh38")


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("number", sorted(EGFR_EXONS))
def test_egfr_exons_18_to_21_match_domain(kb, build, number):
    c_first, c_last, *coords = EGFR_EXONS[number]
    start, end = coords[0:2] if build == "GRCh37" else coords[2:4]
    egfr = kb.panel(build).gene("EGFR")
    exon = next(e for e in egfr.exons if e.number == number)
    assert (exon.coding_start, exon.coding_end) == (start, end)
    assert (exon.cds_first, exon.cds_last) == (c_first, c_last)


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("gene,c_number,pos37,pos38", CDS_POSITIONS)
def test_cds_positions_match_domain(kb, build, gene, c_number, pos37, pos38):
    panel = kb.panel(build)
    pos = pos37 if build == "GRCh37" else pos38
    assert panel.cds_position(panel.gene(gene), pos) == c_number


@pytest.mark.parametrize("build", BUILDS)
def test_exon19_deletion_lies_in_exon_19(kb, build):
    panel = kb.panel(build)
    egfr = panel.gene("EGFR")
    first, last = (55242465, 55242479) if build == "GRCh37" else (55174772, 55174786)
    assert panel.coding_exon_at(egfr, first, last).number == 19


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("gene", sorted(PROTEIN_LENGTHS))
def test_cds_length_is_three_times_protein_plus_stop(kb, build, gene):
    exons = kb.panel(build).gene(gene).exons
    coding = sum(e.coding_end - e.coding_start + 1 for e in exons if e.coding_start is not None)
    assert coding == 3 * (PROTEIN_LENGTHS[gene] + 1)
    assert max(e.cds_last for e in exons if e.cds_last) == coding


@pytest.mark.parametrize("build", BUILDS)
def test_strands_and_minus_strand_numbering(kb, build):
    panel = kb.panel(build)
    assert {g: panel.gene(g).strand for g in ("EGFR", "KRAS", "AKT1", "STK11", "VHL")} == \
        {"EGFR": "+", "KRAS": "-", "AKT1": "-", "STK11": "+", "VHL": "+"}
    kras = panel.gene("KRAS")
    coding = [e for e in kras.exons if e.coding_start is not None]
    # minus strand: c.1 sits at the higher genomic end of the first coding exon
    assert panel.cds_position(kras, coding[0].coding_end) == 1


def test_same_transcript_in_both_builds_and_mane_ids(kb):
    for symbol in kb.panel("GRCh38").symbols():
        grch37, grch38 = kb.panel("GRCh37").gene(symbol), kb.panel("GRCh38").gene(symbol)
        assert grch37.transcript == grch38.transcript
    g38 = kb.panel("GRCh38")
    assert g38.gene("EGFR").transcript == "ENST00000275493"
    assert g38.gene("EGFR").refseq.startswith("NM_005228")
    assert g38.gene("KRAS").refseq.startswith("NM_004985")
    assert g38.gene("AKT1").transcript == "ENST00000649815"


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("gene,change,pos37,pos38,ref,alt", DOMAIN_SNVS)
def test_domain_hotspots_present_with_same_alleles(kb, build, gene, change, pos37, pos38, ref, alt):
    panel = kb.panel(build)
    chrom = panel.gene(gene).chrom
    found = panel.hotspots_at(chrom, pos37 if build == "GRCh37" else pos38, ref, alt)
    assert [h.protein_change for h in found if h.gene == gene] == [change]


def test_exon19_deletion_hotspot_is_anchored_before_the_deleted_bases(kb):
    for build, first_deleted in (("GRCh37", 55242465), ("GRCh38", 55174772)):
        hits = [h for h in kb.panel(build).hotspots_of("EGFR")
                if h.protein_change == "p.E746_A750del"]
        assert len(hits) == 1
        assert hits[0].pos == first_deleted - 1
        assert len(hits[0].ref) - len(hits[0].alt) == 15 and hits[0].ref[0] == hits[0].alt


def test_hotspot_tables_agree_between_builds(kb):
    def keyset(build):
        return {(h.gene, h.protein_change, h.ref, h.alt) for h in kb.panel(build).hotspots}
    assert keyset("GRCh37") == keyset("GRCh38")
    assert len(keyset("GRCh37")) > 200


@pytest.mark.parametrize("build", BUILDS)
def test_every_single_base_hotspot_falls_in_its_codon(kb, build):
    import re

    panel = kb.panel(build)
    checked = 0
    for hotspot in panel.hotspots:
        codon = re.fullmatch(r"p\.[A-Z*](\d+)[A-Z*]", hotspot.protein_change)
        if not codon or len(hotspot.ref) != 1:
            continue
        c_number = panel.cds_position(panel.gene(hotspot.gene), hotspot.pos)
        assert (c_number - 1) // 3 + 1 == int(codon.group(1)), hotspot
        checked += 1
    assert checked > 150


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_REFERENCE.is_dir(), reason="../shared/reference is absent")
def test_tables_are_what_derive_panel_produces(tmp_path):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import derive_panel
    finally:
        sys.path.pop(0)
    derive_panel.derive(SHARED_REFERENCE, tmp_path)
    for name in ("genes_GRCh37.tsv", "genes_GRCh38.tsv", "exons_GRCh37.tsv", "exons_GRCh38.tsv",
                 "hotspots.tsv"):
        assert filecmp.cmp(tmp_path / name, REPO / "annotations" / name, shallow=False), name


def test_coding_part_of_an_exon_is_all_or_nothing(kb):
    """An exon's coding fields are read together: all set (coding), all empty (non-coding), and
    one set without the others is a broken invariant that raises, never read as non-coding."""
    panel = kb.panel("GRCh38")
    kras = panel.gene("KRAS")
    exon2 = next(e for e in kras.exons if e.number == 2)
    assert coding_part(exon2) == (exon2.coding_start, exon2.coding_end, exon2.cds_first)
    assert panel.cds_position(kras, 25245351) == 34          # KRAS c.34 (G12C), DOMAIN.md

    non_coding = replace(exon2, coding_start=None, coding_end=None, cds_first=None, cds_last=None)
    assert coding_part(non_coding) is None
    only_non_coding = replace(kras, exons=(non_coding,))
    assert Panel.coding_exon_at(only_non_coding, 25245351) is None
    assert Panel.cds_position(only_non_coding, 25245351) is None

    half_coding = replace(exon2, coding_end=None)
    with pytest.raises(RuntimeError, match="only part of its coding fields"):
        coding_part(half_coding)
    with pytest.raises(RuntimeError, match="a bug"):
        Panel.cds_position(replace(kras, exons=(half_coding,)), 25245351)
