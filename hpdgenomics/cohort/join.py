"""Join the analysed samples to their patients' clinical outcome.

Sample -> patient mapping, in order of precedence (the report counts how each sample was mapped):

1. ``sample_to_patient`` given by the caller (for example a manifest's ``patient_id`` column);
2. the clinical table's own mapping (a samples file, or ``PATIENT_ID`` in a sample-level table);
3. for a patient-level table with neither: the sample id itself, when it is a patient id of the
   table (stated in the report, because it is an assumption about the naming);
4. only when asked (``tcga_barcode_patients=True``): a TCGA sample or aliquot barcode
   (``TCGA-05-4244-01A-01D-1105-08``) maps to the patient whose id is its first 12 characters
   (the participant barcode, ``TCGA-05-4244``), when that is a patient of the table.

TCGA/GDC MAFs name aliquots while GDC and cBioPortal clinical tables name participants. The
barcode's structure makes the prefix mapping safe, but it is still a choice about the user's
identifiers, so it is never made silently: without the option, samples that the prefix would
have mapped are left unmapped and the join report says how many, with an example and what to do.

A sample-level clinical table is looked up by sample id (its rows of one patient carry the same
outcome, :func:`hpdgenomics.io.clinical.read_clinical` checks that); a patient-level table by the
mapped patient id. A patient with several analysed samples counts once. ``policy="first"`` keeps the
sample whose id sorts first (Python string order) and leaves the others out of the analysis, listing
them; ``policy="error"`` raises ClinicalDataError naming every such patient.

Early failure (Kato et al., Clin Cancer Res 2017): TTF < ``early_failure_months`` (default 2) with
an event is True; TTF >= the cut-off is False whether or not an event followed; a patient censored
before the cut-off is not evaluable (<NA>), as is a missing TTF. A clinical table read without
time and status columns (binary or HPD outcome) leaves every TTF and early failure missing; then
samples without a TTF are not listed as an issue.

Soft issues (samples without clinical data, patients without samples, duplicate sample ids,
unparseable values accepted as missing) go into :class:`JoinReport`, never into errors.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import pandas as pd

from ..errors import ClinicalDataError, UsageError
from ..io.clinical import MULTI_SAMPLE_POLICIES, ClinicalTable

log = logging.getLogger(__name__)

POLICY_TEXT = {
    "first": ("one sample per patient: when a patient has several analysed samples, the sample "
              "whose id sorts first is kept and the others are left out (listed)"),
    "error": "one sample per patient: a patient with several analysed samples is an error",
}


@dataclass
class JoinReport:
    """What the join did and every soft issue it met, for the cohort report."""

    samples_without_clinical: list[str] = field(default_factory=list)
    samples_without_outcome: list[str] = field(default_factory=list)   # clinical row, no TTF
    patients_without_samples: list[str] = field(default_factory=list)
    duplicate_patients: list[str] = field(default_factory=list)
    duplicate_samples: list[str] = field(default_factory=list)
    inconsistent_patients: list[str] = field(default_factory=list)  # outcome differs by sample
    unparseable_values: list[tuple[str, int, str, str, str]] = field(default_factory=list)
    multi_sample_patients: dict[str, list[str]] = field(default_factory=dict)  # kept sample first
    policy: str = "first"
    policy_text: str = ""
    profiling_assumption: str | None = None
    mapping: dict[str, int] = field(default_factory=dict)      # how samples were mapped -> count
    mapping_conflicts: list[str] = field(default_factory=list)
    samples_left_out: list[str] = field(default_factory=list)  # by the multi-sample policy
    early_failure_months: float = 2.0
    outcome_counts: dict[str, int] = field(default_factory=dict)
    clinical_warnings: list[str] = field(default_factory=list)
    repeated_clinical_rows: list[str] = field(default_factory=list)  # same outcome, counted once
    mapping_notes: list[str] = field(default_factory=list)   # e.g. unmapped TCGA barcodes
    time_to_event: bool = True          # False: the clinical table has no time/status columns
    # ids matched only ignoring letter case: analysed sample -> the clinical table's spelling
    case_only_matches: dict[str, str] = field(default_factory=dict)
    # what the report must show among its warnings and say on stderr (plausibility, id case)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The report as JSON-ready data (unparseable values as records with named fields)."""
        data = asdict(self)
        data["unparseable_values"] = [dict(zip(("file", "line", "column", "value", "why"), item,
                                               strict=True))
                                      for item in self.unparseable_values]
        return data

    def problems(self) -> list[str]:
        """One plain sentence per soft issue, for the report's data-quality section."""
        def listed(items, limit=10):
            items = list(items)
            return ", ".join(items[:limit]) + (f" (+{len(items) - limit} more)"
                                               if len(items) > limit else "")

        # (what an issue lists, the words that lead the list), in the report's order
        issues = [
            (self.samples_without_clinical,
             f"{len(self.samples_without_clinical)} sample(s) have no clinical data and are left "
             "out of outcome analyses"),
            (self.samples_without_outcome,
             f"{len(self.samples_without_outcome)} sample(s) have clinical data but no usable "
             "time and status"),
            (self.patients_without_samples,
             f"{len(self.patients_without_samples)} patient(s) in the clinical table have no "
             "analysed sample"),
            ([f"{p} (kept {s[0]}; left out {', '.join(s[1:])})"
              for p, s in self.multi_sample_patients.items()],
             f"{len(self.multi_sample_patients)} patient(s) have several samples; "
             f"{self.policy_text}"),
            (self.duplicate_samples, "sample id(s) listed more than once, counted once"),
            (self.duplicate_patients,
             "patient(s) with more than one clinical row, outcome taken as missing"),
            (self.inconsistent_patients,
             "patient(s) whose outcome differs between their sample rows, taken as missing"),
            (self.repeated_clinical_rows,
             f"{len(self.repeated_clinical_rows)} identifier(s) on several clinical rows with "
             "the same outcome, counted once"),
            ([f"{f} line {line} {col}={value!r} ({why})"
              for f, line, col, value, why in self.unparseable_values],
             f"{len(self.unparseable_values)} clinical value(s) could not be read and were "
             "taken as missing"),
        ]
        out = [f"{lead}: {listed(items)}" for items, lead in issues if items]
        out.extend(self.mapping_notes)
        out.extend(self.mapping_conflicts)
        if self.profiling_assumption:
            out.append(self.profiling_assumption)
        return out


