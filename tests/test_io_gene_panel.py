"""Gene-panel matrix, panel definitions and the profiled / not-profiled distinction."""
from __future__ import annotations

from pathlib import Path

import pytest

from hpdgenomics.errors import InputError
from hpdgenomics.io.gene_panel import (
    NO_MATRIX_ASSUMPTION,
    ProfilingMap,
    read_gene_panel_matrix,
    read_gene_panels,
)
from hpdgenomics.model import GeneStatus

FIXTURES = Path(__file__).parent / "fixtures" / "cohort"
PANELS = [FIXTURES / "gene_panel_cbioportal_panel_a.txt",
          FIXTURES / "gene_panel_cbioportal_panel_b.txt"]


@pytest.fixture
def profiling() -> ProfilingMap:
    return ProfilingMap.from_files(FIXTURES / "gene_panel_matrix_with_na.txt", PANELS)


@pytest.mark.shared
def test_cbioportal_matrix_na_means_not_profiled(shared_data):
    matrix = read_gene_panel_matrix(shared_data / "clinical" / "data_gene_panel_matrix.txt")
    assert list(matrix.columns) == ["mutations", "gistic"] and len(matrix) == 20
    assert matrix.loc["TCGA-A1-A0SB-02", "mutations"] == "TESTPANEL2"
    assert matrix.loc["TCGA-A1-A0SB-02", "gistic"] is None
    assert matrix.loc["TEST_SAMPLE_1"].tolist() == [None, None]
    # the test study's panels are not defined here: building a map must say which are missing
    with pytest.raises(InputError, match="TESTPANEL1, TESTPANEL2 with no definition"):
        ProfilingMap(matrix=matrix)


def test_cbioportal_panel_files_and_long_table_agree():
    from_cbioportal = read_gene_panels(PANELS)
    assert from_cbioportal == {"PANEL_A": {"EGFR", "KRAS", "STK11", "MDM2"},
                               "PANEL_B": {"EGFR", "KRAS"}}
    assert read_gene_panels(FIXTURES / "gene_panels_long_table.tsv") == from_cbioportal


def test_profiled_unaltered_and_not_profiled_stay_distinct(profiling):
    assert profiling.assumption is None
    assert profiling.profiled("S1", "STK11") is True
    assert profiling.profiled("S2", "STK11") is False          # panel B lacks STK11
    assert profiling.profiled("S3", "EGFR", "mutations") is False   # NA: not profiled at all
    assert profiling.profiled("S3", "EGFR", "gistic") is True
    assert profiling.profiled("S4", "ANYGENE") is True          # WES
    assert profiling.profiled("S9", "EGFR") is None             # not in the matrix: unknown
    assert profiling.gene_status("S1", "STK11", altered=False) is GeneStatus.NOT_DETECTED
    assert profiling.gene_status("S2", "STK11", altered=False) is GeneStatus.NOT_EVALUABLE
    assert profiling.gene_status("S9", "STK11", altered=False) is GeneStatus.NOT_EVALUABLE
    assert profiling.gene_status("S2", "KRAS", altered=True) is GeneStatus.ALTERED


def test_status_table_counts_denominators(profiling):
    table = profiling.status_table(["S1", "S2", "S3"], ["KRAS", "STK11"], altered={("S1", "KRAS")})
    assert table.loc["S1"].tolist() == ["altered", "not_detected"]
    assert table.loc["S2"].tolist() == ["not_detected", "not_evaluable"]
    assert table.loc["S3"].tolist() == ["not_evaluable", "not_evaluable"]
    profiled_for_stk11 = (table["STK11"] != "not_evaluable").sum()
    assert profiled_for_stk11 == 1


def test_no_matrix_states_the_assumption():
    default = ProfilingMap.from_files()
    assert default.assumption == NO_MATRIX_ASSUMPTION
    assert "every sample is taken as profiled for every gene" in default.assumption
    assert default.profiled("anything", "EGFR") is True
    assert default.gene_status("x", "EGFR", altered=False) is GeneStatus.NOT_DETECTED


def test_unknown_profile_is_named(profiling):
    with pytest.raises(InputError, match="profile 'cna' is not a column.*mutations, gistic"):
        profiling.profiled("S1", "EGFR", "cna")


def test_undefined_panel_is_refused():
    with pytest.raises(InputError) as caught:
        ProfilingMap.from_files(FIXTURES / "gene_panel_matrix_undefined_panel.txt", PANELS)
    assert "PANEL_Z" in str(caught.value)
    assert "gene_panel_matrix_undefined_panel.txt" in str(caught.value)


def test_duplicate_and_blank_samples_listed_together():
    with pytest.raises(InputError) as caught:
        read_gene_panel_matrix(FIXTURES / "gene_panel_matrix_duplicate_sample.txt")
    message = str(caught.value)
    assert "2 problem(s)" in message
    assert "line 3: sample 'S1' already on line 2" in message
    assert "line 4: blank SAMPLE_ID" in message


def test_entrez_gene_lists_are_refused():
    with pytest.raises(InputError, match="Entrez gene ids"):
        read_gene_panels(FIXTURES / "gene_panel_entrez_ids.txt")


def test_conflicting_panel_definitions(tmp_path):
    other = tmp_path / "panel_a_again.txt"
    other.write_text("stable_id: PANEL_A\ngene_list:\tEGFR\n")
    with pytest.raises(InputError, match="'PANEL_A' is defined differently"):
        read_gene_panels([PANELS[0], other])
