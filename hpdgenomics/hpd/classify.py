"""Per-patient HPD quantities and calls, and the ``hpd_calls`` table the cohort analysis reads.

Scan roles (time axis: days from ICI start, from :mod:`hpdgenomics.hpd.tables`):

* baseline - the last scan on or before ICI start (``day <= baseline_grace_days``; optionally no
  older than ``max_baseline_age_days``);
* pre-baseline - the scan immediately before the baseline (start of the reference period;
  optionally no older than ``max_prebaseline_age_days`` before ICI start);
* first evaluation - the first scan after the baseline (optionally no later than
  ``max_first_eval_day``).

A scan whose target sum is NE keeps its role (the roles follow the dates, not the values): the
periods that need its sum are not evaluable, its new-lesion findings still count. A period shorter
than ``min_interval_days`` is not evaluable (growth rates over a day or two are extrapolations).

TGR/TGK "ref" use pre-baseline -> baseline, "exp" baseline -> first evaluation. Each missing scan
makes the quantities that need it not evaluable, with the reason carried into every call that
depends on it. Library only: nothing here prints or exits.
"""
from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import ClinicalDataError, InputError, UsageError
from .definitions import (
    DEFINITION_FUNCTIONS,
    DEFINITIONS,
    NONPOSITIVE_REFERENCE_POLICIES,
    THRESHOLDS,
    Call,
    PatientMeasures,
    recist_progression_first_eval,
)
from .growth import (
    DAYS_PER_MONTH,
    Quantity,
    difference,
    growth_ratio,
    months_between,
    percent_change,
    tumour_growth_kinetics,
    tumour_growth_rate,
    undefined,
)
from .tables import DATE_ORDERS, HpdInputs, read_hpd_inputs

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1.0"
CALLS_TSV = "hpd_calls.tsv"
CALLS_JSON = "hpd_calls.json"

QUANTITY_COLUMNS = ("tgr_ref", "tgr_exp", "delta_tgr", "tgr_ratio", "tgk_ref", "tgk_exp",
                    "tgk_ratio", "pct_change_first_eval")
CALL_COLUMNS = ("recist_pd_first_eval",) + tuple(d.column for d in DEFINITIONS.values())
SCAN_COLUMNS = ("prebaseline_day", "baseline_day", "first_eval_day", "target_sum_prebaseline_mm",
                "target_sum_baseline_mm", "target_sum_first_eval_mm")
#: hpd_calls.tsv columns, in order: quantities, each call followed by its reason, then the
#: scans used
TSV_COLUMNS = (("patient_id",) + QUANTITY_COLUMNS
               + tuple(c for call in CALL_COLUMNS for c in (call, f"{call}_reason")) + SCAN_COLUMNS)


