"""Where the real third-party files live: ``../shared`` beside the checkout (see tests/README.md).

Tests take the ``shared_data`` fixture of tests/conftest.py, which skips them when the folder is
absent. Only what must be known at collection time (parametrised file lists, module constants)
imports :data:`SHARED_DATA` from here.
"""
from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = SHARED / "data"
ABSENT = (f"{SHARED_DATA} is absent: the real third-party files are not part of the repository "
          "(see tests/README.md)")
