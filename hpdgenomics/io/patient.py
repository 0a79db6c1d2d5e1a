"""Read one patient's pre-treatment factors (``screen --patient FILE``).

Three layouts are accepted, so that what a clinic already has can be given as it is:

* **YAML** (``.yaml``/``.yml``): a mapping of key to value; ``metastatic_sites`` may be a list of
  sites; dates as ``YYYY-MM-DD``.
* **Key/value table** (TSV/CSV, as a spreadsheet exports a two-column sheet): one factor per row;
  an optional header row whose first cell is ``factor``, ``key``, ``name``, ``variable`` or
  ``parameter``, and an optional third ``unit`` column whose unit is read with the value.
* **Wide table** (TSV/CSV): a header row of keys and one row per patient. With one row, that row
  is the patient; with several, the row whose ``sample_id`` (else ``patient_id``) equals the
  requested id (``--patient-id``, else the screened sample's id).

Keys, units and plausible ranges are those of :mod:`hpdgenomics.clinical.factors` (one vocabulary
with the cohort's clinical columns and hpd-classify). An unknown key, an implausible value or a
unit mix-up is an error naming the file, line and key; every problem is listed at once. A key not
given is *not assessed*. Missing-value words are those of :mod:`hpdgenomics.io.vocabulary`.
Numbers may use a decimal comma only in ``;``-separated files.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Container, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clinical.factors import FactorProblems, PatientFactors, build_factors, canonical_name
from ..errors import ClinicalDataError, InputError
from .table import BINARY_SNIFF_CHARS, RowSplitError, binary_content, split_rows
from .text import open_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

_KEY_HEADERS = ("factor", "key", "name", "variable", "parameter", "field")
_YAML_SUFFIXES = (".yaml", ".yml")
_HINT = "fix the listed keys (docs/clinical.md lists every key, its unit and range)"


def read_patient_factors(path: str | Path, *, patient_id: str | None = None,
                         sample_id: str | None = None) -> PatientFactors:
    """One patient's factors from ``path`` (YAML, key/value table or wide table).

    ``patient_id`` picks the row of a wide table with several patients (matched against its
    ``sample_id``, then its ``patient_id`` column); without it ``sample_id`` (the screened
    sample) is tried. A ``sample_id`` given *in the file* must equal ``sample_id``: a file of
    another sample is refused, not reported under this one.

    Raises :class:`~hpdgenomics.errors.ClinicalDataError` listing every problem (file, line, key)
    and :class:`~hpdgenomics.errors.InputError` for an unreadable file.
    """
    path = Path(path)
    text = _read_text(path)
    if path.name.lower().endswith(_YAML_SUFFIXES + tuple(s + ".gz" for s in _YAML_SUFFIXES)):
        raw, where, decimal_comma = _yaml(text, path), "", False
        lines = _yaml_key_lines(text, raw)
    else:
        raw, lines, where, decimal_comma = _table(text, path, patient_id or sample_id,
                                                  explicit=patient_id is not None)
    source = f"{path}{f' ({where})' if where else ''}"
    try:
        factors = build_factors(raw, source=source, decimal_comma=decimal_comma)
    except FactorProblems as exc:
        raise ClinicalDataError(
            "patient factors cannot be used",
            problems=[f"{lines[key]}key {key!r}: {message}" if key in lines else
                      f"key {key!r}: {message}" for key, message in exc.problems],
            path=path, where=where or None, hint=_HINT) from None
    given_sample = factors.values.get("sample_id")
    if sample_id is not None and given_sample is not None and given_sample != sample_id:
        raise ClinicalDataError(
            f"key 'sample_id' is {given_sample!r}, but the screened sample is {sample_id!r}",
            path=path, where=where or None,
            hint="give the factors of this sample's patient (or correct sample_id in the file)")
    return factors


def _read_text(path: Path) -> str:
    try:
        with open_text(path) as handle:      # bounded like every table (hpdgenomics.limits)
            text = handle.read()
    except (OSError, EOFError, zlib.error, UnicodeError) as exc:
        raise InputError(f"cannot be read ({exc})", path=path,
                         hint="give the patient file as YAML or a tab/comma-separated text "
                              "table") from None
    if (why := binary_content(text[:BINARY_SNIFF_CHARS])) is not None:
        raise InputError(f"is not a text file ({why}: a spreadsheet workbook?)",
                         path=path, hint="export the sheet as 'Text (Tab delimited)' or CSV")
    if not text.strip():
        raise InputError("is empty", path=path, hint="give at least one factor (docs/clinical.md)")
    return text


def _yaml(text: str, path: Path) -> dict[str, Any]:
    from ..knowledge.loader import parse_yaml
    from ..knowledge.validate import Problems

    problems = Problems()
    doc = parse_yaml(text, str(path), problems)   # bounded: aliases and expansion
    if problems:
        raise ClinicalDataError("not a usable YAML file", problems=problems.items, path=path,
                                hint=_HINT)
    if not isinstance(doc, dict):
        raise ClinicalDataError(f"expected a mapping of factor keys to values, found "
                                f"{type(doc).__name__}", path=path, hint=_HINT)
    nested = [str(k) for k, v in doc.items() if isinstance(v, dict)]
    if nested:
        raise ClinicalDataError("nested mappings are not factors",
                                problems=[f"key {k!r}: give a single value" for k in nested],
                                path=path, hint=_HINT)
    return {str(k): v for k, v in doc.items()}


def _yaml_key_lines(text: str, keys: Container[str]) -> dict[str, str]:
    """``key -> "line N: "`` for the top-level keys of a flat YAML mapping, so that an error
    names the line as it does for a table (a key not found at the start of a line: no line)."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"""^(['"]?)([^'":#\s][^'":#]*?)\1\s*:""", line)
        if match and match.group(2) in keys and match.group(2) not in found:
            found[match.group(2)] = f"line {number}: "
    return found


def _rows(text: str, path: Path) -> tuple[list[list[str]], list[int], str]:
    """The non-blank rows of a key/value or wide table (:func:`hpdgenomics.io.table.split_rows`),
    trailing empty fields (trailing separators, as spreadsheets write them) removed."""
    try:
        split = split_rows(text, path, skip_blank_lines=True)
    except RowSplitError as exc:
        raise InputError(f"line {exc.line}: cannot be split into fields ({exc.reason})",
                         path=path, hint="check the line's quotes") from None
    if split is None:
        raise InputError("holds no rows", path=path, hint="give at least one factor")
    rows = []
    for fields in split.rows:
        while fields and not fields[-1]:
            fields.pop()
        rows.append(fields)
    return rows, split.lines, split.separator


def _table(text: str, path: Path, wanted: str | None, *, explicit: bool
           ) -> tuple[dict[str, Any], dict[str, str], str, bool]:
    rows, numbers, separator = _rows(text, path)
    decimal_comma = separator == ";"
    first = canonical_name(rows[0][0]) if rows[0] else ""
    vertical = first in _KEY_HEADERS or (
        len(rows) > 1 and max(len(r) for r in rows) <= 3 and
        all(len(r) >= 1 for r in rows) and _mostly_keys([r[0] for r in rows]) and
        not _mostly_keys(rows[0][1:]))
    if vertical:
        has_header = first in _KEY_HEADERS
        unit_column = None
        if has_header:
            names = [canonical_name(c) for c in rows[0]]
            unit_column = names.index("unit") if "unit" in names else \
                (names.index("units") if "units" in names else None)
        raw: dict[str, Any] = {}
        where: dict[str, str] = {}
        problems = []
        for fields, line in list(zip(rows, numbers, strict=True))[1 if has_header else 0:]:
            key = fields[0]
            value = fields[1] if len(fields) > 1 else ""
            unit = fields[unit_column] if unit_column is not None and \
                len(fields) > unit_column else ""
            if len(fields) > 3 or (len(fields) == 3 and unit_column is None):
                problems.append(f"line {line}: {len(fields)} fields; a key/value table has the "
                                "key, the value and optionally a unit column")
                continue
            if key in raw:
                problems.append(f"line {line}: key {key!r} given twice (also line "
                                f"{where[key][5:-2]})")
                continue
            raw[key] = f"{value} {unit}" if unit and value else value
            where[key] = f"line {line}: "
        if problems:
            raise ClinicalDataError("patient factors cannot be used", problems=problems,
                                    path=path, hint=_HINT)
        return raw, where, "", decimal_comma
    header, body = rows[0], list(zip(rows[1:], numbers[1:], strict=True))
    if not body:
        raise InputError("has a header row but no patient row", path=path,
                         hint="add the patient's values below the header, or give a key/value "
                              "table (one 'key<TAB>value' per line)")
    for fields, line in body:
        if len(fields) > len(header):
            raise InputError(f"line {line}: {len(fields)} fields but the header has "
                             f"{len(header)}", path=path,
                             hint="check the separator and stray tabs or commas")
    chosen = body[0] if len(body) == 1 and not explicit else _choose(header, body, wanted, path)
    fields, line = chosen
    fields = fields + [""] * (len(header) - len(fields))
    raw = {}
    for name, value in zip(header, fields, strict=True):    # fields padded to the header
        if not name:
            if value:
                raise InputError(f"line {line}: a column with no name holds {value!r}",
                                 path=path, hint="name the column or delete it")
            continue
        raw[name] = value
    return raw, {name: f"line {line}: " for name in header}, f"line {line}", decimal_comma


def _mostly_keys(cells: list[str]) -> bool:
    from ..clinical.factors import factor_key

    named = [c for c in cells if c]
    return bool(named) and sum(factor_key(c) is not None for c in named) * 2 > len(named)


def _choose(header: list[str], body: list[tuple[list[str], int]], wanted: str | None,
            path: Path) -> tuple[list[str], int]:
    from ..clinical.factors import factor_key

    columns = {factor_key(name): index for index, name in enumerate(header)
               if factor_key(name) in ("sample_id", "patient_id")}
    if wanted is None or not columns:
        raise ClinicalDataError(
            f"{len(body)} patient rows, and no way to choose one" +
            ("" if columns else " (no sample_id or patient_id column)"), path=path,
            hint="give --patient-id ID (matched against sample_id, then patient_id), or a file "
                 "with this patient only")
    for key in ("sample_id", "patient_id"):
        if key not in columns:
            continue
        matches = [(f, n) for f, n in body
                   if len(f) > columns[key] and f[columns[key]] == wanted]
        if len(matches) > 1:
            raise ClinicalDataError(f"{len(matches)} rows have {key} {wanted!r} (lines "
                                    f"{', '.join(str(n) for _, n in matches)})", path=path,
                                    hint="keep one row per patient")
        if matches:
            return matches[0]
    folded = [f[i] for f, _ in body for i in columns.values()
              if len(f) > i and f[i].lower() == wanted.lower()]
    hint = (f"ids are compared exactly; the file has {folded[0]!r}" if folded else
            "give --patient-id with the id the file uses")
    raise ClinicalDataError(f"no row has sample_id or patient_id {wanted!r} among "
                            f"{len(body)} patient rows", path=path, hint=hint)


# --- a table of patients (the cohort's clinical table, hpd-classify's patient table) ----------

#: factor kinds a table of patients is parsed for (text and dates are carried as written)
FRAME_KINDS = ("sites", "flag", "number", "integer", "count")
#: how many lines a problem lists before "..."
_LINES_SHOWN = 10


def _lines_text(lines: list[int]) -> str:
    shown = ", ".join(map(str, lines[:_LINES_SHOWN]))
    return f"line{'s' if len(lines) > 1 else ''} {shown}" + \
        (f" (+{len(lines) - _LINES_SHOWN} more)" if len(lines) > _LINES_SHOWN else "")


def factor_columns_of(columns: Iterable[str], mapping: Mapping[str, str] | None = None, *,
                      path: str | Path | None = None) -> dict[str, tuple[str, str]]:
    """factor key -> (column, the name its values are parsed under) for a table's columns.

    Columns are found by the shared vocabulary (:func:`~hpdgenomics.clinical.factors.factor_key`
    on each name: documented keys, aliases, names with units such as ``Albumin (g/dL)``);
    ``mapping`` (KEY -> COLUMN, ``--clinical-factor``) names others and takes precedence. An
    unknown KEY, a COLUMN the table lacks, or two columns for one factor is a
    :class:`~hpdgenomics.errors.UsageError`. Only the factors of :data:`FRAME_KINDS` are listed.
    """
    from ..clinical.factors import FACTORS, UNIT_KEYS, factor_key, suggest_key
    from ..errors import UsageError

    columns = list(columns)
    found: dict[str, tuple[str, str]] = {}
    mapped_columns = set()
    for key, column in (mapping or {}).items():
        factor = factor_key(key)
        if factor is None:
            raise UsageError(f"--clinical-factor {key}={column}: unknown factor {key!r}; "
                             f"{suggest_key(key)}", path=path)
        if column not in columns:
            raise UsageError(f"--clinical-factor {key}={column}: the table has no column "
                             f"{column!r}", path=path, hint="columns: " + ", ".join(columns))
        if factor in found:
            raise UsageError(f"--clinical-factor: {factor} mapped twice ({found[factor][0]!r} "
                             f"and {column!r})", path=path)
        # the column's own unit (Albumin (g/dL)) wins over a key without one
        own = factor_key(column)
        name = column if own == factor and canonical_name(column) in UNIT_KEYS and \
            canonical_name(key) not in UNIT_KEYS else key
        found[factor] = (column, name)
        mapped_columns.add(column)
    for column in columns:
        factor = factor_key(column)
        if column in mapped_columns or factor is None or factor in (mapping and {
                factor_key(k) for k in mapping} or ()):
            continue
        if FACTORS[factor].kind not in FRAME_KINDS:
            continue
        if factor in found:
            raise UsageError(f"columns {found[factor][0]!r} and {column!r} both hold {factor}",
                             path=path, hint=f"keep one, or choose with --clinical-factor "
                                             f"{factor}=COLUMN")
        found[factor] = (column, column)
    return found


def patient_factor_frame(frame: pd.DataFrame, *, path: str | Path, lines: Iterable[int],
                         decimal_comma: bool = False, mapping: Mapping[str, str] | None = None
                         ) -> tuple[pd.DataFrame, list[str]]:
    """The patient factors of a table of patients: ``(DataFrame, problems)``.

    ``frame`` holds the table's cells as text (one row per patient or sample), ``lines`` each
    row's line in ``path``, ``mapping`` explicit factor KEY -> COLUMN. Every cell of a factor
    column is parsed by :func:`~hpdgenomics.clinical.factors.parse_value` (each distinct text
    once), a whole column is checked for a unit mix-up (an albumin column all below 10 g/L is
    g/dL; a column mixing both scales lists the lines of the minority), and each row is
    cross-checked as :func:`~hpdgenomics.clinical.factors.build_factors` does (the same
    functions: LDH against its upper limit, NLR against the counts, liver metastases against a
    site list). Returns one float column per factor (flags 1/0, ``metastatic_sites`` the count;
    NaN = not assessed, and for a cell with a problem) plus the derived ``ldh_ratio``, ``nlr``
    and ``liver_metastases``, and the problems as sentences naming file, line and column.
    ``result.attrs``: ``factor_columns`` (key -> column), ``assessed`` (key -> count),
    ``conversions`` (sentences).
    """
    import numpy as np
    import pandas as pd

    from ..clinical.factors import FACTORS, check_ldh, check_liver, check_nlr

    columns = factor_columns_of(frame.columns, mapping, path=path)
    line_numbers = np.asarray(list(lines))
    problems: list[str] = []
    out = pd.DataFrame(index=frame.index)
    conversions: list[str] = []
    sites_of: dict[str, Any] = {}
    for key, (column, name) in columns.items():
        codes, uniques = pd.factorize(frame[column].astype(object), use_na_sentinel=True)
        flagged, bare = _unit_mixup(key, column, name, codes, uniques, line_numbers, path,
                                    problems, decimal_comma)
        values, site_lists, converted = _parse_factor_values(
            key, column, name, codes, uniques, flagged, bare, line_numbers, path, problems,
            decimal_comma)
        out[key] = np.where(codes >= 0, values[np.maximum(codes, 0)], np.nan)
        if key == "metastatic_sites":
            sites_of = {"codes": codes, "lists": site_lists}
        conversions.extend(_conversion_notes(key, column, name, FACTORS[key].unit, converted))
    _cross_checks(out, sites_of, columns, line_numbers, path, problems,
                  check_ldh=check_ldh, check_nlr=check_nlr, check_liver=check_liver)
    out.attrs["factor_columns"] = {key: column for key, (column, _) in columns.items()}
    out.attrs["assessed"] = {key: int(out[key].notna().sum()) for key in out.columns}
    out.attrs["conversions"] = conversions
    return out, problems


def _unit_mixup(key: str, column: str, name: str, codes: npt.NDArray[np.intp], uniques: Any,
                lines: npt.NDArray[Any], path: str | Path, problems: list[str],
                decimal_comma: bool) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Whole-column plausibility: bare numbers the vocabulary would call another unit's (an
    albumin column all below 10 g/L is g/dL; a column mixing both scales lists the lines of the
    minority). Returns (flagged, bare): per distinct value, implausible / written without unit."""
    import numpy as np

    from ..clinical.factors import _UNIT_KEY_MIXUP, FACTORS, UNIT_KEYS, _number

    factor = FACTORS[key]
    canonical = canonical_name(name)
    mixup = _UNIT_KEY_MIXUP.get(canonical) if canonical in UNIT_KEYS else factor.mixup
    flagged = np.zeros(len(uniques), dtype=bool)
    bare = np.zeros(len(uniques), dtype=bool)
    if mixup is not None:
        for at, text in enumerate(uniques):
            try:
                number, unit = _number(text, decimal_comma=decimal_comma)
            except ValueError:
                continue
            if not unit:
                bare[at] = True
                flagged[at] = mixup(number) is not None
    if mixup is None or not flagged.any():      # only a mix-up check flags values
        return flagged, bare
    bad_rows = np.isin(codes, np.flatnonzero(flagged))
    good_rows = np.isin(codes, np.flatnonzero(bare & ~flagged))
    example = mixup(_number(uniques[np.flatnonzero(flagged)[0]], decimal_comma=decimal_comma)[0])
    if not good_rows.any():
        problems.append(
            f"{path}, column {column}: every value is implausible as {factor.unit or key}"
            f" ({int(bad_rows.sum())} values; e.g. {example}): the column is in another "
            f"unit; name it with its unit (e.g. 'Albumin (g/dL)') or map it with "
            f"--clinical-factor KEY={column} using a key with the unit "
            f"({', '.join(k for k, (f, _) in UNIT_KEYS.items() if f == key) or 'none'})")
    else:
        problems.append(
            f"{path}, column {column}: values on two scales: {int(good_rows.sum())} "
            f"plausible as {factor.unit or key}, {int(bad_rows.sum())} not "
            f"({_lines_text(list(lines[bad_rows]))}; e.g. {example}); convert them to "
            "one unit")
    return flagged, bare


def _parse_factor_values(key: str, column: str, name: str, codes: npt.NDArray[np.intp],
                         uniques: Any, flagged: npt.NDArray[np.bool_], bare: npt.NDArray[np.bool_],
                         lines: npt.NDArray[Any], path: str | Path, problems: list[str],
                         decimal_comma: bool
                         ) -> tuple[npt.NDArray[np.float64], list[Any], int]:
    """Each distinct value of a factor column parsed once (the flagged ones left NaN).
    Returns (values, site lists, number of cells converted from a written unit); a value that
    cannot be parsed is a problem naming its lines."""
    import numpy as np

    from ..clinical.factors import FACTORS, parse_value

    factor = FACTORS[key]
    values = np.full(len(uniques), np.nan)
    site_lists: list[Any] = [None] * len(uniques)
    failed: list[tuple[int, str]] = []
    converted = 0
    for at, text in enumerate(uniques):
        if flagged[at]:
            continue
        try:
            parsed = parse_value(name, text, decimal_comma=decimal_comma)
        except ValueError as exc:
            failed.append((at, str(exc)))
            continue
        if parsed is None:
            continue
        if key == "metastatic_sites":
            site_lists[at] = parsed["sites"]
            parsed = parsed["count"]
        values[at] = float(parsed)
        if factor.units and not bare[at] and isinstance(text, str) and \
                _has_unit(text, decimal_comma):
            converted += int((codes == at).sum())
    for at, message in failed:
        rows = codes == at
        problems.append(f"{path} {_lines_text(list(lines[rows]))}, column {column}: "
                        f"{uniques[at]!r}: {message}")
    return values, site_lists, converted


def _conversion_notes(key: str, column: str, name: str, unit: str | None,
                      converted: int) -> list[str]:
    """Sentences on how a factor column's values were converted to the factor's unit."""
    from ..clinical.factors import UNIT_KEYS

    notes = []
    canonical = canonical_name(name)
    if canonical in UNIT_KEYS and name == column:
        notes.append(f"column {column} read as {key} in {unit} "
                     f"(x{UNIT_KEYS[canonical][1]:g} from the unit in its name)")
    elif canonical in UNIT_KEYS:
        notes.append(f"column {column} read as {key} in {unit} "
                     f"(x{UNIT_KEYS[canonical][1]:g}, mapped as {name})")
    if converted:
        notes.append(f"column {column}: {converted} value(s) written with a unit "
                     f"converted to {unit}")
    return notes


def _has_unit(text: str, decimal_comma: bool) -> bool:
    from ..clinical.factors import _number

    try:
        return bool(_number(text, decimal_comma=decimal_comma)[1])
    except ValueError:
        return False


def _column_values(out: pd.DataFrame, key: str) -> npt.NDArray[Any]:
    """The column ``key`` of ``out`` as an array, all NaN when the frame lacks it."""
    import numpy as np

    values: npt.NDArray[Any] = (out[key].to_numpy() if key in out.columns
                                else np.full(len(out), np.nan))
    return values


def _plain(value: Any) -> float | None:
    """A cell as the checks take it: None for NaN, else a float."""
    return None if value != value else float(value)


def _report_rows(bad: dict[str, list[int]], lines: npt.NDArray[Any], path: str | Path,
                 column: str, problems: list[str], prefix: str = "") -> None:
    """One problem line per distinct problem, naming every file line that has it."""
    for problem, rows in bad.items():
        problems.append(f"{path} {_lines_text([int(lines[r]) for r in rows])}, column "
                        f"{column}: {prefix}{problem}")


def _per_combination(out: pd.DataFrame, keys: tuple[str, ...], check: Callable[..., Any],
                     lines: npt.NDArray[Any], path: str | Path, problem_column: str,
                     problems: list[str]) -> tuple[npt.NDArray[Any], list[int]]:
    """Run ``check`` once per distinct combination of the ``keys`` columns.

    Returns the derived value per row (NaN where none or a problem) and the rows with a problem;
    the problems are added to ``problems``.
    """
    import numpy as np

    arrays = [_column_values(out, k) for k in keys]
    results: dict[tuple[Any, ...], Any] = {}
    derived = np.full(len(out), np.nan)
    bad: dict[str, list[int]] = {}
    for row, combo in enumerate(zip(*arrays, strict=True)):     # columns of one frame
        if all(v != v for v in combo):
            continue
        if combo not in results:
            results[combo] = check(*(_plain(v) for v in combo))
        value, problem = results[combo][0], results[combo][1]
        if problem:
            bad.setdefault(problem, []).append(row)
        elif value is not None:
            derived[row] = float(value)
    _report_rows(bad, lines, path, problem_column, problems)
    return derived, [r for rows in bad.values() for r in rows]


def _liver_from_sites(out: pd.DataFrame, sites_of: dict[str, Any],
                      check_liver: Callable[..., Any], lines: npt.NDArray[Any], path: str | Path,
                      problem_column: str, problems: list[str]) -> npt.NDArray[Any]:
    """``liver_metastases`` per row: the given flag checked against (or derived from) the sites."""
    import numpy as np

    codes, lists = sites_of["codes"], sites_of["lists"]
    given = _column_values(out, "liver_metastases")
    liver: npt.NDArray[Any] = given.copy()
    cache: dict[tuple[int, bool | None], Any] = {}
    bad: dict[str, list[int]] = {}
    for row, code in enumerate(codes):
        sites = lists[code] if code >= 0 else None
        if sites is None:
            continue
        flag = None if given[row] != given[row] else bool(given[row])
        if (code, flag) not in cache:
            cache[(code, flag)] = check_liver(flag, sites)
        derived, problem = cache[(code, flag)]
        if problem:
            bad.setdefault(problem, []).append(row)
            liver[row] = np.nan
        elif derived is not None:
            liver[row] = float(derived)
    _report_rows(bad, lines, path, problem_column, problems, prefix="liver_metastases ")
    return liver


def _cross_checks(out: pd.DataFrame, sites_of: dict[str, Any],
                  columns: dict[str, tuple[str, str]], lines: npt.NDArray[Any],
                  path: str | Path, problems: list[str], *, check_ldh: Callable[..., Any],
                  check_nlr: Callable[..., Any], check_liver: Callable[..., Any]) -> None:
    """The row checks of ``build_factors`` over a frame, each distinct combination once."""
    import numpy as np

    if "ldh" in out.columns or "ldh_uln" in out.columns:
        ratio, _ = _per_combination(out, ("ldh", "ldh_uln"), check_ldh, lines, path,
                                    columns.get("ldh", ("ldh",))[0], problems)
        out["ldh_ratio"] = ratio
    if {"nlr", "neutrophils", "lymphocytes"} & set(out.columns):
        computed, bad_rows = _per_combination(
            out, ("nlr", "neutrophils", "lymphocytes"), check_nlr, lines, path,
            columns.get("nlr", columns.get("neutrophils", ("nlr",)))[0], problems)
        given = _column_values(out, "nlr")
        nlr = np.where(np.isnan(given), computed, given)
        nlr[bad_rows] = np.nan
        out["nlr"] = nlr
    if sites_of and any(lst is not None for lst in sites_of["lists"]):
        out["liver_metastases"] = _liver_from_sites(
            out, sites_of, check_liver, lines, path,
            columns.get("liver_metastases", ("liver_metastases",))[0], problems)
