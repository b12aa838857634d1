"""``--quantizer-help`` and ``\\quantizer_help``: the backend list, or each named backend's
arguments and documentation."""

from __future__ import annotations

from typing import Iterable

from dgenerate_core.errors import UsageError
from dgenerate_core.helpwrap import paragraphs, underlined
from dgenerate_core.quantizers.registry import BACKENDS, Backend, find_backend

def backend_help(backend: Backend) -> str:
    """One backend's block: names, arguments with types and defaults, then its documentation."""
    lines = [" | ".join(backend.names) + ":", "    arguments:"]
    for arg in backend.args:
        lines.append(f"        {arg.name}: {arg.type_name} = {arg.default_text()}")
    lines.append("")
    lines += paragraphs(backend.help)
    return underlined(lines)


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
