"""The one vocabulary of pre-treatment patient factors: keys, units, plausible ranges, parsing.

Used by every reader of patient factors (``screen --patient``, the cohort's clinical columns,
``hpd-classify``'s patient table) and by the knowledge-base validation of CLIN_* rules, so a key
means the same thing everywhere. ``docs/clinical.md`` documents each key; :data:`FACTORS` is the
single definition it is checked against.

A value is parsed by :func:`parse_value`, which raises ``ValueError`` with a message saying what
was wrong and what to give instead (the caller adds the file, line and key). A value may carry its
unit (``3.4 g/dL``, ``4500 /uL``): a stated unit is converted, a unit the key does not know is an
error. A bare number outside a key's plausible range is an error, and where it is what another unit
would give (albumin 3.4: g/dL, not g/L) the message says so: the tool never guesses the unit of a
bare number.

:func:`build_factors` turns one patient's raw key -> value mapping into :class:`PatientFactors`,
checking the keys (unknown keys are an error naming the closest known one), the values, and the
consistency between them (``nlr`` against ``neutrophils``/``lymphocytes``, ``liver_metastases``
against a list of metastatic sites, measurement date against ICI start). Every problem is
collected and raised together. A factor that is not given is *not assessed*; nothing is ever
filled in as "absent".
"""
from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..io import vocabulary

# --- the vocabulary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One patient factor: its key, kind, unit, plausible range and accepted spellings."""

    key: str
    label: str
    kind: str                           # count, integer, number, flag, text, date, sites
    unit: str = ""
    minimum: float | None = None        # plausible range, inclusive (exclusive where noted)
    maximum: float | None = None
    minimum_exclusive: bool = False
    aliases: tuple[str, ...] = ()       # other column names (canonical form) meaning this key
    units: tuple[tuple[str, float], ...] = ()   # unit written in a value -> factor to ``unit``
    description: str = ""
    #: a plausibility check for a bare number: returns the message, or None when plausible
    mixup: Callable[[float], str | None] | None = field(default=None, compare=False)


def _albumin_mixup(value: float) -> str | None:
    if 0 < value < 10:
        return (f"{value:g} g/L is implausibly low for serum albumin and is what g/dL would give "
                f"(normal 3.5-5.0 g/dL = 35-50 g/L): give g/L ({value * 10:g}), or the key "
                "albumin_g_dl, or write the unit ('3.4 g/dL')")
    return None


def _albumin_dl_mixup(value: float) -> str | None:
    if value >= 10:
        return (f"{value:g} g/dL is implausibly high for serum albumin and is what g/L would give: "
                f"use the key albumin_g_l ({value:g} g/L), or write the unit ('{value:g} g/L')")
    return None


def _count_mixup(what: str) -> Callable[[float], str | None]:
    def check(value: float) -> str | None:
        if value > 200:
            return (f"{value:g} x 10^9/L {what} is implausible and looks like cells per "
                    f"microlitre: give 10^9/L ({value / 1000:g}), or write the unit "
                    f"('{value:g} /uL')")
        return None
    return check


def _age_mixup(value: float) -> str | None:
    if 1900 <= value <= 2100:
        return f"{value:g} looks like a year of birth; give the age in years at ICI start"
    return None


_PER_UL = (("/ul", 0.001), ("cells/ul", 0.001), ("/mm3", 0.001), ("cells/mm3", 0.001),
           ("10^9/l", 1.0), ("x10^9/l", 1.0), ("g/l", 1.0), ("10^3/ul", 1.0), ("x10^3/ul", 1.0),
           ("k/ul", 1.0))

