#!/usr/bin/env python
"""Write the example VCFs in ``example_vcfs/`` (the files are committed; rerun to regenerate).

    python scripts/make_example_vcfs.py [--out example_vcfs]

Every variant is a real one at its true position, taken from checked tables, never guessed:

* hotspots: DOMAIN.md section 3 and ``annotations/hotspots.tsv`` (AKT1 E17K, KRAS G12C/G12D/G13D/
  Q61H, EGFR L858R/T790M/E746_A750del, STK11 Q220*); the non-panel TP53 R273H and PIK3CA H1047R
  from ``cancerhotspots_v2_GRCh37/38.tsv``;
* EGFR c.2361G>A p.Q787= (the common synonymous polymorphism rs1050171): position from the
  EGFR exon 20 coordinates in DOMAIN.md (c.2284 = GRCh37 55248986 / GRCh38 55181293, + strand);
* exon numbers of the canonical transcripts from ``annotations/exons_<build>.tsv``.

The annotations are written by this script in the layout each tool writes (VEP CSQ, SnpEff
ANN/EFF, bcftools BCSQ); they were not produced by running those tools. Identifiers of non-canonical
transcripts and of proteins are written without version numbers; exon numbers of non-canonical
transcripts are left empty because they were not checked. The expected screen result of each file
is listed in ``example_vcfs/README.md``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from pathlib import Path

import pysam

from hpdgenomics.genome import CHROM_LENGTHS

ROOT = Path(__file__).resolve().parents[1]

# --- the variants ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transcript:
    """One transcript's annotation of a variant (fields common to every flavour)."""

    gene: str
    gene_id: str
    transcript: str              # Ensembl id, with version for the canonical GRCh38 transcripts
    protein: str                 # Ensembl protein id (HGVSp prefix)
    canonical: bool
    mane: str                    # RefSeq id of MANE Select, "" otherwise
    exon: str                    # "20/28" or ""
    hgvsc: str                   # "c.2369C>T"
    hgvsp: str                   # "p.Thr790Met"
    one_letter: str              # "T790M"
    cds_pos: str
    protein_pos: str
    amino_acids: str             # VEP Amino_acids, "T/M"
    codons: str                  # VEP Codons, "aCg/aTg"
    so_term: str                 # VEP / SnpEff ANN term
    eff_term: str                # legacy SnpEff EFF name
    bcsq_term: str               # bcftools csq name
    bcsq_aa: str                 # bcftools amino_acid_change, "790T>790M"
    strand: str
    cds_length: int
    protein_length: int
    impact: str = "MODERATE"


@dataclass(frozen=True)
class Variant:
    label: str                   # "EGFR p.T790M"
    chrom: dict                  # build -> (chrom, pos, ref, alt)
    transcripts: dict            # build -> list[Transcript], non-canonical first where given


def _tx(gene, gene_id, transcript, protein, canonical, mane, exon, hgvsc, hgvsp, one, cds_pos,
        prot_pos, aa, codons, so, eff, bcsq, bcsq_aa, strand, cds_len, prot_len, impact="MODERATE"):
    return Transcript(gene, gene_id, transcript, protein, canonical, mane, exon, hgvsc, hgvsp, one,
                      cds_pos, prot_pos, aa, codons, so, eff, bcsq, bcsq_aa, strand, cds_len,
                      prot_len, impact)


def _missense(gene, gene_id, tx_by_build, hgvsc, hgvsp, one, pos, aa, codons, strand, cds_len,
              prot_len, term="missense_variant", eff="NON_SYNONYMOUS_CODING", bcsq="missense",
              impact="MODERATE"):
    """Transcripts per build for a substitution.

    tx_by_build: build -> [(tx, protein, canonical, mane, exon)]."""
    ref_aa, _, alt_aa = aa.partition("/")
    bcsq_aa = f"{pos}{ref_aa}>{pos}{alt_aa}" if alt_aa else f"{pos}{ref_aa}"
    cds_pos = hgvsc[2:].rstrip("ACGT>").rstrip("ACGT")
    return {
        build: [_tx(gene, gene_id, t, p, c, m, e, hgvsc, hgvsp, one, cds_pos, str(pos), aa, codons,
                    term, eff, bcsq, bcsq_aa, strand, cds_len, prot_len, impact)
                for t, p, c, m, e in rows]
        for build, rows in tx_by_build.items()
    }


