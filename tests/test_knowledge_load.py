"""Loading the knowledge base: bundled content, extend vs replace, sha256, immutability."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml

from hpdgenomics.errors import KnowledgeError, UsageError
from hpdgenomics.knowledge import KnowledgeBase, load_knowledge
from hpdgenomics.model import Consequence, CopyNumberCall, Rule

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "knowledge"
# The version the bundled YAML declares, read independently of the loader.
BUNDLED_VERSION = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "annotations" / "knowledge.yaml").read_text())["version"]
RULE_IDS = ["MDM2_AMP", "MDM4_AMP", "EGFR_MUT", "EGFR_AMP", "AKT1_E17K", "STK11_LOSS", "KRAS_MUT",
            "KRAS_STK11_CO", "TSC2_LOSS", "VHL_LOSS", "MET_AMP", "CHR11Q13_AMP", "DNMT3A_ALT"]
PANEL = {"MDM2", "MDM4", "EGFR", "AKT1", "STK11", "KRAS", "TSC2", "VHL", "MET", "CCND1", "FGF3",
         "FGF4", "FGF19", "DNMT3A"}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


def test_bundled_rules_ids_and_genes(kb):
    assert [r.id for r in kb.rules] == RULE_IDS
    assert all(isinstance(r, Rule) for r in kb.rules)
    assert set(kb.screened_genes()) == PANEL
    assert kb.screened_genes() == sorted(kb.screened_genes())
    assert set(kb.panel("hg19").genes) == set(kb.panel("GRCh38").genes) == PANEL
    assert kb.version == BUNDLED_VERSION and len(kb.sha256) == 64


def test_bundled_rules_are_well_formed_for_a_tumour_board(kb):
    consequences = {c.value for c in Consequence}
    calls = {c.value for c in CopyNumberCall}
    for rule in kb.rules:
        assert rule.supporting, rule.id
        assert rule.meaning and rule.not_meaning, rule.id
        assert "contraindicat" not in rule.meaning.lower(), rule.id
        for criterion in rule.variant_criteria:
            assert set(criterion.consequences) <= consequences
        for criterion in rule.copy_number_criteria:
            assert set(criterion.calls) <= calls
        for citation in rule.supporting + rule.neutral_or_contrary:
            assert citation.summary
    # PMIDs only where DOMAIN.md says they were checked (Kato 2017)
    pmids = {c.pmid for r in kb.rules for c in r.supporting + r.neutral_or_contrary if c.pmid}
    assert pmids == {"28351930"}
    unverified = [c.reference for c in kb.rule("CHR11Q13_AMP").supporting if not c.verified]
    assert unverified and "Singavi" in unverified[0]
    assert kb.rule("CHR11Q13_AMP").evidence_level == "unverified abstract"
    assert kb.rule("DNMT3A_ALT").evidence_level == "secondary source"


def test_specific_rule_content(kb):
    assert kb.rule("KRAS_STK11_CO").requires_all == ("KRAS_MUT", "STK11_LOSS")
    akt1 = kb.rule("AKT1_E17K").variant_criteria
    assert [c.protein_changes for c in akt1] == [("p.E17K",)]
    egfr = kb.rule("EGFR_MUT").variant_criteria
    assert egfr[0].exons == (19,) and "inframe_deletion" in egfr[0].consequences
    assert [c.grade for c in egfr][-1] == "supporting"
    stk11 = kb.rule("STK11_LOSS")
    assert set(stk11.variant_criteria[0].consequences) == {"nonsense", "frameshift",
                                                           "splice_site", "start_lost"}
    assert stk11.copy_number_criteria[0].calls == ("deep_deletion",)
    assert kb.rule("MET_AMP").thresholds == {"amplification": {"min_copies": 5.0}}
    with pytest.raises(KnowledgeError, match="no rule with id 'NOPE'"):
        kb.rule("NOPE")


def test_copy_number_section_keys(kb):
    cn = kb.copy_number
    assert cn["amplification"] == {"min_copies": 6.0, "min_ploidy_ratio": 2.0}
    assert cn["gain"] == {"min_copies_above_ploidy": 1.0}
    assert cn["shallow_loss"] == {"max_copies_below_ploidy": 1.0}
    assert cn["deep_deletion"] == {"max_copies": 0.5}
    assert cn["focal_max_length"] == 10_000_000
    assert cn["gene_overrides"] == {"MET": {"amplification": {"min_copies": 5.0}}}


def test_cached_bundled_load_is_immutable(kb):
    assert load_knowledge() is kb
    with pytest.raises(TypeError):
        kb.copy_number["amplification"]["min_copies"] = 1.0
    with pytest.raises(TypeError):
        kb.rule("MET_AMP").thresholds["amplification"] = {}
    with pytest.raises(TypeError):
        kb.panels["GRCh37"] = None
    with pytest.raises(AttributeError):
        kb.version = "x"
    # a copy a consumer makes is an ordinary, changeable dict
    mine = json.loads(json.dumps(kb.copy_number))
    mine["amplification"]["min_copies"] = 1.0
    assert load_knowledge().copy_number["amplification"]["min_copies"] == 6.0
    assert copy.deepcopy(kb.copy_number) == kb.copy_number


def test_to_dict_is_json_and_complete(kb):
    data = json.loads(json.dumps(kb.to_dict()))
    assert data["version"] == kb.version and data["sha256"] == kb.sha256
    assert [r["id"] for r in data["rules"]] == RULE_IDS
    assert {g["symbol"] for g in data["panels"]["GRCh38"]["genes"]} == PANEL
    assert data["copy_number"]["gene_overrides"]["MET"]["amplification"]["min_copies"] == 5.0


def test_extend_adds_rules_and_merges_copy_number(kb):
    extended = load_knowledge(FIXTURES / "valid_extension.yaml", mode="extend")
    assert [r.id for r in extended.rules] == RULE_IDS + ["MDM2_GAIN_SITE"]
    assert extended.copy_number["amplification"] == {"min_copies": 8.0, "min_ploidy_ratio": 2.0}
    assert extended.copy_number["gene_overrides"] == kb.copy_number["gene_overrides"]
    assert extended.sources == kb.sources + (str(FIXTURES / "valid_extension.yaml"),)
    assert extended.version == f"{BUNDLED_VERSION}+2026.12.0"
    assert extended.sha256 != kb.sha256


def test_extend_overrides_a_bundled_rule_by_id(kb):
    extended = load_knowledge(FIXTURES / "valid_override_bundled_rule.yaml")
    assert [r.id for r in extended.rules] == RULE_IDS            # same place, same ids
    assert extended.rule("MET_AMP").copy_number_criteria[0].calls == ("amplification", "gain")
    assert kb.rule("MET_AMP").copy_number_criteria[0].calls == ("amplification",)


def test_replace_uses_only_the_user_rules(kb):
    replaced = load_knowledge(FIXTURES / "replace_minimal.yaml", mode="replace")
    assert [r.id for r in replaced.rules] == ["AKT1_E17K"]
    assert replaced.screened_genes() == ["AKT1"]
    assert replaced.name == "replace-minimal" and replaced.version == "2026.12.0"
    # panel, hotspots and copy-number settings stay bundled
    assert replaced.panels["GRCh38"] is kb.panels["GRCh38"]
    assert replaced.copy_number == kb.copy_number


def test_replace_with_a_file_without_rules_is_refused():
    with pytest.raises(KnowledgeError, match="replace mode needs at least one rule"):
        load_knowledge(FIXTURES / "missing_table_file.yaml", mode="replace")


def test_unknown_mode_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown knowledge mode"):
        load_knowledge(None, mode="merge")


def test_sha256_is_stable_and_follows_content(tmp_path, kb):
    first = load_knowledge(FIXTURES / "valid_extension.yaml")
    # same content in another file (and another comment) -> same hash
    copy_path = tmp_path / "copy.yaml"
    copy_path.write_text("# a different comment\n" +
                         (FIXTURES / "valid_extension.yaml").read_text())
    assert load_knowledge(copy_path).sha256 == first.sha256
    # one threshold changed -> different hash
    changed = tmp_path / "changed.yaml"
    changed.write_text((FIXTURES / "valid_extension.yaml").read_text()
                       .replace("min_copies: 8.0", "min_copies: 7.0"))
    assert load_knowledge(changed).sha256 not in (first.sha256, kb.sha256)


def test_sha256_covers_the_panel_tables(tmp_path, kb):
    # a user hotspot table with one hotspot fewer changes the hash
    bundled_hotspots = Path(kb.sources[0]).with_name("hotspots.tsv")
    lines = bundled_hotspots.read_text().splitlines(keepends=True)
    body = [line for line in lines if not line.startswith("#")]
    drop = next(i for i, line in enumerate(body) if "\tp.A146T\t" in line)
    (tmp_path / "hotspots.tsv").write_text("".join(body[:drop] + body[drop + 1:]))
    user = tmp_path / "fewer_hotspots.yaml"
    user.write_text('schema_version: 1\nversion: "2026.12.0"\nname: fewer\nrules: []\n'
                    "tables:\n  hotspots: hotspots.tsv\n")
    fewer = load_knowledge(user)
    assert len(fewer.panel("GRCh37").hotspots) == len(kb.panel("GRCh37").hotspots) - 1
    assert fewer.sha256 != kb.sha256
    shutil.copy(bundled_hotspots, tmp_path / "hotspots.tsv")
    assert load_knowledge(user).sha256 == kb.sha256


def test_the_bundled_file_given_as_a_user_file_is_the_bundled_base(tmp_path, kb):
    copy = tmp_path / "knowledge.yaml"
    bundled = Path(__file__).resolve().parents[1] / "annotations" / "knowledge.yaml"
    copy.write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    for mode in ("extend", "replace"):
        loaded = load_knowledge(copy, mode=mode)
        assert (loaded.version, loaded.sha256) == (kb.version, kb.sha256)
        assert "+" not in loaded.version
