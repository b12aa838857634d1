"""The Stable Diffusion web UI (A1111) prompt weighting syntax: parsing, stripping, and
translation to compel (InvokeAI) syntax. Pure Python.

``(text)`` multiplies the weight of ``text`` by 1.1, ``[text]`` divides it by 1.1, ``(text:1.5)``
sets a factor of 1.5; brackets nest and multiply. ``\\(`` and friends are literal brackets.
``BREAK`` (upper case, a word of its own) starts a new 75 token chunk. Unclosed brackets apply
to the rest of the prompt, like the web UI.
"""

from __future__ import annotations

import re

ROUND = 1.1
_TOKEN = re.compile(r"""
    \\[()\[\]\\:]          # escaped bracket, backslash or colon
  | \(                     # open round
  | \[                     # open square
  | :\s*([+-]?(?:\d+\.?\d*|\.\d+))\s*\)   # ":1.2)" closes a round bracket with a weight
  | \)                     # close round
  | \]                     # close square
  | \bBREAK\b              # chunk break
  | [^\\()\[\]:B]+         # plain text
  | .                      # anything else (a lone colon, a B that is not BREAK)
""", re.VERBOSE | re.DOTALL)

#: the weight marking a BREAK segment
BREAK = -1.0


def parse(text: str) -> list[tuple[str, float]]:
    """``text`` -> ``[(segment, weight), ...]``; a BREAK is ``("BREAK", -1.0)``. Adjacent
    segments of equal weight are merged; an empty prompt is ``[("", 1.0)]``."""
    result: list[list] = []
    round_open: list[int] = []
    square_open: list[int] = []

    def scale(start: int, factor: float) -> None:
        for item in result[start:]:
            if item[1] != BREAK:
                item[1] *= factor

    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if token.startswith("\\") and len(token) == 2:
            result.append([token[1], 1.0])
        elif token == "(":
            round_open.append(len(result))
        elif token == "[":
            square_open.append(len(result))
        elif m.group(1) is not None and round_open:
            scale(round_open.pop(), float(m.group(1)))
        elif token == ")" and round_open:
            scale(round_open.pop(), ROUND)
        elif token == "]" and square_open:
            scale(square_open.pop(), 1 / ROUND)
        elif token == "BREAK":
            result.append(["BREAK", BREAK])
        else:
            result.append([token, 1.0])
    for start in round_open:
        scale(start, ROUND)
    for start in square_open:
        scale(start, 1 / ROUND)
    merged: list[list] = []
    for segment, weight in result:
        if merged and merged[-1][1] == weight and weight != BREAK:
            merged[-1][0] += segment
        else:
            merged.append([segment, weight])
    return [(s, w) for s, w in merged] or [("", 1.0)]


def strip(text: str) -> str:
    """The prompt with its weighting syntax removed (BREAK becomes a space)."""
    return " ".join("".join(" " if w == BREAK else s for s, w in parse(text)).split())


def _compel_escape(text: str) -> str:
    return re.sub(r"([()\[\]+\-])", r"\\\1", text)


def to_compel(text: str) -> str:
    """Translate web UI syntax to compel syntax: ``(a cat:1.3)`` -> ``(a cat)1.3``."""
    out: list[str] = []
    for segment, weight in parse(text):
        if weight == BREAK:
            out.append(" ")
            continue
        if not segment.strip():
            out.append(segment)
            continue
        escaped = _compel_escape(segment)
        if abs(weight - 1.0) < 1e-9:
            out.append(escaped)
            continue
        lead = segment[:len(segment) - len(segment.lstrip())]
        trail = segment[len(segment.rstrip()):]
        out.append(f"{lead}({_compel_escape(segment.strip())}){round(weight, 4)}{trail}")
    return "".join(out)
