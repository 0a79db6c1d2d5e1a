"""hpdgenomics: screen tumour genomic results for alterations reported with hyper-progressive
disease (HPD) on immune checkpoint inhibitors, and report them before treatment starts.

Research use only. The library never exits or prints; the CLI (``hpdgenomics.cli``) is a thin
layer over the functions exported here.
"""
import logging
from importlib.metadata import PackageNotFoundError, version as _dist_version

try:
    __version__ = _dist_version("hpdgenomics")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
