"""Check a script without running it: statements, directive names, and every invocation free of
template markup parsed against the option table. Run as ``python -m dgenerate_core.script.static_check FILE...``."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from dgenerate_core.errors import DgenerateError, ScriptError
from dgenerate_core.registries import script as registry
from dgenerate_core.script import catalog, templating  # noqa: F401 - catalog: the built-ins
from dgenerate_core.script.envexpand import ENV_RE
from dgenerate_core.script.reader import Statement, read_statements, split_lines
from dgenerate_core.options import parse_args
from dgenerate_core.script.interpreter import meta_argument, unknown_directive_message
from dgenerate_core.script.tokens import shell_split


@dataclass(frozen=True)
class Diagnostic:
    """One problem found by the static check."""

    lineno: int | None
    message: str


def _check_directive(statement: Statement, plugins_loaded: bool) -> str | None:
    name = statement.text[1:].split(None, 1)[0] if len(statement.text) > 1 else ""
    if name not in registry.DIRECTIVES and not plugins_loaded:
        return unknown_directive_message(name)
    return None


def _check_invocation(text: str) -> str | None:
    if templating.has_markup(text):
        return None  # its arguments are only known when it runs
    try:
        argv = shell_split(text, env=False, expand=False)
    except ScriptError as ex:
        return ex.message
    meta = meta_argument(argv)
    if meta is not None:
        return f"{meta} is a meta argument and cannot be used inside a config"
    try:
        parse_args(argv)
    except DgenerateError as ex:
        # a value from an environment variable is only known when the line runs
        return None if ENV_RE.search(text) else str(ex)
    except Exception as ex:  # a parser bug must not stop the check of the other lines
        return f"cannot parse the arguments ({type(ex).__name__}: {ex})"
    return None


def _check_template(statement: Statement) -> str | None:
    try:
        templating.template_complete(statement.text)
    except ScriptError as ex:
        return ex.message
    return None


def static_check(text: str, source: str = "<string>") -> list[Diagnostic]:
    """Every problem found in ``text`` (an empty list when it looks runnable)."""
    found: list[Diagnostic] = []
    plugins_loaded = False
    statements = read_statements(split_lines(text), templating.template_complete)
    while True:
        try:
            statement = next(statements)
        except StopIteration:
            break
        except ScriptError as ex:
            found.append(Diagnostic(ex.lineno, ex.message))
            break
        if statement.kind == "template" or statement.text.startswith("{"):
            problem = _check_template(statement)
        elif statement.text.startswith("\\"):
            plugins_loaded = plugins_loaded or statement.text.startswith("\\import_plugins")
            problem = _check_directive(statement, plugins_loaded)
        else:
            problem = _check_invocation(statement.text)
        if problem:
            found.append(Diagnostic(statement.lineno, problem))
    return found


def main(argv: list[str] | None = None) -> int:
    """Check each file given; print ``FILE:LINE: message`` per problem; 1 if any."""
    files = sys.argv[1:] if argv is None else argv
    if not files:
        print("usage: python -m dgenerate_core.script.static_check FILE...", file=sys.stderr)
        return 2
    status = 0
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as ex:
            print(f"{path}: cannot read: {ex.strerror}")
            status = 1
            continue
        for diag in static_check(text, path):
            print(f"{path}:{diag.lineno}: {diag.message}")
            status = 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
