"""The cohort manifest reader: per-sample screen settings, their validation, and file layout."""
from __future__ import annotations

from pathlib import Path

import pytest

from hpdgenomics.errors import InputError
from hpdgenomics.io.manifest import manifest_columns, read_manifest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "manifest"
EXAMPLE = ROOT / "examples" / "cohort"


def _write(path: Path, header: list[str], *rows: list[str]) -> Path:
    path.write_text("\n".join("\t".join(r) for r in (header, *rows)) + "\n")
    return path


def test_screen_settings_are_read_typed_and_not_left_as_extra_columns(tmp_path):
    manifest = _write(
        tmp_path / "manifest.tsv",
        ["sample_id", "vcf", "cnv", "sample", "cnv_sample", "purity", "ploidy", "sex",
         "cnv_format", "seg_log_base", "smoking"],
        ["S01", str(EXAMPLE / "vcf" / "S01.vcf"), str(EXAMPLE / "cnv" / "S01.call.cns"),
         "TUMOR", "PT1_T", "0.45", "3.2", "Female", "seg", "10", "former"],
        ["S02", str(EXAMPLE / "vcf" / "S02.vcf"), "", "", "", "NA", "", "", "", "", "never"])
    first, second = read_manifest(manifest)
    assert (first.sample, first.cnv_sample, first.purity, first.ploidy, first.sex,
            first.cnv_format, first.seg_log_base) == ("TUMOR", "PT1_T", 0.45, 3.2, "female",
                                                      "seg", 10.0)
    assert first.extra == {"smoking": "former"}
    assert (second.purity, second.ploidy, second.sex, second.cnv_sample) == (None, None, None, None)
    # sex, purity and ploidy stay available to the analysis as covariates
    assert first.covariates() == {"smoking": "former", "sex": "female", "purity": 0.45,
                                  "ploidy": 3.2}
    assert manifest_columns([first, second]) == ["ploidy", "purity", "sex", "smoking"]


def test_every_bad_screen_setting_is_reported_with_its_own_line_number():
    with pytest.raises(InputError) as caught:
        read_manifest(FIXTURES / "invalid_screen_settings_on_three_lines.tsv")
    message = str(caught.value)
    assert "5 problem(s) in the manifest" in message
    # line 2 is a comment, so the first sample is on line 3 of the file
    assert "line 3: purity '1.5' is outside 0.01-1" in message
    assert "line 4: ploidy 'about 3' is not a number" in message
    assert "line 4: sex 'M' is not one of male, female" in message
    assert "line 5: seg_log_base '3' is not 2 or 10" in message
    assert "line 5: cnv_format 'cnvkit-seg' is not a copy-number format" in message
    assert "cnvkit-cns" in message                     # the known names are listed
    assert "line 6" not in message                     # the valid row is not blamed


def test_unknown_build_is_a_manifest_problem(tmp_path):
    manifest = _write(tmp_path / "m.tsv", ["sample_id", "vcf", "build"],
                      ["S01", str(EXAMPLE / "vcf" / "S01.vcf"), "hg18"],
                      ["S02", str(EXAMPLE / "vcf" / "S02.vcf"), "b37"])
    with pytest.raises(InputError, match=r"1 problem\(s\).*line 2: build 'hg18' is not GRCh37"):
        read_manifest(manifest)


def test_comma_separated_manifest_is_named_as_such():
    path = FIXTURES / "comma_separated_header.tsv"
    with pytest.raises(InputError) as caught:
        read_manifest(path)
    message = str(caught.value)
    assert "the manifest must be tab-separated; this file looks comma-separated" in message
    assert "(header: sample_id,patient_id,vcf,cnv)" in message
    assert str(path) in message and "line 1" in message and "tab-separated text" in message


