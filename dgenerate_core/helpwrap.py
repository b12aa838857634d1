"""The paragraph layout every ``--*-help`` block shares: text wrapped at 100 columns under a
four-space indent, examples and lists kept as written, and the ``=`` underline. Plain text in,
lines out; the ground floor, so every help writer can use it."""

from __future__ import annotations

import textwrap

WIDTH = 100
INDENT = "    "


def _kept(paragraph: str) -> bool:
    """An example (indented lines) or a list: shown line by line as written."""
    return (paragraph.startswith(INDENT) or f"\n{INDENT}" in paragraph
            or paragraph.lstrip().startswith(("-", "*")))


def paragraphs(text: str, width: int = WIDTH) -> list[str]:
    """``text``'s paragraphs (split at blank lines), each indented and followed by a blank line;
    prose is re-wrapped to ``width``, examples and lists keep their lines."""
    lines: list[str] = []
    for paragraph in textwrap.dedent(text).strip().split("\n\n"):
        if _kept(paragraph):
            lines += [INDENT + line for line in paragraph.splitlines()]
        else:
            lines += textwrap.wrap(" ".join(paragraph.split()), width, initial_indent=INDENT,
                                   subsequent_indent=INDENT, break_on_hyphens=False,
                                   break_long_words=False) or [""]
        lines.append("")
    return lines


def underlined(lines: list[str]) -> str:
    """``lines`` joined, closed by a row of ``=`` as wide as the widest line."""
    return "\n".join(lines + ["=" * max(len(line) for line in lines)])


def block(title: str, text: str) -> str:
    """``title:``, a blank line, the paragraphs of ``text``, the underline."""
    return underlined([f"{title}:", ""] + paragraphs(text))
