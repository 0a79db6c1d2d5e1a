"""Load the knowledge base: the bundled ``annotations/`` data, optionally extended or replaced by a
user's knowledge file.

The bundled data is read through :mod:`importlib.resources` from the ``hpdgenomics.annotations``
package (the top-level ``annotations/`` folder of the source tree, mapped into the wheel); a
source checkout that was never installed falls back to that folder directly.  Parsing happens on
the first :func:`load_knowledge` call, never at import, and the bundled result is cached; every
returned object is immutable, so sharing the cached copy is safe.

A user file has the same YAML schema as ``annotations/knowledge.yaml`` (annotations/SCHEMA.md).
``mode="extend"`` adds its rules and clinical rules to the bundled ones (a rule with a bundled id
replaces it) and merges its ``copy_number`` section key by key; ``mode="replace"`` uses only its
rules and clinical rules (and its ``copy_number`` section when it has one).  Panel tables and
hotspots stay bundled unless the file names its own under ``tables:``.  Every problem found is
reported in one :class:`~hpdgenomics.errors.KnowledgeError`.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..errors import KnowledgeError, UsageError
from ..model import ClinicalRule, Rule
from .frozen import FrozenDict, freeze, thaw
from .loader import build_panels, parse_yaml, read_knowledge_text
from .panel import Panel
from .validate import (
    SCHEMA_VERSION,
    TABLE_KEYS,
    Problems,
    check_copy_number,
    check_document,
    effective_cn_value,
    parse_clinical_rules,
    parse_rules,
)

log = logging.getLogger(__name__)

KNOWLEDGE_FILE = "knowledge.yaml"
MODES = ("extend", "replace")


@dataclass(frozen=True)
class KnowledgeBase:
    """The rules, panels (genes, exons, hotspots per build) and copy-number thresholds applied;
    frozen. ``sha256`` identifies the exact content and is stamped in every report."""

    version: str
    name: str
    sha256: str                      # of the canonical JSON of rules + copy_number + panels
    sources: tuple[str, ...]         # files loaded (bundled and/or user)
    rules: tuple[Rule, ...]
    panels: dict[str, Panel]         # "GRCh37"/"GRCh38" -> Panel (genes + hotspots)
    copy_number: dict                # the copy_number section as loaded (read-only)
    # CLIN_* rules on pre-treatment patient factors; shown beside the genomic findings, they
    # never change the genomic caution level
    clinical_rules: tuple[ClinicalRule, ...] = ()

    def rule(self, rule_id: str) -> Rule:
        """The genomic rule with id ``rule_id``; KnowledgeError listing the known ids otherwise."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KnowledgeError(f"no rule with id {rule_id!r}", where=f"knowledge base {self.version}",
                             hint="known ids: " + ", ".join(r.id for r in self.rules))

    def clinical_rule(self, rule_id: str) -> ClinicalRule:
        """The clinical (CLIN_*) rule with id ``rule_id``; KnowledgeError otherwise."""
        for rule in self.clinical_rules:
            if rule.id == rule_id:
                return rule
        raise KnowledgeError(f"no clinical rule with id {rule_id!r}",
                             where=f"knowledge base {self.version}",
                             hint="known clinical ids: "
                                  + (", ".join(r.id for r in self.clinical_rules) or "none"))

    def panel(self, build: str) -> Panel:
        """The panel (genes, exons, hotspots) of a genome build (``hg19``/``hg38`` accepted)."""
        from ..genome import normalize_build

        return self.panels[normalize_build(build)]

    def screened_genes(self) -> list[str]:
        """Every gene some rule names, sorted."""
        return sorted({gene for rule in self.rules for gene in rule.genes})

    def to_dict(self) -> dict:
        """Everything loaded, as plain JSON-ready data (``knowledge show --format json``)."""
        return {"name": self.name, "version": self.version, "schema_version": SCHEMA_VERSION,
                "sha256": self.sha256, "sources": list(self.sources), **_content(self)}


