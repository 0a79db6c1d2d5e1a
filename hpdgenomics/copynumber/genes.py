"""Gene-level copy number: overlap segments with panel gene spans (pyranges) and call each gene.

For each panel gene of the chosen build:

* the segments overlapping its span give the minimum, maximum and length-weighted copy number,
  the fraction of the span covered and the number of segments (flagged when > 1 or < 100 %);
* a *deep deletion* is called on the minimum (any homozygously deleted part disrupts the gene,
  PURPLE's convention); every other call is made on the length-weighted copy number (the gene's
  overall level, CNVkit ``genemetrics`` style) with :func:`~.conversion.call_from_copies`;
* the *event* behind the call is the run of adjacent segments at the same call level that
  contains the gene; it is focal when no longer than ``focal_max_length``. An amplification-level
  gene on a broad event is called gain, with a warning;
* loss of heterozygosity is reported where allele-specific copies exist: the length-weighted
  minor-allele copy number rounds to 0 while the gene is not deleted;
* genes on X/Y are never called against autosome thresholds: with the sample's sex known and
  absolute copies, the expected copies are the ploidy (female X) or half of it (male X and Y);
  otherwise the gene is not evaluable and the reason says why.

A gene without any overlapping segment is not evaluable (``call=None``) with the reason.
"""
from __future__ import annotations

import copy
import logging
import math

import numpy as np
import pandas as pd
import pyranges as pr

from ..errors import InputError, UsageError
from ..genome import CHROM_LENGTHS, SEX_CHROMOSOMES
from ..knowledge.panel import Panel
from ..model import CopyNumberCall, GeneCopyNumber, PanelGene
from .conversion import (
    DEFAULT_PLOIDY,
    HALF_COPY,
    call_from_copies,
    call_from_discrete,
    conversion_basis,
    log2_to_copies,
)
from .thresholds import CopyNumberThresholds

log = logging.getLogger(__name__)


def _fmt_region(chrom: str, start: int, end: int) -> str:
    length = end - start + 1
    size = f"{length / 1e6:.1f} Mb" if length >= 1e6 else f"{length / 1e3:.1f} kb" \
        if length >= 1e3 else f"{length} bp"
    return f"{chrom}:{start:,}-{end:,} ({size})"


def _check_build(data, panel: Panel) -> None:
    if data.build and data.build != panel.build:
        raise UsageError(f"the copy-number file is {data.build} ({data.build_source}) but the "
                         f"screen uses {panel.build}", path=data.path,
                         hint="mixed builds or wrong --build: use the build of the file")
    lengths = CHROM_LENGTHS.get(panel.build, {})
    segments = data.segments
    if data.level != "segment" or segments.empty:
        return
    limit = segments["chrom"].map(lengths)
    beyond = segments[limit.notna() & (segments["end"] > limit)]
    if len(beyond):
        row = beyond.iloc[0]
        raise InputError(f"segment {row['chrom']}:{int(row['start'])}-{int(row['end'])} ends "
                         f"beyond chromosome {row['chrom']} of {panel.build} "
                         f"({lengths[row['chrom']]:,} bp); {len(beyond)} such row(s)",
                         path=data.path, where=f"line {int(row['source_line'])}",
                         hint="mixed builds or wrong --build: check which build the file is on")


def _segment_copies(data, purity, ploidy, purity_source, ploidy_source) -> tuple[pd.Series, str]:
    segments = data.segments
    if data.value_kind == "absolute":
        return segments["copy_number"], f"absolute copies from {data.caller or data.format}"
    if data.value_kind == "log2":
        copies = pd.Series(log2_to_copies(segments["log2"].to_numpy(), purity, ploidy),
                           index=segments.index)
        return copies, conversion_basis(purity, ploidy, purity_source, ploidy_source)
    raise ValueError(f"segment-level data with value kind {data.value_kind!r}")


