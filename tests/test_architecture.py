"""The layers of docs/architecture.md hold: import-linter contracts (pyproject.toml), no import
circle in the engine, and imports of our own modules at the top of the file."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import import_report  # noqa: E402  (tools/ is not a package)

#: the entry floor may defer whole modes, each with a "# start-up:" reason on the line
ENTRY_FLOOR = ("dgenerate_core/cli.py", "dgenerate_core/modes.py")


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command;"
                           "lint_imports_command()", "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract is not vacuous: a ground-floor module importing a higher floor fails it."""
    copy = tmp_path / "tree"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    for package in ("dgenerate_core", "dgenerate_console"):
        shutil.copytree(ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    errors = copy / "dgenerate_core" / "errors.py"
    errors.write_text(errors.read_text() + "\n\ndef _upward():\n"
                      "    from dgenerate_core import invoke  # noqa\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "dgenerate_core.errors -> dgenerate_core.invoke" in result.stdout


def test_no_import_circle_in_the_engine():
    known = import_report.modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        if module.startswith("dgenerate_core"):
            graph[module] = {t for t, _, _ in import_report.imports(module, path, known)
                             if t.startswith("dgenerate_core")}
    assert import_report.circles(graph) == []


def _local_own_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if in_function and isinstance(child, ast.ImportFrom) and child.level == 0 and \
                    (child.module or "").split(".")[0] in import_report.PACKAGES:
                found.append((child.lineno, child.module))
            elif in_function and isinstance(child, ast.Import):
                found.extend((child.lineno, a.name) for a in child.names
                             if a.name.split(".")[0] in import_report.PACKAGES)
            visit(child, inner)

    visit(tree, False)
    return found


def test_own_modules_are_imported_at_the_top():
    misplaced, unexplained = [], []
    for path in sorted((ROOT / "dgenerate_core").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, module in _local_own_imports(path):
            if rel not in ENTRY_FLOOR:
                misplaced.append(f"{rel}:{lineno}: {module}")
            elif "# start-up:" not in lines[lineno - 1]:
                unexplained.append(f"{rel}:{lineno}: {module}")
    assert misplaced == [], "import these at the top of the file:\n" + "\n".join(misplaced)
    assert unexplained == [], "say why with '# start-up: ...':\n" + "\n".join(unexplained)


def test_registries_are_plain_data():
    """The ground floor imports nothing of ours but errors."""
    for path in (ROOT / "dgenerate_core" / "registries").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dgenerate"):
                assert node.module == "dgenerate_core.errors", f"{path.name}: {node.module}"
