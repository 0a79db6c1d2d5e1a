"""Outputs that stay bounded at registry scale, and faster code that gives today's numbers.

Not timed (speed is measured in benchmarks/bench_cohort_outputs.py): these check that the capped
HTML/JSON say what they leave out and where it is, that the oncoprint draws only samples with a
match and states the counts, and that each faster path equals the straightforward one.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hpdgenomics.cohort import plots
from hpdgenomics.cohort import report as report_module
from hpdgenomics.cohort.analysis import (
    analyse_cohort,
    exposure_definitions,
    exposure_matrices,
    not_evaluable_warnings,
    status_matrix,
)
from hpdgenomics.cohort.report import (
    CALLS_COLUMNS,
    HTML_SAMPLE_LIMIT,
    CohortConfig,
    _tsv_text,
    run_cohort,
    write_cohort_outputs,
)
from hpdgenomics.knowledge import load_knowledge
from hpdgenomics.stats import firth, survival


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A 12-sample cohort from a discrete CNA matrix (MDM2 amplified in S1-S3, MDM2 not in the
    matrix for S12, so not evaluable there), screened by the ordinary cohort path."""
    folder = tmp_path_factory.mktemp("cohort_scale")
    samples = [f"S{i}" for i in range(1, 13)]
    frame = pd.DataFrame({"Hugo_Symbol": ["MDM2", "STK11"],
                          **{s: [2 if s in ("S1", "S2", "S3") else 0,
                                 -2 if s == "S4" else 0] for s in samples}}, dtype=object)
    frame.loc[0, "S12"] = "NA"
    frame.to_csv(folder / "data_cna.txt", sep="\t", index=False)
    return run_cohort(CohortConfig(cna=folder / "data_cna.txt", build="GRCh38"))


def _scaled(base, n: int, name=lambda k, s: f"{s}-R{k}"):
    """``n`` samples: copies of the base samples under new ids, sharing their status dicts."""
    out = []
    k = 0
    while len(out) < n:
        out += [dataclasses.replace(s, sample_id=name(k, s.sample_id)) for s in base]
        k += 1
    return out[:n]


def _report(base, samples, **changes):
    analysis = analyse_cohort(samples, load_knowledge(None).rules)
    return dataclasses.replace(base, analysis=analysis, **changes)


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_html_above_the_sample_limit_shows_the_first_rows_says_how_many_more_and_links_the_tsv(
        base, tmp_path):
    n = HTML_SAMPLE_LIMIT + 37
    samples = _scaled(base.analysis.samples, n)
    outcomes = [{"sample_id": s.sample_id, "status": "screened", "error": None,
                 "report": f"samples/{s.sample_id}.hpd.json", "manifest_line": i + 2,
                 "genome_build": "GRCh38", "caution_level": "none"}
                for i, s in enumerate(samples)]
    report = _report(base, samples, sample_outcomes=outcomes)
    paths = write_cohort_outputs(report, tmp_path, plots=False)

    html = paths["html"].read_text()
    shown = re.findall(r"<tr><td>([^<]+)</td><td>screened</td>", html)
    assert shown == [o["sample_id"] for o in outcomes[:HTML_SAMPLE_LIMIT]]
    assert (f"Showing the first {HTML_SAMPLE_LIMIT} of {n} samples (37 more)" in html
            and '<a href="samples.tsv">samples.tsv</a>' in html)
    rows = _tsv(paths["samples"])
    assert [r["sample_id"] for r in rows] == [o["sample_id"] for o in outcomes]
    assert rows[-1]["report"] == outcomes[-1]["report"] and rows[-1]["manifest_line"] == str(n + 1)


def test_html_at_the_sample_limit_shows_every_row_and_no_cap_line(base, tmp_path):
    samples = _scaled(base.analysis.samples, 24)
    outcomes = [{"sample_id": s.sample_id, "status": "screened", "error": None,
                 "report": f"samples/{s.sample_id}.hpd.json", "manifest_line": i + 2,
                 "genome_build": "GRCh38", "caution_level": "none"}
                for i, s in enumerate(samples)]
    html = write_cohort_outputs(_report(base, samples, sample_outcomes=outcomes), tmp_path,
                                plots=False)["html"].read_text()
    assert len(re.findall(r"<td>screened</td>", html)) == 24
    assert "Showing the first" not in html