def sample_to_patient_from_manifest(rows: Iterable) -> dict[str, str]:
    """sample_id -> patient_id from manifest rows (:class:`hpdgenomics.io.manifest.ManifestRow`)
    that name a patient; rows without one are left to the clinical table's mapping."""
    return {row.sample_id: row.patient_id for row in rows if getattr(row, "patient_id", None)}


#: a TCGA sample/aliquot barcode: participant (12 characters), then sample type and vial at least
TCGA_BARCODE = re.compile(r"^(TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})-\d{2}[A-Z]?(?:-|$)", re.IGNORECASE)


def tcga_participant(sample_id: str) -> str | None:
    """``TCGA-05-4244`` for ``TCGA-05-4244-01A-01D-1105-08``; None for anything else."""
    found = TCGA_BARCODE.match(sample_id)
    return found.group(1) if found else None


def case_only_matches(analysed: Iterable[str], clinical_ids: Iterable[str], *,
                      path: str | None = None, what: str = "sample") -> dict[str, str]:
    """analysed id -> clinical id, for ids that are equal only when letter case is ignored.

    An exact match always wins. The rest is matched ignoring case only when that is unambiguous
    over the whole input: one analysed id and one clinical id per case-folded spelling, neither
    of them matched exactly. Otherwise (``S1`` and ``s1`` both in the genomic data, or both in
    the clinical table) nothing can say which is meant: ClinicalDataError naming examples.
    """
    analysed = list(dict.fromkeys(analysed))
    clinical_ids = list(dict.fromkeys(clinical_ids))
    exact = set(analysed) & set(clinical_ids)
    analysed_by_fold: dict[str, list[str]] = {}
    for identifier in analysed:
        if identifier not in exact:
            analysed_by_fold.setdefault(identifier.casefold(), []).append(identifier)
    if not analysed_by_fold:        # every analysed id matched exactly (the usual case)
        return {}
    clinical_by_fold: dict[str, list[str]] = {}
    for identifier in clinical_ids:
        if identifier not in exact:
            fold = identifier.casefold()
            if fold in analysed_by_fold:   # only these folds are ever looked up below
                clinical_by_fold.setdefault(fold, []).append(identifier)
    exact_folds = {identifier.casefold() for identifier in exact}
    matches: dict[str, str] = {}
    ambiguous: list[str] = []
    for fold, spellings in analysed_by_fold.items():
        clinical = clinical_by_fold.get(fold)
        if not clinical:
            continue
        if len(spellings) > 1 or len(clinical) > 1 or fold in exact_folds:
            ambiguous.append(f"{what} id(s) {', '.join(sorted(spellings))} vs clinical "
                             f"{', '.join(sorted(clinical))}"
                             + (" (and one of them matches exactly)" if fold in exact_folds
                                else ""))
            continue
        matches[spellings[0]] = clinical[0]
    if ambiguous:
        raise ClinicalDataError(
            f"{what} ids match the clinical table only when letter case is ignored, and not "
            "one to one", problems=ambiguous, path=path,
            hint="write each id with one spelling in the genomic and clinical files")
    return matches