@dataclass(frozen=True)
class HpdOptions:
    """Choices with documented defaults (docs/hpd_definitions.md)."""

    # a scan this many days after ICI start may still be baseline
    baseline_grace_days: float = 0.0
    max_baseline_age_days: float | None = None  # baseline older than this -> no baseline
    max_first_eval_day: float | None = None  # first scan later than this -> no first evaluation
    max_prebaseline_age_days: float | None = None  # pre-baseline older than this -> none
    min_interval_days: float | None = None   # shorter ref/exp period -> its rates not evaluable
    date_order: str | None = None            # "dmy"/"mdy" for numeric dates like 04/03/2021
    nonpositive_reference: str = "not_evaluable"  # ratio definitions when TGR/TGK_ref <= 0
    missing_new_lesions: str = "unknown"    # "none": blank new-lesion fields mean no new lesions

    def __post_init__(self):
        if self.nonpositive_reference not in NONPOSITIVE_REFERENCE_POLICIES:
            raise UsageError(f"nonpositive_reference {self.nonpositive_reference!r} is not one of "
                             f"{', '.join(NONPOSITIVE_REFERENCE_POLICIES)}")
        if self.missing_new_lesions not in ("unknown", "none"):
            raise UsageError(f"missing_new_lesions {self.missing_new_lesions!r} is not 'unknown' "
                             "or 'none'")
        if self.baseline_grace_days < 0:
            raise UsageError("baseline_grace_days must be >= 0")
        if self.date_order not in (None, *DATE_ORDERS):
            raise UsageError(f"date_order {self.date_order!r} is not one of "
                             f"{', '.join(DATE_ORDERS)}")
        for name in ("max_baseline_age_days", "max_first_eval_day", "max_prebaseline_age_days",
                     "min_interval_days"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise UsageError(f"{name} must be > 0 when given")


@dataclass(frozen=True)
class Scan:
    """One imaging assessment: its day, the sum of target lesions (None: not evaluable) and
    what was said about new lesions."""

    day: float
    target_sum_mm: float | None         # None: not evaluable (NE) at this scan
    new_lesions: int | None = None
    new_lesion_organs: int | None = None
    new_organ_involved: bool | None = None
    new_lesions_present: bool | None = None   # True: new lesions reported without a count


@dataclass(frozen=True)
class ScanSelection:
    """The three scans one patient's quantities use; a missing one carries its reason."""

    pre_baseline: Scan | None
    baseline: Scan | None
    first_eval: Scan | None
    pre_baseline_reason: str = ""
    baseline_reason: str = ""
    first_eval_reason: str = ""


@dataclass
class PatientHpdResult:
    """One patient's HPD classification: the scans used, the measures and each definition's call."""

    patient_id: str
    scans: ScanSelection
    measures: PatientMeasures
    calls: dict[str, Call] = field(default_factory=dict)


def _scan(row) -> Scan:
    def optional(value, kind):
        return None if pd.isna(value) else kind(value)

    return Scan(day=float(row.day), target_sum_mm=optional(row.target_sum_mm, float),
                new_lesions=optional(row.new_lesions, int),
                new_lesion_organs=optional(row.new_lesion_organs, int),
                new_organ_involved=optional(row.new_organ_involved, bool),
                new_lesions_present=optional(getattr(row, "new_lesions_present", None), bool))


def select_scans(scans: list[Scan], options: HpdOptions) -> ScanSelection:
    """Pick pre-baseline, baseline and first evaluation from one patient's scans (any order)."""
    ordered = sorted(scans, key=lambda s: s.day)
    if not ordered:
        reason = "no scans for this patient in the measurements table"
        return ScanSelection(None, None, None, reason, reason, reason)
    grace = options.baseline_grace_days
    before = [s for s in ordered if s.day <= grace]
    after = [s for s in ordered if s.day > grace]
    baseline = before[-1] if before else None
    baseline_reason = ""
    if baseline is None:
        baseline_reason = (f"no baseline: no scan on or before ICI start"
                           f"{f' (+{grace:g} days grace)' if grace else ''}")
    elif options.max_baseline_age_days is not None \
            and -baseline.day > options.max_baseline_age_days:
        baseline_reason = (f"no baseline: last scan before ICI start is {-baseline.day:g} days "
                           f"before it, older than max_baseline_age_days "
                           f"{options.max_baseline_age_days:g}")
        baseline = None
    if baseline is None:
        pre_baseline, pre_reason = None, f"no pre-baseline because {baseline_reason}"
    elif len(before) >= 2:
        pre_baseline, pre_reason = before[-2], ""
        limit = options.max_prebaseline_age_days
        if limit is not None and -pre_baseline.day > limit:
            pre_baseline, pre_reason = None, (
                f"no pre-baseline: the scan before the baseline is {-before[-2].day:g} days "
                f"before ICI start, older than max_prebaseline_age_days {limit:g}")
    else:
        pre_baseline, pre_reason = None, "no pre-baseline scan before the baseline scan"
    first_eval = after[0] if after else None
    first_reason = ""
    if first_eval is None:
        first_reason = "no first evaluation: no scan after ICI start"
    elif options.max_first_eval_day is not None and first_eval.day > options.max_first_eval_day:
        first_reason = (f"no first evaluation: first scan after ICI start is on day "
                        f"{first_eval.day:g}, later than max_first_eval_day "
                        f"{options.max_first_eval_day:g}")
        first_eval = None
    return ScanSelection(pre_baseline, baseline, first_eval, pre_reason, baseline_reason,
                         first_reason)


def _period(start: Scan | None, end: Scan | None, start_reason: str, end_reason: str, function,
            min_interval_days: float | None = None) -> Quantity:
    if start is None:
        return undefined(start_reason)
    if end is None:
        return undefined(end_reason)
    for scan in (start, end):
        if scan.target_sum_mm is None:
            return undefined(f"target sum not evaluable (NE) at the scan on day {scan.day:g}")
    interval = end.day - start.day
    if min_interval_days is not None and interval < min_interval_days:
        return undefined(f"{interval:g} days between the scans of days {start.day:g} and "
                         f"{end.day:g}, shorter than min_interval_days {min_interval_days:g}")
    return function(start.target_sum_mm, end.target_sum_mm, months_between(start.day, end.day))


def measure_patient(scans: ScanSelection, *, ttf_months: float | None, ttf_event: bool | None,
                    ecog_ps2_within_2mo: bool | None, options: HpdOptions,
                    ecog_baseline: int | None = None) -> PatientMeasures:
    """Every per-patient quantity the definitions read."""
    pre, base, first = scans.pre_baseline, scans.baseline, scans.first_eval
    ref_args = (pre, base, scans.pre_baseline_reason, scans.baseline_reason)
    exp_args = (base, first, scans.baseline_reason, scans.first_eval_reason)
    shortest = options.min_interval_days
    tgr_ref = _period(*ref_args, tumour_growth_rate, shortest)
    tgr_exp = _period(*exp_args, tumour_growth_rate, shortest)
    tgk_ref = _period(*ref_args, tumour_growth_kinetics, shortest)
    tgk_exp = _period(*exp_args, tumour_growth_kinetics, shortest)
    pct = _period(*exp_args, lambda d0, d1, _t: percent_change(d0, d1))
    # "new" means new since the baseline scan, so the findings count only when both scans exist
    paired_first = first if base is not None else None
    paired = paired_first is not None
    new_lesions = paired_first.new_lesions if paired_first is not None else None
    organs = paired_first.new_lesion_organs if paired_first is not None else None
    new_organ = paired_first.new_organ_involved if paired_first is not None else None
    present = paired_first.new_lesions_present if paired_first is not None else None
    if paired and options.missing_new_lesions == "none" and not present:
        # a "yes" without a count is not a blank: its count stays unknown
        new_lesions = 0 if new_lesions is None else new_lesions
        organs = 0 if organs is None else organs
        new_organ = False if new_organ is None else new_organ
    return PatientMeasures(
        tgr_ref=tgr_ref, tgr_exp=tgr_exp, delta_tgr=difference(tgr_exp, tgr_ref, "ΔTGR"),
        tgr_ratio=growth_ratio(tgr_exp, tgr_ref, "TGR ratio"),
        tgk_ref=tgk_ref, tgk_exp=tgk_exp, tgk_ratio=growth_ratio(tgk_exp, tgk_ref, "TGK ratio"),
        pct_change_first_eval=pct,
        d_baseline=base.target_sum_mm if base else None,
        d_first_eval=first.target_sum_mm if first else None,
        paired_scans=paired,
        first_eval_reason=scans.baseline_reason or scans.first_eval_reason,
        new_lesions=new_lesions, new_lesion_organs=organs, new_organ_involved=new_organ,
        new_lesions_present=present,
        ttf_months=ttf_months, ttf_event=ttf_event, ecog_ps2_within_2mo=ecog_ps2_within_2mo,
        ecog_baseline=ecog_baseline,
        nonpositive_reference=options.nonpositive_reference)


def classify_patient(patient_id: str, measures: PatientMeasures, scans: ScanSelection
                     ) -> PatientHpdResult:
    """Every HPD definition's call (and RECIST progression at first evaluation) for one patient."""
    calls = {"recist_pd_first_eval": recist_progression_first_eval(measures)}
    calls.update({name: function(measures) for name, function in DEFINITION_FUNCTIONS.items()})
    return PatientHpdResult(patient_id, scans, measures, calls)


@dataclass
class HpdClassification:
    """All patients' quantities and calls, with the inputs and options that produced them."""

    patients: list[PatientHpdResult]
    options: HpdOptions
    inputs: dict[str, dict[str, str]]

    def table(self) -> pd.DataFrame:
        """One row per patient in :data:`TSV_COLUMNS` order; calls as nullable booleans."""
        rows = []
        for result in self.patients:
            row: dict = {"patient_id": result.patient_id}
            for name in QUANTITY_COLUMNS:
                row[name] = getattr(result.measures, name).value
            for name in CALL_COLUMNS:
                call = result.calls[_call_key(name)]
                row[name], row[f"{name}_reason"] = call.value, call.reason
            s = result.scans
            for prefix, scan in (("prebaseline", s.pre_baseline), ("baseline", s.baseline),
                                 ("first_eval", s.first_eval)):
                row[f"{prefix}_day"] = scan.day if scan else None
                row[f"target_sum_{prefix}_mm"] = scan.target_sum_mm if scan else None
            rows.append(row)
        table = pd.DataFrame.from_records(rows, columns=list(TSV_COLUMNS))
        for name in QUANTITY_COLUMNS + SCAN_COLUMNS:
            table[name] = table[name].astype(float)
        for name in CALL_COLUMNS:
            table[name] = table[name].astype("boolean")
        return table

    def counts(self) -> dict[str, dict[str, int]]:
        """Per call: how many patients are true, false and not evaluable."""
        counts = {}
        for name in CALL_COLUMNS:
            values = [r.calls[_call_key(name)].value for r in self.patients]
            counts[_call_key(name)] = {"true": sum(v is True for v in values),
                                       "false": sum(v is False for v in values),
                                       "not_evaluable": sum(v is None for v in values)}
        return counts

    def to_tsv(self) -> str:
        """One row per patient (:meth:`table`), calls as ``true``/``false``/empty, tab-separated."""
        table = self.table()
        for name in CALL_COLUMNS:
            table[name] = table[name].map({True: "true", False: "false"}).fillna("")
        return table.to_csv(sep="\t", index=False, na_rep="", float_format="%.6g",
                            lineterminator="\n")

    def to_dict(self) -> dict:
        """The classification as JSON-ready data (numbers rounded to 10 places, NaN as None)."""
        def number(value):
            return None if value is None or (isinstance(value, float) and math.isnan(value)) \
                else round(value, 10)

        patients = []
        for r in self.patients:
            s = r.scans
            patients.append({
                "patient_id": r.patient_id,
                "scans": {role: (asdict(scan) if scan else {"missing": reason})
                          for role, scan, reason in (
                              ("pre_baseline", s.pre_baseline, s.pre_baseline_reason),
                              ("baseline", s.baseline, s.baseline_reason),
                              ("first_evaluation", s.first_eval, s.first_eval_reason))},
                "quantities": {name: {"value": number(getattr(r.measures, name).value),
                                      "reason": getattr(r.measures, name).reason}
                               for name in QUANTITY_COLUMNS},
                "calls": {name: {"value": call.value, "reason": call.reason}
                          for name, call in r.calls.items()},
            })
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "hpdgenomics", "version": __version__, "command": "hpd-classify"},
            "research_use_only": True,
            "inputs": self.inputs,
            "options": asdict(self.options),
            "thresholds": THRESHOLDS,
            "days_per_month": DAYS_PER_MONTH,
            "definitions": {name: {"column": d.column, "label": d.label, "citation": d.citation,
                                   "summary": d.summary, "provisional": d.provisional}
                            for name, d in DEFINITIONS.items()},
            "counts": self.counts(),
            "n_patients": len(self.patients),
            "patients": patients,
        }

    def to_json(self) -> str:
        """The classification as JSON text, never with NaN or Infinity: a non-finite value
        reaching it is an error naming where (:func:`~hpdgenomics.outputs.finite_json`)."""
        from ..outputs import finite_json

        return finite_json(self.to_dict(), what="hpd_calls.json", ensure_ascii=False)


