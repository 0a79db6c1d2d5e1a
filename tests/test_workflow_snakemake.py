"""``workflow/Snakefile``: the real ``snakemake`` runs one ``hpdgenomics screen`` job per manifest
sample and gathers them with ``hpdgenomics cohort --reports``; the cohort it writes is the one
``hpdgenomics cohort --manifest`` writes.

Snakemake is a subprocess here (as users run it), from the test interpreter's environment, with
that environment's ``hpdgenomics`` first on PATH for the jobs' shell commands. One real run (the
bundled cohort); the other checks are dry runs (``-n``), which screen nothing.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hpdgenomics.cli import cli
from hpdgenomics.io.manifest import read_manifest
from hpdgenomics.report.render import output_paths

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "workflow" / "Snakefile"
EXAMPLE = ROOT / "examples" / "cohort"
COMPARED = ("matrix", "matrix_genes", "calls", "association", "association_genes")

if importlib.util.find_spec("snakemake") is None:
    if os.environ.get("CI"):
        pytest.fail("snakemake is not installed: the test extra must install it "
                    "(pip install -e '.[test]')", pytrace=False)
    pytest.skip("snakemake is not installed (pip install -e '.[test]' or '.[workflow]')",
                allow_module_level=True)

pytestmark = pytest.mark.slow


def _snakemake(workdir: Path, config: dict, *options: str) -> subprocess.CompletedProcess:
    config_file = workdir / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    env = dict(os.environ)
    # the jobs' `hpdgenomics` is the one installed beside this interpreter
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--snakefile", str(SNAKEFILE),
         "--configfile", str(config_file), "--directory", str(workdir), *options],
        capture_output=True, text=True, env=env, timeout=600)


def _tsv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _without_source(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "source"} for row in rows]


def _screen_jobs(dry_run_output: str) -> dict[str, dict]:
    """The dry run's ``screen`` jobs: stem -> {"output": [...], "command": [...]}.

    Snakemake prints each job as a ``rule screen:`` block of ``key: value`` lines; with ``-p`` the
    shell command follows it (``Shell command: hpdgenomics screen ...``)."""
    jobs, job, in_screen = {}, None, False
    for line in dry_run_output.splitlines():
        text = line.strip()
        if text.startswith(("rule ", "localrule ")):     # "localrule" in Snakemake 8
            in_screen = text in ("rule screen:", "localrule screen:")
            job = {} if in_screen else None
        elif in_screen and text.startswith("output:"):
            job["output"] = [p.strip() for p in text.removeprefix("output:").split(",")]
        elif in_screen and text.startswith("wildcards: stem="):
            jobs[text.removeprefix("wildcards: stem=")] = job
        elif job is not None and "hpdgenomics screen " in text:
            job["command"] = shlex.split(text[text.index("hpdgenomics screen "):])
            job = None
    return jobs


# --- one real run on the bundled cohort -----------------------------------------------------------

@pytest.fixture(scope="module")
def workflow_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("snakemake_run")
    result = _snakemake(workdir, {"manifest": str(EXAMPLE / "manifest.tsv"),
                                  "clinical": str(EXAMPLE / "clinical.tsv"), "plots": False})
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    reference = workdir / "cohort_manifest"
    invoked = CliRunner().invoke(cli, ["cohort", "--manifest", str(EXAMPLE / "manifest.tsv"),
                                       "--clinical", str(EXAMPLE / "clinical.tsv"), "--no-plots",
                                       "-o", str(reference)], catch_exceptions=False)
    assert invoked.exit_code == 0, invoked.output
    return {"workdir": workdir, "cohort": workdir / "results" / "cohort",
            "reference": reference}


def test_the_workflow_writes_the_cohort_of_cohort_manifest(workflow_run):
    for name in COMPARED:
        expected = _tsv(workflow_run["reference"] / f"{name}.tsv")
        gathered = _tsv(workflow_run["cohort"] / f"{name}.tsv")
        if name == "calls":
            # the one column normalised: where the calls came from ("manifest" vs "reports")
            assert {r["source"] for r in expected} == {"manifest"}
            assert {r["source"] for r in gathered} == {"reports"}
            expected, gathered = _without_source(expected), _without_source(gathered)
        assert gathered == expected, name
    assert len(_tsv(workflow_run["cohort"] / "calls.tsv")) > 0
    assert any(row["fisher_p"] not in ("", "NA")
               for row in _tsv(workflow_run["cohort"] / "association.tsv"))


def test_the_gather_reads_one_screen_report_per_manifest_sample(workflow_run):
    workdir, rows = workflow_run["workdir"], read_manifest(EXAMPLE / "manifest.tsv")
    data = json.loads((workflow_run["cohort"] / "cohort.json").read_text())
    assert [o["sample_id"] for o in data["samples"]["outcomes"]] == [r.sample_id for r in rows]
    assert {o["status"] for o in data["samples"]["outcomes"]} == {"gathered"}
    gathered = {Path(i["path"]) for i in data["inputs"] if i["kind"] == "report"}
    expected = {output_paths(Path("results") / "reports", r.sample_id)["json"] for r in rows}
    assert gathered == expected
    for row in rows:
        for path in output_paths(workdir / "results" / "reports", row.sample_id).values():
            assert path.is_file(), path
        report = json.loads(output_paths(workdir / "results" / "reports",
                                         row.sample_id)["json"].read_text())
        assert report["sample"]["id"] == row.sample_id
        assert (workdir / "results" / "logs" / "screen" / f"{row.sample_id}.log").is_file()
    assert (workdir / "results" / "logs" / "cohort.log").is_file()


def test_a_sample_that_fails_stops_the_gather_and_its_log_says_why(tmp_path):
    """`cohort --manifest` leaves a failing sample out with a warning; the workflow fails instead
    (no cohort with a sample silently missing), after finishing the other samples."""
    broken = ROOT / "tests" / "fixtures" / "cohort_run" / "broken_sample_truncated_gzip.vcf.gz"
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(f"sample_id\tvcf\nGOOD\t{EXAMPLE / 'vcf' / 'S01.vcf'}\n"
                        f"BROKEN\t{broken}\n")
    result = _snakemake(tmp_path, {"manifest": str(manifest), "plots": False}, "--keep-going")
    assert result.returncode != 0
    assert not (tmp_path / "results" / "cohort").exists()
    assert (tmp_path / "results" / "reports" / "GOOD.hpd.json").is_file()
    assert not list((tmp_path / "results" / "reports").glob("BROKEN.*"))
    log = (tmp_path / "results" / "logs" / "screen" / "BROKEN.log").read_text()
    # the screen's one-line error (exit 2), naming the file, and no traceback
    assert log.startswith(f"hpdgenomics: error: {broken}: not a readable VCF header")
    assert "Traceback" not in log


# --- dry runs -------------------------------------------------------------------------------------

def test_a_dry_run_lists_one_screen_job_per_manifest_row(tmp_path):
    # the shipped example config, every key of it, with its paths taken from the source tree
    config = yaml.safe_load((ROOT / "workflow" / "config.yaml").read_text())
    for key in ("manifest", "clinical"):
        config[key] = str(ROOT / config[key])
    result = _snakemake(tmp_path, config, "-n")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    jobs = _screen_jobs(result.stdout + result.stderr)
    rows = read_manifest(EXAMPLE / "manifest.tsv")
    assert sorted(jobs) == sorted(r.sample_id for r in rows) and len(jobs) == 24
    assert not (tmp_path / "results").exists()                # a dry run writes nothing


def test_per_row_settings_and_unsafe_sample_ids_reach_the_screen_jobs(tmp_path):
    """A manifest in its own folder, with relative paths (resolved against that folder, as
    `cohort --manifest` does), every per-row screen setting, and sample ids that are not file
    names: each job gets its row's settings and writes the file names `screen` gives."""
    sheet = tmp_path / "sheets"
    (sheet / "data").mkdir(parents=True)
    shutil.copy(EXAMPLE / "vcf" / "S01.vcf", sheet / "data" / "tumour.vcf")
    shutil.copy(EXAMPLE / "cnv" / "S01.call.cns", sheet / "data" / "tumour.call.cns")
    (sheet / "data" / "assay.bed").write_text("chr12\t68808000\t68850000\tMDM2\n")
    columns = ["sample_id", "patient_id", "vcf", "cnv", "panel", "sample", "cnv_sample", "build",
               "cnv_format", "seg_log_base", "purity", "ploidy", "sex"]
    lines = [columns,
             ["tumour 1/relapse", "P1", "data/tumour.vcf", "data/tumour.call.cns",
              "data/assay.bed", "TUMOR", "T1-cnv", "GRCh38", "cnvkit-call-cns", "10", "0.6", "3.1",
              "female"],
             ["Tümör #2", "P2", "data/tumour.vcf", "", "", "", "", "", "", "", "", "", ""]]
    (sheet / "manifest.tsv").write_text("".join("\t".join(line) + "\n" for line in lines))
    result = _snakemake(tmp_path, {"manifest": "sheets/manifest.tsv", "build": "GRCh37",
                                   "include_filtered": True}, "-n", "-p")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    jobs = _screen_jobs(result.stdout + result.stderr)
    rows = read_manifest(sheet / "manifest.tsv")
    assert sorted(jobs) == ["Tumor_2", "tumour_1_relapse"]
    for row in rows:
        job = next(job for job in jobs.values()
                   if job["command"][job["command"].index("--sample-id") + 1] == row.sample_id)
        expected_outputs = output_paths(Path("results") / "reports", row.sample_id)
        assert job["output"] == [str(expected_outputs[k]) for k in
                                 ("json", "tsv", "clinical_tsv", "html")]
        command = job["command"]        # its paths are relative to the working directory
        options = {command[i]: command[i + 1] for i in range(2, len(command) - 1)
                   if command[i].startswith("--") and not command[i + 1].startswith("--")}
        assert (tmp_path / options["--vcf"]).resolve() == (sheet / "data" / "tumour.vcf").resolve()
        assert "--include-filtered" in command
        if row.sample_id == "tumour 1/relapse":
            data = sheet / "data"
            assert (tmp_path / options["--cnv"]).resolve() == (data / "tumour.call.cns").resolve()
            assert (tmp_path / options["--panel"]).resolve() == (data / "assay.bed").resolve()
            settings = {k: options[k] for k in ("--sample", "--cnv-sample", "--build",
                                                "--cnv-format", "--seg-log-base", "--purity",
                                                "--ploidy", "--sex")}
            assert settings == {"--sample": row.sample, "--cnv-sample": row.cnv_sample,
                                "--build": row.build, "--cnv-format": row.cnv_format,
                                "--seg-log-base": "10", "--purity": str(row.purity),
                                "--ploidy": str(row.ploidy), "--sex": row.sex}
        else:
            # an empty row setting is left to the screen's default; the config's build fills in
            assert options["--build"] == "GRCh37"
            for absent in ("--cnv", "--panel", "--sample", "--cnv-sample", "--cnv-format",
                           "--seg-log-base", "--purity", "--ploidy", "--sex"):
                assert absent not in command


