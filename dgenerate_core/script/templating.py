"""The Jinja2 environment of the config language: render first, then env expansion (§2.9–§2.10)."""

from __future__ import annotations

import inspect
import os
import re
from typing import TYPE_CHECKING, Any, Mapping

from dgenerate_core.errors import DgenerateError, ScriptError, ScriptExit
from dgenerate_core.registries import script as registry
from dgenerate_core.script.envexpand import expand_env

if TYPE_CHECKING:
    import jinja2

MARKUP = ("{{", "{%", "{#")


class EnvNamespace:
    """``{{ env.NAME }}``: the environment variable NAME, ``''`` when unset."""

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        return os.environ.get(name, "")

    def __getitem__(self, name: str) -> str:
        return os.environ.get(name, "")

    def __contains__(self, name: str) -> bool:
        return name in os.environ

    def __repr__(self) -> str:
        return "<environment variables>"


ENV = EnvNamespace()
_CHECK_ENV: list[Any] = []


def _jinja() -> Any:
    import jinja2  # start-up: runs that render no template (a plain generation) never load it

    return jinja2


def _check_env() -> Any:
    if not _CHECK_ENV:
        _CHECK_ENV.append(_jinja().Environment())
    return _CHECK_ENV[0]


def has_markup(text: str) -> bool:
    """True when ``text`` contains Jinja markup."""
    return any(m in text for m in MARKUP)


def template_complete(text: str) -> bool:
    """Whether a collected template block is balanced; raises ScriptError on a syntax error."""
    try:
        _check_env().parse(text)
    except _jinja().TemplateSyntaxError as ex:
        message = str(ex.message or ex)
        if "end of template" in message.lower() or "missing end of comment" in message.lower():
            return False
        raise ScriptError(f"Template Syntax Error: {message}", _our_line(text, ex.lineno)) from None
    return True


_JINJA_NEWLINE = re.compile(r"\r\n|\r|\n")


def _our_line(text: str, jinja_line: int | None) -> int | None:
    """Jinja counts a lone ``\r`` as a line end, a script only ``\n``: map Jinja's line number."""
    if jinja_line is None or "\r" not in text:
        return jinja_line
    for number, match in enumerate(_JINJA_NEWLINE.finditer(text), start=2):
        if number == jinja_line:
            return text.count("\n", 0, match.end()) + 1
    return text.count("\n") + 1 if jinja_line > 1 else jinja_line


def _takes_argument(fn: Any) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
               for p in params)


def make_environment() -> jinja2.Environment:
    """A plain Jinja2 environment carrying every template function (and filter) and ``env``."""
    environment = _jinja().Environment(keep_trailing_newline=False)
    update_functions(environment)
    return environment


def update_functions(environment: jinja2.Environment) -> None:
    """(Re)install the registered functions as globals and filters, e.g. after a plugin load."""
    environment.__dict__.pop("_dgenerate_templates", None)  # compiled with the old globals
    own_globals = {"range", "dict", "lipsum", "cycler", "joiner", "namespace"}
    for name, func in registry.FUNCTIONS.items():
        if not (func.python and name in own_globals):
            environment.globals[name] = func.fn
        if not _takes_argument(func.fn):
            continue
        if func.python:  # Jinja's own filters of the same name (int, list, sum ...) stay
            environment.filters.setdefault(name, func.fn)
        else:
            environment.filters[name] = func.fn
    environment.globals["env"] = ENV


def render(environment: jinja2.Environment, text: str, variables: Mapping[str, Any]) -> str:
    """Render ``text`` (no-op without markup); errors become ScriptError with a template line."""
    if not has_markup(text):
        return text
    try:
        return _compiled(environment, text).render(dict(variables))
    except _jinja().TemplateSyntaxError as ex:
        raise ScriptError(f"Template Syntax Error: {ex.message}", _our_line(text, ex.lineno)) from None
    except (ScriptError, ScriptExit):
        raise
    except DgenerateError as ex:
        raise ScriptError(f"Template Render Error: {ex}",
                          _our_line(text, _template_lineno(ex))) from None
    except Exception as ex:
        raise ScriptError(f"Template Render Error: {type(ex).__name__}: {ex}",
                          _our_line(text, _template_lineno(ex))) from None


_CACHE_SIZE = 512


def _compiled(environment: jinja2.Environment, text: str) -> jinja2.Template:
    """The compiled template for ``text`` (statements in loops are compiled once)."""
    cache = environment.__dict__.setdefault("_dgenerate_templates", {})
    template = cache.get(text)
    if template is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        template = cache[text] = environment.from_string(text)
    return template


def _template_lineno(ex: BaseException) -> int | None:
    """The template line an exception was raised on (from its traceback), if any."""
    tb = ex.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


def render_and_expand(environment: jinja2.Environment, text: str,
                      variables: Mapping[str, Any]) -> str:
    """Templates first, then ``$VAR``/``${VAR}``/``%VAR%`` expansion (the order of the manual)."""
    return expand_env(render(environment, text, variables))
