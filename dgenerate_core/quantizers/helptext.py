"""``--quantizer-help`` and ``\\quantizer_help``: the backend list, or each named backend's
arguments and documentation."""

from __future__ import annotations

import textwrap
from typing import Iterable

from dgenerate_core.errors import UsageError
from dgenerate_core.quantizers.registry import BACKENDS, Backend, find_backend

WIDTH = 100


def _paragraphs(text: str) -> list[str]:
    lines: list[str] = []
    for para in textwrap.dedent(text).strip().split("\n\n"):
        lines += textwrap.wrap(" ".join(para.split()), WIDTH, initial_indent="    ",
                               subsequent_indent="    ", break_on_hyphens=False) or [""]
        lines.append("")
    return lines


def backend_help(backend: Backend) -> str:
    """One backend's block: names, arguments with types and defaults, then its documentation."""
    lines = [" | ".join(backend.names) + ":", "    arguments:"]
    for arg in backend.args:
        lines.append(f"        {arg.name}: {arg.type_name} = {arg.default_text()}")
    lines.append("")
    lines += _paragraphs(backend.help)
    width = max(len(line) for line in lines)
    return "\n".join(lines + ["=" * width])


def format_quantizer_help(names: Iterable[str] | None = None) -> str:
    """The list of backend names, or the documentation of the ones named."""
    wanted = list(names or [])
    if not wanted:
        return "Available quantizers:\n\n" + "\n".join(f'    "{b.name}"' for b in BACKENDS)
    unknown = [n for n in wanted if find_backend(n) is None]
    if unknown:
        raise UsageError("No quantizers named: " + ", ".join(f'"{n}"' for n in unknown)
                         + "; available: " + ", ".join(b.name for b in BACKENDS))
    return "\n\n".join(backend_help(find_backend(n)) for n in wanted)
