"""A synthetic GENIE-like cBioPortal study of any size, for the cohort benchmarks.

Writes, into a folder:

* ``data_mutations_extended.txt``: a MAF with 2-14 rows per sample (GRCh37), a mix of knowledge-base
  hotspots at their real coordinates (KRAS G12C/G12D, EGFR L858R, AKT1 E17K, ...), truncating and
  missense variants in the screened genes, and passenger rows in genes outside the screen;
* ``data_CNA.txt``: a 30-gene discrete (-2..2) matrix, ``NA`` where a sample's panel lacks a gene;
* ``data_gene_panel_matrix.txt`` and three panel definitions (one without MDM2/MDM4, as DFCI's);
* ``data_clinical_patient.txt`` (TTF_MONTHS, TTF_STATUS, AGE, SEX; with ``factors=True`` also
  the pre-ICI patient factors ECOG_PS, LDH, LDH_ULN, ALBUMIN_G_L, METASTATIC_SITES, LIVER_METS,
  NEUTROPHILS, LYMPHOCYTES, about one in eight ``[Not Available]``) and
  ``data_clinical_sample.txt`` (one in ten patients has two samples).

Everything is drawn from a seeded numpy generator, so a size always gives the same study.
Run ``python benchmarks/genie_like.py OUT_DIR --samples 10000`` to write one by hand.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

#: (gene, chromosome, position, ref, alt, HGVSp_Short, classification): GRCh37 coordinates of
#: knowledge-base hotspots (hpdgenomics/knowledge data) and a few non-hotspot changes
HOTSPOTS = [
    ("KRAS", "12", 25398285, "C", "A", "p.G12C", "Missense_Mutation"),
    ("KRAS", "12", 25398284, "C", "T", "p.G12D", "Missense_Mutation"),
    ("KRAS", "12", 25398284, "C", "A", "p.G12V", "Missense_Mutation"),
    ("EGFR", "7", 55259515, "T", "G", "p.L858R", "Missense_Mutation"),
    ("EGFR", "7", 55249071, "C", "T", "p.T790M", "Missense_Mutation"),
    ("AKT1", "14", 105246551, "C", "T", "p.E17K", "Missense_Mutation"),
    ("DNMT3A", "2", 25457242, "C", "T", "p.R882H", "Missense_Mutation"),
    ("STK11", "19", 1220580, "C", "-", "p.Y280*", "Frame_Shift_Del"),
    ("STK11", "19", 1207023, "C", "T", "p.Q37*", "Nonsense_Mutation"),
    ("TSC2", "16", 2134264, "C", "T", "p.R1743W", "Missense_Mutation"),
    ("VHL", "3", 10183800, "C", "T", "p.R167W", "Missense_Mutation"),
    ("KRAS", "12", 25378562, "C", "T", "p.A146T", "Missense_Mutation"),
    ("EGFR", "7", 55241708, "G", "C", "p.G719A", "Missense_Mutation"),
    ("MET", "7", 116412043, "G", "T", "p.D1028Y", "Missense_Mutation"),
]
HOTSPOT_WEIGHTS = np.array([6, 5, 4, 4, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1], dtype=float)

#: passenger genes (outside the screen): gene, chromosome, a start inside the gene
PASSENGERS = [("TP53", "17", 7577100), ("PIK3CA", "3", 178936000), ("APC", "5", 112170000),
              ("ARID1A", "1", 27100000), ("KMT2D", "12", 49420000), ("PTEN", "10", 89700000),
              ("NF1", "17", 29550000), ("BRAF", "7", 140450000), ("CDKN2A", "9", 21970000),
              ("SMAD4", "18", 48580000)]
PASSENGER_CLASSES = ["Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Silent",
                     "Splice_Site", "In_Frame_Del"]

CNA_GENES = ["MDM2", "MDM4", "EGFR", "STK11", "KRAS", "MET", "CCND1", "FGF3", "FGF4", "FGF19",
             "AKT1", "TSC2", "VHL", "DNMT3A", "TP53", "PIK3CA", "PTEN", "CDKN2A", "ERBB2", "MYC",
             "SMAD4", "APC", "RB1", "NF1", "BRAF", "ARID1A", "KMT2D", "FGFR1", "CDK4", "SOX2"]

PANELS = {
    "IMPACT-LIKE": CNA_GENES,
    "ONCOPANEL-LIKE": [g for g in CNA_GENES if g not in ("MDM2", "MDM4")],
    "SMALL-LIKE": ["EGFR", "KRAS", "STK11", "AKT1", "MET", "TP53", "PIK3CA", "BRAF", "TSC2",
                   "VHL", "DNMT3A", "PTEN"],
}
PANEL_SHARE = [0.55, 0.35, 0.10]

MAF_COLUMNS = ["Hugo_Symbol", "Entrez_Gene_Id", "Center", "NCBI_Build", "Chromosome",
               "Start_Position", "End_Position", "Strand", "Variant_Classification",
               "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
               "Tumor_Sample_Barcode", "HGVSp_Short", "t_depth", "t_ref_count", "t_alt_count"]


def write_study(out: str | Path, samples: int, seed: int = 7,
                factors: bool = False) -> dict[str, Path]:
    """Write a study of ``samples`` samples into ``out``; returns its files by role.

    ``factors``: add patient factor columns to the clinical table (drawn from a generator of
    their own, so every other file is the same as without them)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_patients = max(1, int(samples / 1.1))
    patient_of = np.concatenate([np.arange(n_patients),
                                 rng.choice(n_patients, samples - n_patients, replace=False)])
    patient_of.sort()
    patients = np.array([f"GENIE-SYN-{i:07d}" for i in range(n_patients)])
    sample_ids = np.array([f"{patients[p]}-T{k:02d}" for k, p in
                           zip(_occurrence(patient_of), patient_of, strict=True)])
    panel_names = np.array(list(PANELS))
    panel_of = rng.choice(len(PANELS), samples, p=PANEL_SHARE)

    # --- MAF ---------------------------------------------------------------------------------
    rows_per = rng.integers(2, 15, samples)
    total = int(rows_per.sum())
    owner = np.repeat(np.arange(samples), rows_per)
    is_driver = rng.random(total) < 0.12
    hot = rng.choice(len(HOTSPOTS), total, p=HOTSPOT_WEIGHTS / HOTSPOT_WEIGHTS.sum())
    passenger = rng.integers(0, len(PASSENGERS), total)
    classes = rng.integers(0, len(PASSENGER_CLASSES), total)
    offsets = rng.integers(0, 20000, total)
    depth = rng.integers(80, 900, total)
    alt_count = np.maximum(5, (depth * rng.uniform(0.05, 0.6, total)).astype(int))
    records = []
    for i in range(total):
        sample = sample_ids[owner[i]]
        if is_driver[i]:
            gene, chrom, pos, ref, alt, protein, klass = HOTSPOTS[hot[i]]
        else:
            gene, chrom, start = PASSENGERS[passenger[i]]
            pos, ref, alt = start + int(offsets[i]), "G", "A"
            klass = PASSENGER_CLASSES[classes[i]]
            stop_or_trp = "*" if klass == "Nonsense_Mutation" else "W"
            protein = f"p.R{100 + int(offsets[i]) % 900}{stop_or_trp}"
            if klass == "Frame_Shift_Del":
                alt, protein = "-", f"p.R{100 + int(offsets[i]) % 900}fs"
        kind = "DEL" if alt == "-" else "SNP"
        records.append((gene, 0, "SYN", "GRCh37", chrom, pos, pos, "+", klass, kind, ref, ref, alt,
                        sample, protein, int(depth[i]), int(depth[i] - alt_count[i]),
                        int(alt_count[i])))
    maf = pd.DataFrame.from_records(records, columns=MAF_COLUMNS)
    paths = {"maf": out / "data_mutations_extended.txt"}
    maf.to_csv(paths["maf"], sep="\t", index=False)

    # --- copy number -------------------------------------------------------------------------
    values = rng.choice([-2, -1, 0, 1, 2], size=(len(CNA_GENES), samples),
                        p=[0.01, 0.08, 0.80, 0.09, 0.02]).astype(object)
    for col, panel in enumerate(panel_of):
        genes = set(PANELS[panel_names[panel]])
        for row, gene in enumerate(CNA_GENES):
            if gene not in genes:
                values[row, col] = "NA"
    cna = pd.DataFrame(values, index=pd.Index(CNA_GENES, name="Hugo_Symbol"), columns=sample_ids)
    paths["cna"] = out / "data_CNA.txt"
    cna.to_csv(paths["cna"], sep="\t")

    # --- gene panels -------------------------------------------------------------------------
    panel_col = panel_names[panel_of]
    matrix = pd.DataFrame({"SAMPLE_ID": sample_ids, "mutations": panel_col, "cna": panel_col})
    paths["gene_panel_matrix"] = out / "data_gene_panel_matrix.txt"
    matrix.to_csv(paths["gene_panel_matrix"], sep="\t", index=False)
    paths["gene_panels"] = []
    for name, genes in PANELS.items():
        path = out / f"data_gene_panel_{name.lower()}.txt"
        path.write_text(f"stable_id: {name}\ndescription: synthetic panel\n"
                        f"gene_list:\t" + "\t".join(genes) + "\n")
        paths["gene_panels"].append(path)

    # --- clinical ----------------------------------------------------------------------------
    months = np.round(rng.exponential(6.0, n_patients) + 0.1, 2)
    event = rng.random(n_patients) < 0.75
    header = ("#Patient Identifier\tTime to treatment failure\tTTF status\tAge\tSex\n"
              "#Identifier\tMonths from ICI start\tDiscontinued (1) or censored (0)\tAge\tSex\n"
              "#STRING\tNUMBER\tSTRING\tNUMBER\tSTRING\n#1\t1\t1\t1\t1\n")
    clinical = pd.DataFrame({"PATIENT_ID": patients, "TTF_MONTHS": months,
                             "TTF_STATUS": np.where(event, "1:Progressed", "0:Not Progressed"),
                             "AGE": rng.integers(30, 90, n_patients),
                             "SEX": rng.choice(["Male", "Female"], n_patients)})
    if factors:
        header, clinical = _with_factors(header, clinical, seed)
    paths["clinical"] = out / "data_clinical_patient.txt"
    paths["clinical"].write_text(header + clinical.to_csv(sep="\t", index=False))
    header = ("#Sample Identifier\tPatient Identifier\tOncotree Code\n#Sample\t#Patient\tCode\n"
              "#STRING\tSTRING\tSTRING\n#1\t1\t1\n")
    sample_table = pd.DataFrame({"SAMPLE_ID": sample_ids, "PATIENT_ID": patients[patient_of],
                                 "ONCOTREE_CODE": rng.choice(["LUAD", "SKCM", "BLCA"], samples)})
    paths["clinical_samples"] = out / "data_clinical_sample.txt"
    paths["clinical_samples"].write_text(header + sample_table.to_csv(sep="\t", index=False))
    return paths


