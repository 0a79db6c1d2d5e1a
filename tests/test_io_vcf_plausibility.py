"""Issue 9, VCF part: inputs that used to give a silent wrong answer or exit 1.

Each test names the class it guards. Fixtures in tests/fixtures/vcf_plausibility/ are small GRCh37
(or GRCh38) tumour-only files; files with bytes that cannot be committed as text (NUL, Latin-1, a
very long line) are written by the tests. Positions and reference bases of the hotspots are those
of tests/vcf_panels.py (DOMAIN.md section 3).
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pysam
import pytest
from click.testing import CliRunner
from vcf_panels import test_panels

from hpdgenomics.cli import cli
from hpdgenomics.errors import InputError, UsageError
from hpdgenomics.io.vcf import MAX_LINE_BYTES_ENV, read_vcf

FIXTURES = Path(__file__).parent / "fixtures" / "vcf_plausibility"
PANELS = test_panels()


def calls(result) -> list[tuple]:
    return [(v.gene, v.chrom, v.pos, v.ref, v.alt, v.protein_change) for v in result.variants]


def assert_invariant(result) -> None:
    c = result.counts
    assert c.alleles_read == c.filtered + c.off_panel + c.rejected + c.screened
    assert c.screened == len(result.variants)


def screen(*args: str):
    """The real CLI; returns (exit code, stderr, report JSON or None)."""
    result = CliRunner().invoke(cli, ["screen", *map(str, args)])
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    out = Path(args[args.index("-o") + 1])
    reports = list(out.glob("*.json")) if out.is_dir() else []
    return result.exit_code, result.stderr, (json.loads(reports[0].read_text()) if reports
                                             else None)


def bgzip(source: Path, target: Path) -> Path:
    pysam.tabix_compress(str(source), str(target), force=True)
    return target


def vcf_text(*records: str, header: str = "stale_index_v1.vcf") -> str:
    lines = (FIXTURES / header).read_text().splitlines()
    head = [line for line in lines if line.startswith("#")]
    return "\n".join(head + list(records)) + "\n"


L858R = "7\t55259515\t.\tT\tG\t50\tPASS\t.\tGT:AD:AF:DP\t0/1:60,40:0.4:100"
G12C = "12\t25398285\t.\tC\tA\t50\tPASS\t.\tGT:AD:AF:DP\t0/1:70,30:0.3:100"


# --- 1. stale index ------------------------------------------------------------------------------

def _stale_copy(tmp_path: Path, v2_name: str, csi: bool = False) -> Path:
    """v1 bgzipped and indexed; then v2 written over it and v1's index copied back, newer."""
    work = tmp_path / "work"
    work.mkdir()
    v1 = bgzip(FIXTURES / "stale_index_v1.vcf", work / "sample.vcf.gz")
    index = Path(pysam.tabix_index(str(v1), preset="vcf", csi=csi, force=True) +
                 (".csi" if csi else ".tbi"))
    saved = tmp_path / index.name
    shutil.copy(index, saved)
    bgzip(FIXTURES / v2_name, v1)                       # the VCF is regenerated ...
    shutil.copy(saved, index)                           # ... and the old index copied beside it
    stamp = v1.stat().st_mtime + 10
    os.utime(index, (stamp, stamp))                     # newer than the VCF, as 'cp' leaves it
    return v1


@pytest.mark.parametrize("csi", [False, True])
@pytest.mark.parametrize("v2_name, expected", [
    ("stale_index_v2_more_records.vcf",
     [("EGFR", "7", 55259515, "T", "G", "p.L858R"), ("KRAS", "12", 25398285, "C", "A", "p.G12C"),
      ("AKT1", "14", 105246551, "C", "T", "p.E17K")]),
    ("stale_index_v2_shorter.vcf",
     [("EGFR", "7", 55259515, "T", "G", "p.L858R"), ("KRAS", "12", 25398285, "C", "A", "p.G12C")]),
])
def test_stale_index_newer_than_its_vcf_is_not_trusted(tmp_path, v2_name, expected, csi):
    vcf = _stale_copy(tmp_path, v2_name, csi=csi)
    result = read_vcf(vcf, PANELS)
    assert not result.counts.index_used
    assert calls(result) == expected
    assert_invariant(result)
    warning = next(w for w in result.warnings if "does not describe this VCF" in w)
    assert f"sample.vcf.gz.{'csi' if csi else 'tbi'}" in warning and "tabix -f -p vcf" in warning


