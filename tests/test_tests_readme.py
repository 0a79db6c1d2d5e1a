"""tests/README.md stays true: every path it names exists, and every test file follows its naming
scheme (a newcomer reads the README to find where a test goes)."""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "tests" / "README.md"
TOP = ("tests/", "scripts/", "examples/", "example_vcfs/", "hpdgenomics/", "benchmarks/", "docs/",
       ".ci/")


def named_paths(text: str) -> set[str]:
    """Paths in backquotes, also inside a command; a bare ``test_x.py`` is a file in tests/."""
    paths = set()
    for span in re.findall(r"`([^`]+)`", text):
        for token in span.split():
            if token.startswith(TOP):
                paths.add(token)
            elif re.fullmatch(r"test_[a-z0-9_]+\.py", token):
                paths.add(f"tests/{token}")
    return paths


def test_the_path_pattern_finds_paths_in_prose_and_commands():
    text = ("see `tests/fixtures/vcf/`, run `python tests/fixtures/cnv/make_fixtures.py`, "
            "`HPD_REGENERATE_GOLDEN=1 python -m pytest tests/test_screen_golden.py` and review "
            "`git diff tests/golden/`; `.ci/run`, `test_io_maf.py`; not `test_io_*` nor "
            "`shared_data`")
    assert named_paths(text) == {"tests/fixtures/vcf/", "tests/fixtures/cnv/make_fixtures.py",
                                 "tests/test_screen_golden.py", "tests/golden/", ".ci/run",
                                 "tests/test_io_maf.py"}


def missing_paths(text: str) -> list[str]:
    """The named paths that do not exist; ``<case>`` placeholders must match at least one."""
    missing = []
    for path in sorted(named_paths(text)):
        pattern = re.sub(r"<[^>]+>", "*", path.rstrip("/"))
        found = any(ROOT.glob(pattern)) if "*" in pattern else (ROOT / pattern).exists()
        if not found:
            missing.append(path)
    return missing


def test_a_missing_path_or_an_empty_placeholder_is_found():
    text = ("`tests/fixtures/no_such_folder/`, `tests/golden/<case>.yaml`, "
            "`tests/golden/<case>.json`")
    assert missing_paths(text) == ["tests/fixtures/no_such_folder/", "tests/golden/<case>.yaml"]


def test_every_path_named_in_tests_readme_exists():
    text = README.read_text(encoding="utf-8")
    assert len(named_paths(text)) > 20          # the pattern still finds the README's paths
    assert missing_paths(text) == [], "tests/README.md names paths that do not exist"


def test_every_test_file_follows_the_readme_naming_scheme():
    text = README.read_text(encoding="utf-8")
    scheme = text.split("## Where a new test goes", 1)[1].split("\n## ", 1)[0]
    patterns = re.findall(r"^- `(test_[^`]+)`(?:, `(test_[^`]+)`)?", scheme, flags=re.M)
    globs = [p if p.endswith(".py") else p + ".py" for pair in patterns for p in pair if p]
    assert "test_io_*.py" in globs and "test_packaging.py" in globs
    files = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))
    unlisted = [name for name in files if not any(fnmatch.fnmatch(name, g) for g in globs)]
    assert unlisted == [], "name these files by the scheme in tests/README.md, or extend it"
