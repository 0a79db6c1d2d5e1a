"""Which genes each sample's assay covered: gene-panel matrix and gene-panel definitions.

Formats
-------
* Gene-panel matrix (cBioPortal ``data_gene_panel_matrix.txt``): tab-separated, header
  ``SAMPLE_ID`` then one column per molecular profile (``mutations``, ``gistic``, ``cna``,
  ``structural_variants`` ...); each cell names the gene panel the sample was profiled with for
  that profile, or ``NA`` (or blank) when the sample was not profiled for it at all.
* Gene-panel definitions, either of:

  - the cBioPortal gene panel file: ``key: value`` lines ``stable_id: <panel id>``,
    ``description: ...`` and ``gene_list:`` followed by tab-separated HGNC symbols; or
  - a two-column TSV with header ``panel_id`` and ``gene`` (one row per gene; a ``gene`` cell may
    also hold a comma-separated list).

  Genes are matched by HGNC symbol exactly as written (no alias mapping); a ``gene_list`` made of
  Entrez ids is refused, because nothing else in hpdgenomics speaks Entrez.

Semantics (:class:`ProfilingMap`)
---------------------------------
* No matrix given: every sample is taken as profiled for every gene; :attr:`ProfilingMap.assumption`
  says so, for the report.
* With a matrix: ``profiled(sample, gene, profile)`` is True when the sample's panel for that
  profile contains the gene, False when the panel lacks the gene or the cell is ``NA`` (not
  profiled), and None when the sample is not in the matrix (unknown: counted in no denominator).
  A panel id of ``WES``, ``WXS`` or ``WGS`` with no definition of its own means every gene.
  Any other panel id without a definition is an InputError when the map is built.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import GeneStatus
from .table import find_column, read_delimited, refuse_binary
from .text import open_text, sha256_file
from .vocabulary import is_missing

log = logging.getLogger(__name__)

WHOLE_GENOME_PANELS = frozenset({"WES", "WXS", "WGS"})

NO_MATRIX_ASSUMPTION = ("no gene-panel matrix was given: every sample is taken as profiled for "
                        "every gene, so 'not altered' is counted as 'profiled and unaltered'")


def read_gene_panel_matrix(path: str | Path) -> pd.DataFrame:
    """The matrix as a DataFrame indexed by ``sample_id``, one column per profile.

    Cells hold the panel id, or None for "not profiled" (``NA``/blank). Blank or duplicate sample
    ids raise InputError listing every offending line.
    """
    table = read_delimited(path, what="gene-panel matrix")
    sample_col = find_column(table.df.columns, "SAMPLE_ID")
    if sample_col is None:
        raise InputError(f"gene-panel matrix has no SAMPLE_ID column (columns: "
                         f"{', '.join(table.df.columns)})", path=path,
                         where=f"line {table.header_line}",
                         hint="the header must be SAMPLE_ID then one column per profile")
    profiles = [c for c in table.df.columns if c != sample_col]
    if not profiles:
        raise InputError("gene-panel matrix has no profile columns", path=path,
                         where=f"line {table.header_line}",
                         hint="add columns such as 'mutations' and 'gistic' naming each "
                              "sample's panel")
    problems: list[str] = []
    # row checks on whole columns (a GENIE matrix has 200,000 rows); messages in row order
    samples = table.df[sample_col]
    filled = (table.df.to_numpy(dtype=object) != "").any(axis=1) if len(table.df.columns) \
        else np.zeros(len(table.df), dtype=bool)
    blank_id = samples.map({value: is_missing(value) for value in pd.unique(samples)}
                           ).to_numpy(dtype=bool)
    named = filled & ~blank_id
    repeated = named & samples.duplicated(keep=False).to_numpy()
    first_line: dict[str, int] = {}
    for index in np.flatnonzero((filled & blank_id) | repeated).tolist():
        line, sample = table.line_of(index), samples.iat[index]
        if blank_id[index]:
            problems.append(f"line {line}: blank SAMPLE_ID")
        elif sample in first_line:
            problems.append(f"line {line}: sample {sample!r} already on line "
                            f"{first_line[sample]}")
        else:
            first_line[sample] = line
    keep = np.flatnonzero(named)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the gene-panel matrix: "
                         + "; ".join(problems[:20]), path=path,
                         hint="list every sample once with a non-blank SAMPLE_ID")
    matrix = table.df.iloc[keep].set_index(sample_col)[profiles]
    matrix.index.name = "sample_id"
    missing = {value: is_missing(value) for value in pd.unique(matrix.to_numpy().ravel())}
    return matrix.map(lambda value: None if missing[value] else value)


#: an HGNC-style symbol: letters, digits, '-', '.', '_' and the old '@' clusters (``HLA-A``,
#: ``C11orf30``, ``TRA@``); anything else in one gene cell is a list or a typo
_GENE_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
_LIST_SEPARATORS = (";", ",", "|", "/", " ")


def _bad_gene_tokens(genes: Iterable[str], path: Path, where: str, separator: str
                     ) -> list[str]:
    """Problems for cells that are not one gene symbol (``KRAS;EGFR``), naming the genes they
    hold and the separator the format expects."""
    problems = []
    for token in genes:
        if _GENE_SYMBOL.match(token):
            continue
        used = [sep for sep in _LIST_SEPARATORS if sep in token]
        parts = [p for p in re.split(r"[;,|/\s]+", token) if p]
        if used and parts and all(_GENE_SYMBOL.match(p) for p in parts):
            problems.append(f"{where}: {token!r} is not one gene symbol but the genes "
                            f"{', '.join(parts)} separated by {used[0]!r}; separate genes with "
                            f"{separator}")
        else:
            problems.append(f"{where}: {token!r} is not a gene symbol (HGNC symbols hold "
                            "letters, digits, '-', '.', '_' or '@')")
    return problems


def _read_cbioportal_panel(path: Path, lines: list[str]) -> tuple[str, set[str]]:
    fields: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise InputError(f"expected 'key: value', found {line[:60]!r}", path=path,
                             where=f"line {number}",
                             hint="cBioPortal gene panel files hold stable_id:, description: and "
                                  "gene_list: lines")
        fields[key.strip().lower()] = value
    lacking = [k for k in ("stable_id", "gene_list") if k not in fields]
    if lacking:
        raise InputError(f"gene panel file lacks {', '.join(k + ':' for k in lacking)}", path=path,
                         hint="write 'stable_id: <panel id>' and 'gene_list:' followed by "
                              "tab-separated gene symbols")
    panel_id = fields["stable_id"].strip()
    genes = {g.strip() for g in fields["gene_list"].split("\t") if g.strip()}
    if len(genes) <= 1 and " " in fields["gene_list"].strip():
        # Some hand-written files separate genes by spaces; accept them as well.
        genes = {g for g in fields["gene_list"].split() if g}
    if not panel_id or not genes:
        raise InputError("gene panel file has an empty stable_id or gene_list", path=path,
                         hint="name the panel and list its genes")
    if all(g.isdigit() for g in genes):
        raise InputError(f"gene panel {panel_id!r} lists Entrez gene ids", path=path,
                         hint="list HGNC gene symbols instead (hpdgenomics matches genes by "
                              "symbol)")
    gene_line = next((n for n, line in enumerate(lines, start=1)
                      if line.lower().startswith("gene_list")), 0)
    problems = _bad_gene_tokens(sorted(genes), path, f"line {gene_line}",
                                "tabs after 'gene_list:'")
    if problems:
        raise InputError(f"gene panel {panel_id!r}: " + "; ".join(problems[:10])
                         + (f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""),
                         path=path, hint="list one HGNC symbol per field")
    return panel_id, genes


def _read_panel_tsv(path: Path) -> dict[str, set[str]]:
    table = read_delimited(path, what="gene panel table")
    panel_col = find_column(table.df.columns, "panel_id")
    gene_col = find_column(table.df.columns, "gene")
    if panel_col is None or gene_col is None:
        raise InputError(f"gene panel table needs panel_id and gene columns (found "
                         f"{', '.join(table.df.columns)})", path=path,
                         where=f"line {table.header_line}",
                         hint="or use the cBioPortal format (stable_id:, gene_list:)")
    panels: dict[str, set[str]] = {}
    problems = []
    for index, (panel_id, genes) in enumerate(zip(table.df[panel_col], table.df[gene_col],
                                                  strict=True)):
        if not panel_id and not genes:
            continue
        if is_missing(panel_id) or is_missing(genes):
            problems.append(f"line {table.line_of(index)}: blank panel_id or gene")
            continue
        cell = [g.strip() for g in genes.split(",") if g.strip()]
        problems += _bad_gene_tokens(cell, path, f"line {table.line_of(index)}",
                                     "commas (or give one row per gene)")
        panels.setdefault(panel_id, set()).update(cell)
    if problems:
        raise InputError("; ".join(problems[:10])
                         + (f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""),
                         path=path, hint="fill in every panel_id and gene, one symbol each")
    return panels


def read_gene_panels(paths: Iterable[str | Path] | str | Path,
                     origins: dict[str, Path] | None = None) -> dict[str, set[str]]:
    """Panel id -> gene symbols, from one or more definition files (format sniffed per file).

    A panel defined twice with different genes raises InputError; so does a gene cell that is
    not one symbol (``KRAS;EGFR``: the message names the genes and the separator to use).
    ``origins``, when given, is filled with panel id -> the file defining it.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    panels: dict[str, set[str]] = {}
    origin: dict[str, Path] = {}
    for path in map(Path, paths):
        refuse_binary(path, "gene panel file")
        with open_text(path) as handle:
            lines = [line.rstrip("\r\n") for line in handle]
        content = [line for line in lines if line.strip() and not line.startswith("#")]
        if not content:
            raise InputError("gene panel file is empty", path=path)
        if content[0].lower().startswith("stable_id"):
            panel_id, genes = _read_cbioportal_panel(path, lines)
            found = {panel_id: genes}
        else:
            found = _read_panel_tsv(path)
        for panel_id, genes in found.items():
            if panel_id in panels and panels[panel_id] != genes:
                raise InputError(f"gene panel {panel_id!r} is defined differently here and in "
                                 f"{origin[panel_id]}", path=path,
                                 hint="give each panel one definition")
            panels[panel_id] = set(genes)
            origin[panel_id] = path
    if origins is not None:
        origins.update(origin)
    return panels


