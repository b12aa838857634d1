"""Pure line operations behind Tab / Shift+Tab / ``#`` on a selection."""

from __future__ import annotations

__all__ = ["indent_lines", "unindent_lines", "toggle_comment_lines", "INDENT"]

INDENT = "    "


def indent_lines(lines: list[str]) -> list[str]:
    """Prefix every non-empty line with four spaces."""
    return [INDENT + line if line.strip() else line for line in lines]


def unindent_lines(lines: list[str]) -> list[str]:
    """Remove up to four leading spaces (or one tab) from every line."""
    out = []
    for line in lines:
        if line.startswith("\t"):
            out.append(line[1:])
        else:
            spaces = len(line) - len(line.lstrip(" "))
            out.append(line[min(len(INDENT), spaces):])
    return out


def toggle_comment_lines(lines: list[str]) -> list[str]:
    """Comment every line with ``# `` or, when all non-blank lines are comments, uncomment them."""
    content = [line for line in lines if line.strip()]
    if content and all(line.lstrip().startswith("#") for line in content):
        out = []
        for line in lines:
            stripped = line.lstrip()
            if not stripped.startswith("#"):
                out.append(line)
                continue
            lead = line[:len(line) - len(stripped)]
            rest = stripped[1:]
            out.append(lead + (rest[1:] if rest.startswith(" ") else rest))
        return out
    return ["# " + line if line.strip() else line for line in lines]
