"""The ``.dgen`` config script language: reader, tokenizer, templating, directives, interpreter.

Importing this package never imports torch, diffusers or transformers.
"""

from dgenerate_core.script.helpformat import (
    format_directives_help, format_functions_help, format_templates_help,
)
from dgenerate_core.script.checker import Diagnostic, static_check
from dgenerate_core.script.interpreter import ConfigRunner
from dgenerate_core.script.registry import register_directive, register_function

__all__ = [
    "ConfigRunner", "Diagnostic", "static_check", "register_directive", "register_function",
    "format_directives_help", "format_functions_help", "format_templates_help",
]

