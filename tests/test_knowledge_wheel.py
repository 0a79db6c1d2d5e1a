"""The curated data travels with the code: build the wheel, install it in a fresh virtual
environment and load the knowledge base from the installed copy, outside the source tree."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

LOAD = """
import json, sysconfig
from hpdgenomics.knowledge import load_knowledge, bundled_annotations_dir
from hpdgenomics.schemas import load_schema
kb = load_knowledge()
print(json.dumps({"schemas": [load_schema(name)["$id"] for name in ("report", "cohort")],
                  "sources": list(kb.sources), "sha256": kb.sha256, "rules": len(kb.rules),
                  "annotations": str(bundled_annotations_dir()),
                  "purelib": sysconfig.get_paths()["purelib"]}))
"""


@pytest.mark.slow
def test_wheel_ships_and_loads_the_knowledge_base(tmp_path):
    # build from a copy so that the build leaves nothing (build/, *.egg-info) in the checkout
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, source / name)
    if not (source / "README.md").exists():
        (source / "README.md").write_text("hpdgenomics\n")
    for folder in ("hpdgenomics", "annotations"):
        shutil.copytree(REPO / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist),
                    str(source)], check=True, cwd=tmp_path)
    wheel = next(dist.glob("hpdgenomics-*.whl"))
    import zipfile

    shipped = set(zipfile.ZipFile(wheel).namelist())
    assert {"hpdgenomics/schemas/report.schema.json",
            "hpdgenomics/schemas/cohort.schema.json"} <= shipped

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([str(python), "-c", purelib], check=True, capture_output=True,
                               text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--quiet", str(wheel)], check=True)
    # The dependencies come from the test interpreter's environment. The path entry is added only
    # after the install, so pip cannot take the test environment's own hpdgenomics as "already
    # satisfied"; at run time the fresh site-packages comes first on sys.path.
    (site / "_test_parent_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(python), "-c", LOAD], check=False, cwd=outside, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout)
    assert loaded["rules"] == 13
    assert loaded["schemas"] == ["urn:hpdgenomics:schema:report", "urn:hpdgenomics:schema:cohort"]
    assert Path(loaded["sources"][0]).name == "knowledge.yaml"
    assert Path(loaded["sources"][0]).is_relative_to(site), loaded
    assert Path(loaded["annotations"]).is_relative_to(site)
    assert not Path(loaded["sources"][0]).is_relative_to(REPO)

    from hpdgenomics.knowledge import load_knowledge

    assert loaded["sha256"] == load_knowledge().sha256   # same content as the source tree
