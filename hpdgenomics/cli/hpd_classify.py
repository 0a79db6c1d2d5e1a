"""``hpdgenomics hpd-classify``: HPD and early-failure labels from tumour measurements."""
from __future__ import annotations

import logging

import click

from . import INPUT_FILE, OUTPUT_DIR, common_options

log = logging.getLogger("hpdgenomics")


@click.command("hpd-classify")
@click.option("--measurements", type=INPUT_FILE, required=True,
              help="Per-scan table (TSV/CSV): patient_id, date or days_from_start, target_sum_mm "
                   "(or target_sum_cm; or lesion_id and diameter_mm, one row per lesion), "
                   "optional new_lesions, new_lesion_organs, new_organ_involved.")
@click.option("--patients", type=INPUT_FILE, required=True,
              help="Patient table: patient_id, ici_start, TTF_MONTHS (or TTF_DAYS), TTF_STATUS, "
                   "optional ecog_within_2mo.")
@click.option("-o", "--out", "out_dir", type=OUTPUT_DIR,
              required=True, help="Output folder for hpd_calls.tsv and hpd_calls.json.")
@click.option("--baseline-grace-days", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="A scan up to this many days after ICI start still counts as the baseline.")
@click.option("--max-baseline-age-days", type=click.FloatRange(min=0, min_open=True),
              help="Ignore a baseline older than this many days before ICI start "
                   "(default: no limit).")
@click.option("--max-first-eval-day", type=click.FloatRange(min=0, min_open=True),
              help="Ignore a first evaluation later than this many days after ICI start "
                   "(default: no limit).")
@click.option("--max-prebaseline-age-days", type=click.FloatRange(min=0, min_open=True),
              help="Ignore a pre-baseline scan older than this many days before ICI start, so the "
                   "reference period is not measured over years (default: no limit).")
@click.option("--min-interval-days", type=click.FloatRange(min=0, min_open=True),
              help="Growth rates over a shorter period between two scans are not evaluable "
                   "(default: any interval > 0).")
@click.option("--date-order", type=click.Choice(["dmy", "mdy"]),
              help="How to read numeric dates such as 04/03/2021 (day/month or month/day); "
                   "without it such a date is an error unless its day is above 12.")
@click.option("--nonpositive-reference", type=click.Choice(["not_evaluable", "accelerated"]),
              default="not_evaluable", show_default=True,
              help="Ratio definitions (Champiat, Saâda-Bouzid, Kato pace) when the pre-ICI growth "
                   "rate is <= 0: not evaluable, or count any growth on ICI as acceleration.")
@click.option("--missing-new-lesions", type=click.Choice(["unknown", "none"]), default="unknown",
              show_default=True,
              help="Blank new-lesion fields at the first evaluation: unknown, or no new lesions.")
@common_options
def command(measurements, patients, out_dir, baseline_grace_days, max_baseline_age_days,
            max_first_eval_day, max_prebaseline_age_days, min_interval_days, date_order,
            nonpositive_reference, missing_new_lesions):
    """Label each patient under the published HPD definitions and early failure (TTF < 2 months).

    Writes hpd_calls.tsv (one row per patient; calls true/false, empty when not evaluable, each
    with a reason column) and its JSON twin hpd_calls.json into --out. Research use only.
    """
    from ..hpd import CALLS_JSON, CALLS_TSV, HpdOptions, classify_hpd
    from ..outputs import check_output_dir, write_file_set

    options = HpdOptions(baseline_grace_days=baseline_grace_days,
                         max_baseline_age_days=max_baseline_age_days,
                         max_first_eval_day=max_first_eval_day,
                         max_prebaseline_age_days=max_prebaseline_age_days,
                         min_interval_days=min_interval_days, date_order=date_order,
                         nonpositive_reference=nonpositive_reference,
                         missing_new_lesions=missing_new_lesions)
    check_output_dir(out_dir)
    result = classify_hpd(measurements, patients, options)
    # both rendered, then written as one set: all new or all old (a full disk keeps the old pair)
    write_file_set({out_dir / CALLS_TSV: result.to_tsv(), out_dir / CALLS_JSON: result.to_json()})
    log.info("classified %d patients; wrote %s and %s", len(result.patients),
             out_dir / CALLS_TSV, out_dir / CALLS_JSON)
