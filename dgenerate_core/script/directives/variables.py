"""Directives that define and print things: set, sete, setp, unset, env, unset_env, print, echo,
gen_seeds, import."""

from __future__ import annotations

import importlib
import os

from dgenerate_core.errors import ScriptError
from dgenerate_core.script.envexpand import expand_env
from dgenerate_core.script.functions import gen_seeds
from dgenerate_core.registries.script import builtin


def _split_name(rest: str, directive: str) -> tuple[str, str]:
    """Split ``NAME VALUE``; a name starting with ``{{`` runs to its matching ``}}``."""
    rest = rest.strip()
    if rest.startswith("{{") and "}}" in rest:
        end = rest.index("}}") + 2
        name, value = rest[:end], rest[end:]
    else:
        parts = rest.split(None, 1)
        name, value = (parts + ["", ""])[:2]
    if not name:
        raise ScriptError(f"\\{directive}: missing the variable name")
    return name, value.strip()


def _define(ctx, name: str, value) -> None:
    ctx.set_variable(name, value)


@builtin("set", r"""
Define a template variable as a string: \set NAME VALUE

The name and the value are templated and then environment variables are expanded; the value is
stripped and stored exactly as written, quotes included (it is not shell-parsed, it works like a
macro). The name may itself come from a template or an environment variable, for example
\set {{ name_var }} value.
""", raw=True)
def _set(ctx, rest: str) -> int:
    name, value = _split_name(rest, "set")
    if not value:
        raise ScriptError("\\set: expected a variable name and a value")
    _define(ctx, ctx.expand(name).strip(), ctx.expand(value).strip())
    return 0


@builtin("sete", r"""
Define a template variable as a list of shell-parsed tokens: \sete NAME ARGS...

The arguments are parsed like an invocation (quotes, escapes, environment variables, ~ and
globs), so \sete files ./images/*.png stores the list of matching files.
""", raw=True)
def _sete(ctx, rest: str) -> int:
    name, value = _split_name(rest, "sete")
    _define(ctx, ctx.expand(name).strip(), ctx.shell_args(value))
    return 0


@builtin("setp", r"""
Define a template variable from a Python expression: \setp NAME EXPRESSION

The expression is templated, environment variables are expanded, and it is then evaluated:
literals, arithmetic, comparisons, slicing, comprehensions and conditional expressions, calls of
template functions and Python builtins, and methods of the values they produce, with the template
variables as names. Statements (assignment, import, print) are not expressions and are refused.
Example: \setp sizes [s * 64 for s in range(8, 13)]
""", raw=True)
def _setp(ctx, rest: str) -> int:
    name, value = _split_name(rest, "setp")
    if not value:
        raise ScriptError("\\setp: expected a variable name and an expression")
    _define(ctx, ctx.expand(name).strip(), ctx.evaluate(ctx.expand(value)))
    return 0


@builtin("unset", r"""
Remove a template variable defined with \set, \sete, \setp and friends: \unset NAME
""", raw=True)
def _unset(ctx, rest: str) -> int:
    name = ctx.expand(rest).strip()
    if not name:
        raise ScriptError("\\unset: expected a variable name")
    if name in ctx.reserved:
        raise ScriptError(f'\\unset: cannot undefine the reserved template variable "{name}"')
    if name not in ctx.variables:
        raise ScriptError(f'\\unset: template variable "{name}" is not defined')
    del ctx.variables[name]
    return 0


@builtin("env", r"""
Set environment variables, or print them all: \env NAME=VALUE [NAME=VALUE ...]

With no arguments every environment variable is printed as \env "NAME=VALUE". Names and values
are templated and environment variables in them are expanded; values cannot contain spaces.
""", raw=True)
def _env(ctx, rest: str) -> int:
    text = ctx.render(rest).strip()
    if not text:
        for key, value in sorted(os.environ.items()):
            ctx.print(f'\\env "{key}={value}"')
        return 0
    for item in text.split():
        name, sep, value = item.partition("=")
        name = expand_env(name).strip()
        if not sep:
            raise ScriptError(f'\\env: "{item}" is not NAME=VALUE')
        if not name:
            raise ScriptError("\\env: environmental variable name expanded to nothing")
        os.environ[name] = expand_env(value)
    return 0


@builtin("unset_env", r"""
Remove environment variables: \unset_env NAME [NAME ...]

Missing variables are ignored. The names are shell-parsed, so $HOLDER expands to the name it holds.
""")
def _unset_env(ctx, args: list[str]) -> int:
    if not args:
        raise ScriptError("\\unset_env: expected at least one variable name")
    for name in args:
        os.environ.pop(name, None)
    return 0


@builtin("print", r"""
Print text after template and environment variable expansion: \print TEXT

The text is not shell-parsed: quotes and globs are printed as written.
""", raw=True, once=True)
def _print(ctx, rest: str) -> int:
    ctx.print(ctx.expand(rest))
    return 0


@builtin("echo", r"""
Print the arguments after shell parsing, joined by one space: \echo ARGS...

Useful to see what quoting, escapes, environment variables and globs turn an argument into.
""", once=True)
def _echo(ctx, args: list[str]) -> int:
    ctx.print(" ".join(args))
    return 0


@builtin("gen_seeds", r"""
Store N random seeds (a list of strings) in a template variable: \gen_seeds NAME N
""", once=True)
def _gen_seeds(ctx, args: list[str]) -> int:
    if len(args) != 2:
        raise ScriptError("\\gen_seeds: expected a variable name and a count")
    try:
        count = int(args[1])
    except ValueError:
        raise ScriptError(f'\\gen_seeds: the count "{args[1]}" is not an integer') from None
    if count < 1:
        raise ScriptError("\\gen_seeds: the count must be at least 1")
    _define(ctx, args[0], gen_seeds(count))
    return 0


@builtin("import", r"""
Import a Python module into the template variables: \import MODULE [as NAME]

\import a.b binds "a"; \import a.b as x binds the module a.b to "x". The module can then be used
in templates and \setp expressions, e.g. \import math then \setp r math.sqrt(2).
""")
def _import(ctx, args: list[str]) -> int:
    if len(args) not in (1, 3) or (len(args) == 3 and args[1] != "as"):
        raise ScriptError("\\import: expected MODULE or MODULE as NAME")
    try:
        module = importlib.import_module(args[0])
    except ImportError as ex:
        raise ScriptError(f'\\import: cannot import "{args[0]}": {ex}') from None
    if len(args) == 3:
        name, value = args[2], module
    else:
        name = args[0].split(".")[0]
        value = importlib.import_module(name)
    if name == "os":
        ctx.variables["os"] = value
    else:
        _define(ctx, name, value)
    return 0
