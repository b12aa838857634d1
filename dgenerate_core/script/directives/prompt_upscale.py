r"""\prompt_upscale: the prompt-upscale sub-command as a config directive, with --setp."""

from __future__ import annotations

from dgenerate_core.registries.script import builtin
from dgenerate_core.subcommands.prompt_upscale import prompt_upscale


@builtin("prompt_upscale", r"""
Alias for: --sub-command prompt-upscale, with the additional option --setp VARIABLE, which sets
a config template variable to the python list of the upscaled prompt strings (like \setp)
instead of printing them. --setp leaves only --prompts, --upscaler and --help in use.

This upscales prompts without performing diffusion, and does not end the config. See
\prompt_upscale --help.
""")
def _prompt_upscale(ctx, args: list[str]) -> int:
    result = prompt_upscale(args, "\\prompt_upscale", offline=getattr(ctx, "offline", False),
                            directive=True)
    if isinstance(result, int):
        return result
    prompts, variable = result
    if variable is not None:
        ctx.variables[variable] = list(prompts)
    return 0
