"""The package's structure: no import cycles, and imports that follow the layers of docs/ARCHITECTURE.md.

Every import of the package's own modules counts, module-level and function-local alike; the graph is
read from the source with :mod:`ast` (nothing is imported), so a cycle hidden inside a function shows.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "kasvudata_utils"

# Lower layers never import higher ones. A module may import its own layer (without a cycle) and any below.
LAYERS = [
    ("base", ["errors", "paths", "fileio", "labels", "numbers", "provenance", "areas", "industries", "__init__"]),
    ("data", ["data"]),
    ("indicators", ["indicators", "scenarios"]),
    ("research", ["research"]),
    ("presentation", ["plots", "maps", "svgcharts"]),
    ("insights", ["insights"]),
    ("reports", ["reports"]),
    ("apps", ["apps"]),
    ("entry", ["commands", "cli", "__main__"]),
]
RANK = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}
# The command line imports its commands' heavy machinery when a command runs, not at start-up
# (``kasvudata areas`` must not load pandas, papermill and matplotlib): the entry layer alone may import
# package modules inside functions. Nothing imports the entry layer back, so this hides no cycle.
LOCAL_IMPORTS_ALLOWED = {"commands"}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def resolve(name: str, known: dict) -> str:
    """The module an imported dotted name refers to (``a.b.c`` → ``a.b`` when ``c`` is a name in ``a.b``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def imports(path: Path, known: dict) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import of the package's own modules."""
    tree = ast.parse(path.read_text())
    out = []

    def visit(node, local):
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom) and child.level == 0 and (child.module or "").startswith(
                    "kasvudata_utils"):
                for alias in child.names:
                    target = resolve(f"{child.module}.{alias.name}", known)
                    out.append((target, child.lineno, inner))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("kasvudata_utils"):
                        out.append((resolve(alias.name, known), child.lineno, inner))
            visit(child, inner)

    visit(tree, False)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {m: set() for m in known}
    for m, p in known.items():
        for target, _, _ in imports(p, known):
            if target and target != m and target != "kasvudata_utils":
                edges[m].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in edges:
        if v not in index:
            strong(v)
    return out


def layer(module: str) -> int:
    parts = module.split(".")
    return RANK[parts[1] if len(parts) > 1 else "__init__"]


def test_every_module_has_a_layer():
    missing = [m for m in modules() if m != "kasvudata_utils" and m.split(".")[1] not in RANK]
    assert missing == [], f"add these to LAYERS here and in docs/ARCHITECTURE.md: {missing}"


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_follow_the_layers():
    wrong = [f"{m} (layer {LAYERS[layer(m)][0]}) imports {t} (layer {LAYERS[layer(t)][0]})"
             for m, targets in graph().items() if m != "kasvudata_utils"
             for t in targets if layer(t) > layer(m)]
    assert wrong == []


def test_own_modules_are_imported_at_module_level():
    known = modules()
    local = [f"{p.relative_to(ROOT)}:{line} imports {t} inside a function"
             for m, p in known.items() if m.split(".")[1:2] and m.split(".")[1] not in LOCAL_IMPORTS_ALLOWED
             for t, line, inner in imports(p, known) if inner]
    assert local == []


@pytest.mark.parametrize("doc", ["docs/ARCHITECTURE.md"])
def test_architecture_doc_names_every_subpackage(doc):
    text = (ROOT / doc).read_text()
    subpackages = sorted(p.parent.name for p in PKG.glob("*/__init__.py"))
    assert [s for s in subpackages if f"{s}/" not in text] == []
