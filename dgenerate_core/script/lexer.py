"""A pygments lexer for dgenerate config scripts (``.dgen``), registered as ``dgenerate``.

Context aware: statement starts (directives, the model path of an invocation), ``--options``
from the option table, tail comments as the reader cuts them (an unescaped ``#`` outside a
complete string, and inside a string left open on its line), strings continued over lines,
backslash and dash continuations, Jinja ``{{ }}`` / ``{% %}`` / ``{# #}`` with expression
highlighting inside, environment variables, numbers, ``WxH`` sizes, URI ``;key=value``
arguments and ``\\set`` / ``\\setp`` variable names.

Lexing is strictly line by line: :meth:`DgenerateLexer.lex_line` takes the state stack at the
start of a physical line and returns its tokens and the state at its end, so an editor can
cache one state per line and re-lex incrementally.  No token ever spans two lines.
Torch-free (imports only pygments, the option table and the directive registry).
"""

from __future__ import annotations

import re
from typing import Iterator

from pygments.lexer import ExtendedRegexLexer, LexerContext, bygroups, include
from pygments.token import (Comment, Keyword, Name, Number, Operator, Punctuation, String, Text,
                            Whitespace, _TokenType)
from dgenerate_core.options import OPTIONS
from dgenerate_core.script import registry

__all__ = ["DgenerateLexer", "ROOT_STATE", "lex_line"]

ROOT_STATE: tuple[str, ...] = ("root",)

_FALLBACK_DIRECTIVES = (
    "auto1111_metadata cd civitai_links clear_device_cache clear_modules clear_object_cache cp "
    "directives_help download echo env exec exit functions_help gen_seeds help image_process "
    "image_processor_help import import_plugins latents_processor_help list_object_caches ls "
    "mkdir mv popd print prompt_upscale prompt_upscaler_help prompt_weighter_help pushd pwd "
    "quantizer_help reset_lineno rm rmdir save_modules set sete setp templates_help to_diffusers "
    "unset unset_env use_modules").split()


def _known_directives() -> list[str]:
    try:
        registry.ensure_loaded()
        names = set(registry.DIRECTIVES)
    except Exception:  # pragma: no cover - the fallback list keeps the lexer usable anywhere
        names = set()
    return sorted(names | set(_FALLBACK_DIRECTIVES), key=lambda n: (-len(n), n))


def _known_options() -> tuple[list[str], list[str]]:
    try:
        names = {n for spec in OPTIONS for n in spec.names if n.startswith("-")}
    except Exception:  # pragma: no cover
        names = set()
    longs = sorted((n for n in names if n.startswith("--")), key=lambda n: (-len(n), n))
    shorts = sorted((n for n in names if not n.startswith("--")), key=lambda n: (-len(n), n))
    return longs, shorts


_DIRECTIVES = _known_directives()
_LONG, _SHORT = _known_options()
_SPECIAL = {"set", "sete", "setp", "unset", "unset_env", "env"}
_OTHER_DIRECTIVES = [d for d in _DIRECTIVES if d not in _SPECIAL]

_END = r"(?=[ \t\n]|$)"             # end of a shell word
_SEP_BEFORE = r"(?<![^\s=,;:+(\[])"  # at a word start (after a separator or the line start)
_JINJA_KEYWORDS = (
    "and as block call do elif else endblock endcall endfilter endfor endif endmacro endraw "
    "endset endwith extends filter for from if import in include is macro not or raw recursive "
    "set with").split()
_JINJA_CONSTANTS = "true false none True False None".split()
_ENV_VAR = r"\$\{\w+\}|\$\w+|%\w+%"


def _words(names: list[str]) -> str:
    return "(?:" + "|".join(re.escape(n) for n in names) + ")"


def _end_statement(lexer, match, ctx):
    """A newline that ends the logical line: back to the statement start."""
    yield match.start(), Whitespace, match.group()
    ctx.stack = ["root"]
    ctx.pos = match.end()


