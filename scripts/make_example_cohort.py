#!/usr/bin/env python
"""Write the small synthetic example cohort in ``examples/cohort/`` (committed; rerun to
regenerate).

    python scripts/make_example_cohort.py [--out examples/cohort]

24 GRCh38 tumours, each with an unannotated single-sample VCF and a CNVkit ``.call.cns``:

* variants at their true positions (DOMAIN.md section 3; ``annotations/hotspots.tsv``): KRAS G12C
  chr12:25245351 C>A, KRAS G12D chr12:25245350 C>T, EGFR L858R chr7:55191822 T>G, AKT1 E17K
  chr14:104780214 C>T; several samples carry nothing;
* copy number: a focal MDM2 amplification (10 copies over 700 kb around MDM2,
  ``annotations/genes_GRCh38.tsv`` chr12:68808177-68845544) in three samples, an STK11 deep deletion
  (0 copies over chr19:1100001-1300000, covering STK11 1177558-1228431) in one, two copies
  elsewhere; one sample has a VCF but no copy-number file (copy-number rules not evaluable);
* ``clinical.tsv``: TTF_MONTHS / TTF_STATUS (``1:DISCONTINUED`` / ``0:CENSORED``) and tumor_type;
  the MDM2-amplified patients fail before 2 months; one patient is censored before 2 months (not
  evaluable for early failure).

All data are invented for demonstration; no patient data are involved.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from hpdgenomics.genome import CHROM_LENGTHS

ROOT = Path(__file__).resolve().parents[1]
BUILD = "GRCh38"

VARIANTS = {   # name -> (chrom, pos, ref, alt), GRCh38, + strand
    "KRAS_G12C": ("12", 25245351, "C", "A"),
    "KRAS_G12D": ("12", 25245350, "C", "T"),
    "EGFR_L858R": ("7", 55191822, "T", "G"),
    "AKT1_E17K": ("14", 104780214, "C", "T"),
}

# CNVkit .call.cns rows are BED-style (0-based start, half-open)
MDM2_AMPLICON = ("12", 68_500_000, 69_200_000, 10)
STK11_DELETION = ("19", 1_100_000, 1_300_000, 0)
CN_CHROMOSOMES = ("1", "2", "3", "7", "11", "12", "14", "16", "19")

# sample, patient, tumour type, variants, copy-number events ("MDM2", "STK11", None = no file),
# TTF months, event
COHORT = [
    ("S01", "P01", "NSCLC", [], ["MDM2"], 1.1, 1),
    ("S02", "P02", "melanoma", [], ["MDM2"], 1.4, 1),
    ("S03", "P03", "HNSCC", ["KRAS_G12D"], ["MDM2"], 1.7, 1),
    ("S04", "P04", "NSCLC", ["KRAS_G12C"], ["STK11"], 2.6, 1),
    ("S05", "P05", "NSCLC", ["KRAS_G12C"], [], 4.9, 1),
    ("S06", "P06", "NSCLC", ["KRAS_G12D"], [], 1.6, 1),
    ("S07", "P07", "NSCLC", ["EGFR_L858R"], [], 1.9, 1),
    ("S08", "P08", "NSCLC", ["EGFR_L858R"], [], 3.4, 1),
    ("S09", "P09", "cervical", ["AKT1_E17K"], [], 5.8, 1),
    ("S10", "P10", "melanoma", [], [], 14.2, 0),
    ("S11", "P11", "melanoma", [], [], 9.6, 1),
    ("S12", "P12", "NSCLC", [], [], 7.3, 1),
    ("S13", "P13", "NSCLC", [], [], 1.2, 1),
    ("S14", "P14", "HNSCC", [], [], 3.1, 1),
    ("S15", "P15", "HNSCC", [], [], 11.8, 0),
    ("S16", "P16", "melanoma", [], [], 22.5, 0),
    ("S17", "P17", "NSCLC", [], [], 6.0, 1),
    ("S18", "P18", "melanoma", [], [], 1.5, 0),
    ("S19", "P19", "NSCLC", [], [], 8.8, 1),
    ("S20", "P20", "HNSCC", [], [], 2.2, 1),
    ("S21", "P21", "melanoma", [], [], 17.0, 1),
    ("S22", "P22", "NSCLC", [], [], 4.4, 1),
    ("S23", "P23", "cervical", [], [], 12.9, 0),
    ("S24", "P24", "NSCLC", ["KRAS_G12C"], None, 3.8, 1),
]


def vcf_text(sample: str, variants: list[str]) -> str:
    lines = ["##fileformat=VCFv4.2", '##FILTER=<ID=PASS,Description="All filters passed">',
             '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total read depth at the locus">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             ('##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and '
              'alt alleles">'),
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
             '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction of the alt allele">',
             "##reference=GRCh38 (synthetic example)"]
    lengths = CHROM_LENGTHS[BUILD]
    lines += [f"##contig=<ID=chr{c},length={lengths[c]},assembly={BUILD}>"
              for c in [str(i) for i in range(1, 23)] + ["X", "Y"]]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                            "FORMAT", sample]))
    records = sorted((VARIANTS[v] for v in variants), key=lambda r: (int(r[0]), r[1]))
    for index, (chrom, pos, ref, alt) in enumerate(records):
        depth, alt_reads = 400 + 17 * index, 96 + 11 * index
        lines.append("\t".join([f"chr{chrom}", str(pos), ".", ref, alt, ".", "PASS",
                                f"DP={depth}", "GT:AD:DP:AF",
                                (f"0/1:{depth - alt_reads},{alt_reads}:{depth}:"
                                 f"{alt_reads / depth:.3f}")]))
    return "\n".join(lines) + "\n"


def cns_text(events: list[str]) -> str:
    import math

    rows = ["\t".join(["chromosome", "start", "end", "gene", "log2", "cn", "depth", "probes",
                       "weight"])]
    focal = {"MDM2": MDM2_AMPLICON, "STK11": STK11_DELETION}
    lengths = CHROM_LENGTHS[BUILD]

    def row(chrom, start, end, cn, gene="-"):
        log2 = -5.0 if cn == 0 else math.log2(cn / 2)
        probes = max(10, (end - start) // 100_000)
        rows.append("\t".join([f"chr{chrom}", str(start), str(end), gene, f"{log2:.4f}", str(cn),
                               "250", str(probes), str(probes)]))

    for chrom in CN_CHROMOSOMES:
        event = next((focal[e] for e in events if focal[e][0] == chrom), None)
        if event is None:
            row(chrom, 0, lengths[chrom], 2)
            continue
        _, start, end, cn = event
        row(chrom, 0, start, 2)
        row(chrom, start, end, cn, gene="MDM2" if chrom == "12" else "STK11")
        row(chrom, end, lengths[chrom], 2)
    return "\n".join(rows) + "\n"


README = """# Example cohort (synthetic)

