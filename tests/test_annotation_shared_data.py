"""The annotation parsers on real annotated VCFs from ../shared/data (skipped when absent).

Oracle for the specific records: the three-letter protein change (or the EFF one-letter text)
written in the file itself, found by grepping the files; the test asserts that text is in the
record's INFO and that the parser turns it into the expected one-letter notation.
"""
from __future__ import annotations

import re
from pathlib import Path

import cyvcf2
import pytest
from shared import SHARED_DATA

from hpdgenomics.annotation import detect_flavour
from hpdgenomics.model import Consequence

VEP_DIR, SNPEFF_DIR = SHARED_DATA / "vcf_vep", SHARED_DATA / "vcf_snpeff"

pytestmark = pytest.mark.usefixtures("shared_data")

FILES = {
    "annotated.expression.vcf.gz": (VEP_DIR, "VEP CSQ"),
    "vcf2maf_test_pindel.vep.vcf": (VEP_DIR, "VEP CSQ"),
    "vcf2maf_test.vep.empty.vcf": (VEP_DIR, "VEP CSQ"),
    "cancer.ann.vcf": (SNPEFF_DIR, "SnpEff ANN"),
    "cancer.eff.vcf": (SNPEFF_DIR, "SnpEff EFF"),
    "test.ann.vcf": (SNPEFF_DIR, "SnpEff ANN"),
    "test_vcf_ann_plus_sign.vcf": (SNPEFF_DIR, "SnpEff ANN"),
    "cyvcf2_test.snpeff.vcf": (SNPEFF_DIR, "SnpEff EFF"),
}


def openable(name: str, tmp_path: Path) -> Path:
    """The file, or a copy htslib accepts.

    Three SnpEff example files lack the ``##fileformat`` line (``cancer.ann.vcf`` also starts with
    a SnpEff log line, ``test.ann.vcf`` has no ``#CHROM`` line); htslib refuses them, so the copy
    drops leading non-``#`` lines and adds the missing lines. The VCF reader (hpdgenomics.io.vcf)
    decides what users get for such files; here only the annotation parsing is under test.
    """
    directory, _ = FILES[name]
    path = directory / name
    if name.endswith(".gz"):
        return path
    lines = path.read_text().splitlines(keepends=True)
    while lines and not lines[0].startswith("#"):
        lines.pop(0)
    has_chrom_line = any(line.startswith("#CHROM") for line in lines)
    if lines[0].startswith("##fileformat") and has_chrom_line:
        return path
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    if not has_chrom_line:
        columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
        extra = len(body[0].rstrip("\n").split("\t")) - len(columns) if body else 0
        if extra > 0:
            columns += ["FORMAT"] + [f"SAMPLE{i}" for i in range(1, extra)]
        header.append("\t".join(columns) + "\n")
    fixed = tmp_path / name
    fixed.write_text("##fileformat=VCFv4.1\n" + "".join(header) + "".join(body))
    return fixed


CANCER_PAIR = re.compile(r"(^|\|)[ACGTN]+-[ACGTN]+(\||\)|$)")


def records_with_effects(name: str, tmp_path: Path):
    vcf = cyvcf2.VCF(str(openable(name, tmp_path)))
    flavour = detect_flavour(vcf)
    rows = [(record, record.INFO.get(flavour.tag), flavour.effects(record)) for record in vcf]
    vcf.close()
    return flavour, rows


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_record_parses_and_no_entry_is_lost(name, tmp_path):
    flavour, rows = records_with_effects(name, tmp_path)
    assert flavour.name == FILES[name][1]
    for record, raw, effects in rows:
        assert list(effects) == list(record.ALT)
        entries = str(raw).split(",") if raw else []
        # SnpEff -cancer pairs ("G-C") compare samples and are the only entries left out here.
        expected = [e for e in entries if not CANCER_PAIR.search(e)]
        found = sum(len(v) for v in effects.values())
        assert found == len(expected), (record.CHROM, record.POS, raw)
        for alt, alt_effects in effects.items():
            assert all(e.allele == alt for e in alt_effects)


def _effect(rows, chrom, pos, alt, transcript):
    for record, raw, effects in rows:
        if record.CHROM == chrom and record.POS == pos and alt in effects:
            matches = [e for e in effects[alt] if e.transcript == transcript]
            assert len(matches) == 1, (chrom, pos, transcript)
            return str(raw), matches[0]
    raise AssertionError(f"{chrom}:{pos} not in file")