def test_stale_index_warning_reaches_report_and_stderr(tmp_path):
    vcf = _stale_copy(tmp_path, "stale_index_v2_more_records.vcf")
    code, stderr, report = screen("--vcf", vcf, "-o", tmp_path / "out")
    assert code == 0
    assert "does not describe this VCF" in stderr
    assert any("does not describe this VCF" in w for w in report["warnings"])
    found = {a["variant"]["protein_change"] for a in report["alterations"]} \
        if report["alterations"] and "variant" in report["alterations"][0] else None
    assert report["caution"]["level"] != "none", report["caution"]
    assert report["inputs"][0]["details"]["index_used"] is False
    assert found is None or "p.G12C" in found


def test_fresh_index_is_used_without_warning(tmp_path):
    vcf = bgzip(FIXTURES / "stale_index_v2_more_records.vcf", tmp_path / "fresh.vcf.gz")
    pysam.tabix_index(str(vcf), preset="vcf", force=True)
    result = read_vcf(vcf, PANELS)
    assert result.counts.index_used and result.counts.records_read == 3
    assert len(result.variants) == 3
    assert not any("index" in w for w in result.warnings)


# --- 2. header build contradicted by the records --------------------------------------------------

@pytest.mark.parametrize("name, header, records", [
    ("grch37_header_grch38_records.vcf", "GRCh37", "GRCh38"),
    ("grch38_header_grch37_records.vcf", "GRCh38", "GRCh37"),
])
def test_header_build_contradicted_by_ref_alleles_stops(name, header, records):
    with pytest.raises(UsageError) as info:
        read_vcf(FIXTURES / name, PANELS)
    message = str(info.value)
    assert f"the header says {header}" in message and f"REF alleles say {records}" in message
    assert "3 record(s) at " + records + " hotspot positions carry" in message
    assert f"--build {records}" in message and name in message


def test_header_build_contradiction_through_the_index(tmp_path):
    vcf = bgzip(FIXTURES / "grch37_header_grch38_records.vcf", tmp_path / "lifted.vcf.gz")
    pysam.tabix_index(str(vcf), preset="vcf", force=True)
    with pytest.raises(UsageError, match="REF alleles say GRCh38"):
        read_vcf(vcf, PANELS)


def test_build_option_settles_a_lifted_file_against_its_header():
    result = read_vcf(FIXTURES / "grch37_header_grch38_records.vcf", PANELS, build="GRCh38")
    assert result.build == "GRCh38"
    assert calls(result) == [("EGFR", "7", 55191822, "T", "G", "p.L858R"),
                             ("KRAS", "12", 25245351, "C", "A", "p.G12C"),
                             ("AKT1", "14", 104780214, "C", "T", "p.E17K")]
    assert any("says GRCh37, but the records' REF alleles fit GRCh38" in w
               for w in result.warnings)


def test_build_option_agreeing_with_header_against_the_records_warns():
    result = read_vcf(FIXTURES / "grch37_header_grch38_records.vcf", PANELS, build="GRCh37")
    assert result.build == "GRCh37" and result.variants == [] or \
        all(v.hotspot is None for v in result.variants)
    assert any("--build GRCh37 was given, but the records' REF alleles fit GRCh38" in w
               for w in result.warnings)


def test_correct_file_with_one_odd_ref_is_not_rejected():
    result = read_vcf(FIXTURES / "grch37_one_odd_ref.vcf", PANELS)
    assert result.build == "GRCh37"
    assert [c[5] for c in calls(result)][:2] == ["p.L858R", "p.G12C"]
    odd = [w for w in result.warnings if "differs from the GRCh37 reference" in w]
    assert len(odd) == 1 and "14:105246551 G>T" in odd[0]
    result = read_vcf(FIXTURES / "grch37_only_record_odd_ref.vcf", PANELS)
    assert result.build == "GRCh37"          # disagreeing with one build is no proof of the other


