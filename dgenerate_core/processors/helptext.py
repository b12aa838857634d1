"""``--image-processor-help`` and ``--latents-processor-help`` texts, generated from the classes."""

from __future__ import annotations

import textwrap
from typing import Iterable

from dgenerate_core.errors import UsageError
from dgenerate_core.processors.args import help_block
from dgenerate_core.processors.registry import is_built, processor_classes, shown_args

WIDTH = 100
WHAT = {"image": "image processors", "latents": "latents processors"}


def _wrap(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in textwrap.dedent(text).strip().split("\n\n"):
        if paragraph.lstrip().startswith(("-", "*")) or "\n    " in paragraph:
            lines += ["    " + ln for ln in paragraph.splitlines()]
        else:
            lines += textwrap.wrap(" ".join(paragraph.split()), WIDTH, initial_indent="    ",
                                   subsequent_indent="    ", break_on_hyphens=False,
                                   break_long_words=False) or [""]
        lines.append("")
    return lines


def processor_help(kind: str, name: str) -> str:
    """The help block of one processor: arguments (from the signature), then its description."""
    cls = processor_classes(kind, include_hidden=True)[name]
    lines = help_block(name, shown_args(cls, name))
    lines += _wrap(cls.help_text(name) or "No documentation.")
    if not is_built(cls):
        lines += _wrap(f"{name} is not supported yet.")
    width = max(len(line) for line in lines)
    return "\n".join(lines + ["=" * width])


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
