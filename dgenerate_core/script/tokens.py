"""Shell-like tokenizing of directive and invocation text (config-console.md §2.8).

Not POSIX: tokens are split on whitespace; a token is plain text, a standalone quoted string,
or an *intermixed* token (text glued to complete strings, e.g. ``plugin;arg="x y"``) whose
string parts are kept verbatim for the URI parser. Unquoted ``*`` globs, ``~`` expands.
"""

from __future__ import annotations

import glob as _glob
import os
from dataclasses import dataclass
from typing import Iterable

from dgenerate_core.errors import ScriptError
from dgenerate_core.script.envexpand import match_env_at

_ALWAYS_ESCAPED = "\"'%$\\"


@dataclass
class _Part:
    kind: str        # 'text', '"' or "'"
    raw: str         # for strings: the inside without the quotes, escapes unresolved


def _split_parts(text: str) -> list[list[_Part]]:
    """Split into tokens, each a list of parts; raises ScriptError on an unterminated string."""
    tokens: list[list[_Part]] = []
    parts: list[_Part] = []
    buf: list[str] = []
    i, n = 0, len(text)

    def flush_text() -> None:
        if buf:
            parts.append(_Part("text", "".join(buf)))
            buf.clear()

    while i < n:
        ch = text[i]
        if ch.isspace():
            flush_text()
            if parts:
                tokens.append(parts)
                parts = []
            i += 1
        elif ch == "\\" and i + 1 < n:
            buf.append(text[i:i + 2])
            i += 2
        elif ch in "\"'":
            flush_text()
            end = _string_end(text, i)
            if end < 0:
                raise ScriptError(f"un-terminated string: {text[i:]}")
            parts.append(_Part(ch, text[i + 1:end]))
            i = end + 1
        else:
            buf.append(ch)
            i += 1
    flush_text()
    if parts:
        tokens.append(parts)
    return tokens


def _string_end(text: str, start: int) -> int:
    """Index of the quote closing the string opened at ``start``, or -1."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return -1


def _resolve(raw: str, *, env: bool, in_string: bool, glob_pattern: bool = False
             ) -> tuple[str, bool]:
    """Resolve escapes (and env references); return ``(value, has_unescaped_star)``.

    With ``glob_pattern`` the literal characters are glob-escaped and ``*`` stays a wildcard.
    """
    out: list[str] = []
    star = False
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if in_string and nxt not in _ALWAYS_ESCAPED:
                out.append(_lit("\\", glob_pattern) + _lit(nxt, glob_pattern))
            else:
                out.append(_lit(nxt, glob_pattern))
            i += 2
            continue
        if env and ch in "$%":
            found = match_env_at(raw, i)
            if found is not None:
                out.append(_lit(os.environ.get(found[0], ""), glob_pattern))
                i = found[1]
                continue
        if ch == "*" and not in_string:
            star = True
            out.append("*")
        else:
            out.append(_lit(ch, glob_pattern))
        i += 1
    return "".join(out), star


def _lit(text: str, glob_pattern: bool) -> str:
    return _glob.escape(text) if glob_pattern and text else text


def _expand_env_verbatim(raw: str) -> str:
    """Env expansion inside an intermixed double-quoted part: escapes stay as written."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            out.append(raw[i:i + 2])
            i += 2
            continue
        found = match_env_at(raw, i) if raw[i] in "$%" else None
        if found is not None:
            out.append(os.environ.get(found[0], ""))
            i = found[1]
            continue
        out.append(raw[i])
        i += 1
    return "".join(out)


def _string_value(part: _Part, env: bool) -> str:
    return _resolve(part.raw, env=env and part.kind == '"', in_string=True)[0]


def _expand_home(text: str) -> str:
    if text.startswith("~"):
        head, sep, rest = text.partition("/")
        expanded = os.path.expanduser(head)
        return expanded.replace(os.sep, "/") + sep + rest
    return text


def _run_glob(pattern: str, shown: str, hidden: bool, recursive: bool) -> list[str]:
    found = _glob.glob(pattern, recursive=recursive, include_hidden=hidden)
    if not found:
        raise ScriptError(f'glob expression "{shown}" returned zero files.')
    return sorted(p.replace(os.sep, "/") for p in found)


def _token(parts: list[_Part], env: bool, expand: bool, hidden: bool, recursive: bool) -> list[str]:
    first = parts[0]
    if len(parts) == 1 and first.kind != "text":
        return [_string_value(first, env)]
    if first.kind == "text":
        value, star = _resolve(first.raw, env=env, in_string=False)
        if expand and star:
            pattern = _resolve(first.raw, env=env, in_string=False, glob_pattern=True)[0]
            suffix = "".join(_part_plain(p, env) for p in parts[1:])
            found = _run_glob(_expand_home(pattern), first.raw, hidden, recursive)
            return [m + suffix for m in found]
        if len(parts) == 1:
            return [_expand_home(value) if expand else value]
    return ["".join(_part_intermixed(p, env) for p in parts)]


def _part_plain(part: _Part, env: bool) -> str:
    if part.kind == "text":
        return _resolve(part.raw, env=env, in_string=False)[0]
    return _string_value(part, env)


def _part_intermixed(part: _Part, env: bool) -> str:
    if part.kind == "text":
        return _resolve(part.raw, env=env, in_string=False)[0]
    inner = _expand_env_verbatim(part.raw) if env and part.kind == '"' else part.raw
    return part.kind + inner + part.kind


def shell_split(text: str, env: bool = True, expand: bool = True, glob_hidden: bool = False,
                glob_recursive: bool = False) -> list[str]:
    """Tokenize ``text`` by the dgenerate rules; ``expand`` turns on glob and ``~`` expansion."""
    return [value for parts in _split_parts(text)
            for value in _token(parts, env, expand, glob_hidden, glob_recursive)]


def unquote(strings: str | Iterable, expand: bool = False, glob_hidden: bool = False,
            glob_recursive: bool = False) -> list:
    """Shell-parse a string (or each item of an iterable) into one flat list (no env expansion)."""
    items = [strings] if isinstance(strings, str) else list(strings)
    result: list = []
    for item in items:
        result += shell_split(str(item), env=False, expand=expand, glob_hidden=glob_hidden,
                              glob_recursive=glob_recursive)
    return result


def _needs_quotes(text: str) -> bool:
    if text == "":
        return True
    try:
        return shell_split(text, env=False, expand=False) != [text]
    except ScriptError:
        return True


def quote_one(text: str, double: bool = False, quotes: bool = True) -> str:
    """Quote one string so that the tokenizer reads it back as a single token."""
    text = str(text)
    special = any(c in text for c in "*$%#") or text.startswith("~")
    if not special and not _needs_quotes(text):
        return text
    mark = '"' if double else "'"
    escaped = text.replace("\\", "\\\\").replace(mark, "\\" + mark)
    return mark + escaped + mark if quotes else escaped


def quote(strings: str | Iterable, double: bool = False, quotes: bool = True) -> str:
    """Quote a string, or each item of an iterable joined by spaces."""
    if isinstance(strings, str):
        return quote_one(strings, double, quotes)
    return " ".join(quote_one(str(s), double, quotes) for s in strings)
