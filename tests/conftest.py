"""Fixtures every test module can use, and the JSON Schema check of every report the suite writes.

``shared_data``: the folder of real third-party files, ``../shared/data`` beside the checkout
(:mod:`shared`, tests/shared.py, says where); a test that takes it is skipped when it is absent.

``<sample>.hpd.json`` files are validated against ``hpdgenomics/schemas/report.schema.json`` and
``cohort.json`` against ``cohort.schema.json``, in two ways:

- at write time: the writers' file-set function (:func:`hpdgenomics.outputs.write_file_set`, as
  ``hpdgenomics.report.render`` and ``hpdgenomics.cohort.report`` use it) is wrapped for the whole
  session, so every report the library writes in this process (or in a cohort's forked workers)
  is validated as written; a violation fails the test that wrote it;
- at the end of the session: every such file under pytest's temporary folder that did not go
  through the writers (e.g. written by a ``hpdgenomics`` subprocess) is validated too. A test that
  writes a deliberately broken or hand-made report marks itself ``@pytest.mark.crafted_reports``
  and its ``tmp_path`` is left out of this scan.
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema  # in the test extra: pip install -e '.[test]'
import pytest
from shared import ABSENT, SHARED_DATA

_VALIDATORS: dict = {}


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``, the real third-party files; the test is skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(ABSENT)
    return SHARED_DATA


def report_kind(path: str | Path) -> str | None:
    """``report``, ``cohort`` or None: which schema a file written by hpdgenomics follows."""
    name = Path(path).name
    if name.endswith(".hpd.json"):
        return "report"
    if name == "cohort.json":
        return "cohort"
    return None


def schema_errors(kind: str, data) -> list[str]:
    """Every violation of the ``kind`` schema in ``data``, as 'json path: message'."""
    if kind not in _VALIDATORS:
        from hpdgenomics.schemas import load_schema

        cls = jsonschema.Draft202012Validator
        _VALIDATORS[kind] = cls(load_schema(kind), format_checker=cls.FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message[:300]}" for e in _VALIDATORS[kind].iter_errors(data)]


def _file_errors(path: Path, kind: str, content: str | bytes | None = None) -> list[str]:
    try:
        data = json.loads(path.read_bytes() if content is None else content)
    except (OSError, ValueError) as exc:
        return [f"not readable as JSON: {exc}"]
    return schema_errors(kind, data)


class _Ledger:
    """Files of the run: violations found at write time, files written through the writers,
    folders of tests that craft reports. Kept in files so that forked workers add to them."""

    def __init__(self, folder: Path):
        self.violations = folder / "schema-violations.txt"
        self.written = folder / "schema-written.txt"
        self.crafted: list[Path] = []
        for path in (self.violations, self.written):
            path.write_text("")

    @staticmethod
    def _append(path: Path, line: str) -> None:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def check_written(self, contents: dict) -> None:
        for path, content in contents.items():
            kind = report_kind(path)
            if kind is None:
                continue
            self._append(self.written, str(Path(path).resolve()))
            for error in _file_errors(Path(path), kind, content):
                self._append(self.violations, f"{path} ({kind} schema): {error}")

    def violation_count(self) -> int:
        return len(self.violations.read_text(encoding="utf-8").splitlines())

    def violations_since(self, start: int) -> list[str]:
        return self.violations.read_text(encoding="utf-8").splitlines()[start:]


@pytest.fixture(scope="session", autouse=True)
def _schema_ledger(tmp_path_factory):
    from hpdgenomics.cohort import report as cohort_report
    from hpdgenomics.report import render

    base = tmp_path_factory.getbasetemp()
    ledger = _Ledger(tmp_path_factory.mktemp("schema-ledger"))
    originals = {module: module.write_file_set for module in (render, cohort_report)}

    def wrap(original):
        def write_file_set(contents, *args, **kwargs):
            ledger.check_written(contents)
            return original(contents, *args, **kwargs)
        return write_file_set

    for module, original in originals.items():
        module.write_file_set = wrap(original)
    yield ledger
    for module, original in originals.items():
        module.write_file_set = original

    # the end of the session: files that did not go through the writers (subprocess runs)
    written = set(ledger.written.read_text(encoding="utf-8").splitlines())
    crafted = [folder.resolve() for folder in ledger.crafted]
    problems = []
    for path in sorted(base.rglob("*.json")):
        kind = report_kind(path)
        resolved = path.resolve()
        if kind is None or str(resolved) in written or \
                any(resolved.is_relative_to(folder) for folder in crafted):
            continue
        problems += [f"{path} ({kind} schema): {error}" for error in _file_errors(path, kind)]
    if problems:
        pytest.fail("reports written during the tests do not follow their JSON Schema:\n"
                    + "\n".join(problems[:50]), pytrace=False)


@pytest.fixture(autouse=True)
def _reports_follow_schema(request, _schema_ledger):
    """Fails the test whose writes broke the schema (checked after it ran)."""
    if request.node.get_closest_marker("crafted_reports"):
        _schema_ledger.crafted.append(request.getfixturevalue("tmp_path"))
    start = _schema_ledger.violation_count()
    yield
    found = _schema_ledger.violations_since(start)
    if found:
        pytest.fail("reports written by this test do not follow their JSON Schema:\n"
                    + "\n".join(found[:20]), pytrace=False)
