"""Invocation lines that only ask for help (``--help``, ``--version``, ``--*-help``)."""

from __future__ import annotations

from typing import Any

from dgenerate_core import __version__
from dgenerate_core.options import format_help
from dgenerate_core.script import helpformat
from dgenerate_core.script.listings import help_listing

SCRIPT_LISTINGS = {"--templates-help": "templates_help", "--directives-help": "directives_help",
                   "--functions-help": "functions_help"}
OTHER_LISTINGS = ("--image-processor-help", "--latents-processor-help", "--prompt-weighter-help",
                  "--prompt-upscaler-help", "--quantizer-help", "--sub-command-help")


def _names_after(argv: list[str], option: str) -> list[str]:
    index = argv.index(option)
    names = []
    for token in argv[index + 1:]:
        if token.startswith("-"):
            break
        names.append(token)
    return names


def run_help_listing(runner: Any, argv: list[str]) -> bool:
    """Print the help an invocation asks for and return True; False for a real generation."""
    if "-h" in argv or "--help" in argv:
        runner.print(format_help())
        return True
    if "--version" in argv:
        runner.print(f"dgenerate v{__version__}")
        return True
    for option in SCRIPT_LISTINGS:
        if option in argv:
            names = _names_after(argv, option)
            if option == "--templates-help":
                runner.print(helpformat.format_templates_help(names or None, runner))
            elif option == "--directives-help":
                runner.print(helpformat.format_directives_help(names or None))
            else:
                runner.print(helpformat.format_functions_help(names or None))
            return True
    for option in OTHER_LISTINGS:
        if option in argv:
            help_listing(option, _names_after(argv, option))
            return True
    return False
