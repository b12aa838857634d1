"""Format Code: a pure ``format_code(text) -> str`` for dgenerate scripts.

It only changes whitespace the reader ignores: trailing whitespace goes, statement lines are
indented 4 spaces per open Jinja block (``{% for %}`` / ``{% if %}`` ...; ``{% else %}`` and
``{% end... %}`` one level less), dash option lines 4 more than their statement, and lines
continuing a trailing ``\\`` (or a string left open) 4 more than the line that began the
chain.  Lines that start inside a multi-line Jinja construct (``{{``, ``{%``, ``{#`` left
open) are kept exactly as they are, and a line that opens one keeps its trailing whitespace
(Jinja's idea of a balanced block can depend on it).
"""

from __future__ import annotations

from pygments.token import Comment, Keyword, Whitespace

from dgenerate_core.script.lexer import ROOT_STATE, lex_line

__all__ = ["format_code", "INDENT"]

INDENT = "    "
_OPENERS = {"for", "if", "macro", "call", "filter", "with", "block", "raw"}
_MIDDLE = {"else", "elif"}
_JINJA_STATES = {"jinja_expr", "jinja_stmt", "jinja_comment"}


def _block_effect(tokens) -> tuple[bool, int]:
    """(the line starts with an ``else``/``end...`` tag, net change of the block depth)."""
    leading, net, first = False, 0, True
    after_open = False
    for token, value in tokens:
        if token in Whitespace or not value.strip():
            continue
        if token in Comment.Preproc and value.startswith("{%"):
            after_open = True
            continue
        if after_open and token in Keyword:
            word = value
            if word in _OPENERS:
                net += 1
            elif word.startswith("end") and word != "endset":
                net -= 1
                leading = leading or first
            elif word in _MIDDLE:
                leading = leading or first
        after_open = False
        first = False
    return leading, net


def _is_statement_text(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def format_code(text: str) -> str:
    """``text`` with normalised indentation and no trailing whitespace (same meaning)."""
    lines = text.split("\n")
    out: list[str] = []
    state = ROOT_STATE
    depth = 0
    previous = ""
    chain = 0  # the level of lines continuing the current backslash / string chain
    for raw in lines:
        start = state
        tokens, state = lex_line(raw, start)
        leading, net = _block_effect(tokens)
        if _JINJA_STATES & set(start):
            out.append(raw)
        elif not raw.strip():
            out.append("")
        elif start != ROOT_STATE:
            out.append(INDENT * chain + raw.strip())
        else:
            stripped = raw.strip()
            level = max(0, depth - (1 if leading else 0))
            if stripped.startswith("-") and _is_statement_text(previous):
                level += 1
            chain = level + 1
            if _JINJA_STATES & set(state):  # opens a multi-line {{ / {% / {#: keep its tail
                stripped = raw.lstrip()
            out.append(INDENT * level + stripped)
        depth = max(0, depth + net)
        previous = raw
    return "\n".join(out)