def _call_key(column: str) -> str:
    """TSV column -> key in :attr:`PatientHpdResult.calls` (definition name)."""
    for name, definition in DEFINITIONS.items():
        if definition.column == column:
            return name
    return column


def classify_inputs(inputs: HpdInputs, options: HpdOptions | None = None) -> HpdClassification:
    """Quantities and calls for every patient of validated inputs (patient-table order)."""
    options = options or HpdOptions()
    by_patient = {pid: [_scan(row) for row in group.itertuples(index=False)]
                  for pid, group in inputs.scans.groupby("patient_id", sort=False)}
    results = []
    for patient in inputs.patients.itertuples(index=False):
        scans = select_scans(by_patient.get(patient.patient_id, []), options)
        measures = measure_patient(
            scans, ttf_months=None if math.isnan(patient.ttf_months) else patient.ttf_months,
            ttf_event=None if pd.isna(patient.ttf_event) else bool(patient.ttf_event),
            ecog_ps2_within_2mo=None if pd.isna(patient.ecog_ps2_within_2mo)
            else bool(patient.ecog_ps2_within_2mo), options=options,
            ecog_baseline=None if pd.isna(patient.ecog_baseline) else int(patient.ecog_baseline))
        results.append(classify_patient(patient.patient_id, measures, scans))
    inputs_record = {"measurements": {"path": inputs.measurements_path,
                                      "sha256": inputs.measurements_sha256},
                     "patients": {"path": inputs.patients_path, "sha256": inputs.patients_sha256}}
    return HpdClassification(results, options, inputs_record)


