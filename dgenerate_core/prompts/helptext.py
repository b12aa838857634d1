"""``--prompt-weighter-help`` and ``--prompt-upscaler-help`` texts, generated from the classes in
the registries."""

from __future__ import annotations

from typing import Iterable

from dgenerate_core import prompt_registry
from dgenerate_core.errors import UsageError
from dgenerate_core.helpwrap import paragraphs, underlined
from dgenerate_core.processors.args import help_block

WHAT = {"prompt-weighter": "prompt weighters", "prompt-upscaler": "prompt upscalers"}


def plugin_help(kind: str, name: str) -> str:
    """One help block: the arguments (from the constructor), then the description."""
    cls = prompt_registry.lookup(kind, name)
    lines = help_block(name, cls.arg_specs())
    lines += paragraphs(cls.help_text(name) or "No documentation.")
    return underlined(lines)


def format_help(kind: str, names: Iterable[str] | None = None) -> str:
    """The list of names of ``kind``, or the help of the ones named."""
    wanted = list(names or [])
    if not wanted:
        listed = "\n".join(f'    "{n}"' for n in prompt_registry.names(kind))
        return f"Available {WHAT[kind]}:\n\n{listed}"
    every = prompt_registry.classes(kind, include_hidden=True)
    unknown = [n for n in wanted if n not in every]
    if unknown:
        raise UsageError(f"No {WHAT[kind]} named: " + ", ".join(f'"{n}"' for n in unknown))
    return "\n\n".join(plugin_help(kind, n) for n in wanted)