FACTORS: dict[str, Factor] = {f.key: f for f in (
    Factor("metastatic_sites", "Metastatic sites", "sites", "organs", 0, 30,
           aliases=("number_of_metastatic_sites", "n_metastatic_sites", "metastatic_site_count",
                    "met_sites", "metastatic_organs"),
           description="number of organs with metastases before ICI (an integer), or the sites "
                       "themselves ('liver; bone; lung', or a YAML list), counted once each"),
    Factor("liver_metastases", "Liver metastases", "flag",
           aliases=("liver_mets", "liver_metastasis", "hepatic_metastases"),
           description="yes/no: liver metastases before ICI"),
    Factor("ldh", "Serum LDH", "number", "U/L", 0, 20000, minimum_exclusive=True,
           aliases=("ldh_u_l", "ldh_iu_l", "lactate_dehydrogenase"),
           units=(("u/l", 1.0), ("iu/l", 1.0), ("ukat/l", 60.0), ("µkat/l", 60.0)),
           description="serum lactate dehydrogenase before ICI, U/L"),
    Factor("ldh_uln", "LDH upper limit of normal", "number", "U/L", 50, 1500,
           aliases=("ldh_upper_limit_of_normal", "ldh_upper_limit", "uln_ldh"),
           units=(("u/l", 1.0), ("iu/l", 1.0), ("ukat/l", 60.0), ("µkat/l", 60.0)),
           description="the reporting laboratory's upper limit of normal for LDH, same unit as "
                       "ldh (laboratories differ, so it is not assumed)"),
    Factor("albumin_g_l", "Serum albumin", "number", "g/L", 10, 70,
           aliases=("albumin", "albumin_gl", "serum_albumin", "serum_albumin_g_l"),
           units=(("g/l", 1.0), ("g/dl", 10.0)), mixup=_albumin_mixup,
           description="serum albumin before ICI, g/L (albumin_g_dl: the same in g/dL, converted)"),
    Factor("ecog", "ECOG performance status", "integer", "", 0, 4,
           aliases=("ecog_ps", "performance_status", "ps", "ecog_performance_status"),
           description="ECOG performance status at ICI start, 0-4"),
    Factor("neutrophils", "Neutrophil count", "number", "10^9/L", 0, 200,
           aliases=("anc", "absolute_neutrophil_count", "neutrophil_count", "neutrophils_10_9_l"),
           units=_PER_UL, mixup=_count_mixup("neutrophils"),
           description="absolute neutrophil count before ICI, 10^9/L"),
    Factor("lymphocytes", "Lymphocyte count", "number", "10^9/L", 0, 200, minimum_exclusive=True,
           aliases=("alc", "absolute_lymphocyte_count", "lymphocyte_count",
                    "lymphocytes_10_9_l"),
           units=_PER_UL, mixup=_count_mixup("lymphocytes"),
           description="absolute lymphocyte count before ICI, 10^9/L"),
    Factor("nlr", "Neutrophil-to-lymphocyte ratio", "number", "", 0, 500, minimum_exclusive=True,
           aliases=("neutrophil_to_lymphocyte_ratio", "neutrophil_lymphocyte_ratio"),
           description="neutrophil-to-lymphocyte ratio; computed from neutrophils and lymphocytes "
                       "when not given (both given: they must agree)"),
    Factor("age", "Age", "number", "years", 0, 120, aliases=("age_years", "age_at_ici_start",
                                                             "age_at_treatment"),
           units=(("y", 1.0), ("yr", 1.0), ("yrs", 1.0), ("years", 1.0)), mixup=_age_mixup,
           description="age at ICI start, years"),
    Factor("tumor_type", "Tumour type", "text", aliases=("tumour_type", "cancer_type"),
           description="tumour type (free text; recorded, no rule)"),
    Factor("ici_regimen", "ICI regimen", "text", aliases=("regimen", "ici_drug", "ici"),
           description="checkpoint inhibitor regimen (free text; recorded, no rule)"),
    Factor("measured_on", "Measured on", "date",
           aliases=("measurement_date", "date_measured", "factors_date", "date"),
           description="date the factors were measured, YYYY-MM-DD (checked: before ICI start)"),
    Factor("ici_start", "ICI start", "date", aliases=("ici_start_date", "treatment_start"),
           description="date the checkpoint inhibitor was started, YYYY-MM-DD"),
    Factor("patient_id", "Patient", "text", aliases=("patient",),
           description="the patient's id (recorded)"),
    Factor("sample_id", "Sample", "text", aliases=("sample", "tumor_sample_barcode"),
           description="the screened sample's id: when given it must equal the report's"),
    Factor("comment", "Comment", "text", aliases=("comments", "note", "notes"),
           description="free text, recorded"),
)}