def _case_warning(matches: dict[str, str], what: str) -> str:
    shown = ", ".join(f"{a!r} = clinical {b!r}" for a, b in list(matches.items())[:5])
    return (f"{len(matches)} {what} id(s) match the clinical table only when letter case is "
            f"ignored ({shown}{' ...' if len(matches) > 5 else ''}); matched ignoring case, "
            "since each has exactly one counterpart. Write one spelling in both files")



def _early_failure(months: pd.Series, event: pd.Series, cutoff: float) -> pd.Series:
    early = pd.array([pd.NA] * len(months), dtype="boolean")
    months = months.to_numpy(dtype=float)
    event = event.astype("boolean")
    before = months < cutoff
    after = months >= cutoff                       # NaN compares False on both sides
    early[after] = False
    failed = before & event.fillna(False).to_numpy(dtype=bool)
    early[failed] = True
    return pd.Series(early, dtype="boolean")


def join_clinical(sample_ids: list[str], sample_to_patient: dict[str, str] | None,
                  clinical: ClinicalTable, *, policy: str = "first",
                  early_failure_months: float = 2.0,
                  profiling_assumption: str | None = None,
                  tcga_barcode_patients: bool = False) -> tuple[pd.DataFrame, JoinReport]:
    """One row per analysed sample, with its patient's outcome; and the JoinReport.

    Columns: ``sample_id``, ``patient_id`` (None when unmapped), ``has_clinical``, ``ttf_months``,
    ``ttf_event`` (``boolean``), ``early_failure`` (``boolean``: True/False/<NA> = not evaluable),
    then the clinical table's carried columns (binary outcome columns included). Samples left out
    by the multi-sample policy are not rows; they are listed in the report.
    """
    _check_join_options(policy, early_failure_months)
    report = _new_report(clinical, sample_ids, policy, early_failure_months,
                         profiling_assumption)
    samples = list(dict.fromkeys(sample_ids))
    given = sample_to_patient or {}
    alias, patient_alias = _case_aliases(samples, given, clinical, report)
    patient_of = _map_samples(samples, given, clinical, alias, patient_alias, report,
                              tcga_barcode_patients)
    analysed = _apply_policy(samples, patient_of, clinical, policy, report)
    out = _joined_frame(analysed, patient_of, clinical, alias, early_failure_months, report)
    _count_outcomes(out, clinical, report)
    for sentence in report.problems():
        log.info("cohort join: %s", sentence)
    for sentence in report.warnings[len(clinical.plausibility_warnings):]:
        log.warning("cohort join: %s", sentence)     # the reader logged its own already
    return out, report


# --- join_clinical's jobs -------------------------------------------------------------------------

def _check_join_options(policy: str, early_failure_months: float) -> None:
    """UsageError for an unknown multi-sample policy or a non-positive early-failure cut-off."""
    if policy not in MULTI_SAMPLE_POLICIES:
        raise UsageError(f"multi-sample policy {policy!r} is not one of "
                         f"{', '.join(MULTI_SAMPLE_POLICIES)}")
    if not early_failure_months > 0:
        raise UsageError(f"early-failure cut-off must be positive, got {early_failure_months}")