def _nothing(lexer, match, ctx):
    """A zero-width rule that only changes state."""
    ctx.pos = match.end()
    return iter(())


def default(state):
    """Like pygments' ``default`` but never taken at the end of the text (so the state after a
    line is what its last token left, not what an empty match at the end would push)."""
    return (r"(?=[^\n])", _nothing, state)


_CONTINUATION = r"(\\)(?:([ \t]+)(#[^\n]*)?)?(\n)"  # '\#' is an escape, never a continuation


class DgenerateLexer(ExtendedRegexLexer):
    """Lexer for dgenerate config scripts (``*.dgen``)."""

    name = "dgenerate"
    aliases = ["dgenerate"]
    filenames = ["*.dgen"]
    mimetypes = ["text/x-dgenerate"]
    url = "https://github.com/Teriks/dgenerate"

    def __init__(self, **options) -> None:
        options.setdefault("stripnl", False)  # blank lines are part of a script's meaning
        super().__init__(**options)

    tokens = {
        "root": [
            (r"[ \t]+", Whitespace),
            (r"\n", Whitespace),
            (r"#!\s+dgenerate\s+[0-9]+\.[0-9]+\.[0-9]+[^\n]*", Comment.Preproc),
            (r"#![^\n]*", Comment.Hashbang),
            (r"#[^\n]*", Comment.Single),
            (r"\\(?:set|sete)" + _END, Keyword, "set_name"),
            (r"\\setp" + _END, Keyword, "setp_name"),
            (r"\\(?:unset|unset_env)" + _END, Keyword, "names"),
            (r"\\env" + _END, Keyword, "env_args"),
            (r"\\" + _words(_OTHER_DIRECTIVES) + _END, Keyword, "args"),
            (r"\\[A-Za-z_]\w*", Keyword.Pseudo, "args"),
            (r"(?!-)[^\s#\"'\\{;$%]+", Name.Class, "args"),
            default("args"),
        ],
        # the arguments of a directive or an invocation, up to the end of the logical line
        "args": [
            (r"(;)" + _CONTINUATION, bygroups(Punctuation, String.Escape, Whitespace,
                                              Comment.Single, Whitespace), "uri_cont_start"),
            (_CONTINUATION, bygroups(String.Escape, Whitespace, Comment.Single, Whitespace),
             "cont_start"),
            (r"\n", _end_statement),
            (r"[ \t]+", Whitespace),
            include("jinja_open"),
            (r"#[^\n]*", Comment.Single),
            include("strings"),
            (r"\\[^\n]", String.Escape),
            (_ENV_VAR, Name.Variable.Global),
            (_SEP_BEFORE + _words(_LONG) + r"(?![\w-])", Name.Attribute),
            (_SEP_BEFORE + r"--[A-Za-z0-9][\w-]*", Name.Other),
            (_SEP_BEFORE + _words(_SHORT) + r"(?![\w-])", Name.Attribute),
            (r"(;)([ \t]*)([A-Za-z_][\w-]*)([ \t]*)(=)",
             bygroups(Punctuation, Whitespace, Name.Tag, Whitespace, Operator)),
            (r";", Punctuation),
            (_SEP_BEFORE + r"\d+(?:x\d+){1,2}(?![\w.])", Number),
            (_SEP_BEFORE + r"-?\d+\.\d+(?:[eE][-+]?\d+)?(?![\w.])", Number.Float),
            (_SEP_BEFORE + r"-?\d+(?![\w.])", Number.Integer),
            (r"[^\s\"'\\#{;$%]+", Text),
            (r".", Text),
        ],
        # the start of a line that continues a statement after a trailing backslash
        "cont_start": [
            (r"[ \t]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r"\n", Whitespace),
            default("#pop"),
        ],
        # the same after a URI's ';\\': the next line starts with a 'key=' argument
        "uri_cont_start": [
            (r"[ \t]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r"\n", Whitespace),
            (r"([A-Za-z_][\w-]*)([ \t]*)(=)", bygroups(Name.Tag, Whitespace, Operator), "#pop"),
            default("#pop"),
        ],
        "set_name": [
            (r"[ \t]+", Whitespace),
            (r"[^\s\\#{\"']+", Name.Variable, ("#pop", "args")),
            default(("#pop", "args")),
        ],
        "setp_name": [
            (r"[ \t]+", Whitespace),
            (r"[^\s\\#{\"']+", Name.Variable, ("#pop", "expr")),
            default(("#pop", "expr")),
        ],
        "names": [
            (r"[ \t]+", Whitespace),
            (r"\n", _end_statement),
            (r"#[^\n]*", Comment.Single),
            (r"[A-Za-z_]\w*" + _END, Name.Variable),
            default(("#pop", "args")),
        ],
        "env_args": [
            (r"(?<![^\s])([A-Za-z_]\w*)(=)", bygroups(Name.Variable.Global, Operator)),
            include("args"),
        ],
        # a Python expression (the value of \setp), up to the end of the logical line
        "expr": [
            (_CONTINUATION, bygroups(String.Escape, Whitespace, Comment.Single, Whitespace),
             "cont_start"),
            (r"\n", _end_statement),
            include("jinja_open"),
            (r"#[^\n]*", Comment.Single),
            include("expression"),
        ],
        "strings": [
            (r"\"(?=(?:[^\"\\\n]|\\.)*\")", String.Double, "dq"),
            (r"\"", String.Double, "dq_open"),
            (r"'(?=(?:[^'\\\n]|\\.)*')", String.Single, "sq"),
            (r"'", String.Single, "sq_open"),
        ],
        # a string closed on its own line: '#' inside is literal
        "dq": [
            (r"\"", String.Double, "#pop"),
            (r"\\[^\n]", String.Escape),
            include("jinja_open"),
            (_ENV_VAR, Name.Variable.Global),
            (r"[^\"\\{$%\n]+", String.Double),
            (r"\n", _end_statement),
            (r".", String.Double),
        ],
        "sq": [
            (r"'", String.Single, "#pop"),
            (r"\\[^\n]", String.Escape),
            include("jinja_open"),
            (r"[^'\\{\n]+", String.Single),
            (r"\n", _end_statement),
            (r".", String.Single),
        ],
        # a string left open on its line: an unescaped '#' starts a comment, and a trailing
        # backslash carries the string on to the next line
        "dq_open": [
            (_CONTINUATION, bygroups(String.Escape, String.Double, Comment.Single, String.Double)),
            (r"\"", String.Double, "#pop"),
            (r"\\[^\n]", String.Escape),
            include("jinja_open"),
            (r"#[^\n]*", Comment.Single),
            (_ENV_VAR, Name.Variable.Global),
            (r"[^\"\\{$%#\n]+", String.Double),
            (r"\n", _end_statement),
            (r".", String.Double),
        ],
        "sq_open": [
            (_CONTINUATION, bygroups(String.Escape, String.Single, Comment.Single, String.Single)),
            (r"'", String.Single, "#pop"),
            (r"\\[^\n]", String.Escape),
            include("jinja_open"),
            (r"#[^\n]*", Comment.Single),
            (r"[^'\\{#\n]+", String.Single),
            (r"\n", _end_statement),
            (r".", String.Single),
        ],
        "jinja_open": [
            (r"\{\{-?", Comment.Preproc, "jinja_expr"),
            (r"\{%-?", Comment.Preproc, "jinja_stmt"),
            (r"\{#", Comment.Multiline, "jinja_comment"),
        ],
        "jinja_expr": [
            (r"-?\}\}", Comment.Preproc, "#pop"),
            (r"\n", Whitespace),
            include("expression"),
        ],
        "jinja_stmt": [
            (r"-?%\}", Comment.Preproc, "#pop"),
            (r"\n", Whitespace),
            include("expression"),
        ],
        "jinja_comment": [
            (r"#\}", Comment.Multiline, "#pop"),
            (r"[^#\n]+", Comment.Multiline),
            (r"\n", Comment.Multiline),
            (r"#", Comment.Multiline),
        ],
        # Jinja / Python expression tokens (never a newline: the including state decides)
        "expression": [
            (r"[ \t]+", Whitespace),
            (r"\"(?:[^\"\\\n]|\\.)*\"", String.Double),
            (r"'(?:[^'\\\n]|\\.)*'", String.Single),
            (r"(\|)([ \t]*)([A-Za-z_]\w*)", bygroups(Operator, Whitespace, Name.Function)),
            (_words(_JINJA_CONSTANTS) + r"\b", Keyword.Constant),
            (_words(_JINJA_KEYWORDS) + r"\b", Keyword),
            (r"[A-Za-z_]\w*(?=[ \t]*\()", Name.Function),
            (r"[A-Za-z_]\w*", Name.Variable),
            (r"\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?", Number.Float),
            (r"\d+", Number.Integer),
            (r"\*\*|//|==|!=|<=|>=|[-+*/%=<>!~.|]", Operator),
            (r"[()\[\]{},:;]", Punctuation),
            (r"\\[^\n]", String.Escape),
            (r"[^\n]", Text),
        ],
    }

    def lex_line(self, line: str, stack: tuple[str, ...] = ROOT_STATE
                 ) -> tuple[list[tuple[_TokenType, str]], tuple[str, ...]]:
        """Tokens of one physical line (with or without its ``\\n``) and the state after it."""
        if not line.endswith("\n"):
            line += "\n"
            strip = True
        else:
            strip = False
        ctx = LexerContext(line, 0, stack=list(stack))
        tokens = [(tok, val) for _, tok, val in super().get_tokens_unprocessed(context=ctx)]
        if strip:
            tokens = _drop_final_newline(tokens)
        return tokens, tuple(ctx.stack)

    def get_tokens_unprocessed(self, text: str | None = None, context=None
                               ) -> Iterator[tuple[int, _TokenType, str]]:
        """Lex line by line, carrying the state stack across lines."""
        if context is not None:
            yield from super().get_tokens_unprocessed(context=context)
            return
        stack: tuple[str, ...] = ROOT_STATE
        pos = 0
        for line in (text or "").splitlines(keepends=True):
            if line.endswith("\r\n"):
                line = line[:-2] + "\n"  # pragma: no cover - pygments normalises newlines
            tokens, stack = self.lex_line(line, stack)
            for tok, val in tokens:
                yield pos, tok, val
                pos += len(val)

    @staticmethod
    def analyse_text(text: str) -> float:
        """A ``#! dgenerate X.Y.Z`` header or ``--file`` shebang makes it a dgenerate script."""
        if re.search(r"^#!\s+dgenerate\s+\d+\.\d+\.\d+", text, re.M):
            return 1.0
        if re.search(r"^#!.*dgenerate\s+--file", text, re.M):
            return 0.9
        return 0.0


def _drop_final_newline(tokens: list[tuple[_TokenType, str]]) -> list[tuple[_TokenType, str]]:
    if tokens and tokens[-1][1].endswith("\n"):
        tok, val = tokens[-1]
        tokens = tokens[:-1] + ([(tok, val[:-1])] if val[:-1] else [])
    return tokens


_SHARED: list[DgenerateLexer] = []


def lex_line(line: str, stack: tuple[str, ...] = ROOT_STATE
             ) -> tuple[list[tuple[_TokenType, str]], tuple[str, ...]]:
    """:meth:`DgenerateLexer.lex_line` on a shared lexer instance."""
    if not _SHARED:
        _SHARED.append(DgenerateLexer())
    return _SHARED[0].lex_line(line, stack)