#: accepted spellings with a unit of their own, mapped to (key, factor converting to its unit)
UNIT_KEYS: dict[str, tuple[str, float]] = {
    "albumin_g_dl": ("albumin_g_l", 10.0),
    "albumin_gdl": ("albumin_g_l", 10.0),
    "neutrophils_per_ul": ("neutrophils", 0.001),
    "lymphocytes_per_ul": ("lymphocytes", 0.001),
    "ldh_ukat_l": ("ldh", 60.0),
}
#: the bare-number check of a key with its own unit (albumin_g_dl: a g/L value is refused)
_UNIT_KEY_MIXUP: dict[str, Callable[[float], str | None]] = {
    "albumin_g_dl": _albumin_dl_mixup, "albumin_gdl": _albumin_dl_mixup}

#: input factors, in report order
FACTOR_KEYS = tuple(FACTORS)
#: factors computed from the inputs: ldh_ratio = ldh / ldh_uln (unit-free)
DERIVED_FACTORS = ("ldh_ratio",)
#: factors a CLIN_* criterion may test (numbers or yes/no); scores are named ``<name>_score``
RULE_FACTORS = ("metastatic_sites", "liver_metastases", "ldh_ratio", "albumin_g_l", "ecog",
                "nlr", "neutrophils", "lymphocytes", "age")
#: yes/no factors: their criterion is ``== true`` (or ``== false``)
FLAG_FACTORS = ("liver_metastases",)
#: labels and units of the derived factors
DERIVED_LABELS = {"ldh_ratio": ("LDH / upper limit of normal", "x ULN")}

#: an NLR given beside both counts must agree with their ratio to this relative tolerance
NLR_TOLERANCE = 0.05
#: factors measured more than this many days before ICI start are flagged in the report
MAX_DAYS_BEFORE_START = 90

_TEXT_LIMIT = 200
_SITE_SEPARATORS = re.compile(r"\s*[;,|/+]\s*|\s+and\s+")
_LIVER_WORDS = ("liver", "hepatic", "hepar")
_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?)"  # number
                               r"\s*(.*?)\s*$")                                   # unit


def canonical_name(name: str) -> str:
    """``Albumin (g/L)`` -> ``albumin_g_l``: how keys and column names are matched."""
    text = str(name).strip().lower().replace("µ", "u").replace("μ", "u")
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


_BY_NAME: dict[str, str] = {}
for _factor in FACTORS.values():
    _BY_NAME[_factor.key] = _factor.key
    for _alias in _factor.aliases:
        _BY_NAME[_alias] = _factor.key


def factor_key(name: str) -> str | None:
    """The factor a key or column name means (aliases and unit-keys included), or None."""
    canonical = canonical_name(name)
    if canonical in UNIT_KEYS:
        return UNIT_KEYS[canonical][0]
    return _BY_NAME.get(canonical)


def suggest_key(name: str) -> str:
    """`` (did you mean 'albumin_g_l'?)`` for a near miss, else the list of keys."""
    names = sorted(set(_BY_NAME) | set(UNIT_KEYS))
    close = difflib.get_close_matches(canonical_name(name), names, n=1, cutoff=0.7)
    if close:
        return f"did you mean {close[0]!r}?"
    return "known keys: " + ", ".join(FACTOR_KEYS) + " (docs/clinical.md)"


# --- values --------------------------------------------------------------------------------------

