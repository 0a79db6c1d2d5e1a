"""The byte-level prefilter of streamed VCFs gives what reading every record through htslib gives.

``hpdgenomics.io.vcf._PREFILTER`` switches the prefilter off (every record through cyvcf2, the
path of issue 9); each file is read both ways and the results (variants, record accounting,
warnings, provenance) or the errors must be identical. Files: every VCF of the fixtures and of
``../shared/data`` (copied without their index, so that they are streamed), and generated files
whose off-panel records hold what the prefilter must not get wrong.
"""
from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pysam
import pytest
from shared import SHARED_DATA
from vcf_panels import test_panels

from hpdgenomics.errors import HpdError
from hpdgenomics.io import vcf as vcf_module
from hpdgenomics.knowledge import load_knowledge

FIXTURES = Path(__file__).parent / "fixtures"
PANELS = test_panels()
VCF_SUFFIXES = (".vcf", ".vcf.gz", ".bcf")


def _vcfs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(VCF_SUFFIXES))


def _outcome(path: Path, panels, prefilter: bool, monkeypatch, **options):
    monkeypatch.setattr(vcf_module, "_PREFILTER", prefilter)
    try:
        result = vcf_module.read_vcf(path, panels, **options)
    except HpdError as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("result", result.sha256, result.sample, result.build, result.build_source,
            result.annotation, result.variants, result.counts, result.warnings,
            result.loud_warnings)


class _Spy:
    """Counts the prefilter passes that picked records (the real function runs)."""

    def __init__(self, monkeypatch):
        self.used = 0
        real = vcf_module._prefilter

        def spy(*args, **kwargs):
            picked = real(*args, **kwargs)
            self.used += picked is not None
            return picked
        monkeypatch.setattr(vcf_module, "_prefilter", spy)


def _both_ways(path: Path, panels, monkeypatch, **options):
    # htslib gives some warnings once per process (a static flag: a header's Number=G oddity, an
    # END before POS); a first read spends them, so that neither compared read gets them
    _outcome(path, panels, False, monkeypatch, **options)
    spy = _Spy(monkeypatch)
    fast = _outcome(path, panels, True, monkeypatch, **options)
    full = _outcome(path, panels, False, monkeypatch, **options)
    return fast, full, spy.used


ALL_FILES = [p for p in _vcfs(FIXTURES) + _vcfs(SHARED_DATA)]


