r"""\civitai_links: the civitai-links sub-command as a config directive."""

from __future__ import annotations

from dgenerate_core.script.registry import builtin
from dgenerate_core.subcommands.civitai_links import civitai_links


@builtin("civitai_links", r"""
Alias for: --sub-command civitai-links

This allows listing all the hard links to models on a CivitAI model page.

See: \civitai_links --help

This does not cause the config to exit.
""")
def _civitai_links(ctx, args: list[str]) -> int:
    return civitai_links(args, "\\civitai_links", offline=getattr(ctx, "offline", False))
