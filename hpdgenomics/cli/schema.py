"""``hpdgenomics schema``: print the JSON Schema of a report file on stdout."""
from __future__ import annotations

import click

from ..schemas import SCHEMA_FILES
from . import common_options


@click.command("schema")
@click.argument("name", metavar="NAME", type=click.Choice(sorted(SCHEMA_FILES)))
@common_options
def command(name):
    """Print the JSON Schema (draft 2020-12) of a report file on stdout.

    \b
    report  <sample>.hpd.json written by `hpdgenomics screen`
    cohort  cohort.json written by `hpdgenomics cohort`

    The schema is printed exactly as shipped in the package (hpdgenomics/schemas/); validate a
    report with any 2020-12 validator, e.g. `check-jsonschema --schemafile report.schema.json
    S01.hpd.json`.
    """
    from ..schemas import schema_text

    click.echo(schema_text(name), nl=False)
