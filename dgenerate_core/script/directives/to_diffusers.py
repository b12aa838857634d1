r"""\to_diffusers: the to-diffusers sub-command as a config directive."""

from __future__ import annotations

from dgenerate_core.registries.script import builtin
from dgenerate_core.subcommands.to_diffusers import to_diffusers


@builtin("to_diffusers", r"""
Alias for: --sub-command to-diffusers

Save a model (a single file checkpoint, a URL or a Hugging Face repository) as a diffusers
folder, in float32 and / or float16 (-t). See: \to_diffusers --help

This does not cause the config to exit.
""")
def _to_diffusers(ctx, args: list[str]) -> int:
    return to_diffusers(args, "\\to_diffusers", offline=getattr(ctx, "offline", False))