def test_json_above_its_sample_limit_keeps_the_first_samples_rows_and_says_so(
        base, tmp_path, monkeypatch):
    monkeypatch.setattr(report_module, "JSON_SAMPLE_LIMIT", 30)
    samples = _scaled(base.analysis.samples, 100)
    report = _report(base, samples)
    paths = write_cohort_outputs(report, tmp_path, plots=False)
    data = json.loads(paths["json"].read_text())
    blocks = len(report.analysis.rule_matrices)
    matrix = data["matrix"]
    assert (matrix["truncated"], matrix["n_samples"], matrix["n_samples_included"],
            matrix["limit"], matrix["table"]) == (True, 100, 30, 30, "matrix.tsv")
    assert len(matrix["rows"]) == matrix["n_rows_included"] == 30 * blocks
    assert matrix["n_rows"] == 100 * blocks == len(_tsv(paths["matrix"]))
    first = {s.sample_id for s in samples[:30]}
    assert {r["sample_id"] for r in matrix["rows"]} == first
    calls = data["calls_included"]
    assert calls["truncated"] and calls["table"] == "calls.tsv"
    assert calls["n_rows"] == len(_tsv(paths["calls"])) == sum(len(s.alterations) for s in samples)
    assert {c["sample_id"] for c in data["calls"]} <= first
    assert calls["n_rows_included"] == len(data["calls"]) == \
        sum(len(s.alterations) for s in samples[:30])
    # what is never capped: counts over every sample
    mdm2 = next(c for c in data["counts"]["rules"]
                if c["rule_id"] == "MDM2_AMP" and c["component"] == "all"
                and c["grade"] == "strong")
    assert mdm2["altered"] + mdm2["not_detected"] + mdm2["not_evaluable"] == 100


def test_json_below_its_limit_is_complete_and_not_flagged(base, tmp_path):
    report = _report(base, _scaled(base.analysis.samples, 24))
    data = json.loads(write_cohort_outputs(report, tmp_path, plots=False)["json"].read_text())
    assert data["matrix"]["truncated"] is False
    assert len(data["matrix"]["rows"]) == data["matrix"]["n_rows"] == \
        24 * len(report.analysis.rule_matrices)


def test_fast_tsv_writers_give_the_bytes_of_the_row_by_row_writer(base):
    # ids that need quoting: a double quote, a tab
    samples = _scaled(base.analysis.samples, 36,
                      name=lambda k, s: f'{s}"q' if k == 1 else f"{s}\tt" if k == 2 else s)
    report = _report(base, samples)
    assert sum(len(s.alterations) for s in samples) > 0
    assert report.calls_tsv() == _tsv_text(CALLS_COLUMNS, report.calls_rows())
    for level in ("rule", "gene"):
        assert report.matrix_tsv(level) == _tsv_text(*report.matrix_rows(level))


def _large_matrix(n: int, altered: dict[str, list[int]], not_evaluable: dict[str, list[int]]):
    matrix = pd.DataFrame(0.0, index=[f"P{i:05d}" for i in range(n)], columns=list(altered))
    for rule, rows in altered.items():
        matrix.iloc[rows, matrix.columns.get_loc(rule)] = 1.0
    for rule, rows in not_evaluable.items():
        matrix.iloc[rows, matrix.columns.get_loc(rule)] = math.nan
    return matrix


def test_oncoprint_of_a_large_cohort_draws_only_samples_with_a_match_and_states_the_counts():
    n = 5000
    matrix = _large_matrix(n, {"A": list(range(0, 40)), "B": list(range(30, 60)), "C": []},
                           {"C": list(range(100, 3000))})
    supporting = matrix.copy()
    supporting.iloc[[4000, 4001], supporting.columns.get_loc("C")] = 1.0   # supporting only
    figure = plots.oncoprint_figure(matrix, supporting=supporting)
    # 60 strong-grade matches (0-59) and 2 supporting-grade only
    assert figure.note.startswith(f"62 of {n} samples drawn: the 62 with a match; "
                                  f"{n - 62} samples without any match are not drawn")
    assert f"62 of {n} samples drawn (samples with a match only)" in figure.svg
    for label in ("A (40)", "B (30)", "C (0)"):     # counts over every sample
        assert label in figure.svg


def test_oncoprint_beyond_its_column_limit_draws_one_in_every_k_matched_samples(monkeypatch):
    monkeypatch.setattr(plots, "ONCOPRINT_MAX_COLUMNS", 20)
    figure = plots.oncoprint_figure(_large_matrix(1000, {"A": list(range(50))}, {}))
    # 50 matched, ceil(50 / 20) = 3: columns 0, 3, ..., 48
    assert figure.note.startswith("17 of 1000 samples drawn: the 50 with a match, one in every 3")
    assert "17 of 1000 samples drawn (samples with a match only, one in every 3)" in figure.svg


def test_oncoprint_of_a_small_cohort_still_draws_every_sample():
    figure = plots.oncoprint_figure(_large_matrix(12, {"A": [0, 5]}, {"A": [7]}))
    assert figure.note == ""
    assert "P00011" in figure.svg and "samples drawn" not in figure.svg   # every sample named


