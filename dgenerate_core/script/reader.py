"""Physical lines → logical statements (config-console.md §2.1–§2.5).

Handles comments, tail comments (``\\#`` escapes a literal ``#``), backslash continuations,
dash-line continuations, comments inside continuations, Jinja "heredoc" template
continuations, ``\\reset_lineno`` and the ``#! dgenerate X.Y.Z`` version header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from dgenerate_core.errors import ScriptError

VERSION_RE = re.compile(r"#!\s+dgenerate\s+([0-9]+\.[0-9]+\.[0-9]+)")
RESET_LINENO = "\\reset_lineno"


@dataclass
class Statement:
    """One logical statement: ``kind`` is ``'line'`` (directive/invocation) or ``'template'``."""

    text: str
    lineno: int
    end_lineno: int
    kind: str = "line"


def split_lines(text: str) -> list[str]:
    """Script text to physical lines: only ``\n`` (or ``\r\n``) ends a line.

    ``str.splitlines`` would also break at form feeds, NEL, U+2028 and the protocol's 0x1E, which
    would run half a line as a statement and put line numbers out of step with any editor."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def strip_tail_comment(line: str) -> str:
    """Remove an unquoted, unescaped ``#`` and what follows; ``\\#`` becomes ``#``."""
    cut = _comment_start(line)
    kept = line if cut < 0 else line[:cut]
    return _unescape_hash(kept)


def _comment_start(line: str) -> int:
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch == "\\":
            i += 2
        elif ch in "\"'":
            end = _quote_end(line, i)
            if end < 0:  # unterminated: an unescaped '#' inside still starts a comment
                return _hash_in_rest(line, i + 1)
            i = end + 1
        elif ch == "#":
            return i
        else:
            i += 1
    return -1


def _quote_end(line: str, start: int) -> int:
    i = start + 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
        elif line[i] == line[start]:
            return i
        else:
            i += 1
    return -1


def _hash_in_rest(line: str, i: int) -> int:
    while i < len(line):
        if line[i] == "\\":
            i += 2
        elif line[i] == "#":
            return i
        else:
            i += 1
    return -1


def _unescape_hash(text: str) -> str:
    if "\\#" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append("#" if text[i + 1] == "#" else text[i:i + 2])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def check_version_line(line: str, current: str) -> str | None:
    """The warning for a ``#! dgenerate X.Y.Z`` header incompatible with ``current``, else None."""
    match = VERSION_RE.match(line.strip())
    if not match:
        return None
    want = [int(x) for x in match.group(1).split(".")]
    have = [int(x) for x in current.split(".")[:3]]
    if want[0] != have[0]:
        return (f"failed version check (major version mismatch): script wants dgenerate "
                f"{match.group(1)}, running {current}")
    if have[1] < want[1]:
        return (f"failed version check (current minor version less than requested): script wants "
                f"dgenerate {match.group(1)}, running {current}")
    return None


class _State:
    def __init__(self) -> None:
        self.cont = ""
        self.cont_start = 0
        self.in_cont = False
        self.template: list[str] = []
        self.template_start = 0
        self.last = ""


def read_statements(lines: Iterable[str], template_complete: Callable[[str], bool],
                    on_comment: Callable[[str, int], None] | None = None,
                    first_lineno: int = 1) -> Iterator[Statement]:
    """Yield the statements of ``lines``.

    ``template_complete(text)`` tells whether a collected Jinja block is balanced (it raises
    ScriptError on a syntax error); ``on_comment(line, lineno)`` sees every comment line.
    """
    st = _State()
    lineno = first_lineno - 1
    it = iter(lines)
    line = next(it, None)
    while line is not None:
        nxt = next(it, None)
        raw = line.rstrip("\r\n")
        if st.template:
            lineno += 1
            st.template.append(raw)
            if _complete(template_complete, st.template, st.template_start):
                yield Statement("\n".join(st.template), st.template_start, lineno, "template")
                st.template = []
            line = nxt
            continue
        s = strip_tail_comment(raw).strip()
        if s == RESET_LINENO and not st.in_cont:
            lineno = first_lineno - 1
            line = nxt
            continue
        lineno += 1
        yield from _step(st, raw, s, nxt, lineno, template_complete, on_comment)
        line = nxt
    if st.template:
        yield Statement("\n".join(st.template), st.template_start, lineno, "template")
    elif st.cont:
        yield Statement(st.cont.strip(), st.cont_start, lineno)


def _complete(check: Callable[[str], bool], block: list[str], start: int) -> bool:
    try:
        return check("\n".join(block))
    except ScriptError as ex:
        if ex.lineno is not None:
            ex.lineno += start - 1
        raise


def _step(st: _State, raw: str, s: str, nxt: str | None, lineno: int,
          template_complete: Callable[[str], bool],
          on_comment: Callable[[str, int], None] | None) -> Iterator[Statement]:
    nxt_dash = nxt is not None and nxt.lstrip().startswith("-")
    if s == "" or raw.lstrip().startswith("#"):
        if on_comment is not None and raw.lstrip().startswith("#"):
            on_comment(raw, lineno)
        if st.in_cont and st.last.startswith("-") and not st.last.endswith("\\"):
            yield _finish(st, lineno - 1)
    elif s.startswith("{") and not st.in_cont and not _template_line_continues(
            raw, s, nxt_dash, template_complete, lineno):
        st.template = [raw]
        st.template_start = lineno
        if _complete(template_complete, st.template, lineno):
            yield Statement(raw, lineno, lineno, "template")
            st.template = []
    elif s.endswith("\\") or nxt_dash:
        if not st.in_cont:
            st.in_cont, st.cont_start, st.cont = True, lineno, ""
        piece = s[:-1].lstrip() if s.endswith("\\") else s
        if (s.endswith("\\") and not s.startswith("-")) or (nxt_dash and not s.startswith("-")):
            st.cont += piece
        else:
            st.cont += " " + piece
    else:
        if not st.in_cont:
            st.cont_start = lineno
        if s.startswith("-") or (st.last.startswith("-") and not st.last.endswith("\\")):
            st.cont = st.cont + " " + s
        else:
            st.cont = st.cont + s
        yield _finish(st, lineno)
    st.last = s


def _template_line_continues(raw: str, s: str, nxt_dash: bool,
                             template_complete: Callable[[str], bool], lineno: int) -> bool:
    """A balanced ``{{ ... }}`` line ending in ``\\`` or before a dash line starts an invocation."""
    if not s.startswith("{{") or not (s.endswith("\\") or nxt_dash):
        return False
    try:
        return template_complete(s[:-1] if s.endswith("\\") else s)
    except ScriptError:
        return False


def _finish(st: _State, end: int) -> Statement:
    statement = Statement(st.cont.strip(), st.cont_start, max(end, st.cont_start))
    st.cont, st.in_cont = "", False
    return statement
