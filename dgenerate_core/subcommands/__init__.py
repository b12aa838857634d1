"""Sub-commands (``--sub-command NAME``): the plugin interface (``base``), dispatch and help
(``registry``), and ``image-process`` (``image_process``, shared with ``\\image_process``)."""

from dgenerate_core.subcommands.base import SubCommand
from dgenerate_core.subcommands.registry import format_sub_command_help, run_sub_command

__all__ = ["SubCommand", "format_sub_command_help", "run_sub_command"]
