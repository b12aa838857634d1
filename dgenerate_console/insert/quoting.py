"""Quoting of inserted text for the ``.dgen`` language and for ``;key=value`` URIs."""

from __future__ import annotations

from typing import Mapping

from dgenerate_core.script.tokens import quote_one
from dgenerate_core.uri import format_uri


def quote_token(text: str) -> str:
    """``text`` as one ``.dgen`` argument: unchanged when plain, else single-quoted and escaped.

    Single quotes are used because double-quoted strings expand environment variables.
    """
    return quote_one(text)


def quote_path(path: str) -> str:
    """A file or directory path as one ``.dgen`` argument (spaces, quotes, backslashes, ``$``)."""
    return quote_one(path)


def force_quote(text: str) -> str:
    """Always double-quote (prompts); backslashes, quotes, ``$`` and ``%`` are escaped."""
    for char in "\\\"$%":
        text = text.replace(char, "\\" + char)
    return '"' + text + '"'


def build_uri(path: str, args: Mapping[str, str]) -> str:
    """``path;key=value;...`` with values quoted where the URI parser needs it."""
    return format_uri(path, {k: str(v) for k, v in args.items()})
