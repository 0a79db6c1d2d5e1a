"""Golden-file regression tests: the screen's decisions on bundled examples, frozen.

Each case screens a bundled example and compares the report's decisions (caution, every
alteration, every rule and gene status, record accounting, warnings) with tests/golden/<case>.json.
Floats are compared with a relative tolerance of 1e-6; provenance that legitimately changes (paths,
timestamps, versions, hashes, citation prose) is left out of the comparison.

After a deliberate change of behaviour, regenerate and review the diff:

    HPD_REGENERATE_GOLDEN=1 python -m pytest tests/test_screen_golden.py
    git diff tests/golden/
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
REL_TOL = 1e-6

CASES = {
    "vep_grch38": ["--vcf", "example_vcfs/vep_grch38.vcf"],
    "kras_stk11_grch37": ["--vcf", "example_vcfs/kras_stk11_grch37.vcf"],
    "negative_grch38": ["--vcf", "example_vcfs/negative_grch38.vcf"],
    "cohort_s04_vcf_and_cnv": ["--vcf", "examples/cohort/vcf/S04.vcf",
                               "--cnv", "examples/cohort/cnv/S04.call.cns"],
    "cohort_s01_mdm2_amplified": ["--vcf", "examples/cohort/vcf/S01.vcf",
                                  "--cnv", "examples/cohort/cnv/S01.call.cns"],
}

ALTERATION_KEYS = ("rule_id", "gene", "evidence_type", "criterion", "grade", "caution_level",
                   "protein_change", "consequence", "hgvsc", "transcript", "chrom", "pos", "ref",
                   "alt", "vaf", "depth", "filter", "hotspot", "note")


def decisions(report: dict) -> dict:
    """The parts of a report that are decisions, not provenance."""
    def copy_number(cn):
        return None if cn is None else {k: cn.get(k)
                                        for k in ("call", "copy_number", "focal", "loh")}

    return {
        "caution": report["caution"],
        "sample": report["sample"]["id"],
        "genome_build": report["sample"]["genome_build"],
        "alterations": [{**{k: a.get(k) for k in ALTERATION_KEYS},
                         "copy_number": copy_number(a.get("copy_number")),
                         "components": a.get("components")} for a in report["alterations"]],
        "rules": [{k: r[k] for k in ("rule_id", "status", "reason", "caution_level", "grade",
                                     "strong_grade", "components")}
                  for r in report["rules"]],
        "genes": [{k: g[k] for k in ("gene", "status", "variant_status", "copy_number_status",
                                     "reason", "grade", "strong_grade", "components")}
                  for g in report["genes"]],
        "records": [{"kind": i["kind"], "format": i["format"], "records": i["records"]}
                    for i in report["inputs"]],
        "unmatched_variants": [{k: v.get(k) for k in ("gene", "pos", "consequence",
                                                      "protein_change", "why_not_matched")}
                               for v in report["unmatched_variants"]],
        "warnings": report["warnings"],
        "assumptions": report["assumptions"],
    }


def assert_same(actual, expected, where="report"):
    if isinstance(expected, float) and isinstance(actual, (int, float)):
        assert math.isclose(actual, expected, rel_tol=REL_TOL), f"{where}: {actual} != {expected}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), \
            f"{where}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), \
            f"{where}: {len(actual)} items != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_report_decisions_match_golden(case, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)   # input paths in warnings are stated as given: keep them relative
    result = CliRunner().invoke(cli, ["screen", *CASES[case], "--sample-id", case,
                                      "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    actual = decisions(json.loads((tmp_path / f"{case}.hpd.json").read_text()))
    golden_file = GOLDEN / f"{case}.json"
    if os.environ.get("HPD_REGENERATE_GOLDEN"):
        golden_file.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    expected = json.loads(golden_file.read_text())
    assert_same(actual, expected)