AKT1_TX = {
    "GRCh38": [("ENST00000407796", "ENSP00000384293", False, "", ""),
               ("ENST00000649815.2", "ENSP00000497822", True, "NM_001382430.1", "4/15")],
    "GRCh37": [("ENST00000407796", "ENSP00000384293", False, "", "")],
}
KRAS_TX = {
    build: [("ENST00000256078", "ENSP00000256078", False, "", ""),
            ("ENST00000311936.8" if build == "GRCh38" else "ENST00000311936", "ENSP00000308495",
             True, "NM_004985.5" if build == "GRCh38" else "", "{exon}/5")]
    for build in ("GRCh37", "GRCh38")
}


def _kras(exon: int):
    return {build: [(t, p, c, m, e.format(exon=exon)) for t, p, c, m, e in rows]
            for build, rows in KRAS_TX.items()}


EGFR_TX = {
    "GRCh38": [("ENST00000275493.7", "ENSP00000275493", True, "NM_005228.5", "{exon}/28")],
    "GRCh37": [("ENST00000275493", "ENSP00000275493", True, "", "{exon}/28")],
}


def _egfr(exon: int):
    return {build: [(t, p, c, m, e.format(exon=exon)) for t, p, c, m, e in rows]
            for build, rows in EGFR_TX.items()}


STK11_TX = {
    "GRCh38": [("ENST00000326873.12", "ENSP00000324856", True, "NM_000455.5", "5/10")],
    "GRCh37": [("ENST00000326873", "ENSP00000324856", True, "", "5/10")],
}
TP53_TX = {"GRCh38": [("ENST00000269305", "ENSP00000269305", True, "NM_000546.6", "")],
           "GRCh37": [("ENST00000269305", "ENSP00000269305", True, "", "")]}
PIK3CA_TX = {"GRCh38": [("ENST00000263967", "ENSP00000263967", True, "NM_006218.4", "")],
             "GRCh37": [("ENST00000263967", "ENSP00000263967", True, "", "")]}

EGFR_ID, KRAS_ID, AKT1_ID = "ENSG00000146648", "ENSG00000133703", "ENSG00000142208"
STK11_ID, TP53_ID, PIK3CA_ID = "ENSG00000118046", "ENSG00000141510", "ENSG00000121879"

