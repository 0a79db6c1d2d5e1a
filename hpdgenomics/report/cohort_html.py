"""Render the cohort report (``cohort.html``) from its data: the HTML view of ``cohort.json``.

The cohort package (:func:`hpdgenomics.cohort.report.render_cohort_html`) gathers the data, the
association rows and the figures; this module only lays them out through the same templates and
stylesheet as the single-sample report (:func:`hpdgenomics.report.render.template_environment`),
so rendering stays in ``report/`` and ``report/`` needs nothing from ``cohort/``.
"""
from __future__ import annotations

import math

from .render import stylesheet, template_environment

NO_FIGURES: dict[str, object] = {"oncoprint": None, "forest": None, "km": []}


def render_cohort_html(data: dict, figures: dict | None = None, *, sample_limit: int,
                       rows: list[dict], gene_rows: list[dict], clinical_rows: list[dict],
                       other_rows: list[dict], other_gene_rows: list[dict]) -> str:
    """The self-contained ``cohort.html`` (CSS inlined, figures embedded as base64 PNG).

    ``data`` is the cohort's ``to_dict()`` (what ``cohort.json`` holds), ``figures`` maps
    ``oncoprint``/``forest`` to a figure or None and ``km`` to a list of figures (objects with
    ``name``, ``png`` and ``svg``; None or missing: no figures). ``sample_limit`` is how many
    sample rows the page shows; ``rows``/``gene_rows`` are the default exposure's association rows
    per rule and gene, ``clinical_rows`` those of the clinical factors, ``other_rows`` and
    ``other_gene_rows`` those of the other exposure definitions.
    """
    return template_environment().get_template("cohort.html").render(
        r=data, css=stylesheet(), figures=figures or NO_FIGURES, inf=math.inf,
        sample_limit=sample_limit, rows=rows, gene_rows=gene_rows, clinical_rows=clinical_rows,
        other_rows=other_rows, other_gene_rows=other_gene_rows)


__all__ = ["render_cohort_html"]
