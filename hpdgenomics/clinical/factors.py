"""The one vocabulary of pre-treatment patient factors: keys, units, plausible ranges.

Used by every reader of patient factors (``screen --patient``, the cohort's clinical columns,
``hpd-classify``'s patient table) and by the knowledge-base validation of CLIN_* rules, so a key
means the same thing everywhere. docs/clinical.md documents each key.
"""
from __future__ import annotations

#: input factors, in report order
FACTOR_KEYS = ("metastatic_sites", "liver_metastases", "ldh", "ldh_uln", "albumin_g_l", "ecog",
               "neutrophils", "lymphocytes", "nlr", "age", "tumor_type", "ici_regimen",
               "measured_on", "ici_start", "patient_id", "sample_id", "comment")
#: factors computed from the inputs: ldh_ratio = ldh / ldh_uln; nlr = neutrophils / lymphocytes
#: when not given
DERIVED_FACTORS = ("ldh_ratio",)
#: factors a CLIN_* criterion may test (numbers or yes/no); scores are named ``<name>_score``
RULE_FACTORS = ("metastatic_sites", "liver_metastases", "ldh_ratio", "albumin_g_l", "ecog",
                "nlr", "age")
#: yes/no factors: their criterion is ``== true`` (or ``== false``)
FLAG_FACTORS = ("liver_metastases",)
