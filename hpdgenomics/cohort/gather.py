"""Gather finished single-sample reports into a cohort (``hpdgenomics cohort --reports``).

Workflow engines (Nextflow, Snakemake) scale a cohort by running one ``hpdgenomics screen`` job per
sample and one gather step. :func:`load_reports` is that gather step: it reads the
``<sample>.hpd.json`` reports (folders are searched recursively for ``*.hpd.json``, in sorted path
order; files are taken as given) and turns each into the :class:`SampleCalls` that the manifest path
builds from the reports it screened itself (:meth:`SampleCalls.from_report`), so the analysis that
follows is the same.

A cohort made of reports is only meaningful if every report was screened under the same rules, so
the gather refuses (never warns about):

* reports screened with different knowledge bases (``knowledge_base.sha256``) or different
  hpdgenomics versions: the error lists each group with its count and first samples;
* a knowledge base given for the gather whose sha256 differs from the reports' (the rules of the
  analysis would not be those the statuses were computed with);
* two reports of one sample id (a stale copy in a subfolder, say), naming both files;
* a file that is not a hpdgenomics single-sample report (other JSON, a truncated file, a
  ``cohort.json``), naming the file; a folder holding no report, naming the folder.

A report carries no patient id and no manifest columns; :func:`apply_sample_sheet` adds them from a
manifest read as a sample sheet (its samples are not screened). Every report file is accounted for
in the cohort's ``inputs`` (path, sha256, sample id).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import InputError, UsageError
from ..model import GeneStatus
from .analysis import SampleCalls

#: the file names a folder is searched for (what ``hpdgenomics screen`` writes)
REPORT_GLOB = "*.hpd.json"
#: the ``source`` of the calls gathered from reports (``calls.tsv``)
SOURCE = "reports"

_STATUSES = frozenset(status.value for status in GeneStatus)
_SHOWN = 3      # samples named per group or list in an error message


@dataclass
class GatheredReports:
    """The samples of a set of reports and what the cohort report records about them."""

    samples: list[SampleCalls]
    inputs: list[dict]            # one per report file: kind, path, sha256, sample_id
    outcomes: list[dict]          # one per sample: sample_id, status, report, build, caution
    knowledge: dict               # the reports' ``knowledge_base`` (name, version, sha256, ...)
    tool_version: str             # the hpdgenomics version that wrote the reports
    warnings: list[str] = field(default_factory=list)

    @property
    def builds(self) -> list[str]:
        """The genome builds the reports name, sorted, each once."""
        return sorted({o["genome_build"] for o in self.outcomes if o.get("genome_build")})


def find_reports(paths: Iterable[str | Path]) -> list[Path]:
    """The report files named by ``paths``: a folder gives every ``*.hpd.json`` under it
    (recursively, sorted; symbolic links to files are followed, to folders not), a file itself;
    one file reached twice (also through a symbolic link) is counted once."""
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            files = sorted(p for p in given.rglob(REPORT_GLOB) if p.is_file())
            if not files:
                raise InputError(f"no report ({REPORT_GLOB}) found in the folder or its "
                                 "subfolders", path=given,
                                 hint="give the folder the `hpdgenomics screen` jobs wrote to "
                                      "(--out), or the report files themselves")
        elif given.is_file():
            files = [given]
        else:
            raise InputError("not found (neither a report file nor a folder)", path=given,
                             hint="check the path")
        for path in files:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(path)
    if not found:
        raise UsageError("no report given", hint="give --reports FOLDER or report files")
    return found


def load_reports(paths: Iterable[str | Path], knowledge=None, build: str | None = None,
                 progress: Callable[[int, int, str], None] | None = None) -> GatheredReports:
    """Read and check every report under ``paths`` (see the module docstring).

    ``knowledge`` (a :class:`~hpdgenomics.knowledge.base.KnowledgeBase`): the knowledge base of
    the analysis; its sha256 must be the reports' and every report must hold its rules.
    ``build``: a genome build the caller asserts; a report of another build is an error.
    ``progress(done, total, sample_id)`` is called after each report is read.
    """
    files = find_reports(paths)
    samples, inputs, outcomes, headers = [], [], [], []
    shared = _SharedValues()
    for path in files:
        data, digest = _read_report(path)
        sample = shared.compact(_sample_calls(data, path))
        samples.append(sample)
        inputs.append({"kind": "report", "path": str(path), "sha256": digest,
                       "sample_id": sample.sample_id})
        outcomes.append({"sample_id": sample.sample_id, "status": "gathered", "error": None,
                         "report": str(path),
                         "genome_build": data["sample"].get("genome_build"),
                         "caution_level": (data.get("caution") or {}).get("level")})
        headers.append((data["knowledge_base"], data["tool"]["version"]))
        if progress:
            progress(len(samples), len(files), sample.sample_id)
    _check_unique_samples(samples, files)
    _check_one_screen_setting(headers, samples, files)
    reports_knowledge, tool_version = headers[0]
    if knowledge is not None:
        _check_knowledge(knowledge, reports_knowledge, samples, files)
    if build is not None:
        _check_build(build, outcomes)
    warnings = []
    if tool_version != __version__:
        warnings.append(f"the reports were written by hpdgenomics {tool_version}; this cohort "
                        f"run is hpdgenomics {__version__}")
    return GatheredReports(samples=samples, inputs=inputs, outcomes=outcomes,
                           knowledge=dict(reports_knowledge), tool_version=tool_version,
                           warnings=warnings)


def apply_sample_sheet(gathered: GatheredReports, rows: list, sheet: str | Path
                       ) -> dict[str, str]:
    """Give each sample its manifest row's patient id and columns, in the manifest's order.

    ``rows``: :class:`~hpdgenomics.io.manifest.ManifestRow` of a manifest read as a sample sheet.
    Every manifest sample must have a report and every report a manifest row (InputError listing
    both kinds otherwise). Returns sample id -> patient id for the rows that name a patient.
    """
    by_id = {s.sample_id: (s, o) for s, o in zip(gathered.samples, gathered.outcomes, strict=True)}
    listed = {row.sample_id for row in rows}
    without_report = [row.sample_id for row in rows if row.sample_id not in by_id]
    without_row = [o["sample_id"] + f" ({o['report']})" for o in gathered.outcomes
                   if o["sample_id"] not in listed]
    problems = []
    if without_report:
        problems.append(f"{len(without_report)} manifest sample(s) have no report: "
                        f"{_listed(without_report)}")
    if without_row:
        problems.append(f"{len(without_row)} report(s) have no manifest row: "
                        f"{_listed(without_row)}")
    if problems:
        raise InputError("the sample sheet and the reports disagree: " + "; ".join(problems),
                         path=sheet,
                         hint="screen the missing samples, or list exactly the reported samples "
                              "in the manifest")
    samples, outcomes = [], []
    for row in rows:
        sample, outcome = by_id[row.sample_id]
        sample.patient_id = row.patient_id
        sample.attributes = row.covariates()
        outcome["manifest_line"] = row.line
        samples.append(sample)
        outcomes.append(outcome)
    gathered.samples, gathered.outcomes = samples, outcomes
    return {row.sample_id: row.patient_id for row in rows if row.patient_id}


# --- reading one report ---------------------------------------------------------------------------

_NOT_A_REPORT = "is not a hpdgenomics single-sample report (<sample>.hpd.json from `screen`)"


class _NonFinite(Exception):
    pass


def _refuse_constant(name: str):
    raise _NonFinite(name)


def _read_report(path: Path) -> tuple[dict, str]:
    """The report's JSON and the sha256 of its bytes; InputError naming the file otherwise."""
    from ..report.model import READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path,
                         hint="check the file and its permissions") from None
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except _NonFinite as exc:
        raise InputError(f"{_NOT_A_REPORT}: it holds {exc}, which is not JSON and which "
                         "`screen` never writes (an edited file?)", path=path,
                         hint="screen the sample again, or remove the file") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{_NOT_A_REPORT}: it is not valid JSON ({exc}); a truncated report "
                         "(an interrupted job?)", path=path,
                         hint="screen the sample again, or remove the file") from None
    if not isinstance(data, dict):
        raise InputError(f"{_NOT_A_REPORT}: its JSON is a {type(data).__name__}, not an object",
                         path=path, hint="give only screen reports")
    tool = data.get("tool")
    if "matrix" in data and "association" in data and isinstance(data.get("samples"), dict):
        raise InputError(f"{_NOT_A_REPORT}: it is a cohort report (cohort.json)", path=path,
                         hint="give the per-sample reports, not a cohort's output")
    if not isinstance(tool, dict) or tool.get("name") != "hpdgenomics":
        raise InputError(f"{_NOT_A_REPORT}: it has no tool name hpdgenomics", path=path,
                         hint="give only screen reports")
    if data.get("schema_version") not in READABLE_SCHEMA_VERSIONS:
        raise InputError(f"report schema version {data.get('schema_version')!r}, this "
                         f"hpdgenomics reads {SCHEMA_VERSION!r}", path=path,
                         hint="screen the sample again with this hpdgenomics")
    problems = []
    if not isinstance(tool.get("version"), str):
        problems.append("tool.version")
    knowledge = data.get("knowledge_base")
    if not isinstance(knowledge, dict) or not isinstance(knowledge.get("sha256"), str):
        problems.append("knowledge_base.sha256")
    sample = data.get("sample")
    if not isinstance(sample, dict) or not isinstance(sample.get("id"), str) \
            or not sample["id"].strip():
        problems.append("sample.id")
    elif not isinstance(sample.get("genome_build"), str | None):
        problems.append("sample.genome_build")
    for key in ("rules", "genes", "alterations"):
        if not isinstance(data.get(key), list) or \
                not all(isinstance(item, dict) for item in data[key]):
            problems.append(f"{key} (a list of objects)")
    if problems:
        raise InputError(f"{_NOT_A_REPORT}: it lacks or mangles {', '.join(problems)}",
                         path=path, hint="screen the sample again, or remove the file")
    return data, hashlib.sha256(raw).hexdigest()