def parse_value(name: str, raw: Any, *, decimal_comma: bool = False) -> Any:
    """The value of factor ``name`` (a key, alias or unit-key) parsed from ``raw``.

    Returns None for a missing value (the vocabulary's missing words, blank, None). Raises
    ``ValueError`` with the reason and what to give instead; the message does not name the key
    (the caller does, with the file and line).
    """
    canonical = canonical_name(name)
    key = factor_key(name)
    if key is None:
        raise ValueError(f"unknown factor; {suggest_key(name)}")
    factor = FACTORS[key]
    if isinstance(raw, (list, tuple)):
        if factor.kind != "sites":
            raise ValueError("a list is only accepted for metastatic_sites")
        return _sites(raw)
    if raw is None or (not isinstance(raw, (bool, int, float, dt.date)) and
                       vocabulary.is_missing(raw)):
        return None
    if isinstance(raw, float) and math.isnan(raw):
        return None
    if factor.kind == "flag":
        if isinstance(raw, bool):
            return raw
        try:
            return vocabulary.parse_flag(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not yes/no "
                             f"(expected {vocabulary.EXPECTED_FLAG})") from None
    if factor.kind == "text":
        text = " ".join(str(raw).split())
        if len(text) > _TEXT_LIMIT:
            raise ValueError(f"{len(text)} characters; at most {_TEXT_LIMIT}")
        return text
    if factor.kind == "date":
        return _date(raw)
    if factor.kind == "sites" and isinstance(raw, str) and not _looks_numeric(raw):
        return _sites(_SITE_SEPARATORS.split(raw.strip()))
    scale = UNIT_KEYS[canonical][1] if canonical in UNIT_KEYS else 1.0
    number, unit = _number(raw, decimal_comma=decimal_comma)
    if unit:
        known = dict(factor.units)
        folded = unit.lower().replace(" ", "").replace("µ", "u").replace("μ", "u")
        if folded not in known:
            accepted = ", ".join(u for u, _ in factor.units) or "none: give a bare number"
            raise ValueError(f"unit {unit!r} is not one of the units accepted here ({accepted})")
        number *= known[folded]
    else:
        mixup = _UNIT_KEY_MIXUP.get(canonical) if canonical in UNIT_KEYS else factor.mixup
        message = mixup(number) if mixup else None
        if message:
            raise ValueError(message)
        number *= scale
    if factor.kind in ("integer", "sites", "count"):
        if number != int(number):
            raise ValueError(f"{number:g} is not a whole number")
        number = int(number)
    _check_range(factor, number)
    if factor.kind == "sites":
        return {"count": number, "sites": None}
    return number


def _looks_numeric(text: str) -> bool:
    return bool(re.match(r"^\s*[-+]?[\d.,]", text))


def _number(raw: Any, *, decimal_comma: bool) -> tuple[float, str]:
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a number")
    if isinstance(raw, (int, float)):
        number, unit = float(raw), ""
    else:
        found = _NUMBER_WITH_UNIT.match(str(raw))
        if not found:
            raise ValueError(f"{raw!r} is not a number")
        digits, unit = found.group(1), found.group(2)
        if "," in digits:
            if not decimal_comma:
                raise ValueError(f"{raw!r}: a decimal comma is accepted only in ';'-separated "
                                 "files; write a decimal point")
            digits = digits.replace(",", ".")
        number = float(digits)
        if unit.startswith("%"):
            raise ValueError(f"{raw!r} is a percentage; give the absolute value")
    if not math.isfinite(number):
        raise ValueError(f"{raw!r} is not a finite number")
    return number, unit


def _check_range(factor: Factor, number: float) -> None:
    low, high = factor.minimum, factor.maximum
    too_low = low is not None and (number <= low if factor.minimum_exclusive else number < low)
    if too_low or (high is not None and number > high):
        unit = f" {factor.unit}" if factor.unit and factor.unit != "organs" else ""
        bounds = (f"above {low:g}" if factor.minimum_exclusive else f"{low:g}") + f" to {high:g}"
        extra = "; ECOG 5 means dead" if factor.key == "ecog" and number == 5 else ""
        raise ValueError(f"{number:g}{unit} is outside the plausible range ({bounds}{unit}){extra}")


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    try:
        return dt.date.fromisoformat(text[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}", text) \
            else _refuse_date(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date ({exc}); write YYYY-MM-DD") from None


def _refuse_date(text: str) -> dt.date:
    raise ValueError("only YYYY-MM-DD is accepted, so 04/03/2021 cannot be read two ways")


def _sites(items) -> dict:
    names = []
    for item in items:
        if item is None or vocabulary.is_missing(item):
            continue
        name = " ".join(str(item).strip().lower().split())
        if name and name not in names:
            names.append(name)
    if vocabulary.normalise_word(" ".join(names)) in ("none", "no", "0"):
        names = []
    if len(names) > 30:
        raise ValueError(f"{len(names)} distinct sites; at most 30")
    return {"count": len(names), "sites": tuple(names)}


# --- one patient ---------------------------------------------------------------------------------

