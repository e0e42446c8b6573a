"""The house's rules, checked on the code itself (docs/design.md, README "The folders"):
the floors and the purity contracts of pyproject.toml ([tool.importlinter], run by `lint-imports`),
no import cycle between files (imports inside functions included: a cycle hidden behind a
function-level import is still a cycle), and no private name imported from another module."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cli", "flows", "publish", "expectations", "intake", "warehouse", "transforms", "campaign", "support")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = f
    return out


def _imports(modules: dict[str, Path]):
    """(importer, imported module, imported name or None) for every import of a project module."""
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [(a.name, None) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                targets = [(f"{base}.{a.name}", None) if f"{base}.{a.name}" in modules else (base, a.name)
                           for a in node.names]
            else:
                continue
            for target, imported in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    yield name, target, imported


def test_the_floors_and_purity_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_no_import_cycle_between_files():
    modules = _modules()
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for importer, target, _ in _imports(modules):
        edges[importer].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:   # Tarjan: every strongly connected component of more than one file is a cycle
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for m in modules:
        if m not in index:
            visit(m)
    assert not cycles, cycles


def test_no_private_name_crosses_a_module_boundary():
    crossing = [(importer, target, name) for importer, target, name in _imports(_modules())
                if name and name.startswith("_") and not name.startswith("__")]
    assert not crossing, crossing
