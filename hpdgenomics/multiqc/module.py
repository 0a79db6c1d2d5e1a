"""The MultiQC module: one row per ``<sample>.hpd.json`` screen report.

Adds a table section (caution level, flagged rules, their count, the count of rules not
evaluable, whether the screen was complete, genome build, knowledge-base version) and a General
Statistics column "HPD caution", and writes the same values to ``multiqc_data/multiqc_hpdgenomics``.
Rows are named by the report's ``sample.id`` (not its file name). Values are taken from the
report's ``caution`` block as written; nothing is recomputed.

Research use only: the caution level is a flag for review before immune checkpoint inhibitors,
not a prediction.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from multiqc.base_module import BaseMultiqcModule, ModuleNoSamplesFound
from multiqc.plots import table

if TYPE_CHECKING:       # multiqc's own types for a table's column settings
    from multiqc.plots.table_object import ColumnDict
    from multiqc.types import ColumnKey

from .hooks import SEARCH_PATTERN

log = logging.getLogger(__name__)

LEVELS = ("high", "moderate", "low", "none")

#: cell colours of the caution level (as in the HTML report: red, amber, yellow, green); typed
#: as MultiQC's column settings take them (a rule's value may be text or a number)
_LEVEL_FORMATTING: dict[str, list[dict[str, str | int | float]]] = {
    "high": [{"s_eq": "high"}], "moderate": [{"s_eq": "moderate"}],
    "low": [{"s_eq": "low"}], "none": [{"s_eq": "none"}]}
_LEVEL_COLOURS = [{"high": "#c0392b"}, {"moderate": "#d68910"}, {"low": "#b7950b"},
                  {"none": "#1e8449"}]


def read_screen_report(text: str, where: str) -> dict:
    """The module's row of one screen report's JSON text; ``ValueError`` naming ``where`` and what
    is wrong when it is not an hpdgenomics screen report."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{where}: not readable JSON ({exc})") from None
    tool = data.get("tool") if isinstance(data, dict) else None
    if not isinstance(tool, dict) or tool.get("name") != "hpdgenomics":
        raise ValueError(f"{where}: not an hpdgenomics report (no tool.name hpdgenomics)")
    caution, sample = data.get("caution"), data.get("sample")
    if not (isinstance(caution, dict) and isinstance(sample, dict) and sample.get("id")
            and caution.get("level") in LEVELS
            and isinstance(caution.get("rules_flagged"), list)
            and isinstance(caution.get("rules_not_evaluable"), list)):
        raise ValueError(f"{where}: not a screen report (no sample.id or caution block; a "
                         "cohort.json or a report of another kind)")
    knowledge = data.get("knowledge_base") or {}
    flagged, not_evaluable = caution["rules_flagged"], caution["rules_not_evaluable"]
    return {"sample_id": str(sample["id"]),
            "caution_level": caution["level"],
            "rules_flagged": ", ".join(flagged) if flagged else "none",
            "n_flagged": len(flagged),
            "n_not_evaluable": len(not_evaluable),
            "complete": "yes" if caution.get("complete") else "no",
            "genome_build": sample.get("genome_build") or "",
            "knowledge_base_version": str(knowledge.get("version") or ""),
            "tool_version": str(tool.get("version") or "")}


class MultiqcModule(BaseMultiqcModule):
    """hpdgenomics pre-immunotherapy screen: HPD caution level per sample."""

    def __init__(self):
        super().__init__(
            name="hpdgenomics",
            anchor="hpdgenomics",
            info="screens tumour sequencing results for alterations reported with "
                 "hyper-progressive disease on immune checkpoint inhibitors (research use only).")
        rows: dict[str, dict] = {}
        source: dict[str, str] = {}
        for found in self.find_log_files(SEARCH_PATTERN):
            where = f"{found['root']}/{found['fn']}"
            try:
                row = read_screen_report(found["f"], where)
            except ValueError as exc:
                log.warning("%s; skipped", exc)
                continue
            # the report's own sample id, not a file name: MultiQC's file-name cleaning
            # (fn_clean_exts) would cut it (indexed_vep_grch38 became "indexed")
            name = row["sample_id"]
            if name in rows:
                # one row per sample name: say which report is shown rather than merge silently
                log.warning("sample %s: two screen reports (%s and %s); the table shows %s",
                            name, source[name], where, where)
            rows[name], source[name] = row, where
            self.add_data_source(found, name)
            if row["tool_version"]:
                self.add_software_version(row["tool_version"], name)
        rows = self.ignore_samples(rows)
        if not rows:
            raise ModuleNoSamplesFound
        log.info("Found %d hpdgenomics screen reports", len(rows))

        self.general_stats_addcols(
            {name: {"caution_level": row["caution_level"]} for name, row in rows.items()},
            {"caution_level": {"title": "HPD caution",
                               "description": "hpdgenomics: highest caution level of the "
                                              "sample's HPD-associated alterations (none: no "
                                              "alteration among the evaluable rules)",
                               "scale": False,
                               "cond_formatting_rules": _LEVEL_FORMATTING,
                               "cond_formatting_colours": _LEVEL_COLOURS}})
        self.write_data_file({name: {k: v for k, v in row.items()}
                              for name, row in rows.items()}, "multiqc_hpdgenomics")

        headers: dict[str | ColumnKey, ColumnDict] = {
            "caution_level": {"title": "Caution level", "scale": False,
                              "description": "Highest caution level among the sample's findings",
                              "cond_formatting_rules": _LEVEL_FORMATTING,
                              "cond_formatting_colours": _LEVEL_COLOURS},
            "rules_flagged": {"title": "Flagged rules", "scale": False,
                              "description": "Rules with an HPD-associated alteration"},
            "n_flagged": {"title": "Flagged", "format": "{:,.0f}", "scale": False,
                          "description": "Number of flagged rules"},
            "n_not_evaluable": {"title": "Not evaluable", "format": "{:,.0f}", "scale": False,
                                "description": "Rules that could not be evaluated (gene not "
                                               "covered, no copy number): a caution level of "
                                               "none says nothing about them"},
            "complete": {"title": "Complete", "scale": False,
                         "description": "yes when every rule was evaluable"},
            "genome_build": {"title": "Build", "scale": False, "hidden": True},
            "knowledge_base_version": {"title": "Knowledge base", "scale": False,
                                       "description": "Knowledge-base version of the screen"},
        }
        self.add_section(
            name="HPD caution",
            anchor="hpdgenomics-caution",
            description="Each sample's pre-immune-checkpoint-inhibitor screen, from its "
                        "<code>*.hpd.json</code> report. Research use only: a flag for review, "
                        "not a prediction; see each sample's HTML report for the evidence.",
            plot=table.plot({name: {k: row[k] for k in headers} for name, row in rows.items()},
                            headers,
                            pconfig={"id": "hpdgenomics_caution_table",
                                     "title": "hpdgenomics: HPD caution",
                                     "namespace": "hpdgenomics"}))