def call_genes(data, panel: Panel, thresholds: CopyNumberThresholds, *,
               purity: float | None = None, ploidy: float | None = None,
               sex: str | None = None) -> list[GeneCopyNumber]:
    """One :class:`~hpdgenomics.model.GeneCopyNumber` per panel gene (``call=None`` when the gene
    cannot be evaluated; ``reason`` says why).

    ``purity``/``ploidy`` override those of the file (PURPLE); without either, ploidy 2 and (for
    log2 inputs) purity 1 are assumed and said so in ``data.warnings`` and each gene's ``basis``.
    ``sex`` ("male"/"female") enables calls on X/Y; the file's own sex is used when not given.
    Sample-level notes are appended to ``data.warnings``.
    """
    if purity is not None and not 0 < purity <= 1:
        raise UsageError(f"--purity {purity} out of range", hint="give a fraction in (0, 1]")
    if ploidy is not None and not 0 < ploidy <= 10:
        raise UsageError(f"--ploidy {ploidy} out of range",
                         hint="give the tumour ploidy, e.g. 2 or 3.1")
    if sex is not None and sex not in ("male", "female"):
        raise UsageError(f"sex {sex!r} not understood", hint="use male or female")
    _check_build(data, panel)

    notes = _override_notes(data, purity, ploidy, sex)
    purity_source = "--purity" if purity is not None else data.purity_source
    ploidy_source = "--ploidy" if ploidy is not None else data.ploidy_source
    purity = purity if purity is not None else data.purity
    ploidy = ploidy if ploidy is not None else data.ploidy
    sex = sex or data.sex
    if ploidy is None and data.value_kind != "discrete":
        notes.append("tumour ploidy unknown: 2 assumed for ploidy-relative thresholds "
                     "(pass --ploidy)")
    if data.value_kind == "log2" and purity is None:
        notes.append("purity unknown: log2 ratios converted to copies assuming a pure tumour "
                     "(p = 1); pass --purity for an impure sample")
    if data.value_kind == "absolute" and purity is not None and purity_source == "--purity":
        notes.append("--purity not applied: the file already gives absolute tumour copies")
    for note in notes:
        if note not in data.warnings:
            data.warnings.append(note)
    ploidy_value = DEFAULT_PLOIDY if ploidy is None else float(ploidy)

    genes = [panel.gene(symbol) for symbol in panel.symbols()]
    if data.level == "gene":
        return [_call_gene_level(data, gene, thresholds.for_gene(gene.symbol), ploidy_value,
                                 purity, ploidy, purity_source, ploidy_source, sex)
                for gene in genes]

    def call_segments(data) -> list[GeneCopyNumber]:
        segments = data.segments.copy()
        copies, basis = _segment_copies(data, purity, ploidy, purity_source, ploidy_source)
        segments["copies"] = copies.to_numpy()
        segments = segments.sort_values(["chrom", "start", "end", "source_line"]
                                        ).reset_index(drop=True)
        segments = _drop_duplicate_segments(data, segments)
        _warn_overlapping_segments(data, segments)
        overlaps = _overlaps(genes, segments)
        results = []
        for gene in genes:
            hits = overlaps[overlaps["gene_symbol"] == gene.symbol] if len(overlaps) else overlaps
            results.append(_call_segment_gene(data, gene, hits, segments,
                                              thresholds.for_gene(gene.symbol), ploidy_value,
                                              basis, sex, ploidy is None))
        return results

    results = call_segments(data)
    if getattr(data, "log_base_doubt", "") and data.value_kind == "log2":
        _refuse_when_the_log_base_decides(data, results, call_segments)
    return results


# the calls the knowledge base's copy-number criteria rest on (MDM2_AMP, STK11_LOSS, ...): a SEG
# whose log base is unknown may not decide one of them by an assumption
DECISIVE_CALLS = frozenset({CopyNumberCall.AMPLIFICATION, CopyNumberCall.DEEP_DELETION})


def _refuse_when_the_log_base_decides(data, results: list[GeneCopyNumber], call_segments) -> None:
    """A SEG whose values do not establish their log base (``data.log_base_doubt``) is screened
    only when its amplification and deep-deletion calls do not depend on the base.

    The genes are called again with the values read as log10. A gene that is amplified or deeply
    deleted under one base and not under the other stops the screen (exit 2) naming it and
    ``--seg-log-base``; other differences (neutral vs gain, say) are named in a warning, which
    with the reader's own warning goes to the report and stderr.
    """
    other = copy.copy(data)
    other.segments = data.segments.assign(log2=data.segments["log2"] * math.log2(10))
    other.warnings = []
    differing = [(as_log2, as_log10)
                 for as_log2, as_log10 in zip(results, call_segments(other), strict=True)
                 if as_log2.call != as_log10.call]
    if not differing:
        return

    def label(call) -> str:
        return call.value.replace("_", " ") if call is not None else "not evaluable"

    def shown(pairs) -> str:
        return "; ".join(f"{a.gene} {label(a.call)} if log2 but {label(b.call)} if log10"
                         for a, b in pairs[:5])

    decisive = [(a, b) for a, b in differing if {a.call, b.call} & DECISIVE_CALLS]
    if decisive:
        raise InputError(f"the SEG file does not say its log base and its values do not "
                         f"establish it ({data.log_base_doubt}), but the calls depend on it: "
                         f"{shown(decisive)}", path=data.path,
                         hint="pass --seg-log-base 2 or --seg-log-base 10 (manifest column "
                              "seg_log_base)")
    note = (f"calls that depend on the SEG's unknown log base (none is an amplification or deep "
            f"deletion): {shown(differing)}; pass --seg-log-base 2 or 10")
    data.warnings.append(note)
    log.warning("%s: %s", data.path, note)


