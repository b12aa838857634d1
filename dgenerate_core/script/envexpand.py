"""Environment variable expansion: ``$VAR``, ``${VAR}`` and ``%VAR%`` (a backslash escapes it)."""

from __future__ import annotations

import os
import re
from typing import Mapping

ENV_RE = re.compile(r"(?<!\\)(?:\$(\w+)|\$\{(\w+)\}|%(\w+)%)")


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace every unescaped env reference in ``text``; unset variables become ``''``."""
    env = os.environ if environ is None else environ

    def repl(match: re.Match) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        return env.get(name, "")

    return ENV_RE.sub(repl, text)


def match_env_at(text: str, pos: int) -> tuple[str, int] | None:
    """If an env reference starts at ``pos``, return ``(name, end)``; used by the tokenizer."""
    match = ENV_RE.match(text, pos)
    if match is None:
        return None
    return match.group(1) or match.group(2) or match.group(3), match.end()
