"""MAF reader: real MAFs of four flavours (shared data) and one fixture per edge case."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hpdgenomics.errors import InputError
from hpdgenomics.io.maf import MAF_SCHEMA, maf_to_variant_calls, read_maf
from hpdgenomics.model import Consequence, VariantCall

FIXTURES = Path(__file__).parent / "fixtures" / "cohort"


def row(table, sample, gene, **match):
    rows = table.df[(table.df.sample_id == sample) & (table.df.gene == gene)]
    for key, value in match.items():
        rows = rows[rows[key] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --- shared, real files --------------------------------------------------------------------------

@pytest.mark.shared
def test_oncokb_example_maf_rows_and_protein_changes(shared_data):
    table = read_maf(shared_data / "maf" / "example_maf.txt")
    assert table.rows_read == 17 and len(table.df) == 17 and not table.rejected
    assert table.build == "GRCh37"
    assert table.rows_per_sample == {"TCGA-02-0033-01": 5, "TCGA-05-4417-01": 9,
                                     "TCGA-06-0155-01": 2, "TCGA-A6-2672-01A-01W-0833-10": 1}
    kras = table.df[(table.df.gene == "KRAS")]
    assert kras.protein_change.tolist() == ["p.G12C", "p.G12C"]
    assert kras.pos.tolist() == [25398285, 25398285] and kras.end.tolist() == [25398285, 25398286]
    # listed by protein change alone: kept, without coordinates
    akt3 = row(table, "TCGA-05-4417-01", "AKT3")
    assert akt3.protein_change == "p.E182*" and akt3.consequence == "nonsense"
    assert pd.isna(akt3.chrom) and pd.isna(akt3.pos)
    # "T790M" written without the p. prefix
    assert row(table, "TCGA-05-4417-01", "EGFR").protein_change == "p.T790M"
    assert row(table, "TCGA-02-0033-01", "NF1").consequence == "splice_site"
    tert = row(table, "TCGA-05-4417-01", "TERT")
    assert tert.consequence == "noncoding" and pd.isna(tert.protein_change)
    assert tert.source_line == 16


@pytest.mark.shared
def test_oncokb_grch38_example_build(shared_data):
    table = read_maf(shared_data / "maf" / "example_maf_grch38.txt")
    assert table.build == "GRCh38" and len(table.df) == 14
    kras = row(table, "TCGA-05-4417-01", "KRAS")
    assert (kras.chrom, kras.pos, kras.ref, kras.alt) == ("12", 25245351, "C", "A")


@pytest.mark.shared
def test_cbioportal_maf_version_line_alleles_and_exons(shared_data):
    table = read_maf(shared_data / "maf" / "cbioportal_data_mutations_extended.maf")
    assert table.comments == ["version 2.4"]
    assert len(table.df) == 36 and table.build == "GRCh37"
    assert len(table.samples) == 21
    tmem = row(table, "TCGA-A1-A0SB-01", "TMEM247")
    assert (tmem.consequence, tmem.protein_change, tmem.ref, tmem.alt, tmem.exon) == \
        ("frameshift", "p.A155Rfs*59", "G", "-", 2)
    assert tmem.transcript == "ENST00000434431" and tmem.source_line == 4
    myb = row(table, "TCGA-A1-A0SB-02", "MYB")
    assert (myb.consequence, myb.ref, myb.alt) == ("frameshift", "-", "A")
    assert row(table, "TCGA-A1-A0SB-02", "CADM2").consequence == "synonymous"
    # Exon_Number "11-Jun" is a spreadsheet date (from "6/11"): left empty, with a warning
    tp53 = row(table, "TCGA-A1-A0SB-01", "TP53", consequence="missense")
    assert pd.isna(tp53.exon)
    assert any("spreadsheet dates" in w for w in table.warnings)
    # t_depth 0 with no alt count: depth known, VAF undefined
    assert tp53.depth == 0 and pd.isna(tp53.vaf)


@pytest.mark.shared
def test_tcga_laml_gzip_numeric_build_and_chromosome_23(shared_data):
    table = read_maf(shared_data / "maf" / "tcga_laml.maf.gz")
    assert table.rows_read == 2207 and len(table.df) == 2207
    assert table.build == "GRCh37"                      # NCBI_Build "37"
    assert len(table.samples) == 193
    counts = table.df.consequence.value_counts()
    assert counts["missense"] == 1342 and counts["frameshift"] == 91 + 52
    assert counts["synonymous"] == 449 and counts["splice_site"] == 92
    assert "23" not in set(table.df.chrom) and (table.df.chrom == "X").sum() == 108
    bcor = table.df[(table.df.gene == "BCOR") & (table.df.sample_id == "TCGA-AB-2968")].iloc[0]
    assert (bcor.chrom, bcor.protein_change, bcor.transcript) == ("X", "p.K839fs", "NM_017745")
    assert table.df.loc[0, "protein_change"] == "p.K960R"   # Protein_Change column


# --- fixtures -------------------------------------------------------------------------------------

def test_vcf2maf_fixture_schema_vaf_alleles_and_versionless_transcript():
    table = read_maf(FIXTURES / "maf_vcf2maf_version_header.maf")
    assert list(table.df.columns) == list(MAF_SCHEMA)
    assert {c: str(t) for c, t in table.df.dtypes.items()} == MAF_SCHEMA
    assert table.comments == ["version 2.4", "comment from a pipeline"]
    l858r = row(table, "S1", "EGFR", consequence="missense")
    assert (l858r.chrom, l858r.pos, l858r.exon, l858r.vaf, l858r.depth) \
        == ("7", 55191822, 21, 0.4, 100)
    assert l858r.transcript == "ENST00000275493" and l858r.source_line == 4
    # Allele2 equals the reference: the variant allele is Allele1 ("-")
    deletion = row(table, "S1", "EGFR", consequence="inframe_deletion")
    assert (deletion.ref, deletion.alt, deletion.vaf) == ("GGAATTAAGAGAAGC", "-", 0.2)
    kras = row(table, "S2", "KRAS")
    assert pd.isna(kras.depth) and pd.isna(kras.vaf)
    assert row(table, "S3", "TP53")["filter"] == "common_variant"
    assert table.rows_per_sample == {"S1": 2, "S2": 2, "S3": 1}


def test_gzipped_copy_reads_the_same(tmp_path):
    plain = FIXTURES / "maf_vcf2maf_version_header.maf"
    packed = tmp_path / "copy.maf.gz"
    with open(plain, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    pd.testing.assert_frame_equal(read_maf(plain).df, read_maf(packed).df)


def test_missing_required_columns_are_named():
    with pytest.raises(InputError) as caught:
        read_maf(FIXTURES / "maf_missing_required_columns.maf")
    message = str(caught.value)
    assert "Variant_Classification" in message and "maf_missing_required_columns.maf" in message
    assert "Hugo_Symbol," not in message.split("lacks")[1].split(";")[0]


def test_every_bad_row_is_reported_at_once():
    with pytest.raises(InputError) as caught:
        read_maf(FIXTURES / "maf_bad_rows.maf")
    message = str(caught.value)
    assert "6 row(s) cannot be read" in message
    for expected in ("line 3: Start_Position '25398285.5' is not a whole number",
                     "line 4: Variant_Classification 'Missense_Mutaton'",
                     "line 5: End_Position 7577530 is before Start_Position 7577538",
                     "line 6: t_alt_count 25 exceeds t_depth 20",
                     "line 7: blank Hugo_Symbol; t_alt_count 'ten'",
                     "line 8: NCBI_Build 'NCBI36'"):
        assert expected in message


def test_skip_mode_keeps_good_rows_and_accounts_for_rejected():
    table = read_maf(FIXTURES / "maf_bad_rows.maf", on_invalid="skip")
    assert table.rows_read == 7 and len(table.df) == 1
    assert [line for line, _ in table.rejected] == [3, 4, 5, 6, 7, 8]
    accounting = table.accounting()
    assert accounting["rows_rejected"] == 6 and accounting["rows_per_sample"] == {"S1": 1}


def test_mixed_builds_are_refused():
    with pytest.raises(InputError, match=r"mixes genome builds \(GRCh37: 1 rows, GRCh38: 1 rows\)"):
        read_maf(FIXTURES / "maf_mixed_builds.maf")


def test_protein_change_without_prefix_gets_one():
    table = read_maf(FIXTURES / "maf_protein_change_without_prefix.maf")
    assert table.df.protein_change.tolist() == ["p.T790M", "p.E17K"]
    assert table.build is None


def test_three_letter_hgvsp_is_converted():
    pytest.importorskip("hpdgenomics.annotation.hgvs")
    table = read_maf(FIXTURES / "maf_three_letter_hgvsp_only.maf")
    assert table.df.protein_change.tolist() == ["p.E17K", "p.G12C"]


def test_variant_calls_for_the_rule_engine():
    table = read_maf(FIXTURES / "maf_vcf2maf_version_header.maf")
    calls = maf_to_variant_calls(table.df, "S1")
    assert len(calls) == 2 and all(isinstance(c, VariantCall) for c in calls)
    l858r = calls[0]
    assert (l858r.gene, l858r.protein_change, l858r.consequence, l858r.exon) == \
        ("EGFR", "p.L858R", Consequence.MISSENSE, 21)
    assert (l858r.chrom, l858r.pos, l858r.depth, l858r.alt_depth, l858r.vaf) == \
        ("7", 55191822, 100, 40, 0.4)
    assert l858r.record == "MAF line 4" and l858r.transcript == "ENST00000275493"
    assert calls[1].consequence is Consequence.INFRAME_DELETION
    stk11 = maf_to_variant_calls(table.df, "S2")[0]
    assert stk11.consequence is Consequence.NONSENSE and stk11.vaf == 0.0
    with pytest.raises(InputError, match="'S9' has no rows"):
        maf_to_variant_calls(table.df, "S9")


def test_blank_lines_are_not_rows_and_keep_later_lines_exact():
    # blank lines (empty, or only tabs) between rows: not counted as rows, and the rows after
    # them keep their own file lines; a row with several problems lists them in reading order
    table = read_maf(FIXTURES / "maf_blank_lines_between_rows.maf", on_invalid="skip")
    assert table.rows_read == 3 and table.df.source_line.tolist() == [3, 5]
    assert table.rejected == [(7, "Variant_Classification 'Missense_Mutaton' is not a MAF "
                                  "classification; position 999,999,999 lies beyond the end of "
                                  "chromosome 17 in GRCh38 (length 83,257,441); t_alt_count 25 "
                                  "exceeds t_depth 20")]


def test_rows_after_a_quoted_cell_spanning_lines_keep_their_file_line():
    # a comma-separated MAF whose HGVSp_Short cell of line 2 runs on to line 3: the misspelt
    # classification of the next row is on line 4, and that is the line the rejection names
    table = read_maf(FIXTURES / "maf_quoted_cell_spanning_two_lines.csv", on_invalid="skip")
    assert table.df.source_line.tolist() == [2]
    assert table.rejected == [(4, "Variant_Classification 'Missense_Mutaton' is not a MAF "
                                  "classification")]