@pytest.mark.parametrize("source", ALL_FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_every_vcf_reads_the_same_with_and_without_the_prefilter(source, tmp_path, monkeypatch):
    # copied alone, so that an index beside the original does not take the streamed path away
    path = tmp_path / source.name
    shutil.copyfile(source, path)
    for panels in (PANELS, load_knowledge().panels):
        fast, full, _used = _both_ways(path, panels, monkeypatch)
        assert fast == full


def test_the_prefilter_is_used_for_most_of_those_files(tmp_path, monkeypatch):
    used = 0
    for source in ALL_FILES:
        path = tmp_path / source.name
        shutil.copyfile(source, path)
        spy = _Spy(monkeypatch)
        _outcome(path, PANELS, True, monkeypatch)
        used += spy.used
        path.unlink()
    assert used >= len(ALL_FILES) // 2, (used, len(ALL_FILES))


# --- generated files: the off-panel records the prefilter counts without htslib -----------------

HEADER = ("##fileformat=VCFv4.2\n"
          "##contig=<ID=1,length=249250621>\n##contig=<ID=7,length=159138663>\n"
          "##contig=<ID=12,length=133851895>\n##contig=<ID=14,length=107349540>\n"
          '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
          '{extra}'
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
          '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
          "##tumor_sample=TUMOUR\n"
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOUR\n")


def _record(chrom, pos, ref="C", alt="A", info="DP=100", filt="PASS"):
    return (f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\t{filt}\t{info}\tGT:AD\t0/0:50,0\t"
            f"0/1:30,{'10,' * alt.count(',')}10\n")


def _background(n: int) -> list[str]:
    return [_record("1", 1_000_000 + 97 * i, alt="A,G" if i % 7 == 0 else "A")
            for i in range(n)]


HOTSPOTS = [_record("7", 55259515, "T", "G"), _record("12", 25398285, "C", "A"),
            _record("14", 105246551, "C", "T")]


def _write(tmp_path: Path, name: str, lines: list[str], extra: str = "", *, bgzip: bool = True
           ) -> Path:
    plain = tmp_path / name
    plain.write_text(HEADER.format(extra=extra) + "".join(lines))
    if not bgzip:
        return plain
    pysam.tabix_compress(str(plain), str(plain) + ".gz", force=True)
    plain.unlink()
    return Path(str(plain) + ".gz")


CASES = {
    # multi-allelic off-panel records: their alleles counted from the commas
    "background_and_hotspots": (_background(3000) + HOTSPOTS, ""),
    # a record beyond the end of chromosome 1 among off-panel ones: the same UsageError
    "beyond_chromosome_end": (_background(500) + [_record("1", 249250700)] + HOTSPOTS, ""),
    # symbolic and missing ALTs, gVCF blocks, '*' alleles off-panel
    "symbolic_and_reference_blocks": (_background(200) + [
        _record("1", 3_000_000, "N", "<DEL>", "DP=5;SVTYPE=DEL"),
        _record("1", 3_000_100, "C", "<NON_REF>"), _record("1", 3_000_200, "C", "A,<*>"),
        _record("1", 3_000_300, "C", "."), _record("1", 3_000_400, "C", "*")] + HOTSPOTS, ""),
    # a deletion starting before KRAS whose declared INFO END reaches into it
    "declared_end_reaching_a_gene": ([_record("12", 25_300_000, "N", "<DEL>", "END=25400000"),
                                      _record("12", 25_300_500, "C", "T", "END=25400000")]
                                     + _background(100) + HOTSPOTS,
                                     '##INFO=<ID=END,Number=1,Type=Integer,Description="End">\n'),
    # an undeclared END is a String to htslib: the end stays POS + len(REF) - 1
    "undeclared_end": ([_record("12", 25_300_500, "C", "T", "END=25400000")] + HOTSPOTS, ""),
    # a contig the header does not declare (htslib warns once) and an alt contig
    "undeclared_contig": (_background(50) + [_record("GL000192.1", 10 + i) for i in range(20)]
                          + [_record("chrUn_gl000220", 5)] + HOTSPOTS, ""),
    # records out of order, chromosomes interleaved
    "unsorted": ([HOTSPOTS[2]] + _background(40)[::-1] + [HOTSPOTS[0], _record("1", 20)]
                 + [HOTSPOTS[1]], ""),
    # an off-panel record that is a duplicate, and a filtered on-panel one
    "duplicates_and_filters": (_background(30) * 2 + [_record("7", 55259515, "T", "G",
                                                              filt="LowQual")] + HOTSPOTS, ""),
    # wrong number of sample columns off-panel (htslib decides)
    "short_sample_columns": (_background(20)
                             + ["1\t9000000\t.\tC\tA\t50\tPASS\tDP=1\tGT:AD\t0/0:5,0\n"]
                             + HOTSPOTS, ""),
    # POS that is not a number, off-panel
    "broken_position": (_background(20)
                        + ["1\t90x00\t.\tC\tA\t50\tPASS\tDP=1\tGT:AD\t0/0:5,0\t0/1:3,3\n"]
                        + HOTSPOTS, ""),
    # Windows line ends and no newline after the last record
    "crlf_no_final_newline": ([line.replace("\n", "\r\n") for line in _background(50)]
                              + HOTSPOTS[:2] + [HOTSPOTS[2].rstrip("\n")], ""),
    # a line with fewer than 8 columns: the whole file goes to htslib
    "too_few_columns": (_background(20) + ["1\t100\t.\tC\n"] + HOTSPOTS, ""),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("chunk", [None, 64])
def test_generated_files_read_the_same_both_ways(name, chunk, tmp_path, monkeypatch):
    if chunk is not None:       # chunks of 256 bytes: every record straddles a chunk boundary
        monkeypatch.setattr(vcf_module, "_SCAN_CHUNK", chunk)
    lines, extra = CASES[name]
    for bgzip in (True, False):
        path = _write(tmp_path, f"{name}.vcf", lines, extra, bgzip=bgzip)
        fast, full, used = _both_ways(path, PANELS, monkeypatch)
        if name == "undeclared_end":
            # htslib's warning of the undeclared INFO key comes from the records it parses: the
            # prefilter leaves this off-panel record to the byte test (as an index would)
            assert full[8] == [w for w in full[8] if "htslib" not in w] + [
                "htslib reported 1 warning(s) while reading, e.g. [W::vcf_parse_info] INFO "
                "'END' is not defined in the header, assuming Type=String"]
            assert fast[:8] == full[:8] and fast[8] == full[8][:-1]
            continue
        assert fast == full
        if name in ("background_and_hotspots", "symbolic_and_reference_blocks", "unsorted"):
            assert used and fast[0] == "result"
            assert [v.hotspot for v in fast[6]] != []


def test_background_counts_are_the_records_and_alleles_of_the_file(tmp_path, monkeypatch):
    path = _write(tmp_path, "counts.vcf", _background(3000) + HOTSPOTS)
    fast, _full, used = _both_ways(path, PANELS, monkeypatch)
    counts = fast[7]
    multi = sum(1 for i in range(3000) if i % 7 == 0)
    assert used == 1
    assert (counts.records_read, counts.alleles_read, counts.off_panel, counts.screened) == \
        (3003, 3003 + multi, 3000 + multi, 3)


def test_a_build_check_record_in_the_other_builds_gene_is_still_tallied(tmp_path, monkeypatch):
    # KRAS G12C at its GRCh38 position under a GRCh37 header: off-panel in GRCh37, inside KRAS in
    # GRCh38; the REF-allele check must see it whether or not the prefilter runs
    lifted = [_record("7", 55191822, "T", "G"), _record("12", 25245350, "C", "A"),
              _record("14", 104780214, "C", "T")]
    path = _write(tmp_path, "lifted.vcf", _background(100) + lifted)
    fast, full, used = _both_ways(path, load_knowledge().panels, monkeypatch)
    assert fast == full and fast[0] == "error" and "GRCh38" in fast[2]


@pytest.mark.parametrize("damage", ["nul", "long_line"])
def test_byte_checks_of_off_panel_records_stay(damage, tmp_path, monkeypatch):
    lines = _background(2000) + HOTSPOTS
    if damage == "nul":
        lines[1500] = lines[1500].replace("DP=100", "DP=1\x0000")
    else:
        monkeypatch.setenv(vcf_module.MAX_LINE_BYTES_ENV, "1000")
        lines[1500] = lines[1500].replace("DP=100", "DP=" + "9" * 2000)
    path = _write(tmp_path, f"{damage}.vcf", lines)
    fast, full, _used = _both_ways(path, PANELS, monkeypatch)
    assert fast == full and fast[0] == "error"
    assert "line 1511, record 1501" in fast[2]


def test_a_truncated_file_is_reported_by_htslib_as_before(tmp_path, monkeypatch):
    path = _write(tmp_path, "whole.vcf", _background(20000) + HOTSPOTS)
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    fast, full, used = _both_ways(cut, PANELS, monkeypatch)
    assert fast == full and fast[0] == "error" and "cannot read" in fast[2]
    assert used == 0


def test_a_screen_loads_neither_pandas_nor_jinja2_templates_it_does_not_need(tmp_path):
    # start-up of an indexed screen: pandas, pyranges, scipy and matplotlib are not imported
    path = _write(tmp_path, "small.vcf", _background(10) + HOTSPOTS)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    script = ("import sys\nfrom hpdgenomics.cli import main\n"
              "try:\n    main(['-q', 'screen', '--vcf', sys.argv[1], '-o', sys.argv[2]])\n"
              "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & "
              "{'pandas', 'pyranges', 'scipy', 'matplotlib', 'statsmodels'}))\n")
    done = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path / "out")],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert list((tmp_path / "out").glob("*.hpd.json"))


def test_the_report_hash_is_the_sha256_of_the_file_bytes(tmp_path, monkeypatch):
    # hashed in a thread while the file is read: still the sha256 of the bytes on disk
    import hashlib

    path = _write(tmp_path, "hashed.vcf", _background(5000) + HOTSPOTS)
    for prefilter in (True, False):
        outcome = _outcome(path, PANELS, prefilter, monkeypatch)
        assert outcome[1] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_exon_overlap_by_bisection_is_the_plain_overlap_test():
    import random

    from hpdgenomics.io.vcf import _coding_exons, _overlaps_any

    rng = random.Random(7)
    for panel in load_knowledge().panels.values():
        prepared = _coding_exons(panel)
        for gene in panel.genes.values():
            spans = [(g_exon.coding_start, g_exon.coding_end)
                     for g in panel.genes.values() if g.chrom == gene.chrom
                     for g_exon in g.exons if g_exon.coding_start is not None]
            for _ in range(300):
                pos = rng.randint(gene.start - 500, gene.end + 500)
                end = pos + rng.choice([0, 0, 1, 3, 40, 5000])
                assert _overlaps_any(prepared.get(gene.chrom), pos, end) == \
                    any(start <= end and pos <= stop for start, stop in spans)


def _bins_one_by_one(data: bytes) -> list[tuple]:
    """The bins of a .tbi or .csi, walked bin by bin (the index formats, read plainly)."""
    import struct

    tbi = data[:4] == b"TBI\1"
    if tbi:
        (n_ref,) = struct.unpack_from("<i", data, 4)
        (l_nm,) = struct.unpack_from("<i", data, 8 + 24)
        offset, depth = 8 + 28 + l_nm, 5
    else:
        _min_shift, depth, l_aux = struct.unpack_from("<3i", data, 4)
        offset = 16 + l_aux
        (n_ref,) = struct.unpack_from("<i", data, offset)
        offset += 4
    pseudo = ((1 << (3 * (depth + 1))) - 1) // 7 + 1
    header = struct.Struct("<Ii" if tbi else "<IQi")
    out = []
    for _tid in range(n_ref):
        (n_bin,) = struct.unpack_from("<i", data, offset)
        offset += 4
        bins, span = {}, None
        for _ in range(n_bin):
            fields = header.unpack_from(data, offset)
            if fields[0] == pseudo:
                span = struct.unpack_from("<QQ", data, offset + header.size)
            else:
                bins[fields[0]] = (offset + header.size, fields[-1])
            offset += header.size + 16 * fields[-1]
        if tbi:
            (n_intv,) = struct.unpack_from("<i", data, offset)
            offset += 4 + 8 * n_intv
        out.append((span, bins))
    return out


@pytest.mark.parametrize("csi", [False, True])
def test_index_bins_read_in_runs_are_the_bins_of_the_index(csi, tmp_path):
    from hpdgenomics.io.bgzf import read_index

    # deletions of 150 kb sit in 1 Mb bins, several per bin with ~100 KB of records between
    # them: those bins have several chunks, which break the runs of one-chunk bins
    lines = _background(20000) + [_record("1", 1_000_000 + 97 * i + 1, "C" * 150_000, "C")
                                  for i in range(0, 20000, 2003)]
    lines.sort(key=lambda line: int(line.split("\t")[1]))
    path = _write(tmp_path, "binned.vcf", lines)
    compressed = pysam.tabix_index(str(path), preset="vcf", force=True, csi=csi)
    index = compressed + (".csi" if csi else ".tbi")
    parsed = read_index(index)
    expected = _bins_one_by_one(gzip.open(index).read())
    assert [((s.begin, s.end), s.bins) for s in parsed.sequences] == expected
    assert any(n > 1 for _span, bins in expected for _o, n in bins.values())
    # and the region lookup without the whole dict finds the same chunks
    fresh = read_index(index)
    for start in range(1_000_000, 3_000_000, 99_999):
        assert fresh.chunks_overlapping("1", start, start + 5000) == \
            parsed.chunks_overlapping("1", start, start + 5000)
