"""Safe evaluation of Python expressions for ``\\setp`` and ``--setp`` (asteval, checked first)."""

from __future__ import annotations

import ast
from typing import Any, Mapping

from dgenerate_core.errors import ScriptError

FORBIDDEN_NAMES = frozenset({
    "open", "__import__", "eval", "exec", "compile", "input", "breakpoint", "globals", "locals",
    "vars", "exit", "quit", "print", "help", "memoryview", "setattr", "delattr", "__builtins__",
})
# attributes that run programs, open files or change the file system (os, glob ...)
FORBIDDEN_ATTRS = frozenset({
    "system", "popen", "open", "fdopen", "remove", "unlink", "rmdir", "removedirs", "rename",
    "renames", "replace", "kill", "killpg", "fork", "forkpty", "truncate", "chmod", "chown",
    "makedirs", "mkdir", "symlink", "link", "write", "putenv", "unsetenv", "startfile",
    "read_text", "read_bytes", "write_text", "write_bytes",
})


def _refuse(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name) and (node.id in FORBIDDEN_NAMES or node.id.startswith("__")):
        return f'use of "{node.id}" is not allowed'
    if isinstance(node, ast.Attribute):
        attr = node.attr
        if attr.startswith("_"):
            return f'access to the attribute "{attr}" is not allowed'
        if attr in FORBIDDEN_ATTRS or attr.startswith(("exec", "spawn", "posix_spawn")):
            return f'calling "{attr}" (process or file system access) is not allowed'
    if isinstance(node, (ast.NamedExpr, ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom)):
        return f"{type(node).__name__} is not allowed in an expression"
    return None


def check_expression(text: str) -> ast.Expression:
    """Parse ``text`` as a single expression and refuse unsafe constructs."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as ex:
        raise ScriptError(f"\\setp eval error: invalid expression: {ex.msg}: "
                          f"{text.strip()}") from None
    for node in ast.walk(tree):
        problem = _refuse(node)
        if problem:
            raise ScriptError(f"\\setp eval error: {problem}")
    return tree


def evaluate(text: str, symbols: Mapping[str, Any], functions: Mapping[str, Any]) -> Any:
    """Evaluate an expression with template variables and functions as names."""
    from asteval import Interpreter

    check_expression(text)
    config = {"import": False, "importfrom": False, "listcomp": True, "dictcomp": True,
              "setcomp": True, "ifexp": True, "formattedvalue": True, "lambda": False,
              "functiondef": False, "print": False, "with": False, "while": False}
    interp = Interpreter(use_numpy=False, symtable=_symtable(symbols, functions), config=config)
    errors: list[str] = []
    value = interp.eval(text.strip(), show_errors=False, raise_errors=False)
    if interp.error:
        for err in interp.error:
            kind, message = err.get_error()
            lines = [ln.strip() for ln in str(message).splitlines() if ln.strip()]
            last = lines[-1] if lines else kind
            errors.append(last if last.startswith(kind) else f"{kind}: {last}")
        raise ScriptError("\\setp eval error: " + "; ".join(errors))
    return value


def _symtable(symbols: Mapping[str, Any], functions: Mapping[str, Any]) -> dict:
    from asteval import make_symbol_table

    table = make_symbol_table(use_numpy=False, nested=False)
    for name in list(table):
        if name in FORBIDDEN_NAMES or name.startswith("_"):
            del table[name]
    table.update(functions)
    table.update({k: v for k, v in symbols.items()})
    return table
