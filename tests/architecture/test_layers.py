"""The package's shape: no import cycle between its sub-packages (data flows one way: dataset -> runner ->
results -> metrics -> report), and no module over 500 lines. Read from the sources, nothing imported."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "odtrack_eval"
MAX_LINES = 500


def _unit(module: str) -> str:
    """``odtrack_eval.vot.analysis`` -> ``vot``; a top-level module is a unit of its own."""
    return module.split(".")[1] if "." in module else module


def _imports() -> dict[str, dict[str, list[str]]]:
    """unit -> imported unit -> where (file:line), for every import anywhere in a file (lazy ones too)."""
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for file in PACKAGE.rglob("*.py"):
        module = ".".join(file.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        src = _unit(module)
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("odtrack_eval"):
                top = node.module == "odtrack_eval"  # (from odtrack_eval import region)
                names = [f"odtrack_eval.{a.name}" for a in node.names] if top else [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("odtrack_eval.")]
            else:
                continue
            for name in names:
                dst = _unit(name)
                if dst != src and name != "odtrack_eval":
                    edges[src][dst].append(f"{file.relative_to(PACKAGE.parent)}:{node.lineno}")
    return edges


def _cycles(edges: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_sub_packages() -> None:
    edges = _imports()
    cycles = _cycles(edges)
    detail = [f"{a} -> {b}: {edges[a][b][:2]}" for c in cycles for a in c for b in c if b in edges.get(a, {})]
    assert cycles == [], "import cycles:\n" + "\n".join(detail)


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b": []}, "b": {}}) == []


def test_no_module_over_500_lines() -> None:
    long = {str(f.relative_to(PACKAGE.parent)): n for f in PACKAGE.rglob("*.py")
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES}  # fmt: skip
    assert long == {}, f"modules over {MAX_LINES} lines: {long}"


def test_every_module_says_its_job_first() -> None:
    silent = [str(f.relative_to(PACKAGE.parent)) for f in PACKAGE.rglob("*.py")
              if f.stat().st_size and ast.get_docstring(ast.parse(f.read_text(encoding="utf-8"))) is None]  # fmt: skip
    assert silent == [], f"modules without a docstring saying their job: {silent}"
