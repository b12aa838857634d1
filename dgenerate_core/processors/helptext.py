"""``--image-processor-help`` and ``--latents-processor-help`` texts, generated from the classes."""

from __future__ import annotations

from typing import Iterable

from dgenerate_core.errors import UsageError
from dgenerate_core.helpwrap import paragraphs, underlined
from dgenerate_core.processors.args import help_block
from dgenerate_core.processors.registry import is_built, processor_classes, shown_args

WHAT = {"image": "image processors", "latents": "latents processors"}


def processor_help(kind: str, name: str) -> str:
    """The help block of one processor: arguments (from the signature), then its description."""
    cls = processor_classes(kind, include_hidden=True)[name]
    lines = help_block(name, shown_args(cls, name))
    lines += paragraphs(cls.help_text(name) or "No documentation.")
    if not is_built(cls):
        lines += paragraphs(f"{name} is not supported yet.")
    return underlined(lines)


def format_processor_help(kind: str, names: Iterable[str] | None = None) -> str:
    """The list of processor names of ``kind``, or the help of the ones named."""
    classes = processor_classes(kind)
    wanted = list(names or [])
    if not wanted:
        listed = "\n".join(f'    "{n}"' for n in classes)
        return f"Available {WHAT[kind]}:\n\n{listed}"
    every = processor_classes(kind, include_hidden=True)
    unknown = [n for n in wanted if n not in every]
    if unknown:
        raise UsageError(f"No {WHAT[kind]} named: " + ", ".join(f'"{n}"' for n in unknown))
    return "\n\n".join(processor_help(kind, n) for n in wanted)
