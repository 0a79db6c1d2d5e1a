"""Read a somatic VCF into the panel genes' variant calls of the tumour sample.

Format: VCF 4.x, plain (``.vcf``), gzip or bgzip (``.vcf.gz``), or BCF (BGZF or uncompressed), read
with cyvcf2 (htslib).
Coordinates: VCF POS is 1-based; a record covers POS..POS+len(REF)-1 (or INFO END for symbolic
alleles), closed. Output: one :class:`~hpdgenomics.model.VariantCall` per ALT allele that lies in a
panel gene span, with the chromosome normalised without ``chr`` and the alleles reduced to their
minimal form (shared prefix/suffix removed, one anchor base kept for indels); ``record`` keeps the
file's own text (``record 12 (chr7:55191822 T>G)``) so a report can point back.

What the reader decides, and how:

* **Region filter first.** With a ``.tbi``/``.csi`` index beside the file only the panel gene spans
  are queried (using the file's own contig names, ``chr7`` or ``7``). Without one the file is
  streamed through :func:`_prefilter`: numpy looks at the decompressed bytes a block of lines at a
  time (CHROM, POS, REF and ALT widths from the tab positions) and only the records that may
  matter (in or near a panel gene span of either build, beyond a chromosome's end, symbolic, odd
  in any way) are parsed by htslib; the others are counted off-panel with their ALT alleles, so
  a million off-panel records cost about what decompressing them costs. Anything unusual (a short
  line, an undeclared contig, damaged compression) makes htslib read every record as before.
  htslib's own warnings then concern the records it parsed, as through an index (an INFO key the
  header does not declare, met only in records the prefilter left out, is not summarised).
  An index older than its file is not used (it may describe an earlier version and silently miss
  records), nor a newer one that does not tile the file exactly (:func:`~hpdgenomics.io.bgzf.
  index_problem`); the file is streamed and a warning (report and log) says so.
* **Bytes first:** before htslib or Python read a line, the decompressed bytes are scanned in
  bounded chunks: lines longer than :data:`MAX_LINE_BYTES` (``$HPDGENOMICS_MAX_LINE_BYTES``), NUL
  bytes and non-UTF-8 header lines are InputErrors naming the line (with an index: the header and
  the panel regions' chunks only; streamed, in the same pass as the prefilter).
* **Chromosome names:** ``chr7``/``7``/``NC_000007.14`` (RefSeq accessions of the primary
  chromosomes, see :func:`~hpdgenomics.genome.normalize_chrom`) are chromosome 7; alt, decoy,
  HLA, patch and other contigs keep their own names and are never in a panel gene.
* **Tumour sample:** ``sample`` argument, else the ``##tumor_sample=`` header, else the only sample,
  else the tumour as ``##SAMPLE=<...Genomes=Tumor>``, ``##PEDIGREE=<Derived=...>``, DRAGEN's
  ``--RGSM-tumor`` or Octopus's ``--normal-sample`` name it, else (two columns) the one named
  ``TUMOR``/``TUMOUR`` beside ``NORMAL`` (Strelka2 writes no header) or the column that
  ``##normal_sample=`` does not name; otherwise
  :class:`~hpdgenomics.errors.InputError` listing the samples. Files without sample
  columns are read from INFO alone.
* **Build:** ``build`` argument, else contig lengths in the header, else a build named in
  ``##reference``, ``##assembly``, the VEP header (``assembly=``/cache path) or the SnpEff
  database (``##SnpEffCmd``); contradictions are a :class:`~hpdgenomics.errors.UsageError`, as is a
  record beyond the end of its chromosome in the chosen build. The records' REF alleles at the
  hotspots of both builds then check the decision (:class:`_BuildCheck`): records that fit the other
  build stop the read, naming both builds; ``--build`` settles it.
* **Impossible values:** non-finite numbers, negative read counts and allele fractions outside
  0..1 in the fields used are InputErrors naming the record (:class:`ImplausibleValue`); an allele
  repeated by a later record is listed once and the copy counted as rejected, with a warning.
* **FILTER:** ``PASS`` or ``.`` only, and the tumour's own ``FORMAT/FT`` likewise, unless
  ``include_filtered``.
* **gVCF:** reference blocks (ALT only ``<NON_REF>``/``<*>``) and those symbolic alleles beside real
  ones are not variants: skipped, not counted as alleles, and named once in a warning.
* **VAF and depth** of the tumour sample, per ALT allele, from the callers' own FORMAT dialects
  (see :func:`allele_support`); INFO ``AF``/``DP`` only when the file has no FORMAT evidence and at
  most one sample (in multi-sample files INFO AF is usually a cohort AC/AN, not a VAF).
* **Effects:** an annotated file (VEP CSQ, SnpEff ANN/EFF, bcftools BCSQ, GATK Funcotator) goes
  through :mod:`hpdgenomics.annotation.effects`; an unannotated one, or a panel gene the
  annotation does not mention, through
  :func:`~hpdgenomics.annotation.unannotated.classify_by_coordinates`.
  Knowledge-base hotspots are always matched by coordinates as well.
* **Annotation not understood:** a declared annotation field no parser reads (a Funcotator
  ``FUNCOTATION`` without Gencode fields, a ``CSQ``/``ANN`` whose description is not
  VEP's/SnpEff's, Oncotator) or an annotation
  tag the records carry without a header line is named in a warning, and the file is classified
  by coordinates; VEP entries that do not fit the header's field list are reported likewise.
* **Malformed input** (empty file, truncated gzip, missing header, a record htslib cannot parse)
  is one InputError naming the file and the record/line; there is never a partial result.
  htslib's own stderr chatter is captured while the file is read and summarised in the result's
  warnings instead of being printed.
* **SnpEff examples and other hand-made files:** leading lines before the header (SnpEff's
  ``cancer.ann.vcf`` starts with a log line), a missing ``##fileformat`` line, and a missing
  ``#CHROM`` line in a sites-only file (records of exactly 8 columns, so the column line is known)
  are repaired in a temporary copy, each with a warning. A missing ``#CHROM`` line with sample
  columns cannot be repaired (the sample names are unknown) and is an error.

Where the code lives (imports go one way, down this list; none of these modules imports this one):

* ``__init__`` (this module): :func:`read_vcf` and its orchestration (``_read``), the public names,
  and the switches tests turn (``_PREFILTER``, ``_SCAN_CHUNK``, ``_prefilter``).
* :mod:`.regions`: the records to read, through the index (checked first) or streamed.
* :mod:`.prefilter`: the numpy prefilter of streamed files (``_Stream``, ``_prefilter``).
* :mod:`.records`: the record loop (``_RecordReader``): counts, rejections, gene and effect.
* :mod:`.buildcheck`: ``_BuildCheck``, the records' REF alleles against both builds.
* :mod:`.allele_support`: FORMAT allele-support dialects (:func:`allele_support`,
  :class:`ImplausibleValue`).
* :mod:`.header`: header scan and repairs, the tumour sample, the build decision, annotation
  fields no parser reads.
* :mod:`.htslib`: htslib's stderr captured (``_StderrCapture``) and ``_ParseFailure``.
* :mod:`.scan`: the byte checks (line length, NUL, UTF-8), :data:`MAX_LINE_BYTES`, ``_Prescan``.
* :mod:`.result`: :class:`VcfReadResult`, :class:`VcfRecordCounts`.
"""
from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from ...errors import InputError, KnowledgeError
from ...genome import BuildEvidence, normalize_build
from ...knowledge.panel import Panel
from ..text import sha256_file, sha256_in_background
from .allele_support import AlleleSupport, ImplausibleValue, allele_support
from .buildcheck import _BuildCheck, _coding_exons, _overlaps_any  # noqa: F401 - tests use them
from .header import (
    _choose_sample,
    _decide_build,
    _declared_info,
    _detect_flavour,
    _HeaderScan,
    _scan_header,
    _unread_annotation_warnings,
    _write_repaired_copy,
)
from .htslib import _ParseFailure, _StderrCapture
from .prefilter import _prefilter, _Stream
from .records import _DUPLICATE, _RecordReader
from .regions import _records
from .result import NO_ANNOTATION, VcfReadResult, VcfRecordCounts
from .scan import (
    _SCAN_CHUNK,
    MAX_LINE_BYTES,
    MAX_LINE_BYTES_ENV,
    _check_bcf_header,
    _is_bcf,
    _Prescan,
    _prescan,
    max_line_bytes,
)