def _sample_calls(data: dict, path: Path) -> SampleCalls:
    where = f"sample {data['sample']['id']}"
    try:
        sample = SampleCalls.from_report(data, source=SOURCE)
    except InputError as exc:
        raise InputError(exc.detail, path=path, where=where,
                         hint="screen the sample again with this hpdgenomics") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{_NOT_A_REPORT}: a rule or gene entry is incomplete "
                         f"({type(exc).__name__}: {exc})", path=path, where=where,
                         hint="screen the sample again, or remove the file") from None
    statuses = [("rule", sample.rule_status), ("gene", sample.gene_status)]
    statuses += [("/".join(key), values) for key, values in (sample.exposure_status or {}).items()]
    for label, values in statuses:
        for ident, status in values.items():
            if not isinstance(status, str) or status not in _STATUSES:
                # an unknown word would silently count as not evaluable in the matrices
                raise InputError(f"{label} {ident} has status {status!r}, not one of "
                                 f"{', '.join(sorted(_STATUSES))}", path=path, where=where,
                                 hint="screen the sample again, or remove the file")
    reasons = [sample.rule_reason, *(sample.exposure_reason or {}).values()]
    for values in reasons:
        for ident, reason in values.items():
            if not isinstance(reason, str):
                raise InputError(f"the reason given for {ident} is a {type(reason).__name__}, "
                                 "not text", path=path, where=where,
                                 hint="screen the sample again, or remove the file")
    return sample