VARIANTS = {
    "AKT1_E17K": Variant("AKT1 p.E17K", {"GRCh37": ("14", 105246551, "C", "T"),
                                         "GRCh38": ("14", 104780214, "C", "T")},
                         _missense("AKT1", AKT1_ID, AKT1_TX, "c.49G>A", "p.Glu17Lys", "E17K", 17,
                                   "E/K", "Gag/Aag", "-", 1443, 480)),
    "KRAS_G12C": Variant("KRAS p.G12C", {"GRCh37": ("12", 25398285, "C", "A"),
                                         "GRCh38": ("12", 25245351, "C", "A")},
                         _missense("KRAS", KRAS_ID, _kras(2), "c.34G>T", "p.Gly12Cys", "G12C", 12,
                                   "G/C", "Ggt/Tgt", "-", 567, 188)),
    "KRAS_G12D": Variant("KRAS p.G12D", {"GRCh37": ("12", 25398284, "C", "T"),
                                         "GRCh38": ("12", 25245350, "C", "T")},
                         _missense("KRAS", KRAS_ID, _kras(2), "c.35G>A", "p.Gly12Asp", "G12D", 12,
                                   "G/D", "gGt/gAt", "-", 567, 188)),
    "KRAS_G13D": Variant("KRAS p.G13D", {"GRCh37": ("12", 25398281, "C", "T"),
                                         "GRCh38": ("12", 25245347, "C", "T")},
                         _missense("KRAS", KRAS_ID, _kras(2), "c.38G>A", "p.Gly13Asp", "G13D", 13,
                                   "G/D", "gGc/gAc", "-", 567, 188)),
    "KRAS_Q61H": Variant("KRAS p.Q61H", {"GRCh37": ("12", 25380275, "T", "G"),
                                         "GRCh38": ("12", 25227341, "T", "G")},
                         _missense("KRAS", KRAS_ID, _kras(3), "c.183A>C", "p.Gln61His", "Q61H", 61,
                                   "Q/H", "caA/caC", "-", 567, 188)),
    "KRAS_Q61H_AT": Variant("KRAS p.Q61H", {"GRCh37": ("12", 25380275, "T", "A"),
                                            "GRCh38": ("12", 25227341, "T", "A")},
                            _missense("KRAS", KRAS_ID, _kras(3), "c.183A>T", "p.Gln61His", "Q61H",
                                      61, "Q/H", "caA/caT", "-", 567, 188)),
    "EGFR_L858R": Variant("EGFR p.L858R", {"GRCh37": ("7", 55259515, "T", "G"),
                                           "GRCh38": ("7", 55191822, "T", "G")},
                          _missense("EGFR", EGFR_ID, _egfr(21), "c.2573T>G", "p.Leu858Arg", "L858R",
                                    858, "L/R", "cTg/cGg", "+", 3633, 1210)),
    "EGFR_T790M": Variant("EGFR p.T790M", {"GRCh37": ("7", 55249071, "C", "T"),
                                           "GRCh38": ("7", 55181378, "C", "T")},
                          _missense("EGFR", EGFR_ID, _egfr(20), "c.2369C>T", "p.Thr790Met", "T790M",
                                    790, "T/M", "aCg/aTg", "+", 3633, 1210)),
    "EGFR_Q787=": Variant("EGFR p.Q787= (synonymous)", {"GRCh37": ("7", 55249063, "G", "A"),
                                                        "GRCh38": ("7", 55181370, "G", "A")},
                          _missense("EGFR", EGFR_ID, _egfr(20), "c.2361G>A", "p.Gln787=", "Q787Q",
                                    787, "Q", "caG/caA", "+", 3633, 1210, term="synonymous_variant",
                                    eff="SYNONYMOUS_CODING", bcsq="synonymous", impact="LOW")),
    "STK11_Q220*": Variant("STK11 p.Q220*", {"GRCh37": ("19", 1220640, "C", "T"),
                                             "GRCh38": ("19", 1220641, "C", "T")},
                           _missense("STK11", STK11_ID, STK11_TX, "c.658C>T", "p.Gln220Ter",
                                     "Q220*", 220, "Q/*", "Cag/Tag", "+", 1302, 433,
                                     term="stop_gained", eff="STOP_GAINED", bcsq="stop_gained",
                                     impact="HIGH")),
    "TP53_R273H": Variant("TP53 p.R273H (not a panel gene)",
                          {"GRCh37": ("17", 7577120, "C", "T"),
                           "GRCh38": ("17", 7673802, "C", "T")},
                          _missense("TP53", TP53_ID, TP53_TX, "c.818G>A", "p.Arg273His", "R273H",
                                    273, "R/H", "cGt/cAt", "-", 1182, 393)),
    "PIK3CA_H1047R": Variant("PIK3CA p.H1047R (not a panel gene)",
                             {"GRCh37": ("3", 178952085, "A", "G"),
                              "GRCh38": ("3", 179234297, "A", "G")},
                             _missense("PIK3CA", PIK3CA_ID, PIK3CA_TX, "c.3140A>G", "p.His1047Arg",
                                       "H1047R", 1047, "H/R", "cAt/cGt", "+", 3207, 1068)),
}


def _egfr_exon19_deletion() -> Variant:
    # c.2235_2249del removes the 3rd base of codon 745 to the 2nd base of codon 750:
    # K745 AAG ... A750 GCA -> AA + A = AAA (K), so residues 746-750 ELREA are lost.
    rows = {}
    for build, txs in _egfr(19).items():
        rows[build] = [_tx("EGFR", EGFR_ID, t, p, c, m, e, "c.2235_2249del", "p.Glu746_Ala750del",
                           "E746_A750del", "2235-2249", "745-750", "KELREA/K",
                           "aaGGAATTAAGAGAAGCa/aaa", "inframe_deletion",
                           "CODON_CHANGE_PLUS_CODON_DELETION", "inframe_deletion", "745KELREA>745K",
                           "+", 3633, 1210)
                       for t, p, c, m, e in txs]
    return Variant("EGFR p.E746_A750del",
                   {"GRCh37": ("7", 55242464, "AGGAATTAAGAGAAGC", "A"),
                    "GRCh38": ("7", 55174771, "AGGAATTAAGAGAAGC", "A")}, rows)


VARIANTS["EGFR_E746_A750del"] = _egfr_exon19_deletion()

# KRAS-201 (ENST00000256078, isoform 4A) encodes 189 residues, KRAS-202 (isoform 4B, MANE) 188;
# codons 12, 13 and 61 are the same in both (DOMAIN.md section 3).
_LENGTHS = {"ENST00000256078": (570, 189)}
for _key, _variant in list(VARIANTS.items()):
    VARIANTS[_key] = replace(_variant, transcripts={
        build: [replace(t, cds_length=_LENGTHS[t.transcript][0],
                        protein_length=_LENGTHS[t.transcript][1])
                if t.transcript in _LENGTHS else t for t in txs]
        for build, txs in _variant.transcripts.items()})