def test_km_censor_ticks_are_distinct_times_capped():
    times = np.repeat(np.arange(1000) / 10, 7)      # 7,000 censorings at 1,000 distinct times
    ticks = plots._censor_ticks(times)
    assert len(ticks) == plots.KM_CENSOR_TICK_LIMIT
    assert ticks[0] == 0.0 and ticks[-1] == 99.9 and np.all(np.diff(ticks) > 0)
    assert list(plots._censor_ticks([3.0, 1.0, 3.0])) == [1.0, 3.0]


def test_status_matrix_and_warnings_are_the_same_whether_samples_share_dicts_or_not(base):
    rules = load_knowledge(None).rules
    shared = _scaled(base.analysis.samples, 60)
    copied = [dataclasses.replace(
        s, rule_status=dict(s.rule_status), gene_status=dict(s.gene_status),
        rule_reason=dict(s.rule_reason),
        exposure_status={k: dict(v) for k, v in s.exposure_status.items()},
        exposure_reason={k: dict(v) for k, v in s.exposure_reason.items()}) for s in shared]
    rule_definitions, gene_definitions = exposure_definitions(rules)
    for definitions in (rule_definitions, gene_definitions):
        a, b = exposure_matrices(shared, definitions), exposure_matrices(copied, definitions)
        assert a.keys() == b.keys()
        for key in a:
            pd.testing.assert_frame_equal(a[key], b[key])
    ids = [r.id for r in rules]
    matrix = status_matrix(shared, "rule", ids)
    pd.testing.assert_frame_equal(matrix, status_matrix(copied, "rule", ids))
    warned = not_evaluable_warnings(shared, matrix)
    assert warned == not_evaluable_warnings(copied, matrix)
    assert not any(w.startswith("MDM2_AMP") for w in warned)   # 1 sample in 12 not evaluable
    # a rule not evaluable in every sample is warned about with its count
    assert any("not evaluable in 60/60 samples" in w for w in warned)


def _binary_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    exposed = (rng.random(n) < 0.2).astype(float)
    outcome = (rng.random(n) < 0.25 + 0.15 * exposed).astype(float)
    return pd.DataFrame({"early": outcome, "altered": exposed,
                         "sex": rng.choice(["F", "M"], n), "ttf": np.round(
                             rng.exponential(6, n) + 0.1, 1),
                         "event": (rng.random(n) < 0.7).astype(float)})


@pytest.mark.parametrize("covariates", [(), ("sex",)])
def test_firth_on_distinct_rows_with_counts_equals_the_fit_on_every_row(covariates, monkeypatch):
    frame = _binary_frame(3000, 5)
    collapsed = firth.firth_logistic(frame, "early", "altered", covariates)
    monkeypatch.setattr(firth, "COLLAPSE_MIN_ROWS", 10 ** 9)
    every_row = firth.firth_logistic(frame, "early", "altered", covariates)
    for name in ("coefficient", "std_error", "odds_ratio", "ci_low", "ci_high", "p_value",
                 "wald_p_value"):
        assert getattr(collapsed, name) == pytest.approx(getattr(every_row, name), rel=1e-7), name
    assert (collapsed.n, collapsed.events, collapsed.n_exposed, collapsed.warnings) == \
        (every_row.n, every_row.events, every_row.n_exposed, every_row.warnings)


def test_cox_batch_computation_for_tied_times_equals_lifelines_default(monkeypatch):
    frame = _binary_frame(3000, 9)
    batch = survival.cox_ph(frame, "ttf", "event", "altered")
    monkeypatch.setattr(survival, "BATCH_MIN_ROWS", 10 ** 9)
    default = survival.cox_ph(frame, "ttf", "event", "altered")
    for name in ("coefficient", "std_error", "hazard_ratio", "ci_low", "ci_high", "p_value",
                 "ph_test_p_value"):
        assert getattr(batch, name) == pytest.approx(getattr(default, name), rel=1e-9), name
    assert batch.warnings == default.warnings


@pytest.mark.parametrize("strata", [None, ["sex"]])
def test_schoenfeld_residuals_per_distinct_time_equal_lifelines_loop(strata):
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    frame = _binary_frame(1500, 11)
    frame["age"] = np.random.default_rng(3).normal(60, 10, len(frame)).round()
    frame = frame.drop(columns=["early"] if strata else ["early", "sex"])
    results = []
    for fitter in (survival._CoxPHFitter(), CoxPHFitter()):
        fitter.fit(frame, "ttf", "event", strata=strata)
        assert (type(fitter._model) is survival._SemiParametricPHFitter) == \
            (type(fitter) is survival._CoxPHFitter)
        residuals = fitter.compute_residuals(frame, "scaled_schoenfeld")
        test = proportional_hazard_test(fitter, frame, time_transform="rank")
        results.append((residuals, test.summary["p"]))
    (fast, fast_p), (loop, loop_p) = results
    assert len(fast) == int(frame["event"].sum())
    np.testing.assert_allclose(fast.to_numpy(), loop.to_numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast_p.to_numpy(), loop_p.to_numpy(), rtol=1e-9)
