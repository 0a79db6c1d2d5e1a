"""The shape of the ``hpdgenomics.io.vcf`` package: small modules whose imports go one way.

Run-time imports between the package's modules must form no cycle, and no module imports the
package itself (``__init__`` imports them all); imports under ``if TYPE_CHECKING:`` are for
annotations only and do not count. Importing the package loads neither numpy nor cyvcf2 (they
are imported when a VCF is read).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hpdgenomics.io.vcf as vcf_package

PACKAGE = Path(vcf_package.__file__).parent
MAX_LINES = 450


def _runtime_imports(path: Path) -> set[str]:
    """The package modules ``path`` imports at run time (``from .x import``,
    ``from . import x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(node) for stmt in ast.walk(tree) if isinstance(stmt, ast.If)
                   and isinstance(stmt.test, ast.Name) and stmt.test.id == "TYPE_CHECKING"
                   for node in ast.walk(stmt)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and id(node) not in typing_only:
            found |= {node.module} if node.module else {a.name for a in node.names}
    return found


def test_every_module_is_short():
    lengths = {p.name: len(p.read_text(encoding="utf-8").splitlines())
               for p in PACKAGE.glob("*.py")}
    assert len(lengths) > 5
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


def test_imports_between_the_modules_go_one_way():
    graph = {p.stem: _runtime_imports(p) for p in PACKAGE.glob("*.py")}
    assert "records" in graph["__init__"] and "scan" in graph["header"]     # the graph is read
    assert [m for m, imports in graph.items() if "__init__" in imports or "" in imports] == []
    order: list[str] = []
    visiting: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in visiting, f"import cycle: {' -> '.join(path)}"
        if module in order:
            return
        visiting.add(module)
        for imported in sorted(graph.get(module, ())):
            visit(imported, path + [imported])
        visiting.discard(module)
        order.append(module)

    for module in sorted(graph):
        visit(module, [module])
    assert set(order) == set(graph)


def test_importing_the_package_loads_no_numpy_or_cyvcf2():
    code = ("import sys, hpdgenomics.io.vcf; "
            "print(sorted(m for m in ('numpy', 'cyvcf2', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