def classify_hpd(measurements: str | Path, patients: str | Path,
                 options: HpdOptions | None = None) -> HpdClassification:
    """Read both tables and classify every patient: the function behind ``hpd-classify``.

    Inputs: the per-scan ``measurements`` table and the ``patients`` table (docs/hpd_definitions.md
    lists their columns) and :class:`HpdOptions` (default: the published scan windows).

    Returns an :class:`HpdClassification`: ``patients`` (per patient: the scans used, tumour
    growth rate and kinetics, and every definition's call, true/false/None with its reason),
    ``table()`` (a pandas DataFrame), ``counts()``, ``to_tsv()`` and ``to_json()``. Writes and
    prints nothing.

    Raises :class:`~hpdgenomics.errors.ClinicalDataError` listing every problem of either table
    (file not found or unreadable, missing columns, unreadable, missing or inconsistent values)
    and :class:`~hpdgenomics.errors.UsageError` for an option value out of its range.
    """
    options = options or HpdOptions()
    result = classify_inputs(read_hpd_inputs(measurements, patients,
                                             date_order=options.date_order), options)
    for name, count in result.counts().items():
        log.info("%s: %d true, %d false, %d not evaluable", name, count["true"], count["false"],
                 count["not_evaluable"])
    return result


# --- reading the labels back (cohort analysis) --------------------------------------------------

