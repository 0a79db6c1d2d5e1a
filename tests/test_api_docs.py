"""docs/api.md is executed: every ```python block runs, in order, in one namespace, from a folder
that holds the bundled examples (as the top of a source checkout does), and every ``print`` must
print exactly what the comment beside it says. The exported names are the documented ones."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import hpdgenomics

ROOT = Path(__file__).resolve().parents[1]
API_DOC = ROOT / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
EXPECTED = re.compile(r"^\s*print\(.*\)\s*#\s?(.*)$")


def doc_blocks() -> list[str]:
    return BLOCK.findall(API_DOC.read_text(encoding="utf-8"))


def expected_output(block: str) -> list[str]:
    """The comment beside each ``print`` line, in order; a print without one is a doc error."""
    lines = []
    for line in block.splitlines():
        if line.lstrip().startswith("print("):
            match = EXPECTED.match(line)
            assert match, f"docs/api.md: a print without its output in a comment: {line!r}"
            lines.append(match.group(1).strip())
    return lines


def test_the_doc_has_examples_of_every_entry_point():
    code = "\n".join(doc_blocks())
    for name in ("screen_sample", "ScreenInputs", "load_knowledge", "write_reports",
                 "run_cohort", "CohortConfig", "write_cohort_outputs", "classify_hpd",
                 "load_schema"):
        assert f"hpd.{name}(" in code, name


def test_the_first_example_screens_and_reads_a_vcf_in_five_lines():
    first = doc_blocks()[0]
    code = [line for line in first.splitlines() if line.strip()]
    assert len(code) == 5
    assert "screen_sample" in first and 'caution["level"]' in first


def test_every_example_runs_and_prints_what_the_doc_says(tmp_path, monkeypatch):
    for name in ("example_vcfs", "examples"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_api"}
    blocks = doc_blocks()
    assert len(blocks) >= 6
    for number, block in enumerate(blocks, 1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"docs/api.md (python block {number})", "exec"), namespace)
        assert out.getvalue().splitlines() == expected_output(block), f"block {number}"
    # and the files the examples say they wrote are there
    assert (tmp_path / "reports" / "PT001_TUMOR.hpd.json").is_file()
    assert (tmp_path / "cohort" / "cohort.json").is_file()
    assert len(list((tmp_path / "cohort" / "samples").glob("*.hpd.json"))) == 24


def documented_names() -> list[str]:
    text = API_DOC.read_text(encoding="utf-8").split("## Every exported name", 1)[1]
    return re.findall(r"^\| `([A-Za-z_]+)` \|", text, re.M)


def test_all_matches_the_documented_names():
    names = documented_names()
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(hpdgenomics.__all__)


@pytest.mark.parametrize("name", [n for n in hpdgenomics.__all__ if n != "__version__"])
def test_every_exported_name_resolves_and_says_what_it_does(name):
    value = getattr(hpdgenomics, name)
    assert value.__doc__ and value.__doc__.strip(), name
    assert not value.__doc__.startswith(f"{name}("), f"{name}: only the dataclass signature"
    assert name in dir(hpdgenomics)


@pytest.mark.parametrize("name", ["screen_sample", "load_knowledge", "write_reports",
                                  "run_cohort", "write_cohort_outputs", "classify_hpd",
                                  "load_schema"])
def test_entry_points_document_inputs_outputs_and_errors(name):
    doc = getattr(hpdgenomics, name).__doc__
    assert "Inputs:" in doc, name
    assert "return" in doc.lower(), name
    assert "Raises" in doc and "Error" in doc, name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'screen_samples'"):
        hpdgenomics.screen_samples   # noqa: B018 - the attribute access is the test
