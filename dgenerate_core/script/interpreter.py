"""``ConfigRunner``: runs ``.dgen`` text statement by statement (config-console.md §2.6–§2.7)."""

from __future__ import annotations

import difflib
import pickle
import sys
import traceback
from typing import Any, Callable, Iterable, Sequence

from dgenerate_core import __version__, distributed
from dgenerate_core.errors import DgenerateError, ScriptError, ScriptExit
from dgenerate_core.registries import script as registry
from dgenerate_core.script import catalog  # noqa: F401 - registers the built-in directives
from dgenerate_core.script import expressions, functions, invocation, templating, tokens
from dgenerate_core.script.reader import Statement, check_version_line, read_statements, split_lines
from dgenerate_core.script.variables import check_define, initial_variables, last_variables
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.script.envexpand import expand_env

META_ARGS = ("--file", "--shell", "--shell-protocol", "--no-stdin", "--console", "--set", "--setp",
             "--ranks")


def meta_argument(argv: Sequence[str]) -> str | None:
    """The first meta argument in ``argv`` (those are not allowed inside a script), or None."""
    for token in argv:
        if token.split("=", 1)[0] in META_ARGS:
            return token.split("=", 1)[0]
    return None


class ConfigRunner:
    """Runs config scripts with one set of template variables, directives and a working state."""

    def __init__(self, injected_args: list[str] | None = None, verbose: bool = False,
                 offline: bool = False) -> None:
        self.injected_args: list[str] = list(injected_args or [])
        self.variables: dict[str, Any] = initial_variables(self.injected_args)
        self.reserved = frozenset(self.variables)
        self.verbose = verbose or bool(self.variables.get("injected_verbose"))
        self.offline = offline or any(a in ("-ofm", "--offline-mode") for a in self.injected_args)
        self.environment = templating.make_environment()
        self._generation = registry.generation()
        self.directory_stack: list[str] = []
        self.source = "<stdin>"
        self.invoker: Callable[[list[str]], Any] | None = None
        self.last_pipeline: Any = None   # main pipeline of the last invocation (\save_modules)
        self.pending_modules: dict[str, Any] | None = None  # \use_modules for the next one
        self.warn: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ public API

    def run_string(self, text: str, source: str = "<stdin>") -> None:
        """Run script text; raises ScriptError (with line and source) or ScriptExit."""
        previous, self.source = self.source, source
        try:
            self._run_lines(split_lines(text), source)
        finally:
            self.source = previous

    def run_file(self, path: str) -> None:
        """Run the script in the file ``path``."""
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as ex:
            raise ScriptError(f'cannot read config file "{path}": {ex.strerror}') from None
        self.run_string(text, path)

    def set_variable(self, name: str, value: Any) -> None:
        """Define a user template variable (checked like ``\\set``)."""
        check_define(name, self.reserved, registry.FUNCTIONS)
        self.variables[name] = value

    def define_set(self, name: str, value: str) -> None:
        """``--set NAME=VALUE``: template + env expansion of both, value stored as a string."""
        self.set_variable(self.expand(name).strip(), self.expand(value).strip())

    def define_setp(self, name: str, expression: str) -> None:
        """``--setp NAME=EXPR``: template + env expansion, then evaluation."""
        self.set_variable(self.expand(name).strip(), self.evaluate(self.expand(expression)))

    # ------------------------------------------------------------------ helpers for directives

    def render(self, text: str) -> str:
        """Render Jinja markup in ``text`` with the current variables."""
        self._refresh_functions()
        token = functions.OFFLINE.set(self.offline)
        try:
            return templating.render(self.environment, text, self.variables)
        finally:
            functions.OFFLINE.reset(token)

    def expand(self, text: str) -> str:
        """Templates first, then environment variables (the raw-directive 'macro' expansion)."""
        return expand_env(self.render(text))

    def shell_args(self, text: str) -> list[str]:
        """Render then tokenize with env, ``~`` and glob expansion."""
        return tokens.shell_split(self.render(text))

    def evaluate(self, expression: str) -> Any:
        """Evaluate a ``\\setp`` expression over the template variables and functions."""
        self._refresh_functions()
        funcs = {name: f.fn for name, f in registry.FUNCTIONS.items()}
        token = functions.OFFLINE.set(self.offline)
        try:
            return expressions.evaluate(expression, self.variables, funcs)
        finally:
            functions.OFFLINE.reset(token)

    def print(self, text: str = "") -> None:
        print(text, flush=True)

    def _refresh_functions(self) -> None:
        if registry.generation() != self._generation:
            templating.update_functions(self.environment)
            self._generation = registry.generation()

    # ------------------------------------------------------------------ execution

    def _run_lines(self, lines: Iterable[str], source: str) -> None:
        def on_comment(line: str, lineno: int) -> None:
            warning = check_version_line(line, __version__)
            if warning:
                self.warn(f"WARNING: {source}:{lineno}: {warning}")

        statements = read_statements(lines, templating.template_complete, on_comment)
        while True:
            try:
                statement = next(statements)
            except StopIteration:
                return
            except ScriptError as ex:
                raise ScriptError(ex.message, ex.lineno, source) from None
            self._execute(statement, source)

    def _execute(self, statement: Statement, source: str) -> None:
        try:
            if statement.kind == "template" or statement.text.startswith("{"):
                self._run_template(statement, source)
            elif statement.text.startswith("\\"):
                self._run_directive(statement.text)
            else:
                self._run_invocation(statement.text)
        except ScriptExit:
            raise
        except ScriptError as ex:
            if ex.source is not None and ex.lineno is not None:
                raise
            lineno = statement.lineno
            if ex.lineno is not None and statement.kind == "template":
                lineno = statement.lineno + ex.lineno - 1
            raise ScriptError(ex.message, lineno, source) from None
        except DgenerateError as ex:
            raise ScriptError(str(ex), statement.lineno, source) from None
        except KeyboardInterrupt:
            raise
        except Exception as ex:  # a bug or an unexpected library error: still one clear line
            if self.verbose:
                traceback.print_exc()
            raise ScriptError(f"{type(ex).__name__}: {ex}", statement.lineno, source) from None

    def _run_template(self, statement: Statement, source: str) -> None:
        rendered = self.render(statement.text)
        try:
            self._run_lines(split_lines(rendered), "<template>")
        except ScriptError as ex:
            span = (f"line {statement.lineno}" if statement.end_lineno == statement.lineno
                    else f"lines {statement.lineno}-{statement.end_lineno}")
            raise ScriptError(f"in the template at {span} (rendered line {ex.lineno}): "
                              f"{ex.message}", statement.lineno, source) from None

    def _run_directive(self, text: str) -> None:
        name, _, rest = text[1:].partition(" ")
        if "\t" in name:
            name, _, tail = name.partition("\t")
            rest = tail + " " + rest
        directive = registry.DIRECTIVES.get(name)
        if directive is None:
            raise ScriptError(unknown_directive_message(name))
        if directive.once and distributed.launched():
            code = self._run_once(directive, name, rest)
        else:
            code = self._call_directive(directive, name, rest)
        if code:
            raise ScriptError(f'Directive "\\{name}" error return code: {code}')
        self._refresh_functions()

    def _run_once(self, directive: Any, name: str, rest: str) -> Any:
        """A directive with side effects in a distributed run: rank 0 runs it, the other ranks
        wait and take over the template variables it set (and its error)."""
        group = distributed.current()
        before = dict(self.variables)

        def run() -> tuple[Any, dict[str, Any], list[str]]:
            code = self._call_directive(directive, name, rest)
            changed = {k: v for k, v in self.variables.items()
                       if (k not in before or before[k] is not v) and _picklable(v)}
            return code, changed, [k for k in before if k not in self.variables]

        code, changed, removed = group.once(run)
        if not group.main:
            self.variables.update(changed)
            for key in removed:
                self.variables.pop(key, None)
        return code

    def _call_directive(self, directive: Any, name: str, rest: str) -> Any:
        try:
            if directive.builtin and directive.raw:
                code = directive.fn(self, rest.strip())
            elif directive.builtin:
                code = directive.fn(self, self.shell_args(rest))
            else:
                code = directive.fn(self.shell_args(rest))
        except (DgenerateError, ScriptExit, KeyboardInterrupt):
            raise
        except Exception as ex:
            if self.verbose:
                print(f"\\{name} error trace:", file=sys.stderr)
                traceback.print_exc()
            raise ScriptError(f"\\{name}: {type(ex).__name__}: {ex}") from None
        return code

    def _run_invocation(self, text: str) -> None:
        argv = self.shell_args(text)
        meta = meta_argument(argv)
        if meta is not None:
            raise ScriptError(f"{meta} is a meta argument and cannot be used inside a config")

        argv = argv + list(self.injected_args)
        if invocation.run_help_listing(self, argv):
            return
        result = self._invoke(argv)
        self.last_pipeline = getattr(result, "pipeline", None)
        self.variables.update(last_variables(result.options))
        self.variables["last_images"] = list(result.images)
        self.variables["last_animations"] = list(result.animations)

    def _invoke(self, argv: list[str]) -> Any:
        modules, self.pending_modules = self.pending_modules, None
        if self.invoker is not None:
            return self.invoker(argv)

        return invoke_dgenerate(argv, modules=modules)


def _picklable(value: Any) -> bool:
    """True when ``value`` can travel to the other ranks (modules and the like stay behind)."""
    try:
        pickle.dumps(value)
    except Exception:  # noqa: BLE001 - pickling raises many kinds
        return False
    return True


def unknown_directive_message(name: str) -> str:
    """``Unknown directive "\\name".`` with the closest known names."""
    close = difflib.get_close_matches(name, list(registry.DIRECTIVES), n=3, cutoff=0.6)
    hint = ""
    if close:
        hint = " Did you mean: " + ", ".join(f'"\\{c}"' for c in close) + "?"
    return f'Unknown directive "\\{name}".{hint}'