def _new_report(clinical: ClinicalTable, sample_ids: list[str], policy: str,
                early_failure_months: float, profiling_assumption: str | None) -> JoinReport:
    """The JoinReport with what the clinical table already says, and duplicate sample ids."""
    report = JoinReport(policy=policy, policy_text=POLICY_TEXT[policy],
                        warnings=list(clinical.plausibility_warnings),
                        profiling_assumption=profiling_assumption,
                        early_failure_months=float(early_failure_months),
                        duplicate_patients=list(clinical.duplicate_patients),
                        inconsistent_patients=list(clinical.inconsistent_patients),
                        time_to_event=clinical.has_time_to_event,
                        unparseable_values=[u.as_tuple() for u in clinical.unparseable],
                        repeated_clinical_rows=list(clinical.repeated_rows),
                        clinical_warnings=list(clinical.warnings))
    counts = Counter(sample_ids)
    report.duplicate_samples = sorted(s for s, n in counts.items() if n > 1)
    report.duplicate_samples += [s for s in clinical.duplicate_samples
                                 if s not in report.duplicate_samples]
    return report


def _case_aliases(samples: list[str], given: dict[str, str], clinical: ClinicalTable,
                  report: JoinReport) -> tuple[dict[str, str], dict[str, str]]:
    """Sample and patient ids that match the clinical table only ignoring letter case.

    An id written in another letter case (MAF 'tcga-ab-01', clinical 'TCGA-AB-01') would leave
    the sample without clinical data and the clinical id as a sample of its own: decided from
    all ids at once (:func:`case_only_matches`), matched when one to one, and said loudly.
    """
    table = clinical.df
    sample_level = clinical.level == "sample"
    clinical_patients = set(table["patient_id"])
    table_map = clinical.sample_to_patient or {}
    sample_keys = set(table_map) | (set(table["sample_id"]) if sample_level else clinical_patients)
    alias = case_only_matches([s for s in samples if s not in given], sample_keys,
                              path=clinical.path)
    patient_alias = {} if sample_level else case_only_matches(
        [given[s] for s in samples if s in given], clinical_patients, path=clinical.path,
        what="patient")
    if alias:
        report.warnings.append(_case_warning(alias, "sample"))
    if patient_alias:
        report.warnings.append(_case_warning(patient_alias, "patient"))
    report.case_only_matches = {**alias, **patient_alias}
    return alias, patient_alias


def _map_samples(samples: list[str], given: dict[str, str], clinical: ClinicalTable,
                 alias: dict[str, str], patient_alias: dict[str, str], report: JoinReport,
                 tcga_barcode_patients: bool) -> dict[str, str | None]:
    """sample -> patient (None: unmapped), by the precedence of the module docstring; how each
    sample was mapped is counted in ``report.mapping``."""
    sample_level = clinical.level == "sample"
    clinical_patients = set(clinical.df["patient_id"])
    table_map = clinical.sample_to_patient or {}
    patient_of: dict[str, str | None] = {}
    how: Counter = Counter()
    by_prefix: dict[str, str] = {}           # unmapped sample -> the patient its barcode names
    for sample in samples:
        key = alias.get(sample, sample)
        if sample in given:
            patient_of[sample] = patient_alias.get(given[sample], given[sample])
            how["given mapping (manifest patient_id)"] += 1
            if sample in table_map and table_map[sample] != patient_of[sample]:
                report.mapping_conflicts.append(
                    f"sample {sample}: the given mapping says patient {given[sample]}, the "
                    f"clinical files say {table_map[sample]}; the given mapping is used")
        elif key in table_map:
            patient_of[sample] = table_map[key]
            how["clinical samples file" if clinical.samples_path else "clinical table"] += 1
        elif not sample_level and key in clinical_patients:
            patient_of[sample] = key
            how["sample id equals a clinical patient id (no mapping given)"] += 1
        else:
            participant = tcga_participant(sample)
            if not sample_level and participant is not None \
                    and participant in clinical_patients:
                by_prefix[sample] = participant
            if tcga_barcode_patients and sample in by_prefix:
                patient_of[sample] = by_prefix[sample]
                how["TCGA barcode's participant prefix (asked for)"] += 1
            else:
                patient_of[sample] = None
                how["not mapped"] += 1
    report.mapping = dict(how)
    _note_tcga_prefixes(by_prefix, tcga_barcode_patients, report)
    return patient_of


