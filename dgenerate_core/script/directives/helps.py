"""Help directives: help, directives_help, functions_help, templates_help, the *_help aliases,
and reset_lineno (which the reader handles on its own line)."""

from __future__ import annotations

from dgenerate_core.options import format_help
from dgenerate_core.registries.script import builtin
from dgenerate_core.script import helpformat
from dgenerate_core.script.listings import help_listing


@builtin("help", r"""
Print dgenerate's --help text (the same as an invocation line "--help").
""")
def _help(ctx, args: list[str]) -> int:
    ctx.print(format_help())
    return 0


@builtin("directives_help", r"""
List the config directives, or print the documentation of the ones named: \directives_help [NAME ...]

Names may be given with or without the leading backslash.
""")
def _directives_help(ctx, args: list[str]) -> int:
    ctx.print(helpformat.format_directives_help(args or None))
    return 0


@builtin("functions_help", r"""
List the template functions with their signatures, or document the ones named:
\functions_help [NAME ...]
""")
def _functions_help(ctx, args: list[str]) -> int:
    ctx.print(helpformat.format_functions_help(args or None))
    return 0


@builtin("templates_help", r"""
Print the template variables with their types and current values, or only the ones named:
\templates_help [NAME ...]

Variables you defined are listed too. It does not stop the script.
""")
def _templates_help(ctx, args: list[str]) -> int:
    ctx.print(helpformat.format_templates_help(args or None, ctx))
    return 0


def _alias(directive: str, option: str, what: str) -> None:
    def run(ctx, args: list[str]) -> int:
        return help_listing(option, list(args))

    builtin(directive, f"""
List the {what}, or print the documentation of the ones named (the same as {option}).
""")(run)


_alias("image_processor_help", "--image-processor-help", "image processors")
_alias("latents_processor_help", "--latents-processor-help", "latents processors")
_alias("prompt_weighter_help", "--prompt-weighter-help", "prompt weighters")
_alias("prompt_upscaler_help", "--prompt-upscaler-help", "prompt upscalers")
_alias("quantizer_help", "--quantizer-help", "quantization backends")


@builtin("reset_lineno", r"""
Restart the line count used in error messages: the next line is line 1.

Only meaningful alone on its line; the console sends it before each submission.
""")
def _reset_lineno(ctx, args: list[str]) -> int:
    return 0
