"""Copy-number call thresholds, read from the knowledge base's ``copy_number:`` section.

Defaults and their sources (DOMAIN.md section 5; docs/copy_number.md gives the reasoning):

* amplification: CN >= 6 copies (PureCN focal amplification; CGH clinical guidance, "CN >= 6 in a
  diploid tumour") AND CN >= 2 x ploidy (NCI GDC). Requiring both keeps an arm-level gain in a
  near-triploid tumour (CN 4 at ploidy 3.1) out, and keeps a 6-copy region of a hexaploid-ish
  genome out too. The event must also be focal (<= ``focal_max_length``).
* MET amplification: >= 5 copies (a common NGS cut; PCGR absolute mode uses 5) - a gene override.
* gain: the copy number at least 0.5 above the ploidy, i.e. nearer one copy above the baseline
  than the baseline (cBioPortal/GISTIC "gain" = one copy above the baseline).
* shallow loss: the copy number at least 0.5 below the ploidy (GISTIC -1); symmetric with gain.
* deep deletion: CN < 0.5 (PURPLE's deletion cut; rounds to 0 copies, GDC homozygous deletion).
* focal: the event (the run of adjacent segments at the call's level) is <= 10 Mb (CGH clinical
  guidance: amplicon <= 10 Mb).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..errors import KnowledgeError

# (section, key) -> attribute name
_KEYS = {
    ("amplification", "min_copies"): "amplification_min_copies",
    ("amplification", "min_ploidy_ratio"): "amplification_min_ploidy_ratio",
    ("gain", "min_copies_above_ploidy"): "gain_min_copies_above_ploidy",
    ("shallow_loss", "max_copies_below_ploidy"): "shallow_loss_max_copies_below_ploidy",
    ("deep_deletion", "max_copies"): "deep_deletion_max_copies",
}


@dataclass(frozen=True)
class CopyNumberThresholds:
    """The copy-number call thresholds (amplification, gain, shallow loss, deep deletion, focal
    length), with per-gene overrides; stamped in every report.
    """

    amplification_min_copies: float = 6.0
    amplification_min_ploidy_ratio: float = 2.0
    gain_min_copies_above_ploidy: float = 1.0
    shallow_loss_max_copies_below_ploidy: float = 1.0
    deep_deletion_max_copies: float = 0.5
    focal_max_length: int = 10_000_000
    # gene -> {attribute name: value}; not hashed (a dict), compared by value
    gene_overrides: dict = field(default_factory=lambda: {"MET": {"amplification_min_copies": 5.0}},
                                 hash=False)

    def for_gene(self, gene: str) -> CopyNumberThresholds:
        """These thresholds with the gene's overrides applied (itself when there are none)."""
        overrides = self.gene_overrides.get(gene)
        if not overrides:
            return self
        return replace(self, **overrides)

    def to_dict(self) -> dict:
        """The thresholds as stamped in the JSON and HTML reports, with the rule each one sets."""
        out: dict = {}
        for (section, key), attribute in _KEYS.items():
            out.setdefault(section, {})[key] = getattr(self, attribute)
        out["focal_max_length"] = self.focal_max_length
        out["gene_overrides"] = {
            gene: {section: {key: value for (section2, key), attr in _KEYS.items()
                             if section2 == section and attr in overrides
                             for value in [overrides[attr]]}
                   for section in {s for (s, _k), a in _KEYS.items() if a in overrides}}
            for gene, overrides in sorted(self.gene_overrides.items())}
        a, r = self.amplification_min_copies, self.amplification_min_ploidy_ratio
        out["rules"] = {
            "deep_deletion": f"minimum CN over the gene < {self.deep_deletion_max_copies:g}",
            "amplification": f"length-weighted CN >= {a:g} and >= {r:g} x ploidy, on an event "
                             f"<= {self.focal_max_length / 1e6:g} Mb (broader: called gain)",
            "gain": f"CN - ploidy >= {self.gain_min_copies_above_ploidy:g} - 0.5 "
                    "(half-way to the next whole-copy step or beyond)",
            "shallow_loss": f"ploidy - CN >= {self.shallow_loss_max_copies_below_ploidy:g} - 0.5 "
                            "(symmetric with gain)",
            "neutral": "otherwise",
            "discrete_inputs": "cBioPortal scale: 2 amplification, 1 gain, 0 neutral, "
                               "-1 shallow loss, -1.5/-2 deep deletion",
        }
        return out