# --- call-level data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    key: str
    depth: int
    alt_reads: int
    filter: str = "PASS"
    normal: tuple[int, int] | None = None    # (depth, alt reads) of the matched normal


def _sample_field(depth: int, alt_reads: int, *, normal: bool = False) -> str:
    if depth == 0:
        return "./.:.:.:."
    gt = "0/1" if alt_reads and not normal else "0/0"
    af = alt_reads / depth
    return f"{gt}:{depth - alt_reads},{alt_reads}:{depth}:{af:.3f}"


# --- annotation writers ----------------------------------------------------------------------

VEP_FIELDS = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
              "HGVSc|HGVSp|CDS_position|Protein_position|Amino_acids|Codons|STRAND|PICK|CANONICAL|"
              "MANE_SELECT")


def _vep_allele(ref: str, alt: str) -> str:
    if ref[0] == alt[0] and len(ref) != len(alt):
        return alt[1:] or "-"
    return alt


def vep_csq(variant: Variant, build: str) -> str:
    _, _, ref, alt = variant.chrom[build]
    entries = []
    for t in variant.transcripts[build]:
        pick = "1" if t.canonical else ""
        hgvsp = f"{t.protein}:{t.hgvsp}".replace("=", "%3D")
        entries.append("|".join([
            _vep_allele(ref, alt), t.so_term, t.impact, t.gene, t.gene_id, "Transcript",
            t.transcript, "protein_coding", t.exon, "", f"{t.transcript}:{t.hgvsc}", hgvsp,
            t.cds_pos, t.protein_pos, t.amino_acids, t.codons, "-1" if t.strand == "-" else "1",
            pick, "YES" if t.canonical else "", t.mane]))
    return "CSQ=" + ",".join(entries)


def snpeff_ann(variant: Variant, build: str) -> str:
    _, _, _ref, alt = variant.chrom[build]
    entries = []
    for t in variant.transcripts[build]:
        term = t.so_term
        if term == "inframe_deletion":
            # SnpEff: the deletion does not start at a codon boundary
            term = "disruptive_inframe_deletion"
        cds = t.cds_pos.split("-")[0]
        aa = t.protein_pos.split("-")[0]
        entries.append("|".join([
            alt, term, t.impact, t.gene, t.gene_id, "transcript", t.transcript.split(".")[0],
            "protein_coding", t.exon, t.hgvsc, t.hgvsp.replace("Ter", "*"), "",
            f"{cds}/{t.cds_length}", f"{aa}/{t.protein_length}", "", ""]))
    return "ANN=" + ",".join(entries)


def snpeff_eff(variant: Variant, build: str, *, hgvs_style_first: bool = False) -> str:
    entries = []
    for i, t in enumerate(variant.transcripts[build]):
        codons = t.codons if "/" in t.codons else ""
        change = f"{t.hgvsp}/{t.hgvsc}" if (hgvs_style_first and i == 0) else t.one_letter
        exon = t.exon.split("/")[0]
        functional = "NONSENSE" if t.eff_term == "STOP_GAINED" else (
            "SILENT" if t.eff_term.startswith("SYNONYMOUS") else "MISSENSE")
        entries.append(f"{t.eff_term}({t.impact}|{functional}|{codons}|{change}|{t.protein_length}|"
                       f"{t.gene}|protein_coding|CODING|{t.transcript.split('.')[0]}|{exon}|1)")
    return "EFF=" + ",".join(entries)


def bcsq(variant: Variant, build: str) -> str:
    _, pos, ref, alt = variant.chrom[build]
    entries = [f"{t.bcsq_term}|{t.gene}|{t.transcript.split('.')[0]}|protein_coding|{t.strand}|"
               f"{t.bcsq_aa}|{pos}{ref}>{alt}" for t in variant.transcripts[build]]
    return "BCSQ=" + ",".join(entries)


# --- headers -----------------------------------------------------------------------------------

REFERENCE = {"GRCh37": "file:///references/hs37d5/hs37d5.fa",
             "GRCh38": "file:///references/GRCh38/GRCh38_full_analysis_set_plus_decoy_hla.fa"}


