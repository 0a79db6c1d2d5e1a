"""JSON Schemas (draft 2020-12) of the JSON files hpdgenomics writes.

``report.schema.json`` describes ``<sample>.hpd.json`` (``hpdgenomics screen``) and
``cohort.schema.json`` describes ``cohort.json`` (``hpdgenomics cohort``); ``docs/report-schema.md``
and ``docs/cohort.md`` are the human-readable versions. Both ship inside the package and are read
with :mod:`importlib.resources`; ``hpdgenomics schema report|cohort`` prints them.
"""
from __future__ import annotations

import json
from importlib.resources import files

from ..errors import UsageError

#: schema name (as ``hpdgenomics schema NAME`` takes it) -> file in this package
SCHEMA_FILES = {"report": "report.schema.json", "cohort": "cohort.schema.json"}


def schema_text(name: str) -> str:
    """The text of the schema ``name`` (``report`` or ``cohort``), exactly as shipped.

    Raises :class:`~hpdgenomics.errors.UsageError` for any other name.
    """
    if name not in SCHEMA_FILES:
        raise UsageError(f"no schema named {name!r}",
                         hint="choose one of: " + ", ".join(sorted(SCHEMA_FILES)))
    return files(__name__).joinpath(SCHEMA_FILES[name]).read_text(encoding="utf-8")


def load_schema(name: str) -> dict:
    """The JSON Schema (draft 2020-12) of a report file.

    Inputs: ``name``, ``"report"`` (``<sample>.hpd.json`` of :func:`hpdgenomics.write_reports`,
    i.e. ``ScreenReport.to_dict()``) or ``"cohort"`` (``cohort.json`` of
    :func:`hpdgenomics.write_cohort_outputs`).

    Returns the schema as a dict (a fresh copy on each call). Validate with any 2020-12
    validator, e.g. ``jsonschema.validate(report, load_schema("report"))``.

    Raises :class:`~hpdgenomics.errors.UsageError` for any other name.
    """
    return json.loads(schema_text(name))