@dataclass
class PatientFactors:
    """One patient's factors as read: ``values`` holds every given factor, parsed to its unit
    (``metastatic_sites`` is the count; ``sites`` the names when a list was given), ``given`` the
    text as written, ``derived`` the computed ones (``ldh_ratio``, and ``nlr`` or
    ``liver_metastases`` when computed), ``not_assessed`` why each missing rule factor is missing.
    """

    source: str
    values: dict[str, Any] = field(default_factory=dict)
    given: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)     # conversions and derivations
    sites: tuple[str, ...] | None = None
    derived: dict[str, Any] = field(default_factory=dict)
    not_assessed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def value(self, key: str) -> Any:
        """A given or derived factor's value, None when not assessed."""
        if key in self.derived:
            return self.derived[key]
        return self.values.get(key)

    def reason(self, key: str) -> str:
        """Why ``key`` has no value."""
        return self.not_assessed.get(key) or f"{key} not given"

    def to_dict(self) -> dict:
        """The factors as the JSON report records them: values, derived values, notes and what was
        not assessed.
        """
        return {"source": self.source,
                "values": {k: _plain(v) for k, v in self.values.items()},
                "given": dict(self.given), "notes": dict(self.notes),
                "metastatic_site_names": list(self.sites) if self.sites is not None else None,
                "derived": {k: _plain(v) for k, v in self.derived.items()},
                "not_assessed": dict(self.not_assessed), "warnings": list(self.warnings)}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


