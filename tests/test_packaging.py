"""Packaging facts that a fresh install depends on."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "hpdgenomics").rglob("__init__.py")}
    on_disk.add("hpdgenomics.annotations")
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert (ROOT / "annotations" / "__init__.py").is_file()


def test_importing_the_package_opens_no_network_connection():
    import socket
    import subprocess
    import sys

    # A fresh interpreter whose socket constructor raises: importing must not need it.
    code = ("import socket\n"
            "def _no(*a, **k): raise RuntimeError('network used at import')\n"
            "socket.socket = _no; socket.create_connection = _no\n"
            "import hpdgenomics, hpdgenomics.cli, hpdgenomics.screen, hpdgenomics.knowledge\n"
            "hpdgenomics.knowledge.load_knowledge()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert socket.socket is not None