def test_records_in_the_other_builds_exons_warn():
    result = read_vcf(FIXTURES / "grch37_header_records_in_grch38_exons.vcf", PANELS)
    assert result.build == "GRCh37"
    warning = next(w for w in result.warnings if "panel-gene coding exons at GRCh38" in w)
    assert warning.startswith("5 record(s)") and "against 0 the other way round" in warning


def test_build_contradiction_is_exit_2_naming_both_builds(tmp_path):
    code, stderr, report = screen("--vcf", FIXTURES / "grch37_header_grch38_records.vcf",
                                  "-o", tmp_path / "out")
    assert code == 2 and report is None
    errors = [line for line in stderr.splitlines() if line.startswith("hpdgenomics: error")]
    assert len(errors) == 1 and "GRCh37" in errors[0] and "--build GRCh38" in errors[0]


# --- 3. minor nonsense ---------------------------------------------------------------------------

def test_negative_read_count_is_an_input_error_not_a_vaf_above_1():
    with pytest.raises(InputError) as info:
        read_vcf(FIXTURES / "negative_ad.vcf", PANELS)
    message = str(info.value)
    assert "negative_ad.vcf (line 13)" in message
    assert "12:25398285 C>A" in message and "FORMAT/AD=-5,30" in message and "negative" in message


@pytest.mark.parametrize("sample_column, phrase", [
    ("0/1:60,40:1.4:100", "FORMAT/AF=1.4 gives an allele fraction of 1.4, outside 0..1"),
    ("0/1:60,40:-0.2:100", "outside 0..1"),
    ("0/1:60,40:0.4:-100", "FORMAT/DP=-100 holds an impossible read count"),
])
def test_impossible_fractions_and_depths_are_input_errors(tmp_path, sample_column, phrase):
    path = tmp_path / "impossible.vcf"
    path.write_text(vcf_text(G12C.rsplit("\t", 1)[0] + "\t" + sample_column))
    with pytest.raises(InputError, match="impossible.vcf") as info:
        read_vcf(path, PANELS)
    assert phrase in str(info.value)


def test_nul_byte_in_a_record_is_an_error_naming_the_record(tmp_path):
    path = tmp_path / "nul_byte.vcf"
    text = vcf_text(L858R, G12C.replace("GT:AD", "GT\0:AD"))
    path.write_bytes(text.encode())
    with pytest.raises(InputError) as info:
        read_vcf(path, PANELS)
    message = str(info.value)
    assert "nul_byte.vcf (line 14, record 2)" in message
    assert "NUL byte" in message and "record 12:25398285" in message


def test_nul_byte_in_a_bgzipped_file(tmp_path):
    plain = tmp_path / "nul.vcf"
    plain.write_bytes(vcf_text(L858R.replace("PASS", "PA\0SS")).encode())
    with pytest.raises(InputError, match=r"\(line 13, record 1\).*NUL byte"):
        read_vcf(bgzip(plain, tmp_path / "nul.vcf.gz"), PANELS)


def test_duplicate_records_are_listed_once_and_counted(tmp_path):
    result = read_vcf(FIXTURES / "duplicate_records.vcf", PANELS)
    assert calls(result) == [("KRAS", "12", 25398285, "C", "A", "p.G12C"),
                             ("EGFR", "7", 55259515, "T", "G", "p.L858R")]
    assert result.variants[0].vaf == pytest.approx(0.4)          # the first record is kept
    assert (result.counts.records_read, result.counts.rejected, result.counts.screened) == (3, 1, 2)
    assert_invariant(result)
    warning = next(w for w in result.warnings if "duplicate" in w)
    assert warning.startswith("1 allele(s)") and "record 3 (12:25398285 C>A) repeats record 1" \
        in warning
    code, stderr, report = screen("--vcf", FIXTURES / "duplicate_records.vcf",
                                  "-o", tmp_path / "out")
    assert code == 0 and "duplicate of an earlier record" in stderr
    assert report["inputs"][0]["records"]["rejected"] == 1


def test_duplicate_records_through_the_index(tmp_path):
    ordered = tmp_path / "dups.vcf"
    ordered.write_text(vcf_text(L858R, G12C, G12C))
    vcf = bgzip(ordered, tmp_path / "dups.vcf.gz")
    pysam.tabix_index(str(vcf), preset="vcf", force=True)
    result = read_vcf(vcf, PANELS)
    assert result.counts.index_used
    assert len(result.variants) == 2 and result.counts.rejected == 1


