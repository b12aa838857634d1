"""The ``--*-help`` listings (command line, ``\\*_help`` directives and help-only invocation lines)."""

from __future__ import annotations

from dgenerate_core.processors.helptext import format_processor_help
from dgenerate_core.prompts.helptext import format_help as format_prompt_help
from dgenerate_core.quantizers import format_quantizer_help
from dgenerate_core.registries.listings import LISTINGS, REFERENCE_NAMES, SCRIPT_LISTINGS  # noqa: F401
from dgenerate_core.script import helpformat
from dgenerate_core.subcommands.registry import format_sub_command_help


def help_listing(option: str, names: list[str]) -> int:
    """Print one ``--*-help`` listing (names given: their documentation); return the status."""
    if option in ("--image-processor-help", "--latents-processor-help"):
        print(format_processor_help(option[2:].split("-")[0], names))
        return 0
    if option == "--quantizer-help":
        print(format_quantizer_help(names))
        return 0
    if option == "--sub-command-help":
        print(format_sub_command_help(names))
        return 0
    if option in ("--prompt-weighter-help", "--prompt-upscaler-help"):
        print(format_prompt_help(option[2:-5], names))
        return 0
    formatter = {
        "--directives-help": helpformat.format_directives_help,
        "--functions-help": helpformat.format_functions_help,
        "--templates-help": helpformat.format_templates_help,
    }[option]
    print(formatter(names or None))
    return 0
