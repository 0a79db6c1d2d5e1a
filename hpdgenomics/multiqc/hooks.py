"""MultiQC hooks: register the file search pattern of the hpdgenomics module.

MultiQC calls :func:`before_config` after loading its default search patterns and before the user's
configuration, so a user's ``sp: hpdgenomics/screen:`` in ``multiqc_config.yaml`` still overrides
the pattern set here.
"""
from __future__ import annotations

#: the module's search-pattern key; the module asks MultiQC for the files it matched
SEARCH_PATTERN = "hpdgenomics/screen"


def before_config() -> None:
    """MultiQC hook: register the search pattern that finds screen reports (``*.hpd.json``)."""
    from multiqc import config

    # the file name alone: the report's own fields (tool.name, sample.id, caution) are checked
    # when the module reads it, and a file that is not a screen report is skipped with a warning
    config.sp.setdefault(SEARCH_PATTERN, {"fn": "*.hpd.json"})
