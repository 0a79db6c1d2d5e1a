"""The shared delimited-table reader (hpdgenomics.io.table): each format quirk as a small inline
file named for its case, asserting the parsed cells and the file line of every row."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from hpdgenomics.errors import InputError
from hpdgenomics.io.table import (
    RowSplitError,
    canonical_column,
    column_map,
    find_column,
    read_delimited,
    read_rows,
    split_rows,
)


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def _read(path: Path) -> tuple[list[list[str]], list[int], str, list[str]]:
    problems: list[str] = []
    table = read_rows(path, problems)
    assert table is not None, problems
    return table.frame.values.tolist(), table.lines, table.separator, problems


# --- separators --------------------------------------------------------------------------------

def test_tab_separated(tmp_path):
    rows, lines, sep, problems = _read(_write(tmp_path, "tab.tsv", "id\tsize\nP1\t45\nP2\t50\n"))
    assert (rows, lines, sep, problems) == ([["P1", "45"], ["P2", "50"]], [2, 3], "\t", [])


def test_semicolon_beats_comma_and_allows_decimal_comma(tmp_path):
    path = _write(tmp_path, "european.csv", "id;size\nP1;45,5\n")
    problems: list[str] = []
    table = read_rows(path, problems)
    assert table.frame.values.tolist() == [["P1", "45,5"]]
    assert table.separator == ";" and table.decimal_comma


def test_comma_separated_has_no_decimal_comma(tmp_path):
    problems: list[str] = []
    table = read_rows(_write(tmp_path, "plain.csv", "id,size\nP1,45.5\n"), problems)
    assert table.separator == "," and not table.decimal_comma
    assert table.frame.values.tolist() == [["P1", "45.5"]]


def test_one_column_csv_name_is_comma_separated(tmp_path):
    assert split_rows("id\nP1\n", Path("one.csv")).separator == ","
    assert split_rows("id\nP1\n", Path("one.csv.gz")).separator == ","
    assert split_rows("id\nP1\n", Path("one.tsv")).separator == "\t"


# --- comments, BOM, line ends, quotes ------------------------------------------------------------

def test_cbioportal_comment_lines_before_header(tmp_path):
    text = "#Patient Identifier\tTime\n#STRING\tNUMBER\nPATIENT_ID\tTTF\nP1\t3\n"
    rows, lines, _, _ = _read(_write(tmp_path, "cbio.tsv", text))
    assert rows == [["P1", "3"]] and lines == [4]
    split = split_rows(text, Path("cbio.tsv"))
    assert split.comments == ["Patient Identifier\tTime", "STRING\tNUMBER"]
    assert split.first_line == 3


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = _write(tmp_path, "bom.csv", b"\xef\xbb\xbfid,size\r\nP1,4\r\n")
    problems: list[str] = []
    table = read_rows(path, problems)
    assert list(table.frame.columns) == ["id", "size"]
    assert table.frame.values.tolist() == [["P1", "4"]] and table.lines == [2]


def test_crlf_line_ends(tmp_path):
    rows, lines, _, _ = _read(_write(tmp_path, "crlf.tsv", "id\tsize\r\nP1\t4\r\n\r\nP2\t5\r\n"))
    assert rows == [["P1", "4"], ["P2", "5"]] and lines == [2, 4]


def test_quoted_field_spanning_lines_keeps_line_numbers(tmp_path):
    text = 'id,note,size\nP1,"two\nlines",4\nP2,"a, b",5\n'
    rows, lines, _, _ = _read(_write(tmp_path, "quoted.csv", text))
    assert rows == [["P1", "two\nlines", "4"], ["P2", "a, b", "5"]]
    assert lines == [2, 4]


def test_bare_carriage_return_in_a_field_is_named_by_line(tmp_path):
    with pytest.raises(RowSplitError) as caught:
        split_rows("id,note\nP1,ok\nP2,a\rb\n", Path("old_mac.csv"))
    assert caught.value.line == 3
    path = _write(tmp_path, "old_mac.csv", "id,note\nP1,ok\nP2,a\rb\n")
    problems: list[str] = []
    assert read_rows(path, problems) is None
    assert problems[0].startswith(f"{path}: line 3: cannot be split into fields")


# --- columns and rows that do not fit the header -------------------------------------------------

def test_trailing_empty_columns_are_dropped(tmp_path):
    rows, lines, _, problems = _read(_write(tmp_path, "trail.csv", "id,size,,\nP1,4,,\nP2,5\n"))
    assert rows == [["P1", "4"], ["P2", "5"]] and lines == [2, 3] and problems == []


def test_unnamed_column_holding_values_is_a_problem(tmp_path):
    path = _write(tmp_path, "unnamed.csv", "id,,size\nP1,,4\nP2,x,5\n")
    problems: list[str] = []
    read_rows(path, problems)
    assert problems == [f"{path}: line 3: column 2 has no name in the header but holds values; "
                        "name it or delete it"]


def test_row_longer_than_header_is_a_problem_and_left_out(tmp_path):
    path = _write(tmp_path, "long.csv", "id,size\nP1,4,9\nP2,5\n")
    problems: list[str] = []
    table = read_rows(path, problems)
    assert table.frame.values.tolist() == [["P2", "5"]] and table.lines == [3]
    assert problems == [f"{path}: line 2: 3 fields but the header has 2; check the separator "
                        "and stray tabs or commas"]


def test_short_rows_are_padded(tmp_path):
    rows, _, _, _ = _read(_write(tmp_path, "short.tsv", "id\tsize\tnote\nP1\t4\n"))
    assert rows == [["P1", "4", ""]]


# --- binary content, bounded reading --------------------------------------------------------------

def test_nul_bytes_are_refused(tmp_path):
    path = _write(tmp_path, "nul.tsv", b"id\tsize\nP1\x00\t4\n")
    problems: list[str] = []
    assert read_rows(path, problems) is None
    assert "binary content (NUL bytes)" in problems[0] and str(path) in problems[0]
    with pytest.raises(InputError, match="NUL bytes"):
        read_delimited(path)


def test_workbook_is_refused(tmp_path):
    path = _write(tmp_path, "sheet.tsv", bytes(range(128, 256)) * 64)
    problems: list[str] = []
    assert read_rows(path, problems) is None
    assert "bytes that are not UTF-8 text" in problems[0]


def test_gzipped_table_reads_like_plain(tmp_path):
    plain = _write(tmp_path, "t.tsv", "id\tsize\nP1\t4\n")
    packed = tmp_path / "t.tsv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert _read(packed)[:3] == _read(plain)[:3]


def test_no_header_row(tmp_path):
    path = _write(tmp_path, "comments_only.tsv", "#just a comment\n")
    problems: list[str] = []
    assert read_rows(path, problems) is None
    assert problems[0].startswith(f"{path}: no header row found")


# --- the pandas reader --------------------------------------------------------------------------

def test_read_delimited_keeps_comments_and_line_numbers(tmp_path):
    path = _write(tmp_path, "cbio.txt", "#a\n#b\nPATIENT_ID\tAGE\nP1\t 60 \n\nP2\t61\n")
    table = read_delimited(path)
    assert table.comments == ["a", "b"] and table.header_line == 3
    assert table.df.values.tolist() == [["P1", "60"], ["", ""], ["P2", "61"]]
    assert [table.line_of(i) for i in range(3)] == [4, 5, 6]


def test_read_delimited_refuses_an_unnamed_column(tmp_path):
    with pytest.raises(InputError, match="empty column name"):
        read_delimited(_write(tmp_path, "rownames.csv", ",id\n1,P1\n"))


# --- column matching ----------------------------------------------------------------------------

def test_canonical_column():
    assert canonical_column(" Target Sum (mm) ") == "target_sum_mm"
    assert canonical_column("Patient-ID") == "patient_id"


def test_find_column_exact_then_case_then_canonical():
    assert find_column(["PATIENT_ID", "patient_id"], "patient_id") == "patient_id"
    assert find_column(["Patient_Id", "AGE"], "PATIENT_ID") == "Patient_Id"
    assert find_column(["Patient ID", "AGE"], "PATIENT_ID") == "Patient ID"
    assert find_column(["patient id", "Patient-ID"], "PATIENT_ID") is None   # ambiguous
    assert find_column(["AGE"], "PATIENT_ID") is None


def test_column_map_reports_duplicates_after_canonicalisation():
    problems: list[str] = []
    found = column_map(["Patient ID", "patient_id", "Target Sum (mm)"], Path("m.tsv"),
                       ["patient_id"], ["target_sum_mm"], problems)
    assert found == {"patient_id": "patient_id", "target_sum_mm": "Target Sum (mm)"}
    assert problems == ["m.tsv: line header: column 'patient_id' appears twice (as 'Patient ID')"]


def test_column_map_names_what_is_missing():
    problems: list[str] = []
    assert column_map(["id"], Path("m.tsv"), ["patient_id"], [], problems,
                      one_of=("date", "days_from_start")) is None
    assert problems == ["m.tsv: header lacks required column(s) patient_id, date or "
                        "days_from_start (found: id)"]


def test_clinical_table_matches_columns_like_the_hpd_tables(tmp_path):
    # before issue 13 the cohort's clinical table matched names exactly or ignoring case only,
    # while hpd-classify also ignored spaces and punctuation: 'Patient ID' was "missing"
    from hpdgenomics.io.clinical import read_clinical

    path = _write(tmp_path, "spreadsheet_names.tsv",
                  "Patient ID\tTTF months\tTTF-Status\nP1\t3.5\t1:PROGRESSED\nP2\t12\t0\n")
    table = read_clinical(path)
    assert table.columns_used == {"id": "Patient ID", "time": "TTF months",
                                  "status": "TTF-Status"}
    assert table.df["patient_id"].tolist() == ["P1", "P2"]
    assert table.df["ttf_months"].tolist() == [3.5, 12.0]
    assert table.df["ttf_event"].tolist() == [True, False]


def test_a_line_separator_inside_a_leading_comment_does_not_end_its_line():
    # bug before this test: str.splitlines also splits at U+2028, form feeds and the like, so
    # the rest of such a comment line became the header and every row's line was one too far
    split = split_rows("# exported\u2028by a tool\x0c\nid\tvalue\nP1\t1\n", Path("t.tsv"))
    assert split is not None
    assert split.rows == [["id", "value"], ["P1", "1"]] and split.lines == [2, 3]
    assert split.comments == [" exported\u2028by a tool"]


def test_read_delimited_rows_after_a_quoted_field_spanning_lines_keep_their_file_line(tmp_path):
    # a comma-separated table (and a quoted TSV) may hold a line break inside a quoted cell:
    # the rows after it start one file line later per break, and line_of must say so
    path = _write(tmp_path, "multi.csv", 'gene,sample,note\nEGFR,S1,"p.L858R\nseen twice"\n'
                                         "KRAS,S2,\n\nTP53,S3,\"a\r\nb\nc\"\nMET,S4,x\n")
    table = read_delimited(path)
    assert table.df["gene"].tolist() == ["EGFR", "KRAS", "", "TP53", "MET"]
    assert [table.line_of(i) for i in range(len(table.df))] == [2, 4, 5, 6, 9]
    assert table.row_lines().tolist() == [2, 4, 5, 6, 9]
    quoted = _write(tmp_path, "quoted.tsv", '"gene"\t"note"\n"EGFR"\t"a\nb"\n"KRAS"\t"c"\n')
    assert read_delimited(quoted).row_lines().tolist() == [2, 4]
    plain = _write(tmp_path, "plain.tsv", 'gene\tnote\nEGFR\t"a\nKRAS\tb"\n')
    assert read_delimited(plain).row_lines().tolist() == [2, 3]    # quotes are data in a TSV