def contig_name(chrom: str, build: str) -> str:
    return f"chr{chrom}" if build == "GRCh38" else chrom


def header(build: str, samples: list[str], annotation_lines: list[str],
           extra: list[str] = ()) -> list[str]:
    lines = ["##fileformat=VCFv4.2",
             '##FILTER=<ID=PASS,Description="All filters passed">',
             '##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood '
             'threshold">',
             '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total read depth at the locus">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref '
             'and alt alleles">',
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
             '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction of the alt allele">',
             f"##reference={REFERENCE[build]}"]
    assembly = "GRCh38" if build == "GRCh38" else "GRCh37"
    for chrom, length in CHROM_LENGTHS[build].items():
        lines.append(f"##contig=<ID={contig_name(chrom, build)},length={length},"
                     f"assembly={assembly}>")
    lines.extend(extra)
    lines.extend(annotation_lines)
    lines.append("#" + "\t".join(["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                                  "FORMAT", *samples]))
    return lines


VEP_HEADER = [
    ('##VEP="v110" time="2024-03-12 10:41:07" cache="/opt/vep/.vep/homo_sapiens/110_{assembly}" '
    'ensembl=110.584a8f3 ensembl-variation=110.d34d25e ensembl-funcgen=110.24e7ae8 '
    'ensembl-io=110.b1a4f80 assembly="{assembly_patch}" gencode="GENCODE {gencode}"'),
    ('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    f'Format: {VEP_FIELDS}">'),
]
ANN_HEADER = [
    '##SnpEffVersion="5.1d (build 2022-04-19 15:49), by Pablo Cingolani"',
    '##SnpEffCmd="SnpEff  -noStats GRCh37.75 tumour.vcf "',
    ("##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | "
     "Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | "
     "Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | "
     "CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO' \">"),
]
EFF_HEADER = [
    '##SnpEffVersion="4.1 (build 2015-01-07), by Pablo Cingolani"',
    '##SnpEffCmd="SnpEff  -classic GRCh37.75 tumour.vcf "',
    ("##INFO=<ID=EFF,Number=.,Type=String,Description=\"Predicted effects for this variant.Format: "
    "'Effect ( Effect_Impact | Functional_Class | Codon_Change | Amino_Acid_Change| "
    "Amino_Acid_length | Gene_Name | Transcript_BioType | Gene_Coding | Transcript_ID | "
    "Exon_Rank  | Genotype_Number [ | ERRORS | WARNINGS ] )' \">"),
]
BCSQ_HEADER = [
    "##bcftools_csqVersion=1.19+htslib-1.19",
    ("##bcftools_csqCommand=csq -f GRCh38_full_analysis_set_plus_decoy_hla.fa "
    "-g Homo_sapiens.GRCh38.110.gff3.gz -p a -Ov -o tumour.bcsq.vcf tumour.vcf.gz"),
    ('##INFO=<ID=BCSQ,Number=.,Type=String,Description="Haplotype-aware consequence '
    'annotation from BCFtools/csq, see http://samtools.github.io/bcftools/howtos/csq-calling.html '
    'for details. '
    'Format: Consequence|gene|transcript|biotype|strand|amino_acid_change|dna_change">'),
]


def _vep_header(build: str) -> list[str]:
    patch, gencode = ("GRCh38.p14", "44") if build == "GRCh38" else ("GRCh37.p13", "19")
    return [line.format(assembly=build, assembly_patch=patch, gencode=gencode)
            for line in VEP_HEADER]


# --- files -------------------------------------------------------------------------------------


@dataclass
class ExampleFile:
    name: str
    build: str
    flavour: str                 # "vep", "ann", "eff", "bcsq", "none"
    calls: list[Call]
    samples: list[str] = field(default_factory=lambda: ["PT001_TUMOR"])
    extra_header: list[str] = field(default_factory=list)
    index: bool = False


def annotation_info(flavour: str, variant: Variant, build: str, position: int) -> str:
    if flavour == "vep":
        return vep_csq(variant, build)
    if flavour == "ann":
        return snpeff_ann(variant, build)
    if flavour == "eff":
        return snpeff_eff(variant, build, hgvs_style_first=position % 2 == 1)
    if flavour == "bcsq":
        return bcsq(variant, build)
    return ""


def render(example: ExampleFile) -> str:
    annotation_lines = {"vep": _vep_header(example.build), "ann": ANN_HEADER, "eff": EFF_HEADER,
                        "bcsq": BCSQ_HEADER, "none": []}[example.flavour]
    lines = header(example.build, example.samples, annotation_lines, example.extra_header)
    order = list(CHROM_LENGTHS[example.build])
    calls = sorted(example.calls,
                   key=lambda c: (order.index(VARIANTS[c.key].chrom[example.build][0]),
                                  VARIANTS[c.key].chrom[example.build][1]))
    for i, call in enumerate(calls):
        variant = VARIANTS[call.key]
        chrom, pos, ref, alt = variant.chrom[example.build]
        info = [f"DP={call.depth}"]
        annotation = annotation_info(example.flavour, variant, example.build, i)
        if annotation:
            info.append(annotation)
        samples = [_sample_field(call.depth, call.alt_reads)]
        if len(example.samples) == 2:
            normal_depth, normal_alt = call.normal or (call.depth, 0)
            samples = [_sample_field(normal_depth, normal_alt, normal=True), samples[0]]
        lines.append("\t".join([contig_name(chrom, example.build), str(pos), ".", ref, alt, ".",
                                call.filter, ";".join(info), "GT:AD:DP:AF", *samples]))
    return "\n".join(lines) + "\n"


EXAMPLES = [
    ExampleFile("vep_grch38.vcf", "GRCh38", "vep", [
        Call("AKT1_E17K", 412, 97), Call("KRAS_G12C", 388, 121), Call("EGFR_L858R", 530, 204),
        Call("EGFR_E746_A750del", 466, 139), Call("EGFR_T790M", 502, 9, filter="weak_evidence"),
        Call("TP53_R273H", 297, 140)]),
    ExampleFile("snpeff_ann_grch37.vcf", "GRCh37", "ann", [
        Call("KRAS_G12D", 344, 102), Call("EGFR_E746_A750del", 612, 188),
        Call("PIK3CA_H1047R", 270, 61)]),
    ExampleFile("snpeff_eff_grch37.vcf", "GRCh37", "eff", [
        Call("KRAS_G13D", 401, 133), Call("AKT1_E17K", 355, 88)]),
    ExampleFile("bcsq_grch38.vcf", "GRCh38", "bcsq", [
        Call("KRAS_Q61H", 318, 95), Call("EGFR_T790M", 441, 62)]),
    ExampleFile("unannotated_grch37.vcf", "GRCh37", "none", [
        Call("KRAS_G12C", 365, 117), Call("EGFR_L858R", 498, 173),
        Call("EGFR_T790M", 476, 7, filter="weak_evidence")]),
    ExampleFile("unannotated_grch38.vcf", "GRCh38", "none", [
        Call("AKT1_E17K", 389, 104), Call("EGFR_E746_A750del", 520, 151),
        Call("KRAS_Q61H_AT", 333, 90)]),
    ExampleFile("tumor_normal_grch38.vcf", "GRCh38", "none", [
        Call("KRAS_G13D", 402, 128, normal=(188, 0)),
        Call("TP53_R273H", 356, 149, normal=(171, 1))],
        samples=["PT002_NORMAL", "PT002_TUMOR"],
        extra_header=["##tumor_sample=PT002_TUMOR", "##normal_sample=PT002_NORMAL"]),
    ExampleFile("indexed_vep_grch38.vcf", "GRCh38", "vep", [
        Call("TP53_R273H", 284, 131), Call("KRAS_G12D", 377, 96), Call("PIK3CA_H1047R", 301, 70)],
        index=True),
    ExampleFile("negative_grch38.vcf", "GRCh38", "vep", [
        Call("TP53_R273H", 315, 152), Call("PIK3CA_H1047R", 288, 77),
        Call("EGFR_Q787=", 402, 197)]),
    ExampleFile("kras_stk11_grch37.vcf", "GRCh37", "ann", [
        Call("KRAS_G12C", 372, 139), Call("STK11_Q220*", 296, 181)]),
]


def write_examples(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for example in EXAMPLES:
        path = out / example.name
        path.write_text(render(example), encoding="utf-8")
        if example.index:
            for stale in (path.with_name(path.name + ".gz"), path.with_name(path.name + ".gz.tbi")):
                stale.unlink(missing_ok=True)
            compressed = pysam.tabix_index(str(path), preset="vcf", force=True)
            written.extend([Path(compressed), Path(compressed + ".tbi")])
        else:
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "example_vcfs")
    args = parser.parse_args(argv)
    for path in write_examples(args.out):
        print(path)


if __name__ == "__main__":
    main()