def _override_notes(data, purity, ploidy, sex) -> list[str]:
    """Say when a command-line value replaces a different value the file (or its caller) gives.

    The command line wins (a reviewer may have a better estimate, e.g. from pathology), but a
    silent replacement would hide that two estimates disagree.
    """
    notes = []
    if purity is not None and data.purity is not None and abs(purity - data.purity) > 1e-9:
        applies = "" if data.value_kind == "log2" else " (not applied to absolute copies)"
        notes.append(f"--purity {purity:g} given; the file's caller estimated {data.purity:g} "
                     f"({data.purity_source}): the command line wins{applies}")
    if ploidy is not None and data.ploidy is not None and abs(ploidy - data.ploidy) > 1e-9:
        notes.append(f"--ploidy {ploidy:g} overrides the caller's ploidy {data.ploidy:g} "
                     f"({data.ploidy_source}) for the ploidy-relative thresholds")
    if sex is not None and data.sex is not None and sex != data.sex:
        caller = data.caller or data.format
        notes.append(f"--sex {sex} contradicts the caller's {data.sex} call ({caller}); --sex "
                     "is used: check the sample's identity")
    return notes


def _lines_text(lines, limit: int = 6) -> str:
    lines = [str(int(x)) for x in lines]
    return ", ".join(lines[:limit]) + (f" and {len(lines) - limit} more" if len(lines) > limit
                                       else "")


def _drop_duplicate_segments(data, segments: pd.DataFrame) -> pd.DataFrame:
    """Identical rows (same region, same value) are counted once, with a warning: summing them
    would double their weight, and a duplicated file section usually means a merge error."""
    key = ["chrom", "start", "end", "copies"]
    duplicated = segments.duplicated(subset=key, keep="first")
    if duplicated.any():
        note = (f"{int(duplicated.sum())} duplicated segment row(s) (same region and value; "
                f"line {_lines_text(segments.loc[duplicated, 'source_line'])}) counted once")
        if note not in data.warnings:
            data.warnings.append(note)
        segments = segments[~duplicated].reset_index(drop=True)
    return segments


def _warn_overlapping_segments(data, segments: pd.DataFrame) -> None:
    """Segments of one sample must not overlap; when they do (two callers' outputs concatenated,
    a multi-sample file filtered wrongly), say where. Genes under disagreeing overlaps are not
    called (see :func:`_call_segment_gene`)."""
    if segments.empty:
        return
    previous_end = segments.groupby("chrom", sort=False)["end"].transform(
        lambda ends: ends.cummax().shift(1))
    overlapping = segments["start"] <= previous_end
    if overlapping.any():
        rows = segments[overlapping]
        note = (f"{int(overlapping.sum())} segment(s) overlap an earlier segment on the same "
                f"chromosome (line {_lines_text(rows['source_line'])}; first at "
                f"{rows.iloc[0]['chrom']}:{int(rows.iloc[0]['start']):,}); a sample's segments "
                "should tile the genome: check the file holds one sample from one caller")
        if note not in data.warnings:
            data.warnings.append(note)


def _overlaps(genes: list[PanelGene], segments: pd.DataFrame) -> pd.DataFrame:
    """Pairs (gene, segment) that overlap, with the overlap clipped to the gene, via pyranges."""
    if segments.empty:
        return pd.DataFrame()
    gene_ranges = pr.PyRanges(pd.DataFrame({
        "Chromosome": [g.chrom for g in genes], "Start": [g.start - 1 for g in genes],
        "End": [g.end for g in genes], "gene_symbol": [g.symbol for g in genes]}))
    segment_ranges = pr.PyRanges(pd.DataFrame({
        "Chromosome": segments["chrom"], "Start": segments["start"] - 1, "End": segments["end"],
        "segment_index": segments.index}))
    joined = gene_ranges.join(segment_ranges, report_overlap=True).df
    if joined.empty:
        return pd.DataFrame()
    joined["clip_start"] = np.maximum(joined["Start"], joined["Start_b"]) + 1
    joined["clip_end"] = np.minimum(joined["End"], joined["End_b"])
    return joined[["gene_symbol", "segment_index", "Overlap", "clip_start", "clip_end"]]


