"""Cohort exposures by grade and by component (issue 9), end to end through the real CLI.

The 12-sample MAF (tests/fixtures/cohort_exposures/) holds, by sample:
S01-S03 a truncating STK11 variant; S04 an STK11 missense variant (no LOH: not a loss);
S05 KRAS G12C with a truncating STK11 variant; S06 DNMT3A R882H (a supporting-grade match: a
clonal-haematopoiesis hotspot); S07 EGFR L858R (strong); S08 EGFR A289V (supporting: "other
non-synonymous EGFR variant"); S09-S12 only a TTN variant. The copy-number matrix adds an STK11
deep deletion (-2) in S09 and S10 and a shallow loss (-1) in S11. The counts expected below are
made by hand from that list, and the Fisher p-values recomputed with SciPy on those tables.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from scipy.stats import fisher_exact

from hpdgenomics.cli import cli
from hpdgenomics.cohort.analysis import SampleCalls
from hpdgenomics.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "cohort_exposures"
MAF = FIXTURES / "maf_only_stk11_truncating_dnmt3a_r882h_egfr_other_missense.maf"
CNA = FIXTURES / "data_cna_stk11_deep_deletion_two_samples.txt"
CLINICAL = FIXTURES / "clinical_twelve_samples_ttf.tsv"
SAMPLES = [f"S{i:02d}" for i in range(1, 13)]
# early failure (TTF < 2 months with an event) by sample, from the clinical fixture
EARLY = {"S01", "S02", "S04", "S05", "S06", "S08", "S10"}


def _cohort(tmp_path: Path, *extra) -> Path:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["cohort", "--maf", str(MAF), "--clinical", str(CLINICAL),
                                      "--build", "GRCh38", *map(str, extra), "--no-plots",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _row(rows: list[dict], ident: str, component: str, grade: str, key: str = "rule_id") -> dict:
    found = [r for r in rows if (r[key], r["component"], r["grade"]) == (ident, component, grade)]
    assert len(found) == 1, (ident, component, grade, len(found))
    return found[0]


def _check(row: dict, altered: set[str], unaltered: set[str]) -> None:
    """Counts and Fisher p of one association row against the hand-made groups."""
    not_evaluable = set(SAMPLES) - altered - unaltered
    assert (int(row["n_altered"]), int(row["n_unaltered"]), int(row["n_not_evaluable"])) == \
        (len(altered), len(unaltered), len(not_evaluable))
    table = [[len(altered & EARLY), len(altered - EARLY)],
             [len(unaltered & EARLY), len(unaltered - EARLY)]]
    assert (int(row["early_failure_altered"]), int(row["early_failure_evaluable_altered"])) == \
        (table[0][0], len(altered))
    assert (int(row["early_failure_unaltered"]), int(row["early_failure_evaluable_unaltered"])) \
        == (table[1][0], len(unaltered))
    if altered and unaltered:
        assert float(row["fisher_p"]) == pytest.approx(fisher_exact(table)[1], rel=1e-5)
    else:
        assert row["fisher_p"] == ""          # nothing to compare: no test, never a fake p


@pytest.fixture(scope="module")
def maf_only(tmp_path_factory) -> Path:
    return _cohort(tmp_path_factory.mktemp("maf_only"))


@pytest.fixture(scope="module")
def maf_and_cna(tmp_path_factory) -> Path:
    return _cohort(tmp_path_factory.mktemp("maf_and_cna"), "--cna", CNA)


# --- exposure by component ------------------------------------------------------------------------

def test_maf_only_cohort_tests_stk11_loss_on_its_variants(maf_only):
    rows = _tsv(maf_only / "association.tsv")
    truncating = {"S01", "S02", "S03", "S05"}
    # all criteria: without copy number, a sample without a truncating variant is not evaluable
    # (a deep deletion could not have been seen), so nothing is unaltered and nothing is tested
    _check(_row(rows, "STK11_LOSS", "all", "strong"), truncating, set())
    variant = _row(rows, "STK11_LOSS", "variant", "strong")
    assert variant["exposure"].startswith("variants only: deep deletion not assessed")
    _check(variant, truncating, set(SAMPLES) - truncating)       # S04's missense is not a loss
    _check(_row(rows, "STK11_LOSS", "copy_number", "strong"), set(), set())
    # the co-occurrence rule has a variant component too: KRAS mutation + truncating STK11
    co = _row(rows, "KRAS_STK11_CO", "variant", "strong")
    assert co["exposure"].startswith("variants only: deep deletion not assessed")
    _check(co, {"S05"}, set(SAMPLES) - {"S05"})


def test_maf_only_warning_points_to_the_variant_component(maf_only):
    warnings = json.loads((maf_only / "cohort.json").read_text())["warnings"]
    expected = ("STK11_LOSS not evaluable in 8/12 samples [commonest reason: STK11 copy number "
                "(no copy-number matrix)]; its counts and tests say nothing about absence; its "
                "variant component (variants only: deep deletion not assessed) is evaluable in "
                "12/12 samples: see the rows with component variant")
    assert expected in warnings


def test_cohort_with_variants_and_copy_number_has_every_component(maf_and_cna):
    rows = _tsv(maf_and_cna / "association.tsv")
    truncating, deleted = {"S01", "S02", "S03", "S05"}, {"S09", "S10"}
    _check(_row(rows, "STK11_LOSS", "all", "strong"), truncating | deleted,
           set(SAMPLES) - truncating - deleted)
    _check(_row(rows, "STK11_LOSS", "variant", "strong"), truncating, set(SAMPLES) - truncating)
    copy_number = _row(rows, "STK11_LOSS", "copy_number", "strong")
    assert copy_number["exposure"].startswith("copy number only: variants not assessed")
    _check(copy_number, deleted, set(SAMPLES) - deleted)             # S11's -1 is shallow
    genes = _tsv(maf_and_cna / "association_genes.tsv")
    _check(_row(genes, "STK11", "variant", "strong", key="gene"), truncating,
           set(SAMPLES) - truncating)
    _check(_row(genes, "STK11", "copy_number", "strong", key="gene"), deleted,
           set(SAMPLES) - deleted)


def test_matrix_has_a_block_per_definition_and_n_a_where_a_rule_has_no_such_component(maf_only):
    rows = _tsv(maf_only / "matrix.tsv")
    assert list(rows[0])[:4] == ["sample_id", "patient_id", "component", "grade"]
    blocks = list(dict.fromkeys((r["component"], r["grade"]) for r in rows))
    assert blocks[0] == ("all", "strong")
    assert set(blocks) == {("all", "strong"), ("all", "any"), ("variant", "strong"),
                           ("variant", "any"), ("copy_number", "strong")}
    cell = {(r["sample_id"], r["component"], r["grade"]): r for r in rows}
    assert cell["S04", "all", "strong"]["STK11_LOSS"] == ""           # not evaluable
    assert cell["S04", "variant", "strong"]["STK11_LOSS"] == "0"      # assessed, not a loss
    assert cell["S01", "copy_number", "strong"]["STK11_LOSS"] == ""   # no copy number
    assert cell["S01", "copy_number", "strong"]["EGFR_MUT"] == "n/a"  # no such criteria
    assert cell["S01", "variant", "strong"]["MDM2_AMP"] == "n/a"
    genes = _tsv(maf_only / "matrix_genes.tsv")
    assert {(r["component"], r["grade"]) for r in genes} >= {("all", "strong"), ("variant", "any")}


# --- grade ----------------------------------------------------------------------------------------

def test_supporting_grade_matches_are_not_altered_by_default_but_in_the_labelled_any_rows(maf_only):
    rows = _tsv(maf_only / "association.tsv")
    default = _row(rows, "DNMT3A_ALT", "all", "strong")
    assert "supporting-grade (DNMT3A missense variant) not counted" in default["exposure"]
    _check(default, set(), set(SAMPLES))                     # R882H is not counted as altered
    broader = _row(rows, "DNMT3A_ALT", "all", "any")
    assert broader["exposure"].startswith("all criteria; strong or supporting-grade matches")
    _check(broader, {"S06"}, set(SAMPLES) - {"S06"})
    _check(_row(rows, "EGFR_MUT", "all", "strong"), {"S07"}, set(SAMPLES) - {"S07"})
    _check(_row(rows, "EGFR_MUT", "all", "any"), {"S07", "S08"}, set(SAMPLES) - {"S07", "S08"})
    # a rule without supporting-grade criteria has no "any" row (it would repeat "strong")
    assert not [r for r in rows if r["rule_id"] == "AKT1_E17K" and r["grade"] == "any"]
    genes = _tsv(maf_only / "association_genes.tsv")
    _check(_row(genes, "DNMT3A", "all", "strong", key="gene"), set(), set(SAMPLES))
    _check(_row(genes, "DNMT3A", "all", "any", key="gene"), {"S06"}, set(SAMPLES) - {"S06"})
    # nothing is lost: the calls keep the match and its grade
    calls = _tsv(maf_only / "calls.tsv")
    r882h = [c for c in calls if c["sample_id"] == "S06"]
    assert [(c["rule_id"], c["protein_change"], c["grade"]) for c in r882h] == \
        [("DNMT3A_ALT", "p.R882H", "supporting")]


def test_q_values_are_benjamini_hochberg_within_each_exposure_family(maf_only):
    rows = _tsv(maf_only / "association.tsv")
    default = [r for r in rows if (r["component"], r["grade"]) == ("all", "strong")]
    assert len(default) == 13 and len({r["rule_id"] for r in default}) == 13
    for key in {(r["component"], r["grade"]) for r in rows}:
        family = [r for r in rows if (r["component"], r["grade"]) == key and r["fisher_p"]]
        ordered = sorted(family, key=lambda r: float(r["fisher_p"]))
        running, expected = 1.0, {}
        for rank in range(len(ordered), 0, -1):       # BH by hand within the family
            running = min(running, float(ordered[rank - 1]["fisher_p"]) * len(ordered) / rank)
            expected[ordered[rank - 1]["rule_id"]] = running
        for row in family:
            assert float(row["fisher_q"]) == pytest.approx(expected[row["rule_id"]], rel=1e-5)
    stk11 = _row(rows, "STK11_LOSS", "variant", "strong")
    variant_family = [r for r in rows if (r["component"], r["grade"]) == ("variant", "strong")
                      and r["fisher_p"]]
    assert len(variant_family) == 4 and float(stk11["fisher_q"]) > float(stk11["fisher_p"])


def test_cohort_html_labels_the_other_exposures(maf_only):
    html = (maf_only / "cohort.html").read_text()
    assert "Altered means a strong-grade match of any of the rule's criteria" in html
    assert 'id="other-exposures"' in html
    assert "variants only: deep deletion not assessed" in html
    assert "strong or supporting-grade matches (supporting: DNMT3A missense variant)" in html


# --- the single-sample report ---------------------------------------------------------------------

def _screen(tmp_path: Path, *args) -> dict:
    out = tmp_path / "screen"
    result = CliRunner().invoke(cli, ["screen", *map(str, args), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(next(out.glob("*.hpd.json")).read_text())


def test_single_sample_json_components_of_a_copy_number_loss(tmp_path):
    report = _screen(tmp_path, "--vcf", ROOT / "examples/cohort/vcf/S04.vcf",
                     "--cnv", ROOT / "examples/cohort/cnv/S04.call.cns")
    rules = {r["rule_id"]: r for r in report["rules"]}
    stk11 = rules["STK11_LOSS"]
    assert (stk11["status"], stk11["grade"]) == ("altered", "strong")
    assert set(stk11["components"]) == {"variant", "copy_number"}
    variant, copy_number = stk11["components"]["variant"], stk11["components"]["copy_number"]
    assert (variant["status"], variant["partial"]) == ("not_detected", True)
    assert variant["label"] == "variants only: deep deletion not assessed"
    assert (copy_number["status"], copy_number["grade"]) == ("altered", "strong")
    assert copy_number["strong_grade"]["status"] == "altered"
    # KRAS G12C + STK11 deep deletion: the co-occurrence holds, but not on variants alone
    co = rules["KRAS_STK11_CO"]
    assert co["status"] == "altered" and co["components"]["variant"]["status"] == "not_detected"
    assert report["genes"][[g["gene"] for g in report["genes"]].index("STK11")]["components"][
        "copy_number"]["status"] == "altered"
    tsv = _tsv(next((tmp_path / "screen").glob("*.hpd.tsv")))
    assert {(r["rule_id"], r["rule_component"]) for r in tsv} == {
        ("KRAS_STK11_CO", "all"), ("STK11_LOSS", "copy_number"), ("KRAS_MUT", "variant")}


def test_single_sample_json_without_copy_number_says_which_part_was_not_evaluable(tmp_path):
    report = _screen(tmp_path, "--vcf", ROOT / "example_vcfs/kras_stk11_grch37.vcf")
    stk11 = next(r for r in report["rules"] if r["rule_id"] == "STK11_LOSS")
    assert stk11["components"]["variant"]["status"] == "altered"
    copy_number = stk11["components"]["copy_number"]
    assert copy_number["status"] == "not_evaluable"
    assert copy_number["reason"] == "not evaluable: STK11 copy number (no copy-number input)"
    html = next((tmp_path / "screen").glob("*.hpd.html")).read_text()
    assert "<strong>copy number only: variants not assessed</strong>" in html


def test_single_sample_supporting_grade_match_keeps_its_strong_grade_status(tmp_path):
    report = _screen(tmp_path, "--vcf", FIXTURES / "dnmt3a_r882h_supporting_grade_grch38.vcf")
    dnmt3a = next(r for r in report["rules"] if r["rule_id"] == "DNMT3A_ALT")
    assert (dnmt3a["status"], dnmt3a["grade"]) == ("altered", "supporting")
    assert dnmt3a["strong_grade"]["status"] == "not_detected"
    assert "supporting-grade match not counted: DNMT3A: DNMT3A missense variant" in \
        dnmt3a["strong_grade"]["reason"]
    gene = next(g for g in report["genes"] if g["gene"] == "DNMT3A")
    assert (gene["status"], gene["strong_grade"]["status"]) == ("altered", "not_detected")


def _manifest_run(tmp_path: Path) -> tuple[Path, list[str]]:
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("sample_id\tvcf\n"
                        f"R882H\t{FIXTURES / 'dnmt3a_r882h_supporting_grade_grch38.vcf'}\n"
                        f"OTHER\t{ROOT / 'example_vcfs' / 'negative_grch38.vcf'}\n")
    out = tmp_path / "out"
    return out, ["cohort", "--manifest", str(manifest), "--workers", "1", "--no-plots",
                 "-o", str(out)]


def test_manifest_cohort_reads_the_grades_from_the_sample_reports(tmp_path):
    out, args = _manifest_run(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    cell = {(r["sample_id"], r["component"], r["grade"]): r["DNMT3A_ALT"]
            for r in _tsv(out / "matrix.tsv")}
    assert (cell["R882H", "all", "strong"], cell["R882H", "all", "any"]) == ("0", "1")
    assert cell["OTHER", "all", "any"] == "0"


def test_a_reused_report_without_grade_and_component_statuses_is_refused(tmp_path):
    out, args = _manifest_run(tmp_path)
    assert CliRunner().invoke(cli, args).exit_code == 0
    # what an older hpdgenomics of the same version wrote: no strong_grade / components
    report_path = out / "samples" / "R882H.hpd.json"
    report = json.loads(report_path.read_text())
    for entry in report["rules"] + report["genes"]:
        entry.pop("strong_grade"), entry.pop("components")
    report_path.write_text(json.dumps(report))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("hpdgenomics: error")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert "the report of sample R882H has no strong-grade or per-component statuses" in errors[0]
    assert ".hpd.key" in result.stderr
    with pytest.raises(InputError, match="older hpdgenomics"):
        SampleCalls.from_report(report)