def test_a_csv_named_manifest_is_still_read_as_comma_separated(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("sample_id,vcf,purity\n"
                        f"S01,{EXAMPLE / 'vcf' / 'S01.vcf'},0.7\n")
    [row] = read_manifest(manifest)
    assert (row.sample_id, row.vcf, row.purity) == ("S01", EXAMPLE / "vcf" / "S01.vcf", 0.7)


def test_missing_values_are_the_shared_vocabulary_in_any_case(tmp_path):
    # before issue 13 the manifest knew only blank, NA, na, N/A, None and [Not Available]:
    # 'null', 'Unknown', 'n/a' and '[Not Applicable]' were taken as values (a cnv file named
    # 'null', a tumour type 'Unknown')
    manifest = _write(
        tmp_path / "manifest.tsv", ["sample_id", "vcf", "cnv", "tumor_type", "purity", "sex"],
        ["S01", str(EXAMPLE / "vcf" / "S01.vcf"), "null", "Unknown", "n/a", "[Not Applicable]"])
    (row,) = read_manifest(manifest)
    assert (row.cnv, row.tumor_type, row.purity, row.sex) == (None, None, None, None)
    assert row.vcf == EXAMPLE / "vcf" / "S01.vcf"


def test_an_unknown_sample_id_is_an_empty_one(tmp_path):
    manifest = _write(tmp_path / "manifest.tsv", ["sample_id", "vcf"],
                      ["unknown", str(EXAMPLE / "vcf" / "S01.vcf")])
    with pytest.raises(InputError, match="line 2: empty sample_id"):
        read_manifest(manifest)


def test_a_quote_left_open_is_refused_rather_than_swallowing_the_next_samples(tmp_path):
    # csv reads from an unclosed quote to the next quote: S2 and S3 would vanish from a sample
    # sheet (whose files need not exist), silently
    manifest = tmp_path / "sheet.tsv"
    manifest.write_text('sample_id\tvcf\nS1\t"a.vcf\nS2\tb.vcf\nS3\tc.vcf\n')
    with pytest.raises(InputError, match=r"\(line 2\): a double quote opened on this line"):
        read_manifest(manifest, sample_sheet=True)
    manifest.write_text('sample_id\tvcf\nS1\t"a.vcf"\nS2\tb.vcf\n')
    assert [(row.sample_id, row.line) for row in read_manifest(manifest, sample_sheet=True)] \
        == [("S1", 2), ("S2", 3)]


def test_a_quote_left_open_before_a_long_tail_is_an_input_error(tmp_path):
    # bug before this test: past 128 KiB the csv module stops with "field larger than field
    # limit", which escaped as a bare csv.Error (a traceback and exit 1 from the CLI)
    manifest = tmp_path / "sheet.tsv"
    manifest.write_text('sample_id\tvcf\nS1\t"a.vcf\n'
                        + "".join(f"S{i}\tb{i}.vcf\n" for i in range(2, 20000)))
    with pytest.raises(InputError, match=r"\(line 2\): a double quote opened on this line"):
        read_manifest(manifest, sample_sheet=True)


def test_a_row_of_empty_fields_is_a_blank_line_in_either_separator(tmp_path):
    # the shared row splitter's rule (issue 13): a spreadsheet's empty row ',,' in a .csv
    # manifest is skipped like '\t\t' in a tab-separated one (it was an 'empty sample_id' before)
    vcf = EXAMPLE / "vcf" / "S01.vcf"
    csv_manifest = tmp_path / "manifest.csv"
    csv_manifest.write_text(f"sample_id,vcf\n,,\nS01,{vcf}\n")
    tsv_manifest = tmp_path / "manifest.tsv"
    tsv_manifest.write_text(f"sample_id\tvcf\n\t\t\nS01\t{vcf}\n")
    for manifest in (csv_manifest, tsv_manifest):
        assert [(row.sample_id, row.line) for row in read_manifest(manifest)] == [("S01", 3)]


def test_the_open_quote_is_found_past_a_quote_inside_a_value(tmp_path):
    # a quote inside a value (a"b) is a character of it; the quote left open is the one that
    # starts the value on line 3 (line 2 was named before issue 13)
    manifest = tmp_path / "sheet.tsv"
    manifest.write_text('sample_id\tvcf\tnote\nS1\ta.vcf\ta"b\nS2\tb.vcf\t"c\nS3\tc.vcf\tok\n')
    with pytest.raises(InputError, match=r"\(line 3\): a double quote opened on this line"):
        read_manifest(manifest, sample_sheet=True)


def test_comments_blank_lines_and_crlf_keep_the_files_own_line_numbers(tmp_path):
    vcf = EXAMPLE / "vcf" / "S01.vcf"
    manifest = tmp_path / "manifest.tsv"
    manifest.write_bytes(f"# top\r\n\r\nsample_id\tvcf\r\n# between\r\nS01\t{vcf}\r\n\r\n"
                         f"#S09\t{vcf}\r\nS02\t{vcf}\r\n".encode())
    assert [(row.sample_id, row.line) for row in read_manifest(manifest)] \
        == [("S01", 5), ("S02", 8)]
