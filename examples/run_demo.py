"""Run hpdgenomics on every bundled example, as a user would from the shell.

    python examples/run_demo.py OUT_DIR

Screens each VCF in example_vcfs/ (and the copy-number examples), one of them with its patient's
clinical factors (examples/patients/), labels the measurement example
with every HPD definition, and runs the example cohort. Each step is an ordinary `hpdgenomics`
command line, printed before it runs; the script stops at the first failure.
"""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str]) -> None:
    command = [sys.executable, "-m", "hpdgenomics", *args]
    print("+ hpdgenomics " + " ".join(shlex.quote(a) for a in args), file=sys.stderr)
    subprocess.run(command, check=True)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for vcf in sorted((ROOT / "example_vcfs").glob("*.vcf*")):
        if vcf.name.endswith((".tbi", ".csi")):
            continue
        # each example is its own "patient": name the report after the file
        sample_id = vcf.name.split(".")[0]
        run(["screen", "--vcf", str(vcf), "--sample-id", sample_id, "-o", str(out / "screen")])
    # one tumour with its patient's pre-treatment clinical factors beside the genomic findings
    run(["screen", "--vcf", str(ROOT / "example_vcfs" / "vep_grch38.vcf"),
         "--patient", str(ROOT / "examples" / "patients" / "PT001_patient.yaml"),
         "-o", str(out / "screen_with_patient")])
    hpd = ROOT / "examples" / "hpd"
    run(["hpd-classify", "--measurements", str(hpd / "measurements.tsv"),
         "--patients", str(hpd / "patients.tsv"), "-o", str(out / "hpd")])
    cohort = ROOT / "examples" / "cohort"
    if (cohort / "manifest.tsv").is_file():
        run(["cohort", "--manifest", str(cohort / "manifest.tsv"),
             "--clinical", str(cohort / "clinical.tsv"), "-o", str(out / "cohort")])
    print(f"reports written under {out}/", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
