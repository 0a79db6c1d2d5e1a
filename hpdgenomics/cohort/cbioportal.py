"""The cohort's screen as cBioPortal clinical-sample attributes.

``cbioportal/data_clinical_sample_hpd.txt`` is a clinical data file of cBioPortal's format
(tab-separated; four ``#`` header lines: display names, descriptions, datatypes
``STRING``/``NUMBER``/``BOOLEAN``, priorities; then the attribute ids and one row per sample), and
``cbioportal/meta_clinical_sample_hpd.txt`` its meta file (``genetic_alteration_type: CLINICAL``,
``datatype: SAMPLE_ATTRIBUTES``). A study imports them next to its own clinical files;
docs/cohort.md describes the columns.

Each sample's caution level, flagged rules and not-evaluable rules are computed exactly as the
single-sample screen computes its report's ``caution`` block (:func:`sample_caution`, the rule of
``screen.engine._caution``): highest caution level of the sample's alterations, ``none`` when it has
none. A sample without a patient id gets its sample id as patient id, as the clinical join does.
"""
from __future__ import annotations

import logging
import re

from ..errors import UsageError
from ..report.model import CAUTION_ORDER

log = logging.getLogger(__name__)

#: ``--cbioportal-study-id`` when not given; a study must set its own identifier to import the files
DEFAULT_STUDY_ID = "hpdgenomics_cohort"

DATA_FILENAME = "data_clinical_sample_hpd.txt"
META_FILENAME = "meta_clinical_sample_hpd.txt"

NOT_EVALUABLE = "not_evaluable"

#: (attribute id, display name, description, datatype, priority); the first two are cBioPortal's
#: own sample and patient identifiers
ATTRIBUTES = (
    ("SAMPLE_ID", "Sample Identifier", "Sample identifier", "STRING", "1"),
    ("PATIENT_ID", "Patient Identifier", "Patient identifier", "STRING", "1"),
    ("HPD_CAUTION_LEVEL", "HPD Caution Level",
     "Highest caution level of the sample's HPD-associated alterations (high, moderate, low), "
     "none when no rule evaluable for it flagged an alteration (hpdgenomics; research use only)",
     "STRING", "1"),
    ("HPD_FLAGGED_RULES", "HPD Flagged Rules",
     "hpdgenomics rules with an HPD-associated alteration in the sample, separated by ';' "
     "(none when none)", "STRING", "1"),
    ("HPD_FLAGGED_COUNT", "HPD Flagged Rule Count",
     "Number of hpdgenomics rules flagged in the sample", "NUMBER", "1"),
    ("HPD_NOT_EVALUABLE_RULES", "HPD Not Evaluable Rules",
     "hpdgenomics rules that could not be evaluated for the sample (gene not covered by the "
     "assay, no copy number), separated by ';' (none when every rule was evaluable)",
     "STRING", "1"),
    ("HPD_NOT_EVALUABLE_COUNT", "HPD Not Evaluable Rule Count",
     "Number of hpdgenomics rules not evaluable for the sample", "NUMBER", "1"),
    ("HPD_SCREEN_COMPLETE", "HPD Screen Complete",
     "TRUE when every hpdgenomics rule was evaluable for the sample; when FALSE a caution "
     "level of none does not mean the sample lacks the other alterations", "BOOLEAN", "1"),
)
COLUMNS = tuple(a[0] for a in ATTRIBUTES)

#: cBioPortal's validator accepts study identifiers and sample/patient ids of these characters only
_STUDY_ID = re.compile(r"[A-Za-z0-9_.-]+")
_CASE_ID = re.compile(r"[A-Za-z0-9_.-]+")
_SEPARATOR = ";"


def check_study_id(study_id: str) -> str:
    """``study_id`` if cBioPortal can read it in a meta file; :class:`UsageError` if not."""
    if not study_id or not _STUDY_ID.fullmatch(study_id):
        raise UsageError(f"--cbioportal-study-id {study_id!r}: a cBioPortal study identifier "
                         "has only letters, digits, '_', '.' and '-'; give your study's "
                         "cancer_study_identifier (e.g. brca_joneslab_2013)")
    return study_id


def sample_caution(sample) -> dict:
    """The screen's caution block of one :class:`~hpdgenomics.cohort.analysis.SampleCalls`:
    ``level``, ``rules_flagged``, ``rules_not_evaluable``, ``complete``."""
    alterations = sample.alterations
    level = (max((a["caution_level"] for a in alterations),
                 key=lambda lvl: CAUTION_ORDER.get(lvl, 0)) if alterations else "none")
    not_evaluable = [rule for rule, status in sample.rule_status.items()
                     if status == NOT_EVALUABLE]
    return {"level": level, "rules_flagged": sorted({a["rule_id"] for a in alterations}),
            "rules_not_evaluable": not_evaluable, "complete": not not_evaluable}


def _value(text) -> str:
    """One cell: tabs and line breaks would break the file's rows."""
    return re.sub(r"[\t\r\n]+", " ", str(text)).strip()


def clinical_sample_rows(report) -> list[list[str]]:
    """One row per screened sample (:data:`COLUMNS`), in the cohort's order. Samples that
    failed to screen (manifest path) are not in the cohort and have no row."""
    patients = report.patient_of()
    rows = []
    for sample in report.analysis.samples:
        caution = sample_caution(sample)
        flagged, missing = caution["rules_flagged"], caution["rules_not_evaluable"]
        rows.append([_value(sample.sample_id),
                     _value(patients.get(sample.sample_id) or sample.sample_id),
                     caution["level"],
                     _SEPARATOR.join(flagged) or "none", str(len(flagged)),
                     _SEPARATOR.join(missing) or "none", str(len(missing)),
                     "TRUE" if caution["complete"] else "FALSE"])
    return rows


def clinical_sample_text(report) -> str:
    """The text of data_clinical_sample_hpd.txt."""
    # plain joins, not the csv module: cBioPortal reads no quoting, and no cell holds a tab
    lines = ["#" + "\t".join(a[index] for a in ATTRIBUTES) for index in (1, 2, 3, 4)]
    lines.append("\t".join(COLUMNS))
    rows = clinical_sample_rows(report)
    lines.extend("\t".join(row) for row in rows)
    odd = sorted({cell for row in rows for cell in row[:2] if not _CASE_ID.fullmatch(cell)})
    if odd:
        log.warning("cbioportal/%s: %d sample or patient id(s) have characters cBioPortal's "
                    "validator refuses (only letters, digits, '_', '.', '-'), e.g. %r; rename "
                    "them in the study before importing", DATA_FILENAME, len(odd), odd[0])
    return "\n".join(lines) + "\n"


def meta_text(study_id: str) -> str:
    """The text of meta_clinical_sample_hpd.txt."""
    return (f"cancer_study_identifier: {check_study_id(study_id)}\n"
            "genetic_alteration_type: CLINICAL\n"
            "datatype: SAMPLE_ATTRIBUTES\n"
            f"data_filename: {DATA_FILENAME}\n")