# --- 4. non-finite numbers -----------------------------------------------------------------------

@pytest.mark.parametrize("field, value, sample_column", [
    ("FORMAT/AF", "inf", "0/1:60,40:inf:100"),
    ("FORMAT/AF", "nan", "0/1:60,40:nan:100"),
    ("FORMAT/AF", "inf", "0/1:60,40:1e999:100"),        # overflows: htslib stores inf
    ("FORMAT/AF", "-inf", "0/1:60,40:-inf:100"),
])
def test_non_finite_format_values_are_input_errors(tmp_path, field, value, sample_column):
    path = tmp_path / "non_finite.vcf"
    path.write_text(vcf_text(G12C.rsplit("\t", 1)[0] + "\t" + sample_column))
    with pytest.raises(InputError) as info:
        read_vcf(path, PANELS)
    message = str(info.value)
    assert "non_finite.vcf (line 13)" in message and field in message
    assert f"{value!r}, which is not a finite number" in message


@pytest.mark.parametrize("field, sample_column", [
    ("DP", "0/1:60,40:0.4:inf"),
    ("AD", "0/1:60,NaN:.:100"),
    ("DP", "0/1:60,40:0.4:1e999"),
])
def test_non_finite_integer_fields_are_input_errors(tmp_path, field, sample_column):
    # declared Type=Integer: htslib itself refuses the record; still one InputError, exit 2
    path = tmp_path / "non_finite_integer.vcf"
    path.write_text(vcf_text(G12C.rsplit("\t", 1)[0] + "\t" + sample_column))
    with pytest.raises(InputError) as info:
        read_vcf(path, PANELS)
    message = str(info.value)
    assert "non_finite_integer.vcf (record 1, line 13)" in message and f"'{field}'" in message


def test_non_finite_string_typed_depth_is_an_input_error(tmp_path):
    # a header declaring DP as a String (hand-made files do): htslib passes it, the reader refuses
    path = tmp_path / "string_dp.vcf"
    text = vcf_text(G12C.rsplit("\t", 1)[0] + "\t0/1:60,40:0.4:inf")
    path.write_text(text.replace("##FORMAT=<ID=DP,Number=1,Type=Integer",
                                 "##FORMAT=<ID=DP,Number=1,Type=String"))
    with pytest.raises(InputError, match=r"\(line 13\).*FORMAT/DP=inf holds 'inf', which is not "
                                         "a finite number"):
        read_vcf(path, PANELS)


def test_non_finite_info_tvaf_is_an_input_error(tmp_path):
    path = tmp_path / "tvaf.vcf"
    path.write_text(vcf_text("12\t25398285\t.\tC\tA\t50\tPASS\tTVAF=inf;DP=90\tGT\t0/1"))
    with pytest.raises(InputError, match="INFO/TVAF=inf holds 'inf', which is not a finite"):
        read_vcf(path, PANELS)


def test_format_af_inf_is_exit_2_not_exit_1(tmp_path):
    path = tmp_path / "format_af_inf.vcf"
    path.write_text(vcf_text(G12C.replace("0.3:100", "inf:100")))
    code, stderr, _ = screen("--vcf", path, "-o", tmp_path / "out")
    assert code == 2 and "format_af_inf.vcf" in stderr and "not a finite number" in stderr


# --- 5. undecodable bytes ------------------------------------------------------------------------

@pytest.mark.parametrize("compressed", [False, True])
def test_non_utf8_sample_name_is_exit_2(tmp_path, compressed):
    text = vcf_text(L858R).replace("\tTUMOUR", "\tPATIENT_M\xfcLLER")
    path = tmp_path / "latin1_sample.vcf"
    path.write_bytes(text.encode("latin-1"))
    if compressed:
        path = bgzip(path, tmp_path / "latin1_sample.vcf.gz")
    with pytest.raises(InputError) as info:
        read_vcf(path, PANELS)
    assert "(line 12)" in str(info.value) and "not UTF-8" in str(info.value) \
        and "0xfc" in str(info.value)
    code, stderr, _ = screen("--vcf", path, "-o", tmp_path / "out")
    assert code == 2 and "not UTF-8" in stderr