def _note_tcga_prefixes(by_prefix: dict[str, str], asked: bool, report: JoinReport) -> None:
    """Say how many TCGA barcodes name a clinical patient, and whether they were mapped."""
    if by_prefix and not asked:
        example = next(iter(by_prefix.items()))
        report.mapping_notes.append(
            f"{len(by_prefix)} sample(s) are TCGA barcodes whose first 12 characters are patient "
            f"ids of the clinical table (e.g. {example[0]} -> {example[1]}) but were not mapped: "
            "nothing maps them. Give a samples file (SAMPLE_ID, PATIENT_ID; --clinical-samples), "
            "or ask for the participant-prefix mapping (--tcga-barcodes-to-patients)")
    elif by_prefix:
        report.mapping_notes.append(
            f"{len(by_prefix)} sample(s) mapped to patients by the participant part (first 12 "
            "characters) of their TCGA barcode, as asked")


def _apply_policy(samples: list[str], patient_of: dict[str, str | None],
                  clinical: ClinicalTable, policy: str, report: JoinReport) -> list[str]:
    """The samples analysed: one per patient (the first by id), or ClinicalDataError with the
    ``error`` policy when a patient has several."""
    by_patient: dict[str, list[str]] = {}
    for sample, patient in patient_of.items():
        if patient is not None:
            by_patient.setdefault(patient, []).append(sample)
    several = {p: sorted(s) for p, s in by_patient.items() if len(s) > 1}
    if several and policy == "error":
        raise ClinicalDataError(
            "patients have several analysed samples",
            problems=[f"patient {p}: samples {', '.join(s)}" for p, s in sorted(several.items())],
            path=clinical.path,
            hint="choose one sample per patient in the manifest, or use the 'first' policy")
    report.multi_sample_patients = dict(sorted(several.items()))
    left_out = {s for group in several.values() for s in group[1:]}
    report.samples_left_out = sorted(left_out)
    return [s for s in samples if s not in left_out]


def _joined_frame(analysed: list[str], patient_of: dict[str, str | None],
                  clinical: ClinicalTable, alias: dict[str, str], early_failure_months: float,
                  report: JoinReport) -> pd.DataFrame:
    """One row per analysed sample with its clinical row's values and ``early_failure``."""
    table = clinical.df
    if clinical.level == "sample":
        rows = table.set_index("sample_id")
        keys = set(rows.index)
        lookup = {s: alias.get(s, s) for s in analysed if alias.get(s, s) in keys}
    else:
        rows = table.set_index("patient_id")
        keys = set(rows.index)
        lookup = {s: patient for s in analysed
                  if (patient := patient_of[s]) is not None and patient in keys}
    report.samples_without_clinical = [s for s in analysed if s not in lookup]
    mapped_patients = {p for p in patient_of.values() if p is not None}
    report.patients_without_samples = sorted(set(table["patient_id"]) - mapped_patients)

    value_columns = [c for c in rows.columns if c not in ("patient_id", "sample_id")]
    joined = rows.reindex([lookup.get(s) for s in analysed])[value_columns].reset_index(drop=True)
    out = pd.DataFrame({
        "sample_id": analysed,
        "patient_id": [patient_of[s] for s in analysed],
        "has_clinical": [s in lookup for s in analysed],
    })
    out = pd.concat([out, joined], axis=1)
    out["ttf_event"] = out["ttf_event"].astype("boolean")
    out["ttf_months"] = out["ttf_months"].astype(float)
    out.insert(out.columns.get_loc("ttf_event") + 1, "early_failure",
               _early_failure(out["ttf_months"], out["ttf_event"], early_failure_months))
    return out


def _count_outcomes(out: pd.DataFrame, clinical: ClinicalTable, report: JoinReport) -> None:
    """Samples without an outcome and the outcome counts, into ``report``."""
    if clinical.has_time_to_event:     # without TTF columns no sample has one: not an issue
        report.samples_without_outcome = out.loc[out["has_clinical"] & out["ttf_months"].isna(),
                                                 "sample_id"].tolist()
    evaluable = out["early_failure"].notna()
    report.outcome_counts = {
        "samples_analysed": len(out),
        "with_clinical": int(out["has_clinical"].sum()),
        "with_ttf": int(out["ttf_months"].notna().sum()),
        "early_failure": int(out["early_failure"].eq(True).sum()),
        "no_early_failure": int(out["early_failure"].eq(False).sum()),
        "censored_before_cutoff": int((out["has_clinical"] & out["ttf_months"].notna()
                                       & ~evaluable).sum()),
        "early_failure_not_evaluable": int((~evaluable).sum()),
    }
