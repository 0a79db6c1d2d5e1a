"""Every real third-party VCF in ../shared/data/vcf_* through `hpdgenomics screen` (skipped when
absent): exit 0, a complete report, exactly the HPD-associated alterations the file holds (none:
see the independent awk oracle in test_io_vcf_shared_data.py), and every allele accounted for."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_io_vcf_shared_data import SHARED_FILES

from hpdgenomics.cli import cli
from hpdgenomics.knowledge import load_knowledge

pytestmark = pytest.mark.shared


@pytest.mark.parametrize("name, options, expected", SHARED_FILES, ids=[f[0] for f in SHARED_FILES])
def test_shared_vcf_screens_cleanly(tmp_path, name, options, expected, shared_data):
    args = ["screen", "--vcf", str(shared_data / name), "-o", str(tmp_path), "--sample-id", "case"]
    for key, value in options.items():
        args += [f"--{key}", value]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    data = json.loads((tmp_path / "case.hpd.json").read_text())
    assert data["sample"]["genome_build"] == expected[0]
    assert data["alterations"] == []
    assert {g["gene"] for g in data["genes"]} == set(load_knowledge().screened_genes())
    records = data["inputs"][0]["records"]
    assert records["alleles_read"] == expected[3]
    assert records["alleles_read"] == sum(
        records[k] for k in ("filtered", "off_panel", "rejected", "off_assay", "screened"))
    assert (tmp_path / "case.hpd.html").stat().st_size > 0