def test_non_utf8_bytes_in_a_panel_record_are_exit_2(tmp_path):
    path = tmp_path / "latin1_record.vcf"
    path.write_bytes(vcf_text(L858R.replace("\t.\tT\tG", "\tr\xe9f\tT\tG")).encode("latin-1"))
    code, stderr, _ = screen("--vcf", path, "-o", tmp_path / "out")
    assert code == 2 and "latin1_record.vcf" in stderr and "UTF-8" in stderr


# --- 6. bounded memory: the line-length limit ----------------------------------------------------

def _long_line_vcf(path: Path, where: str, length: int) -> Path:
    filler = "X" * length
    if where == "record":
        text = vcf_text(L858R.replace("\tPASS\t.\t", f"\tPASS\tNOTE={filler}\t"), G12C)
    else:
        text = vcf_text(L858R).replace("##fileformat=VCFv4.2\n",
                                       f"##fileformat=VCFv4.2\n##comment={filler}\n")
    with gzip.open(path, "wt") as handle:
        handle.write(text)
    return path


@pytest.mark.parametrize("where, line", [("record", "line 13, record 1"), ("header", "line 2")])
def test_line_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch, where, line):
    monkeypatch.setenv(MAX_LINE_BYTES_ENV, "100000")
    path = _long_line_vcf(tmp_path / "long_line.vcf.gz", where, 200_000)
    with pytest.raises(InputError) as info:
        read_vcf(path, PANELS)
    message = str(info.value)
    assert f"long_line.vcf.gz ({line})" in message and "100,000 bytes" in message
    assert MAX_LINE_BYTES_ENV in message
    monkeypatch.setenv(MAX_LINE_BYTES_ENV, "300000")          # raised: the file is read
    assert read_vcf(path, PANELS).variants


def test_line_limit_applies_to_the_panel_regions_read_through_an_index(tmp_path, monkeypatch):
    plain = tmp_path / "long.vcf"
    # the long line is the second record: the header scan reads only the first one
    plain.write_text(vcf_text(L858R, G12C.replace("\tPASS\t.\t",
                                                  f"\tPASS\tNOTE={'X' * 50_000}\t")))
    vcf = bgzip(plain, tmp_path / "long.vcf.gz")
    pysam.tabix_index(str(vcf), preset="vcf", force=True)
    monkeypatch.setenv(MAX_LINE_BYTES_ENV, "20000")
    # caught by the index scan, or earlier by the header scan's read-ahead in a file this small
    with pytest.raises(InputError, match="longer than the limit.* of 20,000 bytes"):
        read_vcf(vcf, PANELS)


def test_of_a_long_line_and_a_later_nul_byte_the_first_problem_is_named(tmp_path, monkeypatch):
    # both problems fall in one chunk of the byte scan; the report names the one met first (the
    # long record 1), whether the file is read whole or through the prefilter's blocks
    monkeypatch.setenv(MAX_LINE_BYTES_ENV, "20000")
    path = tmp_path / "long_then_nul.vcf"
    path.write_bytes(vcf_text(L858R.replace("\tPASS\t.\t", f"\tPASS\tNOTE={'X' * 30_000}\t"),
                              G12C.replace("GT:AD", "GT\0:AD")).encode())
    with pytest.raises(InputError) as info:
        read_vcf(path, PANELS)
    message = str(info.value)
    assert "long_then_nul.vcf (line 13, record 1)" in message and "longer than the limit" in message
    nul_first = tmp_path / "nul_then_long.vcf"
    nul_first.write_bytes(vcf_text(L858R.replace("GT:AD", "GT\0:AD"), G12C.replace(
        "\tPASS\t.\t", f"\tPASS\tNOTE={'X' * 30_000}\t")).encode())
    with pytest.raises(InputError, match=r"nul_then_long.vcf \(line 13, record 1\).*NUL byte"):
        read_vcf(nul_first, PANELS)


@pytest.mark.parametrize("value", ["abc", "0", "-5"])
def test_bad_line_limit_setting_is_a_usage_error(monkeypatch, value):
    monkeypatch.setenv(MAX_LINE_BYTES_ENV, value)
    with pytest.raises(UsageError, match=MAX_LINE_BYTES_ENV):
        read_vcf(FIXTURES / "duplicate_records.vcf", PANELS)