@dataclass
class ProfilingMap:
    """Answers "was this gene profiled in this sample?" for denominators.

    Build it with :meth:`from_files` (or directly from a matrix and panel definitions); with no
    matrix, :attr:`assumption` states that every sample counts as profiled for every gene.
    """

    matrix: pd.DataFrame | None = None
    panels: dict[str, set[str]] = field(default_factory=dict)
    assumption: str | None = None
    sources: dict[str, str] = field(default_factory=dict)    # path -> sha256, for provenance
    panel_files: dict[str, Path] = field(default_factory=dict)   # panel id -> its definition

    def __post_init__(self) -> None:
        if self.matrix is None:
            self.assumption = self.assumption or NO_MATRIX_ASSUMPTION
            return
        used = {value for value in pd.unique(self.matrix.values.ravel()) if value is not None}
        undefined = sorted(p for p in used
                           if p not in self.panels and p.upper() not in WHOLE_GENOME_PANELS)
        if undefined:
            raise InputError(f"the gene-panel matrix names panel(s) {', '.join(undefined)} "
                             "with no definition",
                             hint="pass the gene panel file of each (stable_id:/gene_list:)")

    @classmethod
    def from_files(cls, matrix_path: str | Path | None = None,
                   panel_paths: Iterable[str | Path] = ()) -> ProfilingMap:
        """Read a gene-panel matrix and its panel definition files; without a matrix every
        sample counts as profiled for every gene (an empty map)."""
        panel_paths = list(panel_paths)
        if matrix_path is None:
            if panel_paths:
                log.warning("gene panel definitions given without a gene-panel matrix: ignored")
            return cls()
        matrix = read_gene_panel_matrix(matrix_path)
        origins: dict[str, Path] = {}
        panels = read_gene_panels(panel_paths, origins) if panel_paths else {}
        sources = {str(p): sha256_file(p) for p in [matrix_path, *panel_paths]}
        try:
            return cls(matrix=matrix, panels=panels, sources=sources, panel_files=origins)
        except InputError as exc:
            raise InputError(exc.detail, path=matrix_path, hint=exc.hint) from None

    def check_genes(self, known: Iterable[str]) -> None:
        """Refuse a panel gene that is one of ``known`` (the screened genes) but for letter case:
        symbols are compared exactly, so ``kras`` would leave KRAS unprofiled (not evaluable)."""
        known = sorted(set(known))
        by_fold = {gene.casefold(): gene for gene in known}
        problems = []
        for panel_id, genes in sorted(self.panels.items()):
            for gene in sorted(genes):
                meant = by_fold.get(gene.casefold())
                if meant and meant != gene and meant not in genes:
                    where = self.panel_files.get(panel_id)
                    problems.append(f"panel {panel_id}{f' ({where})' if where else ''} lists "
                                    f"{gene!r}, which is {meant} but for letter case")
        if problems:
            raise InputError("gene panel definitions name screened genes in the wrong letter "
                             "case: " + "; ".join(problems[:10]),
                             hint="write HGNC symbols exactly; the screened genes are "
                                  + ", ".join(known))

    @property
    def profiles(self) -> list[str]:
        """The matrix's profile columns (empty without a matrix)."""
        return [] if self.matrix is None else list(self.matrix.columns)

    def _check_profile(self, profile: str) -> None:
        if self.matrix is not None and profile not in self.matrix.columns:
            raise InputError(f"profile {profile!r} is not a column of the gene-panel matrix "
                             f"(profiles: {', '.join(self.matrix.columns)})",
                             hint="name one of the matrix's profile columns")

    def panel_of(self, sample: str, profile: str = "mutations") -> str | None:
        """The sample's panel id for the profile; None if not profiled or not in the matrix."""
        if self.matrix is None:
            return None
        self._check_profile(profile)
        if sample not in self.matrix.index:
            return None
        panel: str | None = self.matrix.at[sample, profile]
        return panel

    def profiled(self, sample: str, gene: str, profile: str = "mutations") -> bool | None:
        """True: the assay covered the gene; False: it did not (or the sample was not profiled
        for this profile); None: the sample is absent from the matrix (unknown)."""
        if self.matrix is None:
            return True
        self._check_profile(profile)
        if sample not in self.matrix.index:
            return None
        return self._covers(self.matrix.at[sample, profile], gene)

    def _covers(self, panel_id: str | None, gene: str) -> bool:
        """Whether a panel (None: the sample was not profiled for the profile) covers a gene."""
        if panel_id is None:
            return False
        if panel_id not in self.panels and panel_id.upper() in WHOLE_GENOME_PANELS:
            return True
        return gene in self.panels[panel_id]

    def panel_coverage(self, samples: Sequence[str], genes: Sequence[str],
                       profile: str = "mutations") -> tuple[np.ndarray, list[str | None],
                                                             np.ndarray]:
        """:meth:`profiled` for many samples and genes at once, as a table of distinct panels.

        Returns ``(codes, panels, covered)``: ``codes[i]`` indexes ``panels`` for ``samples[i]``
        (-1: the sample is not in the matrix, i.e. unknown), ``panels[k]`` is a panel id or None
        (not profiled for the profile) and ``covered[k, j]`` says whether ``panels[k]`` covers
        ``genes[j]``. With no matrix, one pseudo-panel (None) covers every gene.
        """
        samples, genes = list(samples), list(genes)
        if self.matrix is None:
            return (np.zeros(len(samples), dtype=np.int64), [None],
                    np.ones((1, len(genes)), dtype=bool))
        self._check_profile(profile)
        column = self.matrix[profile]
        wanted = pd.Index(samples, dtype=object)
        where = column.index.get_indexer(wanted)
        present = where >= 0
        cells = column.to_numpy(dtype=object)
        codes = np.full(len(samples), -1, dtype=np.int64)
        panels: list[str | None] = []
        if present.any():
            # None (not profiled) is a value of its own, not a missing one, for factorize
            marked = np.array(["\0none" if v is None else v for v in cells[where[present]]],
                              dtype=object)
            found, uniques = pd.factorize(marked)
            codes[present] = found
            panels = [None if u == "\0none" else u for u in uniques]
        covered = np.array([[self._covers(panel_id, gene) for gene in genes]
                            for panel_id in panels], dtype=bool).reshape(len(panels), len(genes))
        return codes, panels, covered

    def gene_status(self, sample: str, gene: str, altered: bool,
                    profile: str = "mutations") -> GeneStatus:
        """ALTERED / NOT_DETECTED (profiled and unaltered) / NOT_EVALUABLE (not profiled or
        unknown).

        An alteration reported in a gene the panel did not cover is still ALTERED (the data says
        so) and logged, since it points at a wrong matrix or panel definition.
        """
        covered = self.profiled(sample, gene, profile)
        if altered:
            if covered is False:
                log.warning("sample %s: %s altered but not on its %s panel %s", sample, gene,
                            profile, self.panel_of(sample, profile))
            return GeneStatus.ALTERED
        return GeneStatus.NOT_DETECTED if covered else GeneStatus.NOT_EVALUABLE

    def status_table(self, samples: Iterable[str], genes: Iterable[str],
                     altered: Iterable[tuple[str, str]],
                     profile: str = "mutations") -> pd.DataFrame:
        """samples x genes table of GeneStatus values; ``altered`` holds (sample, gene) pairs."""
        samples, genes = list(samples), list(genes)
        hits = set(altered)
        return pd.DataFrame(
            [[self.gene_status(s, g, (s, g) in hits, profile).value for g in genes]
             for s in samples],
            index=pd.Index(samples, name="sample_id"), columns=genes)
