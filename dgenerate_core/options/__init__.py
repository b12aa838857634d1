"""The one option table of dgenerate and everything generated from it.

``OPTIONS`` defines every command line option once; the argparse parser (``parse_args``), the
cross-option rules (``validate``), ``--help`` (``format_help``) and the reconstruction of a
command line (``to_command_line``) are all derived from it. Importing this package never imports
torch or diffusers.
"""

from dgenerate_core.options.spec import FLAG, LIST, ONE, OPTLIST, OptionSpec
from dgenerate_core.options.table import (
    BY_DEST, EXCLUSIVE_GROUPS, IMPLEMENTED_MODEL_TYPES, OPTIONS, find_option, list_options,
)
from dgenerate_core.options.parse import RenderOptions, build_parser, find_sub_command, parse_args
from dgenerate_core.options.validate import RULES, check_model_path, is_help_mode, validate
from dgenerate_core.options.helpgen import (
    format_help, format_option_help, format_usage, options_markdown,
)
from dgenerate_core.options.reconstruct import (
    option_value_map, template_variables, to_argv, to_command_line,
)
from dgenerate_core.options.implied import resolve_implied, resolve_seeds

__all__ = [
    "FLAG", "LIST", "ONE", "OPTLIST", "OptionSpec", "BY_DEST", "EXCLUSIVE_GROUPS",
    "IMPLEMENTED_MODEL_TYPES", "OPTIONS", "find_option", "list_options", "RenderOptions",
    "build_parser", "find_sub_command", "parse_args", "RULES", "check_model_path",
    "is_help_mode", "validate", "format_help", "format_option_help", "format_usage",
    "options_markdown", "option_value_map", "template_variables", "to_argv", "to_command_line",
    "resolve_implied", "resolve_seeds",
]
