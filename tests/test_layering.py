"""The package's import structure: no module cycles, no upward imports between layers.

The import graph of ``hpdgenomics`` is built from the source with :mod:`ast`: every ``import``
and ``from ... import`` anywhere in a module counts, at the top or inside a function (a
function-level import still forms a cycle; it only hides it), except those under
``if TYPE_CHECKING:``, which never run. ``from .pkg import name`` is an edge to the module
``pkg.name`` when that is a module, else to the package ``pkg`` (its ``__init__``); the parent
packages Python also runs are not counted, so an ``__init__`` that re-exports its submodules forms
no cycle with them.

Layers, lowest first, derived from the imports as they are (a module may import its own layer or
any layer below it, never one above). Each module takes the layer of the longest prefix listed:

0. foundation: ``hpdgenomics`` (the package ``__init__``: version, errors; pandas, scipy and
   cyvcf2 are imported lazily there and in ``cli`` for start-up speed), ``errors``, ``limits``,
   ``genome``, ``model``, ``outputs`` (writing files), ``schemas``, ``io.vocabulary`` (the words
   of missing values and events, shared by the table readers and the clinical factors), and the
   ``io`` package ``__init__``;
1. ``clinical``: the patient factors and the CLIN_* rule evaluation;
2. ``knowledge``: the knowledge base (validates clinical rules against the factors);
3. ``annotation`` and ``copynumber``: VCF annotation parsers, copy-number conversions;
4. ``io``: the input readers (VCF, CNV, MAF, tables), which use annotation and copy number;
5. ``report.model``: the screen report's data model, which the screen fills;
6. ``screen``, ``stats``, ``hpd``: screening a sample, statistics, HPD classification;
7. ``report``: rendering reports (single-sample and cohort HTML) from the models;
8. ``cohort``: cohort screening, association and its outputs;
9. ``cli``, ``multiqc``, ``__main__``: entry points.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hpdgenomics"

LAYERS: list[tuple[str, ...]] = [
    ("hpdgenomics", "hpdgenomics.errors", "hpdgenomics.limits", "hpdgenomics.genome",
     "hpdgenomics.model", "hpdgenomics.outputs", "hpdgenomics.schemas",
     "hpdgenomics.io.vocabulary"),
    ("hpdgenomics.clinical",),
    ("hpdgenomics.knowledge",),
    ("hpdgenomics.annotation", "hpdgenomics.copynumber"),
    ("hpdgenomics.io",),
    ("hpdgenomics.report.model",),
    ("hpdgenomics.screen", "hpdgenomics.stats", "hpdgenomics.hpd"),
    ("hpdgenomics.report",),
    ("hpdgenomics.cohort",),
    ("hpdgenomics.cli", "hpdgenomics.multiqc", "hpdgenomics.__main__"),
]
#: modules that are exactly a package ``__init__`` placed lower than their package
EXACT = {"hpdgenomics": 0, "hpdgenomics.io": 0}


def modules() -> dict[str, tuple[Path, str]]:
    """Every module of the package: dotted name -> (file, the package its relative imports use)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
            package = ".".join(parts)
        else:
            package = ".".join(parts[:-1])
        found[".".join(parts)] = (path, package)
    return found


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except what sits under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def import_graph() -> dict[str, set[str]]:
    """module -> the hpdgenomics modules it imports (anywhere in its code)."""
    mods = modules()

    def known(name: str) -> str:
        while name not in mods:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, (path, package) in mods.items():
        targets: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                if source.split(".")[0] != "hpdgenomics":
                    continue
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    targets.add(full if full in mods else known(source))
            elif isinstance(node, ast.Import):
                targets |= {known(a.name) for a in node.names
                            if a.name.split(".")[0] == "hpdgenomics"}
        targets.discard(name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_of(module: str) -> int:
    """The layer of ``module``: of the longest listed prefix (see the module docstring)."""
    if module in EXACT:
        return EXACT[module]
    best, level = -1, None
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, level = len(prefix), number
    assert level is not None, f"{module} is in no layer: add it to LAYERS"
    return level


def test_the_graph_sees_top_level_and_function_level_imports():
    graph = import_graph()
    # top level, relative
    assert "hpdgenomics.annotation.effects" in graph["hpdgenomics.annotation.vep"]
    # function level (the cohort report renders its HTML through report/ lazily)
    assert "hpdgenomics.report.cohort_html" in graph["hpdgenomics.cohort.report"]
    # `from ..io import vocabulary` is the module, not the io package
    assert "hpdgenomics.io.vocabulary" in graph["hpdgenomics.clinical.factors"]
    assert "hpdgenomics.io" not in graph["hpdgenomics.clinical.factors"]


def test_cycles_are_found_when_present():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_import_cycles():
    assert cycles(import_graph()) == []


def test_every_module_is_in_a_layer():
    layers = {module: layer_of(module) for module in import_graph()}
    assert layers and all(0 <= layer < len(LAYERS) for layer in layers.values())
    assert layers["hpdgenomics.cli"] == len(LAYERS) - 1 and layers["hpdgenomics.model"] == 0


def test_no_upward_imports_between_layers():
    upward = [f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
              for module, targets in sorted(import_graph().items()) for target in sorted(targets)
              if layer_of(target) > layer_of(module)]
    assert upward == []


def test_report_and_hpd_read_from_io_but_write_through_outputs():
    graph = import_graph()
    for module, targets in graph.items():
        if module.startswith("hpdgenomics.report"):
            assert not any(t.startswith("hpdgenomics.io") for t in targets), module
    from hpdgenomics import outputs
    from hpdgenomics.io import text

    # what hpd/ (and the readers) import from io.text can only be reading helpers
    for name in ("atomic_write", "write_file_set", "safe_file_stem", "check_output_dir",
                 "finite_json", "output_error"):
        assert callable(getattr(outputs, name))
        assert not hasattr(text, name), f"io.text still holds the writer {name}"


def test_importing_the_plots_module_leaves_the_matplotlib_backend_alone(tmp_path):
    code = ("import matplotlib, hpdgenomics.cohort.plots as p\n"
            "print(matplotlib.get_backend())\n"
            "fig = p.km_figure('km_x', 't', {'timeline': [0, 1], 'survival': [1, 0.5], 'n': 2},"
            " {'timeline': [0, 2], 'survival': [1, 0.8], 'n': 2})\n"
            "print(fig.png[:4] == b'\\x89PNG', fig.svg.lstrip().startswith('<?xml'))\n"
            "print(matplotlib.get_backend())\n")
    env = {**os.environ, "MPLBACKEND": "pdf", "MPLCONFIGDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True)
    assert done.stdout.split("\n")[:3] == ["pdf", "True True", "pdf"]


# --- the size of the units (issue 13, item 2) ---------------------------------------------------

_NESTING = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.FunctionDef)


def _depth(node: ast.AST) -> int:
    """How deeply blocks (if/for/while/with/try/def) nest below ``node``."""
    return max((_depth(child) + isinstance(child, _NESTING)
                for child in ast.iter_child_nodes(node)), default=0)


def _functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


def _length(function: ast.FunctionDef) -> int:
    return (function.end_lineno or function.lineno) - function.lineno + 1


def test_no_function_of_the_package_is_over_100_lines():
    # the long units of the review (read_clinical 261 lines, analyse_cohort 225, read_maf 215...)
    # were split; the longest left is under 100
    long = [(str(path.relative_to(PACKAGE)), f.name, _length(f))
            for path in sorted(PACKAGE.rglob("*.py")) for f in _functions(path) if _length(f) > 100]
    assert long == []


# modules split into one function per step: (module file, functions that must exist)
SPLIT_MODULES = [
    ("io/vcf/prefilter.py", {"_prefilter", "_block", "_parse_positions"}),
    ("io/vcf/allele_support.py", {"allele_support", "_allelic_depths", "_platypus"}),
    ("io/cnv/vcf.py", {"read_cnv_vcf", "_segment_rows", "_copies"}),
]


@pytest.mark.parametrize("relative, names", SPLIT_MODULES, ids=[m for m, _ in SPLIT_MODULES])
def test_split_modules_stay_short_functions_of_one_step_each(relative, names):
    functions = _functions(PACKAGE / relative)
    assert {f.name for f in functions} >= names
    assert [(f.name, _length(f)) for f in functions if _length(f) > 60] == []
    assert [(f.name, _depth(f)) for f in functions if _depth(f) > 4] == []
    assert [f.name for f in functions
            if not ast.get_docstring(f) and f.name != "__init__"] == []
