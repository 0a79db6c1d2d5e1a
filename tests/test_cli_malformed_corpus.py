"""The malformed-input corpus: every hostile, broken or realistic-but-odd input a tired user could
feed the CLI, run through the real command line, must end in exit 0 (with the warning it should
carry) or exit 2 (one line naming the file), never exit 1 or a traceback.

Cases live beside their input files, one ``cases.yaml`` per input kind under
``tests/fixtures/malformed/<kind>/``. Each case is a mapping::

    - id: vcf_format_af_inf            # unique, names the case
      args: [screen, --vcf, "{here}/format_af_inf.vcf", -o, "{out}"]
      exit: 2                          # 0 or 2
      stderr: ["format_af_inf.vcf", "not a finite number"]   # substrings the stderr must hold

``{here}`` is the folder of the ``cases.yaml``; ``{out}`` a fresh temporary folder. An optional
``env:`` mapping sets environment variables for the run (e.g. a lowered resource limit, so a case
proves the limit without building a huge input). Files too big
or too odd to commit (gzip bombs, NUL bytes, invalid UTF-8) are made by a generator named in
``make:`` (a function in this module) before the case runs.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hpdgenomics.cli import cli

CORPUS = Path(__file__).parent / "fixtures" / "malformed"


def _cases():
    for cases_file in sorted(CORPUS.glob("*/cases.yaml")):
        for case in yaml.safe_load(cases_file.read_text()) or []:
            yield pytest.param(cases_file.parent, case, id=f"{cases_file.parent.name}/{case['id']}")


# --- generators of inputs that are not committed as files ---------------------------------------

def gzip_bomb(folder: Path, name: str, header: str, row: str, megabytes: int = 300) -> Path:
    """A small gzip file that decompresses to ``megabytes`` MB of repeated ``row`` lines."""
    path = folder / name
    block = (row + "\n") * max(1, (1 << 20) // (len(row) + 1))
    with gzip.open(path, "wt", compresslevel=9) as handle:
        handle.write(header + "\n")
        for _ in range(megabytes):
            handle.write(block)
    return path


def latin1_file(folder: Path, name: str, text: str, compress: bool = False) -> Path:
    """``text`` written as Latin-1 bytes: ``\\xfc`` in the YAML becomes the byte 0xFC and ``\\0``
    a NUL byte, which a committed text file cannot hold safely. ``compress`` gzips it."""
    path = folder / name
    data = text.encode("latin-1")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def long_line_vcf(folder: Path, name: str, header: str, record: str, line_bytes: int) -> Path:
    """A gzipped VCF whose one record carries an INFO value making its line ``line_bytes`` long;
    written in pieces so that the generator itself stays small in memory."""
    path = folder / name
    fields = record.split("\t")
    fields[7] = "NOTE="
    prefix, suffix = "\t".join(fields[:8]), "\t" + "\t".join(fields[8:]) + "\n"
    with gzip.open(path, "wt", compresslevel=1) as handle:
        handle.write(header.rstrip("\n") + "\n" + prefix)
        remaining = max(0, line_bytes - len(prefix) - len(suffix) + 1)
        block = "X" * (1 << 20)
        while remaining > 0:
            handle.write(block[:remaining])
            remaining -= len(block)
        handle.write(suffix)
    return path


GENERATORS = {"gzip_bomb": gzip_bomb, "latin1_file": latin1_file, "long_line_vcf": long_line_vcf}


@pytest.mark.crafted_reports   # the corpus has broken report files for cohort --reports
@pytest.mark.parametrize("folder, case", list(_cases()))
def test_malformed_input_is_exit_0_or_2_never_a_crash(folder: Path, case: dict, tmp_path: Path):
    for spec in case.get("make", []):
        spec = dict(spec)
        GENERATORS[spec.pop("generator")](tmp_path, **spec)
    out = tmp_path / "out"

    def fill(arg: str) -> str:
        return str(arg).replace("{here}", str(folder)).replace("{out}", str(out)) \
            .replace("{tmp}", str(tmp_path))

    env = {name: fill(value) for name, value in (case.get("env") or {}).items()}
    result = CliRunner().invoke(cli, [fill(a) for a in case["args"]], env=env or None)
    stderr = result.stderr
    assert "Traceback" not in stderr, stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code == case["exit"], (result.exit_code, stderr)
    if case["exit"] == 2:
        errors = [line for line in stderr.splitlines() if line.startswith("hpdgenomics: error")]
        assert len(errors) == 1, stderr
    for phrase in case.get("stderr", []):
        assert fill(phrase).lower() in stderr.lower(), (phrase, stderr)
