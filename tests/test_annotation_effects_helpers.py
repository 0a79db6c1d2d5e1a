"""The helpers every annotation flavour shares: ``field_value`` and ``RecordEffects``."""
from __future__ import annotations

from pathlib import Path

import cyvcf2

from hpdgenomics.annotation.effects import RecordEffects, field_value

FIXTURES = Path(__file__).parent / "fixtures" / "annotation"


def records(name: str) -> list:
    vcf = cyvcf2.VCF(str(FIXTURES / name))
    found = list(vcf)
    vcf.close()
    return found


def test_field_value_reads_present_fields_and_treats_placeholders_and_short_entries_as_missing():
    values = ["G", " missense_variant ", "", ".", "-"]
    assert field_value(values, 0) == "G"
    assert field_value(values, 1) == "missense_variant"
    assert [field_value(values, i) for i in (2, 3, 4)] == [None, None, None]
    assert field_value(values, 5) is None          # entry shorter than the header's list
    assert field_value(values, None) is None       # the layout has no such field


def test_record_effects_keys_every_alt_and_reads_the_raw_info_value():
    deletion, insertion = records("vep_indel_allele_trimming.vcf")
    record = RecordEffects(deletion, "CSQ")
    assert record.alts == ["A"]
    assert record.by_alt == {"A": []}
    assert str(record.raw).startswith("-|inframe_deletion|")
    assert record.where == "chr7:55174771 AGGAATTAAGAGAAGC>A"
    assert RecordEffects(insertion, "ANN").raw is None   # a tag the record does not carry


def test_record_effects_alt_index_matches_vep_spellings_on_a_multiallelic_record():
    record = RecordEffects(records("vep_multiallelic_minimal_alleles.vcf")[0], "CSQ")
    assert len(record.alts) > 1
    # every ALT as written in the VCF finds itself; an allele naming none of them finds nothing
    assert [record.alt_index(alt, "VEP CSQ")
            for alt in record.alts] == list(range(len(record.alts)))
    assert record.alt_index("NOTANALLELE", "VEP CSQ") is None
