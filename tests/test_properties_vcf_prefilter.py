"""Property-based tests of the VCF prefilter's per-block steps (``hpdgenomics.io.vcf.prefilter``).

Each step is compared with the plain Python reading of the same lines: the blocks of whole lines
rebuild the file, POS is what ``int`` reads from plain digits, CHROM runs are those of
``itertools.groupby``, and the off-panel allele count is one per ALT allele. A mistake here would
be silent (a record counted off-panel that htslib should have read).
"""
from __future__ import annotations

import io
import itertools
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hpdgenomics.io.vcf.prefilter import (
    _chromosome_runs,
    _find_columns,
    _line_blocks,
    _off_panel_alleles,
    _parse_positions,
    _Pass,
    _Picked,
)

LIMIT = 1 << 20


def _state() -> _Pass:
    # only the limit, the record count and the header line count are read by these steps
    stream = SimpleNamespace(header_line_count=3)
    return _Pass(Path("test.vcf"), stream, _Picked(Path("unused.vcf"), []),
                 io.BytesIO(), LIMIT, 10 ** np.arange(10, dtype=np.int64))


def _lines(records: list[list[str]]):
    data = "".join("\t".join(fields) + "\n" for fields in records).encode()
    lines = _find_columns(_state(), data, 0, len(data))
    assert lines is not None
    return lines


def _record(chrom="1", pos="100", ref="C", alt="A") -> list[str]:
    return [chrom, pos, ".", ref, alt, "50", "PASS", "DP=1"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("ACGT\t,", max_size=30), min_size=1, max_size=40),
       st.integers(1, 64), st.booleans())
def test_line_blocks_are_whole_lines_that_rebuild_the_file(lines, chunk, final_newline):
    text = "\n".join(lines).encode() + (b"\n" if final_newline else b"")
    blocks = list(_line_blocks(io.BytesIO(text), _state(), chunk))
    rebuilt = b"".join(data[begin:stop] for data, begin, stop in blocks)
    expected = text if text.endswith(b"\n") or not text else text + b"\n"
    assert rebuilt == expected
    assert all(data[begin:stop].endswith(b"\n") and stop > begin for data, begin, stop in blocks)


POS_TEXT = st.one_of(st.text("0123456789", max_size=12),
                     st.text("0123456789+-x. e", min_size=1, max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.lists(POS_TEXT, min_size=1, max_size=20))
def test_pos_is_read_only_from_1_to_10_plain_digits_of_at_least_1(texts):
    pos, pick = _parse_positions(_lines([_record(pos=t) for t in texts]), _state().weights)
    for text, value, picked in zip(texts, pos.tolist(), pick.tolist(), strict=True):
        plain = 1 <= len(text) <= 10 and text.isdigit() and int(text) >= 1
        assert picked == (not plain), text
        if plain:
            assert value == int(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["1", "2", "chr1", "chr10", "X", "GL000192.1", "1_random"]),
                min_size=1, max_size=30))
def test_chromosome_runs_are_the_runs_of_equal_chrom_names(chroms):
    runs = _chromosome_runs(_lines([_record(chrom=c) for c in chroms]))
    expected, start = [], 0
    for _name, group in itertools.groupby(chroms):
        size = len(list(group))
        expected.append((start, start + size))
        start += size
    assert runs == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(["A", "G", "TT", "*"]), min_size=1,
                                   max_size=4), st.booleans()), min_size=1, max_size=20))
def test_off_panel_alleles_are_the_alt_alleles_of_the_records_left_out(records):
    lines = _lines([_record(alt=",".join(alts)) for alts, _picked in records])
    pick = np.array([picked for _alts, picked in records])
    alt_width = lines.tabs[4] - lines.tabs[3] - 1
    assert _off_panel_alleles(lines, pick, alt_width) == \
        sum(len(alts) for alts, picked in records if not picked)
