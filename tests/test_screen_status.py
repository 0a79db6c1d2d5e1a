"""Rule and gene statuses when a coding variant's protein effect is unknown (unannotated SNV that
is not a knowledge-base hotspot): the rules it could meet are not evaluable, the others are not."""
from __future__ import annotations

import pytest

from hpdgenomics.knowledge import load_knowledge
from hpdgenomics.model import Consequence, VariantCall
from hpdgenomics.screen.engine import _hotspot_changes, could_meet, evaluate_sample


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def undetermined(gene: str, exon: int | None = 5) -> VariantCall:
    return VariantCall(chrom="1", pos=100, ref="C", alt="A", gene=gene, protein_change=None,
                       consequence=Consequence.CODING_UNDETERMINED, exon=exon)


def evaluate(kb, variants):
    genes = kb.screened_genes()
    no_cn = {g: "no copy-number input" for g in genes}
    return evaluate_sample(kb.rules, genes, variants, {}, {}, no_cn,
                           hotspot_changes=_hotspot_changes(kb.panel("GRCh38")))


def statuses(evaluation):
    return {r.rule_id: r.status for r in evaluation.rules}


def test_without_undetermined_variants_variant_rules_are_not_detected(kb):
    result = statuses(evaluate(kb, []))
    assert result["STK11_LOSS"] == "not_evaluable"      # copy number missing, as before
    assert result["AKT1_E17K"] == "not_detected"
    assert result["EGFR_MUT"] == "not_detected"


def test_undetermined_stk11_variant_makes_stk11_loss_and_co_occurrence_not_evaluable(kb):
    evaluation = evaluate(kb, [undetermined("STK11")])
    rule = next(r for r in evaluation.rules if r.rule_id == "STK11_LOSS")
    assert "STK11 variants (coding variant of undetermined protein effect" in rule.reason
    gene = next(g for g in evaluation.genes if g.gene == "STK11")
    assert gene.variant_status == "not_evaluable" and gene.status == "not_evaluable"
    assert [v.gene for v in evaluation.undetermined] == ["STK11"]


def test_undetermined_egfr_variant_blocks_egfr_mut_but_not_egfr_amp_or_other_genes(kb):
    result = statuses(evaluate(kb, [undetermined("EGFR", exon=7)]))
    assert result["EGFR_MUT"] == "not_evaluable"          # could be "other non-synonymous"
    assert result["KRAS_MUT"] == "not_detected"
    gene = next(g for g in evaluate(kb, [undetermined("EGFR", exon=7)]).genes if g.gene == "EGFR")
    assert gene.variant_status == "not_evaluable"


def test_undetermined_akt1_variant_cannot_be_the_e17k_hotspot(kb):
    # E17K is matched by coordinates and allele; an SNV those did not match is not E17K
    evaluation = evaluate(kb, [undetermined("AKT1", exon=3)])
    assert statuses(evaluation)["AKT1_E17K"] == "not_detected"
    gene = next(g for g in evaluation.genes if g.gene == "AKT1")
    assert gene.variant_status == "not_detected"


def test_could_meet_rules_out_only_what_is_certain(kb):
    egfr = next(r for r in kb.rules if r.id == "EGFR_MUT")
    by_label = {c.label: c for c in egfr.variant_criteria}
    snv = undetermined("EGFR", exon=19)
    hotspots = _hotspot_changes(kb.panel("GRCh38"))
    assert not could_meet(snv, by_label["EGFR exon 20 insertion"], hotspots)         # indel only
    assert not could_meet(snv, by_label["EGFR exon 19 in-frame deletion"], hotspots)
    assert could_meet(snv, by_label["other non-synonymous EGFR variant"], hotspots)
    assert could_meet(snv, by_label["EGFR G719X"], hotspots)        # pattern: cannot rule out
    kras = next(r for r in kb.rules if r.id == "KRAS_MUT")
    hotspot_criterion = next(c for c in kras.variant_criteria if c.hotspot)
    assert not could_meet(undetermined("KRAS"), hotspot_criterion, hotspots)