def _covered_bases(hits: pd.DataFrame) -> int:
    """Bases of the gene covered by at least one segment (segments may touch or overlap)."""
    covered, reach = 0, 0
    for start, end in sorted(zip(hits["clip_start"], hits["clip_end"], strict=True)):
        start = max(start, reach + 1)
        if end >= start:
            covered += end - start + 1
            reach = end
    return covered


def _expected_copies(gene: PanelGene, ploidy: float, sex: str | None, value_kind: str
                     ) -> tuple[float | None, str]:
    if gene.chrom not in SEX_CHROMOSOMES:
        return ploidy, ""
    if sex is None:
        return None, (f"chromosome {gene.chrom}: not called against autosome thresholds without "
                      "the sample's sex")
    if value_kind == "log2":
        return None, (f"chromosome {gene.chrom}: log2 ratios on sex chromosomes depend on the "
                      "reference's sex, so they are not converted to copies")
    if gene.chrom == "Y" and sex == "female":
        return None, "chromosome Y in a female sample: no copies expected"
    if sex == "male":
        return ploidy / 2, (f"chromosome {gene.chrom} in a male sample: {ploidy / 2:g} copies "
                            "expected")
    return ploidy, "chromosome X in a female sample: called like an autosome"


def _call_segment_gene(data, gene: PanelGene, hits: pd.DataFrame, segments: pd.DataFrame,
                       thresholds: CopyNumberThresholds, ploidy: float, basis: str,
                       sex: str | None, ploidy_assumed: bool) -> GeneCopyNumber:
    caller = data.caller or data.format
    region = _fmt_region(gene.chrom, gene.start, gene.end)
    if hits.empty:
        on_chrom = (segments["chrom"] == gene.chrom).any()
        reason = (f"no segment overlaps {gene.symbol} ({region})" if on_chrom else
                  f"chromosome {gene.chrom} is not in the copy-number file")
        return GeneCopyNumber(gene=gene.symbol, call=None, caller=caller, reason=reason)
    expected, sex_note = _expected_copies(gene, ploidy, sex, data.value_kind)
    if expected is None:
        return GeneCopyNumber(gene=gene.symbol, call=None, caller=caller, reason=sex_note)

    rows = segments.loc[hits["segment_index"].to_numpy()]
    weights = hits["Overlap"].to_numpy(dtype=float)
    copies = rows["copies"].to_numpy(dtype=float)
    overlap_note = None
    if weights.sum() > _covered_bases(hits):
        # segments overlapping each other inside the gene: averaging them would invent a value
        levels = {call_from_copies(float(c), expected, thresholds)[0] for c in copies}
        lines = _lines_text(rows["source_line"])
        if len(levels) > 1:
            return GeneCopyNumber(
                gene=gene.symbol, call=None, caller=caller,
                reason=f"overlapping segments disagree over {gene.symbol} (CN "
                       f"{', '.join(f'{c:.2f}' for c in copies)}; lines {lines}): not called",
                warnings=["overlapping segments with different copy-number levels"])
        overlap_note = (f"overlapping segments over the gene (lines {lines}) agree on the "
                        "level; their length-weighted CN is used")
    cn_min, cn_max = float(np.min(copies)), float(np.max(copies))
    cn_weighted = float(np.average(copies, weights=weights))
    log2 = rows["log2"].to_numpy(dtype=float)
    log2_weighted = (float(np.average(log2, weights=weights)) if not np.isnan(log2).any()
                     else None)
    fraction = _covered_bases(hits) / (gene.end - gene.start + 1)
    warnings: list[str] = []
    if sex_note:
        warnings.append(sex_note)
    if overlap_note:
        warnings.append(overlap_note)

    if cn_min < thresholds.deep_deletion_max_copies:
        call, reason = call_from_copies(cn_min, expected, thresholds)
        value = cn_min
        if cn_weighted >= thresholds.deep_deletion_max_copies:
            reason += f" in part of the gene (length-weighted CN {cn_weighted:.2f})"
    else:
        call, reason = call_from_copies(cn_weighted, expected, thresholds, focal=True)
        value = cn_weighted

    if (call is CopyNumberCall.SHALLOW_LOSS and sex == "male" and gene.chrom in SEX_CHROMOSOMES
            and value >= 1 - HALF_COPY):
        # a male X/Y holds one germline copy; at ploidy > 2 the expected ploidy/2 exceeds 1.5,
        # but a chromosome with one copy left has nothing to lose short of a deep deletion
        call = CopyNumberCall.NEUTRAL
        reason += ("; but one copy is the germline state of a male X/Y, and only losing it "
                   "(a deep deletion) is a loss: neutral")
    level_call = call
    event_start, event_end = _event(rows.index.to_numpy(), segments, expected, thresholds, call)
    length = event_end - event_start + 1
    focal: bool | None = length <= thresholds.focal_max_length
    if call is CopyNumberCall.AMPLIFICATION and not focal:
        call, reason = call_from_copies(value, expected, thresholds, focal=False)
        warnings.append(f"amplification-level copy number ({value:.1f}) on a broad event "
                        f"({length / 1e6:.1f} Mb > {thresholds.focal_max_length / 1e6:g} Mb): "
                        "reported as gain, not focal amplification")
    elif level_call is not CopyNumberCall.AMPLIFICATION:
        partial = call_from_copies(cn_max, expected, thresholds)[0]
        if partial is CopyNumberCall.AMPLIFICATION:
            warnings.append(f"part of the gene reaches amplification level (max CN {cn_max:.1f}) "
                            f"but its length-weighted CN is {cn_weighted:.1f}: partial "
                            "amplification, not called")
    if len(rows) > 1:
        warnings.append(f"spans {len(rows)} segments (CN {cn_min:.2f} to {cn_max:.2f})")
    if fraction < 0.999:
        warnings.append(f"only {fraction:.1%} of the gene span is covered by segments")
    probes = rows["n_probes"].to_numpy(dtype=float)
    if not np.isnan(probes).any() and call is not CopyNumberCall.NEUTRAL and probes.min() < 3:
        warnings.append(f"a segment behind the call rests on {int(probes.min())} probe(s)/bin(s)")
    if call is CopyNumberCall.NEUTRAL:
        focal = None   # focality describes an event; a neutral gene has none

    minor = rows["minor_cn"].to_numpy(dtype=float)
    loh = minor_weighted = None
    if not np.isnan(minor).any():
        minor_weighted = float(np.average(minor, weights=weights))
        loh = bool(minor_weighted < 0.5 and call is not CopyNumberCall.DEEP_DELETION)

    gene_basis = basis + (f"; ploidy-relative thresholds against {expected:g} expected copies"
                          + (" (ploidy assumed)" if ploidy_assumed else ""))
    return GeneCopyNumber(
        gene=gene.symbol, call=call, copy_number=round(value, 3), cn_min=round(cn_min, 3),
        cn_max=round(cn_max, 3), cn_weighted=round(cn_weighted, 3),
        log2=None if log2_weighted is None else round(log2_weighted, 3),
        fraction_covered=round(fraction, 4), n_segments=len(rows),
        segment=_fmt_region(gene.chrom, event_start, event_end), segment_length=int(length),
        focal=focal, loh=loh, minor_cn=None if minor_weighted is None else round(minor_weighted, 3),
        basis=gene_basis, caller=caller, reason=reason, warnings=warnings)