def _content(kb_or_parts) -> dict:
    rules, copy_number, panels, clinical_rules = (
        kb_or_parts.rules, kb_or_parts.copy_number, kb_or_parts.panels,
        kb_or_parts.clinical_rules) if isinstance(kb_or_parts, KnowledgeBase) else kb_or_parts
    return {
        "rules": [thaw(dataclasses.asdict(rule)) for rule in rules],
        "clinical_rules": [thaw(dataclasses.asdict(rule)) for rule in clinical_rules],
        "copy_number": thaw(copy_number),
        "panels": {build: {"genes": [thaw(dataclasses.asdict(panel.genes[s]))
                                     for s in sorted(panel.genes)],
                           "hotspots": [thaw(dataclasses.asdict(h)) for h in panel.hotspots]}
                   for build, panel in sorted(panels.items())},
    }


def content_sha256(rules, copy_number, panels, clinical_rules=()) -> str:
    """The sha256 of the knowledge content (rules, copy number, panels, clinical rules) in a
    canonical JSON form: equal content gives an equal hash, whatever the files looked like."""
    canonical = json.dumps(_content((rules, copy_number, panels, clinical_rules)), sort_keys=True,
                           separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# --- locating and reading the bundled data -------------------------------------------------------

def bundled_annotations_dir() -> Traversable:
    """The bundled ``annotations`` data: the installed package, else the source tree's folder."""
    try:
        return resources.files("hpdgenomics.annotations")
    except ModuleNotFoundError:
        # an editable install or bare checkout: setuptools maps the folder only when building
        source_tree = Path(__file__).resolve().parents[2] / "annotations"
        if (source_tree / KNOWLEDGE_FILE).is_file():
            return source_tree
        raise KnowledgeError("the bundled knowledge base is missing",
                             where="package hpdgenomics.annotations",
                             hint="reinstall hpdgenomics (the wheel must include the annotations "
                                  "package)") from None


@functools.lru_cache(maxsize=1)
def _bundled_texts() -> tuple[tuple[str, str], dict[str, tuple[str, str]]]:
    folder = bundled_annotations_dir()

    def read(name: str) -> tuple[str, str]:
        item = folder / name
        try:
            return str(item), item.read_text(encoding="utf-8")
        except (FileNotFoundError, OSError) as exc:
            raise KnowledgeError(f"bundled file cannot be read ({exc})", path=str(item),
                                 hint="reinstall hpdgenomics") from None

    return read(KNOWLEDGE_FILE), {key: read(f"{key}.tsv") for key in TABLE_KEYS}


@functools.lru_cache(maxsize=1)
def _bundled() -> KnowledgeBase:
    (source, text), tables = _bundled_texts()
    problems = Problems()
    doc = check_document(_parse_yaml(text, source, problems), source, problems, bundled=True)
    rules = parse_rules(doc.get("rules") or [], source, problems)
    clinical = parse_clinical_rules(doc.get("clinical_rules") or [], source, problems,
                                    genomic_ids=[r.id for r in rules])
    return _assemble(name=doc.get("name", ""), version=doc.get("version", ""),
                     sources=(source,), rules=rules, rule_sources={r.id: source for r in rules},
                     clinical_rules=clinical,
                     copy_number=doc.get("copy_number") or {}, cn_source=source,
                     tables=tables, panels=None, problems=problems, path=source)


# --- public API --------------------------------------------------------------------------------

def load_knowledge(path: str | Path | None = None, *, mode: str = "extend") -> KnowledgeBase:
    """The bundled knowledge base, or the bundled one extended (or replaced) by ``path``.

    Inputs: ``path`` to a knowledge-base YAML (None: the bundled rules only) and ``mode``,
    ``"extend"`` (the file's rules are added to, or override, the bundled ones) or ``"replace"``.

    Returns a frozen :class:`KnowledgeBase` (``name``, ``version``, ``sha256`` of the exact
    content, ``rules``, panels); the bundled one is parsed once per process and cached.

    Raises :class:`~hpdgenomics.errors.UsageError` for an unknown mode and
    :class:`~hpdgenomics.errors.KnowledgeError` when the file cannot be read or is malformed or
    inconsistent (every problem listed in one message).
    """
    if mode not in MODES:
        raise UsageError(f"unknown knowledge mode {mode!r}", hint="use extend or replace")
    bundled = _bundled()
    if path is None or _is_bundled_copy(Path(path)):
        # the bundled file (or an unchanged copy of it) extends or replaces itself: no change
        return bundled
    return _load_user(Path(path), mode, bundled)


def _is_bundled_copy(path: Path) -> bool:
    (_, bundled_text), _ = _bundled_texts()
    try:
        if path.stat().st_size != len(bundled_text.encode("utf-8")):
            return False      # and a huge file is never read here
        return path.read_text(encoding="utf-8") == bundled_text
    except (OSError, UnicodeDecodeError):
        return False      # _load_user reports the problem with the file


def validate_knowledge_file(path: str | Path, *, mode: str = "extend") -> KnowledgeBase:
    """Load ``path`` as a user file and return the result; raises KnowledgeError listing every
    problem (of the file itself and of the combination with the bundled data)."""
    return load_knowledge(path, mode=mode)


def _load_user(path: Path, mode: str, bundled: KnowledgeBase) -> KnowledgeBase:
    source = str(path)
    text = read_knowledge_text(path)        # bounded: HPDGENOMICS_MAX_KNOWLEDGE_BYTES
    problems = Problems()
    doc = check_document(_parse_yaml(text, source, problems), source, problems, bundled=False)
    user_rules = parse_rules(doc.get("rules") or [], source, problems)
    user_clinical = parse_clinical_rules(doc.get("clinical_rules") or [], source, problems,
                                         genomic_ids=[r.id for r in user_rules])
    if isinstance(doc.get("copy_number"), dict) or "copy_number" in doc:
        check_copy_number(doc.get("copy_number"), source, problems, complete=False)

    (_bundled_source, _), bundled_tables = _bundled_texts()
    tables = dict(bundled_tables)
    raw_tables = doc.get("tables")
    table_files = raw_tables if isinstance(raw_tables, dict) else {}
    for key, name in table_files.items():
        if key not in TABLE_KEYS:
            continue
        table_path = (path.parent / str(name))
        try:
            tables[key] = (str(table_path), read_knowledge_text(table_path, f"table {key}"))
        except KnowledgeError as exc:
            problems.add(source, f"tables.{key}", f"cannot read {table_path}: {exc.detail}"
                                                   + (f"; {exc.hint}" if exc.hint else ""))

    bundled_sources = {r.id: bundled.sources[0] for r in bundled.rules}
    if mode == "extend":
        overridden = {r.id: r for r in user_rules}
        rules = [overridden.pop(r.id, r) for r in bundled.rules] + list(overridden.values())
        for rule in user_rules:
            if rule.id in bundled_sources:
                log.info("knowledge: %s replaces bundled rule %s", source, rule.id)
        rule_sources = {**bundled_sources, **{r.id: source for r in user_rules}}
        overridden_clinical = {r.id: r for r in user_clinical}
        clinical = [overridden_clinical.pop(r.id, r) for r in bundled.clinical_rules] + \
            list(overridden_clinical.values())
        bundled_clinical = {r.id for r in bundled.clinical_rules}
        for clinical_rule in user_clinical:
            if clinical_rule.id in bundled_clinical:
                log.info("knowledge: %s replaces bundled clinical rule %s", source,
                         clinical_rule.id)
        copy_number = _deep_merge(thaw(bundled.copy_number), doc.get("copy_number") or {})
        name = f"{bundled.name}+{doc.get('name', '')}"
        version = f"{bundled.version}+{doc.get('version', '')}"
        sources = bundled.sources + (source,)
    else:
        if not doc.get("rules"):
            problems.add(source, "rules", "replace mode needs at least one rule in the file")
        rules, rule_sources = user_rules, {r.id: source for r in user_rules}
        clinical = user_clinical       # only the file's clinical rules (none when it has none)
        copy_number = doc.get("copy_number") or thaw(bundled.copy_number)
        name, version = doc.get("name", ""), doc.get("version", "")
        sources = (source,) + (bundled.sources if len(table_files) < len(TABLE_KEYS) else ())
    cn_source = source if doc.get("copy_number") else bundled.sources[0]
    sources += tuple(tables[k][0] for k in table_files if k in TABLE_KEYS)
    return _assemble(name=name, version=version, sources=sources, rules=rules,
                     rule_sources=rule_sources, clinical_rules=clinical,
                     copy_number=copy_number, cn_source=cn_source,
                     tables=tables, panels=None if table_files else bundled.panels,
                     problems=problems, path=source)


def _deep_merge(base: dict, override: Any) -> dict:
    if not isinstance(override, dict):
        return base
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _parse_yaml(text: str, source: str, problems: Problems) -> Any:
    """``text`` parsed as YAML, bounded in aliases and expansion (:mod:`hpdgenomics.limits`)."""
    return parse_yaml(text, source, problems)


def _assemble(*, name, version, sources, rules, rule_sources, copy_number, cn_source, tables,
              panels, problems: Problems, path: str, clinical_rules=()) -> KnowledgeBase:
    """Cross-check rules against panels and copy-number settings; build the immutable result."""
    if panels is None:
        panels = build_panels(tables, problems)
    check_copy_number(copy_number, cn_source, problems, complete=True)
    _check_rules_against(rules, rule_sources, panels, copy_number if isinstance(copy_number, dict)
                         else {}, cn_source, problems)
    problems.raise_if_any(path)
    frozen_cn = freeze(copy_number)
    kb = KnowledgeBase(version=version, name=name,
                       sha256=content_sha256(rules, frozen_cn, panels, clinical_rules),
                       sources=tuple(sources), rules=tuple(rules), panels=FrozenDict(panels),
                       copy_number=frozen_cn, clinical_rules=tuple(clinical_rules))
    log.info("knowledge base %s %s loaded from %s (%d rules, %d clinical rules, sha256 %s)",
             kb.name, kb.version, ", ".join(kb.sources), len(kb.rules), len(kb.clinical_rules),
             kb.sha256[:12])
    return kb


def _check_rules_against(rules, rule_sources, panels, copy_number, cn_source, problems) -> None:
    by_id = {r.id: r for r in rules}
    panel_genes = set.intersection(*(set(p.genes) for p in panels.values())) if panels else set()
    for rule in rules:
        source = rule_sources.get(rule.id, "?")
        where = f"rule {rule.id}"
        for gene in rule.genes:
            if gene not in panel_genes:
                problems.add(source, f"{where}: genes",
                             f"{gene!r} is not a panel gene "
                             f"(panel: {', '.join(sorted(panel_genes))})")
        for criterion in rule.variant_criteria:
            field = f"variant_criteria[label {criterion.label!r}]"
            for gene in rule.genes:
                if gene not in panel_genes:
                    continue
                for build, panel in sorted(panels.items()):
                    count = len(panel.genes[gene].exons)
                    outside = [e for e in criterion.exons if e > count]
                    if outside:
                        problems.add(source, f"{where}: {field}.exons",
                                     f"exon(s) {outside} outside {gene}'s {count} canonical "
                                     f"exons ({build})")
                    if criterion.hotspot and not panel.hotspots_of(gene):
                        problems.add(source, f"{where}: {field}.hotspot",
                                     f"the hotspot table has no {gene} hotspot ({build})")
        for required in rule.requires_all:
            other = by_id.get(required)
            if required == rule.id:
                problems.add(source, f"{where}: requires_all", "a rule cannot require itself")
            elif other is None:
                problems.add(source, f"{where}: requires_all", f"unknown rule {required!r}")
            elif other.requires_all:
                problems.add(source, f"{where}: requires_all", f"{required!r} is itself a "
                                                               "co-occurrence rule (not supported)")
            elif not set(other.genes) <= set(rule.genes):
                problems.add(source, f"{where}: genes", f"must include the genes of {required} "
                                                        f"({', '.join(other.genes)})")
        for block, values in rule.thresholds.items():
            for key, value in (values.items() if isinstance(values, dict) else [(None, values)]):
                for gene in rule.genes:
                    applied = effective_cn_value(copy_number, gene, block, key)
                    if applied != value:
                        field = f"{block}.{key}" if key else block
                        problems.add(source, f"{where}: thresholds.{field}",
                                     f"{value!r} disagrees with the copy_number section, which "
                                     f"applies {applied!r} to {gene} (set copy_number."
                                     f"gene_overrides.{gene} in {cn_source} instead)")
    overrides = copy_number.get("gene_overrides") or {}
    if isinstance(overrides, dict):
        for gene in overrides:
            if gene not in panel_genes:
                problems.add(cn_source, f"copy_number.gene_overrides.{gene}",
                             "not a panel gene")
