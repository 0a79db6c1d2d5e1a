"""The record loop: each record of the tumour sample to variant calls, counts and rejections.

:class:`_RecordReader` counts every ALT allele (off-panel, filtered, rejected, screened), tallies
the build check, reads allele support and chooses each allele's gene and effect.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...annotation.hgvs import severity_rank
from ...annotation.unannotated import classify_by_coordinates, minimal_alleles
from ...errors import HpdError, InputError, UsageError
from ...genome import CHROM_LENGTHS, normalize_chrom
from ...knowledge.panel import Panel
from ...model import PanelGene, VariantCall
from .allele_support import AlleleSupport, ImplausibleValue, allele_support
from .buildcheck import _BuildCheck
from .header import _ANNOTATION_TAGS, _FALLBACK
from .htslib import _ParseFailure
from .result import VcfRecordCounts

if TYPE_CHECKING:
    from ...annotation.effects import AnnotationFlavour, TranscriptEffect

_ChromInfo = tuple[str, int | None, list[tuple[int, int]], list[tuple[int, int]]]


class _RecordReader:
    def __init__(self, *, path: Path, panel: Panel, build: str,
                 flavour: AnnotationFlavour | None, tumour: str | None,
                 tumour_index: int | None, n_samples: int, include_filtered: bool,
                 declared_info: set[str] | None = None, other_panel: Panel | None = None) -> None:
        self.path, self.panel, self.build, self.flavour = path, panel, build, flavour
        self.other_panel = other_panel
        self.build_check = _BuildCheck(panel, other_panel)
        self._first_of_allele: dict[tuple[str, int, str, str], str] = {}
        self.tumour, self.tumour_index, self.n_samples = tumour, tumour_index, n_samples
        self.include_filtered = include_filtered
        self.counts = VcfRecordCounts()
        self.variants: list[VariantCall] = []
        self.rejections: dict[str, list[str]] = defaultdict(list)
        # raw CHROM -> (chromosome, its length, panel gene spans, the other build's gene spans)
        self._chrom_cache: dict[str, _ChromInfo] = {}
        self._by_index = False
        self._declared_info = declared_info or set()
        self.annotation_notes: list[str] = []
        self._undeclared_seen: set[str] = set()
        self.reference_blocks = 0
        self.saw_reference_model_allele = False

    # ----- the loop ---------------------------------------------------------------------------
    def run(self, records: Iterable[Any], first_line: int) -> None:
        counts = self.counts
        self._by_index = counts.index_used
        iterator = iter(records)
        while True:
            try:
                variant = next(iterator)
            except StopIteration:
                break
            except HpdError:
                raise
            except Exception as exc:  # noqa: BLE001 - htslib read errors arrive as bare Exception
                number = counts.records_read + 1
                where = (f"record {number}, line {first_line + number}" if not self._by_index
                         else "reading the panel regions through the index")
                raise _ParseFailure(f"cannot read the record ({exc})", where=where,
                                    hint="the file may be truncated or the record malformed; "
                                         "check it with 'bcftools view'") from None
            counts.records_read += 1
            try:
                raw_chrom = variant.CHROM
                cached = self._chrom_cache.get(raw_chrom)
                if cached is None:
                    cached = self._chrom_info(raw_chrom)
                chrom, length, spans, other_spans = cached
                pos = variant.POS
                if length is not None and pos > length:
                    raise UsageError(
                        f"{self._label(variant, counts.records_read)} lies beyond the end of "
                        f"chromosome {chrom} in {self.build} (length {length:,})",
                        path=self.path, hint=f"the file is not {self.build}: check --build and "
                                             "the file's reference")
                alleles = sum(1 for alt in variant.ALT if alt not in _REFERENCE_MODEL_ALTS)
                if alleles != len(variant.ALT):
                    self.saw_reference_model_allele = True
                if not alleles and variant.ALT:
                    self.reference_blocks += 1      # a gVCF reference block: no variant at all
                    continue
                end = variant.end
                if not any(start <= end and pos <= stop for start, stop in spans):
                    counts.alleles_read += alleles
                    counts.off_panel += alleles
                    if other_spans and any(start <= end and pos <= stop
                                           for start, stop in other_spans):
                        self.build_check.tally(chrom, pos, end, variant.REF,
                                               self._label(variant, counts.records_read))
                    continue
                self.build_check.tally(chrom, pos, end, variant.REF,
                                       self._label(variant, counts.records_read))
            except UnicodeDecodeError as exc:
                raise self._undecodable(exc, first_line) from None
            try:
                self._on_panel(variant, chrom)
            except HpdError:
                raise
            except UnicodeDecodeError as exc:
                raise self._undecodable(exc, first_line) from None
            except ImplausibleValue as exc:
                label = self._label(variant, counts.records_read)
                raise InputError(f"{label}: {exc}", path=self.path,
                                 where=None if self._by_index else
                                 f"line {first_line + counts.records_read}",
                                 hint="the caller's output is corrupt or was edited by hand; "
                                      "fix or remove the record") from None
            except Exception as exc:  # noqa: BLE001 - a malformed value must not become a traceback
                label = self._label(variant, counts.records_read)
                raise _ParseFailure(f"cannot interpret {label} ({type(exc).__name__}: {exc})",
                                    where=None if self._by_index else
                                    f"line {first_line + counts.records_read}",
                                    hint="check the record's FORMAT/INFO values") from None

    def tally_only(self, records: Iterable[Any]) -> None:
        """Records read through the index for the build check alone (not screened, not counted)."""
        iterator = iter(records)
        while True:
            try:
                variant = next(iterator)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - htslib read errors arrive as bare Exception
                raise _ParseFailure(f"cannot read the record ({exc})",
                                    where="reading the other build's panel regions through the "
                                          "index",
                                    hint="the file may be truncated or the record malformed; "
                                         "check it with 'bcftools view'") from None
            try:
                self.build_check.tally(normalize_chrom(variant.CHROM), variant.POS, variant.end,
                                       variant.REF, self._label(variant, 0))
            except UnicodeDecodeError as exc:
                raise self._undecodable(exc, 0) from None

    def _undecodable(self, exc: UnicodeDecodeError, first_line: int) -> InputError:
        number = self.counts.records_read
        bad = exc.object[exc.start:exc.start + 1].hex() if exc.object else "?"
        return InputError(f"record {number} is not UTF-8 text (byte 0x{bad})", path=self.path,
                          where=None if self._by_index else f"line {first_line + number}",
                          hint="VCF text must be UTF-8; convert the file, e.g. 'iconv -f latin1 "
                               "-t utf-8' (bgzip it again afterwards)")

    def _chrom_info(self, raw: str) -> _ChromInfo:
        chrom = normalize_chrom(raw)
        length = CHROM_LENGTHS[self.build].get(chrom)
        spans = [(g.start, g.end) for g in self.panel.genes.values() if g.chrom == chrom]
        other_spans = [] if self.other_panel is None else \
            [(g.start, g.end) for g in self.other_panel.genes.values() if g.chrom == chrom]
        info = (chrom, length, spans, other_spans)
        self._chrom_cache[raw] = info
        return info

    def _label(self, variant: Any, number: int) -> str:
        text = f"{variant.CHROM}:{variant.POS} {variant.REF}>{','.join(variant.ALT) or '.'}"
        return f"record at {text}" if self._by_index else f"record {number} ({text})"

    # ----- one on-panel record ----------------------------------------------------------------
    def _on_panel(self, variant: Any, chrom: str) -> None:
        counts = self.counts
        alts = list(variant.ALT)
        # '<NON_REF>'/'<*>' stand for "any other allele" in gVCF records: not variants, not counted
        variant_alts = [alt for alt in alts if alt not in _REFERENCE_MODEL_ALTS]
        counts.alleles_read += len(variant_alts)
        filter_value = variant.FILTER
        if filter_value is not None and not self.include_filtered:
            counts.filtered += len(variant_alts)
            return
        fields = str(variant).rstrip("\n").split("\t")
        tumour_format: dict[str, str] = {}
        if self.tumour_index is not None and len(fields) > 9 + self.tumour_index:
            keys = fields[8].split(":")
            values = fields[9 + self.tumour_index].split(":")
            # strict=False: VCF lets a sample drop trailing FORMAT fields (missing values)
            tumour_format = dict(zip(keys, values, strict=False))
        effects = None
        if self.flavour is None:
            self._note_undeclared_annotation(fields[7])
        sample_filter = tumour_format.get("FT", ".")
        if sample_filter not in (".", "", "PASS") and not self.include_filtered:
            # FORMAT/FT is the tumour's own filter (Octopus, GATK): a failed call in this sample is
            # filtered here even when the record's FILTER passes because another sample passed
            counts.filtered += len(variant_alts)
            return
        for index, alt in enumerate(alts):
            if alt in _REFERENCE_MODEL_ALTS:
                continue
            label = self._allele_label(variant, alt)
            reason = _unscreenable(alt)
            if reason:
                self._reject(reason, label)
                continue
            pos, ref, alt_min = minimal_alleles(variant.POS, variant.REF, alt)
            genes = self.panel.genes_at(chrom, pos, pos + len(ref) - 1)
            if not genes:
                counts.off_panel += 1
                continue
            allele_key = (chrom, pos, ref.upper(), alt_min.upper())
            first = self._first_of_allele.get(allele_key)
            if first is not None:
                # the same allele twice (a concatenation of two call sets, a caller run twice):
                # listed once, the copy counted as rejected and named in a warning
                self._reject(_DUPLICATE, f"{label} repeats {first}")
                continue
            support = allele_support(tumour_format, index, len(alts), variant.REF, alt,
                                     info=_info_values(fields[7]), n_samples=self.n_samples)
            absent = _absent_in_tumour(tumour_format, index, support)
            if absent:
                self._reject(f"{absent} in tumour sample {self.tumour}", label)
                continue
            if self.flavour is not None and effects is None:
                effects = self.flavour.effects(variant)
            chosen = self._choose(genes, chrom, variant.POS, variant.REF, alt,
                                  (effects or {}).get(alt, []) if self.flavour else None)
            gene, effect, choice, source = chosen
            hotspot = next((h.protein_change for h in self.panel.hotspots_at(chrom, pos, ref,
                                                                             alt_min)
                            if h.gene == gene.symbol), None)
            self.variants.append(VariantCall(
                chrom=chrom, pos=pos, ref=ref, alt=alt_min,
                filter="PASS" if filter_value is None else filter_value,
                gene=gene.symbol, transcript=effect.transcript, transcript_choice=choice,
                consequence=effect.consequence, so_terms=",".join(effect.so_terms),
                hgvsc=effect.hgvsc, protein_change=effect.protein_change, exon=effect.exon,
                vaf=support.vaf, depth=support.depth, alt_depth=support.alt_depth,
                annotation_source=source, record=label, hotspot=hotspot))
            counts.screened += 1
            self._first_of_allele[allele_key] = label

    def _note_undeclared_annotation(self, info: str) -> None:
        for key in _info_values(info):
            if key in _ANNOTATION_TAGS and key not in self._declared_info \
                    and key not in self._undeclared_seen:
                self._undeclared_seen.add(key)
                self.annotation_notes.append(
                    f"the records carry INFO/{key} ({_ANNOTATION_TAGS[key]} annotation) but the "
                    f"header does not declare it, so its field layout is unknown and it was not "
                    f"used: {_FALLBACK}; re-annotate, or restore the ##INFO=<ID={key},...> line")

    def _allele_label(self, variant: Any, alt: str) -> str:
        text = f"{variant.CHROM}:{variant.POS} {variant.REF}>{alt}"
        return f"record at {text}" if self._by_index else \
            f"record {self.counts.records_read} ({text})"

    def _reject(self, reason: str, label: str) -> None:
        self.counts.rejected += 1
        self.rejections[reason].append(label)

    def _choose(self, genes: list[PanelGene], chrom: str, pos: int, ref: str, alt: str,
                allele_effects: list[TranscriptEffect] | None
                ) -> tuple[PanelGene, TranscriptEffect, str, str]:
        """(gene, effect, transcript_choice, annotation_source) for one allele."""
        candidates: list[tuple[PanelGene, TranscriptEffect, str, str]] = []
        for gene in genes:
            effect: TranscriptEffect | None = None
            choice, source = "", "coordinate"
            if allele_effects is not None and self.flavour is not None:
                from ...annotation.effects import choose_effect
                effect, choice = choose_effect(allele_effects, gene)
                source = self.flavour.name
                if effect is None:
                    choice = (f"no {self.flavour.name} entry for {gene.symbol}; classified by "
                              f"coordinates on the canonical transcript {gene.transcript}")
                    source = "coordinate"
            if effect is None:
                effect = classify_by_coordinates(chrom, pos, ref, alt, gene, self.panel)
                choice = choice or (f"coordinates on the knowledge-base canonical transcript "
                                    f"{gene.transcript}")
            candidates.append((gene, effect, choice, source))
        if len(candidates) > 1:
            candidates.sort(key=lambda c: severity_rank(c[1].consequence))
            gene, effect, choice, source = candidates[0]
            others = ", ".join(c[0].symbol for c in candidates[1:])
            candidates[0] = (gene, effect, choice + f" (also overlaps {others}; the most severe "
                                                   "effect was kept)", source)
        return candidates[0]

    def rejection_warnings(self) -> list[str]:
        messages = []
        for reason, labels in sorted(self.rejections.items()):
            shown = "; ".join(labels[:5]) + (f"; +{len(labels) - 5} more" if len(labels) > 5
                                             else "")
            messages.append(f"{len(labels)} allele(s) in panel genes not screened: {reason} "
                            f"({shown})")
        return messages


_REFERENCE_MODEL_ALTS = frozenset({"<NON_REF>", "<*>"})
_DUPLICATE = ("duplicate of an earlier record (same CHROM, POS, REF and ALT once minimised); "
              "the allele is listed once")


def _info_values(info: str) -> dict[str, str]:
    """INFO column text -> {key: value text} (flags omitted)."""
    if info in (".", ""):
        return {}
    return dict(item.split("=", 1) for item in info.split(";") if "=" in item)


def _unscreenable(alt: str) -> str | None:
    if alt.startswith("<"):
        return f"symbolic ALT {alt} (structural/copy-number record; use a copy-number input)"
    if "[" in alt or "]" in alt:
        return "breakend ALT (structural variant)"
    if alt == "*":
        return "'*' ALT (allele spanning an upstream deletion)"
    if alt in (".", "") or not re.fullmatch(r"[ACGTNacgtn]+", alt):
        return f"ALT {alt!r} is not a sequence"
    return None


def _absent_in_tumour(tumour_format: dict[str, str], index: int,
                      support: AlleleSupport) -> str | None:
    """Why the allele is not in the tumour sample, or None when it is (or may be)."""
    if support.alt_depth == 0 and not support.vaf:
        return "no reads support the ALT allele"
    if support.alt_depth is None and support.vaf == 0:
        return "ALT allele fraction 0"
    if support.alt_depth is None and support.vaf is None and "GT" in tumour_format:
        called = re.split(r"[/|]", tumour_format["GT"])
        if all(a in (".", "") for a in called):
            return "no call (GT missing)"
        if str(index + 1) not in called:
            return f"genotype {tumour_format['GT']} does not carry the allele"
    return None
