"""Import structure of our packages, read from the import statements (no module is imported).

    python tools/import_report.py [--local] [--edges]

Prints the import circles (strongly connected groups of modules, counting module-level imports,
and again counting function-local ones too), and the function-local imports of our own modules.
The layers themselves are checked by ``lint-imports`` (contracts in pyproject.toml).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("dgenerate_core", "dgenerate_console")


def modules() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                    found[rel[:-9] if rel.endswith(".__init__") else rel] = path
    return found


def _resolve(name: str, known: dict[str, str]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str, path: str, known: dict[str, str]) -> list[tuple[str, bool, int]]:
    """``(imported module, is_local, line)`` for every import of our own modules."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    is_package = path.endswith("__init__.py")
    out = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    target = _resolve(alias.name, known)
                    if target:
                        out.append((target, local, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = module.split(".")
                    parts = parts if is_package else parts[:-1]
                    parts = parts[:len(parts) - child.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                for alias in child.names:
                    target = _resolve(f"{base}.{alias.name}", known) or _resolve(base, known)
                    if target:
                        out.append((target, local, child.lineno))
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                continue
            visit(child, inner)

    visit(tree, False)
    return [(t, loc, line) for t, loc, line in out if t != module]


def _is_type_checking(test: ast.AST) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or \
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    groups: list[list[str]] = []
    sys.setrecursionlimit(10000)

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return groups


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--local", action="store_true", help="list every local import")
    parser.add_argument("--edges", action="store_true", help="list the edges of each circle")
    ns = parser.parse_args()
    known = modules()
    top: dict[str, set[str]] = defaultdict(set)
    every: dict[str, set[str]] = defaultdict(set)
    local: list[tuple[str, int, str]] = []
    for module, path in sorted(known.items()):
        for target, is_local, line in imports(module, path, known):
            every[module].add(target)
            if is_local:
                local.append((module, line, target))
            else:
                top[module].add(target)
    for title, graph in (("module-level imports", top), ("all imports, local ones too", every)):
        groups = circles(graph)
        print(f"circles ({title}): {len(groups)}")
        for group in groups:
            print(f"  {len(group)} modules: {', '.join(group)}")
            if ns.edges:
                members = set(group)
                for m in group:
                    for t in sorted(graph[m] & members):
                        print(f"      {m} -> {t}")
    print(f"function-local imports of our own modules: {len(local)}")
    if ns.local:
        for module, line, target in local:
            print(f"  {known[module].replace(ROOT + os.sep, '')}:{line}: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