KNOWN = [
    # file, chrom, pos, ALT, transcript, text in the file, one-letter, consequence
    ("annotated.expression.vcf.gz", "chr1", 451649, "AG", "ENST00000426406",
     "p.Glu11Ter", "p.E11*", Consequence.FRAMESHIFT),
    ("annotated.expression.vcf.gz", "chr1", 686085, "A", "ENST00000332831",
     "p.Thr190=", "p.T190=", Consequence.SYNONYMOUS),
    ("annotated.expression.vcf.gz", "chr1", 686483, "C", "ENST00000332831",
     "p.Pro58Ala", "p.P58A", Consequence.MISSENSE),
    ("annotated.expression.vcf.gz", "chr1", 227091906, "G", "ENST00000366766",
     "p.Lys778AsnfsTer2", "p.K778Nfs*2", Consequence.FRAMESHIFT),
    ("annotated.expression.vcf.gz", "chr8", 23368189, "T", "ENST00000389131",
     "p.Gln48_Ala54del", "p.Q48_A54del", Consequence.INFRAME_DELETION),
    ("annotated.expression.vcf.gz", "chr6", 32223881, "TAGCAGC", "ENST00000375023",
     "p.Leu15_Leu16dup", "p.L15_L16dup", Consequence.INFRAME_INSERTION),
    ("annotated.expression.vcf.gz", "chr6", 1930220, "TT", "ENST00000380815",
     "p.Phe218Ter", "p.F218*", Consequence.NONSENSE),
    ("vcf2maf_test_pindel.vep.vcf", "1", 186277664, "C", "ENST00000367483",
     "p.Lys898ArgfsTer38", "p.K898Rfs*38", Consequence.FRAMESHIFT),
    ("vcf2maf_test_pindel.vep.vcf", "20", 29625924, "ACTT", "ENST00000278882",
     "p.Leu57dup", "p.L57dup", Consequence.INFRAME_INSERTION),
    ("vcf2maf_test_pindel.vep.vcf", "21", 46012223, "GGGGGCGCAGCAGCTG", "ENST00000400368",
     "p.Ala48_Pro49insAlaAlaAlaProPro", "p.A48_P49insAAAPP", Consequence.INFRAME_INSERTION),
    ("vcf2maf_test_pindel.vep.vcf", "12", 86272193, "A", "ENST00000256010",
     "p.Pro71Ter", "p.P71*", Consequence.FRAMESHIFT),
    ("cancer.ann.vcf", "1", 69091, "G", "ENST00000335137", "p.Met1?", "p.M1?",
     Consequence.START_LOST),
    ("cancer.ann.vcf", "1", 69091, "C", "ENST00000335137", "p.Met1?", "p.M1?",
     Consequence.MISSENSE),
    ("cancer.eff.vcf", "1", 69091, "G", "ENST00000335137", "M1V", "p.M1V", Consequence.START_LOST),
    ("cancer.eff.vcf", "1", 69091, "C", "ENST00000335137", "M1L", "p.M1L", Consequence.MISSENSE),
    ("cyvcf2_test.snpeff.vcf", "chr1", 69511, "G", "ENST00000335137", "T141A", "p.T141A",
     Consequence.MISSENSE),
    ("cyvcf2_test.snpeff.vcf", "chr1", 69761, "T", "ENST00000335137", "D224V", "p.D224V",
     Consequence.MISSENSE),
]


@pytest.mark.parametrize("name, chrom, pos, alt, transcript, text, one_letter, consequence", KNOWN)
def test_known_records(name, chrom, pos, alt, transcript, text, one_letter, consequence, tmp_path):
    _, rows = records_with_effects(name, tmp_path)
    raw, effect = _effect(rows, chrom, pos, alt, transcript)
    assert text in raw.replace("%3D", "=")
    assert effect.protein_change == one_letter
    assert effect.consequence is consequence


def test_vep_canonical_and_mane_flags_from_the_real_file(tmp_path):
    _, rows = records_with_effects("annotated.expression.vcf.gz", tmp_path)
    raw, effect = _effect(rows, "chr1", 451649, "AG", "ENST00000426406")
    assert "NM_001005221.2" in raw                                  # its MANE_SELECT value
    assert effect.canonical is True and effect.mane_select is True
    assert effect.exon == 1 and effect.hgvsc == "c.29dup" and effect.gene == "OR4F29"
    _raw, intronic = _effect(rows, "chr1", 451649, "AG", "ENST00000455207")
    assert intronic.canonical is False and intronic.mane_select is False
    assert intronic.so_terms == ("intron_variant", "non_coding_transcript_variant")
    assert intronic.exon is None


def test_the_cancer_pair_entry_is_ignored(tmp_path):
    _, rows = records_with_effects("cancer.ann.vcf", tmp_path)
    [(_record, raw, effects)] = rows
    assert "G-C|" in raw                                  # the file does hold a pair entry
    assert [e.protein_change for e in effects["G"]] == ["p.M1?"]
    assert [e.protein_change for e in effects["C"]] == ["p.M1?"]
    assert effects["C"][0].so_terms == ("initiator_codon_variant",)


def test_plus_joined_terms_and_empty_allele(tmp_path):
    _, [(_record, raw, effects)] = records_with_effects("test_vcf_ann_plus_sign.vcf", tmp_path)
    assert raw.startswith("|")                            # the file leaves Allele empty
    [effect] = effects["ACC"]
    assert effect.so_terms == ("5_prime_UTR_truncation", "exon_loss_variant")
    assert effect.consequence is Consequence.PROTEIN_ALTERING
    assert effect.hgvsc == "c.-6_-1delTTACCC" and effect.exon == 1


def test_synonymous_legacy_eff_residue_only(tmp_path):
    _, rows = records_with_effects("cyvcf2_test.snpeff.vcf", tmp_path)
    synonymous = [e for _, raw, effects in rows for es in effects.values() for e in es
                  if e.consequence is Consequence.SYNONYMOUS]
    assert [e.protein_change for e in synonymous] == ["p.S60="]