class _SharedValues:
    """One object per distinct status map, reason map and string across the gathered samples.

    Most samples of a cohort have the same statuses and reasons (everything not detected, for
    the same reasons), yet each parsed report holds its own copies: about 35 KB per sample,
    3.5 GB at 100,000 samples. Equal maps become one shared dict (SampleCalls are read, never
    modified, after construction), equal strings one string.
    """

    def __init__(self):
        self._strings: dict[str, str] = {}
        self._maps: dict[tuple, dict[str, str]] = {}

    def _string(self, text):
        return self._strings.setdefault(text, text) if isinstance(text, str) else text

    def _map(self, values: dict) -> dict:
        items = tuple((self._string(k), self._string(v)) for k, v in values.items())
        return self._maps.setdefault(items, dict(items))

    def compact(self, sample: SampleCalls) -> SampleCalls:
        sample.rule_status = self._map(sample.rule_status)
        sample.gene_status = self._map(sample.gene_status)
        sample.rule_reason = self._map(sample.rule_reason)
        for name in ("exposure_status", "exposure_reason"):
            by_definition = getattr(sample, name)
            if by_definition is not None:
                setattr(sample, name, {tuple(map(self._string, key)): self._map(values)
                                       for key, values in by_definition.items()})
        return sample


# --- checks over all reports ----------------------------------------------------------------------