@pytest.mark.parametrize(("config", "message"), [
    ({"manifest": str(EXAMPLE / "manifest.tsv"), "clincal": "clinical.tsv"},
     "'clincal' was unexpected"),
    ({"manifest": str(EXAMPLE / "manifest.tsv"), "screen_extra": ["--purity=0.3"]},
     "config screen_extra sets --purity, which the workflow sets itself"),
])
def test_a_config_that_would_be_silently_misread_stops_the_run(tmp_path, config, message):
    result = _snakemake(tmp_path, config, "-n")
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_a_bad_manifest_stops_the_run_naming_every_bad_line(tmp_path):
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("sample_id\tvcf\tpurity\nA\tmissing.vcf\t0.5\nB\t"
                        f"{EXAMPLE / 'vcf' / 'S01.vcf'}\t7\n")
    result = _snakemake(tmp_path, {"manifest": str(manifest)}, "-n")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "2 problem(s) in the manifest" in output
    assert "line 2: vcf file 'missing.vcf' not found" in output
    assert "line 3: purity '7' is outside 0.01-1" in output


# --- packaging ------------------------------------------------------------------------------------

@pytest.mark.crafted_reports   # the copied tree holds the malformed-report fixtures
def test_the_source_distribution_ships_the_workflow(tmp_path):
    # built from a copy, so that the build leaves no egg-info in the checkout
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".snakemake", "results",
        ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir",
                    str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    sdist = next((tmp_path / "dist").glob("hpdgenomics-*.tar.gz"))
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    shipped = {str(p.relative_to(ROOT)) for p in (ROOT / "workflow").rglob("*") if p.is_file()
               and "__pycache__" not in p.parts}
    assert {"workflow/Snakefile", "workflow/config.yaml", "workflow/README.md",
            "workflow/schemas/config.schema.yaml"} <= shipped
    assert shipped <= names
    # the example config's manifest and clinical files travel with it
    config = yaml.safe_load((ROOT / "workflow" / "config.yaml").read_text())
    assert {config["manifest"], config["clinical"]} <= names
    rows = read_manifest(ROOT / config["manifest"])
    assert {str(p.relative_to(ROOT)) for r in rows for p in (r.vcf, r.cnv) if p} <= names
