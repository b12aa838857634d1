"""Evaluation of Python expressions for ``\\setp`` and ``--setp`` (asteval).

This is expression evaluation, not a sandbox: a ``.dgen`` script is a program with the rights of
the user who runs it (``\\import``, ``import_module`` and ``\\exec`` are documented features, see
docs/security.md). What the manual describes is evaluated: literals, operators, comprehensions,
ternaries, calls of template functions and the builtins, and methods of the values these produce.
What the manual refuses is refused: statements (assignment, import, print).
"""

from __future__ import annotations

import ast
from typing import Any, Mapping

from dgenerate_core.errors import ScriptError

# the manual: a \setp value is an expression; assignment, import and print are not part of it
_STATEMENT_NAMES = frozenset({"print"})
_ASTEVAL_CONFIG = {"import": False, "importfrom": False, "listcomp": True, "dictcomp": True,
                   "setcomp": True, "ifexp": True, "formattedvalue": True, "lambda": True,
                   "functiondef": False, "print": False, "with": False, "while": False}


def check_expression(text: str) -> ast.Expression:
    """Parse ``text`` as one Python expression; statements are refused."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as ex:
        raise ScriptError(f"\\setp eval error: invalid expression: {ex.msg}: "
                          f"{text.strip()}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.NamedExpr):
            raise ScriptError("\\setp eval error: assignment is not an expression")
    return tree


def evaluate(text: str, symbols: Mapping[str, Any], functions: Mapping[str, Any]) -> Any:
    """Evaluate an expression with template variables and functions as names."""
    from asteval import Interpreter  # third-party, loaded on the first \setp only

    check_expression(text)
    interp = Interpreter(use_numpy=False, symtable=_symtable(symbols, functions),
                         config=dict(_ASTEVAL_CONFIG))
    for name in _STATEMENT_NAMES:  # asteval installs its own print; the manual has none
        interp.symtable.pop(name, None)
    value = interp.eval(text.strip(), show_errors=False, raise_errors=False)
    if interp.error:
        errors: list[str] = []
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
    table.update(functions)
    table.update({k: v for k, v in symbols.items()})
    return table