def load_hpd_calls(path: str | Path) -> pd.DataFrame:
    """Read an ``hpd_calls.tsv`` (or the folder holding it) written by ``hpd-classify``.

    Returns one row per patient: ``patient_id`` (str), the quantity columns (float, NaN when not
    evaluable), each call column as pandas nullable ``boolean`` (``<NA>`` = not evaluable) and its
    ``_reason`` column (str). Raises :class:`ClinicalDataError` listing every bad cell.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CALLS_TSV
    if not path.is_file():
        raise InputError("HPD calls file not found", path=path,
                         hint="run `hpdgenomics hpd-classify` first and pass its hpd_calls.tsv")
    from ..io.text import open_text

    try:
        with open_text(path) as handle:   # bounded like every table (hpdgenomics.limits)
            frame = pd.read_csv(handle, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        detail = " ".join(str(exc).split())
        raise InputError(f"cannot be read as a tab-separated HPD calls table ({detail})",
                         path=path, hint="pass the hpd_calls.tsv written by "
                                         "`hpdgenomics hpd-classify`") from None
    required = ["patient_id"] + [d.column for d in DEFINITIONS.values()]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ClinicalDataError(f"header lacks column(s) {', '.join(missing)}", path=path,
                                hint="is this an hpd_calls.tsv from `hpdgenomics hpd-classify`?")
    problems = []
    labels = {"true": True, "false": False, "": None}
    for column in frame.columns:
        if column in CALL_COLUMNS:
            bad = ~frame[column].str.lower().isin(labels)
            problems += [f"line {i + 2}: column {column}: found {v!r}, expected true, "
                         "false or empty"
                         for i, v in frame.loc[bad, column].items()]
            frame[column] = frame[column].str.lower().map(labels).astype("boolean")
        elif column in QUANTITY_COLUMNS or column in SCAN_COLUMNS:
            numbers = pd.to_numeric(frame[column].replace("", None), errors="coerce")
            bad = numbers.isna() & (frame[column] != "")
            problems += [f"line {i + 2}: column {column}: found {v!r}, expected a number or empty"
                         for i, v in frame.loc[bad, column].items()]
            frame[column] = numbers.astype(float)
    duplicated = frame["patient_id"].duplicated(keep=False)
    problems += [f"line {i + 2}: patient {v!r} appears more than once"
                 for i, v in frame.loc[duplicated, "patient_id"].items()]
    if problems:
        raise ClinicalDataError("HPD calls cannot be used", problems=problems, path=path)
    return frame


def definition_overlap(calls: pd.DataFrame) -> pd.DataFrame:
    """How many patients each definition labels, and how many any two definitions both label.

    Rows are the definitions present in ``calls`` (as from :func:`load_hpd_calls`); columns
    ``label``, ``provisional``, ``labelled``, ``not_labelled``, ``not_evaluable`` and one column
    per definition holding the number of patients labelled by both (the diagonal = ``labelled``).
    """
    present = [d for d in DEFINITIONS.values() if d.column in calls.columns]
    labelled = {d.name: calls[d.column].astype("boolean").fillna(False).astype(bool)
                for d in present}
    rows = []
    for d in present:
        column = calls[d.column].astype("boolean")
        row = {"definition": d.name, "label": d.label, "provisional": d.provisional,
               "labelled": int(column.sum()),           # nullable boolean: <NA> is skipped
               "not_labelled": int((~column).sum()),
               "not_evaluable": int(column.isna().sum())}
        for other in present:
            row[other.name] = int((labelled[d.name] & labelled[other.name]).sum())
        rows.append(row)
    return pd.DataFrame(rows).set_index("definition")