Twenty-four invented GRCh38 tumours for demonstrating `hpdgenomics cohort`. **Synthetic data: no
patient, no real sequencing.** Written by `scripts/make_example_cohort.py` (rerun it to regenerate).

* `vcf/S*.vcf`: unannotated single-sample VCFs with variants at their true GRCh38 positions (KRAS
  G12C/G12D, EGFR L858R, AKT1 E17K); several samples carry no variant.
* `cnv/S*.call.cns`: CNVkit called segments (`cn` column); MDM2 focal amplification in S01-S03, an
  STK11 deep deletion in S04 (with KRAS G12C: the KRAS/STK11 co-alteration), two copies elsewhere.
  S24 has no copy-number file, so its copy-number rules are not evaluable.
* `manifest.tsv`: sample_id, patient_id, vcf, cnv, tumor_type.
* `clinical.tsv`: PATIENT_ID, TTF_MONTHS, TTF_STATUS (`1:DISCONTINUED` / `0:CENSORED`), tumor_type.
  The MDM2-amplified patients fail before 2 months (as in Kato et al., Clin Cancer Res 2017); P18
  is censored at 1.5 months and is therefore not evaluable for early failure.

Run:

    hpdgenomics cohort --manifest examples/cohort/manifest.tsv \\
        --clinical examples/cohort/clinical.tsv -o cohort_out

The numbers it produces describe this invented cohort only.
"""


def main(out: Path) -> None:
    (out / "vcf").mkdir(parents=True, exist_ok=True)
    (out / "cnv").mkdir(parents=True, exist_ok=True)
    manifest = ["sample_id\tpatient_id\tvcf\tcnv\ttumor_type"]
    clinical = ["PATIENT_ID\tTTF_MONTHS\tTTF_STATUS\ttumor_type"]
    for sample, patient, tumour, variants, events, months, event in COHORT:
        (out / "vcf" / f"{sample}.vcf").write_text(vcf_text(sample, variants))
        cnv = ""
        if events is not None:
            (out / "cnv" / f"{sample}.call.cns").write_text(cns_text(events))
            cnv = f"cnv/{sample}.call.cns"
        manifest.append("\t".join([sample, patient, f"vcf/{sample}.vcf", cnv, tumour]))
        status = "1:DISCONTINUED" if event else "0:CENSORED"
        clinical.append("\t".join([patient, f"{months:g}", status, tumour]))
    (out / "manifest.tsv").write_text("\n".join(manifest) + "\n")
    (out / "clinical.tsv").write_text("\n".join(clinical) + "\n")
    (out / "README.md").write_text(README)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "cohort")
    main(parser.parse_args().out)
