"""Documented resource limits: each a default, overridable by an environment variable.

A hostile or mistaken input (a gzip bomb, one 4 GB line, a YAML "billion laughs", a 400 MB file
given as a clinical table) must end in exit code 2 naming the limit and how to raise it, not in
minutes of work, gigabytes of memory and a MemoryError. The defaults let the largest real inputs
through (a whole-genome VCF, a 200,000-sample GENIE MAF of several GB and its clinical tables, a
GENIE copy-number matrix); docs/plausibility.md ("Resource limits") lists them all.

Values are read from the environment each time a limit is checked (never cached at import), so a
test or a wrapper script may set them per run. A value that is not a positive whole number is a
:class:`~hpdgenomics.errors.UsageError` naming the variable.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import UsageError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


@dataclass(frozen=True)
class Limit:
    """One input limit: its default and the environment variable that overrides it."""

    name: str          # short key used by the code ("line_bytes", "table_bytes", ...)
    env: str           # the environment variable that overrides the default
    default: int
    unit: str          # "bytes", "x", "aliases", "nodes"
    what: str          # what is limited, as the error message says it

    def value(self) -> int:
        """The limit in force: ``$env`` when set, else the default."""
        text = os.environ.get(self.env, "").strip()
        if not text:
            return self.default
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(f"the environment variable {self.env}={text!r} is not a positive "
                             f"whole number ({self.unit})",
                             hint=f"set it to e.g. {self.default} (the default) or unset it")
        return value

    def describe(self, value: int | None = None) -> str:
        """The limit as the error message states it: ``64 MiB (HPDGENOMICS_MAX_LINE_BYTES)``."""
        value = self.value() if value is None else value
        return f"{format_amount(value, self.unit)} ({self.env})"


def format_amount(value: int, unit: str) -> str:
    """``value`` in ``unit`` for a message: whole KiB/MiB/GiB when exact, ``4x``, else with
    thousands commas.
    """
    if unit == "bytes":
        for size, name in ((GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
            if value >= size and value % size == 0:
                return f"{value // size} {name}"
        return f"{value:,} bytes"
    if unit == "x":
        return f"{value}x"
    return f"{value:,} {unit}"


#: Longest line of any text input (newline excluded); the VCF reader uses the same variable.
LINE_BYTES = Limit("line_bytes", "HPDGENOMICS_MAX_LINE_BYTES", 64 * MIB, "bytes",
                   "longest line")
#: Decompressed size of small tables: clinical and samples tables, manifests, BED files, gene
#: panels and gene-panel matrices, HPD measurement and patient tables. A 200,000-sample GENIE
#: clinical table is about 60 MB.
TABLE_BYTES = Limit("table_bytes", "HPDGENOMICS_MAX_TABLE_BYTES", 256 * MIB, "bytes",
                    "size of a table")
#: Decompressed size of a copy-number file (segments, gene tables, and the cohort's gene-level
#: matrix; a GENIE matrix is a few hundred MB).
CNV_BYTES = Limit("cnv_bytes", "HPDGENOMICS_MAX_CNV_BYTES", 2 * GIB, "bytes",
                  "size of a copy-number file")
#: Decompressed size of a MAF (GENIE's 200,000-sample MAF is several GB).
MAF_BYTES = Limit("maf_bytes", "HPDGENOMICS_MAX_MAF_BYTES", 32 * GIB, "bytes", "size of a MAF")
#: Decompressed-to-compressed ratio of a gzip input, checked once GZIP_RATIO_FLOOR bytes have been
#: decompressed: real tables compress 3-20x (the VCFs and MAFs in ../shared: 4-10x), a gzip bomb
#: of repeated lines 300-1000x.
GZIP_RATIO = Limit("gzip_ratio", "HPDGENOMICS_MAX_GZIP_RATIO", 100, "x",
                   "gzip decompression ratio")
GZIP_RATIO_FLOOR = 64 * MIB
#: Size of a knowledge-base YAML file and of each table it names (the bundled ones: 20-30 KB).
KNOWLEDGE_BYTES = Limit("knowledge_bytes", "HPDGENOMICS_MAX_KNOWLEDGE_BYTES", 16 * MIB, "bytes",
                        "size of a knowledge file")
#: YAML aliases (``*name``) in a knowledge file, and the node count once every alias is expanded
#: (a 1 KB "billion laughs" expands to 10^9 nodes; the bundled file has about 2,000 and no alias).
YAML_ALIASES = Limit("yaml_aliases", "HPDGENOMICS_MAX_YAML_ALIASES", 1000, "aliases",
                     "YAML aliases")
YAML_NODES = Limit("yaml_nodes", "HPDGENOMICS_MAX_YAML_NODES", 1_000_000, "nodes",
                   "YAML nodes after alias expansion")

#: ``open_text(path, kind=...)``: the decompressed-size limit of each kind of input. "vcf" has
#: none (a whole-genome VCF may be tens of GB; its reader streams it record by record).
SIZE_LIMITS: dict[str, Limit | None] = {
    "table": TABLE_BYTES,
    "cnv": CNV_BYTES,
    "maf": MAF_BYTES,
    "vcf": None,
}

ALL_LIMITS = (LINE_BYTES, TABLE_BYTES, CNV_BYTES, MAF_BYTES, GZIP_RATIO, KNOWLEDGE_BYTES,
              YAML_ALIASES, YAML_NODES)