__all__ = ["MAX_LINE_BYTES", "MAX_LINE_BYTES_ENV", "NO_ANNOTATION", "AlleleSupport",
           "ImplausibleValue", "VcfReadResult", "VcfRecordCounts", "allele_support",
           "max_line_bytes", "read_vcf"]

log = logging.getLogger(__name__)

#: Streamed files go through :func:`_prefilter` (False: every record through htslib, as before).
_PREFILTER = True

# --- public entry point ------------------------------------------------------------------------

def read_vcf(path: str | Path, panels: Mapping[str, Panel], *, sample: str | None = None,
             build: str | None = None, include_filtered: bool = False) -> VcfReadResult:
    """Read ``path`` and return the tumour sample's variant calls in the panel genes.

    ``panels`` maps build name (``GRCh37``/``GRCh38``) to the :class:`Panel` of that build.
    Raises InputError for unreadable or malformed files and UsageError for a build or sample that
    cannot be decided or contradicts the file.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint="check the path")
    if path.is_dir():
        raise InputError("is a folder, not a VCF file", path=path)
    if path.stat().st_size == 0:
        raise InputError("empty file (0 bytes): no VCF header", path=path,
                         hint="re-create the VCF; a VCF without variants still has a header")
    limit = max_line_bytes()
    # the provenance hash of the file's bytes, computed while the file is read
    sha256 = sha256_in_background(path)
    # bytes first, before Python or htslib hold a line in memory: line lengths, NUL bytes, and the
    # header's encoding; with an index only the header here (the panel regions are checked later)
    prescan = _Prescan(path, limit, chunk=_SCAN_CHUNK)
    if _is_bcf(path):
        _check_bcf_header(path, limit)
    else:
        # the records' bytes are scanned later, in the pass that also picks the panel records
        # (_prefilter) or, with an index, in the panel regions' chunks
        prescan.header_end = _prescan(path, limit, header_only=True)
    scan = _scan_header(path)
    capture = _StderrCapture()
    with tempfile.TemporaryDirectory(prefix="hpdgenomics-vcf-") as scratch:
        source = _write_repaired_copy(path, scan, Path(scratch)) if scan.repairs else path
        try:
            with capture:
                result = _read(path, source, scan, panels, sample=sample, build=build,
                               include_filtered=include_filtered, prescan=prescan,
                               scratch=Path(scratch), sha256=sha256)
        except _ParseFailure as failure:
            htslib = capture.first_error()
            detail = failure.detail + (f" (htslib: {htslib})" if htslib else "")
            raise InputError(detail, path=path, where=failure.where, hint=failure.hint) from None
    result.warnings[:0] = scan.warnings
    summary = capture.summary()
    if summary:
        result.warnings.append(summary)
    for message in result.loud_warnings:
        # the report lists every warning; these few change what the screen could see, so they
        # are also logged (stderr under the CLI) rather than left to the report alone
        log.warning("%s: %s", path.name, message)
    return result


# --- the reading proper ------------------------------------------------------------------------

def _read(path: Path, source: Path, scan: _HeaderScan, panels: Mapping[str, Panel], *,
          sample: str | None, build: str | None, include_filtered: bool,
          prescan: _Prescan | None = None, scratch: Path | None = None,
          sha256: Callable[[], str] | None = None) -> VcfReadResult:
    import cyvcf2  # imported here so that a screen without a VCF never loads htslib

    try:
        vcf = cyvcf2.VCF(str(source), lazy=True)
    except Exception as exc:  # noqa: BLE001 - cyvcf2 raises bare Exception for a bad header
        raise _ParseFailure(f"not a readable VCF header ({exc})",
                            hint="check that the file is a complete VCF") from None
    warnings: list[str] = []
    header_lines = vcf.raw_header.splitlines()
    samples = list(vcf.samples)
    tumour, sample_source = _choose_sample(path, samples, sample, header_lines)
    tumour_index = samples.index(tumour) if tumour else None

    header_claim: list[BuildEvidence] = []
    evidence = _decide_build(path, header_lines, build, warnings, deferred=header_claim)
    if evidence.build is None or evidence.build not in panels:
        raise KnowledgeError(f"the knowledge base has no panel for {evidence.build}",
                             hint="available: " + ", ".join(sorted(panels)))
    panel = panels[evidence.build]
    other_build = next((b for b in panels if b != evidence.build), None)
    other_panel = panels.get(other_build) if other_build else None
    loud: list[str] = []

    flavour = _detect_flavour(vcf)
    declared_info = _declared_info(header_lines)
    if flavour is None:
        warnings.extend(_unread_annotation_warnings(declared_info))
    reader = _RecordReader(path=path, panel=panel, build=evidence.build, flavour=flavour,
                           tumour=tumour, tumour_index=tumour_index, n_samples=len(samples),
                           include_filtered=include_filtered, declared_info=set(declared_info),
                           other_panel=other_panel)
    try:
        records, index_used, other_records = _records(vcf, path, source, panel, scan, warnings,
                                                      prescan=prescan, loud=loud,
                                                      other_panel=other_panel,
                                                      stream=_Stream(
                                                          reader, scratch, samples, header_lines,
                                                          scan.header_lines,
                                                          prefilter=_prefilter if _PREFILTER
                                                          else None))
        reader.counts.index_used = index_used
        reader.run(records, first_line=scan.header_lines)
        reader.tally_only(other_records)
    finally:
        vcf.close()
    build_warnings = reader.build_check.verdict(
        path, evidence, requested=normalize_build(build) if build else None,
        header=header_claim[0] if header_claim else None)
    warnings.extend(build_warnings)
    loud.extend(build_warnings)
    if reader.reference_blocks or reader.saw_reference_model_allele:
        warnings.append(
            f"the file is a gVCF (GATK/DeepVariant reference model): {reader.reference_blocks} "
            "reference block(s) and every '<NON_REF>'/'<*>' allele were skipped (they are not "
            "variants); a gVCF from a germline caller is not a somatic call set")
    warnings.extend(reader.annotation_notes)
    problems = getattr(flavour, "problems", None)   # only some flavours report problems
    if flavour is not None and problems:
        warnings.extend(problems())
    rejection_warnings = reader.rejection_warnings()
    warnings.extend(rejection_warnings)
    loud.extend(w for w in rejection_warnings if _DUPLICATE in w)
    return VcfReadResult(path=str(path), sha256=sha256() if sha256 else sha256_file(path),
                         sample=tumour or "",
                         sample_source=sample_source, samples=samples, build=evidence.build,
                         build_source=evidence.source,
                         annotation=flavour.name if flavour is not None else NO_ANNOTATION,
                         variants=reader.variants, counts=reader.counts, warnings=warnings,
                         loud_warnings=loud)
