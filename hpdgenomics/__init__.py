"""hpdgenomics: screen tumour genomic results for alterations reported with hyper-progressive
disease (HPD) on immune checkpoint inhibitors, and report them before treatment starts.

Research use only. The library never exits or prints; the CLI (``hpdgenomics.cli``) is a thin
layer over the functions exported here (``docs/api.md``):

- one tumour: :func:`screen_sample` (:class:`ScreenInputs` in, :class:`ScreenReport` out),
  :func:`load_knowledge`, :func:`write_reports`;
- a cohort: :func:`run_cohort` (:class:`CohortConfig` in, :class:`CohortReport` out),
  :func:`write_cohort_outputs`;
- HPD labels from tumour measurements: :func:`classify_hpd` (:class:`HpdClassification`);
- the JSON Schemas of the reports: :func:`load_schema`;
- errors: :class:`HpdError` and its subclasses, the only exceptions raised on purpose.

Names are imported on first use (PEP 562), so ``import hpdgenomics`` loads neither pandas nor
cyvcf2 nor the statistics stack.
"""
import logging
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

from .errors import ClinicalDataError, HpdError, InputError, KnowledgeError, OutputError, UsageError

try:
    __version__ = _dist_version("hpdgenomics")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# public name -> module that defines it, imported when the name is first used
_LAZY = {
    "ScreenInputs": "screen.engine",
    "screen_sample": "screen.engine",
    "ScreenReport": "report.model",
    "Alteration": "report.model",
    "RuleResult": "report.model",
    "GeneResult": "report.model",
    "InputSummary": "report.model",
    "write_reports": "report.render",
    "KnowledgeBase": "knowledge.base",
    "load_knowledge": "knowledge.base",
    "CohortConfig": "cohort.report",
    "CohortReport": "cohort.report",
    "run_cohort": "cohort.report",
    "write_cohort_outputs": "cohort.report",
    "CohortAnalysis": "cohort.analysis",
    "HpdOptions": "hpd.classify",
    "HpdClassification": "hpd.classify",
    "classify_hpd": "hpd.classify",
    "load_schema": "schemas",
}

__all__ = [
    "__version__",
    # one tumour
    "ScreenInputs", "screen_sample", "ScreenReport", "Alteration", "RuleResult", "GeneResult",
    "InputSummary", "write_reports", "KnowledgeBase", "load_knowledge",
    # a cohort
    "CohortConfig", "run_cohort", "CohortReport", "CohortAnalysis", "write_cohort_outputs",
    # HPD labels
    "HpdOptions", "classify_hpd", "HpdClassification",
    # report schemas
    "load_schema",
    # errors
    "HpdError", "InputError", "KnowledgeError", "ClinicalDataError", "OutputError", "UsageError",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value   # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