def _listed(items: list[str], limit: int = 10) -> str:
    return ", ".join(items[:limit]) + (f" (+{len(items) - limit} more)"
                                       if len(items) > limit else "")


def _check_unique_samples(samples: list[SampleCalls], files: list[Path]) -> None:
    by_id: dict[str, list[Path]] = {}
    for sample, path in zip(samples, files, strict=True):
        by_id.setdefault(sample.sample_id, []).append(path)
    repeated = [f"{sample_id} in {' and '.join(map(str, paths))}"
                for sample_id, paths in by_id.items() if len(paths) > 1]
    if repeated:
        raise InputError(f"{len(repeated)} sample id(s) have more than one report: "
                         f"{_listed(repeated)}",
                         hint="remove the stale copies (or give only the current folder)")


def _check_one_screen_setting(headers: list[tuple[dict, str]], samples: list[SampleCalls],
                              files: list[Path]) -> None:
    groups: dict[tuple[str, str], list[str]] = {}
    for (knowledge, version), sample, path in zip(headers, samples, files, strict=True):
        groups.setdefault((knowledge["sha256"], version), []).append(
            f"{sample.sample_id} ({path})")
    if len(groups) > 1:
        described = [f"knowledge base sha256 {sha[:12]}... with hpdgenomics {version}: "
                     f"{len(members)} report(s), e.g. {', '.join(members[:_SHOWN])}"
                     for (sha, version), members in
                     sorted(groups.items(), key=lambda item: -len(item[1]))]
        raise InputError("the reports were screened with different knowledge bases or "
                         f"hpdgenomics versions ({len(groups)} groups): " + "; ".join(described),
                         hint="screen every sample with one hpdgenomics version and one "
                              "knowledge base, then gather again")


def _check_knowledge(knowledge, reports_knowledge: dict, samples: list[SampleCalls],
                     files: list[Path]) -> None:
    if knowledge.sha256 != reports_knowledge["sha256"]:
        name = f"{reports_knowledge.get('name')} {reports_knowledge.get('version')}"
        raise UsageError(
            f"the reports were screened with knowledge base {name} (sha256 "
            f"{reports_knowledge['sha256'][:12]}...), but this run's knowledge base "
            f"({knowledge.name} {knowledge.version}, from {', '.join(knowledge.sources)}) has "
            f"sha256 {knowledge.sha256[:12]}...",
            hint="give the --knowledge file (and --knowledge-mode) the screen jobs used")
    rule_ids = {rule.id for rule in knowledge.rules}
    for sample, path in zip(samples, files, strict=True):
        if set(sample.rule_status) != rule_ids:
            missing = sorted(rule_ids - set(sample.rule_status))
            extra = sorted(set(sample.rule_status) - rule_ids)
            raise InputError(
                "the report's rules are not those of its knowledge base (sha256 "
                f"{knowledge.sha256[:12]}...): " + "; ".join(
                    text for text in (f"missing {', '.join(missing)}" if missing else "",
                                      f"unknown {', '.join(extra)}" if extra else "") if text),
                path=path, where=f"sample {sample.sample_id}",
                hint="the report was edited or damaged; screen the sample again")


def _check_build(build: str, outcomes: list[dict]) -> None:
    from ..genome import normalize_build

    wanted = normalize_build(build)
    other = [f"{o['sample_id']} ({o['genome_build']})" for o in outcomes
             if o.get("genome_build") and normalize_build(o["genome_build"]) != wanted]
    if other:
        raise UsageError(f"--build {build} but {len(other)} report(s) were screened on another "
                         f"build: {_listed(other)}",
                         hint="leave --build out (the reports' builds are used) or screen those "
                              "samples again")


__all__ = ["GatheredReports", "REPORT_GLOB", "apply_sample_sheet", "find_reports",
           "load_reports"]