def _event(indices: np.ndarray, segments: pd.DataFrame, expected: float,
           thresholds: CopyNumberThresholds, call: CopyNumberCall) -> tuple[int, int]:
    """Span of the run of adjacent segments at ``call``'s level that contains the gene.

    Each segment is called on its own copies; the run grows from the gene's segments of that
    level over neighbours (same chromosome, next in coordinate order) of the same level. If no
    segment of the gene has the gene's level (a weighted mean between levels), the gene's own
    segments make the event.
    """
    def level(i: int) -> CopyNumberCall:
        return call_from_copies(float(segments.at[i, "copies"]), expected, thresholds)[0]

    same = [i for i in indices if level(i) is call]
    if not same:
        return int(segments.loc[indices, "start"].min()), int(segments.loc[indices, "end"].max())
    chrom = segments.at[same[0], "chrom"]
    max_gap = thresholds.focal_max_length

    def joins(left: int, right: int) -> bool:
        # an unmeasured stretch longer than a focal event cannot be said to share the level
        return (segments.at[left, "chrom"] == chrom == segments.at[right, "chrom"]
                and segments.at[right, "start"] - segments.at[left, "end"] - 1 <= max_gap)

    first, last = min(same), max(same)
    while first - 1 >= 0 and joins(first - 1, first) and level(first - 1) is call:
        first -= 1
    while last + 1 < len(segments) and joins(last, last + 1) and level(last + 1) is call:
        last += 1
    return int(segments.at[first, "start"]), int(segments.at[last, "end"])


