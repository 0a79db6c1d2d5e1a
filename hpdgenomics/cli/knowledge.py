"""``hpdgenomics knowledge``: show or validate the knowledge base."""
from __future__ import annotations

import json

import click

from . import INPUT_FILE, common_options


@click.group("knowledge")
def command():
    """Show the bundled knowledge base, or validate a knowledge file."""


@command.command("show")
@click.option("--knowledge", "knowledge_file", type=INPUT_FILE,
              help="Show the bundled rules extended (or replaced) by this file.")
@click.option("--knowledge-mode", type=click.Choice(["extend", "replace"]), default="extend")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@common_options
def show(knowledge_file, knowledge_mode, fmt):
    """Print the rules and clinical rules (to stdout) with version and sha256."""
    from ..knowledge import load_knowledge

    kb = load_knowledge(knowledge_file, mode=knowledge_mode)
    if fmt == "json":
        click.echo(json.dumps(kb.to_dict(), indent=2))
        return
    click.echo(f"{kb.name} {kb.version}\nsha256 {kb.sha256}\nsources: {', '.join(kb.sources)}\n")
    for rule in kb.rules:
        click.echo(f"{rule.id}\t{','.join(rule.genes)}\tcaution {rule.caution_level}\t"
                   f"evidence: {rule.evidence_level}\t{rule.title}")
    if kb.clinical_rules:
        click.echo("\nClinical rules (pre-treatment factors; shown beside the genomic findings, "
                   "never change the genomic caution level)")
    for clinical_rule in kb.clinical_rules:
        parts = "".join(f"\n\t  1 point: {part.label} ({_criterion(part)})"
                        for part in clinical_rule.score_parts)
        click.echo(f"{clinical_rule.id}\t{_criterion(clinical_rule.criterion)}\t"
                   f"evidence: {clinical_rule.evidence_level}\t{clinical_rule.title}{parts}")


def _criterion(criterion) -> str:
    threshold = str(criterion.threshold).lower() if isinstance(criterion.threshold, bool) \
        else criterion.threshold
    return f"{criterion.factor} {criterion.operator} {threshold}"


@command.command("validate")
@click.argument("path", type=INPUT_FILE)
@common_options
def validate(path):
    """Validate a knowledge file; exit 0 when valid, 2 with every problem listed when not."""
    from ..knowledge import validate_knowledge_file

    kb = validate_knowledge_file(path)
    click.echo(f"{path}: valid ({len(kb.rules)} rules, {len(kb.clinical_rules)} clinical rules, "
               f"version {kb.version}, sha256 {kb.sha256})")