class FactorProblems(ValueError):
    """Every problem of one patient's factors: (key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))


def build_factors(raw: Mapping[str, Any], *, source: str, decimal_comma: bool = False,
                  strict: bool = True, today: dt.date | None = None) -> PatientFactors:
    """One patient's :class:`PatientFactors` from ``raw`` (name -> value as read).

    ``strict``: an unknown name is a problem (``screen --patient``); otherwise it is ignored (the
    other columns of a cohort's clinical table). Raises :class:`FactorProblems` listing every
    problem, each with the key as written in the input.
    """
    problems: list[tuple[str, str]] = []
    factors = PatientFactors(source=source)
    seen: dict[str, str] = {}
    for name, value in raw.items():
        key = factor_key(name)
        if key is None:
            if strict:
                problems.append((str(name), f"unknown key; {suggest_key(str(name))}"))
            continue
        if key in seen:
            problems.append((str(name), f"given twice (also as {seen[key]!r}); keep one"))
            continue
        seen[key] = str(name)
        try:
            parsed = parse_value(name, value, decimal_comma=decimal_comma)
        except ValueError as exc:
            problems.append((str(name), f"{_shown(value)}: {exc}"))
            continue
        if parsed is None:
            continue
        factors.given[key] = _shown(value)
        if canonical_name(name) in UNIT_KEYS or (isinstance(value, str) and
                                                 FACTORS[key].units and
                                                 (unit_match := _NUMBER_WITH_UNIT.match(value)) and
                                                 unit_match.group(2)):
            factors.notes[key] = f"{_shown(value)} ({name}) read as {parsed:g} {FACTORS[key].unit}"
        if key == "metastatic_sites":
            factors.sites = parsed["sites"]
            parsed = parsed["count"]
        factors.values[key] = parsed
    _cross_check(factors, problems, today or dt.date.today())
    if problems:
        raise FactorProblems(problems)
    return factors


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def liver_in_sites(sites) -> bool:
    """True when a metastatic site list names the liver (the list is a full enumeration)."""
    return any(word in site for site in sites for word in _LIVER_WORDS)


def check_ldh(ldh: float | None, uln: float | None) -> tuple[float | None, str | None, str | None]:
    """(ldh_ratio, problem, why not assessed) from LDH and its upper limit of normal.

    The one check used by :func:`build_factors` (one patient) and by
    :func:`hpdgenomics.io.patient.patient_factor_frame` (a table, once per distinct pair).
    """
    if ldh is not None and uln is not None:
        ratio = ldh / uln
        if not 0.05 <= ratio <= 100:
            return None, (f"{ldh:g} is {ratio:.3g} x ldh_uln {uln:g}: implausible; are both in "
                          "U/L?"), None
        return round(ratio, 4), None, None
    if ldh is not None:
        return None, None, ("LDH given without ldh_uln, the laboratory's upper limit of normal "
                            "(it differs between laboratories and is not assumed)")
    if uln is not None:
        return None, None, "ldh_uln given without ldh"
    return None, None, "ldh and ldh_uln not given"


def check_nlr(nlr: float | None, neutrophils: float | None, lymphocytes: float | None
              ) -> tuple[float | None, str | None, str | None]:
    """(nlr computed from the counts, problem, why not assessed): the NLR given, computed, or
    both (then they must agree within :data:`NLR_TOLERANCE`). Shared like :func:`check_ldh`."""
    if neutrophils is not None and lymphocytes is not None:
        computed = neutrophils / lymphocytes
        if nlr is not None:
            if abs(nlr - computed) > NLR_TOLERANCE * max(nlr, computed):
                return None, (f"{nlr:g} disagrees with neutrophils / lymphocytes = "
                              f"{neutrophils:g} / {lymphocytes:g} = {computed:.3g}; correct one "
                              "of them or give only one"), None
            return None, None, None
        return round(computed, 4), None, None
    if nlr is not None:
        return None, None, None
    if neutrophils is not None:
        return None, None, "neutrophils given without lymphocytes"
    if lymphocytes is not None:
        return None, None, "lymphocytes given without neutrophils"
    return None, None, "nlr (or neutrophils and lymphocytes) not given"


def check_liver(liver: bool | None, sites) -> tuple[bool | None, str | None]:
    """(liver_metastases derived from the site list, problem): a site list (a full enumeration)
    must agree with a liver_metastases flag given beside it."""
    if sites is None:
        return None, None
    listed = liver_in_sites(sites)
    if liver is None:
        return listed, None
    if liver != listed:
        return None, (f"contradicts metastatic_sites {list(sites)} (liver "
                      f"{'listed' if listed else 'not listed'}); correct one of them")
    return None, None


def _cross_check(factors: PatientFactors, problems: list[tuple[str, str]], today: dt.date) -> None:
    values = factors.values
    # the site list is a full enumeration: liver is among them or it is not
    derived, problem = check_liver(values.get("liver_metastases"), factors.sites)
    if problem:
        given = "yes" if values["liver_metastases"] else "no"
        problems.append(("liver_metastases", f"{given!r} {problem}"))
    elif derived is not None:
        factors.derived["liver_metastases"] = derived
        factors.notes["liver_metastases"] = ("from the metastatic site list (" +
                                             ("liver listed" if derived else "liver not listed")
                                             + ")")
    # LDH is compared with the laboratory's own upper limit of normal
    ratio, problem, missing = check_ldh(values.get("ldh"), values.get("ldh_uln"))
    if problem:
        problems.append(("ldh", problem))
    elif ratio is not None:
        factors.derived["ldh_ratio"] = ratio
    if missing:
        factors.not_assessed["ldh_ratio"] = missing
    # NLR: given, computed, or both (then they must agree)
    neutrophils, lymphocytes = values.get("neutrophils"), values.get("lymphocytes")
    computed, problem, missing = check_nlr(values.get("nlr"), neutrophils, lymphocytes)
    if problem:
        problems.append(("nlr", problem))
    elif computed is not None:
        factors.derived["nlr"] = computed
        factors.notes["nlr"] = f"neutrophils / lymphocytes = {neutrophils:g} / {lymphocytes:g}"
    if missing:
        factors.not_assessed["nlr"] = missing
    # dates: pre-treatment factors are measured before ICI start
    measured, start = values.get("measured_on"), values.get("ici_start")
    if measured is not None and measured > today:
        problems.append(("measured_on", f"{measured.isoformat()} is in the future"))
    if measured is not None and start is not None:
        days = (start - measured).days
        if days < 0:
            factors.warnings.append(
                f"factors measured {-days} day(s) after ICI start ({measured.isoformat()} > "
                f"{start.isoformat()}): they are not pre-treatment values")
        elif days > MAX_DAYS_BEFORE_START:
            factors.warnings.append(
                f"factors measured {days} days before ICI start (more than "
                f"{MAX_DAYS_BEFORE_START}): they may not describe the patient at treatment")