def thresholds_from_knowledge(section: Mapping | None) -> CopyNumberThresholds:
    """Thresholds from the knowledge base's ``copy_number:`` mapping; ``None`` gives the defaults.

    Unknown keys and non-numeric values are a KnowledgeError naming the key, so a typo never
    falls back silently to a default.
    """
    if section is None:
        return CopyNumberThresholds()
    if not isinstance(section, Mapping):
        raise KnowledgeError("copy_number section must be a mapping, found "
                             f"{type(section).__name__}")
    values: dict = {}
    problems: list[str] = []

    def read_block(block: Mapping, where: str) -> dict:
        found = {}
        for name, content in block.items():
            if name == "focal_max_length" and where == "copy_number":
                found["focal_max_length"] = _number(content, f"{where}.{name}", problems, int)
                continue
            if name == "gene_overrides":
                continue
            if not isinstance(content, Mapping):
                problems.append(f"{where}.{name}: expected a mapping of thresholds")
                continue
            for key, value in content.items():
                attribute = _KEYS.get((name, key))
                if attribute is None:
                    problems.append(f"{where}.{name}.{key}: unknown threshold (known: "
                                    + ", ".join(f"{s}.{k}" for s, k in _KEYS) + ")")
                    continue
                found[attribute] = _number(value, f"{where}.{name}.{key}", problems, float)
        return found

    values.update(read_block(section, "copy_number"))
    overrides = {}
    for gene, block in (section.get("gene_overrides") or {}).items():
        if not isinstance(block, Mapping):
            problems.append(f"copy_number.gene_overrides.{gene}: expected a mapping")
            continue
        unknown = [k for k in block if k == "focal_max_length"]
        if unknown:
            problems.append(f"copy_number.gene_overrides.{gene}: focal_max_length cannot be "
                            "set per gene")
        overrides[str(gene)] = read_block({k: v for k, v in block.items()
                                           if k != "focal_max_length"},
                                          f"copy_number.gene_overrides.{gene}")
    if problems:
        raise KnowledgeError("invalid copy_number thresholds: " + "; ".join(problems),
                             hint="fix the copy_number section of the knowledge base")
    thresholds = CopyNumberThresholds(**values, gene_overrides=overrides)
    _check_order(thresholds)
    for gene in overrides:
        _check_order(thresholds.for_gene(gene), gene)
    return thresholds


def _number(value, where: str, problems: list[str], kind):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{where}: expected a number, found {value!r}")
        return kind(0)
    return kind(value)


def _check_order(t: CopyNumberThresholds, gene: str | None = None) -> None:
    where = f" (gene override {gene})" if gene else ""
    if not (0 <= t.deep_deletion_max_copies < t.amplification_min_copies):
        raise KnowledgeError(f"copy_number thresholds out of order{where}: deep deletion below "
                             f"{t.deep_deletion_max_copies} must be under the amplification "
                             f"floor {t.amplification_min_copies}")
    if t.amplification_min_ploidy_ratio <= 1 or t.focal_max_length <= 0:
        raise KnowledgeError(f"copy_number thresholds{where}: min_ploidy_ratio must exceed 1 and "
                             "focal_max_length be positive")
    if t.gain_min_copies_above_ploidy <= 0 or t.shallow_loss_max_copies_below_ploidy <= 0:
        raise KnowledgeError(f"copy_number thresholds{where}: gain/shallow-loss distances must "
                             "be positive")


__all__ = ["CopyNumberThresholds", "thresholds_from_knowledge"]