#: (column, display name, datatype) of the factor columns ``factors=True`` adds
FACTOR_COLUMNS = [("ECOG_PS", "ECOG performance status", "NUMBER"),
                  ("LDH", "Serum LDH (U/L)", "NUMBER"), ("LDH_ULN", "LDH upper limit", "NUMBER"),
                  ("ALBUMIN_G_L", "Serum albumin (g/L)", "NUMBER"),
                  ("METASTATIC_SITES", "Metastatic sites", "NUMBER"),
                  ("LIVER_METS", "Liver metastases", "STRING"),
                  ("NEUTROPHILS", "Neutrophils (10^9/L)", "NUMBER"),
                  ("LYMPHOCYTES", "Lymphocytes (10^9/L)", "NUMBER")]


def _with_factors(header: str, clinical: pd.DataFrame, seed: int) -> tuple[str, pd.DataFrame]:
    """The clinical table and its cBioPortal header lines with the patient factor columns."""
    rng = np.random.default_rng(seed + 1000)
    n = len(clinical)
    values = {
        "ECOG_PS": rng.choice([0, 1, 2, 3], n, p=[0.35, 0.45, 0.15, 0.05]).astype(str),
        "LDH": np.round(rng.lognormal(np.log(230), 0.35, n)).astype(int).astype(str),
        "LDH_ULN": rng.choice(["225", "246", "250"], n),
        "ALBUMIN_G_L": np.round(rng.normal(38, 5, n).clip(15, 55), 1).astype(str),
        "METASTATIC_SITES": rng.choice(5, n, p=[0.1, 0.35, 0.3, 0.15, 0.1]).astype(str),
        "LIVER_METS": rng.choice(["Yes", "No"], n, p=[0.25, 0.75]),
        "NEUTROPHILS": np.round(rng.lognormal(np.log(4.5), 0.4, n), 2).astype(str),
        "LYMPHOCYTES": np.round(rng.lognormal(np.log(1.4), 0.4, n).clip(0.1, None), 2).astype(str),
    }
    clinical = clinical.copy()
    for column, cells in values.items():
        cells = cells.astype(object)
        cells[rng.random(n) < 0.125] = "[Not Available]"
        clinical[column] = cells
    lines = header.rstrip("\n").split("\n")
    names = "\t".join(display for _, display, _ in FACTOR_COLUMNS)
    kinds = "\t".join(kind for _, _, kind in FACTOR_COLUMNS)
    ones = "\t".join("1" for _ in FACTOR_COLUMNS)
    lines = [f"{lines[0]}\t{names}", f"{lines[1]}\t{names}", f"{lines[2]}\t{kinds}",
             f"{lines[3]}\t{ones}"]
    return "\n".join(lines) + "\n", clinical


def _occurrence(groups: np.ndarray) -> np.ndarray:
    """1-based running count within each run of equal values of a sorted array."""
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    counts = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, counts) + 1


def cohort_args(paths: dict) -> list[str]:
    """``hpdgenomics cohort`` arguments for a study written by :func:`write_study`."""
    args = ["--maf", str(paths["maf"]), "--cna", str(paths["cna"]),
            "--gene-panel-matrix", str(paths["gene_panel_matrix"]), "--gene-panel"]
    args += [str(p) for p in paths["gene_panels"]]
    args += ["--clinical", str(paths["clinical"]),
             "--clinical-samples", str(paths["clinical_samples"])]
    return args


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--factors", action="store_true",
                        help="add patient factor columns (ECOG, LDH, albumin, ...) to the "
                             "clinical table")
    ns = parser.parse_args()
    written = write_study(ns.out, ns.samples, ns.seed, factors=ns.factors)
    print(" ".join(["hpdgenomics", "cohort", *cohort_args(written)]))