def _call_gene_level(data, gene: PanelGene, thresholds: CopyNumberThresholds, ploidy: float,
                     purity, ploidy_given, purity_source, ploidy_source, sex
                     ) -> GeneCopyNumber:
    caller = data.caller or data.format
    rows = data.segments[data.segments["gene"] == gene.symbol]
    if rows.empty:
        reason = (getattr(data, "genes_not_evaluable", {}).get(gene.symbol)
                  or (f"{gene.symbol} has no value in the copy-number file (NA or blank: not "
                      "profiled)" if gene.symbol in getattr(data, "genes_without_value", ())
                      else f"{gene.symbol} is not in the copy-number file"))
        return GeneCopyNumber(gene=gene.symbol, call=None, caller=caller, reason=reason)
    lines = ", ".join(str(int(x)) for x in rows["source_line"])
    if data.value_kind == "discrete":
        values = sorted(set(rows["discrete"].astype(float)))
        if len(values) > 1:
            return GeneCopyNumber(gene=gene.symbol, call=None, caller=caller,
                                  reason=f"{gene.symbol} has conflicting discrete values "
                                         f"{values} (lines {lines})",
                                  warnings=[f"conflicting rows for {gene.symbol}: not called"])
        call = call_from_discrete(values[0])
        warnings = [f"{len(rows)} identical rows (lines {lines})"] if len(rows) > 1 else []
        return GeneCopyNumber(
            gene=gene.symbol, call=call, fraction_covered=1.0, n_segments=0,
            basis=f"discrete value {values[0]:g} from the file (cBioPortal scale)",
            caller=caller, reason=f"discrete {values[0]:g} = {call.value}", warnings=warnings)

    expected, sex_note = _expected_copies(gene, ploidy, sex, data.value_kind)
    if expected is None:
        return GeneCopyNumber(gene=gene.symbol, call=None, caller=caller, reason=sex_note)
    if data.value_kind == "log2":
        values = sorted(set(rows["log2"].astype(float)))
        basis = conversion_basis(purity, ploidy_given, purity_source, ploidy_source)
        copies = [log2_to_copies(v, purity, ploidy_given) for v in values]
        log2 = values[0]
    else:
        values = sorted(set(rows["copy_number"].astype(float)))
        basis = f"absolute copies from {caller}"
        copies = values
        log2 = None
    if len(values) > 1:
        return GeneCopyNumber(gene=gene.symbol, call=None, caller=caller,
                              reason=f"{gene.symbol} has conflicting values {values} "
                                     f"(lines {lines})")
    cn_min = copies[0]
    cn_max_values = rows["copy_number_max"].dropna()
    cn_max = float(cn_max_values.max()) if len(cn_max_values) else cn_min
    call, reason = call_from_copies(cn_min, expected, thresholds, focal=None)
    warnings = ["gene-level input: focal and broad events cannot be told apart"]
    if sex_note:
        warnings.append(sex_note)
    if call is not CopyNumberCall.AMPLIFICATION and \
            call_from_copies(cn_max, expected, thresholds)[0] is CopyNumberCall.AMPLIFICATION:
        warnings.append(f"maximum CN {cn_max:.1f} reaches amplification level but the minimum "
                        f"{cn_min:.1f} does not: partial amplification, not called")
    minor = rows["minor_cn"].dropna()
    loh = None if minor.empty else bool(float(minor.min()) < 0.5
                                         and call is not CopyNumberCall.DEEP_DELETION)
    return GeneCopyNumber(
        gene=gene.symbol, call=call, copy_number=round(cn_min, 3), cn_min=round(cn_min, 3),
        cn_max=round(cn_max, 3), log2=log2, fraction_covered=1.0, n_segments=0, focal=None,
        loh=loh, minor_cn=None if minor.empty else float(minor.min()),
        basis=basis + f"; gene minimum CN against {expected:g} expected copies", caller=caller,
        reason=reason, warnings=warnings)
