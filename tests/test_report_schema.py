"""The JSON Schemas of the reports (hpdgenomics/schemas): valid 2020-12 schemas, in step with the
code's vocabularies and with docs/report-schema.md, strict where it matters, printed by
``hpdgenomics schema``. (Every report the suite writes is validated by tests/conftest.py.)"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import schema_errors

from hpdgenomics.cli import cli
from hpdgenomics.errors import UsageError
from hpdgenomics.knowledge.validate import CAUTION_LEVELS, EVIDENCE_LEVELS, GRADES
from hpdgenomics.model import Consequence, CopyNumberCall, GeneStatus
from hpdgenomics.report.render import write_reports
from hpdgenomics.schemas import load_schema
from hpdgenomics.screen import ScreenInputs, screen_sample
from hpdgenomics.screen.exposures import COMPONENT_EVIDENCE, COMPONENTS

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
DOC = ROOT / "docs" / "report-schema.md"
COHORT_DOC = ROOT / "docs" / "cohort.md"
SHIPPED = ROOT / "hpdgenomics" / "schemas"


@pytest.fixture(scope="module")
def report() -> dict:
    """A real report with a variant, a copy-number finding and a co-occurrence."""
    return screen_sample(ScreenInputs(vcf=ROOT / "examples/cohort/vcf/S04.vcf",
                                      cnv=ROOT / "examples/cohort/cnv/S04.call.cns")).to_dict()


@pytest.mark.parametrize("name", ["report", "cohort"])
def test_the_schemas_are_valid_draft_2020_12(name):
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])


def test_a_real_report_with_every_kind_of_finding_is_valid(report):
    kinds = {a["evidence_type"] for a in report["alterations"]}
    assert {"variant", "copy_number", "co_occurrence"} <= kinds
    assert schema_errors("report", report) == []


def _enum(schema: dict) -> set:
    if "enum" in schema:
        return set(schema["enum"])
    return set().union(*(_enum(s) for s in schema.get("anyOf", []) if "enum" in s or "anyOf" in s))


def test_the_enums_are_the_codes_vocabularies():
    defs = load_schema("report")["$defs"]
    props = load_schema("report")["properties"]
    assert _enum(defs["status"]) == {s.value for s in GeneStatus}
    assert _enum(defs["caution_level"]) == set(CAUTION_LEVELS)
    assert _enum(props["caution"]["properties"]["level"]) == set(CAUTION_LEVELS) | {"none"}
    assert _enum(defs["grade"]) == set(GRADES)
    assert _enum(defs["evidence_level"]) == set(EVIDENCE_LEVELS)
    assert _enum(defs["alteration"]["properties"]["evidence_type"]) == \
        set().union(*COMPONENT_EVIDENCE.values()) | {"co_occurrence"}
    assert set(defs["components"]["properties"]) == set(COMPONENTS)
    assert _enum(defs["variant"]["properties"]["consequence"]) == {c.value for c in Consequence}
    assert _enum(defs["gene_copy_number"]["properties"]["call"]) == \
        {c.value for c in CopyNumberCall} | {None}
    cohort = load_schema("cohort")["$defs"]
    assert _enum(cohort["caution_level"]) == set(CAUTION_LEVELS)
    assert _enum(cohort["grade"]) == set(GRADES)
    assert _enum(cohort["evidence_level"]) == set(EVIDENCE_LEVELS)
    from hpdgenomics.cohort.clinical import CLINICAL_COMPONENT, CLINICAL_GRADE
    assert _enum(cohort["component"]) == {"all", *COMPONENTS, CLINICAL_COMPONENT}
    assert CLINICAL_GRADE in _enum(cohort["exposure_grade"])
    assert _enum(cohort["level"]) == {"rule", "gene", "clinical"}


def _broken(report: dict, change) -> dict:
    data = copy.deepcopy(report)
    change(data)
    return data


BREAKAGES = {
    "caution level not in the enum": lambda d: d["caution"].update(level="severe"),
    "rule status not in the enum": lambda d: d["rules"][0].update(status="absent"),
    "gene status missing": lambda d: d["genes"][0].pop("status"),
    "grade not in the enum": lambda d: d["alterations"][0].update(grade="weak"),
    "evidence type not in the enum": lambda d: d["alterations"][0].update(evidence_type="rna"),
    "evidence level not in the vocabulary": lambda d: d["rules"][0].update(evidence_level="strong"),
    "caution missing": lambda d: d.pop("caution"),
    "caution.complete not a bool": lambda d: d["caution"].update(complete="yes"),
    "unknown top-level field": lambda d: d.update(verdict="safe"),
    "unknown field in a closed object": lambda d: d["rules"][0].update(safe=True),
    "component status not in the enum": lambda d: next(
        iter(d["rules"][0]["components"].values())).update(status="unknown"),
    "VCF records without a count": lambda d: d["inputs"][0]["records"].pop("screened"),
    "sha256 not hex": lambda d: d["knowledge_base"].update(sha256="abc"),
    "created not a time": lambda d: d.update(created="yesterday"),
    "NaN-like string for a number": lambda d: d["alterations"][0].update(vaf="nan"),
}


@pytest.mark.parametrize("what", list(BREAKAGES))
def test_a_broken_report_fails_validation(report, what):
    errors = schema_errors("report", _broken(report, BREAKAGES[what]))
    assert errors, what
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_broken(report, BREAKAGES[what]), load_schema("report"))


def test_a_broken_cohort_json_fails_validation(tmp_path):
    from hpdgenomics.cohort import CohortConfig, run_cohort

    reports = tmp_path / "reports"
    reports.mkdir()
    for sample in ("S01", "S04", "S24"):
        write_reports(screen_sample(ScreenInputs(
            vcf=ROOT / f"examples/cohort/vcf/{sample}.vcf")), reports)
    data = json.loads(json.dumps(run_cohort(CohortConfig(reports=(reports,))).to_dict()))
    assert schema_errors("cohort", data) == []
    for change in (lambda d: d["samples"]["outcomes"][0].update(status="ok"),
                   lambda d: d["exposures"]["rules"][0].update(component="rna"),
                   lambda d: d["matrix"]["rows"][0].update(KRAS_MUT=2),
                   lambda d: d["calls"][0].update(caution_level="severe"),
                   lambda d: d.pop("association"),
                   lambda d: d.update(extra=1)):
        assert schema_errors("cohort", _broken(data, change))


# --- the golden files: the parts of a report they keep follow the schema ----------------------

def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _check_fields(schema: dict, node: dict, value: dict, where: str) -> list[str]:
    """Each field present in ``value`` against its property schema (the golden files keep a
    subset of the fields, so 'required' cannot apply)."""
    node = _resolve(schema, node)
    errors = []
    for key, item in value.items():
        assert key in node["properties"], f"{where}.{key} is not in the schema"
        sub = {**node["properties"][key], "$defs": schema["$defs"]}
        errors += [f"{where}.{key}: {e.message}"
                   for e in jsonschema.Draft202012Validator(sub).iter_errors(item)]
    return errors


@pytest.mark.parametrize("golden", sorted(p.name for p in GOLDEN.glob("*.json")))
def test_the_golden_files_follow_the_schema(golden):
    schema = load_schema("report")
    data = json.loads((GOLDEN / golden).read_text())
    defs = schema["$defs"]
    errors = _check_fields(schema, schema["properties"]["caution"], data["caution"], "caution")
    for i, item in enumerate(data["alterations"]):
        item = {k: v for k, v in item.items() if k != "copy_number"}   # a projection of it
        errors += _check_fields(schema, defs["alteration"], item, f"alterations[{i}]")
    for i, item in enumerate(data["rules"]):
        errors += _check_fields(schema, defs["rule"], item, f"rules[{i}]")
    for i, item in enumerate(data["genes"]):
        errors += _check_fields(schema, defs["gene"], item, f"genes[{i}]")
    for i, item in enumerate(data["records"]):
        errors += _check_fields(schema, defs["input"], item, f"inputs[{i}]")
    assert errors == []


# --- docs/report-schema.md lists what the schema defines, and nothing else ---------------------

def _schema_node(schema: dict, path: str) -> dict:
    """The object schema at a documented path such as ``rules[].components.variant``."""
    node = schema
    for part in filter(None, path.split(".")):
        name, is_list = part.removesuffix("[]"), part.endswith("[]")
        node = _resolve(schema, node["properties"][name])
        node = _resolve(schema, node["items"]) if is_list else node
        if "anyOf" in node:
            node = next(_resolve(schema, n) for n in node["anyOf"]
                        if _resolve(schema, n).get("type") == "object")
    return node


def documented_objects() -> dict[str, set[str]]:
    """Section path -> the field names in the first column of its table."""
    sections: dict[str, set[str]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (.*)$", line)
        if heading:
            title = heading.group(1)
            current = "" if title == "Top level" else re.findall(r"`([^`]+)`", title)[0]
            sections[current] = set()
        elif current is not None and line.startswith("| `"):
            first_cell = line.split("|")[1]
            sections[current].update(re.findall(r"`([a-z_0-9]+)`", first_cell))
        elif line.startswith("## "):
            current = None
    return sections


def test_the_doc_documents_every_field_of_the_schema_and_no_other():
    schema = load_schema("report")
    sections = documented_objects()
    assert {"", "tool", "knowledge_base", "sample", "inputs[]", "caution", "alterations[]",
            "rules[]", "genes[]", "rules[].components.variant",
            "alterations[].copy_number_threshold"} <= set(sections)
    for path, fields in sections.items():
        defined = set(_schema_node(schema, path)["properties"])
        assert fields == defined, (path or "top level", sorted(fields ^ defined))
    # the second component has the same fields as the first
    assert _schema_node(schema, "rules[].components.copy_number") == \
        _schema_node(schema, "rules[].components.variant")


def test_the_cohort_doc_lists_every_top_level_key_of_cohort_json():
    text = COHORT_DOC.read_text(encoding="utf-8").split("### `cohort.json` keys", 1)[1]
    paragraph = next(p for p in text.split("\n\n") if p.startswith("`schema_version`"))
    while re.search(r"\([^()]*\)", paragraph):
        paragraph = re.sub(r"\([^()]*\)", "", paragraph)
    documented = set(re.findall(r"`([a-z_]+)`", paragraph))
    assert documented == set(load_schema("cohort")["properties"])


# --- shipped, printed ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["report", "cohort"])
def test_schema_command_prints_the_shipped_schema_on_stdout(name):
    result = CliRunner().invoke(cli, ["schema", name])
    assert result.exit_code == 0
    shipped = (SHIPPED / f"{name}.schema.json").read_text(encoding="utf-8")
    assert result.stdout == shipped
    assert json.loads(result.stdout) == load_schema(name)
    assert result.stderr == ""


def test_schema_command_refuses_an_unknown_name_in_one_line():
    result = CliRunner().invoke(cli, ["schema", "vcf"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "'vcf' is not one of 'cohort', 'report'" in \
        result.stderr


def test_load_schema_refuses_an_unknown_name():
    with pytest.raises(UsageError, match="no schema named 'vcf'.*report"):
        load_schema("vcf")


# --- the suite's own check (conftest.py) sees what the library writes --------------------------

def test_reports_the_library_writes_are_checked_as_written(tmp_path, _schema_ledger):
    from hpdgenomics import outputs
    from hpdgenomics.report import render

    assert render.write_file_set is not outputs.write_file_set   # wrapped for the session
    paths = write_reports(screen_sample(ScreenInputs(
        vcf=ROOT / "example_vcfs/negative_grch38.vcf")), tmp_path)
    assert str(paths["json"].resolve()) in _schema_ledger.written.read_text().splitlines()


@pytest.mark.slow
def test_reports_written_by_parallel_cohort_workers_are_checked_too(tmp_path, _schema_ledger):
    from hpdgenomics.cohort import CohortConfig, run_cohort, write_cohort_outputs

    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("sample_id\tvcf\tcnv\n" + "".join(
        f"{s}\t{ROOT}/examples/cohort/vcf/{s}.vcf\t{ROOT}/examples/cohort/cnv/{s}.call.cns\n"
        for s in ("S01", "S04")))
    out = tmp_path / "out"
    report = run_cohort(CohortConfig(manifest=manifest, out_dir=out, workers=2))
    assert {o["status"] for o in report.sample_outcomes} == {"screened"}
    write_cohort_outputs(report, out, plots=False)
    written = set(_schema_ledger.written.read_text().splitlines())
    for path in (out / "samples" / "S01.hpd.json", out / "samples" / "S04.hpd.json",
                 out / "cohort.json"):
        assert str(path.resolve()) in written, path
